//! The one error type of the HTTP edge.
//!
//! A handler returns `AppError`; its response carries an [`ErrorReport`]
//! and an empty body. The `render_errors` middleware, which knows the path
//! and the reader's language, turns the report into an HTML page or an
//! `application/problem+json` body. Internals go to the log only.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::Error as DieselError;

use crate::domain::Invalid;

/// A field that failed validation and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as in the request (`terms[1].max_db`).
    pub field: String,
    /// Why it was refused.
    pub problem: Invalid,
}

impl FieldError {
    /// A refusal of `field`.
    pub fn new(field: impl Into<String>, problem: Invalid) -> Self {
        Self { field: field.into(), problem }
    }
}

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

/// What the renderer needs to write the body of an error response.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    /// Short stable name (`validation`, `not-found` …) for the problem type.
    pub slug: &'static str,
    /// The message shown under the title.
    pub detail: Invalid,
    /// Fields that failed validation.
    pub errors: Vec<FieldError>,
    /// Extension members.
    pub extra: Option<serde_json::Value>,
}

impl ErrorReport {
    /// The report for a bare status, when no handler wrote one (actix's own
    /// 404 and 405, for instance).
    pub fn for_status(status: StatusCode) -> Self {
        let (slug, key) = match status.as_u16() {
            400 => ("bad-request", "error.bad_request"),
            401 => ("unauthorized", "error.unauthorized"),
            403 => ("forbidden", "error.forbidden"),
            404 => ("not-found", "error.not_found"),
            405 => ("method-not-allowed", "error.method_not_allowed"),
            409 => ("conflict", "error.conflict"),
            413 => ("payload-too-large", "error.payload_too_large"),
            415 => ("unsupported-media-type", "error.unsupported_media_type"),
            422 => ("validation", "error.validation"),
            429 => ("too-many-requests", "error.too_many_requests"),
            503 => ("unavailable", "error.unavailable"),
            s if s < 500 => ("bad-request", "error.bad_request"),
            _ => ("internal", "error.internal"),
        };
        Self { slug, detail: Invalid::new(key), errors: Vec::new(), extra: None }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized | AppError::WrongCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut report = ErrorReport::for_status(status);
        match self {
            AppError::BadRequest(problem) => report.detail = problem.clone(),
            AppError::WrongCredentials => report.detail = Invalid::new("error.wrong_credentials"),
            AppError::Csrf => {
                report.slug = "csrf";
                report.detail = Invalid::new("error.csrf");
            }
            AppError::Conflict { problem, extra } => {
                report.detail = problem.clone();
                report.extra.clone_from(extra);
            }
            AppError::Validation(errors) => report.errors.clone_from(errors),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "answering 503"),
            AppError::Internal(error) => tracing::error!(error = format!("{error:#}"), "internal error"),
            _ => {}
        }
        let mut response = HttpResponse::new(status);
        let retry_after = match self {
            AppError::TooManyRequests { retry_after_secs } => Some((*retry_after_secs).max(1)),
            AppError::Unavailable(_) => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(report);
        response
    }
}

impl From<DieselError> for AppError {
    fn from(e: DieselError) -> Self {
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

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking pool: {e}"))
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
        }
    }
}
