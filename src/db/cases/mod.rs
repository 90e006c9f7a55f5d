//! Cases: numbering, parties, mediators, the state machine, referrals.

mod changes;
mod list;
pub mod search_index;

use crate::domain::case::{CaseSource, DisputeType};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use serde_json::json;

use super::audit::{AuditLog, audited};
use super::codes::Code;
use super::committees::Committee;
use super::parties;
use super::schema::{agreement, app_user, case_mediator, case_transition, mediation_case, referral};
use super::users::User;
use super::{DbConn, Sql, WriteError, complaints};
use crate::domain::Invalid;
use crate::domain::account::Role;
use crate::domain::audit::Actor;
use crate::domain::case::{CaseStatus, MoveError, MoveFacts, RiskLevel, check_move};
use crate::domain::clock::local_date;
use crate::domain::commands::case::{CaseChanges, MoveRequest, NewCase, NewCaseParty};
use crate::domain::commands::mediation::NewReferral;
use crate::on_backend;
use chrono::Datelike;

pub use changes::*;
pub use list::*;

/// A case as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mediation_case)]
pub struct Case {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// Case number, e.g. （2026）敦南人调字第1号.
    pub number: String,
    /// Year of the number.
    pub year: i32,
    /// Sequence within the committee and year.
    pub seq: i32,
    /// Short title.
    pub title: String,
    /// Dispute type code.
    pub dispute_type: Code<DisputeType>,
    /// Source code.
    pub source: Code<CaseSource>,
    /// Status code.
    pub status: Code<CaseStatus>,
    /// Risk level code.
    pub risk_level: Code<RiskLevel>,
    /// Whether sessions are public (Art 23).
    pub public_session: bool,
    /// Brief facts.
    pub facts: Option<String>,
    /// Where the dispute is.
    pub location: Option<String>,
    /// When registered.
    pub registered_at: NaiveDateTime,
    /// Why mediation was ended.
    pub termination_reason: Option<String>,
    /// Whether the other routes were explained on termination (Art 26).
    pub routes_explained: bool,
    /// Who registered it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
    /// What the applicant asks for, one per line.
    pub requests: Option<String>,
    /// Mediation prevented the dispute turning criminal (防止民转刑).
    pub prevented_criminal: bool,
    /// Mediation prevented a mass petition (防止群体性上访).
    pub prevented_petition: bool,
}

impl Case {
    /// The applicant's requests.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .as_deref()
            .map(|r| r.lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect())
            .unwrap_or_default()
    }

    /// The status; stored values are written from the enum only.
    pub fn status(&self) -> CaseStatus {
        self.status.get()
    }
}

#[derive(QueryableByName)]
struct Seq {
    #[diesel(sql_type = Integer)]
    last_seq: i32,
}

const ENSURE_COUNTER: Sql = Sql(
    "INSERT INTO case_counter (committee_id, year, last_seq) VALUES (?, ?, 0) ON CONFLICT (committee_id, year) DO NOTHING",
);

const NEXT_SEQ: Sql =
    Sql("UPDATE case_counter SET last_seq = last_seq + 1 WHERE committee_id = ? AND year = ? RETURNING last_seq");

/// The next number of a committee's year, taken in the creating
/// transaction: the counter row stays locked until commit, so numbers are
/// gapless and never reused, whichever instance creates the case.
fn next_seq(conn: &mut DbConn, committee_id: i64, year: i32) -> QueryResult<i32> {
    let backend = conn.backend();
    let ensure =
        diesel::sql_query(ENSURE_COUNTER.text(backend)).bind::<BigInt, _>(committee_id).bind::<Integer, _>(year);
    on_backend!(conn, c => ensure.execute(c))?;
    let next = diesel::sql_query(NEXT_SEQ.text(backend)).bind::<BigInt, _>(committee_id).bind::<Integer, _>(year);
    let row: Seq = on_backend!(conn, c => next.get_result(c))?;
    Ok(row.last_seq)
}

/// Users who may be assigned to mediate a committee's cases.
fn check_mediators(conn: &mut DbConn, committee_id: i64, ids: &[i64]) -> Result<(), WriteError> {
    for (i, id) in ids.iter().enumerate() {
        let role: Option<String> = app_user::table
            .filter(app_user::id.eq(id).and(app_user::committee_id.eq(committee_id)).and(app_user::active.eq(true)))
            .select(app_user::role)
            .first(conn)
            .optional()?;
        if !role.is_some_and(|r| r == Role::Mediator.code() || r == Role::Admin.code()) {
            return Err(WriteError::field(format!("mediator_ids[{i}]"), Invalid::new("invalid.not_a_mediator")));
        }
    }
    Ok(())
}

