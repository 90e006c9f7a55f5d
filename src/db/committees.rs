//! Committees.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use sha2::Digest;

use super::DbConn;
use super::audit::audited;
use super::codes::{Code, Parsed};
use super::schema::committee;
use crate::domain::audit::Actor;
use crate::domain::clock::{ClockTime, NightWindow};
use crate::domain::committee::{CommitteeSettings, NumberPattern, ZoneClass};
use crate::domain::language::Lang;

/// A committee as stored (without its seal image).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = committee)]
pub struct Committee {
    /// Id; the default committee is 1.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Abbreviation used in case numbers.
    pub abbreviation: String,
    /// Case number pattern.
    pub number_pattern: Parsed<NumberPattern>,
    /// GB 3096 zone class code.
    pub zone_class: Code<ZoneClass>,
    /// Night start `HH:MM`.
    pub night_start: Parsed<ClockTime>,
    /// Night end `HH:MM`.
    pub night_end: Parsed<ClockTime>,
    /// Document language code.
    pub language: Code<Lang>,
    /// Local time offset from UTC in minutes.
    pub utc_offset_minutes: i32,
    /// Retention period in years.
    pub retention_years: i32,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

impl Committee {
    /// The stored settings as domain types. Equal night ends are refused
    /// on the way in (`CommitteeSettings::parse`); a stored row with them
    /// is corrupt, an error rather than a default night.
    pub fn settings(&self) -> QueryResult<CommitteeSettings> {
        let night = NightWindow::new(self.night_start.0, self.night_end.0).map_err(|_| {
            diesel::result::Error::DeserializationError(
                format!(
                    "committee {}: stored night window {}–{} is empty",
                    self.id, self.night_start.0, self.night_end.0
                )
                .into(),
            )
        })?;
        Ok(CommitteeSettings {
            name: self.name.clone(),
            abbreviation: self.abbreviation.clone(),
            number_pattern: self.number_pattern.0.clone(),
            zone_class: self.zone_class.get(),
            night,
            language: self.language.get(),
            utc_offset_minutes: self.utc_offset_minutes,
            retention_years: self.retention_years,
        })
    }

    /// The document language.
    pub fn lang(&self) -> Lang {
        self.language.get()
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = committee)]
struct CommitteeRow<'a> {
    name: &'a str,
    abbreviation: &'a str,
    number_pattern: &'a str,
    zone_class: &'a str,
    night_start: String,
    night_end: String,
    language: &'a str,
    utc_offset_minutes: i32,
    retention_years: i32,
    updated_at: NaiveDateTime,
}

impl<'a> CommitteeRow<'a> {
    fn new(s: &'a CommitteeSettings, now: NaiveDateTime) -> Self {
        Self {
            name: &s.name,
            abbreviation: &s.abbreviation,
            number_pattern: s.number_pattern.as_str(),
            zone_class: s.zone_class.code(),
            night_start: s.night.start.to_string(),
            night_end: s.night.end.to_string(),
            language: s.language.code(),
            utc_offset_minutes: s.utc_offset_minutes,
            retention_years: s.retention_years,
            updated_at: now,
        }
    }
}

fn summary(s: &CommitteeSettings) -> serde_json::Value {
    json!({
        "name": s.name,
        "abbreviation": s.abbreviation,
        "number_pattern": s.number_pattern.as_str(),
        "zone_class": s.zone_class.code(),
        "night_start": s.night.start,
        "night_end": s.night.end,
        "language": s.language.code(),
        "retention_years": s.retention_years,
    })
}

/// Creates a committee; returns its id. Recorded in the system chain.
pub fn create(conn: &mut DbConn, actor: &Actor, settings: &CommitteeSettings) -> QueryResult<i64> {
    audited(conn, actor, 0, |conn, log| {
        let now = Utc::now().naive_utc();
        let id = diesel::insert_into(committee::table)
            .values((CommitteeRow::new(settings, now), committee::created_at.eq(now)))
            .returning(committee::id)
            .get_result::<i64>(conn)?;
        log.record("committee.create", "committee", id, summary(settings));
        Ok(id)
    })
}

/// Changes a committee's settings.
pub fn update(conn: &mut DbConn, actor: &Actor, id: i64, settings: &CommitteeSettings) -> QueryResult<()> {
    audited(conn, actor, id, |conn, log| {
        let offset: Option<i32> =
            committee::table.find(id).select(committee::utc_offset_minutes).first(conn).optional()?;
        let changed = diesel::update(committee::table.find(id))
            .set(CommitteeRow::new(settings, Utc::now().naive_utc()))
            .execute(conn)?;
        if changed == 0 {
            return Err(diesel::result::Error::NotFound);
        }
        log.record("committee.update", "committee", id, summary(settings));
        if offset != Some(settings.utc_offset_minutes) {
            // The report's days are the committee's local days.
            super::reports::rebuild(conn, Some(id))?;
        }
        Ok(())
    })
}

/// Creates the default committee (id 1) when no committee exists yet.
/// Returns whether it was created.
pub fn ensure_default(conn: &mut DbConn) -> QueryResult<bool> {
    if committee::table.count().get_result::<i64>(conn)? > 0 {
        return Ok(false);
    }
    audited(conn, &Actor::system(), 0, |conn, log| {
        // Checked again under the chain lock: instances may start together.
        if committee::table.count().get_result::<i64>(conn)? > 0 {
            return Ok(false);
        }
        let settings = CommitteeSettings::default_committee();
        let now = Utc::now().naive_utc();
        let id = diesel::insert_into(committee::table)
            .values((CommitteeRow::new(&settings, now), committee::created_at.eq(now)))
            .returning(committee::id)
            .get_result::<i64>(conn)?;
        log.record("committee.create", "committee", id, summary(&settings));
        Ok(true)
    })
}

/// One committee.
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Committee> {
    committee::table.find(id).select(Committee::as_select()).first(conn)
}

/// Every committee, by id.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Committee>> {
    committee::table.order(committee::id).select(Committee::as_select()).load(conn)
}

/// The committee's seal image (PNG), if configured.
pub fn seal(conn: &mut DbConn, id: i64) -> QueryResult<Option<Vec<u8>>> {
    committee::table.find(id).select(committee::seal_png).first(conn)
}

/// Sets (or with `None` removes) the committee's seal image.
pub fn set_seal(conn: &mut DbConn, actor: &Actor, id: i64, png: Option<&[u8]>) -> QueryResult<()> {
    audited(conn, actor, id, |conn, log| {
        diesel::update(committee::table.find(id))
            .set((committee::seal_png.eq(png), committee::updated_at.eq(Utc::now().naive_utc())))
            .execute(conn)?;
        let digest = png.map(|p| hex::encode(sha2::Sha256::digest(p)));
        log.record("committee.seal", "committee", id, json!({"sha256": digest}));
        Ok(())
    })
}
