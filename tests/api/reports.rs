//! Reports: every figure checked against the records, counted here in
//! plain Rust over the rows; CSV, PDF and the page; committees side by side.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDateTime, TimeDelta, Timelike};
use diesel::prelude::*;
use hesheng::cli::demo::{DEMO_PASSWORD, load};
use hesheng::db::schema::{agreement, agreement_term, complaint, follow_up, measurement, mediation_case, referral};
use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::pages::Visitor;
use crate::records::{mediating_case, memorandum};

const FROM: &str = "2026-01-01";
const OFFSET: i64 = 480;

/// A case as the expectations need it: id, type, source, registered, and
/// the two prevention flags.
type CaseRow = (i64, String, String, NaiveDateTime, bool, bool);

fn local(t: NaiveDateTime) -> NaiveDateTime {
    t + TimeDelta::minutes(OFFSET)
}

/// The figures, counted from the rows of the period `[from, until)`.
fn expected(app: &TestApp, from: NaiveDateTime, until: NaiveDateTime) -> Value {
    let mut conn = app.conn();
    let cases: Vec<CaseRow> = mediation_case::table
        .filter(mediation_case::committee_id.eq(1))
        .select((
            mediation_case::id,
            mediation_case::dispute_type,
            mediation_case::source,
            mediation_case::registered_at,
            mediation_case::prevented_criminal,
            mediation_case::prevented_petition,
        ))
        .load(&mut conn)
        .expect("cases");
    let cohort: Vec<_> = cases.iter().filter(|c| c.3 >= from && c.3 < until).collect();
    let agreements: Vec<(i64, i64, String, Option<NaiveDateTime>)> = agreement::table
        .select((agreement::id, agreement::case_id, agreement::status, agreement::effective_at))
        .load(&mut conn)
        .expect("agreements");
    let mut days = Vec::new();
    let mut succeeded = 0;
    for c in &cohort {
        let first = agreements.iter().filter(|a| a.1 == c.0).filter_map(|a| a.3).min();
        if let Some(at) = first {
            succeeded += 1;
            // Whole hours, as the report counts them.
            days.push(((at - c.3).num_milliseconds() / 3_600_000) as f64 / 24.0);
        }
    }
    days.sort_by(f64::total_cmp);
    let median = match days.len() {
        0 => Value::Null,
        n if n % 2 == 1 => json!((days[n / 2] * 10.0).round() / 10.0),
        n => json!(((days[n / 2 - 1] + days[n / 2]) / 2.0 * 10.0).round() / 10.0),
    };
    let in_force: Vec<i64> = agreements
        .iter()
        .filter(|a| ["effective", "fulfilled", "breached"].contains(&a.2.as_str()))
        .filter(|a| cohort.iter().any(|c| c.0 == a.1))
        .map(|a| a.0)
        .collect();
    let amount: i64 = agreement_term::table
        .filter(agreement_term::kind.eq("payment"))
        .select((agreement_term::agreement_id, agreement_term::amount_fen))
        .load::<(i64, Option<i64>)>(&mut conn)
        .expect("terms")
        .into_iter()
        .filter(|(a, _)| in_force.contains(a))
        .filter_map(|(_, f)| f)
        .sum();
    let count_by = |key: fn(&CaseRow) -> String| {
        let mut m = BTreeMap::new();
        for c in &cohort {
            *m.entry(key(c)).or_insert(0) += 1;
        }
        m
    };
    let complaints: Vec<(String, String, NaiveDateTime)> = complaint::table
        .filter(complaint::committee_id.eq(1))
        .select((complaint::channel, complaint::location_key, complaint::received_at))
        .load(&mut conn)
        .expect("complaints");
    let received: Vec<_> = complaints.iter().filter(|c| c.2 >= from && c.2 < until).collect();
    let mut by_channel = BTreeMap::new();
    let mut by_hour = vec![0; 24];
    let mut grid = vec![vec![0; 24]; 7];
    let mut places: BTreeMap<&str, i64> = BTreeMap::new();
    for c in &received {
        *by_channel.entry(c.0.clone()).or_insert(0) += 1;
        let t = local(c.2);
        by_hour[t.hour() as usize] += 1;
        grid[t.weekday().num_days_from_sunday() as usize][t.hour() as usize] += 1;
        *places.entry(c.1.as_str()).or_insert(0) += 1;
    }
    let visits: Vec<(i64, String, NaiveDateTime)> = follow_up::table
        .select((follow_up::agreement_id, follow_up::overall, follow_up::visited_at))
        .load(&mut conn)
        .expect("follow-ups");
    let visits: Vec<_> = visits.into_iter().filter(|v| v.2 >= from && v.2 < until).collect();
    let kept = visits.iter().filter(|v| v.1 == "kept").count();
    let assessed = kept + visits.iter().filter(|v| v.1 == "breached").count();
    let mut breached: Vec<i64> = visits.iter().filter(|v| v.1 == "breached").map(|v| v.0).collect();
    breached.sort_unstable();
    breached.dedup();
    let referrals = referral::table
        .select(referral::referred_at)
        .load::<NaiveDateTime>(&mut conn)
        .expect("referrals")
        .into_iter()
        .filter(|t| *t >= from && *t < until)
        .count();
    let mut over = vec![0; 24];
    for t in measurement::table
        .filter(measurement::valid.eq(true))
        .filter(measurement::exceeds_by_db.gt(0.0))
        .select(measurement::measured_at)
        .load::<NaiveDateTime>(&mut conn)
        .expect("measurements")
    {
        if t >= from && t < until {
            over[local(t).hour() as usize] += 1;
        }
    }
    let mut hotspots: Vec<(&str, i64)> = places.into_iter().collect();
    hotspots.sort_by_key(|h| std::cmp::Reverse(h.1));
    json!({
        "accepted": cohort.len(),
        "succeeded": succeeded,
        "by_dispute_type": count_by(|c| c.1.clone()),
        "by_source": count_by(|c| c.2.clone()),
        "by_channel": by_channel,
        "complaints": received.len(),
        "amount_involved": amount as f64 / 100.0,
        "median_days_to_agreement": median,
        "follow_ups_assessed": assessed,
        "follow_up_compliance_rate": if assessed == 0 { Value::Null } else { json!(((kept as f64 / assessed as f64) * 10_000.0).round() / 10_000.0) },
        "breaches": breached.len(),
        "referrals": referrals,
        "prevented_criminal": cohort.iter().filter(|c| c.4).count(),
        "prevented_petition": cohort.iter().filter(|c| c.5).count(),
        "complaints_by_hour": by_hour,
        "complaints_by_weekday_hour": grid,
        "exceedances_by_hour": over,
        "hotspot_counts": hotspots.iter().map(|h| h.1).take(10).collect::<Vec<_>>(),
    })
}

