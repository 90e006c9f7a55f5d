//! The commands of cases: registering one, adding a party, moving it along
//! its state machine, changing its particulars; each parsed once from the
//! API's JSON or a form.

use chrono::NaiveDateTime;

use crate::domain::case::{CaseSource, CaseStatus, DisputeType, PartyRole, RiskLevel};
use crate::domain::clock::parse_instant;
use crate::domain::fields::{Fields, Refused};
use crate::domain::party::{Particulars, ParticularsInput};
use crate::domain::{Invalid, optional_text, required_text};

/// A party to add to a case.
#[derive(Debug, Clone)]
pub struct NewCaseParty {
    /// Role.
    pub role: PartyRole,
    /// Particulars.
    pub particulars: Particulars,
    /// Whom a representative represents.
    pub represents: Option<String>,
}

/// A party as entered.
#[derive(Debug, Clone, Default)]
pub struct PartyFields {
    /// applicant, respondent, third_party or representative.
    pub role: String,
    /// Name.
    pub name: String,
    /// person (default) or organisation.
    pub kind: Option<String>,
    /// male or female.
    pub sex: Option<String>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Identity number.
    pub id_number: Option<String>,
    /// Whom a representative represents.
    pub represents: Option<String>,
}

impl PartyFields {
    fn check(&self, f: &mut Fields, prefix: &str, year: i32) -> Option<NewCaseParty> {
        let role = f.check(format!("{prefix}role"), PartyRole::parse(&self.role));
        let represents = f
            .check(format!("{prefix}represents"), optional_text(self.represents.as_deref().unwrap_or(""), 100))
            .flatten();
        // Who represents another party is that party's representative: a
        // third party sent with `represents` (the roles of the API's first
        // version name no representative) is taken as one; an applicant or
        // a respondent represents no one.
        let role = match (role, &represents) {
            (Some(PartyRole::ThirdParty), Some(_)) => Some(PartyRole::Representative),
            (Some(PartyRole::Applicant | PartyRole::Respondent), Some(_)) => {
                f.push(format!("{prefix}represents"), Invalid::new("invalid.represents_party"));
                None
            }
            (role, _) => role,
        };
        let input = ParticularsInput {
            kind: self.kind.as_deref(),
            name: &self.name,
            sex: self.sex.as_deref(),
            ethnicity: self.ethnicity.as_deref(),
            birth_year: self.birth_year,
            occupation: self.occupation.as_deref(),
            phone: self.phone.as_deref(),
            address: self.address.as_deref(),
            organisation: self.organisation.as_deref(),
            id_number: self.id_number.as_deref(),
        };
        let particulars = match Particulars::parse(&input, year) {
            Ok(p) => Some(p),
            Err(errors) => {
                f.extend(prefix, errors);
                None
            }
        };
        Some(NewCaseParty { role: role?, particulars: particulars?, represents })
    }

    /// The party these fields add; identity numbers and years of birth
    /// are checked against `year`.
    pub fn parse(&self, year: i32) -> Result<NewCaseParty, Refused> {
        let mut f = Fields::new();
        let party = self.check(&mut f, "", year);
        f.done(party)
    }
}

/// A case to register, checked.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Title.
    pub title: String,
    /// Dispute type.
    pub dispute_type: DisputeType,
    /// Source.
    pub source: CaseSource,
    /// Risk level.
    pub risk_level: RiskLevel,
    /// Public session.
    pub public_session: bool,
    /// Brief facts.
    pub facts: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Registration time (UTC).
    pub registered_at: NaiveDateTime,
    /// Complaints to put in the case.
    pub complaint_ids: Vec<i64>,
    /// Parties.
    pub parties: Vec<NewCaseParty>,
    /// Assigned mediators (user ids).
    pub mediator_ids: Vec<i64>,
    /// What the applicant asks for.
    pub requests: Vec<String>,
}

/// A case as entered.
#[derive(Debug, Clone, Default)]
pub struct CaseFields {
    /// Short title.
    pub title: String,
    /// Dispute type code.
    pub dispute_type: String,
    /// application, own_initiative or referral.
    pub source: String,
    /// Complaints to put in the case.
    pub complaint_ids: Vec<i64>,
    /// Parties.
    pub parties: Vec<PartyFields>,
    /// red, orange or yellow (default yellow).
    pub risk_level: Option<String>,
    /// Whether sessions are public.
    pub public_session: bool,
    /// Brief facts.
    pub facts: Option<String>,
    /// Location (default: the first complaint's).
    pub location: Option<String>,
    /// Registration time; `now` when blank.
    pub registered_at: Option<String>,
    /// Assigned mediators; `default_mediators` when left out.
    pub mediator_ids: Option<Vec<i64>>,
    /// What the applicant asks for.
    pub requests: Vec<String>,
}

