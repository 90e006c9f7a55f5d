//! Agreement pages: the editor (structured terms, vagueness warnings
//! before saving), the agreement page, signature collection and
//! follow-up visits.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::form::FormData;
use super::{Choice, FormErrors, choices, codes, done, form_errors, refused};
use crate::app::agreements::{self as act, AgreementView, agreement_view};
use crate::app::error::{AppError, AppResult};
use crate::app::follow_ups::record_follow_up;
use crate::db::agreements::{self, Agreement};
use crate::db::cases::{self, Case};
use crate::db::committees::{self, Committee};
use crate::db::parties;
use crate::db::users::User;
use crate::domain::agreement::{AgreementKind, TermKind, vagueness_warnings};
use crate::domain::clock::to_local_input;
use crate::domain::commands::agreement::{DraftFields, PerformanceFields, SignatureFields, TermFields};
use crate::domain::commands::follow_up::{FollowUpFields, ObservationFields};
use crate::domain::noise::Position;
use crate::i18n::t;
use crate::web::http::access::{EVERYONE, FIELD_WORK, MEDIATION, SIGNING};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::state::AppState;
use crate::web::ui::page::{PageContext, render};

/// The case an agreement page belongs to.
#[derive(Debug, Clone)]
pub struct CaseHead {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Title.
    pub title: String,
}

impl CaseHead {
    fn of(c: &Case) -> Self {
        Self { id: c.id, number: c.number.clone(), title: c.title.clone() }
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
        set("days", term.days.clone());
        set("start", term.start.clone());
        set("end", term.end.clone());
        set("max_db", term.max_db.map(|d| d.to_string()));
        set("position", term.position.clone());
        set("amount", term.amount.clone());
        set("due", term.due.clone());
    }
    form
}

/// The draft a posted editor holds, and the agreement it amends.
fn draft_fields(form: &mut FormData) -> (DraftFields, Option<i64>) {
    let mut terms = Vec::new();
    for i in form.rows("terms") {
        let field = |f: &str| format!("terms[{i}].{f}");
        let max_db = form.number::<f64>(&field("max_db"));
        let amount = form.number::<f64>(&field("amount"));
        terms.push(TermFields {
            text: form.opt(&field("text")),
            kind: form.text(&field("kind")),
            days: form.opt(&field("days")),
            start: form.opt(&field("start")),
            end: form.opt(&field("end")),
            max_db,
            position: form.opt(&field("position")),
            amount,
            due: form.opt(&field("due")),
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
    let (case, form) = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let case = cases::find(conn, committee.id, case_id)?;
            let mut form = match amends {
                Some(id) => {
                    let (a, of_case) = agreements::find(conn, committee.id, id)?;
                    if of_case.id != case.id {
                        return Err(AppError::NotFound);
                    }
                    let mut form = form_of(&agreement_view(conn, &committee, &a, lang)?);
                    form.set("supersedes", id.to_string());
                    form
                }
                None => {
                    let mut form = FormData::with([
                        ("kind", "written".to_owned()),
                        ("facts", case.facts.clone().unwrap_or_default()),
                        ("disputed_matters", case.requests().join("；")),
                        ("performance.manner", t(committee.settings().language, "agreement.default_manner")),
                        ("terms[0].kind", "time_window".to_owned()),
                    ]);
                    form.set("performance.place", case.location.clone().unwrap_or_default());
                    form
                }
            };
            if form.get("kind").is_empty() {
                form.set("kind", "written");
            }
            Ok((CaseHead::of(&case), form))
        })
        .await?;
    let action = format!("/cases/{case_id}/agreements");
    let page = PageContext::new(&ctx, &req);
    render(&AgreementFormPage::new(page, case, action, false, form, FormErrors::none(), Vec::new(), false))
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
    let (committee, case, current) = {
        let committee_id = user.committee_id;
        let target_id = match target {
            Target::New(id) | Target::Draft(id) => id,
        };
        state
            .db(move |conn| {
                let committee = committees::find(conn, committee_id)?;
                if editing {
                    let (a, case) = agreements::find(conn, committee_id, target_id)?;
                    Ok((committee, case, Some(a)))
                } else {
                    Ok((committee.clone(), cases::find(conn, committee_id, target_id)?, None))
                }
            })
            .await?
    };
    let draft_lang = committee.settings().language;
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
        );
        return render(&page);
    }
    let parsed = form.finish(fields.parse(None, draft_lang).map_err(AppError::from));
    if form.get("action") == "check" {
        let (warnings, errors) = match form_errors(parsed, lang)? {
            Ok(draft) => (warnings_of(&draft.terms, lang), FormErrors::none()),
            Err(errors) => (Vec::new(), errors),
        };
        let any = errors.any();
        let page =
            AgreementFormPage::new(PageContext::new(&ctx, &req), head, action, editing, form, errors, warnings, true);
        return if any { refused(&page) } else { render(&page) };
    }
    let saved = match parsed {
        Err(refused) => form_errors::<AgreementView>(Err(refused), lang)?,
        Ok(_) => {
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
    let (case, form) = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let (a, case) = agreements::find(conn, committee.id, id)?;
            if a.status() != crate::domain::agreement::AgreementStatus::Draft {
                return Err(AppError::Conflict {
                    problem: crate::domain::Invalid::new("conflict.agreement_not_draft").with("status", a.status),
                    extra: None,
                });
            }
            Ok((CaseHead::of(&case), form_of(&agreement_view(conn, &committee, &a, lang)?)))
        })
        .await?;
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

