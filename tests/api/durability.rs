//! A server under load — sixteen clients posting complaints, four recording
//! mediation sessions and forty-four reading lists, cases and complaints,
//! 64 connections as in `scripts/load`, on a pool too small for them —
//! answers nothing in the 5xx range but 503 with Retry-After, and, killed
//! with SIGKILL while alive and serving, loses no complaint and no session
//! it acknowledged: after a restart every 201 is there. A client that loses
//! its connection before the kill fails the test, and the server is
//! stopped however the test ends.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hesheng::db::schema::{complaint, mediation_session};
use hesheng::db::{Backend, Manager, SqliteSync};
use serde_json::{Value, json};

use crate::helpers::{DATA_KEY, fresh_database, hesheng};

const WRITERS: usize = 16;
const SESSION_WRITERS: usize = 4;
const READERS: usize = 44;

/// What the clients have had acknowledged so far, counted as they go.
#[derive(Default)]
struct Progress {
    complaints: AtomicUsize,
    sessions: AtomicUsize,
    reads: AtomicUsize,
}

impl Progress {
    /// Whether the load has gone on long enough for the checks after the
    /// kill to mean something (the thresholds they assert).
    fn enough(&self) -> bool {
        self.complaints.load(Ordering::Relaxed) > 50
            && self.sessions.load(Ordering::Relaxed) > 5
            && self.reads.load(Ordering::Relaxed) > 100
    }
}

/// What a client saw: statuses and how many times, and the complaints
/// acknowledged.
#[derive(Default)]
struct Seen {
    statuses: BTreeMap<u16, usize>,
    bad: Vec<String>,
    acknowledged: Vec<(i64, String)>,
    sessions: Vec<(i64, String)>,
}

