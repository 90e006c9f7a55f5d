//! Which rows hold each key of a search index — cases (`case_search_chunk`)
//! and, on PostgreSQL, complaints (`complaint_search_chunk`): for a
//! committee and a key, the ids of its rows in chunks of at most [`CHUNK`],
//! each chunk one row whose ids are stored as the differences between
//! neighbours, a byte or two each. A row a posting would cost PostgreSQL a
//! 24-byte row header and a B-tree entry for every key of every case; a
//! chunk costs them once for up to [`CHUNK`] cases.
//!
//! A chunk's `first_id` is at most its smallest id and greater than every
//! id of the key's chunk before it, so the chunk that holds (or would
//! hold) a case is the one with the greatest `first_id` not above the
//! case's id, and reading chunks by `first_id` from the greatest down reads
//! the key's cases newest first. Writes of one committee's cases and
//! complaints queue on its audit chain (`db::audit::audited`), so two
//! writers never rewrite one chunk at once. The two indexes are the same
//! code over their own table ([`cases`], [`complaints`]).

/// Cases a chunk holds at most; a chunk that would hold more is split.
pub const CHUNK: usize = 256;

/// A key's chunk, decoded: its `first` bound and its ids, ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// At most the smallest id; greater than every id of the chunk before.
    pub first: i64,
    /// The cases, ascending.
    pub ids: Vec<i64>,
}

/// `ids` (ascending, none below `first`) as the differences between
/// neighbours, the first from `first`, each in seven-bit groups, low first.
pub fn encode(first: i64, ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 2);
    let mut last = first;
    for &id in ids {
        let mut gap = u64::try_from(id - last).unwrap_or(0);
        last = id;
        loop {
            let low = u8::try_from(gap & 0x7f).unwrap_or(0);
            gap >>= 7;
            if gap == 0 {
                out.push(low);
                break;
            }
            out.push(low | 0x80);
        }
    }
    out
}

/// The ids [`encode`] stored; a truncated last one is left out.
pub fn decode(first: i64, bytes: &[u8]) -> Vec<i64> {
    let mut ids = Vec::with_capacity(bytes.len());
    let mut last = first;
    let (mut gap, mut shift) = (0u64, 0u32);
    for &b in bytes {
        if shift < 64 {
            gap |= u64::from(b & 0x7f) << shift;
        }
        shift += 7;
        if b & 0x80 == 0 {
            last = last.saturating_add(i64::try_from(gap).unwrap_or(i64::MAX));
            ids.push(last);
            (gap, shift) = (0, 0);
        }
    }
    ids
}

/// `chunk` as chunks of at most [`CHUNK`] ids: the first keeps its bound,
/// each other starts at its own smallest id.
fn split(chunk: Chunk) -> Vec<Chunk> {
    if chunk.ids.len() <= CHUNK {
        return vec![chunk];
    }
    chunk
        .ids
        .chunks(CHUNK)
        .enumerate()
        .map(|(i, ids)| Chunk { first: if i == 0 { chunk.first } else { ids[0] }, ids: ids.to_vec() })
        .collect()
}

