use std::collections::BTreeMap;

use diesel::prelude::*;
use hesheng::cli::scale::{Generated, generate_with};
use hesheng::db::schema::{agreement, complaint, mediation_case};

use crate::both_backends;
use crate::helpers::{TestApp, url_encode};

fn until() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1).and_then(|d| d.and_hms_opt(4, 0, 0)).expect("date")
}

fn make(app: &TestApp, n: usize, seed: u64) -> Generated {
    let mut conn = app.conn();
    hesheng::cli::demo::load(&mut conn).expect("demo");
    let committee = hesheng::db::committees::find(&mut conn, 1).expect("committee");
    let mut seen = Vec::new();
    // On PostgreSQL the complaints are written on a second connection, as
    // `demo --scale` writes them (the records are the same).
    let mut beside = app.conn();
    let made = generate_with(&mut conn, Some(&mut beside), &committee, n, seed, until(), &mut |done| seen.push(done))
        .expect("generate");
    assert_eq!(seen.last(), Some(&n), "progress reaches the end");
    made
}

fn listing(app: &TestApp) -> Vec<(String, String, String)> {
    mediation_case::table
        .order(mediation_case::id)
        .select((mediation_case::number, mediation_case::title, mediation_case::status))
        .load(&mut app.conn())
        .expect("cases")
}

both_backends! {
    async fn synthetic_cases_are_real_records(app) {
        let before: (i64, i64, i64) = {
            let mut conn = app.conn();
            hesheng::cli::demo::load(&mut conn).expect("demo");
            (
                mediation_case::table.count().get_result(&mut conn).expect("cases"),
                complaint::table.count().get_result(&mut conn).expect("complaints"),
                agreement::table.count().get_result(&mut conn).expect("agreements"),
            )
        };
        let made = make(&app, 1_100, 7);
        assert_eq!(made.cases, 1_100);
        let mut conn = app.conn();
        let cases: i64 = mediation_case::table.count().get_result(&mut conn).expect("cases");
        let complaints: i64 = complaint::table.count().get_result(&mut conn).expect("complaints");
        let agreements: i64 = agreement::table.count().get_result(&mut conn).expect("agreements");
        assert_eq!(cases - before.0, 1_100);
        assert_eq!(usize::try_from(complaints - before.1).expect("n"), made.complaints);
        assert_eq!(usize::try_from(agreements - before.2).expect("n"), made.agreements);
        assert!((4_000..7_000).contains(&made.complaints), "about five complaints a case: {}", made.complaints);
        assert!(made.agreements > 300, "{made:?}");

        // Case numbers stay gapless per year, after the demo's own.
        let seqs: Vec<(i32, i32)> = mediation_case::table
            .filter(mediation_case::committee_id.eq(1))
            .order((mediation_case::year, mediation_case::seq))
            .select((mediation_case::year, mediation_case::seq))
            .load(&mut conn)
            .expect("seqs");
        let mut by_year: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for (year, seq) in seqs {
            by_year.entry(year).or_default().push(seq);
        }
        assert!(by_year.len() >= 2, "two years of cases");
        for (year, seqs) in &by_year {
            let expected: Vec<i32> = (1..=i32::try_from(seqs.len()).expect("n")).collect();
            assert_eq!(seqs, &expected, "gapless in {year}");
        }
        // The batches are in the audit chain, and the chain holds; every
        // frozen agreement and follow-up matches the digest it records.
        assert!(hesheng::db::audit::verify(&mut conn).expect("verify").is_ok());
        assert_eq!(hesheng::db::integrity::check(&mut conn).expect("integrity"), Vec::<String>::new());

        // A synthetic effective agreement is whole: the API shows it, its
        // memorandum prints, its code verifies.
        let (id, code): (i64, Option<String>) = agreement::table
            .filter(agreement::status.eq("effective"))
            .order(agreement::id.desc())
            .select((agreement::id, agreement::verification_code))
            .first(&mut conn)
            .expect("an effective agreement");
        let token = app.token_with("wang.mediator", hesheng::cli::demo::DEMO_PASSWORD).await;
        let a = app.get_json(&format!("/api/v1/agreements/{id}"), &token).await;
        assert_eq!(a["status"], "effective");
        assert!(!a["terms"].as_array().expect("terms").is_empty());
        let case = app.get_json(&format!("/api/v1/cases/{}", a["case_id"]), &token).await;
        assert!(case["parties"].as_array().expect("parties").len() >= 2);
        let pdf = app.api_get(&format!("/api/v1/agreements/{id}/pdf"), &token).await;
        assert_eq!(pdf.status(), 200);
        assert!(pdf.bytes().await.expect("pdf").starts_with(b"%PDF"));
        let verified = app.get(&format!("/verify/{}", code.expect("code"))).await;
        assert_eq!(verified.status(), 200);
        let list = app.get_json("/api/v1/cases?status=mediating", &token).await;
        assert!(!list["items"].as_array().expect("items").is_empty());

        // Both search indexes hold the generated cases and complaints: a
        // party's name, a case's number and a place are found.
        let (case_id, number, place): (i64, String, Option<String>) = mediation_case::table
            .order(mediation_case::id.desc())
            .select((mediation_case::id, mediation_case::number, mediation_case::location))
            .first(&mut conn)
            .expect("the last generated case");
        let name: String = hesheng::db::schema::case_party::table
            .inner_join(hesheng::db::schema::party::table)
            .filter(hesheng::db::schema::case_party::case_id.eq(case_id))
            .select(hesheng::db::schema::party::name)
            .first(&mut conn)
            .expect("a party");
        let place = place.expect("place");
        for q in [name.as_str(), number.as_str(), place.as_str()] {
            let found = app.get_json(&format!("/api/v1/cases?limit=100&q={}", url_encode(q)), &token).await;
            let ids: Vec<i64> = found["items"].as_array().expect("items").iter().filter_map(|c| c["id"].as_i64()).collect();
            assert!(ids.contains(&case_id) || ids.len() == 100, "{q}: {ids:?}");
        }
        let complaint_ids: Vec<i64> = complaint::table
            .filter(complaint::case_id.eq(case_id))
            .select(complaint::id)
            .load(&mut conn)
            .expect("its complaints");
        let found = app
            .get_json(&format!("/api/v1/complaints?limit=100&case_id={case_id}&q={}", url_encode(&place)), &token)
            .await;
        let mut ids: Vec<i64> = found["items"].as_array().expect("items").iter().filter_map(|c| c["id"].as_i64()).collect();
        ids.sort_unstable();
        assert_eq!(ids, complaint_ids, "the case's complaints found by their place");

        // `views build` stores a view of every case, generated ones too.
        hesheng::app::case_view::store_missing_views(&mut conn, hesheng::domain::language::Lang::ZhCn, |_| ())
            .expect("views build");
        let views: i64 = hesheng::db::schema::case_view::table
            .filter(hesheng::db::schema::case_view::lang.eq("zh-CN"))
            .count()
            .get_result(&mut conn)
            .expect("views");
        assert_eq!(views, cases);
    }
}

