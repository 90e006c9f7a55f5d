//! SQLite on a disk that fills up under load: writes are refused whole with
//! 507 and a message saying so, reads go on, nothing is half-written, and
//! writes are taken again once space returns — with no restart.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::prelude::*;
use hesheng::db::schema::complaint;
use hesheng::db::{DbConn, Manager, SqliteSync};
use serde_json::{Value, json};

use super::load::{Load, Server, add_mediator};
use crate::helpers::hesheng;
use crate::skips::{Suite, skip};

/// A small tmpfs of its own, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts `megabytes` of tmpfs; `None` (a skip of the `mount` suite)
    /// where this user may not mount.
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(SmallDisk { dir }),
            Ok(out) => {
                skip(Suite::Mount, &format!("mount a tmpfs: {}", String::from_utf8_lossy(&out.stderr).trim()));
                None
            }
            Err(e) => {
                skip(Suite::Mount, &format!("mount a tmpfs: {e}"));
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk takes no more.
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let block = vec![0x5a_u8; 64 * 1024];
        loop {
            if let Err(e) = file.write_all(&block) {
                assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "the disk filled up: {e}");
                return filler;
            }
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).output();
    }
}

fn conn(url: &str) -> DbConn {
    Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_a_full_disk_writes_are_refused_with_507_reads_go_on_and_writes_return_with_the_space() {
    let Some(disk) = SmallDisk::mount(48) else { return };
    let url = format!("sqlite://{}", disk.path().join("hesheng.db").display());
    let mut server = Server::start(&url).await;
    add_mediator(&url, "disk.mediator");
    let token = server.token("disk.mediator").await;

    let load = Load::start(&server.base, &token, 4, 4, &[507, 503]);
    load.until_written(50).await;
    let filler = disk.fill();
    load.until_refused(20).await;

    // While it is full: a write is refused, in the reader's language, and
    // the records already there are read.
    let client = reqwest::Client::new();
    let post = |lang: &'static str| {
        client
            .post(format!("{}/api/v1/complaints", server.base))
            .bearer_auth(&token)
            .header("Accept-Language", lang)
            .json(&json!({
                "received_at": "2026-05-12T22:10:00+08:00", "channel": "phone", "category": "noise",
                "location": "和平里北街1号院", "description": "while the disk is full",
                "reporter": {"name": "住户", "phone": "13912345678"}
            }))
            .send()
    };
    let refused = post("en").await.expect("post");
    assert_eq!(refused.status(), 507, "a write on a full disk is refused");
    assert!(refused.headers().get("retry-after").is_some(), "with a time to try again");
    let body: Value = refused.json().await.expect("problem");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("disk is full")), "saying why: {body}");
    let body: Value = post("zh-CN").await.expect("post").json().await.expect("problem");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("磁盘已满")), "in Chinese too: {body}");
    let listed = client
        .get(format!("{}/api/v1/complaints?limit=20", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.status(), 200, "reads go on while the disk is full");

    std::fs::remove_file(filler).expect("free the space");
    load.until_written(50).await;
    let seen = load.finish().await;
    eprintln!(
        "sqlite on a full disk under load: answers by status {:?}; {} complaints acknowledged",
        seen.statuses,
        seen.acknowledged.len()
    );
    assert!(server.alive(), "the server ran throughout; its log:\n{}", server.log());
    assert!(
        seen.bad.is_empty(),
        "only successes, 507 and 503 with a message: {:?}",
        &seen.bad[..seen.bad.len().min(20)]
    );
    assert!(seen.count(507) > 0, "writes on the full disk were answered 507: {:?}", seen.statuses);

    // Nothing half-written: the file is sound, the audit chain whole, and
    // the complaints stored are exactly those acknowledged (no refused one
    // is there, no acknowledged one is missing).
    let mut db = conn(&url);
    let ok: Vec<String> = diesel::sql_query("PRAGMA integrity_check")
        .load::<IntegrityRow>(&mut db)
        .expect("integrity")
        .into_iter()
        .map(|r| r.integrity_check)
        .collect();
    assert_eq!(ok, ["ok"], "the database file is sound");
    let stored: std::collections::BTreeSet<(i64, String)> = complaint::table
        .select((complaint::id, complaint::description))
        .load::<(i64, String)>(&mut db)
        .expect("complaints")
        .into_iter()
        .collect();
    let acknowledged: std::collections::BTreeSet<(i64, String)> = seen.acknowledged.into_iter().collect();
    assert_eq!(stored, acknowledged, "the stored complaints are those acknowledged");
    drop(server);
    let verified = hesheng(&url, &["audit", "verify"], None);
    assert!(verified.status.success(), "the audit chain is whole: {}", String::from_utf8_lossy(&verified.stdout));
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}
