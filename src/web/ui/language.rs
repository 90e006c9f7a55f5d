//! The language switch.

use actix_web::cookie::time::Duration;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::error::{AppError, AppResult};
use crate::domain::language::Lang;
use crate::web::http::context::RequestContext;
use crate::web::http::cookies::CookieName;
use crate::web::http::state::AppState;

/// The switch as posted.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
    /// Also make it the signed-in user's own language (`true`).
    remember: Option<String>,
}

/// Remembers the language for this browser (a cookie, which pages follow
/// before the account's setting); the signed-in user's own language
/// changes only when they ask for it (`remember`). Then returns to the page.
pub async fn switch_language(
    state: web::Data<AppState>,
    ctx: RequestContext,
    form: web::Form<LanguageForm>,
) -> AppResult<HttpResponse> {
    let lang = Lang::parse(&form.lang).map_err(|e| AppError::field("lang", e))?;
    if let Some(user) = ctx.user.filter(|_| form.remember.as_deref() == Some("true")) {
        crate::app::users::set_language(&state.db, &user, lang).await?;
    }
    let next = crate::web::http::redirect::local_or(form.next.as_deref(), "/");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(state.cookies.plain(CookieName::Lang, lang.code().to_owned(), Duration::days(365)))
        .finish())
}
