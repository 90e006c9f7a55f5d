//! Filling the documents' view models from the records, and rendering.
//! Used by the document endpoints and by `hesheng render`.

use chrono::NaiveDateTime;

use crate::db::agreements::{self, Agreement};
use crate::db::cases::Case;
use crate::db::committees::{self, Committee};
use crate::db::{DbConn, parties};
use crate::documents::model::{AgreementDoc, Header, PartyBlock, SignatureBlock};
use crate::documents::{PdfError, Rendered, agreement as agreement_doc};
use crate::domain::agreement::{AgreementContent, AgreementKind};
use crate::domain::clock::local_date;
use crate::domain::language::Lang;
use crate::domain::party::mask_phone;

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
}

impl From<diesel::result::Error> for PrintError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => PrintError::NotFound,
            other => PrintError::Db(other),
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
}

impl PrintSettings {
    fn lang(&self, committee: &Committee) -> Lang {
        self.lang.unwrap_or_else(|| committee.settings().language)
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
        occupation: p.occupation.clone(),
        phone: p.phone.as_deref().map(mask_phone),
        address: p.address.clone(),
        organisation: p.organisation.clone(),
        represents: p.represents.clone(),
    }
}

/// The view model of a written agreement.
pub fn agreement_model(
    conn: &mut DbConn,
    committee: &Committee,
    case: &Case,
    a: &Agreement,
    settings: &PrintSettings,
) -> Result<AgreementDoc, PrintError> {
    if a.kind() != AgreementKind::Written {
        return Err(PrintError::NotApplicable);
    }
    let lang = settings.lang(committee);
    let content: AgreementContent = agreements::content(conn, committee, a, case)?;
    let kinds: std::collections::HashMap<i64, bool> =
        parties::of_case(conn, case.id)?.into_iter().map(|(_, p)| (p.id, p.kind == "organisation")).collect();
    let sigs = agreements::signatures(conn, a.id)?;
    let offset = committee.utc_offset_minutes;
    let mut signatures = Vec::new();
    for p in content.parties.iter().filter(|p| p.role != "representative") {
        let signed = sigs.iter().find(|s| s.role == "party" && s.party_id == Some(p.party_id));
        signatures.push(SignatureBlock {
            role: "party".into(),
            party_role: Some(p.role.clone()),
            name: signed.map(|s| s.signer_name.clone()),
            method: signed.map(|s| s.method.clone()),
            image: match signed {
                Some(s) if s.image_sha256.is_some() => agreements::signature_image(conn, s.id)?,
                _ => None,
            },
            date: signed.map(|s| local_date(s.signed_at, offset)),
        });
    }
    for role in ["mediator", "recorder"] {
        let signed = sigs.iter().find(|s| s.role == role);
        signatures.push(SignatureBlock {
            role: role.into(),
            party_role: None,
            name: signed.map(|s| s.signer_name.clone()),
            method: signed.map(|s| s.method.clone()),
            image: match signed {
                Some(s) if s.image_sha256.is_some() => agreements::signature_image(conn, s.id)?,
                _ => None,
            },
            date: signed.map(|s| local_date(s.signed_at, offset)),
        });
    }
    let sealed = sigs.iter().any(|s| s.role == "committee_seal");
    let seal_image = if sealed { committees::seal(conn, committee.id)? } else { None };
    let record_time = a.effective_at.unwrap_or(a.created_at);
    Ok(AgreementDoc {
        header: header(committee, &case.number, lang, record_time),
        subtitle: content.subtitle.clone(),
        version: content.version,
        parties: content
            .parties
            .iter()
            .map(|p| PartyBlock {
                organisation_party: kinds.get(&p.party_id).copied().unwrap_or(false),
                ..party_block(p)
            })
            .collect(),
        facts: content.facts.clone(),
        disputed_matters: content.disputed_matters.clone(),
        responsibilities: content.responsibilities.clone(),
        terms: content.terms.iter().map(|t| t.text.clone()).collect(),
        performance_manner: content.performance.manner.clone(),
        performance_place: content.performance.place.clone(),
        performance_deadline: content.performance.deadline,
        copies: content.copies,
        signatures,
        seal_image,
        sealed,
        date: local_date(a.effective_at.unwrap_or(a.updated_at), offset),
        content_hash: a.content_hash.clone(),
        verify_url: a
            .verification_code
            .as_ref()
            .map(|code| format!("{}/verify/{code}", settings.base_url.trim_end_matches('/'))),
    })
}

/// Renders a written agreement.
pub fn render_agreement(
    conn: &mut DbConn,
    committee_id: i64,
    agreement_id: i64,
    settings: &PrintSettings,
) -> Result<Rendered, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let (a, case) = agreements::find(conn, committee_id, agreement_id)?;
    let model = agreement_model(conn, &committee, &case, &a, settings)?;
    Ok(agreement_doc::render(&model)?)
}
