//! Night findings: what each night showed at a monitor for each term of
//! the effective agreement it checks, and a mediator's review of a
//! possible breach (confirmed into a follow-up record, or dismissed with a
//! reason). A night already evaluated is never evaluated again, so a
//! reviewed finding stays as it was reviewed.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::audit::audited;
use super::committees::Committee;
use super::follow_ups::{self, FollowUpOutcome};
use super::monitors::Monitor;
use super::schema::{agreement, agreement_term, committee, mediation_case, monitor, night_finding};
use super::{DbConn, WriteError};
use crate::domain::Invalid;
use crate::domain::audit::Actor;
use crate::domain::commands::follow_up::NewFollowUp;
use crate::domain::night::TermFinding;

/// A finding as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = night_finding)]
pub struct FindingRow {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// Monitor.
    pub monitor_id: i64,
    /// Agreement.
    pub agreement_id: i64,
    /// The local evening date.
    pub night: NaiveDate,
    /// The term's index, from 0.
    pub term_index: i32,
    /// `kept`, `possible_breach` or `no_data`.
    pub outcome: String,
    /// `certified` or `indicative`.
    pub basis: String,
    /// The outcome and its numbers, as JSON.
    pub evidence: String,
    /// When evaluated.
    pub evaluated_at: NaiveDateTime,
    /// `confirmed` or `dismissed`, once reviewed.
    pub review: Option<String>,
    /// Why it was dismissed.
    pub review_reason: Option<String>,
    /// Who reviewed it.
    pub reviewed_by: Option<i64>,
    /// When.
    pub reviewed_at: Option<NaiveDateTime>,
    /// The follow-up a confirmation recorded.
    pub follow_up_id: Option<i64>,
}

/// A monitor checking an effective agreement, with its committee's clock offset.
#[derive(Debug, Clone)]
pub struct Watch {
    /// The monitor.
    pub monitor: Monitor,
    /// The agreement it checks.
    pub agreement_id: i64,
    /// The committee's offset east of UTC, minutes.
    pub offset_minutes: i32,
    /// The first night the agreement was in force: the local date it took effect.
    pub effective_on: NaiveDate,
}

/// Every monitor linked to an agreement now in force.
pub fn watches(conn: &mut DbConn) -> QueryResult<Vec<Watch>> {
    let monitors: Vec<Monitor> =
        monitor::table.filter(monitor::agreement_id.is_not_null()).select(Monitor::as_select()).load(conn)?;
    let ids: Vec<i64> = monitors.iter().filter_map(|m| m.agreement_id).collect();
    let effective: HashMap<i64, Option<NaiveDateTime>> = agreement::table
        .filter(agreement::id.eq_any(&ids))
        .filter(agreement::status.eq("effective"))
        .select((agreement::id, agreement::effective_at))
        .load(conn)?
        .into_iter()
        .collect();
    let offsets: HashMap<i64, i32> =
        committee::table.select((committee::id, committee::utc_offset_minutes)).load(conn)?.into_iter().collect();
    Ok(monitors
        .into_iter()
        .filter_map(|m| {
            let agreement_id = m.agreement_id?;
            let effective_at = (*effective.get(&agreement_id)?)?;
            let offset_minutes = offsets.get(&m.committee_id).copied().unwrap_or(480);
            let effective_on = crate::domain::clock::local(effective_at, offset_minutes).date_naive();
            Some(Watch { monitor: m, agreement_id, offset_minutes, effective_on })
        })
        .collect())
}

