//! Noise measurements: validity, background correction and the limits of
//! GB 3096-2008 (outdoors) and GB 22337-2008 table 2 (indoors).
//!
//! A residents' choir is social-life noise outside GB 22337's scope for
//! commercial sources; GB 3096 is the reference for outdoor readings, and
//! GB 22337's indoor structure-borne limits serve as the reference indoors.

use serde::Serialize;

use super::case::code_enum;
use super::clock::{ClockTime, NightWindow};
use super::committee::ZoneClass;

code_enum!(
    /// Where the microphone was.
    Position, "invalid.choice", {
        /// Outside a window, 1 m from the facade.
        OutsideWindow => "outside_window_1m",
        /// At the boundary of the source's site.
        Boundary => "boundary",
        /// In a bedroom (GB 22337 class A room).
        IndoorBedroom => "indoor_bedroom",
        /// In another room (class B room).
        IndoorOther => "indoor_other",
    }
);

/// Day or night, by the committee's night window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// 昼间
    Day,
    /// 夜间
    Night,
}

impl Period {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Night => "night",
        }
    }

    /// The period a clock time falls in.
    pub fn of(t: ClockTime, night: &NightWindow) -> Self {
        if night.contains(t) { Period::Night } else { Period::Day }
    }
}

/// The L_Aeq limit in dB(A) for a zone class, a position and a period.
pub fn limit_db(zone: ZoneClass, position: Position, period: Period) -> f64 {
    use ZoneClass::*;
    let (day, night) = match position {
        Position::OutsideWindow | Position::Boundary => match zone {
            C0 => (50.0, 40.0),
            C1 => (55.0, 45.0),
            C2 => (60.0, 50.0),
            C3 => (65.0, 55.0),
            C4a => (70.0, 55.0),
            C4b => (70.0, 60.0),
        },
        Position::IndoorBedroom => match zone {
            C0 | C1 => (40.0, 30.0),
            _ => (45.0, 35.0),
        },
        Position::IndoorOther => match zone {
            C0 => (40.0, 30.0),
            C1 => (45.0, 35.0),
            _ => (50.0, 40.0),
        },
    };
    match period {
        Period::Day => day,
        Period::Night => night,
    }
}

/// At night a sudden peak may exceed the limit by at most this much.
pub const NIGHT_PEAK_ALLOWANCE_DB: f64 = 15.0;

/// Largest calibration drift that keeps a reading valid.
pub const MAX_CALIBRATION_DRIFT_DB: f64 = 0.5;

/// Lowest microphone height outside a window.
pub const MIN_OUTDOOR_HEIGHT_M: f64 = 1.2;

/// A reading as taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Local clock time of the reading.
    pub at: ClockTime,
    /// Microphone position.
    pub position: Position,
    /// Height above ground, metres.
    pub height_m: Option<f64>,
    /// Equivalent continuous level L_Aeq, dB(A).
    pub laeq_db: f64,
    /// Maximum level L_max, dB(A).
    pub lmax_db: Option<f64>,
    /// Background level with the source off, dB(A).
    pub background_db: Option<f64>,
    /// Meter class (1 or 2).
    pub instrument_class: Option<i32>,
    /// Calibrator reading before.
    pub calibration_before_db: Option<f64>,
    /// Calibrator reading after.
    pub calibration_after_db: Option<f64>,
    /// A phone app or other non-standard meter.
    pub indicative: bool,
}

/// Why a reading does not meet the measurement rules; the message key is
/// `measurement_rule.` followed by the code.
pub mod reason {
    /// Taken with a phone or other non-standard meter.
    pub const INDICATIVE: &str = "indicative";
    /// No meter class recorded, or class worse than 2.
    pub const METER_CLASS: &str = "meter_class";
    /// Calibration before or after missing.
    pub const CALIBRATION_MISSING: &str = "calibration_missing";
    /// Calibration drift over 0.5 dB.
    pub const CALIBRATION_DRIFT: &str = "calibration_drift";
    /// Source and background less than 3 dB apart: measure again.
    pub const REMEASURE: &str = "remeasure";
    /// Microphone lower than 1.2 m outside a window.
    pub const HEIGHT: &str = "height";
}