/// Adds records in the period: complaints at known hours, an agreement
/// with a payment found breached, a prevented escalation, two cases with the
/// same oral agreement, one of them fulfilled the day it was registered.
async fn arrange(app: &TestApp) -> String {
    let token = app.token_with("wang.mediator", DEMO_PASSWORD).await;
    for (at, channel, place) in [
        ("2026-03-02T21:30:00+08:00", "phone", "敦化南路64号院"),
        ("2026-03-03T22:10:00+08:00", "wechat", "敦化南路６４号院"),
        ("2026-03-10T21:50:00+08:00", "visit", "7号楼"),
        ("2025-12-30T21:50:00+08:00", "visit", "7号楼"),
    ] {
        let body = json!({"received_at": at, "channel": channel, "category": "noise", "location": place, "description": "吵", "anonymous": true});
        app.post_ok("/api/v1/complaints", &token, &body, 201).await;
    }
    let case = mediating_case(app, &token).await;
    let id = case["id"].as_i64().expect("id");
    let mut body = memorandum();
    body["terms"].as_array_mut().expect("terms").push(json!({"kind": "payment", "amount": 450.5, "due": "2026-06-01"}));
    let a = app.post_ok(&format!("/api/v1/cases/{id}/agreements"), &token, &body, 201).await;
    let agreement = a["id"].as_i64().expect("agreement");
    crate::records::sign_all(app, &token, &case, agreement).await;
    app.post_ok(
        &format!("/api/v1/agreements/{agreement}/follow-ups"),
        &token,
        &json!({"visited_at": "2026-06-05T21:10:00+08:00", "method": "night_check", "observations": [{"term_index": 0, "observed_end": "21:40"}]}),
        201,
    )
    .await;
    let r = app.api_patch(&format!("/api/v1/cases/{id}"), &token, &json!({"prevented_criminal": true})).await;
    assert_eq!(r.status(), 200);
    for _ in 0..2 {
        let case = mediating_case(app, &token).await;
        let oral = json!({
            "kind": "oral", "facts": "马蜂窝", "disputed_matters": "谁来清理",
            "terms": [{"kind": "free_text", "text": "物业于三日内清除7号楼外墙马蜂窝。"}],
            "performance": {"manner": "物业清除"}
        });
        let a = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &oral, 201).await;
        let path = format!("/api/v1/agreements/{}/follow-ups", a["id"]);
        let visit = json!({"visited_at": chrono::Utc::now().to_rfc3339(), "method": "visit", "observations": [{"term_index": 0, "result": "kept"}], "mark_fulfilled": true});
        app.post_ok(&path, &token, &visit, 201).await;
    }
    token
}

