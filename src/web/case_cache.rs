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

/// Bytes of JSON kept at most; past it the cache starts afresh. A case's
/// JSON is 5–20 KB, so this holds the cases a committee is working on
/// (a thousand or more) within a small part of the server's memory.
const BUDGET: usize = 16 << 20;

/// Where the audit chains stood: (the committee's head, the installation's).
pub type Version = (i64, i64);

/// Cached case JSON by case and language.
#[derive(Debug, Default)]
pub struct CaseCache {
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    by_case: HashMap<(i64, Lang), (Version, Bytes)>,
    bytes: usize,
}

impl CaseCache {
    /// The JSON of case `case_id` in `lang` if it was made at `version`.
    pub fn get(&self, case_id: i64, lang: Lang, version: Version) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.by_case.get(&(case_id, lang)).filter(|(v, _)| *v == version).map(|(_, json)| json.clone())
    }

    /// Keeps the JSON of a case made at `version`.
    pub fn put(&self, case_id: i64, lang: Lang, version: Version, json: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.bytes + json.len() > BUDGET {
            entries.by_case.clear();
            entries.bytes = 0;
        }
        entries.bytes += json.len();
        if let Some((_, old)) = entries.by_case.insert((case_id, lang), (version, json)) {
            entries.bytes -= old.len();
        }
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).bytes
    }
}

/// Where the chains of `committee_id` and of the installation (chain 0) stand.
pub fn version(conn: &mut DbConn, committee_id: i64) -> QueryResult<Version> {
    audit::head_seqs(conn, committee_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_stays_within_its_budget_and_counts_replaced_entries_once() {
        let cache = CaseCache::default();
        let json = Bytes::from(vec![b'x'; 10_000]);
        cache.put(1, Lang::ZhCn, (1, 1), json.clone());
        cache.put(1, Lang::ZhCn, (2, 1), json.clone());
        assert_eq!(cache.bytes(), 10_000, "a case made again replaces its entry");
        assert_eq!(cache.get(1, Lang::ZhCn, (2, 1)), Some(json.clone()));
        assert_eq!(cache.get(1, Lang::ZhCn, (1, 1)), None, "an entry of an older version is not served");
        for id in 2..=(BUDGET / 10_000 + 10) as i64 {
            cache.put(id, Lang::ZhCn, (2, 1), json.clone());
            assert!(cache.bytes() <= BUDGET);
        }
        let last = (BUDGET / 10_000 + 10) as i64;
        assert!(cache.get(last, Lang::ZhCn, (2, 1)).is_some(), "the newest entry is kept");
        assert!(cache.get(1, Lang::ZhCn, (2, 1)).is_none(), "past the budget the cache started afresh");
    }
}
