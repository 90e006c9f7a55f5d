//! Noise monitors: the levels they report, and whether those levels can
//! support a breach finding. Only levels are ever kept, never sound.

use std::ops::RangeInclusive;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::Serialize;

use super::case::code_enum;
use super::noise::Position;

code_enum!(
    /// The sound level meter's class under IEC 61672-1 (GB/T 3785.1).
    InstrumentClass, "invalid.choice", {
        /// Class 1: precision.
        Class1 => "class1",
        /// Class 2: general purpose; the least the measurement rules accept.
        Class2 => "class2",
        /// Anything else (a phone, an uncertified sensor): indicative only.
        Indicative => "indicative",
    }
);

/// A calibration certificate: from the day of calibration to the last day
/// it is valid, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Calibration {
    /// The day the instrument was calibrated (verified).
    pub calibrated_on: NaiveDate,
    /// The last day the calibration is valid.
    pub valid_until: NaiveDate,
}

impl Calibration {
    /// Whether the calibration covers the night of an evening date. The
    /// evening date decides: a calibration valid through that day covers
    /// the hours after midnight too.
    pub fn covers(&self, night: NaiveDate) -> bool {
        self.calibrated_on <= night && night <= self.valid_until
    }
}

/// Whether a monitor's findings can support a breach, or only point to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A class 1 or 2 meter with a calibration valid that night.
    Certified,
    /// Anything else: kept and shown, labelled indicative, as phone readings are.
    Indicative,
}

impl Basis {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Basis::Certified => "certified",
            Basis::Indicative => "indicative",
        }
    }
}

/// What the nightly evaluation needs to know of a monitor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitor {
    /// Where its microphone is (the same codes as measurements and terms).
    pub position: Position,
    /// Its meter class.
    pub class: InstrumentClass,
    /// Its current calibration, if any is recorded.
    pub calibration: Option<Calibration>,
}

impl Monitor {
    /// Whether its readings of a night can support a breach finding: a
    /// class 1 or 2 meter whose calibration covers that night.
    pub fn basis(&self, night: NaiveDate) -> Basis {
        let class = matches!(self.class, InstrumentClass::Class1 | InstrumentClass::Class2);
        if class && self.calibration.is_some_and(|c| c.covers(night)) { Basis::Certified } else { Basis::Indicative }
    }
}

/// The instrument's mark on a reading (数据标记 of HJ 212).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum DataFlag {
    /// N: working normally.
    Normal,
    /// F: stopped.
    Stopped,
    /// M: produced during maintenance.
    Maintenance,
    /// S: a value set by hand.
    Manual,
    /// D: faulty.
    Fault,
    /// C: calibrating.
    Calibration,
    /// T: over the measuring range.
    OverRange,
    /// B: communication with the data logger failed.
    Communication,
    /// Any other mark, kept as written (the 2005 standard's `P`, power failure, for one).
    Other(String),
}

impl DataFlag {
    /// Reads a mark; an unknown one is kept, not refused.
    pub fn parse(raw: &str) -> Self {
        match raw.trim() {
            "N" => DataFlag::Normal,
            "F" => DataFlag::Stopped,
            "M" => DataFlag::Maintenance,
            "S" => DataFlag::Manual,
            "D" => DataFlag::Fault,
            "C" => DataFlag::Calibration,
            "T" => DataFlag::OverRange,
            "B" => DataFlag::Communication,
            other => DataFlag::Other(other.to_owned()),
        }
    }

    /// The mark as written.
    pub fn code(&self) -> &str {
        match self {
            DataFlag::Normal => "N",
            DataFlag::Stopped => "F",
            DataFlag::Maintenance => "M",
            DataFlag::Manual => "S",
            DataFlag::Fault => "D",
            DataFlag::Calibration => "C",
            DataFlag::OverRange => "T",
            DataFlag::Communication => "B",
            DataFlag::Other(code) => code,
        }
    }
}

/// Levels a sound level meter can report, in dB(A); anything outside is
/// refused as impossible.
pub const PLAUSIBLE_DB: RangeInclusive<f64> = 0.0..=150.0;

