//! Reports over the API: the period's figures as JSON, CSV and PDF.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::access::EVERYONE;
use super::context::{RequestContext, SignedIn};
use super::error::{AppError, AppResult};
use super::fields::Fields;
use super::state::AppState;
use crate::db::committees;
use crate::db::users::User;
use crate::domain::Invalid;
use crate::domain::account::is_root_admin;
use crate::domain::clock::{local_date, parse_date};
use crate::reports::{self, Report, month_start};

/// The period and committee of a report.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// First day `YYYY-MM-DD` (default: the first of this month).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day `YYYY-MM-DD`, included (default: today).
    #[param(format = Date)]
    pub to: Option<String>,
    /// Another committee (administrators of the installation only).
    #[param(minimum = 1)]
    pub committee_id: Option<i64>,
}

/// Longest period a report covers.
impl ReportQuery {
    /// The API takes a date or no parameter: an empty `from` or `to` is
    /// refused (the page's form sends empty fields, and takes them as none).
    pub fn refuse_empty(&self) -> AppResult<()> {
        let mut f = Fields::new();
        for (field, value) in [("from", &self.from), ("to", &self.to)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                f.push(field, Invalid::new("invalid.date"));
            }
        }
        f.finish()
    }
}

pub const MAX_DAYS: i64 = 3660;

/// Checks a report query for `user`: the period and the committees asked
/// for (`all` gives every committee to administrators of the installation).
pub async fn reports_for(state: &AppState, user: &User, q: &ReportQuery, all: bool) -> AppResult<Vec<Report>> {
    let own = user.committee_id;
    let root = is_root_admin(user.role(), user.committee_id);
    let wanted = q.committee_id.unwrap_or(own);
    if wanted != own && !root {
        return Err(AppError::NotFound);
    }
    let (from, to) = (q.from.clone(), q.to.clone());
    state
        .db(move |conn| {
            let committee = committees::find(conn, wanted)?;
            let today = local_date(Utc::now().naive_utc(), committee.utc_offset_minutes);
            let mut f = Fields::new();
            let from = match from.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(raw) => f.check("from", parse_date(raw)),
                None => Some(month_start(today)),
            };
            let to = match to.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(raw) => f.check("to", parse_date(raw)),
                None => Some(today),
            };
            if let (Some(a), Some(b)) = (from, to)
                && (b < a || (b - a).num_days() > MAX_DAYS)
            {
                f.push("to", Invalid::new("invalid.report_period").with("max", MAX_DAYS));
            }
            let (from, to) = f.done(from.zip(to))?;
            let list = if all && root { committees::list(conn)? } else { vec![committee] };
            let mut out = Vec::with_capacity(list.len());
            for c in &list {
                out.push(reports::build(conn, c, from, to)?);
            }
            Ok(out)
        })
        .await
}

/// The figures of a period.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 404, description = "`committee_id` names another committee (only the installation's administrators see every committee)", content_type = "application/problem+json"), (status = 200, description = "accepted, succeeded, success_rate, by_dispute_type, by_source, by_channel, amount_involved, median_days_to_agreement, follow_up_compliance_rate, breaches, referrals, prevented_*, complaints_by_hour, complaints_by_weekday_hour, hotspots, exceedances_by_hour", body = Object),
        (status = 422, content_type = "application/problem+json")))]
pub async fn summary(
    state: web::Data<AppState>,
    user: SignedIn,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    query.refuse_empty()?;
    let list = reports_for(&state, &user, &query, false).await?;
    let report = list.first().ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(report.json()))
}

/// The figures of a period as CSV (UTF-8 with BOM), one column per committee.
#[utoipa::path(get, path = "/api/v1/reports/summary.csv", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 404, description = "`committee_id` names another committee (only the installation's administrators see every committee)", content_type = "application/problem+json"), (status = 200, content_type = "text/csv", description = "section, code, item, then one column per committee")))]
pub async fn summary_csv(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let all = query.committee_id.is_none();
    query.refuse_empty()?;
    let list = reports_for(&state, &user, &query, all).await?;
    let name = list.first().map_or_else(|| "report".to_owned(), |r| format!("report-{}-{}", r.from, r.to));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")))
        .body(reports::csv(&list, ctx.lang)))
}

/// The report of a period as a printable PDF.
#[utoipa::path(get, path = "/api/v1/reports/summary.pdf", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 404, description = "`committee_id` names another committee (only the installation's administrators see every committee)", content_type = "application/problem+json"), (status = 200, content_type = "application/pdf", description = "The report")))]
pub async fn summary_pdf(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    query: web::Query<ReportQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    query.refuse_empty()?;
    let list = reports_for(&state, &user, &query, false).await?;
    let report = list.into_iter().next().ok_or(AppError::NotFound)?;
    let lang = ctx.lang;
    let rendered = web::block(move || reports::pdf(&report, lang, Utc::now().naive_utc()).map(|r| (r, report)))
        .await?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering a report")))?;
    let (rendered, report) = rendered;
    let name = format!("report-{}-{}.pdf", report.from, report.to);
    Ok(super::documents::pdf_response(rendered, &name, None))
}