both_backends! {
    async fn every_figure_of_the_report_matches_the_records(app) {
        load(&mut app.conn()).expect("demo");
        let token = arrange(&app).await;
        let today = (chrono::Utc::now().naive_utc() + TimeDelta::minutes(OFFSET)).date();
        let report = app.get_json(&format!("/api/v1/reports/summary?from={FROM}&to={today}"), &token).await;
        let from = chrono::NaiveDate::parse_from_str(FROM, "%Y-%m-%d").expect("date").and_hms_opt(0, 0, 0).expect("t") - TimeDelta::minutes(OFFSET);
        let until = (today + TimeDelta::days(1)).and_hms_opt(0, 0, 0).expect("t") - TimeDelta::minutes(OFFSET);
        let want = expected(&app, from, until);
        for key in [
            "accepted", "succeeded", "complaints", "amount_involved", "median_days_to_agreement", "follow_ups_assessed",
            "follow_up_compliance_rate", "breaches", "referrals", "prevented_criminal", "prevented_petition",
            "complaints_by_hour", "complaints_by_weekday_hour", "exceedances_by_hour",
        ] {
            assert_eq!(report[key], want[key], "{key}");
        }
        for (group, all) in [("by_dispute_type", 15), ("by_source", 3), ("by_channel", 6)] {
            let got = report[group].as_object().expect(group);
            assert_eq!(got.len(), all, "{group} lists every category");
            for (code, n) in got {
                assert_eq!(n.as_i64().unwrap_or(-1), want[group][code].as_i64().unwrap_or(0), "{group}.{code}");
            }
        }
        let rate = report["success_rate"].as_f64().expect("rate");
        let (s, a) = (want["succeeded"].as_f64().expect("s"), want["accepted"].as_f64().expect("a"));
        assert!((rate - (s / a * 10_000.0).round() / 10_000.0).abs() < 1e-9);
        let counts: Vec<i64> = report["hotspots"].as_array().expect("hotspots").iter().filter_map(|h| h["complaints"].as_i64()).collect();
        assert_eq!(json!(counts), want["hotspot_counts"]);
        let top = report["hotspots"][0]["location"].as_str().expect("top place");
        assert!(top.contains("64") || top.contains("６４"), "the 64号院 spellings count as one place: {top}");
        assert!(want["amount_involved"].as_f64().expect("amount") >= 450.5, "the payment is counted");
        assert_eq!(report["prevented_criminal"], 1);
        assert!(report["breaches"].as_i64().expect("breaches") >= 1);
        let march = app.get_json("/api/v1/reports/summary?from=2026-03-01&to=2026-03-31", &token).await;
        assert_eq!(march["complaints"], 3, "only March's complaints");
        assert_eq!(march["complaints_by_hour"][21], 2);
        assert_eq!(march["complaints_by_weekday_hour"][2][21], 1, "Tuesday 21:00");
        assert_eq!(march["accepted"], 0);
        assert_eq!(march["success_rate"], Value::Null);

        let bad = app.api_get("/api/v1/reports/summary?from=2026-05-01&to=2026-04-01", &token).await;
        assert_eq!(bad.status(), 422);

        // CSV: a byte-order mark, every figure, one column for the committee.
        let csv = app.api_get(&format!("/api/v1/reports/summary.csv?from={FROM}&to={today}"), &token).await;
        assert!(csv.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
        let text = csv.text().await.expect("csv");
        assert!(text.starts_with('\u{feff}'), "UTF-8 with BOM");
        let accepted_line = text.lines().find(|l| l.contains(",accepted,")).expect("accepted row");
        assert!(accepted_line.ends_with(&format!(",{}", want["accepted"])), "{accepted_line}");
        assert!(text.lines().any(|l| l.contains(",neighbour,邻里,")), "categories in words");

        // PDF: the same figures in print.
        let pdf = app.api_get(&format!("/api/v1/reports/summary.pdf?from={FROM}&to={today}"), &token).await;
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.expect("pdf");
        if crate::pdf_tools::available() {
            let text = crate::pdf_tools::text(&bytes);
            assert!(text.contains("人民调解工作统计") && text.contains("受理纠纷（件）"));
            assert!(text.contains(&format!("{:.2}", want["amount_involved"].as_f64().expect("amount"))));
            assert!(crate::pdf_tools::fonts(&bytes).iter().all(|(_, emb, sub, _)| *emb && *sub));
        }
    }

    async fn the_page_draws_its_charts_with_their_numbers_and_shows_the_signals_to_admins(app) {
        load(&mut app.conn()).expect("demo");
        arrange(&app).await;
        let admin = Visitor::signed_in(&app, "demo.admin").await;
        let (status, page) = admin.page(&format!("/reports?from={FROM}")).await;
        assert_eq!(status, 200);
        assert_eq!(page.matches("<svg").count(), 6, "four bar charts, the heatmap, the hours");
        assert!(page.contains("<title>按纠纷类型</title>") && page.contains(">邻里</td>"));
        assert!(!page.contains("style="), "charts use no inline styles (the CSP forbids them)");
        assert!(page.contains("需要核查的情况"));
        assert!(page.contains("受理后一天内结案的案件"));
        let identical = page.split("不同案件中内容完全相同的协议").nth(1).expect("section");
        assert!(identical.contains("物业于三日内清除7号楼外墙马蜂窝。"), "the repeated oral agreement is flagged");
        let oral = page.split("登记当天即记为履行完毕的口头协议").nth(1).expect("section");
        assert!(oral.contains("/cases/"), "an oral agreement fulfilled the day it was registered is flagged");
        let mediator = Visitor::signed_in(&app, "wang.mediator").await;
        let (status, page) = mediator.page("/reports?from=2026-05-01&to=2026-04-01").await;
        assert_eq!(status, 422, "a backwards period is refused");
        assert!(page.contains("结束日期不能早于开始日期"));
        assert!(!page.contains("需要核查的情况"), "signals are for administrators");
    }

    async fn an_administrator_of_the_installation_sees_committees_side_by_side(app) {
        load(&mut app.conn()).expect("demo");
        let root = app.token_with("demo.admin", DEMO_PASSWORD).await;
        let created = app.post_ok("/api/v1/committees", &root, &json!({"name": "东城社区人民调解委员会", "abbreviation": "东城", "zone_class": "1"}), 201).await;
        let other = created["id"].as_i64().expect("id");
        app.create_user("dong.admin", Role::Admin, other);
        let dong = app.token("dong.admin").await;
        app.post_ok("/api/v1/cases", &dong, &crate::records::case_body(&[]), 201).await;
        let theirs = app.get_json("/api/v1/reports/summary?from=2026-01-01", &dong).await;
        assert_eq!(theirs["accepted"], 1);
        assert_eq!(theirs["committee"], "东城社区人民调解委员会");
        assert_eq!(app.api_get("/api/v1/reports/summary?committee_id=1", &dong).await.status(), 404, "not another committee's");
        let seen = app.get_json(&format!("/api/v1/reports/summary?from=2026-01-01&committee_id={other}"), &root).await;
        assert_eq!(seen["accepted"], 1);
        let csv = app.api_get("/api/v1/reports/summary.csv?from=2026-01-01", &root).await.text().await.expect("csv");
        let head = csv.lines().next().expect("header");
        assert!(head.contains("敦化南路社区人民调解委员会") && head.contains("东城社区人民调解委员会"), "{head}");
        let v = Visitor::signed_in(&app, "demo.admin").await;
        let (_, page) = v.page("/reports?from=2026-01-01").await;
        assert!(page.contains("<th scope=\"col\" class=\"num\">东城社区人民调解委员会</th>"));
    }
}

/// A seeded generator (xorshift64*), so that a failing draw is found again.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// A time between 2025-01-01 and 2026-12-01 UTC, to the microsecond.
    fn time(&mut self) -> NaiveDateTime {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("day").and_hms_opt(0, 0, 0).expect("t");
        start
            + TimeDelta::seconds(self.below(700 * 86_400) as i64)
            + TimeDelta::microseconds(self.below(1_000_000) as i64)
    }

    fn day(&mut self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2024, 12, 1).expect("day") + TimeDelta::days(self.below(800) as i64)
    }
}

