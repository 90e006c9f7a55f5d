//! Agreements over the API: drafting, editing, signing, amending.

use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::access::{EVERYONE, MEDIATION, SIGNING};
use super::api::ApiJson;
use super::context::{RequestContext, SignedIn};
use super::error::{AppError, AppResult};
use super::fields::Fields;
use super::state::AppState;
use crate::db::agreements::{self, Agreement, Draft, NewSignature, SignOutcome, SignatureRow};
use crate::db::committees::{self, Committee};
use crate::db::users::User;
use crate::db::{DbConn, parties};
use crate::domain::account::Role;
use crate::domain::agreement::{
    AgreementKind, AgreementStatus, Missing, Performance, SignMethod, Signed, SignerRole, Term, TermInput,
    check_signature_png, format_yuan, missing_signatures, vagueness_warnings,
};
use crate::domain::clock::{format_instant, parse_date, parse_instant};
use crate::domain::language::Lang;
use crate::domain::{Invalid, optional_text, required_text};
use crate::i18n::t;
use crate::print::{self, PrintSettings};

/// A term as submitted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TermBody {
    /// Printable text; generated from the fields when left out.
    pub text: Option<String>,
    /// time_window, volume_limit, relocation, equipment, payment, deadline or free_text.
    #[serde(default)]
    #[schema(required)]
    pub kind: String,
    /// `daily`, `weekdays`, `weekends` or `mon,tue,…`.
    pub days: Option<String>,
    /// Start `HH:MM`.
    pub start: Option<String>,
    /// End `HH:MM`.
    pub end: Option<String>,
    /// Highest level, dB(A).
    pub max_db: Option<f64>,
    /// Where the level is measured.
    pub position: Option<String>,
    /// Amount in yuan.
    pub amount: Option<f64>,
    /// Due date.
    #[schema(format = Date)]
    pub due: Option<String>,
}

/// Manner, place and deadline of performance.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PerformanceBody {
    /// Manner.
    #[serde(default)]
    #[schema(required)]
    pub manner: String,
    /// Place.
    pub place: Option<String>,
    /// Deadline `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub deadline: Option<String>,
}

/// An agreement to draft, or changes to a draft (fields left out keep their
/// value).
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct AgreementBody {
    /// written (default) or oral; an oral agreement takes effect when registered.
    pub kind: Option<String>,
    /// Main facts.
    pub facts: Option<String>,
    /// Matters in dispute.
    pub disputed_matters: Option<String>,
    /// Each side's responsibility.
    pub responsibilities: Option<String>,
    /// The agreed terms, in order.
    pub terms: Option<Vec<TermBody>>,
    /// Performance.
    pub performance: Option<PerformanceBody>,
    /// Sub-title, e.g. 调解备忘录.
    pub subtitle: Option<String>,
    /// The effective agreement this version amends.
    pub supersedes: Option<i64>,
}

