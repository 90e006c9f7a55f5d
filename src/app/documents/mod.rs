//! Filling the documents' view models from the records, and rendering.
//! Used by the document endpoints and by `hesheng render`.

mod agreement;
mod case_file;
mod records;
mod terms;

use chrono::NaiveDateTime;

use std::collections::BTreeSet;

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::app::error::{AppError, AppResult};
use crate::db::agreements::{self, Agreement};
use crate::db::archive::{self, NewArchived};
use crate::db::audit::audited;
use crate::db::cases::{self, Case};
use crate::db::committees::{self, Committee};
use crate::db::parties::{CaseParty, Party};
use crate::db::{Db, DbConn, complaints, follow_ups, investigations, mediation, parties, users};
use crate::documents::layout::Laid;
use crate::documents::model::{
    AcceptanceDoc, AgreementDoc, ApplicationDoc, Citation, ConfirmationDoc, FollowUpDoc, FollowUpsDoc, Header,
    InvestigationDoc, InvestigationsDoc, MeasurementRow, OralAgreementDoc, PartyBlock, Receipt, ReceiptsDoc,
    RightsNoticeDoc, SessionDoc, SessionsDoc, SignatureBlock, TerminationDoc,
};
use crate::documents::volume::VolumeDoc;
use crate::documents::{
    Labels, PdfError, Rendered, acceptance, agreement as agreement_doc, application, confirmation, follow_up,
    investigation, oral_agreement, rights_notice, session_record, termination, volume,
};
use crate::domain::agreement::{AgreementContent, AgreementKind, AgreementStatus, format_db};
use crate::domain::audit::Actor;
use crate::domain::case::{CaseSource, CaseStatus};
use crate::domain::clock::{format_instant, local, local_date};
use crate::domain::language::Lang;
use crate::domain::party::{mask_id_number, mask_phone};

pub use agreement::*;
pub use case_file::*;
use records::*;
use terms::{recurs, term_text};

/// Why a document could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// The document does not apply to the record (e.g. an oral agreement
    /// has no written agreement form).
    #[error("not applicable")]
    NotApplicable,
    /// Reading the records failed.
    #[error(transparent)]
    Db(diesel::result::Error),
    /// Writing the PDF failed.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// The document prints a verification QR code, and the address it
    /// would point to (here) is this machine's, which no resident can open.
    #[error("{0} is not a public address")]
    NoPublicAddress(String),
}

impl From<diesel::result::Error> for PrintError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => PrintError::NotFound,
            other => PrintError::Db(other),
        }
    }
}

impl From<PrintError> for AppError {
    fn from(e: PrintError) -> Self {
        match e {
            PrintError::NotFound | PrintError::NotApplicable => AppError::NotFound,
            PrintError::Db(e) => AppError::from(e),
            PrintError::Pdf(e) => AppError::Internal(anyhow::Error::new(e).context("rendering a document")),
            PrintError::NoPublicAddress(url) => {
                AppError::Internal(anyhow::anyhow!("a verification QR code for {url}, not a public address"))
            }
        }
    }
}

/// Where the documents point to and in which language they are printed.
#[derive(Debug, Clone)]
pub struct PrintSettings {
    /// Base URL of the verification page.
    pub base_url: String,
    /// Language override (the request's); default: the committee's.
    pub lang: Option<Lang>,
    /// Whether phone numbers may print in full where a document holds them
    /// (the confirmation application, which the parties file themselves):
    /// for the case's mediators and administrators only, and each such
    /// printing is audited as a reveal. Everyone else prints them masked.
    pub full_phones: bool,
}

impl PrintSettings {
    fn lang(&self, committee: &Committee) -> Lang {
        self.lang.unwrap_or_else(|| committee.lang())
    }
}

fn header(committee: &Committee, number: &str, lang: Lang, record_time: NaiveDateTime) -> Header {
    Header { lang, committee: committee.name.clone(), number: number.to_owned(), record_time }
}

