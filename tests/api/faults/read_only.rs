//! An SQLite database file the server may not write (a backup restored
//! with the wrong owner, a volume mounted read-only): the server starts and
//! serves what is stored, refuses writes with 503 and a message saying so,
//! and takes them again once the file is writable.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cluster::server_user;
use super::load::{Server, add_mediator};

fn complaint(n: usize) -> Value {
    json!({
        "received_at": "2026-05-12T22:10:00+08:00", "channel": "phone", "category": "noise",
        "location": "和平里北街1号院", "description": format!("read-only {n}"),
        "reporter": {"name": "住户", "phone": "13912345678"}
    })
}

async fn post(server: &Server, token: &str, n: usize, lang: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/complaints", server.base))
        .bearer_auth(token)
        .header("Accept-Language", lang)
        .json(&complaint(n))
        .send()
        .await
        .expect("post")
}

fn set_mode(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_file_is_read_and_its_writes_refused_with_503_until_it_is_writable() {
    let dir = tempfile::tempdir().expect("temp dir");
    // File permissions bind every user but root: as root the server runs as
    // the PostgreSQL server's user.
    let user = server_user();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("hand the directory over");
    }
    let file = dir.path().join("hesheng.db");
    let url = format!("sqlite://{}", file.display());
    let token = {
        let server = Server::spawn_as(&url, &[], user);
        server.ready(Duration::from_secs(60)).await;
        add_mediator(&url, "readonly.mediator");
        let token = server.token("readonly.mediator").await;
        for n in 0..3 {
            assert_eq!(post(&server, &token, n, "en").await.status(), 201, "complaint {n} while writable");
        }
        token
    };

    set_mode(&file, 0o444);
    let server = Server::spawn_as(&url, &[], user);
    server.ready(Duration::from_secs(60)).await;
    let refused = post(&server, &token, 3, "en").await;
    assert_eq!(refused.status(), 503, "a write to a read-only file is refused");
    assert!(refused.headers().get("retry-after").is_some(), "with a time to try again");
    let body: Value = refused.json().await.expect("problem");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("cannot be written")), "saying why: {body}");
    let body: Value = post(&server, &token, 4, "zh-CN").await.json().await.expect("problem");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("无法写入")), "in Chinese too: {body}");
    let listed: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/complaints?limit=20", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let descriptions: Vec<&str> =
        listed["items"].as_array().expect("items").iter().filter_map(|c| c["description"].as_str()).collect();
    assert_eq!(descriptions.len(), 3, "what is stored is read, and nothing refused was written: {descriptions:?}");

    set_mode(&file, 0o644);
    let started = Instant::now();
    let mut last = 0;
    while started.elapsed() < Duration::from_secs(30) {
        last = post(&server, &token, 5, "en").await.status().as_u16();
        if last == 201 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(last, 201, "writes are taken again once the file is writable; log:\n{}", server.log());
}
