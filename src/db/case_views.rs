//! Ready-to-serve case views: the JSON of a case stored with the case, so
//! that a read is one row instead of the twenty queries that build it.
//!
//! A stored view is current while it exists. The database's triggers delete
//! the views that a write to any of a case's records changes, whatever made
//! the write (see the `case_view` migration). A view built from records read
//! one query at a time could still miss a write that committed meanwhile, so
//! it is stored only if the audit chains of its committee and of the
//! installation have not moved since before it was built — checked under the
//! write lock (SQLite) or a share lock on the chain heads (PostgreSQL), which
//! every audited writer holds exclusively until it commits.
//!
//! Reads hand what they build to a [`Writer`], which stores it after the
//! answer has gone.
//!
//! Views are compressed with gzip (JSON shrinks several times over) and
//! sealed under the data key like telephone numbers: a copied database
//! reveals no more through them than through the records. A client that
//! accepts gzip is sent the compressed view as it is.

use std::io::{Read, Write};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use super::schema::case_view;
use super::{DbConn, audit, write_transaction};
use crate::data_key::{self, Field, Keyring};
use crate::domain::language::Lang;

/// What a stored view was made by; views of another format are rebuilt.
/// Changes to the case JSON come with a new release, whose version is part
/// of the format; the number after it tells apart changes within one.
pub const FORMAT: &str = concat!(env!("CARGO_PKG_VERSION"), "/3");

/// Where the audit chains stood before a view was built: (the committee's
/// head, the installation's).
pub type Version = (i64, i64);

/// The stored view of case `case_id` of `committee_id` in `lang`, if there
/// is a current one that opens with the process's keyring.
pub fn find(conn: &mut DbConn, committee_id: i64, case_id: i64, lang: Lang) -> QueryResult<Option<Gzipped>> {
    let body: Option<String> = case_view::table
        .filter(case_view::case_id.eq(case_id))
        .filter(case_view::lang.eq(lang.code()))
        .filter(case_view::committee_id.eq(committee_id))
        .filter(case_view::format.eq(FORMAT))
        .select(case_view::body)
        .first(conn)
        .optional()?;
    // A view under a key no longer held is rebuilt like a missing one.
    Ok(body.and_then(|b| data_key::installed().ok()?.open_bytes(Field::CaseView, &b).ok()).map(Gzipped))
}

/// A view's JSON compressed with gzip, as stored (sealing keeps it intact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gzipped(pub Vec<u8>);

impl Gzipped {
    /// The JSON itself.
    pub fn inflate(&self) -> std::io::Result<Vec<u8>> {
        let mut json = Vec::with_capacity(self.0.len() * 6);
        GzDecoder::new(self.0.as_slice()).read_to_end(&mut json)?;
        Ok(json)
    }
}

/// The JSON compressed and sealed; `None` without a data key.
fn pack(json: &str) -> Option<String> {
    let ring = data_key::installed().ok()?;
    let mut gzip = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::fast());
    gzip.write_all(json.as_bytes()).ok()?;
    Some(ring.seal_bytes(Field::CaseView, &gzip.finish().ok()?))
}

/// Where the chains of `committee_id` and of the installation stand.
pub fn version(conn: &mut DbConn, committee_id: i64) -> QueryResult<Version> {
    audit::head_seqs(conn, committee_id)
}

