//! JSON shapes shared by the API's answers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::complaints::Complaint;
use crate::db::parties::{CaseParty, Party};
use crate::domain::clock::format_instant;
use crate::domain::party::{mask_id_number, mask_phone};

/// Whether contact details are shown in full or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contacts {
    /// `138****0000`.
    Masked,
    /// In full (the committee's staff asked to see them; audited).
    Revealed,
}

impl Contacts {
    fn phone(self, phone: Option<&str>) -> Option<String> {
        phone.map(|p| match self {
            Contacts::Masked => mask_phone(p),
            Contacts::Revealed => p.to_owned(),
        })
    }

    fn id_number(self, id: Option<&str>) -> Option<String> {
        id.map(|i| match self {
            Contacts::Masked => mask_id_number(i),
            Contacts::Revealed => i.to_owned(),
        })
    }
}

/// A party of a case, as the committee's staff see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartyView {
    /// Party id.
    pub id: i64,
    /// applicant / respondent / third_party / representative.
    pub role: String,
    /// person / organisation.
    pub kind: String,
    /// Name.
    pub name: String,
    /// male / female.
    pub sex: Option<String>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Telephone (masked unless revealed).
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Identity number (masked unless revealed).
    pub id_number: Option<String>,
    /// Whom a representative represents.
    pub represents: Option<String>,
    /// Code for the resident portal (committee staff only).
    pub access_code: String,
}

impl PartyView {
    /// The view of a party in a case.
    pub fn new(cp: &CaseParty, p: &Party, contacts: Contacts) -> Self {
        Self {
            id: p.id,
            role: cp.role.to_string(),
            kind: p.kind.clone(),
            name: p.name.clone(),
            sex: p.sex.clone(),
            ethnicity: p.ethnicity.clone(),
            birth_year: p.birth_year,
            occupation: p.occupation.clone(),
            phone: contacts.phone(p.phone.as_deref()),
            address: p.address.clone(),
            organisation: p.organisation.clone(),
            id_number: contacts.id_number(p.id_number.as_deref()),
            represents: cp.represents.clone(),
            access_code: p.access_code.clone(),
        }
    }
}

/// Who complained.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReporterView {
    /// Party id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Telephone (masked unless revealed).
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Code for the resident portal.
    pub access_code: String,
}

/// When the disturbance happens.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PatternView {
    /// In the reporter's words.
    pub text: Option<String>,
    /// Usual start.
    pub start: Option<String>,
    /// Usual end.
    pub end: Option<String>,
    /// Days.
    pub days: Option<String>,
}

/// A complaint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ComplaintView {
    /// Id.
    pub id: i64,
    /// When received.
    pub received_at: String,
    /// Channel.
    pub channel: String,
    /// Category.
    pub category: String,
    /// Location.
    pub location: String,
    /// Description.
    pub description: String,
    /// When it happens.
    pub observed_pattern: PatternView,
    /// Whether the reporter asked to stay anonymous.
    pub anonymous: bool,
    /// The reporter; never shown for an anonymous complaint (Noise Law
    /// Art 31), but to a mediator or an administrator who reveals the
    /// complaint itself.
    pub reporter: Option<ReporterView>,
    /// The case it is in.
    pub case_id: Option<i64>,
    /// When recorded.
    pub created_at: String,
    /// Where a search found the complaint (absent without a search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<super::SearchMatch>,
}

impl ComplaintView {
    /// The view of a complaint in a committee at `offset` minutes from UTC;
    /// an anonymous complaint's reporter is left out.
    pub fn new(c: &Complaint, reporter: Option<&Party>, contacts: Contacts, offset: i32) -> Self {
        Self::shown(c, reporter.filter(|_| !c.anonymous), contacts, offset)
    }

    /// The view of one complaint revealed by a mediator or an
    /// administrator: the reporter is shown even when anonymous.
    pub fn revealed(c: &Complaint, reporter: Option<&Party>, offset: i32) -> Self {
        Self::shown(c, reporter, Contacts::Revealed, offset)
    }

    fn shown(c: &Complaint, reporter: Option<&Party>, contacts: Contacts, offset: i32) -> Self {
        Self {
            id: c.id,
            received_at: format_instant(c.received_at, offset),
            channel: c.channel.to_string(),
            category: c.category.to_string(),
            location: c.location.clone(),
            description: c.description.clone(),
            observed_pattern: PatternView {
                text: c.observed_pattern.clone(),
                start: c.pattern_start.clone(),
                end: c.pattern_end.clone(),
                days: c.pattern_days.clone(),
            },
            anonymous: c.anonymous,
            reporter: reporter.map(|p| ReporterView {
                id: p.id,
                name: p.name.clone(),
                phone: contacts.phone(p.phone.as_deref()),
                address: p.address.clone(),
                access_code: p.access_code.clone(),
            }),
            case_id: c.case_id,
            created_at: format_instant(c.created_at, offset),
            matched: None,
        }
    }
}
