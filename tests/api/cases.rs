use std::collections::BTreeSet;

use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, second_instance, url_encode};
use crate::records::{case_body, complaint};

/// The ids of a list's items, in order.
fn ids(page: &Value) -> Vec<Value> {
    page["items"].as_array().expect("items").iter().map(|c| c["id"].clone()).collect()
}

async fn move_to(app: &TestApp, token: &str, id: i64, body: Value) -> reqwest::Response {
    app.api_post(&format!("/api/v1/cases/{id}/transitions"), token, &body).await
}

both_backends! {
    async fn a_registered_case_gets_the_official_number_parties_and_complaints(app) {
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let c1 = app.post_ok("/api/v1/complaints", &grid, &complaint("敦化南路64号院", "2026-05-06T21:35:00+08:00", "甲"), 201).await;
        let c2 = app.post_ok("/api/v1/complaints", &grid, &complaint("敦化南路64号院", "2026-05-07T21:35:00+08:00", "乙"), 201).await;
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[c1["id"].as_i64().expect("1"), c2["id"].as_i64().expect("2")]), 201).await;
        assert_eq!(case["number"], "（2026）调人调字第1号");
        assert_eq!(case["status"], "registered");
        assert_eq!(case["allowed_moves"], json!(["investigating", "terminated"]));
        assert_eq!(case["location"], "敦化南路64号院", "taken from the first complaint");
        assert_eq!(case["complaints"].as_array().map(Vec::len), Some(2));
        assert_eq!(case["mediators"][0]["display_name"], "wang.mediator");
        let parties = case["parties"].as_array().expect("parties");
        assert_eq!(parties[0]["role"], "applicant");
        assert_eq!(parties[1]["occupation"], "退休");
        assert_eq!(parties[0]["phone"], "138****8001");
        let code = parties[0]["access_code"].as_str().expect("access code");
        assert_eq!(code.len(), 10);
        assert!(code.bytes().all(|b| hesheng::random::UNAMBIGUOUS.contains(&b)));
        assert_ne!(parties[0]["access_code"], parties[1]["access_code"]);

        let second = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        assert_eq!(second["number"], "（2026）调人调字第2号");
        let next_year = app.post_ok("/api/v1/cases", &token, &json!({
            "title": "t", "dispute_type": "other", "source": "own_initiative", "registered_at": "2027-01-01T00:30:00+08:00",
            "parties": [{"role": "applicant", "name": "刘一"}]
        }), 201).await;
        assert_eq!(next_year["number"], "（2027）调人调字第1号", "a new year starts at 1 (local time)");
    }

    async fn every_bad_field_of_a_case_is_named_and_nothing_is_written(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let response = app.api_post("/api/v1/cases", &token, &json!({
            "title": "",
            "dispute_type": "noise",
            "source": "walk_in",
            "risk_level": "purple",
            "parties": [{"role": "judge", "name": "", "birth_year": 1800, "phone": "abc"}],
            "complaint_ids": [999]
        })).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let fields: BTreeSet<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        for f in ["title", "dispute_type", "source", "risk_level", "parties[0].role", "parties[0].name", "parties[0].birth_year", "parties[0].phone"] {
            assert!(fields.contains(f), "{f} not in {fields:?}");
        }
        let mut nobody = case_body(&[]);
        nobody["parties"] = json!([]);
        let response = app.api_post("/api/v1/cases", &token, &nobody).await;
        assert_eq!(response.status(), 422, "a case is between people");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["field"], "parties");
        let missing = app.api_post("/api/v1/cases", &token, &case_body(&[999])).await;
        assert_eq!(missing.status(), 422);
        let body: Value = missing.json().await.expect("json");
        assert_eq!(body["errors"][0]["field"], "complaint_ids[0]");
        let list = app.get_json("/api/v1/cases", &token).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
        // The failed registration did not use up a number.
        let ok = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        assert_eq!(ok["number"], "（2026）调人调字第1号");
    }

    async fn illegal_moves_are_409_naming_the_allowed_moves(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let id = case["id"].as_i64().expect("id");
        let r = move_to(&app, &token, id, json!({"to": "agreed"})).await;
        assert_eq!(r.status(), 409);
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["allowed"], json!(["investigating", "terminated"]));
        assert!(body["detail"].as_str().is_some_and(|d| d.contains("investigating")), "{body}");
        assert_eq!(move_to(&app, &token, id, json!({"to": "investigating"})).await.status(), 200);
        assert_eq!(move_to(&app, &token, id, json!({"to": "mediating"})).await.status(), 200);
        let r = move_to(&app, &token, id, json!({"to": "agreed"})).await;
        assert_eq!(r.status(), 422, "agreed needs an effective agreement");
        let r = move_to(&app, &token, id, json!({"to": "flying"})).await;
        assert_eq!(r.status(), 422);
        let case = app.get_json(&format!("/api/v1/cases/{id}"), &token).await;
        assert_eq!(case["status"], "mediating");
        let kinds: Vec<&str> = case["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["kind"].as_str()).collect();
        assert_eq!(kinds, ["registered", "transition", "transition"]);
        assert_eq!(case["timeline"][1]["recorded_by"], "wang.mediator");
    }

    async fn ending_mediation_needs_a_reason_and_the_other_routes_explained(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let id = case["id"].as_i64().expect("id");
        let r = move_to(&app, &token, id, json!({"to": "terminated"})).await;
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.expect("json");
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["reason", "routes_explained"]);
        let r = move_to(&app, &token, id, json!({"to": "terminated", "reason": "一方明确拒绝调解", "routes_explained": true})).await;
        assert_eq!(r.status(), 200);
        let case: Value = r.json().await.expect("json");
        assert_eq!(case["status"], "terminated");
        assert_eq!(case["termination_reason"], "一方明确拒绝调解");
        assert_eq!(case["routes_explained"], true);
        let r = app.api_post(&format!("/api/v1/cases/{id}/referrals"), &token, &json!({"referred_to": "街道综合行政执法队", "reason": "夜间施工噪声"})).await;
        assert_eq!(r.status(), 201);
        let case = app.get_json(&format!("/api/v1/cases/{id}"), &token).await;
        assert_eq!(case["referrals"][0]["referred_to"], "街道综合行政执法队");
        assert_eq!(move_to(&app, &token, id, json!({"to": "archived"})).await.status(), 200);
        let r = app.api_post(&format!("/api/v1/cases/{id}/investigations"), &token, &json!({
            "conducted_at": "2026-05-20T21:30:00+08:00", "place": "x", "investigators": "y"
        })).await;
        assert_eq!(r.status(), 409, "an archived case takes no more records");
    }

    async fn text_search_finds_what_titles_numbers_and_places_hold(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let search = |q: &str| format!("/api/v1/cases?q={}", url_encode(q));
        let mut choir = case_body(&[]);
        choir["title"] = json!("楼下合唱队音箱扰民");
        choir["location"] = json!("和平里北街18号院");
        let choir = app.post_ok("/api/v1/cases", &token, &choir, 201).await;
        let mut leak = case_body(&[]);
        leak["title"] = json!("4号楼漏水纠纷 \"A\" 100%");
        leak["location"] = json!("和平里北街4号楼");
        let leak = app.post_ok("/api/v1/cases", &token, &leak, 201).await;

        assert_eq!(ids(&app.get_json(&search("合唱队"), &token).await), [choir["id"].clone()], "three characters of a title");
        assert_eq!(ids(&app.get_json(&search("北街18号"), &token).await), [choir["id"].clone()], "part of a place");
        assert_eq!(ids(&app.get_json(&search("和平里北街"), &token).await), [leak["id"].clone(), choir["id"].clone()], "newest first");
        assert_eq!(ids(&app.get_json(&search("漏水"), &token).await), [leak["id"].clone()], "two characters");
        assert_eq!(ids(&app.get_json(&search("\"A\" 100%"), &token).await), [leak["id"].clone()], "quotes and % are text");
        assert!(ids(&app.get_json(&search("100%\"A"), &token).await).is_empty());
        assert!(ids(&app.get_json(&search("物业费"), &token).await).is_empty());

        let id = choir["id"].as_i64().expect("id");
        let r = app.api_patch(&format!("/api/v1/cases/{id}"), &token, &json!({"title": "广场舞音响扰民"})).await;
        assert_eq!(r.status(), 200);
        assert!(ids(&app.get_json(&search("合唱队"), &token).await).is_empty(), "the old title is gone from the index");
        assert_eq!(ids(&app.get_json(&search("广场舞音响"), &token).await), [choir["id"].clone()]);
    }

    async fn a_text_many_cases_hold_pages_newest_first(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        {
            let mut conn = app.conn();
            let committee = hesheng::db::committees::find(&mut conn, 1).expect("committee");
            let until = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("date");
            hesheng::cli::scale::generate_with(&mut conn, None, &committee, 1_300, 5, until, &mut |_| ()).expect("generate");
        }
        // Every case number holds "人调字" (so more than a thousand cases do);
        // few cases are at one place.
        let mut seen = Vec::new();
        let mut path = format!("/api/v1/cases?limit=200&q={}", url_encode("人调字"));
        loop {
            let page = app.get_json(&path, &token).await;
            for c in page["items"].as_array().expect("items") {
                assert!(c["number"].as_str().expect("number").contains("人调字"));
                seen.push(c["id"].as_i64().expect("id"));
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/cases?limit=200&q={}&cursor={cursor}", url_encode("人调字")),
                None => break,
            }
        }
        let expected: i64 = {
            use diesel::prelude::*;
            use hesheng::db::schema::mediation_case;
            mediation_case::table
                .filter(mediation_case::number.like("%人调字%"))
                .count()
                .get_result(&mut app.conn())
                .expect("count")
        };
        assert!(expected > 1_000, "{expected}");
        assert_eq!(i64::try_from(seen.len()).expect("n"), expected, "every case, once");
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
        // With filters that few of the newest matches pass, the search reads
        // further into the index until the page is full: the same page as
        // the filters give over every case.
        for filters in ["status=agreed&risk_level=red", "status=terminated", "risk_level=yellow&mediator=me"] {
            let path = format!("/api/v1/cases?limit=7&{filters}&q={}", url_encode("人调字"));
            let searched = app.get_json(&path, &token).await;
            let unsearched = app.get_json(&format!("/api/v1/cases?limit=7&{filters}"), &token).await;
            let page = searched["items"].as_array().expect("items");
            assert!(!page.is_empty(), "{filters}");
            assert_eq!(ids(&searched), ids(&unsearched), "{filters}");
            assert!(page.iter().all(|c| c["matched"]["field"] == "number" && c["matched"]["text"] == "人调字"), "{filters}");
        }
        let place = app.get_json("/api/v1/cases?limit=200&q=%E5%92%8C%E5%B9%B3%E9%87%8C%E5%8C%97%E8%A1%9718%E5%8F%B7%E9%99%A2", &token).await;
        let found = place["items"].as_array().expect("items");
        assert!(!found.is_empty() && found.iter().all(|c| c["location"].as_str().is_some_and(|l| l.contains("和平里北街18号院"))));
    }

    async fn a_case_read_again_shows_every_change_made_on_any_instance(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let other = second_instance(&app);
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let id = case["id"].as_i64().expect("id");
        let path = format!("/api/v1/cases/{id}");
        let first = app.get_json(&path, &token).await;
        assert_eq!(app.get_json(&path, &token).await, first, "read twice, the same");
        // A record added through the other instance shows at once here.
        let r = other
            .api_post(&format!("/api/v1/cases/{id}/investigations"), &token, &json!({
                "conducted_at": "2026-05-20T21:30:00+08:00", "place": "楼下广场", "investigators": "王调解员"
            }))
            .await;
        assert_eq!(r.status(), 201);
        let after = app.get_json(&path, &token).await;
        assert_eq!(after["investigations"].as_array().map(Vec::len), Some(1));
        let r = other.api_patch(&path, &token, &json!({"title": "广场舞音响扰民"})).await;
        assert_eq!(r.status(), 200);
        assert_eq!(app.get_json(&path, &token).await["title"], "广场舞音响扰民");
        // In English, the same case in its own words.
        let english = app.get_json_in(&path, &token, "en").await;
        assert_eq!(english["title"], "广场舞音响扰民");
        assert_eq!(app.api_get("/api/v1/cases/999999", &token).await.status(), 404);
    }

    async fn cases_are_updated_listed_and_searched(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let other_mediator = app.create_user("liu.mediator", Role::Mediator, 1);
        let grid_id = app.create_user("li.grid", Role::GridWorker, 1);
        let a = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let mut leak = case_body(&[]);
        leak["title"] = json!("4号楼漏水纠纷");
        leak["location"] = json!("4号楼601");
        let b = app.post_ok("/api/v1/cases", &token, &leak, 201).await;
        let id = a["id"].as_i64().expect("id");
        let r = app.api_patch(&format!("/api/v1/cases/{id}"), &token, &json!({"risk_level": "red", "mediator_ids": [other_mediator]})).await;
        assert_eq!(r.status(), 200);
        let updated: Value = r.json().await.expect("json");
        assert_eq!(updated["risk_level"], "red");
        assert_eq!(updated["mediators"][0]["id"], other_mediator);
        let r = app.api_patch(&format!("/api/v1/cases/{id}"), &token, &json!({"mediator_ids": [grid_id]})).await;
        assert_eq!(r.status(), 422, "a grid worker is not a mediator");

        let found = app.get_json("/api/v1/cases?q=%E6%BC%8F%E6%B0%B4", &token).await;
        assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(found["items"][0]["id"], b["id"]);
        let by_number = app.get_json("/api/v1/cases?q=%E7%AC%AC1%E5%8F%B7", &token).await;
        assert_eq!(by_number["items"][0]["id"], a["id"]);
        let red = app.get_json("/api/v1/cases?risk_level=red", &token).await;
        assert_eq!(red["items"].as_array().map(Vec::len), Some(1));
        let mine = app.get_json("/api/v1/cases?mediator=me", &token).await;
        assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "the first case was handed to liu.mediator");
        let registered = app.get_json("/api/v1/cases?status=registered&limit=1", &token).await;
        assert!(registered["next_cursor"].is_string());
        assert_eq!(app.api_get("/api/v1/cases?status=lost", &token).await.status(), 422);
        // A control character is no search: a clear 422 naming `q`, for
        // the cases, the complaints and the list page alike.
        for q in ["%00", "%E5%90%88%00", "a%0D%0Ab"] {
            let r = app.api_get(&format!("/api/v1/cases?q={q}"), &token).await;
            assert_eq!(r.status(), 422, "{q}");
            let problem: Value = r.json().await.expect("problem");
            assert_eq!(problem["errors"][0]["field"], "q", "{problem}");
            assert_eq!(app.api_get(&format!("/api/v1/complaints?q={q}"), &token).await.status(), 422, "{q}");
        }
        app.login("wang.mediator", crate::helpers::PASSWORD).await;
        assert_eq!(app.get("/cases?q=%00").await.status(), 422);
    }

    async fn contacts_are_revealed_only_on_request_and_each_view_is_audited(app) {
        let token = app.user_token("zhao.staff", Role::Staff).await;
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &mediator, &case_body(&[]), 201).await;
        let id = case["id"].as_i64().expect("id");
        let masked = app.get_json(&format!("/api/v1/cases/{id}"), &token).await;
        assert_eq!(masked["parties"][0]["phone"], "138****8001");
        // Revealing is a POST, by a mediator or an administrator.
        let by_link = app.api_get(&format!("/api/v1/cases/{id}?reveal=contacts"), &mediator).await;
        assert_eq!(by_link.status(), 400, "a GET reveals nothing");
        let refused = app.api_post(&format!("/api/v1/cases/{id}/contacts"), &token, &json!({})).await;
        assert_eq!(refused.status(), 403, "staff do not reveal contacts");
        let revealed = app.post_ok(&format!("/api/v1/cases/{id}/contacts"), &mediator, &json!({}), 200).await;
        assert_eq!(revealed["parties"][0]["phone"], "13800138001");
        use diesel::prelude::*;
        use hesheng::db::schema::audit_event;
        let reveals = |actor: &str| -> i64 {
            audit_event::table
                .filter(audit_event::action.eq("contacts.reveal"))
                .filter(audit_event::actor.eq(actor))
                .count()
                .get_result(&mut app.conn())
                .expect("count")
        };
        assert_eq!((reveals("wang.mediator"), reveals("zhao.staff")), (1, 0));
    }

    async fn parties_can_be_added_to_an_open_case(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let id = case["id"].as_i64().expect("id");
        let added = app.post_ok(&format!("/api/v1/cases/{id}/parties"), &token, &json!({
            "role": "third_party", "kind": "organisation", "name": "敦华物业服务有限公司", "phone": "010-63200011"
        }), 201).await;
        let roles: Vec<&str> = added["parties"].as_array().expect("parties").iter().filter_map(|p| p["role"].as_str()).collect();
        assert_eq!(roles, ["applicant", "respondent", "third_party"]);
        let r = app.api_post(&format!("/api/v1/cases/{id}/parties"), &token, &json!({"role": "witness", "name": ""})).await;
        assert_eq!(r.status(), 422);
    }

    async fn another_committees_case_is_not_found(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let other = hesheng::db::committees::create(
            &mut app.conn(),
            &hesheng::domain::audit::Actor::cli(),
            &hesheng::domain::committee::CommitteeSettings::default_committee(),
        )
        .expect("committee");
        app.create_user("other.mediator", Role::Mediator, other);
        let other_token = app.token("other.mediator").await;
        let id = case["id"].as_i64().expect("id");
        assert_eq!(app.api_get(&format!("/api/v1/cases/{id}"), &other_token).await.status(), 404);
        assert_eq!(move_to(&app, &other_token, id, json!({"to": "investigating"})).await.status(), 404);
        let own = app.post_ok("/api/v1/cases", &other_token, &case_body(&[]), 201).await;
        assert_eq!(own["number"], "（2026）调人调字第1号", "each committee numbers its own cases");
        // Both cases have the same title and number. Lists and searches (by
        // the trigram index, by two characters, by the number) hold the
        // committee's own case only.
        let number = own["number"].as_str().expect("number");
        for q in ["", "合唱队夜间", "合唱", number] {
            let listed = app.get_json(&format!("/api/v1/cases?q={}", url_encode(q)), &other_token).await;
            assert_eq!(ids(&listed), [own["id"].clone()], "{q:?}");
        }
    }

    async fn twenty_four_parallel_registrations_get_gapless_unique_numbers(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let body = case_body(&[]);
        let requests = (0..24).map(|_| app.api_post("/api/v1/cases", &token, &body));
        let responses = futures_util::future::join_all(requests).await;
        let mut numbers = BTreeSet::new();
        for r in responses {
            assert_eq!(r.status(), 201);
            let case: Value = r.json().await.expect("json");
            numbers.insert(case["number"].as_str().expect("number").to_owned());
        }
        let expected: BTreeSet<String> = (1..=24).map(|n| format!("（2026）调人调字第{n}号")).collect();
        assert_eq!(numbers, expected);
        assert!(hesheng::db::audit::verify(&mut app.conn()).expect("verify").is_ok());
    }

    async fn two_instances_on_one_database_share_one_gapless_sequence(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let other = second_instance(&app);
        let body = case_body(&[]);
        let mut requests = Vec::new();
        for i in 0..24 {
            let target = if i % 2 == 0 { &app } else { &other };
            requests.push(target.api_post("/api/v1/cases", &token, &body));
        }
        let responses = futures_util::future::join_all(requests).await;
        let mut seqs = Vec::new();
        for r in responses {
            assert_eq!(r.status(), 201, "a token issued by one instance works on the other");
            let case: Value = r.json().await.expect("json");
            let number = case["number"].as_str().expect("number");
            let seq: i64 = number.trim_start_matches("（2026）调人调字第").trim_end_matches('号').parse().expect("seq");
            seqs.push(seq);
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=24).collect::<Vec<_>>());
    }
}
