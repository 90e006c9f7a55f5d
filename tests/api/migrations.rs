//! Every migration reverts and reapplies: after all the `down.sql` files
//! nothing of the schema is left (tables, indexes, triggers, functions,
//! sequences, views, types), and applying them again gives the same
//! schema, object by object, definition by definition.

use diesel::prelude::*;
use diesel::sql_types::Text;
use hesheng::db::{self, Backend, DbConn, Manager, SqliteSync};

use crate::helpers::fresh_database;

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Object {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// SQLite: every object of `sqlite_master` with its SQL.
const SQLITE_SCHEMA: &str = "SELECT type AS kind, name, coalesce(sql, '') AS definition FROM sqlite_master \
     WHERE name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' \
     AND tbl_name <> '__diesel_schema_migrations'";

/// PostgreSQL: the public schema's tables with their columns, indexes,
/// constraints, triggers, functions, sequences, views and types — but what
/// an extension owns.
const POSTGRES_SCHEMA: &str = "
SELECT 'column' AS kind, table_name || '.' || column_name AS name,
       data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS definition
  FROM information_schema.columns
 WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
UNION ALL
SELECT 'index', indexname, indexdef FROM pg_indexes
 WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '__diesel_schema_migrations'
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid) FROM pg_trigger
 WHERE NOT tgisinternal AND tgrelid::regclass::text NOT LIKE 'pg_%'
UNION ALL
SELECT 'function', p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'sequence', sequencename, data_type::text FROM pg_sequences WHERE schemaname = 'public'
UNION ALL
SELECT 'view', viewname, definition FROM pg_views WHERE schemaname = 'public'
UNION ALL
SELECT 'type', t.typname, t.typtype::text FROM pg_type t
 WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')";

fn schema(conn: &mut DbConn) -> Vec<Object> {
    let mut objects: Vec<Object> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(SQLITE_SCHEMA).load(c).expect("sqlite schema"),
        DbConn::Postgres(c) => diesel::sql_query(POSTGRES_SCHEMA).load(c).expect("postgres schema"),
    };
    objects.sort();
    objects
}

fn round_trip(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else { return };
    let mut conn = Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("connect");
    let applied = db::run_migrations(&mut conn).expect("up");
    assert!(applied >= 1);
    let first = schema(&mut conn);
    let kinds: std::collections::BTreeSet<&str> = first.iter().map(|o| o.kind.as_str()).collect();
    let expected: &[&str] = match backend {
        Backend::Sqlite => &["index", "table", "trigger"],
        Backend::Postgres => &["column", "constraint", "function", "index", "sequence", "trigger"],
    };
    for kind in expected {
        assert!(kinds.contains(kind), "the schema was read: no {kind} in {kinds:?}");
    }
    // Seeding writes an audit event, keyed with the data key every server
    // of this suite is given: installed here too, so the test does not
    // depend on another having opened a database first.
    hesheng::data_key::install(
        hesheng::data_key::Keyring::parse(crate::helpers::DATA_KEY).expect("the suite's data key"),
    );
    db::committees::ensure_default(&mut conn).expect("seed");

    let reverted = db::revert_all_migrations(&mut conn).expect("every down.sql runs");
    assert_eq!(reverted, applied);
    let left = schema(&mut conn);
    assert!(left.is_empty(), "down.sql leaves nothing behind: {left:#?}");
    assert_eq!(db::run_migrations(&mut conn).expect("up again"), applied);
    let again = schema(&mut conn);
    let changed: Vec<_> = first.iter().zip(&again).filter(|(a, b)| a != b).collect();
    assert!(changed.is_empty() && first.len() == again.len(), "applied again, the schema differs: {changed:#?}");
}

#[test]
fn every_migration_reverts_and_reapplies_on_sqlite() {
    round_trip(Backend::Sqlite);
}

#[test]
fn every_migration_reverts_and_reapplies_on_postgres() {
    round_trip(Backend::Postgres);
}
