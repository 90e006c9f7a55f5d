//! Agreements: drafts, signatures, taking effect, freezing, amendments.

mod drafting;
mod signing;

use crate::domain::agreement::SignMethod;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{AuditLog, audited};
use super::cases::{self, Case};
use super::codes::{Code, Parsed};
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

pub use drafting::*;
pub use signing::*;

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
    pub start_time: Option<Parsed<ClockTime>>,
    /// End.
    pub end_time: Option<Parsed<ClockTime>>,
    /// Limit.
    pub max_db: Option<f64>,
    /// Measuring position.
    pub measure_position: Option<Code<Position>>,
    /// Amount in fen.
    pub amount_fen: Option<i64>,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// The party bound.
    pub obligor_party_id: Option<i64>,
    /// The party paid.
    pub payee_party_id: Option<i64>,
}

impl TermRow {
    /// The term as a domain value.
    pub fn to_term(&self) -> Term {
        Term {
            kind: self.kind.get(),
            text: self.text.clone(),
            days: self.days.clone(),
            start: self.start_time.as_ref().map(|t| t.0),
            end: self.end_time.as_ref().map(|t| t.0),
            max_db: self.max_db,
            position: self.measure_position.map(Code::get),
            amount_fen: self.amount_fen,
            due: self.due,
            obligor: self.obligor_party_id,
            payee: self.payee_party_id,
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
    pub role: Code<SignerRole>,
    /// Party, for party signatures.
    pub party_id: Option<i64>,
    /// Name of the signer.
    pub signer_name: String,
    /// Method code.
    pub method: Code<SignMethod>,
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
    of_cases(conn, &[case_id])
}

/// Agreements of cases `case_ids`, by case and version.
pub fn of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<Agreement>> {
    agreement::table
        .filter(agreement::case_id.eq_any(case_ids))
        .order((agreement::case_id, agreement::version))
        .select(Agreement::as_select())
        .load(conn)
}

/// Terms of an agreement, in order.
pub fn terms(conn: &mut DbConn, agreement_id: i64) -> QueryResult<Vec<TermRow>> {
    terms_of(conn, &[agreement_id])
}

/// Terms of agreements `agreement_ids`, by agreement, each in order.
pub fn terms_of(conn: &mut DbConn, agreement_ids: &[i64]) -> QueryResult<Vec<TermRow>> {
    agreement_term::table
        .filter(agreement_term::agreement_id.eq_any(agreement_ids))
        .order((agreement_term::agreement_id, agreement_term::position))
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
    signatures_of_cases(conn, &[case_id])
}

/// The signatures of every agreement of cases `case_ids`, in order.
pub fn signatures_of_cases(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<Vec<SignatureRow>> {
    signature::table
        .filter(
            signature::agreement_id
                .eq_any(agreement::table.filter(agreement::case_id.eq_any(case_ids)).select(agreement::id)),
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

/// The committee an agreement belongs to (for public verification).
pub fn committee_of(conn: &mut DbConn, a: &Agreement) -> QueryResult<(Committee, Case)> {
    use super::schema::mediation_case;
    let committee_id: i64 = mediation_case::table.find(a.case_id).select(mediation_case::committee_id).first(conn)?;
    let committee = committees::find(conn, committee_id)?;
    let case = cases::find(conn, committee_id, a.case_id)?;
    Ok((committee, case))
}
