//! Checking a username and password, with throttling, for the sign-in form
//! and the token endpoint alike.

use actix_web::{HttpRequest, web};
use chrono::Utc;

use crate::app::error::{AppError, AppResult};
use crate::db::sign_in;
use crate::db::users::{self, User};
use crate::domain::throttle::{PER_ACCOUNT, PER_ADDRESS};
use crate::passwords;
use crate::web::http::state::AppState;

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

/// Checks the credentials. Each attempt is counted against the account and
/// the client's address first, atomically; one past either limit gets 429
/// and no password is checked, so a burst of concurrent guesses gets no
/// more checked than the limit. An unknown user, an inactive one and a
/// wrong password all get the same 401, after the same amount of work.
pub async fn authenticate(state: &AppState, username: &str, password: &str, client: &str) -> AppResult<User> {
    let username = username.trim().to_lowercase();
    let account_key = format!("user:{username}");
    let address_key = format!("addr:{client}");

    let (blocked, found) = {
        let (account_key, address_key, username) = (account_key.clone(), address_key.clone(), username.clone());
        state
            .db(move |conn| {
                let keys = [(account_key.as_str(), PER_ACCOUNT), (address_key.as_str(), PER_ADDRESS)];
                let blocked = sign_in::attempt(conn, &keys, Utc::now().naive_utc())?;
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
    let user = verified.ok_or(AppError::WrongCredentials)?;
    state.db(move |conn| Ok(sign_in::succeeded(conn, &account_key, &[&address_key])?)).await?;
    Ok(user)
}
