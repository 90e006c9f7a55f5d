//! Reading JSON request bodies: 415, 413, 400 and 422 each for its cause.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::app::error::{AppError, AppResult, FieldError};
use crate::domain::Invalid;
use crate::web::http::context::read_body;

/// Largest JSON body the API reads.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body, deserialised. Its values are checked by the command it
/// becomes (`domain::commands`), which names every refused field.
///
/// Not `application/json` → 415; over 1 MB → 413; empty or not JSON → 400;
/// JSON of the wrong shape → 422 naming the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> FromRequest for ApiJson<T>
where
    T: DeserializeOwned + 'static,
{
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<Self>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        let payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(AppError::UnsupportedMediaType);
            }
            let body = read_body(payload, JSON_LIMIT).await?;
            parse_json(&body).map(ApiJson)
        })
    }
}

/// Parses a JSON body.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(Invalid::new("error.empty_body")));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(
            Invalid::new("error.malformed_json").with("position", format!("{}:{}", e.line(), e.column())),
        )
    })?;
    let parsed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        AppError::Validation(vec![shape_error(&path, &e.inner().to_string())])
    })?;
    Ok(parsed)
}

/// Names the field of a serde shape error: a missing field is named itself,
/// other errors by their path.
fn shape_error(path: &str, message: &str) -> FieldError {
    let join = |name: &str| if path == "." || path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return FieldError::new(join(name), Invalid::new("invalid.required"));
    }
    if message.starts_with("unknown variant") {
        let allowed = message.split_once("expected ").map_or("", |(_, a)| a).replace('`', "");
        return FieldError::new(path, Invalid::new("invalid.choice").with("allowed", allowed));
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The path already ends at the unknown field.
        let name = rest.split('`').next().unwrap_or(rest);
        let field = if path.rsplit('.').next() == Some(name) { path.to_owned() } else { join(name) };
        return FieldError::new(field, Invalid::new("invalid.unknown_field"));
    }
    let field = if path == "." { "body" } else { path };
    FieldError::new(field, Invalid::new("invalid.type"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        #[allow(dead_code)]
        name: String,
        #[allow(dead_code)]
        stars: i32,
    }

    fn fields(err: AppError) -> Vec<String> {
        match err {
            AppError::Validation(e) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn empty_and_malformed_bodies_are_bad_requests() {
        assert!(matches!(parse_json::<Sample>(b"  "), Err(AppError::BadRequest(i)) if i.key == "error.empty_body"));
        assert!(
            matches!(parse_json::<Sample>(b"{\"name\":"), Err(AppError::BadRequest(i)) if i.key == "error.malformed_json")
        );
    }

    #[test]
    fn wrong_shapes_name_the_field() {
        assert_eq!(fields(parse_json::<Sample>(b"{\"stars\":1}").expect_err("missing")), ["name"]);
        assert_eq!(fields(parse_json::<Sample>(b"{\"name\":\"a\",\"stars\":\"x\"}").expect_err("type")), ["stars"]);
    }

    #[test]
    fn unknown_fields_are_named() {
        let err = parse_json::<Sample>(b"{\"name\":\"a\",\"stars\":1,\"colour\":2}").expect_err("unknown");
        assert_eq!(fields(err), ["colour"]);
    }
}
