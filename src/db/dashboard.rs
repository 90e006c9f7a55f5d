//! What the start page lists.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::cases::Listed;
use super::complaints::{self, Complaint, ComplaintFilter};
use super::follow_ups::FollowUp;
use super::schema::{agreement, case_mediator, follow_up, mediation_case};

/// Statuses of cases still being worked on.
pub const OPEN: [&str; 5] = ["registered", "investigating", "mediating", "agreed", "breached"];

/// Open cases of a committee, those of `mediator` when given, riskiest and
/// newest first.
pub fn open_cases(conn: &mut DbConn, committee_id: i64, mediator: Option<i64>, limit: i64) -> QueryResult<Vec<Listed>> {
    let mut query = mediation_case::table
        .filter(mediation_case::committee_id.eq(committee_id))
        .filter(mediation_case::status.eq_any(OPEN))
        .select(Listed::as_select())
        .order(mediation_case::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(user) = mediator {
        query = query.filter(
            mediation_case::id
                .eq_any(case_mediator::table.filter(case_mediator::user_id.eq(user)).select(case_mediator::case_id)),
        );
    }
    let mut cases = query.load(conn)?;
    let rank = |r: &str| match r {
        "red" => 0,
        "orange" => 1,
        _ => 2,
    };
    cases.sort_by_key(|c| (rank(c.risk_level.as_str()), -c.id));
    Ok(cases)
}

/// An effective agreement that needs attention.
#[derive(Debug, Clone)]
pub struct AgreementDue {
    /// Agreement.
    pub agreement_id: i64,
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
    /// When it took effect.
    pub effective_at: Option<NaiveDateTime>,
    /// Last day for judicial confirmation.
    pub confirmation_deadline: Option<NaiveDate>,
    /// Last follow-up visit.
    pub last_follow_up: Option<NaiveDateTime>,
}

/// Agreement id, case id, number, title, effective, deadline.
type AgreementRowData = (i64, i64, String, String, Option<NaiveDateTime>, Option<NaiveDate>);

/// Effective agreements of a committee with their last follow-up.
pub fn effective_agreements(conn: &mut DbConn, committee_id: i64) -> QueryResult<Vec<AgreementDue>> {
    let rows: Vec<AgreementRowData> = agreement::table
        .inner_join(mediation_case::table)
        .filter(mediation_case::committee_id.eq(committee_id))
        .filter(agreement::status.eq("effective"))
        .order(agreement::confirmation_deadline)
        .select((
            agreement::id,
            mediation_case::id,
            mediation_case::number,
            mediation_case::title,
            agreement::effective_at,
            agreement::confirmation_deadline,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (agreement_id, case_id, number, title, effective_at, confirmation_deadline) in rows {
        let last_follow_up: Option<NaiveDateTime> = follow_up::table
            .filter(follow_up::agreement_id.eq(agreement_id))
            .select(diesel::dsl::max(follow_up::visited_at))
            .first(conn)?;
        out.push(AgreementDue {
            agreement_id,
            case_id,
            number,
            title,
            effective_at,
            confirmation_deadline,
            last_follow_up,
        });
    }
    Ok(out)
}

/// Complaints in no case yet, newest first, each with how many likely
/// duplicates it has.
pub fn to_triage(conn: &mut DbConn, committee_id: i64, limit: i64) -> QueryResult<Vec<(Complaint, usize)>> {
    let filter = ComplaintFilter { unassigned: true, limit, ..Default::default() };
    let mut out = Vec::new();
    for c in complaints::list(conn, committee_id, &filter)? {
        let similar = complaints::similar(conn, &c)?.len();
        out.push((c, similar));
    }
    Ok(out)
}

/// A party's report that an agreement is not (fully) kept.
#[derive(Debug, Clone)]
pub struct ResidentReport {
    /// The follow-up recording it.
    pub follow_up: FollowUp,
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
}

/// Reports of "partly" or "not kept" since `since`, newest first.
pub fn resident_reports(
    conn: &mut DbConn,
    committee_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<ResidentReport>> {
    let rows: Vec<(FollowUp, (i64, String, String))> = follow_up::table
        .inner_join(mediation_case::table.on(mediation_case::id.eq(follow_up::case_id)))
        .filter(mediation_case::committee_id.eq(committee_id))
        .filter(follow_up::resident_answer.eq_any(["partly", "not_kept"]))
        .filter(follow_up::visited_at.ge(since))
        .order(follow_up::id.desc())
        .limit(50)
        .select((FollowUp::as_select(), (mediation_case::id, mediation_case::number, mediation_case::title)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(follow_up, (case_id, number, title))| ResidentReport { follow_up, case_id, number, title })
        .collect())
}