/// The statement storing `n` views, or replacing those stored.
fn upsert(n: usize, backend: super::Backend) -> String {
    let mut bound = 0;
    let rows: Vec<String> = (0..n)
        .map(|_| {
            let row: Vec<String> = (0..5)
                .map(|_| {
                    bound += 1;
                    if backend == super::Backend::Postgres { format!("${bound}") } else { "?".to_owned() }
                })
                .collect();
            format!("({})", row.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO case_view (case_id, lang, committee_id, format, body) VALUES {} \
         ON CONFLICT (case_id, lang) DO UPDATE SET committee_id = excluded.committee_id, \
         format = excluded.format, body = excluded.body",
        rows.join(", ")
    )
}

/// Views stored by one statement at most (five values each).
const VIEWS_PER_UPSERT: usize = 1000;

/// Stores the JSON of a case built after the chains stood at `built_at`.
/// Returns whether it was stored: not if anything of the committee or the
/// installation was written since, or if no data key is installed.
pub fn store(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    lang: Lang,
    built_at: Version,
    json: &str,
) -> QueryResult<bool> {
    let view = Built { committee_id, case_id, lang, built_at, json: json.to_owned() };
    Ok(store_all(conn, std::slice::from_ref(&view))? == 1)
}

/// Stores, in one transaction, those of `views` built since nothing of
/// their committee or the installation was written. Returns how many.
pub fn store_all(conn: &mut DbConn, views: &[Built]) -> QueryResult<usize> {
    let backend = conn.backend();
    // Sealed before the write lock is taken; without a data key nothing is.
    let Some(bodies) = views.iter().map(|v| pack(&v.json)).collect::<Option<Vec<String>>>() else { return Ok(0) };
    write_transaction(conn, |conn| {
        let mut heads: Vec<(i64, Version)> = Vec::new();
        let mut current = Vec::with_capacity(views.len());
        for (view, body) in views.iter().zip(&bodies) {
            let now = match heads.iter().find(|(c, _)| *c == view.committee_id) {
                Some(&(_, now)) => now,
                None => {
                    let now = audit::head_seqs_held(conn, view.committee_id)?;
                    heads.push((view.committee_id, now));
                    now
                }
            };
            if now == view.built_at {
                current.push((view, body));
            }
        }
        // One statement may not write a row twice: of views of the same
        // case and language, the last one offered is stored.
        let mut seen = std::collections::HashSet::new();
        current.reverse();
        current.retain(|(view, _)| seen.insert((view.case_id, view.lang.code())));
        current.reverse();
        for chunk in current.chunks(VIEWS_PER_UPSERT) {
            macro_rules! bound {
                ($query:expr) => {{
                    let mut query = $query;
                    for (view, body) in chunk {
                        query = query
                            .bind::<BigInt, _>(view.case_id)
                            .bind::<Text, _>(view.lang.code())
                            .bind::<BigInt, _>(view.committee_id)
                            .bind::<Text, _>(FORMAT)
                            .bind::<Text, _>(body.as_str());
                    }
                    query
                }};
            }
            let sql = upsert(chunk.len(), backend);
            match conn {
                DbConn::Sqlite(c) => {
                    bound!(diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>()).execute(c)?
                }
                DbConn::Postgres(c) => bound!(diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>()).execute(c)?,
            };
        }
        Ok(current.len())
    })
}

/// Deletes the views not sealed under `ring`'s current key, so that a key
/// can be retired once its values are resealed. Returns how many.
pub fn forget_other_keys(conn: &mut DbConn, ring: &Keyring) -> QueryResult<usize> {
    let current = format!("{}{}:%", data_key::PREFIX, ring.current_id());
    diesel::delete(case_view::table.filter(case_view::body.not_like(current))).execute(conn)
}

/// A view built by a read, waiting to be stored.
#[derive(Debug)]
pub struct Built {
    /// The case's committee.
    pub committee_id: i64,
    /// The case.
    pub case_id: i64,
    /// The view's language.
    pub lang: Lang,
    /// Where the chains stood before it was built.
    pub built_at: Version,
    /// The JSON.
    pub json: String,
}

/// Views waiting to be stored by one thread of their own, so that a read
/// never waits for the write lock: each turn stores everything waiting (up
/// to [`WRITER_BATCH`]) in one transaction. A view that finds the queue full
/// is dropped, to be built again on its next read.
#[derive(Debug)]
pub struct Writer {
    queue: std::sync::mpsc::SyncSender<Built>,
}

/// Views stored in one transaction at most.
pub const WRITER_BATCH: usize = 64;

impl Writer {
    /// Starts the thread storing views through `pool`; it ends when the
    /// writer is dropped.
    pub fn start(pool: super::Pool) -> Self {
        let spawned = super::executor::spawn_batches("case-views", 4096, WRITER_BATCH, move |batch: Vec<Built>| {
            let stored = pool
                .get()
                .map_err(|e| e.to_string())
                .and_then(|mut conn| store_all(&mut conn, &batch).map_err(|e| e.to_string()));
            if let Err(error) = stored {
                tracing::warn!(%error, views = batch.len(), "case views not stored");
            }
        });
        let queue = spawned.unwrap_or_else(|error| {
            tracing::warn!(%error, "case views will not be stored: no thread");
            // A queue no thread reads: every view offered is dropped.
            std::sync::mpsc::sync_channel(0).0
        });
        Self { queue }
    }

    /// Queues a view to be stored.
    pub fn offer(&self, built: Built) {
        let _ = self.queue.try_send(built);
    }
}
