//! Cases over the API.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::access::{CASE_WORK, EVERYONE};
use super::api::ApiJson;
use super::case_view::{CaseSummary, CaseView, ViewJson, accepts_gzip, case_view, masked_view, revealed_view};
use super::complaints::RevealParams;
use super::context::{RequestContext, SignedIn};
use super::error::AppResult;
use super::fields::Fields;
use super::pagination::{Page, PageParams};
use super::state::AppState;
use super::views::Contacts;
use crate::db::DbConn;
use crate::db::cases::Case;
use crate::db::cases::{self, CaseChanges, CaseFilter, MoveRequest, NewCase, NewCaseParty};
use crate::db::committees::Committee;
use crate::db::users::User;
use crate::db::{committees, complaints};
use crate::domain::account::Role;
use crate::domain::case::{CaseSource, CaseStatus, DisputeType, PartyRole, RiskLevel};
use crate::domain::clock::parse_instant;
use crate::domain::party::{Particulars, ParticularsInput};
use crate::domain::{Invalid, optional_text, required_text};

/// A party as submitted.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct PartyBody {
    /// applicant, respondent, third_party or representative.
    #[serde(default)]
    #[schema(required)]
    pub role: String,
    /// Name.
    #[serde(default)]
    #[schema(required)]
    pub name: String,
    /// person (default) or organisation.
    pub kind: Option<String>,
    /// male or female.
    pub sex: Option<String>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Identity number.
    pub id_number: Option<String>,
    /// Whom a representative represents.
    pub represents: Option<String>,
}

fn parse_party(f: &mut Fields, prefix: &str, p: &PartyBody) -> Option<NewCaseParty> {
    let role = f.check(format!("{prefix}role"), PartyRole::parse(&p.role));
    let represents =
        f.check(format!("{prefix}represents"), optional_text(p.represents.as_deref().unwrap_or(""), 100)).flatten();
    let input = ParticularsInput {
        kind: p.kind.as_deref(),
        name: &p.name,
        sex: p.sex.as_deref(),
        ethnicity: p.ethnicity.as_deref(),
        birth_year: p.birth_year,
        occupation: p.occupation.as_deref(),
        phone: p.phone.as_deref(),
        address: p.address.as_deref(),
        organisation: p.organisation.as_deref(),
        id_number: p.id_number.as_deref(),
    };
    let particulars = match Particulars::parse(&input, Utc::now().year()) {
        Ok(p) => Some(p),
        Err(errors) => {
            f.extend(prefix, errors);
            None
        }
    };
    Some(NewCaseParty { role: role?, particulars: particulars?, represents })
}

/// Checks one party to add.
pub fn parse_one_party(body: &PartyBody) -> AppResult<NewCaseParty> {
    let mut f = Fields::new();
    let party = parse_party(&mut f, "", body);
    f.done(party)
}

/// A case to register.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewCaseBody {
    /// Short title.
    #[serde(default)]
    #[schema(required)]
    pub title: String,
    /// Dispute type of the statistics taxonomy: family, neighbour, housing,
    /// contract, business, damages, land, demolition, environment, labour,
    /// consumer, medical, traffic, property, other.
    #[serde(default)]
    #[schema(required)]
    pub dispute_type: String,
    /// application, own_initiative or referral.
    #[serde(default)]
    #[schema(required)]
    pub source: String,
    /// Complaints to put in the case.
    #[serde(default)]
    pub complaint_ids: Vec<i64>,
    /// Parties.
    #[serde(default)]
    pub parties: Vec<PartyBody>,
    /// red, orange or yellow (default yellow).
    pub risk_level: Option<String>,
    /// Whether sessions are public (default no).
    #[serde(default)]
    pub public_session: bool,
    /// Brief facts.
    pub facts: Option<String>,
    /// Location (default: the first complaint's).
    pub location: Option<String>,
    /// Registration time (default now).
    #[schema(format = DateTime)]
    pub registered_at: Option<String>,
    /// Assigned mediators (default: the registering mediator).
    pub mediator_ids: Option<Vec<i64>>,
    /// What the applicant asks for (printed on the application).
    #[serde(default)]
    pub requests: Vec<String>,
}

