//! Case pages: the list, registering a case, the case page with its
//! timeline and next steps, moves of the state machine, parties.

mod page;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Utc};
use serde::Deserialize;

use super::form::FormData;
use super::{CaseRow, Choice, FormErrors, Pager, choices, codes, done, form_errors, refused};
use crate::app::case_view::{CaseView, masked_view};
use crate::app::cases as act;
use crate::app::documents::Kind;
use crate::app::error::{AppError, AppResult};
use crate::db::cases::{Case, CaseFilter};
use crate::db::complaints::Complaint;
use crate::db::users::User;
use crate::domain::account::Role;
use crate::domain::case::{CaseSource, CaseStatus, DisputeType, PartyRole, RiskLevel};
use crate::domain::commands::case::{CaseChanges, CaseFields, MoveFields, PartyFields};
use crate::web::http::access::{CASE_WORK, EVERYONE, FIELD_WORK, MEDIATION};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::pagination::{Page, PageParams};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

pub use page::*;

/// Filters of the case list.
#[derive(Debug, Deserialize)]
pub struct CaseListQuery {
    status: Option<String>,
    risk_level: Option<String>,
    mine: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

/// The case list.
#[derive(Template)]
#[template(path = "ui/case_list.html")]
struct CaseListPage {
    page: PageContext,
    rows: Vec<CaseRow>,
    statuses: Vec<Choice>,
    risks: Vec<Choice>,
    mine: bool,
    q: String,
    pager: Pager,
}

/// Lists cases with filters and search.
pub async fn list_cases(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    query: web::Query<CaseListQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let q = query.into_inner();
    let blank = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let status = blank(&q.status).and_then(|s| CaseStatus::parse(&s).ok());
    let risk_level = blank(&q.risk_level).and_then(|s| RiskLevel::parse(&s).ok());
    let mine = q.mine.as_deref() == Some("true");
    let text = crate::domain::search_text(q.q.as_deref().unwrap_or_default()).map_err(|e| AppError::field("q", e))?;
    let (limit, before_id) = PageParams { limit: Some(25), cursor: q.cursor.clone() }.parse()?;
    let filter = CaseFilter {
        status,
        risk_level,
        mediator_id: mine.then_some(user.id),
        q: text,
        names: Default::default(),
        before_id,
        limit,
    };
    let lang = ctx.lang;
    let (offset, listed) = act::listed_cases(&state.db, &user, filter).await?;
    let rows = listed.into_iter().map(|c| CaseRow::found(c, offset, lang)).collect();
    let page_of = Page::new(rows, limit, |r: &CaseRow| r.id);
    let text = q.q.unwrap_or_default();
    let params = serde_urlencoded::to_string([
        ("status", status.map_or("", CaseStatus::code)),
        ("risk_level", risk_level.map_or("", RiskLevel::code)),
        ("mine", if mine { "true" } else { "" }),
        ("q", text.as_str()),
    ])
    .unwrap_or_default();
    let pager = Pager::of(&page_of, &params, q.cursor.is_some());
    render(&CaseListPage {
        page: PageContext::new(&ctx, &req),
        rows: page_of.items,
        statuses: choices(
            lang,
            &codes(CaseStatus::ALL, CaseStatus::code),
            "status",
            status.map_or("", CaseStatus::code),
        ),
        risks: choices(lang, &codes(RiskLevel::ALL, RiskLevel::code), "risk", risk_level.map_or("", RiskLevel::code)),
        mine,
        q: text,
        pager,
    })
}

/// Registering a case.
#[derive(Template)]
#[template(path = "ui/case_form.html")]
struct CaseFormPage {
    page: PageContext,
    form: FormData,
    errors: FormErrors,
    dispute_types: Vec<Choice>,
    sources: Vec<Choice>,
    risks: Vec<Choice>,
    roles: Vec<&'static str>,
    complaints: Vec<(i64, String, bool)>,
    mediators: Vec<(i64, String, bool)>,
    party_rows: Vec<usize>,
}

/// What the case form needs from the database.
struct CaseFormData {
    complaints: Vec<Complaint>,
    applicant: Option<(String, Option<String>)>,
    mediators: Vec<(i64, String)>,
}

impl CaseFormPage {
    fn new(page: PageContext, form: FormData, errors: FormErrors, data: CaseFormData) -> Self {
        let lang = page.lang;
        let mut party_rows = form.rows("parties");
        if party_rows.is_empty() {
            party_rows = vec![0, 1];
        }
        let complaints = data
            .complaints
            .iter()
            .map(|c| {
                let label = format!("{} · {}", c.location, super::excerpt(&c.description, 30));
                (c.id, label, form.has("complaint_ids", &c.id.to_string()))
            })
            .collect();
        let mediators = data
            .mediators
            .into_iter()
            .map(|(id, name)| (id, name, form.has("mediator_ids", &id.to_string())))
            .collect();
        Self {
            dispute_types: choices(
                lang,
                &codes(DisputeType::ALL, DisputeType::code),
                "dispute_type",
                form.get("dispute_type"),
            ),
            sources: choices(lang, &codes(CaseSource::ALL, CaseSource::code), "source", form.get("source")),
            risks: choices(lang, &codes(RiskLevel::ALL, RiskLevel::code), "risk", form.get("risk_level")),
            roles: codes(PartyRole::ALL, PartyRole::code),
            page,
            form,
            errors,
            complaints,
            mediators,
            party_rows,
        }
    }
}

async fn case_form_data(state: &AppState, user: &User, ids: Vec<i64>) -> AppResult<CaseFormData> {
    let source = act::case_form_source(&state.db, user, ids).await?;
    Ok(CaseFormData { complaints: source.complaints, applicant: source.applicant, mediators: source.mediators })
}

/// Query of the new-case form: the complaints to put in it.
#[derive(Debug, Deserialize)]
pub struct NewCaseQuery {
    complaints: Option<String>,
}

fn id_list(raw: &str) -> Vec<i64> {
    raw.split(',').filter_map(|s| s.trim().parse().ok()).take(100).collect()
}

/// Shows the form to register a case, filled from the chosen complaints.
pub async fn new_case(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    query: web::Query<NewCaseQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let ids = id_list(query.complaints.as_deref().unwrap_or(""));
    let data = case_form_data(&state, &user, ids).await?;
    let mut form = FormData::with([
        ("dispute_type", "neighbour"),
        ("source", "application"),
        ("risk_level", "yellow"),
        ("parties[0].role", "applicant"),
        ("parties[1].role", "respondent"),
    ]);
    if let Some(first) = data.complaints.first() {
        form.set("location", first.location.clone());
        form.set("title", format!("{}{}", first.location, ctx_title_suffix(&ctx, first.category.as_str())));
        let facts: Vec<String> = data.complaints.iter().map(|c| c.description.clone()).collect();
        form.set("facts", facts.join("\n"));
    }
    // The complainant is the likely applicant: the row starts with them.
    if let Some((name, address)) = &data.applicant {
        form.set("parties[0].name", name.clone());
        form.set("parties[0].address", address.clone().unwrap_or_default());
    }
    for c in &data.complaints {
        form.push("complaint_ids", c.id.to_string());
    }
    if user.role() == Role::Mediator {
        form.push("mediator_ids", user.id.to_string());
    }
    render(&CaseFormPage::new(PageContext::new(&ctx, &req), form, FormErrors::none(), data))
}

fn ctx_title_suffix(ctx: &RequestContext, category: &str) -> String {
    crate::i18n::t(ctx.lang, &format!("case.title_suffix.{category}"))
}

/// The case a posted case form holds.
fn case_fields(form: &mut FormData) -> CaseFields {
    let rows = form.rows("parties");
    let mut parties = Vec::new();
    for i in rows {
        let field = |f: &str| format!("parties[{i}].{f}");
        if ["name", "phone", "address"].iter().all(|f| form.opt(&field(f)).is_none()) {
            continue;
        }
        let birth_year = form.number::<i32>(&field("birth_year"));
        parties.push(party_fields(form, &field, birth_year));
    }
    CaseFields {
        title: form.text("title"),
        dispute_type: form.text("dispute_type"),
        source: form.text("source"),
        complaint_ids: form.all("complaint_ids").iter().filter_map(|s| s.parse().ok()).collect(),
        parties,
        risk_level: form.opt("risk_level"),
        public_session: form.checked("public_session"),
        facts: form.opt("facts"),
        location: form.opt("location"),
        registered_at: None,
        mediator_ids: Some(form.all("mediator_ids").iter().filter_map(|s| s.parse().ok()).collect()),
        requests: form.get("requests").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
    }
}

fn party_fields(form: &FormData, field: &dyn Fn(&str) -> String, birth_year: Option<i32>) -> PartyFields {
    PartyFields {
        role: form.text(&field("role")),
        name: form.text(&field("name")),
        kind: form.opt(&field("kind")),
        sex: form.opt(&field("sex")),
        ethnicity: form.opt(&field("ethnicity")),
        birth_year,
        occupation: form.opt(&field("occupation")),
        phone: form.opt(&field("phone")),
        address: form.opt(&field("address")),
        organisation: form.opt(&field("organisation")),
        id_number: form.opt(&field("id_number")),
        represents: form.opt(&field("represents")),
    }
}

/// Registers a case from the form.
pub async fn create_case_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let fields = case_fields(&mut form);
    let now = Utc::now().naive_utc();
    let mediators = if user.role() == Role::Mediator { vec![user.id] } else { Vec::new() };
    let parsed = form.finish(fields.parse(now, now.year(), mediators).map_err(AppError::from));
    let saved = match parsed {
        Err(refused) => form_errors::<Case>(Err(refused), ctx.lang)?,
        Ok(_) => form_errors(act::register_case(&state.db, &user, fields).await, ctx.lang)?,
    };
    match saved {
        Ok(case) => Ok(done(&state, &format!("/cases/{}", case.id), "flash.case_registered", &case.number)),
        Err(errors) => {
            let ids = form.all("complaint_ids").iter().filter_map(|s| s.parse().ok()).collect();
            let data = case_form_data(&state, &user, ids).await?;
            refused(&CaseFormPage::new(PageContext::new(&ctx, &req), form, errors, data))
        }
    }
}
