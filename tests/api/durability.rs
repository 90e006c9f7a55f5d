//! A server killed with SIGKILL while sixteen clients post complaints loses
//! none that it acknowledged: after a restart every 201 is there.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hesheng::db::schema::complaint;
use hesheng::db::{Backend, Manager, SqliteSync};
use serde_json::{Value, json};

use crate::helpers::{DATA_KEY, PASSWORD, fresh_database, hesheng};

const CLIENTS: usize = 16;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

fn serve(url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hesheng"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("HESHENG_DATA_KEY", DATA_KEY)
        .env("HESHENG_BIND", format!("127.0.0.1:{port}"))
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

async fn killed_mid_write_keeps_every_acknowledged_complaint(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else { return };
    let client = reqwest::Client::new();
    let port = free_port();
    let mut server = serve(&url, port);
    ready(&client, port).await;
    let added =
        hesheng(&url, &["users", "add", "li.grid", "--role", "grid_worker", "--password-stdin"], Some(PASSWORD));
    assert!(added.status.success(), "users add");
    let base = format!("http://127.0.0.1:{port}");
    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "li.grid", "password": PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["token"].as_str().expect("token").to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (client, base, token, stop) = (client.clone(), base.clone(), token.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
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
                    Ok(r) if r.status() == 201 => {
                        let v: Value = r.json().await.unwrap_or(Value::Null);
                        if let Some(id) = v["id"].as_i64() {
                            acknowledged.push((id, format!("durability {c}-{n}")));
                        }
                    }
                    Ok(r) => assert!(r.status().is_success() || r.status() == 503, "unexpected {}", r.status()),
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    // Let the writers get going, then kill the server without warning.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for c in clients {
        acknowledged.extend(c.await.expect("client"));
    }
    assert!(acknowledged.len() > 50, "the clients wrote before the kill: {}", acknowledged.len());

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
async fn sqlite_keeps_every_acknowledged_complaint_through_sigkill() {
    killed_mid_write_keeps_every_acknowledged_complaint(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_every_acknowledged_complaint_through_sigkill() {
    if crate::helpers::pg_admin_url().is_some() {
        killed_mid_write_keeps_every_acknowledged_complaint(Backend::Postgres).await;
    }
}
