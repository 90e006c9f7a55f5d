//! The commands of administration: a committee's settings and a new
//! user, each parsed once from the API's JSON or the administration forms.

use crate::domain::account::{Role, Username, check_new_password, display_name};
use crate::domain::committee::{CommitteeInput, CommitteeSettings};
use crate::domain::fields::{FieldError, Refused};

/// A committee's settings as entered.
#[derive(Debug, Clone, Default)]
pub struct CommitteeFields {
    /// Full name.
    pub name: String,
    /// Abbreviation used in case numbers.
    pub abbreviation: String,
    /// GB 3096 zone class: 0, 1, 2, 3, 4a, 4b.
    pub zone_class: String,
    /// Night start (default 22:00).
    pub night_start: Option<String>,
    /// Night end (default 06:00).
    pub night_end: Option<String>,
    /// Case number pattern.
    pub number_pattern: Option<String>,
    /// Document language: zh-CN (default) or en.
    pub language: Option<String>,
    /// Years personal data is kept after a case closes (default 10).
    pub retention_years: Option<i32>,
}

impl CommitteeFields {
    /// The settings these fields make.
    pub fn parse(&self) -> Result<CommitteeSettings, Refused> {
        CommitteeSettings::parse(&CommitteeInput {
            name: &self.name,
            abbreviation: &self.abbreviation,
            zone_class: &self.zone_class,
            night_start: self.night_start.as_deref(),
            night_end: self.night_end.as_deref(),
            number_pattern: self.number_pattern.as_deref(),
            language: self.language.as_deref(),
            retention_years: self.retention_years,
        })
        .map_err(|errors| Refused(errors.into_iter().map(|(f, e)| FieldError::new(f, e)).collect()))
    }
}

/// A user to create, checked; the password is still to be hashed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in name.
    pub username: Username,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The password, checked against the rules.
    pub password: String,
    /// Committee; the creating administrator's when left out.
    pub committee_id: Option<i64>,
}

/// A user as entered.
#[derive(Debug, Clone, Default)]
pub struct AccountFields {
    /// Sign-in name: 3–32 of a-z 0-9 . _ -
    pub username: String,
    /// Name shown on screens and documents (default: the username).
    pub display_name: Option<String>,
    /// admin, mediator, grid_worker or staff.
    pub role: String,
    /// 12–128 characters, not common, not the username.
    pub password: String,
    /// Committee (default: the administrator's own).
    pub committee_id: Option<i64>,
}

impl AccountFields {
    /// The user these fields create.
    pub fn parse(&self) -> Result<NewAccount, Refused> {
        let mut errors = Vec::new();
        let username = Username::parse(&self.username).map_err(|e| errors.push(FieldError::new("username", e))).ok();
        let shown = display_name(self.display_name.as_deref().unwrap_or(&self.username))
            .map_err(|e| errors.push(FieldError::new("display_name", e)))
            .ok();
        let role = Role::parse(&self.role).map_err(|e| errors.push(FieldError::new("role", e))).ok();
        if let Err(e) = check_new_password(&self.password, &self.username) {
            errors.push(FieldError::new("password", e));
        }
        match (username, shown, role) {
            (Some(username), Some(display_name), Some(role)) if errors.is_empty() => Ok(NewAccount {
                username,
                display_name,
                role,
                password: self.password.clone(),
                committee_id: self.committee_id,
            }),
            _ => Err(Refused(errors)),
        }
    }
}
