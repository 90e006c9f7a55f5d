//! Pure types and rules: no I/O, no actix, no diesel.

pub mod account;
pub mod agreement;
pub mod audit;
pub mod case;
pub mod clock;
pub mod committee;
pub mod complaint;
pub mod follow_up;
pub mod language;
pub mod noise;
pub mod party;
pub mod throttle;

use std::fmt;

/// Why a value was refused: a message key of `locales/` with its arguments,
/// so that the edge can say it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Message key, e.g. `invalid.password_too_short`.
    pub key: &'static str,
    /// Values for the message's `%{name}` placeholders.
    pub args: Vec<(&'static str, String)>,
}

impl Invalid {
    /// A refusal with no arguments.
    pub fn new(key: &'static str) -> Self {
        Self { key, args: Vec::new() }
    }

    /// Adds the value of a placeholder.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)?;
        for (name, value) in &self.args {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

/// Trims a text field and refuses it when empty or longer than `max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Invalid::new("invalid.required"));
    }
    optional_text(text, max).map(|t| t.unwrap_or_default())
}

/// Trims a text field; empty means absent; longer than `max` characters or
/// holding control characters other than line breaks is refused.
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(Invalid::new("invalid.too_long").with("max", max));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(Invalid::new("invalid.control_characters"));
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        assert_eq!(required_text("  合唱队 ", 10).as_deref(), Ok("合唱队"));
        assert_eq!(required_text("   ", 10).map_err(|e| e.key), Err("invalid.required"));
        assert_eq!(optional_text("", 10), Ok(None));
        let long = "声".repeat(11);
        assert_eq!(optional_text(&long, 10).map_err(|e| e.key), Err("invalid.too_long"));
        assert_eq!(optional_text("a\0b", 10).map_err(|e| e.key), Err("invalid.control_characters"));
        assert_eq!(optional_text("第一行\n第二行", 10).map(|t| t.is_some()), Ok(true));
    }
}
