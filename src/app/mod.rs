//! The application: what a user can do, each action written once, called
//! by the JSON API, the pages and the command line alike.

pub mod agreements;
pub mod case_view;
pub mod cases;
pub mod committees;
pub mod complaints;
pub mod dashboard;
pub mod documents;
pub mod error;
pub mod field_work;
pub mod follow_ups;
pub mod mediation;
pub mod monitor_nights;
pub mod monitor_readings;
pub mod monitors;
pub mod night_review;
pub mod portal;
pub mod print_queue;
pub mod privacy;
pub mod reports;
pub mod sign_in;
pub mod users;
pub mod verification;

/// Runs CPU work (rendering a PDF, hashing a password) on the runtime's
/// blocking threads, off the HTTP workers; `what` names it if it stops.
pub(crate) async fn off_the_workers<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> error::AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| error::AppError::Internal(anyhow::anyhow!("{what} stopped: {e}")))
}
