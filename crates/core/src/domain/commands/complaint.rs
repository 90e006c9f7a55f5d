//! The command of a complaint, parsed once from the API's JSON or the
//! intake form.

use chrono::NaiveDateTime;

use crate::domain::clock::{ClockTime, parse_instant};
use crate::domain::complaint::{Category, Channel, ObservedPattern, parse_days};
use crate::domain::fields::{Fields, Refused};
use crate::domain::party::{Particulars, ParticularsInput};
use crate::domain::{Invalid, optional_text, required_text};

/// A complaint to record, checked.
#[derive(Debug, Clone)]
pub struct NewComplaint {
    /// Committee.
    pub committee_id: i64,
    /// When received (UTC).
    pub received_at: NaiveDateTime,
    /// Channel.
    pub channel: Channel,
    /// Category.
    pub category: Category,
    /// Location.
    pub location: String,
    /// Description.
    pub description: String,
    /// When it happens.
    pub pattern: ObservedPattern,
    /// The reporter, if identified.
    pub reporter: Option<Particulars>,
    /// Anonymous reporter.
    pub anonymous: bool,
}

/// When the disturbance happens, as entered.
#[derive(Debug, Clone)]
pub enum PatternFields {
    /// Just words.
    Text(String),
    /// Words, times and days.
    Detailed {
        /// In the reporter's words.
        text: Option<String>,
        /// Usual start `HH:MM`.
        start: Option<String>,
        /// Usual end `HH:MM`.
        end: Option<String>,
        /// `daily`, `weekdays`, `weekends` or `mon,tue,…`.
        days: Option<String>,
    },
}

/// Who complained, as entered.
#[derive(Debug, Clone, Default)]
pub struct ReporterFields {
    /// Name.
    pub name: String,
    /// Telephone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// A complaint as entered.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFields {
    /// When received (RFC 3339); `now` when blank.
    pub received_at: Option<String>,
    /// Channel code.
    pub channel: String,
    /// Category code.
    pub category: String,
    /// Where.
    pub location: String,
    /// What happens.
    pub description: String,
    /// When it happens.
    pub observed_pattern: Option<PatternFields>,
    /// Who complained; may be left out when anonymous.
    pub reporter: Option<ReporterFields>,
    /// The reporter asks not to be named.
    pub anonymous: bool,
}

fn parse_pattern(f: &mut Fields, pattern: Option<&PatternFields>) -> ObservedPattern {
    match pattern {
        None => ObservedPattern::default(),
        Some(PatternFields::Text(text)) => ObservedPattern {
            text: f.check("observed_pattern", optional_text(text, 500)).flatten(),
            ..Default::default()
        },
        Some(PatternFields::Detailed { text, start, end, days }) => ObservedPattern {
            text: f.check("observed_pattern.text", optional_text(text.as_deref().unwrap_or(""), 500)).flatten(),
            start: f.optional("observed_pattern.start", start.as_deref(), ClockTime::parse),
            end: f.optional("observed_pattern.end", end.as_deref(), ClockTime::parse),
            days: f.optional("observed_pattern.days", days.as_deref(), parse_days),
        },
    }
}

impl ComplaintFields {
    /// The complaint these fields record for `committee_id`, received at
    /// `now` unless they say when; identity numbers are checked against
    /// `year`.
    pub fn parse(&self, committee_id: i64, now: NaiveDateTime, year: i32) -> Result<NewComplaint, Refused> {
        let mut f = Fields::new();
        let received_at = match self.received_at.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => f.check("received_at", parse_instant(raw)),
            None => Some(now),
        };
        let channel = f.check("channel", Channel::parse(&self.channel));
        let category = f.check("category", Category::parse(&self.category));
        let location = f.check("location", required_text(&self.location, 200));
        let description = f.check("description", required_text(&self.description, 2000));
        let pattern = parse_pattern(&mut f, self.observed_pattern.as_ref());
        let reporter = match &self.reporter {
            Some(r) if !(self.anonymous && r.name.trim().is_empty()) => {
                let input = ParticularsInput {
                    name: &r.name,
                    phone: r.phone.as_deref(),
                    address: r.address.as_deref(),
                    ..Default::default()
                };
                match Particulars::parse(&input, year) {
                    Ok(p) => Some(p),
                    Err(errors) => {
                        f.extend("reporter.", errors);
                        None
                    }
                }
            }
            Some(_) => None,
            None if self.anonymous => None,
            None => {
                f.push("reporter.name", Invalid::new("invalid.required"));
                None
            }
        };
        let parsed = match (received_at, channel, category, location, description) {
            (Some(received_at), Some(channel), Some(category), Some(location), Some(description)) => {
                Some(NewComplaint {
                    committee_id,
                    received_at,
                    channel,
                    category,
                    location,
                    description,
                    pattern,
                    reporter,
                    anonymous: self.anonymous,
                })
            }
            _ => None,
        };
        f.done(parsed)
    }
}
