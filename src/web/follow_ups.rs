//! Follow-up visits over the API.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::access::FIELD_WORK;
use super::api::ApiJson;
use super::context::SignedIn;
use super::error::AppResult;
use super::fields::Fields;
use super::state::AppState;
use crate::db::committees;
use crate::db::follow_ups::{self, FollowUp, NewFollowUp};
use crate::db::users::User;
use crate::domain::clock::{ClockTime, format_instant, parse_instant};
use crate::domain::follow_up::{Compliance, Observation, VisitMethod, check_satisfaction};
use crate::domain::{Invalid, optional_text, required_text};

/// What was seen for one term.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ObservationBody {
    /// Index of the term in the agreement's `terms`, from 0.
    pub term_index: Option<usize>,
    /// When the activity was seen to end, `HH:MM`.
    pub observed_end: Option<String>,
    /// A level measured, dB(A).
    pub measured_db: Option<f64>,
    /// The level came from a phone or other non-standard meter.
    #[serde(default)]
    pub indicative: bool,
    /// kept or breached, for terms no number can check.
    pub result: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// A follow-up visit to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct FollowUpBody {
    /// When (RFC 3339).
    #[serde(default)]
    #[schema(required, format = DateTime)]
    pub visited_at: String,
    /// visit, phone or night_check.
    #[serde(default)]
    #[schema(required)]
    pub method: String,
    /// Observations per term.
    #[serde(default)]
    pub observations: Vec<ObservationBody>,
    /// Satisfaction 1–5.
    pub satisfaction: Option<i32>,
    /// Notes.
    pub notes: Option<String>,
    /// Signs of escalation or hidden risk.
    pub risk_signs: Option<String>,
    /// Measures taken.
    pub measures: Option<String>,
    /// Whether a lawsuit has been filed.
    #[serde(default)]
    pub lawsuit: bool,
    /// Who visited (default: the recording user).
    pub visitor: Option<String>,
    /// Mark the agreement fulfilled when every term is found kept.
    #[serde(default)]
    pub mark_fulfilled: bool,
}

/// The finding for one term.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ComplianceView {
    /// Index of the term, from 0.
    pub term_index: usize,
    /// kept, breached or unknown.
    pub result: String,
}

/// A recorded follow-up.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FollowUpView {
    /// Id.
    pub id: i64,
    /// Agreement.
    pub agreement_id: i64,
    /// When.
    pub visited_at: String,
    /// Who visited.
    pub visitor: String,
    /// Method.
    pub method: String,
    /// Satisfaction.
    pub satisfaction: Option<i32>,
    /// kept, breached or unknown.
    pub overall: String,
    /// Per term.
    pub compliance: Vec<ComplianceView>,
    /// The agreement's status afterwards.
    pub agreement_status: String,
}

/// The summary of a follow-up within a case.
pub fn summary_view(f: &FollowUp, offset: i32) -> serde_json::Value {
    serde_json::json!({
        "id": f.id,
        "agreement_id": f.agreement_id,
        "visited_at": format_instant(f.visited_at, offset),
        "visitor": f.visitor,
        "method": f.method,
        "satisfaction": f.satisfaction,
        "overall": f.overall,
        "risk_signs": f.risk_signs,
        "measures": f.measures,
        "lawsuit": f.lawsuit,
    })
}

/// Checks a follow-up visit recorded by `user` (the default visitor).
pub fn parse_follow_up(body: &FollowUpBody, user: &User) -> AppResult<NewFollowUp> {
    let mut f = Fields::new();
    let visited_at = f.check("visited_at", parse_instant(&body.visited_at));
    let method = match VisitMethod::parse(&body.method) {
        Ok(VisitMethod::ResidentReport) => {
            f.check("method", Err(Invalid::new("invalid.choice").with("allowed", "visit, phone, night_check")))
        }
        other => f.check("method", other),
    };
    let satisfaction = body.satisfaction.and_then(|s| f.check("satisfaction", check_satisfaction(s)));
    let notes = f.check("notes", optional_text(body.notes.as_deref().unwrap_or(""), 4000)).flatten();
    let risk_signs = f.check("risk_signs", optional_text(body.risk_signs.as_deref().unwrap_or(""), 2000)).flatten();
    let measures = f.check("measures", optional_text(body.measures.as_deref().unwrap_or(""), 2000)).flatten();
    let visitor = match &body.visitor {
        Some(v) => f.check("visitor", required_text(v, 100)),
        None => Some(user.display_name.clone()),
    };
    let mut observations = Vec::new();
    for (i, o) in body.observations.iter().enumerate() {
        let prefix = format!("observations[{i}].");
        let Some(index) = o.term_index else {
            f.push(format!("{prefix}term_index"), Invalid::new("invalid.required"));
            continue;
        };
        if observations.iter().any(|(seen, _, _)| *seen == index) {
            f.push(format!("{prefix}term_index"), Invalid::new("invalid.duplicate_term"));
        }
        let observed_end = f.optional(&format!("{prefix}observed_end"), o.observed_end.as_deref(), ClockTime::parse);
        let measured_db = match o.measured_db {
            Some(db) if (0.0..=160.0).contains(&db) => Some(db),
            Some(_) => {
                f.push(format!("{prefix}measured_db"), Invalid::new("invalid.range").with("min", 0).with("max", 160));
                None
            }
            None => None,
        };
        let reported = f.optional(&format!("{prefix}result"), o.result.as_deref(), Compliance::parse_reported);
        let note = f.check(format!("{prefix}note"), optional_text(o.note.as_deref().unwrap_or(""), 1000)).flatten();
        observations.push((index, Observation { observed_end, measured_db, indicative: o.indicative, reported }, note));
    }
    f.done(match (visited_at, method, visitor) {
        (Some(visited_at), Some(method), Some(visitor)) => Some(NewFollowUp {
            visited_at,
            visitor,
            method,
            observations,
            satisfaction,
            lawsuit: body.lawsuit,
            risk_signs,
            measures,
            notes,
            mark_fulfilled: body.mark_fulfilled,
            reported_by_party_id: None,
            resident_answer: None,
        }),
        _ => None,
    })
}

/// Records a follow-up visit: each term is assessed from the evidence; any
/// breach marks the agreement and the case breached.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/follow-ups", tag = "agreements", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agreement id")), request_body = FollowUpBody,
    responses((status = 201, body = FollowUpView), (status = 404, content_type = "application/problem+json"),
        (status = 409, content_type = "application/problem+json"), (status = 422, content_type = "application/problem+json")))]
pub async fn record_follow_up(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<FollowUpBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?.clone();
    let id = path.into_inner();
    let new = parse_follow_up(&body, &user)?;
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let outcome = follow_ups::record(conn, &user.actor(), &committee, id, &new, Utc::now().naive_utc())?;
            let fu = &outcome.follow_up;
            Ok(FollowUpView {
                id: fu.id,
                agreement_id: fu.agreement_id,
                visited_at: format_instant(fu.visited_at, committee.utc_offset_minutes),
                visitor: fu.visitor.clone(),
                method: fu.method.clone(),
                satisfaction: fu.satisfaction,
                overall: fu.overall.clone(),
                compliance: outcome
                    .compliance
                    .iter()
                    .map(|(i, r)| ComplianceView { term_index: *i, result: r.code().to_owned() })
                    .collect(),
                agreement_status: outcome.agreement.status.clone(),
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
