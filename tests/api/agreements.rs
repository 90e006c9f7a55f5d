use base64::Engine;
use diesel::connection::SimpleConnection;
use hesheng::domain::account::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::records::{mediating_case, memorandum, sign_all};

/// A small valid PNG header of a 600×200 image, padded.
fn signature_png() -> String {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&600u32.to_be_bytes());
    png.extend_from_slice(&200u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png.extend_from_slice(&[0u8; 64]);
    base64::engine::general_purpose::STANDARD.encode(png)
}

async fn drafted(app: &TestApp, token: &str) -> (Value, Value) {
    let case = mediating_case(app, token).await;
    let agreement = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), token, &memorandum(), 201).await;
    (case, agreement)
}

fn frozen_update_fails(app: &TestApp, sql: &str) -> bool {
    app.conn().batch_execute(sql).is_err()
}

both_backends! {
    async fn a_draft_carries_printable_terms_and_vagueness_warnings(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &token).await;
        let mut body = memorandum();
        body["terms"] = json!([
            {"kind": "time_window", "days": "daily", "start": "19:00", "end": "21:00"},
            {"kind": "volume_limit", "text": "音量调小"},
            {"kind": "free_text", "text": "尽量注意不要扰民"},
            {"kind": "time_window", "text": "晚上早点结束"}
        ]);
        let a = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &body, 201).await;
        assert_eq!(a["status"], "draft");
        assert_eq!(a["subtitle"], "调解备忘录");
        assert_eq!(a["terms"][0]["text"], "每天活动于19:00开始，21:00前结束。");
        let warnings: Vec<(i64, &str)> = a["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .map(|w| (w["term_index"].as_i64().unwrap_or(-1), w["code"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(
            warnings,
            [(1, "volume_without_number"), (2, "vague_wording"), (3, "time_without_clock"), (3, "vague_wording")]
        );
        assert!(a["warnings"][0]["message"].as_str().is_some_and(|m| m.contains("分贝")));
        assert_eq!(a["missing_signatures"]["mediator"], true);
        assert_eq!(a["missing_signatures"]["parties"].as_array().map(Vec::len), Some(2));
    }

    async fn terms_name_the_party_bound_and_the_party_paid(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &token).await;
        let other = mediating_case(&app, &token).await;
        let party = |c: &Value, role: &str| {
            c["parties"].as_array().expect("parties").iter().find(|p| p["role"] == role).expect("party")["id"]
                .as_i64()
                .expect("id")
        };
        let (zhang, zhou) = (party(&case, "applicant"), party(&case, "respondent"));
        let mut body = memorandum();
        body["terms"] = json!([
            {"kind": "time_window", "days": "daily", "start": "19:00", "end": "21:00", "obligor_party_id": zhou},
            {"kind": "payment", "amount": 1800, "due": "2026-06-30", "obligor_party_id": zhou, "payee_party_id": zhang}
        ]);
        let a = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &body, 201).await;
        assert_eq!(a["terms"][0]["text"], "周桂芳每天的活动于19:00开始，21:00前结束。");
        assert_eq!(a["terms"][1]["text"], "周桂芳于2026年6月30日前向张秀兰支付1800元（大写：人民币壹仟捌佰元整）。");
        let id = a["id"].as_i64().expect("id");
        let read = app.get_json(&format!("/api/v1/agreements/{id}"), &token).await;
        assert_eq!(read["terms"][0]["obligor_party_id"], zhou);
        assert_eq!(read["terms"][0]["payee_party_id"], Value::Null);
        assert_eq!((&read["terms"][1]["obligor_party_id"], &read["terms"][1]["payee_party_id"]), (&json!(zhou), &json!(zhang)));
        // Refused, naming the field, and the draft stays as it was: a party
        // of another case, a payee on a time window, a payer paying themselves.
        for (term, field, message) in [
            (json!({"kind": "time_window", "end": "21:00", "obligor_party_id": party(&other, "respondent")}), "terms[0].obligor", "本案当事人"),
            (json!({"kind": "time_window", "end": "21:00", "obligor_party_id": 999_999}), "terms[0].obligor", "本案当事人"),
            (json!({"kind": "time_window", "end": "21:00", "payee_party_id": zhang}), "terms[0].payee", "付款条款"),
            (json!({"kind": "payment", "amount": 5, "obligor_party_id": zhou, "payee_party_id": zhou}), "terms[0].payee", "同一人"),
        ] {
            let r = app.api_patch(&format!("/api/v1/agreements/{id}"), &token, &json!({"terms": [term]})).await;
            assert_eq!(r.status(), 422, "{field}");
            let problem: Value = r.json().await.expect("json");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            assert!(problem["errors"][0]["message"].as_str().is_some_and(|m| m.contains(message)), "{problem}");
            assert_eq!(app.get_json(&format!("/api/v1/agreements/{id}"), &token).await["terms"], read["terms"]);
        }
    }

    async fn bad_agreements_name_every_field(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &token).await;
        let r = app.api_post(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &json!({
            "kind": "handshake",
            "facts": "",
            "terms": [{"kind": "volume_limit", "max_db": 300}, {"kind": "free_text"}, {"kind": "dance"}, {"kind": "time_window", "end": "25:00"}],
            "performance": {"manner": "", "deadline": "soon"}
        })).await;
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.expect("json");
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        for f in ["kind", "facts", "disputed_matters", "performance.manner", "performance.deadline", "terms[0].max_db", "terms[1].text", "terms[2].kind", "terms[3].end"] {
            assert!(fields.contains(&f), "{f} not in {fields:?}");
        }
        let case = app.get_json(&format!("/api/v1/cases/{}", case["id"]), &token).await;
        assert_eq!(case["agreements"].as_array().map(Vec::len), Some(0));
    }

    async fn a_draft_is_edited_until_signing_starts(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let (case, a) = drafted(&app, &token).await;
        let path = format!("/api/v1/agreements/{}", a["id"]);
        let r = app.api_patch(&path, &token, &json!({"terms": [{"kind": "time_window", "start": "18:30", "end": "20:45"}]})).await;
        assert_eq!(r.status(), 200);
        let edited: Value = r.json().await.expect("json");
        assert_eq!(edited["terms"].as_array().map(Vec::len), Some(1));
        assert_eq!(edited["terms"][0]["end"], "20:45");
        assert_eq!(edited["facts"], a["facts"], "fields left out keep their value");
        let party = case["parties"][0]["id"].clone();
        app.post_ok(&format!("{path}/signatures"), &token, &json!({"role": "party", "party_id": party, "method": "paper"}), 201).await;
        let r = app.api_patch(&path, &token, &json!({"facts": "changed after signing"})).await;
        assert_eq!(r.status(), 409);
        let withdrawn = app.post_ok(&format!("{path}/withdraw"), &token, &json!({}), 200).await;
        assert_eq!(withdrawn["status"], "withdrawn");
    }

    async fn signatures_are_checked(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let staff = app.user_token("zhao.staff", Role::Staff).await;
        let (case, a) = drafted(&app, &token).await;
        let path = format!("/api/v1/agreements/{}/signatures", a["id"]);
        let party = case["parties"][0]["id"].clone();
        let no_image = app.api_post(&path, &token, &json!({"role": "party", "party_id": party, "method": "on_screen"})).await;
        assert_eq!(no_image.status(), 422);
        let gif = base64::engine::general_purpose::STANDARD.encode(b"GIF89a..........................................");
        let not_png = app.api_post(&path, &token, &json!({"role": "party", "party_id": party, "method": "on_screen", "image_png_base64": gif})).await;
        assert_eq!(not_png.status(), 422);
        let stranger = app.api_post(&path, &token, &json!({"role": "party", "party_id": 424242, "method": "paper"})).await;
        assert_eq!(stranger.status(), 422);
        let drawn = app.post_ok(&path, &staff, &json!({"role": "party", "party_id": party, "method": "on_screen", "image_png_base64": signature_png()}), 201).await;
        assert_eq!(drawn["took_effect"], false);
        assert_eq!(drawn["agreement"]["status"], "signing");
        assert_eq!(drawn["agreement"]["signatures"][0]["image_sha256"].as_str().map(str::len), Some(64));
        let again = app.api_post(&path, &token, &json!({"role": "party", "party_id": party, "method": "paper"})).await;
        assert_eq!(again.status(), 409);
        let staff_as_mediator = app.api_post(&path, &staff, &json!({"role": "mediator", "method": "paper"})).await;
        assert_eq!(staff_as_mediator.status(), 403, "only a mediator signs as mediator");
    }

    async fn the_last_signature_freezes_the_agreement_with_hash_code_and_deadline(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let (case, a) = drafted(&app, &token).await;
        let id = a["id"].as_i64().expect("id");
        let last = sign_all(&app, &token, &case, id).await;
        assert_eq!(last["took_effect"], true);
        let agreement = &last["agreement"];
        assert_eq!(agreement["status"], "effective");
        assert_eq!(agreement["copies"], 3);
        assert_eq!(agreement["missing_signatures"], Value::Null);
        let code = agreement["verification_code"].as_str().expect("code");
        assert_eq!(code.len(), 12);
        assert!(code.bytes().all(|b| hesheng::random::UNAMBIGUOUS.contains(&b)));
        let effective = chrono::DateTime::parse_from_rfc3339(agreement["effective_at"].as_str().expect("at")).expect("rfc3339");
        let deadline = chrono::NaiveDate::parse_from_str(agreement["confirmation_deadline"].as_str().expect("deadline"), "%Y-%m-%d").expect("date");
        assert_eq!(deadline, effective.date_naive() + chrono::TimeDelta::days(30));

        use diesel::prelude::*;
        use hesheng::db::schema::agreement;
        let (json, hash): (Option<String>, Option<String>) = agreement::table
            .find(id)
            .select((agreement::content_json, agreement::content_hash))
            .first(&mut app.conn())
            .expect("row");
        let json = json.expect("canonical content");
        assert_eq!(hash.as_deref(), Some(hex::encode(Sha256::digest(json.as_bytes())).as_str()));
        assert_eq!(agreement["content_hash"].as_str(), hash.as_deref());
        assert!(json.contains("\"case_number\":\"（2026）调人调字第1号\"") && json.contains("周桂芳"), "{json}");

        let case = app.get_json(&format!("/api/v1/cases/{}", case["id"]), &token).await;
        assert_eq!(case["status"], "agreed");
        let r = app.api_patch(&format!("/api/v1/agreements/{id}"), &token, &json!({"facts": "rewritten"})).await;
        assert_eq!(r.status(), 409);
        let r = app.api_post(&format!("/api/v1/agreements/{id}/signatures"), &token, &json!({"role": "recorder", "method": "paper"})).await;
        assert_eq!(r.status(), 409, "nothing is added to a frozen agreement");
    }

    async fn the_database_refuses_to_change_a_frozen_agreement(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let (case, a) = drafted(&app, &token).await;
        let id = a["id"].as_i64().expect("id");
        sign_all(&app, &token, &case, id).await;
        assert!(frozen_update_fails(&app, &format!("UPDATE agreement SET facts = 'forged' WHERE id = {id}")));
        assert!(frozen_update_fails(&app, &format!("UPDATE agreement SET content_hash = 'forged' WHERE id = {id}")));
        assert!(frozen_update_fails(&app, &format!("UPDATE agreement SET status = 'draft' WHERE id = {id}")));
        assert!(frozen_update_fails(&app, &format!("UPDATE agreement_term SET text = 'forged' WHERE agreement_id = {id}")));
        assert!(frozen_update_fails(&app, &format!("DELETE FROM agreement_term WHERE agreement_id = {id}")));
        assert!(frozen_update_fails(&app, &format!("DELETE FROM signature WHERE agreement_id = {id}")));
        assert!(frozen_update_fails(&app, &format!("DELETE FROM agreement WHERE id = {id}")));
        // Its status may still move on.
        assert!(!frozen_update_fails(&app, &format!("UPDATE agreement SET status = 'breached' WHERE id = {id}")));
    }

    async fn an_amendment_supersedes_the_effective_version_when_it_takes_effect(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let (case, a) = drafted(&app, &token).await;
        let first = a["id"].as_i64().expect("id");
        sign_all(&app, &token, &case, first).await;
        let mut body = memorandum();
        body["supersedes"] = json!(first);
        body["terms"] = json!([{"kind": "time_window", "start": "18:30", "end": "20:30"}]);
        let v2 = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &body, 201).await;
        assert_eq!(v2["version"], 2);
        assert_eq!(v2["supersedes_id"], first);
        let old = app.get_json(&format!("/api/v1/agreements/{first}"), &token).await;
        assert_eq!(old["status"], "effective", "still in force until the amendment takes effect");
        sign_all(&app, &token, &case, v2["id"].as_i64().expect("id")).await;
        let old = app.get_json(&format!("/api/v1/agreements/{first}"), &token).await;
        assert_eq!(old["status"], "superseded");
        assert!(old["content_hash"].is_string(), "the superseded version keeps its hash");
    }

    async fn an_oral_agreement_takes_effect_when_registered(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &token).await;
        let mut body = memorandum();
        body["kind"] = json!("oral");
        body.as_object_mut().expect("object").remove("subtitle");
        let a = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &body, 201).await;
        assert_eq!(a["status"], "effective");
        assert!(a["content_hash"].is_string() && a["verification_code"].is_string());
        let r = app.api_post(&format!("/api/v1/agreements/{}/signatures", a["id"]), &token, &json!({"role": "mediator", "method": "paper"})).await;
        assert_eq!(r.status(), 409);
    }

    async fn follow_ups_check_each_term_and_a_breach_marks_agreement_and_case(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        let (case, a) = drafted(&app, &token).await;
        let id = a["id"].as_i64().expect("id");
        sign_all(&app, &token, &case, id).await;
        let path = format!("/api/v1/agreements/{id}/follow-ups");
        let kept = app.post_ok(&path, &grid, &json!({
            "visited_at": "2026-06-05T21:10:00+08:00", "method": "night_check",
            "observations": [{"term_index": 0, "observed_end": "20:55"}, {"term_index": 1, "measured_db": 58.0, "indicative": true}],
            "satisfaction": 4
        }), 201).await;
        assert_eq!(kept["compliance"], json!([{"term_index": 0, "result": "kept"}, {"term_index": 1, "result": "unknown"}]));
        assert_eq!(kept["overall"], "unknown");
        assert_eq!(kept["agreement_status"], "effective", "a phone reading alone decides nothing");

        let out_of_range = app.api_post(&path, &grid, &json!({"visited_at": "2026-06-06T21:10:00+08:00", "method": "visit", "observations": [{"term_index": 7, "observed_end": "22:00"}]})).await;
        assert_eq!(out_of_range.status(), 422);
        let bad = app.api_post(&path, &grid, &json!({"visited_at": "x", "method": "telepathy", "satisfaction": 9})).await;
        let body: Value = bad.json().await.expect("json");
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["visited_at", "method", "satisfaction"]);

        let breached = app.post_ok(&path, &grid, &json!({
            "visited_at": "2026-06-12T22:45:00+08:00", "method": "night_check",
            "observations": [{"term_index": 0, "observed_end": "22:40"}], "satisfaction": 2, "risk_signs": "居民情绪激动"
        }), 201).await;
        assert_eq!(breached["compliance"][0]["result"], "breached");
        assert_eq!(breached["agreement_status"], "breached");
        let case = app.get_json(&format!("/api/v1/cases/{}", case["id"]), &token).await;
        assert_eq!(case["status"], "breached");
        assert_eq!(case["allowed_moves"], json!(["mediating", "referred"]));
        assert_eq!(case["follow_ups"].as_array().map(Vec::len), Some(2));
    }

    async fn a_follow_up_with_every_term_kept_can_mark_the_agreement_fulfilled(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let (case, a) = drafted(&app, &token).await;
        let id = a["id"].as_i64().expect("id");
        sign_all(&app, &token, &case, id).await;
        let done = app.post_ok(&format!("/api/v1/agreements/{id}/follow-ups"), &token, &json!({
            "visited_at": "2026-07-01T21:00:00+08:00", "method": "night_check", "mark_fulfilled": true,
            "observations": [{"term_index": 0, "observed_end": "20:40"}, {"term_index": 1, "measured_db": 50.5}]
        }), 201).await;
        assert_eq!(done["overall"], "kept");
        assert_eq!(done["agreement_status"], "fulfilled");
        let case = app.get_json(&format!("/api/v1/cases/{}", case["id"]), &token).await;
        assert_eq!(case["status"], "fulfilled");
        assert!(hesheng::db::audit::verify(&mut app.conn()).expect("verify").is_ok());
    }

    async fn agreements_are_drafted_only_while_mediating(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = app.post_ok("/api/v1/cases", &token, &crate::records::case_body(&[]), 201).await;
        let r = app.api_post(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &memorandum()).await;
        assert_eq!(r.status(), 409);
        let grid = app.user_token("li.grid", Role::GridWorker).await;
        let mediating = mediating_case(&app, &token).await;
        let r = app.api_post(&format!("/api/v1/cases/{}/agreements", mediating["id"]), &grid, &memorandum()).await;
        assert_eq!(r.status(), 403);
    }
}

