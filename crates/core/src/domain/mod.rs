//! Pure types and rules: no I/O, no actix, no diesel.

pub mod account;
pub mod agreement;
pub mod audit;
pub mod case;
pub mod clock;
pub mod commands;
pub mod committee;
pub mod complaint;
pub mod fields;
pub mod follow_up;
pub mod language;
pub mod monitor;
pub mod night;
pub mod noise;
pub mod party;
pub mod throttle;

use std::fmt;

/// A value stored and sent as a short code (`effective`, `mediator`):
/// every code names one value, and a code that names none is an error,
/// never a default.
pub trait StoredCode: Copy + Sized + 'static {
    /// The type's name, for messages about a code that names nothing.
    const NAME: &'static str;
    /// The value's code.
    fn as_code(self) -> &'static str;
    /// The value a code names.
    fn from_code(code: &str) -> Option<Self>;
}

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

/// The half-width form of a full-width character (`６` → `6`, `（` → `(`,
/// the ideographic space → a space); any other character as it is.
pub fn narrow(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        other => other,
    }
}

/// Trims a text field and refuses it when empty or longer than `max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Invalid::new("invalid.required"));
    }
    optional_text(text, max).map(|t| t.unwrap_or_default())
}

/// Fields up to this many characters are short (names, places, titles):
/// they must read as they print, with no invisible formatting.
pub const SHORT_FIELD: usize = 200;

/// Trims a text field; empty means absent; longer than `max` characters or
/// holding control characters other than line breaks is refused, and so is
/// a short field (up to [`SHORT_FIELD`]) holding a format character — a
/// bidirectional override (U+202E) could make a name read otherwise than
/// it is stored. Free text may hold them; the pages isolate it (`<bdi>`).
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
    if max <= SHORT_FIELD && text.chars().any(is_format_character) {
        return Err(Invalid::new("invalid.format_characters"));
    }
    Ok(Some(text.to_owned()))
}

/// A search text as typed: trimmed, empty meaning none; at most 100
/// characters and no control characters (a NUL or a line break is no
/// search anyone types, and the search indexes refuse them).
pub fn search_text(raw: &str) -> Result<Option<String>, Invalid> {
    let text = raw.trim();
    if text.chars().any(char::is_control) {
        return Err(Invalid::new("invalid.control_characters"));
    }
    optional_text(text, 100)
}

/// Whether `c` is a format character (Unicode general category Cf):
/// invisible marks that change how text around them is shown —
/// bidirectional embeddings, overrides, isolates and marks, zero-width
/// spaces and joiners, the soft hyphen, the byte-order mark, tags.
pub fn is_format_character(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
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

    #[test]
    fn short_fields_refuse_format_characters_and_free_text_keeps_them() {
        for name in ["周\u{202E}芳桂", "\u{2067}张秀兰", "王\u{200B}芳", "李\u{FEFF}梅", "赵\u{AD}丽"] {
            assert_eq!(required_text(name, 50).map_err(|e| e.key), Err("invalid.format_characters"), "{name:?}");
        }
        assert!(required_text("周桂芳", 50).is_ok());
        let free = "投诉人说：\u{202E}这段文字\u{202C}是原话。";
        assert_eq!(optional_text(free, 4000).map(|t| t.is_some()), Ok(true));
    }
}
