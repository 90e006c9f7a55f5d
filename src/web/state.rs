//! What every handler shares.

use std::sync::Arc;

use actix_web::web;
use chrono::TimeDelta;

use super::cookies::Cookies;
use super::error::{AppError, AppResult};
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
}

/// Application state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: Pool,
    /// Which backend the pool talks to.
    pub backend: Backend,
    /// Cookie encryption and naming.
    pub cookies: Cookies,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// Case views waiting to be stored.
    pub views: Arc<crate::db::case_views::Writer>,
    /// Complaints waiting to be written together.
    pub intake: Arc<super::intake::Intake>,
}

impl AppState {
    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}

/// The state, from a request's app data.
pub fn state_of(req: &actix_web::HttpRequest) -> AppResult<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}
