//! Lists: `limit` (at most 200) and an opaque `cursor`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::error::{AppError, AppResult};
use crate::domain::Invalid;

/// Most rows a list answers.
pub const MAX_LIMIT: i64 = 200;
/// Rows when no limit is given.
pub const DEFAULT_LIMIT: i64 = 50;

/// Paging parameters of a list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct PageParams {
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The checked limit and the id the page starts below.
    pub fn parse(&self) -> AppResult<(i64, Option<i64>)> {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                return Err(AppError::field(
                    "limit",
                    Invalid::new("invalid.range").with("min", 1).with("max", MAX_LIMIT),
                ));
            }
        };
        let before = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode(c).ok_or_else(|| AppError::field("cursor", Invalid::new("invalid.cursor")))?),
        };
        Ok((limit, before))
    }
}

fn decode(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes).ok()?.strip_prefix("id:")?.parse().ok()
}

/// The cursor of the page after the one ending at `last_id`.
pub fn encode(last_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{last_id}"))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `limit` rows asked for; a full page has a next cursor.
    pub fn new(items: Vec<T>, limit: i64, id_of: impl Fn(&T) -> i64) -> Self {
        let full = i64::try_from(items.len()).unwrap_or(i64::MAX) >= limit;
        let next_cursor = if full { items.last().map(|last| encode(id_of(last))) } else { None };
        Self { items, next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let p = PageParams { limit: Some(10), cursor: Some(encode(42)) };
        assert_eq!(p.parse().ok(), Some((10, Some(42))));
        assert!(PageParams { limit: Some(201), cursor: None }.parse().is_err());
        assert!(PageParams { limit: Some(0), cursor: None }.parse().is_err());
        assert!(PageParams { limit: None, cursor: Some("nonsense!".into()) }.parse().is_err());
    }
}
