//! The signed-in start page.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::context::{RequestContext, SignedIn};
use super::error::AppResult;
use super::pages::{PageContext, render};
use super::state::AppState;
use crate::db::committees;

/// The start page.
#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageContext,
    committee_name: String,
    role_label: String,
}

/// Shows the start page.
pub async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
) -> AppResult<HttpResponse> {
    let committee_id = user.0.committee_id;
    let committee = state.db(move |conn| Ok(committees::find(conn, committee_id)?)).await?;
    let page = PageContext::new(&ctx, &req);
    let role_label = page.t(&format!("role.{}", user.0.role().code()));
    render(&HomePage { page, committee_name: committee.name, role_label })
}