impl CaseFields {
    /// The case these fields register at `now`, assigned to
    /// `default_mediators` unless they name mediators.
    pub fn parse(&self, now: NaiveDateTime, year: i32, default_mediators: Vec<i64>) -> Result<NewCase, Refused> {
        let mut f = Fields::new();
        let title = f.check("title", required_text(&self.title, 200));
        let dispute_type = f.check("dispute_type", DisputeType::parse(&self.dispute_type));
        let source = f.check("source", CaseSource::parse(&self.source));
        let risk_level = match &self.risk_level {
            Some(r) => f.check("risk_level", RiskLevel::parse(r)),
            None => Some(RiskLevel::Yellow),
        };
        let facts = f.check("facts", optional_text(self.facts.as_deref().unwrap_or(""), 4000)).flatten();
        let location = f.check("location", optional_text(self.location.as_deref().unwrap_or(""), 200)).flatten();
        let registered_at = match self.registered_at.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => f.check("registered_at", parse_instant(raw)),
            None => Some(now),
        };
        let requests: Vec<String> = self
            .requests
            .iter()
            .enumerate()
            .filter_map(|(i, r)| f.check(format!("requests[{i}]"), required_text(r, 500)))
            .map(|r| r.replace('\n', " "))
            .collect();
        let parties: Vec<NewCaseParty> = self
            .parties
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.check(&mut f, &format!("parties[{i}]."), year))
            .collect();
        if self.parties.is_empty() {
            // A case is between people: at least the applicant is named.
            f.check::<()>("parties", Err(Invalid::new("invalid.case_without_parties")));
        }
        let mediator_ids = self.mediator_ids.clone().unwrap_or(default_mediators);
        f.done(match (title, dispute_type, source, risk_level, registered_at) {
            (Some(title), Some(dispute_type), Some(source), Some(risk_level), Some(registered_at)) => Some(NewCase {
                title,
                dispute_type,
                source,
                risk_level,
                public_session: self.public_session,
                facts,
                location,
                registered_at,
                complaint_ids: self.complaint_ids.clone(),
                parties,
                mediator_ids,
                requests,
            }),
            _ => None,
        })
    }
}

/// A requested move with what it needs.
#[derive(Debug, Clone, Default)]
pub struct MoveRequest {
    /// Target status.
    pub to: Option<CaseStatus>,
    /// Reason.
    pub reason: Option<String>,
    /// Art 26 routes explained (termination).
    pub routes_explained: bool,
    /// Recipient (referral).
    pub referred_to: Option<String>,
}

/// A move as entered.
#[derive(Debug, Clone, Default)]
pub struct MoveFields {
    /// Target status.
    pub to: String,
    /// Reason (required to terminate or refer).
    pub reason: Option<String>,
    /// The parties were told of the other routes (required to terminate).
    pub routes_explained: bool,
    /// Recipient (required to refer).
    pub referred_to: Option<String>,
}

impl MoveFields {
    /// The move these fields request.
    pub fn parse(&self) -> Result<MoveRequest, Refused> {
        let mut f = Fields::new();
        let to = f.check("to", CaseStatus::parse(&self.to));
        let reason = f.check("reason", optional_text(self.reason.as_deref().unwrap_or(""), 2000)).flatten();
        let referred_to =
            f.check("referred_to", optional_text(self.referred_to.as_deref().unwrap_or(""), 200)).flatten();
        f.finish()?;
        Ok(MoveRequest { to, reason, routes_explained: self.routes_explained, referred_to })
    }
}

/// Changes to a case's particulars.
#[derive(Debug, Clone, Default)]
pub struct CaseChanges {
    /// New title.
    pub title: Option<String>,
    /// New risk level.
    pub risk_level: Option<RiskLevel>,
    /// New public-session choice.
    pub public_session: Option<bool>,
    /// New brief facts.
    pub facts: Option<String>,
    /// New mediator list.
    pub mediator_ids: Option<Vec<i64>>,
    /// Prevented the dispute turning criminal.
    pub prevented_criminal: Option<bool>,
    /// Prevented a mass petition.
    pub prevented_petition: Option<bool>,
}

/// Changes as entered; a field left out is not changed.
#[derive(Debug, Clone, Default)]
pub struct CaseChangeFields {
    /// Title.
    pub title: Option<String>,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Public sessions.
    pub public_session: Option<bool>,
    /// Brief facts.
    pub facts: Option<String>,
    /// Assigned mediators.
    pub mediator_ids: Option<Vec<i64>>,
    /// Prevented the dispute turning criminal (防止民转刑).
    pub prevented_criminal: Option<bool>,
    /// Prevented a mass petition (防止群体性上访).
    pub prevented_petition: Option<bool>,
}

impl CaseChangeFields {
    /// The changes these fields make.
    pub fn parse(&self) -> Result<CaseChanges, Refused> {
        let mut f = Fields::new();
        let changes = CaseChanges {
            title: self.title.as_deref().and_then(|t| f.check("title", required_text(t, 200))),
            risk_level: self.risk_level.as_deref().and_then(|r| f.check("risk_level", RiskLevel::parse(r))),
            public_session: self.public_session,
            facts: self.facts.as_deref().and_then(|t| f.check("facts", required_text(t, 4000))),
            mediator_ids: self.mediator_ids.clone(),
            prevented_criminal: self.prevented_criminal,
            prevented_petition: self.prevented_petition,
        };
        f.finish()?;
        Ok(changes)
    }
}
