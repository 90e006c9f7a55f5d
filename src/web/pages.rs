//! What every page template gets, and rendering a page into a response.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::context::RequestContext;
use super::error::{AppError, AppResult};
use crate::domain::Invalid;
use crate::domain::account::Role;
use crate::domain::language::Lang;
use crate::i18n;

/// The signed-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct UserBadge {
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
}

/// The part of every page that the base layout uses.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// The page's language.
    pub lang: Lang,
    /// The signed-in user, if any.
    pub user: Option<UserBadge>,
    /// The CSRF token every form carries.
    pub csrf_token: String,
    /// The current path and query, to come back to after switching language.
    pub path: String,
}

impl PageContext {
    /// The context of the page answering `req`.
    pub fn new(ctx: &RequestContext, req: &HttpRequest) -> Self {
        Self {
            lang: ctx.lang,
            user: ctx.user.as_ref().map(|u| UserBadge { display_name: u.display_name.clone(), role: u.role() }),
            csrf_token: ctx.csrf_token.clone(),
            path: req.uri().path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        }
    }

    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// A refusal in the page's language.
    pub fn invalid(&self, invalid: &Invalid) -> String {
        i18n::t_invalid(self.lang, invalid)
    }

    /// The languages offered by the switch.
    pub fn languages(&self) -> [Lang; 2] {
        Lang::ALL
    }

    /// Whether the signed-in user has one of `roles` (for showing links).
    pub fn user_is(&self, roles: &[&str]) -> bool {
        self.user.as_ref().is_some_and(|u| roles.contains(&u.role.code()))
    }
}

/// Renders a page template as a 200 response.
pub fn render<T: Template>(template: &T) -> AppResult<HttpResponse> {
    let html = template.render().map_err(|e| AppError::Internal(anyhow::Error::new(e).context("template")))?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

/// Marks a response whose error status comes with a body of its own (a form
/// shown again with its errors), which the error renderer leaves alone.
#[derive(Debug, Clone, Copy)]
pub struct OwnBody;

/// Renders a page template with an error status (e.g. 422 for a form with
/// errors), keeping the page.
pub fn render_with_status<T: Template>(template: &T, status: actix_web::http::StatusCode) -> AppResult<HttpResponse> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    response.extensions_mut().insert(OwnBody);
    Ok(response)
}
