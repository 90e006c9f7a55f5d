//! The search index of complaints: the single characters, neighbouring
//! pairs and digit runs of each complaint's folded place and description.
//!
//! On SQLite they are the words of a full-text table that keeps only which
//! complaints hold each word (`complaint_search`, rowid = complaint id),
//! written with the complaint and rewritten
//! when its description changes. On PostgreSQL an expression index over
//! `hesheng_grams(location, description)` is kept by the database itself.
//! Either way the index names candidates, newest first; each is checked
//! against its folded text before it is a match.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};

use super::DbConn;
use super::complaints::{Complaint, ComplaintFilter};
use super::key_walk;
use crate::db::schema::{complaint, complaint_search_state};
use crate::search::{Query, fold, keys, token};

/// The words of one complaint: its keys as tokens. Its committee is not a
/// word but checked on its row: in a database of one committee that word
/// would be held by every complaint and read by every search.
fn words(location: &str, description: &str) -> String {
    let (location, description) = (fold(location), fold(description));
    keys([location.as_str(), description.as_str()]).into_iter().map(token).collect::<Vec<_>>().join(" ")
}

/// Indexes one complaint (SQLite; PostgreSQL's index keeps itself).
pub fn index(conn: &mut DbConn, id: i64, location: &str, description: &str) -> QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query("INSERT INTO complaint_search (rowid, words) VALUES (?, ?)")
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(words(location, description))
            .execute(c)?;
    }
    Ok(())
}

/// Indexes complaints just written, `(id, location, description)` each, a
/// few thousand a statement (SQLite; PostgreSQL's index keeps itself).
pub fn index_all(conn: &mut DbConn, complaints: &[(i64, &str, &str)]) -> QueryResult<()> {
    let DbConn::Sqlite(c) = conn else { return Ok(()) };
    for chunk in complaints.chunks(super::VALUES_PER_STATEMENT / 2) {
        let mut sql = String::from("INSERT INTO complaint_search (rowid, words) VALUES ");
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(?, ?)" } else { ", (?, ?)" });
        }
        let mut insert = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
        for (id, location, description) in chunk {
            insert = insert.bind::<BigInt, _>(*id).bind::<Text, _>(words(location, description));
        }
        insert.execute(c)?;
    }
    Ok(())
}

/// Indexes complaint `id` again after its text changed.
pub fn reindex(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query("DELETE FROM complaint_search WHERE rowid = ?").bind::<BigInt, _>(id).execute(c)?;
        let (location, description): (String, String) =
            complaint::table.find(id).select((complaint::location, complaint::description)).first(c)?;
        diesel::sql_query("INSERT INTO complaint_search (rowid, words) VALUES (?, ?)")
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(words(&location, &description))
            .execute(c)?;
    }
    Ok(())
}

/// Complaints indexed per statement when many are.
const INDEX_BATCH: i64 = 2000;

/// Indexes every complaint with an id above `after` (SQLite), a batch a
/// statement; how many.
pub fn index_after(conn: &mut DbConn, after: i64) -> QueryResult<usize> {
    let DbConn::Sqlite(c) = conn else { return Ok(0) };
    let mut after = after;
    let mut indexed = 0;
    loop {
        let rows: Vec<(i64, String, String)> = complaint::table
            .filter(complaint::id.gt(after))
            .order(complaint::id)
            .limit(INDEX_BATCH)
            .select((complaint::id, complaint::location, complaint::description))
            .load(c)?;
        let Some(last) = rows.last().map(|r| r.0) else { break };
        let mut sql = String::from("INSERT INTO complaint_search (rowid, words) VALUES ");
        let mut values = Vec::with_capacity(rows.len());
        for (i, (id, location, description)) in rows.iter().enumerate() {
            sql.push_str(if i == 0 { "(?, ?)" } else { ", (?, ?)" });
            values.push((*id, words(location, description)));
        }
        let mut insert = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
        for (id, words) in values {
            insert = insert.bind::<BigInt, _>(id).bind::<Text, _>(words);
        }
        insert.execute(c)?;
        indexed += rows.len();
        after = last;
    }
    Ok(indexed)
}