/// Checks a draft; `current` supplies fields the body leaves out.
pub fn parse_draft(body: &AgreementBody, current: Option<&Draft>, lang: Lang) -> AppResult<Draft> {
    let mut f = Fields::new();
    let kind = match (&body.kind, current) {
        (Some(k), _) => f.check("kind", AgreementKind::parse(k)),
        (None, Some(c)) => Some(c.kind),
        (None, None) => Some(AgreementKind::Written),
    };
    let facts = match (&body.facts, current) {
        (Some(v), _) => f.check("facts", required_text(v, 8000)),
        (None, Some(c)) => Some(c.facts.clone()),
        (None, None) => f.check("facts", Err(Invalid::new("invalid.required"))),
    };
    let disputed_matters = match (&body.disputed_matters, current) {
        (Some(v), _) => f.check("disputed_matters", required_text(v, 4000)),
        (None, Some(c)) => Some(c.disputed_matters.clone()),
        (None, None) => f.check("disputed_matters", Err(Invalid::new("invalid.required"))),
    };
    let responsibilities = match (&body.responsibilities, current) {
        (Some(v), _) => f.check("responsibilities", optional_text(v, 4000)).flatten(),
        (None, Some(c)) => c.responsibilities.clone(),
        (None, None) => None,
    };
    let subtitle = match (&body.subtitle, current) {
        (Some(v), _) => f.check("subtitle", optional_text(v, 40)).flatten(),
        (None, Some(c)) => c.subtitle.clone(),
        (None, None) => None,
    };
    let performance = match (&body.performance, current) {
        (Some(p), _) => {
            let manner = f.check("performance.manner", required_text(&p.manner, 1000));
            let place = f.check("performance.place", optional_text(p.place.as_deref().unwrap_or(""), 200)).flatten();
            let deadline = f.optional("performance.deadline", p.deadline.as_deref(), parse_date);
            manner.map(|manner| Performance { manner, place, deadline })
        }
        (None, Some(c)) => Some(c.performance.clone()),
        (None, None) => f.check("performance.manner", Err(Invalid::new("invalid.required"))),
    };
    let terms = match (&body.terms, current) {
        (Some(list), _) => {
            if list.is_empty() {
                f.push("terms", Invalid::new("invalid.required"));
            }
            let mut terms = Vec::new();
            for (i, tb) in list.iter().enumerate() {
                let input = TermInput {
                    text: tb.text.as_deref(),
                    kind: &tb.kind,
                    days: tb.days.as_deref(),
                    start: tb.start.as_deref(),
                    end: tb.end.as_deref(),
                    max_db: tb.max_db,
                    position: tb.position.as_deref(),
                    amount: tb.amount,
                    due: tb.due.as_deref(),
                };
                match Term::parse(&input, lang) {
                    Ok(term) => terms.push(term),
                    Err(errors) => f.extend(&format!("terms[{i}]."), errors),
                }
            }
            Some(terms)
        }
        (None, Some(c)) => Some(c.terms.clone()),
        (None, None) => f.check("terms", Err(Invalid::new("invalid.required"))),
    };
    if kind == Some(AgreementKind::Oral) && body.subtitle.as_deref().is_some_and(|s| !s.trim().is_empty()) {
        f.push("subtitle", Invalid::new("invalid.subtitle_written_only"));
    }
    f.done(match (kind, facts, disputed_matters, performance, terms) {
        (Some(kind), Some(facts), Some(disputed_matters), Some(performance), Some(terms)) => {
            Some(Draft { kind, subtitle, facts, disputed_matters, responsibilities, performance, terms })
        }
        _ => None,
    })
}

/// A term of an agreement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TermView {
    /// Index in the list, from 0.
    pub index: usize,
    /// Kind.
    pub kind: String,
    /// Printable text.
    pub text: String,
    /// Days.
    pub days: Option<String>,
    /// Start.
    pub start: Option<String>,
    /// End.
    pub end: Option<String>,
    /// Limit, dB(A).
    pub max_db: Option<f64>,
    /// Measuring position.
    pub position: Option<String>,
    /// Amount in yuan.
    pub amount: Option<String>,
    /// Due date.
    pub due: Option<String>,
}

/// A recorded signature.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignatureView {
    /// Id.
    pub id: i64,
    /// party, mediator, recorder or committee_seal.
    pub role: String,
    /// The party, for party signatures.
    pub party_id: Option<i64>,
    /// Who signed.
    pub signer_name: String,
    /// paper, on_screen, fingerprint or seal.
    pub method: String,
    /// When.
    pub signed_at: String,
    /// SHA-256 of the drawn image.
    pub image_sha256: Option<String>,
}

/// A vagueness warning.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WarningView {
    /// Index of the term, from 0.
    pub term_index: usize,
    /// Stable code.
    pub code: String,
    /// Message in the reader's language.
    pub message: String,
}

/// Signatures still needed before the agreement takes effect.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MissingView {
    /// Parties (ids) who have not signed.
    pub parties: Vec<i64>,
    /// The mediator has not signed.
    pub mediator: bool,
    /// The seal is not applied.
    pub committee_seal: bool,
}

/// Performance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PerformanceView {
    /// Manner.
    pub manner: String,
    /// Place.
    pub place: Option<String>,
    /// Deadline.
    pub deadline: Option<String>,
}

/// An agreement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgreementView {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Version within the case.
    pub version: i32,
    /// The version it amends.
    pub supersedes_id: Option<i64>,
    /// written / oral.
    pub kind: String,
    /// Sub-title.
    pub subtitle: Option<String>,
    /// draft, signing, effective, fulfilled, breached, superseded or withdrawn.
    pub status: String,
    /// Main facts.
    pub facts: String,
    /// Matters in dispute.
    pub disputed_matters: String,
    /// Responsibilities.
    pub responsibilities: Option<String>,
    /// Performance.
    pub performance: PerformanceView,
    /// Terms.
    pub terms: Vec<TermView>,
    /// Signatures recorded.
    pub signatures: Vec<SignatureView>,
    /// Signatures still needed (written agreements before they take effect).
    pub missing_signatures: Option<MissingView>,
    /// Terms too vague for judicial confirmation.
    pub warnings: Vec<WarningView>,
    /// When it took effect.
    pub effective_at: Option<String>,
    /// SHA-256 of the frozen canonical content.
    pub content_hash: Option<String>,
    /// Code of the public verification page.
    pub verification_code: Option<String>,
    /// Last day to apply for judicial confirmation (effective date + 30 days).
    pub confirmation_deadline: Option<String>,
    /// Copies (parties + 1).
    pub copies: Option<i32>,
    /// When drafted.
    pub created_at: String,
}

