//! The reports page: the period's figures side by side for every committee
//! an administrator of the installation oversees, charts with their
//! numbers, the noise view and the integrity signals.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, TimeDelta, Utc};

use super::charts;
use crate::app::error::{AppError, AppResult};
use crate::app::reports::{Report, headline, month_start};
use crate::app::reports::{ReportRequest, reports_for, signals_for};
use crate::db::reports::Signals;
use crate::domain::account::Role;
use crate::domain::clock::local_date;
use crate::i18n::t;
use crate::web::http::access::EVERYONE;
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;
use crate::web::ui::FormErrors;
use crate::web::ui::page::{PageContext, render, render_with_status};

/// A chart and the numbers it shows.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Heading.
    pub title: String,
    /// The SVG.
    pub svg: String,
    /// Rows of its table.
    pub rows: Vec<(String, i64)>,
}

/// The reports page.
#[derive(Template)]
#[template(path = "ui/reports.html")]
struct ReportsPage {
    page: PageContext,
    from: String,
    to: String,
    committees: Vec<String>,
    headline: Vec<(String, Vec<String>)>,
    charts: Vec<Chart>,
    heatmap: String,
    heat_rows: Vec<(String, Vec<i64>)>,
    hours_chart: String,
    hour_rows: Vec<(String, i64, i64, bool)>,
    signals: Option<Signals>,
    links: Vec<(String, String)>,
    query: String,
    errors: FormErrors,
    /// What noise monitors found over the period.
    nights: crate::app::night_review::NightReport,
}

fn chart(title: String, rows: Vec<(String, i64)>) -> Chart {
    Chart { svg: charts::bars(&rows, &title), title, rows }
}

/// The period and committee the reports form asks for; empty fields are
/// taken as none.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReportForm {
    /// First day.
    from: Option<String>,
    /// Last day.
    to: Option<String>,
    /// Another committee.
    committee_id: Option<i64>,
}

impl ReportForm {
    fn request(&self) -> ReportRequest {
        ReportRequest { from: self.from.clone(), to: self.to.clone(), committee_id: self.committee_id }
    }
}

/// Shows the reports.
pub async fn show_reports(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    query: web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let lang = ctx.lang;
    let q = query.into_inner();
    let reports = match reports_for(&state.db, &user, &q.request(), true).await {
        Ok(list) => list,
        Err(AppError::Validation(fields)) => {
            // A bad period: the default period, with the message above the form.
            let errors = FormErrors::from_fields(lang, &fields);
            let list = reports_for(&state.db, &user, &ReportRequest::default(), true).await?;
            return page(&state, &req, &ctx, &user, list, errors, true).await;
        }
        Err(other) => return Err(other),
    };
    page(&state, &req, &ctx, &user, reports, FormErrors::none(), false).await
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &crate::db::users::User,
    reports: Vec<Report>,
    errors: FormErrors,
    refused: bool,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    // Charts and signals are of the user's own committee (the first for an
    // administrator of the installation, whose own committee is listed first).
    let mine =
        reports.iter().find(|r| r.committee_id == user.committee_id).or(reports.first()).ok_or(AppError::NotFound)?;
    let signals = if user.role() == Role::Admin {
        let (committee_id, from, to) = (mine.committee_id, mine.from, mine.to);
        Some(signals_for(&state.db, user, committee_id, from, to).await?)
    } else {
        None
    };
    let lines: Vec<Vec<(&'static str, String)>> = reports.iter().map(headline).collect();
    let headline_rows = lines[0]
        .iter()
        .enumerate()
        .map(|(i, (key, _))| (t(lang, key), lines.iter().map(|l| l[i].1.clone()).collect()))
        .collect();
    let labelled = |prefix: &str, pairs: Vec<(&'static str, i64)>| -> Vec<(String, i64)> {
        pairs.into_iter().map(|(code, n)| (t(lang, &format!("{prefix}.{code}")), n)).collect()
    };
    let charts = vec![
        chart(t(lang, "report.by_dispute_type"), labelled("dispute_type", mine.dispute_types())),
        chart(t(lang, "report.by_source"), labelled("source", mine.sources())),
        chart(t(lang, "report.by_channel"), labelled("channel", mine.channels())),
        chart(t(lang, "report.hotspots"), mine.hotspots.clone()),
    ];
    let days: Vec<String> = (0..7).map(|d| t(lang, &format!("report.weekday.{d}"))).collect();
    let heatmap = charts::heatmap(&mine.by_weekday_hour, &days, &t(lang, "report.heatmap"));
    let heat_rows =
        [1usize, 2, 3, 4, 5, 6, 0].iter().map(|d| (days[*d].clone(), mine.by_weekday_hour[*d].to_vec())).collect();
    let hours = mine.complaints_by_hour();
    let hours_chart = charts::hours(
        &mine.exceedances_by_hour,
        &|h| mine.is_night(h),
        &t(lang, "report.exceedances_chart"),
        &t(lang, "report.night_window"),
    );
    let hour_rows =
        (0..24).map(|h| (format!("{h:02}:00"), hours[h], mine.exceedances_by_hour[h], mine.is_night(h))).collect();
    let query =
        serde_urlencoded::to_string([("from", mine.from.to_string()), ("to", mine.to.to_string())]).unwrap_or_default();
    let today = local_date(Utc::now().naive_utc(), mine.offset_minutes);
    let last_month_end = month_start(today) - TimeDelta::days(1);
    let year_start = today.with_ordinal(1).unwrap_or(today);
    let range = |a: chrono::NaiveDate, b: chrono::NaiveDate| format!("/reports?from={a}&to={b}");
    let links = vec![
        (t(lang, "report.this_month"), range(month_start(today), today)),
        (t(lang, "report.last_month"), range(month_start(last_month_end), last_month_end)),
        (t(lang, "report.this_year"), range(year_start, today)),
    ];
    let nights = crate::app::night_review::night_report(&state.db, mine.committee_id, mine.from, mine.to).await?;
    let page = ReportsPage {
        nights,
        page: PageContext::new(ctx, req),
        from: mine.from.to_string(),
        to: mine.to.to_string(),
        committees: reports.iter().map(|r| r.committee_name.clone()).collect(),
        headline: headline_rows,
        charts,
        heatmap,
        heat_rows,
        hours_chart,
        hour_rows,
        signals,
        links,
        query,
        errors,
    };
    if refused { render_with_status(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY) } else { render(&page) }
}
