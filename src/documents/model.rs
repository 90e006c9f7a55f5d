//! What the documents print, filled from the records.

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::language::Lang;

/// A party's particulars as the forms print them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartyBlock {
    /// Role label code: applicant, respondent, third_party, representative.
    pub role: String,
    /// Name.
    pub name: String,
    /// Whether an organisation.
    pub organisation_party: bool,
    /// Sex code.
    pub sex: Option<String>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Date of birth, where the records hold it (a resident identity card
    /// number recorded in full carries it).
    pub birth_date: Option<NaiveDate>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Telephone, masked.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Work unit.
    pub organisation: Option<String>,
    /// Whom a representative represents.
    pub represents: Option<String>,
    /// Identity document number (masked unless contacts print in full);
    /// printed only where the form asks for it.
    pub id_number: Option<String>,
    /// For an organisation, the person recorded as acting for it (its
    /// legal representative or agent), who signs for it.
    pub representative: Option<String>,
}

/// A recorded or awaited signature.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignatureBlock {
    /// party, mediator, recorder or committee_seal.
    pub role: String,
    /// For party lines, the party's role code.
    pub party_role: Option<String>,
    /// For party lines, the party's name, printed whether signed or not.
    pub party_name: Option<String>,
    /// The signer's name once signed.
    pub name: Option<String>,
    /// paper / on_screen / fingerprint / seal, once signed.
    pub method: Option<String>,
    /// The drawn signature (PNG).
    pub image: Option<Vec<u8>>,
    /// When signed.
    pub date: Option<NaiveDate>,
    /// For party lines, whether the party is an organisation: it seals,
    /// and signs through a representative.
    pub organisation: bool,
    /// For an organisation's line, its recorded representative.
    pub representative: Option<String>,
    /// For an organisation's line, its representative's signature once
    /// recorded (name, method, drawn image, date).
    pub representative_signed: Option<Box<SignatureBlock>>,
}

/// What every document carries about where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Language of the document.
    pub lang: Lang,
    /// The committee's name.
    pub committee: String,
    /// Case number (or agreement number).
    pub number: String,
    /// The record's own time; written as the PDF's dates.
    pub record_time: NaiveDateTime,
}

/// The agreement (人民调解协议书 / 调解备忘录).
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementDoc {
    /// Origin.
    pub header: Header,
    /// Sub-title, e.g. 调解备忘录.
    pub subtitle: Option<String>,
    /// Version within the case.
    pub version: i32,
    /// Parties.
    pub parties: Vec<PartyBlock>,
    /// Main facts.
    pub facts: String,
    /// Matters in dispute.
    pub disputed_matters: String,
    /// Responsibilities.
    pub responsibilities: Option<String>,
    /// Printable terms in order.
    pub terms: Vec<String>,
    /// The terms (by index) that recur or stand: they run from the
    /// effective date, so the single deadline is not theirs.
    pub recurring: Vec<usize>,
    /// Manner of performance.
    pub performance_manner: String,
    /// Place of performance.
    pub performance_place: Option<String>,
    /// Deadline of performance.
    pub performance_deadline: Option<NaiveDate>,
    /// Copies.
    pub copies: i32,
    /// Signature lines: parties, mediator, recorder.
    pub signatures: Vec<SignatureBlock>,
    /// The committee's seal image, when configured and the seal is applied.
    pub seal_image: Option<Vec<u8>>,
    /// Whether the seal is recorded as applied.
    pub sealed: bool,
    /// The date printed at the end: the effective date; a draft prints a
    /// blank date to be filled in by hand.
    pub date: Option<NaiveDate>,
    /// Effective: the content hash (hex).
    pub content_hash: Option<String>,
    /// Effective: the public verification URL.
    pub verify_url: Option<String>,
}

/// 人民调解申请书.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationDoc {
    /// Origin.
    pub header: Header,
    /// Applicants.
    pub applicants: Vec<PartyBlock>,
    /// Respondents (and third parties).
    pub respondents: Vec<PartyBlock>,
    /// Brief facts.
    pub facts: String,
    /// Numbered requests.
    pub requests: Vec<String>,
    /// Date of application.
    pub date: NaiveDate,
}

