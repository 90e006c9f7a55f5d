use diesel::prelude::*;
use hesheng::db::{self, Backend, Manager, SqliteSync};

use crate::helpers::fresh_database;

fn round_trip(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else { return };
    let mut conn = Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("connect");
    let applied = db::run_migrations(&mut conn).expect("up");
    assert!(applied >= 1);
    db::committees::ensure_default(&mut conn).expect("seed");

    let reverted = db::revert_all_migrations(&mut conn).expect("every down.sql runs");
    assert_eq!(reverted, applied);
    let left: i64 = match &mut conn {
        db::DbConn::Sqlite(c) => diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "SELECT count(*) FROM sqlite_master WHERE type IN ('table','trigger','index') AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
        )
        .get_result(c)
        .expect("count"),
        db::DbConn::Postgres(c) => diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
        )
        .get_result(c)
        .expect("count"),
    };
    assert_eq!(left, 0, "down.sql leaves nothing behind");
    assert_eq!(db::run_migrations(&mut conn).expect("up again"), applied);
}

#[test]
fn every_migration_reverts_and_reapplies_on_sqlite() {
    round_trip(Backend::Sqlite);
}

#[test]
fn every_migration_reverts_and_reapplies_on_postgres() {
    round_trip(Backend::Postgres);
}
