//! Printing for the committee's staff: the queue, batch printing into one
//! PDF with a progress page, and the copy register.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::form::FormData;
use super::{Choice, Pager, done, short_time};
use crate::app::documents::{Kind, PrintSettings};
use crate::app::error::AppResult;
use crate::app::print_queue as act;
use crate::db::print_queue::{CopyLine, JobItem, PrintJob};
use crate::db::users::User;
use crate::domain::Invalid;
use crate::domain::account::Role;
use crate::web::http::access::CASE_WORK;
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::pagination::{Page, PageParams};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

/// Who prints: staff, mediators and administrators.
pub const PRINTING: &[Role] = &[Role::Admin, Role::Mediator, Role::Staff];

/// Most documents in one batch.
pub const MAX_BATCH: usize = 200;

/// A queue entry as the page shows it.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// Value of its check box: `case|kind|copies|request`.
    pub value: String,
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub number: String,
    /// Case title.
    pub title: String,
    /// Title key of the document.
    pub document: &'static str,
    /// Copies.
    pub copies: i32,
    /// For whom.
    pub recipient: String,
    /// Whether it was asked for (else suggested).
    pub requested: bool,
}

/// The print queue.
#[derive(Template)]
#[template(path = "ui/print_queue.html")]
struct QueuePage {
    page: PageContext,
    rows: Vec<QueueRow>,
    cases: Vec<Choice>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn queue_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let kept = crate::i18n::t(ctx.lang, "print.for_the_file");
    let (entries, open) = act::queue(&state.db, user, kept).await?;
    let rows = entries
        .into_iter()
        .filter_map(|e| {
            let kind = Kind::parse(&e.kind)?;
            let request = e.request.as_ref().map_or(String::new(), |r| r.id.to_string());
            Some(QueueRow {
                value: format!("{}|{}|{}|{}", e.case_id, e.kind, e.copies, request),
                case_id: e.case_id,
                number: e.number,
                title: e.title,
                document: kind.title_key(),
                copies: e.copies,
                recipient: e.recipient.clone().unwrap_or_default(),
                requested: e.request.is_some(),
            })
        })
        .collect();
    let cases = open
        .into_iter()
        .map(|c| Choice { value: c.id.to_string(), label: format!("{} {}", c.number, c.title), selected: false })
        .collect();
    let kinds = Kind::ALL.into_iter().map(|k| (k.code(), k.title_key())).collect();
    let page = QueuePage { page: PageContext::new(ctx, req), rows, cases, kinds, error };
    if page.error.is_some() { super::refused(&page) } else { render(&page) }
}

/// Shows the print queue.
pub async fn show_queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
) -> AppResult<HttpResponse> {
    let user = user.require(PRINTING)?.clone();
    queue_page(&state, &req, &ctx, &user, None).await
}

/// Puts a document into the queue (from the queue page or a case page).
pub async fn request_print(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(PRINTING)?.clone();
    let case_id = form.number::<i64>("case_id");
    let kind = Kind::parse(form.get("kind"));
    let copies = form.number::<i32>("copies").unwrap_or(1);
    let (Some(case_id), Some(kind), 1..=50) = (case_id, kind, copies) else {
        let message = crate::i18n::t_invalid(ctx.lang, &Invalid::new("invalid.print_request"));
        return queue_page(&state, &req, &ctx, &user, Some(message)).await;
    };
    let note = form.opt("note");
    let back = crate::web::http::redirect::local_or(form.opt("back").as_deref(), "/print");
    act::request_print(&state.db, &user, case_id, kind, copies, note).await?;
    let title = crate::i18n::t(ctx.lang, kind.title_key());
    Ok(done(&state, &back, "flash.print_queued", &title))
}

/// Parses a queue check box value.
fn item_of(value: &str) -> Option<JobItem> {
    let mut parts = value.split('|');
    let case_id = parts.next()?.parse().ok()?;
    let kind = Kind::parse(parts.next()?)?.code().to_owned();
    let copies: i32 = parts.next()?.parse().ok().filter(|c| (1..=50).contains(c))?;
    let request_id = parts.next().and_then(|r| r.parse().ok());
    Some(JobItem { case_id, kind, copies, request_id, recipient: None })
}

