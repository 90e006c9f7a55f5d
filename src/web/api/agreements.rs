//! Agreements over the API: drafting, editing, signing, amending.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::agreements::{self as act, AgreementView};
use crate::app::error::AppResult;
use crate::domain::commands::agreement::{DraftFields, PerformanceFields, SignatureFields, TermFields};
use crate::web::http::access::{EVERYONE, MEDIATION, SIGNING};
use crate::web::http::context::{RequestContext, SignedIn};
use crate::web::http::json::ApiJson;
use crate::web::http::state::AppState;

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
    /// The party bound by the term (the payer of a payment): one of the
    /// case's parties; generated texts name them.
    pub obligor_party_id: Option<i64>,
    /// The party a payment is made to (payment terms only).
    pub payee_party_id: Option<i64>,
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
#[derive(Debug, Deserialize, ToSchema)]
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

impl From<TermBody> for TermFields {
    fn from(b: TermBody) -> Self {
        TermFields {
            text: b.text,
            kind: b.kind,
            days: b.days,
            start: b.start,
            end: b.end,
            max_db: b.max_db,
            position: b.position,
            amount: b.amount,
            due: b.due,
            obligor: b.obligor_party_id,
            payee: b.payee_party_id,
        }
    }
}

impl From<AgreementBody> for DraftFields {
    fn from(b: AgreementBody) -> Self {
        DraftFields {
            kind: b.kind,
            facts: b.facts,
            disputed_matters: b.disputed_matters,
            responsibilities: b.responsibilities,
            terms: b.terms.map(|terms| terms.into_iter().map(TermFields::from).collect()),
            performance: b.performance.map(|p| PerformanceFields {
                manner: p.manner,
                place: p.place,
                deadline: p.deadline,
            }),
            subtitle: b.subtitle,
        }
    }
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
    let user = user.require(MEDIATION)?;
    let supersedes = body.supersedes;
    let view = act::draft_agreement(
        &state.db,
        user,
        path.into_inner(),
        body.into(),
        supersedes,
        &state.config.base_url,
        ctx.lang,
    )
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
    let user = user.require(EVERYONE)?;
    Ok(HttpResponse::Ok().json(act::agreement(&state.db, user, path.into_inner(), ctx.lang).await?))
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
    let user = user.require(MEDIATION)?;
    Ok(HttpResponse::Ok().json(act::edit_draft(&state.db, user, path.into_inner(), body.into(), ctx.lang).await?))
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
    let user = user.require(MEDIATION)?;
    Ok(HttpResponse::Ok().json(act::withdraw_agreement(&state.db, user, path.into_inner(), ctx.lang).await?))
}

/// A signature to record.
#[derive(Debug, Deserialize, ToSchema)]
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

impl From<SignatureBody> for SignatureFields {
    fn from(b: SignatureBody) -> Self {
        SignatureFields {
            role: b.role,
            party_id: b.party_id,
            method: b.method,
            image_png_base64: b.image_png_base64,
            signer_name: b.signer_name,
            signed_at: b.signed_at,
        }
    }
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
    let user = user.require(SIGNING)?;
    let signed =
        act::sign_agreement(&state.db, user, path.into_inner(), body.into(), &state.config.base_url, ctx.lang).await?;
    let result =
        SignResult { signature_id: signed.signature_id, took_effect: signed.took_effect, agreement: signed.agreement };
    Ok(HttpResponse::Created().json(result))
}