/// Someone who signs an agreement.
#[derive(Debug, Clone)]
pub struct Signer {
    /// `party:3`, `mediator`, `recorder` or `committee_seal`.
    pub key: String,
    /// Signer role code.
    pub role: &'static str,
    /// Party role code, for parties.
    pub party_role: Option<String>,
    /// Name.
    pub name: String,
    /// Whether the signature is recorded.
    pub signed: bool,
    /// Whether the agreement needs it to take effect.
    pub required: bool,
}

/// The agreement page.
#[derive(Template)]
#[template(path = "ui/agreement.html")]
struct AgreementPage {
    page: PageContext,
    case: CaseHead,
    agreement: AgreementView,
    signers: Vec<Signer>,
    can_mediate: bool,
    can_sign: bool,
    can_follow_up: bool,
    verify_url: String,
}

/// The signers of an agreement: each party, the mediator, the recorder, the seal.
fn signers_of(conn: &mut crate::db::DbConn, a: &Agreement, committee: &Committee) -> AppResult<Vec<Signer>> {
    let sigs = agreements::signatures(conn, a.id)?;
    let signed = |role: &str, party: Option<i64>| sigs.iter().any(|s| s.role == role && s.party_id == party);
    let mut out = Vec::new();
    for (cp, p) in parties::of_case(conn, a.case_id)? {
        if !cp.role().signs_agreements() {
            continue;
        }
        out.push(Signer {
            key: format!("party:{}", p.id),
            role: "party",
            party_role: Some(cp.role.to_string()),
            name: p.name.clone(),
            signed: signed("party", Some(p.id)),
            required: true,
        });
    }
    let mediator = sigs.iter().find(|s| s.role == "mediator").map(|s| s.signer_name.clone());
    out.push(Signer {
        key: "mediator".into(),
        role: "mediator",
        party_role: None,
        signed: mediator.is_some(),
        name: mediator.unwrap_or_default(),
        required: true,
    });
    let recorder = sigs.iter().find(|s| s.role == "recorder").map(|s| s.signer_name.clone());
    out.push(Signer {
        key: "recorder".into(),
        role: "recorder",
        party_role: None,
        signed: recorder.is_some(),
        name: recorder.unwrap_or_default(),
        required: false,
    });
    out.push(Signer {
        key: "committee_seal".into(),
        role: "committee_seal",
        party_role: None,
        name: committee.name.clone(),
        signed: signed("committee_seal", None),
        required: true,
    });
    Ok(out)
}

