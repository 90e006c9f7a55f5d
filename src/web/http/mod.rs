//! What the API and the pages share at the HTTP edge: the request's
//! context and extractors, cookies, the one error type and its bodies,
//! pagination, the access log and the application state.

pub mod access;
pub mod access_log;
pub mod auth;
pub mod context;
pub mod cookies;
pub mod error;
pub mod gzip;
pub mod json;
pub mod pagination;
pub mod pdf;
pub mod redirect;
pub mod render_errors;
pub mod state;
