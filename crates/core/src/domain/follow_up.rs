//! Follow-up visits: is each term being kept?

use serde::Serialize;

use super::Invalid;
use super::agreement::{Term, TermKind};
use super::case::code_enum;
use super::clock::ClockTime;

code_enum!(
    /// How the follow-up was made.
    VisitMethod, "invalid.choice", {
        /// A visit.
        Visit => "visit",
        /// A phone call.
        Phone => "phone",
        /// An evening or night check on site.
        NightCheck => "night_check",
        /// A party's own report through the portal.
        ResidentReport => "resident_report",
    }
);

/// Whether a term is being kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compliance {
    /// The evidence shows the term kept.
    Kept,
    /// The evidence shows the term broken.
    Breached,
    /// No evidence either way.
    Unknown,
}

impl Compliance {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Compliance::Kept => "kept",
            Compliance::Breached => "breached",
            Compliance::Unknown => "unknown",
        }
    }

    /// Parses `kept` or `breached` as reported by a person.
    pub fn parse_reported(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "kept" => Ok(Compliance::Kept),
            "breached" => Ok(Compliance::Breached),
            _ => Err(Invalid::new("invalid.choice").with("allowed", "kept, breached")),
        }
    }
}

/// What was seen or measured for one term.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// When the activity was seen to end.
    pub observed_end: Option<ClockTime>,
    /// A level measured, dB(A).
    pub measured_db: Option<f64>,
    /// Whether that level came from a phone or other non-standard meter.
    pub indicative: bool,
    /// What the visitor or the party reports for terms no number can check.
    pub reported: Option<Compliance>,
}

/// Where a day of activity begins for comparing end times: times before
/// it belong to the previous evening (00:30 is later than 21:00).
const DAY_STARTS: u16 = 6 * 60;

fn minutes_after(reference: ClockTime, t: ClockTime) -> u16 {
    (t.minutes() + 24 * 60 - reference.minutes()) % (24 * 60)
}

/// Whether a term is kept, by the evidence: an observed end later than the
/// agreed end breaks a time window; a measured level above the limit breaks
/// a volume limit — unless the reading was only indicative, which never
/// decides a breach on its own. Without evidence the answer is unknown,
/// unless someone reports on a term no number can check.
pub fn assess(term: &Term, observation: Option<&Observation>) -> Compliance {
    let Some(obs) = observation else { return Compliance::Unknown };
    let measured = match term.kind {
        TermKind::TimeWindow => match (term.end, obs.observed_end) {
            (Some(end), Some(seen)) => {
                let reference =
                    term.start.unwrap_or_else(|| ClockTime::from_hm(u32::from(DAY_STARTS / 60), 0).unwrap_or(end));
                Some(if minutes_after(reference, seen) > minutes_after(reference, end) {
                    Compliance::Breached
                } else {
                    Compliance::Kept
                })
            }
            _ => None,
        },
        TermKind::VolumeLimit => match (term.max_db, obs.measured_db) {
            (Some(max), Some(level)) if level > max && obs.indicative => Some(Compliance::Unknown),
            (Some(max), Some(level)) if level > max => Some(Compliance::Breached),
            (Some(_), Some(_)) => Some(Compliance::Kept),
            _ => None,
        },
        _ => None,
    };
    match measured {
        Some(result) => result,
        None => obs.reported.unwrap_or(Compliance::Unknown),
    }
}

/// The visit's overall finding: any term broken → breached; every term
/// kept → kept; otherwise unknown.
pub fn overall(results: &[Compliance]) -> Compliance {
    if results.contains(&Compliance::Breached) {
        Compliance::Breached
    } else if !results.is_empty() && results.iter().all(|r| *r == Compliance::Kept) {
        Compliance::Kept
    } else {
        Compliance::Unknown
    }
}