/// An agreement with its case and its signers.
async fn with_signers(
    state: &AppState,
    committee_id: i64,
    id: i64,
    lang: crate::domain::language::Lang,
) -> AppResult<(CaseHead, AgreementView, Vec<Signer>)> {
    state
        .db(move |conn| {
            let committee = committees::find(conn, committee_id)?;
            let (a, case) = agreements::find(conn, committee.id, id)?;
            let signers = signers_of(conn, &a, &committee)?;
            Ok((CaseHead::of(&case), agreement_view(conn, &committee, &a, lang)?, signers))
        })
        .await
}

/// Shows an agreement: terms, warnings, signatures, documents and actions.
pub async fn show_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let role = user.role();
    let id = path.into_inner();
    let lang = ctx.lang;
    let (case, agreement, signers) = with_signers(&state, user.committee_id, id, lang).await?;
    let verify_url = agreement.verification_code.as_ref().map(|c| format!("/verify/{c}")).unwrap_or_default();
    render(&AgreementPage {
        page: PageContext::new(&ctx, &req),
        case,
        agreement,
        signers,
        can_mediate: MEDIATION.contains(&role),
        can_sign: SIGNING.contains(&role),
        can_follow_up: FIELD_WORK.contains(&role),
        verify_url,
    })
}

/// Withdraws an agreement that has not taken effect (after confirmation).
pub async fn withdraw_agreement(
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let id = path.into_inner();
    let a = state
        .db(move |conn| Ok(agreements::withdraw(conn, &user.actor(), user.committee_id, id, Utc::now().naive_utc())?))
        .await?;
    Ok(done(&state, &format!("/agreements/{id}"), "flash.agreement_withdrawn", &a.version.to_string()))
}

/// Signature collection.
#[derive(Template)]
#[template(path = "ui/sign.html")]
struct SignPage {
    page: PageContext,
    case: CaseHead,
    agreement: AgreementView,
    signers: Vec<Signer>,
    current: Option<Signer>,
    errors: FormErrors,
    method: String,
    my_name: String,
}

/// Query of the signature page: who signs now.
#[derive(Debug, Deserialize)]
pub struct SignQuery {
    signer: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn sign_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    id: i64,
    signer: Option<String>,
    errors: FormErrors,
    method: String,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let committee_id = user.committee_id;
    let (case, agreement, signers) = with_signers(state, committee_id, id, lang).await?;
    // The one asked for, else the first who has not signed.
    let current = match signer {
        Some(key) => signers.iter().find(|s| s.key == key && !s.signed).cloned(),
        None => signers.iter().find(|s| !s.signed && s.required).cloned(),
    };
    let page = SignPage {
        page: PageContext::new(ctx, req),
        case,
        agreement,
        signers,
        current,
        method: if method.is_empty() { "on_screen".to_owned() } else { method },
        my_name: user.display_name.clone(),
        errors,
    };
    if page.errors.any() { refused(&page) } else { render(&page) }
}

/// Shows who still has to sign, and the pad for the one signing now.
pub async fn show_sign(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    query: web::Query<SignQuery>,
) -> AppResult<HttpResponse> {
    let user = user.require(SIGNING)?.clone();
    sign_page(
        &state,
        &req,
        &ctx,
        &user,
        path.into_inner(),
        query.into_inner().signer,
        FormErrors::none(),
        String::new(),
    )
    .await
}

/// Records one signature from the signature page.
pub async fn sign(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(SIGNING)?.clone();
    let id = path.into_inner();
    let key = form.text("signer");
    let (role, party_id) = match key.split_once(':') {
        Some(("party", pid)) => ("party".to_owned(), pid.parse::<i64>().ok()),
        _ => (key.clone(), None),
    };
    let method = form.text("method");
    let fields = SignatureFields {
        role,
        party_id,
        method: method.clone(),
        image_png_base64: (method == "on_screen").then(|| form.text("image_png_base64")).filter(|s| !s.is_empty()),
        signer_name: (key == "recorder").then(|| form.text("signer_name")),
        signed_at: None,
    };
    let signed = act::sign_agreement(&state.db, &user, id, fields, &state.config.base_url, ctx.lang).await;
    let saved = form_errors(signed, ctx.lang)?;
    match saved {
        Ok(outcome) if outcome.took_effect => Ok(done(
            &state,
            &format!("/agreements/{id}"),
            "flash.agreement_effective",
            &outcome.agreement.version.to_string(),
        )),
        Ok(_) => Ok(done(&state, &format!("/agreements/{id}/sign"), "flash.signature_recorded", "")),
        Err(errors) => sign_page(&state, &req, &ctx, &user, id, Some(key), errors, method).await,
    }
}

