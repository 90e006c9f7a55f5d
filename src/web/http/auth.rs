//! The client's address, as sign-in throttling counts it.

use actix_web::HttpRequest;

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
