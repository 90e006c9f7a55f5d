//! What a committee holds about one party, for the party's request to see
//! it (PIPL art. 45): every record that names them, in one JSON document.

mod export;

use chrono::{Months, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use serde_json::{Value, json};

use super::audit::audited;
use super::codes::Json;
use super::print_queue::JobItem;
use super::schema::{
    agreement, audit_event, case_party, committee, complaint, document_archive, follow_up, mediation_case, party,
    print_job, signature,
};
use super::sql::Sql;
use super::{Backend, DbConn, WriteError, parties};
use crate::domain::agreement::{canonical, content_hash};
use crate::domain::audit::Actor;
use crate::on_backend;

pub use export::*;

/// The name an anonymised party is recorded under.
pub const ANONYMISED_NAME: &str = "（已匿名）";

/// What one pass of [`anonymise_expired`] anonymised.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Anonymised {
    /// Parties whose particulars were removed.
    pub parties: usize,
    /// Agreement snapshots rewritten without them.
    pub agreements: usize,
    /// Signatures that lost their name and image.
    pub signatures: usize,
    /// Archived documents whose bytes were erased (hashes kept).
    pub documents: usize,
    /// Print batches whose PDF was dropped.
    pub print_jobs: usize,
}

impl std::ops::AddAssign for Anonymised {
    fn add_assign(&mut self, other: Self) {
        self.parties += other.parties;
        self.agreements += other.agreements;
        self.signatures += other.signatures;
        self.documents += other.documents;
        self.print_jobs += other.print_jobs;
    }
}

/// Parties of a committee past its retention period: recorded before the
/// cut-off, every case of theirs archived before it, every complaint of
/// theirs received before it and in no case still open or archived since.
const EXPIRED_PARTIES: Sql = Sql("SELECT p.id FROM party p \
     WHERE p.committee_id = ? AND p.anonymised_at IS NULL AND p.created_at < ? \
     AND NOT EXISTS (SELECT 1 FROM case_party cp JOIN mediation_case c ON c.id = cp.case_id \
         WHERE cp.party_id = p.id AND (c.status <> 'archived' OR c.updated_at >= ?)) \
     AND NOT EXISTS (SELECT 1 FROM complaint m LEFT JOIN mediation_case c ON c.id = m.case_id \
         WHERE m.reporter_party_id = p.id \
         AND (m.received_at >= ? OR (c.id IS NOT NULL AND (c.status <> 'archived' OR c.updated_at >= ?)))) \
     ORDER BY p.id LIMIT 500");

/// The free texts of a case's records, where a party's name is replaced
/// by [`ANONYMISED_NAME`]: by table, the column naming the case and the
/// text columns. The term rows of frozen agreements are left as signed
/// (their frozen snapshot is scrubbed).
pub const FREE_TEXTS: [(&str, &str, &[&str]); 8] = [
    ("mediation_case", "id", &["title", "facts", "termination_reason", "requests"]),
    ("complaint", "case_id", &["description"]),
    ("case_transition", "case_id", &["reason"]),
    ("referral", "case_id", &["reason"]),
    ("investigation", "case_id", &["participants", "subject", "record", "findings"]),
    ("mediation_session", "case_id", &["attendees", "statements", "findings", "outcome"]),
    ("community_meeting", "case_id", &["attendees", "explanations", "resolution"]),
    ("follow_up", "case_id", &["notes", "risk_signs", "measures"]),
];

