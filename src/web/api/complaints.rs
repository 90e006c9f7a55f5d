//! Complaints over the API.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::case_view::parts::ComplaintView;
use crate::app::complaints as act;
use crate::app::error::{AppError, AppResult};
use crate::db::complaints::ComplaintFilter;
use crate::domain::Invalid;
use crate::domain::commands::complaint::{ComplaintFields, PatternFields, ReporterFields};
use crate::domain::fields::Fields;
use crate::web::http::access::{CASE_WORK, EVERYONE};
use crate::web::http::context::SignedIn;
use crate::web::http::json::ApiJson;
use crate::web::http::pagination::{Page, PageParams};
use crate::web::http::state::AppState;

/// When the disturbance happens: words, or words with clock times and days.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PatternBody {
    /// Just words.
    Text(String),
    /// Words, times and days.
    Detailed {
        /// In the reporter's words.
        text: Option<String>,
        /// Usual start `HH:MM`.
        start: Option<String>,
        /// Usual end `HH:MM`.
        end: Option<String>,
        /// `daily`, `weekdays`, `weekends` or `mon,tue,…`.
        days: Option<String>,
    },
}

/// Who complained.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReporterBody {
    /// Name.
    #[serde(default)]
    #[schema(required)]
    pub name: String,
    /// Telephone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// A complaint to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComplaintBody {
    /// When received (RFC 3339); default now.
    #[schema(format = DateTime)]
    pub received_at: Option<String>,
    /// phone, wechat, visit, patrol, hotline or online.
    #[serde(default)]
    #[schema(required)]
    pub channel: String,
    /// noise, leak, nuisance, property or other.
    #[serde(default)]
    #[schema(required)]
    pub category: String,
    /// Where.
    #[serde(default)]
    #[schema(required)]
    pub location: String,
    /// What happens.
    #[serde(default)]
    #[schema(required)]
    pub description: String,
    /// When it happens.
    pub observed_pattern: Option<PatternBody>,
    /// Who complained; may be left out when anonymous.
    pub reporter: Option<ReporterBody>,
    /// The reporter asks not to be named.
    #[serde(default)]
    pub anonymous: bool,
}

impl From<NewComplaintBody> for ComplaintFields {
    fn from(b: NewComplaintBody) -> Self {
        ComplaintFields {
            received_at: b.received_at,
            channel: b.channel,
            category: b.category,
            location: b.location,
            description: b.description,
            observed_pattern: b.observed_pattern.map(|p| match p {
                PatternBody::Text(text) => PatternFields::Text(text),
                PatternBody::Detailed { text, start, end, days } => PatternFields::Detailed { text, start, end, days },
            }),
            reporter: b.reporter.map(|r| ReporterFields { name: r.name, phone: r.phone, address: r.address }),
            anonymous: b.anonymous,
        }
    }
}

/// The query of a record's GET: revealing contacts is not done by a GET
/// (a link on another site could make a browser do it); it is refused
/// with a pointer to the POST that does it.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RevealParams {
    /// No longer accepted: `POST …/contacts` reveals contact details.
    pub reveal: Option<String>,
}

impl RevealParams {
    /// Refuses `reveal=…` with where revealing is done now.
    pub fn refuse_reveal(&self) -> AppResult<()> {
        match self.reveal.as_deref() {
            None | Some("") => Ok(()),
            Some(_) => Err(AppError::BadRequest(crate::domain::Invalid::new("error.reveal_by_post"))),
        }
    }
}

/// Records a complaint.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", security(("bearer" = [])),
    request_body = NewComplaintBody,
    responses((status = 201, body = ComplaintView), (status = 422, content_type = "application/problem+json"),
        (status = 503, description = "Too many complaints are waiting to be written; nothing was written, see Retry-After",
            content_type = "application/problem+json")))]