/// Checks a satisfaction rating (1 to 5).
pub fn check_satisfaction(rating: i32) -> Result<i32, Invalid> {
    if (1..=5).contains(&rating) {
        Ok(rating)
    } else {
        Err(Invalid::new("invalid.range").with("min", 1).with("max", 5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> ClockTime {
        ClockTime::parse(s).expect("time")
    }

    fn window(start: Option<&str>, end: &str) -> Term {
        Term {
            kind: TermKind::TimeWindow,
            text: String::new(),
            days: None,
            start: start.map(t),
            end: Some(t(end)),
            max_db: None,
            position: None,
            amount_fen: None,
            due: None,
            obligor: None,
            payee: None,
        }
    }

    fn volume(max: f64) -> Term {
        Term { kind: TermKind::VolumeLimit, max_db: Some(max), end: None, ..window(None, "21:00") }
    }

    fn seen_end(s: &str) -> Observation {
        Observation { observed_end: Some(t(s)), ..Default::default() }
    }

    #[test]
    fn ending_after_the_agreed_time_breaks_a_time_window() {
        let term = window(Some("19:00"), "21:00");
        assert_eq!(assess(&term, Some(&seen_end("20:55"))), Compliance::Kept);
        assert_eq!(assess(&term, Some(&seen_end("21:00"))), Compliance::Kept);
        assert_eq!(assess(&term, Some(&seen_end("22:40"))), Compliance::Breached);
        assert_eq!(assess(&term, Some(&seen_end("00:30"))), Compliance::Breached, "past midnight is later");
        assert_eq!(assess(&window(None, "21:00"), Some(&seen_end("01:10"))), Compliance::Breached);
    }

    #[test]
    fn a_level_above_the_limit_breaks_a_volume_term_unless_only_indicative() {
        let term = volume(55.0);
        let reading =
            |db: f64, indicative: bool| Observation { measured_db: Some(db), indicative, ..Default::default() };
        assert_eq!(assess(&term, Some(&reading(54.9, false))), Compliance::Kept);
        assert_eq!(assess(&term, Some(&reading(58.0, false))), Compliance::Breached);
        assert_eq!(assess(&term, Some(&reading(58.0, true))), Compliance::Unknown);
        assert_eq!(assess(&term, Some(&reading(50.0, true))), Compliance::Kept);
    }

    #[test]
    fn no_evidence_is_unknown_and_reports_decide_unmeasurable_terms() {
        assert_eq!(assess(&volume(55.0), None), Compliance::Unknown);
        assert_eq!(assess(&volume(55.0), Some(&Observation::default())), Compliance::Unknown);
        let free = Term { kind: TermKind::FreeText, ..volume(55.0) };
        let report = Observation { reported: Some(Compliance::Kept), ..Default::default() };
        assert_eq!(assess(&free, Some(&report)), Compliance::Kept);
    }

    #[test]
    fn one_breach_makes_the_visit_a_breach() {
        use Compliance::*;
        assert_eq!(overall(&[Kept, Breached, Unknown]), Breached);
        assert_eq!(overall(&[Kept, Kept]), Kept);
        assert_eq!(overall(&[Kept, Unknown]), Unknown);
        assert_eq!(overall(&[]), Unknown);
    }

    proptest! {
        #[test]
        fn an_end_within_the_window_is_never_a_breach(start in 0u16..1440, len in 1u16..720, at in 0u16..720) {
            prop_assume!(at <= len);
            let s = ClockTime::from_hm(u32::from(start / 60), u32::from(start % 60)).expect("start");
            let e_min = (start + len) % 1440;
            let e = ClockTime::from_hm(u32::from(e_min / 60), u32::from(e_min % 60)).expect("end");
            let seen_min = (start + at) % 1440;
            let seen = ClockTime::from_hm(u32::from(seen_min / 60), u32::from(seen_min % 60)).expect("seen");
            let term = Term { start: Some(s), end: Some(e), ..window(None, "21:00") };
            prop_assert_eq!(assess(&term, Some(&Observation { observed_end: Some(seen), ..Default::default() })), Compliance::Kept);
        }
    }
}
