//! The levels monitors report, append-only (a database trigger refuses any
//! change or removal), compact: one row per interval keyed by (monitor,
//! start, interval), the start as Unix seconds, the four levels in 0.1 dB
//! steps and the instrument's mark packed in one integer (see the
//! migration `monitors`).
//!
//! Readings older than the retention are rolled up, an hour of a monitor
//! at a time, into `monitor_hourly` (see the migration `monitor_hourly`)
//! and only then removed: the database lets a reading go only once its
//! hour has a roll-up. [`between`] answers rolled-up hours as one reading
//! each, so nights, their pages and their evaluation read both alike.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{monitor, monitor_hourly, monitor_reading};
use super::{DbConn, WriteError, write_transaction};
use crate::domain::Invalid;
use crate::domain::monitor::{DataFlag, MonitorReading};
use crate::domain::night::energetic_mean;
use crate::on_backend;

/// Eleven bits a level; this value says the level was not reported.
const ABSENT: i64 = 2047;
const BITS: u32 = 11;
/// Where the mark's four bits start.
const FLAG_SHIFT: u32 = 44;
/// The marks kept by number (1–8); 0 is normal or unmarked.
const MARKS: [&str; 8] = ["F", "M", "S", "D", "C", "T", "B", "P"];
/// Any other mark: its letters are not kept.
const OTHER_MARK: i64 = 15;
/// How an unknown mark reads back.
pub const UNKNOWN_MARK: &str = "?";
/// Rows written by one statement.
const CHUNK: usize = 500;

fn step(db: Option<f64>) -> i64 {
    db.map_or(ABSENT, |db| ((db * 10.0).round() as i64).clamp(0, ABSENT - 1))
}

fn level(packed: i64, slot: u32) -> Option<f64> {
    let raw = (packed >> (slot * BITS)) & ABSENT;
    (raw != ABSENT).then(|| raw as f64 / 10.0)
}

/// A reading's levels and mark in one integer: L_Aeq, L_AFmax, L10 and L90
/// in 0.1 dB steps, eleven bits each from the lowest, then the mark's
/// number in four bits.
pub fn pack(r: &MonitorReading) -> i64 {
    let levels = [Some(r.laeq_db), r.lafmax_db, r.l10_db, r.l90_db]
        .into_iter()
        .enumerate()
        .fold(0, |acc, (slot, db)| acc | (step(db) << (slot as u32 * BITS)));
    levels | (mark_number(r.flag.as_ref()) << FLAG_SHIFT)
}

fn mark_number(flag: Option<&DataFlag>) -> i64 {
    match flag {
        None | Some(DataFlag::Normal) => 0,
        Some(f) => MARKS.iter().position(|m| *m == f.code()).map_or(OTHER_MARK, |i| i as i64 + 1),
    }
}

fn mark(packed: i64) -> Option<DataFlag> {
    match (packed >> FLAG_SHIFT) & 15 {
        0 => None,
        n => Some(DataFlag::parse(
            MARKS.get(usize::try_from(n - 1).unwrap_or(usize::MAX)).copied().unwrap_or(UNKNOWN_MARK),
        )),
    }
}

/// A row's key and what it holds.
type Key = (i64, i32);
type Stored = i64;

/// What storing a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredCount {
    /// Readings written now.
    pub stored: usize,
    /// Readings already there, identical (a device resending).
    pub already_stored: usize,
}

