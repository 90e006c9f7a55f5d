//! The JSON of a case, kept between requests while nothing has changed.
//!
//! Every change to the records is an event of the audit chain, whose head
//! moves with each commit, on every instance alike since it is in the
//! database. An entry is valid while the heads of the case's committee and
//! of the installation (users, committees) are where they were when the
//! entry was made; reading the two heads is one indexed query instead of the
//! twenty that build a case.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;
use diesel::QueryResult;

use crate::db::{DbConn, audit};
use crate::domain::language::Lang;

/// Entries kept at most; past it the cache starts afresh.
const CAPACITY: usize = 4096;

/// Where the audit chains stood: (the committee's head, the installation's).
pub type Version = (i64, i64);

/// Cached case JSON by case and language.
#[derive(Debug, Default)]
pub struct CaseCache {
    entries: Mutex<HashMap<(i64, Lang), (Version, Bytes)>>,
}

impl CaseCache {
    /// The JSON of case `case_id` in `lang` if it was made at `version`.
    pub fn get(&self, case_id: i64, lang: Lang, version: Version) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(&(case_id, lang)).filter(|(v, _)| *v == version).map(|(_, json)| json.clone())
    }

    /// Keeps the JSON of a case made at `version`.
    pub fn put(&self, case_id: i64, lang: Lang, version: Version, json: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert((case_id, lang), (version, json));
    }
}

/// Where the chains of `committee_id` and of the installation (chain 0) stand.
pub fn version(conn: &mut DbConn, committee_id: i64) -> QueryResult<Version> {
    let heads = audit::head_seqs(conn, &[committee_id, 0])?;
    Ok((heads[0], heads[1]))
}
