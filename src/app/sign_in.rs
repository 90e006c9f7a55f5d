//! Signing people and programs in: checking a username and password with
//! throttling, browser sessions and bearer tokens.

use chrono::{NaiveDateTime, TimeDelta, Utc};

use crate::app::error::{AppError, AppResult};
use crate::db::sign_in::WebSession;
use crate::db::users::{self, User};
use crate::db::{Db, sign_in};
use crate::domain::throttle::{PER_ACCOUNT, PER_ADDRESS};
use crate::{passwords, random};

/// Checks the credentials. Each attempt is counted against the account and
/// the client's address first, atomically; one past either limit gets 429
/// and no password is checked, so a burst of concurrent guesses gets no
/// more checked than the limit. An unknown user, an inactive one and a
/// wrong password all get the same 401, after the same amount of work.
pub async fn authenticate(db: &Db, username: &str, password: &str, client: &str) -> AppResult<User> {
    let username = username.trim().to_lowercase();
    let account_key = format!("user:{username}");
    let address_key = format!("addr:{client}");

    let (blocked, found) = {
        let (account_key, address_key, username) = (account_key.clone(), address_key.clone(), username.clone());
        db.run(move |conn| {
            let keys = [(account_key.as_str(), PER_ACCOUNT), (address_key.as_str(), PER_ADDRESS)];
            let blocked = sign_in::attempt(conn, &keys, Utc::now().naive_utc())?;
            let found = if blocked.is_none() { users::find_for_sign_in(conn, &username)? } else { None };
            Ok::<_, AppError>((blocked, found))
        })
        .await?
    };
    if let Some(wait) = blocked {
        let secs = u64::try_from(wait.num_seconds()).unwrap_or(1).max(1);
        return Err(AppError::TooManyRequests { retry_after_secs: secs });
    }

    let password = password.to_owned();
    let verified = crate::app::off_the_workers("password check", move || match found {
        Some((user, hash)) => (passwords::verify(&password, &hash) && user.active).then_some(user),
        None => {
            passwords::verify_dummy(&password);
            None
        }
    })
    .await?;
    let user = verified.ok_or(AppError::WrongCredentials)?;
    db.run(move |conn| Ok::<_, AppError>(sign_in::succeeded(conn, &account_key, &[&address_key])?)).await?;
    Ok(user)
}

/// Starts a browser session for `user` (ending the session `replaces`, if
/// any); answers the session's id, for the cookie.
pub async fn start_session(db: &Db, user: &User, replaces: Option<String>) -> AppResult<String> {
    let session_id = random::token();
    let id_hash = random::digest(&session_id);
    let user = user.clone();
    db.run(move |conn| {
        let now = Utc::now().naive_utc();
        Ok::<_, AppError>(sign_in::start_session(conn, &user, &id_hash, replaces.as_deref(), now)?)
    })
    .await?;
    Ok(session_id)
}

/// Ends a browser session (its id's hash) on the server.
pub async fn end_session(db: &Db, user: &User, session_hash: String) -> AppResult<()> {
    let user = user.clone();
    db.run(move |conn| Ok::<_, AppError>(sign_in::end_session(conn, &user, &session_hash)?)).await
}

/// Issues a bearer token for `user`, valid for `ttl`; answers it (shown
/// once, stored only as a hash) and when it stops working.
pub async fn issue_token(db: &Db, user: &User, ttl: TimeDelta) -> AppResult<(String, NaiveDateTime)> {
    let token = format!("hs_{}", random::token());
    let hash = random::digest(&token);
    let now = Utc::now().naive_utc();
    let expires_at = now + ttl;
    let user = user.clone();
    db.run(move |conn| Ok::<_, AppError>(sign_in::issue_token(conn, &user, &hash, now, expires_at)?)).await?;
    Ok((token, expires_at))
}

/// Revokes a bearer token of `user`.
pub async fn revoke_token(db: &Db, user: &User, token_id: i64) -> AppResult<()> {
    let user = user.clone();
    db.run(move |conn| Ok::<_, AppError>(sign_in::revoke_token(conn, &user, token_id, Utc::now().naive_utc())?)).await
}

/// The user of a bearer token that is current and whose user is active.
pub async fn token_user(db: &Db, token: String) -> AppResult<(i64, User)> {
    let hash = random::digest(&token);
    let now = Utc::now().naive_utc();
    db.read(move |conn| Ok::<_, AppError>(sign_in::find_token(conn, &hash, now)?))
        .await?
        .filter(|(_, user)| user.active)
        .ok_or(AppError::Unauthorized)
}

/// The session's user, or `None` when the session is unknown, timed out
/// (then it is removed) or the user was deactivated.
pub async fn session_user(
    db: &Db,
    session_id: &str,
    idle: TimeDelta,
    max: TimeDelta,
) -> AppResult<Option<(String, User)>> {
    let hash = random::digest(session_id);
    // Most requests only read the session: they are answered at once. One
    // that has to expire or touch it goes on to the database threads.
    let read = {
        let hash = hash.clone();
        move |conn: &mut crate::db::DbConn| sign_in::find_session(conn, &hash)
    };
    if let Some(Some((session, user))) = db.read_here(read)
        && session_due(&session, &user, idle, max, Utc::now().naive_utc()) == SessionDue::Nothing
    {
        return Ok(Some((hash, user)));
    }
    db.run(move |conn| {
        let Some((session, user)) = sign_in::find_session(conn, &hash)? else {
            return Ok(None);
        };
        let now = Utc::now().naive_utc();
        match session_due(&session, &user, idle, max, now) {
            SessionDue::End => {
                sign_in::expire_session(conn, &hash)?;
                return Ok(None);
            }
            SessionDue::Touch => sign_in::touch_session(conn, &hash, now)?,
            SessionDue::Nothing => {}
        }
        Ok::<_, AppError>(Some((hash, user)))
    })
    .await
}

/// What a session needs written before its request goes on.
#[derive(Debug, PartialEq, Eq)]
enum SessionDue {
    /// Nothing.
    Nothing,
    /// Its last use, about once a minute: enough for a 30-minute timeout.
    Touch,
    /// Its end: it timed out or its user was deactivated.
    End,
}

fn session_due(session: &WebSession, user: &User, idle: TimeDelta, max: TimeDelta, now: NaiveDateTime) -> SessionDue {
    if now - session.last_seen_at > idle || now - session.created_at > max || !user.active {
        SessionDue::End
    } else if now - session.last_seen_at > TimeDelta::seconds(60) {
        SessionDue::Touch
    } else {
        SessionDue::Nothing
    }
}
