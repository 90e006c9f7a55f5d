//! The commands of noise monitors: registering a device, and the readings
//! a device sends over HTTP, each parsed once. Readings from either way in
//! (HTTP or HJ 212) pass the same [`check_reading`] before they are stored.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::domain::clock::{parse_date, parse_instant};
use crate::domain::committee::ZoneClass;
use crate::domain::fields::{Fields, Refused};
use crate::domain::monitor::{Calibration, DataFlag, InstrumentClass, MonitorReading, PLAUSIBLE_DB};
use crate::domain::noise::Position;
use crate::domain::{Invalid, required_text};
use crate::hj212::packet::{valid_mn, valid_pw};
use crate::hj212::reading::DataTimeMarks;

/// Most readings one HTTP batch may carry: as many as the API's 1 MB body
/// limit holds with room to spare (a reading is about 150 bytes of JSON).
pub const MAX_BATCH: usize = 5_000;

/// How far ahead of the server's clock a reading may be dated (a device's
/// clock drifts); anything later is refused.
pub const FUTURE_TOLERANCE: TimeDelta = TimeDelta::minutes(10);

/// Longest interval one reading may cover: a day.
pub const MAX_INTERVAL_S: u32 = 86_400;

/// A monitor as entered on the form or in the API's JSON.
#[derive(Debug, Clone, Default)]
pub struct MonitorFields {
    /// Where it stands (e.g. 敦化南路64号院 3号楼窗外1米).
    pub place: String,
    /// Measurement position code.
    pub position: String,
    /// Acoustic zone class; the committee's when blank.
    pub zone_class: Option<String>,
    /// `class1`, `class2` or `indicative`.
    pub instrument_class: String,
    /// The meter's serial number.
    pub serial: String,
    /// Day of calibration, `YYYY-MM-DD`.
    pub calibrated_on: Option<String>,
    /// Last day the calibration is valid.
    pub calibration_valid_until: Option<String>,
    /// HJ 212 device identity.
    pub mn: String,
    /// HJ 212 password configured on the device; generated when blank.
    pub hj212_password: Option<String>,
    /// Seconds between real-time uploads.
    pub realtime_interval_s: Option<i64>,
    /// `start` or `end`: what a minute or hourly upload's `DataTime` marks.
    pub data_time_marks: Option<String>,
    /// The case it watches.
    pub case_id: Option<i64>,
    /// The agreement it checks.
    pub agreement_id: Option<i64>,
}

/// A monitor to register, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMonitor {
    /// Where it stands.
    pub place: String,
    /// Measurement position.
    pub position: Position,
    /// Acoustic zone class.
    pub zone_class: ZoneClass,
    /// Meter class.
    pub instrument_class: InstrumentClass,
    /// Serial number.
    pub serial: String,
    /// Calibration certificate, if any.
    pub calibration: Option<Calibration>,
    /// HJ 212 device identity.
    pub mn: String,
    /// HJ 212 password given; `None`: generate one.
    pub hj212_password: Option<String>,
    /// Seconds between real-time uploads.
    pub realtime_interval_s: u32,
    /// What `DataTime` marks.
    pub data_time_marks: DataTimeMarks,
    /// Case watched.
    pub case_id: Option<i64>,
    /// Agreement checked.
    pub agreement_id: Option<i64>,
}

/// The stored code of what `DataTime` marks.
pub fn data_time_marks_code(marks: DataTimeMarks) -> &'static str {
    match marks {
        DataTimeMarks::IntervalStart => "start",
        DataTimeMarks::IntervalEnd => "end",
    }
}

/// What `DataTime` marks, from its stored code.
pub fn parse_data_time_marks(raw: &str) -> Result<DataTimeMarks, Invalid> {
    match raw.trim() {
        "start" => Ok(DataTimeMarks::IntervalStart),
        "end" => Ok(DataTimeMarks::IntervalEnd),
        _ => Err(Invalid::new("invalid.choice").with("allowed", "start, end")),
    }
}

