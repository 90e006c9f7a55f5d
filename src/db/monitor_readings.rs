//! The levels monitors report, append-only (a database trigger refuses any
//! change or removal), compact: one row per interval keyed by (monitor,
//! start, interval), the start as Unix seconds, the four levels in 0.1 dB
//! steps and the instrument's mark packed in one integer (see the
//! migration `monitors`).

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use super::schema::monitor_reading;
use super::{DbConn, WriteError, write_transaction};
use crate::domain::Invalid;
use crate::domain::monitor::{DataFlag, MonitorReading};
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

/// Readings of `monitor_id` starting in `[from, to)`, in time order.
pub fn between(
    conn: &mut DbConn,
    monitor_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<MonitorReading>> {
    let rows: Vec<(i64, i32, i64)> = monitor_reading::table
        .filter(monitor_reading::monitor_id.eq(monitor_id))
        .filter(monitor_reading::at_s.ge(from.and_utc().timestamp()))
        .filter(monitor_reading::at_s.lt(to.and_utc().timestamp()))
        .order((monitor_reading::at_s, monitor_reading::interval_s))
        .select((monitor_reading::at_s, monitor_reading::interval_s, monitor_reading::levels))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(at, interval, levels)| unpack(at, interval, levels)).collect())
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