/// Whether a monitor's night for an agreement has been evaluated.
pub fn evaluated(conn: &mut DbConn, monitor_id: i64, agreement_id: i64, night: NaiveDate) -> QueryResult<bool> {
    let n: i64 = night_finding::table
        .filter(night_finding::monitor_id.eq(monitor_id))
        .filter(night_finding::agreement_id.eq(agreement_id))
        .filter(night_finding::night.eq(night))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Stores a night's findings; terms already stored for that night are left
/// as they are. Answers how many were stored.
pub fn store(
    conn: &mut DbConn,
    watch: &Watch,
    night: NaiveDate,
    findings: &[TermFinding],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    super::write_transaction(conn, |conn| {
        let mut stored = 0;
        for f in findings {
            let index = i32::try_from(f.term_index).unwrap_or(i32::MAX);
            let exists: i64 = night_finding::table
                .filter(night_finding::monitor_id.eq(watch.monitor.id))
                .filter(night_finding::agreement_id.eq(watch.agreement_id))
                .filter(night_finding::night.eq(night))
                .filter(night_finding::term_index.eq(index))
                .count()
                .get_result(conn)?;
            if exists > 0 {
                continue;
            }
            diesel::insert_into(night_finding::table)
                .values((
                    night_finding::committee_id.eq(watch.monitor.committee_id),
                    night_finding::monitor_id.eq(watch.monitor.id),
                    night_finding::agreement_id.eq(watch.agreement_id),
                    night_finding::night.eq(night),
                    night_finding::term_index.eq(index),
                    night_finding::outcome.eq(f.outcome.code()),
                    night_finding::basis.eq(f.basis.code()),
                    night_finding::evidence.eq(serde_json::to_string(&f.outcome).unwrap_or_else(|_| "{}".into())),
                    night_finding::evaluated_at.eq(now),
                ))
                .execute(conn)?;
            stored += 1;
        }
        Ok(stored)
    })
}

/// The committee's findings of an agreement for nights in `[from, to]`,
/// newest night first.
pub fn of_agreement(
    conn: &mut DbConn,
    committee_id: i64,
    agreement_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<FindingRow>> {
    night_finding::table
        .filter(night_finding::committee_id.eq(committee_id))
        .filter(night_finding::agreement_id.eq(agreement_id))
        .filter(night_finding::night.between(from, to))
        .order((night_finding::night.desc(), night_finding::term_index))
        .select(FindingRow::as_select())
        .load(conn)
}

/// A monitor's findings for one night, by agreement and term.
pub fn of_monitor_night(
    conn: &mut DbConn,
    committee_id: i64,
    monitor_id: i64,
    night: NaiveDate,
) -> QueryResult<Vec<FindingRow>> {
    night_finding::table
        .filter(night_finding::committee_id.eq(committee_id))
        .filter(night_finding::monitor_id.eq(monitor_id))
        .filter(night_finding::night.eq(night))
        .order((night_finding::agreement_id, night_finding::term_index))
        .select(FindingRow::as_select())
        .load(conn)
}

/// A possible breach waiting for a mediator, with its case.
#[derive(Debug, Clone)]
pub struct ToReview {
    /// The finding.
    pub finding: FindingRow,
    /// The case of its agreement.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
}

/// The committee's possible breaches not yet reviewed, newest night first,
/// at most `limit`, and how many there are in all.
pub fn to_review(conn: &mut DbConn, committee_id: i64, limit: i64) -> QueryResult<(Vec<ToReview>, i64)> {
    let waiting = night_finding::table
        .filter(night_finding::committee_id.eq(committee_id))
        .filter(night_finding::outcome.eq("possible_breach"))
        .filter(night_finding::review.is_null());
    let total: i64 = waiting.count().get_result(conn)?;
    let rows: Vec<FindingRow> = waiting
        .order((night_finding::night.desc(), night_finding::id.desc()))
        .limit(limit)
        .select(FindingRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.agreement_id).collect();
    let cases: HashMap<i64, (i64, String, String)> = agreement::table
        .inner_join(mediation_case::table.on(mediation_case::id.eq(agreement::case_id)))
        .filter(agreement::id.eq_any(&ids))
        .select((agreement::id, (mediation_case::id, mediation_case::number, mediation_case::title)))
        .load::<(i64, (i64, String, String))>(conn)?
        .into_iter()
        .collect();
    let listed = rows
        .into_iter()
        .filter_map(|finding| {
            let (case_id, number, title) = cases.get(&finding.agreement_id)?.clone();
            Some(ToReview { finding, case_id, number, title })
        })
        .collect();
    Ok((listed, total))
}

/// The finding a follow-up record was confirmed from, if any.
pub fn of_follow_up(conn: &mut DbConn, follow_up_id: i64) -> QueryResult<Option<FindingRow>> {
    night_finding::table
        .filter(night_finding::follow_up_id.eq(follow_up_id))
        .select(FindingRow::as_select())
        .first(conn)
        .optional()
}

/// A finding of the committee.
pub fn find(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<FindingRow> {
    night_finding::table
        .filter(night_finding::id.eq(id).and(night_finding::committee_id.eq(committee_id)))
        .select(FindingRow::as_select())
        .first(conn)
}

fn reviewable(row: &FindingRow) -> Result<(), WriteError> {
    if row.outcome != "possible_breach" {
        return Err(WriteError::conflict(Invalid::new("monitor.conflict.not_a_possible_breach")));
    }
    if row.review.is_some() {
        return Err(WriteError::conflict(Invalid::new("monitor.conflict.already_reviewed")));
    }
    Ok(())
}

/// Dismisses a possible breach with a reason.
pub fn dismiss(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> Result<FindingRow, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let row = find(conn, committee_id, id)?;
        reviewable(&row)?;
        diesel::update(night_finding::table.find(id))
            .set((
                night_finding::review.eq("dismissed"),
                night_finding::review_reason.eq(reason),
                night_finding::reviewed_by.eq(actor.id),
                night_finding::reviewed_at.eq(now),
            ))
            .execute(conn)?;
        log.record(
            "night_finding.dismiss",
            "night_finding",
            id,
            json!({"agreement_id": row.agreement_id, "night": row.night, "term_index": row.term_index, "reason": reason}),
        );
        Ok(find(conn, committee_id, id)?)
    })
}

/// Confirms a possible breach found by a certified monitor into a
/// follow-up record (which marks the agreement and the case as its
/// findings say), in one transaction.
pub fn confirm(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    id: i64,
    follow_up: &NewFollowUp,
    now: NaiveDateTime,
) -> Result<(FindingRow, FollowUpOutcome), WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        let row = find(conn, committee.id, id)?;
        reviewable(&row)?;
        if row.basis != "certified" {
            return Err(WriteError::conflict(Invalid::new("monitor.conflict.indicative")));
        }
        let outcome = follow_ups::record_in(conn, log, actor, committee, row.agreement_id, follow_up, now)?;
        diesel::update(night_finding::table.find(id))
            .set((
                night_finding::review.eq("confirmed"),
                night_finding::reviewed_by.eq(actor.id),
                night_finding::reviewed_at.eq(now),
                night_finding::follow_up_id.eq(outcome.follow_up.id),
            ))
            .execute(conn)?;
        log.record(
            "night_finding.confirm",
            "night_finding",
            id,
            json!({"agreement_id": row.agreement_id, "night": row.night, "term_index": row.term_index,
                   "follow_up_id": outcome.follow_up.id}),
        );
        Ok((find(conn, committee.id, id)?, outcome))
    })
}

