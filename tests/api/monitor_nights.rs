//! The nightly evaluation of an agreement a monitor checks: a kept night
//! and a night of singing past the agreed end, computed by hand, found as
//! such; a mediator dismisses one finding with a reason and confirms the
//! other into a follow-up record that marks the agreement breached.

use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::hesheng;
use crate::monitors::monitor_body;
use crate::records::{mediating_case, memorandum, sign_all};

/// A night of minute readings (local time +08:00): `song_db` from 19:00
/// until `ends` (HH:MM), quiet at 40 dB otherwise, from 06:00 of `date`
/// to 06:00 the next day.
fn night(date: &str, ends: (u32, u32), song_db: f64) -> Value {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
    let start = day.and_hms_opt(6, 0, 0).expect("06:00");
    let readings: Vec<Value> = (0..24 * 60)
        .map(|m| {
            let t = start + chrono::TimeDelta::minutes(m);
            let hm = (chrono::Timelike::hour(&t), chrono::Timelike::minute(&t));
            let singing = t.date() == day && hm >= (19, 0) && hm < ends;
            let db = if singing { song_db } else { 40.0 };
            json!({"at": format!("{}+08:00", t.format("%Y-%m-%dT%H:%M:%S")), "interval_s": 60, "laeq_db": db, "lafmax_db": db + 6.0})
        })
        .collect();
    json!({"readings": readings})
}

fn finding<'a>(strip: &'a Value, night: &str, term: i64) -> &'a Value {
    let day = strip.as_array().expect("strip").iter().find(|d| d["night"] == night).expect("night in the strip");
    day["findings"].as_array().expect("findings").iter().find(|f| f["term_index"] == term).expect("term")
}

