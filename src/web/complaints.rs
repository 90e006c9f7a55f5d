//! Complaints over the API.

use actix_web::{HttpResponse, web};
use chrono::{Datelike, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::access::{CASE_WORK, EVERYONE};
use super::api::ApiJson;
use super::context::SignedIn;
use super::error::{AppError, AppResult};
use super::fields::Fields;
use super::pagination::{Page, PageParams};
use super::state::AppState;
use super::views::{ComplaintView, Contacts};
use crate::db::audit::audited;
use crate::db::complaints::{self, ComplaintFilter, NewComplaint};
use crate::db::{DbConn, committees};
use crate::domain::audit::Actor;
use crate::domain::clock::{ClockTime, parse_instant};
use crate::domain::complaint::{Category, Channel, ObservedPattern, parse_days};
use crate::domain::party::{Particulars, ParticularsInput};
use crate::domain::{Invalid, optional_text, required_text};

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
#[derive(Debug, Deserialize, Validate, ToSchema)]
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

fn parse_pattern(f: &mut Fields, body: Option<&PatternBody>) -> ObservedPattern {
    match body {
        None => ObservedPattern::default(),
        Some(PatternBody::Text(text)) => ObservedPattern {
            text: f.check("observed_pattern", optional_text(text, 500)).flatten(),
            ..Default::default()
        },
        Some(PatternBody::Detailed { text, start, end, days }) => ObservedPattern {
            text: f.check("observed_pattern.text", optional_text(text.as_deref().unwrap_or(""), 500)).flatten(),
            start: f.optional("observed_pattern.start", start.as_deref(), ClockTime::parse),
            end: f.optional("observed_pattern.end", end.as_deref(), ClockTime::parse),
            days: f.optional("observed_pattern.days", days.as_deref(), parse_days),
        },
    }
}

/// Checks a complaint body into a complaint of `committee_id`.
pub fn parse_complaint(body: &NewComplaintBody, committee_id: i64) -> AppResult<NewComplaint> {
    let mut f = Fields::new();
    let received_at = match body.received_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => f.check("received_at", parse_instant(raw)),
        None => Some(Utc::now().naive_utc()),
    };
    let channel = f.check("channel", Channel::parse(&body.channel));
    let category = f.check("category", Category::parse(&body.category));
    let location = f.check("location", required_text(&body.location, 200));
    let description = f.check("description", required_text(&body.description, 2000));
    let pattern = parse_pattern(&mut f, body.observed_pattern.as_ref());
    let reporter = match &body.reporter {
        Some(r) if !(body.anonymous && r.name.trim().is_empty()) => {
            let input = ParticularsInput {
                name: &r.name,
                phone: r.phone.as_deref(),
                address: r.address.as_deref(),
                ..Default::default()
            };
            match Particulars::parse(&input, Utc::now().year()) {
                Ok(p) => Some(p),
                Err(errors) => {
                    f.extend("reporter.", errors);
                    None
                }
            }
        }
        Some(_) => None,
        None if body.anonymous => None,
        None => {
            f.push("reporter.name", Invalid::new("invalid.required"));
            None
        }
    };
    let parsed = match (received_at, channel, category, location, description) {
        (Some(received_at), Some(channel), Some(category), Some(location), Some(description)) => Some(NewComplaint {
            committee_id,
            received_at,
            channel,
            category,
            location,
            description,
            pattern,
            reporter,
            anonymous: body.anonymous,
        }),
        _ => None,
    };
    f.done(parsed)
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

/// Records that `actor` saw the contact details of a record.
pub fn audit_reveal(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    entity: &'static str,
    id: i64,
) -> AppResult<()> {
    audited(conn, actor, committee_id, |_, log| {
        log.record("contacts.reveal", entity, id, json!({}));
        Ok::<_, AppError>(())
    })
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
    let user = user.require(EVERYONE)?.clone();
    let new = parse_complaint(&body, user.committee_id)?;
    let (c, reporter, offset) = state.intake.record(user.actor(), new).await?;
    Ok(HttpResponse::Created().json(ComplaintView::new(&c, reporter.as_ref(), Contacts::Masked, offset)))
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
    let user = user.require(EVERYONE)?.clone();
    query.refuse_reveal()?;
    let id = path.into_inner();
    let view = state
        .db(move |conn| {
            let c = complaints::find(conn, user.committee_id, id)?;
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let (c, reporter) = complaints::with_reporter(conn, c)?;
            Ok(ComplaintView::new(&c, reporter.as_ref(), Contacts::Masked, offset))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
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
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let view = state
        .db(move |conn| {
            let c = complaints::find(conn, user.committee_id, id)?;
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            audit_reveal(conn, &user.actor(), user.committee_id, "complaint", id)?;
            let (c, reporter) = complaints::with_reporter(conn, c)?;
            Ok(ComplaintView::revealed(&c, reporter.as_ref(), offset))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
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
    let user = user.require(EVERYONE)?.clone();
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
    let page = state
        .db(move |conn| {
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let mut items = Vec::new();
            for c in complaints::list(conn, user.committee_id, &filter)? {
                let (c, reporter) = complaints::with_reporter(conn, c)?;
                items.push(ComplaintView::new(&c, reporter.as_ref(), Contacts::Masked, offset));
            }
            Ok(Page::new(items, limit, |c| c.id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
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
    let user = user.require(EVERYONE)?.clone();
    let id = path.into_inner();
    let page = state
        .db(move |conn| {
            let c = complaints::find(conn, user.committee_id, id)?;
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let mut items = Vec::new();
            for other in complaints::similar(conn, &c)? {
                let (other, reporter) = complaints::with_reporter(conn, other)?;
                items.push(ComplaintView::new(&other, reporter.as_ref(), Contacts::Masked, offset));
            }
            Ok(Page { items, next_cursor: None })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A complaint to put in a case.
#[derive(Debug, Deserialize, Validate, ToSchema)]
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
    let user = user.require(CASE_WORK)?.clone();
    let case_id = path.into_inner();
    let complaint_id =
        body.complaint_id.ok_or_else(|| AppError::field("complaint_id", Invalid::new("invalid.required")))?;
    state
        .db(move |conn| Ok(complaints::attach(conn, &user.actor(), user.committee_id, case_id, complaint_id)?))
        .await?;
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
    let user = user.require(CASE_WORK)?.clone();
    let (case_id, complaint_id) = path.into_inner();
    state
        .db(move |conn| Ok(complaints::detach(conn, &user.actor(), user.committee_id, case_id, complaint_id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
