//! `GET /api/v1/openapi.json`, generated from the handlers.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{committees, health, tokens, users};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Hesheng", description = "Records and documents of community mediation"),
    paths(
        health::health,
        tokens::issue_token,
        tokens::revoke_token,
        committees::create_committee,
        committees::get_committee,
        users::create_user,
        users::list_users,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Serves the OpenAPI document.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ApiDoc::openapi().to_json().unwrap_or_default())
}