/// How many term-nights of the committee's agreements in `[from, to]` had
/// each outcome and review: (agreement, case number, term kind code,
/// outcome, review, count).
pub type TermNightCount = (i64, String, String, String, Option<String>, i64);

/// The committee's findings in `[from, to]` counted by agreement, term,
/// outcome and review, with each term's kind and each agreement's case number.
pub fn counts(
    conn: &mut DbConn,
    committee_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<TermNightCount>> {
    let grouped: Vec<(i64, i32, String, Option<String>, i64)> = night_finding::table
        .filter(night_finding::committee_id.eq(committee_id))
        .filter(night_finding::night.between(from, to))
        .group_by((
            night_finding::agreement_id,
            night_finding::term_index,
            night_finding::outcome,
            night_finding::review,
        ))
        .select((
            night_finding::agreement_id,
            night_finding::term_index,
            night_finding::outcome,
            night_finding::review,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let ids: Vec<i64> = grouped.iter().map(|g| g.0).collect();
    let mut kinds: HashMap<i64, Vec<String>> = HashMap::new();
    let terms: Vec<(i64, String)> = agreement_term::table
        .filter(agreement_term::agreement_id.eq_any(&ids))
        .order((agreement_term::agreement_id, agreement_term::position))
        .select((agreement_term::agreement_id, agreement_term::kind))
        .load(conn)?;
    for (agreement_id, kind) in terms {
        kinds.entry(agreement_id).or_default().push(kind);
    }
    let numbers: HashMap<i64, String> = agreement::table
        .inner_join(mediation_case::table.on(mediation_case::id.eq(agreement::case_id)))
        .filter(agreement::id.eq_any(&ids))
        .select((agreement::id, mediation_case::number))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(grouped
        .into_iter()
        .map(|(agreement_id, index, outcome, review, n)| {
            let kind = usize::try_from(index).ok().and_then(|i| kinds.get(&agreement_id)?.get(i).cloned());
            let number = numbers.get(&agreement_id).cloned().unwrap_or_default();
            (agreement_id, number, kind.unwrap_or_default(), outcome, review, n)
        })
        .collect())
}

/// The committee's nights in `[from, to]` (per monitor and agreement) with
/// their worst outcome over the terms, counted by agreement and outcome.
/// The codes sort as their severity: kept < no_data < possible_breach.
pub fn night_outcomes(
    conn: &mut DbConn,
    committee_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<HashMap<(i64, String), i64>> {
    let nights: Vec<(i64, i64, NaiveDate, Option<String>)> = night_finding::table
        .filter(night_finding::committee_id.eq(committee_id))
        .filter(night_finding::night.between(from, to))
        .group_by((night_finding::agreement_id, night_finding::monitor_id, night_finding::night))
        .select((
            night_finding::agreement_id,
            night_finding::monitor_id,
            night_finding::night,
            diesel::dsl::max(night_finding::outcome),
        ))
        .load(conn)?;
    let mut counted: HashMap<(i64, String), i64> = HashMap::new();
    for (agreement_id, _, _, worst) in nights {
        *counted.entry((agreement_id, worst.unwrap_or_default())).or_default() += 1;
    }
    Ok(counted)
}
