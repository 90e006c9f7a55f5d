//! The resident portal: a party signs in with the access code printed on
//! their receipt and the last four digits of their phone, and sees their
//! own cases and agreements in plain language — nothing of anyone else.

use actix_web::cookie::time::Duration;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{TimeDelta, Utc};
use futures_util::future::LocalBoxFuture;

use super::done;
use super::form::FormData;
use crate::app::documents::PrintSettings;
use crate::app::error::{AppError, AppResult};
use crate::app::portal::{self as resident, ResidentSignIn};
use crate::db::parties;
use crate::db::parties::Party;
use crate::domain::audit::Actor;
use crate::domain::clock::local_date;
use crate::i18n::t;
use crate::random;
use crate::web::http::auth::client_address;
use crate::web::http::context::RequestContext;
use crate::web::http::cookies::CookieName;
use crate::web::http::pdf::{DocumentQuery, pdf_response, settings};
use crate::web::http::state::{AppState, state_of};
use crate::web::ui::page::{PageContext, render, render_with_status};

/// How long a portal sign-in lasts.
pub const PORTAL_SESSION: TimeDelta = TimeDelta::hours(2);

/// The signed-in resident: the portal cookie holds a random session id,
/// whose session is kept on the server (so that signing out ends it) and
/// lasts [`PORTAL_SESSION`] from sign-in.
#[derive(Debug, Clone)]
pub struct Resident {
    /// The party.
    pub party: Party,
    /// Large type chosen.
    pub large_type: bool,
    /// The session's id hash.
    session: String,
}

impl Resident {
    /// Who the resident is in the audit chain.
    pub fn actor(&self) -> Actor {
        Actor { id: None, name: format!("party:{}", self.party.id) }
    }
}

impl FromRequest for Resident {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, AppResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state_of(&req)?;
            let id = state.cookies.read(&req, CookieName::Portal).ok_or(AppError::Unauthorized)?;
            let session = random::digest(&id);
            let since = Utc::now().naive_utc() - PORTAL_SESSION;
            let lookup = session.clone();
            let found = resident::resident_session(&state.db, lookup, since).await?;
            let (party, large_type) = found.ok_or(AppError::Unauthorized)?;
            Ok(Resident { party, large_type, session })
        })
    }
}

fn page_for(ctx: &RequestContext, req: &HttpRequest, resident: Option<&Resident>) -> PageContext {
    let mut page = PageContext::new(ctx, req);
    page.large_type = resident.is_some_and(|r| r.large_type);
    page
}

/// The portal sign-in page.
#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    page: PageContext,
    code: String,
    error: Option<String>,
}

/// Shows the portal sign-in form.
pub async fn login_form(req: HttpRequest, ctx: RequestContext) -> AppResult<HttpResponse> {
    render(&LoginPage { page: page_for(&ctx, &req, None), code: String::new(), error: None })
}

/// Signs a resident in. Wrong code and wrong digits get the same answer;
/// failures are throttled per code and per address.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    form: FormData,
) -> AppResult<HttpResponse> {
    let code = parties::normalised_code(form.get("code"));
    let pin: String = form.get("pin").chars().filter(|c| !c.is_whitespace()).collect();
    let outcome = resident::sign_in_resident(&state.db, code.clone(), pin, &client_address(&req, &state)).await?;
    let page = page_for(&ctx, &req, None);
    match outcome {
        ResidentSignIn::Session(session_id) => {
            let max_age = Duration::seconds(PORTAL_SESSION.num_seconds());
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", "/portal"))
                .cookie(state.cookies.encrypted(CookieName::Portal, session_id, Some(max_age)))
                .finish())
        }
        ResidentSignIn::Refused => {
            let error = Some(page.t("portal.wrong_code"));
            render_with_status(&LoginPage { page, code, error }, StatusCode::UNAUTHORIZED)
        }
        ResidentSignIn::Throttled(retry) => {
            let error = Some(page.t("login.throttled"));
            let mut response = render_with_status(&LoginPage { page, code, error }, StatusCode::TOO_MANY_REQUESTS)?;
            response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, retry.into());
            Ok(response)
        }
    }
}