/// The follow-up form.
#[derive(Template)]
#[template(path = "ui/follow_up_form.html")]
struct FollowUpPage {
    page: PageContext,
    case: CaseHead,
    agreement: AgreementView,
    form: FormData,
    errors: FormErrors,
    methods: Vec<Choice>,
}

async fn follow_up_page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    user: &User,
    id: i64,
    form: Option<FormData>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let committee_id = user.committee_id;
    let me = user.display_name.clone();
    let (case, agreement, offset) = state
        .db(move |conn| {
            let committee = committees::find(conn, committee_id)?;
            let (a, case) = agreements::find(conn, committee.id, id)?;
            Ok((CaseHead::of(&case), agreement_view(conn, &committee, &a, lang)?, committee.utc_offset_minutes))
        })
        .await?;
    let form = form.unwrap_or_else(|| {
        FormData::with([
            ("visited_at", to_local_input(Utc::now().naive_utc(), offset)),
            ("method", "visit".to_owned()),
            ("visitor", me),
        ])
    });
    let methods = choices(lang, &["visit", "phone", "night_check"], "visit_method", form.get("method"));
    let page = FollowUpPage { page: PageContext::new(ctx, req), case, agreement, form, errors, methods };
    if page.errors.any() { refused(&page) } else { render(&page) }
}

/// Shows the follow-up form, one block per term.
pub async fn new_follow_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?.clone();
    follow_up_page(&state, &req, &ctx, &user, path.into_inner(), None, FormErrors::none()).await
}

/// Records a follow-up visit.
pub async fn create_follow_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: RequestContext,
    user: SignedIn,
    path: web::Path<i64>,
    mut form: FormData,
) -> AppResult<HttpResponse> {
    let user = user.require(FIELD_WORK)?.clone();
    let id = path.into_inner();
    let committee_id = user.committee_id;
    let offset = state.db(move |conn| Ok(committees::find(conn, committee_id)?.utc_offset_minutes)).await?;
    let mut observations = Vec::new();
    for i in form.rows("observations") {
        let field = |f: &str| format!("observations[{i}].{f}");
        let measured_db = form.number::<f64>(&field("measured_db"));
        let o = ObservationFields {
            term_index: Some(i),
            observed_end: form.opt(&field("observed_end")),
            measured_db,
            indicative: form.checked(&field("indicative")),
            result: form.opt(&field("result")),
            note: form.opt(&field("note")),
        };
        if o.observed_end.is_some() || o.measured_db.is_some() || o.result.is_some() || o.note.is_some() {
            observations.push(o);
        }
    }
    let satisfaction = form.number::<i32>("satisfaction");
    let fields = FollowUpFields {
        visited_at: form.instant("visited_at", offset),
        method: form.text("method"),
        observations,
        satisfaction,
        notes: form.opt("notes"),
        risk_signs: form.opt("risk_signs"),
        measures: form.opt("measures"),
        lawsuit: form.checked("lawsuit"),
        visitor: Some(form.text("visitor")),
        mark_fulfilled: form.checked("mark_fulfilled"),
    };
    let parsed = form.finish(fields.parse(&user.display_name).map_err(AppError::from));
    let saved = match parsed {
        Err(refused) => form_errors::<crate::app::follow_ups::FollowUpView>(Err(refused), ctx.lang)?,
        Ok(_) => form_errors(record_follow_up(&state.db, &user, id, fields).await, ctx.lang)?,
    };
    match saved {
        Ok(outcome) => {
            let label = t(ctx.lang, &format!("compliance.{}", outcome.overall));
            Ok(done(&state, &format!("/agreements/{id}"), "flash.follow_up_recorded", &label))
        }
        Err(errors) => follow_up_page(&state, &req, &ctx, &user, id, Some(form), errors).await,
    }
}
