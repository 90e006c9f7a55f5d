//! Agreement pages: the editor (structured terms, vagueness warnings
//! before saving), the agreement page, signature collection and
//! follow-up visits.

mod follow_ups;
mod show;
mod signing;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::form::FormData;
use super::{Choice, FormErrors, choices, codes, done, form_errors, refused};
use crate::app::agreements::{self as act, AgreementView, Signer, TermParty};
use crate::app::committees::committee;
use crate::app::error::{AppError, AppResult};
use crate::app::follow_ups::record_follow_up;
use crate::db::cases::Case;
use crate::db::users::User;
use crate::domain::agreement::{AgreementKind, TermKind, vagueness_warnings};
use crate::domain::clock::to_local_input;
use crate::domain::commands::agreement::{DraftFields, PerformanceFields, SignatureFields, TermFields};
use crate::domain::commands::case::MoveFields;
use crate::domain::commands::follow_up::{FollowUpFields, ObservationFields};
use crate::domain::noise::Position;
use crate::i18n::t;
use crate::web::http::access::{EVERYONE, FIELD_WORK, MEDIATION, SIGNING};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

pub use follow_ups::*;
pub use show::*;
pub use signing::*;

/// The case an agreement page belongs to.
#[derive(Debug, Clone)]
pub struct CaseHead {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Status code.
    pub status: String,
}

impl CaseHead {
    fn of(c: &Case) -> Self {
        Self { id: c.id, number: c.number.clone(), title: c.title.clone(), status: c.status.to_string() }
    }

    /// Whether drafting first moves the case from investigation into
    /// mediation (the user confirms it on the form).
    fn starts_mediation(&self) -> bool {
        self.status == "investigating"
    }
}

/// The agreement editor.
#[derive(Template)]
#[template(path = "ui/agreement_form.html")]
struct AgreementFormPage {
    page: PageContext,
    case: CaseHead,
    action: String,
    editing: bool,
    form: FormData,
    errors: FormErrors,
    warnings: Vec<(usize, String)>,
    checked: bool,
    rows: Vec<usize>,
    term_kinds: Vec<&'static str>,
    positions: Vec<&'static str>,
    kinds: Vec<Choice>,
    parties: Vec<TermParty>,
}

impl AgreementFormPage {
    #[allow(clippy::too_many_arguments)]
    fn new(
        page: PageContext,
        case: CaseHead,
        action: String,
        editing: bool,
        form: FormData,
        errors: FormErrors,
        warnings: Vec<(usize, String)>,
        checked: bool,
        parties: Vec<TermParty>,
    ) -> Self {
        let mut rows = form.rows("terms");
        if rows.is_empty() {
            rows = vec![0];
        }
        let kinds =
            choices(page.lang, &codes(AgreementKind::ALL, AgreementKind::code), "agreement_kind", form.get("kind"));
        Self {
            page,
            case,
            action,
            editing,
            form,
            errors,
            warnings,
            checked,
            rows,
            term_kinds: codes(TermKind::ALL, TermKind::code),
            positions: codes(Position::ALL, Position::code),
            kinds,
            parties,
        }
    }
}

/// The editor's fields from an agreement.
fn form_of(a: &AgreementView) -> FormData {
    let mut form = FormData::with([
        ("kind", a.kind.clone()),
        ("subtitle", a.subtitle.clone().unwrap_or_default()),
        ("facts", a.facts.clone()),
        ("disputed_matters", a.disputed_matters.clone()),
        ("responsibilities", a.responsibilities.clone().unwrap_or_default()),
        ("performance.manner", a.performance.manner.clone()),
        ("performance.place", a.performance.place.clone().unwrap_or_default()),
        ("performance.deadline", a.performance.deadline.clone().unwrap_or_default()),
    ]);
    for term in &a.terms {
        let i = term.index;
        let mut set = |f: &str, v: Option<String>| form.set(&format!("terms[{i}].{f}"), v.unwrap_or_default());
        set("kind", Some(term.kind.clone()));
        set("text", Some(term.text.clone()));
        set("start", term.start.clone());
        set("end", term.end.clone());
        set("max_db", term.max_db.map(|d| d.to_string()));
        set("position", term.position.clone());
        set("amount", term.amount.clone());
        set("due", term.due.clone());
        set("obligor", term.obligor_party_id.map(|id| id.to_string()));
        set("payee", term.payee_party_id.map(|id| id.to_string()));
        set_days(&mut form, &format!("terms[{i}].days"), term.days.as_deref());
    }
    form
}

