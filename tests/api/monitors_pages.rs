//! The noise monitors' nights on the pages: a possible breach waits on the
//! mediator's dashboard and the case page with a confirm and a dismiss
//! button; a night's page draws its level curve with the agreed window and
//! limit and gives the same numbers in a table; a refused review shows why
//! and changes nothing; nothing moves a case until a mediator confirms.

use hesheng::cli::demo::{DEMO_MN, load};
use serde_json::Value;

use crate::both_backends;
use crate::pages::Visitor;

/// The ids of the findings of `night` in the demo agreement's strip.
fn findings_of(strip: &Value, night: &str) -> Vec<i64> {
    let day = strip.as_array().expect("strip").iter().find(|d| d["night"] == night).expect("night");
    day["findings"].as_array().expect("findings").iter().filter_map(|f| f["id"].as_i64()).collect()
}

both_backends! {
    async fn a_mediator_confirms_or_dismisses_a_monitored_night_from_the_pages(app) {
        load(&mut app.conn()).expect("demo");
        // The morning after the demo's last night, in Beijing.
        let morning = chrono::NaiveDate::from_ymd_opt(2026, 6, 26).and_then(|d| d.and_hms_opt(1, 0, 0)).expect("09:00");
        app.clock.set_offset(morning - chrono::Utc::now().naive_utc());
        let token = app.token_with("wang.mediator", hesheng::cli::demo::DEMO_PASSWORD).await;
        let monitors = app.get_json("/api/v1/monitors", &token).await;
        let monitor = monitors.as_array().expect("list").iter().find(|m| m["mn"] == DEMO_MN).expect("demo monitor").clone();
        let (m, case, agreement) = (monitor["id"].as_i64().expect("id"), monitor["case_id"].as_i64().expect("case"), monitor["agreement_id"].as_i64().expect("agreement"));
        let strip = app.get_json(&format!("/api/v1/agreements/{agreement}/nights?days=60"), &token).await;
        let (eighth, nineteenth) = (findings_of(&strip, "2026-06-08"), findings_of(&strip, "2026-06-19"));
        assert_eq!((eighth.len(), nineteenth.len()), (2, 2), "the window and the volume term, each night");

        // The dashboard and the case page list the four findings with their buttons.
        let mediator = Visitor::signed_in(&app, "wang.mediator").await;
        let (status, dashboard) = mediator.page("/").await;
        assert_eq!(status, 200);
        assert!(dashboard.contains("监测显示可能违约的夜晚"), "the dashboard's card");
        for id in eighth.iter().chain(&nineteenth) {
            assert!(dashboard.contains(&format!("action=\"/night-findings/{id}/confirm\"")), "confirm {id} on the dashboard");
            assert!(dashboard.contains(&format!("action=\"/night-findings/{id}/dismiss\"")), "dismiss {id} on the dashboard");
        }
        assert!(dashboard.contains(&format!("/monitors/{m}/nights/2026-06-19")));
        let (_, page) = mediator.page(&format!("/cases/{case}")).await;
        for id in eighth.iter().chain(&nineteenth) {
            assert!(page.contains(&format!("action=\"/night-findings/{id}/confirm\"")), "confirm {id} on the case page");
        }
        assert!(page.contains("约定结束后高于"), "the evidence in words: {page}");
        assert!(page.contains(&format!("href=\"/monitors/{m}/nights/2026-06-01\"")), "each night of the strip opens its page");

        // The night's page: the curve with the agreed 19:00–21:00 and the
        // 55 dB limit, and its numbers in a table.
        let night = format!("/monitors/{m}/nights/2026-06-19");
        let (status, html) = mediator.page(&night).await;
        assert_eq!(status, 200);
        assert!(html.contains("<svg") && html.contains("<polyline") && html.contains("role=\"img\""), "the curve");
        assert!(html.contains("约定时段 19:00–21:00") && html.contains("限值 55"), "window and limit labelled");
        assert!(html.contains("<th scope=\"row\">21:30</th>"), "the table's steps run past the end");
        let rows = html.matches("<th scope=\"row\">").count();
        assert_eq!(rows, 12 * 60 / 5, "18:00 to 06:00 in steps of five minutes");
        assert!(html.contains("最晚到21:3"), "last heard after the end: {html}");

        // A dismissal without a reason is refused in words, and changes nothing.
        let (window8, volume8) = (eighth[0], eighth[1]);
        let r = mediator.post(&night, &format!("/night-findings/{window8}/dismiss"), &[("reason", " "), ("finding", &window8.to_string()), ("back", &format!("/cases/{case}"))]).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.expect("body");
        assert!(body.contains("id=\"error-summary\"") && body.contains("id=\"reason\""), "the refused form is named and focused");
        let unchanged = app.get_json(&format!("/api/v1/agreements/{agreement}/nights?days=60"), &token).await;
        assert_eq!(unchanged, strip, "nothing changed");

        // Dismissed with a reason, back on the case page.
        let (status, page) = mediator.post_and_follow(&format!("/cases/{case}"), &format!("/night-findings/{window8}/dismiss"), &[("reason", "当晚社区晚会，居民事先同意"), ("back", &format!("/cases/{case}#nights-{m}"))]).await;
        assert_eq!(status, 303);
        assert!(page.contains("已排除：2026-06-08晚"), "the flash");
        assert!(!page.contains(&format!("action=\"/night-findings/{window8}/confirm\"")), "reviewed once");
        let status_now = app.get_json(&format!("/api/v1/agreements/{agreement}"), &token).await;
        assert_eq!(status_now["status"], "effective", "a dismissal moves nothing");

        // Confirmed from the night's page: a follow-up marks the agreement breached.
        let (status, html) = mediator.post_and_follow(&night, &format!("/night-findings/{}/confirm", nineteenth[0]), &[("back", &night)]).await;
        assert_eq!(status, 303);
        assert!(html.contains("已确认并记入回访：2026-06-19晚") && html.contains("已确认并记入回访"), "{html}");
        let after = app.get_json(&format!("/api/v1/agreements/{agreement}"), &token).await;
        assert_eq!(after["status"], "breached");

        // Confirming it again is refused in words; nothing more is recorded.
        let r = mediator.post(&night, &format!("/night-findings/{}/confirm", nineteenth[0]), &[("back", &night)]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.expect("body").contains("此结果已经审核。"));
        let strip_after = app.get_json(&format!("/api/v1/agreements/{agreement}/nights?days=60"), &token).await;
        let follow_ups: Vec<i64> = strip_after.as_array().expect("strip").iter().flat_map(|d| d["findings"].as_array().cloned().unwrap_or_default()).filter_map(|f| f["follow_up_id"].as_i64()).collect();
        assert_eq!(follow_ups.len(), 1, "one follow-up");

        // The follow-up record prints the monitor's evidence.
        let pdf = app.client.get(app.url(&format!("/api/v1/cases/{case}/documents/follow_up.pdf"))).bearer_auth(&token).send().await.expect("pdf");
        assert_eq!(pdf.status(), 200);
        let pdf = pdf.bytes().await.expect("bytes");
        if crate::pdf_tools::available() {
            let text: String = crate::pdf_tools::text(&pdf).split_whitespace().collect();
            for shown in ["噪声监测设备：", "MNDH64-0001", "1级（IEC61672）", "检定日期2026-04-20，有效期至2027-04-19", "2026-06-19晚", "最晚到21:3"] {
                assert!(text.contains(shown), "{shown} in the follow-up record: {text}");
            }
        }

        // The reports count the period's nights per agreement and per kind of term.
        let (status, report) = mediator.page("/reports?from=2026-05-01&to=2026-06-30").await;
        assert_eq!(status, 200);
        assert!(report.contains("噪声监测设备核查的夜晚"));
        let row = |kept: i64, breach: i64, confirmed: i64, dismissed: i64, share: &str| {
            format!("<td class=\"num\" data-label=\"遵守\">{kept}</td><td class=\"num\" data-label=\"可能违约\">{breach}</td>\
                <td class=\"num\" data-label=\"无数据\">0</td><td class=\"num\" data-label=\"已确认\">{confirmed}</td>\
                <td class=\"num\" data-label=\"已排除\">{dismissed}</td><td class=\"num\" data-label=\"遵守比例\">{share}</td>")
        };
        // 31 nights from the memorandum on: 29 kept, two possibly breached
        // (both terms each), one term of each reviewed; 29 of 31 is 94 %.
        let agreement_row = format!("<a href=\"/agreements/{agreement}\">");
        let at = report.find(&agreement_row).and_then(|a| report[a..].find("</th>").map(|th| a + th + 5)).expect("the agreement's row");
        assert!(report[at..].starts_with(&row(29, 2, 1, 1, "94%")), "{}", &report[at..at + 900]);
        let window = report.find(">活动时间</th>").expect("time windows' row");
        assert!(report[window..].starts_with(&format!(">活动时间</th>{}", row(29, 2, 1, 1, "94%"))), "{}", &report[window..window + 900]);
        let volume = report.find(">音量限制</th>").expect("volume limits' row");
        assert!(report[volume..].starts_with(&format!(">音量限制</th>{}", row(29, 2, 0, 0, "94%"))), "{}", &report[volume..volume + 900]);

        // A grid worker sees the night but reviews nothing.
        let grid = Visitor::signed_in(&app, "li.grid").await;
        let (status, html) = grid.page(&night).await;
        assert_eq!(status, 200);
        assert!(!html.contains(&format!("/night-findings/{volume8}/dismiss")));
        assert_eq!(grid.post(&night, &format!("/night-findings/{volume8}/dismiss"), &[("reason", "x")]).await.status(), 403);
    }
}
