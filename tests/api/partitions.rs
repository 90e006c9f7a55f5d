//! PostgreSQL keeps complaints, audit events and archived documents in
//! yearly partitions: migrating a populated database there and back keeps
//! every row and the audit chain, whichever order the migrations come in;
//! a complaint received in a year with no partition yet is accepted and
//! later moved into one; a document is still archived once under a burst
//! of concurrent requests. SQLite keeps the tables whole and the same
//! steps hold there too.

use std::sync::{Arc, Barrier};

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use hesheng::db::archive::{self, NewArchived};
use hesheng::db::schema::{agreement, audit_event, complaint, document_archive};
use hesheng::db::{self, Backend, DbConn, Manager, SqliteSync, partitions};
use hesheng::domain::account::Role;
use hesheng::domain::audit::Actor;

use crate::both_backends;
use crate::helpers::{fresh_database, hesheng};
use crate::records;

fn conn(url: &str) -> DbConn {
    Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("connect")
}

fn command(url: &str, args: &[&str]) -> String {
    let out = hesheng(url, args, None);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

type ComplaintRow = (i64, i64, NaiveDateTime, String, String, Option<i64>, NaiveDateTime);
type EventRow = (i64, i64, NaiveDateTime, String, String, String, String, String, Option<String>);
type ArchivedRow = (i64, i64, String, String, String, Vec<u8>, NaiveDateTime, Option<NaiveDateTime>);

/// Every row of the three tables, as the application reads them.
#[derive(Debug, PartialEq)]
struct Rows {
    complaints: Vec<ComplaintRow>,
    events: Vec<EventRow>,
    archived: Vec<ArchivedRow>,
}

fn rows(conn: &mut DbConn) -> Rows {
    Rows {
        complaints: complaint::table
            .order(complaint::id)
            .select((
                complaint::id,
                complaint::committee_id,
                complaint::received_at,
                complaint::location,
                complaint::description,
                complaint::case_id,
                complaint::created_at,
            ))
            .load(conn)
            .expect("complaints"),
        events: audit_event::table
            .order((audit_event::chain, audit_event::seq))
            .select((
                audit_event::chain,
                audit_event::seq,
                audit_event::occurred_at,
                audit_event::action,
                audit_event::entity_id,
                audit_event::summary,
                audit_event::prev_hash,
                audit_event::hash,
                audit_event::mac,
            ))
            .load(conn)
            .expect("events"),
        archived: document_archive::table
            .order(document_archive::id)
            .select((
                document_archive::id,
                document_archive::agreement_id,
                document_archive::kind,
                document_archive::lang,
                document_archive::sha256,
                document_archive::bytes,
                document_archive::created_at,
                document_archive::erased_at,
            ))
            .load(conn)
            .expect("archived documents"),
    }
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Whether PostgreSQL keeps `table` partitioned.
fn partitioned(conn: &mut DbConn, table: &str) -> bool {
    let DbConn::Postgres(c) = conn else { return false };
    let kind: Named =
        diesel::sql_query(format!("SELECT relkind::text AS name FROM pg_class WHERE oid = 'public.{table}'::regclass"))
            .get_result(c)
            .expect("relkind");
    kind.name == "p"
}

/// The partitions rows of `table` are in that are not the one of their
/// year, with the year.
fn misplaced(conn: &mut DbConn, table: &str, key: &str) -> Vec<String> {
    let DbConn::Postgres(c) = conn else { return Vec::new() };
    #[derive(QueryableByName)]
    struct Placed {
        #[diesel(sql_type = Text)]
        part: String,
        #[diesel(sql_type = Integer)]
        year: i32,
    }
    let placed: Vec<Placed> = diesel::sql_query(format!(
        "SELECT DISTINCT tableoid::regclass::text AS part, extract(year FROM {key})::integer AS year FROM {table}"
    ))
    .load(c)
    .expect("placement");
    placed
        .into_iter()
        .filter(|p| p.part != format!("{table}_y{}", p.year))
        .map(|p| format!("{} {}", p.part, p.year))
        .collect()
}

fn indexes_of_complaint(conn: &mut DbConn) -> Vec<String> {
    let DbConn::Postgres(c) = conn else { return Vec::new() };
    let names: Vec<Named> =
        diesel::sql_query("SELECT indexname::text AS name FROM pg_indexes WHERE tablename = 'complaint' ORDER BY 1")
            .load(c)
            .expect("indexes");
    names.into_iter().map(|n| n.name).collect()
}

/// A copy of the first complaint received at `at`, written as a bulk load
/// or an older version would, beside the application.
fn complaint_received(conn: &mut DbConn, at: &str) {
    conn.batch_execute(&format!(
        "INSERT INTO complaint (committee_id, received_at, channel, category, location, location_key, description, \
                                anonymous, created_at) \
         SELECT committee_id, '{at}', channel, category, location, location_key, description, anonymous, created_at \
           FROM complaint WHERE id = (SELECT min(id) FROM complaint)"
    ))
    .expect("complaint of an earlier year");
}

fn verify(url: &str) {
    let out = command(url, &["audit", "verify"]);
    assert!(out.starts_with("ok "), "the chain, the frozen agreements and the archive verify: {out}");
}

/// The demo and 40 generated cases, an agreement archived, and complaints
/// of two earlier years; then the migrations down to before the
/// partitions and up again.
fn migrate_a_populated_database(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else { return };
    command(&url, &["demo", "--scale", "40", "--seed", "11"]);
    let dir = tempfile::tempdir().expect("dir");
    let pdf = dir.path().join("agreement.pdf");
    let pdf = pdf.to_str().expect("path");
    command(&url, &["render", "agreement", "1", "-o", pdf, "--base-url", "https://mediation.example.cn"]);
    let mut c = conn(&url);
    complaint_received(&mut c, "2011-06-01 08:00:00");
    complaint_received(&mut c, "2019-02-03 20:30:00");
    let before = rows(&mut c);
    assert!(before.complaints.len() > 40 && before.events.len() > 40 && before.archived.len() == 1, "{before:?}");
    if backend == Backend::Postgres {
        assert!(PARTITIONED.iter().all(|t| partitioned(&mut c, t)));
        let waiting = misplaced(&mut c, "complaint", "received_at");
        for year in ["complaint_default 2011", "complaint_default 2019"] {
            assert!(
                waiting.contains(&year.to_owned()),
                "years without a partition wait in the default one: {waiting:?}"
            );
        }
    }
    verify(&url);

    let reverted = db::revert_migrations_through(&mut c, "000026").expect("down to before the partitions");
    assert!(reverted >= 4, "000031, 000030, 000027 and 000026 reverted: {reverted}");
    assert!(PARTITIONED.iter().all(|t| !partitioned(&mut c, t)), "the tables are whole again");
    assert_eq!(rows(&mut c), before, "every row is kept on the way down");

    assert!(db::run_migrations(&mut c).expect("up again") >= 4);
    if backend == Backend::Postgres {
        assert!(PARTITIONED.iter().all(|t| partitioned(&mut c, t)));
        for (table, key) in
            [("complaint", "received_at"), ("audit_event", "occurred_at"), ("document_archive", "created_at")]
        {
            assert_eq!(
                misplaced(&mut c, table, key),
                Vec::<String>::new(),
                "each row of {table} in its year's partition"
            );
        }
        let indexes = indexes_of_complaint(&mut c);
        assert!(indexes.contains(&"complaint_awaiting".into()));
    }
    assert_eq!(rows(&mut c), before, "every row is kept on the way up");
    drop(c);
    verify(&url);

    // Written after the migration: another language of the agreement
    // archived (once, however often printed), and the chain goes on.
    for _ in 0..2 {
        command(
            &url,
            &["render", "agreement", "1", "-o", pdf, "--lang", "en", "--base-url", "https://mediation.example.cn"],
        );
    }
    let after = rows(&mut conn(&url));
    assert_eq!(after.archived.len(), 2, "{:?}", after.archived.iter().map(|a| (&a.2, &a.3)).collect::<Vec<_>>());
    assert!(after.events.len() > before.events.len());
    verify(&url);
}

const PARTITIONED: [&str; 3] = partitions::PARTITIONED;

#[test]
fn migrating_a_populated_database_down_and_up_keeps_every_row_and_the_chain_on_sqlite() {
    migrate_a_populated_database(Backend::Sqlite);
}

#[test]
fn migrating_a_populated_database_down_and_up_keeps_every_row_and_the_chain_on_postgres() {
    migrate_a_populated_database(Backend::Postgres);
}

/// Generated cases' complaints and events, of the two years before today,
/// are written into the partitions of their years, made first.
#[test]
fn generated_cases_are_written_into_the_partitions_of_their_years() {
    let Some((url, _db)) = fresh_database(Backend::Postgres) else { return };
    command(&url, &["demo", "--scale", "30", "--seed", "7"]);
    let mut c = conn(&url);
    for (table, key) in [("complaint", "received_at"), ("audit_event", "occurred_at")] {
        assert_eq!(misplaced(&mut c, table, key), Vec::<String>::new(), "{table}: nothing waits in the default");
    }
    let years = partitions::list(&mut c)
        .expect("partitions")
        .into_iter()
        .filter(|p| p.table == "complaint" && p.name != "complaint_default" && p.rows > 0)
        .count();
    assert!(years >= 2, "complaints of two years or more, each in its own: {years}");
}

/// A database that had the complaint search's migrations (000030 and
/// 000031) before the partitions' (000026 and 000027) were added: they run
/// after them, and keep what those made.
#[test]
fn partitions_added_after_later_migrations_keep_their_indexes_and_every_row() {
    let Some((url, _db)) = fresh_database(Backend::Postgres) else { return };
    command(&url, &["demo", "--scale", "20", "--seed", "5"]);
    let mut c = conn(&url);
    complaint_received(&mut c, "2012-12-31 23:59:59");
    let before = rows(&mut c);
    db::revert_migrations_through(&mut c, "000026").expect("down to before the partitions");
    c.batch_execute(include_str!("../../migrations/postgres/2026-12-07-000030_complaint_search/up.sql"))
        .expect("000030 on the whole table");
    c.batch_execute(include_str!("../../migrations/postgres/2026-12-07-000031_complaint_awaiting/up.sql"))
        .expect("000031 on the whole table");
    c.batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('20261207000030'), ('20261207000031')")
        .expect("recorded as applied");
    assert!(!partitioned(&mut c, "complaint"));

    assert!(db::run_migrations(&mut c).expect("the partitions' migrations") >= 2);
    assert!(PARTITIONED.iter().all(|t| partitioned(&mut c, t)));
    let indexes = indexes_of_complaint(&mut c);
    for kept in ["complaint_awaiting", "complaint_report", "complaint_place", "complaint_pkey"] {
        assert!(indexes.contains(&kept.to_owned()), "{kept} in {indexes:?}");
    }
    assert_eq!(misplaced(&mut c, "complaint", "received_at"), Vec::<String>::new());
    assert_eq!(rows(&mut c), before);
    drop(c);
    verify(&url);
}

both_backends! {
    async fn a_complaint_received_in_a_year_without_a_partition_is_accepted_and_moved_into_its_own(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let sent = records::complaint("敦化南路64号院", "2011-03-04T10:00:00+08:00", "张秀兰");
        let created = app.post_ok("/api/v1/complaints", &token, &sent, 201).await;
        let id = created["id"].as_i64().expect("id");
        let mut conn = app.conn();
        let rows_of = |conn: &mut DbConn, name: &str| {
            partitions::list(conn).expect("partitions").into_iter().find(|p| p.name == name).map(|p| p.rows)
        };
        if app.backend == Backend::Postgres {
            assert_eq!(rows_of(&mut conn, "complaint_default"), Some(1), "it waits in the default partition");
        }

        let today = NaiveDate::from_ymd_opt(2031, 5, 1).expect("date");
        let made = partitions::make_ahead(&mut conn, today).expect("partitions made");
        match app.backend {
            Backend::Sqlite => assert_eq!((made, partitions::list(&mut conn).expect("none")), (0, Vec::new())),
            Backend::Postgres => {
                assert!(made >= 1, "at least 2011 for complaints: {made}");
                assert_eq!(rows_of(&mut conn, "complaint_y2011"), Some(1), "moved into its year's partition");
                assert_eq!(rows_of(&mut conn, "complaint_default"), Some(0));
                for table in PARTITIONED {
                    for year in [2031, 2032] {
                        assert_eq!(rows_of(&mut conn, &format!("{table}_y{year}")), Some(0), "{table} {year}");
                    }
                }
                assert_eq!(partitions::make_ahead(&mut conn, today).expect("again"), 0, "nothing left to make");
            }
        }

        let fetched = app.get_json(&format!("/api/v1/complaints/{id}"), &token).await;
        assert_eq!(fetched["received_at"], "2011-03-04T10:00:00+08:00");
        assert_eq!(fetched["location"], "敦化南路64号院");
        // Still written and read as before, in this year's partition.
        let now = app.post_ok("/api/v1/complaints", &token, &records::complaint("敦化南路3号院", "2026-05-06T21:35:00+08:00", "周桂芳"), 201).await;
        assert_eq!(app.get_json(&format!("/api/v1/complaints/{}", now["id"]), &token).await["id"], now["id"]);
        assert!(db::audit::verify(&mut conn).expect("verify").is_ok());
    }

    async fn a_document_is_archived_once_under_a_burst_of_concurrent_requests(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let (agreement_id, case_id): (i64, i64) = agreement::table
            .order(agreement::id)
            .select((agreement::id, agreement::case_id))
            .first(&mut app.conn())
            .expect("an agreement");
        let burst = 12;
        let barrier = Arc::new(Barrier::new(burst));
        let threads: Vec<_> = (0..burst)
            .map(|i| {
                let mut conn = app.conn();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let bytes = format!("%PDF copy {i}").into_bytes();
                    let sha256 = format!("{i:064x}");
                    let new = NewArchived {
                        committee_id: 1,
                        case_id,
                        agreement_id,
                        kind: "agreement",
                        lang: "en",
                        sha256: &sha256,
                        pages: 1,
                        bytes: &bytes,
                    };
                    barrier.wait();
                    archive::store(&mut conn, &Actor::system(), &new, Utc::now().naive_utc()).map(|a| (a.id, a.sha256))
                })
            })
            .collect();
        let stored: Vec<(i64, String)> =
            threads.into_iter().map(|t| t.join().expect("thread").expect("each request answered with the copy")).collect();
        assert!(stored.windows(2).all(|w| w[0] == w[1]), "every request sees the one copy: {stored:?}");
        let kept: i64 = document_archive::table
            .filter(document_archive::agreement_id.eq(agreement_id))
            .filter(document_archive::kind.eq("agreement"))
            .filter(document_archive::lang.eq("en"))
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        assert_eq!(kept, 1);
        assert!(db::audit::verify(&mut app.conn()).expect("verify").is_ok());
    }
}
