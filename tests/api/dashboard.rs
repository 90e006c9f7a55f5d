//! The dashboard's cards on their edge days. The records are made at the
//! real time and the server's clock is moved to each edge, so no test
//! date is written here: a follow-up falls due thirty days after the last
//! visit (or, before any, after the agreement took effect); a confirmation
//! window is listed in its last seven days and gone the day after its
//! last; a breach is listed; a complaint shows how many likely duplicates
//! it has, counting those received within sixty days of it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use hesheng::domain::account::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp};
use crate::pages::Visitor;
use crate::records::{complaint, mediating_case, memorandum, sign_all};

/// The committee's offset east of UTC (the default committee's, +08:00).
const OFFSET_HOURS: i64 = 8;

/// The card headed by the element with id `heading`.
fn card<'a>(page: &'a str, heading: &str) -> &'a str {
    let start = page.find(&format!("id=\"{heading}\"")).unwrap_or_else(|| panic!("card {heading}"));
    let end = page[start..].find("</section>").map_or(page.len(), |e| start + e);
    &page[start..end]
}

/// Moves the server's clock to `moment` (UTC).
fn move_to(app: &TestApp, moment: NaiveDateTime) {
    app.clock.set_offset(moment - Utc::now().naive_utc());
}

/// Moves the server's clock to noon of `day`, local time.
fn move_to_day(app: &TestApp, day: NaiveDate) {
    move_to(app, day.and_hms_opt(12, 0, 0).expect("noon") - TimeDelta::hours(OFFSET_HOURS));
}

both_backends! {
    async fn the_dashboard_cards_appear_on_their_edge_days(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let mediator = Visitor::new(&app);
        let r = mediator.post("/login", "/login", &[("username", "wang.mediator"), ("password", PASSWORD)]).await;
        assert_eq!(r.status(), 303);
        let case = mediating_case(&app, &token).await;
        let case_id = case["id"].as_i64().expect("id");
        let draft = app.post_ok(&format!("/api/v1/cases/{case_id}/agreements"), &token, &memorandum(), 201).await;
        let agreement_id = draft["id"].as_i64().expect("id");
        sign_all(&app, &token, &case, agreement_id).await;
        let agreement = app.get_json(&format!("/api/v1/agreements/{agreement_id}"), &token).await;
        let effective = DateTime::parse_from_rfc3339(agreement["effective_at"].as_str().expect("effective_at"))
            .expect("time")
            .naive_utc();
        let deadline = NaiveDate::parse_from_str(agreement["confirmation_deadline"].as_str().expect("deadline"), "%Y-%m-%d")
            .expect("date");
        let title = "合唱队夜间噪声纠纷";

        // The confirmation window: listed from seven days before its last
        // day to that day, with the days left.
        for (day, listed) in [(deadline - TimeDelta::days(8), None), (deadline - TimeDelta::days(7), Some(7)), (deadline, Some(0)), (deadline + TimeDelta::days(1), None)] {
            move_to_day(&app, day);
            let (_, page) = mediator.page("/").await;
            let confirmations = card(&page, "conf-h");
            match listed {
                Some(left) => {
                    assert!(confirmations.contains(title), "listed on {day} (deadline {deadline}):\n{confirmations}");
                    assert!(confirmations.contains(&format!("{left} 天")), "{left} days left on {day}:\n{confirmations}");
                }
                None => assert!(!confirmations.contains(title), "not listed on {day} (deadline {deadline})"),
            }
        }

        // A follow-up falls due thirty days after the agreement took
        // effect, and thirty days after the last visit once there is one.
        let due = |page: &str| card(page, "due-h").contains(title);
        move_to(&app, effective + TimeDelta::days(30) - TimeDelta::minutes(1));
        assert!(!due(&mediator.page("/").await.1), "not due a minute before thirty days");
        // (The API gives the moment to the second; the stored one has its
        // fraction of a second too.)
        move_to(&app, effective + TimeDelta::days(30) + TimeDelta::seconds(1));
        assert!(due(&mediator.page("/").await.1), "due thirty days after taking effect");
        let visited = effective + TimeDelta::days(20);
        let visit = json!({
            "visited_at": format!("{}Z", visited.format("%Y-%m-%dT%H:%M:%S")),
            "method": "visit",
            "observations": [{"term_index": 0, "observed_end": "20:50"}]
        });
        app.post_ok(&format!("/api/v1/agreements/{agreement_id}/follow-ups"), &token, &visit, 201).await;
        assert!(!due(&mediator.page("/").await.1), "a visit twenty days in resets the count");
        move_to(&app, visited + TimeDelta::days(30) - TimeDelta::minutes(1));
        assert!(!due(&mediator.page("/").await.1), "not due a minute before thirty days after the visit");
        move_to(&app, visited + TimeDelta::days(30));
        assert!(due(&mediator.page("/").await.1), "due thirty days after the visit");

        // A breach found at a visit lists the case among the breaches, and
        // the agreement leaves the lists of effective ones.
        assert!(!card(&mediator.page("/").await.1, "breach-h").contains(title));
        let breach = json!({
            "visited_at": format!("{}Z", (visited + TimeDelta::days(31)).format("%Y-%m-%dT%H:%M:%S")),
            "method": "night_check",
            "observations": [{"term_index": 0, "observed_end": "22:15"}]
        });
        app.post_ok(&format!("/api/v1/agreements/{agreement_id}/follow-ups"), &token, &breach, 201).await;
        let (_, page) = mediator.page("/").await;
        assert!(card(&page, "breach-h").contains(title), "the breached case is listed");
        assert!(!card(&page, "due-h").contains(title), "a breached agreement is not due a visit");

        // Likely duplicates: the same place and kind within sixty days.
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        for at in ["2026-03-01T20:00:00+08:00", "2026-04-30T20:00:00+08:00", "2026-06-29T20:01:00+08:00"] {
            app.post_ok("/api/v1/complaints", &grid, &complaint("敦化南路64号院", at, "甲"), 201).await;
        }
        let (_, page) = mediator.page("/").await;
        let triage = card(&page, "triage-h");
        let item = |day: &str| {
            triage.split("<li>").find(|li| li.contains(day)).unwrap_or_else(|| panic!("the complaint of {day}:\n{triage}"))
        };
        assert!(item("2026-03-01").contains("相似 1"), "sixty days later is a likely duplicate");
        assert!(item("2026-04-30").contains("相似 1"), "sixty days and a minute later is not");
        assert!(!item("2026-06-29").contains("相似"), "none within sixty days");
    }
}
