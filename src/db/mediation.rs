//! Mediation sessions, community meetings and the legal library they cite.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::audited;
use super::cases;
use super::codes::Json;
use super::schema::{community_meeting, legal_reference, mediation_session, meeting_reference, session_reference};
use super::{DbConn, WriteError};
use crate::domain::Invalid;
use crate::domain::audit::Actor;
use crate::domain::commands::mediation::{NewMeeting, NewSession, Statement};

/// An article of the legal library.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, utoipa::ToSchema)]
#[diesel(table_name = legal_reference)]
pub struct LegalReference {
    /// Id.
    pub id: i64,
    /// Stable code, e.g. `npl_64`.
    pub code: String,
    /// The law's name in Chinese.
    pub law_zh: String,
    /// The law's name in English.
    pub law_en: String,
    /// Article number.
    pub article: i32,
    /// The article's text.
    pub text_zh: String,
    /// An English rendering (unofficial).
    pub text_en: String,
}

/// The whole library, by law and article.
pub fn library(conn: &mut DbConn) -> QueryResult<Vec<LegalReference>> {
    legal_reference::table.order(legal_reference::id).select(LegalReference::as_select()).load(conn)
}

/// Resolves cited codes; unknown codes name their field.
fn resolve(conn: &mut DbConn, codes: &[String]) -> Result<Vec<LegalReference>, WriteError> {
    let mut found = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let r = legal_reference::table
            .filter(legal_reference::code.eq(code))
            .select(LegalReference::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                WriteError::field(format!("legal_references[{i}]"), Invalid::new("invalid.no_such_reference"))
            })?;
        if !found.iter().any(|f: &LegalReference| f.id == r.id) {
            found.push(r);
        }
    }
    Ok(found)
}

/// A mediation session as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mediation_session)]
pub struct Session {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// When held.
    pub held_at: NaiveDateTime,
    /// Where.
    pub place: String,
    /// The matter mediated.
    pub matter: Option<String>,
    /// Mediators present.
    pub mediators: String,
    /// Recorder.
    pub recorder: String,
    /// Others present.
    pub attendees: Option<String>,
    /// Statements, JSON.
    pub statements: Json<Vec<Statement>>,
    /// Findings.
    pub findings: Option<String>,
    /// Risks explained to the parties.
    pub risks_explained: Option<String>,
    /// agreed / continued / failed.
    pub outcome: String,
    /// Why mediation failed.
    pub failure_reason: Option<String>,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

impl Session {
    /// The statements.
    pub fn statements(&self) -> Vec<Statement> {
        self.statements.0.clone()
    }
}

fn open_case(conn: &mut DbConn, committee_id: i64, case_id: i64) -> Result<(), WriteError> {
    if cases::find(conn, committee_id, case_id)?.status().is_closed() {
        return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
    }
    Ok(())
}

/// Records a session and the articles cited at it.
pub fn record_session(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    new: &NewSession,
    now: NaiveDateTime,
) -> Result<Session, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        open_case(conn, committee_id, case_id)?;
        let refs = resolve(conn, &new.references)?;
        let row = diesel::insert_into(mediation_session::table)
            .values((
                mediation_session::case_id.eq(case_id),
                mediation_session::held_at.eq(new.held_at),
                mediation_session::place.eq(&new.place),
                mediation_session::matter.eq(&new.matter),
                mediation_session::mediators.eq(&new.mediators),
                mediation_session::recorder.eq(&new.recorder),
                mediation_session::attendees.eq(&new.attendees),
                mediation_session::statements
                    .eq(serde_json::to_string(&new.statements).unwrap_or_else(|_| "[]".into())),
                mediation_session::findings.eq(&new.findings),
                mediation_session::risks_explained.eq(&new.risks_explained),
                mediation_session::outcome.eq(&new.outcome),
                mediation_session::failure_reason.eq(&new.failure_reason),
                mediation_session::created_by.eq(actor.id),
                mediation_session::created_at.eq(now),
            ))
            .returning(mediation_session::id)
            .get_result::<i64>(conn)
            .and_then(|id| mediation_session::table.find(id).select(Session::as_select()).first(conn))?;
        for r in &refs {
            diesel::insert_into(session_reference::table)
                .values((session_reference::session_id.eq(row.id), session_reference::legal_reference_id.eq(r.id)))
                .execute(conn)?;
        }
        log.record(
            "session.create",
            "session",
            row.id,
            json!({"case_id": case_id, "outcome": row.outcome, "references": refs.iter().map(|r| &r.code).collect::<Vec<_>>()}),
        );
        Ok(row)
    })
}

/// Sessions of a case, oldest first.
pub fn sessions_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Session>> {
    sessions_of_cases(conn, &[case_id])
}