/// Stores readings of `monitor_id`, in one transaction. A reading already
/// stored with the same levels and mark is counted and left alone; one
/// stored with other values refuses the whole batch (409): a reading is
/// never replaced.
pub fn store(conn: &mut DbConn, monitor_id: i64, readings: &[MonitorReading]) -> Result<StoredCount, WriteError> {
    let mut wanted: Vec<(Key, Stored)> = Vec::with_capacity(readings.len());
    let mut seen: HashMap<Key, usize> = HashMap::with_capacity(readings.len());
    let mut count = StoredCount::default();
    for (i, r) in readings.iter().enumerate() {
        let key = (r.at.and_utc().timestamp(), i32::try_from(r.interval_s).unwrap_or(i32::MAX));
        let value = pack(r);
        match seen.get(&key) {
            Some(&j) if wanted[j].1 == value => count.already_stored += 1,
            Some(_) => return Err(conflict(i)),
            None => {
                seen.insert(key, wanted.len());
                wanted.push((key, value));
            }
        }
    }
    let (Some(from), Some(to)) = (wanted.iter().map(|(k, _)| k.0).min(), wanted.iter().map(|(k, _)| k.0).max()) else {
        return Ok(count);
    };
    write_transaction(conn, |conn| {
        let rolled = rolled_hours(conn, monitor_id, from, to)?;
        if let Some(i) = wanted.iter().position(|((at, _), _)| rolled.contains(&hour_of(*at))) {
            return Err(WriteError::conflict(
                Invalid::new("monitor.conflict.rolled_up").with("index", readings_index(readings, wanted[i].0)),
            ));
        }
        let existing = existing(conn, monitor_id, from, to)?;
        let mut fresh = Vec::with_capacity(wanted.len());
        for (key, value) in &wanted {
            match existing.get(key) {
                Some(stored) if stored == value => count.already_stored += 1,
                Some(_) => return Err(conflict(readings_index(readings, *key))),
                None => fresh.push((*key, value)),
            }
        }
        let mut inserted = 0;
        for chunk in fresh.chunks(CHUNK) {
            let insert = diesel::sql_query(insert_sql(monitor_id, chunk));
            inserted += on_backend!(conn, c => insert.execute(c))?;
        }
        if inserted < fresh.len() {
            // Another request stored some of them meanwhile: they must be
            // the same readings.
            let now_there = self::existing(conn, monitor_id, from, to)?;
            if fresh.iter().any(|(key, value)| now_there.get(key) != Some(*value)) {
                return Err(conflict(0));
            }
        }
        count.stored += inserted;
        count.already_stored += fresh.len() - inserted;
        Ok(count)
    })
}

fn readings_index(readings: &[MonitorReading], key: Key) -> usize {
    readings.iter().position(|r| r.at.and_utc().timestamp() == key.0).unwrap_or(0)
}

fn conflict(index: usize) -> WriteError {
    WriteError::conflict(Invalid::new("monitor.conflict.reading_differs").with("index", index))
}

fn existing(conn: &mut DbConn, monitor_id: i64, from: i64, to: i64) -> QueryResult<HashMap<Key, Stored>> {
    let rows: Vec<(i64, i32, i64)> = monitor_reading::table
        .filter(monitor_reading::monitor_id.eq(monitor_id))
        .filter(monitor_reading::at_s.between(from, to))
        .select((monitor_reading::at_s, monitor_reading::interval_s, monitor_reading::levels))
        .load(conn)?;
    Ok(rows.into_iter().map(|(at, interval, levels)| ((at, interval), levels)).collect())
}

/// One multi-row insert. Every value is an integer computed here, so the
/// text is written with literals rather than thousands of bound parameters.
fn insert_sql(monitor_id: i64, rows: &[(Key, &Stored)]) -> String {
    let mut sql = String::with_capacity(80 + rows.len() * 40);
    sql.push_str("INSERT INTO monitor_reading (monitor_id, at_s, interval_s, levels) VALUES ");
    for (i, ((at, interval), levels)) in rows.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        let _ = write!(sql, "({monitor_id},{at},{interval},{levels})");
    }
    sql.push_str(" ON CONFLICT (monitor_id, at_s, interval_s) DO NOTHING");
    sql
}

