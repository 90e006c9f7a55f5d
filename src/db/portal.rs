//! What the resident portal reads and writes for one party.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::agreements::{self, Agreement};
use super::audit::audited;
use super::cases::{self, Case};
use super::committees::Committee;
use super::complaints::Complaint;
use super::follow_ups::{self, FollowUpOutcome};
use super::parties::{CaseParty, Party};
use super::schema::{case_party, complaint, follow_up, mediation_case, party, portal_session};
use super::{DbConn, WriteError};
use crate::domain::audit::Actor;
use crate::domain::commands::follow_up::NewFollowUp;
use crate::domain::complaint::location_key;
use crate::domain::follow_up::VisitMethod;

/// Starts a resident's portal session (`id_hash`: SHA-256 of the id in
/// the cookie).
pub fn start_session(conn: &mut DbConn, id_hash: &str, party_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(portal_session::table)
        .values((
            portal_session::id_hash.eq(id_hash),
            portal_session::party_id.eq(party_id),
            portal_session::created_at.eq(now),
            portal_session::large_type.eq(false),
        ))
        .execute(conn)
        .map(drop)
}

/// The party of a portal session begun after `since`, and whether it
/// chose large type; `None` for an unknown, ended or expired session, or
/// a party anonymised since.
pub fn session(conn: &mut DbConn, id_hash: &str, since: NaiveDateTime) -> QueryResult<Option<(Party, bool)>> {
    portal_session::table
        .inner_join(party::table)
        .filter(portal_session::id_hash.eq(id_hash))
        .filter(portal_session::created_at.gt(since))
        .filter(party::anonymised_at.is_null())
        .select((Party::as_select(), portal_session::large_type))
        .first(conn)
        .optional()
}

/// Ends a portal session.
pub fn end_session(conn: &mut DbConn, id_hash: &str) -> QueryResult<()> {
    diesel::delete(portal_session::table.find(id_hash)).execute(conn).map(drop)
}

/// Records the session's choice of large type.
pub fn set_large_type(conn: &mut DbConn, id_hash: &str, large: bool) -> QueryResult<()> {
    diesel::update(portal_session::table.find(id_hash))
        .set(portal_session::large_type.eq(large))
        .execute(conn)
        .map(drop)
}

/// Forgets the portal sessions begun before `before`.
pub fn purge_sessions(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(portal_session::table.filter(portal_session::created_at.le(before))).execute(conn)
}

/// One party.
pub fn party(conn: &mut DbConn, id: i64) -> QueryResult<Party> {
    party::table.find(id).select(Party::as_select()).first(conn)
}

/// The cases a party is a party to, newest first.
pub fn cases_of(conn: &mut DbConn, party_id: i64) -> QueryResult<Vec<(CaseParty, Case)>> {
    case_party::table
        .inner_join(mediation_case::table)
        .filter(case_party::party_id.eq(party_id))
        .order(mediation_case::id.desc())
        .select((CaseParty::as_select(), Case::as_select()))
        .load(conn)
}

/// A case of the party (404 for any other case).
pub fn case_of(conn: &mut DbConn, party_id: i64, case_id: i64) -> QueryResult<(CaseParty, Case)> {
    case_party::table
        .inner_join(mediation_case::table)
        .filter(case_party::party_id.eq(party_id).and(case_party::case_id.eq(case_id)))
        .select((CaseParty::as_select(), Case::as_select()))
        .first(conn)
}

/// The complaints a party made, newest first.
pub fn complaints_of(conn: &mut DbConn, party_id: i64) -> QueryResult<Vec<(Complaint, Option<String>)>> {
    complaint::table
        .left_join(mediation_case::table)
        .filter(complaint::reporter_party_id.eq(party_id))
        .order(complaint::id.desc())
        .limit(50)
        .select((Complaint::as_select(), mediation_case::status.nullable()))
        .load(conn)
}

