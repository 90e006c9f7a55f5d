//! Opening the database: connecting, migrating, and installing the data
//! key before anything is written (every audit event is keyed with it).

use crate::config::DatabaseSettings;
use crate::data_key::{self, KeySource, Keyring, LoadError, Loaded};
use crate::db::parties::{self, ResealError, Resealed};
use crate::db::{self, ConnectError, DbConn, MigrationError, Pool, PooledConn, committees, settings as db_settings};

/// Why the database could not be opened and prepared.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The database could not be reached.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] MigrationError),
    /// A query during start-up failed.
    #[error("database error during start-up: {0}")]
    Query(#[from] diesel::result::Error),
    /// No connection was free.
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::Error),
    /// The data key cannot be read or made.
    #[error(transparent)]
    DataKey(#[from] LoadError),
    /// The stored personal data is sealed, and no key file was found.
    #[error(
        "personal data in this database is sealed under data key {id}, but {} does not exist: \
         set HESHENG_DATA_KEY or HESHENG_DATA_KEY_FILE, or restore the key file"
    , path.display())]
    DataKeyMissing {
        /// The file looked for.
        path: std::path::PathBuf,
        /// The key the data is sealed under.
        id: String,
    },
    /// The configured keys are not the one the data is sealed under.
    #[error(
        "personal data in this database is sealed under data key {id}, which is not among the configured keys \
         ({configured}); during a rotation give the new key, a comma, then the old one"
    )]
    DataKeyUnknown {
        /// The key the data is sealed under.
        id: String,
        /// The ids of the keys given.
        configured: String,
    },
    /// A stored value does not open.
    #[error("sealing personal data: {0}")]
    Reseal(#[from] ResealError),
}

/// Connects and migrates, without the data key (for copying the database).
pub fn connect_migrated(settings: &DatabaseSettings) -> Result<Pool, OpenError> {
    let pool = db::connect_waiting(&settings.url, settings.sqlite_sync, settings.pool, settings.wait_at_start)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    if let Some(cases) = db::cases::search_index::build_if_needed(&mut conn)? {
        tracing::info!(cases, "search index built");
    }
    if let Some(complaints) = db::complaint_search::build_if_needed(&mut conn)? {
        tracing::info!(complaints, "complaint search index built");
    }
    drop(conn);
    Ok(pool)
}

/// Connects, migrates, loads and installs the data key (sealing what is not
/// yet sealed under it; see [`prepare_data_key`]) and makes sure the
/// default committee exists. The key comes before any write, as every
/// audit event is keyed with it.
pub fn prepare_database(settings: &DatabaseSettings) -> Result<(Pool, Option<Resealed>), OpenError> {
    let pool = connect_migrated(settings)?;
    let mut conn = pool.get()?;
    let resealed = prepare_data_key(&mut conn, &settings.data_key)?;
    if committees::ensure_default(&mut conn)? {
        tracing::info!("default committee created");
    }
    drop(conn);
    Ok((pool, resealed))
}

/// The setting naming the key the stored personal data is sealed under.
pub const DATA_KEY_SETTING: &str = "data_key_id";

/// The setting naming the key the portal access codes are sealed and
/// keyed under.
pub const ACCESS_CODES_SETTING: &str = "access_codes_key_id";

/// Loads the data key (making the key file on a first start), checks that
/// it opens what is stored, seals under its current key whatever is not
/// yet, and installs it for the process. Returns what a full pass sealed,
/// when the database was not yet on the current key.
pub fn prepare_data_key(conn: &mut DbConn, source: &KeySource) -> Result<Option<Resealed>, OpenError> {
    let sealed_under = db_settings::get(conn, DATA_KEY_SETTING)?;
    let ring = match source.load()? {
        Loaded::Ring(ring) => ring,
        Loaded::Missing(path) => match sealed_under {
            Some(id) => return Err(OpenError::DataKeyMissing { path, id }),
            None => {
                let ring = data_key::create_key_file(&path)?;
                tracing::info!(path = %path.display(), "data key created; keep a copy apart from the backups");
                ring
            }
        },
    };
    if let Some(id) = &sealed_under
        && !ring.knows(id)
    {
        return Err(OpenError::DataKeyUnknown { id: id.clone(), configured: ring.ids().join(", ") });
    }
    // Access codes came to be sealed and keyed after phones were: a
    // database sealed before that is sealed once more, codes included.
    let codes_under = db_settings::get(conn, ACCESS_CODES_SETTING)?;
    let current = ring.current_id().to_owned();
    let up_to_date =
        sealed_under.as_deref() == Some(current.as_str()) && codes_under.as_deref() == Some(current.as_str());
    // Installed first: sealing records settings, whose audit events are
    // keyed with it.
    data_key::install(ring);
    let ring =
        data_key::installed().map_err(|e| OpenError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    let resealed = if up_to_date { None } else { Some(seal_all(conn, &ring)?) };
    Ok(resealed)
}

/// Seals every stored value under the current key and records that key.
pub fn seal_all(conn: &mut DbConn, ring: &Keyring) -> Result<Resealed, OpenError> {
    let resealed = parties::reseal(conn, ring)?;
    db_settings::put(conn, DATA_KEY_SETTING, ring.current_id())?;
    db_settings::put(conn, ACCESS_CODES_SETTING, ring.current_id())?;
    if resealed != Resealed::default() {
        tracing::info!(
            phones = resealed.phones,
            id_numbers = resealed.id_numbers,
            access_codes = resealed.access_codes,
            key = ring.current_id(),
            "personal data sealed"
        );
    }
    Ok(resealed)
}

/// One connection of a one-shot command, the database prepared as
/// [`prepare_database`] does; with what a first pass under a new key sealed.
pub fn open_one(settings: &DatabaseSettings) -> Result<(PooledConn, Option<Resealed>), OpenError> {
    let (pool, resealed) = prepare_database(settings)?;
    Ok((pool.get()?, resealed))
}

/// One connection of a one-shot command that reads no personal data (a
/// copy of the database): migrated, without the data key.
pub fn open_one_without_key(settings: &DatabaseSettings) -> Result<PooledConn, OpenError> {
    Ok(connect_migrated(settings)?.get()?)
}
