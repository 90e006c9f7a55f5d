//! Agreements: drafting, editing, withdrawing, signing; and their view.
//!
//! An agreement that takes effect (the last signature of a written one,
//! the registration of an oral one) is archived as PDF after its
//! transaction has committed and its connection gone back to the pool; if
//! that fails, the action has still succeeded and the archive is written
//! on the PDF's first read.

mod reading;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::documents::{self, PrintSettings};
use crate::app::error::{AppError, AppResult};
use crate::db::agreements::{self, Agreement, SignOutcome, SignatureRow, TermRow};
use crate::db::committees::{self, Committee};
use crate::db::users::User;
use crate::db::{Db, DbConn, cases, parties};
use crate::domain::Invalid;
use crate::domain::account::Role;
use crate::domain::agreement::{
    AgreementKind, AgreementStatus, Missing, Named, Performance, Signed, SignerRole, Term, format_yuan,
    missing_signatures, vagueness_warnings,
};
use crate::domain::case::PartyRole;
use crate::domain::clock::format_instant;
use crate::domain::commands::agreement::{Draft, DraftFields, SignatureFields};
use crate::domain::language::Lang;
use crate::i18n::t;

pub use reading::{DraftSource, Signer, draft_source, draft_to_edit, editor_target, with_case, with_signers};

/// The parties' names for a draft's terms, for parsing it.
pub fn names_of(parties: &[TermParty]) -> Vec<Named<'_>> {
    parties.iter().map(|p| Named { party_id: p.party_id, name: &p.name }).collect()
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
    /// The party bound by the term (the payer of a payment).
    pub obligor_party_id: Option<i64>,
    /// The party a payment is made to.
    pub payee_party_id: Option<i64>,
}

/// A party of the case a term may name as bound or paid.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TermParty {
    /// Party id.
    pub party_id: i64,
    /// Name.
    pub name: String,
    /// applicant / respondent / third_party.
    pub role: String,
}

/// The parties of case `case_id` a term may name: every party but the
/// representatives, who act for others.
pub fn term_parties(conn: &mut DbConn, case_id: i64) -> AppResult<Vec<TermParty>> {
    Ok(parties::of_case(conn, case_id)?
        .into_iter()
        .filter(|(cp, _)| cp.role() != PartyRole::Representative)
        .map(|(cp, p)| TermParty { party_id: p.id, name: p.name, role: cp.role().code().to_owned() })
        .collect())
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
        role: s.role.to_string(),
        party_id: s.party_id,
        signer_name: s.signer_name.clone(),
        method: s.method.to_string(),
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
    let terms = agreements::terms(conn, a.id)?;
    Ok(agreement_view_of(committee, a, &terms, &sigs, &case_parties, lang))
}

