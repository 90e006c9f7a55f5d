//! Administration: the committee's users and its settings, seal included.

use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as FileBytes;
use actix_multipart::form::text::Text;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::form::FormData;
use super::{Choice, FormErrors, choices, codes, done, form_errors, refused};
use crate::app::committees as committee_act;
use crate::app::error::{AppError, AppResult};
use crate::app::users as user_act;
use crate::db::committees::Committee;
use crate::db::users::User;
use crate::domain::account::Role;
use crate::domain::commands::admin::{AccountFields, CommitteeFields};
use crate::domain::committee::ZoneClass;
use crate::domain::language::Lang;
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

const ADMIN: &[Role] = &[Role::Admin];

/// The users page.
#[derive(Template)]
#[template(path = "ui/admin_users.html")]
struct UsersPage {
    page: PageContext,
    users: Vec<User>,
    me: i64,
    form: FormData,
    errors: FormErrors,
    roles: Vec<Choice>,
}

async fn users_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    admin: &User,
    form: FormData,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let list = user_act::list_users(&state.db, admin.committee_id).await?;
    let roles = choices(ctx.lang, &codes(&Role::ALL, Role::code), "role", form.get("role"));
    let page = UsersPage { page: PageContext::new(ctx, req), users: list, me: admin.id, form, errors, roles };
    if page.errors.any() { refused(&page) } else { render(&page) }
}

/// Lists the committee's users, with the form to add one.
pub async fn show_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
) -> AppResult<HttpResponse> {
    let admin = user.require(ADMIN)?.clone();
    let form = FormData::with([("role", "mediator")]);
    users_page(&state, &req, &ctx, &admin, form, FormErrors::none()).await
}

/// Adds a user.
pub async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let admin = user.require(ADMIN)?.clone();
    let fields = AccountFields {
        username: form.text("username"),
        display_name: form.opt("display_name"),
        role: form.text("role"),
        password: form.text("password"),
        committee_id: None,
    };
    // The password is never shown again.
    form.set("password", "");
    match form_errors(user_act::create_user(&state.db, &admin, fields).await, ctx.lang)? {
        Ok(created) => Ok(done(&state, "/admin", "flash.user_created", &created.username)),
        Err(errors) => users_page(&state, &req, &ctx, &admin, form, errors).await,
    }
}

/// Lets a user sign in again, or stops them (after confirmation).
pub async fn set_active(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let admin = user.require(ADMIN)?;
    let active = form.checked("active");
    let name = user_act::set_active(&state.db, admin, path.into_inner(), active).await?;
    let key = if active { "flash.user_activated" } else { "flash.user_deactivated" };
    Ok(done(&state, "/admin", key, &name))
}

/// The committee settings page.
#[derive(Template)]
#[template(path = "ui/admin_committee.html")]
struct CommitteePage {
    page: PageContext,
    has_seal: bool,
    form: FormData,
    errors: FormErrors,
    seal_error: Option<String>,
    zones: Vec<Choice>,
    languages: Vec<Choice>,
}

fn form_of(c: &Committee) -> FormData {
    FormData::with([
        ("name", c.name.clone()),
        ("abbreviation", c.abbreviation.clone()),
        ("number_pattern", c.number_pattern.0.as_str().to_owned()),
        ("zone_class", c.zone_class.to_string()),
        ("night_start", c.night_start.0.to_string()),
        ("night_end", c.night_end.0.to_string()),
        ("language", c.language.to_string()),
        ("retention_years", c.retention_years.to_string()),
    ])
}

async fn committee_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    admin: &User,
    form: Option<FormData>,
    errors: FormErrors,
    seal_error: Option<String>,
) -> AppResult<HttpResponse> {
    let committee = committee_act::committee(&state.db, admin, admin.committee_id).await?;
    let has_seal = committee_act::seal(&state.db, admin).await?.is_some();
    let form = form.unwrap_or_else(|| form_of(&committee));
    let lang = ctx.lang;
    let zones = choices(lang, &codes(&ZoneClass::ALL, ZoneClass::code), "zone_class", form.get("zone_class"));
    let languages = Lang::ALL
        .iter()
        .map(|l| Choice {
            value: l.code().into(),
            label: l.native_name().into(),
            selected: form.get("language") == l.code(),
        })
        .collect();
    let page = CommitteePage { page: PageContext::new(ctx, req), has_seal, form, errors, seal_error, zones, languages };
    if page.errors.any() || page.seal_error.is_some() { refused(&page) } else { render(&page) }
}

/// Shows the committee's settings.
pub async fn show_committee(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
) -> AppResult<HttpResponse> {
    let admin = user.require(ADMIN)?.clone();
    committee_page(&state, &req, &ctx, &admin, None, FormErrors::none(), None).await
}

/// Saves the committee's settings; its local time offset is kept.
pub async fn save_committee(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let admin = user.require(ADMIN)?.clone();
    let fields = CommitteeFields {
        name: form.text("name"),
        abbreviation: form.text("abbreviation"),
        zone_class: form.text("zone_class"),
        night_start: form.opt("night_start"),
        night_end: form.opt("night_end"),
        number_pattern: form.opt("number_pattern"),
        language: form.opt("language"),
        retention_years: form.number("retention_years"),
    };
    let parsed = form.finish(fields.parse().map_err(AppError::from));
    let saved = match parsed {
        Err(refused) => form_errors::<String>(Err(refused), ctx.lang)?,
        Ok(_) => form_errors(committee_act::update_settings(&state.db, &admin, fields).await, ctx.lang)?,
    };
    match saved {
        Ok(name) => Ok(done(&state, "/admin/committee", "flash.committee_saved", &name)),
        Err(errors) => committee_page(&state, &req, &ctx, &admin, Some(form), errors, None).await,
    }
}

/// An uploaded seal.
#[derive(Debug, MultipartForm)]
pub struct SealForm {
    /// The PNG (optional here, so that a caller without the role is refused
    /// before the upload is judged; a missing file is refused as not a PNG).
    #[multipart(limit = "2MB")]
    pub seal: Option<FileBytes>,
    /// The CSRF token (checked by the middleware).
    pub csrf_token: Option<Text<String>>,
}

/// Stores the committee's seal image after checking its content.
pub async fn upload_seal(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    MultipartForm(form): MultipartForm<SealForm>,
) -> AppResult<HttpResponse> {
    let admin = user.require(ADMIN)?.clone();
    let png = form.seal.map(|f| f.data.to_vec()).unwrap_or_default();
    match committee_act::set_seal(&state.db, &admin, Some(png)).await {
        Err(AppError::Validation(errors)) => {
            let message = errors.first().map(|e| crate::i18n::t_invalid(ctx.lang, &e.problem)).unwrap_or_default();
            return committee_page(&state, &req, &ctx, &admin, None, FormErrors::none(), Some(message)).await;
        }
        other => other?,
    }
    Ok(done(&state, "/admin/committee", "flash.seal_saved", ""))
}

/// Removes the seal image (after confirmation).
pub async fn remove_seal(state: web::Data<AppState>, user: SignedIn) -> AppResult<HttpResponse> {
    let admin = user.require(ADMIN)?;
    committee_act::set_seal(&state.db, admin, None).await?;
    Ok(done(&state, "/admin/committee", "flash.seal_removed", ""))
}

/// The seal image, for the settings page.
pub async fn seal_image(state: web::Data<AppState>, user: SignedIn) -> AppResult<HttpResponse> {
    let png = committee_act::seal(&state.db, user.require(ADMIN)?).await?.ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().content_type("image/png").insert_header(("Cache-Control", "private, no-store")).body(png))
}