/// Checks a case to register by `user`.
pub fn parse_new_case(body: &NewCaseBody, user: &User) -> AppResult<NewCase> {
    let mut f = Fields::new();
    let title = f.check("title", required_text(&body.title, 200));
    let dispute_type = f.check("dispute_type", DisputeType::parse(&body.dispute_type));
    let source = f.check("source", CaseSource::parse(&body.source));
    let risk_level = match &body.risk_level {
        Some(r) => f.check("risk_level", RiskLevel::parse(r)),
        None => Some(RiskLevel::Yellow),
    };
    let facts = f.check("facts", optional_text(body.facts.as_deref().unwrap_or(""), 4000)).flatten();
    let location = f.check("location", optional_text(body.location.as_deref().unwrap_or(""), 200)).flatten();
    let registered_at = match body.registered_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => f.check("registered_at", parse_instant(raw)),
        None => Some(Utc::now().naive_utc()),
    };
    let requests: Vec<String> = body
        .requests
        .iter()
        .enumerate()
        .filter_map(|(i, r)| f.check(format!("requests[{i}]"), required_text(r, 500)))
        .map(|r| r.replace('\n', " "))
        .collect();
    let parties: Vec<NewCaseParty> = body
        .parties
        .iter()
        .enumerate()
        .filter_map(|(i, p)| parse_party(&mut f, &format!("parties[{i}]."), p))
        .collect();
    let mediator_ids = body
        .mediator_ids
        .clone()
        .unwrap_or_else(|| if user.role() == Role::Mediator { vec![user.id] } else { Vec::new() });
    f.done(match (title, dispute_type, source, risk_level, registered_at) {
        (Some(title), Some(dispute_type), Some(source), Some(risk_level), Some(registered_at)) => Some(NewCase {
            title,
            dispute_type,
            source,
            risk_level,
            public_session: body.public_session,
            facts,
            location,
            registered_at,
            complaint_ids: body.complaint_ids.clone(),
            parties,
            mediator_ids,
            requests,
        }),
        _ => None,
    })
}

/// Registers a checked case; its location defaults to its first complaint's.
pub fn create_case(conn: &mut DbConn, user: &User, mut new: NewCase) -> AppResult<(Committee, Case)> {
    let committee = committees::find(conn, user.committee_id)?;
    if new.location.is_none()
        && let Some(first) = new.complaint_ids.first()
        && let Ok(c) = complaints::find(conn, committee.id, *first)
    {
        new.location = Some(c.location);
    }
    let case = cases::create(conn, &user.actor(), &committee, &new, Utc::now().naive_utc())?;
    Ok((committee, case))
}

/// Registers a case: it gets the next number of the committee's year.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    request_body = NewCaseBody,
    responses((status = 201, body = CaseView), (status = 409, content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn register_case(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    ApiJson(body): ApiJson<NewCaseBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let new = parse_new_case(&body, &user)?;
    let view = state
        .db(move |conn| {
            let (committee, case) = create_case(conn, &user, new)?;
            case_view(conn, &committee, &case, Contacts::Masked, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One case with its parties, complaints, records, agreements and timeline;
/// contacts masked, an anonymous complainant never shown.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 400, content_type = "application/problem+json"),
        (status = 401, content_type = "application/problem+json"), (status = 404, content_type = "application/problem+json")))]
pub async fn get_case(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    req: HttpRequest,
    path: web::Path<i64>,
    query: web::Query<RevealParams>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    query.refuse_reveal()?;
    let id = path.into_inner();
    let gzip_ok = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(accepts_gzip);
    let (json, gzipped) = match masked_view(&state, user.committee_id, id, ctx.lang).await? {
        ViewJson::Gzipped(stored) if gzip_ok => (stored.0, true),
        json => (json.into_plain()?, false),
    };
    let mut response = HttpResponse::Ok();
    response.content_type(ContentType::json()).insert_header((header::VARY, "Accept-Encoding"));
    if gzipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    Ok(response.body(json))
}

/// One case with its parties' phone and identity numbers in full: a
/// mediator's or an administrator's act, recorded in the audit chain. An
/// anonymous complainant stays hidden (Noise Law Art 31).
#[utoipa::path(post, path = "/api/v1/cases/{id}/contacts", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = CaseView), (status = 401, content_type = "application/problem+json"),
        (status = 403, content_type = "application/problem+json"), (status = 404, content_type = "application/problem+json")))]
pub async fn reveal_case_contacts(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let lang = ctx.lang;
    let view = state.db(move |conn| revealed_view(conn, &user, id, lang)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Filters of the case list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// Only this status.
    pub status: Option<String>,
    /// Only this risk level.
    pub risk_level: Option<String>,
    /// `me`: only cases the caller mediates.
    pub mediator: Option<String>,
    /// Text in the title, number or location.
    pub q: Option<String>,
    /// Rows per page, 1–200.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Cursor of the next page.
    pub cursor: Option<String>,
}

/// Cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    params(CaseQuery),
    responses((status = 200, body = Page<CaseSummary>), (status = 422, content_type = "application/problem+json")))]
