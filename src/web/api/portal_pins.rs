//! Portal credentials over the API: a new PIN for a party who lost their
//! slip. Issuing a PIN is a mediator's or an administrator's act, audited;
//! only the PIN's keyed hash is kept.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::web::http::access::CASE_WORK;
use crate::web::http::context::SignedIn;
use crate::web::http::state::AppState;

/// A PIN, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinView {
    /// Six digits.
    pub pin: String,
}

/// Issues a party a new portal PIN (the old one stops working) and answers
/// it once; it is not stored anywhere but as a keyed hash.
#[utoipa::path(post, path = "/api/v1/parties/{id}/portal-pin", tag = "privacy", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Party id")),
    responses((status = 200, body = PinView), (status = 401, content_type = "application/problem+json"),
        (status = 403, content_type = "application/problem+json"), (status = 404, content_type = "application/problem+json")))]
pub async fn issue_portal_pin(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?;
    let pin = crate::app::portal::issue_pin(&state.db, user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(PinView { pin }))
}
