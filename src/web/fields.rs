//! Collecting every bad field of a request before answering 422.

use super::error::{AppError, AppResult, FieldError};
use crate::domain::Invalid;

/// Field errors found so far.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps a parsed value, or notes why `field` was refused.
    pub fn check<T>(&mut self, field: impl Into<String>, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::new(field, e));
                None
            }
        }
    }

    /// Parses an optional value: absent or blank stays `None`.
    pub fn optional<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
        self.check(field, parse(raw))
    }

    /// Notes several errors under a field prefix (`parties[0].`).
    pub fn extend(&mut self, prefix: &str, errors: Vec<(&'static str, Invalid)>) {
        for (field, e) in errors {
            self.errors.push(FieldError::new(format!("{prefix}{field}"), e));
        }
    }

    /// Notes an error.
    pub fn push(&mut self, field: impl Into<String>, e: Invalid) {
        self.errors.push(FieldError::new(field, e));
    }

    /// Whether nothing was refused.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// 422 naming every refused field, or `Ok`.
    pub fn finish(self) -> AppResult<()> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Validation(self.errors)) }
    }

    /// Returns the value when nothing was refused, 422 otherwise.
    pub fn done<T>(self, value: Option<T>) -> AppResult<T> {
        match (self.errors.is_empty(), value) {
            (true, Some(v)) => Ok(v),
            _ => Err(AppError::Validation(self.errors)),
        }
    }
}
