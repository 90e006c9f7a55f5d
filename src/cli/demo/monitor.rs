//! The choir case's noise monitor: a certified meter 1 m outside a window
//! of building 3, with 60 nights of minute readings — before the agreement
//! the choir sings until about 22:10 at about 68 dB; from the night it took
//! effect it ends by 20:55 at about 54 dB, but for two nights that run
//! over — and those nights evaluated as the server evaluates them.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta, Timelike};

use super::DemoError;
use crate::app::monitor_nights::evaluate_nights_on;
use crate::db::committees::Committee;
use crate::db::monitors::{self, password_hash};
use crate::db::users::User;
use crate::db::{DbConn, monitor_readings};
use crate::domain::commands::monitor::NewMonitor;
use crate::domain::monitor::{Calibration, InstrumentClass, MonitorReading};
use crate::domain::noise::Position;
use crate::hj212::DataTimeMarks;

/// The demo monitor's HJ 212 identity and password, and its HTTP token
/// (a real monitor's secrets are random and shown once).
pub const DEMO_MN: &str = "DH64-0001";
/// See [`DEMO_MN`].
pub const DEMO_MONITOR_PASSWORD: &str = "123456";
/// See [`DEMO_MN`].
pub const DEMO_MONITOR_TOKEN: &str = "demo-monitor-token-dh64-0001";

/// The first night with readings, and how many.
const FIRST_NIGHT: Day = (2026, 4, 27);
const NIGHTS: i64 = 60;
/// The night the memorandum took effect (signed that evening at 20:30).
const AGREED: Day = (2026, 5, 26);
/// A day as (year, month, day).
type Day = (i32, u32, u32);
/// The two nights after it when the choir ran over: (day, end, level).
const OVER: [(Day, (u32, u32), f64); 2] = [((2026, 6, 8), (21, 25), 66.0), ((2026, 6, 19), (21, 35), 65.0)];

fn date((y, m, d): Day) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A small deterministic wobble in [-1, 1] for minute `n`.
fn wobble(n: u64) -> f64 {
    let x = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407) >> 33;
    (x % 2001) as f64 / 1000.0 - 1.0
}

/// One night's minute readings, 06:00 of its evening to 06:00 the next
/// morning (local), as UTC.
fn night(day: NaiveDate, index: i64, offset: i32) -> Vec<MonitorReading> {
    let (start, end, level) = match OVER.iter().find(|(d, _, _)| date(*d) == day) {
        Some((_, end, level)) => ((20, 0), *end, *level),
        None if day >= date(AGREED) => ((19, 0), (20, 45 + u32::try_from(index % 11).unwrap_or(0)), 54.0),
        None => ((20, 0), (22, 5 + u32::try_from(index % 9).unwrap_or(0)), 68.0),
    };
    let first = day.and_hms_opt(6, 0, 0).unwrap_or_default();
    (0..24 * 60)
        .map(|m| {
            let local: NaiveDateTime = first + TimeDelta::minutes(m);
            let hm = (local.hour(), local.minute());
            let n = u64::try_from(index * 10_000 + m).unwrap_or(0);
            let singing = local.date() == day && hm >= start && hm < end;
            let laeq = if singing { level + 1.5 * wobble(n) } else { 42.0 + wobble(n) };
            MonitorReading {
                at: local - TimeDelta::minutes(i64::from(offset)),
                interval_s: 60,
                laeq_db: (laeq * 10.0).round() / 10.0,
                lafmax_db: Some(((laeq + 7.0 + 2.0 * wobble(n + 7)) * 10.0).round() / 10.0),
                l10_db: Some(((laeq + 1.5) * 10.0).round() / 10.0),
                l90_db: Some(((laeq - 2.5) * 10.0).round() / 10.0),
                flag: None,
            }
        })
        .collect()
}

/// Registers the monitor of the choir's memorandum, stores its 60 nights
/// and evaluates them.
pub(super) fn choir_monitor(
    conn: &mut DbConn,
    committee: &Committee,
    mediator: &User,
    case_id: i64,
    memorandum: i64,
    now: NaiveDateTime,
) -> Result<(), DemoError> {
    let new = NewMonitor {
        place: "敦化南路64号院 3号楼窗外1米".to_owned(),
        position: Position::OutsideWindow,
        zone_class: committee.zone_class.get(),
        instrument_class: InstrumentClass::Class1,
        serial: "AWA6228+ 00312".to_owned(),
        calibration: Some(Calibration { calibrated_on: date((2026, 4, 20)), valid_until: date((2027, 4, 19)) }),
        mn: DEMO_MN.to_owned(),
        hj212_password: None,
        realtime_interval_s: 30,
        data_time_marks: DataTimeMarks::IntervalStart,
        case_id: Some(case_id),
        agreement_id: Some(memorandum),
    };
    let hash = password_hash(DEMO_MN, DEMO_MONITOR_PASSWORD).map_err(|e| DemoError::Other(e.into()))?;
    let token = crate::random::digest(DEMO_MONITOR_TOKEN);
    let m = monitors::register(conn, &mediator.actor(), committee.id, &new, &hash, &token, now)?;
    let offset = committee.utc_offset_minutes;
    for i in 0..NIGHTS {
        let day = date(FIRST_NIGHT) + TimeDelta::days(i);
        monitor_readings::store(conn, m.id, &night(day, i, offset))?;
    }
    for i in 0..NIGHTS {
        let day = date(FIRST_NIGHT) + TimeDelta::days(i);
        evaluate_nights_on(conn, Some(day), now).map_err(|e| DemoError::Other(anyhow::anyhow!("{e}")))?;
    }
    Ok(())
}
