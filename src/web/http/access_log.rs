//! The access log: one line per request, written when its span closes,
//! with the method, the path (never the query, which may hold a search for
//! a name), the client, the status, the request id and the time taken.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage, web};
use tracing::Span;
use tracing::field::{Empty, display};
use tracing_actix_web::{RequestId, RootSpanBuilder};

use crate::web::http::auth::client_address;
use crate::web::http::state::AppState;

/// Builds each request's span.
pub struct AccessSpan;

impl RootSpanBuilder for AccessSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        let client = match request.app_data::<web::Data<AppState>>() {
            Some(state) => client_address(request.request(), state),
            None => request.peer_addr().map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string()),
        };
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            client = %client,
            request_id = request_id.map(display),
            status = Empty,
            error = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(error) = response.response().error() {
                    span.record("error", display(error));
                }
            }
            Err(error) => {
                span.record("status", error.as_response_error().status_code().as_u16());
                span.record("error", display(error));
            }
        }
    }
}
