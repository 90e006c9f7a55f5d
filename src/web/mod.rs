//! The HTTP edge: handlers by area, extractors, errors and pages.

pub mod api;
pub mod assets;
pub mod auth;
pub mod committees;
pub mod context;
pub mod cookies;
pub mod error;
pub mod health;
pub mod home;
pub mod i18n;
pub mod language;
pub mod login;
pub mod openapi;
pub mod pages;
pub mod render_errors;
pub mod state;
pub mod tokens;
pub mod users;
