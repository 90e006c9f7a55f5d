//! Reports over the API: the period's figures as JSON, CSV and PDF.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::error::{AppError, AppResult};
use crate::app::reports::{self, ReportRequest, reports_for};
use crate::domain::Invalid;
use crate::domain::fields::Fields;
use crate::web::http::access::EVERYONE;
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;

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

impl ReportQuery {
    /// What the query asks the application for.
    pub fn request(&self) -> ReportRequest {
        ReportRequest { from: self.from.clone(), to: self.to.clone(), committee_id: self.committee_id }
    }

    /// The API takes a date or no parameter: an empty `from` or `to` is
    /// refused (the page's form sends empty fields, and takes them as none).
    pub fn refuse_empty(&self) -> AppResult<()> {
        let mut f = Fields::new();
        for (field, value) in [("from", &self.from), ("to", &self.to)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                f.push(field, Invalid::new("invalid.date"));
            }
        }
        Ok(f.finish()?)
    }
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
    let list = reports_for(&state.db, &user, &query.request(), false).await?;
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
    let list = reports_for(&state.db, &user, &query.request(), all).await?;
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
    let list = reports_for(&state.db, &user, &query.request(), false).await?;
    let report = list.into_iter().next().ok_or(AppError::NotFound)?;
    let lang = ctx.lang;
    let rendered = web::block(move || reports::pdf(&report, lang, Utc::now().naive_utc()).map(|r| (r, report)))
        .await?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering a report")))?;
    let (rendered, report) = rendered;
    let name = format!("report-{}-{}.pdf", report.from, report.to);
    Ok(crate::web::http::pdf::pdf_response(rendered, &name, None))
}