/// The functions of an index over `$table`, whose columns are those of
/// `case_search_chunk`.
macro_rules! postings {
    ($table:ident) => {
        use std::collections::BTreeMap;

        use diesel::prelude::*;
        use diesel::upsert::excluded;

        use super::{CHUNK, Chunk, decode, encode, split};
        use crate::db::{DbConn, key_walk};
        use crate::db::VALUES_PER_STATEMENT;
        use crate::db::schema::$table;
        use crate::on_backend;

        /// A chunk as stored.
        #[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
        #[diesel(table_name = $table)]
        #[diesel(treat_none_as_default_value = false)]
        struct Row {
            committee_id: i64,
            key: i64,
            first_id: i64,
            held: i32,
            ids: Vec<u8>,
        }

        impl Row {
            fn chunk(&self) -> Chunk {
                Chunk { first: self.first_id, ids: decode(self.first_id, &self.ids) }
            }

            fn of(committee_id: i64, key: i64, chunk: &Chunk) -> Row {
                Row {
                    committee_id,
                    key,
                    first_id: chunk.first,
                    held: i32::try_from(chunk.ids.len()).unwrap_or(i32::MAX),
                    ids: encode(chunk.first, &chunk.ids),
                }
            }
        }

        /// Keys named in one statement at most.
        const KEYS_PER_READ: usize = 5000;

        /// The chunk of each key that holds or would hold a row: one probe of the
        /// primary key for each key, never the key's other chunks (SQLite's
        /// CROSS JOIN keeps the keys the outer loop; without statistics it
        /// would scan the committee's chunks for each key). `?1` the
        /// committee, `?2` the keys, `?3` the row's id.
        const HOLDING_SQLITE: &str = concat!("SELECT c.committee_id, c.key, c.first_id, c.held, c.ids \
             FROM json_each(?2) AS k CROSS JOIN ", stringify!($table), " AS c \
             ON c.committee_id = ?1 AND c.key = k.value AND c.first_id = ( \
               SELECT max(l.first_id) FROM ", stringify!($table), " AS l \
               WHERE l.committee_id = ?1 AND l.key = k.value AND l.first_id <= ?3)");
        const HOLDING_POSTGRES: &str = concat!("SELECT c.committee_id, c.key, c.first_id, c.held, c.ids \
             FROM unnest($2::bigint[]) AS k(key) CROSS JOIN LATERAL ( \
               SELECT * FROM ", stringify!($table), " AS l \
               WHERE l.committee_id = $1 AND l.key = k.key AND l.first_id <= $3 \
               ORDER BY l.first_id DESC LIMIT 1) AS c");

        /// For each of `keys` of the committee, the chunk that holds or would hold
        /// row `at` (`None`: the last chunk, where a row newer than all goes).
        fn holding(conn: &mut DbConn, committee_id: i64, keys: &[i64], at: Option<i64>) -> QueryResult<Vec<Row>> {
            use diesel::sql_types::{Array, BigInt, Text};
            let at = at.unwrap_or(i64::MAX);
            let mut rows = Vec::new();
            for keys in keys.chunks(KEYS_PER_READ) {
                rows.extend(match conn {
                    DbConn::Sqlite(c) => {
                        let list = format!("[{}]", keys.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                        diesel::sql_query(HOLDING_SQLITE)
                            .bind::<BigInt, _>(committee_id)
                            .bind::<Text, _>(list)
                            .bind::<BigInt, _>(at)
                            .load::<Row>(c)?
                    }
                    DbConn::Postgres(c) => diesel::sql_query(HOLDING_POSTGRES)
                        .bind::<BigInt, _>(committee_id)
                        .bind::<Array<BigInt>, _>(keys)
                        .bind::<BigInt, _>(at)
                        .load::<Row>(c)?,
                });
            }
            Ok(rows)
        }

        /// Stores `rows`, each replacing the chunk of its key and bound if any.
        fn store(conn: &mut DbConn, rows: &[Row]) -> QueryResult<()> {
            for rows in rows.chunks(VALUES_PER_STATEMENT / 5) {
                on_backend!(conn, c => diesel::insert_into($table::table)
                    .values(rows)
                    .on_conflict(($table::committee_id, $table::key, $table::first_id))
                    .do_update()
                    .set((
                        $table::held.eq(excluded($table::held)),
                        $table::ids.eq(excluded($table::ids)),
                    ))
                    .execute(c))?;
            }
            Ok(())
        }

        /// Row `case_id` (a case or a complaint) of the committee now holds
        /// the keys `added` and no longer the keys `removed`.
        pub fn change(
            conn: &mut DbConn,
            committee_id: i64,
            case_id: i64,
            added: &[i64],
            removed: &[i64],
        ) -> QueryResult<()> {
            let keys: Vec<i64> = added.iter().chain(removed).copied().collect();
            if keys.is_empty() {
                return Ok(());
            }
            let mut chunks: BTreeMap<i64, Chunk> =
                holding(conn, committee_id, &keys, Some(case_id))?.into_iter().map(|r| (r.key, r.chunk())).collect();
            let mut written = Vec::new();
            for &key in added {
                // A case older than every chunk of the key starts a chunk of its own.
                let mut chunk = chunks.remove(&key).unwrap_or(Chunk { first: case_id, ids: Vec::new() });
                if let Err(at) = chunk.ids.binary_search(&case_id) {
                    chunk.ids.insert(at, case_id);
                }
                written.extend(split(chunk).iter().map(|c| Row::of(committee_id, key, c)));
            }
            for &key in removed {
                let Some(mut chunk) = chunks.remove(&key) else { continue };
                chunk.ids.retain(|&id| id != case_id);
                if chunk.ids.is_empty() {
                    diesel::delete(
                        $table::table
                            .filter($table::committee_id.eq(committee_id))
                            .filter($table::key.eq(key))
                            .filter($table::first_id.eq(chunk.first)),
                    )
                    .execute(conn)?;
                } else {
                    written.push(Row::of(committee_id, key, &chunk));
                }
            }
            store(conn, &written)
        }

        /// Adds `postings` — (committee, key, row) — of rows mostly newer than
        /// every row indexed so far in their committees: to the last chunk of
        /// each key, then in new chunks. A row older than a key's last chunk
        /// (another instance's, committed later) goes to its own chunk after.
        pub fn append(conn: &mut DbConn, postings: &[(i64, i64, i64)]) -> QueryResult<()> {
            let mut grouped: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
            for &(committee, key, id) in postings {
                grouped.entry((committee, key)).or_default().push(id);
            }
            let mut committees: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            for &(committee, key) in grouped.keys() {
                committees.entry(committee).or_default().push(key);
            }
            let mut last: BTreeMap<(i64, i64), Chunk> = BTreeMap::new();
            for (committee, keys) in committees {
                for row in holding(conn, committee, &keys, None)? {
                    last.insert((committee, row.key), row.chunk());
                }
            }
            let mut written = Vec::new();
            let mut older = Vec::new();
            for ((committee, key), mut ids) in grouped {
                ids.sort_unstable();
                ids.dedup();
                let mut chunk = last.remove(&(committee, key)).unwrap_or(Chunk { first: ids[0], ids: Vec::new() });
                let newer = ids.partition_point(|&id| id < chunk.first);
                older.extend(ids[..newer].iter().map(|&id| (committee, key, id)));
                chunk.ids.extend_from_slice(&ids[newer..]);
                chunk.ids.sort_unstable();
                chunk.ids.dedup();
                written.extend(split(chunk).iter().map(|c| Row::of(committee, key, c)));
            }
            store(conn, &written)?;
            for (committee, key, id) in older {
                change(conn, committee, id, &[key], &[])?;
            }
            Ok(())
        }

        /// Empties the index of postings.
        pub fn clear(conn: &mut DbConn) -> QueryResult<()> {
            diesel::delete($table::table).execute(conn).map(|_| ())
        }

        /// Chunks of the key read at most per statement.
        const CHUNKS_PER_READ: i64 = 8;

        /// The key's chunks whose bound is below `bound`, the greatest first, at
        /// most `limit`.
        fn chunks_below(
            conn: &mut DbConn,
            committee_id: i64,
            key: i64,
            bound: i64,
            limit: i64,
        ) -> QueryResult<Vec<Row>> {
            $table::table
                .filter($table::committee_id.eq(committee_id))
                .filter($table::key.eq(key))
                .filter($table::first_id.lt(bound))
                .order($table::first_id.desc())
                .select(Row::as_select())
                .limit(limit)
                .load(conn)
        }

        /// The committee's rows holding `key` below `below`, newest first, at most
        /// `wanted` (fewer when the key runs out).
        pub fn newest(
            conn: &mut DbConn,
            committee_id: i64,
            key: i64,
            below: i64,
            wanted: usize,
        ) -> QueryResult<Vec<i64>> {
            let mut found: Vec<i64> = Vec::new();
            let mut bound = below;
            // Enough chunks for what is wanted if they are full, and the newest,
            // which may not be; more a statement after.
            let mut limit = i64::try_from(wanted / CHUNK + 2).unwrap_or(CHUNKS_PER_READ).min(CHUNKS_PER_READ);
            while found.len() < wanted {
                let rows = chunks_below(conn, committee_id, key, bound, limit)?;
                for row in &rows {
                    found.extend(row.chunk().ids.into_iter().rev().filter(|&id| id < below));
                    bound = row.first_id;
                }
                if i64::try_from(rows.len()).unwrap_or(0) < limit {
                    break;
                }
                limit = CHUNKS_PER_READ;
            }
            found.truncate(wanted);
            Ok(found)
        }

        /// Of the committee's rows `ids` (newest first), those holding `key`.
        pub fn held_of(conn: &mut DbConn, committee_id: i64, key: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
            let (Some(&newest), Some(&oldest)) = (ids.first(), ids.last()) else { return Ok(Vec::new()) };
            let mut holders = std::collections::BTreeSet::new();
            let mut bound = newest.saturating_add(1);
            loop {
                let rows = chunks_below(conn, committee_id, key, bound, CHUNKS_PER_READ)?;
                for row in &rows {
                    holders.extend(row.chunk().ids);
                    bound = row.first_id;
                }
                if bound <= oldest || i64::try_from(rows.len()).unwrap_or(0) < CHUNKS_PER_READ {
                    break;
                }
            }
            Ok(ids.iter().copied().filter(|id| holders.contains(id)).collect())
        }

        /// How common `key` is among the committee's rows (see
        /// [`key_walk::commonness`]), read from at most [`key_walk::SAMPLE`]
        /// of its newest rows whatever the key's size.
        pub fn commonness(conn: &mut DbConn, committee_id: i64, key: i64) -> QueryResult<i64> {
            let sample = usize::try_from(key_walk::SAMPLE).unwrap_or(0);
            let newest = newest(conn, committee_id, key, i64::MAX, sample)?;
            let sampled = match newest.get(sample.saturating_sub(1)) {
                Some(&id) => key_walk::Sampled::Newest(id),
                None => key_walk::Sampled::Fewer,
            };
            key_walk::commonness(sampled, || Ok(i64::try_from(newest.len()).unwrap_or(i64::MAX)))
        }

        /// Up to `round` of the committee's rows below `below` that hold
        /// `key`, and `also` when given, newest first: the key's rows read a
        /// round at a time, those the companion's chunks hold too kept,
        /// until as many are kept or the key runs out.
        pub fn holders(
            conn: &mut DbConn,
            committee_id: i64,
            key: i64,
            also: Option<i64>,
            below: i64,
            round: i64,
        ) -> QueryResult<Vec<i64>> {
            let round = usize::try_from(round).unwrap_or(0);
            let Some(also) = also else { return newest(conn, committee_id, key, below, round) };
            let mut kept = Vec::new();
            let mut from = below;
            loop {
                let ids = newest(conn, committee_id, key, from, round)?;
                let Some(&oldest) = ids.last() else { break };
                kept.extend(held_of(conn, committee_id, also, &ids)?);
                if ids.len() < round || kept.len() >= round {
                    break;
                }
                from = oldest;
            }
            kept.truncate(round);
            Ok(kept)
        }
    };
}

/// The case index.
pub mod cases {
    postings!(case_search_chunk);
}

/// The complaint index (PostgreSQL; SQLite's is a full-text table).
pub mod complaints {
    postings!(complaint_search_chunk);
}

#[cfg(test)]
mod tests {
    use super::cases::*;
    use super::*;
    use crate::db::DbConn;
    use crate::db::schema::case_search_chunk;
    use diesel::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn ids_come_back_as_they_were_stored() {
        let ids = [5, 6, 7, 200, 1_000_000, 1_000_001, i64::from(u32::MAX) * 4];
        let bytes = encode(5, &ids);
        assert_eq!(decode(5, &bytes), ids);
        assert_eq!(&bytes[..3], &[0, 1, 1], "neighbours a byte each");
        assert_eq!(decode(5, &bytes[..bytes.len() - 1]), ids[..ids.len() - 1], "a cut last id is left out");
        assert!(decode(0, &[]).is_empty());
    }

    #[test]
    fn a_full_chunk_splits_and_the_parts_keep_the_order() {
        let ids: Vec<i64> = (1..=i64::try_from(CHUNK).unwrap() * 2 + 1).map(|i| i * 3).collect();
        let parts = split(Chunk { first: 1, ids: ids.clone() });
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].first, 1, "the first part keeps its bound");
        assert_eq!(parts[1].first, parts[1].ids[0]);
        assert!(parts.iter().all(|p| p.ids.len() <= CHUNK));
        assert_eq!(parts.into_iter().flat_map(|p| p.ids).collect::<Vec<_>>(), ids);
    }

    /// A migrated SQLite database in a directory removed when dropped.
    fn migrated() -> (tempfile::TempDir, DbConn) {
        let dir = tempfile::tempdir().unwrap();
        let url: crate::db::DatabaseUrl = format!("sqlite://{}", dir.path().join("x.db").display()).parse().unwrap();
        let mut conn = crate::db::Manager::new(url, crate::db::SqliteSync::Normal).open().unwrap();
        crate::db::run_migrations(&mut conn).unwrap();
        (dir, conn)
    }

    /// A batch appended after a later one committed (two instances' intakes)
    /// holds ids below the key's last chunk: each goes to its own chunk, and
    /// the key's rows read back whole and in order.
    #[test]
    fn an_append_of_older_ids_puts_each_in_its_chunk() {
        let (_dir, mut conn) = migrated();
        let first: Vec<(i64, i64, i64)> = (1000..1600).map(|id| (1, 7, id)).collect();
        append(&mut conn, &first).unwrap();
        append(&mut conn, &[(1, 7, 5), (1, 7, 1100), (1, 7, 1700), (1, 7, 1599), (1, 8, 3)]).unwrap();
        let mut want: Vec<i64> = (1000..1600).chain([5, 1700]).collect();
        want.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(newest(&mut conn, 1, 7, i64::MAX, usize::MAX).unwrap(), want);
        assert_eq!(newest(&mut conn, 1, 8, i64::MAX, usize::MAX).unwrap(), vec![3]);
        let held: Vec<i32> = case_search_chunk::table.select(case_search_chunk::held).load(&mut conn).unwrap();
        assert!(held.iter().all(|&n| n >= 1 && n <= i32::try_from(CHUNK).unwrap()));
    }

    /// Cases added to and removed from keys in a random order, old and
    /// new, many more than a chunk holds: what the chunks give back is what
    /// a set of each key's cases holds, read whole or from any point down,
    /// and intersected.
    #[test]
    fn the_chunks_hold_what_a_set_would() {
        use std::collections::BTreeSet;

        use rand::{Rng, SeedableRng};

        let (_dir, mut conn) = migrated();
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        let keys = [11_i64, 12, 13];
        let mut model: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        // Cases 1..=1500 appended in batches, as `demo --scale` and a build do.
        let mut next = 1;
        while next <= 1500 {
            let batch: Vec<(i64, i64, i64)> = (next..next + 100)
                .flat_map(|case| keys.iter().map(move |&k| (1, k, case)))
                .filter(|&(_, k, case)| case % (k - 10) == 0)
                .collect();
            for &(_, k, case) in &batch {
                model.entry(k).or_default().insert(case);
            }
            append(&mut conn, &batch).unwrap();
            next += 100;
        }
        // Then one case at a time, any case, as edits do.
        for _ in 0..2000 {
            let case = rng.random_range(1..=1700);
            let key = keys[rng.random_range(0..keys.len())];
            let held = model.entry(key).or_default();
            if held.contains(&case) {
                held.remove(&case);
                change(&mut conn, 1, case, &[], &[key]).unwrap();
            } else {
                held.insert(case);
                change(&mut conn, 1, case, &[key], &[]).unwrap();
            }
        }
        for &key in &keys {
            let held = &model[&key];
            let all: Vec<i64> = held.iter().rev().copied().collect();
            assert!(all.len() > CHUNK * 2, "key {key} fills several chunks");
            assert_eq!(newest(&mut conn, 1, key, i64::MAX, usize::MAX).unwrap(), all, "key {key}");
            for below in [1, 2, 700, 701, 1499, 1701] {
                let want: Vec<i64> = all.iter().copied().filter(|&id| id < below).take(50).collect();
                assert_eq!(newest(&mut conn, 1, key, below, 50).unwrap(), want, "key {key} below {below}");
            }
            let asked: Vec<i64> = (1..=1700).rev().step_by(7).collect();
            let both: Vec<i64> = asked.iter().copied().filter(|id| held.contains(id)).collect();
            assert_eq!(held_of(&mut conn, 1, key, &asked).unwrap(), both, "key {key}: held of asked");
        }
        assert!(newest(&mut conn, 2, 11, i64::MAX, 10).unwrap().is_empty(), "another committee holds none");
        let rows: Vec<(i32, Vec<u8>)> =
            case_search_chunk::table.select((case_search_chunk::held, case_search_chunk::ids)).load(&mut conn).unwrap();
        assert!(
            rows.iter().all(|(held, _)| (1..=i32::try_from(CHUNK).unwrap()).contains(held)),
            "no chunk empty or over full"
        );
        assert!(rows.iter().all(|(held, ids)| ids.len() <= *held as usize * 2), "two bytes a case at most here");
    }
}
