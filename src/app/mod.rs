//! The application: what a user can do, each action written once, called
//! by the JSON API, the pages and the command line alike.

pub mod agreements;
pub mod case_view;
pub mod cases;
pub mod committees;
pub mod complaints;
pub mod documents;
pub mod error;
pub mod field_work;
pub mod follow_ups;
pub mod mediation;
pub mod portal;
pub mod print_queue;
pub mod privacy;
pub mod reports;
pub mod sign_in;
pub mod users;
