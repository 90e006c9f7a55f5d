//! The levels monitors report, append-only (a database trigger refuses any
//! change, and any removal but of a reading held elsewhere), compact: one
//! row per interval keyed by (monitor, start, interval), the start as Unix
//! seconds, the four levels in 0.1 dB steps and the instrument's mark packed
//! in one integer (see the migration `monitors`).
//!
//! Once an hour has ended, its readings are packed ([`pack_closed_hours`]):
//! moved into `monitor_reading_pack`, one row of up to 60 readings of 11
//! bytes each per monitor, hour and part (see the migration
//! `monitor_reading_packs`); the database lets a row go only once a pack of
//! its hour holds it exactly. A reading sent later for a packed hour is a
//! row again until the next packing puts it in the hour's next part.
//!
//! Readings older than the retention are rolled up, an hour of a monitor
//! at a time, into `monitor_hourly` (see the migration `monitor_hourly`)
//! and only then removed, rows and packs: the database lets them go only
//! once their hour has a roll-up. [`between`] reads rows and packs alike
//! and answers rolled-up hours as one reading each, so nights, their pages
//! and their evaluation read all three alike.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::{monitor, monitor_hourly, monitor_reading, monitor_reading_pack};
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
/// A reading as stored: start (Unix seconds), interval, packed levels.
type Row = (i64, i32, i64);

/// Bytes a reading takes in a pack: seconds into the hour (2), interval
/// (3), levels and mark (6), big-endian.
const RECORD: usize = 11;
/// Readings one pack holds at most (the migration allows no more).
const PACK_READINGS: usize = 60;
/// Hours of a monitor packed or rolled up by one transaction at most.
const BATCH_HOURS: i64 = 168;
/// The first key of PostgreSQL's advisory locks on a monitor's readings.
const LOCK_SPACE: i32 = 0x6d72;

/// A reading of the hour starting at `hour_s` as a pack holds it.
fn record(row: &Row, hour_s: i64) -> [u8; RECORD] {
    let (at, interval, levels) = *row;
    let mut out = [0; RECORD];
    out[..2].copy_from_slice(&u16::try_from(at - hour_s).unwrap_or(u16::MAX).to_be_bytes());
    out[2..5].copy_from_slice(&u32::try_from(interval).unwrap_or(0).to_be_bytes()[1..]);
    out[5..].copy_from_slice(&levels.to_be_bytes()[2..]);
    out
}

/// The readings a pack of the hour starting at `hour_s` holds.
fn records(hour_s: i64, data: &[u8]) -> impl Iterator<Item = Row> + '_ {
    data.chunks_exact(RECORD).map(move |r| {
        let at = hour_s + i64::from(u16::from_be_bytes([r[0], r[1]]));
        let interval = i32::from_be_bytes([0, r[2], r[3], r[4]]);
        let levels = i64::from_be_bytes([0, 0, r[5], r[6], r[7], r[8], r[9], r[10]]);
        (at, interval, levels)
    })
}

/// The readings of one hour (in order) as its packs from `part` on.
fn packs_of(monitor_id: i64, hour_s: i64, rows: &[Row], part: i16) -> impl Iterator<Item = PackRow> + '_ {
    rows.chunks(PACK_READINGS).zip(part..).map(move |(chunk, part)| PackRow {
        monitor_id,
        hour_s,
        part,
        data: chunk.iter().flat_map(|r| record(r, hour_s)).collect(),
    })
}

/// One pack as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = monitor_reading_pack)]
struct PackRow {
    monitor_id: i64,
    hour_s: i64,
    part: i16,
    data: Vec<u8>,
}

/// On PostgreSQL, a lock on a monitor's readings for the rest of the
/// transaction: shared while a batch is stored, exclusive while readings
/// are packed or rolled up, so that no reading moves into a pack between
/// a batch's look at what is stored and its insert (the primary key, which
/// catches two batches storing one minute at once, does not see packs).
/// SQLite writes one transaction at a time anyway.
fn lock_readings(conn: &mut DbConn, monitor_id: i64, exclusive: bool) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        let lock = if exclusive { "pg_advisory_xact_lock" } else { "pg_advisory_xact_lock_shared" };
        let key = i32::try_from(monitor_id.rem_euclid(1 << 31)).unwrap_or(0);
        c.batch_execute(&format!("SELECT {lock}({LOCK_SPACE}, {key})"))?;
    }
    Ok(())
}

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
        lock_readings(conn, monitor_id, false)?;
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