pub fn draft_of(a: &Agreement, terms: Vec<Term>) -> Draft {
    Draft {
        kind: a.kind(),
        subtitle: a.subtitle.clone(),
        facts: a.facts.clone(),
        disputed_matters: a.disputed_matters.clone(),
        responsibilities: a.responsibilities.clone(),
        performance: Performance {
            manner: a.performance_manner.clone(),
            place: a.performance_place.clone(),
            deadline: a.performance_deadline,
        },
        terms,
    }
}

fn signature_view(s: &SignatureRow, offset: i32) -> SignatureView {
    SignatureView {
        id: s.id,
        role: s.role.clone(),
        party_id: s.party_id,
        signer_name: s.signer_name.clone(),
        method: s.method.clone(),
        signed_at: format_instant(s.signed_at, offset),
        image_sha256: s.image_sha256.clone(),
    }
}

/// Builds the full view of an agreement.
pub fn agreement_view(conn: &mut DbConn, committee: &Committee, a: &Agreement, lang: Lang) -> AppResult<AgreementView> {
    let sigs = agreements::signatures(conn, a.id)?;
    let case_parties = if a.kind() == AgreementKind::Written && !a.status().is_frozen() {
        parties::of_case(conn, a.case_id)?
    } else {
        Vec::new()
    };
    agreement_view_of(conn, committee, a, &sigs, &case_parties, lang)
}

/// The view of an agreement whose signatures and case parties (needed only
/// while a written agreement awaits signatures) are already loaded.
pub fn agreement_view_of(
    conn: &mut DbConn,
    committee: &Committee,
    a: &Agreement,
    sigs: &[SignatureRow],
    case_parties: &[(parties::CaseParty, parties::Party)],
    lang: Lang,
) -> AppResult<AgreementView> {
    let offset = committee.utc_offset_minutes;
    let terms: Vec<Term> = agreements::terms(conn, a.id)?.iter().map(|t| t.to_term()).collect();
    let missing = if a.kind() == AgreementKind::Written && !a.status().is_frozen() {
        let required: Vec<i64> =
            case_parties.iter().filter(|(cp, _)| cp.role().signs_agreements()).map(|(cp, _)| cp.party_id).collect();
        let signed: Vec<Signed> = sigs
            .iter()
            .filter_map(|s| SignerRole::parse(&s.role).ok().map(|role| Signed { role, party_id: s.party_id }))
            .collect();
        let Missing { parties, mediator, committee_seal } = missing_signatures(&required, &signed);
        Some(MissingView { parties, mediator, committee_seal })
    } else {
        None
    };
    let warnings = vagueness_warnings(&terms)
        .into_iter()
        .map(|w| WarningView {
            term_index: w.term_index,
            code: w.code.trim_start_matches("warning.").to_owned(),
            message: t(lang, w.code),
        })
        .collect();
    Ok(AgreementView {
        id: a.id,
        case_id: a.case_id,
        version: a.version,
        supersedes_id: a.supersedes_id,
        kind: a.kind.clone(),
        subtitle: a.subtitle.clone(),
        status: a.status.clone(),
        facts: a.facts.clone(),
        disputed_matters: a.disputed_matters.clone(),
        responsibilities: a.responsibilities.clone(),
        performance: PerformanceView {
            manner: a.performance_manner.clone(),
            place: a.performance_place.clone(),
            deadline: a.performance_deadline.map(|d| d.to_string()),
        },
        terms: terms
            .iter()
            .enumerate()
            .map(|(index, t)| TermView {
                index,
                kind: t.kind.code().to_owned(),
                text: t.text.clone(),
                days: t.days.clone(),
                start: t.start.map(|c| c.to_string()),
                end: t.end.map(|c| c.to_string()),
                max_db: t.max_db,
                position: t.position.map(|p| p.code().to_owned()),
                amount: t.amount_fen.map(format_yuan),
                due: t.due.map(|d| d.to_string()),
            })
            .collect(),
        signatures: sigs.iter().map(|s| signature_view(s, offset)).collect(),
        missing_signatures: missing,
        warnings,
        effective_at: a.effective_at.map(|t| format_instant(t, offset)),
        content_hash: a.content_hash.clone(),
        verification_code: a.verification_code.clone(),
        confirmation_deadline: a.confirmation_deadline.map(|d| d.to_string()),
        copies: a.copies,
        created_at: format_instant(a.created_at, offset),
    })
}

