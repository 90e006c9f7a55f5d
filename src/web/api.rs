//! Reading JSON request bodies: 415, 413, 400 and 422 each for its cause.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::context::read_body;
use super::error::{AppError, AppResult, FieldError};
use crate::domain::Invalid;

/// Largest JSON body the API reads.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body, deserialised and validated.
///
/// Not `application/json` → 415; over 1 MB → 413; empty or not JSON → 400;
/// JSON of the wrong shape → 422 naming the field; a `Validate` failure →
/// 422 naming every bad field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> FromRequest for ApiJson<T>
where
    T: DeserializeOwned + Validate + 'static,
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

/// Parses and validates a JSON body.
pub fn parse_json<T: DeserializeOwned + Validate>(body: &[u8]) -> AppResult<T> {
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
    parsed.validate().map_err(|e| AppError::Validation(field_errors(&e)))?;
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
        let name = rest.split('`').next().unwrap_or(rest);
        return FieldError::new(join(name), Invalid::new("invalid.unknown_field"));
    }
    let field = if path == "." { "body" } else { path };
    FieldError::new(field, Invalid::new("invalid.type"))
}

/// Flattens validator errors into named fields (`terms[1].max_db`).
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let mut invalid = Invalid::new(key_for_code(&error.code));
                    for (name, value) in &error.params {
                        if let Some(name) = param_name(name) {
                            invalid = invalid.with(name, value.to_string().trim_matches('"'));
                        }
                    }
                    out.push(FieldError::new(path.clone(), invalid));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// The message key of a validator error code (`code = "…"` in the derive,
/// or the validator's own name).
fn key_for_code(code: &str) -> &'static str {
    match code {
        "required" => "invalid.required",
        "length" | "too_long" => "invalid.length",
        "range" => "invalid.range",
        "email" => "invalid.email",
        "phone" => "invalid.phone",
        "clock_time" => "invalid.clock_time",
        "choice" => "invalid.choice",
        _ => "invalid.value",
    }
}

fn param_name(name: &str) -> Option<&'static str> {
    match name {
        "min" => Some("min"),
        "max" => Some("max"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    struct Sample {
        #[validate(length(min = 1, code = "required"))]
        name: String,
        #[validate(range(min = 1, max = 5))]
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
    fn every_invalid_field_is_named() {
        let err = parse_json::<Sample>(b"{\"name\":\"\",\"stars\":9}").expect_err("invalid");
        assert_eq!(fields(err), ["name", "stars"]);
    }
}
