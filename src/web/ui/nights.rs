//! A night at a monitor (its level curve with the agreed window and
//! limit, the numbers in a table, each term's finding), and a mediator's
//! review of a possible breach from this page, the case page or the
//! dashboard: confirmed into a follow-up record, or dismissed with a reason.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::FormData;
use super::{FormErrors, done, form_errors};
use crate::app::error::{AppError, AppResult};
use crate::app::monitor_nights as act;
use crate::app::night_review::{NightDetail, night_detail};
use crate::db::users::User;
use crate::domain::clock::parse_date;
use crate::web::http::access::{EVERYONE, MEDIATION};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::redirect::local_or;
use crate::web::http::state::AppState;
use crate::web::ui::night_chart::{ChartWords, night_curve};
use crate::web::ui::page::{PageContext, render, render_with_status};

/// The night page.
#[derive(Template)]
#[template(path = "ui/night.html")]
struct NightPage {
    page: PageContext,
    d: NightDetail,
    svg: String,
    previous: String,
    next: String,
    errors: FormErrors,
    /// Where a review returns to: this page.
    review_back: String,
    /// The finding whose review was refused, or 0.
    refused_id: i64,
}

async fn night_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    (monitor_id, night): (i64, chrono::NaiveDate),
    form: FormData,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let d = night_detail(&state.db, user.committee_id, monitor_id, night).await?;
    let page = PageContext::new(ctx, req);
    let limit = d.limit_db.map(|l| format!("{} {l}", page.t("monitor.night.limit"))).unwrap_or_default();
    let threshold = d.threshold_db.map(|l| format!("{} {l}", page.t("monitor.night.threshold"))).unwrap_or_default();
    let window = match d.window {
        Some((_, _, start, end)) => format!("{} {start}–{end}", page.t("monitor.night.window")),
        None => String::new(),
    };
    let title = format!("{} {} · {}", page.t("monitor.night.curve"), d.night, d.place);
    let svg = night_curve(&d, &ChartWords { title: &title, window: &window, limit: &limit, threshold: &threshold });
    let day = chrono::TimeDelta::days(1);
    let page = NightPage {
        previous: format!("/monitors/{monitor_id}/nights/{}", d.night - day),
        next: format!("/monitors/{monitor_id}/nights/{}", d.night + day),
        review_back: format!("/monitors/{monitor_id}/nights/{}", d.night),
        refused_id: form.opt("finding").and_then(|f| f.parse().ok()).unwrap_or(0),
        page,
        d,
        svg,
        errors,
    };
    if page.errors.any() {
        render_with_status(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        render(&page)
    }
}

/// Shows one night at a monitor of the committee.
pub async fn show_night(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let (monitor_id, night) = path.into_inner();
    let night = parse_date(&night).map_err(|_| AppError::NotFound)?;
    night_page(&state, &req, &ctx, &user, (monitor_id, night), FormData::new(), FormErrors::none()).await
}

/// After a review: back where it was made, or the night's page with the
/// refusal.
async fn reviewed(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    id: i64,
    form: FormData,
    outcome: AppResult<act::NightFindingView>,
) -> AppResult<HttpResponse> {
    match form_errors(outcome, ctx.lang)? {
        Ok(finding) => {
            let key = if finding.review.as_deref() == Some("confirmed") {
                "flash.night_confirmed"
            } else {
                "flash.night_dismissed"
            };
            let back = local_or(
                form.opt("back").as_deref(),
                &format!("/monitors/{}/nights/{}", finding.monitor_id, finding.night),
            );
            Ok(done(state, &back, key, &finding.night))
        }
        Err(errors) => {
            let finding = act::finding(&state.db, user.committee_id, id).await?;
            let night = parse_date(&finding.night).map_err(|_| AppError::NotFound)?;
            night_page(state, req, ctx, user, (finding.monitor_id, night), form, errors).await
        }
    }
}

/// Confirms a possible breach into a follow-up record (breached).
pub async fn confirm_finding(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let id = path.into_inner();
    let outcome = act::confirm_finding(&state.db, &user, id).await;
    reviewed(&state, &req, &ctx, &user, id, form, outcome).await
}

/// Dismisses a possible breach with the reason given.
pub async fn dismiss_finding(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let id = path.into_inner();
    let outcome = act::dismiss_finding(&state.db, &user, id, form.text("reason")).await;
    reviewed(&state, &req, &ctx, &user, id, form, outcome).await
}
