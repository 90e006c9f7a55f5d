use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::records::{case_body, complaint};

fn count_complaints(app: &crate::helpers::TestApp) -> i64 {
    use diesel::prelude::*;
    hesheng::db::schema::complaint::table.count().get_result(&mut app.conn()).expect("count")
}

/// Makes the database refuse complaints at `place`: a failure in the middle
/// of complaints written together.
fn refuse_complaints_at(app: &crate::helpers::TestApp, place: &str) {
    use diesel::connection::SimpleConnection;
    let sql = match app.backend {
        hesheng::db::Backend::Sqlite => format!(
            "CREATE TRIGGER refuse_place BEFORE INSERT ON complaint WHEN NEW.location = '{place}' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END;"
        ),
        hesheng::db::Backend::Postgres => format!(
            "CREATE FUNCTION refuse_place() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.location = '{place}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER refuse_place BEFORE INSERT ON complaint FOR EACH ROW EXECUTE FUNCTION refuse_place();"
        ),
    };
    app.conn().batch_execute(&sql).expect("trigger");
}

both_backends! {
    async fn complaints_posted_at_once_are_each_kept_or_refused_alone(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        refuse_complaints_at(&app, "拒收楼");
        let bodies: Vec<Value> = (0..32)
            .map(|i| {
                let place = if i % 8 == 3 { "拒收楼".to_string() } else { format!("敦化南路{i}号院") };
                complaint(&place, "2026-05-06T21:35:00+08:00", &format!("住户{i}"))
            })
            .collect();
        let responses =
            futures_util::future::join_all(bodies.iter().map(|b| app.api_post("/api/v1/complaints", &token, b))).await;
        let mut kept = Vec::new();
        for (body, response) in bodies.iter().zip(responses) {
            let status = response.status().as_u16();
            if body["location"] == "拒收楼" {
                assert_eq!(status, 500, "the refused complaint fails alone");
            } else {
                assert_eq!(status, 201, "{body}");
                let created: Value = response.json().await.expect("json");
                assert_eq!(created["location"], body["location"]);
                assert_eq!(created["reporter"]["name"], body["reporter"]["name"]);
                kept.push(created["id"].as_i64().expect("id"));
            }
        }
        assert_eq!(kept.len(), 28);
        assert_eq!(count_complaints(&app), 28, "nothing of the refused complaints was written");
        for id in &kept {
            let fetched = app.get_json(&format!("/api/v1/complaints/{id}"), &token).await;
            assert_eq!(fetched["id"], *id);
        }
        // Each kept complaint and its reporter are events of the intact chain.
        let mut conn = app.conn();
        assert!(hesheng::db::audit::verify(&mut conn).expect("verify").is_ok());
        use diesel::prelude::*;
        use hesheng::db::schema::audit_event;
        let logged: i64 = audit_event::table
            .filter(audit_event::action.eq("complaint.create"))
            .count()
            .get_result(&mut conn)
            .expect("events");
        assert_eq!(logged, 28);
    }

    async fn a_grid_worker_records_a_complaint_and_the_reporter_phone_is_masked(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let body = app.post_ok("/api/v1/complaints", &token, &complaint("敦化南路64号院", "2026-05-06T21:35:00+08:00", "张秀兰"), 201).await;
        assert!(body["id"].as_i64().is_some());
        assert_eq!(body["received_at"], "2026-05-06T21:35:00+08:00");
        assert_eq!(body["observed_pattern"]["end"], "22:30");
        assert_eq!(body["reporter"]["name"], "张秀兰");
        assert_eq!(body["reporter"]["phone"], "138****8000");
        assert_eq!(body["case_id"], Value::Null);
        let id = body["id"].as_i64().expect("id");
        let fetched = app.get_json(&format!("/api/v1/complaints/{id}"), &token).await;
        assert_eq!(fetched["description"], body["description"]);
    }

    async fn every_bad_field_of_a_complaint_is_named_and_nothing_is_written(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let bad = json!({
            "received_at": "yesterday evening",
            "channel": "pigeon",
            "category": "noise",
            "location": "  ",
            "description": "x",
            "observed_pattern": {"start": "25:00", "days": "someday"},
            "reporter": {"name": "", "phone": "12"}
        });
        let response = app.api_post("/api/v1/complaints", &token, &bad).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("json");
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        for expected in ["received_at", "channel", "location", "observed_pattern.start", "observed_pattern.days", "reporter.name", "reporter.phone"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
        assert_eq!(count_complaints(&app), 0);
    }

    async fn an_anonymous_complaint_needs_no_reporter_and_hides_one(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let mut body = complaint("敦化南路64号院", "2026-05-09T22:40:00+08:00", "");
        body["anonymous"] = json!(true);
        body.as_object_mut().expect("object").remove("reporter");
        let created = app.post_ok("/api/v1/complaints", &token, &body, 201).await;
        assert_eq!(created["anonymous"], true);
        assert_eq!(created["reporter"], Value::Null);

        let mut named = complaint("敦化南路64号院", "2026-05-09T22:45:00+08:00", "刘志强");
        named["anonymous"] = json!(true);
        let created = app.post_ok("/api/v1/complaints", &token, &named, 201).await;
        assert_eq!(created["reporter"], Value::Null, "an anonymous reporter is not shown");
        let id = created["id"].as_i64().expect("id");
        assert_eq!(app.api_get(&format!("/api/v1/complaints/{id}?reveal=contacts"), &token).await.status(), 400);
        let asked = app.api_post(&format!("/api/v1/complaints/{id}/contacts"), &token, &json!({})).await;
        assert_eq!(asked.status(), 403, "not even to a grid worker who asks");
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let revealed = app.post_ok(&format!("/api/v1/complaints/{id}/contacts"), &mediator, &json!({}), 200).await;
        assert_eq!(revealed["reporter"]["phone"], "13800138000", "a mediator reveals the complaint itself (audited)");

        // Through a case no one learns who the anonymous reporter is, not
        // even a mediator who reveals the case's contacts (Noise Law Art 31).
        let case = app.post_ok("/api/v1/cases", &mediator, &crate::records::case_body(&[id]), 201).await;
        let case_id = case["id"].as_i64().expect("case id");
        assert_eq!(case["complaints"][0]["reporter"], Value::Null);
        let shown = app.post_ok(&format!("/api/v1/cases/{case_id}/contacts"), &mediator, &json!({}), 200).await;
        assert_eq!(shown["complaints"][0]["anonymous"], true);
        assert_eq!(shown["complaints"][0]["reporter"], Value::Null, "revealing a case does not unmask its anonymous reporter");
        let text = shown.to_string();
        assert!(!text.contains("刘志强") && !text.contains("13800138000"), "{text}");
    }

    async fn similar_complaints_match_the_normalised_location_within_sixty_days(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let first = app.post_ok("/api/v1/complaints", &token, &complaint("敦化南路64号院", "2026-05-06T21:35:00+08:00", "甲"), 201).await;
        let wide = app.post_ok("/api/v1/complaints", &token, &complaint("敦化南路６４号院", "2026-05-07T22:10:00+08:00", "乙"), 201).await;
        let spaced = app.post_ok("/api/v1/complaints", &token, &complaint("敦化南路 64 号院", "2026-07-05T21:00:00+08:00", "丙"), 201).await;
        app.post_ok("/api/v1/complaints", &token, &complaint("敦化南路64号院", "2026-07-06T21:00:00+08:00", "丁"), 201).await;
        app.post_ok("/api/v1/complaints", &token, &complaint("敦化南路46号院", "2026-05-08T21:00:00+08:00", "戊"), 201).await;
        let mut leak = complaint("敦化南路64号院", "2026-05-08T21:00:00+08:00", "己");
        leak["category"] = json!("leak");
        app.post_ok("/api/v1/complaints", &token, &leak, 201).await;
        // A complaint already in a case still counts.
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        app.post_ok("/api/v1/cases", &mediator, &case_body(&[wide["id"].as_i64().expect("id")]), 201).await;

        let id = first["id"].as_i64().expect("id");
        let similar = app.get_json(&format!("/api/v1/complaints/{id}/similar"), &token).await;
        let ids: Vec<i64> = similar["items"].as_array().expect("items").iter().filter_map(|c| c["id"].as_i64()).collect();
        assert_eq!(ids, [wide["id"].as_i64().expect("wide"), spaced["id"].as_i64().expect("spaced")], "60 days: 07-05 in, 07-06 out");
    }

    async fn complaint_lists_filter_and_page_with_a_cursor(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let mut ids = Vec::new();
        for i in 0..5 {
            let c = app.post_ok("/api/v1/complaints", &token, &complaint(&format!("{i}号楼"), "2026-05-06T21:35:00+08:00", "甲"), 201).await;
            ids.push(c["id"].as_i64().expect("id"));
        }
        let first = app.get_json("/api/v1/complaints?limit=2", &token).await;
        assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
        let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
        let second = app.get_json(&format!("/api/v1/complaints?limit=2&cursor={cursor}"), &token).await;
        let third_cursor = second["next_cursor"].as_str().expect("cursor").to_owned();
        let third = app.get_json(&format!("/api/v1/complaints?limit=2&cursor={third_cursor}"), &token).await;
        let seen: Vec<i64> = [&first, &second, &third]
            .iter()
            .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c["id"].as_i64())
            .collect();
        let mut expected = ids.clone();
        expected.reverse();
        assert_eq!(seen, expected);
        assert_eq!(third["next_cursor"], Value::Null);

        let found = app.get_json("/api/v1/complaints?q=3%E5%8F%B7%E6%A5%BC", &token).await;
        assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        app.post_ok("/api/v1/cases", &mediator, &case_body(&[ids[0]]), 201).await;
        let unassigned = app.get_json("/api/v1/complaints?unassigned=true&limit=200", &token).await;
        assert_eq!(unassigned["items"].as_array().map(Vec::len), Some(4));
        assert_eq!(app.api_get("/api/v1/complaints?limit=201", &token).await.status(), 422);
        assert_eq!(app.api_get("/api/v1/complaints?cursor=nonsense", &token).await.status(), 422);
    }

    async fn another_committees_complaint_is_not_found(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let c = app.post_ok("/api/v1/complaints", &token, &complaint("1号楼", "2026-05-06T21:35:00+08:00", "甲"), 201).await;
        let other = hesheng::db::committees::create(
            &mut app.conn(),
            &hesheng::domain::audit::Actor::cli(),
            &hesheng::domain::committee::CommitteeSettings::default_committee(),
        )
        .expect("committee");
        app.create_user("other.grid", Role::GridWorker, other);
        let other_token = app.token("other.grid").await;
        let id = c["id"].as_i64().expect("id");
        assert_eq!(app.api_get(&format!("/api/v1/complaints/{id}"), &other_token).await.status(), 404);
        assert_eq!(app.api_get(&format!("/api/v1/complaints/{id}/similar"), &other_token).await.status(), 404);
        let list = app.get_json("/api/v1/complaints", &other_token).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    }

    async fn complaints_are_attached_to_and_detached_from_cases(app) {
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let a = app.post_ok("/api/v1/complaints", &grid, &complaint("1号楼", "2026-05-06T21:35:00+08:00", "甲"), 201).await;
        let case = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let other = app.post_ok("/api/v1/cases", &token, &case_body(&[]), 201).await;
        let (cid, oid, aid) = (case["id"].as_i64().expect("c"), other["id"].as_i64().expect("o"), a["id"].as_i64().expect("a"));
        let r = app.api_post(&format!("/api/v1/cases/{cid}/complaints"), &token, &json!({"complaint_id": aid})).await;
        assert_eq!(r.status(), 204);
        let r = app.api_post(&format!("/api/v1/cases/{oid}/complaints"), &token, &json!({"complaint_id": aid})).await;
        assert_eq!(r.status(), 409, "already in another case");
        let listed = app.get_json(&format!("/api/v1/complaints?case_id={cid}"), &token).await;
        assert_eq!(listed["items"][0]["id"], aid);
        let r = app.client.delete(app.url(&format!("/api/v1/cases/{cid}/complaints/{aid}"))).bearer_auth(&token).send().await.expect("delete");
        assert_eq!(r.status(), 204);
        let fetched = app.get_json(&format!("/api/v1/complaints/{aid}"), &token).await;
        assert_eq!(fetched["case_id"], Value::Null);
        // A grid worker logs complaints but does not steer cases.
        let r = app.api_post(&format!("/api/v1/cases/{cid}/complaints"), &grid, &json!({"complaint_id": aid})).await;
        assert_eq!(r.status(), 403);
    }
}