impl Seen {
    /// Counts an answer; a 5xx is bad unless it is a 503 with Retry-After.
    fn answer(&mut self, what: &str, r: &reqwest::Response) {
        let status = r.status().as_u16();
        *self.statuses.entry(status).or_default() += 1;
        let retry_after = r.headers().get("retry-after").is_some();
        if (status >= 500 && !(status == 503 && retry_after)) || (400..500).contains(&status) {
            self.bad.push(format!("{what}: {status}"));
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

/// A server process, killed when dropped: a failing assertion never leaves
/// it running.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_hesheng"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("HESHENG_DATA_KEY", DATA_KEY)
        .env("HESHENG_BIND", format!("127.0.0.1:{port}"))
        // Fewer connections than clients, and a short wait for one: past
        // it a request is answered 503 with Retry-After.
        .env("HESHENG_DB_POOL_SIZE", "4")
        .env("HESHENG_DB_ACQUIRE_TIMEOUT", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hesheng");
    Server(child)
}

/// A client's connection failed: after the kill that is expected, before
/// it the server dropped a client.
fn lost_connection(seen: &mut Seen, killed: &AtomicBool, what: &str, error: &reqwest::Error) {
    if !killed.load(Ordering::SeqCst) {
        seen.bad.push(format!("{what}: connection lost before the kill: {error}"));
    }
}

async fn ready(client: &reqwest::Client, port: u16) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not become ready");
}

async fn killed_under_load_keeps_every_acknowledged_complaint(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else { return };
    let loaded = hesheng(&url, &["demo"], None);
    assert!(loaded.status.success(), "demo: {}", String::from_utf8_lossy(&loaded.stderr));
    let client = reqwest::Client::new();
    let port = free_port();
    let mut server = serve(&url, port);
    ready(&client, port).await;
    let base = format!("http://127.0.0.1:{port}");
    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "li.grid", "password": hesheng::cli::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["token"].as_str().expect("token").to_owned();
    let mediator: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "wang.mediator", "password": hesheng::cli::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let mediator = mediator["token"].as_str().expect("token").to_owned();
    // A case in mediation, for the sessions recorded under load.
    let case: Value = client
        .post(format!("{base}/api/v1/cases"))
        .bearer_auth(&mediator)
        .json(&json!({
            "title": "楼上装修噪声", "dispute_type": "neighbour", "source": "application",
            "parties": [{"role": "applicant", "name": "刘一"}]
        }))
        .send()
        .await
        .expect("case")
        .json()
        .await
        .expect("json");
    let case_id = case["id"].as_i64().expect("case id");
    for to in ["investigating", "mediating"] {
        let r = client
            .post(format!("{base}/api/v1/cases/{case_id}/transitions"))
            .bearer_auth(&mediator)
            .json(&json!({"to": to}))
            .send()
            .await
            .expect("move");
        assert_eq!(r.status(), 200, "the case moves to {to}");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let killed = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(Progress::default());
    let mut clients = Vec::new();
    for c in 0..WRITERS {
        let (client, base, token, stop, killed, progress) =
            (client.clone(), base.clone(), token.clone(), stop.clone(), killed.clone(), progress.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = json!({
                    "received_at": "2026-05-12T22:10:00+08:00",
                    "channel": "phone",
                    "category": "noise",
                    "location": format!("和平里北街{}号院", c + 1),
                    "description": format!("durability {c}-{n}"),
                    "reporter": {"name": "住户", "phone": "13912345678"}
                });
                match client.post(format!("{base}/api/v1/complaints")).bearer_auth(&token).json(&body).send().await {
                    Ok(r) => {
                        seen.answer("POST /api/v1/complaints", &r);
                        if r.status() == 201 {
                            let v: Value = r.json().await.unwrap_or(Value::Null);
                            if let Some(id) = v["id"].as_i64() {
                                seen.acknowledged.push((id, format!("durability {c}-{n}")));
                                progress.complaints.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    Err(e) => {
                        lost_connection(&mut seen, &killed, "POST /api/v1/complaints", &e);
                        break;
                    }
                }
            }
            seen
        }));
    }
    for c in 0..SESSION_WRITERS {
        let (client, base, token, stop, killed, progress) =
            (client.clone(), base.clone(), mediator.clone(), stop.clone(), killed.clone(), progress.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut n = 0;
            let path = format!("{base}/api/v1/cases/{case_id}/sessions");
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let matter = format!("durability session {c}-{n}");
                let body = json!({
                    "held_at": "2026-05-26T19:00:00+08:00", "place": "调解室", "matter": matter, "outcome": "continued",
                    "statements": [{"speaker": "周桂芳", "text": "可以九点前结束"}]
                });
                match client.post(&path).bearer_auth(&token).json(&body).send().await {
                    Ok(r) => {
                        seen.answer("POST /api/v1/cases/{id}/sessions", &r);
                        if r.status() == 201 {
                            let v: Value = r.json().await.unwrap_or(Value::Null);
                            if let Some(id) = v["id"].as_i64() {
                                seen.sessions.push((id, matter));
                                progress.sessions.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    Err(e) => {
                        lost_connection(&mut seen, &killed, "POST /api/v1/cases/{id}/sessions", &e);
                        break;
                    }
                }
            }
            seen
        }));
    }
    for c in 0..READERS {
        let (client, base, token, stop, killed, progress) =
            (client.clone(), base.clone(), token.clone(), stop.clone(), killed.clone(), progress.clone());
        clients.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let paths = [
                "/api/v1/cases?limit=20",
                "/api/v1/cases?q=%E5%90%88%E5%94%B1&limit=20",
                "/api/v1/cases/1",
                "/api/v1/complaints?limit=20",
                "/healthz",
            ];
            let mut n = c;
            while !stop.load(Ordering::Relaxed) {
                let path = paths[n % paths.len()];
                n += 1;
                match client.get(format!("{base}{path}")).bearer_auth(&token).send().await {
                    Ok(r) => {
                        if r.status() == 200 {
                            progress.reads.fetch_add(1, Ordering::Relaxed);
                        }
                        seen.answer(path, &r);
                    }
                    Err(e) => {
                        lost_connection(&mut seen, &killed, path, &e);
                        break;
                    }
                }
            }
            seen
        }));
    }
    // Let the load run (at least 2.5 s, and until enough was written and
    // read to judge, however busy the machine); check that the server is
    // alive and serving; then kill it without warning.
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(2500)
        || !progress.enough() && started.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(server.0.try_wait().expect("status").is_none(), "the server is alive just before the kill");
    let probe = client.get(format!("{base}/healthz")).timeout(Duration::from_secs(5)).send().await;
    assert!(probe.is_ok_and(|r| r.status() == 200 || r.status() == 503), "the server answers just before the kill");
    killed.store(true, Ordering::SeqCst);
    server.0.kill().expect("SIGKILL");
    server.0.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    let mut all = Seen::default();
    for c in clients {
        let seen = c.await.expect("client");
        for (status, n) in seen.statuses {
            *all.statuses.entry(status).or_default() += n;
        }
        all.bad.extend(seen.bad);
        all.acknowledged.extend(seen.acknowledged);
        all.sessions.extend(seen.sessions);
    }
    eprintln!(
        "durability under load ({backend:?}): answers by status {:?}, {} complaints and {} sessions acknowledged",
        all.statuses,
        all.acknowledged.len(),
        all.sessions.len()
    );
    assert!(
        all.bad.is_empty(),
        "answers other than success or 503 with Retry-After, or connections lost before the kill: {:?}",
        &all.bad[..all.bad.len().min(20)]
    );
    let acknowledged = all.acknowledged;
    assert!(acknowledged.len() > 50, "the clients wrote before the kill: {}", acknowledged.len());
    assert!(all.sessions.len() > 5, "sessions were recorded before the kill: {}", all.sessions.len());
    assert!(all.statuses.get(&200).is_some_and(|n| *n > 100), "the readers were served: {:?}", all.statuses);

