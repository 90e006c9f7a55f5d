//! Who is asking, in which language, and the CSRF check of every form.
//!
//! One middleware resolves the request's context before any handler runs:
//! the signed-in user (a browser session cookie, or a bearer token on the
//! API), the language (user setting, then cookie, then Accept-Language on
//! pages; Accept-Language first on the API), and for pages the CSRF token.
//! Every state-changing page request must carry that token in a form field
//! named `csrf_token`; the body is read here, checked and handed on.

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use subtle::ConstantTimeEq;

use crate::app::error::{AppError, AppResult};
use crate::app::sign_in as sign_in_act;
use crate::db::users::User;
use crate::domain::account::Role;
use crate::domain::language::Lang;
use crate::random;
use crate::web::http::cookies::{CookieName, Cookies};
use crate::web::http::state::state_of;

/// Largest page form body read for the CSRF check (multipart uploads
/// included); endpoint extractors set smaller limits of their own.
pub const PAGE_BODY_LIMIT: usize = 3 * 1024 * 1024;

/// How the user was identified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session (hash of its id).
    Session(String),
    /// An API token (its id).
    Token(i64),
}

/// The resolved context of one request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The reader's language.
    pub lang: Lang,
    /// The signed-in user, if any.
    pub user: Option<User>,
    /// How the user signed in.
    pub credential: Option<Credential>,
    /// The CSRF token forms of this page must carry.
    pub csrf_token: String,
    /// A message left by the previous action (key and argument).
    pub flash: Option<Flash>,
}

/// A one-time message shown on the page after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// Message key.
    pub key: String,
    /// Value of its `%{value}` placeholder.
    pub value: String,
}

impl Flash {
    /// The cookie form: `key|value`.
    pub fn encode(&self) -> String {
        format!("{}|{}", self.key, self.value)
    }

    fn decode(raw: &str) -> Option<Self> {
        let (key, value) = raw.split_once('|')?;
        (key.starts_with("flash.") && key.len() < 80).then(|| Self { key: key.to_owned(), value: value.to_owned() })
    }
}

impl RequestContext {
    /// The context of a request the middleware did not see.
    fn fallback(req: &HttpRequest) -> Self {
        Self {
            lang: accept_language(req).unwrap_or_default(),
            user: None,
            credential: None,
            csrf_token: String::new(),
            flash: None,
        }
    }
}

fn accept_language(req: &HttpRequest) -> Option<Lang> {
    req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::negotiate)
}

impl FromRequest for RequestContext {
    type Error = AppError;
    type Future = Ready<AppResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(req.extensions().get::<RequestContext>().cloned().unwrap_or_else(|| Self::fallback(req))))
    }
}

/// The signed-in user; 401 (pages: a redirect to sign in) otherwise.
#[derive(Debug, Clone)]
pub struct SignedIn(pub User);

impl SignedIn {
    /// Refuses with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<&User> {
        if roles.contains(&self.0.role()) { Ok(&self.0) } else { Err(AppError::Forbidden) }
    }
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Ready<AppResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = req.extensions().get::<RequestContext>().and_then(|c| c.user.clone());
        ready(user.map(SignedIn).ok_or(AppError::Unauthorized))
    }
}

/// Whether the path is served without any context (static files, health).
fn is_contextless(path: &str) -> bool {
    path.starts_with("/assets/") || path == "/healthz" || path == "/favicon.ico"
}

/// Whether the path belongs to the JSON API.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The middleware; see the module documentation. Its own refusals (401 for
/// a bad token, 403 for a missing CSRF token) become responses here.
pub async fn resolve(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_contextless(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let resolved = match establish(&mut req).await {
        Ok(resolved) => resolved,
        Err(error) => return Ok(req.error_response(error)),
    };
    let Resolved { csrf_token, new_csrf, stale_session, had_flash, cookies } = resolved;
    let mut res = next.call(req).await?.map_into_boxed_body();
    if new_csrf {
        res.response_mut().add_cookie(&cookies.encrypted(CookieName::Csrf, csrf_token, None))?;
    }
    if stale_session {
        res.response_mut().add_cookie(&cookies.removal(CookieName::Session))?;
    }
    // A flash is shown once: forget it unless the answer leaves a new one.
    let flash_name = CookieName::Flash.name(cookies.secure());
    if had_flash && !res.response().cookies().any(|c| c.name() == flash_name) {
        res.response_mut().add_cookie(&cookies.removal(CookieName::Flash))?;
    }
    Ok(res)
}

struct Resolved {
    csrf_token: String,
    new_csrf: bool,
    stale_session: bool,
    had_flash: bool,
    cookies: Cookies,
}

async fn establish(req: &mut ServiceRequest) -> AppResult<Resolved> {
    let state = state_of(req.request())?;
    let api = is_api(req.path());
    let safe = req.method().is_safe();
    let cookies = state.cookies.clone();

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned());
    let session_id = cookies.read(req.request(), CookieName::Session);

    let mut stale_session = false;
    // A monitor's readings carry the device's own token, checked by their handler.
    let device = crate::web::api::monitors::is_device_path(req.path());
    let (user, credential) = if let (true, false, Some(token)) = (api, device, bearer) {
        let (token_id, user) = sign_in_act::token_user(&state.db, token).await?;
        (Some(user), Some(Credential::Token(token_id)))
    } else if let (true, Some(id)) = (!api || safe, session_id) {
        match sign_in_act::session_user(&state.db, &id, state.config.session_idle, state.config.session_max).await? {
            Some((hash, user)) => (Some(user), Some(Credential::Session(hash))),
            None => {
                stale_session = true;
                (None, None)
            }
        }
    } else {
        (None, None)
    };

    let header_lang = accept_language(req.request());
    let cookie_lang = cookies.read_plain(req.request(), CookieName::Lang).and_then(|l| Lang::parse(&l).ok());
    let user_lang = user.as_ref().and_then(User::language);
    let lang =
        if api { header_lang.or(user_lang) } else { cookie_lang.or(user_lang).or(header_lang) }.unwrap_or_default();

    let (csrf_token, new_csrf) = if api {
        (String::new(), false)
    } else {
        match cookies.read(req.request(), CookieName::Csrf) {
            Some(token) => (token, false),
            None => (random::token(), true),
        }
    };
    // Set before the body is read, so that a refused request still gets
    // its context (language) for the error page.
    let flash = if api { None } else { cookies.read(req.request(), CookieName::Flash).and_then(|f| Flash::decode(&f)) };
    let had_flash = flash.is_some();
    req.extensions_mut().insert(RequestContext { lang, user, credential, csrf_token: csrf_token.clone(), flash });
    if !api && !safe {
        verify_csrf(req, &csrf_token, new_csrf).await?;
    }
    Ok(Resolved { csrf_token, new_csrf, stale_session, had_flash, cookies })
}

