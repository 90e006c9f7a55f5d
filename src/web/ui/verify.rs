//! The public verification page: is this agreement genuine, in force, and
//! is this file the archived copy? No personal data is shown.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as FileBytes;
use actix_multipart::form::text::Text;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use sha2::{Digest, Sha256};

use crate::app::error::AppResult;
use crate::app::verification::{self, VerifiedAgreement};
use crate::web::http::context::RequestContext;
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render, render_with_status};

/// The verification page.
#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    page: PageContext,
    found: Option<VerifiedAgreement>,
    upload: Option<UploadResult>,
    /// The upload form was sent without a file.
    no_file: bool,
    /// A code that names no agreement, as asked.
    unknown: Option<String>,
}

/// What an uploaded file matched.
#[derive(Debug, Clone)]
pub struct UploadResult {
    /// The file's SHA-256.
    pub sha256: String,
    /// The agreement it is the archived copy of.
    pub matches: Option<VerifiedAgreement>,
}

/// The page with the code form and the upload box.
pub async fn verify_form(req: HttpRequest, ctx: RequestContext) -> AppResult<HttpResponse> {
    render(&VerifyPage { page: PageContext::new(&ctx, &req), found: None, upload: None, no_file: false, unknown: None })
}

/// What a verification code stands for; an unknown code is 404.
pub async fn verify_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let page = PageContext::new(&ctx, &req);
    // No code is longer than 40 characters: one that is names nothing.
    let found = if code.chars().count() > 40 { None } else { verification::by_code(&state.db, code.clone()).await? };
    let code: String = code.chars().take(40).collect();
    match found {
        Some(found) => render(&VerifyPage { page, found: Some(found), upload: None, no_file: false, unknown: None }),
        // A clear verdict on the verification page itself, answered 404.
        None => render_with_status(
            &VerifyPage { page, found: None, upload: None, no_file: false, unknown: Some(code) },
            actix_web::http::StatusCode::NOT_FOUND,
        ),
    }
}

/// The code typed into the form.
#[derive(Debug, serde::Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: String,
}

/// Follows the code form to the code's page, the code written as printed
/// (spaces and dashes dropped, upper case); with no code, back to the form.
pub async fn lookup(query: web::Query<CodeQuery>) -> HttpResponse {
    let code: String = query.code.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
    let to = if code.is_empty() { "/verify".to_owned() } else { format!("/verify/{code}") };
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, to)).finish()
}

/// An uploaded PDF.
#[derive(Debug, MultipartForm)]
pub struct UploadForm {
    /// The file.
    #[multipart(limit = "3MB")]
    pub file: Option<FileBytes>,
    /// The CSRF token (checked by the middleware).
    pub csrf_token: Option<Text<String>>,
}

/// Checks an uploaded file's SHA-256 against the archive.
pub async fn verify_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    MultipartForm(form): MultipartForm<UploadForm>,
) -> AppResult<HttpResponse> {
    let Some(file) = form.file.filter(|f| !f.data.is_empty()) else {
        let page =
            VerifyPage { page: PageContext::new(&ctx, &req), found: None, upload: None, no_file: true, unknown: None };
        return render_with_status(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
    };
    let sha256 = hex::encode(Sha256::digest(&file.data));
    let matches = verification::by_pdf(&state.db, sha256.clone()).await?;
    render(&VerifyPage {
        page: PageContext::new(&ctx, &req),
        found: None,
        upload: Some(UploadResult { sha256, matches }),
        no_file: false,
        unknown: None,
    })
}