type RollupRow = (i64, i32, chrono::NaiveDate, String, String, i64, Option<String>);

fn rollup_rows(conn: &mut hesheng::db::DbConn) -> Vec<RollupRow> {
    use hesheng::db::schema::report_daily as r;
    r::table
        .order((r::committee_id, r::span, r::day, r::measure, r::item))
        .select((r::committee_id, r::span, r::day, r::measure, r::item, r::n, r::label))
        .load(conn)
        .expect("roll-up")
}

/// The roll-up's figures equal the records counted directly, for `periods`
/// random periods of each committee (and a few fixed ones), and the rows
/// kept up by the writes equal the rows counted anew.
fn check_rollup(conn: &mut hesheng::db::DbConn, draw: &mut Draw, committees: &[i64], periods: usize) {
    use hesheng::db::{committees as c, reports};
    let kept = rollup_rows(conn);
    assert!(!kept.is_empty());
    reports::rebuild(conn, None).expect("rebuild");
    let rebuilt = rollup_rows(conn);
    assert_eq!(kept.len(), rebuilt.len(), "as many rows kept up as counted anew");
    for (k, r) in kept.iter().zip(&rebuilt) {
        assert_eq!(k, r, "a row kept up by the writes equals the row counted anew");
    }
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("day");
    let mut asked = vec![
        (day(2026, 1, 1), day(2026, 12, 31)),
        (day(2025, 1, 1), day(2026, 12, 31)),
        (day(2026, 3, 1), day(2026, 3, 31)),
        (day(2026, 3, 2), day(2026, 3, 2)),
        (day(2025, 11, 30), day(2026, 2, 1)),
    ];
    for _ in 0..periods {
        let from = draw.day();
        let length = match draw.below(3) {
            0 => draw.below(3),
            1 => draw.below(62),
            _ => draw.below(800),
        };
        asked.push((from, from + TimeDelta::days(length as i64)));
    }
    for &id in committees {
        let committee = c::find(conn, id).expect("committee");
        for &(from, to) in &asked {
            let p = hesheng::app::reports::period(from, to, committee.utc_offset_minutes);
            let rolled = reports::figures(conn, id, &p, 10).expect("rolled");
            let direct = reports::direct_figures(conn, id, &p, 10).expect("direct");
            assert_eq!(rolled, direct, "committee {id}, {from} to {to}");
        }
    }
}

