//! Investigations and noise measurements over the API.

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
use crate::db::committees::{self, Committee};
use crate::db::investigations::{self, Investigation, Measurement, NewInvestigation, NewMeasurement, QuestionAnswer};
use crate::domain::clock::{format_instant, local_clock, parse_instant};
use crate::domain::noise::{Position, Reading, assess};
use crate::domain::{Invalid, optional_text, required_text};

/// An on-site investigation to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

/// An investigation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvestigationView {
    /// Id.
    pub id: i64,
    /// When.
    pub conducted_at: String,
    /// Where.
    pub place: String,
    /// Who investigated.
    pub investigators: String,
    /// Others present.
    pub participants: Option<String>,
    /// Person investigated.
    pub subject: Option<String>,
    /// Questions and answers.
    pub record: Vec<QuestionAnswer>,
    /// Findings.
    pub findings: Option<String>,
}

impl InvestigationView {
    /// The view of an investigation.
    pub fn new(i: &Investigation, offset: i32) -> Self {
        Self {
            id: i.id,
            conducted_at: format_instant(i.conducted_at, offset),
            place: i.place.clone(),
            investigators: i.investigators.clone(),
            participants: i.participants.clone(),
            subject: i.subject.clone(),
            record: i.questions(),
            findings: i.findings.clone(),
        }
    }
}

