//! Filling the documents' view models from the records, and rendering.
//! Used by the document endpoints and by `hesheng render`.

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
    RightsNoticeDoc, SessionDoc, SessionsDoc, SignatureBlock,
};
use crate::documents::volume::VolumeDoc;
use crate::documents::{
    Labels, PdfError, Rendered, acceptance, agreement as agreement_doc, application, confirmation, follow_up,
    investigation, oral_agreement, rights_notice, session_record, volume,
};
use crate::domain::agreement::{AgreementContent, AgreementKind, AgreementStatus, format_db};
use crate::domain::audit::Actor;
use crate::domain::case::{CaseSource, CaseStatus};
use crate::domain::clock::{format_instant, local, local_date};
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

impl From<PrintError> for AppError {
    fn from(e: PrintError) -> Self {
        match e {
            PrintError::NotFound | PrintError::NotApplicable => AppError::NotFound,
            PrintError::Db(e) => AppError::from(e),
            PrintError::Pdf(e) => AppError::Internal(anyhow::Error::new(e).context("rendering a document")),
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

/// A rendered PDF, with its SHA-256 when it comes from the archive.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The document.
    pub rendered: Rendered,
    /// SHA-256 (hex) of an archived copy.
    pub archived_sha256: Option<String>,
}

/// An agreement's document, its records read, ready to be rendered.
#[derive(Debug, Clone)]
pub enum AgreementDocument {
    /// A written agreement.
    Written(Box<AgreementDoc>),
    /// The register of an oral one.
    Oral(Box<OralAgreementDoc>),
}

impl AgreementDocument {
    /// Renders the PDF: work for a core, no database.
    pub fn render(&self) -> Result<Rendered, PrintError> {
        Ok(match self {
            AgreementDocument::Written(doc) => agreement_doc::render(doc)?,
            AgreementDocument::Oral(doc) => oral_agreement::render(doc)?,
        })
    }
}

/// Where a rendered agreement is archived.
#[derive(Debug, Clone)]
pub struct ArchiveSlot {
    committee_id: i64,
    case_id: i64,
    agreement_id: i64,
    kind: Kind,
    lang: Lang,
}

/// What printing an agreement takes, once its records are read.
#[derive(Debug)]
pub enum AgreementPrint {
    /// The archived copy, byte for byte.
    Archived(Pdf),
    /// To be rendered, then archived in `slot` when the agreement is in
    /// force (and not erased past its retention period).
    Render {
        /// The document.
        document: AgreementDocument,
        /// Where to archive it.
        slot: Option<ArchiveSlot>,
    },
}

/// Reads what the PDF of an agreement takes: the written agreement, or the
/// register of an oral one. Once effective it is archived on first
/// request, and served from the archive byte for byte ever after.
pub fn prepare_agreement_pdf(
    conn: &mut DbConn,
    committee_id: i64,
    agreement_id: i64,
    settings: &PrintSettings,
) -> Result<AgreementPrint, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let (a, case) = agreements::find(conn, committee_id, agreement_id)?;
    let lang = settings.lang(&committee);
    let kind = match a.kind() {
        AgreementKind::Written => Kind::Agreement,
        AgreementKind::Oral => Kind::OralAgreement,
    };
    let archived = if a.status().is_frozen() { archive::find(conn, a.id, kind.code(), lang.code())? } else { None };
    // Erased past the retention period, it is printed anew from the
    // anonymised snapshot, and not archived again.
    let erased = archived.as_ref().is_some_and(|(stored, _)| stored.erased_at.is_some());
    if let Some((stored, bytes)) = archived
        && !erased
    {
        let pages = usize::try_from(stored.pages).unwrap_or(0);
        return Ok(AgreementPrint::Archived(Pdf {
            rendered: Rendered { bytes, pages },
            archived_sha256: Some(stored.sha256),
        }));
    }
    let document = match kind {
        Kind::Agreement => {
            AgreementDocument::Written(Box::new(agreement_model(conn, &committee, &case, &a, settings)?))
        }
        _ => {
            let c = Ctx { committee: &committee, case: &case, lang, offset: committee.utc_offset_minutes };
            AgreementDocument::Oral(Box::new(oral_model(conn, &c, &a)?))
        }
    };
    let slot = (a.status().is_frozen() && !erased).then_some(ArchiveSlot {
        committee_id,
        case_id: case.id,
        agreement_id: a.id,
        kind,
        lang,
    });
    Ok(AgreementPrint::Render { document, slot })
}

/// Archives a rendered agreement in its slot; when another request
/// archived it first, answers what the archive holds.
pub fn archive_agreement_pdf(
    conn: &mut DbConn,
    actor: &Actor,
    slot: &ArchiveSlot,
    rendered: Rendered,
) -> Result<Pdf, PrintError> {
    let sha256 = hex::encode(Sha256::digest(&rendered.bytes));
    let stored = archive::store(
        conn,
        actor,
        &NewArchived {
            committee_id: slot.committee_id,
            case_id: slot.case_id,
            agreement_id: slot.agreement_id,
            kind: slot.kind.code(),
            lang: slot.lang.code(),
            sha256: &sha256,
            pages: i32::try_from(rendered.pages).unwrap_or(i32::MAX),
            bytes: &rendered.bytes,
        },
        Utc::now().naive_utc(),
    )?;
    if stored.sha256 == sha256 {
        return Ok(Pdf { rendered, archived_sha256: Some(sha256) });
    }
    let (_, bytes) =
        archive::find(conn, slot.agreement_id, slot.kind.code(), slot.lang.code())?.ok_or(PrintError::NotFound)?;
    Ok(Pdf { rendered: Rendered { bytes, pages: rendered.pages }, archived_sha256: Some(stored.sha256) })
}

/// The PDF of an agreement (see [`prepare_agreement_pdf`]): its records
/// read on one connection, rendered with none held, archived on another.
pub async fn agreement_pdf(
    db: &Db,
    committee_id: i64,
    agreement_id: i64,
    settings: &PrintSettings,
    actor: &Actor,
) -> AppResult<Pdf> {
    let reading = settings.clone();
    let print = db
        .run(move |conn| Ok::<_, AppError>(prepare_agreement_pdf(conn, committee_id, agreement_id, &reading)?))
        .await?;
    let (document, slot) = match print {
        AgreementPrint::Archived(pdf) => return Ok(pdf),
        AgreementPrint::Render { document, slot } => (document, slot),
    };
    let rendered = tokio::task::spawn_blocking(move || document.render())
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering stopped: {e}")))??;
    let Some(slot) = slot else { return Ok(Pdf { rendered, archived_sha256: None }) };
    let actor = actor.clone();
    db.run(move |conn| Ok::<_, AppError>(archive_agreement_pdf(conn, &actor, &slot, rendered)?)).await
}

/// [`agreement_pdf`] on one connection, for the command line.
pub fn agreement_pdf_on(
    conn: &mut DbConn,
    committee_id: i64,
    agreement_id: i64,
    settings: &PrintSettings,
    actor: &Actor,
) -> Result<Pdf, PrintError> {
    match prepare_agreement_pdf(conn, committee_id, agreement_id, settings)? {
        AgreementPrint::Archived(pdf) => Ok(pdf),
        AgreementPrint::Render { document, slot: None } => {
            Ok(Pdf { rendered: document.render()?, archived_sha256: None })
        }
        AgreementPrint::Render { document, slot: Some(slot) } => {
            archive_agreement_pdf(conn, actor, &slot, document.render()?)
        }
    }
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

fn block(cp: &CaseParty, p: &Party, mask: bool) -> PartyBlock {
    PartyBlock {
        role: cp.role.to_string(),
        name: p.name.clone(),
        organisation_party: p.kind == "organisation",
        sex: p.sex.clone(),
        ethnicity: p.ethnicity.clone(),
        birth_year: p.birth_year,
        occupation: p.occupation.clone(),
        phone: p.phone.as_deref().map(|ph| if mask { mask_phone(ph) } else { ph.to_owned() }),
        address: p.address.clone(),
        organisation: p.organisation.clone(),
        represents: cp.represents.clone(),
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

fn application_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<ApplicationDoc, PrintError> {
    let rows = parties::of_case(conn, c.case.id)?;
    let applicants: Vec<PartyBlock> =
        rows.iter().filter(|(cp, _)| cp.role == "applicant").map(|(cp, p)| block(cp, p, true)).collect();
    Ok(ApplicationDoc {
        header: c.header(&c.case.number, c.case.registered_at),
        signers: applicants.iter().map(|p| p.name.clone()).collect(),
        applicants,
        respondents: rows.iter().filter(|(cp, _)| cp.role != "applicant").map(|(cp, p)| block(cp, p, true)).collect(),
        facts: c.case.facts.clone().unwrap_or_else(|| c.case.title.clone()),
        requests: c.case.requests(),
        date: local_date(c.case.registered_at, c.offset),
    })
}

fn acceptance_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<AcceptanceDoc, PrintError> {
    let rows = parties::of_case(conn, c.case.id)?;
    let registrar = match c.case.created_by {
        Some(id) => Some(users::find(conn, id)?.display_name),
        None => None,
    };
    Ok(AcceptanceDoc {
        header: c.header(&c.case.number, c.case.registered_at),
        date: local_date(c.case.registered_at, c.offset),
        source: c.case.source.clone(),
        dispute_type: c.case.dispute_type.clone(),
        title: c.case.title.clone(),
        facts: c.case.facts.clone().unwrap_or_default(),
        complaint_households: households(conn, c.case)?,
        parties: rows.iter().map(|(cp, p)| block(cp, p, true)).collect(),
        registrar,
        mediators: cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect(),
        seal_image: committees::seal(conn, c.committee.id)?,
    })
}

fn rights_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<RightsNoticeDoc, PrintError> {
    Ok(RightsNoticeDoc {
        header: c.header(&c.case.number, c.case.registered_at),
        parties: parties::of_case(conn, c.case.id)?
            .iter()
            .filter(|(cp, _)| cp.role().signs_agreements())
            .map(|(cp, p)| block(cp, p, true))
            .collect(),
        date: local_date(c.case.registered_at, c.offset),
    })
}

fn investigations_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<InvestigationsDoc, PrintError> {
    let l = Labels { lang: c.lang };
    let all_measurements = investigations::measurements_of_case(conn, c.case.id)?;
    let records: Vec<_> = investigations::of_case(conn, c.case.id)?;
    let last = records.iter().map(|r| r.created_at).max().unwrap_or(c.case.registered_at);
    let row = |m: &investigations::Measurement| MeasurementRow {
        time: local(m.measured_at, c.offset).format("%m-%d %H:%M").to_string(),
        position: m.position.clone(),
        laeq: format_db(m.laeq_db),
        background: m.background_db.map_or_else(|| "—".into(), format_db),
        corrected: m.corrected_db.map_or_else(|| "—".into(), format_db),
        limit: format!("{} ({})", format_db(m.limit_db), l.t(&format!("period.{}", m.period))),
        exceeds: m.exceeds_by_db.map_or_else(|| "—".into(), format_db),
        validity: m.reasons(),
    };
    let mut docs: Vec<InvestigationDoc> = records
        .iter()
        .map(|r| InvestigationDoc {
            time: c.time(r.conducted_at),
            place: r.place.clone(),
            investigators: r.investigators.clone(),
            participants: r.participants.clone(),
            subject: r.subject.clone(),
            record: r.questions().into_iter().map(|qa| (qa.q, qa.a)).collect(),
            findings: r.findings.clone(),
            measurements: all_measurements.iter().filter(|m| m.investigation_id == Some(r.id)).map(row).collect(),
        })
        .collect();
    let loose: Vec<MeasurementRow> =
        all_measurements.iter().filter(|m| m.investigation_id.is_none()).map(row).collect();
    if !loose.is_empty() {
        docs.push(InvestigationDoc {
            time: String::new(),
            place: String::new(),
            investigators: l.t("doc.investigation.field_measurements"),
            participants: None,
            subject: None,
            record: Vec::new(),
            findings: None,
            measurements: loose,
        });
    }
    Ok(InvestigationsDoc { header: c.header(&c.case.number, last), matter: c.case.title.clone(), records: docs })
}

fn citations(refs: Vec<mediation::LegalReference>, lang: Lang) -> Vec<Citation> {
    refs.into_iter()
        .map(|r| match lang {
            Lang::ZhCn => Citation {
                title: format!(
                    "《{}》第{}条",
                    r.law_zh,
                    crate::documents::chinese_number(usize::try_from(r.article).unwrap_or(0))
                ),
                text: r.text_zh,
            },
            Lang::En => Citation { title: format!("{}, Article {}", r.law_en, r.article), text: r.text_en },
        })
        .collect()
}

fn sessions_model(conn: &mut DbConn, c: &Ctx<'_>) -> Result<SessionsDoc, PrintError> {
    let l = Labels { lang: c.lang };
    let mut records = Vec::new();
    let mut last = c.case.registered_at;
    let mut dated: Vec<(NaiveDateTime, SessionDoc)> = Vec::new();
    for m in mediation::meetings_of_case(conn, c.case.id)? {
        last = last.max(m.created_at);
        let refs = mediation::meeting_references(conn, m.id)?;
        dated.push((
            m.held_at,
            SessionDoc {
                meeting: true,
                time: c.time(m.held_at),
                place: m.place.clone(),
                mediators: String::new(),
                recorder: String::new(),
                attendees: Some(l.with(
                    "doc.session.attendance",
                    &[("who", m.attendees.clone()), ("count", m.attendance.to_string())],
                )),
                statements: Vec::new(),
                findings: Some(m.explanations.clone()),
                risks: None,
                outcome: l.with(
                    "doc.session.vote_line",
                    &[
                        ("for", m.votes_for.to_string()),
                        ("against", m.votes_against.to_string()),
                        ("abstain", m.votes_abstain.to_string()),
                        ("resolution", m.resolution.clone().unwrap_or_default()),
                    ],
                ),
                failure_reason: None,
                citations: citations(refs, c.lang),
            },
        ));
    }
    for s in mediation::sessions_of_case(conn, c.case.id)? {
        last = last.max(s.created_at);
        let refs = mediation::session_references(conn, s.id)?;
        dated.push((
            s.held_at,
            SessionDoc {
                meeting: false,
                time: c.time(s.held_at),
                place: s.place.clone(),
                mediators: s.mediators.clone(),
                recorder: s.recorder.clone(),
                attendees: s.attendees.clone(),
                statements: s.statements().into_iter().map(|st| (st.speaker, st.text)).collect(),
                findings: s.findings.clone(),
                risks: s.risks_explained.clone(),
                outcome: s.outcome.clone(),
                failure_reason: s.failure_reason.clone(),
                citations: citations(refs, c.lang),
            },
        ));
    }
    dated.sort_by_key(|(at, _)| *at);
    records.extend(dated.into_iter().map(|(_, d)| d));
    Ok(SessionsDoc {
        header: c.header(&c.case.number, last),
        matter: c.case.title.clone(),
        parties: parties::of_case(conn, c.case.id)?
            .iter()
            .filter(|(cp, _)| cp.role().signs_agreements())
            .map(|(cp, p)| block(cp, p, true))
            .collect(),
        records,
    })
}

fn oral_model(conn: &mut DbConn, c: &Ctx<'_>, a: &Agreement) -> Result<OralAgreementDoc, PrintError> {
    let content = agreements::content(conn, c.committee, a, c.case)?;
    let registrar = match a.created_by {
        Some(id) => users::find(conn, id)?.display_name,
        None => String::new(),
    };
    let mediators: Vec<String> = cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect();
    let mut performance = content.performance.manner.clone();
    if let Some(place) = &content.performance.place {
        performance.push_str(&format!("；{place}"));
    }
    if let Some(deadline) = content.performance.deadline {
        performance.push_str(&format!("；{}", Labels { lang: c.lang }.date(deadline)));
    }
    Ok(OralAgreementDoc {
        header: c.header(&c.case.number, a.effective_at.unwrap_or(a.created_at)),
        parties: content.parties.iter().map(party_block).collect(),
        facts: content.facts.clone(),
        terms: content.terms.iter().map(|t| t.text.clone()).collect(),
        performance,
        mediator: mediators.join("、"),
        registrar,
        date: local_date(a.effective_at.unwrap_or(a.created_at), c.offset),
        content_hash: a.content_hash.clone(),
    })
}

fn follow_ups_model(conn: &mut DbConn, c: &Ctx<'_>, a: &Agreement) -> Result<FollowUpsDoc, PrintError> {
    let content = agreements::content(conn, c.committee, a, c.case)?;
    let mut records = Vec::new();
    let mut last = a.effective_at.unwrap_or(a.created_at);
    for f in follow_ups::of_agreement(conn, a.id)? {
        last = last.max(f.created_at);
        let observations = follow_ups::observations(conn, f.id)?;
        let terms = content
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let o = observations.iter().find(|o| usize::try_from(o.term_position).ok() == Some(i + 1));
                (
                    t.text.clone(),
                    o.map_or_else(|| "unknown".to_owned(), |o| o.result.clone()),
                    o.and_then(|o| o.note.clone()),
                )
            })
            .collect();
        records.push(FollowUpDoc {
            time: c.time(f.visited_at),
            method: f.method.clone(),
            visitor: f.visitor.clone(),
            terms,
            overall: f.overall.clone(),
            satisfaction: f.satisfaction,
            lawsuit: f.lawsuit,
            risk_signs: f.risk_signs.clone(),
            measures: f.measures.clone(),
            notes: f.notes.clone(),
        });
    }
    Ok(FollowUpsDoc { header: c.header(&c.case.number, last), matter: c.case.title.clone(), records })
}

fn confirmation_model(
    conn: &mut DbConn,
    c: &Ctx<'_>,
    a: &Agreement,
    settings: &PrintSettings,
) -> Result<ConfirmationDoc, PrintError> {
    let (Some(effective), Some(deadline), Some(hash)) = (a.effective_at, a.confirmation_deadline, &a.content_hash)
    else {
        return Err(PrintError::NotApplicable);
    };
    let content = agreements::content(conn, c.committee, a, c.case)?;
    // The parties file this themselves; it carries their own contact details.
    let rows = parties::of_case(conn, c.case.id)?;
    Ok(ConfirmationDoc {
        header: c.header(&c.case.number, effective),
        parties: rows
            .iter()
            .filter(|(cp, _)| cp.role().signs_agreements())
            .map(|(cp, p)| block(cp, p, !settings.full_phones))
            .collect(),
        effective_date: local_date(effective, c.offset),
        deadline,
        terms: content.terms.iter().map(|t| t.text.clone()).collect(),
        content_hash: hash.clone(),
    })
}

/// Lays out one document of a case (not the volume).
fn lay_out(conn: &mut DbConn, c: &Ctx<'_>, kind: Kind, settings: &PrintSettings) -> Result<Laid, PrintError> {
    Ok(match kind {
        Kind::Application => application::lay_out(&application_model(conn, c)?),
        Kind::Acceptance => acceptance::lay_out(&acceptance_model(conn, c)?),
        Kind::RightsNotice => rights_notice::lay_out(&rights_model(conn, c)?),
        Kind::Investigation => investigation::lay_out(&investigations_model(conn, c)?),
        Kind::SessionRecord => session_record::lay_out(&sessions_model(conn, c)?),
        Kind::Agreement => {
            let a = current_agreement(conn, c.case.id)?.ok_or(PrintError::NotApplicable)?;
            agreement_doc::lay_out(&agreement_model(conn, c.committee, c.case, &a, settings)?)
        }
        Kind::OralAgreement => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.kind() == AgreementKind::Oral)
                .ok_or(PrintError::NotApplicable)?;
            oral_agreement::lay_out(&oral_model(conn, c, &a)?)
        }
        Kind::FollowUp => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.status().is_frozen())
                .ok_or(PrintError::NotApplicable)?;
            follow_up::lay_out(&follow_ups_model(conn, c, &a)?)
        }
        Kind::ConfirmationApplication => {
            let a = current_agreement(conn, c.case.id)?
                .filter(|a| a.status().is_frozen())
                .ok_or(PrintError::NotApplicable)?;
            confirmation::lay_out(&confirmation_model(conn, c, &a, settings)?)
        }
        Kind::Volume => return Err(PrintError::NotApplicable),
    })
}