/// The agreements of a party's case that were signed (or registered),
/// newest version first.
pub fn signed_agreements(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Agreement>> {
    let mut list: Vec<Agreement> =
        agreements::of_case(conn, case_id)?.into_iter().filter(|a| a.status().is_frozen()).collect();
    list.reverse();
    Ok(list)
}

/// The last answers a party gave about an agreement.
pub fn last_answer(
    conn: &mut DbConn,
    party_id: i64,
    agreement_id: i64,
) -> QueryResult<Option<(String, NaiveDateTime)>> {
    follow_up::table
        .filter(follow_up::reported_by_party_id.eq(party_id).and(follow_up::agreement_id.eq(agreement_id)))
        .filter(follow_up::resident_answer.is_not_null())
        .order(follow_up::id.desc())
        .select((follow_up::resident_answer.assume_not_null(), follow_up::visited_at))
        .first(conn)
        .optional()
}

/// What a party said about an agreement.
#[derive(Debug, Clone)]
pub struct Answer {
    /// kept, partly or not_kept.
    pub answer: &'static str,
    /// In their words.
    pub note: Option<String>,
    /// 1–5.
    pub satisfaction: Option<i32>,
    /// How a "not kept" complaint is described when there is no note.
    pub default_description: String,
}

/// Records a party's report on an agreement as a follow-up; "not kept"
/// also opens a complaint in the case, so that the committee acts on it.
pub fn report(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    reporter: &Party,
    agreement_id: i64,
    answer: &Answer,
    now: NaiveDateTime,
) -> Result<FollowUpOutcome, WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        let a = agreements::find_any(conn, agreement_id)?;
        case_of(conn, reporter.id, a.case_id)?;
        let new = NewFollowUp {
            visited_at: now,
            visitor: reporter.name.clone(),
            method: VisitMethod::ResidentReport,
            observations: Vec::new(),
            satisfaction: answer.satisfaction,
            lawsuit: false,
            risk_signs: None,
            measures: None,
            notes: answer.note.clone(),
            mark_fulfilled: false,
            reported_by_party_id: Some(reporter.id),
            resident_answer: Some(answer.answer.to_owned()),
        };
        let outcome = follow_ups::record_in(conn, log, actor, committee, agreement_id, &new, now)?;
        if answer.answer == "not_kept" {
            let case = cases::find(conn, committee.id, a.case_id)?;
            let category: String = complaint::table
                .filter(complaint::case_id.eq(case.id))
                .order(complaint::id)
                .select(complaint::category)
                .first(conn)
                .optional()?
                .unwrap_or_else(|| "other".to_owned());
            let location = case.location.clone().or_else(|| reporter.address.clone()).unwrap_or_default();
            let description = answer.note.clone().unwrap_or_else(|| answer.default_description.clone());
            let id = diesel::insert_into(complaint::table)
                .values((
                    complaint::committee_id.eq(committee.id),
                    complaint::received_at.eq(now),
                    complaint::channel.eq("online"),
                    complaint::category.eq(&category),
                    complaint::location_key.eq(location_key(&location)),
                    complaint::location.eq(&location),
                    complaint::description.eq(&description),
                    complaint::reporter_party_id.eq(reporter.id),
                    complaint::anonymous.eq(false),
                    complaint::case_id.eq(case.id),
                    complaint::created_at.eq(now),
                ))
                .returning(complaint::id)
                .get_result::<i64>(conn)?;
            crate::db::complaint_search::index(conn, committee.id, id, &location, &description)?;
            crate::db::reports::rollup::complaint_received(
                conn,
                &crate::db::reports::rollup::Received {
                    committee_id: committee.id,
                    offset_minutes: committee.utc_offset_minutes,
                    received_at: now,
                    channel: "online",
                    location: &location,
                    location_key: &location_key(&location),
                },
            )?;
            crate::db::cases::search_index::refresh(conn, &[case.id])?;
            log.record(
                "complaint.create",
                "complaint",
                id,
                json!({"channel": "online", "case_id": case.id, "from": "resident_report", "follow_up_id": outcome.follow_up.id}),
            );
        }
        Ok(outcome)
    })
}
