//! Accounts of the committee's people: names, roles and the password policy.

use std::fmt;

use serde::{Deserialize, Serialize};
use zxcvbn::Score;

use super::{Invalid, required_text};

/// What a signed-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Committee director or administrator: users, settings, seal.
    Admin,
    /// People's mediator: runs cases, signs agreements.
    Mediator,
    /// Grid worker: logs complaints, investigates on site.
    GridWorker,
    /// Community staff: prints documents, registers paper signatures.
    Staff,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Mediator, Role::GridWorker, Role::Staff];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Mediator => "mediator",
            Role::GridWorker => "grid_worker",
            Role::Staff => "staff",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim();
        Self::ALL.into_iter().find(|r| r.code() == code).ok_or_else(|| Invalid::new("invalid.role"))
    }
}

impl super::StoredCode for Role {
    const NAME: &'static str = "Role";

    fn as_code(self) -> &'static str {
        self.code()
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The committee created on first start. Its administrators run the
/// installation: they create committees and oversee every committee.
pub const ROOT_COMMITTEE: i64 = 1;

/// Whether a user with `role` in `committee_id` administers the whole
/// installation.
pub fn is_root_admin(role: Role, committee_id: i64) -> bool {
    role == Role::Admin && committee_id == ROOT_COMMITTEE
}

/// A sign-in name: 3–32 of `a-z 0-9 . _ -`, compared without case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    /// Parses and lower-cases a sign-in name.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim().to_lowercase();
        let len = name.chars().count();
        if !(3..=32).contains(&len) {
            return Err(Invalid::new("invalid.username_length"));
        }
        if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)) {
            return Err(Invalid::new("invalid.username_characters"));
        }
        Ok(Self(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as shown on screens and documents.
pub fn display_name(raw: &str) -> Result<String, Invalid> {
    required_text(raw, 50)
}

/// Fewest characters a password may have (ASVS 4.0.3 V2.1.1).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Most characters a password may have (ASVS 4.0.3 V2.1.2 asks for at least 64).
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Checks a new password against the policy of ASVS 4.0.3 level 2: 12 to 128
/// characters of any kind (no composition rules), not the sign-in name, and
/// not a common or easily guessed password. The common-password check uses
/// zxcvbn's built-in lists (passwords, names, words, keyboard patterns,
/// sequences, repeats, dates): anything it can guess within a million tries
/// is refused.
pub fn check_new_password(password: &str, username: &str) -> Result<(), Invalid> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(Invalid::new("invalid.password_too_short").with("min", PASSWORD_MIN_CHARS));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(Invalid::new("invalid.password_too_long").with("max", PASSWORD_MAX_CHARS));
    }
    if password.chars().any(char::is_control) {
        return Err(Invalid::new("invalid.control_characters"));
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if !name.is_empty() && lower.contains(&name) {
        return Err(Invalid::new("invalid.password_contains_username"));
    }
    let strength = zxcvbn::zxcvbn(password, &[name.as_str(), "hesheng", "和声"]);
    if strength.score() < Score::Two {
        return Err(Invalid::new("invalid.password_common"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_codes_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::parse("Admin").is_err());
    }

    #[test]
    fn usernames_are_lower_cased_and_restricted() {
        assert_eq!(Username::parse(" Li.Mei ").map(|u| u.0), Ok("li.mei".into()));
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("李梅梅").is_err());
        assert!(Username::parse("a b c").is_err());
    }

    fn refusal(password: &str, user: &str) -> Option<&'static str> {
        check_new_password(password, user).err().map(|e| e.key)
    }

    #[test]
    fn a_long_unusual_passphrase_is_accepted_whatever_its_characters() {
        assert_eq!(refusal("choir sings until nine", "limei"), None);
        assert_eq!(refusal("敦化南路六十四号院的合唱团", "limei"), None);
        assert_eq!(refusal("correct horse battery staple", "admin"), None);
    }

    #[test]
    fn short_long_and_control_character_passwords_are_refused() {
        assert_eq!(refusal("short pass", "limei"), Some("invalid.password_too_short"));
        assert_eq!(refusal(&"x".repeat(129), "limei"), Some("invalid.password_too_long"));
        assert_eq!(refusal("tab\tinside the phrase", "limei"), Some("invalid.control_characters"));
    }

    #[test]
    fn the_username_may_not_be_the_password() {
        assert_eq!(refusal("mediator.wang", "mediator.wang"), Some("invalid.password_contains_username"));
        assert_eq!(refusal("Mediator.Wang2026!", "mediator.wang"), Some("invalid.password_contains_username"));
    }

    #[test]
    fn common_passwords_of_twelve_characters_are_refused() {
        for common in ["password1234", "123456789012", "qwertyuiop123", "aaaaaaaaaaaa", "iloveyou1234"] {
            assert_eq!(refusal(common, "limei"), Some("invalid.password_common"), "{common}");
        }
    }
}
