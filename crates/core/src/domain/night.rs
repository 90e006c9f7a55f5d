//! One night of a monitor's readings against an agreement's terms: kept,
//! possible breach (with the minutes and levels that show it), or no data.
//! The finding is only ever a proposal: a mediator confirms or dismisses it.
//!
//! A night is named by its local evening date and runs from 06:00 that day
//! to 06:00 the next, so clock times before 06:00 fall after midnight, as
//! follow-ups compare end times. Terms speak in the committee's local clock;
//! readings are stored in UTC and carried over by the committee's offset.

pub mod curve;
mod findings;
mod levels;
#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde::Serialize;

pub use findings::{
    Coverage, Evidence, Exceedance, Loudest, NightOutcome, NotEvaluated, TermFinding, TimeWindowEvidence,
    VolumeEvidence,
};
pub use levels::{energetic_mean, percentile, round1};

use super::agreement::{Term, TermKind};
use super::clock::ClockTime;
use super::monitor::{Monitor, MonitorReading};

/// Minutes after midnight at which a night ends and the next day begins.
const NIGHT_ENDS: u16 = 6 * 60;

const DAY_CODES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The quiet the activity is compared with, for time-window terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Background {
    /// A level agreed or measured once, dB(A).
    Level(f64),
    /// The night's own L90 between two clock times: the level exceeded 90 %
    /// of that time (its 10th percentile).
    L90 {
        /// Start of the reference period.
        from: ClockTime,
        /// End of the reference period.
        to: ClockTime,
    },
}

/// How nights are judged; stated with the agreement or the committee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NightRules {
    /// The background of the place.
    pub background: Background,
    /// How far above the background the activity must be to count, dB.
    pub margin_db: f64,
    /// Minutes above background plus margin tolerated outside the window.
    pub allowed_minutes: u32,
    /// How long after the agreed end to listen, in minutes.
    pub watch_after_end_minutes: u32,
    /// How long before an agreed start to listen, in minutes; 0 leaves
    /// early starts unchecked (evenings are rarely as quiet as the night
    /// the background is taken from).
    pub watch_before_start_minutes: u32,
    /// How far a volume term's mean may exceed its limit before it counts, dB.
    pub tolerance_db: f64,
    /// The largest share of the expected time that may be missing (0–1).
    pub max_missing_share: f64,
}

impl Default for NightRules {
    /// L90 of 01:00–04:00 as background, 5 dB margin, 10 minutes allowed
    /// within three hours after the end, 1 dB tolerance, a fifth missing at most.
    fn default() -> Self {
        let clock = |h| ClockTime::from_hm(h, 0).unwrap_or_else(|| ClockTime::of(NaiveTime::MIN));
        Self {
            background: Background::L90 { from: clock(1), to: clock(4) },
            margin_db: 5.0,
            allowed_minutes: 10,
            watch_after_end_minutes: 180,
            watch_before_start_minutes: 0,
            tolerance_db: 1.0,
            max_missing_share: 0.2,
        }
    }
}

/// One night at one monitor.
#[derive(Debug, Clone, Copy)]
pub struct Night<'a> {
    /// The local evening date.
    pub date: NaiveDate,
    /// The committee's offset east of UTC, minutes.
    pub offset_minutes: i32,
    /// The monitor.
    pub monitor: &'a Monitor,
    /// Its readings around that night, any order; others are ignored.
    pub readings: &'a [MonitorReading],
}

/// Every term of an agreement a monitor can check, for one night. A volume
/// term without its own window takes the agreement's time window.
pub fn evaluate_agreement(terms: &[Term], night: &Night<'_>, rules: &NightRules) -> Vec<TermFinding> {
    let activity = terms.iter().find(|t| t.kind == TermKind::TimeWindow && t.start.is_some() && t.end.is_some());
    let basis = night.monitor.basis(night.date);
    terms
        .iter()
        .enumerate()
        .filter_map(|(term_index, term)| {
            let outcome = evaluate_term(term, activity, night, rules).ok()?;
            Some(TermFinding { term_index, outcome, basis })
        })
        .collect()
}

