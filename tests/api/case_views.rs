//! Stored case views: served while current, dropped by every write to a
//! record of the case (whatever made the write), sealed at rest, and never
//! stored when built across a write.

use std::io::Read;

use diesel::prelude::*;
use hesheng::cli::demo::{DEMO_PASSWORD, Loaded, load};
use hesheng::db::case_views;
use hesheng::db::schema::{case_view, mediation_case};
use hesheng::domain::account::Role;
use hesheng::domain::language::Lang;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, hesheng};
use crate::records::{mediating_case, memorandum};

fn stored(app: &TestApp, case_id: i64) -> i64 {
    case_view::table.filter(case_view::case_id.eq(case_id)).count().get_result(&mut app.conn()).expect("count")
}

fn run_sql(app: &TestApp, sql: &str) -> usize {
    diesel::sql_query(sql).execute(&mut app.conn()).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// How many views of the case are stored once the server's writer, which
/// stores them after the answer, has caught up with `expected`.
async fn stored_soon(app: &TestApp, case_id: i64, expected: i64) -> i64 {
    for _ in 0..500 {
        if stored(app, case_id) == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stored(app, case_id)
}

/// Reads the case through the API, which stores its view; checks it was.
async fn read_and_store(app: &TestApp, token: &str, case_id: i64) -> Value {
    let case = app.get_json(&format!("/api/v1/cases/{case_id}"), token).await;
    assert_eq!(stored_soon(app, case_id, 1).await, 1, "reading case {case_id} stores its view");
    case
}

/// `sql` changes at least one row and drops the stored view of `case_id`.
async fn drops_view(app: &TestApp, token: &str, case_id: i64, sql: &str) {
    read_and_store(app, token, case_id).await;
    assert!(run_sql(app, sql) > 0, "{sql} changes a record of case {case_id}");
    assert_eq!(stored(app, case_id), 0, "{sql} drops the view of case {case_id}");
}

both_backends! {
    async fn a_stored_view_is_served_sealed_and_equal_to_a_fresh_one(app) {
        let Loaded::Now { choir_case, .. } = load(&mut app.conn()).expect("demo") else { panic!("first load") };
        let token = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        assert_eq!(stored(&app, choir_case), 0);
        let built = read_and_store(&app, &token, choir_case).await;
        let served = app.get_json(&format!("/api/v1/cases/{choir_case}"), &token).await;
        assert_eq!(served, built, "the stored view answers as the built one did");
        // A client accepting gzip is sent the stored bytes; others the JSON.
        for (accept, gzipped) in [("gzip, deflate, br", true), ("br", false), ("gzip;q=0", false)] {
            let response = app
                .client
                .get(app.url(&format!("/api/v1/cases/{choir_case}")))
                .bearer_auth(&token)
                .header("Accept-Encoding", accept)
                .send()
                .await
                .expect("response");
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["vary"], "Accept-Encoding");
            let encoding = response.headers().get("content-encoding").map(|v| v.to_str().expect("ascii").to_owned());
            assert_eq!(encoding.as_deref(), gzipped.then_some("gzip"), "{accept}");
            let body = response.bytes().await.expect("body");
            let json = if gzipped {
                let mut json = Vec::new();
                flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut json).expect("gzip");
                json
            } else {
                body.to_vec()
            };
            assert_eq!(serde_json::from_slice::<serde_json::Value>(&json).expect("json"), built, "{accept}");
        }
        let english = app.get_json_in(&format!("/api/v1/cases/{choir_case}"), &token, "en").await;
        assert_eq!(english["id"], built["id"]);
        assert_eq!(stored_soon(&app, choir_case, 2).await, 2, "one view per language");

        // Sealed at rest: neither a name nor a masked number is readable in the row.
        let body: String = case_view::table
            .filter(case_view::case_id.eq(choir_case))
            .select(case_view::body)
            .first(&mut app.conn())
            .expect("body");
        assert!(body.starts_with(hesheng::data_key::PREFIX), "{}", &body[..20]);
        let party = built["parties"][0]["name"].as_str().expect("a party's name");
        assert!(built.to_string().contains(party) && !body.contains(party));

        // A view built before a write of its committee is not stored.
        let committee: i64 = mediation_case::table
            .find(choir_case)
            .select(mediation_case::committee_id)
            .first(&mut app.conn())
            .expect("committee");
        let mut conn = app.conn();
        let before = case_views::version(&mut conn, committee).expect("version");
        let mediator = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        let other = app.post_ok("/api/v1/cases", &mediator, &crate::records::case_body(&[]), 201).await;
        assert_ne!(case_views::version(&mut conn, committee).expect("version"), before, "a write moves the chain");
        assert!(!case_views::store(&mut conn, committee, choir_case, Lang::ZhCn, before, "{}").expect("store"));
        assert_eq!(served, app.get_json(&format!("/api/v1/cases/{choir_case}"), &token).await, "the stale one was not kept");
        let now = case_views::version(&mut conn, committee).expect("version");
        assert!(case_views::store(&mut conn, committee, choir_case, Lang::ZhCn, now, "{\"stored\":1}").expect("store"));
        let found = case_views::find(&mut conn, committee, choir_case, Lang::ZhCn).expect("find").expect("stored");
        assert_eq!(found.inflate().expect("inflates"), b"{\"stored\":1}");
        assert_eq!(case_views::find(&mut conn, committee + 1, choir_case, Lang::ZhCn).expect("find"), None, "views are the committee's own");
        assert!(other["id"].as_i64().is_some());
    }

    async fn every_write_to_a_record_of_a_case_drops_its_stored_view(app) {
        let Loaded::Now { choir_case: c, .. } = load(&mut app.conn()).expect("demo") else { panic!("first load") };
        let token = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        let k: i64 = mediation_case::table.find(c).select(mediation_case::committee_id).first(&mut app.conn()).expect("committee");
        // Statements that leave the values as they are still count as writes.
        for t in ["case_party", "case_mediator", "complaint", "case_transition", "investigation", "measurement",
                  "mediation_session", "community_meeting", "agreement", "follow_up"] {
            drops_view(&app, &token, c, &format!("UPDATE {t} SET case_id = case_id WHERE case_id = {c}")).await;
        }
        for (t, column, parent) in [("session_reference", "session_id", "mediation_session"),
                                    ("meeting_reference", "meeting_id", "community_meeting"),
                                    ("follow_up_observation", "follow_up_id", "follow_up")] {
            drops_view(&app, &token, c,
                &format!("UPDATE {t} SET {column} = {column} WHERE {column} IN (SELECT id FROM {parent} WHERE case_id = {c})")).await;
        }
        drops_view(&app, &token, c, &format!("UPDATE mediation_case SET title = title WHERE id = {c}")).await;
        drops_view(&app, &token, c, &format!("UPDATE party SET name = name WHERE id IN (SELECT party_id FROM case_party WHERE case_id = {c})")).await;
        drops_view(&app, &token, c, &format!(
            "UPDATE party SET name = name WHERE id IN (SELECT reporter_party_id FROM complaint WHERE case_id = {c}) \
             AND id NOT IN (SELECT party_id FROM case_party WHERE case_id = {c})")).await;
        drops_view(&app, &token, c, &format!("UPDATE app_user SET display_name = display_name WHERE committee_id = {k}")).await;
        drops_view(&app, &token, c, &format!("UPDATE committee SET name = name WHERE id = {k}")).await;
        drops_view(&app, &token, c, "UPDATE legal_reference SET code = code WHERE id IN (SELECT legal_reference_id FROM session_reference)").await;
        drops_view(&app, &token, c, &format!("DELETE FROM case_transition WHERE id = (SELECT max(id) FROM case_transition WHERE case_id = {c})")).await;

        // An agreement's terms and signatures, while it is a draft.
        let mediator = app.user_token("li.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &mediator).await;
        let id = case["id"].as_i64().expect("id");
        read_and_store(&app, &mediator, id).await;
        let agreement = app.post_ok(&format!("/api/v1/cases/{id}/agreements"), &mediator, &memorandum(), 201).await;
        assert_eq!(stored(&app, id), 0, "a new agreement drops the view");
        let a = agreement["id"].as_i64().expect("agreement id");
        assert_eq!(read_and_store(&app, &mediator, id).await["agreements"][0]["id"], a, "and shows in the next answer");
        let party = &case["parties"][0]["id"];
        app.post_ok(&format!("/api/v1/agreements/{a}/signatures"), &mediator,
            &json!({"role": "party", "party_id": party, "method": "paper"}), 201).await;
        assert_eq!(stored(&app, id), 0, "a signature drops the view");
        drops_view(&app, &mediator, id, &format!("UPDATE agreement_term SET agreement_id = agreement_id WHERE agreement_id = {a}")).await;
        drops_view(&app, &mediator, id, &format!("UPDATE signature SET agreement_id = agreement_id WHERE agreement_id = {a}")).await;
        drops_view(&app, &mediator, id, &format!("DELETE FROM signature WHERE agreement_id = {a}")).await;
        let after = read_and_store(&app, &mediator, id).await;
        assert_eq!(after["agreements"][0]["missing_signatures"]["parties"].as_array().map(Vec::len), Some(2));
    }

    async fn views_build_stores_the_missing_views_and_they_are_served(app) {
        let Loaded::Now { choir_case, .. } = load(&mut app.conn()).expect("demo") else { panic!("first load") };
        let cases: i64 = mediation_case::table.count().get_result(&mut app.conn()).expect("cases");
        let token = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        // Each view is built alone on its first read; `views build` builds
        // them a batch of cases at a time, and must build the same.
        let committee: i64 = mediation_case::table.find(choir_case).select(mediation_case::committee_id)
            .get_result(&mut app.conn()).expect("committee");
        let ids: Vec<i64> = mediation_case::table.filter(mediation_case::committee_id.eq(committee))
            .order(mediation_case::id).select(mediation_case::id).load(&mut app.conn()).expect("cases");
        assert!(ids.len() > 1, "{ids:?}");
        let mut alone = Vec::new();
        for &id in &ids {
            alone.push(read_and_store(&app, &token, id).await);
        }
        run_sql(&app, "DELETE FROM case_view");

        let out = hesheng(&app.database_url, &["views", "build"], None);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{said} {}", String::from_utf8_lossy(&out.stderr));
        assert!(said.contains(&format!("stored {cases} case views (zh-CN)")), "{said}");
        let rows: i64 = case_view::table.count().get_result(&mut app.conn()).expect("views");
        assert_eq!(rows, cases);
        for (id, built) in ids.iter().zip(&alone) {
            assert_eq!(&app.get_json(&format!("/api/v1/cases/{id}"), &token).await, built, "case {id} served as built");
        }

        let again = hesheng(&app.database_url, &["views", "build"], None);
        assert!(String::from_utf8_lossy(&again.stdout).contains("stored 0 case views"), "nothing is missing");
        let english = hesheng(&app.database_url, &["views", "build", "--lang", "en"], None);
        assert!(String::from_utf8_lossy(&english.stdout).contains(&format!("stored {cases} case views (en)")));
        let bad = hesheng(&app.database_url, &["views", "build", "--lang", "fr"], None);
        assert_eq!(bad.status.code(), Some(2), "an unknown language is a usage error");
    }
}
