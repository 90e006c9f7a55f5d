//! The search index of complaints: the single characters, neighbouring
//! pairs and digit runs of each complaint's folded place and description.
//!
//! On SQLite they are the words of a full-text table that keeps only which
//! complaints hold each word (`complaint_search`, rowid = complaint id),
//! written with the complaint and rewritten
//! when its description changes. On PostgreSQL the keys are postings in
//! chunks, as the case index's (`complaint_search_chunk`, see
//! `db::postings`), read newest first. Either way the index names
//! candidates, newest first; each is checked against its folded text
//! before it is a match, so a key a complaint no longer holds (its text
//! anonymised) names a candidate that is then dropped.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConn;
use super::complaints::{Complaint, ComplaintFilter};
use super::key_walk;
use super::postings::complaints as postings;
use crate::db::schema::{complaint, complaint_search_state};
use crate::search::{Query, fold, keys, token};

/// The words of one complaint: its keys as tokens. Its committee is not a
/// word but checked on its row: in a database of one committee that word
/// would be held by every complaint and read by every search.
fn words(location: &str, description: &str) -> String {
    let (location, description) = (fold(location), fold(description));
    keys([location.as_str(), description.as_str()]).into_iter().map(token).collect::<Vec<_>>().join(" ")
}

/// The postings of complaints, `(id, committee, location, description)`
/// each: (committee, key, complaint).
fn postings_of(complaints: &[(i64, i64, &str, &str)]) -> Vec<(i64, i64, i64)> {
    let mut out = Vec::new();
    for &(id, committee_id, location, description) in complaints {
        let (location, description) = (fold(location), fold(description));
        out.extend(keys([location.as_str(), description.as_str()]).into_iter().map(|key| (committee_id, key, id)));
    }
    out
}

/// Indexes one complaint of a committee.
pub fn index(conn: &mut DbConn, committee_id: i64, id: i64, location: &str, description: &str) -> QueryResult<()> {
    index_all(conn, &[(id, committee_id, location, description)])
}

/// Indexes complaints just written, `(id, committee, location,
/// description)` each, a few thousand a statement.
pub fn index_all(conn: &mut DbConn, complaints: &[(i64, i64, &str, &str)]) -> QueryResult<()> {
    let c = match conn {
        DbConn::Sqlite(c) => c,
        DbConn::Postgres(_) => return postings::append(conn, &postings_of(complaints)),
    };
    for chunk in complaints.chunks(super::VALUES_PER_STATEMENT / 2) {
        let mut sql = String::from("INSERT INTO complaint_search (rowid, words) VALUES ");
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(?, ?)" } else { ", (?, ?)" });
        }
        let mut insert = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
        for (id, _, location, description) in chunk {
            insert = insert.bind::<BigInt, _>(*id).bind::<Text, _>(words(location, description));
        }
        insert.execute(c)?;
    }
    Ok(())
}

/// Indexes complaint `id` again after its text changed. (On PostgreSQL
/// the keys it no longer holds stay; a search checks each candidate.)
pub fn reindex(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    let (committee_id, location, description): (i64, String, String) = complaint::table
        .find(id)
        .select((complaint::committee_id, complaint::location, complaint::description))
        .first(conn)?;
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query("DELETE FROM complaint_search WHERE rowid = ?").bind::<BigInt, _>(id).execute(c)?;
    }
    index(conn, committee_id, id, &location, &description)
}

/// Complaints indexed per statement when many are.
const INDEX_BATCH: i64 = 2000;

/// Indexes every complaint with an id above `after`, a batch a statement;
/// how many.
pub fn index_after(conn: &mut DbConn, after: i64) -> QueryResult<usize> {
    let mut after = after;
    let mut indexed = 0;
    loop {
        let rows: Vec<(i64, i64, String, String)> = complaint::table
            .filter(complaint::id.gt(after))
            .order(complaint::id)
            .limit(INDEX_BATCH)
            .select((complaint::id, complaint::committee_id, complaint::location, complaint::description))
            .load(conn)?;
        let Some(last) = rows.last().map(|r| r.0) else { break };
        let texts: Vec<(i64, i64, &str, &str)> = rows
            .iter()
            .map(|(id, committee, location, description)| (*id, *committee, location.as_str(), description.as_str()))
            .collect();
        index_all(conn, &texts)?;
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
        match conn {
            DbConn::Sqlite(c) => diesel::sql_query("DELETE FROM complaint_search").execute(c).map(|_| ())?,
            DbConn::Postgres(_) => postings::clear(conn)?,
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

/// Whether a complaint's folded place or description holds `query`.
fn holds(query: &Query, location: &str, description: &str) -> bool {
    query.find_in(&fold(location)).is_some() || query.find_in(&fold(description)).is_some()
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// What a search asks the index for: on SQLite the words of
/// [`words_to_match`], on PostgreSQL the rarest key and its companion (see
/// [`key_walk::companion`]).
enum Asked {
    Words(String),
    Keys(i64, Option<i64>),
}

/// Up to `round` ids below `below` that the index names for `asked`, newest
/// first.
fn candidates(conn: &mut DbConn, committee_id: i64, asked: &Asked, below: i64, round: i64) -> QueryResult<Vec<i64>> {
    match conn {
        DbConn::Sqlite(c) => {
            let Asked::Words(words) = asked else { return Ok(Vec::new()) };
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
        DbConn::Postgres(_) => {
            let &Asked::Keys(key, also) = asked else { return Ok(Vec::new()) };
            postings::holders(conn, committee_id, key, also, below, round)
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
    // SQLite's full-text index is asked for words, PostgreSQL's postings
    // for the rarest key: a search with none (a key no complaint holds)
    // finds nothing.
    let asked = match conn {
        DbConn::Sqlite(c) => match words_to_match(c, query)? {
            w if w.is_empty() => return Ok(Vec::new()),
            w => Asked::Words(w),
        },
        DbConn::Postgres(_) => {
            let judged = key_walk::rarest(&query.keys, |key| postings::commonness(conn, committee_id, key))?;
            let Some(&(key, _)) = judged.first() else { return Ok(Vec::new()) };
            Asked::Keys(key, key_walk::companion(&judged))
        }
    };
    key_walk::in_rounds(
        conn,
        f.limit,
        f.before_id,
        |conn, below, round| candidates(conn, committee_id, &asked, below, round),
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
    )
}
