//! A server under load — sixteen clients posting complaints and forty-eight
//! reading lists, cases and complaints, 64 connections as in `scripts/load`,
//! on a pool too small for them — answers nothing in the 5xx range but 503
//! with Retry-After, and, killed with SIGKILL, loses no complaint it
//! acknowledged: after a restart every 201 is there.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hesheng::db::schema::complaint;
use hesheng::db::{Backend, Manager, SqliteSync};
use serde_json::{Value, json};

use crate::helpers::{DATA_KEY, fresh_database, hesheng};

const WRITERS: usize = 16;
const READERS: usize = 48;

/// What a client saw: statuses and how many times, and the complaints
/// acknowledged.
#[derive(Default)]
struct Seen {
    statuses: BTreeMap<u16, usize>,
    bad: Vec<String>,
    acknowledged: Vec<(i64, String)>,
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

fn serve(url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hesheng"))
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
        .expect("start hesheng")
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
        .json(&json!({"username": "li.grid", "password": hesheng::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["token"].as_str().expect("token").to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..WRITERS {
        let (client, base, token, stop) = (client.clone(), base.clone(), token.clone(), stop.clone());
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
                            }
                        }
                    }
                    Err(_) => break,
                }
            }
            seen
        }));
    }
    for c in 0..READERS {
        let (client, base, token, stop) = (client.clone(), base.clone(), token.clone(), stop.clone());
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
                    Ok(r) => seen.answer(path, &r),
                    Err(_) => break,
                }
            }
            seen
        }));
    }
    // Let the load run, then kill the server without warning.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    let mut all = Seen::default();
    for c in clients {
        let seen = c.await.expect("client");
        for (status, n) in seen.statuses {
            *all.statuses.entry(status).or_default() += n;
        }
        all.bad.extend(seen.bad);
        all.acknowledged.extend(seen.acknowledged);
    }
    eprintln!("durability under load ({backend:?}): answers by status {:?}", all.statuses);
    assert!(
        all.bad.is_empty(),
        "answers other than success or 503 with Retry-After: {:?}",
        &all.bad[..all.bad.len().min(20)]
    );
    let acknowledged = all.acknowledged;
    assert!(acknowledged.len() > 50, "the clients wrote before the kill: {}", acknowledged.len());
    assert!(all.statuses.get(&200).is_some_and(|n| *n > 100), "the readers were served: {:?}", all.statuses);

    let port = free_port();
    let mut restarted = serve(&url, port);
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
    assert!(hesheng::db::audit::verify(&mut conn).expect("verify").is_ok(), "the audit chain holds after the kill");
    let r = client
        .get(format!("http://127.0.0.1:{port}/api/v1/complaints/{}", acknowledged[0].0))
        .bearer_auth(&token)
        .send()
        .await;
    assert_eq!(r.expect("get").status(), 200, "the restarted server serves them");
    restarted.kill().expect("stop");
    restarted.wait().expect("reaped");
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
