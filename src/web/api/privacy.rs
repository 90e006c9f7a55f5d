//! A party's request to see what the committee holds about them.

use actix_web::{HttpResponse, http::header, web};

use crate::app::error::AppResult;
use crate::domain::account::Role;
use crate::web::http::context::SignedIn;
use crate::web::http::state::AppState;

/// Everything stored about a party, as JSON (administrators; recorded in the
/// audit chain).
#[utoipa::path(get, path = "/api/v1/parties/{id}/export", tag = "privacy", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Party id")),
    responses((status = 200, content_type = "application/json", description = "The party, their cases, complaints, signatures, follow-up answers, archived documents and audit events"),
              (status = 403, content_type = "application/problem+json"), (status = 404, content_type = "application/problem+json")))]
pub async fn export_party(state: web::Data<AppState>, user: SignedIn, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let admin = user.require(&[Role::Admin])?;
    let id = path.into_inner();
    let export = crate::app::privacy::export_party(&state.db, admin, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"party-{id}.json\"")))
        .json(export))
}
