//! On-site investigations and noise measurements.

use crate::db::codes::Code;
use crate::domain::noise::Position;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::audit::audited;
use super::cases;
use super::codes::Json;
use super::schema::{investigation, measurement};
use super::{DbConn, WriteError};
use crate::domain::Invalid;
use crate::domain::audit::Actor;
use crate::domain::commands::investigation::{NewInvestigation, NewMeasurement, QuestionAnswer};

/// An investigation as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = investigation)]
pub struct Investigation {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// When.
    pub conducted_at: NaiveDateTime,
    /// Where.
    pub place: String,
    /// Investigators.
    pub investigators: String,
    /// Others present.
    pub participants: Option<String>,
    /// Person investigated.
    pub subject: Option<String>,
    /// Q&A record as JSON.
    pub record: Json<Vec<QuestionAnswer>>,
    /// What was found.
    pub findings: Option<String>,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

impl Investigation {
    /// The Q&A record.
    pub fn questions(&self) -> Vec<QuestionAnswer> {
        self.record.0.clone()
    }
}

fn open_case(conn: &mut DbConn, committee_id: i64, case_id: i64) -> Result<cases::Case, WriteError> {
    let case = cases::find(conn, committee_id, case_id)?;
    if case.status().is_closed() {
        return Err(WriteError::conflict(Invalid::new("conflict.case_closed")));
    }
    Ok(case)
}

/// Records an investigation.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    new: &NewInvestigation,
    now: NaiveDateTime,
) -> Result<Investigation, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        open_case(conn, committee_id, case_id)?;
        let row = diesel::insert_into(investigation::table)
            .values((
                investigation::case_id.eq(case_id),
                investigation::conducted_at.eq(new.conducted_at),
                investigation::place.eq(&new.place),
                investigation::investigators.eq(&new.investigators),
                investigation::participants.eq(&new.participants),
                investigation::subject.eq(&new.subject),
                investigation::record.eq(serde_json::to_string(&new.record).unwrap_or_else(|_| "[]".into())),
                investigation::findings.eq(&new.findings),
                investigation::created_by.eq(actor.id),
                investigation::created_at.eq(now),
            ))
            .returning(investigation::id)
            .get_result::<i64>(conn)
            .and_then(|id| investigation::table.find(id).select(Investigation::as_select()).first(conn))?;
        log.record(
            "investigation.create",
            "investigation",
            row.id,
            json!({"case_id": case_id, "place": row.place, "questions": new.record.len()}),
        );
        Ok(row)
    })
}

/// Investigations of a case, oldest first.
pub fn of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Investigation>> {
    of_cases(conn, &[case_id])
}

/// Investigations of cases `case_ids`, by case, each case's oldest first.
pub fn of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<Investigation>> {
    investigation::table
        .filter(investigation::case_id.eq_any(case_ids))
        .order((investigation::case_id, investigation::conducted_at, investigation::id))
        .select(Investigation::as_select())
        .load(conn)
}

/// A measurement as stored, with its assessment at the time.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = measurement)]
pub struct Measurement {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Investigation it belongs to.
    pub investigation_id: Option<i64>,
    /// When.
    pub measured_at: NaiveDateTime,
    /// Position code.
    pub position: Code<Position>,
    /// Height, m.
    pub height_m: Option<f64>,
    /// L_Aeq, dB(A).
    pub laeq_db: f64,
    /// L_max, dB(A).
    pub lmax_db: Option<f64>,
    /// Background, dB(A).
    pub background_db: Option<f64>,
    /// Duration, s.
    pub duration_s: i32,
    /// Instrument name and serial.
    pub instrument: Option<String>,
    /// Meter class.
    pub instrument_class: Option<i32>,
    /// Calibration before.
    pub calibration_before_db: Option<f64>,
    /// Calibration after.
    pub calibration_after_db: Option<f64>,
    /// Phone or non-standard meter.
    pub indicative: bool,
    /// Who measured.
    pub operator: Option<String>,
    /// Meets the measurement rules.
    pub valid: bool,
    /// Rules broken, comma-separated codes.
    pub invalid_reasons: String,
    /// Corrected level.
    pub corrected_db: Option<f64>,
    /// Limit applied.
    pub limit_db: f64,
    /// day / night.
    pub period: String,
    /// Exceedance of the limit.
    pub exceeds_by_db: Option<f64>,
    /// Night peak exceedance.
    pub lmax_exceeds_by_db: Option<f64>,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When recorded.
    pub created_at: NaiveDateTime,
}

impl Measurement {
    /// The codes of the rules the reading breaks.
    pub fn reasons(&self) -> Vec<String> {
        self.invalid_reasons.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

/// Records a measurement.
pub fn record_measurement(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    case_id: i64,
    new: &NewMeasurement,
    now: NaiveDateTime,
) -> Result<Measurement, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        open_case(conn, committee_id, case_id)?;
        if let Some(inv) = new.investigation_id {
            let belongs: i64 = investigation::table
                .filter(investigation::id.eq(inv).and(investigation::case_id.eq(case_id)))
                .count()
                .get_result(conn)?;
            if belongs == 0 {
                return Err(WriteError::field("investigation_id", Invalid::new("invalid.no_such_investigation")));
            }
        }
        let a = &new.assessment;
        let row = diesel::insert_into(measurement::table)
            .values((
                measurement::case_id.eq(case_id),
                measurement::investigation_id.eq(new.investigation_id),
                measurement::measured_at.eq(new.measured_at),
                measurement::position.eq(new.position.code()),
                measurement::height_m.eq(new.height_m),
                measurement::laeq_db.eq(new.laeq_db),
                measurement::lmax_db.eq(new.lmax_db),
                measurement::background_db.eq(new.background_db),
                measurement::duration_s.eq(new.duration_s),
                measurement::instrument.eq(&new.instrument),
                measurement::instrument_class.eq(new.instrument_class),
                measurement::calibration_before_db.eq(new.calibration_before_db),
                measurement::calibration_after_db.eq(new.calibration_after_db),
                measurement::indicative.eq(new.indicative),
                measurement::operator.eq(&new.operator),
                measurement::valid.eq(a.valid),
                measurement::invalid_reasons.eq(a.invalid_reasons.join(",")),
                measurement::corrected_db.eq(a.corrected_db),
                measurement::limit_db.eq(a.limit_db),
                measurement::period.eq(a.period.code()),
                measurement::exceeds_by_db.eq(a.exceeds_by_db),
                measurement::lmax_exceeds_by_db.eq(a.lmax_exceeds_by_db),
                measurement::created_by.eq(actor.id),
                measurement::created_at.eq(now),
            ))
            .returning(measurement::id)
            .get_result::<i64>(conn)
            .and_then(|id| measurement::table.find(id).select(Measurement::as_select()).first(conn))?;
        crate::db::reports::rollup::measurement_changed(conn, row.id)?;
        log.record(
            "measurement.create",
            "measurement",
            row.id,
            json!({"case_id": case_id, "laeq_db": row.laeq_db, "valid": row.valid, "limit_db": row.limit_db, "exceeds_by_db": row.exceeds_by_db}),
        );
        Ok(row)
    })
}

/// Measurements of a case, oldest first.
pub fn measurements_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Measurement>> {
    measurements_of_cases(conn, &[case_id])
}

/// Measurements of cases `case_ids`, by case, each case's oldest first.
pub fn measurements_of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<Measurement>> {
    measurement::table
        .filter(measurement::case_id.eq_any(case_ids))
        .order((measurement::case_id, measurement::measured_at, measurement::id))
        .select(Measurement::as_select())
        .load(conn)
}
