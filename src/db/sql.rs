//! Raw SQL written once with `?` placeholders, numbered for PostgreSQL.

use std::borrow::Cow;

use diesel::prelude::*;

use super::{Backend, DbConn};

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

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    id: Option<i64>,
}

/// Reserves `n` ids of `table` (whose `id` the database assigns), in
/// ascending order, for rows written in the same transaction: on SQLite
/// those after the largest (the transaction holds the write lock), on
/// PostgreSQL drawn from the id's sequence, which other writers keep
/// drawing from meanwhile.
pub fn reserve_ids(conn: &mut DbConn, table: &'static str, n: usize) -> QueryResult<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let mut ids: Vec<i64> = match conn {
        DbConn::Sqlite(c) => {
            let last = diesel::sql_query(format!("SELECT MAX(id) AS id FROM {table}")).get_result::<Id>(c)?;
            let first = last.id.unwrap_or(0) + 1;
            return Ok((first..first + count).collect());
        }
        DbConn::Postgres(c) => diesel::sql_query(format!(
            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, $1)"
        ))
        .bind::<diesel::sql_types::BigInt, _>(count)
        .load::<Id>(c)?
        .into_iter()
        .filter_map(|r| r.id)
        .collect(),
    };
    ids.sort_unstable();
    Ok(ids)
}

/// `rows` written under the ascending `ids`, put in their order (a
/// statement's `RETURNING` promises none); an error unless each id came
/// back once.
pub fn in_order_of<T>(ids: &[i64], mut rows: Vec<T>, id_of: impl Fn(&T) -> i64) -> QueryResult<Vec<T>> {
    rows.sort_by_key(|r| id_of(r));
    if rows.len() != ids.len() || rows.iter().zip(ids).any(|(r, &id)| id_of(r) != id) {
        return Err(diesel::result::Error::DeserializationError("the rows written are not those reserved".into()));
    }
    Ok(rows)
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

/// Values bound by one multi-row statement at most: within both backends'
/// limits (SQLite 32 766, PostgreSQL 65 535).
pub const VALUES_PER_STATEMENT: usize = 30_000;

/// Writes many rows, `$rows` a slice of tuples of assignments to `$columns`
/// columns of `$table`, the backend's fastest way: PostgreSQL copies them
/// all (`COPY FROM`, binary), SQLite inserts them many a statement. Either
/// way the table's defaults and triggers apply as to any insert. Evaluates
/// to a `QueryResult<()>`.
#[macro_export]
macro_rules! insert_many {
    ($conn:expr, $table:path, $columns:expr, $rows:expr) => {{
        #[allow(unused_imports)]
        use ::diesel::prelude::*;
        let rows = &$rows[..];
        let written: ::diesel::QueryResult<()> = match $conn {
            $crate::db::DbConn::Sqlite(c) => (|| -> ::diesel::QueryResult<()> {
                for chunk in rows.chunks($crate::db::VALUES_PER_STATEMENT / $columns) {
                    ::diesel::insert_into($table).values(chunk).execute(c)?;
                }
                Ok(())
            })(),
            $crate::db::DbConn::Postgres(c) => {
                if rows.is_empty() {
                    Ok(())
                } else {
                    ::diesel::copy_from($table).from_insertable(rows).execute(c).map(|_| ())
                }
            }
        };
        written
    }};
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
