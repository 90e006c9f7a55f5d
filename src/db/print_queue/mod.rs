//! The print queue, batch print jobs and the copy register.

mod jobs;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::DbConn;
use super::audit::audited;
use super::codes::Json;
use super::parties;
use super::schema::{agreement, app_user, document_copy, mediation_case, print_job, print_request};
use crate::domain::audit::Actor;

pub use jobs::*;

/// A document waiting to be printed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = print_request)]
pub struct PrintRequest {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// Case.
    pub case_id: i64,
    /// Document kind code.
    pub kind: String,
    /// Copies wanted.
    pub copies: i32,
    /// Note for the printer (e.g. for whom).
    pub note: Option<String>,
    /// Who asked.
    pub requested_by: Option<i64>,
    /// When.
    pub requested_at: NaiveDateTime,
    /// The job that printed it.
    pub job_id: Option<i64>,
    /// When printed.
    pub printed_at: Option<NaiveDateTime>,
}

/// A document to print.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    /// Case.
    pub case_id: i64,
    /// Kind code.
    pub kind: &'a str,
    /// Copies.
    pub copies: i32,
    /// Note for the printer.
    pub note: Option<&'a str>,
}

/// Asks for a document to be printed.
pub fn request(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    new: &NewRequest<'_>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let NewRequest { case_id, kind, copies, note } = *new;
    audited(conn, actor, committee_id, |conn, log| {
        mediation_case::table
            .filter(mediation_case::id.eq(case_id).and(mediation_case::committee_id.eq(committee_id)))
            .select(mediation_case::id)
            .first::<i64>(conn)?;
        let id = diesel::insert_into(print_request::table)
            .values((
                print_request::committee_id.eq(committee_id),
                print_request::case_id.eq(case_id),
                print_request::kind.eq(kind),
                print_request::copies.eq(copies),
                print_request::note.eq(note),
                print_request::requested_by.eq(actor.id),
                print_request::requested_at.eq(now),
            ))
            .returning(print_request::id)
            .get_result::<i64>(conn)?;
        log.record("print.request", "print_request", id, json!({"case_id": case_id, "kind": kind, "copies": copies}));
        Ok(id)
    })
}

/// An entry of the queue: a request, or an effective agreement never printed.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    /// The request, when asked for.
    pub request: Option<PrintRequest>,
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
    /// Kind code.
    pub kind: String,
    /// Copies.
    pub copies: i32,
    /// For whom.
    pub recipient: Option<String>,
}

/// The queue: open requests, oldest first, then effective agreements of
/// which no copy has been printed: one copy for each party who signs it
/// and one, `kept`, for the committee's file.
pub fn queue(conn: &mut DbConn, committee_id: i64, kept: &str) -> QueryResult<Vec<QueueEntry>> {
    let requests: Vec<(PrintRequest, (String, String))> = print_request::table
        .inner_join(mediation_case::table)
        .filter(print_request::committee_id.eq(committee_id))
        .filter(print_request::printed_at.is_null())
        .order(print_request::id)
        .limit(500)
        .select((PrintRequest::as_select(), (mediation_case::number, mediation_case::title)))
        .load(conn)?;
    let mut out: Vec<QueueEntry> = requests
        .into_iter()
        .map(|(r, (number, title))| QueueEntry {
            case_id: r.case_id,
            number,
            title,
            kind: r.kind.clone(),
            copies: r.copies,
            recipient: r.note.clone(),
            request: Some(r),
        })
        .collect();
    let unprinted: Vec<(i64, String, String, String, Option<i32>)> = agreement::table
        .inner_join(mediation_case::table)
        .filter(mediation_case::committee_id.eq(committee_id))
        .filter(agreement::status.eq("effective"))
        .order(agreement::id)
        .limit(500)
        .select((mediation_case::id, mediation_case::number, mediation_case::title, agreement::kind, agreement::copies))
        .load(conn)?;
    for (case_id, number, title, kind, copies) in unprinted {
        let kind = if kind == "oral" { "oral_agreement" } else { "agreement" };
        let printed = document_copy::table
            .filter(document_copy::case_id.eq(case_id))
            .filter(document_copy::kind.eq(kind))
            .count()
            .get_result::<i64>(conn)?;
        let queued = out.iter().any(|e| e.case_id == case_id && e.kind == kind);
        if printed == 0 && !queued {
            let mut names: Vec<String> = parties::of_case(conn, case_id)?
                .into_iter()
                .filter(|(cp, _)| cp.role().signs_agreements())
                .map(|(_, p)| p.name)
                .collect();
            names.push(kept.to_owned());
            out.push(QueueEntry {
                request: None,
                case_id,
                number,
                title,
                kind: kind.to_owned(),
                copies: copies.unwrap_or(3),
                recipient: Some(names.join("、")),
            });
        }
    }
    Ok(out)
}

/// A line of the copy register.
#[derive(Debug, Clone, Queryable)]
pub struct CopyLine {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Kind code.
    pub kind: String,
    /// Copies.
    pub copies: i32,
    /// Pages of one copy.
    pub pages: i32,
    /// SHA-256 of one copy.
    pub sha256: String,
    /// For whom.
    pub recipient: Option<String>,
    /// Job.
    pub job_id: Option<i64>,
    /// Who printed.
    pub printed_by: Option<String>,
    /// When.
    pub printed_at: NaiveDateTime,
}

/// The copy register, newest first.
pub fn register(
    conn: &mut DbConn,
    committee_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CopyLine>> {
    let mut query = document_copy::table
        .inner_join(mediation_case::table)
        .left_join(app_user::table.on(app_user::id.nullable().eq(document_copy::printed_by)))
        .filter(document_copy::committee_id.eq(committee_id))
        .order(document_copy::id.desc())
        .limit(limit)
        .select((
            document_copy::id,
            document_copy::case_id,
            mediation_case::number,
            document_copy::kind,
            document_copy::copies,
            document_copy::pages,
            document_copy::sha256,
            document_copy::recipient,
            document_copy::job_id,
            app_user::display_name.nullable(),
            document_copy::printed_at,
        ))
        .into_boxed();
    if let Some(before) = before_id {
        query = query.filter(document_copy::id.lt(before));
    }
    query.load(conn)
}