/// Readings of `monitor_id` starting in `[from, to)`, in time order. An
/// hour rolled up reads as one reading: from the hour's start, over the
/// seconds its measurements covered, with their energetic mean L_Aeq and
/// highest L_AFmax (an hour that began before `from` is included, its
/// overlap for the caller to weigh).
pub fn between(
    conn: &mut DbConn,
    monitor_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<MonitorReading>> {
    let (from_s, to_s) = (from.and_utc().timestamp(), to.and_utc().timestamp());
    let rows: Vec<(i64, i32, i64)> = monitor_reading::table
        .filter(monitor_reading::monitor_id.eq(monitor_id))
        .filter(monitor_reading::at_s.ge(from_s))
        .filter(monitor_reading::at_s.lt(to_s))
        .order((monitor_reading::at_s, monitor_reading::interval_s))
        .select((monitor_reading::at_s, monitor_reading::interval_s, monitor_reading::levels))
        .load(conn)?;
    let mut readings: Vec<MonitorReading> =
        rows.into_iter().filter_map(|(at, interval, levels)| unpack(at, interval, levels)).collect();
    let hours = hourly_between(conn, monitor_id, hour_of(from_s), to_s)?;
    if !hours.is_empty() {
        readings.extend(hours.iter().filter_map(HourlyRow::as_reading));
        readings.sort_by_key(|r| (r.at, r.interval_s));
    }
    Ok(readings)
}

/// The start of the hour of `at_s` (Unix seconds).
fn hour_of(at_s: i64) -> i64 {
    at_s.div_euclid(HOUR_S) * HOUR_S
}

const HOUR_S: i64 = 3600;
/// Readings rolled up in one transaction at most.
const ROLL_UP_BATCH: i64 = 50_000;
/// Readings younger than this many days are never rolled up, whatever the
/// retention: the database refuses a roll-up of a younger hour.
pub const KEEP_DAYS_AT_LEAST: u32 = 90;
/// Days readings are kept as they came when the retention is not set:
/// longer than any follow-up, complaint or court case needs them.
pub const KEEP_DAYS_DEFAULT: u32 = 400;

/// An hour of a monitor's readings rolled up into one row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = monitor_hourly)]
pub struct HourlyRow {
    /// The monitor.
    pub monitor_id: i64,
    /// The hour's start, Unix seconds (UTC).
    pub hour_s: i64,
    /// Readings rolled up.
    pub readings: i32,
    /// Of them, measurements (not marked other than normal).
    pub measured: i32,
    /// Seconds the measurements covered.
    pub covered_s: i32,
    /// Energetic mean L_Aeq of the measurements, weighted by their
    /// intervals, dB(A).
    pub laeq_db: Option<f64>,
    /// The highest L_AFmax among them.
    pub lafmax_db: Option<f64>,
    /// The quietest measurement's L_Aeq.
    pub laeq_min_db: Option<f64>,
    /// The loudest measurement's L_Aeq.
    pub laeq_max_db: Option<f64>,
    /// When rolled up.
    pub rolled_at: NaiveDateTime,
}

impl HourlyRow {
    /// What the readings of one hour (`(at_s, interval_s, levels)` as
    /// stored) roll up to.
    pub fn of(monitor_id: i64, hour_s: i64, rows: &[(i64, i32, i64)], now: NaiveDateTime) -> Self {
        let measured: Vec<(f64, Option<f64>, i32)> = rows
            .iter()
            .filter(|(_, _, levels)| (levels >> FLAG_SHIFT) & 15 == 0)
            .filter_map(|&(_, interval, levels)| Some((level(levels, 0)?, level(levels, 1), interval)))
            .collect();
        let small = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Self {
            monitor_id,
            hour_s,
            readings: small(rows.len()),
            measured: small(measured.len()),
            covered_s: measured.iter().map(|m| m.2).fold(0i32, i32::saturating_add),
            laeq_db: energetic_mean(measured.iter().map(|m| (m.0, f64::from(m.2)))),
            lafmax_db: measured.iter().filter_map(|m| m.1).reduce(f64::max),
            laeq_min_db: measured.iter().map(|m| m.0).reduce(f64::min),
            laeq_max_db: measured.iter().map(|m| m.0).reduce(f64::max),
            rolled_at: now,
        }
    }

    /// The hour as one reading, if it had measurements.
    pub fn as_reading(&self) -> Option<MonitorReading> {
        Some(MonitorReading {
            at: DateTime::from_timestamp(self.hour_s, 0)?.naive_utc(),
            interval_s: u32::try_from(self.covered_s).ok().filter(|s| *s > 0)?,
            laeq_db: self.laeq_db?,
            lafmax_db: self.lafmax_db,
            l10_db: None,
            l90_db: None,
            flag: None,
        })
    }
}

/// A monitor's rolled-up hours starting in `[from_s, to_s)`.
pub fn hourly_between(conn: &mut DbConn, monitor_id: i64, from_s: i64, to_s: i64) -> QueryResult<Vec<HourlyRow>> {
    monitor_hourly::table
        .filter(monitor_hourly::monitor_id.eq(monitor_id))
        .filter(monitor_hourly::hour_s.ge(from_s))
        .filter(monitor_hourly::hour_s.lt(to_s))
        .order(monitor_hourly::hour_s)
        .select(HourlyRow::as_select())
        .load(conn)
}

/// The rolled-up hours of a monitor from the hour of `from_s` to `to_s`.
fn rolled_hours(conn: &mut DbConn, monitor_id: i64, from_s: i64, to_s: i64) -> QueryResult<Vec<i64>> {
    monitor_hourly::table
        .filter(monitor_hourly::monitor_id.eq(monitor_id))
        .filter(monitor_hourly::hour_s.between(hour_of(from_s), to_s))
        .select(monitor_hourly::hour_s)
        .load(conn)
}

/// What a roll-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RolledUp {
    /// Hours rolled up.
    pub hours: usize,
    /// Readings rolled up into them and removed.
    pub readings: usize,
}

