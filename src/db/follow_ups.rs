//! Follow-up visits and the compliance they find.

use crate::db::codes::Code;
use crate::domain::follow_up::VisitMethod;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::agreements::{self, Agreement};
use super::audit::{AuditLog, audited};
use super::cases;
use super::committees::Committee;
use super::schema::{follow_up, follow_up_observation};
use super::{DbConn, WriteError};
use crate::domain::Invalid;
use crate::domain::agreement::AgreementStatus;
use crate::domain::audit::Actor;
use crate::domain::case::CaseStatus;
use crate::domain::commands::follow_up::NewFollowUp;
use crate::domain::follow_up::{Compliance, assess, overall};

/// A follow-up as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = follow_up)]
pub struct FollowUp {
    /// Id.
    pub id: i64,
    /// Agreement followed up.
    pub agreement_id: i64,
    /// Case.
    pub case_id: i64,
    /// When.
    pub visited_at: NaiveDateTime,
    /// Who visited.
    pub visitor: String,
    /// Method code.
    pub method: Code<VisitMethod>,
    /// Satisfaction 1–5.
    pub satisfaction: Option<i32>,
    /// Whether a lawsuit was filed.
    pub lawsuit: bool,
    /// Signs of escalation or hidden risk.
    pub risk_signs: Option<String>,
    /// Measures taken.
    pub measures: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// kept / breached / unknown.
    pub overall: String,
    /// A party who reported through the portal.
    pub reported_by_party_id: Option<i64>,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
    /// What a party answered through the resident portal.
    pub resident_answer: Option<String>,
}

/// What was observed for one term.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = follow_up_observation)]
pub struct ObservationRow {
    /// Id.
    pub id: i64,
    /// Follow-up.
    pub follow_up_id: i64,
    /// Term position, from 1.
    pub term_position: i32,
    /// Observed end.
    pub observed_end: Option<String>,
    /// Measured level.
    pub measured_db: Option<f64>,
    /// Indicative reading.
    pub indicative: bool,
    /// Reported result.
    pub reported_result: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Result.
    pub result: String,
}

/// What the follow-up found.
#[derive(Debug, Clone)]
pub struct FollowUpOutcome {
    /// The record.
    pub follow_up: FollowUp,
    /// Compliance per term index (from 0).
    pub compliance: Vec<(usize, Compliance)>,
    /// The agreement afterwards.
    pub agreement: Agreement,
}

/// Records a follow-up: assesses every term, and a breach marks the
/// agreement and the case breached; every term kept with `mark_fulfilled`
/// marks them fulfilled.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    agreement_id: i64,
    new: &NewFollowUp,
    now: NaiveDateTime,
) -> Result<FollowUpOutcome, WriteError> {
    audited(conn, actor, committee.id, |conn, log| record_in(conn, log, actor, committee, agreement_id, new, now))
}

