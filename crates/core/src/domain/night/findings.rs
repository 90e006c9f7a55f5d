//! What a night shows for a term, and the numbers behind it, as stored
//! with the finding and shown to the mediator.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::monitor::Basis;

/// An interval of readings above the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exceedance {
    /// When it starts (UTC).
    pub at: NaiveDateTime,
    /// How long of it lies in the period checked, seconds.
    pub seconds: u32,
    /// Its L_Aeq, dB(A).
    pub laeq_db: f64,
}

/// What a time-window night shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeWindowEvidence {
    /// The background, dB(A).
    pub background_db: f64,
    /// Background plus margin: levels above it count as the activity.
    pub threshold_db: f64,
    /// Minutes tolerated.
    pub allowed_minutes: u32,
    /// The intervals above the threshold after the agreed end.
    pub after_end: Vec<Exceedance>,
    /// The intervals above the threshold before the agreed start.
    pub before_start: Vec<Exceedance>,
}

impl TimeWindowEvidence {
    /// Minutes above the threshold after the end.
    pub fn minutes_after_end(&self) -> f64 {
        minutes(&self.after_end)
    }

    /// Minutes above the threshold before the start.
    pub fn minutes_before_start(&self) -> f64 {
        minutes(&self.before_start)
    }
}

fn minutes(intervals: &[Exceedance]) -> f64 {
    f64::from(intervals.iter().map(|e| e.seconds).sum::<u32>()) / 60.0
}

/// The loudest reading of a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loudest {
    /// When it starts (UTC).
    pub at: NaiveDateTime,
    /// Its length, seconds.
    pub interval_s: u32,
    /// Its L_Aeq, dB(A).
    pub laeq_db: f64,
    /// Its L_AFmax, dB(A), when reported.
    pub lafmax_db: Option<f64>,
}

/// What a volume night shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeEvidence {
    /// Energetic mean over the activity window, to 0.1 dB(A).
    pub mean_db: f64,
    /// The agreed limit.
    pub limit_db: f64,
    /// The tolerance above it.
    pub tolerance_db: f64,
    /// The loudest interval.
    pub loudest: Option<Loudest>,
}

/// The numbers behind a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Evidence {
    /// Of a time-window term.
    TimeWindow(TimeWindowEvidence),
    /// Of a volume term.
    Volume(VolumeEvidence),
}

/// How much of the expected time had readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Seconds the night needed readings for.
    pub expected_s: i64,
    /// Seconds it had them for.
    pub covered_s: i64,
}

/// A night, for one term.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum NightOutcome {
    /// The term was kept.
    Kept(Evidence),
    /// The readings point to a breach, for a mediator to confirm or dismiss.
    PossibleBreach(Evidence),
    /// Too much of the expected time had no readings.
    NoData(Coverage),
}

impl NightOutcome {
    /// The stored code.
    pub fn code(&self) -> &'static str {
        match self {
            NightOutcome::Kept(_) => "kept",
            NightOutcome::PossibleBreach(_) => "possible_breach",
            NightOutcome::NoData(_) => "no_data",
        }
    }
}

/// Why a term is not evaluated on a night.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotEvaluated {
    /// No monitor can check this kind of term (payment, relocation…).
    NotMeasurable,
    /// The term does not apply on this day of the week.
    NotThatDay,
    /// The term lacks an end time or a limit, or a volume term has no
    /// window of its own or from the agreement.
    Incomplete,
    /// The volume term is measured elsewhere than the monitor's position.
    OtherPosition,
}

/// A term's finding for one night.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermFinding {
    /// The term's index in the agreement.
    pub term_index: usize,
    /// What the night shows.
    pub outcome: NightOutcome,
    /// Whether the monitor could support a breach finding that night.
    pub basis: Basis,
}
