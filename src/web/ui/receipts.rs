//! The receipt slips of a case, printed from the case page.

use actix_web::{HttpResponse, web};

use super::form::FormData;
use crate::app::error::AppResult;
use crate::web::http::access::CASE_WORK;
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::pdf::{DocumentQuery, pdf_response, settings};
use crate::web::http::state::AppState;

/// The receipt slips of a case, each with a PIN issued now (form field
/// `party`: only that party's), as PDF.
pub async fn print_receipts(
    state: web::Data<AppState>,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?;
    let only = form.number::<i64>("party");
    let settings = settings(&state, &ctx, &DocumentQuery { lang: None }, false)?;
    let (rendered, number) =
        crate::app::portal::print_receipts(&state.db, user, path.into_inner(), only, &settings).await?;
    Ok(pdf_response(rendered, &format!("{number}-receipts.pdf"), None))
}