/// A party as printed: phones masked, so no document reveals a party's
/// number to the other side.
fn party_block(p: &crate::domain::agreement::PartySnapshot) -> PartyBlock {
    PartyBlock {
        role: p.role.clone(),
        name: p.name.clone(),
        organisation_party: false,
        sex: p.sex.clone(),
        ethnicity: p.ethnicity.clone(),
        birth_year: p.birth_year,
        birth_date: None,
        occupation: p.occupation.clone(),
        phone: p.phone.as_deref().map(mask_phone),
        address: p.address.clone(),
        organisation: p.organisation.clone(),
        represents: p.represents.clone(),
        id_number: None,
        representative: None,
    }
}

/// A rendered PDF, with its SHA-256 when it comes from the archive.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The document.
    pub rendered: Rendered,
    /// SHA-256 (hex) of an archived copy.
    pub archived_sha256: Option<String>,
}

/// The documents of a case (`GET /api/v1/cases/{id}/documents/{kind}.pdf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 人民调解申请书.
    Application,
    /// 人民调解受理登记表 with receipt slips.
    Acceptance,
    /// 当事人权利义务告知书.
    RightsNotice,
    /// 人民调解调查记录.
    Investigation,
    /// 人民调解记录.
    SessionRecord,
    /// 人民调解协议书.
    Agreement,
    /// 人民调解口头协议登记表.
    OralAgreement,
    /// 人民调解回访记录.
    FollowUp,
    /// 人民调解卷宗.
    Volume,
    /// 司法确认申请书.
    ConfirmationApplication,
}

impl Kind {
    /// Every kind, in the order of the case volume.
    pub const ALL: [Kind; 10] = [
        Kind::Application,
        Kind::Acceptance,
        Kind::RightsNotice,
        Kind::Investigation,
        Kind::SessionRecord,
        Kind::Agreement,
        Kind::OralAgreement,
        Kind::FollowUp,
        Kind::ConfirmationApplication,
        Kind::Volume,
    ];

    /// The name in URLs and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Application => "application",
            Kind::Acceptance => "acceptance",
            Kind::RightsNotice => "rights_notice",
            Kind::Investigation => "investigation",
            Kind::SessionRecord => "session_record",
            Kind::Agreement => "agreement",
            Kind::OralAgreement => "oral_agreement",
            Kind::FollowUp => "follow_up",
            Kind::Volume => "volume",
            Kind::ConfirmationApplication => "confirmation_application",
        }
    }

    /// The kind named `code`.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The message key of the document's title.
    pub fn title_key(self) -> &'static str {
        match self {
            Kind::Application => "doc.application.title",
            Kind::Acceptance => "doc.acceptance.title",
            Kind::RightsNotice => "doc.rights.title",
            Kind::Investigation => "doc.investigation.title",
            Kind::SessionRecord => "doc.session.title",
            Kind::Agreement => "doc.agreement.title",
            Kind::OralAgreement => "doc.oral.title",
            Kind::FollowUp => "doc.follow_up.title",
            Kind::Volume => "doc.volume.title",
            Kind::ConfirmationApplication => "doc.confirmation.title",
        }
    }
}

/// The parties of case `case_id` who sign its documents, as the documents
/// name them (phones masked unless `mask` is false).
fn signing_parties(conn: &mut DbConn, case_id: i64, mask: bool) -> diesel::QueryResult<Vec<PartyBlock>> {
    let rows = parties::of_case(conn, case_id)?;
    Ok(rows.iter().filter(|(cp, _)| cp.role().signs_agreements()).map(|(cp, p)| signer(&rows, cp, p, mask)).collect())
}

/// A party who signs, with the person recorded as acting for it when it
/// is an organisation (a representative whose `represents` names it).
fn signer(rows: &[(CaseParty, Party)], cp: &CaseParty, p: &Party, mask: bool) -> PartyBlock {
    let mut b = block(cp, p, mask);
    if b.organisation_party {
        b.representative = rows
            .iter()
            .find(|(r, _)| !r.role().signs_agreements() && r.represents.as_deref() == Some(p.name.as_str()))
            .map(|(_, rep)| rep.name.clone());
    }
    b
}

