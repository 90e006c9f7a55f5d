//! Complaint pages: the intake form, the list, one complaint with its
//! likely duplicates.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Utc};
use serde::Deserialize;

use super::form::FormData;
use super::{Choice, ComplaintRow, FormErrors, Pager, choices, codes, done, form_errors, refused};
use crate::app::committees::committee;
use crate::app::complaints as act;
use crate::app::error::{AppError, AppResult};
use crate::db::complaints::ComplaintFilter;
use crate::domain::commands::complaint::{ComplaintFields, PatternFields, ReporterFields};
use crate::domain::complaint::{Category, Channel};
use crate::search::Query;
use crate::web::http::access::{CASE_WORK, EVERYONE};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::pagination::{Page, PageParams};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

/// The intake form.
#[derive(Template)]
#[template(path = "ui/complaint_form.html")]
struct ComplaintFormPage {
    page: PageContext,
    form: FormData,
    errors: FormErrors,
    channels: Vec<Choice>,
    categories: Vec<Choice>,
}

impl ComplaintFormPage {
    fn new(page: PageContext, form: FormData, errors: FormErrors) -> Self {
        let lang = page.lang;
        let channels = choices(lang, &codes(Channel::ALL, Channel::code), "channel", form.get("channel"));
        let categories = choices(lang, &codes(Category::ALL, Category::code), "category", form.get("category"));
        Self { page, form, errors, channels, categories }
    }
}

/// Shows an empty intake form.
pub async fn new_complaint(req: HttpRequest, ctx: RequestContext, user: SignedIn) -> AppResult<HttpResponse> {
    user.require(EVERYONE)?;
    let form = FormData::with([("channel", "patrol"), ("category", "noise")]);
    render(&ComplaintFormPage::new(PageContext::new(&ctx, &req), form, FormErrors::none()))
}

/// The complaint a posted intake form holds.
fn complaint_fields(form: &mut FormData, offset: i32) -> ComplaintFields {
    let days = form.days("observed_pattern.days");
    let pattern = ["observed_pattern.text", "observed_pattern.start", "observed_pattern.end", "observed_pattern.days"];
    let has_pattern = pattern.iter().any(|f| form.opt(f).is_some()) || days.is_some();
    let anonymous = form.checked("anonymous");
    let has_reporter = ["reporter.name", "reporter.phone", "reporter.address"].iter().any(|f| form.opt(f).is_some());
    ComplaintFields {
        received_at: form.opt("received_at").map(|_| form.instant("received_at", offset)),
        channel: form.text("channel"),
        category: form.text("category"),
        location: form.text("location"),
        description: form.text("description"),
        observed_pattern: has_pattern.then(|| PatternFields::Detailed {
            text: form.opt("observed_pattern.text"),
            start: form.opt("observed_pattern.start"),
            end: form.opt("observed_pattern.end"),
            days,
        }),
        reporter: (has_reporter || !anonymous).then(|| ReporterFields {
            name: form.text("reporter.name"),
            phone: form.opt("reporter.phone"),
            address: form.opt("reporter.address"),
        }),
        anonymous,
    }
}

/// Records a complaint from the intake form.
pub async fn create_complaint(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let committee_id = user.committee_id;
    let offset = committee(&state.db, &user, committee_id).await?.utc_offset_minutes;
    let fields = complaint_fields(&mut form, offset);
    let now = Utc::now().naive_utc();
    let parsed = form.finish(fields.parse(committee_id, now, now.year()).map_err(AppError::from));
    let saved = match parsed {
        Err(refused) => form_errors::<crate::app::case_view::parts::ComplaintView>(Err(refused), ctx.lang)?,
        // Written by the intake, as the API's complaints are.
        Ok(_) => form_errors(act::register_complaint(&state.db, &user, fields).await, ctx.lang)?,
    };
    match saved {
        Ok(c) => Ok(done(&state, &format!("/complaints/{}", c.id), "flash.complaint_recorded", &c.location)),
        Err(errors) => refused(&ComplaintFormPage::new(PageContext::new(&ctx, &req), form, errors)),
    }
}

/// Filters of the complaint list.
#[derive(Debug, Deserialize)]
pub struct ComplaintListQuery {
    /// `all`, or (default) only complaints in no case.
    view: Option<String>,
    /// Text in the location or description.
    q: Option<String>,
    /// Cursor of the next page.
    cursor: Option<String>,
}