/// What the picker shows for stored days: the mode, and each weekday ticked.
fn set_days(form: &mut FormData, name: &str, days: Option<&str>) {
    match days {
        None => form.set(name, "daily"),
        Some(code @ ("daily" | "weekdays" | "weekends")) => form.set(name, code),
        Some(list) => {
            form.set(name, "some");
            for d in list.split(',') {
                form.set(&format!("{name}.{d}"), "true");
            }
        }
    }
}

/// The draft a posted editor holds, and the agreement it amends.
fn draft_fields(form: &mut FormData) -> (DraftFields, Option<i64>) {
    let mut terms = Vec::new();
    for i in form.rows("terms") {
        let field = |f: &str| format!("terms[{i}].{f}");
        // Only the fields of the term's kind are read: others may linger,
        // hidden, from a kind chosen before.
        let kind = form.text(&field("kind"));
        let fields = TermKind::parse(&kind).map_or(&[][..], TermKind::fields);
        let has = |f: &str| fields.contains(&f);
        let max_db = if has("max_db") { form.number::<f64>(&field("max_db")) } else { None };
        let amount = if has("amount") { form.number::<f64>(&field("amount")) } else { None };
        let days = if has("days") { form.days(&field("days")) } else { None };
        let obligor = if has("obligor") { form.number::<i64>(&field("obligor")) } else { None };
        let payee = if has("payee") { form.number::<i64>(&field("payee")) } else { None };
        let opt = |f: &str| if has(f) { form.opt(&field(f)) } else { None };
        terms.push(TermFields {
            text: form.opt(&field("text")),
            days,
            start: opt("start"),
            end: opt("end"),
            max_db,
            position: opt("position"),
            amount,
            due: opt("due"),
            obligor,
            payee,
            kind,
        });
    }
    let fields = DraftFields {
        kind: Some(form.text("kind")),
        facts: Some(form.text("facts")),
        disputed_matters: Some(form.text("disputed_matters")),
        responsibilities: Some(form.text("responsibilities")),
        terms: Some(terms),
        performance: Some(PerformanceFields {
            manner: form.text("performance.manner"),
            place: form.opt("performance.place"),
            deadline: form.opt("performance.deadline"),
        }),
        subtitle: Some(form.text("subtitle")),
    };
    (fields, form.number("supersedes"))
}

/// Query of the new-agreement form.
#[derive(Debug, Deserialize)]
pub struct NewAgreementQuery {
    /// The effective agreement to amend.
    amends: Option<i64>,
}

/// Shows the editor for a new agreement (or a new version of one).
pub async fn new_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    query: web::Query<NewAgreementQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let case_id = path.into_inner();
    let amends = query.amends;
    let lang = ctx.lang;
    let source = act::draft_source(&state.db, &user, case_id, amends, lang).await?;
    let (committee, case, parties) = (source.committee, source.case, source.parties);
    let mut form = match source.amends {
        Some(amended) => {
            let mut form = form_of(&amended);
            form.set("supersedes", amended.id.to_string());
            form
        }
        None => {
            let mut form = FormData::with([
                ("kind", "written".to_owned()),
                ("facts", case.facts.clone().unwrap_or_default()),
                ("disputed_matters", case.requests().join("；")),
                ("performance.manner", t(committee.lang(), "agreement.default_manner")),
                ("terms[0].kind", "time_window".to_owned()),
            ]);
            form.set("performance.place", case.location.clone().unwrap_or_default());
            form
        }
    };
    if form.get("kind").is_empty() {
        form.set("kind", "written");
    }
    let case = CaseHead::of(&case);
    let action = format!("/cases/{case_id}/agreements");
    let page = PageContext::new(&ctx, &req);
    render(&AgreementFormPage::new(page, case, action, false, form, FormErrors::none(), Vec::new(), false, parties))
}

/// Warnings of a checked draft, in the reader's language.
fn warnings_of(terms: &[crate::domain::agreement::Term], lang: crate::domain::language::Lang) -> Vec<(usize, String)> {
    vagueness_warnings(terms).into_iter().map(|w| (w.term_index + 1, t(lang, w.code))).collect()
}

