//! Field work: on-site investigations and noise measurements.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::db::investigations::{self, Investigation, Measurement};
use crate::db::users::User;
use crate::db::{Db, committees};
use crate::domain::clock::format_instant;
use crate::domain::commands::investigation::{InvestigationFields, MeasurementFields, NewMeasurement, QuestionAnswer};

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
            position: m.position.to_string(),
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

/// Records an on-site investigation of case `case_id`.
pub async fn record_investigation(
    db: &Db,
    user: &User,
    case_id: i64,
    fields: InvestigationFields,
) -> AppResult<InvestigationView> {
    let new = fields.parse()?;
    let user = user.clone();
    db.run(move |conn| {
        let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
        let row =
            investigations::create(conn, &user.actor(), user.committee_id, case_id, &new, Utc::now().naive_utc())?;
        Ok::<_, AppError>(InvestigationView::new(&row, offset))
    })
    .await
}

/// Records a noise measurement of case `case_id`, assessed against the
/// committee's zone class and night window: calibration drift over 0.5 dB
/// voids it, the background is corrected, and a phone reading is kept as
/// indicative.
pub async fn record_measurement(
    db: &Db,
    user: &User,
    case_id: i64,
    fields: MeasurementFields,
) -> AppResult<MeasurementView> {
    let user = user.clone();
    db.run(move |conn| {
        let committee = committees::find(conn, user.committee_id)?;
        let new = fields.parse(&committee.settings()?, committee.utc_offset_minutes)?;
        let now = Utc::now().naive_utc();
        let row = investigations::record_measurement(conn, &user.actor(), committee.id, case_id, &new, now)?;
        Ok::<_, AppError>(MeasurementView::new(&row, committee.utc_offset_minutes))
    })
    .await
}

/// What a reading would show, assessed against the committee's limits,
/// without saving it.
pub async fn assess_measurement(db: &Db, user: &User, fields: MeasurementFields) -> AppResult<MeasurementView> {
    let committee_id = user.committee_id;
    db.read(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let new = fields.parse(&committee.settings()?, committee.utc_offset_minutes)?;
        Ok::<_, AppError>(preview(&new, committee.utc_offset_minutes))
    })
    .await
}
