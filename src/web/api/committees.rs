//! Committees over the API.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::committees::{self as act, CommitteeView};
use crate::app::error::AppResult;
use crate::domain::account::Role;
use crate::domain::commands::admin::CommitteeFields;
use crate::web::http::context::SignedIn;
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

/// A committee to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommitteeBody {
    /// Full name.
    #[serde(default)]
    #[schema(required)]
    pub name: String,
    /// Abbreviation used in case numbers.
    #[serde(default)]
    #[schema(required)]
    pub abbreviation: String,
    /// GB 3096 zone class: 0, 1, 2, 3, 4a, 4b.
    #[serde(default)]
    #[schema(required)]
    pub zone_class: String,
    /// Night start (default 22:00).
    pub night_start: Option<String>,
    /// Night end (default 06:00).
    pub night_end: Option<String>,
    /// Case number pattern (default `（{year}）{abbr}人调字第{seq}号`).
    pub number_pattern: Option<String>,
    /// Document language: zh-CN (default) or en.
    pub language: Option<String>,
    /// Years personal data is kept after a case closes (default 10).
    pub retention_years: Option<i32>,
}

impl From<NewCommitteeBody> for CommitteeFields {
    fn from(b: NewCommitteeBody) -> Self {
        CommitteeFields {
            name: b.name,
            abbreviation: b.abbreviation,
            zone_class: b.zone_class,
            night_start: b.night_start,
            night_end: b.night_end,
            number_pattern: b.number_pattern,
            language: b.language,
            retention_years: b.retention_years,
        }
    }
}

/// Creates a committee (administrators of the installation).
#[utoipa::path(post, path = "/api/v1/committees", tag = "committees", security(("bearer" = [])),
    request_body = NewCommitteeBody,
    responses((status = 201, body = CommitteeView), (status = 403, content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn create_committee(
    state: web::Data<AppState>,
    user: SignedIn,
    ApiJson(body): ApiJson<NewCommitteeBody>,
) -> AppResult<HttpResponse> {
    let admin = user.require(&[Role::Admin])?;
    let committee = act::create_committee(&state.db, admin, body.into()).await?;
    Ok(HttpResponse::Created().json(CommitteeView::from(committee)))
}

/// One committee: the user's own; the installation's administrators see any.
#[utoipa::path(get, path = "/api/v1/committees/{id}", tag = "committees", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Committee id")),
    responses((status = 200, body = CommitteeView), (status = 404, content_type = "application/problem+json")))]
pub async fn get_committee(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let committee = act::committee(&state.db, &user.0, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(CommitteeView::from(committee)))
}