/// What the editor posts to: a new agreement of a case, or a draft.
enum Target {
    New(i64),
    Draft(i64),
}

async fn submit_editor(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: User,
    target: Target,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let editing = matches!(target, Target::Draft(_));
    let (fields, supersedes) = draft_fields(&mut form);
    let target_id = match target {
        Target::New(id) | Target::Draft(id) => id,
    };
    let (committee, case, current, parties) = act::editor_target(&state.db, &user, target_id, editing).await?;
    let draft_lang = committee.lang();
    let (action, case_id) = match &current {
        Some(a) => (format!("/agreements/{}/edit", a.id), case.id),
        None => (format!("/cases/{}/agreements", case.id), case.id),
    };
    let head = CaseHead::of(&case);
    if form.get("action") == "add_term" {
        // Without scripts, a new term row comes from the server.
        let next = form.rows("terms").last().map_or(0, |i| i + 1);
        form.set(&format!("terms[{next}].kind"), "free_text");
        let page = AgreementFormPage::new(
            PageContext::new(&ctx, &req),
            head,
            action,
            editing,
            form,
            FormErrors::none(),
            Vec::new(),
            false,
            parties,
        );
        return render(&page);
    }
    let parsed = form.finish(fields.parse(None, draft_lang, &act::names_of(&parties)).map_err(AppError::from));
    if form.get("action") == "check" {
        let (warnings, errors) = match form_errors(parsed, lang)? {
            Ok(draft) => (warnings_of(&draft.terms, lang), FormErrors::none()),
            Err(errors) => (Vec::new(), errors),
        };
        let any = errors.any();
        let page = AgreementFormPage::new(
            PageContext::new(&ctx, &req),
            head,
            action,
            editing,
            form,
            errors,
            warnings,
            true,
            parties,
        );
        return if any { refused(&page) } else { render(&page) };
    }
    // A case still under investigation moves into mediation with its
    // first draft, once the user has confirmed it.
    let unconfirmed = current.is_none() && head.starts_mediation() && !form.checked("start_mediation");
    let parsed = match parsed {
        Ok(_) if unconfirmed => {
            Err(AppError::field("start_mediation", crate::domain::Invalid::new("invalid.confirm_start_mediation")))
        }
        other => other,
    };
    let saved = match parsed {
        Err(refused) => form_errors::<AgreementView>(Err(refused), lang)?,
        Ok(_) => {
            if current.is_none() && head.starts_mediation() {
                let to_mediation = MoveFields { to: "mediating".to_owned(), ..MoveFields::default() };
                crate::app::cases::move_case(&state.db, &user, case_id, to_mediation).await?;
            }
            let written = match &current {
                Some(a) => act::edit_draft(&state.db, &user, a.id, fields, lang).await,
                None => {
                    let base_url = &state.config.base_url;
                    act::draft_agreement(&state.db, &user, case_id, fields, supersedes, base_url, lang).await
                }
            };
            form_errors(written, lang)?
        }
    };
    match saved {
        Ok(a) => Ok(done(&state, &format!("/agreements/{}", a.id), "flash.agreement_saved", &a.version.to_string())),
        Err(errors) => refused(&AgreementFormPage::new(
            PageContext::new(&ctx, &req),
            head,
            action,
            editing,
            form,
            errors,
            Vec::new(),
            false,
            parties,
        )),
    }
}

/// Saves a new agreement from the editor (or, with `action=check`, shows
/// its vagueness warnings without saving).
pub async fn create_agreement_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    submit_editor(state, req, ctx, user, Target::New(path.into_inner()), form).await
}

/// Shows the editor for a draft.
pub async fn edit_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let id = path.into_inner();
    let lang = ctx.lang;
    let (case, draft, parties) = act::draft_to_edit(&state.db, &user, id, lang).await?;
    let (case, form) = (CaseHead::of(&case), form_of(&draft));
    let page = PageContext::new(&ctx, &req);
    render(&AgreementFormPage::new(
        page,
        case,
        format!("/agreements/{id}/edit"),
        true,
        form,
        FormErrors::none(),
        Vec::new(),
        false,
        parties,
    ))
}

/// Saves changes to a draft.
pub async fn update_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    submit_editor(state, req, ctx, user, Target::Draft(path.into_inner()), form).await
}
