//! Noise monitors over HTTP: registration by the committee's
//! administrators and mediators only, and the devices' batches of readings
//! — stored once, resent without effect, refused by name and rate-limited
//! when wrong, never changed afterwards.

use diesel::RunQueryDsl;
use hesheng::db::monitor_readings;
use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::pages::Visitor;
use crate::records::case_body;

/// A certified monitor as the API registers it.
pub fn monitor_body(mn: &str) -> Value {
    json!({
        "place": "敦化南路64号院 3号楼窗外1米",
        "position": "outside_window_1m",
        "instrument_class": "class1",
        "serial": "AWA6228-0042",
        "calibrated_on": "2026-01-10",
        "calibration_valid_until": "2099-01-09",
        "mn": mn,
        "hj212_password": "123456",
    })
}

/// Registers a monitor as a mediator of committee 1: (monitor, its token).
pub async fn registered(app: &TestApp, mediator: &str, mn: &str) -> (i64, String) {
    let m = app.post_ok("/api/v1/monitors", mediator, &monitor_body(mn), 201).await;
    (m["id"].as_i64().expect("id"), m["token"].as_str().expect("token").to_owned())
}

fn minute(at: &str, laeq: f64) -> Value {
    json!({"at": at, "interval_s": 60, "laeq_db": laeq, "lafmax_db": laeq + 9.5, "l10_db": laeq + 2.0, "l90_db": laeq - 6.0})
}

async fn send(app: &TestApp, id: i64, token: &str, readings: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/monitors/{id}/readings")))
        .bearer_auth(token)
        .header("Accept-Language", "en")
        .json(&json!({"readings": readings}))
        .send()
        .await
        .expect("readings")
}

async fn stored(app: &TestApp, id: i64) -> i64 {
    monitor_readings::count(&mut app.conn(), id).expect("count")
}