/// Signs a resident out: the session ends on the server, so a copy of the
/// cookie opens nothing any more.
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    if let Some(id) = state.cookies.read(&req, CookieName::Portal) {
        resident::sign_out_resident(&state.db, &id).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/portal/login"))
        .cookie(state.cookies.removal(CookieName::Portal))
        .finish())
}

/// Turns large type on or off.
pub async fn toggle_large_type(
    state: web::Data<AppState>,
    resident: Resident,
    form: FormData,
) -> AppResult<HttpResponse> {
    let back = crate::web::http::redirect::local_path(&form.opt("back").unwrap_or_default())
        .filter(|b| b == "/portal" || b.starts_with("/portal/"))
        .unwrap_or_else(|| "/portal".into());
    let (session, large) = (resident.session.clone(), !resident.large_type);
    resident::set_large_type(&state.db, session, large).await?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", back)).finish())
}

/// A case as its party sees it.
#[derive(Debug, Clone)]
pub struct MyCase {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Status code.
    pub status: String,
    /// The party's role code.
    pub role: String,
}

/// A complaint the party made.
#[derive(Debug, Clone)]
pub struct MyComplaint {
    /// When received.
    pub date: String,
    /// Where.
    pub location: String,
    /// The status of its case, if in one.
    pub case_status: Option<String>,
}

/// The portal's start page.
#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    page: PageContext,
    name: String,
    cases: Vec<MyCase>,
    complaints: Vec<MyComplaint>,
}

/// The resident's own cases and complaints.
pub async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    resident: Resident,
) -> AppResult<HttpResponse> {
    let home = resident::home(&state.db, &resident.party).await?;
    let offset = home.offset;
    let cases = home
        .cases
        .into_iter()
        .map(|(cp, c)| MyCase {
            id: c.id,
            number: c.number,
            title: c.title,
            status: c.status.to_string(),
            role: cp.role.to_string(),
        })
        .collect();
    let complaints = home
        .complaints
        .into_iter()
        .map(|(c, status)| MyComplaint {
            date: local_date(c.received_at, offset).to_string(),
            location: c.location,
            case_status: status,
        })
        .collect();
    render(&HomePage {
        page: page_for(&ctx, &req, Some(&resident)),
        name: resident.party.name.clone(),
        cases,
        complaints,
    })
}

/// An agreement as its party sees it.
#[derive(Debug, Clone)]
pub struct MyAgreement {
    /// Id.
    pub id: i64,
    /// written / oral.
    pub kind: String,
    /// Status code.
    pub status: String,
    /// Effective date.
    pub effective: String,
    /// Last day to apply for judicial confirmation.
    pub confirmation_deadline: String,
    /// Whether that day is still ahead.
    pub can_confirm: bool,
    /// The terms' texts.
    pub terms: Vec<String>,
    /// The party's last answer.
    pub last_answer: Option<(String, String)>,
    /// The role whose question the party is asked (see `OwnAgreement`).
    pub question: &'static str,
}

/// A case page of the portal.
#[derive(Template)]
#[template(path = "portal/case.html")]
struct CasePage {
    page: PageContext,
    case: MyCase,
    registered: String,
    complaints: usize,
    agreements: Vec<MyAgreement>,
    /// A refused answer: the agreement, the note as written, the message.
    refused: Option<(i64, String, String)>,
    /// What the noise monitors of the case found, night by night.
    nights: Vec<crate::app::monitor_nights::CaseNights>,
}

impl CasePage {
    /// The note written for agreement `id` in a refused answer.
    fn note_for(&self, id: &i64) -> &str {
        self.refused.as_ref().filter(|(a, _, _)| a == id).map_or("", |(_, note, _)| note.as_str())
    }