fn block(cp: &CaseParty, p: &Party, mask: bool) -> PartyBlock {
    PartyBlock {
        role: cp.role.to_string(),
        name: p.name.clone(),
        organisation_party: p.kind == "organisation",
        sex: p.sex.clone(),
        ethnicity: p.ethnicity.clone(),
        birth_year: p.birth_year,
        // A date of birth is as private as the identity number it is read
        // from: printed only where the number is printed in full.
        birth_date: if mask { None } else { p.id_number.as_deref().and_then(birth_date_of_id) },
        occupation: p.occupation.clone(),
        phone: p.phone.as_deref().map(|ph| if mask { mask_phone(ph) } else { ph.to_owned() }),
        address: p.address.clone(),
        organisation: p.organisation.clone(),
        represents: cp.represents.clone(),
        id_number: p.id_number.as_deref().map(|id| if mask { mask_id_number(id) } else { id.to_owned() }),
        representative: None,
    }
}

/// The agreement a case's documents speak of: the one in force, else the
/// latest that is not withdrawn or superseded.
pub fn current_agreement(conn: &mut DbConn, case_id: i64) -> Result<Option<Agreement>, PrintError> {
    let all = agreements::of_case(conn, case_id)?;
    let in_force = all.iter().rev().find(|a| {
        matches!(a.status(), AgreementStatus::Effective | AgreementStatus::Fulfilled | AgreementStatus::Breached)
    });
    let latest =
        all.iter().rev().find(|a| !matches!(a.status(), AgreementStatus::Withdrawn | AgreementStatus::Superseded));
    Ok(in_force.or(latest).cloned())
}

/// Households that complained, counted without naming anyone: distinct
/// reporters, each anonymous complaint counting once.
fn households(conn: &mut DbConn, case: &Case) -> Result<usize, PrintError> {
    let mut named = BTreeSet::new();
    let mut anonymous = 0;
    for c in complaints::of_case(conn, case.id)? {
        match c.reporter_party_id {
            Some(id) if !c.anonymous => {
                let p = parties::find(conn, case.committee_id, id)?;
                named.insert((p.name, p.address));
            }
            _ => anonymous += 1,
        }
    }
    Ok(named.len() + anonymous)
}

struct Ctx<'a> {
    committee: &'a Committee,
    case: &'a Case,
    lang: Lang,
    offset: i32,
}

impl Ctx<'_> {
    fn header(&self, number: &str, at: NaiveDateTime) -> Header {
        header(self.committee, number, self.lang, at)
    }

    fn time(&self, t: NaiveDateTime) -> String {
        let l = local(t, self.offset);
        match self.lang {
            Lang::ZhCn => l.format("%Y年%-m月%-d日 %H:%M").to_string(),
            Lang::En => l.format("%-d %B %Y %H:%M").to_string(),
        }
    }
}

/// The time of a record as printed (for templates and tests).
pub fn printed_time(t: NaiveDateTime, offset: i32) -> String {
    format_instant(t, offset)
}

/// The number of case `case_id` of committee `committee_id`, for a
/// document's file name.
pub async fn case_number(db: &Db, committee_id: i64, case_id: i64) -> AppResult<String> {
    db.read(move |conn| Ok::<_, AppError>(cases::find(conn, committee_id, case_id)?.number)).await
}

/// The number of the case of agreement `id` of committee `committee_id`,
/// for a document's file name.
pub async fn agreement_case_number(db: &Db, committee_id: i64, id: i64) -> AppResult<String> {
    db.read(move |conn| Ok::<_, AppError>(crate::db::agreements::find(conn, committee_id, id)?.1.number)).await
}

/// The date of birth a resident identity card number (18 characters)
/// carries in its 7th to 14th.
fn birth_date_of_id(id: &str) -> Option<chrono::NaiveDate> {
    let digits = id.get(6..14).filter(|_| id.len() == 18)?;
    chrono::NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}
