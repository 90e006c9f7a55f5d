//! Noise monitors over the API: registering them (administrators and
//! mediators), listing them, and the devices' own way in — batches of
//! readings sent with the device's token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::app::monitor_nights::{self as nights, NightDayView, NightFindingView};
use crate::app::monitor_readings::{self as readings, refusal_detail};
use crate::app::monitors::{self as act, MonitorView, RegisteredMonitor};
use crate::domain::commands::monitor::{MonitorFields, ReadingFields};
use crate::web::http::access::{CASE_WORK, EVERYONE, MEDIATION};
use crate::web::http::auth::client_address;
use crate::web::http::context::SignedIn;
use crate::web::http::error::ErrorReport;
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

/// The path of the devices' readings, which their own token opens (not a
/// user's): `/api/v1/monitors/{id}/readings`.
pub fn is_device_path(path: &str) -> bool {
    path.strip_prefix("/api/v1/monitors/")
        .and_then(|rest| rest.strip_suffix("/readings"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// A monitor to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMonitorBody {
    /// Where it stands, e.g. 敦化南路64号院 3号楼窗外1米.
    #[serde(default)]
    #[schema(required)]
    pub place: String,
    /// outside_window_1m, boundary, indoor_bedroom or indoor_other.
    #[serde(default)]
    #[schema(required)]
    pub position: String,
    /// Acoustic zone class (0, 1, 2, 3, 4a, 4b); the committee's when absent.
    pub zone_class: Option<String>,
    /// class1, class2 or indicative (IEC 61672).
    #[serde(default)]
    #[schema(required)]
    pub instrument_class: String,
    /// The meter's serial number.
    #[serde(default)]
    #[schema(required)]
    pub serial: String,
    /// Day of calibration (YYYY-MM-DD).
    pub calibrated_on: Option<String>,
    /// Last day the calibration is valid (YYYY-MM-DD).
    pub calibration_valid_until: Option<String>,
    /// HJ 212 device identity (MN), up to 24 characters.
    #[serde(default)]
    #[schema(required)]
    pub mn: String,
    /// The HJ 212 password configured on the device; generated when absent.
    pub hj212_password: Option<String>,
    /// Seconds between the device's real-time uploads (default 30).
    pub realtime_interval_s: Option<i64>,
    /// What a minute or hourly upload's DataTime marks: start (default) or end.
    pub data_time_marks: Option<String>,
    /// The case it watches.
    pub case_id: Option<i64>,
    /// The agreement it checks.
    pub agreement_id: Option<i64>,
}

impl From<NewMonitorBody> for MonitorFields {
    fn from(b: NewMonitorBody) -> Self {
        MonitorFields {
            place: b.place,
            position: b.position,
            zone_class: b.zone_class,
            instrument_class: b.instrument_class,
            serial: b.serial,
            calibrated_on: b.calibrated_on,
            calibration_valid_until: b.calibration_valid_until,
            mn: b.mn,
            hj212_password: b.hj212_password,
            realtime_interval_s: b.realtime_interval_s,
            data_time_marks: b.data_time_marks,
            case_id: b.case_id,
            agreement_id: b.agreement_id,
        }
    }
}

/// Registers a monitor of the caller's committee; the answer carries the
/// device's token and HJ 212 password, shown this once.
#[utoipa::path(post, path = "/api/v1/monitors", tag = "monitors", security(("bearer" = [])),
    request_body = NewMonitorBody,
    responses((status = 201, body = RegisteredMonitor), (status = 404, content_type = "application/problem+json")))]
pub async fn register_monitor(
    state: web::Data<AppState>,
    user: SignedIn,
    ApiJson(body): ApiJson<NewMonitorBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?;
    Ok(HttpResponse::Created().json(act::register_monitor(&state.db, user, body.into()).await?))
}

/// The caller's committee's monitors, newest first.
#[utoipa::path(get, path = "/api/v1/monitors", tag = "monitors", security(("bearer" = [])),
    responses((status = 200, body = [MonitorView])))]
pub async fn list_monitors(state: web::Data<AppState>, user: SignedIn) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?;
    Ok(HttpResponse::Ok().json(act::list_monitors(&state.db, user).await?))
}

/// One reading of a batch.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadingBody {
    /// Start of the interval (RFC 3339 with offset).
    #[serde(default)]
    #[schema(required, format = DateTime)]
    pub at: String,
    /// Length of the interval in seconds (default 60).
    pub interval_s: Option<i64>,
    /// L_Aeq over the interval, dB(A).
    #[schema(required)]
    pub laeq_db: Option<f64>,
    /// L_AFmax over the interval, dB(A).
    #[schema(required)]
    pub lafmax_db: Option<f64>,
    /// L10, dB(A).
    pub l10_db: Option<f64>,
    /// L90, dB(A).
    pub l90_db: Option<f64>,
    /// The instrument's mark (HJ 212 data flag): N normal, M maintenance, C calibrating, D fault …
    pub flag: Option<String>,
}

