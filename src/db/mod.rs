//! Storage: one diesel code base over SQLite and PostgreSQL.
//!
//! Backend-specific SQL lives only inside an explicit `match` on [`DbConn`].

pub mod agreements;
pub mod anchors;
pub mod archive;
pub mod audit;
pub mod case_views;
pub mod cases;
pub mod codes;
pub mod committees;
pub mod complaint_search;
pub mod complaints;
mod connection;
pub mod dashboard;
mod door;
pub mod executor;
pub mod follow_ups;
pub mod intake;
pub mod integrity;
pub mod investigations;
mod key_walk;
pub mod maintenance;
pub mod mediation;
pub mod monitor_nights;
pub mod monitor_readings;
pub mod monitors;
pub mod opening;
mod outage;
pub mod parties;
pub mod partitions;
pub mod portal;
mod postings;
pub mod print_queue;
pub mod privacy;
pub mod reader;
pub mod reports;
pub mod schema;
pub mod settings;
pub mod sign_in;
pub(crate) mod sql;
pub mod timeline;
pub mod users;

use std::fmt;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::R2D2Connection;
use diesel::result::Error as DieselError;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use connection::{
    ConnectError, DatabaseUrl, Manager, Pool, PoolOptions, PooledConn, SqliteSync, UnsupportedDatabaseUrl, connect,
    connect_waiting, init_tls, replica_pool,
};
pub use door::Db;
pub use outage::Outage;
pub use sql::{Sql, VALUES_PER_STATEMENT};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// The embedded default: one file, WAL.
    Sqlite(SqliteConnection),
    /// The scale-out backend shared by several app instances.
    Postgres(PgConnection),
}

/// The two storage backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The name used in `/healthz` and the logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl DbConn {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Migrations could not be applied.
#[derive(Debug, thiserror::Error)]
#[error("migration failed: {0}")]
pub struct MigrationError(String);

fn migration_error(e: impl fmt::Display) -> MigrationError {
    MigrationError(e.to_string())
}

/// Applies every pending migration of the connection's backend; returns how
/// many ran. On PostgreSQL an advisory lock keeps two starting instances from
/// migrating at once.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, MigrationError> {
    match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()).map_err(migration_error),
        DbConn::Postgres(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7370676)").map_err(migration_error)?;
            let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            c.batch_execute("SELECT pg_advisory_unlock(7370676)").map_err(migration_error)?;
            applied.map_err(migration_error)
        }
    }
}

/// Reverts every migration (down.sql in reverse order); returns how many.
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<usize, MigrationError> {
    match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgres(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(migration_error)
}

/// Reverts the newest migrations, down to and including the one whose
/// version ends with `suffix` (its number, e.g. `000018`); returns how many.
pub fn revert_migrations_through(conn: &mut DbConn, suffix: &str) -> Result<usize, MigrationError> {
    let mut reverted = 0;
    loop {
        let last = match conn {
            DbConn::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS),
            DbConn::Postgres(c) => c.revert_last_migration(POSTGRES_MIGRATIONS),
        }
        .map_err(migration_error)?;
        reverted += 1;
        if last.to_string().replace('-', "").ends_with(suffix) {
            return Ok(reverted);
        }
    }
}

