//! What `hesheng audit verify` checks beyond the chain itself: that every
//! stored part of an effective agreement — its row, terms, signatures
//! (images included), its archived PDFs and the follow-ups recorded against
//! it — is still what the audit chain says it was.
//!
//! When an agreement takes effect, and again after each change the
//! application makes to its frozen parts (anonymisation past the retention
//! period), the digest of those parts is recorded in the chain; a follow-up
//! records its own digest when written; archiving records the PDF's SHA-256.
//! The chain is keyed (see `audit`), so these records cannot be rewritten
//! by someone holding only the database. A part changed, added or removed
//! behind the application's back no longer matches its record.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::DbConn;
use super::schema::{
    agreement, agreement_term, audit_event, document_archive, follow_up, follow_up_observation, signature,
};

fn at(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn at_opt(t: Option<NaiveDateTime>) -> Value {
    t.map_or(Value::Null, |t| json!(at(t)))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The columns of an agreement that no longer change once it is effective.
type FrozenRow = (
    (i64, i64, i32, Option<i64>, String, Option<String>, String, String, Option<String>),
    (String, Option<String>, Option<chrono::NaiveDate>, Option<String>, Option<String>),
    (Option<NaiveDateTime>, Option<chrono::NaiveDate>, Option<String>, Option<i32>, Option<NaiveDateTime>),
);

/// The SHA-256 (hex) of an agreement's frozen parts: its row but for the
/// status and bookkeeping, its terms, its signatures (an image by its
/// bytes' hash).
pub fn agreement_parts(conn: &mut DbConn, id: i64) -> QueryResult<String> {
    agreement_parts_of(conn, &[id])?.remove(&id).ok_or(diesel::result::Error::NotFound)
}

/// The digests of [`agreement_parts`] of the agreements `ids` (those that
/// exist), read a few queries for all of them.
pub fn agreement_parts_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<BTreeMap<i64, String>> {
    let rows: Vec<FrozenRow> = agreement::table
        .filter(agreement::id.eq_any(ids))
        .select((
            (
                agreement::id,
                agreement::case_id,
                agreement::version,
                agreement::supersedes_id,
                agreement::kind,
                agreement::subtitle,
                agreement::facts,
                agreement::disputed_matters,
                agreement::responsibilities,
            ),
            (
                agreement::performance_manner,
                agreement::performance_place,
                agreement::performance_deadline,
                agreement::content_json,
                agreement::content_hash,
            ),
            (
                agreement::effective_at,
                agreement::confirmation_deadline,
                agreement::verification_code,
                agreement::copies,
                agreement::anonymised_at,
            ),
        ))
        .load(conn)?;
    type TermRow = (i32, String, String, Option<String>, Option<String>, Option<String>, Option<f64>, Option<String>);
    type MoneyRow = (Option<i64>, Option<chrono::NaiveDate>, Option<i64>, Option<i64>);
    let mut terms: BTreeMap<i64, Vec<(TermRow, MoneyRow)>> = BTreeMap::new();
    let term_rows: Vec<(i64, TermRow, MoneyRow)> = agreement_term::table
        .filter(agreement_term::agreement_id.eq_any(ids))
        .order((agreement_term::agreement_id, agreement_term::position, agreement_term::id))
        .select((
            agreement_term::agreement_id,
            (
                agreement_term::position,
                agreement_term::kind,
                agreement_term::text,
                agreement_term::days,
                agreement_term::start_time,
                agreement_term::end_time,
                agreement_term::max_db,
                agreement_term::measure_position,
            ),
            (
                agreement_term::amount_fen,
                agreement_term::due,
                agreement_term::obligor_party_id,
                agreement_term::payee_party_id,
            ),
        ))
        .load(conn)?;
    for (id, t, m) in term_rows {
        terms.entry(id).or_default().push((t, m));
    }
    type SignatureRow = (
        i64,
        String,
        Option<i64>,
        String,
        String,
        NaiveDateTime,
        Option<Vec<u8>>,
        Option<String>,
        Option<NaiveDateTime>,
    );
    let mut signatures: BTreeMap<i64, Vec<SignatureRow>> = BTreeMap::new();
    let signature_rows: Vec<(i64, SignatureRow)> = signature::table
        .filter(signature::agreement_id.eq_any(ids))
        .order((signature::agreement_id, signature::id))
        .select((
            signature::agreement_id,
            (
                signature::id,
                signature::role,
                signature::party_id,
                signature::signer_name,
                signature::method,
                signature::signed_at,
                signature::image_png,
                signature::image_sha256,
                signature::anonymised_at,
            ),
        ))
        .load(conn)?;
    for (id, s) in signature_rows {
        signatures.entry(id).or_default().push(s);
    }
    let mut digests = BTreeMap::new();
    for (a, b, c) in rows {
        let id = a.0;
        let parts = json!([
            [a.0, a.1, a.2, a.3, a.4, a.5, a.6, a.7, a.8],
            [b.0, b.1, b.2.map(|d| d.to_string()), b.3, b.4],
            [at_opt(c.0), c.1.map(|d| d.to_string()), c.2, c.3, at_opt(c.4)],
            terms
                .get(&id)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|(t, m)| {
                    let mut part = json!([t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, m.0, m.1.map(|d| d.to_string())]);
                    // The parties a term names join its part only when named, so
                    // rows written before they were stored keep their digest.
                    if m.2.is_some() || m.3.is_some() {
                        part.as_array_mut().into_iter().for_each(|p| p.extend([json!(m.2), json!(m.3)]));
                    }
                    part
                })
                .collect::<Vec<_>>(),
            signatures
                .get(&id)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|s| json!([s.0, s.1, s.2, s.3, s.4, at(s.5), s.6.as_deref().map(sha256_hex), s.7, at_opt(s.8)]))
                .collect::<Vec<_>>(),
        ]);
        digests.insert(id, sha256_hex(parts.to_string().as_bytes()));
    }
    Ok(digests)
}

