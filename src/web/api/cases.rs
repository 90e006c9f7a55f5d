//! Cases over the API.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::case_view::{CaseSummary, CaseView, ViewJson, masked_view};
use crate::app::cases as act;
use crate::app::error::AppResult;
use crate::db::cases::CaseFilter;
use crate::domain::Invalid;
use crate::domain::case::{CaseStatus, RiskLevel};
use crate::domain::commands::case::{CaseChangeFields, CaseFields, MoveFields, PartyFields};
use crate::domain::fields::Fields;
use crate::web::api::complaints::RevealParams;
use crate::web::http::access::{CASE_WORK, EVERYONE};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::gzip::accepts_gzip;
use crate::web::http::json::ApiJson;
use crate::web::http::pagination::{Page, PageParams};
use crate::web::http::state::AppState;

/// A party as submitted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
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

impl From<PartyBody> for PartyFields {
    fn from(p: PartyBody) -> Self {
        PartyFields {
            role: p.role,
            name: p.name,
            kind: p.kind,
            sex: p.sex,
            ethnicity: p.ethnicity,
            birth_year: p.birth_year,
            occupation: p.occupation,
            phone: p.phone,
            address: p.address,
            organisation: p.organisation,
            id_number: p.id_number,
            represents: p.represents,
        }
    }
}

/// A case to register.
#[derive(Debug, Deserialize, ToSchema)]
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

impl From<NewCaseBody> for CaseFields {
    fn from(b: NewCaseBody) -> Self {
        CaseFields {
            title: b.title,
            dispute_type: b.dispute_type,
            source: b.source,
            complaint_ids: b.complaint_ids,
            parties: b.parties.into_iter().map(PartyFields::from).collect(),
            risk_level: b.risk_level,
            public_session: b.public_session,
            facts: b.facts,
            location: b.location,
            registered_at: b.registered_at,
            mediator_ids: b.mediator_ids,
            requests: b.requests,
        }
    }
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
    let user = user.require(CASE_WORK)?;
    let case = act::register_case(&state.db, user, body.into()).await?;
    let view: CaseView = act::view_of(&state.db, user, case.id, ctx.lang).await?;
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
    let user = user.require(EVERYONE)?;
    query.refuse_reveal()?;
    let id = path.into_inner();
    let gzip_ok = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(accepts_gzip);
    let (json, gzipped) = match masked_view(&state.db, user.committee_id, id, ctx.lang).await? {
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
    let user = user.require(CASE_WORK)?;
    Ok(HttpResponse::Ok().json(act::reveal_case_contacts(&state.db, user, path.into_inner(), ctx.lang).await?))
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
    let user = user.require(EVERYONE)?;
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
    let filter = CaseFilter { status, risk_level, mediator_id, q: text, names: Default::default(), before_id, limit };
    let items: Vec<CaseSummary> = act::list_cases(&state.db, user, filter).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |c| c.id)))
}

/// A move of the state machine.
#[derive(Debug, Deserialize, ToSchema)]
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
    let user = user.require(CASE_WORK)?;
    let fields = MoveFields {
        to: body.to,
        reason: body.reason,
        routes_explained: body.routes_explained,
        referred_to: body.referred_to,
    };
    let case = act::move_case(&state.db, user, path.into_inner(), fields).await?;
    Ok(HttpResponse::Ok().json(act::view_of(&state.db, user, case.id, ctx.lang).await?))
}

/// Changes to a case.
#[derive(Debug, Deserialize, ToSchema)]
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
    let user = user.require(CASE_WORK)?;
    let fields = CaseChangeFields {
        title: body.title,
        risk_level: body.risk_level,
        public_session: body.public_session,
        facts: body.facts,
        mediator_ids: body.mediator_ids,
        prevented_criminal: body.prevented_criminal,
        prevented_petition: body.prevented_petition,
    };
    let case = act::update_case(&state.db, user, path.into_inner(), fields).await?;
    Ok(HttpResponse::Ok().json(act::view_of(&state.db, user, case.id, ctx.lang).await?))
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
    let user = user.require(CASE_WORK)?;
    let id = path.into_inner();
    act::add_party(&state.db, user, id, body.into()).await?;
    Ok(HttpResponse::Created().json(act::view_of(&state.db, user, id, ctx.lang).await?))
}
