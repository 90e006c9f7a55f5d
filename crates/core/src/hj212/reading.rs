//! Noise readings out of uploads: the standard's noise factor codes, and a
//! real-time, minute or hourly packet turned into the reading that is stored.

use std::fmt;

use chrono::{NaiveDateTime, TimeDelta};

use super::codes::{QnRtn, cn};
use super::packet::Packet;
use crate::domain::monitor::{DataFlag, MonitorReading, PLAUSIBLE_DB};

/// The noise factor codes of HJ 212-2017 Appendix B, all in dB(A). The
/// codes are case-sensitive as the standard writes them (`LMx`, not `LMX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoiseFactor {
    /// `LA`: A-weighted sound level.
    La,
    /// `L5`: level exceeded 5 % of the time.
    L5,
    /// `L10`: level exceeded 10 % of the time.
    L10,
    /// `L50`: level exceeded half of the time.
    L50,
    /// `L90`: level exceeded 90 % of the time (the background).
    L90,
    /// `L95`: level exceeded 95 % of the time.
    L95,
    /// `Leq`: equivalent continuous level, L_Aeq.
    Leq,
    /// `Ld`: day-time equivalent level.
    Ld,
    /// `Ln`: night-time equivalent level.
    Ln,
    /// `Ldn`: day–night equivalent level.
    Ldn,
    /// `LMx`: highest instantaneous level.
    Lmax,
    /// `LMn`: lowest instantaneous level.
    Lmin,
}

impl NoiseFactor {
    /// Every factor, in the standard's order.
    pub const ALL: [NoiseFactor; 12] = [
        NoiseFactor::La,
        NoiseFactor::L5,
        NoiseFactor::L10,
        NoiseFactor::L50,
        NoiseFactor::L90,
        NoiseFactor::L95,
        NoiseFactor::Leq,
        NoiseFactor::Ld,
        NoiseFactor::Ln,
        NoiseFactor::Ldn,
        NoiseFactor::Lmax,
        NoiseFactor::Lmin,
    ];

    /// The code as written on the wire.
    pub fn code(self) -> &'static str {
        match self {
            NoiseFactor::La => "LA",
            NoiseFactor::L5 => "L5",
            NoiseFactor::L10 => "L10",
            NoiseFactor::L50 => "L50",
            NoiseFactor::L90 => "L90",
            NoiseFactor::L95 => "L95",
            NoiseFactor::Leq => "Leq",
            NoiseFactor::Ld => "Ld",
            NoiseFactor::Ln => "Ln",
            NoiseFactor::Ldn => "Ldn",
            NoiseFactor::Lmax => "LMx",
            NoiseFactor::Lmin => "LMn",
        }
    }

    /// The factor of a code, exactly as the standard writes it.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// What `DataTime` of a minute or hourly packet marks. The sources do not
/// agree, so it is a setting of the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataTimeMarks {
    /// The start of the interval.
    #[default]
    IntervalStart,
    /// The end of the interval.
    IntervalEnd,
}

/// How a device's uploads are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceSettings {
    /// The device clock's offset east of UTC in minutes (480 in China).
    pub offset_minutes: i32,
    /// Seconds between real-time uploads (`RtdInterval`).
    pub realtime_interval_s: u32,
    /// Seconds each minute upload covers (`MinInterval`).
    pub minute_interval_s: u32,
    /// What `DataTime` marks in minute and hourly uploads.
    pub data_time: DataTimeMarks,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        Self {
            offset_minutes: 480,
            realtime_interval_s: 30,
            minute_interval_s: 60,
            data_time: DataTimeMarks::default(),
        }
    }
}

/// Why an upload gives no reading.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadingError {
    /// Not a real-time, minute or hourly upload.
    NotNoiseData(u16),
    /// No `DataTime`.
    NoDataTime,
    /// No equivalent level (`Leq`, or `LA` for real-time data).
    NoLevel,
    /// A level that is not a number.
    NotANumber(String),
    /// A level no meter can read.
    Impossible(String, f64),
}

