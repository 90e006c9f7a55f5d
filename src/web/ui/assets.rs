//! Static files, built into the binary.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::app::error::{AppError, AppResult};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../assets/css/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/js/app.js"),
    },
];

/// Serves `/assets/{name}`; they change only with a new build, so clients
/// may keep them for a day.
pub async fn asset(name: web::Path<String>) -> AppResult<HttpResponse> {
    let asset = ASSETS.iter().find(|a| a.name == name.as_str()).ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(asset.bytes))
}
