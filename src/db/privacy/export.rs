//! A party's request to see what the committee holds about them.

use super::*;

/// A case of the party: id, number, title, status, role, whom they
/// represent, registered.
pub(super) type CaseRow = (i64, String, String, String, String, Option<String>, NaiveDateTime);

/// An answer at a follow-up: id, agreement, when, answer, satisfaction, notes.
pub(super) type AnswerRow = (i64, i64, NaiveDateTime, Option<String>, Option<i32>, Option<String>);

pub(super) fn at(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339()
}

/// Everything stored about party `party_id` of `committee_id`; the export
/// itself is recorded in the audit chain. Unknown parties and parties of
/// other committees are [`WriteError::NotFound`].
pub fn export(conn: &mut DbConn, actor: &Actor, committee_id: i64, party_id: i64) -> Result<Value, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let p = parties::find(conn, committee_id, party_id).optional()?.ok_or(WriteError::NotFound)?;
        let cases: Vec<CaseRow> = case_party::table
            .inner_join(mediation_case::table)
            .filter(case_party::party_id.eq(party_id))
            .order(mediation_case::id)
            .select((
                mediation_case::id,
                mediation_case::number,
                mediation_case::title,
                mediation_case::status,
                case_party::role,
                case_party::represents,
                mediation_case::registered_at,
            ))
            .load(conn)?;
        let case_ids: Vec<i64> = cases.iter().map(|c| c.0).collect();
        let complaints: Vec<(i64, NaiveDateTime, String, String, String, String)> = complaint::table
            .filter(complaint::reporter_party_id.eq(party_id))
            .order(complaint::id)
            .select((
                complaint::id,
                complaint::received_at,
                complaint::channel,
                complaint::category,
                complaint::location,
                complaint::description,
            ))
            .load(conn)?;
        let signatures: Vec<(i64, String, String, String, NaiveDateTime, Option<String>)> = signature::table
            .filter(signature::party_id.eq(party_id))
            .order(signature::id)
            .select((
                signature::agreement_id,
                signature::role,
                signature::signer_name,
                signature::method,
                signature::signed_at,
                signature::image_sha256,
            ))
            .load(conn)?;
        let answers: Vec<AnswerRow> = follow_up::table
            .filter(follow_up::reported_by_party_id.eq(party_id))
            .order(follow_up::id)
            .select((
                follow_up::id,
                follow_up::agreement_id,
                follow_up::visited_at,
                follow_up::resident_answer,
                follow_up::satisfaction,
                follow_up::notes,
            ))
            .load(conn)?;
        let documents: Vec<(i64, i64, String, String, i32, NaiveDateTime)> = if case_ids.is_empty() {
            Vec::new()
        } else {
            document_archive::table
                .filter(document_archive::case_id.eq_any(&case_ids))
                .order(document_archive::id)
                .select((
                    document_archive::case_id,
                    document_archive::agreement_id,
                    document_archive::kind,
                    document_archive::sha256,
                    document_archive::pages,
                    document_archive::created_at,
                ))
                .load(conn)?
        };
        let events: Vec<(i64, NaiveDateTime, String, String)> = audit_event::table
            .filter(audit_event::entity.eq("party").and(audit_event::entity_id.eq(party_id.to_string())))
            .order((audit_event::chain, audit_event::seq))
            .select((audit_event::seq, audit_event::occurred_at, audit_event::actor, audit_event::action))
            .load(conn)?;
        log.record("party.export", "party", party_id, json!({}));
        Ok(json!({
            "party": {
                "id": p.id,
                "kind": p.kind,
                "name": p.name,
                "sex": p.sex,
                "ethnicity": p.ethnicity,
                "birth_year": p.birth_year,
                "occupation": p.occupation,
                "phone": p.phone,
                "address": p.address,
                "organisation": p.organisation,
                "id_number": p.id_number,
                "access_code": p.access_code,
                "recorded_at": at(p.created_at),
            },
            "cases": cases.into_iter().map(|(id, number, title, status, role, represents, registered)| json!({
                "id": id, "number": number, "title": title, "status": status, "role": role,
                "represents": represents, "registered_at": at(registered),
            })).collect::<Vec<_>>(),
            "complaints": complaints.into_iter().map(|(id, received, channel, category, location, description)| json!({
                "id": id, "received_at": at(received), "channel": channel, "category": category,
                "location": location, "description": description,
            })).collect::<Vec<_>>(),
            "signatures": signatures.into_iter().map(|(agreement_id, role, name, method, signed, image)| json!({
                "agreement_id": agreement_id, "role": role, "signer_name": name, "method": method,
                "signed_at": at(signed), "image_sha256": image,
            })).collect::<Vec<_>>(),
            "follow_up_answers": answers.into_iter().map(|(id, agreement_id, visited, answer, satisfaction, notes)| json!({
                "id": id, "agreement_id": agreement_id, "at": at(visited), "answer": answer,
                "satisfaction": satisfaction, "notes": notes,
            })).collect::<Vec<_>>(),
            "archived_documents": documents.into_iter().map(|(case_id, agreement_id, kind, sha256, pages, created)| json!({
                "case_id": case_id, "agreement_id": agreement_id, "kind": kind, "sha256": sha256,
                "pages": pages, "archived_at": at(created),
            })).collect::<Vec<_>>(),
            "audit_events": events.into_iter().map(|(seq, occurred, actor, action)| json!({
                "seq": seq, "at": at(occurred), "actor": actor, "action": action,
            })).collect::<Vec<_>>(),
        }))
    })
}
