//! Document downloads: the PDFs of a case and of an agreement.

use actix_web::{HttpResponse, web};

use crate::app::documents::{self, Kind};
use crate::app::error::{AppError, AppResult};
use crate::web::http::access::{CASE_WORK, EVERYONE};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::pdf::{DocumentQuery, pdf_response, settings};
use crate::web::http::state::AppState;

/// A document of a case as PDF.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{kind}.pdf", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"),
        ("kind" = String, Path, description = "application, acceptance, rights_notice, investigation, session_record, agreement, oral_agreement, follow_up, confirmation_application or volume"),
        DocumentQuery),
    responses((status = 200, content_type = "application/pdf", description = "The document"),
        (status = 404, description = "No such case, or the case has no such document yet", content_type = "application/problem+json")))]
pub async fn case_document(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<(i64, String)>,
    query: web::Query<DocumentQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let (case_id, file) = path.into_inner();
    let kind = file.strip_suffix(".pdf").and_then(Kind::parse).ok_or(AppError::NotFound)?;
    let settings = settings(&state, &ctx, &query, CASE_WORK.contains(&user.role()))?;
    let committee_id = user.committee_id;
    let number = documents::case_number(&state.db, committee_id, case_id).await?;
    let rendered = documents::case_document(&state.db, committee_id, case_id, kind, &settings, &user.actor()).await?;
    Ok(pdf_response(rendered, &format!("{number}-{}.pdf", kind.code()), None))
}

/// An agreement as PDF (the written agreement, or the register of an oral
/// one); once effective, the archived copy.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/pdf", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agreement id"), DocumentQuery),
    responses((status = 200, content_type = "application/pdf", description = "The agreement; X-Content-SHA256 names the archived copy"),
        (status = 404, content_type = "application/problem+json")))]
pub async fn agreement_pdf(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
    query: web::Query<DocumentQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let id = path.into_inner();
    let settings = settings(&state, &ctx, &query, CASE_WORK.contains(&user.role()))?;
    let committee_id = user.committee_id;
    let number = documents::agreement_case_number(&state.db, committee_id, id).await?;
    let pdf = documents::agreement_pdf(&state.db, committee_id, id, &settings, &user.actor()).await?;
    let sha = pdf.archived_sha256.clone();
    Ok(pdf_response(pdf.rendered, &format!("{number}-agreement-{id}.pdf"), sha.as_deref()))
}