impl ReadingError {
    /// The code a device is answered with.
    pub fn qn_rtn(&self) -> QnRtn {
        match self {
            ReadingError::NotNoiseData(_) => QnRtn::Cn,
            _ => QnRtn::Unknown,
        }
    }
}

impl fmt::Display for ReadingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadingError::NotNoiseData(cn) => write!(f, "CN {cn} carries no noise reading"),
            ReadingError::NoDataTime => f.write_str("no DataTime"),
            ReadingError::NoLevel => f.write_str("no Leq or LA level"),
            ReadingError::NotANumber(key) => write!(f, "{key} is not a number"),
            ReadingError::Impossible(key, db) => write!(f, "{key}={db} is not a possible level"),
        }
    }
}

impl std::error::Error for ReadingError {}

/// The reading an upload carries: its interval from the command (real-time,
/// minute or hourly) and the device's settings, the time in UTC, L_Aeq from
/// `Leq` (or `LA`, which real-time uploads and some minute uploads carry),
/// L_AFmax from `LMx`, L10 and L90 when given, and the level's data flag.
/// Statistics are read from `-Data` items or, failing those, from
/// `-Avg` / `-Max` items as some platforms write them.
pub fn noise_reading(packet: &Packet, settings: &DeviceSettings) -> Result<MonitorReading, ReadingError> {
    let (interval_s, suffixes): (u32, &[&str]) = match packet.cn {
        cn::REALTIME => (settings.realtime_interval_s, &["Rtd", "Data"]),
        cn::MINUTE => (settings.minute_interval_s, &["Data", "Avg"]),
        cn::HOUR => (3600, &["Data", "Avg"]),
        other => return Err(ReadingError::NotNoiseData(other)),
    };
    let max_suffixes: &[&str] = if packet.cn == cn::REALTIME { suffixes } else { &["Data", "Max"] };
    let level = |factor: NoiseFactor, suffixes: &[&str]| -> Result<Option<f64>, ReadingError> {
        let Some((suffix, raw)) = suffixes.iter().find_map(|s| packet.cp.get(factor.code(), s).map(|v| (s, v))) else {
            return Ok(None);
        };
        let key = format!("{}-{suffix}", factor.code());
        let db: f64 = raw.trim().parse().map_err(|_| ReadingError::NotANumber(key.clone()))?;
        if !PLAUSIBLE_DB.contains(&db) {
            return Err(ReadingError::Impossible(key, db));
        }
        Ok(Some(db))
    };
    let data_time = packet.cp.data_time.ok_or(ReadingError::NoDataTime)?;
    let (laeq_factor, laeq_db) = match level(NoiseFactor::Leq, suffixes)? {
        Some(db) => (NoiseFactor::Leq, db),
        None => (NoiseFactor::La, level(NoiseFactor::La, suffixes)?.ok_or(ReadingError::NoLevel)?),
    };
    let local_start = match settings.data_time {
        DataTimeMarks::IntervalEnd if packet.cn != cn::REALTIME => {
            data_time - TimeDelta::seconds(i64::from(interval_s))
        }
        _ => data_time,
    };
    Ok(MonitorReading {
        at: device_time_to_utc(local_start, settings),
        interval_s,
        laeq_db,
        lafmax_db: level(NoiseFactor::Lmax, max_suffixes)?,
        l10_db: level(NoiseFactor::L10, suffixes)?,
        l90_db: level(NoiseFactor::L90, suffixes)?,
        flag: data_flag(packet, laeq_factor),
    })
}

/// The level's own flag, or else the first mark other than normal on any
/// noise factor, or else a normal mark if one is given.
fn data_flag(packet: &Packet, level: NoiseFactor) -> Option<DataFlag> {
    let flag_of = |f: NoiseFactor| packet.cp.get(f.code(), "Flag").map(DataFlag::parse);
    let own = flag_of(level);
    if own.as_ref().is_some_and(|f| *f != DataFlag::Normal) {
        return own;
    }
    NoiseFactor::ALL.into_iter().filter_map(flag_of).find(|f| *f != DataFlag::Normal).or(own)
}

