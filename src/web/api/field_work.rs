//! Investigations and noise measurements over the API.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::app::field_work::{self as act, InvestigationView, MeasurementView};
use crate::domain::commands::investigation::{InvestigationFields, MeasurementFields, QuestionAnswer};
use crate::web::http::access::FIELD_WORK;
use crate::web::http::context::SignedIn;
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

/// An on-site investigation to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInvestigationBody {
    /// When (RFC 3339).
    #[serde(default)]
    #[schema(required, format = DateTime)]
    pub conducted_at: String,
    /// Where.
    #[serde(default)]
    #[schema(required)]
    pub place: String,
    /// Who investigated.
    #[serde(default)]
    #[schema(required)]
    pub investigators: String,
    /// Others present.
    pub participants: Option<String>,
    /// Person investigated.
    pub subject: Option<String>,
    /// Questions and answers.
    #[serde(default)]
    pub record: Vec<QuestionAnswer>,
    /// Findings.
    pub findings: Option<String>,
}

impl From<NewInvestigationBody> for InvestigationFields {
    fn from(b: NewInvestigationBody) -> Self {
        InvestigationFields {
            conducted_at: b.conducted_at,
            place: b.place,
            investigators: b.investigators,
            participants: b.participants,
            subject: b.subject,
            record: b.record,
            findings: b.findings,
        }
    }
}

/// Records an on-site investigation.
#[utoipa::path(post, path = "/api/v1/cases/{id}/investigations", tag = "investigations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = NewInvestigationBody,
    responses((status = 201, body = InvestigationView), (status = 404, content_type = "application/problem+json"),
        (status = 409, content_type = "application/problem+json"), (status = 422, content_type = "application/problem+json")))]
pub async fn record_investigation(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<NewInvestigationBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?;
    let view: InvestigationView = act::record_investigation(&state.db, user, path.into_inner(), body.into()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A noise reading to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMeasurementBody {
    /// When (RFC 3339).
    #[serde(default)]
    #[schema(required, format = DateTime)]
    pub measured_at: String,
    /// outside_window_1m, boundary, indoor_bedroom or indoor_other.
    #[serde(default)]
    #[schema(required)]
    pub position: String,
    /// Microphone height, m.
    pub height_m: Option<f64>,
    /// L_Aeq, dB(A).
    #[schema(required)]
    pub laeq_db: Option<f64>,
    /// L_max, dB(A).
    pub lmax_db: Option<f64>,
    /// Background level, dB(A).
    pub background_db: Option<f64>,
    /// Duration, s.
    #[schema(required)]
    pub duration_s: Option<i32>,
    /// Meter class, 1 or 2.
    pub instrument_class: Option<i32>,
    /// Calibrator reading before.
    pub calibration_before_db: Option<f64>,
    /// Calibrator reading after.
    pub calibration_after_db: Option<f64>,
    /// A phone app or other non-standard meter.
    #[serde(default)]
    pub indicative: bool,
    /// Instrument model and serial.
    pub instrument: Option<String>,
    /// Who measured.
    pub operator: Option<String>,
    /// The investigation it belongs to.
    pub investigation_id: Option<i64>,
}

impl From<NewMeasurementBody> for MeasurementFields {
    fn from(b: NewMeasurementBody) -> Self {
        MeasurementFields {
            measured_at: b.measured_at,
            position: b.position,
            height_m: b.height_m,
            laeq_db: b.laeq_db,
            lmax_db: b.lmax_db,
            background_db: b.background_db,
            duration_s: b.duration_s,
            instrument_class: b.instrument_class,
            calibration_before_db: b.calibration_before_db,
            calibration_after_db: b.calibration_after_db,
            indicative: b.indicative,
            instrument: b.instrument,
            operator: b.operator,
            investigation_id: b.investigation_id,
        }
    }
}

/// Records a noise measurement, assessed against the committee's zone
/// class and night window: calibration drift over 0.5 dB voids it, the
/// background is corrected, and a phone reading is kept as indicative.
#[utoipa::path(post, path = "/api/v1/cases/{id}/measurements", tag = "investigations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = NewMeasurementBody,
    responses((status = 201, body = MeasurementView), (status = 404, content_type = "application/problem+json"),
        (status = 409, content_type = "application/problem+json"), (status = 422, content_type = "application/problem+json")))]
pub async fn record_measurement(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<NewMeasurementBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?;
    let view: MeasurementView = act::record_measurement(&state.db, user, path.into_inner(), body.into()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Assesses a reading without saving it: the limit and exceedance a form
/// shows before the reading is recorded.
#[utoipa::path(post, path = "/api/v1/measurements/assess", tag = "investigations", security(("bearer" = [])),
    request_body = NewMeasurementBody,
    responses((status = 200, body = MeasurementView), (status = 422, content_type = "application/problem+json")))]
pub async fn assess_measurement(
    state: web::Data<AppState>,
    user: SignedIn,
    ApiJson(body): ApiJson<NewMeasurementBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?;
    Ok(HttpResponse::Ok().json(act::assess_measurement(&state.db, user, body.into()).await?))
}