/// One term for one night. A time-window term is possibly breached when,
/// within the watched time after its end, readings above background plus
/// margin add up to more than the minutes allowed (likewise before its
/// start, when that is watched). A volume term is possibly breached when
/// the energetic mean over its window exceeds its limit plus tolerance;
/// `activity`, a time-window term, lends its window to a volume term that
/// has none. Either is no data when more than the allowed share of the
/// time it needs has no readings.
pub fn evaluate_term(
    term: &Term,
    activity: Option<&Term>,
    night: &Night<'_>,
    rules: &NightRules,
) -> Result<NightOutcome, NotEvaluated> {
    if !matches!(term.kind, TermKind::TimeWindow | TermKind::VolumeLimit) {
        return Err(NotEvaluated::NotMeasurable);
    }
    if !applies_on(term.days.as_deref(), night.date) {
        return Err(NotEvaluated::NotThatDay);
    }
    let mut readings: Vec<&MonitorReading> =
        night.readings.iter().filter(|r| r.is_measurement() && r.laeq_db.is_finite()).collect();
    readings.sort_by_key(|r| r.at);
    if term.kind == TermKind::TimeWindow {
        time_window(term, night, &readings, rules)
    } else {
        volume(term, activity, night, &readings, rules)
    }
}

/// Whether a term's days (`daily`, `weekdays`, `weekends`, `mon,wed`…)
/// include an evening date; no days means every day.
pub fn applies_on(days: Option<&str>, date: NaiveDate) -> bool {
    let weekday = date.weekday().num_days_from_monday();
    match days.map(str::trim) {
        None | Some("daily" | "") => true,
        Some("weekdays") => weekday < 5,
        Some("weekends") => weekday >= 5,
        Some(list) => list.split(',').any(|d| d.trim() == DAY_CODES[weekday as usize]),
    }
}

/// A stretch of UTC time.
#[derive(Debug, Clone, Copy)]
struct Span {
    from: NaiveDateTime,
    to: NaiveDateTime,
}

impl Span {
    /// From one clock time to the next occurrence of another within the
    /// night; equal times make a whole day.
    fn between(from: ClockTime, to: ClockTime, night: &Night<'_>) -> Self {
        let to_at = instant(night, to);
        let mut length = (to.minutes() + 24 * 60 - from.minutes()) % (24 * 60);
        if length == 0 {
            length = 24 * 60;
        }
        Self { from: to_at - TimeDelta::minutes(i64::from(length)), to: to_at }
    }

    fn seconds(self) -> i64 {
        (self.to - self.from).num_seconds().max(0)
    }

    /// The part of a reading inside the span, if any.
    fn clip(self, r: &MonitorReading) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let (from, to) = (r.at.max(self.from), r.end().min(self.to));
        (from < to).then_some((from, to))
    }

    /// Seconds of a reading inside the span.
    fn overlap(self, r: &MonitorReading) -> u32 {
        self.clip(r).map_or(0, |(from, to)| u32::try_from((to - from).num_seconds()).unwrap_or(u32::MAX))
    }
}

/// The UTC instant of a clock time in a night.
fn instant(night: &Night<'_>, t: ClockTime) -> NaiveDateTime {
    let day = if t.minutes() < NIGHT_ENDS { night.date.succ_opt().unwrap_or(night.date) } else { night.date };
    day.and_time(NaiveTime::MIN) + TimeDelta::minutes(i64::from(t.minutes()))
        - TimeDelta::minutes(i64::from(night.offset_minutes))
}

/// How much of the spans the readings cover, overlapping readings counted once.
fn coverage(readings: &[&MonitorReading], spans: &[Span]) -> Coverage {
    let mut covered_s = 0;
    for span in spans {
        let mut parts: Vec<_> = readings.iter().filter_map(|r| span.clip(r)).collect();
        parts.sort_unstable();
        let mut reached = span.from;
        for (from, to) in parts {
            let from = from.max(reached);
            if to > from {
                covered_s += (to - from).num_seconds();
                reached = to;
            }
        }
    }
    Coverage { expected_s: spans.iter().map(|s| s.seconds()).sum(), covered_s }
}

/// Whether more than the allowed share of the expected time is missing.
fn too_little(c: Coverage, rules: &NightRules) -> bool {
    let missing = (c.expected_s - c.covered_s) as f64;
    missing > rules.max_missing_share * c.expected_s as f64
}

