//! Sign-in state: browser sessions, API tokens and failed-attempt counters.
//!
//! Sessions and tokens live in the database so that every app instance
//! sharing it honours them and a sign-out ends them everywhere. Their
//! creation and revocation are audited; the per-request "last seen" touch
//! and the failure counters are bookkeeping and are not.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use serde_json::json;

use super::audit::audited;
use super::schema::{api_token, app_user, sign_in_throttle, web_session};
use super::users::User;
use super::{DbConn, Sql};
use crate::domain::throttle::ThrottleRule;
use crate::on_backend;

/// A browser session as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = web_session)]
pub struct WebSession {
    /// SHA-256 of the session id held in the cookie.
    pub id_hash: String,
    /// Signed-in user.
    pub user_id: i64,
    /// Sign-in time, for the absolute timeout.
    pub created_at: NaiveDateTime,
    /// Last request, for the idle timeout.
    pub last_seen_at: NaiveDateTime,
}

/// Starts a session for `user`, ending the one the browser held before.
pub fn start_session(
    conn: &mut DbConn,
    user: &User,
    id_hash: &str,
    replaces: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    audited(conn, &user.actor(), user.committee_id, |conn, log| {
        if let Some(old) = replaces {
            diesel::delete(web_session::table.find(old)).execute(conn)?;
        }
        diesel::insert_into(web_session::table)
            .values((
                web_session::id_hash.eq(id_hash),
                web_session::user_id.eq(user.id),
                web_session::created_at.eq(now),
                web_session::last_seen_at.eq(now),
            ))
            .execute(conn)?;
        log.record("user.sign_in", "user", user.id, json!({"via": "form"}));
        Ok(())
    })
}

/// The session and its user.
pub fn find_session(conn: &mut DbConn, id_hash: &str) -> QueryResult<Option<(WebSession, User)>> {
    web_session::table
        .inner_join(app_user::table)
        .filter(web_session::id_hash.eq(id_hash))
        .select((WebSession::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// Notes a request in the session.
pub fn touch_session(conn: &mut DbConn, id_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(web_session::table.find(id_hash)).set(web_session::last_seen_at.eq(now)).execute(conn).map(drop)
}

/// Ends a session that timed out.
pub fn expire_session(conn: &mut DbConn, id_hash: &str) -> QueryResult<()> {
    diesel::delete(web_session::table.find(id_hash)).execute(conn).map(drop)
}

/// Ends a session at the user's request.
pub fn end_session(conn: &mut DbConn, user: &User, id_hash: &str) -> QueryResult<()> {
    audited(conn, &user.actor(), user.committee_id, |conn, log| {
        diesel::delete(web_session::table.find(id_hash)).execute(conn)?;
        log.record("user.sign_out", "user", user.id, json!({}));
        Ok(())
    })
}

/// Removes sessions idle since `idle_before` or started before `started_before`.
pub fn purge_sessions(
    conn: &mut DbConn,
    idle_before: NaiveDateTime,
    started_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        web_session::table
            .filter(web_session::last_seen_at.lt(idle_before).or(web_session::created_at.lt(started_before))),
    )
    .execute(conn)
}

/// Stores a new API token's hash; returns the token's id.
pub fn issue_token(
    conn: &mut DbConn,
    user: &User,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<i64> {
    audited(conn, &user.actor(), user.committee_id, |conn, log| {
        let id = diesel::insert_into(api_token::table)
            .values((
                api_token::token_hash.eq(token_hash),
                api_token::user_id.eq(user.id),
                api_token::created_at.eq(now),
                api_token::expires_at.eq(expires_at),
            ))
            .returning(api_token::id)
            .get_result::<i64>(conn)?;
        log.record("token.issue", "api_token", id, json!({"user_id": user.id, "expires_at": expires_at}));
        Ok(id)
    })
}

/// The user holding an unexpired, unrevoked token, and the token's id.
pub fn find_token(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<Option<(i64, User)>> {
    api_token::table
        .inner_join(app_user::table)
        .filter(api_token::token_hash.eq(token_hash))
        .filter(api_token::expires_at.gt(now))
        .filter(api_token::revoked_at.is_null())
        .select((api_token::id, User::as_select()))
        .first(conn)
        .optional()
}

/// Revokes a token.
pub fn revoke_token(conn: &mut DbConn, user: &User, token_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    audited(conn, &user.actor(), user.committee_id, |conn, log| {
        diesel::update(api_token::table.find(token_id)).set(api_token::revoked_at.eq(now)).execute(conn)?;
        log.record("token.revoke", "api_token", token_id, json!({}));
        Ok(())
    })
}

const COUNT_ATTEMPT: Sql = Sql("INSERT INTO sign_in_throttle (key, failures, window_start) VALUES (?, 1, ?) \
     ON CONFLICT (key) DO UPDATE SET \
     failures = CASE WHEN sign_in_throttle.window_start < ? THEN 1 ELSE sign_in_throttle.failures + 1 END, \
     window_start = CASE WHEN sign_in_throttle.window_start < ? THEN excluded.window_start \
     ELSE sign_in_throttle.window_start END \
     RETURNING failures, window_start");

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    failures: i32,
    #[diesel(sql_type = Timestamp)]
    window_start: NaiveDateTime,
}

/// Counts one sign-in attempt against each `(key, rule)` — before any
/// password is checked, in one write transaction, so that a burst of
/// concurrent attempts is counted one by one on either backend and across
/// instances. Answers how long to wait when a rule's limit is passed (the
/// attempt must then not be checked), else `None`. A window older than its
/// rule starts afresh. A successful attempt is given back with
/// [`succeeded`].
pub fn attempt(conn: &mut DbConn, keys: &[(&str, ThrottleRule)], now: NaiveDateTime) -> QueryResult<Option<TimeDelta>> {
    super::write_transaction(conn, |conn| {
        let mut wait = None;
        for (key, rule) in keys {
            let stale = now - rule.window;
            let query = diesel::sql_query(COUNT_ATTEMPT.text(conn.backend()))
                .bind::<Text, _>(*key)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(stale)
                .bind::<Timestamp, _>(stale);
            let counted: Counted = on_backend!(conn, c => query.get_result(c))?;
            wait = wait.max(rule.refuses(counted.failures, counted.window_start, now));
        }
        Ok(wait)
    })
}

/// After a successful sign-in: the account's (or code's) attempts are
/// forgotten, and the attempt is given back to each shared key (the
/// client's address), so that people signing in successfully from one
/// office do not use up its allowance.
pub fn succeeded(conn: &mut DbConn, own: &str, shared: &[&str]) -> QueryResult<()> {
    super::write_transaction(conn, |conn| {
        diesel::delete(sign_in_throttle::table.find(own)).execute(conn)?;
        for key in shared {
            diesel::update(sign_in_throttle::table.find(*key).filter(sign_in_throttle::failures.gt(0)))
                .set(sign_in_throttle::failures.eq(sign_in_throttle::failures - 1))
                .execute(conn)?;
        }
        Ok(())
    })
}
