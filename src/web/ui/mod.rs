//! The pages people use: forms and lists over the case records.

pub mod admin;
pub mod agreements;
pub mod assets;
pub mod cases;
pub mod charts;
pub mod complaints;
pub mod dashboard;
pub mod form;
pub mod language;
pub mod login;
pub mod monitors;
pub mod night_chart;
pub mod nights;
pub mod page;
pub mod portal;
pub mod print_queue;
pub mod receipts;
pub mod records;
pub mod reports;
pub mod verify;

use actix_web::HttpResponse;
use actix_web::cookie::time::Duration;
use actix_web::http::header;

use crate::app::cases::ListedCase;
use crate::app::error::{AppError, AppResult, FieldError};
use crate::db::cases::{HitField, Listed};
use crate::db::complaints::Complaint;
use crate::domain::clock::local;
use crate::domain::language::Lang;
use crate::i18n::{t, t_invalid_words, t_with};
use crate::search::{Query, marked};
use crate::web::http::context::Flash;
use crate::web::http::pagination::Page;
use crate::web::http::state::AppState;
use crate::web::ui::page::render_with_status;
use chrono::NaiveDateTime;

/// The errors of a form, by field, in the reader's language.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    errors: Vec<(String, String)>,
}

impl FormErrors {
    /// No errors.
    pub fn none() -> Self {
        Self::default()
    }

    /// The errors of a refused submission.
    pub fn from_fields(lang: Lang, fields: &[FieldError]) -> Self {
        Self { errors: fields.iter().map(|f| (f.field.clone(), t_invalid_words(lang, &f.problem))).collect() }
    }

    /// The message for a field (first error whose name starts with it).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The message for field `field` of row `i` of `prefix`.
    pub fn row(&self, prefix: &str, i: impl std::fmt::Display, field: &str) -> Option<&str> {
        self.get(&format!("{prefix}[{i}].{field}"))
    }

    /// Whether any field failed.
    pub fn any(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Every message, for the summary at the top of a form.
    pub fn all(&self) -> &[(String, String)] {
        &self.errors
    }
}

/// Splits a handler's outcome into field errors to show again, or passes
/// any other error on.
pub fn form_errors<T>(result: AppResult<T>, lang: Lang) -> AppResult<Result<T, FormErrors>> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(AppError::Validation(fields)) => Ok(Err(FormErrors::from_fields(lang, &fields))),
        // A refusal of the record's state is shown above the form.
        Err(AppError::Conflict { problem, .. }) => {
            Ok(Err(FormErrors { errors: vec![(String::from("main"), t_invalid_words(lang, &problem))] }))
        }
        Err(other) => Err(other),
    }
}

/// Shows a form again with its errors (422).
pub fn refused<T: askama::Template>(template: &T) -> AppResult<HttpResponse> {
    render_with_status(template, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY)
}

/// A redirect after a successful action, leaving a message for the next page.
pub fn done(state: &AppState, location: &str, key: &str, value: &str) -> HttpResponse {
    let flash = Flash { key: key.to_owned(), value: value.to_owned() };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .cookie(state.cookies.encrypted(
            crate::web::http::cookies::CookieName::Flash,
            flash.encode(),
            Some(Duration::minutes(5)),
        ))
        .finish()
}

/// A choice of a select box: value, label, selected.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Submitted value.
    pub value: String,
    /// Shown label.
    pub label: String,
    /// Whether selected.
    pub selected: bool,
}

/// The choices of a select box from codes and their message prefix.
pub fn choices(lang: Lang, codes: &[&str], prefix: &str, selected: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice { value: (*c).to_owned(), label: t(lang, &format!("{prefix}.{c}")), selected: *c == selected })
        .collect()
}

/// "Previous / next" links of a paged list.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// Query string of the next page, if any.
    pub next: Option<String>,
    /// Whether this is not the first page.
    pub has_previous: bool,
}

/// The choices of a select box from an enumeration's codes.
pub fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| code(*v)).collect()
}

/// A complaint in a list.
#[derive(Debug, Clone)]
pub struct ComplaintRow {
    /// Id.
    pub id: i64,
    /// When received, local.
    pub received_at: String,
    /// Channel label.
    pub channel: String,
    /// Category label.
    pub category: String,
    /// Location.
    pub location: String,
    /// The start of the description.
    pub excerpt: String,
    /// The case it is in.
    pub case_id: Option<i64>,
    /// How many likely duplicates.
    pub similar: usize,
    /// The place split around a search's match.
    pub location_hit: Option<Marked>,
    /// The description around a search's match, split at it (when the
    /// place did not hold it).
    pub excerpt_hit: Option<Marked>,
}