/// Replaces `name` by the placeholder in the free texts of case `case_id`:
/// one statement per table.
fn scrub(conn: &mut DbConn, case_id: i64, name: &str) -> QueryResult<()> {
    let backend = conn.backend();
    // Numbered parameters, each used by every column: 1 the name, 2 the
    // placeholder, 3 the case, 4 the pattern.
    let p = |n: u8| match backend {
        Backend::Sqlite => format!("?{n}"),
        Backend::Postgres => format!("${n}"),
    };
    for (table, case, columns) in FREE_TEXTS {
        let set: Vec<String> = columns.iter().map(|c| format!("{c} = REPLACE({c}, {}, {})", p(1), p(2))).collect();
        let any: Vec<String> = columns.iter().map(|c| format!("{c} LIKE {}", p(4))).collect();
        let sql = format!("UPDATE {table} SET {} WHERE {case} = {} AND ({})", set.join(", "), p(3), any.join(" OR "));
        let query = diesel::sql_query(sql)
            .bind::<Text, _>(name)
            .bind::<Text, _>(ANONYMISED_NAME)
            .bind::<BigInt, _>(case_id)
            .bind::<Text, _>(format!("%{name}%"));
        on_backend!(conn, c => query.execute(c))?;
    }
    // Nor is the name found by a search of the case's complaints, and the
    // placeholder is.
    let ids: Vec<i64> = complaint::table.filter(complaint::case_id.eq(case_id)).select(complaint::id).load(conn)?;
    for id in ids {
        crate::db::complaint_search::reindex(conn, id)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Anonymises every party whose records are past their committee's
/// retention period (counted from the archiving of their last case), in
/// transactions of 500 parties, each party an audit event. Statistics stay:
/// cases, complaints, measurements and agreements' terms are kept, and so
/// are the hashes of archived documents and signature images.
pub fn anonymise_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Anonymised> {
    let mut total = Anonymised::default();
    let committees: Vec<(i64, i32)> =
        committee::table.select((committee::id, committee::retention_years)).load(conn)?;
    for (committee_id, years) in committees {
        let months = u32::try_from(years).unwrap_or(0).saturating_mul(12);
        let Some(cutoff) = now.checked_sub_months(Months::new(months)) else { continue };
        loop {
            let query = diesel::sql_query(EXPIRED_PARTIES.text(conn.backend()))
                .bind::<BigInt, _>(committee_id)
                .bind::<Timestamp, _>(cutoff)
                .bind::<Timestamp, _>(cutoff)
                .bind::<Timestamp, _>(cutoff)
                .bind::<Timestamp, _>(cutoff);
            let rows: Vec<IdRow> = on_backend!(conn, c => query.load(c))?;
            if rows.is_empty() {
                break;
            }
            let ids: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
            total += anonymise(conn, committee_id, &ids, now)?;
        }
    }
    Ok(total)
}

fn anonymise(conn: &mut DbConn, committee_id: i64, ids: &[i64], now: NaiveDateTime) -> QueryResult<Anonymised> {
    audited(conn, &Actor::system(), committee_id, |conn, log| {
        let mut done = Anonymised { parties: ids.len(), ..Anonymised::default() };
        // Their names, where the cases' texts mention them (a name of one
        // character would match too much).
        let names: Vec<(i64, String)> = case_party::table
            .inner_join(party::table)
            .filter(case_party::party_id.eq_any(ids))
            .select((case_party::case_id, party::name))
            .load(conn)?;
        for id in ids {
            diesel::update(party::table.find(id))
                .set((
                    party::name.eq(ANONYMISED_NAME),
                    party::sex.eq(None::<String>),
                    party::ethnicity.eq(None::<String>),
                    party::birth_year.eq(None::<i32>),
                    party::occupation.eq(None::<String>),
                    party::phone.eq(None::<String>),
                    party::address.eq(None::<String>),
                    party::organisation.eq(None::<String>),
                    party::id_number.eq(None::<String>),
                    // Not a code the portal could be given: it has a '-'.
                    party::access_code.eq(format!("-{id}")),
                    party::access_key.eq(None::<String>),
                    party::pin_hash.eq(None::<String>),
                    party::anonymised_at.eq(now),
                ))
                .execute(conn)?;
            log.record("party.anonymise", "party", id, json!({"party": id}));
        }
        diesel::update(case_party::table.filter(case_party::party_id.eq_any(ids)))
            .set(case_party::represents.eq(None::<String>))
            .execute(conn)?;
        let cases: Vec<i64> = case_party::table
            .filter(case_party::party_id.eq_any(ids))
            .select(case_party::case_id)
            .distinct()
            .load(conn)?;

        for (case_id, name) in names.iter().filter(|(_, n)| n.chars().count() > 1) {
            scrub(conn, *case_id, name)?;
        }
        // An anonymised name is no longer found by a search.
        for id in ids {
            crate::db::cases::search_index::refresh_for_party(conn, *id)?;
        }

        // The snapshots frozen with agreements name the parties too.
        let snapshots: Vec<(i64, i64, Option<String>)> = agreement::table
            .filter(agreement::case_id.eq_any(&cases))
            .select((agreement::id, agreement::case_id, agreement::content_json))
            .load(conn)?;
        for (agreement_id, case_id, content) in snapshots {
            let case_names: Vec<&str> =
                names.iter().filter(|(c, n)| *c == case_id && n.chars().count() > 1).map(|(_, n)| n.as_str()).collect();
            let replace = |text: &str| case_names.iter().fold(text.to_owned(), |t, n| t.replace(n, ANONYMISED_NAME));
            let texts: (String, String, Option<String>) = agreement::table
                .find(agreement_id)
                .select((agreement::facts, agreement::disputed_matters, agreement::responsibilities))
                .first(conn)?;
            let mut value = content.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok());
            let mut changed = false;
            for field in ["facts", "disputed_matters", "responsibilities"] {
                if let Some(v) = value.as_mut()
                    && let Some(text) = v[field].as_str()
                {
                    let scrubbed = replace(text);
                    changed |= scrubbed != text;
                    v[field] = json!(scrubbed);
                }
            }
            // Terms whose text names a party (generated texts name the one
            // bound) are scrubbed in the snapshot; the term rows stay as signed.
            for term in value.as_mut().and_then(|v| v["terms"].as_array_mut()).into_iter().flatten() {
                if let Some(text) = term["text"].as_str() {
                    let scrubbed = replace(text);
                    changed |= scrubbed != text;
                    term["text"] = json!(scrubbed);
                }
            }
            let scrubbed_texts = (replace(&texts.0), replace(&texts.1), texts.2.as_deref().map(replace));
            changed |= scrubbed_texts != texts;
            let Some(mut value) = value else {
                if changed {
                    diesel::update(agreement::table.find(agreement_id))
                        .set((
                            agreement::facts.eq(&scrubbed_texts.0),
                            agreement::disputed_matters.eq(&scrubbed_texts.1),
                            agreement::responsibilities.eq(&scrubbed_texts.2),
                        ))
                        .execute(conn)?;
                }
                continue;
            };
            for p in value["parties"].as_array_mut().into_iter().flatten() {
                if p["party_id"].as_i64().is_some_and(|id| ids.contains(&id)) {
                    for field in [
                        "sex",
                        "ethnicity",
                        "birth_year",
                        "occupation",
                        "phone",
                        "address",
                        "organisation",
                        "represents",
                    ] {
                        p[field] = Value::Null;
                    }
                    p["name"] = json!(ANONYMISED_NAME);
                    changed = true;
                }
            }
            if changed {
                let content = canonical(&value);
                diesel::update(agreement::table.find(agreement_id))
                    .set((
                        agreement::content_json.eq(&content),
                        agreement::facts.eq(&scrubbed_texts.0),
                        agreement::disputed_matters.eq(&scrubbed_texts.1),
                        agreement::responsibilities.eq(&scrubbed_texts.2),
                        agreement::anonymised_at.eq(now),
                    ))
                    .execute(conn)?;
                // What the snapshot hashes to now, so that `audit verify`
                // can tell this change from a tampering.
                log.record(
                    "agreement.anonymise",
                    "agreement",
                    agreement_id,
                    json!({"parties": ids.len(), "content_sha256": content_hash(&content)}),
                );
                done.agreements += 1;
            }
        }
        done.signatures = diesel::update(
            signature::table.filter(signature::party_id.eq_any(ids)).filter(signature::anonymised_at.is_null()),
        )
        .set((
            signature::signer_name.eq(ANONYMISED_NAME),
            signature::image_png.eq(None::<Vec<u8>>),
            signature::anonymised_at.eq(now),
        ))
        .execute(conn)?;

        // Archived documents print the parties: their bytes go, their hashes stay.
        let documents: Vec<i64> = document_archive::table
            .filter(document_archive::case_id.eq_any(&cases))
            .filter(document_archive::erased_at.is_null())
            .select(document_archive::id)
            .load(conn)?;
        for id in &documents {
            diesel::update(document_archive::table.find(id))
                .set((document_archive::bytes.eq(Vec::<u8>::new()), document_archive::erased_at.eq(now)))
                .execute(conn)?;
            log.record("document.erase", "document", id, json!({"reason": "retention"}));
        }
        done.documents = documents.len();
        // The frozen parts of the cases' agreements and follow-ups as the
        // anonymisation left them, for `audit verify` to tell this change
        // from a tampering.
        let frozen: Vec<i64> = agreement::table
            .filter(agreement::case_id.eq_any(&cases))
            .filter(agreement::content_hash.is_not_null())
            .select(agreement::id)
            .load(conn)?;
        for id in frozen {
            log.record(
                "agreement.parts",
                "agreement",
                id,
                json!({"parts_sha256": super::integrity::agreement_parts(conn, id)?}),
            );
        }
        let visits: Vec<i64> =
            follow_up::table.filter(follow_up::case_id.eq_any(&cases)).select(follow_up::id).load(conn)?;
        for id in visits {
            log.record(
                "follow_up.parts",
                "follow_up",
                id,
                json!({"sha256": super::integrity::follow_up_parts(conn, id)?}),
            );
        }
        let jobs: Vec<(i64, Json<Vec<JobItem>>)> = print_job::table
            .filter(print_job::committee_id.eq(committee_id))
            .filter(print_job::pdf.is_not_null())
            .select((print_job::id, print_job::items))
            .load(conn)?;
        for (job, Json(items)) in jobs {
            if items.iter().any(|i| cases.contains(&i.case_id)) {
                diesel::update(print_job::table.find(job)).set(print_job::pdf.eq(None::<Vec<u8>>)).execute(conn)?;
                done.print_jobs += 1;
            }
        }
        Ok(done)
    })
}

/// Effective agreements whose frozen snapshot hashes neither to the hash
/// recorded when it took effect nor to the one recorded by its latest
/// anonymisation in the audit chain: changed behind the application's back.
pub fn unmatched_snapshots(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    let frozen: Vec<(i64, String, Option<String>)> = agreement::table
        .filter(agreement::content_hash.is_not_null())
        .order(agreement::id)
        .select((agreement::id, agreement::content_hash.assume_not_null(), agreement::content_json))
        .load(conn)?;
    let mut unmatched = Vec::new();
    for (id, signed, content) in frozen {
        let actual = content_hash(content.as_deref().unwrap_or_default());
        if actual == signed {
            continue;
        }
        let recorded: Option<String> = audit_event::table
            .filter(audit_event::action.eq("agreement.anonymise"))
            .filter(audit_event::entity.eq("agreement"))
            .filter(audit_event::entity_id.eq(id.to_string()))
            .order((audit_event::chain.desc(), audit_event::seq.desc()))
            .select(audit_event::summary)
            .first(conn)
            .optional()?;
        let anonymised = recorded
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .and_then(|v| v["content_sha256"].as_str().map(str::to_owned));
        if anonymised.as_deref() != Some(actual.as_str()) {
            unmatched.push(id);
        }
    }
    Ok(unmatched)
}
