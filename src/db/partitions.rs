//! Yearly partitions on PostgreSQL: complaints by the year they were
//! received, audit events by the year they occurred, archived documents by
//! the year they were archived (UTC years; migrations 000026 and 000027).
//! Each table has a partition per year (`complaint_y2027`) and a default
//! partition taking any row no year partition takes, so no write is ever
//! refused for want of one. The server makes this year's and next year's
//! partitions at start and then daily, and moves the rows waiting in a
//! default partition into partitions of their years (a complaint received
//! in an earlier year lands there first); audit events and archived
//! documents are append-only, so theirs stay put. SQLite keeps each table
//! whole.

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use super::DbConn;

/// The tables kept in yearly partitions on PostgreSQL.
pub const PARTITIONED: [&str; 3] = ["audit_event", "complaint", "document_archive"];

#[derive(QueryableByName)]
struct Made {
    #[diesel(sql_type = Integer)]
    made: i32,
}

/// Makes, on PostgreSQL, the partitions of `today`'s year and of the next
/// for every partitioned table, and those of the years rows waiting in a
/// default partition belong to, moving them there where the table allows;
/// returns how many partitions were made (none on SQLite). Instances
/// sharing the database take turns; a lock not granted within ten seconds
/// (a long report holding a table) fails the run rather than stall the
/// writes queued behind it, and the next run makes up for it.
pub fn make_ahead(conn: &mut DbConn, today: NaiveDate) -> QueryResult<u32> {
    match conn {
        DbConn::Sqlite(_) => Ok(0),
        DbConn::Postgres(c) => c.transaction(|c| {
            c.batch_execute("SET LOCAL lock_timeout = '10s'")?;
            let made: Made = diesel::sql_query("SELECT hesheng_partitions_ahead($1) AS made")
                .bind::<Date, _>(today)
                .get_result(c)?;
            Ok(made.made.unsigned_abs())
        }),
    }
}

/// Gathers the planner's statistics of the partitioned tables as wholes on
/// PostgreSQL (autovacuum keeps only each partition's), which it reads
/// when it joins a table's partitions together; nothing on SQLite.
pub fn analyze(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        DbConn::Postgres(c) => c.batch_execute(&format!("ANALYZE {}", PARTITIONED.join(", "))),
    }
}

/// A partition and how many rows it holds.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Partition {
    /// The partitioned table.
    #[diesel(sql_type = Text)]
    pub table: String,
    /// The partition (`complaint_y2027`, `complaint_default`).
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Its rows.
    #[diesel(sql_type = BigInt)]
    pub rows: i64,
}

/// Every partition of the partitioned tables with its rows, by table and
/// name; empty on SQLite.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Partition>> {
    let DbConn::Postgres(c) = conn else { return Ok(Vec::new()) };
    let names: Vec<Partition> = diesel::sql_query(
        "SELECT p.relname::text AS table, c.relname::text AS name, 0::bigint AS rows \
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent \
          WHERE p.relnamespace = 'public'::regnamespace AND p.relkind = 'p' \
          ORDER BY 1, 2",
    )
    .load(c)?;
    names
        .into_iter()
        .map(|p| {
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            // Names read from the catalogue just above, quoted all the same.
            let count: Count =
                diesel::sql_query(format!("SELECT count(*) AS n FROM \"{}\"", p.name.replace('"', "\"\"")))
                    .get_result(c)?;
            Ok(Partition { rows: count.n, ..p })
        })
        .collect()
}