    /// The refusal of an answer about agreement `id`.
    fn error_for(&self, id: &i64) -> Option<&str> {
        self.refused.as_ref().filter(|(a, _, _)| a == id).map(|(_, _, message)| message.as_str())
    }
}

/// One of the resident's cases: where it stands and the agreements they
/// signed. Complainants are never named: a case shows only how many
/// complaints it holds.
pub async fn show_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    resident: Resident,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    case_page(&state, &req, &ctx, &resident, path.into_inner(), None).await
}

async fn case_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    resident: &Resident,
    case_id: i64,
    refused: Option<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let own = resident::own_case(&state.db, &resident.party, case_id).await?;
    let offset = own.offset;
    let today = local_date(Utc::now().naive_utc(), offset);
    let agreements = own
        .agreements
        .into_iter()
        .map(|o| {
            let a = o.agreement;
            MyAgreement {
                id: a.id,
                kind: a.kind.to_string(),
                status: a.status.to_string(),
                effective: a.effective_at.map(|t| local_date(t, offset).to_string()).unwrap_or_default(),
                confirmation_deadline: a.confirmation_deadline.map(|d| d.to_string()).unwrap_or_default(),
                can_confirm: a.confirmation_deadline.is_some_and(|d| d >= today),
                terms: o.terms,
                last_answer: o.last_answer.map(|(answer, at)| (answer, local_date(at, offset).to_string())),
                question: o.question,
            }
        })
        .collect();
    let nights = crate::app::monitor_nights::case_nights(
        &state.db,
        own.case.committee_id,
        case_id,
        30,
        state.config.clock.now(),
    )
    .await?;
    let (c, complaints) = (own.case, own.complaints);
    let registered = local_date(c.registered_at, offset).to_string();
    let case = MyCase {
        id: c.id,
        number: c.number,
        title: c.title,
        status: c.status.to_string(),
        role: own.role.role.to_string(),
    };
    let page = CasePage {
        page: page_for(ctx, req, Some(resident)),
        case,
        registered,
        complaints,
        agreements,
        refused,
        nights,
    };
    if page.refused.is_some() { render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY) } else { render(&page) }
}

/// The signed agreement as PDF (the archived copy).
pub async fn agreement_pdf(
    state: web::Data<AppState>,
    ctx: RequestContext,
    resident: Resident,
    path: web::Path<i64>,
    query: web::Query<DocumentQuery>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let settings: PrintSettings = settings(&state, &ctx, &query, false)?;
    let actor = resident.actor();
    let printed = resident::own_agreement_pdf(&state.db, &resident.party, id, &settings, &actor).await?;
    let name = format!("{}.pdf", t(ctx.lang, "doc.agreement.title"));
    Ok(pdf_response(printed.rendered, &name, printed.archived_sha256.as_deref()))
}

/// Records the resident's answer: is the agreement being kept?
pub async fn feedback(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    resident: Resident,
    path: web::Path<i64>,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let note = form.opt("note").map(|n| n.chars().take(1000).collect::<String>());
    let answer = match form.get("answer") {
        "kept" => "kept",
        "partly" => "partly",
        "not_kept" => "not_kept",
        _ => {
            // Said on the resident's own page, their note kept.
            let case_id = resident::own_agreement_case(&state.db, &resident.party, id).await?;
            let refused = (id, note.unwrap_or_default(), t(ctx.lang, "portal.choose_answer"));
            return case_page(&state, &req, &ctx, &resident, case_id, Some(refused)).await;
        }
    };
    let satisfaction = form.number::<i32>("satisfaction").filter(|s| (1..=5).contains(s));
    let case_id =
        resident::report_keeping(&state.db, &resident.party, resident.actor(), id, answer, note, satisfaction).await?;
    let label = t(ctx.lang, &format!("portal.answer.{answer}"));
    Ok(done(&state, &format!("/portal/cases/{case_id}"), "flash.portal_thanks", &label))
}