/// [`record`] inside a caller's audited write.
pub fn record_in(
    conn: &mut DbConn,
    log: &mut AuditLog,
    actor: &Actor,
    committee: &Committee,
    agreement_id: i64,
    new: &NewFollowUp,
    now: NaiveDateTime,
) -> Result<FollowUpOutcome, WriteError> {
    let (a, case) = agreements::find(conn, committee.id, agreement_id)?;
    if !matches!(a.status(), AgreementStatus::Effective | AgreementStatus::Breached | AgreementStatus::Fulfilled) {
        return Err(WriteError::conflict(
            Invalid::new("conflict.follow_up_needs_effective").with("status", a.status()),
        ));
    }
    let terms = agreements::content(conn, committee, &a, &case)?.terms;
    for (i, (index, _, _)) in new.observations.iter().enumerate() {
        if *index >= terms.len() {
            return Err(WriteError::field(
                format!("observations[{i}].term_index"),
                Invalid::new("invalid.no_such_term"),
            ));
        }
    }
    let compliance: Vec<(usize, Compliance)> = terms
        .iter()
        .enumerate()
        .map(|(i, term)| {
            let obs = new.observations.iter().find(|(index, _, _)| *index == i).map(|(_, o, _)| o);
            (i, assess(term, obs))
        })
        .collect();
    let results: Vec<Compliance> = compliance.iter().map(|(_, r)| *r).collect();
    let finding = overall(&results);
    let row = diesel::insert_into(follow_up::table)
        .values((
            follow_up::agreement_id.eq(a.id),
            follow_up::case_id.eq(case.id),
            follow_up::visited_at.eq(new.visited_at),
            follow_up::visitor.eq(&new.visitor),
            follow_up::method.eq(new.method.code()),
            follow_up::satisfaction.eq(new.satisfaction),
            follow_up::lawsuit.eq(new.lawsuit),
            follow_up::risk_signs.eq(&new.risk_signs),
            follow_up::measures.eq(&new.measures),
            follow_up::notes.eq(&new.notes),
            follow_up::overall.eq(finding.code()),
            follow_up::reported_by_party_id.eq(new.reported_by_party_id),
            follow_up::resident_answer.eq(&new.resident_answer),
            follow_up::created_by.eq(actor.id),
            follow_up::created_at.eq(now),
        ))
        .returning(follow_up::id)
        .get_result::<i64>(conn)
        .and_then(|id| follow_up::table.find(id).select(FollowUp::as_select()).first(conn))?;
    crate::db::reports::rollup::follow_up_changed(conn, row.id)?;
    for (index, obs, note) in &new.observations {
        diesel::insert_into(follow_up_observation::table)
            .values((
                follow_up_observation::follow_up_id.eq(row.id),
                follow_up_observation::term_position.eq(i32::try_from(index + 1).unwrap_or(i32::MAX)),
                follow_up_observation::observed_end.eq(obs.observed_end.map(|t| t.to_string())),
                follow_up_observation::measured_db.eq(obs.measured_db),
                follow_up_observation::indicative.eq(obs.indicative),
                follow_up_observation::reported_result.eq(obs.reported.map(Compliance::code)),
                follow_up_observation::note.eq(note),
                follow_up_observation::result.eq(compliance[*index].1.code()),
            ))
            .execute(conn)?;
    }
    let sha256 = super::integrity::follow_up_parts(conn, row.id)?;
    log.record(
        "follow_up.create",
        "follow_up",
        row.id,
        json!({
            "sha256": sha256,
            "agreement_id": a.id,
            "method": row.method,
            "overall": row.overall,
            "compliance": compliance.iter().map(|(i, r)| json!({"term_index": i, "result": r.code()})).collect::<Vec<_>>(),
            "satisfaction": row.satisfaction,
        }),
    );
    if finding == Compliance::Breached {
        if a.status() == AgreementStatus::Effective || a.status() == AgreementStatus::Fulfilled {
            agreements::set_status(conn, log, a.id, AgreementStatus::Breached, now)?;
        }
        if case.status().next().contains(&CaseStatus::Breached) {
            cases::set_status(conn, log, actor, &case, CaseStatus::Breached, Some("follow-up found a breach"), now)?;
        }
    } else if finding == Compliance::Kept && new.mark_fulfilled && a.status() == AgreementStatus::Effective {
        agreements::set_status(conn, log, a.id, AgreementStatus::Fulfilled, now)?;
        if case.status().next().contains(&CaseStatus::Fulfilled) {
            cases::set_status(conn, log, actor, &case, CaseStatus::Fulfilled, None, now)?;
        }
    }
    let agreement = agreements::find(conn, committee.id, a.id)?.0;
    Ok(FollowUpOutcome { follow_up: row, compliance, agreement })
}

/// Follow-ups of a case, oldest first.
pub fn of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<FollowUp>> {
    of_cases(conn, &[case_id])
}

/// Follow-ups of cases `case_ids`, by case, each case's oldest first.
pub fn of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<FollowUp>> {
    follow_up::table
        .filter(follow_up::case_id.eq_any(case_ids))
        .order((follow_up::case_id, follow_up::visited_at, follow_up::id))
        .select(FollowUp::as_select())
        .load(conn)
}

/// Follow-ups of an agreement, oldest first.
pub fn of_agreement(conn: &mut DbConn, agreement_id: i64) -> QueryResult<Vec<FollowUp>> {
    follow_up::table
        .filter(follow_up::agreement_id.eq(agreement_id))
        .order(follow_up::visited_at)
        .select(FollowUp::as_select())
        .load(conn)
}

/// The observations of a follow-up.
pub fn observations(conn: &mut DbConn, follow_up_id: i64) -> QueryResult<Vec<ObservationRow>> {
    follow_up_observation::table
        .filter(follow_up_observation::follow_up_id.eq(follow_up_id))
        .order(follow_up_observation::term_position)
        .select(ObservationRow::as_select())
        .load(conn)
}