/// 人民调解受理登记表, with a receipt slip per party.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptanceDoc {
    /// Origin.
    pub header: Header,
    /// Registration date.
    pub date: NaiveDate,
    /// Source code.
    pub source: String,
    /// Dispute type code.
    pub dispute_type: String,
    /// Case title.
    pub title: String,
    /// Brief facts.
    pub facts: String,
    /// How many households complained (complainants are never named).
    pub complaint_households: usize,
    /// Parties.
    pub parties: Vec<PartyBlock>,
    /// Who registered it.
    pub registrar: Option<String>,
    /// Mediators assigned.
    pub mediators: Vec<String>,
    /// Seal image.
    pub seal_image: Option<Vec<u8>>,
}

/// A receipt slip for one party.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// Name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Access code for the portal.
    pub access_code: String,
    /// The portal PIN issued with this slip.
    pub pin: String,
}

/// 人民调解受理回执: the receipt slips of a case's parties, one a page.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptsDoc {
    /// Origin.
    pub header: Header,
    /// When the case was registered.
    pub registered: NaiveDate,
    /// When the slips were printed (their PINs issued).
    pub issued: NaiveDate,
    /// The portal address.
    pub portal_url: String,
    /// One slip per party.
    pub slips: Vec<Receipt>,
}

/// 当事人权利义务告知书.
#[derive(Debug, Clone, PartialEq)]
pub struct RightsNoticeDoc {
    /// Origin.
    pub header: Header,
    /// Parties who sign it.
    pub parties: Vec<PartyBlock>,
    /// Date of notice.
    pub date: NaiveDate,
}

/// One 人民调解调查记录.
#[derive(Debug, Clone, PartialEq)]
pub struct InvestigationDoc {
    /// When.
    pub time: String,
    /// Where.
    pub place: String,
    /// Investigators.
    pub investigators: String,
    /// Others present.
    pub participants: Option<String>,
    /// Person investigated.
    pub subject: Option<String>,
    /// Questions and answers.
    pub record: Vec<(String, String)>,
    /// Findings.
    pub findings: Option<String>,
    /// Who recorded it (blank to be written in when not known).
    pub recorder: Option<String>,
    /// The day of the investigation.
    pub date: Option<NaiveDate>,
    /// Measurements taken, one row each.
    pub measurements: Vec<MeasurementRow>,
}

/// A measurement as the investigation record lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementRow {
    /// Local time.
    pub time: String,
    /// Position code.
    pub position: String,
    /// L_Aeq.
    pub laeq: String,
    /// Background.
    pub background: String,
    /// Corrected.
    pub corrected: String,
    /// Limit and period.
    pub limit: String,
    /// Exceedance.
    pub exceeds: String,
    /// Valid, or why not (message keys).
    pub validity: Vec<String>,
    /// The meter's model and serial, as recorded.
    pub instrument: Option<String>,
    /// The meter's class (1 or 2).
    pub class: Option<i32>,
    /// Calibration reading before, dB.
    pub calibration_before: Option<String>,
    /// Calibration reading after, dB.
    pub calibration_after: Option<String>,
    /// Height of the microphone, m.
    pub height: Option<String>,
    /// Duration, seconds.
    pub duration_s: i32,
    /// L_max, dB(A).
    pub lmax: Option<String>,
    /// Who measured.
    pub operator: Option<String>,
}

/// The investigation records of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct InvestigationsDoc {
    /// Origin.
    pub header: Header,
    /// Matter (case title).
    pub matter: String,
    /// Records.
    pub records: Vec<InvestigationDoc>,
}

/// A cited article.
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    /// Law and article, e.g. 《中华人民共和国民法典》第二百八十八条.
    pub title: String,
    /// The article's text.
    pub text: String,
}

/// One session or meeting record.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDoc {
    /// Session (人民调解记录) or community meeting.
    pub meeting: bool,
    /// A meeting's chair (主持人), when recorded; otherwise a blank is
    /// left to be written in.
    pub chair: Option<String>,
    /// When.
    pub time: String,
    /// Where.
    pub place: String,
    /// Mediators present.
    pub mediators: String,
    /// Recorder.
    pub recorder: String,
    /// Others present.
    pub attendees: Option<String>,
    /// What each side said (speaker, text).
    pub statements: Vec<(String, String)>,
    /// Findings / explanations.
    pub findings: Option<String>,
    /// Risks explained.
    pub risks: Option<String>,
    /// Outcome code (sessions) or vote line (meetings).
    pub outcome: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Cited articles.
    pub citations: Vec<Citation>,
}

