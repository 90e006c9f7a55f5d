//! The dashboard: what needs the user's attention today.

use chrono::{NaiveDateTime, TimeDelta};

use crate::app::error::{AppError, AppResult};
use crate::db::cases::Listed;
use crate::db::committees::Committee;
use crate::db::complaints::Complaint;
use crate::db::dashboard::{self, AgreementDue, ResidentReport};
use crate::db::users::User;
use crate::db::{Db, committees};
use crate::domain::account::Role;

/// Complaints waiting for triage shown on the dashboard.
const TRIAGE_ROWS: i64 = 20;
/// Open cases shown on the dashboard.
const OPEN_ROWS: i64 = 200;
/// How far back residents' reports of agreements not kept are shown.
const REPORTS_SINCE: TimeDelta = TimeDelta::days(60);

/// The dashboard's data, of the user's committee.
pub struct Overview {
    /// The committee.
    pub committee: Committee,
    /// Complaints in no case, with the number of likely duplicates.
    pub triage: Vec<(Complaint, usize)>,
    /// Open cases: a mediator's own, everyone's for other roles.
    pub open: Vec<Listed>,
    /// Effective agreements, for follow-ups and confirmation deadlines.
    pub effective: Vec<AgreementDue>,
    /// Residents' reports of agreements not (fully) kept.
    pub resident_reports: Vec<ResidentReport>,
}

/// The dashboard of `user` at `now`.
pub async fn overview(db: &Db, user: &User, now: NaiveDateTime) -> AppResult<Overview> {
    let committee_id = user.committee_id;
    let mine = (user.role() == Role::Mediator).then_some(user.id);
    db.run(move |conn| {
        Ok::<_, AppError>(Overview {
            committee: committees::find(conn, committee_id)?,
            triage: dashboard::to_triage(conn, committee_id, TRIAGE_ROWS)?,
            open: dashboard::open_cases(conn, committee_id, mine, OPEN_ROWS)?,
            effective: dashboard::effective_agreements(conn, committee_id)?,
            resident_reports: dashboard::resident_reports(conn, committee_id, now - REPORTS_SINCE)?,
        })
    })
    .await
}
