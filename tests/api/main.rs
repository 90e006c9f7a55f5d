//! Integration tests: the real server over HTTP, on SQLite always and on
//! PostgreSQL when HESHENG_TEST_PG_URL is set.

mod helpers;

mod audit;
mod auth;
mod cli;
mod committees;
mod errors;
mod health;
mod locales;
mod migrations;
mod pool;
mod sessions;