both_backends! {
    async fn nights_are_found_kept_or_possibly_breached_and_a_mediator_reviews_them(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &mediator).await;
        let agreement = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &mediator, &memorandum(), 201).await;
        let agreement_id = agreement["id"].as_i64().expect("id");
        let case = app.get_json(&format!("/api/v1/cases/{}", case["id"]), &mediator).await;
        sign_all(&app, &mediator, &case, agreement_id).await;
        let mut body = monitor_body("HS-NIGHT-01");
        body["agreement_id"] = json!(agreement_id);
        let monitor = app.post_ok("/api/v1/monitors", &mediator, &body, 201).await;
        assert_eq!(monitor["case_id"], case["id"], "the agreement's case is the monitor's");
        let (id, token) = (monitor["id"].as_i64().expect("id"), monitor["token"].as_str().expect("token"));
        let readings = format!("/api/v1/monitors/{id}/readings");
        // The night before the agreement took effect, and two after it, five
        // days on:
        // ends by 20:55 at 54 dB; then a night singing until 21:20 at 68 dB.
        let today = (chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(8)).date();
        let [first, second, third] = [1, 2, 3].map(|d| (today + chrono::TimeDelta::days(d)).to_string());
        app.clock.set_offset(chrono::TimeDelta::days(5));
        let yesterday = (today - chrono::TimeDelta::days(1)).to_string();
        let before = night(&yesterday, (22, 10), 68.0);
        for body in [before, night(&first, (20, 55), 54.0), night(&second, (21, 20), 68.0)] {
            let r = app.client.post(app.url(&readings)).bearer_auth(token).json(&body).send().await.expect("post");
            assert_eq!(r.status(), 200);
        }

        let out = hesheng(&app.database_url, &["monitor", "evaluate", "--night", &yesterday], None);
        assert!(String::from_utf8_lossy(&out.stdout).contains("0 nights evaluated"), "not a night before the agreement");
        for date in [&first, &second] {
            let out = hesheng(&app.database_url, &["monitor", "evaluate", "--night", date], None);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains("1 nights evaluated"), "{}", String::from_utf8_lossy(&out.stdout));
        }
        let again = hesheng(&app.database_url, &["monitor", "evaluate", "--night", &second], None);
        assert!(String::from_utf8_lossy(&again.stdout).contains("0 nights evaluated"), "a night is evaluated once");

        let strip = app.get_json(&format!("/api/v1/agreements/{agreement_id}/nights?days=366"), &mediator).await;
        let day = |night: &String| strip.as_array().expect("strip").iter().find(|d| d["night"] == *night).expect("night").clone();
        assert_eq!(day(&first)["outcome"], "kept");
        assert_eq!(day(&second)["outcome"], "possible_breach");
        assert_eq!(day(&third)["outcome"], "not_evaluated");

        // The volume term on the kept night, by hand: 115 minutes at 54 dB and
        // 5 at 40 dB between 19:00 and 21:00 average energetically, never
        // arithmetically: 10·lg((115·10^5.4 + 5·10^4) / 120) = 53.8 dB(A),
        // where the arithmetic mean would say 53.4.
        let volume = finding(&strip, &first, 1);
        assert_eq!((volume["outcome"].as_str(), volume["basis"].as_str()), (Some("kept"), Some("certified")));
        assert_eq!(volume["evidence"]["mean_db"], 53.8);
        let window = finding(&strip, &second, 0);
        assert_eq!(window["outcome"], "possible_breach");
        assert_eq!(window["evidence"]["background_db"], 40.0);
        let minutes: i64 = window["evidence"]["after_end"].as_array().expect("after end").iter().filter_map(|e| e["seconds"].as_i64()).sum::<i64>() / 60;
        assert_eq!(minutes, 20, "21:00 to 21:20 above background plus 5 dB");
        let loud = finding(&strip, &second, 1);
        assert_eq!((loud["outcome"].as_str(), loud["evidence"]["mean_db"].as_f64()), (Some("possible_breach"), Some(68.0)));

        // Only mediators and administrators review; another committee sees nothing.
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        assert_eq!(app.api_post(&format!("/api/v1/night-findings/{}/confirm", window["id"]), &grid, &json!({})).await.status(), 403);
        let admin = app.user_token("admin", Role::Admin).await;
        let other = app.post_ok("/api/v1/committees", &admin, &json!({"name": "二区调委会", "abbreviation": "二区", "zone_class": "2"}), 201).await;
        app.create_user("m.two", Role::Mediator, other["id"].as_i64().expect("id"));
        let intruder = app.token("m.two").await;
        assert_eq!(app.api_post(&format!("/api/v1/night-findings/{}/confirm", window["id"]), &intruder, &json!({})).await.status(), 404);
        assert_eq!(app.api_get(&format!("/api/v1/agreements/{agreement_id}/nights"), &intruder).await.status(), 404);

        let kept = finding(&strip, &first, 0);
        assert_eq!(app.api_post(&format!("/api/v1/night-findings/{}/dismiss", kept["id"]), &mediator, &json!({"reason": "x"})).await.status(), 409, "a kept night is not reviewed");
        let no_reason = app.api_post(&format!("/api/v1/night-findings/{}/dismiss", loud["id"]), &mediator, &json!({"reason": " "})).await;
        assert_eq!(no_reason.status(), 422);
        let dismissed = app.post_ok(&format!("/api/v1/night-findings/{}/dismiss", loud["id"]), &mediator, &json!({"reason": "当晚为社区晚会，经居民同意"}), 200).await;
        assert_eq!((dismissed["review"].as_str(), dismissed["review_reason"].as_str()), (Some("dismissed"), Some("当晚为社区晚会，经居民同意")));
        assert_eq!(app.api_post(&format!("/api/v1/night-findings/{}/dismiss", loud["id"]), &mediator, &json!({"reason": "again"})).await.status(), 409, "reviewed once");

        let agreement_before = app.get_json(&format!("/api/v1/agreements/{agreement_id}"), &mediator).await;
        assert_eq!(agreement_before["status"], "effective", "the system never moves a case by itself");
        let confirmed = app.post_ok(&format!("/api/v1/night-findings/{}/confirm", window["id"]), &mediator, &json!({}), 200).await;
        assert_eq!(confirmed["review"], "confirmed");
        assert!(confirmed["follow_up_id"].as_i64().is_some());
        let agreement_after = app.get_json(&format!("/api/v1/agreements/{agreement_id}"), &mediator).await;
        assert_eq!(agreement_after["status"], "breached", "the confirmed follow-up found the 21:20 end past 21:00");
    }
}