/// A batch of readings.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadingBatchBody {
    /// Up to 5 000 readings (the body is at most 1 MB).
    #[serde(default)]
    #[schema(required)]
    pub readings: Vec<ReadingBody>,
}

/// What a batch did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestedView {
    /// Readings stored now.
    pub stored: usize,
    /// Readings already stored identically (a resend), left as they were.
    pub already_stored: usize,
}

/// Receives a device's batch of readings. Authorised by the device's own
/// token (`Authorization: Bearer`), not a user's. Idempotent: a reading
/// already stored with the same values is counted, not written again; one
/// differing from what is stored refuses the batch (409). Any refused
/// reading refuses the whole batch, naming each (422). Refusals are
/// logged and counted: too many, and the device is answered 429.
#[utoipa::path(post, path = "/api/v1/monitors/{id}/readings", tag = "monitors", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Monitor id")), request_body = ReadingBatchBody,
    responses((status = 200, body = IngestedView), (status = 409, content_type = "application/problem+json"),
        (status = 429, content_type = "application/problem+json")))]
pub async fn receive_readings(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<ReadingBatchBody>,
) -> AppResult<HttpResponse> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned());
    let address = client_address(&req, &state);
    let batch = body
        .readings
        .into_iter()
        .map(|r| ReadingFields {
            at: r.at,
            interval_s: r.interval_s,
            laeq_db: r.laeq_db,
            lafmax_db: r.lafmax_db,
            l10_db: r.l10_db,
            l90_db: r.l90_db,
            flag: r.flag,
        })
        .collect();
    let now = state.config.clock.now();
    match readings::receive_batch(&state.db, path.into_inner(), token, address, batch, now).await {
        Ok(count) => {
            Ok(HttpResponse::Ok().json(IngestedView { stored: count.stored, already_stored: count.already_stored }))
        }
        Err(error) => {
            let Some(detail) = refusal_detail(&error) else { return Err(error) };
            let mut response = error.error_response();
            if let Some(report) = response.extensions_mut().get_mut::<ErrorReport>() {
                report.detail = detail;
            }
            if matches!(error, AppError::Unauthorized) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            Ok(response)
        }
    }
}

/// How many nights the strip shows.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NightsQuery {
    /// Nights, newest first (default 30, at most 366).
    pub days: Option<u32>,
}

/// The last nights of an agreement a monitor checks, newest first: for
/// each night its worst outcome (possible_breach, no_data, kept, or
/// not_evaluated) and the findings of each term with their numbers.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/nights", tag = "monitors", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agreement id"), NightsQuery),
    responses((status = 200, body = [NightDayView])))]
pub async fn agreement_nights(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    query: web::Query<NightsQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?;
    let days = query.days.unwrap_or(30).clamp(1, 366);
    Ok(HttpResponse::Ok().json(
        nights::agreement_nights(&state.db, user.committee_id, path.into_inner(), days, state.config.clock.now())
            .await?,
    ))
}

/// Why a possible breach is dismissed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DismissBody {
    /// The reason, kept with the finding.
    #[serde(default)]
    #[schema(required)]
    pub reason: String,
}

/// Dismisses a possible breach with a reason (mediators and
/// administrators); a finding is reviewed once.
#[utoipa::path(post, path = "/api/v1/night-findings/{id}/dismiss", tag = "monitors", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")), request_body = DismissBody,
    responses((status = 200, body = NightFindingView), (status = 409, content_type = "application/problem+json")))]
pub async fn dismiss_finding(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<DismissBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?;
    Ok(HttpResponse::Ok().json(nights::dismiss_finding(&state.db, user, path.into_inner(), body.reason).await?))
}

/// Confirms a possible breach found by a certified monitor into a
/// follow-up record of method night_check (mediators and administrators),
/// which marks the agreement and the case breached; an indicative
/// monitor's finding cannot be confirmed (409).
#[utoipa::path(post, path = "/api/v1/night-findings/{id}/confirm", tag = "monitors", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")),
    responses((status = 200, body = NightFindingView), (status = 409, content_type = "application/problem+json")))]
pub async fn confirm_finding(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?;
    Ok(HttpResponse::Ok().json(nights::confirm_finding(&state.db, user, path.into_inner()).await?))
}
