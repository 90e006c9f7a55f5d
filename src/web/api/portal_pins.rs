//! Portal credentials: a new PIN for a party who lost their slip, and the
//! receipt slips of a case. Issuing a PIN is a mediator's or an
//! administrator's act, audited; only the PIN's keyed hash is kept.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::db::parties;
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
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let pin = state.db(move |conn| Ok(parties::issue_pin(conn, &user.actor(), user.committee_id, id)?)).await?;
    Ok(HttpResponse::Ok().json(PinView { pin }))
}

/// The receipt slips of a case, each with a PIN issued now (form field
/// `party`: only that party's), as PDF.
pub async fn print_receipts(
    state: web::Data<AppState>,
    ctx: crate::web::http::context::RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    mut form: crate::web::ui::form::FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let case_id = path.into_inner();
    let only = form.number::<i64>("party");
    let settings =
        crate::web::http::pdf::settings(&state, &ctx, &crate::web::http::pdf::DocumentQuery { lang: None }, false)?;
    let (rendered, number) = state
        .db(move |conn| {
            let case = crate::db::cases::find(conn, user.committee_id, case_id)?;
            let now = Utc::now().naive_utc();
            let rendered =
                crate::app::documents::receipts(conn, user.committee_id, case_id, only, &settings, &user.actor(), now)?;
            Ok((rendered, case.number))
        })
        .await?;
    Ok(crate::web::http::pdf::pdf_response(rendered, &format!("{number}-receipts.pdf"), None))
}