fn blank(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

impl MonitorFields {
    /// The monitor these fields register; the zone class defaults to the
    /// committee's.
    pub fn parse(&self, committee_zone: ZoneClass) -> Result<NewMonitor, Refused> {
        let mut f = Fields::new();
        let place = f.check("place", required_text(&self.place, 200));
        let position = f.check("position", Position::parse(&self.position));
        let zone_class = match blank(self.zone_class.as_deref()) {
            Some(raw) => f.check("zone_class", ZoneClass::parse(raw)),
            None => Some(committee_zone),
        };
        let instrument_class = f.check("instrument_class", InstrumentClass::parse(&self.instrument_class));
        let serial = f.check("serial", required_text(&self.serial, 100));
        let calibrated_on = f.optional("calibrated_on", self.calibrated_on.as_deref(), parse_date);
        let valid_until = f.optional("calibration_valid_until", self.calibration_valid_until.as_deref(), parse_date);
        let calibration = match (calibrated_on, valid_until) {
            (Some(calibrated_on), Some(valid_until)) if valid_until >= calibrated_on => {
                Some(Calibration { calibrated_on, valid_until })
            }
            (Some(_), Some(_)) => {
                f.push("calibration_valid_until", Invalid::new("monitor.invalid.calibration_order"));
                None
            }
            (Some(_), None) if blank(self.calibration_valid_until.as_deref()).is_none() => {
                f.push("calibration_valid_until", Invalid::new("monitor.invalid.calibration_pair"));
                None
            }
            (None, Some(_)) if blank(self.calibrated_on.as_deref()).is_none() => {
                f.push("calibrated_on", Invalid::new("monitor.invalid.calibration_pair"));
                None
            }
            _ => None,
        };
        let mn = self.mn.trim();
        let mn = if valid_mn(mn) {
            Some(mn.to_owned())
        } else {
            f.push("mn", Invalid::new("monitor.invalid.mn"));
            None
        };
        let hj212_password = match blank(self.hj212_password.as_deref()) {
            Some(pw) if valid_pw(pw) => Some(Some(pw.to_owned())),
            Some(_) => {
                f.push("hj212_password", Invalid::new("monitor.invalid.password"));
                None
            }
            None => Some(None),
        };
        let realtime_interval_s = match self.realtime_interval_s {
            None => Some(30),
            Some(s) if (1..=3600).contains(&s) => u32::try_from(s).ok(),
            Some(_) => {
                f.push("realtime_interval_s", Invalid::new("invalid.range"));
                None
            }
        };
        let data_time_marks = match blank(self.data_time_marks.as_deref()) {
            Some(raw) => f.check("data_time_marks", parse_data_time_marks(raw)),
            None => Some(DataTimeMarks::IntervalStart),
        };
        let done = (|| {
            Some(NewMonitor {
                place: place?,
                position: position?,
                zone_class: zone_class?,
                instrument_class: instrument_class?,
                serial: serial?,
                calibration,
                mn: mn?,
                hj212_password: hj212_password?,
                realtime_interval_s: realtime_interval_s?,
                data_time_marks: data_time_marks?,
                case_id: self.case_id,
                agreement_id: self.agreement_id,
            })
        })();
        f.done(done)
    }
}

/// One reading as a device sends it over HTTP.
#[derive(Debug, Clone, Default)]
pub struct ReadingFields {
    /// Start of the interval (RFC 3339 with offset).
    pub at: String,
    /// Length of the interval in seconds; a minute when absent.
    pub interval_s: Option<i64>,
    /// L_Aeq over the interval, dB(A).
    pub laeq_db: Option<f64>,
    /// L_AFmax over the interval, dB(A).
    pub lafmax_db: Option<f64>,
    /// L10, dB(A).
    pub l10_db: Option<f64>,
    /// L90, dB(A).
    pub l90_db: Option<f64>,
    /// The instrument's mark (HJ 212 data flag: N, F, M, S, D, C, T, B).
    pub flag: Option<String>,
}

/// Why a reading cannot be stored, whichever way it came in.
pub fn check_reading(r: &MonitorReading, now: NaiveDateTime) -> Result<(), (&'static str, Invalid)> {
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    if r.at > now + FUTURE_TOLERANCE {
        return Err(("at", Invalid::new("monitor.invalid.future").with("minutes", FUTURE_TOLERANCE.num_minutes())));
    }
    if r.at < earliest {
        return Err(("at", Invalid::new("monitor.invalid.too_old")));
    }
    if r.interval_s == 0 || r.interval_s > MAX_INTERVAL_S {
        return Err(("interval_s", Invalid::new("monitor.invalid.interval")));
    }
    for (field, level) in
        [("laeq_db", Some(r.laeq_db)), ("lafmax_db", r.lafmax_db), ("l10_db", r.l10_db), ("l90_db", r.l90_db)]
    {
        if level.is_some_and(|db| !PLAUSIBLE_DB.contains(&db)) {
            return Err((field, impossible()));
        }
    }
    // Half a step of the stored 0.1 dB is allowed for rounding by the device.
    if r.lafmax_db.is_some_and(|max| max + 0.05 < r.laeq_db) {
        return Err(("lafmax_db", Invalid::new("monitor.invalid.max_below_eq")));
    }
    if let (Some(l10), Some(l90)) = (r.l10_db, r.l90_db)
        && l10 + 0.05 < l90
    {
        return Err(("l90_db", Invalid::new("monitor.invalid.l90_above_l10")));
    }
    if let Some(DataFlag::Other(code)) = &r.flag
        && (code.is_empty() || code.len() > 4 || !code.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(("flag", Invalid::new("monitor.invalid.flag")));
    }
    Ok(())
}

fn impossible() -> Invalid {
    Invalid::new("monitor.invalid.level").with("min", PLAUSIBLE_DB.start()).with("max", PLAUSIBLE_DB.end())
}

impl ReadingFields {
    fn parse_into(&self, f: &mut Fields, prefix: &str, now: NaiveDateTime) -> Option<MonitorReading> {
        let at = f.check(format!("{prefix}at"), parse_instant(&self.at));
        let interval_s = match self.interval_s {
            None => Some(60),
            Some(s) if s >= 1 && s <= i64::from(MAX_INTERVAL_S) => u32::try_from(s).ok(),
            Some(_) => {
                f.push(format!("{prefix}interval_s"), Invalid::new("monitor.invalid.interval"));
                None
            }
        };
        let mut level = |name: &str, value: Option<f64>, required: bool| -> Option<Option<f64>> {
            match value {
                None if required => {
                    f.push(format!("{prefix}{name}"), Invalid::new("invalid.required"));
                    None
                }
                None => Some(None),
                Some(db) if db.is_finite() && PLAUSIBLE_DB.contains(&db) => Some(Some(db)),
                Some(_) => {
                    f.push(format!("{prefix}{name}"), impossible());
                    None
                }
            }
        };
        let laeq = level("laeq_db", self.laeq_db, true);
        let lafmax = level("lafmax_db", self.lafmax_db, true);
        let l10 = level("l10_db", self.l10_db, false);
        let l90 = level("l90_db", self.l90_db, false);
        let flag = blank(self.flag.as_deref()).map(DataFlag::parse);
        let reading = MonitorReading {
            at: at?,
            interval_s: interval_s?,
            laeq_db: laeq??,
            lafmax_db: lafmax?,
            l10_db: l10?,
            l90_db: l90?,
            flag,
        };
        match check_reading(&reading, now) {
            Ok(()) => Some(reading),
            Err((field, problem)) => {
                f.push(format!("{prefix}{field}"), problem);
                None
            }
        }
    }
}

/// A batch of readings sent over HTTP, every one checked: a batch with any
/// refused reading is refused whole, naming each (`readings[3].laeq_db`).
pub fn parse_readings(batch: &[ReadingFields], now: NaiveDateTime) -> Result<Vec<MonitorReading>, Refused> {
    let mut f = Fields::new();
    if batch.is_empty() {
        f.push("readings", Invalid::new("invalid.required"));
    }
    if batch.len() > MAX_BATCH {
        f.push("readings", Invalid::new("monitor.invalid.batch").with("max", MAX_BATCH));
        return f.done(None);
    }
    let mut readings = Vec::with_capacity(batch.len());
    for (i, fields) in batch.iter().enumerate() {
        if let Some(r) = fields.parse_into(&mut f, &format!("readings[{i}]."), now) {
            readings.push(r);
        }
    }
    f.done(Some(readings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 6, 1).and_then(|d| d.and_hms_opt(14, 0, 0)).expect("now")
    }

    fn fields(at: &str, laeq: f64) -> ReadingFields {
        ReadingFields { at: at.into(), laeq_db: Some(laeq), lafmax_db: Some(laeq + 10.0), ..Default::default() }
    }

    fn refused(batch: &[ReadingFields]) -> Vec<(String, &'static str)> {
        parse_readings(batch, now()).expect_err("refused").0.into_iter().map(|e| (e.field, e.problem.key)).collect()
    }

    #[test]
    fn a_batch_of_plausible_readings_is_read_in_utc_with_a_minute_by_default() {
        let batch = [fields("2026-06-01T21:00:00+08:00", 55.2), fields("2026-06-01T21:01:00+08:00", 54.0)];
        let readings = parse_readings(&batch, now()).expect("readings");
        assert_eq!(readings[0].at, now() - TimeDelta::hours(1));
        assert_eq!((readings[0].interval_s, readings[0].laeq_db, readings[0].lafmax_db), (60, 55.2, Some(65.2)));
    }

    #[test]
    fn impossible_levels_and_far_future_times_are_refused_by_name() {
        let mut no_max = fields("2026-06-01T21:00:00+08:00", 50.0);
        no_max.lafmax_db = None;
        let batch = [
            fields("2026-06-01T21:00:00+08:00", 50.0),
            fields("2026-06-01T21:00:00+08:00", 180.0),
            fields("2026-06-02T21:00:00+08:00", 50.0),
            no_max,
            ReadingFields { flag: Some("TOOLONG".into()), ..fields("2026-06-01T20:00:00+08:00", 50.0) },
        ];
        assert_eq!(
            refused(&batch),
            vec![
                ("readings[1].laeq_db".into(), "monitor.invalid.level"),
                ("readings[1].lafmax_db".into(), "monitor.invalid.level"),
                ("readings[2].at".into(), "monitor.invalid.future"),
                ("readings[3].lafmax_db".into(), "invalid.required"),
                ("readings[4].flag".into(), "monitor.invalid.flag"),
            ]
        );
        assert_eq!(refused(&[]), vec![("readings".into(), "invalid.required")]);
    }

    #[test]
    fn a_maximum_below_the_equivalent_level_is_impossible() {
        let mut r = fields("2026-06-01T21:00:00+08:00", 60.0);
        r.lafmax_db = Some(50.0);
        assert_eq!(refused(&[r]), vec![("readings[0].lafmax_db".into(), "monitor.invalid.max_below_eq")]);
    }

    #[test]
    fn a_monitor_needs_both_calibration_dates_in_order_and_a_plain_device_identity() {
        let base = MonitorFields {
            place: "敦化南路64号院 3号楼窗外1米".into(),
            position: "outside_window_1m".into(),
            instrument_class: "class1".into(),
            serial: "AWA6228-0042".into(),
            calibrated_on: Some("2026-05-01".into()),
            calibration_valid_until: Some("2027-04-30".into()),
            mn: "HS0001".into(),
            ..Default::default()
        };
        let m = base.parse(ZoneClass::C1).expect("monitor");
        assert_eq!(m.zone_class, ZoneClass::C1);
        assert!(m.calibration.is_some_and(|c| c.covers(NaiveDate::from_ymd_opt(2026, 6, 1).expect("day"))));
        let keys = |f: MonitorFields| -> Vec<(String, &'static str)> {
            f.parse(ZoneClass::C1).expect_err("refused").0.into_iter().map(|e| (e.field, e.problem.key)).collect()
        };
        let reversed = MonitorFields { calibration_valid_until: Some("2026-04-01".into()), ..base.clone() };
        assert_eq!(keys(reversed), vec![("calibration_valid_until".into(), "monitor.invalid.calibration_order")]);
        let half = MonitorFields { calibration_valid_until: None, ..base.clone() };
        assert_eq!(keys(half), vec![("calibration_valid_until".into(), "monitor.invalid.calibration_pair")]);
        let bad_mn = MonitorFields { mn: "a;b".into(), hj212_password: Some("x".repeat(17)), ..base };
        assert_eq!(
            keys(bad_mn),
            vec![("mn".into(), "monitor.invalid.mn"), ("hj212_password".into(), "monitor.invalid.password")]
        );
    }
}
