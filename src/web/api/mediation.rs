//! Sessions, community meetings, referrals and the legal library.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::app::mediation::{self as act, MeetingView, ReferralView, SessionView};
use crate::db::mediation::LegalReference;
use crate::domain::commands::mediation::{MeetingFields, ReferralFields, SessionFields, Statement};
use crate::web::http::access::{EVERYONE, MEDIATION};
use crate::web::http::context::SignedIn;
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

/// A mediation session to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSessionBody {
    /// When held (RFC 3339).
    #[serde(default)]
    #[schema(required, format = DateTime)]
    pub held_at: String,
    /// Where.
    #[serde(default)]
    #[schema(required)]
    pub place: String,
    /// The matter mediated.
    pub matter: Option<String>,
    /// Mediators present (default: the recording user).
    pub mediators: Option<String>,
    /// Recorder (default: the recording user).
    pub recorder: Option<String>,
    /// Others present.
    pub attendees: Option<String>,
    /// What each side said.
    #[serde(default)]
    pub statements: Vec<Statement>,
    /// What was found.
    pub findings: Option<String>,
    /// Risks explained to the parties.
    pub risks_explained: Option<String>,
    /// agreed, continued or failed.
    #[serde(default)]
    #[schema(required)]
    pub outcome: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Codes of the cited articles (see /api/v1/legal-references).
    #[serde(default)]
    pub legal_references: Vec<String>,
}

impl From<NewSessionBody> for SessionFields {
    fn from(b: NewSessionBody) -> Self {
        SessionFields {
            held_at: b.held_at,
            place: b.place,
            matter: b.matter,
            mediators: b.mediators,
            recorder: b.recorder,
            attendees: b.attendees,
            statements: b.statements,
            findings: b.findings,
            risks_explained: b.risks_explained,
            outcome: b.outcome,
            failure_reason: b.failure_reason,
            legal_references: b.legal_references,
        }
    }
}

/// Records a mediation session with the articles cited.
#[utoipa::path(post, path = "/api/v1/cases/{id}/sessions", tag = "mediation", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = NewSessionBody,
    responses((status = 201, body = SessionView), (status = 404, content_type = "application/problem+json"),
        (status = 409, content_type = "application/problem+json"), (status = 422, content_type = "application/problem+json")))]
pub async fn record_session(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<NewSessionBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?;
    let view: SessionView = act::record_session(&state.db, user, path.into_inner(), body.into()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The vote of a community meeting.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct VotesBody {
    /// For.
    #[serde(default, rename = "for")]
    pub votes_for: i32,
    /// Against.
    #[serde(default)]
    pub against: i32,
    /// Abstentions.
    #[serde(default)]
    pub abstain: i32,
}

/// A community meeting to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMeetingBody {
    /// When held (RFC 3339).
    #[serde(default)]
    #[schema(required, format = DateTime)]
    pub held_at: String,
    /// Where.
    #[serde(default)]
    #[schema(required)]
    pub place: String,
    /// Who attended.
    #[serde(default)]
    #[schema(required)]
    pub attendees: String,
    /// How many attended.
    pub attendance: Option<i32>,
    /// What was explained (law, standards).
    #[serde(default)]
    #[schema(required)]
    pub explanations: String,
    /// The vote.
    #[serde(default)]
    pub votes: VotesBody,
    /// What was resolved.
    pub resolution: Option<String>,
    /// Who chaired the meeting (主持人).
    pub chair: Option<String>,
    /// Codes of the cited articles.
    #[serde(default)]
    pub legal_references: Vec<String>,
}

impl From<NewMeetingBody> for MeetingFields {
    fn from(b: NewMeetingBody) -> Self {
        MeetingFields {
            held_at: b.held_at,
            place: b.place,
            attendees: b.attendees,
            attendance: b.attendance,
            explanations: b.explanations,
            votes_for: b.votes.votes_for,
            votes_against: b.votes.against,
            votes_abstain: b.votes.abstain,
            resolution: b.resolution,
            chair: b.chair,
            legal_references: b.legal_references,
        }
    }
}

/// Records a community meeting, its explanations and its vote.
#[utoipa::path(post, path = "/api/v1/cases/{id}/meetings", tag = "mediation", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = NewMeetingBody,
    responses((status = 201, body = MeetingView), (status = 404, content_type = "application/problem+json"),
        (status = 409, content_type = "application/problem+json"), (status = 422, content_type = "application/problem+json")))]
pub async fn record_meeting(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<NewMeetingBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?;
    let view: MeetingView = act::record_meeting(&state.db, user, path.into_inner(), body.into()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A referral to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReferralBody {
    /// To whom (court, police station, department).
    #[serde(default)]
    #[schema(required)]
    pub referred_to: String,
    /// Why.
    #[serde(default)]
    #[schema(required)]
    pub reason: String,
    /// When (default now).
    #[schema(format = DateTime)]
    pub referred_at: Option<String>,
}

/// Records a referral; a breached case moves to `referred`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "mediation", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = NewReferralBody,
    responses((status = 201, body = ReferralView), (status = 404, content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn record_referral(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<NewReferralBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?;
    let fields = ReferralFields { referred_to: body.referred_to, reason: body.reason, referred_at: body.referred_at };
    let view: ReferralView = act::record_referral(&state.db, user, path.into_inner(), fields).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The legal library: the articles sessions and meetings may cite.
#[utoipa::path(get, path = "/api/v1/legal-references", tag = "mediation", security(("bearer" = [])),
    responses((status = 200, body = [LegalReference])))]
pub async fn legal_library(state: web::Data<AppState>, user: SignedIn) -> AppResult<HttpResponse> {
    user.require(EVERYONE)?;
    Ok(HttpResponse::Ok().json(act::legal_library(&state.db).await?))
}
