//! Typed settings from environment variables and flags.

use std::path::PathBuf;
use std::time::Duration;

use chrono::TimeDelta;
use clap::Args;

use crate::data_key::KeySource;
use crate::db::{Backend, DatabaseUrl, PoolOptions, SqliteSync, UnsupportedDatabaseUrl};
use crate::secret::Secret;

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// sqlite://PATH (default) or postgres://USER:PASSWORD@HOST/DB
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://hesheng.db", hide_env_values = true)]
    pub database_url: String,
    /// SQLite commit durability: normal survives a killed process, full also a power cut
    #[arg(long, env = "HESHENG_SQLITE_SYNC", default_value = "normal", value_parser = sqlite_sync_parser())]
    pub sqlite_sync: SqliteSync,
    /// Most database connections per instance (default: per CPU core four on SQLite, eight on PostgreSQL)
    #[arg(long, env = "HESHENG_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// Seconds a request waits for a database connection before a 503
    #[arg(long, env = "HESHENG_DB_ACQUIRE_TIMEOUT", default_value_t = 5)]
    pub db_acquire_timeout: u64,
    /// Seconds to keep trying, each failure logged, when the database cannot be reached at start (0: exit at once)
    #[arg(long, env = "HESHENG_DB_WAIT", default_value_t = 0)]
    pub db_wait: u64,
    /// A PostgreSQL streaming replica that serves reports (postgres://…), keeping that reading off the primary
    #[arg(long, env = "HESHENG_REPLICA_URL", hide_env_values = true)]
    pub replica_url: Option<String>,
    /// Key sealing phone and identity numbers: 32 bytes as base64 or hex; during a rotation the new key, a comma, and the old ones
    #[arg(long, env = "HESHENG_DATA_KEY", hide_env_values = true)]
    pub data_key: Option<String>,
    /// File holding the data key when HESHENG_DATA_KEY is unset, made on first start [default: the SQLite file's path + .key; ./hesheng-data.key for PostgreSQL]
    #[arg(long, env = "HESHENG_DATA_KEY_FILE")]
    pub data_key_file: Option<PathBuf>,
    /// File the audit chain's heads are anchored in, outside the database (keep it apart from the backups) [default: the SQLite file's path + .anchors; ./hesheng-audit.anchors for PostgreSQL]
    #[arg(long, env = "HESHENG_AUDIT_ANCHOR_FILE")]
    pub audit_anchor_file: Option<PathBuf>,
}

/// `normal` or `full`, listed in the help and in the error for anything else.
fn sqlite_sync_parser() -> impl clap::builder::TypedValueParser<Value = SqliteSync> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["normal", "full"])
        .map(|s: String| if s == "full" { SqliteSync::Full } else { SqliteSync::Normal })
}

/// Settings of `hesheng serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address and port to listen on
    #[arg(long, env = "HESHENG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Absolute URL users reach the app at (printed in QR codes); default http:// + bind address
    #[arg(long, env = "HESHENG_BASE_URL")]
    pub base_url: Option<String>,
    /// Key for encrypting cookies (at least 32 characters); generated and kept in the database when unset
    #[arg(long, env = "HESHENG_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Minutes without a request after which a browser session ends
    #[arg(long, env = "HESHENG_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,
    /// Hours after sign-in after which a browser session ends regardless
    #[arg(long, env = "HESHENG_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u32,
    /// Hours an API token stays valid
    #[arg(long, env = "HESHENG_TOKEN_TTL_HOURS", default_value_t = 24)]
    pub token_ttl_hours: u32,
    /// Worker threads serving HTTP (default: one per CPU core)
    #[arg(long, env = "HESHENG_WORKERS")]
    pub workers: Option<usize>,
    /// Take the client address for sign-in throttling from X-Forwarded-For (only behind a trusted proxy)
    #[arg(long, env = "HESHENG_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// Address and port of the HJ 212 listener for noise monitors (TCP); off when unset
    #[arg(long, env = "HESHENG_HJ212_BIND")]
    pub hj212_bind: Option<String>,
    /// Seconds after start of the first evaluation of monitored nights (then at 31 minutes past every hour); `off` leaves it to `hesheng monitor evaluate`
    #[arg(long, env = "HESHENG_NIGHTS_FIRST_RUN", default_value = "60")]
    pub nights_first_run: String,
    /// Days a monitor's readings are kept as they came; older ones are rolled up into hourly rows by the hourly runs (at least 90)
    #[arg(long, env = "HESHENG_READINGS_KEEP_DAYS", default_value_t = crate::db::monitor_readings::KEEP_DAYS_DEFAULT)]
    pub readings_keep_days: u32,
}

