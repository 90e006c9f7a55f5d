//! Hesheng (和声): records and official documents of community mediation
//! for noise and neighbour disputes.

#![forbid(unsafe_code)]

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod cli;
pub mod config;
pub mod data_key;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod i18n;
pub mod passwords;
pub mod print;
pub mod random;
pub mod reports;
pub mod scale;
pub mod startup;
pub mod telemetry;
pub mod time;
pub mod web;
