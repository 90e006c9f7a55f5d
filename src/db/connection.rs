//! Opening connections: the `DATABASE_URL` forms, the settings every
//! connection gets, and the pool.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;

use super::{Backend, DbConn};

/// A parsed `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` or `sqlite:PATH`.
    Sqlite(String),
    /// `postgres://…` or `postgresql://…`, passed to libpq unchanged.
    Postgres(String),
}

/// `DATABASE_URL` names no backend Hesheng speaks.
#[derive(Debug, thiserror::Error)]
#[error(
    "DATABASE_URL must be sqlite://PATH (an SQLite file) or postgres://USER:PASSWORD@HOST/DB (PostgreSQL); got {0:?}"
)]
pub struct UnsupportedDatabaseUrl(pub String);

impl FromStr for DatabaseUrl {
    type Err = UnsupportedDatabaseUrl;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let url = raw.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .filter(|p| !p.is_empty() && *p != ":memory:");
        match path {
            Some(path) => Ok(DatabaseUrl::Sqlite(path.to_owned())),
            None => Err(UnsupportedDatabaseUrl(redact(url))),
        }
    }
}

impl DatabaseUrl {
    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Shows the URL without its password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{path}"),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Replaces the password of `scheme://user:password@host` with `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// How SQLite syncs commits to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSync {
    /// WAL + NORMAL: every acknowledged commit survives a killed process.
    Normal,
    /// WAL + FULL: also survives a power cut, at one fsync per commit.
    Full,
}

/// Opens connections for the pool and prepares each one.
#[derive(Debug, Clone)]
pub struct Manager {
    pub(super) url: DatabaseUrl,
    sqlite_sync: SqliteSync,
}

/// A connection could not be opened or prepared.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the database {url}: {reason}")]
pub struct ConnectError {
    url: String,
    reason: String,
}

impl Manager {
    /// A manager for `url`.
    pub fn new(url: DatabaseUrl, sqlite_sync: SqliteSync) -> Self {
        Self { url, sqlite_sync }
    }

    /// The backend its connections talk to.
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    fn error(&self, reason: impl fmt::Display) -> ConnectError {
        // libpq's messages span several lines; the operator gets one.
        let reason = reason.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        ConnectError { url: self.url.to_string(), reason }
    }

    /// Opens one prepared connection.
    pub fn open(&self) -> Result<DbConn, ConnectError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).map_err(|e| self.error(e))?;
                conn.batch_execute(&sqlite_pragmas(self.sqlite_sync)).map_err(|e| self.error(e))?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                init_tls();
                let mut conn = PgConnection::establish(url).map_err(|e| self.error(e))?;
                conn.batch_execute("SET TIME ZONE 'UTC'").map_err(|e| self.error(e))?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }
}

/// Initialises OpenSSL, which libpq uses for TLS, without its exit-time
/// clean-up: by default OpenSSL frees its state when the process exits,
/// while other threads (a pool opening a connection, scheduled work) may
/// still be using it, which crashes the exit. Call before the first
/// PostgreSQL connection; later calls do nothing.
pub fn init_tls() {
    #[cfg(feature = "vendored-openssl")]
    openssl_sys::init();
}

/// Settings applied to every SQLite connection handed out by the pool.
///
/// `busy_timeout` comes first so that switching to WAL waits for other
/// connections instead of failing. In WAL mode a commit is appended to the
/// `-wal` file before SQLite returns, so with `synchronous = NORMAL` a commit
/// that was acknowledged is in the operating system's page cache and survives
/// the process being killed; only an OS crash or power cut can lose the last
/// commits, which `FULL` (one fsync per commit) prevents as well.
fn sqlite_pragmas(sync: SqliteSync) -> String {
    let synchronous = match sync {
        SqliteSync::Normal => "NORMAL",
        SqliteSync::Full => "FULL",
    };
    format!(
        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
    )
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        conn.ping().map_err(|e| self.error(e))
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// The connection pool.
pub type Pool = r2d2::Pool<Manager>;

/// A connection borrowed from the pool.
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Pool sizing.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection before a 503.
    pub acquire_timeout: Duration,
}

/// Opens one connection first, so that a wrong URL or an unreachable server
/// is reported at once with its real cause, then builds the pool.
pub fn connect(url: &DatabaseUrl, sqlite_sync: SqliteSync, options: PoolOptions) -> Result<Pool, ConnectError> {
    let manager = Manager::new(url.clone(), sqlite_sync);
    let first = manager.open()?;
    drop(first);
    r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(1))
        .connection_timeout(options.acquire_timeout)
        .build(manager.clone())
        .map_err(|e| manager.error(e))
}

/// As [`connect`]; but while the database cannot be reached, for at most
/// `wait`, tries again with growing pauses (up to five seconds), logging
/// each failure: for instances started before their database is up (a
/// machine booting, a failover under way).
pub fn connect_waiting(
    url: &DatabaseUrl,
    sqlite_sync: SqliteSync,
    options: PoolOptions,
    wait: Duration,
) -> Result<Pool, ConnectError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        match connect(url, sqlite_sync, options) {
            Ok(pool) => return Ok(pool),
            Err(e) if started.elapsed() + pause < wait => {
                let left = wait.saturating_sub(started.elapsed()).as_secs();
                tracing::warn!(error = %e, retry_in_ms = pause.as_millis(), seconds_left = left,
                    "database unreachable; trying again (HESHENG_DB_WAIT)");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The pool of a read replica. Built without connecting, so that a replica
/// down at start keeps no instance from serving: its work goes to the
/// primary until the replica answers (see [`super::Db::run_on_replica`]).
pub fn replica_pool(url: &DatabaseUrl, options: PoolOptions) -> Pool {
    r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(0))
        .connection_timeout(options.acquire_timeout)
        .build_unchecked(Manager::new(url.clone(), SqliteSync::Normal))
}
