//! PostgreSQL going away under load: restarted, failed over to a promoted
//! standby, or not yet up when the server starts. Each runs on a private
//! server (see [`super::cluster`]), never the shared one.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hesheng::db::schema::complaint;
use hesheng::db::{Manager, SqliteSync};

use super::cluster::Cluster;
use super::load::{ACQUIRE_TIMEOUT, Load, Seen, Server, add_mediator, recovery};

const WRITERS: usize = 8;
const READERS: usize = 8;

/// A database of its own name on `cluster` (the name also keys the
/// audit anchor file of the test).
pub(super) fn create_database(cluster: &Cluster, what: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("fault_{what}_{nanos:x}");
    hesheng::db::init_tls();
    let mut conn = diesel::pg::PgConnection::establish(&cluster.url("postgres")).expect("reach the private server");
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).expect("create database");
    name
}

/// Every acknowledged complaint is stored at `url` with its description.
fn assert_all_stored(url: &str, seen: &Seen) {
    let mut conn = Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("connect");
    let stored: BTreeSet<(i64, String)> = complaint::table
        .select((complaint::id, complaint::description))
        .load::<(i64, String)>(&mut conn)
        .expect("complaints")
        .into_iter()
        .collect();
    let lost: Vec<_> = seen.acknowledged.iter().filter(|c| !stored.contains(c)).collect();
    assert!(lost.is_empty(), "{} acknowledged complaints are missing: {:?}", lost.len(), &lost[..lost.len().min(10)]);
}

/// The common checks after a fault: the same process served throughout,
/// nothing but successes and 503 with Retry-After, refusals during the
/// outage, writes before and after it.
fn assert_survived(server: &mut Server, seen: &Seen, recovered: Option<Duration>) {
    assert!(server.alive(), "the server process ran throughout; its log:\n{}", server.log());
    let log = server.log();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR") && !l.contains("r2d2")).collect();
    assert!(
        seen.bad.is_empty(),
        "answers no outage excuses: {:?}\nerrors the server logged: {errors:#?}",
        &seen.bad[..seen.bad.len().min(20)]
    );
    assert!(seen.count(503) > 0, "requests during the outage were answered 503: {:?}", seen.statuses);
    assert!(recovered.is_some(), "complaints were acknowledged again after the database returned: {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_postgresql_is_answered_503_and_the_pool_recovers_by_itself() {
    let Some(cluster) = Cluster::start_new() else { return };
    let url = cluster.url(&create_database(&cluster, "restart"));
    let mut server = Server::start(&url).await;
    add_mediator(&url, "restart.mediator");
    let token = server.token("restart.mediator").await;

    let load = Load::start(&server.base, &token, WRITERS, READERS, &[503]);
    load.until_written(50).await;
    let down = Instant::now();
    cluster.stop();
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.start();
    let back = Instant::now();
    let recovered = recovery(&load, back).await;
    load.until_written(50).await;
    let seen = load.finish().await;

    eprintln!(
        "postgresql restart under load: down {:.1} s, first complaint acknowledged {:.2} s after the server returned, \
         slowest refusal {:.2} s (acquire timeout {ACQUIRE_TIMEOUT} s); answers by status {:?}; {} complaints acknowledged",
        (back - down).as_secs_f64(),
        recovered.map_or(f64::NAN, |d| d.as_secs_f64()),
        seen.slowest_refusal.as_secs_f64(),
        seen.statuses,
        seen.acknowledged.len(),
    );
    assert_survived(&mut server, &seen, recovered);
    assert_all_stored(&url, &seen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_failover_to_the_promoted_standby_every_acknowledged_complaint_is_on_it() {
    let Some(primary) = Cluster::start_new() else { return };
    let name = create_database(&primary, "failover");
    let standby = primary.standby();
    // libpq's own failover: the first of the hosts that takes writes.
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/{name}?target_session_attrs=read-write",
        primary.port, standby.port
    );
    let mut server = Server::start(&url).await;
    add_mediator(&url, "failover.mediator");
    let token = server.token("failover.mediator").await;

    let load = Load::start(&server.base, &token, WRITERS, READERS, &[503]);
    load.until_written(50).await;
    let down = Instant::now();
    primary.stop();
    tokio::time::sleep(Duration::from_secs(1)).await;
    standby.promote();
    let promoted = Instant::now();
    let recovered = recovery(&load, promoted).await;
    load.until_written(50).await;
    let seen = load.finish().await;

    eprintln!(
        "failover under load: primary stopped to standby promoted {:.1} s, first complaint acknowledged {:.2} s after \
         the promotion, slowest refusal {:.2} s; answers by status {:?}; {} complaints acknowledged",
        (promoted - down).as_secs_f64(),
        recovered.map_or(f64::NAN, |d| d.as_secs_f64()),
        seen.slowest_refusal.as_secs_f64(),
        seen.statuses,
        seen.acknowledged.len(),
    );
    assert_survived(&mut server, &seen, recovered);
    assert_all_stored(&standby.url(&name), &seen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_before_its_database_waits_for_it_when_told_to() {
    let Some(cluster) = Cluster::start_new() else { return };
    let url = cluster.url(&create_database(&cluster, "wait"));
    // Migrated and with a user while it is up; then it goes away.
    drop(Server::start(&url).await);
    add_mediator(&url, "wait.mediator");
    cluster.stop();

    let mut impatient = Server::spawn(&url, &[]);
    let started = Instant::now();
    while impatient.alive() && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!impatient.alive(), "without HESHENG_DB_WAIT the server exits when the database is unreachable");
    assert!(impatient.log().contains("cannot open the database"), "it says why: {}", impatient.log());

    let mut patient = Server::spawn(&url, &[("HESHENG_DB_WAIT", "120")]);
    let started = Instant::now();
    while patient.log().matches("trying again").count() < 2 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(patient.alive(), "with HESHENG_DB_WAIT it waits; its log:\n{}", patient.log());
    assert!(patient.log().matches("trying again").count() >= 2, "each attempt is logged: {}", patient.log());
    cluster.start();
    patient.ready(Duration::from_secs(60)).await;
    let token = patient.token("wait.mediator").await;
    let load = Load::start(&patient.base, &token, 1, 0, &[]);
    load.until_written(1).await;
    let seen = load.finish().await;
    assert!(seen.bad.is_empty() && !seen.acknowledged.is_empty(), "it then serves: {seen:?}");
    assert_all_stored(&url, &seen);
}
