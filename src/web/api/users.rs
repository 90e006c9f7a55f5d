//! Users over the API (administrators).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::app::users::{self as act, UserView};
use crate::domain::account::Role;
use crate::domain::commands::admin::AccountFields;
use crate::web::http::context::SignedIn;
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

/// A user to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserBody {
    /// Sign-in name: 3–32 of a-z 0-9 . _ -
    #[serde(default)]
    #[schema(required)]
    pub username: String,
    /// Name shown on screens and documents (default: the username).
    pub display_name: Option<String>,
    /// admin, mediator, grid_worker or staff.
    #[serde(default)]
    #[schema(required)]
    pub role: String,
    /// 12–128 characters, not common, not the username.
    #[serde(default)]
    #[schema(required)]
    pub password: String,
    /// Committee (default: the administrator's own; others only for the
    /// installation's administrators).
    pub committee_id: Option<i64>,
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewUserBody,
    responses((status = 201, body = UserView), (status = 403, content_type = "application/problem+json"),
        (status = 409, description = "Username taken", content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn create_user(
    state: web::Data<AppState>,
    user: SignedIn,
    ApiJson(body): ApiJson<NewUserBody>,
) -> AppResult<HttpResponse> {
    let admin = user.require(&[Role::Admin])?;
    let fields = AccountFields {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        password: body.password,
        committee_id: body.committee_id,
    };
    let created = act::create_user(&state.db, admin, fields).await?;
    Ok(HttpResponse::Created().json(UserView::from(created)))
}

/// The users of the administrator's committee.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserView]), (status = 403, content_type = "application/problem+json")))]
pub async fn list_users(state: web::Data<AppState>, user: SignedIn) -> AppResult<HttpResponse> {
    let committee_id = user.require(&[Role::Admin])?.committee_id;
    let list = act::list_users(&state.db, committee_id).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(UserView::from).collect::<Vec<_>>()))
}