/// What is stored of `monitor_id` starting from `from` to `to` inclusive,
/// as rows or in packs.
fn existing(conn: &mut DbConn, monitor_id: i64, from: i64, to: i64) -> QueryResult<HashMap<Key, Stored>> {
    let rows = stored_between(conn, monitor_id, from, to.saturating_add(1))?;
    Ok(rows.into_iter().map(|(at, interval, levels)| ((at, interval), levels)).collect())
}

/// The readings of `monitor_id` held as rows starting in `[from_s, to_s)`,
/// in order.
fn rows_between(conn: &mut DbConn, monitor_id: i64, from_s: i64, to_s: i64) -> QueryResult<Vec<Row>> {
    monitor_reading::table
        .filter(monitor_reading::monitor_id.eq(monitor_id))
        .filter(monitor_reading::at_s.ge(from_s))
        .filter(monitor_reading::at_s.lt(to_s))
        .order((monitor_reading::at_s, monitor_reading::interval_s))
        .select((monitor_reading::at_s, monitor_reading::interval_s, monitor_reading::levels))
        .load(conn)
}

/// The packs of `monitor_id` of the hours starting in `[from_s, to_s)`.
fn packs_between(conn: &mut DbConn, monitor_id: i64, from_s: i64, to_s: i64) -> QueryResult<Vec<PackRow>> {
    monitor_reading_pack::table
        .filter(monitor_reading_pack::monitor_id.eq(monitor_id))
        .filter(monitor_reading_pack::hour_s.ge(from_s))
        .filter(monitor_reading_pack::hour_s.lt(to_s))
        .select(PackRow::as_select())
        .load(conn)
}

/// Every reading of `monitor_id` starting in `[from_s, to_s)`, whether a
/// row or in a pack, in order of start and interval.
fn stored_between(conn: &mut DbConn, monitor_id: i64, from_s: i64, to_s: i64) -> QueryResult<Vec<Row>> {
    let mut rows = rows_between(conn, monitor_id, from_s, to_s)?;
    let packs = packs_between(conn, monitor_id, hour_of(from_s), to_s)?;
    if !packs.is_empty() {
        let packed = packs.iter().flat_map(|p| records(p.hour_s, &p.data));
        rows.extend(packed.filter(|r| (from_s..to_s).contains(&r.0)));
        rows.sort_unstable_by_key(|r| (r.0, r.1));
    }
    Ok(rows)
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

/// Readings of `monitor_id` starting in `[from, to)`, in time order,
/// whether rows or packed. An hour rolled up reads as one reading: from the hour's start, over the
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
    let rows = stored_between(conn, monitor_id, from_s, to_s)?;
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

/// What packing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Packed {
    /// Packs written (an hour of up to 60 readings each).
    pub packs: usize,
    /// Readings moved into them.
    pub readings: usize,
}

/// Each monitor's oldest reading held as a row, if it started before
/// `cutoff`, and the oldest held in a pack too when `packs`.
fn oldest_before(conn: &mut DbConn, monitor_id: i64, cutoff: i64, packs: bool) -> QueryResult<Option<i64>> {
    let row: Option<i64> = monitor_reading::table
        .filter(monitor_reading::monitor_id.eq(monitor_id))
        .filter(monitor_reading::at_s.lt(cutoff))
        .select(monitor_reading::at_s)
        .order(monitor_reading::at_s)
        .first(conn)
        .optional()?;
    if !packs {
        return Ok(row);
    }
    let pack: Option<i64> = monitor_reading_pack::table
        .filter(monitor_reading_pack::monitor_id.eq(monitor_id))
        .filter(monitor_reading_pack::hour_s.lt(cutoff))
        .select(monitor_reading_pack::hour_s)
        .order(monitor_reading_pack::hour_s)
        .first(conn)
        .optional()?;
    Ok(row.into_iter().chain(pack).min())
}

/// Works through a monitor's hours from its oldest held before `cutoff`
/// (as `oldest` finds it), up to [`BATCH_HOURS`] a transaction, with
/// `batch` given each transaction's first hour and end.
fn by_batches<T: Default + std::ops::AddAssign>(
    conn: &mut DbConn,
    cutoff: i64,
    mut oldest: impl FnMut(&mut DbConn) -> QueryResult<Option<i64>>,
    mut batch: impl FnMut(&mut DbConn, i64, i64) -> Result<T, WriteError>,
) -> Result<T, WriteError> {
    let mut done = T::default();
    // Looked at outside a transaction: most monitors have nothing to do.
    while let Some(at) = oldest(conn)? {
        let from = hour_of(at);
        let to = (from + BATCH_HOURS * HOUR_S).min(cutoff);
        done += write_transaction(conn, |conn| batch(conn, from, to))?;
    }
    Ok(done)
}

