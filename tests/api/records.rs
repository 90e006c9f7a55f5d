//! Bodies of a typical case, reused by the record tests.

use serde_json::{Value, json};

use crate::helpers::TestApp;

pub fn complaint(location: &str, received_at: &str, reporter: &str) -> Value {
    json!({
        "received_at": received_at,
        "channel": "phone",
        "category": "noise",
        "location": location,
        "description": "楼下合唱队用音箱唱到十点多",
        "observed_pattern": {"text": "每晚八点到十点半", "start": "20:00", "end": "22:30", "days": "daily"},
        "reporter": {"name": reporter, "phone": "13800138000", "address": "3号楼501"}
    })
}

pub fn case_body(complaint_ids: &[i64]) -> Value {
    json!({
        "title": "合唱队夜间噪声纠纷",
        "dispute_type": "neighbour",
        "source": "application",
        "complaint_ids": complaint_ids,
        "registered_at": "2026-05-15T09:30:00+08:00",
        "parties": [
            {"role": "applicant", "name": "张秀兰", "sex": "female", "birth_year": 1961, "phone": "13800138001", "address": "3号楼501"},
            {"role": "respondent", "name": "周桂芳", "sex": "female", "birth_year": 1958, "phone": "13500135006", "address": "6号楼202", "occupation": "退休"}
        ]
    })
}

/// A case moved to `mediating`; returns it.
pub async fn mediating_case(app: &TestApp, token: &str) -> Value {
    let case = app.post_ok("/api/v1/cases", token, &case_body(&[]), 201).await;
    let id = case["id"].as_i64().expect("id");
    for to in ["investigating", "mediating"] {
        let r = app.api_post(&format!("/api/v1/cases/{id}/transitions"), token, &json!({"to": to})).await;
        assert_eq!(r.status(), 200);
    }
    app.get_json(&format!("/api/v1/cases/{id}"), token).await
}

pub fn memorandum() -> Value {
    json!({
        "kind": "written",
        "subtitle": "调解备忘录",
        "facts": "合唱队每晚在中心花园用音箱活动至22时以后。",
        "disputed_matters": "活动时间和音量。",
        "terms": [
            {"kind": "time_window", "days": "daily", "start": "19:00", "end": "21:00"},
            {"kind": "volume_limit", "max_db": 55, "position": "outside_window_1m"}
        ],
        "performance": {"manner": "自觉履行，社区监督", "place": "中心花园", "deadline": "2026-06-01"}
    })
}

/// Signs an agreement by every party, the mediator and the seal; returns
/// the last answer.
pub async fn sign_all(app: &TestApp, token: &str, case: &Value, agreement_id: i64) -> Value {
    let path = format!("/api/v1/agreements/{agreement_id}/signatures");
    for p in case["parties"].as_array().expect("parties") {
        app.post_ok(&path, token, &json!({"role": "party", "party_id": p["id"], "method": "paper"}), 201).await;
    }
    app.post_ok(&path, token, &json!({"role": "mediator", "method": "paper"}), 201).await;
    app.post_ok(&path, token, &json!({"role": "committee_seal", "method": "seal"}), 201).await
}
