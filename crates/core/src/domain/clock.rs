//! Clock times of day and the night window.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, SubsecRound, Timelike};
use serde::{Deserialize, Serialize};

use super::Invalid;

/// A clock time `HH:MM` (local time of the committee).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime(u16);

impl ClockTime {
    /// Parses `HH:MM` (00:00–23:59; `24:00` is refused).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("invalid.clock_time");
        let (h, m) = raw.trim().split_once(':').ok_or_else(invalid)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(invalid());
        }
        let h: u16 = h.parse().map_err(|_| invalid())?;
        let m: u16 = m.parse().map_err(|_| invalid())?;
        if h > 23 || m > 59 {
            return Err(invalid());
        }
        Ok(Self(h * 60 + m))
    }

    /// Builds a clock time from hours and minutes, if they name one.
    pub fn from_hm(hour: u32, minute: u32) -> Option<Self> {
        (hour < 24 && minute < 60).then(|| Self(u16::try_from(hour * 60 + minute).unwrap_or(0)))
    }

    /// The clock time of a time of day, to the minute.
    pub fn of(time: NaiveTime) -> Self {
        Self(u16::try_from(time.hour() * 60 + time.minute()).unwrap_or(0))
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// The hour, 0–23.
    pub fn hour(self) -> u16 {
        self.0 / 60
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl TryFrom<String> for ClockTime {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Invalid> {
        Self::parse(&value)
    }
}

impl From<ClockTime> for String {
    fn from(value: ClockTime) -> Self {
        value.to_string()
    }
}

/// The hours counted as night for noise limits (Noise Law Art 88: 22:00–06:00
/// unless the city sets other hours of the same length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NightWindow {
    /// First minute of the night.
    pub start: ClockTime,
    /// First minute of the following day time.
    pub end: ClockTime,
}

impl Default for NightWindow {
    fn default() -> Self {
        Self { start: ClockTime(22 * 60), end: ClockTime(6 * 60) }
    }
}

impl NightWindow {
    /// A window from `start` to `end`; equal ends are refused.
    pub fn new(start: ClockTime, end: ClockTime) -> Result<Self, Invalid> {
        if start == end {
            return Err(Invalid::new("invalid.night_window_empty"));
        }
        Ok(Self { start, end })
    }

    /// Whether a clock time falls in the night; the window may cross midnight.
    pub fn contains(&self, t: ClockTime) -> bool {
        if self.start < self.end { self.start <= t && t < self.end } else { t >= self.start || t < self.end }
    }

    /// Length of the night in minutes.
    pub fn minutes(&self) -> u16 {
        (self.end.0 + 24 * 60 - self.start.0) % (24 * 60)
    }
}

/// Parses an RFC 3339 time with offset into UTC (stored to the microsecond).
pub fn parse_instant(raw: &str) -> Result<NaiveDateTime, Invalid> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.naive_utc().trunc_subsecs(6))
        .map_err(|_| Invalid::new("invalid.instant"))
}

/// Parses a local date and time as a form's `datetime-local` field gives it
/// (`2026-05-20T21:40`), in a committee `offset_minutes` east of UTC.
pub fn parse_local(raw: &str, offset_minutes: i32) -> Result<NaiveDateTime, Invalid> {
    let raw = raw.trim();
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .map_err(|_| Invalid::new("invalid.local_time"))?;
    Ok(local - chrono::TimeDelta::minutes(i64::from(offset_minutes)))
}

/// A stored UTC time as a `datetime-local` field value.
pub fn to_local_input(utc: NaiveDateTime, offset_minutes: i32) -> String {
    local(utc, offset_minutes).format("%Y-%m-%dT%H:%M").to_string()
}

/// Parses a calendar date `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Invalid::new("invalid.date"))
}

fn offset(minutes: i32) -> FixedOffset {
    FixedOffset::east_opt(minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC is a valid offset"))
}

/// A stored UTC time as local time of a committee `offset_minutes` east of UTC.
pub fn local(utc: NaiveDateTime, offset_minutes: i32) -> DateTime<FixedOffset> {
    utc.and_utc().with_timezone(&offset(offset_minutes))
}

/// A stored UTC time written as RFC 3339 in the committee's local offset.
pub fn format_instant(utc: NaiveDateTime, offset_minutes: i32) -> String {
    local(utc, offset_minutes).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The local clock time of a stored UTC time.
pub fn local_clock(utc: NaiveDateTime, offset_minutes: i32) -> ClockTime {
    ClockTime::of(local(utc, offset_minutes).time())
}

/// The local calendar date of a stored UTC time.
pub fn local_date(utc: NaiveDateTime, offset_minutes: i32) -> NaiveDate {
    local(utc, offset_minutes).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> ClockTime {
        ClockTime::parse(s).expect(s)
    }

    #[test]
    fn clock_times_parse_and_print_as_hh_mm() {
        assert_eq!(t("21:00").to_string(), "21:00");
        assert_eq!(t("7:05").to_string(), "07:05");
        for bad in ["24:00", "21:60", "2100", "", "ab:cd", "21:0", "-1:00"] {
            assert!(ClockTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_keep_their_moment_and_print_in_local_time() {
        let utc = parse_instant("2026-06-01T21:40:00+08:00").expect("instant");
        assert_eq!(utc.to_string(), "2026-06-01 13:40:00");
        assert_eq!(format_instant(utc, 480), "2026-06-01T21:40:00+08:00");
        assert_eq!(local_clock(utc, 480), t("21:40"));
        assert_eq!(local_date(parse_instant("2026-06-01T23:30:00Z").expect("z"), 480).to_string(), "2026-06-02");
        assert!(parse_instant("2026-06-01 21:40").is_err());
        let form = parse_local("2026-06-01T21:40", 480).expect("local");
        assert_eq!(form, utc);
        assert_eq!(to_local_input(form, 480), "2026-06-01T21:40");
        assert!(parse_local("21:40", 480).is_err());
        assert!(parse_date("2026-02-30").is_err());
    }

    #[test]
    fn the_default_night_crosses_midnight() {
        let night = NightWindow::default();
        assert!(night.contains(t("22:00")));
        assert!(night.contains(t("23:59")));
        assert!(night.contains(t("00:00")));
        assert!(night.contains(t("05:59")));
        assert!(!night.contains(t("06:00")));
        assert!(!night.contains(t("21:59")));
        assert_eq!(night.minutes(), 8 * 60);
    }

    #[test]
    fn a_window_within_one_day_is_supported() {
        let w = NightWindow::new(t("01:00"), t("05:00")).expect("window");
        assert!(w.contains(t("01:00")) && w.contains(t("04:59")));
        assert!(!w.contains(t("05:00")) && !w.contains(t("23:00")));
    }

    proptest! {
        #[test]
        fn every_minute_is_night_or_day_and_the_night_has_its_length(
            s in 0u16..1440, e in 0u16..1440
        ) {
            prop_assume!(s != e);
            let w = NightWindow::new(ClockTime(s), ClockTime(e)).expect("window");
            let night = (0..1440).filter(|m| w.contains(ClockTime(*m))).count();
            prop_assert_eq!(night, usize::from(w.minutes()));
        }

        #[test]
        fn printing_then_parsing_gives_the_same_time(m in 0u16..1440) {
            prop_assert_eq!(ClockTime::parse(&ClockTime(m).to_string()), Ok(ClockTime(m)));
        }
    }
}
