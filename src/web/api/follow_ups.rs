//! Follow-up visits over the API.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::app::follow_ups::{self as act, FollowUpView};
use crate::domain::commands::follow_up::{FollowUpFields, ObservationFields};
use crate::web::http::access::FIELD_WORK;
use crate::web::http::context::SignedIn;
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

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
#[derive(Debug, Deserialize, ToSchema)]
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

impl From<FollowUpBody> for FollowUpFields {
    fn from(b: FollowUpBody) -> Self {
        FollowUpFields {
            visited_at: b.visited_at,
            method: b.method,
            observations: b
                .observations
                .into_iter()
                .map(|o| ObservationFields {
                    term_index: o.term_index,
                    observed_end: o.observed_end,
                    measured_db: o.measured_db,
                    indicative: o.indicative,
                    result: o.result,
                    note: o.note,
                })
                .collect(),
            satisfaction: b.satisfaction,
            notes: b.notes,
            risk_signs: b.risk_signs,
            measures: b.measures,
            lawsuit: b.lawsuit,
            visitor: b.visitor,
            mark_fulfilled: b.mark_fulfilled,
        }
    }
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
    let user = user.require(FIELD_WORK)?;
    let view: FollowUpView = act::record_follow_up(&state.db, user, path.into_inner(), body.into()).await?;
    Ok(HttpResponse::Created().json(view))
}
