//! The commands of mediation: a session, a community meeting, a referral,
//! each parsed once from the API's JSON or a form.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::domain::clock::parse_instant;
use crate::domain::fields::{Fields, Refused};
use crate::domain::{Invalid, optional_text, required_text};

/// How a session ended.
pub const OUTCOMES: [&str; 3] = ["agreed", "continued", "failed"];

/// A statement made at a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    /// Who spoke.
    pub speaker: String,
    /// What was said.
    pub text: String,
}

/// A session to record, checked.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// When.
    pub held_at: NaiveDateTime,
    /// Where.
    pub place: String,
    /// Matter.
    pub matter: Option<String>,
    /// Mediators.
    pub mediators: String,
    /// Recorder.
    pub recorder: String,
    /// Others present.
    pub attendees: Option<String>,
    /// Statements.
    pub statements: Vec<Statement>,
    /// Findings.
    pub findings: Option<String>,
    /// Risks explained.
    pub risks_explained: Option<String>,
    /// agreed / continued / failed.
    pub outcome: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Cited articles (codes).
    pub references: Vec<String>,
}

/// A session as entered.
#[derive(Debug, Clone, Default)]
pub struct SessionFields {
    /// When held (RFC 3339).
    pub held_at: String,
    /// Where.
    pub place: String,
    /// The matter mediated.
    pub matter: Option<String>,
    /// Mediators present (default: the recording user).
    pub mediators: Option<String>,
    /// Recorder (default: the recording user).
    pub recorder: Option<String>,
    /// Others present.
    pub attendees: Option<String>,
    /// What each side said.
    pub statements: Vec<Statement>,
    /// What was found.
    pub findings: Option<String>,
    /// Risks explained to the parties.
    pub risks_explained: Option<String>,
    /// agreed, continued or failed.
    pub outcome: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Codes of the cited articles.
    pub legal_references: Vec<String>,
}

fn text(f: &mut Fields, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
    f.check(field, optional_text(raw.unwrap_or(""), max)).flatten()
}

impl SessionFields {
    /// The session these fields record, by a user named `recorder` (the
    /// mediator and recorder when none are named).
    pub fn parse(&self, recorder: &str) -> Result<NewSession, Refused> {
        let mut f = Fields::new();
        let held_at = f.check("held_at", parse_instant(&self.held_at));
        let place = f.check("place", required_text(&self.place, 200));
        let matter = text(&mut f, "matter", self.matter.as_deref(), 500);
        let mediators =
            text(&mut f, "mediators", self.mediators.as_deref(), 200).unwrap_or_else(|| recorder.to_owned());
        let recorder = text(&mut f, "recorder", self.recorder.as_deref(), 100).unwrap_or_else(|| recorder.to_owned());
        let attendees = text(&mut f, "attendees", self.attendees.as_deref(), 1000);
        let findings = text(&mut f, "findings", self.findings.as_deref(), 4000);
        let risks_explained = text(&mut f, "risks_explained", self.risks_explained.as_deref(), 2000);
        let failure_reason = text(&mut f, "failure_reason", self.failure_reason.as_deref(), 1000);
        let outcome = match self.outcome.trim() {
            o if OUTCOMES.contains(&o) => Some(o.to_owned()),
            _ => {
                f.push("outcome", Invalid::new("invalid.choice").with("allowed", OUTCOMES.join(", ")));
                None
            }
        };
        if outcome.as_deref() == Some("failed") && failure_reason.is_none() {
            f.push("failure_reason", Invalid::new("invalid.required"));
        }
        let mut statements = Vec::new();
        for (i, s) in self.statements.iter().enumerate() {
            let speaker = f.check(format!("statements[{i}].speaker"), required_text(&s.speaker, 100));
            let said = f.check(format!("statements[{i}].text"), required_text(&s.text, 4000));
            if let (Some(speaker), Some(text)) = (speaker, said) {
                statements.push(Statement { speaker, text });
            }
        }
        f.done(match (held_at, place, outcome) {
            (Some(held_at), Some(place), Some(outcome)) => Some(NewSession {
                held_at,
                place,
                matter,
                mediators,
                recorder,
                attendees,
                statements,
                findings,
                risks_explained,
                outcome,
                failure_reason,
                references: self.legal_references.iter().map(|c| c.trim().to_owned()).collect(),
            }),
            _ => None,
        })
    }
}

