//! Agreements: drafts, signatures, taking effect, freezing, amendments.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{AuditLog, audited};
use super::cases::{self, Case};
use super::codes::Code;
use super::committees::{self, Committee};
use super::parties;
use super::schema::{agreement, agreement_term, signature};
use super::{DbConn, WriteError};
use crate::domain::Invalid;
use crate::domain::agreement::{
    AgreementContent, AgreementKind, AgreementStatus, PartySnapshot, Performance, Signed, SignerRole, Term, TermKind,
    confirmation_deadline, copies, missing_signatures,
};
use crate::domain::audit::Actor;
use crate::domain::case::CaseStatus;
use crate::domain::clock::{ClockTime, local_date};
use crate::domain::commands::agreement::{Draft, NewSignature};
use crate::domain::noise::Position;
use crate::domain::party::mask_phone;
use crate::random;

/// Characters of a verification code; 12 of 25 symbols carry 55 bits.
pub const VERIFICATION_CODE_LEN: usize = 12;

/// An agreement as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agreement)]
pub struct Agreement {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Version within the case, from 1.
    pub version: i32,
    /// The version it replaces.
    pub supersedes_id: Option<i64>,
    /// written / oral.
    pub kind: Code<AgreementKind>,
    /// Sub-title (调解备忘录).
    pub subtitle: Option<String>,
    /// Main facts.
    pub facts: String,
    /// Matters in dispute.
    pub disputed_matters: String,
    /// Responsibilities.
    pub responsibilities: Option<String>,
    /// Manner of performance.
    pub performance_manner: String,
    /// Place of performance.
    pub performance_place: Option<String>,
    /// Deadline of performance.
    pub performance_deadline: Option<NaiveDate>,
    /// Status code.
    pub status: Code<AgreementStatus>,
    /// The canonical content, frozen when effective.
    pub content_json: Option<String>,
    /// SHA-256 of the canonical content.
    pub content_hash: Option<String>,
    /// When it took effect.
    pub effective_at: Option<NaiveDateTime>,
    /// Last day to apply for judicial confirmation.
    pub confirmation_deadline: Option<NaiveDate>,
    /// Code printed in the QR code.
    pub verification_code: Option<String>,
    /// Copies.
    pub copies: Option<i32>,
    /// Who drafted it.
    pub created_by: Option<i64>,
    /// When drafted.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

impl Agreement {
    /// The status.
    pub fn status(&self) -> AgreementStatus {
        self.status.get()
    }

