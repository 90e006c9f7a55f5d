use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;

both_backends! {
    async fn an_installation_admin_creates_a_committee_with_defaults(app) {
        app.create_user("admin", Role::Admin, 1);
        let token = app.token("admin").await;
        let response = app
            .api_post("/api/v1/committees", &token, &json!({"name": "敦化南路社区人民调解委员会", "abbreviation": "敦南", "zone_class": "1"}))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.expect("json");
        assert!(body["id"].as_i64().is_some_and(|id| id > 1));
        assert_eq!(body["night_start"], "22:00");
        assert_eq!(body["night_end"], "06:00");
        assert_eq!(body["number_pattern"], "（{year}）{abbr}人调字第{seq}号");
        let id = body["id"].as_i64().expect("id");
        assert_eq!(app.api_get(&format!("/api/v1/committees/{id}"), &token).await.status(), 200);
    }

    async fn only_installation_admins_create_committees(app) {
        app.create_user("mediator.wang", Role::Mediator, 1);
        let token = app.token("mediator.wang").await;
        let body = json!({"name": "X", "abbreviation": "X", "zone_class": "2"});
        assert_eq!(app.api_post("/api/v1/committees", &token, &body).await.status(), 403);
        assert_eq!(app.client.post(app.url("/api/v1/committees")).json(&body).send().await.expect("post").status(), 401);

        // An administrator of another committee is not an installation administrator.
        let other = hesheng::db::committees::create(
            &mut app.conn(),
            &hesheng::domain::audit::Actor::cli(),
            &hesheng::domain::committee::CommitteeSettings::default_committee(),
        )
        .expect("committee");
        app.create_user("admin.other", Role::Admin, other);
        let token = app.token("admin.other").await;
        assert_eq!(app.api_post("/api/v1/committees", &token, &body).await.status(), 403);
        assert_eq!(app.api_get("/api/v1/committees/1", &token).await.status(), 404, "another committee is invisible");
    }

    async fn admins_create_users_under_the_password_policy(app) {
        app.create_user("admin", Role::Admin, 1);
        let token = app.token("admin").await;
        let weak = app
            .api_post("/api/v1/users", &token, &json!({"username": "li.mei", "role": "grid_worker", "password": "password1234"}))
            .await;
        assert_eq!(weak.status(), 422);
        let body: Value = weak.json().await.expect("json");
        assert_eq!(body["errors"][0]["field"], "password");

        let bad = app
            .api_post("/api/v1/users", &token, &json!({"username": "x", "role": "boss", "password": "short"}))
            .await;
        let body: Value = bad.json().await.expect("json");
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["username", "role", "password"]);

        let created = app
            .api_post(
                "/api/v1/users",
                &token,
                &json!({"username": "li.mei", "display_name": "李梅", "role": "grid_worker", "password": "tea garden at dusk"}),
            )
            .await;
        assert_eq!(created.status(), 201);
        let body: Value = created.json().await.expect("json");
        assert_eq!(body["display_name"], "李梅");
        assert!(body.get("password_hash").is_none());

        let again = app
            .api_post("/api/v1/users", &token, &json!({"username": "LI.MEI", "role": "staff", "password": "tea garden at dusk"}))
            .await;
        assert_eq!(again.status(), 409);

        let list: Value = app.api_get("/api/v1/users", &token).await.json().await.expect("list");
        assert_eq!(list.as_array().map(Vec::len), Some(2));
    }
}