/// A setting has a value Hesheng cannot use.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// DATABASE_URL names no supported backend.
    #[error(transparent)]
    DatabaseUrl(#[from] UnsupportedDatabaseUrl),
    /// HESHENG_BASE_URL is not an absolute http(s) URL.
    #[error("HESHENG_BASE_URL must be an absolute http:// or https:// URL; got {0:?}")]
    BaseUrl(String),
    /// HESHENG_REPLICA_URL is not a PostgreSQL URL beside a PostgreSQL database.
    #[error("HESHENG_REPLICA_URL must be a postgres:// URL, and DATABASE_URL a PostgreSQL database too")]
    Replica,
    /// HESHENG_SECRET_KEY is too short.
    #[error("HESHENG_SECRET_KEY must be at least 32 characters long")]
    SecretTooShort,
    /// A duration is zero.
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    /// HESHENG_NIGHTS_FIRST_RUN is neither seconds nor `off`.
    #[error("HESHENG_NIGHTS_FIRST_RUN must be a number of seconds or `off`; got {0:?}")]
    NightsFirstRun(String),
    /// HESHENG_READINGS_KEEP_DAYS is below the least the database allows.
    #[error("HESHENG_READINGS_KEEP_DAYS must be at least 90 days; got {0}")]
    ReadingsKeepDays(u32),
}

/// Database settings, checked.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// Which backend and where.
    pub url: DatabaseUrl,
    /// SQLite durability.
    pub sqlite_sync: SqliteSync,
    /// Pool sizing.
    pub pool: PoolOptions,
    /// Where the key sealing personal data comes from.
    pub data_key: KeySource,
    /// Where the audit chain's heads are anchored.
    pub audit_anchors: PathBuf,
    /// How long to keep trying a database that cannot be reached at start.
    pub wait_at_start: Duration,
    /// A read replica for reports.
    pub replica: Option<DatabaseUrl>,
}

impl DatabaseSettings {
    /// Checks the database arguments.
    pub fn from_args(args: &DatabaseArgs) -> Result<Self, ConfigError> {
        let url: DatabaseUrl = args.database_url.parse()?;
        // SQLite's work is all on this machine's cores: four connections a
        // core keep them busy, and more only add each connection's page and
        // statement caches (about 7 MB each under load). A PostgreSQL
        // connection also waits on the network and the server, so twice as
        // many keep the cores busy.
        let pool_size = args.db_pool_size.unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
            let per_core = match url {
                DatabaseUrl::Sqlite(_) => 4,
                DatabaseUrl::Postgres(_) => 8,
            };
            u32::try_from(cores * per_core).unwrap_or(u32::MAX)
        });
        if pool_size == 0 {
            return Err(ConfigError::Zero("HESHENG_DB_POOL_SIZE"));
        }
        let data_key = match (&args.data_key, &args.data_key_file) {
            (Some(spec), _) => KeySource::Given(Secret::new(spec.clone())),
            (None, Some(path)) => KeySource::File(path.clone()),
            (None, None) => KeySource::File(match &url {
                DatabaseUrl::Sqlite(path) => PathBuf::from(format!("{path}.key")),
                DatabaseUrl::Postgres(_) => PathBuf::from("hesheng-data.key"),
            }),
        };
        let audit_anchors = args.audit_anchor_file.clone().unwrap_or_else(|| match &url {
            DatabaseUrl::Sqlite(path) => PathBuf::from(format!("{path}.anchors")),
            DatabaseUrl::Postgres(_) => PathBuf::from("hesheng-audit.anchors"),
        });
        let replica = match args.replica_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(raw) => match raw.parse()? {
                replica @ DatabaseUrl::Postgres(_) if url.backend() == Backend::Postgres => Some(replica),
                _ => return Err(ConfigError::Replica),
            },
        };
        Ok(Self {
            url,
            data_key,
            audit_anchors,
            sqlite_sync: args.sqlite_sync,
            wait_at_start: Duration::from_secs(args.db_wait),
            replica,
            pool: PoolOptions {
                max_size: pool_size,
                acquire_timeout: Duration::from_secs(args.db_acquire_timeout.max(1)),
            },
        })
    }
}

/// Settings of a serving instance, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Storage.
    pub database: DatabaseSettings,
    /// Listen address.
    pub bind: String,
    /// Absolute base URL without a trailing slash; empty: `http://` and the
    /// address actually bound.
    pub base_url: String,
    /// Cookie key material, if given.
    pub secret_key: Option<Secret>,
    /// Idle timeout of browser sessions.
    pub session_idle: TimeDelta,
    /// Absolute timeout of browser sessions.
    pub session_max: TimeDelta,
    /// Lifetime of API tokens.
    pub token_ttl: TimeDelta,
    /// HTTP worker threads.
    pub workers: Option<usize>,
    /// Whether X-Forwarded-For names the client.
    pub trust_proxy: bool,
    /// The clock the server reads (the system's; tests move it).
    pub clock: crate::time::Clock,
    /// The HJ 212 listener for noise monitors, when one is asked for.
    pub hj212: Option<Hj212Settings>,
    /// How long after start monitored nights are first evaluated; `None`
    /// when this server leaves them to `hesheng monitor evaluate`.
    pub nights_first_run: Option<Duration>,
    /// Days a monitor's readings are kept before they are rolled up into
    /// hourly rows.
    pub readings_keep_days: u32,
}

