//! A party's request to see what is stored about them: one JSON document
//! with every record that names them, for administrators only, and audited.

use diesel::prelude::*;
use hesheng::db::schema::{audit_event, case_party, complaint, document_archive, signature};
use hesheng::demo::DEMO_PASSWORD;

use crate::both_backends;

both_backends! {
    async fn an_export_holds_every_record_that_names_the_party(app) {
        hesheng::demo::load(&mut app.conn()).expect("demo");
        let mut conn = app.conn();
        // The choir case's reporter of complaints, and its respondent who signed.
        let reporter: i64 = complaint::table
            .filter(complaint::case_id.eq(1))
            .filter(complaint::reporter_party_id.is_not_null())
            .select(complaint::reporter_party_id.assume_not_null())
            .first(&mut conn)
            .expect("a reporter");
        let signer: i64 = signature::table
            .filter(signature::party_id.is_not_null())
            .select(signature::party_id.assume_not_null())
            .first(&mut conn)
            .expect("a signer");
        let admin = app.token_with("demo.admin", DEMO_PASSWORD).await;

        for id in [reporter, signer] {
            let response = app.api_get(&format!("/api/v1/parties/{id}/export"), &admin).await;
            assert_eq!(response.status(), 200);
            assert!(response.headers()["content-disposition"].to_str().expect("header").contains("attachment"));
            let export: serde_json::Value = response.json().await.expect("json");
            assert_eq!(export["party"]["id"], id);
            let phone = export["party"]["phone"].as_str().unwrap_or("");
            assert!(phone.is_empty() || (phone.len() == 11 && !phone.contains('*')), "the export is unmasked: {phone}");

            let cases: Vec<i64> = case_party::table.filter(case_party::party_id.eq(id)).select(case_party::case_id).load(&mut conn).expect("cases");
            assert_eq!(export["cases"].as_array().map(Vec::len), Some(cases.len()));
            let complaints: i64 = complaint::table.filter(complaint::reporter_party_id.eq(id)).count().get_result(&mut conn).expect("n");
            assert_eq!(export["complaints"].as_array().map(Vec::len), Some(usize::try_from(complaints).expect("n")));
            let signatures: i64 = signature::table.filter(signature::party_id.eq(id)).count().get_result(&mut conn).expect("n");
            assert_eq!(export["signatures"].as_array().map(Vec::len), Some(usize::try_from(signatures).expect("n")));
            let documents: i64 = document_archive::table.filter(document_archive::case_id.eq_any(&cases)).count().get_result(&mut conn).expect("n");
            assert_eq!(export["archived_documents"].as_array().map(Vec::len), Some(usize::try_from(documents).expect("n")));
        }
        let reporter_export = app.get_json(&format!("/api/v1/parties/{reporter}/export"), &admin).await;
        assert!(!reporter_export["complaints"].as_array().expect("complaints").is_empty());
        let signer_export = app.get_json(&format!("/api/v1/parties/{signer}/export"), &admin).await;
        assert!(!signer_export["signatures"].as_array().expect("signatures").is_empty());
        assert!(signer_export["archived_documents"].as_array().expect("documents").iter().all(|d| d["sha256"].as_str().is_some_and(|h| h.len() == 64)));
        // Each export is in the audit chain, and shows the earlier ones.
        let exports: i64 = audit_event::table
            .filter(audit_event::action.eq("party.export").and(audit_event::entity_id.eq(signer.to_string())))
            .count()
            .get_result(&mut conn)
            .expect("n");
        assert_eq!(exports, 2);
        assert!(signer_export["audit_events"].as_array().expect("events").iter().any(|e| e["action"] == "party.export"));
        assert!(hesheng::db::audit::verify(&mut conn).expect("verify").is_ok());

        let mediator = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        assert_eq!(app.api_get(&format!("/api/v1/parties/{signer}/export"), &mediator).await.status(), 403);
        assert_eq!(app.api_get("/api/v1/parties/999999/export", &admin).await.status(), 404);
    }
}