    /// The kind.
    pub fn kind(&self) -> AgreementKind {
        self.kind.get()
    }
}

/// A term as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agreement_term)]
pub struct TermRow {
    /// Id.
    pub id: i64,
    /// Agreement.
    pub agreement_id: i64,
    /// Position, from 1.
    pub position: i32,
    /// Kind.
    pub kind: Code<TermKind>,
    /// Printable text.
    pub text: String,
    /// Days.
    pub days: Option<String>,
    /// Start.
    pub start_time: Option<String>,
    /// End.
    pub end_time: Option<String>,
    /// Limit.
    pub max_db: Option<f64>,
    /// Measuring position.
    pub measure_position: Option<String>,
    /// Amount in fen.
    pub amount_fen: Option<i64>,
    /// Due date.
    pub due: Option<NaiveDate>,
}

impl TermRow {
    /// The term as a domain value.
    pub fn to_term(&self) -> Term {
        Term {
            kind: self.kind.get(),
            text: self.text.clone(),
            days: self.days.clone(),
            start: self.start_time.as_deref().and_then(|t| ClockTime::parse(t).ok()),
            end: self.end_time.as_deref().and_then(|t| ClockTime::parse(t).ok()),
            max_db: self.max_db,
            position: self.measure_position.as_deref().and_then(|p| Position::parse(p).ok()),
            amount_fen: self.amount_fen,
            due: self.due,
        }
    }
}

/// A signature without its image.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signature)]
pub struct SignatureRow {
    /// Id.
    pub id: i64,
    /// Agreement.
    pub agreement_id: i64,
    /// Role code.
    pub role: String,
    /// Party, for party signatures.
    pub party_id: Option<i64>,
    /// Name of the signer.
    pub signer_name: String,
    /// Method code.
    pub method: String,
    /// When signed.
    pub signed_at: NaiveDateTime,
    /// SHA-256 of the drawn image.
    pub image_sha256: Option<String>,
    /// Who recorded it.
    pub recorded_by: Option<i64>,
}

/// One agreement of a committee, with its case.
pub fn find(conn: &mut DbConn, committee_id: i64, id: i64) -> QueryResult<(Agreement, Case)> {
    let a: Agreement = agreement::table.find(id).select(Agreement::as_select()).first(conn)?;
    let case = cases::find(conn, committee_id, a.case_id)?;
    Ok((a, case))
}

/// An agreement by id, whatever its committee (public verification).
pub fn find_any(conn: &mut DbConn, id: i64) -> QueryResult<Agreement> {
    agreement::table.find(id).select(Agreement::as_select()).first(conn)
}

/// Agreements of a case, by version.
pub fn of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Agreement>> {
    agreement::table
        .filter(agreement::case_id.eq(case_id))
        .order(agreement::version)
        .select(Agreement::as_select())
        .load(conn)
}

/// Terms of an agreement, in order.
pub fn terms(conn: &mut DbConn, agreement_id: i64) -> QueryResult<Vec<TermRow>> {
    agreement_term::table
        .filter(agreement_term::agreement_id.eq(agreement_id))
        .order(agreement_term::position)
        .select(TermRow::as_select())
        .load(conn)
}

/// Signatures of an agreement, in the order given.
pub fn signatures(conn: &mut DbConn, agreement_id: i64) -> QueryResult<Vec<SignatureRow>> {
    signature::table
        .filter(signature::agreement_id.eq(agreement_id))
        .order(signature::id)
        .select(SignatureRow::as_select())
        .load(conn)
}

/// The signatures of every agreement of case `case_id`, in order.
pub fn signatures_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<SignatureRow>> {
    signature::table
        .filter(
            signature::agreement_id
                .eq_any(agreement::table.filter(agreement::case_id.eq(case_id)).select(agreement::id)),
        )
        .order(signature::id)
        .select(SignatureRow::as_select())
        .load(conn)
}

/// The drawn image of a signature.
pub fn signature_image(conn: &mut DbConn, signature_id: i64) -> QueryResult<Option<Vec<u8>>> {
    signature::table.find(signature_id).select(signature::image_png).first(conn)
}

/// The agreement with this verification code.
pub fn by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Agreement>> {
    agreement::table
        .filter(agreement::verification_code.eq(code.trim().to_ascii_uppercase()))
        .select(Agreement::as_select())
        .first(conn)
        .optional()
}

fn insert_terms(conn: &mut DbConn, agreement_id: i64, terms: &[Term]) -> QueryResult<()> {
    for (i, t) in terms.iter().enumerate() {
        diesel::insert_into(agreement_term::table)
            .values((
                agreement_term::agreement_id.eq(agreement_id),
                agreement_term::position.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                agreement_term::kind.eq(t.kind.code()),
                agreement_term::text.eq(&t.text),
                agreement_term::days.eq(&t.days),
                agreement_term::start_time.eq(t.start.map(|c| c.to_string())),
                agreement_term::end_time.eq(t.end.map(|c| c.to_string())),
                agreement_term::max_db.eq(t.max_db),
                agreement_term::measure_position.eq(t.position.map(|p| p.code())),
                agreement_term::amount_fen.eq(t.amount_fen),
                agreement_term::due.eq(t.due),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn draft_summary(d: &Draft) -> serde_json::Value {
    json!({
        "kind": d.kind.code(),
        "subtitle": d.subtitle,
        "terms": d.terms.iter().map(|t| json!({"kind": t.kind.code(), "text": t.text})).collect::<Vec<_>>(),
    })
}

/// Drafts an agreement (an amendment when `supersedes` names an earlier
/// effective version). An oral agreement is registered and takes effect at
/// once (Art 30).
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    case_id: i64,
    draft: &Draft,
    supersedes: Option<i64>,
    now: NaiveDateTime,
) -> Result<Agreement, WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        let case = cases::find(conn, committee.id, case_id)?;
        let status = case.status();
        let amending = supersedes.is_some();
        let allowed = status == CaseStatus::Mediating
            || (amending && matches!(status, CaseStatus::Agreed | CaseStatus::Breached));
        if !allowed {
            return Err(WriteError::conflict(Invalid::new("conflict.case_not_mediating").with("status", status)));
        }
        if let Some(old_id) = supersedes {
            let old: Agreement =
                agreement::table
                    .find(old_id)
                    .select(Agreement::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| WriteError::field("supersedes", Invalid::new("invalid.no_such_agreement")))?;
            if old.case_id != case.id || !matches!(old.status(), AgreementStatus::Effective | AgreementStatus::Breached)
            {
                return Err(WriteError::conflict(Invalid::new("conflict.amend_effective_only")));
            }
        }
        let version: Option<i32> = agreement::table
            .filter(agreement::case_id.eq(case.id))
            .select(diesel::dsl::max(agreement::version))
            .first(conn)?;
        let row = diesel::insert_into(agreement::table)
            .values((
                agreement::case_id.eq(case.id),
                agreement::version.eq(version.unwrap_or(0) + 1),
                agreement::supersedes_id.eq(supersedes),
                agreement::kind.eq(draft.kind.code()),
                agreement::subtitle.eq(&draft.subtitle),
                agreement::facts.eq(&draft.facts),
                agreement::disputed_matters.eq(&draft.disputed_matters),
                agreement::responsibilities.eq(&draft.responsibilities),
                agreement::performance_manner.eq(&draft.performance.manner),
                agreement::performance_place.eq(&draft.performance.place),
                agreement::performance_deadline.eq(draft.performance.deadline),
                agreement::status.eq(AgreementStatus::Draft.code()),
                agreement::created_by.eq(actor.id),
                agreement::created_at.eq(now),
                agreement::updated_at.eq(now),
            ))
            .returning(agreement::id)
            .get_result::<i64>(conn)
            .and_then(|id| agreement::table.find(id).select(Agreement::as_select()).first(conn))?;
        insert_terms(conn, row.id, &draft.terms)?;
        log.record(
            "agreement.create",
            "agreement",
            row.id,
            json!({"case_id": case.id, "version": row.version, "draft": draft_summary(draft)}),
        );
        if draft.kind == AgreementKind::Oral {
            take_effect(conn, log, actor, committee, &row, &case, now)?;
        }
        Ok(agreement::table.find(row.id).select(Agreement::as_select()).first(conn)?)
    })
}

/// Replaces a draft's content; anything past draft is a conflict.
pub fn update_draft(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    id: i64,
    draft: &Draft,
    now: NaiveDateTime,
) -> Result<Agreement, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let (current, _) = find(conn, committee_id, id)?;
        if current.status() != AgreementStatus::Draft {
            return Err(WriteError::Conflict(
                Invalid::new("conflict.agreement_not_draft").with("status", current.status()),
                Some(json!({"status": current.status})),
            ));
        }
        if draft.kind != current.kind() {
            return Err(WriteError::field("kind", Invalid::new("invalid.kind_fixed")));
        }
        diesel::update(agreement::table.find(id))
            .set((
                agreement::subtitle.eq(&draft.subtitle),
                agreement::facts.eq(&draft.facts),
                agreement::disputed_matters.eq(&draft.disputed_matters),
                agreement::responsibilities.eq(&draft.responsibilities),
                agreement::performance_manner.eq(&draft.performance.manner),
                agreement::performance_place.eq(&draft.performance.place),
                agreement::performance_deadline.eq(draft.performance.deadline),
                agreement::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::delete(agreement_term::table.filter(agreement_term::agreement_id.eq(id))).execute(conn)?;
        insert_terms(conn, id, &draft.terms)?;
        log.record("agreement.update", "agreement", id, draft_summary(draft));
        Ok(agreement::table.find(id).select(Agreement::as_select()).first(conn)?)
    })
}

