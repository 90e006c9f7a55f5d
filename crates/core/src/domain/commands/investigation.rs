//! The commands of field work: an on-site investigation and a noise
//! measurement, each parsed once from the API's JSON or a form.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::domain::clock::{local_clock, parse_instant};
use crate::domain::committee::CommitteeSettings;
use crate::domain::fields::{Fields, Refused};
use crate::domain::noise::{Assessment, Position, Reading, assess};
use crate::domain::{Invalid, optional_text, required_text};

/// One question of an investigation's record and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionAnswer {
    /// 问
    pub q: String,
    /// 答
    pub a: String,
}

/// An investigation to record, checked.
#[derive(Debug, Clone)]
pub struct NewInvestigation {
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
    /// Questions and answers.
    pub record: Vec<QuestionAnswer>,
    /// Findings.
    pub findings: Option<String>,
}

/// An investigation as entered.
#[derive(Debug, Clone, Default)]
pub struct InvestigationFields {
    /// When (RFC 3339).
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

impl InvestigationFields {
    /// The investigation these fields record.
    pub fn parse(&self) -> Result<NewInvestigation, Refused> {
        let mut f = Fields::new();
        let conducted_at = f.check("conducted_at", parse_instant(&self.conducted_at));
        let place = f.check("place", required_text(&self.place, 200));
        let investigators = f.check("investigators", required_text(&self.investigators, 200));
        let participants =
            f.check("participants", optional_text(self.participants.as_deref().unwrap_or(""), 500)).flatten();
        let subject = f.check("subject", optional_text(self.subject.as_deref().unwrap_or(""), 200)).flatten();
        let findings = f.check("findings", optional_text(self.findings.as_deref().unwrap_or(""), 4000)).flatten();
        let mut record = Vec::new();
        for (i, qa) in self.record.iter().enumerate() {
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
}

/// A measurement to record, checked and assessed.
#[derive(Debug, Clone)]
pub struct NewMeasurement {
    /// Investigation it belongs to.
    pub investigation_id: Option<i64>,
    /// When.
    pub measured_at: NaiveDateTime,
    /// Position.
    pub position: Position,
    /// Height.
    pub height_m: Option<f64>,
    /// L_Aeq.
    pub laeq_db: f64,
    /// L_max.
    pub lmax_db: Option<f64>,
    /// Background.
    pub background_db: Option<f64>,
    /// Duration.
    pub duration_s: i32,
    /// Instrument.
    pub instrument: Option<String>,
    /// Meter class.
    pub instrument_class: Option<i32>,
    /// Calibration before.
    pub calibration_before_db: Option<f64>,
    /// Calibration after.
    pub calibration_after_db: Option<f64>,
    /// Indicative.
    pub indicative: bool,
    /// Operator.
    pub operator: Option<String>,
    /// The assessment against the committee's limits.
    pub assessment: Assessment,
}

/// A noise reading as entered.
#[derive(Debug, Clone, Default)]
pub struct MeasurementFields {
    /// When (RFC 3339).
    pub measured_at: String,
    /// Position code.
    pub position: String,
    /// Microphone height, m.
    pub height_m: Option<f64>,
    /// L_Aeq, dB(A).
    pub laeq_db: Option<f64>,
    /// L_max, dB(A).
    pub lmax_db: Option<f64>,
    /// Background level, dB(A).
    pub background_db: Option<f64>,
    /// Duration, s.
    pub duration_s: Option<i32>,
    /// Meter class, 1 or 2.
    pub instrument_class: Option<i32>,
    /// Calibrator reading before.
    pub calibration_before_db: Option<f64>,
    /// Calibrator reading after.
    pub calibration_after_db: Option<f64>,
    /// A phone app or other non-standard meter.
    pub indicative: bool,
    /// Instrument model and serial.
    pub instrument: Option<String>,
    /// Who measured.
    pub operator: Option<String>,
    /// The investigation it belongs to.
    pub investigation_id: Option<i64>,
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

impl MeasurementFields {
    /// The reading these fields record, assessed against a committee's
    /// zone class and night window, its local time `utc_offset_minutes`
    /// from UTC.
    pub fn parse(&self, settings: &CommitteeSettings, utc_offset_minutes: i32) -> Result<NewMeasurement, Refused> {
        let mut f = Fields::new();
        let measured_at = f.check("measured_at", parse_instant(&self.measured_at));
        let position = f.check("position", Position::parse(&self.position));
        let laeq_db = level(&mut f, "laeq_db", self.laeq_db, true);
        let lmax_db = level(&mut f, "lmax_db", self.lmax_db, false);
        let background_db = level(&mut f, "background_db", self.background_db, false);
        let calibration_before_db = level(&mut f, "calibration_before_db", self.calibration_before_db, false);
        let calibration_after_db = level(&mut f, "calibration_after_db", self.calibration_after_db, false);
        let height_m = match self.height_m {
            Some(h) if (0.0..=200.0).contains(&h) => Some(h),
            Some(_) => {
                f.push("height_m", Invalid::new("invalid.range").with("min", 0).with("max", 200));
                None
            }
            None => None,
        };
        let duration_s = match self.duration_s {
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
        let instrument_class = match self.instrument_class {
            Some(c @ 1..=3) => Some(c),
            Some(_) => {
                f.push("instrument_class", Invalid::new("invalid.choice").with("allowed", "1, 2, 3"));
                None
            }
            None => None,
        };
        let instrument = f.check("instrument", optional_text(self.instrument.as_deref().unwrap_or(""), 100)).flatten();
        let operator = f.check("operator", optional_text(self.operator.as_deref().unwrap_or(""), 100)).flatten();
        let parsed = match (measured_at, position, laeq_db, duration_s) {
            (Some(measured_at), Some(position), Some(laeq_db), Some(duration_s)) if f.is_ok() => {
                let reading = Reading {
                    at: local_clock(measured_at, utc_offset_minutes),
                    position,
                    height_m,
                    laeq_db,
                    lmax_db,
                    background_db,
                    instrument_class,
                    calibration_before_db,
                    calibration_after_db,
                    indicative: self.indicative,
                };
                let assessment = assess(&reading, settings.zone_class, &settings.night);
                Some(NewMeasurement {
                    investigation_id: self.investigation_id,
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
                    indicative: self.indicative,
                    operator,
                    assessment,
                })
            }
            _ => None,
        };
        f.done(parsed)
    }
}
