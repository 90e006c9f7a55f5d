//! The registry of noise monitors: each committee's devices, where they
//! stand, what they are certified for, and the secrets they identify
//! themselves with (stored only as hashes).

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::json;

use super::audit::audited;
use super::codes::Code;
use super::schema::{agreement, monitor, sign_in_throttle};
use super::{DbConn, WriteError, cases, sign_in};
use crate::domain::Invalid;
use crate::domain::audit::Actor;
use crate::domain::commands::monitor::{NewMonitor, data_time_marks_code, parse_data_time_marks};
use crate::domain::committee::ZoneClass;
use crate::domain::monitor::{Calibration, InstrumentClass, Monitor as MonitorSpec};
use crate::domain::noise::Position;
use crate::domain::throttle::ThrottleRule;
use crate::hj212::DeviceSettings;

/// A monitor as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = monitor)]
pub struct Monitor {
    /// Id.
    pub id: i64,
    /// The committee it belongs to.
    pub committee_id: i64,
    /// Where it stands.
    pub place: String,
    /// Measurement position.
    pub position: Code<Position>,
    /// Acoustic zone class.
    pub zone_class: Code<ZoneClass>,
    /// Meter class.
    pub instrument_class: Code<InstrumentClass>,
    /// Serial number.
    pub serial: String,
    /// Day of calibration.
    pub calibrated_on: Option<NaiveDate>,
    /// Last day the calibration is valid.
    pub calibration_valid_until: Option<NaiveDate>,
    /// HJ 212 device identity.
    pub mn: String,
    /// Keyed hash of `MN:PW` (`<key id>:<hex>`; an unkeyed SHA-256 as first stored).
    pub password_hash: String,
    /// SHA-256 of the HTTP token.
    pub token_hash: String,
    /// Seconds between real-time uploads.
    pub realtime_interval_s: i32,
    /// What `DataTime` marks: `start` or `end`.
    pub data_time_marks: String,
    /// Case watched.
    pub case_id: Option<i64>,
    /// Agreement checked.
    pub agreement_id: Option<i64>,
    /// Who registered it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: NaiveDateTime,
}

impl Monitor {
    /// Its calibration certificate, if one is recorded.
    pub fn calibration(&self) -> Option<Calibration> {
        Some(Calibration { calibrated_on: self.calibrated_on?, valid_until: self.calibration_valid_until? })
    }

    /// What the nightly evaluation needs to know of it.
    pub fn spec(&self) -> MonitorSpec {
        MonitorSpec {
            position: self.position.get(),
            class: self.instrument_class.get(),
            calibration: self.calibration(),
        }
    }

    /// How its HJ 212 uploads are read, with the committee's clock offset.
    pub fn device_settings(&self, offset_minutes: i32) -> DeviceSettings {
        DeviceSettings {
            offset_minutes,
            realtime_interval_s: u32::try_from(self.realtime_interval_s).unwrap_or(30),
            data_time: parse_data_time_marks(&self.data_time_marks).unwrap_or_default(),
            ..DeviceSettings::default()
        }
    }
}

/// The hash a device's HJ 212 password is stored as: keyed with the data
/// key (so that a copied database does not let the short passwords devices
/// take be tried offline) and bound to its MN (so that two devices with the
/// factory password do not share a hash).
pub fn password_hash(mn: &str, password: &str) -> Result<String, crate::data_key::KeyError> {
    let ring = crate::data_key::installed()?;
    Ok(ring.mac(crate::data_key::Purpose::MonitorPassword, format!("{mn}:{password}").as_bytes()))
}

/// How a given password compares with the stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// It matches a keyed hash.
    Matches,
    /// It matches an unkeyed SHA-256 of `MN:PW`, as first stored: the hash
    /// should be replaced by a keyed one.
    MatchesUnkeyed,
    /// It does not match.
    Wrong,
}

/// Checks a device's password against its stored hash, in constant time.
pub fn check_password(mn: &str, password: &str, stored: &str) -> PasswordCheck {
    use subtle::ConstantTimeEq;
    let message = format!("{mn}:{password}");
    if stored.contains(':') {
        let ring = crate::data_key::installed();
        let ok =
            ring.is_ok_and(|r| r.verify_mac(crate::data_key::Purpose::MonitorPassword, message.as_bytes(), stored));
        return if ok { PasswordCheck::Matches } else { PasswordCheck::Wrong };
    }
    if bool::from(crate::random::digest(&message).as_bytes().ct_eq(stored.as_bytes())) {
        PasswordCheck::MatchesUnkeyed
    } else {
        PasswordCheck::Wrong
    }
}

/// Replaces a monitor's password hash (an unkeyed one by its keyed form).
pub fn set_password_hash(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(monitor::table.find(id)).set(monitor::password_hash.eq(hash)).execute(conn)
}