impl std::ops::AddAssign for Packed {
    fn add_assign(&mut self, other: Self) {
        self.packs += other.packs;
        self.readings += other.readings;
    }
}

impl std::ops::AddAssign for RolledUp {
    fn add_assign(&mut self, other: Self) {
        self.hours += other.hours;
        self.readings += other.readings;
    }
}

/// Packs every monitor's readings held as rows of the hours that ended at
/// or before `before`: each hour's readings, in order, into packs of up to
/// 60 (an hour packed already gets its next parts), and the rows removed
/// in the same transaction — the database refuses the removal of a row no
/// pack of its hour holds — and the whole batch undone if it would remove
/// a row it did not pack.
pub fn pack_closed_hours(conn: &mut DbConn, before: NaiveDateTime) -> Result<Packed, WriteError> {
    let cutoff = hour_of(before.and_utc().timestamp());
    let monitors: Vec<i64> = monitor::table.select(monitor::id).order(monitor::id).load(conn)?;
    let mut done = Packed::default();
    for monitor_id in monitors {
        done += by_batches(
            conn,
            cutoff,
            |conn| oldest_before(conn, monitor_id, cutoff, false),
            |conn, from, to| pack_batch(conn, monitor_id, from, to),
        )?;
    }
    Ok(done)
}

/// Packs a monitor's rows of the hours from `from` to `to`.
fn pack_batch(conn: &mut DbConn, monitor_id: i64, from: i64, to: i64) -> Result<Packed, WriteError> {
    lock_readings(conn, monitor_id, true)?;
    let rows = rows_between(conn, monitor_id, from, to)?;
    let parts: Vec<(i64, i16)> = monitor_reading_pack::table
        .filter(monitor_reading_pack::monitor_id.eq(monitor_id))
        .filter(monitor_reading_pack::hour_s.ge(from))
        .filter(monitor_reading_pack::hour_s.lt(to))
        .select((monitor_reading_pack::hour_s, monitor_reading_pack::part))
        .load(conn)?;
    let mut next: HashMap<i64, i16> = HashMap::new();
    for (hour, part) in parts {
        let n = next.entry(hour).or_default();
        *n = (*n).max(part.saturating_add(1));
    }
    let packs: Vec<PackRow> = rows
        .chunk_by(|a, b| hour_of(a.0) == hour_of(b.0))
        .flat_map(|hour| {
            let hour_s = hour_of(hour[0].0);
            packs_of(monitor_id, hour_s, hour, next.get(&hour_s).copied().unwrap_or(0))
        })
        .collect();
    for chunk in packs.chunks(500) {
        on_backend!(conn, c => diesel::insert_into(monitor_reading_pack::table).values(chunk).execute(c))?;
    }
    let removed = remove_rows(conn, monitor_id, from, to)?;
    if removed != rows.len() {
        return Err(WriteError::Failed(format!(
            "monitor {monitor_id}: {} readings packed but {removed} would be removed; nothing changed",
            rows.len()
        )));
    }
    Ok(Packed { packs: packs.len(), readings: rows.len() })
}

fn remove_rows(conn: &mut DbConn, monitor_id: i64, from: i64, to: i64) -> QueryResult<usize> {
    diesel::delete(
        monitor_reading::table
            .filter(monitor_reading::monitor_id.eq(monitor_id))
            .filter(monitor_reading::at_s.ge(from))
            .filter(monitor_reading::at_s.lt(to)),
    )
    .execute(conn)
}

/// Rolls up every monitor's readings, rows and packs, that started before
/// the whole hour at or before `before`, hour by hour, and removes them:
/// each batch of hours one transaction, the roll-ups written before the
/// readings go (the database refuses the removal of a reading or a pack
/// whose hour has none), and the whole batch undone if it would remove a
/// reading it did not roll up.
pub fn roll_up(conn: &mut DbConn, before: NaiveDateTime, now: NaiveDateTime) -> Result<RolledUp, WriteError> {
    let cutoff = hour_of(before.and_utc().timestamp());
    let monitors: Vec<i64> = monitor::table.select(monitor::id).order(monitor::id).load(conn)?;
    let mut done = RolledUp::default();
    for monitor_id in monitors {
        done += by_batches(
            conn,
            cutoff,
            |conn| oldest_before(conn, monitor_id, cutoff, true),
            |conn, from, to| roll_up_batch(conn, monitor_id, from, to, now),
        )?;
    }
    Ok(done)
}