/// Archived copies of agreement `id`.
fn archived(app: &TestApp, id: i64) -> i64 {
    use diesel::prelude::*;
    use hesheng::db::schema::document_archive;
    document_archive::table
        .filter(document_archive::agreement_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

/// Sets the committee's seal image as stored, bypassing the upload's checks.
fn store_seal(app: &TestApp, png: Option<&[u8]>) {
    use diesel::prelude::*;
    use hesheng::db::schema::committee;
    diesel::update(committee::table).set(committee::seal_png.eq(png)).execute(&mut app.conn()).expect("seal");
}

both_backends! {
    async fn an_agreement_whose_pdf_cannot_be_made_at_signing_is_in_force_and_archived_on_first_read(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let (case, agreement) = drafted(&app, &token).await;
        let id = agreement["id"].as_i64().expect("id");
        // A stored seal that is no image makes every sealed PDF fail to render.
        store_seal(&app, Some(b"not an image at all"));
        let signed = sign_all(&app, &token, &case, id).await;
        assert_eq!(signed["took_effect"], true, "{signed}");
        assert_eq!(signed["agreement"]["status"], "effective");
        assert_eq!(archived(&app, id), 0, "nothing could be archived");
        let pdf = app.api_get(&format!("/api/v1/agreements/{id}/pdf"), &token).await;
        assert_eq!(pdf.status(), 500, "the PDF still cannot be made");
        assert_eq!(app.get_json(&format!("/api/v1/agreements/{id}"), &token).await["status"], "effective");

        // Once the seal is fixed, the first read archives the agreement.
        store_seal(&app, None);
        let first = app.api_get(&format!("/api/v1/agreements/{id}/pdf"), &token).await;
        assert_eq!(first.status(), 200);
        let sha = first.headers()["x-content-sha256"].to_str().expect("header").to_owned();
        let bytes = first.bytes().await.expect("pdf");
        assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
        assert_eq!(archived(&app, id), 1);
        let again = app.api_get(&format!("/api/v1/agreements/{id}/pdf"), &token).await;
        assert_eq!(again.headers()["x-content-sha256"].to_str().expect("header"), sha);
        assert_eq!(again.bytes().await.expect("pdf"), bytes, "served from the archive byte for byte");
        assert_eq!(archived(&app, id), 1);
    }
}
