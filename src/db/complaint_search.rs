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
    let mut rows = complaint::table
        .filter(complaint::committee_id.eq(committee_id))
        .select((complaint::id, complaint::location, complaint::description))
        .order(complaint::id.desc())
        .limit(FEW + 1)
        .into_boxed();
    if let Some(case_id) = f.case_id {
        rows = rows.filter(complaint::case_id.eq(case_id));
    }
    if f.unassigned {
        rows = rows.filter(complaint::case_id.is_null());
    }
    if let Some(before) = f.before_id {
        rows = rows.filter(complaint::id.lt(before));
    }
    let rows: Vec<(i64, String, String)> = rows.load(conn)?;
    if i64::try_from(rows.len()).unwrap_or(i64::MAX) > FEW {
        return Ok(None);
    }
    let ids: Vec<i64> = rows
        .into_iter()
        .filter(|(_, location, description)| holds(query, location, description))
        .map(|(id, _, _)| id)
        .take(usize::try_from(f.limit).unwrap_or(0))
        .collect();
    let found = complaint::table
        .filter(complaint::id.eq_any(&ids))
        .select(Complaint::as_select())
        .order(complaint::id.desc())
        .load(conn)?;
    Ok(Some(found))
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
    let words = match conn {
        DbConn::Sqlite(c) => match words_to_match(c, query)? {
            w if w.is_empty() => return Ok(Vec::new()),
            w => Some(w),
        },
        DbConn::Postgres(_) => None,
    };
    key_walk::in_rounds(
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
    )
}
