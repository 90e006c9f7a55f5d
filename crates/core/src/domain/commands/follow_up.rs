//! The command of a follow-up visit: what was seen for each term of an
//! agreement, from the API's JSON or the follow-up form alike.

use chrono::NaiveDateTime;

use crate::domain::clock::{ClockTime, parse_instant};
use crate::domain::fields::{Fields, Refused};
use crate::domain::follow_up::{Compliance, Observation, VisitMethod, check_satisfaction};
use crate::domain::{Invalid, optional_text, required_text};

/// A follow-up to record.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    /// When.
    pub visited_at: NaiveDateTime,
    /// Who visited (or the reporting party's name).
    pub visitor: String,
    /// Method.
    pub method: VisitMethod,
    /// Observations by term index (from 0) with a note each.
    pub observations: Vec<(usize, Observation, Option<String>)>,
    /// Satisfaction 1–5.
    pub satisfaction: Option<i32>,
    /// Lawsuit filed.
    pub lawsuit: bool,
    /// Risk signs.
    pub risk_signs: Option<String>,
    /// Measures taken.
    pub measures: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Mark the agreement fulfilled when every term is kept.
    pub mark_fulfilled: bool,
    /// The party reporting through the portal.
    pub reported_by_party_id: Option<i64>,
    /// kept, partly or not_kept, for a party's own report.
    pub resident_answer: Option<String>,
}

/// What was seen for one term, as entered.
#[derive(Debug, Clone, Default)]
pub struct ObservationFields {
    /// Index of the term in the agreement's terms, from 0.
    pub term_index: Option<usize>,
    /// When the activity was seen to end, `HH:MM`.
    pub observed_end: Option<String>,
    /// A level measured, dB(A).
    pub measured_db: Option<f64>,
    /// The level came from a phone or other non-standard meter.
    pub indicative: bool,
    /// kept or breached, for terms no number can check.
    pub result: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// A follow-up visit as entered.
#[derive(Debug, Clone, Default)]
pub struct FollowUpFields {
    /// When (RFC 3339).
    pub visited_at: String,
    /// visit, phone or night_check.
    pub method: String,
    /// Observations per term.
    pub observations: Vec<ObservationFields>,
    /// Satisfaction 1–5.
    pub satisfaction: Option<i32>,
    /// Notes.
    pub notes: Option<String>,
    /// Signs of escalation or hidden risk.
    pub risk_signs: Option<String>,
    /// Measures taken.
    pub measures: Option<String>,
    /// Whether a lawsuit has been filed.
    pub lawsuit: bool,
    /// Who visited (default: the recording user).
    pub visitor: Option<String>,
    /// Mark the agreement fulfilled when every term is found kept.
    pub mark_fulfilled: bool,
}

impl FollowUpFields {
    /// The visit these fields record, by a user named `recorder` (the
    /// visitor when none is named).
    pub fn parse(&self, recorder: &str) -> Result<NewFollowUp, Refused> {
        let body = self;
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
            None => Some(recorder.to_owned()),
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
            let observed_end =
                f.optional(&format!("{prefix}observed_end"), o.observed_end.as_deref(), ClockTime::parse);
            let measured_db = match o.measured_db {
                Some(db) if (0.0..=160.0).contains(&db) => Some(db),
                Some(_) => {
                    f.push(
                        format!("{prefix}measured_db"),
                        Invalid::new("invalid.range").with("min", 0).with("max", 160),
                    );
                    None
                }
                None => None,
            };
            let reported = f.optional(&format!("{prefix}result"), o.result.as_deref(), Compliance::parse_reported);
            let note = f.check(format!("{prefix}note"), optional_text(o.note.as_deref().unwrap_or(""), 1000)).flatten();
            observations.push((
                index,
                Observation { observed_end, measured_db, indicative: o.indicative, reported },
                note,
            ));
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
}
