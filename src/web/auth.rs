//! Checking a username and password, with throttling, for the sign-in form
//! and the token endpoint alike.

use actix_web::{HttpRequest, web};
use chrono::Utc;

use super::error::{AppError, AppResult};
use super::state::AppState;
use crate::db::sign_in;
use crate::db::users::{self, User};
use crate::domain::throttle::{PER_ACCOUNT, PER_ADDRESS, ThrottleRule};
use crate::passwords;

/// The client's address for throttling: the peer, or with a trusted proxy
/// the address it forwarded.
pub fn client_address(req: &HttpRequest, state: &AppState) -> String {
    if state.config.trust_proxy
        && let Some(ip) = req.connection_info().realip_remote_addr()
    {
        return ip.to_owned();
    }
    req.peer_addr().map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

/// Checks the credentials. Throttled clients get 429 before any password
/// is checked; an unknown user, an inactive one and a wrong password all
/// get the same 401, after the same amount of work.
pub async fn authenticate(state: &AppState, username: &str, password: &str, client: &str) -> AppResult<User> {
    let username = username.trim().to_lowercase();
    let account_key = format!("user:{username}");
    let address_key = format!("addr:{client}");

    let (blocked, found) = {
        let (account_key, address_key, username) = (account_key.clone(), address_key.clone(), username.clone());
        state
            .db(move |conn| {
                let now = Utc::now().naive_utc();
                let wait = |rule: ThrottleRule, state: Option<(i32, chrono::NaiveDateTime)>| {
                    state.and_then(|(failures, start)| rule.retry_after(failures, start, now))
                };
                let blocked = wait(PER_ACCOUNT, sign_in::failures(conn, &account_key)?)
                    .into_iter()
                    .chain(wait(PER_ADDRESS, sign_in::failures(conn, &address_key)?))
                    .max();
                let found = if blocked.is_none() { users::find_for_sign_in(conn, &username)? } else { None };
                Ok((blocked, found))
            })
            .await?
    };
    if let Some(wait) = blocked {
        let secs = u64::try_from(wait.num_seconds()).unwrap_or(1).max(1);
        return Err(AppError::TooManyRequests { retry_after_secs: secs });
    }

    let password = password.to_owned();
    let verified = web::block(move || match found {
        Some((user, hash)) => (passwords::verify(&password, &hash) && user.active).then_some(user),
        None => {
            passwords::verify_dummy(&password);
            None
        }
    })
    .await?;

    state
        .db(move |conn| {
            let now = Utc::now().naive_utc();
            match verified {
                Some(user) => {
                    sign_in::clear_failures(conn, &account_key)?;
                    Ok(Some(user))
                }
                None => {
                    sign_in::count_failure(conn, &account_key, now, PER_ACCOUNT.window)?;
                    sign_in::count_failure(conn, &address_key, now, PER_ADDRESS.window)?;
                    Ok(None)
                }
            }
        })
        .await?
        .ok_or(AppError::WrongCredentials)
}