/// Registers a monitor of `committee_id` with its secrets' hashes. The case
/// and agreement it is linked to must be the committee's (else 404), and
/// the agreement the case's; an MN already registered is refused.
pub fn register(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    new: &NewMonitor,
    password_hash: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Monitor, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let case_id = match (new.case_id, new.agreement_id) {
            (_, Some(agreement_id)) => {
                let case_of: i64 = agreement::table.find(agreement_id).select(agreement::case_id).first(conn)?;
                cases::find(conn, committee_id, case_of)?;
                if new.case_id.is_some_and(|c| c != case_of) {
                    return Err(WriteError::field(
                        "agreement_id",
                        Invalid::new("monitor.invalid.agreement_of_other_case"),
                    ));
                }
                Some(case_of)
            }
            (Some(case_id), None) => Some(cases::find(conn, committee_id, case_id)?.id),
            (None, None) => None,
        };
        let taken: i64 = monitor::table.filter(monitor::mn.eq(&new.mn)).count().get_result(conn)?;
        if taken > 0 {
            return Err(WriteError::field("mn", Invalid::new("monitor.invalid.mn_taken")));
        }
        let calibration = new.calibration;
        let id = diesel::insert_into(monitor::table)
            .values((
                monitor::committee_id.eq(committee_id),
                monitor::place.eq(&new.place),
                monitor::position.eq(new.position.code()),
                monitor::zone_class.eq(new.zone_class.code()),
                monitor::instrument_class.eq(new.instrument_class.code()),
                monitor::serial.eq(&new.serial),
                monitor::calibrated_on.eq(calibration.map(|c| c.calibrated_on)),
                monitor::calibration_valid_until.eq(calibration.map(|c| c.valid_until)),
                monitor::mn.eq(&new.mn),
                monitor::password_hash.eq(password_hash),
                monitor::token_hash.eq(token_hash),
                monitor::realtime_interval_s.eq(i32::try_from(new.realtime_interval_s).unwrap_or(30)),
                monitor::data_time_marks.eq(data_time_marks_code(new.data_time_marks)),
                monitor::case_id.eq(case_id),
                monitor::agreement_id.eq(new.agreement_id),
                monitor::created_by.eq(actor.id),
                monitor::created_at.eq(now),
            ))
            .returning(monitor::id)
            .get_result::<i64>(conn)?;
        let row = monitor::table.find(id).select(Monitor::as_select()).first(conn)?;
        log.record(
            "monitor.register",
            "monitor",
            row.id,
            json!({"mn": row.mn, "place": row.place, "position": row.position, "instrument_class": row.instrument_class,
                   "serial": row.serial, "calibration_valid_until": row.calibration_valid_until, "case_id": row.case_id,
                   "agreement_id": row.agreement_id}),
        );
        Ok(row)
    })
}

/// The committee's monitors, newest first.
pub fn of_committee(conn: &mut DbConn, committee_id: i64) -> QueryResult<Vec<Monitor>> {
    monitor::table
        .filter(monitor::committee_id.eq(committee_id))
        .order(monitor::id.desc())
        .select(Monitor::as_select())
        .load(conn)
}

/// The monitors of a case of the committee, oldest first.
pub fn of_case(conn: &mut DbConn, committee_id: i64, case_id: i64) -> QueryResult<Vec<Monitor>> {
    monitor::table
        .filter(monitor::committee_id.eq(committee_id))
        .filter(monitor::case_id.eq(case_id))
        .order(monitor::id)
        .select(Monitor::as_select())
        .load(conn)
}

/// A monitor by id, whatever its committee (devices are not users).
pub fn find_any(conn: &mut DbConn, id: i64) -> QueryResult<Option<Monitor>> {
    monitor::table.find(id).select(Monitor::as_select()).first(conn).optional()
}

/// A monitor by its HJ 212 identity.
pub fn find_by_mn(conn: &mut DbConn, mn: &str) -> QueryResult<Option<Monitor>> {
    monitor::table.filter(monitor::mn.eq(mn)).select(Monitor::as_select()).first(conn).optional()
}

/// How long a caller must wait when any of `keys` has passed its rule's
/// limit of failures; a read only, for requests that count nothing unless
/// they fail.
pub fn throttled(
    conn: &mut DbConn,
    keys: &[(&str, ThrottleRule)],
    now: NaiveDateTime,
) -> QueryResult<Option<TimeDelta>> {
    let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    let rows: Vec<(String, i32, NaiveDateTime)> = sign_in_throttle::table
        .filter(sign_in_throttle::key.eq_any(&names))
        .select((sign_in_throttle::key, sign_in_throttle::failures, sign_in_throttle::window_start))
        .load(conn)?;
    Ok(rows
        .iter()
        .filter_map(|(key, failures, start)| {
            let (_, rule) = keys.iter().find(|(k, _)| k == key)?;
            rule.refuses(*failures, *start, now)
        })
        .max())
}

/// Counts a failure against each key (see [`sign_in::attempt`]).
pub fn count_failure(conn: &mut DbConn, keys: &[(&str, ThrottleRule)], now: NaiveDateTime) -> QueryResult<()> {
    sign_in::attempt(conn, keys, now).map(|_| ())
}
