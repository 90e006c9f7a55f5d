//! The public verification page: is this agreement genuine, in force, and
//! is this file the archived copy? No personal data is shown.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as FileBytes;
use actix_multipart::form::text::Text;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use sha2::{Digest, Sha256};

use crate::app::error::{AppError, AppResult};
use crate::db::{agreements, archive};
use crate::domain::clock::local_date;
use crate::web::http::context::RequestContext;
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render, render_with_status};

/// What the page shows of an agreement.
#[derive(Debug, Clone)]
pub struct VerifiedAgreement {
    /// The committee.
    pub committee: String,
    /// Case number.
    pub number: String,
    /// Version.
    pub version: i32,
    /// Document type message key.
    pub kind_key: &'static str,
    /// Status message key.
    pub status_key: String,
    /// Effective date.
    pub effective_date: String,
    /// SHA-256 of the canonical content.
    pub content_hash: String,
    /// Archived copies: language and SHA-256.
    pub archived: Vec<(String, String)>,
    /// The verification code.
    pub code: String,
}

/// The verification page.
#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    page: PageContext,
    found: Option<VerifiedAgreement>,
    upload: Option<UploadResult>,
    /// The upload form was sent without a file.
    no_file: bool,
}

/// What an uploaded file matched.
#[derive(Debug, Clone)]
pub struct UploadResult {
    /// The file's SHA-256.
    pub sha256: String,
    /// The agreement it is the archived copy of.
    pub matches: Option<VerifiedAgreement>,
}

fn verified(conn: &mut crate::db::DbConn, code: &str) -> AppResult<Option<VerifiedAgreement>> {
    let Some(a) = agreements::by_code(conn, code)? else {
        return Ok(None);
    };
    let (committee, case) = agreements::committee_of(conn, &a)?;
    let archived = archive::of_agreement(conn, a.id)?.into_iter().map(|x| (x.lang, x.sha256)).collect();
    Ok(Some(VerifiedAgreement {
        committee: committee.name,
        number: case.number,
        version: a.version,
        kind_key: if a.kind == "oral" { "doc.oral.title" } else { "doc.agreement.title" },
        status_key: format!("agreement_status.{}", a.status),
        effective_date: a
            .effective_at
            .map(|t| local_date(t, committee.utc_offset_minutes).to_string())
            .unwrap_or_default(),
        content_hash: a.content_hash.unwrap_or_default(),
        archived,
        code: a.verification_code.unwrap_or_default(),
    }))
}

/// The page with the code form and the upload box.
pub async fn verify_form(req: HttpRequest, ctx: RequestContext) -> AppResult<HttpResponse> {
    render(&VerifyPage { page: PageContext::new(&ctx, &req), found: None, upload: None, no_file: false })
}

/// What a verification code stands for; an unknown code is 404.
pub async fn verify_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    if code.len() > 40 {
        return Err(AppError::NotFound);
    }
    let found = state.db(move |conn| verified(conn, &code)).await?.ok_or(AppError::NotFound)?;
    render(&VerifyPage { page: PageContext::new(&ctx, &req), found: Some(found), upload: None, no_file: false })
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
        let page = VerifyPage { page: PageContext::new(&ctx, &req), found: None, upload: None, no_file: true };
        return render_with_status(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
    };
    let sha256 = hex::encode(Sha256::digest(&file.data));
    let lookup = sha256.clone();
    let matches = state
        .db(move |conn| match archive::by_sha256(conn, &lookup)? {
            Some(found) => {
                let a = agreements::find_any(conn, found.agreement_id)?;
                verified(conn, a.verification_code.as_deref().unwrap_or(""))
            }
            None => Ok(None),
        })
        .await?;
    render(&VerifyPage {
        page: PageContext::new(&ctx, &req),
        found: None,
        upload: Some(UploadResult { sha256, matches }),
        no_file: false,
    })
}
