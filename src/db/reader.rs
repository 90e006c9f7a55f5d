//! Reads answered on the thread that asks for them.
//!
//! A SQLite read of one row by its key takes a few microseconds, a page of
//! the case list a few hundred. Handing such work to a database thread and
//! waking the asking thread again with the answer costs as much or more,
//! and on a machine's few cores the database threads would only take turns
//! with the HTTP workers anyway. The hottest reads of a request — its
//! bearer token, the stored view of a case, a page of the case list —
//! therefore run at once, on a connection of the asking thread's own. It is
//! opened on the thread's first read, with `query_only` so that nothing can
//! write through it, and kept for the thread's life. In WAL mode a reader
//! does not wait for the writer.
//! A read that fails here is done again by the caller on a database thread.
//!
//! PostgreSQL reads are round trips to another process, which would hold up
//! every request of the thread; there, and whenever the connection cannot
//! be opened, [`Reader::read`] hands the work back unrun and the caller
//! gives it to the database threads as before.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;

use super::{DatabaseUrl, DbConn, Manager};

/// Connections kept by one thread at most, one per reader (servers started
/// in one process, as tests do, each have a reader of their own).
const KEPT: usize = 4;

/// The page cache of a kept connection, in KiB.
const CACHE_KB: u32 = 16_000;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static OWN: RefCell<Vec<(u64, DbConn)>> = const { RefCell::new(Vec::new()) };
}

/// Opens and hands out the threads' own read-only connections.
#[derive(Debug)]
pub struct Reader {
    id: u64,
    manager: Option<Manager>,
}

impl Reader {
    /// A reader of the manager's database; for PostgreSQL, one that never
    /// reads.
    pub fn new(manager: Manager) -> Self {
        let manager = matches!(manager.url, DatabaseUrl::Sqlite(_)).then_some(manager);
        Self { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), manager }
    }

    /// Runs `f` at once on this thread's own read-only connection, opening
    /// it first if need be; hands `f` back unrun when reads are not done
    /// here.
    pub fn read<T, F: FnOnce(&mut DbConn) -> T>(&self, f: F) -> Result<T, F> {
        let Some(manager) = self.manager.as_ref() else { return Err(f) };
        OWN.with(|own| {
            let Ok(mut own) = own.try_borrow_mut() else { return Err(f) };
            let at = match own.iter().position(|(id, _)| *id == self.id) {
                Some(at) => at,
                None => {
                    let Some(conn) = open(manager) else { return Err(f) };
                    if own.len() == KEPT {
                        own.remove(0);
                    }
                    own.push((self.id, conn));
                    own.len() - 1
                }
            };
            Ok(f(&mut own[at].1))
        })
    }
}

fn open(manager: &Manager) -> Option<DbConn> {
    let mut conn = manager.open().ok()?;
    // A read that finds the database busy (recovering after a crash, say)
    // gives up soon rather than hold up the thread's other requests. Each
    // HTTP worker has one such connection and every list and case read of
    // the worker goes through it, so it keeps a larger page cache (16 MB,
    // against SQLite's 2 MB) to answer from memory instead of reading pages
    // from the file again.
    conn.batch_execute(&format!("PRAGMA query_only = ON; PRAGMA busy_timeout = 20; PRAGMA cache_size = -{}", CACHE_KB))
        .ok()?;
    Some(conn)
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use super::*;
    use crate::db::SqliteSync;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(conn: &mut DbConn) -> i64 {
        diesel::sql_query("SELECT count(*) AS n FROM t").get_result::<Count>(conn).map(|c| c.n).expect("count")
    }

    #[test]
    fn reads_see_each_commit_and_cannot_write() {
        let dir = tempfile::tempdir().expect("dir");
        let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("r.db").display()).parse().expect("url");
        let manager = Manager::new(url, SqliteSync::Normal);
        let mut writer = manager.open().expect("writer");
        writer.batch_execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)").expect("table");

        let reader = Reader::new(manager.clone());
        assert_eq!(reader.read(count).ok(), Some(1));
        writer.batch_execute("INSERT INTO t VALUES (2)").expect("insert");
        assert_eq!(reader.read(count).ok(), Some(2), "the kept connection sees the new commit");

        let refused = reader.read(|conn| conn.batch_execute("INSERT INTO t VALUES (3)")).ok().expect("read here");
        assert!(refused.is_err(), "the reader's connection refuses writes");
        assert_eq!(reader.read(count).ok(), Some(2));

        // Another thread opens a connection of its own.
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(reader.read(count).ok(), Some(2)));
        });
    }

    #[test]
    fn postgres_reads_are_never_done_here() {
        let url: DatabaseUrl = "postgres://nobody@127.0.0.1:1/none".parse().expect("url");
        let reader = Reader::new(Manager::new(url, SqliteSync::Normal));
        assert!(reader.read(|_| ()).is_err(), "handed back unrun");
    }
}
