//! The HTTP edge: the JSON API, the pages, what both share, and the one
//! route table.

pub mod api;
pub mod hj212;
pub mod http;
pub mod routes;
pub mod ui;