fn time_window(
    term: &Term,
    night: &Night<'_>,
    readings: &[&MonitorReading],
    rules: &NightRules,
) -> Result<NightOutcome, NotEvaluated> {
    let end = term.end.ok_or(NotEvaluated::Incomplete)?;
    let end_at = instant(night, end);
    let after = Span { from: end_at, to: end_at + TimeDelta::minutes(i64::from(rules.watch_after_end_minutes)) };
    let before = term.start.filter(|_| rules.watch_before_start_minutes > 0).map(|start| {
        let start_at = Span::between(start, end, night).from;
        Span { from: start_at - TimeDelta::minutes(i64::from(rules.watch_before_start_minutes)), to: start_at }
    });
    let watched: Vec<Span> = std::iter::once(after).chain(before).collect();
    let watched_coverage = coverage(readings, &watched);
    if too_little(watched_coverage, rules) {
        return Ok(NightOutcome::NoData(watched_coverage));
    }
    let background_db = match rules.background {
        Background::Level(db) => db,
        Background::L90 { from, to } => {
            let reference = Span::between(from, to, night);
            let reference_coverage = coverage(readings, &[reference]);
            let levels = readings.iter().map(|r| (r.laeq_db, f64::from(reference.overlap(r))));
            match percentile(levels, 0.10) {
                Some(db) if !too_little(reference_coverage, rules) => db,
                _ => return Ok(NightOutcome::NoData(reference_coverage)),
            }
        }
    };
    let threshold_db = round1(background_db + rules.margin_db);
    let above = |span: Span| -> Vec<Exceedance> {
        let mut found: Vec<Exceedance> = readings
            .iter()
            .filter(|r| r.laeq_db > threshold_db)
            .filter_map(|r| {
                let (from, _) = span.clip(r)?;
                Some(Exceedance { at: from, seconds: span.overlap(r), laeq_db: r.laeq_db })
            })
            .collect();
        found.sort_by_key(|e| e.at);
        found
    };
    let evidence = TimeWindowEvidence {
        background_db: round1(background_db),
        threshold_db,
        allowed_minutes: rules.allowed_minutes,
        after_end: above(after),
        before_start: before.map(above).unwrap_or_default(),
    };
    let allowed = f64::from(rules.allowed_minutes);
    let breached = evidence.minutes_after_end() > allowed || evidence.minutes_before_start() > allowed;
    let evidence = Evidence::TimeWindow(evidence);
    Ok(if breached { NightOutcome::PossibleBreach(evidence) } else { NightOutcome::Kept(evidence) })
}

fn volume(
    term: &Term,
    activity: Option<&Term>,
    night: &Night<'_>,
    readings: &[&MonitorReading],
    rules: &NightRules,
) -> Result<NightOutcome, NotEvaluated> {
    let limit_db = term.max_db.ok_or(NotEvaluated::Incomplete)?;
    if term.position.is_some_and(|p| p != night.monitor.position) {
        return Err(NotEvaluated::OtherPosition);
    }
    let start = term.start.or_else(|| activity.and_then(|a| a.start));
    let end = term.end.or_else(|| activity.and_then(|a| a.end));
    let (Some(start), Some(end)) = (start, end) else { return Err(NotEvaluated::Incomplete) };
    let window = Span::between(start, end, night);
    let window_coverage = coverage(readings, &[window]);
    let levels = readings.iter().map(|r| (r.laeq_db, f64::from(window.overlap(r))));
    let mean = match energetic_mean(levels) {
        Some(mean) if !too_little(window_coverage, rules) => round1(mean),
        _ => return Ok(NightOutcome::NoData(window_coverage)),
    };
    // The first of equally loud readings, which are in time order.
    let loudest =
        readings.iter().filter(|r| window.overlap(r) > 0).reduce(|a, b| if b.laeq_db > a.laeq_db { b } else { a });
    let evidence = VolumeEvidence {
        mean_db: mean,
        limit_db,
        tolerance_db: rules.tolerance_db,
        loudest: loudest.map(|r| Loudest {
            at: r.at,
            interval_s: r.interval_s,
            laeq_db: r.laeq_db,
            lafmax_db: r.lafmax_db,
        }),
    };
    let breached = mean > round1(limit_db + rules.tolerance_db);
    let evidence = Evidence::Volume(evidence);
    Ok(if breached { NightOutcome::PossibleBreach(evidence) } else { NightOutcome::Kept(evidence) })
}
