//! The noise monitors page: the committee's monitors and the form that
//! registers one, whose device secrets are shown once, on the answer.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::FormData;
use super::{Choice, FormErrors, choices, codes, form_errors, refused};
use crate::app::error::AppResult;
use crate::app::monitors::{self as act, MonitorView, RegisteredMonitor};
use crate::db::users::User;
use crate::domain::commands::monitor::MonitorFields;
use crate::domain::committee::ZoneClass;
use crate::domain::monitor::InstrumentClass;
use crate::domain::noise::Position;
use crate::web::http::access::CASE_WORK;
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

/// The monitors page.
#[derive(Template)]
#[template(path = "ui/monitors.html")]
struct MonitorsPage {
    page: PageContext,
    monitors: Vec<MonitorView>,
    created: Option<RegisteredMonitor>,
    form: FormData,
    errors: FormErrors,
    positions: Vec<Choice>,
    zones: Vec<Choice>,
    classes: Vec<Choice>,
}

async fn monitors_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    form: FormData,
    errors: FormErrors,
    created: Option<RegisteredMonitor>,
) -> AppResult<HttpResponse> {
    let monitors = act::list_monitors(&state.db, user).await?;
    let lang = ctx.lang;
    let positions = choices(lang, &codes(Position::ALL, Position::code), "position", form.get("position"));
    let zones = choices(lang, &codes(&ZoneClass::ALL, ZoneClass::code), "zone_class", form.get("zone_class"));
    let classes = choices(
        lang,
        &codes(InstrumentClass::ALL, InstrumentClass::code),
        "instrument_class",
        form.get("instrument_class"),
    );
    let page =
        MonitorsPage { page: PageContext::new(ctx, req), monitors, created, form, errors, positions, zones, classes };
    if page.errors.any() { refused(&page) } else { render(&page) }
}

fn blank_form() -> FormData {
    FormData::with([("position", "outside_window_1m"), ("instrument_class", "class2")])
}

/// Lists the committee's monitors, with the form to register one.
pub async fn show_monitors(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    monitors_page(&state, &req, &ctx, &user, blank_form(), FormErrors::none(), None).await
}

/// Registers a monitor and shows its device secrets this once.
pub async fn register_monitor(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(CASE_WORK)?.clone();
    let fields = MonitorFields {
        place: form.text("place"),
        position: form.text("position"),
        zone_class: form.opt("zone_class"),
        instrument_class: form.text("instrument_class"),
        serial: form.text("serial"),
        calibrated_on: form.opt("calibrated_on"),
        calibration_valid_until: form.opt("calibration_valid_until"),
        mn: form.text("mn"),
        hj212_password: form.opt("hj212_password"),
        realtime_interval_s: None,
        data_time_marks: None,
        case_id: form.number("case_id"),
        agreement_id: None,
    };
    // The password is shown on the answer only if it was registered.
    form.set("hj212_password", "");
    let registered = match form.finish(Ok(())) {
        Ok(()) => form_errors(act::register_monitor(&state.db, &user, fields).await, ctx.lang)?,
        Err(refused) => form_errors::<RegisteredMonitor>(Err(refused), ctx.lang)?,
    };
    match registered {
        Ok(created) => monitors_page(&state, &req, &ctx, &user, blank_form(), FormErrors::none(), Some(created)).await,
        Err(errors) => monitors_page(&state, &req, &ctx, &user, form, errors, None).await,
    }
}