pub async fn register_complaint(
    state: web::Data<AppState>,
    user: SignedIn,
    ApiJson(body): ApiJson<NewComplaintBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?;
    let view: ComplaintView = act::register_complaint(&state.db, user, body.into()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// One complaint; an anonymous complaint's reporter is not shown.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Complaint id")),
    responses((status = 200, body = ComplaintView), (status = 400, content_type = "application/problem+json"),
        (status = 401, content_type = "application/problem+json"), (status = 404, content_type = "application/problem+json")))]
pub async fn get_complaint(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    query: web::Query<RevealParams>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?;
    query.refuse_reveal()?;
    Ok(HttpResponse::Ok().json(act::complaint(&state.db, user, path.into_inner()).await?))
}

/// One complaint with its reporter's contact details in full — an anonymous
/// reporter's too: a mediator's or an administrator's act, recorded in the
/// audit chain.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/contacts", tag = "complaints", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Complaint id")),
    responses((status = 200, body = ComplaintView), (status = 401, content_type = "application/problem+json"),
        (status = 403, content_type = "application/problem+json"), (status = 404, content_type = "application/problem+json")))]
pub async fn reveal_complaint_contacts(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?;
    Ok(HttpResponse::Ok().json(act::reveal_complaint_contacts(&state.db, user, path.into_inner()).await?))
}

/// Filters of the complaint list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ComplaintQuery {
    /// Only complaints of this case.
    #[param(minimum = 1)]
    pub case_id: Option<i64>,
    /// `true`: only complaints in no case.
    pub unassigned: Option<bool>,
    /// Text in the location or description.
    pub q: Option<String>,
    /// Rows per page, 1–200.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Cursor of the next page.
    pub cursor: Option<String>,
}

/// Complaints, newest first.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", security(("bearer" = [])),
    params(ComplaintQuery),
    responses((status = 200, body = Page<ComplaintView>), (status = 401, content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn list_complaints(
    state: web::Data<AppState>,
    user: SignedIn,
    query: web::Query<ComplaintQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?;
    let q = query.into_inner();
    let mut f = Fields::new();
    let text = f.optional("q", q.q.as_deref(), crate::domain::search_text).flatten();
    if q.case_id.is_some_and(|id| id < 1) {
        f.push("case_id", Invalid::new("invalid.range"));
    }
    f.finish()?;
    let (limit, before_id) = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let filter =
        ComplaintFilter { case_id: q.case_id, unassigned: q.unassigned.unwrap_or(false), q: text, before_id, limit };
    let items = act::list_complaints(&state.db, user, filter).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |c| c.id)))
}

/// Likely duplicates of a complaint: same category and location (spaces
/// and full-width characters ignored), within 60 days, in a case or not.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/similar", tag = "complaints", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Complaint id")),
    responses((status = 200, body = Page<ComplaintView>), (status = 404, content_type = "application/problem+json")))]
pub async fn similar_complaints(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?;
    let items = act::similar_complaints(&state.db, user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor: None }))
}

/// A complaint to put in a case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AttachBody {
    /// The complaint (required; optional here so that a caller without the
    /// role is refused before the body is judged).
    #[schema(required)]
    pub complaint_id: Option<i64>,
}

/// Puts a complaint in a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/complaints", tag = "complaints", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = AttachBody,
    responses((status = 204), (status = 404, content_type = "application/problem+json"), (status = 409, content_type = "application/problem+json")))]
pub async fn attach_complaint(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<AttachBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?;
    let complaint_id =
        body.complaint_id.ok_or_else(|| AppError::field("complaint_id", Invalid::new("invalid.required")))?;
    act::attach_complaint(&state.db, user, path.into_inner(), complaint_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes a complaint out of a case.
#[utoipa::path(delete, path = "/api/v1/cases/{id}/complaints/{complaint_id}", tag = "complaints", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"), ("complaint_id" = i64, Path, description = "Complaint id")),
    responses((status = 204), (status = 404, content_type = "application/problem+json")))]
pub async fn detach_complaint(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?;
    let (case_id, complaint_id) = path.into_inner();
    act::detach_complaint(&state.db, user, case_id, complaint_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
