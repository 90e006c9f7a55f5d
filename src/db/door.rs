//! The one door to the database.
//!
//! Everything above `db/` reaches the database through a [`Db`]: it hides
//! the pool, the threads that do requests' database work
//! ([`super::executor`]), the threads' own read-only connections
//! ([`super::reader`]), the complaint intake ([`super::intake`]), the writer
//! of stored case views ([`super::case_views::Writer`]) and the periodic
//! maintenance ([`super::maintenance`]). Nothing outside `db/` opens a
//! connection or starts a thread of its own.

use std::sync::Arc;

use super::case_views::{self, Built};
use super::executor::{Executor, Refused};
use super::intake::{Intake, QUEUE, Recorded};
use super::maintenance::{self, Maintenance, StopSignal};
use super::reader::Reader;
use super::{Backend, DbConn, Manager, Pool, PoolOptions, WriteError};
use crate::domain::audit::Actor;
use crate::domain::commands::complaint::NewComplaint;

/// The database, as the application uses it. Cheap to clone; the threads
/// behind it end when the last clone is dropped.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    executor: Executor,
    reader: Reader,
    views: case_views::Writer,
    intake: Intake,
    /// A read replica for reports, if one is configured.
    replica: Option<Pool>,
    backend: Backend,
    stop: StopSignal,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.inner.backend).finish_non_exhaustive()
    }
}

impl From<Refused> for WriteError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Waited(_) => WriteError::Busy(refused.to_string()),
            Refused::Panicked | Refused::Stopped => WriteError::Failed(refused.to_string()),
        }
    }
}

impl From<r2d2::Error> for WriteError {
    fn from(e: r2d2::Error) -> Self {
        WriteError::Busy(e.to_string())
    }
}

impl Db {
    /// Starts the threads working with `pool`, whose connections `manager`
    /// opens: as many database threads as the pool has connections, the
    /// intake's writer, the views' writer; `replica`, if any, serves
    /// [`Db::run_on_replica`].
    pub fn start(pool: Pool, manager: Manager, options: PoolOptions, replica: Option<Pool>) -> std::io::Result<Self> {
        let threads = usize::try_from(options.max_size).unwrap_or(1);
        let executor = Executor::start(pool.clone(), threads, options.acquire_timeout)?;
        let intake = Intake::start(manager.clone(), QUEUE)?;
        let views = case_views::Writer::start(pool.clone());
        let backend = manager.backend();
        let reader = Reader::new(manager);
        let inner = Inner { pool, executor, reader, views, intake, replica, backend, stop: StopSignal::default() };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Connections the pool opens at most.
    pub fn pool_size(&self) -> u32 {
        self.inner.pool.max_size()
    }

    /// Runs `f` with a pooled connection on one of the database threads.
    /// Work that waited longer than the acquire timeout is refused unrun
    /// ([`WriteError::Busy`]).
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<WriteError> + Send + 'static,
    {
        self.inner
            .executor
            .run(move |pool| {
                let mut conn = pool.get().map_err(WriteError::from)?;
                f(&mut conn)
            })
            .await
            .map_err(|refused| E::from(WriteError::from(refused)))?
    }

    /// Runs the read `f` as [`Db::run`] does, but on the read replica when
    /// one is configured and answers: for long reads that may lag the
    /// primary by the replica's delay (reports). A replica out of reach
    /// costs the wait for a connection, then the read goes to the primary.
    pub async fn run_on_replica<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<WriteError> + Send + 'static,
    {
        let Some(replica) = self.inner.replica.clone() else {
            return self.run(f).await;
        };
        self.inner
            .executor
            .run(move |pool| {
                let mut conn = match replica.get() {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "read replica unreachable; reading from the primary");
                        pool.get().map_err(WriteError::from)?
                    }
                };
                f(&mut conn)
            })
            .await
            .map_err(|refused| E::from(WriteError::from(refused)))?
    }

    /// How far the read replica's replay is behind, in seconds: `None`
    /// without a replica, an error when it cannot be reached.
    pub async fn replica_lag(&self) -> Option<Result<f64, WriteError>> {
        let replica = self.inner.replica.clone()?;
        let lag = self
            .inner
            .executor
            .run(move |_| {
                let mut conn = replica.get().map_err(WriteError::from)?;
                super::replica_lag(&mut conn).map_err(WriteError::from)
            })
            .await
            .map_err(WriteError::from);
        Some(lag.and_then(|lag| lag))
    }

    /// Whether the database answers: `SELECT 1` on a pooled connection.
    pub async fn ping(&self) -> Result<(), WriteError> {
        self.run(|conn| super::ping(conn).map_err(WriteError::from)).await
    }

    /// Runs the read `f` at once on this thread's own connection where the
    /// backend allows (see [`super::reader`]), else as [`Db::run`] does; so
    /// too when it fails here, so that a database busy for a moment is
    /// waited for on a database thread. Only for reads of a few rows by
    /// key: it holds up the thread's other requests while it runs.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Clone + Send + 'static,
        T: Send + 'static,
        E: From<WriteError> + Send + 'static,
    {
        match self.inner.reader.read(f.clone()) {
            Ok(Ok(answer)) => Ok(answer),
            _ => self.run(f).await,
        }
    }

    /// Runs `f` on this thread's own read-only connection only, if there
    /// is one to be had; `None` otherwise (PostgreSQL, or a failed read):
    /// for the reads every request makes, which would rather be skipped
    /// than wait.
    pub fn read_here<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Option<T> {
        match self.inner.reader.read(f) {
            Ok(Ok(answer)) => Some(answer),
            _ => None,
        }
    }

    /// Runs `f` with a pooled connection on the calling thread, for work
    /// that is already off the HTTP workers (a print job's thread).
    pub fn run_blocking<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<WriteError>,
    {
        let mut conn = self.inner.pool.get().map_err(WriteError::from)?;
        f(&mut conn)
    }

    /// Runs `work` on a thread of its own, named `name`, handing it this
    /// door: for long work a request starts and does not wait for (a
    /// batch of documents to print).
    pub fn detach(&self, name: &str, work: impl FnOnce(Db) + Send + 'static) -> std::io::Result<()> {
        let db = self.clone();
        std::thread::Builder::new().name(name.into()).spawn(move || work(db)).map(|_| ())
    }

    /// Records a complaint, written together with the others waiting (see
    /// [`super::intake`]); answered once its transaction has committed.
    pub async fn record_complaint(&self, actor: Actor, new: NewComplaint) -> Result<Recorded, WriteError> {
        self.inner.intake.record(actor, new).await
    }

    /// Hands a case view just built to the thread that stores views.
    pub fn store_view(&self, built: Built) {
        self.inner.views.offer(built);
    }

    /// Starts the periodic maintenance (see [`super::maintenance`]); it ends
    /// with the last clone of this door.
    pub fn start_maintenance(&self, plan: Maintenance) {
        maintenance::start(&self.inner.pool, plan, &self.inner.stop);
    }
}