/// Withdraws an agreement that has not taken effect.
pub fn withdraw(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> Result<Agreement, WriteError> {
    audited(conn, actor, committee_id, |conn, log| {
        let (current, _) = find(conn, committee_id, id)?;
        if !matches!(current.status(), AgreementStatus::Draft | AgreementStatus::Signing) {
            return Err(WriteError::conflict(
                Invalid::new("conflict.agreement_not_draft").with("status", current.status()),
            ));
        }
        diesel::update(agreement::table.find(id))
            .set((agreement::status.eq(AgreementStatus::Withdrawn.code()), agreement::updated_at.eq(now)))
            .execute(conn)?;
        log.record("agreement.withdraw", "agreement", id, json!({}));
        Ok(agreement::table.find(id).select(Agreement::as_select()).first(conn)?)
    })
}

/// What signing did.
#[derive(Debug, Clone)]
pub struct SignOutcome {
    /// The new signature's id.
    pub signature_id: i64,
    /// The agreement afterwards.
    pub agreement: Agreement,
    /// Whether this signature made it take effect.
    pub took_effect: bool,
}

/// The case parties who must sign, by party id.
fn signing_parties(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<i64>> {
    Ok(parties::of_case(conn, case_id)?
        .into_iter()
        .filter(|(cp, _)| cp.role().signs_agreements())
        .map(|(cp, _)| cp.party_id)
        .collect())
}

/// Records a signature; when every party, the mediator and the seal are
/// recorded the agreement takes effect in the same transaction.
pub fn sign(
    conn: &mut DbConn,
    actor: &Actor,
    committee: &Committee,
    id: i64,
    new: &NewSignature,
    now: NaiveDateTime,
) -> Result<SignOutcome, WriteError> {
    audited(conn, actor, committee.id, |conn, log| {
        let (current, case) = find(conn, committee.id, id)?;
        if current.kind() == AgreementKind::Oral {
            return Err(WriteError::conflict(Invalid::new("conflict.oral_not_signed")));
        }
        if !matches!(current.status(), AgreementStatus::Draft | AgreementStatus::Signing) {
            return Err(WriteError::Conflict(
                Invalid::new("conflict.agreement_not_signable").with("status", current.status()),
                Some(json!({"status": current.status})),
            ));
        }
        let existing = signatures(conn, id)?;
        let signer_name = match new.role {
            SignerRole::Party => {
                let party_id =
                    new.party_id.ok_or_else(|| WriteError::field("party_id", Invalid::new("invalid.required")))?;
                if !signing_parties(conn, case.id)?.contains(&party_id) {
                    return Err(WriteError::field("party_id", Invalid::new("invalid.not_a_party")));
                }
                if existing.iter().any(|s| s.role == "party" && s.party_id == Some(party_id)) {
                    return Err(WriteError::conflict(Invalid::new("conflict.already_signed")));
                }
                parties::find(conn, committee.id, party_id)?.name
            }
            role => {
                if existing.iter().any(|s| s.role == role.code()) {
                    return Err(WriteError::conflict(Invalid::new("conflict.already_signed")));
                }
                if role == SignerRole::CommitteeSeal { committee.name.clone() } else { new.signer_name.clone() }
            }
        };
        let image_sha256 = new.image_png.as_ref().map(|png| hex::encode(Sha256::digest(png)));
        let signature_id = diesel::insert_into(signature::table)
            .values((
                signature::agreement_id.eq(id),
                signature::role.eq(new.role.code()),
                signature::party_id.eq(if new.role == SignerRole::Party { new.party_id } else { None }),
                signature::signer_name.eq(&signer_name),
                signature::method.eq(new.method.code()),
                signature::signed_at.eq(new.signed_at),
                signature::image_png.eq(&new.image_png),
                signature::image_sha256.eq(&image_sha256),
                signature::recorded_by.eq(actor.id),
                signature::created_at.eq(now),
            ))
            .returning(signature::id)
            .get_result::<i64>(conn)?;
        log.record(
            "signature.create",
            "signature",
            signature_id,
            json!({"agreement_id": id, "role": new.role.code(), "party_id": new.party_id, "method": new.method.code(), "image_sha256": image_sha256}),
        );
        if current.status() == AgreementStatus::Draft {
            diesel::update(agreement::table.find(id))
                .set((agreement::status.eq(AgreementStatus::Signing.code()), agreement::updated_at.eq(now)))
                .execute(conn)?;
        }
        let mut signed: Vec<Signed> = existing
            .iter()
            .filter_map(|s| SignerRole::parse(&s.role).ok().map(|role| Signed { role, party_id: s.party_id }))
            .collect();
        signed.push(Signed { role: new.role, party_id: new.party_id });
        let required = signing_parties(conn, case.id)?;
        let took_effect = missing_signatures(&required, &signed).is_complete();
        if took_effect {
            take_effect(conn, log, actor, committee, &current, &case, now)?;
        }
        let agreement = agreement::table.find(id).select(Agreement::as_select()).first(conn)?;
        Ok(SignOutcome { signature_id, agreement, took_effect })
    })
}

/// The content of an agreement as it stands (frozen content once effective).
pub fn content(conn: &mut DbConn, committee: &Committee, a: &Agreement, case: &Case) -> QueryResult<AgreementContent> {
    if let Some(json) = &a.content_json
        && let Ok(content) = serde_json::from_str::<AgreementContent>(json)
    {
        return Ok(content);
    }
    build_content(conn, committee, a, case)
}

fn build_content(
    conn: &mut DbConn,
    committee: &Committee,
    a: &Agreement,
    case: &Case,
) -> QueryResult<AgreementContent> {
    let party_rows = parties::of_case(conn, case.id)?;
    let supersedes_version = match a.supersedes_id {
        Some(old) => Some(agreement::table.find(old).select(agreement::version).first::<i32>(conn)?),
        None => None,
    };
    let signing = party_rows.iter().filter(|(cp, _)| cp.role().signs_agreements()).count();
    Ok(AgreementContent {
        committee: committee.name.clone(),
        case_number: case.number.clone(),
        kind: a.kind.to_string(),
        subtitle: a.subtitle.clone(),
        version: a.version,
        supersedes_version,
        parties: party_rows
            .into_iter()
            .map(|(cp, p)| PartySnapshot {
                party_id: p.id,
                role: cp.role.to_string(),
                name: p.name,
                sex: p.sex,
                ethnicity: p.ethnicity,
                birth_year: p.birth_year,
                occupation: p.occupation,
                // The snapshot is frozen with the agreement, where no key
                // rotation could reach it: it keeps the number masked, as
                // every printed agreement shows it.
                phone: p.phone.as_deref().map(mask_phone),
                address: p.address,
                organisation: p.organisation,
                represents: cp.represents,
            })
            .collect(),
        facts: a.facts.clone(),
        disputed_matters: a.disputed_matters.clone(),
        responsibilities: a.responsibilities.clone(),
        terms: terms(conn, a.id)?.iter().map(TermRow::to_term).collect(),
        performance: Performance {
            manner: a.performance_manner.clone(),
            place: a.performance_place.clone(),
            deadline: a.performance_deadline,
        },
        copies: copies(signing),
    })
}

/// Freezes the content, makes the verification code and sets the dates;
/// the version it amends is superseded and the case moves to `agreed`.
fn take_effect(
    conn: &mut DbConn,
    log: &mut AuditLog,
    actor: &Actor,
    committee: &Committee,
    a: &Agreement,
    case: &Case,
    now: NaiveDateTime,
) -> Result<(), WriteError> {
    let content = build_content(conn, committee, a, case)?;
    let canonical = content.canonical_json();
    let hash = content.hash();
    let effective_date = local_date(now, committee.utc_offset_minutes);
    let deadline = confirmation_deadline(effective_date);
    let mut code = String::new();
    for _ in 0..5 {
        code = random::code(VERIFICATION_CODE_LEN);
        let attempt = conn.transaction(|conn| {
            diesel::update(agreement::table.find(a.id))
                .set((
                    agreement::status.eq(AgreementStatus::Effective.code()),
                    agreement::content_json.eq(&canonical),
                    agreement::content_hash.eq(&hash),
                    agreement::effective_at.eq(now),
                    agreement::confirmation_deadline.eq(deadline),
                    agreement::verification_code.eq(&code),
                    agreement::copies.eq(content.copies),
                    agreement::updated_at.eq(now),
                ))
                .execute(conn)
        });
        match attempt {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => continue,
            other => {
                other?;
                break;
            }
        }
    }
    // Every frozen part of it, as it stands now, for `audit verify`.
    let parts = super::integrity::agreement_parts(conn, a.id)?;
    log.record(
        "agreement.effective",
        "agreement",
        a.id,
        json!({"content_hash": hash, "effective_at": now, "confirmation_deadline": deadline, "verification_code": code,
               "parts_sha256": parts}),
    );
    if let Some(old) = a.supersedes_id {
        diesel::update(agreement::table.find(old))
            .set((agreement::status.eq(AgreementStatus::Superseded.code()), agreement::updated_at.eq(now)))
            .execute(conn)?;
        log.record("agreement.superseded", "agreement", old, json!({"by": a.id}));
    }
    let case = cases::find(conn, committee.id, case.id)?;
    match case.status() {
        CaseStatus::Mediating => cases::set_status(conn, log, actor, &case, CaseStatus::Agreed, None, now)?,
        CaseStatus::Breached => {
            // An amendment after a breach: mediation resumed and agreed again.
            cases::set_status(conn, log, actor, &case, CaseStatus::Mediating, None, now)?;
            let case = cases::find(conn, committee.id, case.id)?;
            cases::set_status(conn, log, actor, &case, CaseStatus::Agreed, None, now)?;
        }
        _ => {}
    }
    Ok(())
}

/// Sets an effective agreement's status after a follow-up (within the
/// follow-up's audited write).
pub fn set_status(
    conn: &mut DbConn,
    log: &mut AuditLog,
    id: i64,
    status: AgreementStatus,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(agreement::table.find(id))
        .set((agreement::status.eq(status.code()), agreement::updated_at.eq(now)))
        .execute(conn)?;
    log.record("agreement.status", "agreement", id, json!({"status": status.code()}));
    Ok(())
}

/// The committee an agreement belongs to (for public verification).
pub fn committee_of(conn: &mut DbConn, a: &Agreement) -> QueryResult<(Committee, Case)> {
    use super::schema::mediation_case;
    let committee_id: i64 = mediation_case::table.find(a.case_id).select(mediation_case::committee_id).first(conn)?;
    let committee = committees::find(conn, committee_id)?;
    let case = cases::find(conn, committee_id, a.case_id)?;
    Ok((committee, case))
}
