//! Application settings kept in the database, shared by every instance.

use diesel::prelude::*;
use serde_json::json;

use super::DbConn;
use super::audit::audited;
use super::schema::app_setting;
use crate::domain::audit::Actor;

/// A setting's value, if set.
pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    app_setting::table.find(key).select(app_setting::value).first(conn).optional()
}

/// The value of `key`, storing `make()` first when it has none. Instances
/// starting together agree on one value. Only the key is audited, never the
/// value, which may be a secret.
pub fn get_or_init(conn: &mut DbConn, key: &str, make: impl FnOnce() -> String) -> QueryResult<String> {
    if let Some(value) = get(conn, key)? {
        return Ok(value);
    }
    audited(conn, &Actor::system(), 0, |conn, log| {
        if let Some(value) = get(conn, key)? {
            return Ok(value);
        }
        let value = make();
        diesel::insert_into(app_setting::table)
            .values((app_setting::key.eq(key), app_setting::value.eq(&value)))
            .execute(conn)?;
        log.record("setting.create", "setting", key, json!({"key": key}));
        Ok(value)
    })
}

/// Sets `key` to `value` (audited by key, never by value).
pub fn put(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    audited(conn, &Actor::system(), 0, |conn, log| {
        let updated = diesel::update(app_setting::table.find(key)).set(app_setting::value.eq(value)).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(app_setting::table)
                .values((app_setting::key.eq(key), app_setting::value.eq(value)))
                .execute(conn)?;
        }
        log.record(if updated == 0 { "setting.create" } else { "setting.update" }, "setting", key, json!({"key": key}));
        Ok(())
    })
}