/// Drafts an agreement; an oral one takes effect when registered and its
/// register is archived at once.
pub fn create_agreement(
    conn: &mut DbConn,
    user: &User,
    committee: &Committee,
    case_id: i64,
    draft: &Draft,
    supersedes: Option<i64>,
    archive: &PrintSettings,
) -> AppResult<Agreement> {
    let a = agreements::create(conn, &user.actor(), committee, case_id, draft, supersedes, Utc::now().naive_utc())?;
    if a.status().is_frozen() {
        print::agreement_pdf(conn, committee.id, a.id, archive, &user.actor())?;
    }
    Ok(a)
}

/// Records a signature; when it is the last one needed, the signed
/// document is archived at once, in the committee's language.
pub fn record_signature(
    conn: &mut DbConn,
    user: &User,
    committee: &Committee,
    id: i64,
    new: &NewSignature,
    archive: &PrintSettings,
) -> AppResult<SignOutcome> {
    let outcome = agreements::sign(conn, &user.actor(), committee, id, new, Utc::now().naive_utc())?;
    if outcome.took_effect {
        print::agreement_pdf(conn, committee.id, id, archive, &user.actor())?;
    }
    Ok(outcome)
}

/// Drafts an agreement (or registers an oral one, which takes effect at
/// once). The answer carries vagueness warnings.
#[utoipa::path(post, path = "/api/v1/cases/{id}/agreements", tag = "agreements", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")), request_body = AgreementBody,
    responses((status = 201, body = AgreementView), (status = 404, content_type = "application/problem+json"),
        (status = 409, content_type = "application/problem+json"), (status = 422, content_type = "application/problem+json")))]
pub async fn draft_agreement(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<AgreementBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let archive_settings = PrintSettings { base_url: state.config.base_url.clone(), lang: None, full_phones: false };
    let case_id = path.into_inner();
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let draft = parse_draft(&body, None, committee.settings().language)?;
            let a = create_agreement(conn, &user, &committee, case_id, &draft, body.supersedes, &archive_settings)?;
            agreement_view(conn, &committee, &a, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One agreement.
#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agreement id")),
    responses((status = 200, body = AgreementView), (status = 404, content_type = "application/problem+json")))]
pub async fn get_agreement(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(EVERYONE)?.clone();
    let id = path.into_inner();
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let (a, _) = agreements::find(conn, committee.id, id)?;
            agreement_view(conn, &committee, &a, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Edits a draft; once signing has begun or the agreement is effective, 409.
#[utoipa::path(patch, path = "/api/v1/agreements/{id}", tag = "agreements", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agreement id")), request_body = AgreementBody,
    responses((status = 200, body = AgreementView), (status = 404, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", content_type = "application/problem+json"),
        (status = 422, content_type = "application/problem+json")))]
pub async fn edit_agreement(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<AgreementBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let id = path.into_inner();
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let (current, _) = agreements::find(conn, committee.id, id)?;
            if current.status() != AgreementStatus::Draft {
                return Err(AppError::Conflict {
                    problem: Invalid::new("conflict.agreement_not_draft").with("status", &current.status),
                    extra: Some(serde_json::json!({"status": current.status})),
                });
            }
            let terms = agreements::terms(conn, id)?.iter().map(|t| t.to_term()).collect();
            let draft = parse_draft(&body, Some(&draft_of(&current, terms)), committee.settings().language)?;
            let a = agreements::update_draft(conn, &user.actor(), committee.id, id, &draft, Utc::now().naive_utc())?;
            agreement_view(conn, &committee, &a, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Withdraws an agreement that has not taken effect.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/withdraw", tag = "agreements", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agreement id")),
    responses((status = 200, body = AgreementView), (status = 409, content_type = "application/problem+json")))]
