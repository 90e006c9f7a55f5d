//! Mediation: sessions, community meetings, referrals and the legal
//! library they cite.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::db::cases::{self, Referral};
use crate::db::mediation::{self, LegalReference, Meeting, Session};
use crate::db::users::User;
use crate::db::{Db, committees};
use crate::domain::clock::format_instant;
use crate::domain::commands::mediation::{MeetingFields, ReferralFields, SessionFields, Statement};

/// A session.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// Id.
    pub id: i64,
    /// When.
    pub held_at: String,
    /// Where.
    pub place: String,
    /// Matter.
    pub matter: Option<String>,
    /// Mediators.
    pub mediators: String,
    /// Recorder.
    pub recorder: String,
    /// Others present.
    pub attendees: Option<String>,
    /// Statements.
    pub statements: Vec<Statement>,
    /// Findings.
    pub findings: Option<String>,
    /// Risks explained.
    pub risks_explained: Option<String>,
    /// Outcome.
    pub outcome: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Cited articles.
    pub legal_references: Vec<LegalReference>,
}

impl SessionView {
    /// The view of a session.
    pub fn new(s: &Session, references: Vec<LegalReference>, offset: i32) -> Self {
        Self {
            id: s.id,
            held_at: format_instant(s.held_at, offset),
            place: s.place.clone(),
            matter: s.matter.clone(),
            mediators: s.mediators.clone(),
            recorder: s.recorder.clone(),
            attendees: s.attendees.clone(),
            statements: s.statements(),
            findings: s.findings.clone(),
            risks_explained: s.risks_explained.clone(),
            outcome: s.outcome.clone(),
            failure_reason: s.failure_reason.clone(),
            legal_references: references,
        }
    }
}

/// A community meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingView {
    /// Id.
    pub id: i64,
    /// When.
    pub held_at: String,
    /// Where.
    pub place: String,
    /// Who attended.
    pub attendees: String,
    /// How many.
    pub attendance: i32,
    /// Explanations.
    pub explanations: String,
    /// For.
    pub votes_for: i32,
    /// Against.
    pub votes_against: i32,
    /// Abstentions.
    pub votes_abstain: i32,
    /// Resolution.
    pub resolution: Option<String>,
    /// Who chaired it, when recorded.
    pub chair: Option<String>,
    /// Cited articles.
    pub legal_references: Vec<LegalReference>,
}

impl MeetingView {
    /// The view of a meeting.
    pub fn new(m: &Meeting, references: Vec<LegalReference>, offset: i32) -> Self {
        Self {
            id: m.id,
            held_at: format_instant(m.held_at, offset),
            place: m.place.clone(),
            attendees: m.attendees.clone(),
            attendance: m.attendance,
            explanations: m.explanations.clone(),
            votes_for: m.votes_for,
            votes_against: m.votes_against,
            votes_abstain: m.votes_abstain,
            resolution: m.resolution.clone(),
            chair: m.chair.clone(),
            legal_references: references,
        }
    }
}

/// A referral.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReferralView {
    /// Id.
    pub id: i64,
    /// To whom.
    pub referred_to: String,
    /// Why.
    pub reason: String,
    /// When.
    pub referred_at: String,
}

impl ReferralView {
    /// The view of a referral.
    pub fn new(r: &Referral, offset: i32) -> Self {
        Self {
            id: r.id,
            referred_to: r.referred_to.clone(),
            reason: r.reason.clone(),
            referred_at: format_instant(r.referred_at, offset),
        }
    }
}

/// Records a mediation session of case `case_id` with the articles cited.
pub async fn record_session(db: &Db, user: &User, case_id: i64, fields: SessionFields) -> AppResult<SessionView> {
    let new = fields.parse(&user.display_name)?;
    let user = user.clone();
    db.run(move |conn| {
        let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
        let now = Utc::now().naive_utc();
        let row = mediation::record_session(conn, &user.actor(), user.committee_id, case_id, &new, now)?;
        let refs = mediation::session_references(conn, row.id)?;
        Ok::<_, AppError>(SessionView::new(&row, refs, offset))
    })
    .await
}

/// Records a community meeting of case `case_id`, its explanations and its
/// vote.
pub async fn record_meeting(db: &Db, user: &User, case_id: i64, fields: MeetingFields) -> AppResult<MeetingView> {
    let new = fields.parse()?;
    let user = user.clone();
    db.run(move |conn| {
        let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
        let now = Utc::now().naive_utc();
        let row = mediation::record_meeting(conn, &user.actor(), user.committee_id, case_id, &new, now)?;
        let refs = mediation::meeting_references(conn, row.id)?;
        Ok::<_, AppError>(MeetingView::new(&row, refs, offset))
    })
    .await
}

/// Records a referral of case `case_id`; a breached case moves to
/// `referred`.
pub async fn record_referral(db: &Db, user: &User, case_id: i64, fields: ReferralFields) -> AppResult<ReferralView> {
    let new = fields.parse(Utc::now().naive_utc())?;
    let user = user.clone();
    db.run(move |conn| {
        let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
        let row = cases::refer(conn, &user.actor(), user.committee_id, case_id, &new, Utc::now().naive_utc())?;
        Ok::<_, AppError>(ReferralView::new(&row, offset))
    })
    .await
}

/// The legal library: the articles sessions and meetings may cite.
pub async fn legal_library(db: &Db) -> AppResult<Vec<LegalReference>> {
    db.run(|conn| Ok::<_, AppError>(mediation::library(conn)?)).await
}

/// What a record form of case `case_id` needs: the committee, the case
/// and the legal library.
pub async fn record_context(
    db: &Db,
    user: &User,
    case_id: i64,
) -> AppResult<(committees::Committee, cases::Case, Vec<LegalReference>)> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let case = cases::find(conn, committee_id, case_id)?;
        Ok::<_, AppError>((committee, case, mediation::library(conn)?))
    })
    .await
}