/// The session records of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionsDoc {
    /// Origin.
    pub header: Header,
    /// Matter.
    pub matter: String,
    /// Parties (who sign each record).
    pub parties: Vec<PartyBlock>,
    /// Records.
    pub records: Vec<SessionDoc>,
}

/// 人民调解口头协议登记表.
#[derive(Debug, Clone, PartialEq)]
pub struct OralAgreementDoc {
    /// Origin.
    pub header: Header,
    /// Parties.
    pub parties: Vec<PartyBlock>,
    /// Brief facts.
    pub facts: String,
    /// Agreed content.
    pub terms: Vec<String>,
    /// Performance.
    pub performance: String,
    /// Mediator.
    pub mediator: String,
    /// Registrar.
    pub registrar: String,
    /// Date registered.
    pub date: NaiveDate,
    /// Content hash.
    pub content_hash: Option<String>,
    /// In force: the public verification URL (printed as a QR code).
    pub verify_url: Option<String>,
}

/// One 人民调解回访记录.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpDoc {
    /// Visit time.
    pub time: String,
    /// Method code.
    pub method: String,
    /// Visitor.
    pub visitor: String,
    /// Per term: text, finding code, note.
    pub terms: Vec<(String, String, Option<String>)>,
    /// Overall finding code.
    pub overall: String,
    /// Satisfaction 1–5.
    pub satisfaction: Option<i32>,
    /// Lawsuit filed.
    pub lawsuit: bool,
    /// Risk signs.
    pub risk_signs: Option<String>,
    /// Measures taken.
    pub measures: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// The follow-up records of an agreement (same number as the agreement).
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpsDoc {
    /// Origin.
    pub header: Header,
    /// Matter.
    pub matter: String,
    /// The parties, "role：name" each.
    pub parties: Vec<String>,
    /// Records.
    pub records: Vec<FollowUpDoc>,
}

/// 司法确认申请书.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmationDoc {
    /// Origin.
    pub header: Header,
    /// The parties, every one an applicant (full contact details: the
    /// parties file it themselves).
    pub parties: Vec<PartyBlock>,
    /// Whether the agreement is oral: its register is attached, not a 协议书.
    pub oral: bool,
    /// Whether an agent acts for a party: the power of attorney is attached.
    pub agents: bool,
    /// The agreement's date.
    pub effective_date: NaiveDate,
    /// Last day to apply.
    pub deadline: NaiveDate,
    /// The dispute's main facts, as the agreement states them.
    pub facts: String,
    /// The agreed terms.
    pub terms: Vec<String>,
    /// Content hash of the agreement.
    pub content_hash: String,
}

/// 人民调解终止记录: a case that ended without agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminationDoc {
    /// Origin.
    pub header: Header,
    /// Matter (case title).
    pub matter: String,
    /// Parties.
    pub parties: Vec<PartyBlock>,
    /// Mediators.
    pub mediators: String,
    /// When mediation was ended.
    pub date: Option<NaiveDate>,
    /// Why, when mediation was ended.
    pub reason: Option<String>,
    /// Whether the parties were told of the other routes (Art 26).
    pub routes_explained: bool,
    /// Referrals: to whom, why, when.
    pub referrals: Vec<(String, String, NaiveDate)>,
}

/// One entry of the volume's index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// Document title.
    pub title: String,
    /// First page in the volume.
    pub page: usize,
    /// Pages.
    pub pages: usize,
    /// Note.
    pub note: String,
}

/// Documents of several records, each of which prints and files as a
/// document of its own.
macro_rules! one_by_one {
    ($($doc:ty),*) => {$(
        impl $doc {
            /// The document once for each of its records.
            pub fn one_by_one(&self) -> Vec<Self> {
                let mut shell = self.clone();
                shell.records.clear();
                self.records.iter().map(|r| Self { records: vec![r.clone()], ..shell.clone() }).collect()
            }
        }
    )*};
}

one_by_one!(InvestigationsDoc, SessionsDoc, FollowUpsDoc);