pub async fn withdraw_agreement(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let user = user.require(MEDIATION)?.clone();
    let id = path.into_inner();
    let view = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let a = agreements::withdraw(conn, &user.actor(), committee.id, id, Utc::now().naive_utc())?;
            agreement_view(conn, &committee, &a, ctx.lang)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A signature to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct SignatureBody {
    /// party, mediator, recorder or committee_seal.
    #[serde(default)]
    #[schema(required)]
    pub role: String,
    /// The signing party (party signatures).
    pub party_id: Option<i64>,
    /// paper, on_screen, fingerprint or seal.
    #[serde(default)]
    #[schema(required)]
    pub method: String,
    /// The drawn signature (on_screen), PNG as base64, at most 200 KB.
    pub image_png_base64: Option<String>,
    /// Name of a recorder who is not the recording user.
    pub signer_name: Option<String>,
    /// When signed (default now).
    #[schema(format = DateTime)]
    pub signed_at: Option<String>,
}

/// What signing did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignResult {
    /// The new signature.
    pub signature_id: i64,
    /// Whether this signature made the agreement take effect.
    pub took_effect: bool,
    /// The agreement afterwards.
    pub agreement: AgreementView,
}

/// Checks a signature recorded by `user`; only a mediator (or admin) records the mediator's.
pub fn parse_signature(body: &SignatureBody, user: &User) -> AppResult<NewSignature> {
    let mut f = Fields::new();
    let role = f.check("role", SignerRole::parse(&body.role));
    let method = f.check("method", SignMethod::parse(&body.method));
    let image = match (&body.image_png_base64, method) {
        (Some(b64), Some(SignMethod::OnScreen)) => {
            let raw = b64.trim();
            let raw = raw.strip_prefix("data:image/png;base64,").unwrap_or(raw);
            match STANDARD.decode(raw) {
                Ok(bytes) => f.check("image_png_base64", check_signature_png(&bytes).map(|_| bytes)),
                Err(_) => f.check("image_png_base64", Err(Invalid::new("invalid.signature_not_png"))),
            }
        }
        (None, Some(SignMethod::OnScreen)) => f.check("image_png_base64", Err(Invalid::new("invalid.required"))),
        (Some(_), Some(_)) => f.check("image_png_base64", Err(Invalid::new("invalid.image_on_screen_only"))),
        _ => None,
    };
    if role == Some(SignerRole::Mediator) && !matches!(user.role(), Role::Mediator | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    if role == Some(SignerRole::Party) && body.party_id.is_none() {
        f.push("party_id", Invalid::new("invalid.required"));
    }
    let signed_at = match body.signed_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => f.check("signed_at", parse_instant(raw)),
        None => Some(Utc::now().naive_utc()),
    };
    let signer_name = match &body.signer_name {
        Some(n) => f.check("signer_name", required_text(n, 50)),
        None => Some(user.display_name.clone()),
    };
    f.done(match (role, method, signed_at, signer_name) {
        (Some(role), Some(method), Some(signed_at), Some(signer_name)) => {
            Some(NewSignature { role, party_id: body.party_id, method, signer_name, image_png: image, signed_at })
        }
        _ => None,
    })
}

/// Records a signature; the last required one makes the agreement take
/// effect: its content is frozen and hashed, the verification code made and
/// the 30-day confirmation deadline set.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/signatures", tag = "agreements", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agreement id")), request_body = SignatureBody,
    responses((status = 201, body = SignResult), (status = 404, content_type = "application/problem+json"),
        (status = 409, content_type = "application/problem+json"), (status = 422, content_type = "application/problem+json")))]
pub async fn sign_agreement(
    state: web::Data<AppState>,
    user: SignedIn,
    ctx: RequestContext,
    path: web::Path<i64>,
    ApiJson(body): ApiJson<SignatureBody>,
) -> AppResult<HttpResponse> {
    let user = user.require(SIGNING)?.clone();
    let archive_settings = PrintSettings { base_url: state.config.base_url.clone(), lang: None, full_phones: false };
    let id = path.into_inner();
    let new = parse_signature(&body, &user)?;
    let result = state
        .db(move |conn| {
            let committee = committees::find(conn, user.committee_id)?;
            let outcome = record_signature(conn, &user, &committee, id, &new, &archive_settings)?;
            let view = agreement_view(conn, &committee, &outcome.agreement, ctx.lang)?;
            Ok(SignResult { signature_id: outcome.signature_id, took_effect: outcome.took_effect, agreement: view })
        })
        .await?;
    Ok(HttpResponse::Created().json(result))
}
