//! The one error type of the application's actions.
//!
//! An action returns [`AppError`]; the HTTP edge (`web::http::error`)
//! answers it with its status and a body in the reader's language, the
//! command line prints it. Internals go to the log only.

use diesel::result::Error as DieselError;

use crate::domain::Invalid;
pub use crate::domain::fields::FieldError;
use crate::domain::fields::Refused;

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request could not be read (malformed JSON, bad query).
    #[error("bad request: {0}")]
    BadRequest(Invalid),
    /// No one is signed in, or the credentials are wrong.
    #[error("unauthorized")]
    Unauthorized,
    /// Credentials were offered and are wrong.
    #[error("wrong credentials")]
    WrongCredentials,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// A form was posted without a valid CSRF token.
    #[error("missing or invalid CSRF token")]
    Csrf,
    /// No such record (or not visible to this user).
    #[error("not found")]
    NotFound,
    /// The record's state does not allow this.
    #[error("conflict: {problem}")]
    Conflict {
        /// What conflicts.
        problem: Invalid,
        /// Extension members for the problem document (e.g. allowed moves).
        extra: Option<serde_json::Value>,
    },
    /// The body is larger than this endpoint takes.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body is not of a type this endpoint reads.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// One or more fields are invalid.
    #[error("invalid fields: {0:?}")]
    Validation(Vec<FieldError>),
    /// Too many attempts; try again after this many seconds.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// No database connection came free in time.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The database is out of reach or takes no writes; nothing was changed.
    #[error("database outage: {0}")]
    Outage(crate::db::Outage),
    /// A failure the user cannot fix; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Result of a handler.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A 409 with a message and no extension members.
    pub fn conflict(problem: Invalid) -> Self {
        AppError::Conflict { problem, extra: None }
    }

    /// A 422 naming one field.
    pub fn field(field: impl Into<String>, problem: Invalid) -> Self {
        AppError::Validation(vec![FieldError::new(field, problem)])
    }
}

impl From<DieselError> for AppError {
    fn from(e: DieselError) -> Self {
        if let Some(outage) = crate::db::Outage::of(&e) {
            tracing::warn!(error = %e, "{outage}");
            return AppError::Outage(outage);
        }
        match e {
            DieselError::NotFound => AppError::NotFound,
            other => AppError::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Validation(errors)
    }
}

impl From<crate::db::WriteError> for AppError {
    fn from(e: crate::db::WriteError) -> Self {
        use crate::db::WriteError;
        match e {
            WriteError::NotFound => AppError::NotFound,
            WriteError::Conflict(problem, extra) => AppError::Conflict { problem, extra },
            WriteError::Invalid(fields) => {
                AppError::Validation(fields.into_iter().map(|(f, e)| FieldError::new(f, e)).collect())
            }
            WriteError::Db(e) => AppError::from(e),
            WriteError::Busy(cause) => AppError::Unavailable(cause),
            WriteError::Outage(outage) => AppError::Outage(outage),
            WriteError::Failed(cause) => AppError::Internal(anyhow::anyhow!(cause)),
        }
    }
}

impl From<Refused> for AppError {
    fn from(refused: Refused) -> Self {
        AppError::Validation(refused.0)
    }
}
