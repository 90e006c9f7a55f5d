//! How the application's one error type is answered over HTTP.
//!
//! A handler returns [`AppError`]; its response carries an [`ErrorReport`]
//! and an empty body. The `render_errors` middleware, which knows the path
//! and the reader's language, turns the report into an HTML page or an
//! `application/problem+json` body. Internals go to the log only.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::app::error::{AppError, FieldError};
use crate::db::Outage;
use crate::domain::Invalid;

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
            507 => ("insufficient-storage", "error.storage_full"),
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
            AppError::Outage(Outage::StorageFull) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Outage(Outage::Unreachable | Outage::ReadOnly) => StatusCode::SERVICE_UNAVAILABLE,
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
            AppError::Outage(outage) => report.detail = Invalid::new(outage.message_key()),
            AppError::Internal(error) => tracing::error!(error = format!("{error:#}"), "internal error"),
            _ => {}
        }
        let mut response = HttpResponse::new(status);
        let retry_after = match self {
            AppError::TooManyRequests { retry_after_secs } => Some((*retry_after_secs).max(1)),
            AppError::Unavailable(_) | AppError::Outage(Outage::Unreachable) => Some(1),
            // Space or write access comes back by an operator's hand.
            AppError::Outage(Outage::StorageFull | Outage::ReadOnly) => Some(60),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(report);
        response
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking pool: {e}"))
    }
}
