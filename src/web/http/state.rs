//! What every handler shares.

use std::sync::Arc;

use actix_web::web;
use chrono::TimeDelta;

use crate::app::error::{AppError, AppResult};
use crate::db::Db;
use crate::web::http::cookies::Cookies;

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
    /// The database.
    pub db: Db,
    /// Cookie encryption and naming.
    pub cookies: Cookies,
    /// Settings.
    pub config: Arc<WebConfig>,
}

/// The state, from a request's app data.
pub fn state_of(req: &actix_web::HttpRequest) -> AppResult<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}