/// Builds the index of every stored complaint when a migration has left it
/// unbuilt; how many were indexed, or `None` when it was built. Several
/// instances starting together build it once (see the case index).
pub fn build_if_needed(conn: &mut DbConn) -> QueryResult<Option<usize>> {
    let built: bool = complaint_search_state::table.find(1).select(complaint_search_state::built).first(conn)?;
    if built {
        return Ok(None);
    }
    conn.transaction(|conn| {
        let claimed =
            diesel::update(complaint_search_state::table.find(1).filter(complaint_search_state::built.eq(false)))
                .set(complaint_search_state::built.eq(true))
                .execute(conn)?;
        if claimed == 0 {
            return Ok(None);
        }
        if let DbConn::Sqlite(c) = conn {
            diesel::sql_query("DELETE FROM complaint_search").execute(c)?;
        }
        index_after(conn, 0).map(Some)
    })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How common `key` is among the complaints (SQLite; see
/// [`key_walk::commonness`]), judged from its oldest holders: FTS5 reads a
/// word's complaints oldest first by streaming them, while newest first it
/// loads much of a common word's list.
fn commonness(c: &mut diesel::SqliteConnection, key: i64) -> QueryResult<i64> {
    let sampled: Option<Candidate> =
        diesel::sql_query("SELECT rowid AS id FROM complaint_search WHERE complaint_search MATCH ? LIMIT 1 OFFSET ?")
            .bind::<Text, _>(token(key))
            .bind::<BigInt, _>(key_walk::SAMPLE - 1)
            .get_result(c)
            .optional()?;
    let sampled = sampled.map_or(key_walk::Sampled::Fewer, |s| key_walk::Sampled::Oldest(s.id));
    key_walk::commonness(sampled, || {
        let counted: Count =
            diesel::sql_query("SELECT count(*) AS n FROM complaint_search WHERE complaint_search MATCH ?")
                .bind::<Text, _>(token(key))
                .get_result(c)?;
        Ok(counted.n)
    })
}

/// The words a search asks the full-text index for (SQLite): its rarest
/// key, and the next rarest too when even the rarest is common (FTS5 steps
/// through the named words' complaints together, cheaper than checking
/// each candidate); empty when no complaint holds one of its keys.
fn words_to_match(c: &mut diesel::SqliteConnection, query: &Query) -> QueryResult<String> {
    let judged = key_walk::rarest(&query.keys, |key| commonness(c, key))?;
    let named = judged.first().map(|&(key, _)| key).into_iter().chain(key_walk::companion(&judged));
    Ok(named.map(token).collect::<Vec<_>>().join(" "))
}

/// A filter's complaints walked themselves, newest first, each checked:
/// `None` when the filter holds more than [`FEW`] of them.
const FEW: i64 = 2000;

fn within_few(
    conn: &mut DbConn,
    committee_id: i64,
    f: &ComplaintFilter,
    query: &Query,
) -> QueryResult<Option<Vec<Complaint>>> {
    let walked = walk(conn, committee_id, f, query, f.before_id.unwrap_or(i64::MAX), FEW + 1)?;
    if walked.read > FEW {
        return Ok(None);
    }
    let ids: Vec<i64> = walked.matched.into_iter().take(usize::try_from(f.limit).unwrap_or(0)).collect();
    by_ids(conn, &ids).map(Some)
}

/// What a walk of a filter's complaints found.
struct Walked {
    /// The ids of those that match, newest first.
    matched: Vec<i64>,
    /// How many were read.
    read: i64,
    /// The oldest id read: where a walk or an index read goes on.
    oldest: Option<i64>,
}

/// Reads up to `n` of a filter's complaints below id `below`, newest first,
/// and checks each against `query`.
fn walk(
    conn: &mut DbConn,
    committee_id: i64,
    f: &ComplaintFilter,
    query: &Query,
    below: i64,
    n: i64,
) -> QueryResult<Walked> {
    let mut rows = complaint::table
        .filter(complaint::committee_id.eq(committee_id))
        .filter(complaint::id.lt(below))
        .select((complaint::id, complaint::location, complaint::description))
        .order(complaint::id.desc())
        .limit(n)
        .into_boxed();
    if let Some(case_id) = f.case_id {
        rows = rows.filter(complaint::case_id.eq(case_id));
    }
    if f.unassigned {
        rows = rows.filter(complaint::case_id.is_null());
    }
    let rows: Vec<(i64, String, String)> = rows.load(conn)?;
    Ok(Walked {
        read: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        oldest: rows.last().map(|r| r.0),
        matched: rows
            .into_iter()
            .filter(|(_, location, description)| holds(query, location, description))
            .map(|(id, _, _)| id)
            .collect(),
    })
}

/// Complaints by id, newest first.
fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Complaint>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    complaint::table
        .filter(complaint::id.eq_any(ids))
        .select(Complaint::as_select())
        .order(complaint::id.desc())
        .load(conn)
}

/// The complaints a PostgreSQL search first walks newest first, each
/// checked, to judge how common its text is.
const WALK_SAMPLE: i64 = 256;

/// Most complaints a PostgreSQL search walks before it asks the index.
const WALK_MOST: i64 = 8192;

/// How many more complaints a walk that has read `read` and matched
/// `matched` would read, at the rate seen so far, to fill a page of
/// `limit`; `None` when that is more than [`WALK_MOST`] allows (or nothing
/// matched yet), and the index should be asked instead.
fn walk_on(read: i64, matched: i64, limit: i64) -> Option<i64> {
    if matched >= limit {
        return Some(0);
    }
    if matched == 0 {
        return None;
    }
    let more = ((limit - matched).saturating_mul(read) + matched - 1) / matched;
    (read.saturating_add(more) <= WALK_MOST).then_some(more)
}

/// A PostgreSQL search whose text is common: its index names every
/// complaint holding all the keys, unordered, and each is read before the
/// newest are kept — a hundred thousand for a common place. The
/// committee's newest complaints are walked instead, each checked, while
/// they match often enough to fill a page within [`WALK_MOST`]. Returns
/// the matches walked, and where the index goes on below them (`None` when
/// the page is full or the walk read every complaint).
fn walk_common(
    conn: &mut DbConn,
    committee_id: i64,
    f: &ComplaintFilter,
    query: &Query,
) -> QueryResult<(Vec<i64>, Option<i64>)> {
    let mut below = f.before_id.unwrap_or(i64::MAX);
    let (mut matched, mut read) = (Vec::new(), 0);
    let mut round = WALK_SAMPLE;
    loop {
        let walked = walk(conn, committee_id, f, query, below, round)?;
        let exhausted = walked.read < round;
        read += walked.read;
        matched.extend(walked.matched);
        let n = i64::try_from(matched.len()).unwrap_or(i64::MAX);
        if n >= f.limit || exhausted {
            matched.truncate(usize::try_from(f.limit).unwrap_or(0));
            return Ok((matched, None));
        }
        below = walked.oldest.unwrap_or(below);
        match walk_on(read, n, f.limit) {
            Some(more) => round = more.max(WALK_SAMPLE).min(WALK_MOST - read),
            None => return Ok((matched, Some(below))),
        }
    }
}

/// Whether a complaint's folded place or description holds `query`.
fn holds(query: &Query, location: &str, description: &str) -> bool {
    query.find_in(&fold(location)).is_some() || query.find_in(&fold(description)).is_some()
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Up to `round` ids below `below` that the index names for `query`
/// (on SQLite through `words`, see [`words_to_match`]; none names
/// nothing), newest first.
fn candidates(
    conn: &mut DbConn,
    committee_id: i64,
    query: &Query,
    words: Option<&str>,
    below: i64,
    round: i64,
) -> QueryResult<Vec<i64>> {
    match conn {
        DbConn::Sqlite(c) => {
            let Some(words) = words else { return Ok(Vec::new()) };
            let found: Vec<Candidate> = diesel::sql_query(
                "SELECT rowid AS id FROM complaint_search WHERE complaint_search MATCH ? AND rowid < ? \
                 ORDER BY rowid DESC LIMIT ?",
            )
            .bind::<Text, _>(words)
            .bind::<BigInt, _>(below)
            .bind::<BigInt, _>(round)
            .load(c)?;
            Ok(found.into_iter().map(|f| f.id).collect())
        }
        DbConn::Postgres(c) => {
            let found: Vec<Candidate> = diesel::sql_query(
                "SELECT id FROM complaint WHERE committee_id = $1 AND id < $2 \
                 AND hesheng_grams(location, description) @> $3 ORDER BY id DESC LIMIT $4",
            )
            .bind::<BigInt, _>(committee_id)
            .bind::<BigInt, _>(below)
            .bind::<Array<Text>, _>(query.grams())
            .bind::<BigInt, _>(round)
            .load(c)?;
            Ok(found.into_iter().map(|f| f.id).collect())
        }
    }
}

/// The complaints of a committee whose folded place or description holds
/// `query`, with the list's other filters, newest first.
pub fn search(conn: &mut DbConn, committee_id: i64, f: &ComplaintFilter, query: &Query) -> QueryResult<Vec<Complaint>> {
    // A case's complaints, or those awaiting a case, are usually few: read
    // them rather than candidates of which the filter may keep none.
    if (f.case_id.is_some() || f.unassigned)
        && let Some(found) = within_few(conn, committee_id, f, query)?
    {
        return Ok(found);
    }
    // SQLite's full-text index is asked for words: a search with none (a
    // key no complaint holds) finds nothing. PostgreSQL's is asked for the
    // search's keys themselves.
    let (walked, f) = match conn {
        DbConn::Sqlite(_) => (Vec::new(), f.clone()),
        DbConn::Postgres(_) => match walk_common(conn, committee_id, f, query)? {
            (walked, None) => return by_ids(conn, &walked),
            (walked, Some(below)) => {
                let rest = ComplaintFilter {
                    before_id: Some(below),
                    limit: f.limit - i64::try_from(walked.len()).unwrap_or(0),
                    ..f.clone()
                };
                (walked, rest)
            }
        },
    };
    let words = match conn {
        DbConn::Sqlite(c) => match words_to_match(c, query)? {
            w if w.is_empty() => return Ok(Vec::new()),
            w => Some(w),
        },
        DbConn::Postgres(_) => None,
    };
    let mut found = by_ids(conn, &walked)?;
    found.extend(key_walk::in_rounds(
        conn,
        f.limit,
        f.before_id,
        |conn, below, round| candidates(conn, committee_id, query, words.as_deref(), below, round),
        |conn, ids, wanted| {
            let mut rows = complaint::table
                .filter(complaint::id.eq_any(&ids))
                .filter(complaint::committee_id.eq(committee_id))
                .select(Complaint::as_select())
                .order(complaint::id.desc())
                .into_boxed();
            if let Some(case_id) = f.case_id {
                rows = rows.filter(complaint::case_id.eq(case_id));
            }
            if f.unassigned {
                rows = rows.filter(complaint::case_id.is_null());
            }
            let rows: Vec<Complaint> = rows.load(conn)?;
            Ok(rows
                .into_iter()
                .filter(|c| holds(query, &c.location, &c.description))
                .take(usize::try_from(wanted).unwrap_or(0))
                .collect())
        },
    )?);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_goes_on_while_its_rate_fills_a_page_within_its_bound() {
        assert_eq!(walk_on(256, 50, 50), Some(0), "a full page");
        assert_eq!(walk_on(256, 0, 50), None, "nothing matched: ask the index");
        assert_eq!(walk_on(256, 25, 50), Some(256), "half a page in 256: as many again");
        assert_eq!(walk_on(256, 3, 50), Some(4011), "47 more at 3 in 256");
        assert_eq!(walk_on(256, 1, 50), None, "12 800 in all is more than the bound");
        assert_eq!(walk_on(4096, 40, 50), Some(1024), "10 more at 40 in 4 096");
        assert_eq!(walk_on(8000, 40, 50), None, "the bound counts what was read");
    }
}