impl ComplaintRow {
    /// The row of a complaint.
    pub fn new(c: &Complaint, similar: usize, offset: i32, lang: Lang) -> Self {
        Self {
            id: c.id,
            received_at: short_time(c.received_at, offset),
            channel: t(lang, &format!("channel.{}", c.channel)),
            category: t(lang, &format!("category.{}", c.category)),
            location: c.location.clone(),
            excerpt: excerpt(&c.description, 60),
            case_id: c.case_id,
            similar,
            location_hit: None,
            excerpt_hit: None,
        }
    }

    /// The row with where `query` was found in the complaint marked: its
    /// place, else its description around the match.
    pub fn marked(mut self, c: &Complaint, query: Option<&Query>) -> Self {
        if let Some(query) = query {
            self.location_hit = marked(query, &c.location, usize::MAX);
            if self.location_hit.is_none() {
                self.excerpt_hit = marked(query, &c.description, EXCERPT_AROUND);
            }
        }
        self
    }
}

/// Characters of a description shown on each side of a search's match.
const EXCERPT_AROUND: usize = 24;

/// A case in a list.
#[derive(Debug, Clone)]
pub struct CaseRow {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Status code (for styling).
    pub status: String,
    /// Status label.
    pub status_label: String,
    /// Risk code (for styling).
    pub risk: String,
    /// Risk label.
    pub risk_label: String,
    /// Location.
    pub location: String,
    /// When registered, local.
    pub registered_at: String,
    /// The title split around a search's match.
    pub title_hit: Option<Marked>,
    /// The number split around a search's match.
    pub number_hit: Option<Marked>,
    /// The place split around a search's match.
    pub location_hit: Option<Marked>,
    /// A name a search matched: whose (label), and the name split around
    /// the match.
    pub name_hit: Option<(String, Marked)>,
    /// By how much its measurements exceeded the limit at most, e.g.
    /// "超标 13.4 dB(A)".
    pub exceedance: Option<String>,
}

/// A text split around the part a search matched: before, match, after.
pub type Marked = (String, String, String);

impl CaseRow {
    /// The row of a listed case: its search match marked, its greatest
    /// exceedance said.
    pub fn found(listed: ListedCase, offset: i32, lang: Lang) -> Self {
        let ListedCase { case: c, hit, exceeds_by_db } = listed;
        let mut row = Self::new(c, offset, lang);
        row.exceedance = exceeds_by_db.map(|d| t_with(lang, "case.exceeds_by", &[("db", format!("{d:.1}"))]));
        if let Some(hit) = hit {
            let marked = (hit.before, hit.matched, hit.after);
            match hit.field {
                HitField::Title => row.title_hit = Some(marked),
                HitField::Number => row.number_hit = Some(marked),
                HitField::Location => row.location_hit = Some(marked),
                HitField::Party => row.name_hit = Some((t(lang, "case.match.party"), marked)),
                HitField::Complainant => row.name_hit = Some((t(lang, "case.match.complainant"), marked)),
            }
        }
        row
    }

    /// The row of a case.
    pub fn new(c: Listed, offset: i32, lang: Lang) -> Self {
        Self {
            id: c.id,
            status_label: t(lang, &format!("status.{}", c.status)),
            risk_label: t(lang, &format!("risk.{}", c.risk_level)),
            registered_at: short_time(c.registered_at, offset),
            number: c.number,
            title: c.title,
            status: c.status,
            risk: c.risk_level.to_string(),
            location: c.location.unwrap_or_default(),
            title_hit: None,
            number_hit: None,
            location_hit: None,
            name_hit: None,
            exceedance: None,
        }
    }
}

/// A stored time as `2026-05-20 21:40`, local.
pub fn short_time(utc: NaiveDateTime, offset: i32) -> String {
    local(utc, offset).format("%Y-%m-%d %H:%M").to_string()
}

/// The first `chars` characters of a text, with an ellipsis when cut.
pub fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

impl Pager {
    /// The pager of a list page: `query` is the list's other parameters.
    pub fn of<T>(page: &Page<T>, query: &str, has_previous: bool) -> Self {
        let next = page
            .next_cursor
            .as_ref()
            .map(|c| if query.is_empty() { format!("cursor={c}") } else { format!("{query}&cursor={c}") });
        Self { next, has_previous }
    }
}
