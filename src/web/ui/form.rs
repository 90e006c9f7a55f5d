//! A posted HTML form: its fields by name, kept to show the form again.
//!
//! Forms name their fields as the API names its JSON fields
//! (`reporter.name`, `terms[2].max_db`), so that a refusal of the shared
//! checks points at the input it concerns.

use std::collections::BTreeSet;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::app::error::{AppError, AppResult, FieldError};
use crate::domain::Invalid;
use crate::domain::clock::parse_local;
use crate::web::http::context::{PAGE_BODY_LIMIT, read_body};

/// The fields of a posted form (or of a form to show, with its defaults).
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl FormData {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A form with these values.
    pub fn with(values: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> Self {
        Self { pairs: values.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), errors: Vec::new() }
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> AppResult<Self> {
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map_err(|_| AppError::BadRequest(Invalid::new("error.bad_form")))?;
        Ok(Self { pairs, errors: Vec::new() })
    }

    /// Sets a value (replacing any).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.pairs.retain(|(k, _)| k != name);
        self.pairs.push((name.to_owned(), value.into()));
    }

    /// Adds a value (check boxes, several values of one name).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.pairs.push((name.to_owned(), value.into()));
    }

    /// The value of a field, `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated field (check boxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// Whether a check box or option is among the values of `name`.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == name && v == value)
    }

    /// Whether a check box is ticked.
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "true" | "on" | "1")
    }

    /// The value, trimmed, or `None` when blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// The value as text, `""` when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).to_owned()
    }

    /// The days a days picker holds (`days`): every day, weekdays,
    /// weekends, or the weekdays ticked (`days.mon`…); a list with no day
    /// ticked is refused; blank is `None`. A form without the picker may
    /// send the code itself.
    pub fn days(&mut self, name: &str) -> Option<String> {
        if self.get(name) != "some" {
            return self.opt(name);
        }
        let ticked: Vec<&str> =
            crate::domain::complaint::DAYS.into_iter().filter(|d| self.checked(&format!("{name}.{d}"))).collect();
        if ticked.is_empty() {
            self.refuse(name, Invalid::new("invalid.no_day_ticked"));
            return None;
        }
        Some(ticked.join(","))
    }

    /// Notes a refusal of field `name` found while reading the form (see
    /// [`FormData::finish`]).
    pub fn refuse(&mut self, name: &str, problem: Invalid) {
        self.errors.push(FieldError::new(name, problem));
    }

    /// A number field: blank is `None`; a value that is not a number is
    /// noted as a field error and read as `None`.
    pub fn number<T: FromStr>(&mut self, name: &str) -> Option<T> {
        let raw = self.get(name).trim().replace(['，', '。'], ".");
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors.push(FieldError::new(name, Invalid::new("invalid.number")));
                None
            }
        }
    }

    /// A `datetime-local` field as RFC 3339 for the shared checks, in the
    /// committee's offset; a value that does not parse is passed on as it
    /// is, to be refused there.
    pub fn instant(&self, name: &str, offset_minutes: i32) -> String {
        let raw = self.get(name).trim();
        match parse_local(raw, offset_minutes) {
            Ok(utc) => format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S")),
            Err(_) => raw.to_owned(),
        }
    }

    /// The indices of repeated rows named `prefix[i].…`, in order.
    pub fn rows(&self, prefix: &str) -> Vec<usize> {
        let start = format!("{prefix}[");
        let set: BTreeSet<usize> =
            self.pairs.iter().filter_map(|(k, _)| k.strip_prefix(&start)?.split(']').next()?.parse().ok()).collect();
        set.into_iter().collect()
    }

    /// The value of field `field` of row `i` of `prefix`.
    pub fn row(&self, prefix: &str, i: impl std::fmt::Display, field: &str) -> &str {
        self.get(&format!("{prefix}[{i}].{field}"))
    }

    /// Joins the form's own refusals (numbers that are not numbers) with
    /// those of the shared checks.
    pub fn finish<T>(&self, checked: AppResult<T>) -> AppResult<T> {
        match (checked, self.errors.is_empty()) {
            (Ok(v), true) => Ok(v),
            (Ok(_), false) => Err(AppError::Validation(self.errors.clone())),
            (Err(AppError::Validation(mut fields)), _) => {
                for e in &self.errors {
                    fields.retain(|f| f.field != e.field);
                    fields.push(e.clone());
                }
                Err(AppError::Validation(fields))
            }
            (Err(other), _) => Err(other),
        }
    }
}

impl FromRequest for FormData {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, AppResult<Self>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let urlencoded = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        let payload = payload.take();
        Box::pin(async move {
            if !urlencoded {
                return Err(AppError::UnsupportedMediaType);
            }
            let body = read_body(payload, PAGE_BODY_LIMIT).await?;
            Self::parse(&body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_numbers_and_times_are_read_from_a_posted_form() {
        let mut form = FormData::parse(
            b"terms%5B3%5D.kind=time_window&terms%5B0%5D.kind=volume_limit&terms%5B0%5D.max_db=55%EF%BC%8C5&x=abc",
        )
        .expect("form");
        assert_eq!(form.rows("terms"), vec![0, 3]);
        assert_eq!(form.row("terms", 3, "kind"), "time_window");
        assert_eq!(form.number::<f64>("terms[0].max_db"), Some(55.5));
        assert_eq!(form.number::<f64>("x"), None);
        assert_eq!(form.number::<f64>("missing"), None);
        let refused = form.finish(Ok(()));
        assert!(matches!(refused, Err(AppError::Validation(f)) if f.len() == 1 && f[0].field == "x"));
        let timed = FormData::with([("at", "2026-06-01T21:40")]);
        assert_eq!(timed.instant("at", 480), "2026-06-01T13:40:00Z");
        assert_eq!(FormData::with([("at", "tomorrow")]).instant("at", 480), "tomorrow");
    }
}
