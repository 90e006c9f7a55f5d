//! Committees over the API.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::api::ApiJson;
use super::context::SignedIn;
use super::error::{AppError, AppResult, FieldError};
use super::state::AppState;
use crate::db::committees::{self, Committee};
use crate::domain::account::{Role, is_root_admin};
use crate::domain::committee::{CommitteeInput, CommitteeSettings};

/// A committee to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

/// A committee.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitteeView {
    /// Id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Abbreviation.
    pub abbreviation: String,
    /// Number pattern.
    pub number_pattern: String,
    /// Zone class.
    pub zone_class: String,
    /// Night start.
    pub night_start: String,
    /// Night end.
    pub night_end: String,
    /// Language.
    pub language: String,
    /// Retention period in years.
    pub retention_years: i32,
}

impl From<Committee> for CommitteeView {
    fn from(c: Committee) -> Self {
        Self {
            id: c.id,
            name: c.name,
            abbreviation: c.abbreviation,
            number_pattern: c.number_pattern,
            zone_class: c.zone_class,
            night_start: c.night_start,
            night_end: c.night_end,
            language: c.language,
            retention_years: c.retention_years,
        }
    }
}

/// Checks committee settings.
pub fn settings_of(body: &NewCommitteeBody) -> AppResult<CommitteeSettings> {
    CommitteeSettings::parse(&CommitteeInput {
        name: &body.name,
        abbreviation: &body.abbreviation,
        zone_class: &body.zone_class,
        night_start: body.night_start.as_deref(),
        night_end: body.night_end.as_deref(),
        number_pattern: body.number_pattern.as_deref(),
        language: body.language.as_deref(),
        retention_years: body.retention_years,
    })
    .map_err(|errors| AppError::Validation(errors.into_iter().map(|(f, e)| FieldError::new(f, e)).collect()))
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
    if !is_root_admin(admin.role(), admin.committee_id) {
        return Err(AppError::Forbidden);
    }
    let actor = admin.actor();
    let settings = settings_of(&body)?;
    let committee = state
        .db(move |conn| {
            let id = committees::create(conn, &actor, &settings)?;
            Ok(committees::find(conn, id)?)
        })
        .await?;
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
    let id = path.into_inner();
    if user.0.committee_id != id && !is_root_admin(user.0.role(), user.0.committee_id) {
        return Err(AppError::NotFound);
    }
    let committee = state.db(move |conn| Ok(committees::find(conn, id)?)).await?;
    Ok(HttpResponse::Ok().json(CommitteeView::from(committee)))
}
