//! Integration tests: the real server over HTTP, on SQLite always and on
//! PostgreSQL when HESHENG_TEST_PG_URL is set.

mod helpers;
mod records;

mod access;
mod agreements;
mod audit;
mod auth;
mod browser;
mod case_views;
mod cases;
mod cli;
mod committees;
mod complaints;
mod dashboard;
mod data_key;
mod demo;
mod documents;
mod durability;
mod errors;
mod faults;
mod field_records;
mod health;
mod hostile;
mod isolation;
mod locales;
mod migrations;
mod monitor_nights;
mod monitors;
mod monitors_hj212;
mod monitors_pages;
mod openapi;
mod pages;
mod partitions;
mod pdf_tools;
mod pool;
mod portal;
mod privacy;
mod reports;
mod scale;
mod search;
mod sessions;
mod skips;
mod stored_codes;
mod tamper;
mod webdriver;