/// One reading of a monitor, as stored: the levels over one interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorReading {
    /// Start of the interval, UTC.
    pub at: NaiveDateTime,
    /// Length of the interval in seconds.
    pub interval_s: u32,
    /// Equivalent continuous level L_Aeq over the interval, dB(A).
    pub laeq_db: f64,
    /// Highest fast-weighted level L_AFmax, dB(A).
    pub lafmax_db: Option<f64>,
    /// Level exceeded 10 % of the interval, dB(A).
    pub l10_db: Option<f64>,
    /// Level exceeded 90 % of the interval, dB(A).
    pub l90_db: Option<f64>,
    /// The instrument's mark; none means normal.
    pub flag: Option<DataFlag>,
}

impl MonitorReading {
    /// End of the interval, UTC.
    pub fn end(&self) -> NaiveDateTime {
        self.at + TimeDelta::seconds(i64::from(self.interval_s))
    }

    /// Whether the reading is a measurement: unmarked or marked normal.
    /// Readings taken in maintenance, calibration, fault and the like count
    /// as missing.
    pub fn is_measurement(&self) -> bool {
        self.flag.as_ref().is_none_or(|f| *f == DataFlag::Normal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, d).expect("date")
    }

    fn monitor(class: InstrumentClass, valid_until: u32) -> Monitor {
        Monitor {
            position: Position::OutsideWindow,
            class,
            calibration: Some(Calibration { calibrated_on: day(1), valid_until: day(valid_until) }),
        }
    }

    #[test]
    fn a_certified_meter_supports_findings_until_its_calibration_lapses() {
        let m = monitor(InstrumentClass::Class2, 10);
        assert_eq!(m.basis(day(1)), Basis::Certified);
        assert_eq!(m.basis(day(10)), Basis::Certified, "the last valid day covers its night");
        assert_eq!(m.basis(day(11)), Basis::Indicative);
    }

    #[test]
    fn a_night_before_the_calibration_is_not_covered_by_it() {
        let m = Monitor {
            calibration: Some(Calibration { calibrated_on: day(5), valid_until: day(30) }),
            ..monitor(InstrumentClass::Class1, 30)
        };
        assert_eq!(m.basis(day(4)), Basis::Indicative);
        assert_eq!(m.basis(day(5)), Basis::Certified);
    }

    #[test]
    fn an_uncertified_or_uncalibrated_meter_is_indicative() {
        assert_eq!(monitor(InstrumentClass::Indicative, 30).basis(day(2)), Basis::Indicative);
        let uncalibrated = Monitor { calibration: None, ..monitor(InstrumentClass::Class1, 30) };
        assert_eq!(uncalibrated.basis(day(2)), Basis::Indicative);
    }

    #[test]
    fn data_flags_are_read_and_unknown_ones_kept() {
        for code in ["N", "F", "M", "S", "D", "C", "T", "B"] {
            let flag = DataFlag::parse(code);
            assert!(!matches!(flag, DataFlag::Other(_)), "{code}");
            assert_eq!(flag.code(), code);
        }
        assert_eq!(DataFlag::parse("P"), DataFlag::Other("P".into()));
        assert_eq!(DataFlag::parse("P").code(), "P");
    }

    #[test]
    fn only_normal_or_unmarked_readings_are_measurements() {
        let at = day(1).and_hms_opt(12, 0, 0).expect("time");
        let r = MonitorReading {
            at,
            interval_s: 60,
            laeq_db: 50.0,
            lafmax_db: None,
            l10_db: None,
            l90_db: None,
            flag: None,
        };
        assert!(r.is_measurement());
        assert_eq!(r.end(), day(1).and_hms_opt(12, 1, 0).expect("time"));
        assert!(MonitorReading { flag: Some(DataFlag::Normal), ..r.clone() }.is_measurement());
        assert!(!MonitorReading { flag: Some(DataFlag::Maintenance), ..r.clone() }.is_measurement());
        assert!(!MonitorReading { flag: Some(DataFlag::Other("P".into())), ..r }.is_measurement());
    }
}