/// Registers a case: takes the next number, records the parties, puts the
/// complaints in and assigns the mediators, all in one transaction.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    new: &NewCase,
    now: NaiveDateTime,
) -> Result<Case, WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        check_mediators(conn, committee.id, &new.mediator_ids)?;
        let year = local_date(new.registered_at, committee.utc_offset_minutes).year();
        let seq = next_seq(conn, committee.id, year)?;
        let number = committee.settings()?.number_pattern.format(year, &committee.abbreviation, i64::from(seq));
        let case = diesel::insert_into(mediation_case::table)
            .values((
                mediation_case::committee_id.eq(committee.id),
                mediation_case::number.eq(&number),
                mediation_case::year.eq(year),
                mediation_case::seq.eq(seq),
                mediation_case::title.eq(&new.title),
                mediation_case::dispute_type.eq(new.dispute_type.code()),
                mediation_case::source.eq(new.source.code()),
                mediation_case::status.eq(CaseStatus::Registered.code()),
                mediation_case::risk_level.eq(new.risk_level.code()),
                mediation_case::public_session.eq(new.public_session),
                mediation_case::facts.eq(&new.facts),
                mediation_case::location.eq(&new.location),
                mediation_case::registered_at.eq(new.registered_at),
                mediation_case::routes_explained.eq(false),
                mediation_case::requests.eq((!new.requests.is_empty()).then(|| new.requests.join("\n"))),
                mediation_case::created_by.eq(actor.id),
                mediation_case::created_at.eq(now),
                mediation_case::updated_at.eq(now),
            ))
            .returning(mediation_case::id)
            .get_result::<i64>(conn)
            .and_then(|id| mediation_case::table.find(id).select(Case::as_select()).first(conn))?;
        for p in &new.parties {
            let party = parties::insert(conn, committee.id, &p.particulars, now)?;
            parties::link(conn, case.id, party.id, p.role, p.represents.as_deref())?;
            log.record("party.create", "party", party.id, json!({"case_id": case.id, "role": p.role.code()}));
        }
        complaints::attach_in(conn, committee.id, case.id, &new.complaint_ids)?;
        search_index::refresh(conn, &[case.id])?;
        crate::db::reports::rollup::case_changed(conn, case.id)?;
        for id in &new.mediator_ids {
            diesel::insert_into(case_mediator::table)
                .values((case_mediator::case_id.eq(case.id), case_mediator::user_id.eq(id)))
                .execute(conn)?;
        }
        log.record(
            "case.create",
            "case",
            case.id,
            json!({
                "number": case.number,
                "title": case.title,
                "dispute_type": case.dispute_type,
                "source": case.source,
                "complaint_ids": new.complaint_ids,
                "mediator_ids": new.mediator_ids,
            }),
        );
        Ok(case)
    })
}

/// One case of a committee.
pub fn find(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<Case> {
    mediation_case::table
        .filter(mediation_case::id.eq(id).and(mediation_case::committee_id.eq(committee_id)))
        .select(Case::as_select())
        .first(conn)
}

/// Cases `ids` of any committee, by id; an id of no case is left out.
pub fn of_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Case>> {
    mediation_case::table
        .filter(mediation_case::id.eq_any(ids))
        .order(mediation_case::id)
        .select(Case::as_select())
        .load(conn)
}

/// The mediators assigned to a case.
pub fn mediators(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<User>> {
    Ok(mediators_of_cases(conn, &[case_id])?.into_iter().map(|(_, user)| user).collect())
}

/// The mediators assigned to cases `case_ids`, each with its case, by case
/// and user.
pub fn mediators_of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<(i64, User)>> {
    case_mediator::table
        .inner_join(app_user::table)
        .filter(case_mediator::case_id.eq_any(case_ids))
        .order((case_mediator::case_id, app_user::id))
        .select((case_mediator::case_id, User::as_select()))
        .load(conn)
}

fn has_effective_agreement(conn: &mut DbConn, case_id: i64) -> QueryResult<bool> {
    let n: i64 = agreement::table
        .filter(agreement::case_id.eq(case_id))
        .filter(agreement::status.eq("effective"))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A referral as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referral)]
pub struct Referral {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// To whom (court, police station, department).
    pub referred_to: String,
    /// Why.
    pub reason: String,
    /// When.
    pub referred_at: NaiveDateTime,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

/// Referrals of a case.
pub fn referrals(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Referral>> {
    referrals_of_cases(conn, &[case_id])
}

/// Referrals of cases `case_ids`, by case.
pub fn referrals_of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<Referral>> {
    referral::table
        .filter(referral::case_id.eq_any(case_ids))
        .order((referral::case_id, referral::id))
        .select(Referral::as_select())
        .load(conn)
}