async fn verify_csrf(req: &mut ServiceRequest, expected: &str, cookie_is_new: bool) -> AppResult<()> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = read_body(req.take_payload(), PAGE_BODY_LIMIT).await?;
    let submitted = submitted_field(&content_type, &body, "csrf_token");
    req.set_payload(Payload::from(body));
    let valid = !cookie_is_new
        && submitted.is_some_and(|s| !s.is_empty() && bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
    if valid { Ok(()) } else { Err(AppError::Csrf) }
}

/// Reads a whole body, refusing one larger than `limit` with 413.
pub async fn read_body(mut payload: Payload, limit: usize) -> AppResult<Bytes> {
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::debug!(cause = %e, "unreadable request body");
            AppError::BadRequest(crate::domain::Invalid::new("error.bad_request"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The value of field `name` of a form body of either encoding. The media
/// type is compared without regard to case; the multipart boundary is
/// taken as sent (browsers send `----WebKitFormBoundary…`, in mixed case).
fn submitted_field(content_type: &str, body: &[u8], name: &str) -> Option<String> {
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media.as_str() {
        "application/x-www-form-urlencoded" => form_field(body, name),
        "multipart/form-data" => multipart_field(content_type, body, name),
        _ => None,
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// The value of a small text field of a multipart body.
fn multipart_field(content_type: &str, body: &[u8], name: &str) -> Option<String> {
    let boundary = content_type.split(';').find_map(|p| {
        let (key, value) = p.trim().split_once('=')?;
        key.trim().eq_ignore_ascii_case("boundary").then_some(value.trim())
    })?;
    let boundary = boundary.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let text = String::from_utf8_lossy(body);
    // What comes before the first delimiter is the preamble, not a part.
    text.split(delimiter.as_str()).skip(1).find_map(|part| {
        let (headers, value) = part.split_once("\r\n\r\n")?;
        let disposition = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
        disposition
            .split(';')
            .any(|p| p.trim() == wanted)
            .then(|| value.strip_suffix("\r\n").unwrap_or(value).to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_field_is_found_in_url_encoded_and_multipart_bodies() {
        assert_eq!(form_field(b"a=1&csrf_token=abc%2Bd&b=2", "csrf_token").as_deref(), Some("abc+d"));
        assert_eq!(form_field(b"a=1", "csrf_token"), None);
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n--XyZ\r\n\
                    Content-Disposition: form-data; name=\"seal\"; filename=\"s.png\"\r\nContent-Type: image/png\r\n\r\n\
                    PNGDATA\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        assert_eq!(multipart_field(ct, body.as_bytes(), "csrf_token").as_deref(), Some("tok123"));
        assert_eq!(multipart_field(ct, body.as_bytes(), "csrf"), None);
        assert_eq!(multipart_field("multipart/form-data", body.as_bytes(), "csrf_token"), None);
    }

    #[test]
    fn a_browser_s_mixed_case_boundary_is_taken_as_sent() {
        // Chrome, Edge, Safari and WeChat's browser all send this form.
        let boundary = "----WebKitFormBoundaryQx7AbCdEfGhIjKlM";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n--{boundary}--\r\n"
        );
        for ct in [
            format!("multipart/form-data; boundary={boundary}"),
            format!("Multipart/Form-Data; Boundary=\"{boundary}\""),
        ] {
            assert_eq!(submitted_field(&ct, body.as_bytes(), "csrf_token").as_deref(), Some("tok123"), "{ct}");
        }
        let lowered = format!("multipart/form-data; boundary={}", boundary.to_ascii_lowercase());
        assert_eq!(submitted_field(&lowered, body.as_bytes(), "csrf_token"), None, "a boundary is not case-folded");
        assert_eq!(
            submitted_field("Application/X-WWW-Form-Urlencoded", b"csrf_token=abc", "csrf_token").as_deref(),
            Some("abc")
        );
    }
}