/// What generating wrote after case `after` that is the same wherever it
/// is written: the generated records but for what is sealed or keyed under
/// the data key (each test installation has its own), and the audit
/// events' details.
fn written(app: &TestApp, after: i64) -> Vec<String> {
    use hesheng::db::schema::*;
    let mut conn = app.conn();
    let c = &mut conn;
    let agreement_ids: Vec<i64> = agreement::table
        .filter(agreement::case_id.gt(after))
        .order(agreement::id)
        .select(agreement::id)
        .load(c)
        .expect("agreements");
    let party_ids: Vec<i64> =
        case_party::table.filter(case_party::case_id.gt(after)).select(case_party::party_id).load(c).expect("parties");
    let mut out = Vec::new();
    let mut add = |what: &str, rows: String| out.push(format!("{what}: {rows}"));
    add(
        "cases",
        format!(
            "{:?}",
            mediation_case::table
                .filter(mediation_case::id.gt(after))
                .order(mediation_case::id)
                .select((
                    mediation_case::id,
                    mediation_case::number,
                    mediation_case::title,
                    mediation_case::status,
                    mediation_case::risk_level,
                    mediation_case::dispute_type,
                    mediation_case::registered_at,
                    mediation_case::prevented_criminal,
                ))
                .load::<(i64, String, String, String, String, String, chrono::NaiveDateTime, bool)>(c)
                .expect("cases")
        ),
    );
    add(
        "parties",
        format!(
            "{:?}",
            party::table
                .filter(party::id.eq_any(&party_ids))
                .order(party::id)
                .select((party::id, party::name, party::address))
                .load::<(i64, String, Option<String>)>(c)
                .expect("parties")
        ),
    );
    add(
        "case parties",
        format!(
            "{:?}",
            case_party::table
                .filter(case_party::case_id.gt(after))
                .order(case_party::id)
                .select((case_party::id, case_party::case_id, case_party::party_id, case_party::role))
                .load::<(i64, i64, i64, String)>(c)
                .expect("case parties")
        ),
    );
    add(
        "complaints",
        format!(
            "{:?}",
            complaint::table
                .filter(complaint::case_id.gt(after))
                .order(complaint::id)
                .select((
                    complaint::id,
                    complaint::case_id,
                    complaint::channel,
                    complaint::location_key,
                    complaint::reporter_party_id,
                    complaint::anonymous,
                    complaint::received_at,
                ))
                .load::<(i64, Option<i64>, String, String, Option<i64>, bool, chrono::NaiveDateTime)>(c)
                .expect("complaints")
        ),
    );
    add(
        "agreements",
        format!(
            "{:?}",
            agreement::table
                .filter(agreement::id.eq_any(&agreement_ids))
                .order(agreement::id)
                .select((
                    agreement::id,
                    agreement::case_id,
                    agreement::status,
                    agreement::content_hash,
                    agreement::verification_code,
                    agreement::effective_at,
                ))
                .load::<(i64, i64, String, Option<String>, Option<String>, Option<chrono::NaiveDateTime>)>(c)
                .expect("agreements")
        ),
    );
    add(
        "signatures",
        format!(
            "{:?}",
            signature::table
                .filter(signature::agreement_id.eq_any(&agreement_ids))
                .order(signature::id)
                .select((signature::id, signature::agreement_id, signature::role, signature::party_id))
                .load::<(i64, i64, String, Option<i64>)>(c)
                .expect("signatures")
        ),
    );
    add(
        "follow-ups",
        format!(
            "{:?}",
            follow_up::table
                .filter(follow_up::case_id.gt(after))
                .order(follow_up::id)
                .select((follow_up::id, follow_up::agreement_id, follow_up::case_id, follow_up::visited_at))
                .load::<(i64, i64, i64, chrono::NaiveDateTime)>(c)
                .expect("follow-ups")
        ),
    );
    add(
        "counters",
        format!(
            "{:?}",
            case_counter::table
                .order((case_counter::committee_id, case_counter::year))
                .select((case_counter::committee_id, case_counter::year, case_counter::last_seq))
                .load::<(i64, i32, i32)>(c)
                .expect("counters")
        ),
    );
    add(
        "case search",
        format!(
            "{:?} {:?}",
            case_search_text::table
                .filter(case_search_text::case_id.gt(after))
                .order(case_search_text::case_id)
                .select((case_search_text::case_id, case_search_text::body, case_search_text::parties))
                .load::<(i64, String, String)>(c)
                .expect("search texts"),
            case_search_chunk::table
                .order((case_search_chunk::committee_id, case_search_chunk::key, case_search_chunk::first_id))
                .select((case_search_chunk::key, case_search_chunk::first_id, case_search_chunk::ids))
                .load::<(i64, i64, Vec<u8>)>(c)
                .expect("search keys"),
        ),
    );
    let scale_events: Vec<String> = audit_event::table
        .filter(audit_event::action.eq("demo.scale"))
        .order((audit_event::chain, audit_event::seq))
        .select(audit_event::summary)
        .load(c)
        .expect("events");
    let scale_events: Vec<serde_json::Value> =
        scale_events.iter().map(|d| serde_json::from_str(d).expect("details are JSON")).collect();
    add("demo.scale events", format!("{scale_events:?}"));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_write_the_same_cases_for_a_seed() {
    let Some(postgres) = crate::helpers::spawn_app(hesheng::db::Backend::Postgres).await else { return };
    let sqlite = crate::helpers::spawn_app(hesheng::db::Backend::Sqlite).await.expect("app");
    let demo = |app: &TestApp| -> i64 {
        let mut conn = app.conn();
        hesheng::cli::demo::load(&mut conn).expect("demo");
        mediation_case::table
            .select(diesel::dsl::max(mediation_case::id))
            .first::<Option<i64>>(&mut conn)
            .expect("cases")
            .unwrap_or(0)
    };
    let after = demo(&sqlite);
    assert_eq!(demo(&postgres), after);
    // More than a batch, so that ids continue from one batch to the next.
    let n = hesheng::cli::scale::BATCH + 130;
    assert_eq!(make(&sqlite, n, 42), make(&postgres, n, 42));
    let (on_sqlite, on_postgres) = (written(&sqlite, after), written(&postgres, after));
    assert_eq!(on_sqlite.len(), on_postgres.len());
    for (a, b) in on_sqlite.iter().zip(&on_postgres) {
        assert!(a == b, "SQLite and PostgreSQL differ in {}", a.split(':').next().unwrap_or_default());
    }
    assert!(on_sqlite.iter().all(|w| w.len() > 40), "something was written of each kind");
    let mut conn = postgres.conn();
    assert_eq!(hesheng::db::integrity::check(&mut conn).expect("integrity"), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_cases() {
    let first = crate::helpers::spawn_app(hesheng::db::Backend::Sqlite).await.expect("app");
    let second = crate::helpers::spawn_app(hesheng::db::Backend::Sqlite).await.expect("app");
    let third = crate::helpers::spawn_app(hesheng::db::Backend::Sqlite).await.expect("app");
    assert_eq!(make(&first, 120, 42), make(&second, 120, 42));
    make(&third, 120, 43);
    assert_eq!(listing(&first), listing(&second));
    assert_ne!(listing(&first), listing(&third), "another seed, other cases");
}
