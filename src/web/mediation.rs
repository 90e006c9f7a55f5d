//! Sessions, community meetings, referrals and the legal library.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::access::{EVERYONE, MEDIATION};
use super::api::ApiJson;
use super::context::SignedIn;
use super::error::AppResult;
use super::fields::Fields;
use super::state::AppState;
use crate::db::cases::{self, NewReferral, Referral};
use crate::db::committees;
use crate::db::mediation::{self, LegalReference, Meeting, NewMeeting, NewSession, Session, Statement};
use crate::db::users::User;
use crate::domain::clock::{format_instant, parse_instant};
use crate::domain::{Invalid, optional_text, required_text};

/// How a session ended.
pub const OUTCOMES: [&str; 3] = ["agreed", "continued", "failed"];

/// A mediation session to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

fn text(f: &mut Fields, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
    f.check(field, optional_text(raw.unwrap_or(""), max)).flatten()
}

/// Checks a session to record by `user` (the default mediator and recorder).
pub fn parse_session(body: &NewSessionBody, user: &User) -> AppResult<NewSession> {
    let mut f = Fields::new();
    let held_at = f.check("held_at", parse_instant(&body.held_at));
    let place = f.check("place", required_text(&body.place, 200));
    let matter = text(&mut f, "matter", body.matter.as_deref(), 500);
    let mediators =
        text(&mut f, "mediators", body.mediators.as_deref(), 200).unwrap_or_else(|| user.display_name.clone());
    let recorder = text(&mut f, "recorder", body.recorder.as_deref(), 100).unwrap_or_else(|| user.display_name.clone());
    let attendees = text(&mut f, "attendees", body.attendees.as_deref(), 1000);
    let findings = text(&mut f, "findings", body.findings.as_deref(), 4000);
    let risks_explained = text(&mut f, "risks_explained", body.risks_explained.as_deref(), 2000);
    let failure_reason = text(&mut f, "failure_reason", body.failure_reason.as_deref(), 1000);
    let outcome = match body.outcome.trim() {
        o if OUTCOMES.contains(&o) => Some(o.to_owned()),
        _ => {
            f.push("outcome", Invalid::new("invalid.choice").with("allowed", OUTCOMES.join(", ")));
            None
        }
    };
    if outcome.as_deref() == Some("failed") && failure_reason.is_none() {
        f.push("failure_reason", Invalid::new("invalid.required"));
    }
    let mut statements = Vec::new();
    for (i, s) in body.statements.iter().enumerate() {
        let speaker = f.check(format!("statements[{i}].speaker"), required_text(&s.speaker, 100));
        let said = f.check(format!("statements[{i}].text"), required_text(&s.text, 4000));
        if let (Some(speaker), Some(text)) = (speaker, said) {
            statements.push(Statement { speaker, text });
        }
    }
    f.done(match (held_at, place, outcome) {
        (Some(held_at), Some(place), Some(outcome)) => Some(NewSession {
            held_at,
            place,
            matter,
            mediators,
            recorder,
            attendees,
            statements,
            findings,
            risks_explained,
            outcome,
            failure_reason,
            references: body.legal_references.iter().map(|c| c.trim().to_owned()).collect(),
        }),
        _ => None,
    })
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
    let user = user.require(MEDIATION)?.clone();
    let case_id = path.into_inner();
    let new = parse_session(&body, &user)?;
    let view = state
        .db(move |conn| {
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let row = mediation::record_session(
                conn,
                &user.actor(),
                user.committee_id,
                case_id,
                &new,
                Utc::now().naive_utc(),
            )?;
            let refs = mediation::session_references(conn, row.id)?;
            Ok(SessionView::new(&row, refs, offset))
        })
        .await?;
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
#[derive(Debug, Deserialize, Validate, ToSchema)]
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
    /// Codes of the cited articles.
    #[serde(default)]
    pub legal_references: Vec<String>,
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
            legal_references: references,
        }
    }
}

/// Checks a community meeting to record.
pub fn parse_meeting(body: &NewMeetingBody) -> AppResult<NewMeeting> {
    let mut f = Fields::new();
    let held_at = f.check("held_at", parse_instant(&body.held_at));
    let place = f.check("place", required_text(&body.place, 200));
    let attendees = f.check("attendees", required_text(&body.attendees, 2000));
    let explanations = f.check("explanations", required_text(&body.explanations, 8000));
    let resolution = text(&mut f, "resolution", body.resolution.as_deref(), 2000);
    let mut count = |field: &str, n: i32| {
        if (0..=100_000).contains(&n) {
            Some(n)
        } else {
            f.push(field, Invalid::new("invalid.range").with("min", 0).with("max", 100_000));
            None
        }
    };
    let votes_for = count("votes.for", body.votes.votes_for);
    let votes_against = count("votes.against", body.votes.against);
    let votes_abstain = count("votes.abstain", body.votes.abstain);
    let cast = body.votes.votes_for + body.votes.against + body.votes.abstain;
    let attendance = count("attendance", body.attendance.unwrap_or(cast));
    if attendance.is_some_and(|a| a < cast) {
        f.push("attendance", Invalid::new("invalid.votes_exceed_attendance"));
    }
    f.done(match (held_at, place, attendees, explanations, attendance, votes_for, votes_against, votes_abstain) {
        (
            Some(held_at),
            Some(place),
            Some(attendees),
            Some(explanations),
            Some(attendance),
            Some(vf),
            Some(va),
            Some(vb),
        ) => Some(NewMeeting {
            held_at,
            place,
            attendees,
            attendance,
            explanations,
            votes_for: vf,
            votes_against: va,
            votes_abstain: vb,
            resolution,
            references: body.legal_references.iter().map(|c| c.trim().to_owned()).collect(),
        }),
        _ => None,
    })
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
    let user = user.require(MEDIATION)?.clone();
    let case_id = path.into_inner();
    let new = parse_meeting(&body)?;
    let view = state
        .db(move |conn| {
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let row = mediation::record_meeting(
                conn,
                &user.actor(),
                user.committee_id,
                case_id,
                &new,
                Utc::now().naive_utc(),
            )?;
            let refs = mediation::meeting_references(conn, row.id)?;
            Ok(MeetingView::new(&row, refs, offset))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A referral to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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
    let user = user.require(MEDIATION)?.clone();
    let case_id = path.into_inner();
    let mut f = Fields::new();
    let to = f.check("referred_to", required_text(&body.referred_to, 200));
    let reason = f.check("reason", required_text(&body.reason, 2000));
    let at = match body.referred_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => f.check("referred_at", parse_instant(raw)),
        None => Some(Utc::now().naive_utc()),
    };
    let (to, reason, at) = f.done(match (to, reason, at) {
        (Some(t), Some(r), Some(a)) => Some((t, r, a)),
        _ => None,
    })?;
    let view = state
        .db(move |conn| {
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let new = NewReferral { referred_to: to, reason, referred_at: at };
            let row = cases::refer(conn, &user.actor(), user.committee_id, case_id, &new, Utc::now().naive_utc())?;
            Ok(ReferralView::new(&row, offset))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The legal library: the articles sessions and meetings may cite.
#[utoipa::path(get, path = "/api/v1/legal-references", tag = "mediation", security(("bearer" = [])),
    responses((status = 200, body = [LegalReference])))]
pub async fn legal_library(state: web::Data<AppState>, user: SignedIn) -> AppResult<HttpResponse> {
    user.require(EVERYONE)?;
    let list = state.db(|conn| Ok(mediation::library(conn)?)).await?;
    Ok(HttpResponse::Ok().json(list))
}