/// Starts a batch of the chosen queue entries and shows its progress.
pub async fn start_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(PRINTING)?.clone();
    let items: Vec<JobItem> = form.all("item").iter().filter_map(|v| item_of(v)).take(MAX_BATCH).collect();
    if items.is_empty() {
        let message = crate::i18n::t(ctx.lang, "print.choose_something");
        return queue_page(&state, &req, &ctx, &user, Some(message)).await;
    }
    let kept = crate::i18n::t(ctx.lang, "print.for_the_file");
    let full_phones = CASE_WORK.contains(&user.role());
    let settings = PrintSettings { base_url: state.config.base_url.clone(), lang: None, full_phones };
    let job_id = act::print_batch(&state.db, &user, items, kept, settings).await?;
    Ok(done(&state, &format!("/print/jobs/{job_id}"), "flash.print_started", &job_id.to_string()))
}

/// A job's progress page.
#[derive(Template)]
#[template(path = "ui/print_job.html")]
struct JobPage {
    page: PageContext,
    job: PrintJob,
    items: Vec<(String, &'static str, i32)>,
    percent: i32,
    stalled: bool,
}

/// Shows a batch's progress; refreshes itself until it is done.
pub async fn show_job(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(PRINTING)?.clone();
    let id = path.into_inner();
    let (job, numbers) = act::job(&state.db, &user, id).await?;
    let items = job
        .items()
        .into_iter()
        .zip(numbers)
        .map(|(item, number)| (number, Kind::parse(&item.kind).map_or("", Kind::title_key), item.copies))
        .collect();
    let percent = if job.total > 0 { job.done * 100 / job.total } else { 100 };
    // A job whose instance stopped while rendering never finishes.
    let stalled = job.status == "running" && Utc::now().naive_utc() - job.created_at > chrono::TimeDelta::minutes(15);
    render(&JobPage { page: PageContext::new(&ctx, &req), job, items, percent, stalled })
}

/// The merged PDF of a finished batch.
pub async fn job_pdf(state: web::Data<AppState>, user: SignedIn, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = user.require(PRINTING)?.clone();
    let id = path.into_inner();
    let pdf = act::job_pdf(&state.db, &user, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("Content-Disposition", format!("inline; filename=\"print-{id}.pdf\"")))
        .body(pdf))
}

/// Query of the copy register.
#[derive(Debug, Deserialize)]
pub struct RegisterQuery {
    cursor: Option<String>,
}

/// A line of the register as shown.
#[derive(Debug, Clone)]
pub struct RegisterRow {
    /// The stored line.
    pub line: CopyLine,
    /// Title key of the document.
    pub document: &'static str,
    /// When, local.
    pub printed_at: String,
}

/// The copy register.
#[derive(Template)]
#[template(path = "ui/print_register.html")]
struct RegisterPage {
    page: PageContext,
    rows: Vec<RegisterRow>,
    pager: Pager,
}

/// Shows the copy register, newest first.
pub async fn show_register(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    query: web::Query<RegisterQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(PRINTING)?.clone();
    let (limit, before_id) = PageParams { limit: Some(50), cursor: query.cursor.clone() }.parse()?;
    let (lines, offset) = act::register(&state.db, &user, before_id, limit).await?;
    let rows: Vec<RegisterRow> = lines
        .into_iter()
        .map(|line| RegisterRow {
            document: Kind::parse(&line.kind).map_or("", Kind::title_key),
            printed_at: short_time(line.printed_at, offset),
            line,
        })
        .collect();
    let page_of = Page::new(rows, limit, |r| r.line.id);
    let pager = Pager::of(&page_of, "", query.cursor.is_some());
    render(&RegisterPage { page: PageContext::new(&ctx, &req), rows: page_of.items, pager })
}