/// The turn of this process's SQLite writers.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a transaction that holds the write lock from its first
/// statement: `BEGIN IMMEDIATE` on SQLite, so that concurrent writers queue
/// on the busy timeout instead of failing when a read lock cannot be
/// upgraded. On PostgreSQL writers serialise on the rows they lock. Inside
/// a transaction already open, `f` runs in a savepoint of it, so that an
/// error undoes only its own changes.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    let depth = <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        return conn.transaction(f);
    }
    // SQLite has one writer at a time. Writers of this process queue here,
    // woken in turn as each commits, instead of in SQLite's busy handler,
    // which polls with sleeps of up to 100 ms; other processes sharing the
    // file still wait in the busy handler.
    let _writer = match conn {
        DbConn::Sqlite(c) => {
            let turn = SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            Some(turn)
        }
        DbConn::Postgres(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            None
        }
    };
    match f(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(user_error) => match <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(user_error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// Why a write was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The record does not exist (or belongs to another committee).
    #[error("not found")]
    NotFound,
    /// The record's state does not allow the change.
    #[error("conflict: {0}")]
    Conflict(crate::domain::Invalid, Option<serde_json::Value>),
    /// Fields are invalid in the light of stored records.
    #[error("invalid: {0:?}")]
    Invalid(Vec<(String, crate::domain::Invalid)>),
    /// The database failed.
    #[error(transparent)]
    Db(DieselError),
    /// No connection or database thread came free in time, or too much
    /// work is waiting: try again shortly.
    #[error("busy: {0}")]
    Busy(String),
    /// The database is out of reach or takes no writes (see [`Outage`]).
    #[error("{0}")]
    Outage(Outage),
    /// The work was lost (its thread panicked or stopped, its batch failed).
    #[error("failed: {0}")]
    Failed(String),
}

impl From<DieselError> for WriteError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => WriteError::NotFound,
            other => WriteError::Db(other),
        }
    }
}

impl WriteError {
    /// A refusal of one field.
    pub fn field(field: impl Into<String>, problem: crate::domain::Invalid) -> Self {
        WriteError::Invalid(vec![(field.into(), problem)])
    }

    /// A conflict without extension members.
    pub fn conflict(problem: crate::domain::Invalid) -> Self {
        WriteError::Conflict(problem, None)
    }
}

/// `SELECT 1`, for the health check.
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.ping()
}

#[derive(diesel::QueryableByName)]
struct Lag {
    #[diesel(sql_type = diesel::sql_types::Double)]
    seconds: f64,
}

/// How many seconds a PostgreSQL standby's replay is behind: 0 when it
/// has replayed all it received (an idle primary writes nothing to lag
/// behind), else the age of the last transaction it replayed. SQLite has
/// no replicas: 0.
pub fn replica_lag(conn: &mut DbConn) -> QueryResult<f64> {
    use diesel::RunQueryDsl;
    match conn {
        DbConn::Sqlite(_) => Ok(0.0),
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT CAST(COALESCE(CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
             ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END, 0) AS double precision) AS seconds",
        )
        .get_result::<Lag>(c)
        .map(|lag| lag.seconds.max(0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_urls_select_their_backend() {
        let sqlite: DatabaseUrl = "sqlite://hesheng.db".parse().expect("sqlite url");
        assert_eq!(sqlite, DatabaseUrl::Sqlite("hesheng.db".into()));
        let absolute: DatabaseUrl = "sqlite:///var/lib/hesheng.db".parse().expect("absolute");
        assert_eq!(absolute, DatabaseUrl::Sqlite("/var/lib/hesheng.db".into()));
        let pg: DatabaseUrl = "postgresql://u:p@h/db".parse().expect("pg url");
        assert_eq!(pg.backend(), Backend::Postgres);
    }

    #[test]
    fn other_schemes_are_refused_with_the_accepted_forms_named() {
        for url in ["mysql://root@localhost/x", "hesheng.db", "sqlite://", "sqlite::memory:", ""] {
            let err = url.parse::<DatabaseUrl>().expect_err(url).to_string();
            assert!(err.contains("sqlite://PATH") && err.contains("postgres://"), "{err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn passwords_never_appear_when_a_url_is_shown() {
        let pg: DatabaseUrl = "postgres://hs:s3cret@db.example/hs".parse().expect("pg url");
        assert_eq!(pg.to_string(), "postgres://hs:***@db.example/hs");
        let err = "mysql://root:s3cret@h/x".parse::<DatabaseUrl>().expect_err("refused");
        assert!(!err.to_string().contains("s3cret"));
    }
}