/// The time a reading is for, in UTC, from a device's local `DataTime`.
pub fn device_time_to_utc(local: NaiveDateTime, settings: &DeviceSettings) -> NaiveDateTime {
    local - TimeDelta::minutes(i64::from(settings.offset_minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hj212::packet::parse;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect(s)
    }

    fn packet(cn: u16, area: &str) -> Packet {
        parse(&format!("QN=20240501120100456;ST=23;CN={cn};PW=123456;MN=M1;Flag=5;CP=&&{area}&&")).expect("packet")
    }

    #[test]
    fn every_code_reads_back_as_its_factor_and_case_matters() {
        for f in NoiseFactor::ALL {
            assert_eq!(NoiseFactor::parse(f.code()), Some(f));
        }
        assert_eq!(NoiseFactor::parse("LMX"), None);
        assert_eq!(NoiseFactor::parse("La"), None);
    }

    #[test]
    fn a_minute_upload_gives_a_reading_of_one_minute_in_utc() {
        let p = packet(
            2051,
            "DataTime=20240501120000;Leq-Data=56.2;L5-Data=60.1;L10-Data=58.7;L50-Data=55.0;\
             L90-Data=51.3;L95-Data=50.2;LMx-Data=68.4;LMn-Data=48.9",
        );
        let r = noise_reading(&p, &DeviceSettings::default()).expect("reading");
        assert_eq!(r.at, at("2024-05-01 04:00:00"));
        assert_eq!(r.interval_s, 60);
        assert_eq!((r.laeq_db, r.lafmax_db, r.l10_db, r.l90_db), (56.2, Some(68.4), Some(58.7), Some(51.3)));
        assert_eq!(r.flag, None);
    }

    #[test]
    fn a_realtime_upload_takes_la_and_its_flag() {
        let p = packet(2011, "DataTime=20240501120000;LA-Rtd=55.3,LA-Flag=N");
        let settings = DeviceSettings { realtime_interval_s: 10, ..Default::default() };
        let r = noise_reading(&p, &settings).expect("reading");
        assert_eq!((r.laeq_db, r.interval_s, r.lafmax_db), (55.3, 10, None));
        assert_eq!(r.flag, Some(DataFlag::Normal));
    }

    #[test]
    fn hourly_averages_are_read_when_no_data_items_are_given() {
        let p = packet(2061, "DataTime=20240501200000;Leq-Avg=54.0;LMx-Max=71.5;LA-Flag=M");
        let settings = DeviceSettings { data_time: DataTimeMarks::IntervalEnd, ..Default::default() };
        let r = noise_reading(&p, &settings).expect("reading");
        assert_eq!((r.laeq_db, r.lafmax_db, r.interval_s), (54.0, Some(71.5), 3600));
        assert_eq!(r.at, at("2024-05-01 11:00:00"), "an hour ending 20:00 local starts 11:00 UTC");
        assert_eq!(r.flag, Some(DataFlag::Maintenance), "a mark on another factor is not lost");
    }

    #[test]
    fn uploads_without_a_usable_level_are_refused_with_a_reason() {
        let settings = DeviceSettings::default();
        let refused = |cn, area| noise_reading(&packet(cn, area), &settings).expect_err(area);
        assert_eq!(refused(2031, "DataTime=20240501000000;Ldn-Data=58.3"), ReadingError::NotNoiseData(2031));
        assert_eq!(refused(2031, "").qn_rtn(), QnRtn::Cn);
        assert_eq!(refused(2051, "Leq-Data=50"), ReadingError::NoDataTime);
        assert_eq!(refused(2051, "DataTime=20240501000000;L10-Data=50"), ReadingError::NoLevel);
        assert_eq!(refused(2051, "DataTime=20240501000000;Leq-Data=loud"), ReadingError::NotANumber("Leq-Data".into()));
        assert_eq!(
            refused(2051, "DataTime=20240501000000;Leq-Data=55;LMx-Data=400"),
            ReadingError::Impossible("LMx-Data".into(), 400.0)
        );
        assert_eq!(refused(2051, "DataTime=20240501000000;Leq-Data=NaN").qn_rtn(), QnRtn::Unknown);
    }
}
