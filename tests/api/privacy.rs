//! A party's request to see what is stored about them: one JSON document
//! with every record that names them, for administrators only, and audited.

use diesel::prelude::*;
use hesheng::cli::demo::DEMO_PASSWORD;
use hesheng::db::schema::{audit_event, case_party, complaint, document_archive, signature};

use crate::both_backends;

both_backends! {
    async fn an_export_holds_every_record_that_names_the_party(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
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

/// The free-text columns of the choir case (case 1) that hold any of `names`.
fn free_texts_naming(conn: &mut hesheng::db::DbConn, names: &[&str]) -> Vec<String> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let mut found = Vec::new();
    for (table, case, columns) in hesheng::db::privacy::FREE_TEXTS {
        for column in columns {
            for name in names {
                let holding: i64 = diesel::select(sql::<BigInt>(&format!(
                    "(SELECT COUNT(*) FROM {table} WHERE {case} = 1 AND {column} LIKE '%{name}%')"
                )))
                .get_result(conn)
                .expect("count");
                if holding > 0 {
                    found.push(format!("{table}.{column}"));
                    break;
                }
            }
        }
    }
    found
}

both_backends! {
    async fn parties_past_the_retention_period_are_anonymised_and_the_statistics_stay(app) {
        use chrono::NaiveDate;
        use diesel::dsl::sql;
        use diesel::sql_types::BigInt;
        use hesheng::db::privacy::ANONYMISED_NAME;
        use hesheng::db::schema::{agreement, mediation_case, party};

        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let mut conn = app.conn();
        let admin = app.token_with("demo.admin", DEMO_PASSWORD).await;
        // The choir case, archived eleven years ago with its complaints and
        // parties: past the default ten years of retention.
        let long_ago = NaiveDate::from_ymd_opt(2015, 6, 1).expect("date").and_hms_opt(9, 0, 0).expect("time");
        diesel::update(mediation_case::table.find(1))
            .set((mediation_case::status.eq("archived"), mediation_case::updated_at.eq(long_ago)))
            .execute(&mut conn)
            .expect("archive the case");
        diesel::update(complaint::table.filter(complaint::case_id.eq(1))).set(complaint::received_at.eq(long_ago)).execute(&mut conn).expect("complaints");
        let choir_parties: Vec<i64> = case_party::table.filter(case_party::case_id.eq(1)).select(case_party::party_id).load(&mut conn).expect("parties");
        diesel::update(party::table.filter(party::id.eq_any(&choir_parties))).set(party::created_at.eq(long_ago)).execute(&mut conn).expect("parties");
        // Records moved in time outside the application: the report's roll-up
        // is counted anew, as `hesheng reports rebuild` does.
        hesheng::db::reports::rebuild(&mut conn, None).expect("roll-up");
        // Who also appears in a case still open keeps their particulars.
        let elsewhere: Vec<i64> = case_party::table
            .filter(case_party::case_id.ne(1))
            .filter(case_party::party_id.eq_any(&choir_parties))
            .select(case_party::party_id)
            .load(&mut conn)
            .expect("elsewhere");
        let expired: Vec<i64> = choir_parties.iter().copied().filter(|p| !elsewhere.contains(p)).collect();
        assert!(!expired.is_empty());
        let live_party: i64 = case_party::table.filter(case_party::case_id.eq(2)).select(case_party::party_id).first(&mut conn).expect("a party of case 2");

        let (memorandum, hash_before): (i64, String) = agreement::table
            .filter(agreement::case_id.eq(1))
            .filter(agreement::content_hash.is_not_null())
            .select((agreement::id, agreement::content_hash.assume_not_null()))
            .first(&mut conn)
            .expect("the memorandum");
        // The memorandum's PDF is archived when first printed.
        assert_eq!(app.api_get(&format!("/api/v1/agreements/{memorandum}/pdf"), &admin).await.status(), 200);
        let archived_before: Vec<(i64, String)> = document_archive::table
            .filter(document_archive::case_id.eq(1))
            .select((document_archive::id, document_archive::sha256))
            .order(document_archive::id)
            .load(&mut conn)
            .expect("archive");
        assert!(!archived_before.is_empty());
        let signature_hashes: Vec<Option<String>> = signature::table
            .filter(signature::party_id.eq_any(&expired))
            .select(signature::image_sha256)
            .order(signature::id)
            .load(&mut conn)
            .expect("signatures");
        let reports = ["/api/v1/reports/summary?from=2015-01-01&to=2024-12-31", "/api/v1/reports/summary?from=2025-01-01&to=2026-12-31"];
        let mut statistics_before = Vec::new();
        for report in reports {
            statistics_before.push(app.get_json(report, &admin).await);
        }
        assert!(statistics_before[0]["complaints"].as_i64().is_some_and(|n| n > 0), "{}", statistics_before[0]);

        let named_before = free_texts_naming(&mut conn, &["周桂芳", "张秀兰"]);
        assert!(named_before.len() >= 4, "the choir case's texts name the parties: {named_before:?}");

        // Their names find the case until they are anonymised.
        let expired_names: Vec<String> = party::table.filter(party::id.eq_any(&expired)).select(party::name).load(&mut conn).expect("names");
        // (The complainants who are no party of the case keep their names:
        // their records are not past retention.)
        let as_party = |page: serde_json::Value| {
            page["items"].as_array().expect("items").iter().any(|c| c["id"] == 1 && c["matched"]["field"] == "party")
        };
        for name in &expired_names {
            let page = app.get_json(&format!("/api/v1/cases?limit=100&q={}", crate::helpers::url_encode(name)), &admin).await;
            assert!(as_party(page), "{name} finds the choir case");
        }

        // A complaint of the case whose description names a party is found
        // by that name in the complaint list until it is anonymised.
        let named_complaint: i64 = complaint::table.filter(complaint::case_id.eq(1)).select(complaint::id).first(&mut conn).expect("a complaint");
        diesel::update(complaint::table.find(named_complaint))
            .set(complaint::description.eq("周桂芳组织的合唱队每晚唱到十点多"))
            .execute(&mut conn)
            .expect("description");
        hesheng::db::complaint_search::reindex(&mut conn, named_complaint).expect("reindexed");
        let complaints_naming = |page: serde_json::Value| {
            page["items"].as_array().expect("items").iter().any(|c| c["id"] == named_complaint)
        };
        let page = app.get_json(&format!("/api/v1/complaints?limit=100&q={}", crate::helpers::url_encode("周桂芳")), &admin).await;
        assert!(complaints_naming(page), "the name finds the complaint");

        let out = crate::helpers::hesheng(&app.database_url, &["privacy", "anonymise"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let page = app.get_json(&format!("/api/v1/complaints?limit=100&q={}", crate::helpers::url_encode("周桂芳")), &admin).await;
        assert!(!complaints_naming(page), "an anonymised name finds no complaint");
        let page = app.get_json(&format!("/api/v1/complaints?limit=100&q={}", crate::helpers::url_encode("已匿名")), &admin).await;
        assert!(complaints_naming(page), "the placeholder finds the complaint, whose index was rewritten");
        for name in &expired_names {
            let page = app.get_json(&format!("/api/v1/cases?limit=100&q={}", crate::helpers::url_encode(name)), &admin).await;
            assert!(!as_party(page), "an anonymised party's name finds nothing: {name}");
        }
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(said.starts_with(&format!("anonymised {} parties", expired.len())), "{said}");
        assert_eq!(free_texts_naming(&mut conn, &["周桂芳", "张秀兰"]), Vec::<String>::new(), "was {named_before:?}");

        type Particulars = (String, Option<String>, Option<String>, Option<String>, Option<i32>, String, Option<String>, Option<String>);
        let rows: Vec<Particulars> = party::table
            .filter(party::id.eq_any(&expired))
            .select((party::name, party::phone, party::address, party::id_number, party::birth_year, party::access_code, party::access_key, party::pin_hash))
            .load(&mut conn)
            .expect("rows");
        for (name, phone, address, id_number, birth_year, code, key, pin) in &rows {
            assert_eq!(name, ANONYMISED_NAME);
            assert!(phone.is_none() && address.is_none() && id_number.is_none() && birth_year.is_none());
            assert!(code.starts_with('-') && key.is_none() && pin.is_none(), "the portal credentials are gone: {code}");
        }
        let untouched: String = party::table.find(live_party).select(party::name).first(&mut conn).expect("name");
        assert_ne!(untouched, ANONYMISED_NAME);

        // The frozen snapshot no longer names them; its recorded hash stays.
        let (content, hash_after): (String, String) = agreement::table
            .find(memorandum)
            .select((agreement::content_json.assume_not_null(), agreement::content_hash.assume_not_null()))
            .first(&mut conn)
            .expect("content");
        assert_eq!(hash_after, hash_before);
        assert!(!content.contains("周桂芳") && !content.contains("张秀兰") && content.contains(ANONYMISED_NAME), "{content}");
        // Nor do the case's own texts.
        let (title, facts): (String, Option<String>) = mediation_case::table.find(1).select((mediation_case::title, mediation_case::facts)).first(&mut conn).expect("case");
        let descriptions: Vec<String> = complaint::table.filter(complaint::case_id.eq(1)).select(complaint::description).load(&mut conn).expect("complaints");
        for text in descriptions.iter().chain([&title]).chain(facts.as_ref()) {
            assert!(!text.contains("周桂芳") && !text.contains("张秀兰"), "{text}");
        }
        // Archived documents keep their hashes, not their bytes.
        let archived_after: Vec<(i64, String, i64)> = document_archive::table
            .filter(document_archive::case_id.eq(1))
            .select((document_archive::id, document_archive::sha256, sql::<BigInt>("CAST(length(bytes) AS BIGINT)")))
            .order(document_archive::id)
            .load(&mut conn)
            .expect("archive");
        assert_eq!(archived_after.iter().map(|(id, sha, _)| (*id, sha.clone())).collect::<Vec<_>>(), archived_before);
        assert!(archived_after.iter().all(|(_, _, len)| *len == 0));
        let signatures: Vec<(String, Option<Vec<u8>>, Option<String>)> = signature::table
            .filter(signature::party_id.eq_any(&expired))
            .select((signature::signer_name, signature::image_png, signature::image_sha256))
            .order(signature::id)
            .load(&mut conn)
            .expect("signatures");
        assert!(signatures.iter().all(|(name, png, _)| name == ANONYMISED_NAME && png.is_none()));
        assert_eq!(signatures.into_iter().map(|(_, _, sha)| sha).collect::<Vec<_>>(), signature_hashes);

        // The memorandum prints anew from the anonymised snapshot.
        let pdf = app.api_get(&format!("/api/v1/agreements/{memorandum}/pdf"), &admin).await;
        assert_eq!(pdf.status(), 200);
        let bytes = pdf.bytes().await.expect("pdf");
        if crate::pdf_tools::available() {
            let text = crate::pdf_tools::text(&bytes);
            assert!(!text.contains("周桂芳") && text.contains(ANONYMISED_NAME), "{text}");
        }
        for (report, before) in reports.iter().zip(&statistics_before) {
            assert_eq!(&app.get_json(report, &admin).await, before, "the statistics are unchanged");
        }
        assert!(hesheng::db::audit::verify(&mut conn).expect("verify").is_ok());
        let events: i64 = audit_event::table.filter(audit_event::action.eq("party.anonymise")).count().get_result(&mut conn).expect("n");
        assert_eq!(events, i64::try_from(expired.len()).expect("n"));

        // Nothing else of a frozen agreement or an archived document gives way.
        let edit = diesel::update(agreement::table.find(memorandum)).set(agreement::content_json.eq("{}")).execute(&mut conn);
        assert!(edit.is_err(), "a snapshot changes only with an anonymisation");
        let forged = diesel::update(document_archive::table.filter(document_archive::case_id.eq(1))).set(document_archive::sha256.eq("0")).execute(&mut conn);
        assert!(forged.is_err(), "an archived hash never changes");

        let again = crate::helpers::hesheng(&app.database_url, &["privacy", "anonymise"], None);
        assert!(String::from_utf8_lossy(&again.stdout).starts_with("anonymised 0 parties"));

        // `audit verify` tells the anonymisation, which the chain records,
        // from an edit made by direct SQL that stamps a new time as well.
        let verified = crate::helpers::hesheng(&app.database_url, &["audit", "verify"], None);
        assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stdout));
        let forged = content.replace("每天的活动于19:00开始", "每天的活动于19:00开始，23:00");
        assert_ne!(forged, content);
        diesel::update(agreement::table.find(memorandum))
            .set((agreement::content_json.eq(&forged), agreement::anonymised_at.eq(chrono::Utc::now().naive_utc())))
            .execute(&mut conn)
            .expect("the trigger lets an anonymisation through");
        let verified = crate::helpers::hesheng(&app.database_url, &["audit", "verify"], None);
        assert_eq!(verified.status.code(), Some(1));
        let said = String::from_utf8_lossy(&verified.stdout).into_owned();
        assert!(said.contains(&format!("FAILED: agreement {memorandum}")), "{said}");
    }
}

both_backends! {
    async fn printing_the_phone_numbers_in_full_is_recorded_like_revealing_them(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let reveals = |actor: &str| {
            audit_event::table
                .filter(audit_event::action.eq("contacts.reveal"))
                .filter(audit_event::entity_id.eq("1"))
                .filter(audit_event::actor.eq(actor))
                .count()
                .get_result::<i64>(&mut app.conn())
                .expect("count")
        };
        // A mediator's copy prints them in full, recorded as a reveal.
        let mediator = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        // The volume files no confirmation application (the parties have not
        // applied), so it prints no phone number in full and reveals nothing.
        for (document, recorded) in [("acceptance", 0), ("confirmation_application", 1), ("agreement", 1), ("volume", 1)] {
            let r = app.api_get(&format!("/api/v1/cases/1/documents/{document}.pdf"), &mediator).await;
            assert_eq!(r.status(), 200, "{document}");
            assert_eq!(reveals("wang.mediator"), recorded, "after {document}");
        }
        // Staff and grid workers print them masked: nothing is revealed.
        for user in ["zhao.staff", "li.grid"] {
            let token = app.token_with(user, DEMO_PASSWORD).await;
            for document in ["confirmation_application", "volume"] {
                let r = app.api_get(&format!("/api/v1/cases/1/documents/{document}.pdf"), &token).await;
                assert_eq!(r.status(), 200, "{document}");
                if crate::pdf_tools::available() {
                    let text = crate::pdf_tools::text(&r.bytes().await.expect("pdf"));
                    assert!(!text.contains("13500135006") && text.contains("135****5006"), "{user}'s {document} is masked");
                }
            }
            assert_eq!(reveals(user), 0, "{user} revealed nothing");
        }
        assert!(hesheng::db::audit::verify(&mut app.conn()).expect("verify").is_ok());
    }
}
