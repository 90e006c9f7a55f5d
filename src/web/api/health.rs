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
}

/// Runs `SELECT 1` on a pooled connection.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, description = "No database connection", content_type = "application/problem+json")))]
pub async fn health(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.db.ping().await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok", backend: state.db.backend().as_str() }))
}