both_backends! {
    async fn a_batch_is_stored_once_and_a_resend_changes_nothing(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &mediator, &case_body(&[]), 201).await;
        let mut body = monitor_body("HS-DH64-01");
        body["case_id"] = case["id"].clone();
        let m = app.post_ok("/api/v1/monitors", &mediator, &body, 201).await;
        assert_eq!(m["case_id"], case["id"]);
        assert_eq!(m["basis_today"], "certified");
        assert_eq!(m["hj212_password"], "123456");
        let (id, token) = (m["id"].as_i64().expect("id"), m["token"].as_str().expect("token").to_owned());

        let batch = json!([
            minute("2026-06-01T20:50:00+08:00", 54.2),
            minute("2026-06-01T20:51:00+08:00", 55.0),
            minute("2026-06-01T20:52:00+08:00", 53.7),
        ]);
        let r = send(&app, id, &token, batch.clone()).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.expect("json"), json!({"stored": 3, "already_stored": 0}));

        let r = send(&app, id, &token, batch.clone()).await;
        assert_eq!(r.json::<Value>().await.expect("json"), json!({"stored": 0, "already_stored": 3}), "a resend is idempotent");

        let mut more = batch.as_array().expect("batch").clone();
        more.push(minute("2026-06-01T20:53:00+08:00", 52.1));
        let r = send(&app, id, &token, json!(more)).await;
        assert_eq!(r.json::<Value>().await.expect("json"), json!({"stored": 1, "already_stored": 3}));
        assert_eq!(stored(&app, id).await, 4);

        // The same minute with other levels is not a resend: refused whole.
        let r = send(&app, id, &token, json!([minute("2026-06-01T20:54:00+08:00", 50.0), minute("2026-06-01T20:51:00+08:00", 70.0)])).await;
        assert_eq!(r.status(), 409);
        let problem: Value = r.json().await.expect("problem");
        assert!(problem["detail"].as_str().expect("detail").contains("never changed"), "{problem}");
        assert_eq!(stored(&app, id).await, 4, "nothing of a refused batch is stored");

        let readings = monitor_readings::between(
            &mut app.conn(), id,
            chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("day").and_hms_opt(12, 0, 0).expect("t"),
            chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("day").and_hms_opt(13, 0, 0).expect("t"),
        ).expect("readings");
        assert_eq!(readings.len(), 4);
        assert_eq!(readings[1].at.to_string(), "2026-06-01 12:51:00", "stored in UTC");
        assert_eq!((readings[1].laeq_db, readings[1].lafmax_db, readings[1].l10_db, readings[1].l90_db), (55.0, Some(64.5), Some(57.0), Some(49.0)));
    }

    async fn bad_readings_unknown_devices_and_wrong_tokens_are_refused_and_change_nothing(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let (id, token) = registered(&app, &mediator, "HS-DH64-02").await;

        let r = send(&app, id, &token, json!([
            minute("2026-06-01T20:50:00+08:00", 54.2),
            minute("2026-06-01T20:51:00+08:00", 170.0),
            minute("2099-06-01T20:52:00+08:00", 50.0),
        ])).await;
        assert_eq!(r.status(), 422);
        let problem: Value = r.json().await.expect("problem");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["readings[1].laeq_db", "readings[1].lafmax_db", "readings[1].l10_db", "readings[1].l90_db", "readings[2].at"]);
        let messages = problem["errors"].to_string();
        assert!(messages.contains("sound level meter") && messages.contains("ahead of the server's clock"), "{messages}");

        let r = send(&app, id, "not-the-token", json!([minute("2026-06-01T20:50:00+08:00", 54.2)])).await;
        assert_eq!(r.status(), 401);
        let problem: Value = r.json().await.expect("problem");
        assert_eq!(problem["detail"], "The monitor's token is missing or wrong.");

        let bare = app.client.post(app.url(&format!("/api/v1/monitors/{id}/readings")))
            .json(&json!({"readings": [minute("2026-06-01T20:50:00+08:00", 54.2)]})).send().await.expect("post");
        assert_eq!(bare.status(), 401, "no token at all");

        // A user's token is not a device's.
        let r = send(&app, id, &mediator, json!([minute("2026-06-01T20:50:00+08:00", 54.2)])).await;
        assert_eq!(r.status(), 401);

        let r = send(&app, id + 1000, &token, json!([minute("2026-06-01T20:50:00+08:00", 54.2)])).await;
        assert_eq!(r.status(), 404);
        assert_eq!(r.json::<Value>().await.expect("problem")["detail"], "There is no such monitor.");

        assert_eq!(stored(&app, id).await, 0, "no refused request stored anything");
    }

    async fn a_device_refused_too_often_is_answered_429_even_with_its_token(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let (id, token) = registered(&app, &mediator, "HS-DH64-03").await;
        let one = json!([minute("2026-06-01T20:50:00+08:00", 54.2)]);
        for _ in 0..21 {
            assert_eq!(send(&app, id, "guess", one.clone()).await.status(), 401);
        }
        let r = send(&app, id, &token, one.clone()).await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().get("retry-after").is_some());
        assert_eq!(stored(&app, id).await, 0);
        // Another device is not held up.
        let (other, other_token) = registered(&app, &mediator, "HS-DH64-04").await;
        assert_eq!(send(&app, other, &other_token, one).await.status(), 200);
    }

    async fn only_the_committees_administrators_and_mediators_register_monitors(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &mediator, &case_body(&[]), 201).await;
        for (name, role) in [("li.grid", Role::GridWorker), ("zhao.staff", Role::Staff)] {
            let token = app.user_token(name, role).await;
            let r = app.api_post("/api/v1/monitors", &token, &monitor_body("HS-X")).await;
            assert_eq!(r.status(), 403, "{name}");
        }
        let admin = app.user_token("admin", Role::Admin).await;
        let other = app.post_ok("/api/v1/committees", &admin, &json!({"name": "二区调委会", "abbreviation": "二区", "zone_class": "2"}), 201).await;
        app.create_user("m.two", Role::Mediator, other["id"].as_i64().expect("id"));
        let intruder = app.token("m.two").await;

        // Linking another committee's case is as if it did not exist.
        let mut body = monitor_body("HS-INTRUDER");
        body["case_id"] = case["id"].clone();
        assert_eq!(app.api_post("/api/v1/monitors", &intruder, &body).await.status(), 404);

        let (own, _) = registered(&app, &mediator, "HS-DH64-05").await;
        let theirs = app.post_ok("/api/v1/monitors", &intruder, &monitor_body("HS-TWO-01"), 201).await;
        assert_eq!(theirs["zone_class"], "2", "the committee's zone class by default");
        let list = app.get_json("/api/v1/monitors", &intruder).await;
        let ids: Vec<i64> = list.as_array().expect("list").iter().filter_map(|m| m["id"].as_i64()).collect();
        assert_eq!(ids, [theirs["id"].as_i64().expect("id")], "another committee's monitor {own} is not listed");
        assert!(list[0].get("token").is_none() && list[0].get("hj212_password").is_none(), "secrets are shown once");

        let r = app.api_post("/api/v1/monitors", &mediator, &monitor_body("HS-TWO-01")).await;
        assert_eq!(r.status(), 422, "an MN is registered once");
        let lapsed = app.post_ok("/api/v1/monitors", &mediator, &json!({
            "place": "院内", "position": "boundary", "instrument_class": "class2", "serial": "S-1",
            "calibrated_on": "2020-01-01", "calibration_valid_until": "2021-01-01", "mn": "HS-OLD"
        }), 201).await;
        assert_eq!(lapsed["basis_today"], "indicative", "a lapsed calibration supports no breach finding");
        assert_eq!(lapsed["hj212_password"].as_str().map(str::len), Some(12), "a password is generated when none is given");
    }

    async fn stored_readings_cannot_be_changed_or_removed(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let (id, token) = registered(&app, &mediator, "HS-DH64-06").await;
        assert_eq!(send(&app, id, &token, json!([minute("2026-06-01T20:50:00+08:00", 54.2)])).await.status(), 200);
        let mut conn = app.conn();
        for sql in [
            format!("UPDATE monitor_reading SET levels = 0 WHERE monitor_id = {id}"),
            format!("DELETE FROM monitor_reading WHERE monitor_id = {id}"),
        ] {
            let err = diesel::sql_query(&sql).execute(&mut conn).expect_err(&sql);
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
        if app.backend == hesheng::db::Backend::Postgres {
            let err = diesel::sql_query("TRUNCATE monitor_reading").execute(&mut conn).expect_err("truncate");
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert_eq!(stored(&app, id).await, 1);
    }

    async fn the_monitors_page_registers_a_monitor_shows_its_secrets_once_and_says_only_levels_are_kept(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let grid = Visitor::signed_in(&app, "li.grid").await;
        assert_eq!(grid.page("/monitors").await.0, 403);
        let mediator = Visitor::signed_in(&app, "wang.mediator").await;
        let (status, html) = mediator.page("/monitors").await;
        assert_eq!(status, 200);
        assert!(html.contains("从不存储音频"), "the page says only levels are stored");
        assert!(html.contains("href=\"/monitors\""), "the navigation leads here");

        let form = [
            ("place", "敦化南路64号院 3号楼窗外1米"), ("position", "outside_window_1m"), ("instrument_class", "class1"),
            ("serial", "AWA6228-0042"), ("calibrated_on", "2026-05-01"), ("calibration_valid_until", "2026-04-01"),
            ("mn", "HS-PAGE-01"), ("hj212_password", "bad;pw"),
        ];
        let response = mediator.post("/monitors", "/monitors", &form).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.expect("page");
        assert!(html.contains("id=\"calibration_valid_until-error\"") && html.contains("id=\"hj212_password-error\""), "errors by field");
        assert!(html.contains("敦化南路64号院"), "the input is kept");

        let mut good = form;
        good[5] = ("calibration_valid_until", "2027-04-30");
        good[7] = ("hj212_password", "");
        let response = mediator.post("/monitors", "/monitors", &good).await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.expect("page");
        assert!(html.contains("只显示这一次"), "{html}");
        let secrets: Vec<&str> =
            html.split("class=\"code secret\">").skip(1).filter_map(|part| part.split('<').next()).collect();
        assert_eq!(secrets.len(), 3, "the readings' address, the token and the password");
        let (token, password) = (secrets[1], secrets[2]);
        assert_eq!((token.len(), password.len()), (43, 12), "a token, and a password generated");
        let list = mediator.page("/monitors").await.1;
        assert!(list.contains("HS-PAGE-01") && list.contains("可作为违约认定依据"));
        assert!(!list.contains(token) && !list.contains(password), "secrets are not shown again");
    }
}

both_backends! {
    async fn the_simulator_plays_a_device_over_http_and_a_wrong_token_stores_nothing(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let (id, token) = registered(&app, &mediator, "HS-SIM-HTTP").await;
        let run = |token: String| {
            let (url, address, id) = (app.database_url.clone(), app.address.clone(), id.to_string());
            tokio::task::spawn_blocking(move || {
                let args = ["monitor", "simulate", "--http", &address, "--monitor-id", &id, "--token", &token,
                    "--minutes", "30", "--connections", "3"];
                crate::helpers::hesheng(&url, &args, None)
            })
        };
        let out = run(token.clone()).await.expect("simulator");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
        assert!(said.contains("30 readings in 3 batches") && said.contains("30 stored, 0 already stored, 0 batches refused"), "{said}");
        assert_eq!(stored(&app, id).await, 30);

        // A token may begin with a hyphen (tokens are base64url).
        let out = run("-not-the-token".into()).await.expect("simulator");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!out.status.success() && said.contains("3 batches refused (3 with 401)"), "{said}");
        assert_eq!(stored(&app, id).await, 30, "nothing stored without the token");
    }
}
