use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::PASSWORD;

async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let ct = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(ct, "application/problem+json", "status {status}");
    (status, response.json().await.expect("problem json"))
}

both_backends! {
    async fn an_unknown_api_route_is_a_404_problem_and_a_page_is_an_html_404(app) {
        let (status, body) = problem(app.get("/api/v1/no-such-thing").await).await;
        assert_eq!(status, 404);
        assert_eq!(body["status"], 404);
        assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());

        let page = app.get("/no-such-page").await;
        assert_eq!(page.status(), 404);
        assert!(page.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
        let html = page.text().await.expect("html");
        assert!(html.contains("没有找到该页面或记录"), "{html}");
    }

    async fn an_unsupported_method_is_a_405(app) {
        let (status, _) = problem(app.get("/api/v1/auth/token").await).await;
        assert_eq!(status, 405);
        let response = app.client.put(app.url("/api/v1/committees")).send().await.expect("put");
        assert_eq!(response.status(), 405);
    }

    async fn malformed_and_empty_json_are_400(app) {
        for body in ["{\"username\": ", "", "   ", "[1,2"] {
            let response = app
                .client
                .post(app.url("/api/v1/auth/token"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("post");
            let (status, problem) = problem(response).await;
            assert_eq!(status, 400, "body {body:?}: {problem}");
        }
    }

    async fn a_wrong_content_type_is_415(app) {
        let response = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .header("content-type", "text/plain")
            .body("{\"username\":\"a\",\"password\":\"b\"}")
            .send()
            .await
            .expect("post");
        assert_eq!(problem(response).await.0, 415);
    }

    async fn a_ten_megabyte_body_is_413(app) {
        let big = format!("{{\"username\":\"{}\"}}", "x".repeat(10 * 1024 * 1024));
        let response = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .expect("post");
        assert_eq!(problem(response).await.0, 413);
        let response = app
            .client
            .post(app.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("username={}", "x".repeat(10 * 1024 * 1024)))
            .send()
            .await
            .expect("post form");
        assert_eq!(response.status(), 413);
    }

    async fn validation_failures_name_every_field_in_the_requested_language(app) {
        app.create_user("admin", hesheng::domain::account::Role::Admin, 1);
        let token = app.token("admin").await;
        let response = app
            .client
            .post(app.url("/api/v1/committees"))
            .bearer_auth(&token)
            .header("accept-language", "en-GB,en;q=0.9")
            .json(&json!({"name": "", "abbreviation": "敦南", "zone_class": "9", "night_start": "25:00"}))
            .send()
            .await
            .expect("post");
        let (status, body) = problem(response).await;
        assert_eq!(status, 422);
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["name", "zone_class", "night_start"]);
        assert_eq!(body["errors"][1]["message"], "The sound zone class must be 0, 1, 2, 3, 4a or 4b.");

        let response = app
            .client
            .post(app.url("/api/v1/committees"))
            .bearer_auth(&token)
            .json(&json!({"name": "", "abbreviation": "敦南", "zone_class": "1"}))
            .send()
            .await
            .expect("post");
        let (_, body) = problem(response).await;
        assert_eq!(body["errors"][0]["message"], "此项必填。");
        assert_eq!(hesheng::db::committees::list(&mut app.conn()).expect("list").len(), 1, "nothing written");
    }

    async fn a_json_value_of_the_wrong_type_names_its_field(app) {
        let response = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": ["admin"], "password": PASSWORD}))
            .send()
            .await
            .expect("post");
        let (status, body) = problem(response).await;
        assert_eq!(status, 422);
        assert_eq!(body["errors"][0]["field"], "username");
    }

    async fn internal_details_never_reach_a_response(app) {
        app.create_user("admin", hesheng::domain::account::Role::Admin, 1);
        let token = app.token("admin").await;
        let response = app.api_get("/api/v1/committees/99999999999999999999", &token).await;
        let (status, body) = problem(response).await;
        assert_eq!(status, 404);
        let text = body.to_string().to_lowercase();
        for leak in ["diesel", "sqlite", "postgres", "panicked", "can not parse", "number too large"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }
}