both_backends! {
    async fn a_burst_to_two_instances_keeps_every_complaint_on_gapless_chains_and_counts_each_once(app) {
        use diesel::prelude::*;
        use hesheng::db::schema::{audit_event, complaint};
        let other_app = crate::helpers::second_instance(&app);
        let second = hesheng::db::committees::create(
            &mut app.conn(),
            &hesheng::domain::audit::Actor::cli(),
            &hesheng::domain::committee::CommitteeSettings::default_committee(),
        )
        .expect("committee");
        let first_token = app.user_token("li.grid", Role::GridWorker).await;
        app.create_user("zhao.grid", Role::GridWorker, second);
        let second_token = app.token("zhao.grid").await;
        let (first_before, second_before) = {
            let mut conn = app.conn();
            (hesheng::db::audit::head_seqs(&mut conn, 1).expect("heads").0,
             hesheng::db::audit::head_seqs(&mut conn, second).expect("heads").0)
        };

        // Each instance gets half the burst, of both committees, with and
        // without a reporter, places spelt two ways that share a key.
        let bodies: Vec<(usize, Value)> = (0..120)
            .map(|i| {
                let place = if i % 3 == 0 { format!("和平里北街 {}号院", i % 5) } else { format!("和平里北街{}号院", i % 5) };
                let mut body = complaint(&place, &format!("2026-05-{:02}T21:{:02}:00+08:00", 1 + i % 28, i % 60), &format!("住户{i}"));
                if i % 4 == 1 {
                    body["anonymous"] = json!(true);
                    body.as_object_mut().expect("object").remove("reporter");
                }
                (i, body)
            })
            .collect();
        let responses = futures_util::future::join_all(bodies.iter().map(|(i, body)| {
            let on = if i % 2 == 0 { &app } else { &other_app };
            let token = if i % 4 < 2 { &first_token } else { &second_token };
            on.api_post("/api/v1/complaints", token, body)
        }))
        .await;
        let mut ids = std::collections::BTreeSet::new();
        let mut reported = std::collections::BTreeMap::new();
        for ((_, body), response) in bodies.iter().zip(responses) {
            assert_eq!(response.status().as_u16(), 201, "{body}");
            let created: Value = response.json().await.expect("json");
            // Each answer is its own complaint's, with its own reporter.
            assert_eq!(created["location"], body["location"]);
            assert_eq!(created["received_at"], body["received_at"]);
            assert_eq!(created["reporter"]["name"], body["reporter"]["name"]);
            ids.insert(created["id"].as_i64().expect("id"));
            reported.insert(created["id"].as_i64().expect("id"), body["reporter"]["name"].as_str().map(str::to_owned));
        }
        assert_eq!(ids.len(), 120, "each acknowledged complaint has its own id");

        let mut conn = app.conn();
        let stored: Vec<i64> = complaint::table.select(complaint::id).order(complaint::id).load(&mut conn).expect("ids");
        assert_eq!(stored, ids.iter().copied().collect::<Vec<_>>(), "every complaint acknowledged is stored, no other");
        let reporters: std::collections::BTreeMap<i64, Option<String>> = complaint::table
            .left_join(hesheng::db::schema::party::table
                .on(complaint::reporter_party_id.eq(hesheng::db::schema::party::id.nullable())))
            .select((complaint::id, hesheng::db::schema::party::name.nullable()))
            .load(&mut conn)
            .expect("reporters")
            .into_iter()
            .collect();
        assert_eq!(reporters, reported, "each complaint is stored with its own reporter");
        assert!(hesheng::db::audit::verify(&mut conn).expect("verify").is_ok(), "the chains are intact");
        for (committee, before, complaints, reporters) in [(1, first_before, 60, 30), (second, second_before, 60, 60)] {
            let seqs: Vec<i64> = audit_event::table
                .filter(audit_event::chain.eq(committee))
                .filter(audit_event::seq.gt(before))
                .select(audit_event::seq)
                .order(audit_event::seq)
                .load(&mut conn)
                .expect("seqs");
            assert_eq!(seqs, ((before + 1)..=(before + complaints + reporters)).collect::<Vec<_>>(),
                "committee {committee}'s chain goes on without a gap");
            let created: i64 = audit_event::table
                .filter(audit_event::chain.eq(committee))
                .filter(audit_event::action.eq("complaint.create"))
                .count()
                .get_result(&mut conn)
                .expect("events");
            assert_eq!(created, complaints);

            // The report's roll-up counted each complaint once, its places
            // named as the direct count names them.
            let p = hesheng::app::reports::period(
                chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("day"),
                chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("day"),
                480,
            );
            let direct = hesheng::db::reports::direct_figures(&mut conn, committee, &p, 10).expect("direct");
            let rolled = hesheng::db::reports::figures(&mut conn, committee, &p, 10).expect("rolled");
            assert_eq!(direct.summary.complaints, complaints);
            assert_eq!(rolled, direct);
        }
    }
}