/// The SHA-256 (hex) of a follow-up as stored, with its observations.
pub fn follow_up_parts(conn: &mut DbConn, id: i64) -> QueryResult<String> {
    follow_up_parts_of(conn, &[id])?.remove(&id).ok_or(diesel::result::Error::NotFound)
}

/// The digests of [`follow_up_parts`] of the follow-ups `ids` (those that
/// exist), read two queries for all of them.
pub fn follow_up_parts_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<BTreeMap<i64, String>> {
    type Row = (
        (i64, i64, i64, NaiveDateTime, String, String, Option<i32>, bool),
        (Option<String>, Option<String>, Option<String>, String, Option<i64>, Option<String>),
    );
    let rows: Vec<Row> = follow_up::table
        .filter(follow_up::id.eq_any(ids))
        .select((
            (
                follow_up::id,
                follow_up::agreement_id,
                follow_up::case_id,
                follow_up::visited_at,
                follow_up::visitor,
                follow_up::method,
                follow_up::satisfaction,
                follow_up::lawsuit,
            ),
            (
                follow_up::risk_signs,
                follow_up::measures,
                follow_up::notes,
                follow_up::overall,
                follow_up::reported_by_party_id,
                follow_up::resident_answer,
            ),
        ))
        .load(conn)?;
    type Observation = (i32, Option<String>, Option<f64>, bool, Option<String>, Option<String>, String);
    let mut observations: BTreeMap<i64, Vec<Observation>> = BTreeMap::new();
    let observation_rows: Vec<(i64, Observation)> = follow_up_observation::table
        .filter(follow_up_observation::follow_up_id.eq_any(ids))
        .order((follow_up_observation::follow_up_id, follow_up_observation::id))
        .select((
            follow_up_observation::follow_up_id,
            (
                follow_up_observation::term_position,
                follow_up_observation::observed_end,
                follow_up_observation::measured_db,
                follow_up_observation::indicative,
                follow_up_observation::reported_result,
                follow_up_observation::note,
                follow_up_observation::result,
            ),
        ))
        .load(conn)?;
    for (id, o) in observation_rows {
        observations.entry(id).or_default().push(o);
    }
    let mut digests = BTreeMap::new();
    for (a, b) in rows {
        let parts = json!([
            [a.0, a.1, a.2, at(a.3), a.4, a.5, a.6, a.7],
            [b.0, b.1, b.2, b.3, b.4, b.5],
            observations
                .get(&a.0)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|o| json!([o.0, o.1, o.2, o.3, o.4, o.5, o.6]))
                .collect::<Vec<_>>(),
        ]);
        digests.insert(a.0, sha256_hex(parts.to_string().as_bytes()));
    }
    Ok(digests)
}

