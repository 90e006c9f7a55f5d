use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::records::{case_body, mediating_case};

fn reading(at: &str, laeq: f64) -> Value {
    json!({
        "measured_at": at,
        "position": "outside_window_1m",
        "height_m": 1.5,
        "laeq_db": laeq,
        "lmax_db": laeq + 12.0,
        "background_db": 44.0,
        "duration_s": 600,
        "instrument_class": 2,
        "calibration_before_db": 93.8,
        "calibration_after_db": 94.0,
        "indicative": false
    })
}

both_backends! {
    async fn a_calibrated_reading_is_assessed_against_the_committees_limits(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &mediator, &case_body(&[]), 201).await;
        let path = format!("/api/v1/cases/{}/measurements", case["id"]);
        let day = app.post_ok(&path, &token, &reading("2026-05-20T21:40:00+08:00", 58.4), 201).await;
        assert_eq!(day["valid"], true);
        assert_eq!(day["period"], "day");
        assert_eq!(day["limit_db"], 55.0);
        assert_eq!(day["corrected_db"], 58.4);
        assert_eq!(day["exceeds_by_db"], 3.4);
        let night = app.post_ok(&path, &token, &reading("2026-05-20T22:20:00+08:00", 52.0), 201).await;
        assert_eq!(night["period"], "night");
        assert_eq!(night["limit_db"], 45.0);
        assert_eq!(night["corrected_db"], 51.0, "8 dB above the background: −1");
        assert_eq!(night["exceeds_by_db"], 6.0);

        // The case list leads with the greatest exceedance of a valid reading.
        let other = app.post_ok("/api/v1/cases", &mediator, &case_body(&[]), 201).await;
        let list = app.get_json("/api/v1/cases", &mediator).await;
        let items = list["items"].as_array().expect("items");
        assert_eq!(items[0]["id"], other["id"]);
        assert!(items[0].get("exceeds_by_db").is_none(), "no measurement, no exceedance");
        assert_eq!(items[1]["id"], case["id"]);
        assert_eq!(items[1]["exceeds_by_db"], 6.0);
        // A void reading does not count, however loud.
        let mut drifted = reading("2026-05-21T22:20:00+08:00", 80.0);
        drifted["calibration_after_db"] = json!(95.0);
        assert_eq!(app.post_ok(&path, &token, &drifted, 201).await["valid"], false);
        assert_eq!(app.get_json("/api/v1/cases", &mediator).await["items"][1]["exceeds_by_db"], 6.0);
        app.create_user("page.mediator", Role::Mediator, 1);
        assert_eq!(app.login("page.mediator", crate::helpers::PASSWORD).await.status(), 303);
        let html = app.get("/cases").await.text().await.expect("page");
        assert_eq!(html.matches("超标 6.0 dB(A)").count(), 1, "{html}");
    }

    async fn the_night_window_and_zone_class_come_from_the_committee(app) {
        let admin = app.user_token("admin", Role::Admin).await;
        let committee = app.post_ok("/api/v1/committees", &admin, &json!({
            "name": "某市二类区调委会", "abbreviation": "二区", "zone_class": "2", "night_start": "21:00", "night_end": "05:00"
        }), 201).await;
        let cid = committee["id"].as_i64().expect("id");
        app.create_user("m.two", Role::Mediator, cid);
        let token = app.token("m.two").await;
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let m = app.post_ok(&format!("/api/v1/cases/{}/measurements", case["id"]), &token, &reading("2026-05-20T21:40:00+08:00", 58.4), 201).await;
        assert_eq!(m["period"], "night");
        assert_eq!(m["limit_db"], 50.0);
        assert_eq!(m["exceeds_by_db"], 8.4);
        let preview = app.post_ok("/api/v1/measurements/assess", &token, &reading("2026-05-20T12:00:00+08:00", 58.4), 200).await;
        assert_eq!(preview["limit_db"], 60.0);
        assert_eq!(preview["id"], Value::Null, "a preview saves nothing");
    }

    async fn drift_voids_a_reading_and_a_phone_reading_is_only_indicative(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &mediator, &case_body(&[]), 201).await;
        let path = format!("/api/v1/cases/{}/measurements", case["id"]);
        let mut drifted = reading("2026-05-20T21:40:00+08:00", 58.4);
        drifted["calibration_after_db"] = json!(94.5);
        let m = app.post_ok(&path, &token, &drifted, 201).await;
        assert_eq!(m["valid"], false);
        assert_eq!(m["invalid_reasons"], json!(["calibration_drift"]));
        let phone = json!({"measured_at": "2026-05-20T21:45:00+08:00", "position": "indoor_bedroom", "laeq_db": 48.0, "duration_s": 60, "indicative": true});
        let m = app.post_ok(&path, &token, &phone, 201).await;
        assert_eq!(m["valid"], false);
        assert_eq!(m["indicative"], true);
        assert_eq!(m["invalid_reasons"], json!(["indicative"]));
        assert_eq!(m["limit_db"], 40.0, "bedroom, class 1, day");
        let mut close = reading("2026-05-20T21:40:00+08:00", 46.0);
        close["background_db"] = json!(44.0);
        let m = app.post_ok(&path, &token, &close, 201).await;
        assert_eq!(m["corrected_db"], Value::Null);
        assert!(m["invalid_reasons"].as_array().expect("reasons").contains(&json!("remeasure")));
    }

    async fn bad_readings_name_every_field(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &mediator, &case_body(&[]), 201).await;
        let r = app.api_post(&format!("/api/v1/cases/{}/measurements", case["id"]), &token, &json!({
            "measured_at": "9pm", "position": "roof", "laeq_db": 400, "lmax_db": 10, "duration_s": 0, "instrument_class": 7
        })).await;
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.expect("json");
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        for f in ["measured_at", "position", "laeq_db", "duration_s", "instrument_class"] {
            assert!(fields.contains(&f), "{f} not in {fields:?}");
        }
        let case = app.get_json(&format!("/api/v1/cases/{}", case["id"]), &token).await;
        assert_eq!(case["measurements"].as_array().map(Vec::len), Some(0));
    }

    async fn investigations_sessions_and_meetings_are_recorded_with_the_law_cited(app) {
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &token).await;
        let id = case["id"].as_i64().expect("id");
        let inv = app.post_ok(&format!("/api/v1/cases/{id}/investigations"), &grid, &json!({
            "conducted_at": "2026-05-14T21:30:00+08:00", "place": "中心花园", "investigators": "李梅",
            "subject": "周桂芳", "record": [{"q": "几点结束？", "a": "十点左右"}]
        }), 201).await;
        assert_eq!(inv["record"][0]["a"], "十点左右");
        let library = app.get_json("/api/v1/legal-references", &token).await;
        let codes: Vec<&str> = library.as_array().expect("library").iter().filter_map(|r| r["code"].as_str()).collect();
        for code in ["pml_17", "pml_26", "pml_29", "pml_30", "pml_31", "pml_33", "npl_2", "npl_31", "npl_64", "npl_65", "npl_70", "npl_86", "npl_88", "cc_286", "cc_288", "cc_294", "cc_1032", "cc_1167"] {
            assert!(codes.contains(&code), "{code} in the library");
        }
        let session = app.post_ok(&format!("/api/v1/cases/{id}/sessions"), &token, &json!({
            "held_at": "2026-05-26T19:00:00+08:00", "place": "调解室",
            "statements": [{"speaker": "张秀兰", "text": "希望九点后安静"}, {"speaker": "周桂芳", "text": "可以九点前结束"}],
            "outcome": "agreed", "legal_references": ["cc_288", "npl_64"]
        }), 201).await;
        let cited = session["legal_references"].as_array().expect("cited");
        assert_eq!(cited.len(), 2);
        let civil = cited.iter().find(|r| r["code"] == "cc_288").expect("cc_288 cited");
        assert_eq!(civil["article"], 288);
        assert!(civil["text_zh"].as_str().is_some_and(|t| t.contains("相邻")));
        assert!(cited.iter().any(|r| r["code"] == "npl_64" && r["article"] == 64));
        assert_eq!(session["recorder"], "wang.mediator");
        let unknown = app.api_post(&format!("/api/v1/cases/{id}/sessions"), &token, &json!({
            "held_at": "2026-05-26T19:00:00+08:00", "place": "调解室", "outcome": "failed", "legal_references": ["xx_1"]
        })).await;
        assert_eq!(unknown.status(), 422);
        let body: Value = unknown.json().await.expect("json");
        assert_eq!(body["errors"][0]["field"], "failure_reason");
        let meeting = app.post_ok(&format!("/api/v1/cases/{id}/meetings"), &token, &json!({
            "held_at": "2026-05-24T19:00:00+08:00", "place": "居委会", "attendees": "居民、合唱队",
            "explanations": "讲解民法典第二百八十八条", "votes": {"for": 23, "against": 2, "abstain": 3}, "legal_references": ["cc_288"]
        }), 201).await;
        assert_eq!(meeting["attendance"], 28);
        assert_eq!(meeting["votes_for"], 23);
        let bad = app.api_post(&format!("/api/v1/cases/{id}/meetings"), &token, &json!({
            "held_at": "2026-05-24T19:00:00+08:00", "place": "居委会", "attendees": "x", "explanations": "y",
            "attendance": 5, "votes": {"for": 23}
        })).await;
        assert_eq!(bad.status(), 422);
        let case = app.get_json(&format!("/api/v1/cases/{id}"), &token).await;
        let kinds: Vec<&str> = case["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["kind"].as_str()).collect();
        assert_eq!(kinds, ["investigation", "registered", "meeting", "session", "transition", "transition"], "in time order");
        // Staff do not run sessions.
        let staff = app.user_token("zhao.staff", Role::Staff).await;
        let r = app.api_post(&format!("/api/v1/cases/{id}/sessions"), &staff, &json!({"held_at": "2026-05-26T19:00:00+08:00", "place": "x", "outcome": "continued"})).await;
        assert_eq!(r.status(), 403);
    }
}