    let port = free_port();
    let _restarted = serve(&url, port);
    ready(&client, port).await;
    let mut conn = Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("connect");
    let stored: BTreeSet<(i64, String)> = complaint::table
        .select((complaint::id, complaint::description))
        .load(&mut conn)
        .expect("complaints")
        .into_iter()
        .collect();
    let lost: Vec<_> = acknowledged.iter().filter(|a| !stored.contains(a)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged complaints lost: {lost:?}", lost.len(), acknowledged.len());
    let sessions: BTreeSet<(i64, String)> = mediation_session::table
        .select((mediation_session::id, mediation_session::matter.assume_not_null()))
        .filter(mediation_session::matter.is_not_null())
        .load(&mut conn)
        .expect("sessions")
        .into_iter()
        .collect();
    let lost: Vec<_> = all.sessions.iter().filter(|s| !sessions.contains(s)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged sessions lost: {lost:?}", lost.len(), all.sessions.len());
    // Checked under the server's own key, whatever this process installed.
    let ring = hesheng::data_key::Keyring::parse(DATA_KEY).expect("key");
    assert!(
        hesheng::db::audit::verify_keyed(&mut conn, &ring).expect("verify").is_ok(),
        "the audit chain holds after the kill"
    );
    let r = client
        .get(format!("http://127.0.0.1:{port}/api/v1/complaints/{}", acknowledged[0].0))
        .bearer_auth(&token)
        .send()
        .await;
    assert_eq!(r.expect("get").status(), 200, "the restarted server serves them");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_under_load_answers_only_success_or_503_and_keeps_every_acknowledged_complaint_through_sigkill() {
    killed_under_load_keeps_every_acknowledged_complaint(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_under_load_answers_only_success_or_503_and_keeps_every_acknowledged_complaint_through_sigkill() {
    if crate::helpers::pg_admin_url().is_some() {
        killed_under_load_keeps_every_acknowledged_complaint(Backend::Postgres).await;
    }
}
