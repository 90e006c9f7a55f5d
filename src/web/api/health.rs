//! `GET /healthz`.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::web::http::state::AppState;

/// The health check answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The read replica serving reports, when one is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<ReplicaHealth>,
}

/// How the read replica is doing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplicaHealth {
    /// `ok`, or `unavailable` when it cannot be reached (reports then read
    /// the primary).
    pub status: &'static str,
    /// Seconds its replay is behind the primary; absent when unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<f64>,
}

/// Runs `SELECT 1` on a pooled connection, and asks the read replica, if
/// any, how far behind it is.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, description = "No database connection", content_type = "application/problem+json")))]
pub async fn health(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.db.ping().await?;
    let replica = state.db.replica_lag().await.map(|lag| match lag {
        Ok(seconds) => ReplicaHealth { status: "ok", lag_seconds: Some((seconds * 1000.0).round() / 1000.0) },
        Err(e) => {
            tracing::warn!(error = %e, "read replica unavailable");
            ReplicaHealth { status: "unavailable", lag_seconds: None }
        }
    });
    Ok(HttpResponse::Ok().json(Health { status: "ok", backend: state.db.backend().as_str(), replica }))
}
