//! Hesheng (和声): records and official documents of community mediation
//! for noise and neighbour disputes.

#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod config;
pub mod data_key;
pub mod db;
pub mod documents;
pub use hesheng_core::domain;
pub use hesheng_core::hj212;
pub use hesheng_core::i18n;
pub use hesheng_core::search;
pub mod passwords;
pub mod random;
pub mod secret;
pub mod startup;
pub mod telemetry;
pub mod time;
pub mod web;
