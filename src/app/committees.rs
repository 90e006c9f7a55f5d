//! Committees: creating one, and a committee's settings.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::{AppError, AppResult};
use crate::db::Db;
use crate::db::committees::{self, Committee};
use crate::db::users::User;
use crate::domain::Invalid;
use crate::domain::account::is_root_admin;
use crate::domain::commands::admin::CommitteeFields;
use crate::domain::committee::check_seal_png;

/// A committee.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitteeView {
    /// Id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Abbreviation.
    pub abbreviation: String,
    /// Number pattern.
    pub number_pattern: String,
    /// Zone class.
    pub zone_class: String,
    /// Night start.
    pub night_start: String,
    /// Night end.
    pub night_end: String,
    /// Language.
    pub language: String,
    /// Retention period in years.
    pub retention_years: i32,
}

impl From<Committee> for CommitteeView {
    fn from(c: Committee) -> Self {
        Self {
            id: c.id,
            name: c.name,
            abbreviation: c.abbreviation,
            number_pattern: c.number_pattern.0.as_str().to_owned(),
            zone_class: c.zone_class.to_string(),
            night_start: c.night_start.0.to_string(),
            night_end: c.night_end.0.to_string(),
            language: c.language.to_string(),
            retention_years: c.retention_years,
        }
    }
}

/// Creates a committee: an administrator of the installation's act.
pub async fn create_committee(db: &Db, admin: &User, fields: CommitteeFields) -> AppResult<Committee> {
    if !is_root_admin(admin.role(), admin.committee_id) {
        return Err(AppError::Forbidden);
    }
    let settings = fields.parse()?;
    let actor = admin.actor();
    db.run(move |conn| {
        let id = committees::create(conn, &actor, &settings)?;
        Ok::<_, AppError>(committees::find(conn, id)?)
    })
    .await
}

/// One committee: the user's own; the installation's administrators see any.
pub async fn committee(db: &Db, user: &User, id: i64) -> AppResult<Committee> {
    if user.committee_id != id && !is_root_admin(user.role(), user.committee_id) {
        return Err(AppError::NotFound);
    }
    db.run(move |conn| Ok::<_, AppError>(committees::find(conn, id)?)).await
}

/// Changes the settings of the administrator's committee (its UTC offset
/// is kept); answers its name.
pub async fn update_settings(db: &Db, admin: &User, fields: CommitteeFields) -> AppResult<String> {
    let mut settings = fields.parse()?;
    let actor = admin.actor();
    let id = admin.committee_id;
    db.run(move |conn| {
        settings.utc_offset_minutes = committees::find(conn, id)?.utc_offset_minutes;
        committees::update(conn, &actor, id, &settings)?;
        Ok::<_, AppError>(settings.name)
    })
    .await
}

/// Stores the seal image of the administrator's committee after checking
/// that it is a PNG of a seal's size; `None` removes it.
pub async fn set_seal(db: &Db, admin: &User, png: Option<Vec<u8>>) -> AppResult<()> {
    if let Some(png) = &png {
        check_seal_png(png).map_err(|problem: Invalid| AppError::field("seal", problem))?;
    }
    let actor = admin.actor();
    let id = admin.committee_id;
    db.run(move |conn| Ok::<_, AppError>(committees::set_seal(conn, &actor, id, png.as_deref())?)).await
}

/// The seal image (PNG) of the administrator's committee, if any.
pub async fn seal(db: &Db, admin: &User) -> AppResult<Option<Vec<u8>>> {
    let id = admin.committee_id;
    db.run(move |conn| Ok::<_, AppError>(committees::seal(conn, id)?)).await
}