/// Sessions of cases `case_ids`, by case, each case's oldest first.
pub fn sessions_of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<Session>> {
    mediation_session::table
        .filter(mediation_session::case_id.eq_any(case_ids))
        .order((mediation_session::case_id, mediation_session::held_at, mediation_session::id))
        .select(Session::as_select())
        .load(conn)
}

/// The articles cited at a session.
pub fn session_references(conn: &mut DbConn, session_id: i64) -> QueryResult<Vec<LegalReference>> {
    Ok(session_references_of(conn, &[session_id])?.into_iter().map(|(_, r)| r).collect())
}

/// The articles cited at sessions `session_ids`, each with its session, by
/// session and article.
pub fn session_references_of(conn: &mut DbConn, session_ids: &[i64]) -> QueryResult<Vec<(i64, LegalReference)>> {
    session_reference::table
        .inner_join(legal_reference::table)
        .filter(session_reference::session_id.eq_any(session_ids))
        .order((session_reference::session_id, legal_reference::id))
        .select((session_reference::session_id, LegalReference::as_select()))
        .load(conn)
}

/// A community meeting as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = community_meeting)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// When held.
    pub held_at: NaiveDateTime,
    /// Where.
    pub place: String,
    /// Who attended.
    pub attendees: String,
    /// How many attended.
    pub attendance: i32,
    /// What was explained (the law, the standards).
    pub explanations: String,
    /// Votes for.
    pub votes_for: i32,
    /// Votes against.
    pub votes_against: i32,
    /// Abstentions.
    pub votes_abstain: i32,
    /// What was resolved.
    pub resolution: Option<String>,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
    /// Who chaired it, when recorded.
    pub chair: Option<String>,
}

/// Records a community meeting.
pub fn record_meeting(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    new: &NewMeeting,
    now: NaiveDateTime,
) -> Result<Meeting, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        open_case(conn, committee_id, case_id)?;
        let refs = resolve(conn, &new.references)?;
        let row = diesel::insert_into(community_meeting::table)
            .values((
                community_meeting::case_id.eq(case_id),
                community_meeting::held_at.eq(new.held_at),
                community_meeting::place.eq(&new.place),
                community_meeting::attendees.eq(&new.attendees),
                community_meeting::attendance.eq(new.attendance),
                community_meeting::explanations.eq(&new.explanations),
                community_meeting::votes_for.eq(new.votes_for),
                community_meeting::votes_against.eq(new.votes_against),
                community_meeting::votes_abstain.eq(new.votes_abstain),
                community_meeting::resolution.eq(&new.resolution),
                community_meeting::chair.eq(&new.chair),
                community_meeting::created_by.eq(actor.id),
                community_meeting::created_at.eq(now),
            ))
            .returning(community_meeting::id)
            .get_result::<i64>(conn)
            .and_then(|id| community_meeting::table.find(id).select(Meeting::as_select()).first(conn))?;
        for r in &refs {
            diesel::insert_into(meeting_reference::table)
                .values((meeting_reference::meeting_id.eq(row.id), meeting_reference::legal_reference_id.eq(r.id)))
                .execute(conn)?;
        }
        log.record(
            "meeting.create",
            "meeting",
            row.id,
            json!({"case_id": case_id, "attendance": row.attendance, "for": row.votes_for, "against": row.votes_against, "abstain": row.votes_abstain}),
        );
        Ok(row)
    })
}

/// Meetings of a case, oldest first.
pub fn meetings_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Meeting>> {
    meetings_of_cases(conn, &[case_id])
}

/// Community meetings of cases `case_ids`, by case, each case's oldest first.
pub fn meetings_of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<Meeting>> {
    community_meeting::table
        .filter(community_meeting::case_id.eq_any(case_ids))
        .order((community_meeting::case_id, community_meeting::held_at, community_meeting::id))
        .select(Meeting::as_select())
        .load(conn)
}

/// The articles cited at a meeting.
pub fn meeting_references(conn: &mut DbConn, meeting_id: i64) -> QueryResult<Vec<LegalReference>> {
    Ok(meeting_references_of(conn, &[meeting_id])?.into_iter().map(|(_, r)| r).collect())
}

/// The articles cited at meetings `meeting_ids`, each with its meeting, by
/// meeting and article.
pub fn meeting_references_of(conn: &mut DbConn, meeting_ids: &[i64]) -> QueryResult<Vec<(i64, LegalReference)>> {
    meeting_reference::table
        .inner_join(legal_reference::table)
        .filter(meeting_reference::meeting_id.eq_any(meeting_ids))
        .order((meeting_reference::meeting_id, legal_reference::id))
        .select((meeting_reference::meeting_id, LegalReference::as_select()))
        .load(conn)
}
