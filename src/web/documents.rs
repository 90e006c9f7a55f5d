//! Document downloads: the PDFs of a case and of an agreement.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::access::{CASE_WORK, EVERYONE};
use super::context::{RequestContext, SignedIn};
use super::error::{AppError, AppResult};
use super::render_errors::percent_encode;
use super::state::AppState;
use crate::db::committees;
use crate::documents::Rendered;
use crate::domain::language::Lang;
use crate::print::{self, Kind, PrintError, PrintSettings};

/// Language of a document.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DocumentQuery {
    /// zh-CN or en; default: English when the request or the committee asks
    /// for English, else Chinese.
    #[param(pattern = "^(zh-CN|en)?$")]
    pub lang: Option<String>,
}

impl From<PrintError> for AppError {
    fn from(e: PrintError) -> Self {
        match e {
            PrintError::NotFound | PrintError::NotApplicable => AppError::NotFound,
            PrintError::Db(e) => AppError::from(e),
            PrintError::Pdf(e) => AppError::Internal(anyhow::Error::new(e).context("rendering a document")),
        }
    }
}

/// The print settings of a request; `full_phones` for a mediator or an
/// administrator.
pub fn settings(
    state: &AppState,
    ctx: &RequestContext,
    query: &DocumentQuery,
    full_phones: bool,
) -> AppResult<PrintSettings> {
    let lang = match query.lang.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => Some(Lang::parse(l).map_err(|e| AppError::field("lang", e))?),
        // The committee's language applies unless the reader reads English.
        None => (ctx.lang == Lang::En).then_some(Lang::En),
    };
    Ok(PrintSettings { base_url: state.config.base_url.clone(), lang, full_phones })
}

/// A PDF answer; archived documents carry their SHA-256.
pub fn pdf_response(rendered: Rendered, name: &str, sha256: Option<&str>) -> HttpResponse {
    let mut response = HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename*=UTF-8''{}", percent_encode(name))))
        .body(rendered.bytes);
    if let Some(hash) = sha256.and_then(|h| HeaderValue::from_str(h).ok()) {
        response.headers_mut().insert(header::HeaderName::from_static("x-content-sha256"), hash);
    }
    response
}

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
    let (rendered, number) = state
        .db(move |conn| {
            let case = crate::db::cases::find(conn, user.committee_id, case_id)?;
            let rendered =
                print::render_case_document(conn, user.committee_id, case_id, kind, &settings, &user.actor())?;
            Ok((rendered, case.number))
        })
        .await?;
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
    let (pdf, number) = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let (_, case) = crate::db::agreements::find(conn, committee.id, id)?;
            let pdf = print::agreement_pdf(conn, committee.id, id, &settings, &user.actor())?;
            Ok((pdf, case.number))
        })
        .await?;
    let sha = pdf.archived_sha256.clone();
    Ok(pdf_response(pdf.rendered, &format!("{number}-agreement-{id}.pdf"), sha.as_deref()))
}