/// The short form of a digest recorded many to an event (`demo --scale`).
pub fn short(digest: &str) -> &str {
    &digest[..digest.len().min(16)]
}

/// What the chain records, by record: the latest digest of each frozen
/// agreement and follow-up, the latest status of each agreement, the
/// archived documents' SHA-256 and which were erased.
#[derive(Debug, Default)]
struct Recorded {
    agreements: BTreeMap<i64, String>,
    statuses: BTreeMap<i64, String>,
    follow_ups: BTreeMap<i64, String>,
    archived: BTreeMap<i64, String>,
    erased: Vec<i64>,
    /// Recorded before digests were: their content is checked by its hash
    /// alone (`privacy::unmatched_snapshots`).
    agreements_undigested: Vec<i64>,
    follow_ups_undigested: Vec<i64>,
}

const ACTIONS: [&str; 9] = [
    "agreement.effective",
    "agreement.parts",
    "agreement.status",
    "agreement.superseded",
    "follow_up.create",
    "follow_up.parts",
    "document.archive",
    "document.erase",
    "demo.scale",
];

fn recorded(conn: &mut DbConn) -> QueryResult<Recorded> {
    let events: Vec<(String, String, String)> = audit_event::table
        .filter(audit_event::action.eq_any(ACTIONS))
        .order((audit_event::chain, audit_event::seq))
        .select((audit_event::action, audit_event::entity_id, audit_event::summary))
        .load(conn)?;
    let mut r = Recorded::default();
    for (action, entity_id, summary) in events {
        let id: i64 = entity_id.parse().unwrap_or(0);
        let s: Value = serde_json::from_str(&summary).unwrap_or(Value::Null);
        let text = |key: &str| s[key].as_str().map(str::to_owned);
        match action.as_str() {
            "agreement.effective" => {
                match text("parts_sha256") {
                    Some(d) => r.agreements.insert(id, d),
                    None => {
                        r.agreements_undigested.push(id);
                        None
                    }
                };
                r.statuses.insert(id, "effective".into());
            }
            "agreement.parts" => {
                if let Some(d) = text("parts_sha256") {
                    r.agreements.insert(id, d);
                }
            }
            "agreement.status" => {
                if let Some(status) = text("status") {
                    r.statuses.insert(id, status);
                }
            }
            "agreement.superseded" => {
                r.statuses.insert(id, "superseded".into());
            }
            "follow_up.create" | "follow_up.parts" => {
                match text("sha256") {
                    Some(d) => r.follow_ups.insert(id, d),
                    None => {
                        r.follow_ups_undigested.push(id);
                        None
                    }
                };
            }
            "document.archive" => {
                if let Some(d) = text("sha256") {
                    r.archived.insert(id, d);
                }
            }
            "document.erase" => r.erased.push(id),
            _ => {
                for (key, into) in [("frozen_agreements", &mut r.agreements), ("follow_ups", &mut r.follow_ups)] {
                    for pair in s[key].as_array().into_iter().flatten() {
                        if let (Some(id), Some(d)) = (pair[0].as_i64(), pair[1].as_str()) {
                            into.insert(id, d.to_owned());
                        }
                    }
                }
                for pair in s["statuses"].as_array().into_iter().flatten() {
                    if let (Some(id), Some(status)) = (pair[0].as_i64(), pair[1].as_str()) {
                        r.statuses.insert(id, status.to_owned());
                    }
                }
            }
        }
    }
    Ok(r)
}

