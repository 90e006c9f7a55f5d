//! A read replica (`HESHENG_REPLICA_URL`) serves the reports: what they
//! show is what the replica has replayed, `/healthz` says how far behind
//! it is, and a replica gone leaves the reports to the primary.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use super::cluster::Cluster;
use super::load::{Server, add_mediator};
use super::postgres::create_database;

const REPORT: &str = "/api/v1/reports/summary?from=2026-05-01&to=2026-05-31";

async fn get(server: &Server, token: &str, path: &str) -> Value {
    let r = reqwest::Client::new().get(format!("{}{path}", server.base)).bearer_auth(token).send().await.expect("get");
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.expect("json")
}

async fn post_complaint(server: &Server, token: &str, n: usize) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/complaints", server.base))
        .bearer_auth(token)
        .json(&json!({
            "received_at": "2026-05-12T22:10:00+08:00", "channel": "phone", "category": "noise",
            "location": "和平里北街1号院", "description": format!("replica {n}"),
            "reporter": {"name": "住户", "phone": "13912345678"}
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "complaint {n}");
}

/// Waits until the report counts `complaints` (as the replica catches up).
async fn report_reaches(server: &Server, token: &str, complaints: i64) {
    let started = Instant::now();
    let mut last = Value::Null;
    while started.elapsed() < Duration::from_secs(60) {
        last = get(server, token, REPORT).await["complaints"].clone();
        if last == complaints {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the report never counted {complaints} complaints (last: {last})");
}

fn on_standby(standby: &Cluster, name: &str, sql: &str) {
    let mut conn = diesel::pg::PgConnection::establish(&standby.url(name)).expect("reach the standby");
    diesel::sql_query(sql).execute(&mut conn).expect(sql);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_replica_serves_the_reports_and_healthz_shows_its_lag() {
    let Some(primary) = Cluster::start_new() else { return };
    let name = create_database(&primary, "replica");
    let url = primary.url(&name);
    drop(Server::start(&url).await);
    add_mediator(&url, "replica.mediator");
    let standby = primary.standby();
    let server = Server::spawn(&url, &[("HESHENG_REPLICA_URL", &standby.url(&name))]);
    server.ready(Duration::from_secs(60)).await;
    let token = server.token("replica.mediator").await;

    let health = get(&server, &token, "/healthz").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["replica"]["status"], "ok", "the replica is named on /healthz: {health}");
    assert!(health["replica"]["lag_seconds"].is_f64(), "with its lag: {health}");

    for n in 0..3 {
        post_complaint(&server, &token, n).await;
    }
    report_reaches(&server, &token, 3).await;

    // The replica stops replaying: the report keeps its view, the lag shows.
    on_standby(&standby, &name, "SELECT pg_wal_replay_pause()");
    for n in 3..5 {
        post_complaint(&server, &token, n).await;
    }
    let listed = get(&server, &token, "/api/v1/complaints?limit=20").await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(5), "the primary has every complaint");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(get(&server, &token, REPORT).await["complaints"], 3, "the report is the replica's");
    let health = get(&server, &token, "/healthz").await;
    let lag = health["replica"]["lag_seconds"].as_f64().expect("lag");
    assert!(lag > 0.0, "a paused replica is behind: {health}");

    on_standby(&standby, &name, "SELECT pg_wal_replay_resume()");
    report_reaches(&server, &token, 5).await;

    // Without the replica the reports read the primary, and say nothing less.
    standby.stop();
    assert_eq!(get(&server, &token, REPORT).await["complaints"], 5, "the primary answers for the replica");
    let health = get(&server, &token, "/healthz").await;
    assert_eq!(health["status"], "ok", "the instance is healthy without its replica: {health}");
    assert_eq!(health["replica"]["status"], "unavailable", "and says the replica is gone: {health}");
}