/// The HJ 212 listener's settings.
#[derive(Debug, Clone)]
pub struct Hj212Settings {
    /// Address and port to listen on.
    pub bind: String,
    /// A connection with nothing sent for this long is closed.
    pub idle_timeout: Duration,
    /// A frame begun and not complete within this long closes the connection
    /// (a device sends a frame in well under a second).
    pub frame_timeout: Duration,
    /// Connections served at once; more are closed on arrival.
    pub max_connections: usize,
    /// Refusals an address may earn within `strike_window` (a refused packet
    /// one, a connection closed for misbehaving ten) before its new
    /// connections are closed on arrival until the window has passed.
    pub address_strikes: u32,
    /// See `address_strikes`.
    pub strike_window: Duration,
}

impl Hj212Settings {
    /// The defaults, listening on `bind`.
    pub fn new(bind: String) -> Self {
        Self {
            bind,
            idle_timeout: Duration::from_secs(600),
            frame_timeout: Duration::from_secs(30),
            max_connections: 4096,
            address_strikes: 300,
            strike_window: Duration::from_secs(15 * 60),
        }
    }
}

impl Settings {
    /// Checks the serve arguments.
    pub fn from_args(args: &ServeArgs) -> Result<Self, ConfigError> {
        let base_url = match &args.base_url {
            Some(url) => {
                let url = url.trim().trim_end_matches('/');
                let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
                if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
                    return Err(ConfigError::BaseUrl(url.to_owned()));
                }
                url.to_owned()
            }
            None => String::new(),
        };
        let secret_key = match &args.secret_key {
            Some(k) if k.chars().count() < 32 => return Err(ConfigError::SecretTooShort),
            Some(k) => Some(Secret::new(k.clone())),
            None => None,
        };
        for (name, value) in [
            ("HESHENG_SESSION_IDLE_MINUTES", args.session_idle_minutes),
            ("HESHENG_SESSION_MAX_HOURS", args.session_max_hours),
            ("HESHENG_TOKEN_TTL_HOURS", args.token_ttl_hours),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        Ok(Self {
            database: DatabaseSettings::from_args(&args.database)?,
            bind: args.bind.clone(),
            base_url,
            secret_key,
            session_idle: TimeDelta::minutes(i64::from(args.session_idle_minutes)),
            session_max: TimeDelta::hours(i64::from(args.session_max_hours)),
            token_ttl: TimeDelta::hours(i64::from(args.token_ttl_hours)),
            workers: args.workers,
            trust_proxy: args.trust_proxy,
            clock: crate::time::Clock::system(),
            hj212: args
                .hj212_bind
                .as_ref()
                .filter(|b| !b.trim().is_empty())
                .map(|b| Hj212Settings::new(b.trim().to_owned())),
            nights_first_run: match args.nights_first_run.trim() {
                "off" => None,
                s => Some(Duration::from_secs(
                    s.parse().map_err(|_| ConfigError::NightsFirstRun(args.nights_first_run.clone()))?,
                )),
            },
            readings_keep_days: match args.readings_keep_days {
                days if days < crate::db::monitor_readings::KEEP_DAYS_AT_LEAST => {
                    return Err(ConfigError::ReadingsKeepDays(days));
                }
                days => days,
            },
        })
    }

    /// Whether cookies must be Secure and `__Host-` prefixed.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_args(url: &str, pool: Option<u32>) -> DatabaseArgs {
        DatabaseArgs {
            database_url: url.into(),
            sqlite_sync: SqliteSync::Normal,
            db_pool_size: pool,
            db_acquire_timeout: 5,
            db_wait: 0,
            replica_url: None,
            data_key: None,
            data_key_file: None,
            audit_anchor_file: None,
        }
    }

    #[test]
    fn the_pool_holds_four_or_eight_connections_per_core_unless_told_otherwise() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let size = |url: &str, pool| DatabaseSettings::from_args(&database_args(url, pool)).map(|s| s.pool.max_size);
        let pg = "postgres://u:p@localhost/h";
        assert_eq!(usize::try_from(size("sqlite://h.db", None).expect("sqlite")).expect("size"), cores * 4);
        assert_eq!(usize::try_from(size(pg, None).expect("postgres")).expect("size"), cores * 8);
        assert_eq!(size(pg, Some(3)).expect("told"), 3);
        assert!(matches!(size("sqlite://h.db", Some(0)), Err(ConfigError::Zero(_))));
    }
}
