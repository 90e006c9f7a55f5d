//! Readings coming in from monitors, by either way: JSON batches over HTTP
//! with the device's token, or HJ 212 packets over TCP with its MN and
//! password. Both end in [`store`]: the same checks, the same table.
//!
//! Every refusal changes nothing, is logged with the device and the
//! client's address, and counts against the device (and, for unknown
//! devices and wrong tokens, the address): past the limit a device is
//! answered "too many requests" without its token being checked.

use chrono::{NaiveDateTime, TimeDelta};
use subtle::ConstantTimeEq;

use crate::app::error::{AppError, AppResult};
use crate::db::monitor_readings::{self, Packed, RolledUp, StoredCount};
use crate::db::monitors::{self, Monitor, PasswordCheck, check_password, password_hash};
use crate::db::{Db, WriteError, committees};
use crate::domain::Invalid;
use crate::domain::commands::monitor::{ReadingFields, check_reading, parse_readings};
use crate::domain::monitor::MonitorReading;
use crate::domain::throttle::ThrottleRule;
use crate::hj212::{Packet, QnRtn, noise_reading};
use crate::random;

/// Refused requests of one device: 20 per 15 minutes.
pub const PER_DEVICE: ThrottleRule = ThrottleRule { limit: 20, window: TimeDelta::minutes(15) };
/// Refused requests from one address naming unknown devices or wrong
/// tokens: 60 per 15 minutes.
pub const PER_ADDRESS: ThrottleRule = ThrottleRule { limit: 60, window: TimeDelta::minutes(15) };

/// What a batch did.
pub type Ingested = StoredCount;

fn device_key(id: i64) -> String {
    format!("monitor:{id}")
}

fn address_key(address: &str) -> String {
    format!("monitor-address:{address}")
}

/// Stores checked readings of a monitor: the one way readings are written.
pub async fn store(db: &Db, monitor_id: i64, readings: Vec<MonitorReading>) -> Result<Ingested, WriteError> {
    db.run(move |conn| monitor_readings::store(conn, monitor_id, &readings)).await
}

/// Rolls up every monitor's readings older than `keep_days` days at `now`
/// into hourly rows and removes them (see [`monitor_readings::roll_up`]).
/// Fewer days than the database allows are refused.
pub async fn roll_up(db: &Db, keep_days: u32, now: NaiveDateTime) -> Result<RolledUp, WriteError> {
    let before = roll_up_before(keep_days, now)?;
    db.run(move |conn| monitor_readings::roll_up(conn, before, now)).await
}

/// Packs every monitor's readings of the hours closed by [`pack_before`]
/// `now` (see [`monitor_readings::pack_closed_hours`]).
pub async fn pack(db: &Db, now: NaiveDateTime) -> Result<Packed, WriteError> {
    let before = pack_before(now);
    db.run(move |conn| monitor_readings::pack_closed_hours(conn, before)).await
}

/// The whole hour before which readings are packed: the start of the hour
/// before `now`'s, so that an hour is packed once it has been over for an
/// hour at least, when its late readings (an hourly upload, a device
/// catching up after a short outage) are in.
pub fn pack_before(now: NaiveDateTime) -> NaiveDateTime {
    let at = now.and_utc().timestamp();
    chrono::DateTime::from_timestamp(at - at.rem_euclid(3600) - 3600, 0).unwrap_or_default().naive_utc()
}

/// The whole hour before which readings are rolled up: `keep_days` before
/// `now`, rounded down to the hour.
pub fn roll_up_before(keep_days: u32, now: NaiveDateTime) -> Result<NaiveDateTime, WriteError> {
    if keep_days < monitor_readings::KEEP_DAYS_AT_LEAST {
        return Err(WriteError::field(
            "keep_days",
            Invalid::new("monitor.invalid.keep_days").with("days", monitor_readings::KEEP_DAYS_AT_LEAST),
        ));
    }
    let before = (now - TimeDelta::days(i64::from(keep_days))).and_utc().timestamp();
    Ok(chrono::DateTime::from_timestamp(before - before.rem_euclid(3600), 0).unwrap_or_default().naive_utc())
}

async fn count_failure(db: &Db, keys: Vec<(String, ThrottleRule)>, now: NaiveDateTime) {
    let counted = db
        .run(move |conn| {
            let keys: Vec<(&str, ThrottleRule)> = keys.iter().map(|(k, r)| (k.as_str(), *r)).collect();
            monitors::count_failure(conn, &keys, now).map_err(WriteError::from)
        })
        .await;
    if let Err(e) = counted {
        tracing::warn!(cause = %e, "monitor refusal not counted");
    }
}

