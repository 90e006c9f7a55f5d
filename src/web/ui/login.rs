//! Sign-in for people: the form, the session cookie, sign-out.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::error::{AppError, AppResult};
use crate::app::sign_in::{authenticate, end_session, start_session};
use crate::random;
use crate::web::http::auth::client_address;
use crate::web::http::context::{Credential, RequestContext, SignedIn};
use crate::web::http::cookies::CookieName;
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render, render_with_status};

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageContext,
    next: String,
    username: String,
    error: Option<String>,
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only paths of this site are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    crate::web::http::redirect::local_or(next, "/")
}

/// Shows the sign-in form.
pub async fn login_form(
    req: HttpRequest,
    ctx: RequestContext,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    render(&LoginPage {
        page: PageContext::new(&ctx, &req),
        next: safe_next(query.next.as_deref()),
        username: String::new(),
        error: None,
    })
}

/// The sign-in form as posted.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Signs in: a new session id every time, the old session ended.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    // A control character in the page to return to is no link anyone
    // follows: refused before anything is checked or started.
    if form.next.as_deref().is_some_and(|n| n.chars().any(char::is_control)) {
        return Err(AppError::BadRequest(crate::domain::Invalid::new("error.bad_next")));
    }
    let next = safe_next(form.next.as_deref());
    let client = client_address(&req, &state);
    let user = match authenticate(&state.db, &form.username, &form.password, &client).await {
        Ok(user) => user,
        Err(error @ (AppError::WrongCredentials | AppError::TooManyRequests { .. })) => {
            let (status, key, retry) = match &error {
                AppError::TooManyRequests { retry_after_secs } => {
                    (StatusCode::TOO_MANY_REQUESTS, "login.throttled", Some(*retry_after_secs))
                }
                _ => (StatusCode::UNAUTHORIZED, "error.wrong_credentials", None),
            };
            let page = PageContext::new(&ctx, &req);
            let message = page.t(key);
            let mut response =
                render_with_status(&LoginPage { page, next, username: form.username, error: Some(message) }, status)?;
            if let Some(secs) = retry {
                response.headers_mut().insert(header::RETRY_AFTER, secs.into());
            }
            return Ok(response);
        }
        Err(other) => return Err(other),
    };

    let replaces = match ctx.credential {
        Some(Credential::Session(hash)) => Some(hash),
        _ => None,
    };
    let session_id = start_session(&state.db, &user, replaces).await?;
    let cookies = &state.cookies;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(cookies.encrypted(CookieName::Session, session_id, None))
        // A fresh CSRF token for the new session.
        .cookie(cookies.encrypted(CookieName::Csrf, random::token(), None))
        .finish())
}

/// Signs out: the session ends on the server, the cookie is removed.
pub async fn logout(state: web::Data<AppState>, ctx: RequestContext, user: SignedIn) -> AppResult<HttpResponse> {
    if let Some(Credential::Session(hash)) = ctx.credential {
        end_session(&state.db, &user.0, hash).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .cookie(state.cookies.removal(CookieName::Session))
        .finish())
}