/// The view of an agreement whose terms, signatures and case parties
/// (needed only while a written agreement awaits signatures) are already
/// loaded.
pub fn agreement_view_of(
    committee: &Committee,
    a: &Agreement,
    terms: &[TermRow],
    sigs: &[SignatureRow],
    case_parties: &[(parties::CaseParty, parties::Party)],
    lang: Lang,
) -> AgreementView {
    let offset = committee.utc_offset_minutes;
    let terms: Vec<Term> = terms.iter().map(|t| t.to_term()).collect();
    let missing = if a.kind() == AgreementKind::Written && !a.status().is_frozen() {
        let required: Vec<i64> =
            case_parties.iter().filter(|(cp, _)| cp.role().signs_agreements()).map(|(cp, _)| cp.party_id).collect();
        let signed: Vec<Signed> = sigs.iter().map(|s| Signed { role: s.role.get(), party_id: s.party_id }).collect();
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
    AgreementView {
        id: a.id,
        case_id: a.case_id,
        version: a.version,
        supersedes_id: a.supersedes_id,
        kind: a.kind.to_string(),
        subtitle: a.subtitle.clone(),
        status: a.status.to_string(),
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
                obligor_party_id: t.obligor,
                payee_party_id: t.payee,
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
    }
}

/// Drafts an agreement of case `case_id` (an oral one is registered and
/// takes effect at once); answers its view in `lang`.
pub async fn draft_agreement(
    db: &Db,
    user: &User,
    case_id: i64,
    fields: DraftFields,
    supersedes: Option<i64>,
    base_url: &str,
    lang: Lang,
) -> AppResult<AgreementView> {
    let writer = user.clone();
    let (committee, a, view) = db
        .run(move |conn| {
            let committee = committees::find(conn, writer.committee_id)?;
            // The case is the committee's before its parties are read.
            cases::find(conn, committee.id, case_id)?;
            let parties = term_parties(conn, case_id)?;
            let draft = fields.parse(None, committee.lang(), &names_of(&parties))?;
            let now = Utc::now().naive_utc();
            let a = agreements::create(conn, &writer.actor(), &committee, case_id, &draft, supersedes, now)?;
            let view = agreement_view(conn, &committee, &a, lang)?;
            Ok::<_, AppError>((committee, a, view))
        })
        .await?;
    if a.status().is_frozen() {
        archive(db, user, committee.id, a.id, base_url).await;
    }
    Ok(view)
}

/// Edits a draft; fields left out keep their value. Once signing has
/// begun, or the agreement is in force, a conflict.
pub async fn edit_draft(db: &Db, user: &User, id: i64, fields: DraftFields, lang: Lang) -> AppResult<AgreementView> {
    let user = user.clone();
    db.run(move |conn| {
        let committee = committees::find(conn, user.committee_id)?;
        let (current, _) = agreements::find(conn, committee.id, id)?;
        if current.status() != AgreementStatus::Draft {
            return Err(AppError::Conflict {
                problem: Invalid::new("conflict.agreement_not_draft").with("status", current.status),
                extra: Some(serde_json::json!({"status": current.status})),
            });
        }
        let terms = agreements::terms(conn, id)?.iter().map(|t| t.to_term()).collect();
        let parties = term_parties(conn, current.case_id)?;
        let draft = fields.parse(Some(&draft_of(&current, terms)), committee.lang(), &names_of(&parties))?;
        let a = agreements::update_draft(conn, &user.actor(), committee.id, id, &draft, Utc::now().naive_utc())?;
        agreement_view(conn, &committee, &a, lang)
    })
    .await
}

/// Withdraws an agreement that has not taken effect.
pub async fn withdraw_agreement(db: &Db, user: &User, id: i64, lang: Lang) -> AppResult<AgreementView> {
    let user = user.clone();
    db.run(move |conn| {
        let committee = committees::find(conn, user.committee_id)?;
        let a = agreements::withdraw(conn, &user.actor(), committee.id, id, Utc::now().naive_utc())?;
        agreement_view(conn, &committee, &a, lang)
    })
    .await
}

/// One agreement of the user's committee.
pub async fn agreement(db: &Db, user: &User, id: i64, lang: Lang) -> AppResult<AgreementView> {
    let committee_id = user.committee_id;
    db.run(move |conn| {
        let committee = committees::find(conn, committee_id)?;
        let (a, _) = agreements::find(conn, committee.id, id)?;
        agreement_view(conn, &committee, &a, lang)
    })
    .await
}

/// What signing did.
#[derive(Debug)]
pub struct Signing {
    /// The new signature.
    pub signature_id: i64,
    /// Whether this signature made the agreement take effect.
    pub took_effect: bool,
    /// The agreement afterwards.
    pub agreement: AgreementView,
}

/// Records a signature of agreement `id`. Only a mediator (or an
/// administrator) records the mediator's. The last one needed makes the
/// agreement take effect: its content is frozen and hashed, its
/// verification code made, its 30-day confirmation deadline set, and its
/// PDF archived.
pub async fn sign_agreement(
    db: &Db,
    user: &User,
    id: i64,
    fields: SignatureFields,
    base_url: &str,
    lang: Lang,
) -> AppResult<Signing> {
    let new = fields.parse(&user.display_name, Utc::now().naive_utc())?;
    if new.role == SignerRole::Mediator && !matches!(user.role(), Role::Mediator | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let writer = user.clone();
    let (committee_id, outcome, view): (i64, SignOutcome, AgreementView) = db
        .run(move |conn| {
            let committee = committees::find(conn, writer.committee_id)?;
            let outcome = agreements::sign(conn, &writer.actor(), &committee, id, &new, Utc::now().naive_utc())?;
            let view = agreement_view(conn, &committee, &outcome.agreement, lang)?;
            Ok::<_, AppError>((committee.id, outcome, view))
        })
        .await?;
    if outcome.took_effect {
        archive(db, user, committee_id, id, base_url).await;
    }
    Ok(Signing { signature_id: outcome.signature_id, took_effect: outcome.took_effect, agreement: view })
}

/// Archives the PDF of an agreement that has just taken effect, in the
/// committee's language. A failure is logged and left for the PDF's first
/// read, which archives it then: the agreement is in force either way.
async fn archive(db: &Db, user: &User, committee_id: i64, agreement_id: i64, base_url: &str) {
    let settings = PrintSettings { base_url: base_url.to_owned(), lang: None, full_phones: false };
    if let Err(error) = documents::agreement_pdf(db, committee_id, agreement_id, &settings, &user.actor()).await {
        tracing::error!(agreement_id, error = format!("{error:#}"), "agreement in force but not archived yet");
    }
}