/// What a reading shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// Whether the reading meets the measurement rules.
    pub valid: bool,
    /// Codes of the rules it breaks (see [`reason`]).
    pub invalid_reasons: Vec<&'static str>,
    /// L_Aeq after background correction; `None` when it must be re-measured.
    pub corrected_db: Option<f64>,
    /// The applicable limit.
    pub limit_db: f64,
    /// Day or night.
    pub period: Period,
    /// How far the corrected level is above the limit (0 when below).
    pub exceeds_by_db: Option<f64>,
    /// At night, how far L_max is above the limit plus 15 dB (0 when below).
    pub lmax_exceeds_by_db: Option<f64>,
}

impl Assessment {
    /// Whether the reading shows a breach of the limit on its own: it must
    /// be valid (a phone reading never decides alone).
    pub fn proves_exceedance(&self) -> bool {
        self.valid && (self.exceeds_by_db.is_some_and(|d| d > 0.0) || self.lmax_exceeds_by_db.is_some_and(|d| d > 0.0))
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Background correction: the level difference rounded to whole decibels;
/// more than 10 dB: none; 6–10: −1; 4–5: −2; 3: −3; less: re-measure.
pub fn background_correction(laeq_db: f64, background_db: f64) -> Option<f64> {
    let difference = (laeq_db - background_db).round();
    match difference {
        d if d > 10.0 => Some(0.0),
        d if d >= 6.0 => Some(-1.0),
        d if d >= 4.0 => Some(-2.0),
        d if d >= 3.0 => Some(-3.0),
        _ => None,
    }
}

/// Assesses a reading against the committee's zone class and night window.
pub fn assess(reading: &Reading, zone: ZoneClass, night: &NightWindow) -> Assessment {
    let period = Period::of(reading.at, night);
    let limit = limit_db(zone, reading.position, period);
    let mut reasons = Vec::new();
    if reading.indicative {
        reasons.push(reason::INDICATIVE);
    }
    if !reading.instrument_class.is_some_and(|c| c == 1 || c == 2) && !reading.indicative {
        reasons.push(reason::METER_CLASS);
    }
    match (reading.calibration_before_db, reading.calibration_after_db) {
        // Compared at a tenth of a decibel, the resolution meters show.
        (Some(before), Some(after)) if round1((after - before).abs()) > MAX_CALIBRATION_DRIFT_DB => {
            reasons.push(reason::CALIBRATION_DRIFT);
        }
        (Some(_), Some(_)) => {}
        _ if !reading.indicative => reasons.push(reason::CALIBRATION_MISSING),
        _ => {}
    }
    if reading.position == Position::OutsideWindow && reading.height_m.is_some_and(|h| h < MIN_OUTDOOR_HEIGHT_M) {
        reasons.push(reason::HEIGHT);
    }
    let corrected = match reading.background_db {
        Some(bg) => background_correction(reading.laeq_db, bg).map(|c| round1(reading.laeq_db + c)),
        None => Some(round1(reading.laeq_db)),
    };
    if corrected.is_none() {
        reasons.push(reason::REMEASURE);
    }
    let exceeds_by_db = corrected.map(|c| round1((c - limit).max(0.0)));
    let lmax_exceeds_by_db = match (period, reading.lmax_db) {
        (Period::Night, Some(lmax)) => Some(round1((lmax - limit - NIGHT_PEAK_ALLOWANCE_DB).max(0.0))),
        _ => None,
    };
    Assessment {
        valid: reasons.is_empty(),
        invalid_reasons: reasons,
        corrected_db: corrected,
        limit_db: limit,
        period,
        exceeds_by_db,
        lmax_exceeds_by_db,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> ClockTime {
        ClockTime::parse(s).expect("time")
    }

    fn choir_reading() -> Reading {
        Reading {
            at: t("21:40"),
            position: Position::OutsideWindow,
            height_m: Some(1.5),
            laeq_db: 58.4,
            lmax_db: Some(71.2),
            background_db: Some(44.0),
            instrument_class: Some(2),
            calibration_before_db: Some(93.8),
            calibration_after_db: Some(94.0),
            indicative: false,
        }
    }

    #[test]
    fn the_gb3096_table_is_applied_by_zone_and_period() {
        assert_eq!(limit_db(ZoneClass::C1, Position::OutsideWindow, Period::Day), 55.0);
        assert_eq!(limit_db(ZoneClass::C1, Position::OutsideWindow, Period::Night), 45.0);
        assert_eq!(limit_db(ZoneClass::C4a, Position::Boundary, Period::Night), 55.0);
        assert_eq!(limit_db(ZoneClass::C4b, Position::Boundary, Period::Night), 60.0);
        assert_eq!(limit_db(ZoneClass::C1, Position::IndoorBedroom, Period::Night), 30.0);
        assert_eq!(limit_db(ZoneClass::C3, Position::IndoorBedroom, Period::Night), 35.0);
    }

    #[test]
    fn the_choir_at_2140_is_valid_and_above_the_day_limit_because_night_starts_at_22() {
        let a = assess(&choir_reading(), ZoneClass::C1, &NightWindow::default());
        assert!(a.valid, "{:?}", a.invalid_reasons);
        assert_eq!(a.period, Period::Day);
        assert_eq!(a.limit_db, 55.0);
        assert_eq!(a.corrected_db, Some(58.4));
        assert_eq!(a.exceeds_by_db, Some(3.4));
        assert!(a.proves_exceedance());
    }

    #[test]
    fn a_city_night_from_21_makes_2140_night() {
        let night = NightWindow::new(t("21:00"), t("05:00")).expect("window");
        let a = assess(&choir_reading(), ZoneClass::C1, &night);
        assert_eq!(a.period, Period::Night);
        assert_eq!(a.exceeds_by_db, Some(13.4));
        assert_eq!(a.lmax_exceeds_by_db, Some(11.2));
    }

    #[test]
    fn background_correction_follows_the_table() {
        assert_eq!(background_correction(60.0, 49.0), Some(0.0));
        assert_eq!(background_correction(60.0, 50.0), Some(-1.0));
        assert_eq!(background_correction(60.0, 54.0), Some(-1.0));
        assert_eq!(background_correction(60.0, 55.0), Some(-2.0));
        assert_eq!(background_correction(60.0, 57.0), Some(-3.0));
        assert_eq!(background_correction(60.0, 57.6), None);
    }

    #[test]
    fn a_drift_over_half_a_decibel_voids_the_reading() {
        let mut r = choir_reading();
        r.calibration_after_db = Some(94.4);
        assert!(!assess(&r, ZoneClass::C1, &NightWindow::default()).valid);
        r.calibration_after_db = Some(94.3);
        assert!(assess(&r, ZoneClass::C1, &NightWindow::default()).valid);
    }

    #[test]
    fn a_phone_reading_is_kept_but_never_proves_a_breach() {
        let r = Reading {
            indicative: true,
            instrument_class: None,
            calibration_before_db: None,
            calibration_after_db: None,
            ..choir_reading()
        };
        let a = assess(&r, ZoneClass::C1, &NightWindow::default());
        assert!(!a.valid);
        assert_eq!(a.invalid_reasons, [reason::INDICATIVE]);
        assert_eq!(a.exceeds_by_db, Some(3.4));
        assert!(!a.proves_exceedance());
    }

    #[test]
    fn a_background_too_close_asks_for_a_new_reading() {
        let r = Reading { background_db: Some(57.0), ..choir_reading() };
        let a = assess(&r, ZoneClass::C1, &NightWindow::default());
        assert_eq!(a.corrected_db, None);
        assert!(a.invalid_reasons.contains(&reason::REMEASURE));
    }

    proptest! {
        #[test]
        fn correction_never_raises_the_level_and_never_lowers_it_by_more_than_3(
            l in 30.0f64..110.0, bg in 20.0f64..110.0
        ) {
            if let Some(c) = background_correction(l, bg) {
                prop_assert!((-3.0..=0.0).contains(&c));
            } else {
                prop_assert!((l - bg).round() < 3.0);
            }
        }

        #[test]
        fn night_limits_are_never_above_day_limits(z in 0usize..6, p in 0usize..4) {
            let zone = ZoneClass::ALL[z];
            let position = Position::ALL[p];
            prop_assert!(limit_db(zone, position, Period::Night) < limit_db(zone, position, Period::Day));
        }
    }
}
