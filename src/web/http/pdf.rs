//! PDF answers, shared by the API and the pages: the document language a
//! request asks for, and the answer itself.

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::documents::PrintSettings;
use crate::app::error::{AppError, AppResult};
use crate::documents::Rendered;
use crate::domain::language::Lang;
use crate::web::http::context::RequestContext;
use crate::web::http::render_errors::percent_encode;
use crate::web::http::state::AppState;

/// Language of a document.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DocumentQuery {
    /// zh-CN or en; default: English when the request or the committee asks
    /// for English, else Chinese.
    #[param(pattern = "^(zh-CN|en)?$")]
    pub lang: Option<String>,
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
