//! Users over the API (administrators).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::api::ApiJson;
use super::context::SignedIn;
use super::error::{AppError, AppResult, FieldError};
use super::state::AppState;
use crate::db::users::{self, CreateUserError, NewUser, User};
use crate::domain::Invalid;
use crate::domain::account::{Role, Username, check_new_password, display_name, is_root_admin};
use crate::passwords;

/// A user to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Committee.
    pub committee_id: i64,
    /// Sign-in name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Whether the user may sign in.
    pub active: bool,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            committee_id: u.committee_id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            active: u.active,
        }
    }
}

/// Checks and creates a user for `admin`: the password is hashed on the
/// blocking pool; a taken name is a conflict.
pub async fn create_checked(state: &AppState, admin: &User, body: NewUserBody) -> AppResult<User> {
    let committee_id = body.committee_id.unwrap_or(admin.committee_id);
    if committee_id != admin.committee_id && !is_root_admin(admin.role(), admin.committee_id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let username = Username::parse(&body.username).map_err(|e| errors.push(FieldError::new("username", e))).ok();
    let shown = display_name(body.display_name.as_deref().unwrap_or(&body.username))
        .map_err(|e| errors.push(FieldError::new("display_name", e)))
        .ok();
    let role = Role::parse(&body.role).map_err(|e| errors.push(FieldError::new("role", e))).ok();
    if let Err(e) = check_new_password(&body.password, &body.username) {
        errors.push(FieldError::new("password", e));
    }
    let (Some(username), Some(display_name), Some(role)) = (username, shown, role) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let password = body.password;
    let password_hash = web::block(move || passwords::hash(&password)).await??;
    let new = NewUser { committee_id, username, display_name, role, password_hash };
    let actor = admin.actor();
    let created = state
        .db(move |conn| match users::create(conn, &actor, &new) {
            Ok(id) => Ok(users::find(conn, id)?),
            Err(CreateUserError::UsernameTaken) => Err(AppError::conflict(Invalid::new("conflict.username_taken"))),
            Err(CreateUserError::NoSuchCommittee) => {
                Err(AppError::field("committee_id", Invalid::new("invalid.no_such_committee")))
            }
            Err(CreateUserError::Db(e)) => Err(e.into()),
        })
        .await?;
    Ok(created)
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
    let admin = user.require(&[Role::Admin])?.clone();
    let created = create_checked(&state, &admin, body).await?;
    Ok(HttpResponse::Created().json(UserView::from(created)))
}

/// The users of the administrator's committee.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserView]), (status = 403, content_type = "application/problem+json")))]
pub async fn list_users(state: web::Data<AppState>, user: SignedIn) -> AppResult<HttpResponse> {
    let committee_id = user.require(&[Role::Admin])?.committee_id;
    let list = state.db(move |conn| Ok(users::list(conn, committee_id)?)).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(UserView::from).collect::<Vec<_>>()))
}
