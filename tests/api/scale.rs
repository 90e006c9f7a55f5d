use std::collections::BTreeMap;

use diesel::prelude::*;
use hesheng::cli::scale::{Generated, generate};
use hesheng::db::schema::{agreement, complaint, mediation_case};

use crate::both_backends;
use crate::helpers::TestApp;

fn until() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1).and_then(|d| d.and_hms_opt(4, 0, 0)).expect("date")
}

fn make(app: &TestApp, n: usize, seed: u64) -> Generated {
    let mut conn = app.conn();
    hesheng::cli::demo::load(&mut conn).expect("demo");
    let committee = hesheng::db::committees::find(&mut conn, 1).expect("committee");
    let mut seen = Vec::new();
    let made = generate(&mut conn, &committee, n, seed, until(), &mut |done| seen.push(done)).expect("generate");
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
        // The batches are in the audit chain, and the chain holds.
        assert!(hesheng::db::audit::verify(&mut conn).expect("verify").is_ok());

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
    }
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