fn matches(recorded: &str, actual: &str) -> bool {
    recorded == actual || (recorded.len() == 16 && actual.starts_with(recorded))
}

/// Every way the frozen records differ from what the chain records, one
/// line each, in a stable order; empty when they all agree.
pub fn check(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let r = recorded(conn)?;
    let mut found = Vec::new();

    // Agreements: every frozen one must have a recorded digest and match
    // it; every recorded one must still exist, with its recorded status.
    let frozen: Vec<(i64, String)> = agreement::table
        .filter(agreement::content_hash.is_not_null())
        .order(agreement::id)
        .select((agreement::id, agreement::status))
        .load(conn)?;
    for (id, status) in &frozen {
        match r.agreements.get(id) {
            None if r.agreements_undigested.contains(id) => {}
            None => found.push(format!(
                "agreement {id}: frozen, but the audit chain records no agreement taking effect with this content"
            )),
            Some(d) if !matches(d, &agreement_parts(conn, *id)?) => found.push(format!(
                "agreement {id}: its row, terms or signatures differ from what was frozen when it took effect \
                 (or last changed by the application)"
            )),
            Some(_) => {}
        }
        if let Some(expected) = r.statuses.get(id)
            && expected != status
        {
            found.push(format!("agreement {id}: its status is {status}, but the chain last recorded {expected}"));
        }
    }
    for id in r.agreements.keys() {
        if !frozen.iter().any(|(f, _)| f == id) {
            found.push(format!("agreement {id}: recorded as effective, but missing or no longer frozen"));
        }
    }

    // Follow-ups.
    let present: Vec<i64> = follow_up::table.order(follow_up::id).select(follow_up::id).load(conn)?;
    for (id, d) in &r.follow_ups {
        if !present.contains(id) {
            found.push(format!("follow-up {id}: recorded, but missing"));
        } else if !matches(d, &follow_up_parts(conn, *id)?) {
            found.push(format!("follow-up {id}: differs from what was recorded"));
        }
    }
    for id in &present {
        if !r.follow_ups.contains_key(id) && !r.follow_ups_undigested.contains(id) {
            found.push(format!("follow-up {id}: the audit chain records no such follow-up"));
        }
    }

    // Archived documents: the bytes hash to the SHA-256 recorded when they
    // were archived, unless an erasure was recorded.
    let archived: Vec<(i64, String, Vec<u8>, Option<NaiveDateTime>)> = document_archive::table
        .order(document_archive::id)
        .select((document_archive::id, document_archive::sha256, document_archive::bytes, document_archive::erased_at))
        .load(conn)?;
    for (id, sha, bytes, erased_at) in &archived {
        match r.archived.get(id) {
            None => found.push(format!("archived document {id}: the audit chain records no such archiving")),
            Some(recorded) if recorded != sha => {
                found.push(format!("archived document {id}: its SHA-256 is not the one recorded when it was archived"))
            }
            Some(_) if bytes.is_empty() && erased_at.is_some() && r.erased.contains(id) => {}
            Some(recorded) if &sha256_hex(bytes) != recorded => found.push(format!(
                "archived document {id}: its bytes do not hash to the SHA-256 recorded when it was archived"
            )),
            Some(_) => {}
        }
    }
    for id in r.archived.keys() {
        if !archived.iter().any(|(a, ..)| a == id) {
            found.push(format!("archived document {id}: recorded, but missing"));
        }
    }
    Ok(found)
}
