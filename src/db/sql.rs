//! Raw SQL written once with `?` placeholders, numbered for PostgreSQL.

use std::borrow::Cow;

use super::Backend;

/// A statement for the few places diesel's DSL cannot express over both
/// backends (upserts, row locks).
#[derive(Debug, Clone, Copy)]
pub struct Sql(pub &'static str);

impl Sql {
    /// The statement text in the backend's placeholder style.
    pub fn text(self, backend: Backend) -> Cow<'static, str> {
        placeholders(self.0, backend)
    }
}

/// `sql` with its `?` placeholders numbered for PostgreSQL.
pub fn placeholders<'a>(sql: &'a str, backend: Backend) -> Cow<'a, str> {
    match backend {
        Backend::Sqlite => Cow::Borrowed(sql),
        Backend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Runs `$body` with `$c` bound to the backend's own connection.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgres($c) => $body,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_in_order() {
        let sql = Sql("UPDATE t SET a = ? WHERE b = ? AND c = ?");
        assert_eq!(sql.text(Backend::Sqlite), sql.0);
        assert_eq!(sql.text(Backend::Postgres), "UPDATE t SET a = $1 WHERE b = $2 AND c = $3");
    }
}