/// Receives a JSON batch for monitor `monitor_id` from `address` with the
/// bearer `token`: unknown device 404, missing or wrong token 401, too many
/// refusals 429, a bad reading 422 naming it, a reading differing from one
/// stored 409. A batch is stored whole or not at all; readings already
/// stored identically are counted, not written again.
pub async fn receive_batch(
    db: &Db,
    monitor_id: i64,
    token: Option<String>,
    address: String,
    batch: Vec<ReadingFields>,
    now: NaiveDateTime,
) -> AppResult<Ingested> {
    let keys = vec![(device_key(monitor_id), PER_DEVICE), (address_key(&address), PER_ADDRESS)];
    let lookup_keys = keys.clone();
    let (wait, monitor) = db
        .read(move |conn| {
            let named: Vec<(&str, ThrottleRule)> = lookup_keys.iter().map(|(k, r)| (k.as_str(), *r)).collect();
            let wait = monitors::throttled(conn, &named, now)?;
            Ok::<_, AppError>((wait, monitors::find_any(conn, monitor_id)?))
        })
        .await?;
    if let Some(wait) = wait {
        tracing::warn!(monitor = monitor_id, %address, "monitor readings refused: too many refusals");
        return Err(AppError::TooManyRequests { retry_after_secs: u64::try_from(wait.num_seconds()).unwrap_or(1) });
    }
    let Some(monitor) = monitor else {
        tracing::warn!(monitor = monitor_id, %address, "monitor readings refused: unknown monitor");
        count_failure(db, keys[1..].to_vec(), now).await;
        return Err(AppError::NotFound);
    };
    if !token_matches(&monitor, token.as_deref()) {
        tracing::warn!(monitor = monitor_id, mn = %monitor.mn, %address, "monitor readings refused: wrong token");
        count_failure(db, keys, now).await;
        return Err(AppError::Unauthorized);
    }
    let readings = match parse_readings(&batch, now) {
        Ok(readings) => readings,
        Err(refused) => {
            let first = refused.0.first().map(|e| e.field.clone()).unwrap_or_default();
            tracing::warn!(monitor = monitor_id, mn = %monitor.mn, %address, refused = refused.0.len(), %first,
                "monitor readings refused: invalid");
            count_failure(db, keys[..1].to_vec(), now).await;
            return Err(refused.into());
        }
    };
    match store(db, monitor.id, readings).await {
        Ok(count) => Ok(count),
        Err(WriteError::Conflict(problem, extra)) => {
            tracing::warn!(monitor = monitor_id, mn = %monitor.mn, %address, "monitor readings refused: differ from stored");
            count_failure(db, keys[..1].to_vec(), now).await;
            Err(AppError::Conflict { problem, extra })
        }
        Err(other) => Err(other.into()),
    }
}

fn token_matches(monitor: &Monitor, token: Option<&str>) -> bool {
    token.is_some_and(|t| bool::from(random::digest(t).as_bytes().ct_eq(monitor.token_hash.as_bytes())))
}

/// Receives one HJ 212 packet from `address`: the device by its `MN`, its
/// password, the reading the upload carries, the same checks as HTTP.
/// Refused with the standard's code: 4 unknown MN, 3 wrong password, 8 a
/// command carrying no noise data, 2 a reading refused (impossible, far
/// future, differing from one stored), 100 anything else.
pub async fn receive_packet(db: &Db, packet: &Packet, address: &str, now: NaiveDateTime) -> Result<Ingested, QnRtn> {
    let mn = packet.mn.clone();
    let found = db
        .read(move |conn| {
            let Some(monitor) = monitors::find_by_mn(conn, &mn)? else { return Ok(None) };
            let offset = committees::find(conn, monitor.committee_id)?.utc_offset_minutes;
            Ok::<_, WriteError>(Some((monitor, offset)))
        })
        .await;
    let (monitor, offset) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            tracing::warn!(mn = %packet.mn, %address, "HJ 212 packet refused: unknown MN");
            return Err(QnRtn::Mn);
        }
        Err(e) => {
            tracing::error!(cause = %e, mn = %packet.mn, "HJ 212 packet not stored");
            return Err(QnRtn::Unknown);
        }
    };
    match check_password(&monitor.mn, &packet.pw, &monitor.password_hash) {
        PasswordCheck::Matches => {}
        PasswordCheck::MatchesUnkeyed => {
            // A hash stored before passwords were keyed: keyed from now on.
            let id = monitor.id;
            let rehashed = match password_hash(&monitor.mn, &packet.pw) {
                Ok(hash) => {
                    db.run(move |conn| Ok::<_, WriteError>(monitors::set_password_hash(conn, id, &hash)?)).await
                }
                Err(e) => Err(WriteError::Failed(e.to_string())),
            };
            if let Err(e) = rehashed {
                tracing::error!(cause = %e, monitor = monitor.id, "HJ 212 password hash not keyed");
            }
        }
        PasswordCheck::Wrong => {
            tracing::warn!(monitor = monitor.id, mn = %monitor.mn, %address, "HJ 212 packet refused: wrong password");
            return Err(QnRtn::Password);
        }
    }
    let reading = noise_reading(packet, &monitor.device_settings(offset)).map_err(|e| {
        tracing::warn!(monitor = monitor.id, mn = %monitor.mn, %address, cause = %e, "HJ 212 packet refused");
        e.qn_rtn()
    })?;
    if let Err((field, problem)) = check_reading(&reading, now) {
        tracing::warn!(monitor = monitor.id, mn = %monitor.mn, %address, field, problem = %problem,
            "HJ 212 reading refused");
        return Err(QnRtn::Rejected);
    }
    match store(db, monitor.id, vec![reading]).await {
        Ok(count) => Ok(count),
        Err(WriteError::Conflict(..)) => {
            tracing::warn!(monitor = monitor.id, mn = %monitor.mn, %address, "HJ 212 reading differs from the one stored");
            Err(QnRtn::Rejected)
        }
        Err(e) => {
            tracing::error!(cause = %e, mn = %monitor.mn, "HJ 212 reading not stored");
            Err(QnRtn::Unknown)
        }
    }
}

/// A refusal's message key for the HTTP edge.
pub fn refusal_detail(error: &AppError) -> Option<Invalid> {
    match error {
        AppError::Unauthorized => Some(Invalid::new("monitor.error.wrong_token")),
        AppError::NotFound => Some(Invalid::new("monitor.error.unknown")),
        AppError::TooManyRequests { .. } => Some(Invalid::new("monitor.error.throttled")),
        _ => None,
    }
}