both_backends! {
    async fn the_demo_monitor_finds_the_two_nights_the_choir_ran_over_and_no_others(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let mediator = app.token_with("wang.mediator", hesheng::cli::demo::DEMO_PASSWORD).await;
        let monitors = app.get_json("/api/v1/monitors", &mediator).await;
        assert_eq!(monitors[0]["mn"], hesheng::cli::demo::DEMO_MN);
        assert_eq!(monitors[0]["basis_today"], "certified");
        let agreement = monitors[0]["agreement_id"].as_i64().expect("the memorandum");
        let strip = app.get_json(&format!("/api/v1/agreements/{agreement}/nights?days=366"), &mediator).await;
        let nights = |outcome: &str| -> Vec<String> {
            let mut found: Vec<String> = strip.as_array().expect("strip").iter()
                .filter(|d| d["outcome"] == outcome).filter_map(|d| d["night"].as_str().map(str::to_owned)).collect();
            found.sort();
            found
        };
        assert_eq!(nights("possible_breach"), ["2026-06-08", "2026-06-19"]);
        assert_eq!(nights("no_data"), Vec::<String>::new());
        let kept = nights("kept");
        assert_eq!((kept.len(), kept.first().map(String::as_str), kept.last().map(String::as_str)), (29, Some("2026-05-26"), Some("2026-06-25")),
            "the 31 nights from the memorandum on; the 29 before it are not held against it");
        assert!(strip.as_array().expect("strip").iter().filter(|d| d["night"].as_str() < Some("2026-05-26")).all(|d| d["outcome"] == "not_evaluated"));

        // The case page, on the morning after the last night, shows the
        // strip of the last 30 nights: 28 kept and the two over.
        let morning = chrono::NaiveDate::from_ymd_opt(2026, 6, 26).and_then(|d| d.and_hms_opt(1, 0, 0)).expect("06-26 09:00 in Beijing");
        app.clock.set_offset(morning - chrono::Utc::now().naive_utc());
        let case = monitors[0]["case_id"].as_i64().expect("case");
        let visitor = crate::pages::Visitor::signed_in(&app, "wang.mediator").await;
        let (status, html) = visitor.page(&format!("/cases/{case}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("噪声监测设备的夜间核查"), "the strip is on the case page");
        assert_eq!((html.matches("night night-kept").count(), html.matches("night night-possible_breach").count()), (28, 2));
        assert!(html.contains("2026-06-19 可能违约") && html.contains("2026-05-27 遵守") && !html.contains("2026-05-26 遵守"), "30 nights, to 25 June");

        // A party of the case sees the same nights, in plain words.
        let code = crate::helpers::access_codes(&mut app.conn()).into_iter().find(|(c, _)| *c == case).map(|(_, code)| code).expect("a party's code");
        let resident = crate::pages::Visitor::new(&app);
        let r = resident.post("/portal/login", "/portal/login", &[("code", &code), ("pin", hesheng::cli::demo::DEMO_PIN)]).await;
        assert_eq!(r.status(), 303);
        let (status, portal) = resident.page(&format!("/portal/cases/{case}")).await;
        assert_eq!(status, 200);
        assert!(portal.contains("最近30晚中：28晚按约定遵守，2晚可能未遵守，0晚读数不足。"), "{portal}");
        assert_eq!(
            (portal.matches("night night-kept").count(), portal.matches("night night-possible_breach").count()),
            (28, 2),
            "the strip the mediator sees"
        );
        assert!(portal.contains("从不录音"));
    }
}

both_backends! {
    async fn readings_after_a_calibration_lapses_are_indicative_and_cannot_support_a_breach(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &mediator).await;
        let agreement = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &mediator, &memorandum(), 201).await;
        let agreement_id = agreement["id"].as_i64().expect("id");
        let case = app.get_json(&format!("/api/v1/cases/{}", case["id"]), &mediator).await;
        sign_all(&app, &mediator, &case, agreement_id).await;
        // Two nights of singing until 21:20 at 68 dB; the calibration is
        // valid through the evening of the first and lapses before the second.
        let today = (chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(8)).date();
        let [first, second] = [1, 2].map(|d| (today + chrono::TimeDelta::days(d)).to_string());
        let mut body = monitor_body("HS-LAPSE-01");
        body["agreement_id"] = json!(agreement_id);
        body["calibrated_on"] = json!((today - chrono::TimeDelta::days(300)).to_string());
        body["calibration_valid_until"] = json!(first);
        let monitor = app.post_ok("/api/v1/monitors", &mediator, &body, 201).await;
        let (id, token) = (monitor["id"].as_i64().expect("id"), monitor["token"].as_str().expect("token"));
        app.clock.set_offset(chrono::TimeDelta::days(5));
        for night_of in [&first, &second] {
            let r = app.client.post(app.url(&format!("/api/v1/monitors/{id}/readings"))).bearer_auth(token)
                .json(&night(night_of, (21, 20), 68.0)).send().await.expect("post");
            assert_eq!(r.status(), 200);
            let out = hesheng(&app.database_url, &["monitor", "evaluate", "--night", night_of], None);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
        let strip = app.get_json(&format!("/api/v1/agreements/{agreement_id}/nights?days=366"), &mediator).await;
        let (covered, lapsed) = (finding(&strip, &first, 0).clone(), finding(&strip, &second, 0).clone());
        assert_eq!((covered["outcome"].as_str(), covered["basis"].as_str()), (Some("possible_breach"), Some("certified")));
        assert_eq!((lapsed["outcome"].as_str(), lapsed["basis"].as_str()), (Some("possible_breach"), Some("indicative")),
            "the same readings, after the lapse, only indicate");

        let refused = app.api_post(&format!("/api/v1/night-findings/{}/confirm", lapsed["id"]), &mediator, &json!({})).await;
        assert_eq!(refused.status(), 409);
        let problem: Value = refused.json().await.expect("problem");
        assert!(problem.to_string().contains("检定"), "the refusal names the calibration: {problem}");
        let unchanged = app.get_json(&format!("/api/v1/agreements/{agreement_id}"), &mediator).await;
        assert_eq!(unchanged["status"], "effective", "an indicative night moves nothing");
        // It can still be dismissed, and the night it covered confirmed.
        app.post_ok(&format!("/api/v1/night-findings/{}/dismiss", lapsed["id"]), &mediator, &json!({"reason": "检定已过期，另行回访"}), 200).await;
        app.post_ok(&format!("/api/v1/night-findings/{}/confirm", covered["id"]), &mediator, &json!({}), 200).await;
        let after = app.get_json(&format!("/api/v1/agreements/{agreement_id}"), &mediator).await;
        assert_eq!(after["status"], "breached");
    }
}

/// The energetic mean of levels held for the given seconds, computed here
/// from its definition: 10·lg(Σ tᵢ·10^(Lᵢ/10) / Σ tᵢ).
fn energetic(levels: &[(f64, u32)]) -> f64 {
    let time: f64 = levels.iter().map(|(_, t)| f64::from(*t)).sum();
    10.0 * (levels.iter().map(|(l, t)| f64::from(*t) * 10f64.powf(l / 10.0)).sum::<f64>() / time).log10()
}

both_backends! {
    async fn readings_older_than_the_retention_roll_up_into_hours_and_their_nights_still_read(app) {
        use diesel::RunQueryDsl;
        use hesheng::db::monitor_readings::{between, hourly_between};
        let run_sql = |conn: &mut hesheng::db::DbConn, sql: &str| hesheng::on_backend!(conn, c => diesel::sql_query(sql).execute(c));
        let utc = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect(s);
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let mediator = app.token_with("wang.mediator", hesheng::cli::demo::DEMO_PASSWORD).await;
        let monitors = app.get_json("/api/v1/monitors", &mediator).await;
        let demo = monitors[0]["id"].as_i64().expect("the demo monitor");
        let agreement = monitors[0]["agreement_id"].as_i64().expect("the memorandum");

        // A second monitor on the memorandum: the worked example's hour on
        // 1 June 2026, 12:00–13:00 UTC — 30 minutes at 60 dB, 30 at 50 dB
        // (one of them with an L_AFmax of 71), and a half-minute marked M
        // (maintenance) at 90 dB that is no measurement — then the demo
        // monitor's minutes of the night of 19 June, and one reading of a
        // minute ago, young enough to stay.
        let mut body = crate::monitors::monitor_body("HS-ROLL-01");
        body["agreement_id"] = json!(agreement);
        let second = app.post_ok("/api/v1/monitors", &mediator, &body, 201).await;
        let (id, token) = (second["id"].as_i64().expect("id"), second["token"].as_str().expect("token").to_owned());
        let mut hour: Vec<Value> = (0..60).map(|m| {
            let db = if m < 30 { 60.0 } else { 50.0 };
            let max = if m == 45 { 71.0 } else { db + 6.0 };
            json!({"at": format!("2026-06-01T12:{m:02}:00Z"), "interval_s": 60, "laeq_db": db, "lafmax_db": max})
        }).collect();
        hour.push(json!({"at": "2026-06-01T12:10:00Z", "interval_s": 30, "laeq_db": 90.0, "lafmax_db": 95.0, "flag": "M"}));
        let (night_from, night_to) = (utc("2026-06-18 22:00"), utc("2026-06-19 22:00"));
        let minutes = between(&mut app.conn(), demo, night_from, night_to).expect("the night's minutes");
        assert_eq!(minutes.len(), 1440);
        let night: Vec<Value> = minutes.iter().map(|r| json!({
            "at": format!("{}Z", r.at.format("%Y-%m-%dT%H:%M:%S")), "interval_s": r.interval_s, "laeq_db": r.laeq_db, "lafmax_db": r.lafmax_db,
        })).collect();
        let recent = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
        let young = vec![json!({"at": format!("{}Z", recent.format("%Y-%m-%dT%H:%M:00")), "interval_s": 60, "laeq_db": 45.0, "lafmax_db": 50.0})];
        let readings = format!("/api/v1/monitors/{id}/readings");
        for batch in [hour, night, young] {
            let r = app.client.post(app.url(&readings)).bearer_auth(&token).json(&json!({"readings": batch})).send().await.expect("post");
            let status = r.status();
            assert_eq!(status, 200, "{}", r.text().await.unwrap_or_default());
        }

        // The morning after the demo's last night: its strip of 30 nights.
        let morning = chrono::NaiveDate::from_ymd_opt(2026, 6, 26).and_then(|d| d.and_hms_opt(1, 0, 0)).expect("06-26 09:00 in Beijing");
        app.clock.set_offset(morning - chrono::Utc::now().naive_utc());
        let strip = format!("/api/v1/agreements/{agreement}/nights?days=30");
        let before = app.get_json(&strip, &mediator).await;

        // Readings are append-only: no removal or change by hand, before a
        // roll-up or after it, and no roll-up forged for a recent hour.
        let mut conn = app.conn();
        assert!(run_sql(&mut conn, &format!("DELETE FROM monitor_reading WHERE monitor_id = {demo}")).is_err(), "old, but not rolled up");
        assert!(run_sql(&mut conn, &format!("UPDATE monitor_reading SET levels = 0 WHERE monitor_id = {demo}")).is_err());
        let this_hour = chrono::Utc::now().timestamp() / 3600 * 3600;
        let forged = format!("INSERT INTO monitor_hourly (monitor_id, hour_s, readings, measured, covered_s, laeq_db, rolled_at) \
            VALUES ({id}, {this_hour}, 1, 1, 60, 45.0, '2026-06-26 01:00:00')");
        assert!(run_sql(&mut conn, &forged).is_err(), "an hour less than 90 days old is not rolled up");

        let refused = hesheng(&app.database_url, &["monitor", "roll-up", "--keep-days", "30"], None);
        assert!(!refused.status.success(), "fewer days than the database allows");
        let out = hesheng(&app.database_url, &["monitor", "roll-up", "--keep-days", "90"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // The demo's 60 nights of minutes (1 440 hours) and the second
        // monitor's hour and night (25 hours, 61 + 1 440 readings).
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("87901 readings") && said.contains("into 1465 hours"), "{said}");
        let again = hesheng(&app.database_url, &["monitor", "roll-up", "--keep-days", "90"], None);
        assert!(String::from_utf8_lossy(&again.stdout).starts_with("0 readings"), "each hour once");

        // The worked example, by hand: 10·lg((1800·10^6 + 1800·10^5) / 3600)
        // = 10·lg(550 000) = 57.40 dB(A) — the arithmetic mean would say 55 —
        // the loudest L_AFmax 71, the quietest and loudest minute 50 and 60,
        // 61 readings of which 60 measured, covering the whole hour.
        let hour_s = utc("2026-06-01 12:00").and_utc().timestamp();
        let rolled = hourly_between(&mut conn, id, hour_s, hour_s + 3600).expect("the hour");
        assert_eq!(rolled.len(), 1);
        let h = &rolled[0];
        assert_eq!((h.readings, h.measured, h.covered_s), (61, 60, 3600));
        assert_eq!(((h.laeq_db.expect("mean") * 100.0).round() / 100.0, h.lafmax_db, h.laeq_min_db, h.laeq_max_db), (57.40, Some(71.0), Some(50.0), Some(60.0)));
        // Every hour of the demo's night equals the energetic aggregation of
        // the minutes it replaced.
        let hours = hourly_between(&mut conn, demo, night_from.and_utc().timestamp(), night_to.and_utc().timestamp()).expect("hours");
        assert_eq!(hours.len(), 24);
        for h in &hours {
            let of_hour: Vec<_> = minutes.iter().filter(|r| r.at.and_utc().timestamp() / 3600 * 3600 == h.hour_s).collect();
            let levels: Vec<(f64, u32)> = of_hour.iter().map(|r| (r.laeq_db, r.interval_s)).collect();
            assert_eq!((h.readings, h.covered_s), (60, 3600));
            assert!((h.laeq_db.expect("mean") - energetic(&levels)).abs() < 1e-9, "hour {}", h.hour_s);
            assert_eq!(h.lafmax_db, of_hour.iter().filter_map(|r| r.lafmax_db).reduce(f64::max));
        }
        // Counted still, and only the young reading left as it came.
        let count = |conn: &mut hesheng::db::DbConn, monitor: i64| hesheng::db::monitor_readings::count(conn, monitor).expect("count");
        assert_eq!((count(&mut conn, demo), count(&mut conn, id)), (86_400, 61 + 1440 + 1), "rolled-up readings are counted");
        let rows = |conn: &mut hesheng::db::DbConn| {
            use diesel::QueryDsl;
            hesheng::db::schema::monitor_reading::table.count().get_result::<i64>(conn).expect("rows")
        };
        assert_eq!(rows(&mut conn), 1, "only the young reading is left");
        // Still no removal by hand: the young reading has no roll-up, and
        // roll-ups are never changed or removed.
        assert!(run_sql(&mut conn, "DELETE FROM monitor_reading").is_err());
        assert_eq!(rows(&mut conn), 1, "nothing removed");
        assert!(run_sql(&mut conn, "UPDATE monitor_hourly SET laeq_db = 40.0").is_err());
        assert!(run_sql(&mut conn, &format!("DELETE FROM monitor_hourly WHERE monitor_id = {demo}")).is_err());
        if app.database_url.starts_with("postgres") {
            assert!(run_sql(&mut conn, "TRUNCATE monitor_reading").is_err());
            assert!(run_sql(&mut conn, "TRUNCATE monitor_hourly").is_err());
        }
        // A reading for an hour rolled up is refused, and stores nothing.
        let late = json!({"readings": [{"at": "2026-06-01T12:30:00Z", "interval_s": 60, "laeq_db": 50.0, "lafmax_db": 56.0}]});
        let r = app.client.post(app.url(&readings)).bearer_auth(&token).json(&late).send().await.expect("post");
        assert_eq!(r.status(), 409);

        // The strip shows the verdicts stored, as before.
        assert_eq!(app.get_json(&strip, &mediator).await, before, "stored findings are not touched");
        // A night evaluated over rolled-up hours: the second monitor's 19
        // June finds both terms possibly breached, as the demo monitor did
        // over the minutes; the volume term's window 19:00–21:00 is two
        // whole hours, so its energetic mean is exactly the minutes'.
        let out = hesheng(&app.database_url, &["monitor", "evaluate", "--night", "2026-06-19"], None);
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 nights evaluated"), "{}", String::from_utf8_lossy(&out.stdout));
        let after = app.get_json(&strip, &mediator).await;
        let day = after.as_array().expect("strip").iter().find(|d| d["night"] == "2026-06-19").expect("19 June");
        let of = |monitor: i64, term: i64| day["findings"].as_array().expect("findings").iter()
            .find(|f| f["monitor_id"] == monitor && f["term_index"] == term).cloned().expect("finding");
        for term in [0, 1] {
            assert_eq!((of(id, term)["outcome"].as_str(), of(demo, term)["outcome"].as_str()), (Some("possible_breach"), Some("possible_breach")));
        }
        assert_eq!(of(id, 1)["evidence"]["mean_db"], of(demo, 1)["evidence"]["mean_db"]);

        // The night's page draws the hourly curve.
        let visitor = crate::pages::Visitor::signed_in(&app, "wang.mediator").await;
        let (status, html) = visitor.page(&format!("/monitors/{demo}/nights/2026-06-19")).await;
        assert_eq!(status, 200);
        assert!(html.contains("每小时的声级") && html.contains("已汇总为小时平均值"), "{html}");
        assert_eq!(html.matches("<tr><th scope=\"row\">").count(), 12, "19:00 less an hour, to 06:00: twelve hours");
        assert!(html.contains("2026-06-19") && html.contains("可能违约"));
    }
}