/// A community meeting to record, checked.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    /// When.
    pub held_at: NaiveDateTime,
    /// Where.
    pub place: String,
    /// Who attended.
    pub attendees: String,
    /// How many.
    pub attendance: i32,
    /// Explanations.
    pub explanations: String,
    /// For.
    pub votes_for: i32,
    /// Against.
    pub votes_against: i32,
    /// Abstain.
    pub votes_abstain: i32,
    /// Resolution.
    pub resolution: Option<String>,
    /// Who chaired it.
    pub chair: Option<String>,
    /// Cited articles.
    pub references: Vec<String>,
}

/// A community meeting as entered.
#[derive(Debug, Clone, Default)]
pub struct MeetingFields {
    /// When held (RFC 3339).
    pub held_at: String,
    /// Where.
    pub place: String,
    /// Who attended.
    pub attendees: String,
    /// How many attended (default: the votes cast).
    pub attendance: Option<i32>,
    /// What was explained (law, standards).
    pub explanations: String,
    /// Votes for.
    pub votes_for: i32,
    /// Votes against.
    pub votes_against: i32,
    /// Abstentions.
    pub votes_abstain: i32,
    /// What was resolved.
    pub resolution: Option<String>,
    /// Who chaired it (主持人).
    pub chair: Option<String>,
    /// Codes of the cited articles.
    pub legal_references: Vec<String>,
}

impl MeetingFields {
    /// The meeting these fields record.
    pub fn parse(&self) -> Result<NewMeeting, Refused> {
        let mut f = Fields::new();
        let held_at = f.check("held_at", parse_instant(&self.held_at));
        let place = f.check("place", required_text(&self.place, 200));
        let attendees = f.check("attendees", required_text(&self.attendees, 2000));
        let explanations = f.check("explanations", required_text(&self.explanations, 8000));
        let resolution = text(&mut f, "resolution", self.resolution.as_deref(), 2000);
        let chair = text(&mut f, "chair", self.chair.as_deref(), 100);
        let mut count = |field: &str, n: i32| {
            if (0..=100_000).contains(&n) {
                Some(n)
            } else {
                f.push(field, Invalid::new("invalid.range").with("min", 0).with("max", 100_000));
                None
            }
        };
        let votes_for = count("votes.for", self.votes_for);
        let votes_against = count("votes.against", self.votes_against);
        let votes_abstain = count("votes.abstain", self.votes_abstain);
        let cast = self.votes_for.saturating_add(self.votes_against).saturating_add(self.votes_abstain);
        let attendance = count("attendance", self.attendance.unwrap_or(cast));
        if attendance.is_some_and(|a| a < cast) {
            f.push("attendance", Invalid::new("invalid.votes_exceed_attendance"));
        }
        f.done(match (held_at, place, attendees, explanations, attendance, votes_for, votes_against, votes_abstain) {
            (
                Some(held_at),
                Some(place),
                Some(attendees),
                Some(explanations),
                Some(attendance),
                Some(vf),
                Some(va),
                Some(vb),
            ) => Some(NewMeeting {
                held_at,
                place,
                attendees,
                attendance,
                explanations,
                votes_for: vf,
                votes_against: va,
                votes_abstain: vb,
                resolution,
                chair,
                references: self.legal_references.iter().map(|c| c.trim().to_owned()).collect(),
            }),
            _ => None,
        })
    }
}

/// A referral to record, checked.
#[derive(Debug, Clone)]
pub struct NewReferral {
    /// To whom.
    pub referred_to: String,
    /// Why.
    pub reason: String,
    /// When.
    pub referred_at: NaiveDateTime,
}

/// A referral as entered.
#[derive(Debug, Clone, Default)]
pub struct ReferralFields {
    /// To whom (court, police station, department).
    pub referred_to: String,
    /// Why.
    pub reason: String,
    /// When; `now` when blank.
    pub referred_at: Option<String>,
}

impl ReferralFields {
    /// The referral these fields record at `now`.
    pub fn parse(&self, now: NaiveDateTime) -> Result<NewReferral, Refused> {
        let mut f = Fields::new();
        let to = f.check("referred_to", required_text(&self.referred_to, 200));
        let reason = f.check("reason", required_text(&self.reason, 2000));
        let at = match self.referred_at.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => f.check("referred_at", parse_instant(raw)),
            None => Some(now),
        };
        f.done(match (to, reason, at) {
            (Some(referred_to), Some(reason), Some(referred_at)) => {
                Some(NewReferral { referred_to, reason, referred_at })
            }
            _ => None,
        })
    }
}