/// Checks an investigation to record.
pub fn parse_investigation(body: &NewInvestigationBody) -> AppResult<NewInvestigation> {
    let mut f = Fields::new();
    let conducted_at = f.check("conducted_at", parse_instant(&body.conducted_at));
    let place = f.check("place", required_text(&body.place, 200));
    let investigators = f.check("investigators", required_text(&body.investigators, 200));
    let participants =
        f.check("participants", optional_text(body.participants.as_deref().unwrap_or(""), 500)).flatten();
    let subject = f.check("subject", optional_text(body.subject.as_deref().unwrap_or(""), 200)).flatten();
    let findings = f.check("findings", optional_text(body.findings.as_deref().unwrap_or(""), 4000)).flatten();
    let mut record = Vec::new();
    for (i, qa) in body.record.iter().enumerate() {
        let q = f.check(format!("record[{i}].q"), required_text(&qa.q, 1000));
        let a = f.check(format!("record[{i}].a"), required_text(&qa.a, 4000));
        if let (Some(q), Some(a)) = (q, a) {
            record.push(QuestionAnswer { q, a });
        }
    }
    f.done(match (conducted_at, place, investigators) {
        (Some(conducted_at), Some(place), Some(investigators)) => {
            Some(NewInvestigation { conducted_at, place, investigators, participants, subject, record, findings })
        }
        _ => None,
    })
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
    let user = user.require(FIELD_WORK)?.clone();
    let case_id = path.into_inner();
    let new = parse_investigation(&body)?;
    let view = state
        .db(move |conn| {
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let row =
                investigations::create(conn, &user.actor(), user.committee_id, case_id, &new, Utc::now().naive_utc())?;
            Ok(InvestigationView::new(&row, offset))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A noise reading to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

/// A measurement and what it shows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeasurementView {
    /// Id (absent in a preview).
    pub id: Option<i64>,
    /// When.
    pub measured_at: String,
    /// Position.
    pub position: String,
    /// Height, m.
    pub height_m: Option<f64>,
    /// L_Aeq.
    pub laeq_db: f64,
    /// L_max.
    pub lmax_db: Option<f64>,
    /// Background.
    pub background_db: Option<f64>,
    /// Duration, s.
    pub duration_s: i32,
    /// Meter class.
    pub instrument_class: Option<i32>,
    /// Calibration before.
    pub calibration_before_db: Option<f64>,
    /// Calibration after.
    pub calibration_after_db: Option<f64>,
    /// Indicative reading.
    pub indicative: bool,
    /// Meets the measurement rules.
    pub valid: bool,
    /// Rules broken: indicative, meter_class, calibration_missing, calibration_drift, remeasure, height.
    pub invalid_reasons: Vec<String>,
    /// After background correction; null when it must be measured again.
    pub corrected_db: Option<f64>,
    /// The committee's limit for the zone, position and period.
    pub limit_db: f64,
    /// day / night.
    pub period: String,
    /// How far above the limit (0 when below).
    pub exceeds_by_db: Option<f64>,
    /// At night, how far L_max is above the limit plus 15 dB.
    pub lmax_exceeds_by_db: Option<f64>,
}

impl MeasurementView {
    /// The view of a stored measurement.
    pub fn new(m: &Measurement, offset: i32) -> Self {
        Self {
            id: Some(m.id),
            measured_at: format_instant(m.measured_at, offset),
            position: m.position.clone(),
            height_m: m.height_m,
            laeq_db: m.laeq_db,
            lmax_db: m.lmax_db,
            background_db: m.background_db,
            duration_s: m.duration_s,
            instrument_class: m.instrument_class,
            calibration_before_db: m.calibration_before_db,
            calibration_after_db: m.calibration_after_db,
            indicative: m.indicative,
            valid: m.valid,
            invalid_reasons: m.reasons(),
            corrected_db: m.corrected_db,
            limit_db: m.limit_db,
            period: m.period.clone(),
            exceeds_by_db: m.exceeds_by_db,
            lmax_exceeds_by_db: m.lmax_exceeds_by_db,
        }
    }
}

fn level(f: &mut Fields, field: &str, value: Option<f64>, required: bool) -> Option<f64> {
    match value {
        Some(v) if (0.0..=160.0).contains(&v) => Some(v),
        Some(_) => {
            f.push(field, Invalid::new("invalid.range").with("min", 0).with("max", 160));
            None
        }
        None if required => {
            f.push(field, Invalid::new("invalid.required"));
            None
        }
        None => None,
    }
}

/// Checks a reading and assesses it against the committee's limits.
pub fn parse_measurement(body: &NewMeasurementBody, committee: &Committee) -> AppResult<NewMeasurement> {
    let mut f = Fields::new();
    let measured_at = f.check("measured_at", parse_instant(&body.measured_at));
    let position = f.check("position", Position::parse(&body.position));
    let laeq_db = level(&mut f, "laeq_db", body.laeq_db, true);
    let lmax_db = level(&mut f, "lmax_db", body.lmax_db, false);
    let background_db = level(&mut f, "background_db", body.background_db, false);
    let calibration_before_db = level(&mut f, "calibration_before_db", body.calibration_before_db, false);
    let calibration_after_db = level(&mut f, "calibration_after_db", body.calibration_after_db, false);
    let height_m = match body.height_m {
        Some(h) if (0.0..=200.0).contains(&h) => Some(h),
        Some(_) => {
            f.push("height_m", Invalid::new("invalid.range").with("min", 0).with("max", 200));
            None
        }
        None => None,
    };
    let duration_s = match body.duration_s {
        Some(d) if (1..=86_400).contains(&d) => Some(d),
        Some(_) => {
            f.push("duration_s", Invalid::new("invalid.range").with("min", 1).with("max", 86_400));
            None
        }
        None => {
            f.push("duration_s", Invalid::new("invalid.required"));
            None
        }
    };
    if let (Some(l), Some(m)) = (laeq_db, lmax_db)
        && m < l
    {
        f.push("lmax_db", Invalid::new("invalid.lmax_below_laeq"));
    }
    let instrument_class = match body.instrument_class {
        Some(c @ 1..=3) => Some(c),
        Some(_) => {
            f.push("instrument_class", Invalid::new("invalid.choice").with("allowed", "1, 2, 3"));
            None
        }
        None => None,
    };
    let instrument = f.check("instrument", optional_text(body.instrument.as_deref().unwrap_or(""), 100)).flatten();
    let operator = f.check("operator", optional_text(body.operator.as_deref().unwrap_or(""), 100)).flatten();
    let parsed = match (measured_at, position, laeq_db, duration_s) {
        (Some(measured_at), Some(position), Some(laeq_db), Some(duration_s)) if f.is_ok() => {
            let settings = committee.settings();
            let reading = Reading {
                at: local_clock(measured_at, committee.utc_offset_minutes),
                position,
                height_m,
                laeq_db,
                lmax_db,
                background_db,
                instrument_class,
                calibration_before_db,
                calibration_after_db,
                indicative: body.indicative,
            };
            let assessment = assess(&reading, settings.zone_class, &settings.night);
            Some(NewMeasurement {
                investigation_id: body.investigation_id,
                measured_at,
                position,
                height_m,
                laeq_db,
                lmax_db,
                background_db,
                duration_s,
                instrument,
                instrument_class,
                calibration_before_db,
                calibration_after_db,
                indicative: body.indicative,
                operator,
                assessment,
            })
        }
        _ => None,
    };
    f.done(parsed)
}

/// What a reading would show, without saving it (for forms).
pub fn preview(m: &NewMeasurement, offset: i32) -> MeasurementView {
    let a = &m.assessment;
    MeasurementView {
        id: None,
        measured_at: format_instant(m.measured_at, offset),
        position: m.position.code().to_owned(),
        height_m: m.height_m,
        laeq_db: m.laeq_db,
        lmax_db: m.lmax_db,
        background_db: m.background_db,
        duration_s: m.duration_s,
        instrument_class: m.instrument_class,
        calibration_before_db: m.calibration_before_db,
        calibration_after_db: m.calibration_after_db,
        indicative: m.indicative,
        valid: a.valid,
        invalid_reasons: a.invalid_reasons.iter().map(|r| (*r).to_owned()).collect(),
        corrected_db: a.corrected_db,
        limit_db: a.limit_db,
        period: a.period.code().to_owned(),
        exceeds_by_db: a.exceeds_by_db,
        lmax_exceeds_by_db: a.lmax_exceeds_by_db,
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
    let user = user.require(FIELD_WORK)?.clone();
    let case_id = path.into_inner();
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let new = parse_measurement(&body, &committee)?;
            let row = investigations::record_measurement(
                conn,
                &user.actor(),
                committee.id,
                case_id,
                &new,
                Utc::now().naive_utc(),
            )?;
            Ok(MeasurementView::new(&row, committee.utc_offset_minutes))
        })
        .await?;
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
    let user = user.require(FIELD_WORK)?.clone();
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let new = parse_measurement(&body, &committee)?;
            Ok(preview(&new, committee.utc_offset_minutes))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
