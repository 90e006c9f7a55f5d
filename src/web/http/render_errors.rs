//! Writes the body of every error response: `application/problem+json`
//! (RFC 9457) on the API, an HTML page elsewhere, in the reader's language.
//! Also tells the client the request id its log lines carry.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::{Map, Value, json};
use tracing_actix_web::RequestId;

use crate::domain::language::Lang;
use crate::i18n::{t, t_invalid};
use crate::web::http::context::{RequestContext, is_api};
use crate::web::http::error::ErrorReport;
use crate::web::ui::page::{OwnBody, PageContext};

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageContext,
    status: u16,
    title: String,
    detail: String,
    errors: Vec<(String, String)>,
}

/// The middleware.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The request must not be cloned before routing (the router needs it
    // unshared); inner layers turn their errors into responses.
    let mut res = next.call(req).await?.map_into_boxed_body();
    let request_id = res.request().extensions().get::<RequestId>().map(ToString::to_string);
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.response_mut().headers_mut().insert(HeaderName::from_static("x-request-id"), id);
    }
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || res.response().extensions().contains::<OwnBody>() {
        return Ok(res);
    }
    let report =
        res.response().extensions().get::<ErrorReport>().cloned().unwrap_or_else(|| ErrorReport::for_status(status));
    let (request, old) = res.into_parts();
    let context = request.extensions().get::<RequestContext>().cloned();
    let lang = context.as_ref().map(|c| c.lang).or_else(|| {
        request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::negotiate)
    });
    let lang = lang.unwrap_or_default();

    let path = request.path();
    let mut response = if is_api(path) || path == "/healthz" {
        problem_json(status, &report, lang)
    } else if status == StatusCode::UNAUTHORIZED && path.starts_with("/portal") {
        HttpResponse::SeeOther().insert_header((header::LOCATION, "/portal/login")).finish()
    } else if status == StatusCode::UNAUTHORIZED {
        let next = request.uri().path_and_query().map_or("/", |p| p.as_str());
        let target = format!("/login?next={}", percent_encode(next));
        HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish()
    } else {
        error_page(status, &report, lang, context.as_ref(), &request)
    };
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(request, response))
}

fn title(status: StatusCode, report: &ErrorReport, lang: Lang) -> String {
    let key = format!("problem.{}", report.slug);
    let text = t(lang, &key);
    if text == key { status.canonical_reason().unwrap_or("Error").to_owned() } else { text }
}

fn problem_json(status: StatusCode, report: &ErrorReport, lang: Lang) -> HttpResponse {
    let mut body = Map::new();
    body.insert("type".into(), json!(format!("urn:hesheng:problem:{}", report.slug)));
    body.insert("title".into(), json!(title(status, report, lang)));
    body.insert("status".into(), json!(status.as_u16()));
    body.insert("detail".into(), json!(t_invalid(lang, &report.detail)));
    if !report.errors.is_empty() {
        let errors: Vec<Value> =
            report.errors.iter().map(|e| json!({"field": e.field, "message": t_invalid(lang, &e.problem)})).collect();
        body.insert("errors".into(), Value::Array(errors));
    }
    if let Some(Value::Object(extra)) = &report.extra {
        for (k, v) in extra {
            body.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .insert_header((header::CONTENT_LANGUAGE, lang.code()))
        .body(Value::Object(body).to_string())
}

fn error_page(
    status: StatusCode,
    report: &ErrorReport,
    lang: Lang,
    context: Option<&RequestContext>,
    request: &HttpRequest,
) -> HttpResponse {
    let fallback;
    let context = match context {
        Some(c) => c,
        None => {
            fallback = RequestContext { lang, user: None, credential: None, csrf_token: String::new(), flash: None };
            &fallback
        }
    };
    let page = ErrorPage {
        page: PageContext::new(context, request),
        status: status.as_u16(),
        title: title(status, report, lang),
        detail: t_invalid(lang, &report.detail),
        errors: report.errors.iter().map(|e| (e.field.clone(), t_invalid(lang, &e.problem))).collect(),
    };
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_LANGUAGE, lang.code()))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "error page template failed");
            HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(page.title)
        }
    }
}

/// Percent-encodes a path for use as a query value.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