/// The complaint list.
#[derive(Template)]
#[template(path = "ui/complaint_list.html")]
struct ComplaintListPage {
    page: PageContext,
    rows: Vec<ComplaintRow>,
    all: bool,
    q: String,
    pager: Pager,
}

/// Lists complaints, those in no case first by default.
pub async fn list_complaints(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    query: web::Query<ComplaintListQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let query = query.into_inner();
    let all = query.view.as_deref() == Some("all");
    let (limit, before_id) = PageParams { limit: Some(25), cursor: query.cursor.clone() }.parse()?;
    let filter = ComplaintFilter { unassigned: !all, q: query.q.clone(), before_id, limit, ..Default::default() };
    let lang = ctx.lang;
    let (offset, listed) = act::list_with_duplicates(&state.db, &user, filter).await?;
    let q = query.q.unwrap_or_default();
    let searched = Some(q.trim()).filter(|q| !q.is_empty()).map(Query::new);
    let rows = listed
        .iter()
        .map(|(c, similar)| ComplaintRow::new(c, *similar, offset, lang).marked(c, searched.as_ref()))
        .collect();
    let page_of = Page::new(rows, limit, |r| r.id);
    let params = serde_urlencoded::to_string([("view", if all { "all" } else { "open" }), ("q", q.as_str())])
        .unwrap_or_default();
    let pager = Pager::of(&page_of, &params, query.cursor.is_some());
    render(&ComplaintListPage { page: PageContext::new(&ctx, &req), rows: page_of.items, all, q, pager })
}

/// One complaint.
#[derive(Template)]
#[template(path = "ui/complaint.html")]
struct ComplaintPage {
    page: PageContext,
    complaint: ComplaintRow,
    description: String,
    pattern: String,
    reporter: Option<(String, String)>,
    anonymous: bool,
    similar: Vec<ComplaintRow>,
    open_cases: Vec<Choice>,
    can_open_case: bool,
    new_case_link: String,
}

/// Shows a complaint with its likely duplicates and what can be done with it.
pub async fn show_complaint(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let can_open_case = CASE_WORK.contains(&user.role());
    let id = path.into_inner();
    let lang = ctx.lang;
    let page = PageContext::new(&ctx, &req);
    let none = page.t("doc.none");
    let detail = act::complaint_detail(&state.db, &user, id).await?;
    let (c, offset) = (detail.complaint, detail.offset);
    let mut unassigned_ids = vec![c.id];
    unassigned_ids.extend(detail.similar.iter().filter(|s| s.case_id.is_none()).map(|s| s.id));
    let similar = detail.similar.iter().map(|s| ComplaintRow::new(s, 0, offset, lang)).collect::<Vec<_>>();
    let open_cases = detail
        .open_cases
        .into_iter()
        .map(|k| Choice { value: k.id.to_string(), label: format!("{} {}", k.number, k.title), selected: false })
        .collect::<Vec<_>>();
    let pattern = [
        c.observed_pattern.clone(),
        match (&c.pattern_start, &c.pattern_end) {
            (Some(s), Some(e)) => Some(format!("{s}–{e}")),
            (Some(s), None) => Some(s.clone()),
            (None, Some(e)) => Some(format!("–{e}")),
            (None, None) => None,
        },
        c.pattern_days.as_deref().map(|d| crate::domain::complaint::days_in_words(Some(d), lang)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    // Contacts stay masked here; the case page reveals them on request.
    let reporter = detail
        .reporter
        .map(|p| (p.name.clone(), p.phone.as_deref().map(crate::domain::party::mask_phone).unwrap_or_default()));
    let complaint = ComplaintRow::new(&c, similar.len(), offset, lang);
    let (description, anonymous) = (c.description, c.anonymous);
    let ids = unassigned_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    render(&ComplaintPage {
        page,
        complaint,
        description,
        pattern: if pattern.is_empty() { none } else { pattern },
        reporter,
        anonymous,
        similar,
        open_cases,
        can_open_case,
        new_case_link: format!("/cases/new?complaints={ids}"),
    })
}

/// Puts a complaint into an open case (from the complaint page).
pub async fn attach_complaint(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let id = path.into_inner();
    let case_id: i64 = form.get("case_id").parse().map_err(|_| AppError::NotFound)?;
    let number = act::attach_complaint(&state.db, &user, case_id, id).await?;
    Ok(done(&state, &format!("/cases/{case_id}"), "flash.complaint_attached", &number))
}
