//! Sign-in for programs: bearer tokens.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::app::sign_in::{authenticate, issue_token as issue, revoke_token as revoke};
use crate::domain::Invalid;
use crate::domain::fields::Fields;
use crate::web::http::auth::client_address;
use crate::web::http::context::{Credential, RequestContext, SignedIn};
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

/// Credentials for a token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Sign-in name.
    #[serde(default)]
    #[schema(required)]
    pub username: String,
    /// Password.
    #[serde(default)]
    #[schema(required)]
    pub password: String,
}

/// A new bearer token; it is shown once and stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
}

/// Issues a bearer token.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong username or password", content_type = "application/problem+json"),
        (status = 422, description = "A field is missing", content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts; see Retry-After", content_type = "application/problem+json"),
    )
)]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<TokenRequest>,
) -> AppResult<HttpResponse> {
    let mut f = Fields::new();
    for (field, value) in [("username", &body.username), ("password", &body.password)] {
        if value.is_empty() {
            f.push(field, Invalid::new("invalid.required"));
        }
    }
    f.finish()?;
    let client = client_address(&req, &state);
    let user = authenticate(&state.db, &body.username, &body.password, &client).await?;
    let (token, expires_at) = issue(&state.db, &user, state.config.token_ttl).await?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        token,
        token_type: "Bearer",
        expires_at: expires_at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true),
    }))
}

/// Revokes the bearer token of this request.
#[utoipa::path(
    delete, path = "/api/v1/auth/token", tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Revoked"), (status = 401, content_type = "application/problem+json"))
)]
pub async fn revoke_token(state: web::Data<AppState>, user: SignedIn, ctx: RequestContext) -> AppResult<HttpResponse> {
    let Some(Credential::Token(token_id)) = ctx.credential else {
        return Err(AppError::Unauthorized);
    };
    revoke(&state.db, &user.0, token_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