pub async fn list_cases(
    state: web::Data<AppState>,
    user: SignedIn,
    query: web::Query<CaseQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let q = query.into_inner();
    let mut f = Fields::new();
    let status = f.optional("status", q.status.as_deref(), CaseStatus::parse);
    let risk_level = f.optional("risk_level", q.risk_level.as_deref(), RiskLevel::parse);
    let text = f.optional("q", q.q.as_deref(), crate::domain::search_text).flatten();
    let mediator_id = match q.mediator.as_deref() {
        None | Some("") => None,
        Some("me") => Some(user.id),
        Some(_) => {
            f.push("mediator", Invalid::new("invalid.choice").with("allowed", "me"));
            None
        }
    };
    f.finish()?;
    let (limit, before_id) = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let filter = CaseFilter { status, risk_level, mediator_id, q: text, before_id, limit };
    let page = state
        .read(move |conn| {
            let offset = committees::find(conn, user.committee_id)?.utc_offset_minutes;
            let items: Vec<CaseSummary> = cases::list(conn, user.committee_id, &filter)?
                .into_iter()
                .map(|c| CaseSummary::new(c, offset))
                .collect();
            Ok(Page::new(items, limit, |c| c.id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A move of the state machine.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct TransitionBody {
    /// Target status.
    #[serde(default)]
    #[schema(required)]
    pub to: String,
    /// Reason (required to terminate or refer).
    pub reason: Option<String>,
    /// The parties were told of arbitration, administrative and judicial
    /// routes (required to terminate, Art 26).
    #[serde(default)]
    pub routes_explained: bool,
    /// Recipient (required to refer).
    pub referred_to: Option<String>,
}

/// Checks a move request.
pub fn parse_move(body: &TransitionBody) -> AppResult<MoveRequest> {
    let mut f = Fields::new();
    let to = f.check("to", CaseStatus::parse(&body.to));
    let reason = f.check("reason", optional_text(body.reason.as_deref().unwrap_or(""), 2000)).flatten();
    let referred_to = f.check("referred_to", optional_text(body.referred_to.as_deref().unwrap_or(""), 200)).flatten();
    f.finish()?;
    Ok(MoveRequest { to, reason, routes_explained: body.routes_explained, referred_to })
}

/// Moves a case along its state machine; an illegal move is 409 naming the
/// allowed moves.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transitions", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = TransitionBody,
    responses((status = 200, body = CaseView), (status = 404, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed` lists the moves", content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn move_case(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let request = parse_move(&body)?;
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let case = cases::transition(conn, &user.actor(), committee.id, id, &request, Utc::now().naive_utc())?;
            case_view(conn, &committee, &case, Contacts::Masked, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes to a case.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CaseChangesBody {
    /// Title.
    pub title: Option<String>,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Public sessions.
    pub public_session: Option<bool>,
    /// Brief facts.
    pub facts: Option<String>,
    /// Assigned mediators.
    pub mediator_ids: Option<Vec<i64>>,
    /// Mediation prevented the dispute turning criminal (防止民转刑).
    pub prevented_criminal: Option<bool>,
    /// Mediation prevented a mass petition (防止群体性上访).
    pub prevented_petition: Option<bool>,
}

/// Changes a case's title, risk level, public-session choice, facts or mediators.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = CaseChangesBody,
    responses((status = 200, body = CaseView), (status = 404, content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn update_case(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<CaseChangesBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let mut f = Fields::new();
    let changes = CaseChanges {
        title: body.title.as_deref().and_then(|t| f.check("title", required_text(t, 200))),
        risk_level: body.risk_level.as_deref().and_then(|r| f.check("risk_level", RiskLevel::parse(r))),
        public_session: body.public_session,
        facts: body.facts.as_deref().and_then(|t| f.check("facts", required_text(t, 4000))),
        mediator_ids: body.mediator_ids.clone(),
        prevented_criminal: body.prevented_criminal,
        prevented_petition: body.prevented_petition,
    };
    f.finish()?;
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let case = cases::update(conn, &user.actor(), committee.id, id, &changes, Utc::now().naive_utc())?;
            case_view(conn, &committee, &case, Contacts::Masked, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Adds a party to a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/parties", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = PartyBody,
    responses((status = 201, body = CaseView), (status = 404, content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn add_party(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<PartyBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let party = parse_one_party(&body)?;
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            cases::add_party(conn, &user.actor(), committee.id, id, &party, Utc::now().naive_utc())?;
            let case = cases::find(conn, committee.id, id)?;
            case_view(conn, &committee, &case, Contacts::Masked, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