/// Rolls up a monitor's hours from `from` to `to`.
fn roll_up_batch(
    conn: &mut DbConn,
    monitor_id: i64,
    from: i64,
    to: i64,
    now: NaiveDateTime,
) -> Result<RolledUp, WriteError> {
    lock_readings(conn, monitor_id, true)?;
    let rows = rows_between(conn, monitor_id, from, to)?;
    let packs = packs_between(conn, monitor_id, from, to)?;
    let held = rows.len();
    let mut all = rows;
    all.extend(packs.iter().flat_map(|p| records(p.hour_s, &p.data)));
    all.sort_unstable_by_key(|r| (r.0, r.1));
    let rolled: Vec<HourlyRow> = all
        .chunk_by(|a, b| hour_of(a.0) == hour_of(b.0))
        .map(|h| HourlyRow::of(monitor_id, hour_of(h[0].0), h, now))
        .collect();
    for chunk in rolled.chunks(500) {
        on_backend!(conn, c => diesel::insert_into(monitor_hourly::table).values(chunk).execute(c))?;
    }
    let packs_removed = diesel::delete(
        monitor_reading_pack::table
            .filter(monitor_reading_pack::monitor_id.eq(monitor_id))
            .filter(monitor_reading_pack::hour_s.ge(from))
            .filter(monitor_reading_pack::hour_s.lt(to)),
    )
    .execute(conn)?;
    let removed = remove_rows(conn, monitor_id, from, to)?;
    if removed != held || packs_removed != packs.len() {
        return Err(WriteError::Failed(format!(
            "monitor {monitor_id}: {} readings rolled up but {removed} rows and {packs_removed} packs would be \
             removed; nothing changed",
            all.len()
        )));
    }
    Ok(RolledUp { hours: rolled.len(), readings: all.len() })
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

diesel::define_sql_function! {
    /// Bytes of a BLOB (SQLite) or BYTEA (PostgreSQL).
    #[sql_name = "length"]
    fn octets(data: diesel::sql_types::Binary) -> diesel::sql_types::Integer;
}

/// How many readings a monitor has stored: held as rows, in packs, and
/// rolled up into hours.
pub fn count(conn: &mut DbConn, monitor_id: i64) -> QueryResult<i64> {
    use diesel::dsl::sum;
    let rows: i64 =
        monitor_reading::table.filter(monitor_reading::monitor_id.eq(monitor_id)).count().get_result(conn)?;
    let packed: Option<i64> = monitor_reading_pack::table
        .filter(monitor_reading_pack::monitor_id.eq(monitor_id))
        .select(sum(octets(monitor_reading_pack::data)))
        .get_result(conn)?;
    let rolled: Option<i64> = monitor_hourly::table
        .filter(monitor_hourly::monitor_id.eq(monitor_id))
        .select(sum(monitor_hourly::readings))
        .get_result(conn)?;
    Ok(rows + packed.unwrap_or(0) / RECORD as i64 + rolled.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn a_packed_hour_reads_back_every_reading_in_order(
            hour in proptest::collection::btree_map((0i64..3600, 1i32..=86_400), 0i64..1 << 48, 1..200),
            h in 0i64..1_000_000,
        ) {
            let hour_s = h * HOUR_S;
            let rows: Vec<Row> = hour.into_iter().map(|((at, i), l)| (hour_s + at, i, l)).collect();
            let packs: Vec<PackRow> = packs_of(7, hour_s, &rows, 3).collect();
            prop_assert_eq!(packs.len(), rows.len().div_ceil(PACK_READINGS));
            prop_assert!(packs.iter().all(|p| p.data.len() % RECORD == 0 && p.data.len() <= PACK_READINGS * RECORD));
            prop_assert_eq!(packs.iter().map(|p| p.part).collect::<Vec<_>>(), (3..).take(packs.len()).collect::<Vec<i16>>());
            let back: Vec<Row> = packs.iter().flat_map(|p| records(p.hour_s, &p.data)).collect();
            prop_assert_eq!(back, rows);
        }
    }

    #[test]
    fn a_record_is_the_seconds_into_the_hour_the_interval_and_the_levels_big_endian() {
        // As the migration's monitor_reading_record builds it: 3540 s, 60 s,
        // every bit of the levels set.
        assert_eq!(
            record(&(7200 + 3540, 60, (1 << 48) - 1), 7200),
            [0x0d, 0xd4, 0, 0, 0x3c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(record(&(0, 86_400, 5), 0), [0, 0, 0x01, 0x51, 0x80, 0, 0, 0, 0, 0, 5]);
    }

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