/// Rolls up every monitor's readings that started before the whole hour
/// at or before `before`, hour by hour, and removes them: each batch of
/// hours one transaction, the roll-ups written before the readings go
/// (the database refuses the removal of a reading whose hour has none),
/// and the whole batch undone if it would remove a reading it did not
/// roll up.
pub fn roll_up(conn: &mut DbConn, before: NaiveDateTime, now: NaiveDateTime) -> Result<RolledUp, WriteError> {
    let cutoff = hour_of(before.and_utc().timestamp());
    let monitors: Vec<i64> = monitor::table.select(monitor::id).order(monitor::id).load(conn)?;
    let mut done = RolledUp::default();
    for monitor_id in monitors {
        // Looked at outside a transaction: most monitors have nothing old.
        let oldest: Option<i64> = monitor_reading::table
            .filter(monitor_reading::monitor_id.eq(monitor_id))
            .select(monitor_reading::at_s)
            .order(monitor_reading::at_s)
            .first(conn)
            .optional()?;
        if oldest.is_none_or(|at| at >= cutoff) {
            continue;
        }
        loop {
            let (batch, more) = write_transaction(conn, |conn| roll_up_batch(conn, monitor_id, cutoff, now))?;
            done.hours += batch.hours;
            done.readings += batch.readings;
            if !more {
                break;
            }
        }
    }
    Ok(done)
}

/// One batch of a monitor's hours before `cutoff`; whether more may follow.
fn roll_up_batch(
    conn: &mut DbConn,
    monitor_id: i64,
    cutoff: i64,
    now: NaiveDateTime,
) -> Result<(RolledUp, bool), WriteError> {
    let rows: Vec<(i64, i32, i64)> = monitor_reading::table
        .filter(monitor_reading::monitor_id.eq(monitor_id))
        .filter(monitor_reading::at_s.lt(cutoff))
        .order((monitor_reading::at_s, monitor_reading::interval_s))
        .limit(ROLL_UP_BATCH)
        .select((monitor_reading::at_s, monitor_reading::interval_s, monitor_reading::levels))
        .load(conn)?;
    let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= ROLL_UP_BATCH;
    let mut hours: Vec<&[(i64, i32, i64)]> = rows.chunk_by(|a, b| hour_of(a.0) == hour_of(b.0)).collect();
    if full && hours.len() > 1 {
        // The batch may have ended within its last hour: that hour waits.
        hours.pop();
    }
    let (Some(first), Some(last)) = (hours.first().and_then(|h| h.first()), hours.last().and_then(|h| h.first()))
    else {
        return Ok((RolledUp::default(), false));
    };
    let (first_hour, end) = (hour_of(first.0), hour_of(last.0) + HOUR_S);
    let rolled: Vec<HourlyRow> = hours.iter().map(|h| HourlyRow::of(monitor_id, hour_of(h[0].0), h, now)).collect();
    for chunk in rolled.chunks(500) {
        on_backend!(conn, c => diesel::insert_into(monitor_hourly::table).values(chunk).execute(c))?;
    }
    let count: usize = hours.iter().map(|h| h.len()).sum();
    let removed = diesel::delete(
        monitor_reading::table
            .filter(monitor_reading::monitor_id.eq(monitor_id))
            .filter(monitor_reading::at_s.ge(first_hour))
            .filter(monitor_reading::at_s.lt(end)),
    )
    .execute(conn)?;
    if removed != count {
        return Err(WriteError::Failed(format!(
            "monitor {monitor_id}: {count} readings rolled up but {removed} would be removed; nothing changed"
        )));
    }
    Ok((RolledUp { hours: rolled.len(), readings: count }, full))
}

