//! What every handler shares.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use actix_web::web;
use chrono::TimeDelta;

use super::cookies::Cookies;
use super::error::{AppError, AppResult};
use crate::db::executor::{Executor, Refused};
use crate::db::{Backend, DbConn, Pool};

/// Per-instance web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Absolute base URL, no trailing slash.
    pub base_url: String,
    /// Idle timeout of browser sessions.
    pub session_idle: TimeDelta,
    /// Absolute timeout of browser sessions.
    pub session_max: TimeDelta,
    /// API token lifetime.
    pub token_ttl: TimeDelta,
    /// Whether X-Forwarded-For names the client.
    pub trust_proxy: bool,
    /// The clock.
    pub clock: crate::time::Clock,
}

/// Application state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: Pool,
    /// The threads that do requests' database work with them.
    pub executor: Arc<Executor>,
    /// Which backend the pool talks to.
    pub backend: Backend,
    /// Cookie encryption and naming.
    pub cookies: Cookies,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// Case views waiting to be stored.
    pub views: Arc<crate::db::case_views::Writer>,
    /// Each thread's own read-only connection (SQLite).
    pub reader: Arc<crate::db::reader::Reader>,
    /// Complaints waiting to be written together.
    pub intake: Arc<super::intake::Intake>,
    /// Ends the background tasks when the state is dropped.
    pub stop: Arc<StopSignal>,
}

/// Background tasks wait on this; dropping it ends them.
#[derive(Debug, Default)]
pub struct StopSignal(Mutex<Vec<Sender<()>>>);

impl StopSignal {
    /// A receiver that reports disconnection once the signal is dropped.
    pub fn subscribe(&self) -> Receiver<()> {
        let (sender, receiver) = std::sync::mpsc::channel();
        if let Ok(mut senders) = self.0.lock() {
            senders.push(sender);
        }
        receiver
    }
}

impl AppState {
    /// Runs the read `f` at once on this thread's own connection where the
    /// backend allows (see [`crate::db::reader`]), else as [`AppState::db`]
    /// does; so too when it fails here, so that a database busy for a moment
    /// is waited for on a database thread. Only for reads of a few rows by
    /// key: it holds up the thread's other requests while it runs.
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Clone + Send + 'static,
        T: Send + 'static,
    {
        match self.reader.read(f.clone()) {
            Ok(Ok(answer)) => Ok(answer),
            _ => self.db(f).await,
        }
    }

    /// Runs `f` with a pooled connection on one of the database threads.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.executor
            .run(move |pool| {
                let mut conn = pool.get()?;
                f(&mut conn)
            })
            .await
            .map_err(|refused| match refused {
                Refused::Waited(_) => AppError::Unavailable(refused.to_string()),
                Refused::Panicked | Refused::Stopped => AppError::Internal(refused.into()),
            })?
    }
}

/// The state, from a request's app data.
pub fn state_of(req: &actix_web::HttpRequest) -> AppResult<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}
