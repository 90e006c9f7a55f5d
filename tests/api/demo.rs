use diesel::prelude::*;
use hesheng::cli::demo::{Loaded, load};
use hesheng::db::schema::{agreement, complaint, follow_up, measurement, mediation_case};

use crate::both_backends;

fn counts(app: &crate::helpers::TestApp) -> (i64, i64, i64, i64) {
    let mut conn = app.conn();
    (
        mediation_case::table.count().get_result(&mut conn).expect("cases"),
        complaint::table.count().get_result(&mut conn).expect("complaints"),
        agreement::table.count().get_result(&mut conn).expect("agreements"),
        follow_up::table.count().get_result(&mut conn).expect("follow-ups"),
    )
}

both_backends! {
    async fn the_demo_loads_the_choir_story_once(app) {
        let Loaded::Now { choir_case, memorandum } = load(&mut app.conn()).expect("demo") else { panic!("first load") };
        let before = counts(&app);
        assert_eq!(before, (4, 6, 3, 2));
        assert!(matches!(load(&mut app.conn()).expect("again"), Loaded::Already));
        assert_eq!(counts(&app), before, "a second run adds nothing");
        assert!(hesheng::db::audit::verify(&mut app.conn()).expect("verify").is_ok());

        let token = app.token_with("wang.mediator", hesheng::cli::demo::DEMO_PASSWORD).await;
        let case = app.get_json(&format!("/api/v1/cases/{choir_case}"), &token).await;
        assert_eq!(case["number"], "（2026）敦南人调字第1号");
        let complaints = case["complaints"].as_array().expect("complaints");
        assert_eq!(complaints.len(), 5);
        let channels: std::collections::BTreeSet<&str> = complaints.iter().filter_map(|c| c["channel"].as_str()).collect();
        assert_eq!(channels.len(), 5, "five channels");
        let valid_over_limit = case["measurements"]
            .as_array()
            .expect("measurements")
            .iter()
            .any(|m| m["valid"] == true && m["measured_at"] == "2026-05-20T21:40:00+08:00" && m["corrected_db"].as_f64().is_some_and(|c| c > 45.0));
        assert!(valid_over_limit);
        assert_eq!(case["meetings"][0]["votes_for"], 23);
        assert_eq!(case["sessions"].as_array().map(Vec::len), Some(1));
        let memo = app.get_json(&format!("/api/v1/agreements/{memorandum}"), &token).await;
        assert_eq!(memo["subtitle"], "调解备忘录");
        assert_eq!(memo["status"], "effective");
        assert_eq!(memo["terms"][0]["kind"], "time_window");
        assert_eq!(memo["terms"][0]["end"], "21:00");
        assert_eq!(memo["terms"][1]["kind"], "volume_limit");
        assert_eq!(case["follow_ups"].as_array().map(Vec::len), Some(2));
        assert!(case["follow_ups"].as_array().expect("follow-ups").iter().any(|f| f["method"] == "night_check"));

        let list = app.get_json("/api/v1/cases", &token).await;
        let statuses: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|c| c["status"].as_str()).collect();
        assert_eq!(statuses, ["terminated", "agreed", "agreed", "agreed"]);
        let terminated = &list["items"][0];
        let detail = app.get_json(&format!("/api/v1/cases/{}", terminated["id"]), &token).await;
        assert_eq!(detail["routes_explained"], true);
        assert_eq!(detail["referrals"].as_array().map(Vec::len), Some(1));
        let valid: i64 = measurement::table.filter(measurement::valid.eq(true)).count().get_result(&mut app.conn()).expect("m");
        assert_eq!(valid, 2);
    }
}