fn unpack(at: i64, interval: i32, levels: i64) -> Option<MonitorReading> {
    Some(MonitorReading {
        at: DateTime::from_timestamp(at, 0)?.naive_utc(),
        interval_s: u32::try_from(interval).ok()?,
        laeq_db: level(levels, 0)?,
        lafmax_db: level(levels, 1),
        l10_db: level(levels, 2),
        l90_db: level(levels, 3),
        flag: mark(levels),
    })
}

/// How many readings a monitor has stored.
pub fn count(conn: &mut DbConn, monitor_id: i64) -> QueryResult<i64> {
    monitor_reading::table.filter(monitor_reading::monitor_id.eq(monitor_id)).count().get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(laeq: f64, max: Option<f64>, l10: Option<f64>, l90: Option<f64>) -> MonitorReading {
        MonitorReading {
            at: DateTime::from_timestamp(1_780_000_000, 0).expect("time").naive_utc(),
            interval_s: 60,
            laeq_db: laeq,
            lafmax_db: max,
            l10_db: l10,
            l90_db: l90,
            flag: None,
        }
    }

    #[test]
    fn levels_pack_into_44_bits_and_read_back_to_a_tenth_of_a_decibel() {
        let r = reading(54.26, Some(71.5), Some(0.0), Some(150.0));
        let packed = pack(&r);
        assert!((0..1 << 44).contains(&packed));
        let back = unpack(1_780_000_000, 60, packed).expect("reading");
        assert_eq!(
            (back.laeq_db, back.lafmax_db, back.l10_db, back.l90_db),
            (54.3, Some(71.5), Some(0.0), Some(150.0))
        );
        let sparse = unpack(1_780_000_000, 60, pack(&reading(40.0, None, None, None))).expect("reading");
        assert_eq!((sparse.lafmax_db, sparse.l10_db, sparse.l90_db), (None, None, None));
    }

    #[test]
    fn the_mark_takes_four_bits_normal_reads_as_none_and_unknown_marks_as_a_question_mark() {
        let with = |flag: DataFlag| MonitorReading { flag: Some(flag), ..reading(50.0, Some(60.0), None, None) };
        assert_eq!(mark(pack(&with(DataFlag::Normal))), None);
        for flag in [DataFlag::Stopped, DataFlag::Maintenance, DataFlag::Calibration, DataFlag::Other("P".into())] {
            let packed = pack(&with(flag.clone()));
            assert!((0..1 << 48).contains(&packed));
            assert_eq!(mark(packed), Some(flag));
        }
        assert_eq!(mark(pack(&with(DataFlag::Other("X1".into())))), Some(DataFlag::Other(UNKNOWN_MARK.into())));
        let sql = insert_sql(7, &[((100, 60), &5), ((160, 60), &6)]);
        assert!(
            sql.ends_with("VALUES (7,100,60,5),(7,160,60,6) ON CONFLICT (monitor_id, at_s, interval_s) DO NOTHING"),
            "{sql}"
        );
    }
}
