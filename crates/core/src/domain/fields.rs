//! Collecting every refused field of a command before answering, so that
//! a form or a request names all its mistakes at once.

use super::Invalid;

/// A field that was refused and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as in the request (`terms[1].max_db`).
    pub field: String,
    /// Why it was refused.
    pub problem: Invalid,
}

impl FieldError {
    /// A refusal of `field`.
    pub fn new(field: impl Into<String>, problem: Invalid) -> Self {
        Self { field: field.into(), problem }
    }
}

/// Every field a command refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<FieldError>);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.problem)).collect();
        write!(f, "refused: {}", fields.join("; "))
    }
}

impl std::error::Error for Refused {}

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

    /// Every refused field, or `Ok`.
    pub fn finish(self) -> Result<(), Refused> {
        if self.errors.is_empty() { Ok(()) } else { Err(Refused(self.errors)) }
    }

    /// Returns the value when nothing was refused.
    pub fn done<T>(self, value: Option<T>) -> Result<T, Refused> {
        match (self.errors.is_empty(), value) {
            (true, Some(v)) => Ok(v),
            _ => Err(Refused(self.errors)),
        }
    }
}