/// Renders a document of a case. The written agreement, once effective,
/// comes from the archive byte for byte.
pub fn render_case_document(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    kind: Kind,
    settings: &PrintSettings,
    actor: &Actor,
) -> Result<Rendered, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let case = cases::find(conn, committee_id, case_id)?;
    // The confirmation application, alone or in the volume, prints the
    // parties' phone numbers in full for a mediator or an administrator:
    // each such printing is recorded as their revealing is on screen.
    let (rendered, reveals) = render_document(conn, &committee, &case, kind, settings, actor)?;
    if reveals {
        audited(conn, actor, committee_id, |_, log| {
            log.record("contacts.reveal", "case", case_id, serde_json::json!({"document": kind.code()}));
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    Ok(rendered)
}

/// A document of a case, and whether it prints phone numbers in full (the
/// confirmation application holds them, alone or in the volume).
fn render_document(
    conn: &mut DbConn,
    committee: &Committee,
    case: &Case,
    kind: Kind,
    settings: &PrintSettings,
    actor: &Actor,
) -> Result<(Rendered, bool), PrintError> {
    let committee_id = committee.id;
    let lang = settings.lang(committee);
    let c = Ctx { committee, case, lang, offset: committee.utc_offset_minutes };
    let l = Labels { lang };
    match kind {
        Kind::Agreement | Kind::OralAgreement => {
            let wanted = if kind == Kind::Agreement { AgreementKind::Written } else { AgreementKind::Oral };
            let a =
                current_agreement(conn, case.id)?.filter(|a| a.kind() == wanted).ok_or(PrintError::NotApplicable)?;
            Ok((agreement_pdf_on(conn, committee_id, a.id, settings, actor)?.rendered, false))
        }
        Kind::Volume => {
            let (model, reveals) = volume_model(conn, &c, settings)?;
            Ok((volume::render(&model)?, reveals && settings.full_phones))
        }
        other => {
            let laid = lay_out(conn, &c, other, settings)?;
            let title = l.t(other.title_key());
            let at = case.updated_at;
            let rendered = crate::documents::forms::write_form(
                &laid,
                &c.header(&case.number, at),
                &title,
                format!("{}|{}|{}", other.code(), case.number, laid.pages.len()),
            )?;
            Ok((rendered, other == Kind::ConfirmationApplication && settings.full_phones))
        }
    }
}

/// The volume of a case, and whether it holds the confirmation application.
fn volume_model(conn: &mut DbConn, c: &Ctx<'_>, settings: &PrintSettings) -> Result<(VolumeDoc, bool), PrintError> {
    let l = Labels { lang: c.lang };
    let mut documents = Vec::new();
    let agreement = current_agreement(conn, c.case.id)?;
    let mut kinds = Vec::new();
    if c.case.source == CaseSource::Application.code() {
        kinds.push(Kind::Application);
    }
    kinds.extend([Kind::Acceptance, Kind::RightsNotice, Kind::Investigation, Kind::SessionRecord]);
    match agreement.as_ref().map(Agreement::kind) {
        Some(AgreementKind::Written) => kinds.push(Kind::Agreement),
        Some(AgreementKind::Oral) => kinds.push(Kind::OralAgreement),
        None => {}
    }
    if agreement.as_ref().is_some_and(|a| a.status().is_frozen()) {
        kinds.extend([Kind::FollowUp, Kind::ConfirmationApplication]);
    }
    let mut holds_application = false;
    for kind in kinds {
        match lay_out(conn, c, kind, settings) {
            Ok(laid) => {
                holds_application |= kind == Kind::ConfirmationApplication;
                documents.push((l.t(kind.title_key()), laid));
            }
            Err(PrintError::NotApplicable) => {}
            Err(e) => return Err(e),
        }
    }
    let closed = matches!(
        c.case.status(),
        CaseStatus::Fulfilled | CaseStatus::Terminated | CaseStatus::Referred | CaseStatus::Archived
    )
    .then(|| local_date(c.case.updated_at, c.offset));
    let volume = VolumeDoc {
        header: c.header(&c.case.number, c.case.updated_at),
        title: c.case.title.clone(),
        mediators: cases::mediators(conn, c.case.id)?.into_iter().map(|u| u.display_name).collect(),
        registered: local_date(c.case.registered_at, c.offset),
        closed,
        status: c.case.status.to_string(),
        retention_years: c.committee.retention_years,
        filed_by: c.committee.name.clone(),
        documents,
    };
    Ok((volume, holds_application))
}

/// Prints the receipt slips of case `case_id` of `committee_id`: one page
/// for each party (or for `only` that one), each with the party's access
/// code and a PIN issued now, which replaces any before it. Issuing is
/// audited; the PINs are kept only as keyed hashes, so these pages are the
/// only place they appear.
pub fn receipts(
    conn: &mut DbConn,
    committee_id: i64,
    case_id: i64,
    only: Option<i64>,
    settings: &PrintSettings,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Rendered, PrintError> {
    let committee = committees::find(conn, committee_id)?;
    let case = cases::find(conn, committee_id, case_id)?;
    let lang = settings.lang(&committee);
    let offset = committee.utc_offset_minutes;
    let mut slips = Vec::new();
    for (cp, p) in parties::of_case(conn, case.id)? {
        if only.is_some_and(|id| id != p.id) || p.access_code.starts_with('-') {
            continue;
        }
        let pin = parties::issue_pin(conn, actor, committee_id, p.id)?;
        slips.push(Receipt {
            name: p.name.clone(),
            role: cp.role.to_string(),
            access_code: p.access_code.clone(),
            pin,
        });
    }
    if slips.is_empty() {
        return Err(PrintError::NotFound);
    }
    let doc = ReceiptsDoc {
        header: header(&committee, &case.number, lang, now),
        registered: local_date(case.registered_at, offset),
        issued: local_date(now, offset),
        portal_url: format!("{}/portal", settings.base_url.trim_end_matches('/')),
        slips,
    };
    Ok(crate::documents::receipts::render(&doc)?)
}

/// The time of a record as printed (for templates and tests).
pub fn printed_time(t: NaiveDateTime, offset: i32) -> String {
    format_instant(t, offset)
}