both_backends! {
    async fn the_roll_up_equals_the_records_counted_directly_for_random_periods(app) {
        use hesheng::db::{cases, committees, complaints};
        use hesheng::domain::audit::Actor;
        use hesheng::domain::case::{CaseSource, DisputeType, PartyRole, RiskLevel};
        use hesheng::domain::commands::case::{CaseChanges, NewCase, NewCaseParty};
        use hesheng::domain::commands::complaint::NewComplaint;
        use hesheng::domain::commands::mediation::NewReferral;
        use hesheng::domain::committee::CommitteeSettings;
        use hesheng::domain::complaint::{Category, Channel, ObservedPattern};
        use hesheng::domain::party::Particulars;

        load(&mut app.conn()).expect("demo");
        let token = arrange(&app).await;
        let mut conn = app.conn();
        let mut draw = Draw(0x5eed_2026_1207);
        let system = Actor::system();
        let now = chrono::Utc::now().naive_utc();
        // A second committee whose offset is not a whole number of ten minutes.
        let mut settings = CommitteeSettings::default_committee();
        settings.name = "第二人民调解委员会".into();
        settings.abbreviation = "二调".into();
        settings.utc_offset_minutes = 345;
        let second = committees::create(&mut conn, &system, &settings).expect("committee");
        let ids = [1, second];
        let places = ["敦化南路64号院", "敦化南路６４号院", "7号楼", "７号楼", "中心花园", "幸福里3号", "Block 9", "block 9"];

        let mut received: Vec<(i64, i64)> = Vec::new();
        for _ in 0..260 {
            let committee_id = draw.pick(&ids);
            let new = NewComplaint {
                committee_id,
                received_at: draw.time(),
                channel: draw.pick(Channel::ALL),
                category: Category::Noise,
                location: draw.pick(&places).to_owned(),
                description: "吵".into(),
                pattern: ObservedPattern::default(),
                reporter: None,
                anonymous: true,
            };
            received.push((committee_id, complaints::create(&mut conn, &system, &new, now).expect("complaint").id));
        }
        let mut registered: Vec<(i64, i64)> = Vec::new();
        for i in 0..70 {
            let committee = committees::find(&mut conn, draw.pick(&ids)).expect("committee");
            let new = NewCase {
                title: format!("噪声纠纷{i}"),
                dispute_type: draw.pick(DisputeType::ALL),
                source: draw.pick(CaseSource::ALL),
                risk_level: RiskLevel::Yellow,
                public_session: false,
                facts: None,
                location: None,
                registered_at: draw.time(),
                complaint_ids: Vec::new(),
                parties: vec![NewCaseParty {
                    role: PartyRole::Applicant,
                    particulars: Particulars { name: format!("申请人{i}"), ..Default::default() },
                    represents: None,
                }],
                mediator_ids: Vec::new(),
                requests: Vec::new(),
            };
            let case = cases::create(&mut conn, &system, &committee, &new, now).expect("case");
            registered.push((committee.id, case.id));
        }
        // Edits after the fact: complaints brought into cases later, the
        // prevention flags set and cleared, referrals on random days.
        for &(committee_id, complaint_id) in received.iter().step_by(7) {
            if let Some(&(_, case_id)) = registered.iter().find(|(c, _)| *c == committee_id) {
                complaints::attach(&mut conn, &system, committee_id, case_id, complaint_id).expect("attach");
            }
        }
        for _ in 0..40 {
            let (committee_id, case_id) = draw.pick(&registered);
            let changes = CaseChanges {
                prevented_criminal: Some(draw.below(2) == 0),
                prevented_petition: (draw.below(2) == 0).then_some(true),
                ..Default::default()
            };
            cases::update(&mut conn, &system, committee_id, case_id, &changes, now).expect("update");
        }
        for _ in 0..15 {
            let (committee_id, case_id) = draw.pick(&registered);
            let referral = NewReferral { referred_to: "派出所".into(), reason: "涉嫌违法".into(), referred_at: draw.time() };
            let _ = cases::refer(&mut conn, &system, committee_id, case_id, &referral, now);
        }
        // Agreements of random cohorts with payments, visits on random days
        // finding them kept or breached, some marked fulfilled.
        let ours: Vec<i64> = registered.iter().filter(|(c, _)| *c == 1).map(|(_, id)| *id).take(8).collect();
        for id in ours {
            for to in ["investigating", "mediating"] {
                let r = app.api_post(&format!("/api/v1/cases/{id}/transitions"), &token, &json!({"to": to})).await;
                if r.status() != 200 {
                    continue;
                }
            }
            let case = app.get_json(&format!("/api/v1/cases/{id}"), &token).await;
            if case["status"] != "mediating" {
                continue;
            }
            let mut body = memorandum();
            let yuan = draw.below(100_000) as f64 / 100.0;
            body["terms"].as_array_mut().expect("terms").push(json!({"kind": "payment", "amount": yuan, "due": "2026-06-01"}));
            let a = app.post_ok(&format!("/api/v1/cases/{id}/agreements"), &token, &body, 201).await;
            let agreement = a["id"].as_i64().expect("agreement");
            crate::records::sign_all(&app, &token, &case, agreement).await;
            for _ in 0..draw.below(3) {
                let end = if draw.below(2) == 0 { "21:40" } else { "20:30" };
                let at = chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(draw.time(), chrono::Utc).to_rfc3339();
                let visit = json!({"visited_at": at, "method": "night_check", "observations": [{"term_index": 0, "observed_end": end}],
                                   "mark_fulfilled": draw.below(2) == 0});
                let r = app.api_post(&format!("/api/v1/agreements/{agreement}/follow-ups"), &token, &visit).await;
                assert!(r.status() == 201 || r.status() == 409 || r.status() == 422, "{}", r.status());
            }
        }
        check_rollup(&mut conn, &mut draw, &ids, 40);

        // The second committee's clock moved: its days are counted anew.
        settings.utc_offset_minutes = -300;
        committees::update(&mut conn, &system, second, &settings).expect("offset");
        check_rollup(&mut conn, &mut draw, &[second], 15);

        // The report itself answers from the roll-up.
        let report = app.get_json("/api/v1/reports/summary?from=2025-01-01&to=2026-12-31", &token).await;
        let p = hesheng::app::reports::period(
            chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("day"),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("day"),
            480,
        );
        let direct = hesheng::db::reports::direct_figures(&mut conn, 1, &p, 10).expect("direct");
        assert_eq!(report["accepted"], direct.summary.accepted);
        assert_eq!(report["complaints"], direct.summary.complaints);
    }
}
