//! What users ask the application to do, as typed commands, each parsed
//! once from the raw fields the API's JSON and the pages' forms carry.

pub mod admin;
pub mod agreement;
pub mod case;
pub mod complaint;
pub mod follow_up;
pub mod investigation;
pub mod mediation;
pub mod monitor;
