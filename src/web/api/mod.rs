//! The JSON API (`/api/v1`): one module per area, each handler parsing
//! its request into a command, calling the application and answering JSON.

pub mod agreements;
pub mod cases;
pub mod committees;
pub mod complaints;
pub mod documents;
pub mod field_work;
pub mod follow_ups;
pub mod health;
pub mod mediation;
pub mod monitors;
pub mod openapi;
pub mod portal_pins;
pub mod privacy;
pub mod reports;
pub mod tokens;
pub mod users;
