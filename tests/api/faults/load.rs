//! The real `hesheng serve` as a process of its own, and a load of clients
//! posting complaints and reading lists while a fault is injected; what
//! each answer was, and which complaints were acknowledged.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cluster::free_port;
use crate::helpers::{DATA_KEY, PASSWORD, hesheng};

/// Seconds a request waits for a connection before a 503.
pub const ACQUIRE_TIMEOUT: u64 = 2;

/// A server process, killed when dropped, its log kept to show on failure.
pub struct Server {
    child: Child,
    pub base: String,
    log: tempfile::NamedTempFile,
}

impl Server {
    /// Starts `hesheng serve` on `url` with `env` added, without waiting.
    pub fn spawn(url: &str, env: &[(&str, &str)]) -> Server {
        Server::spawn_as(url, env, None)
    }

    /// Starts `hesheng serve` as the user and group `user`, if given.
    pub fn spawn_as(url: &str, env: &[(&str, &str)], user: Option<(u32, u32)>) -> Server {
        let port = free_port();
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_hesheng"));
        command
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("HESHENG_DATA_KEY", DATA_KEY)
            .env("HESHENG_BIND", format!("127.0.0.1:{port}"))
            .env("HESHENG_DB_POOL_SIZE", "4")
            .env("HESHENG_DB_ACQUIRE_TIMEOUT", ACQUIRE_TIMEOUT.to_string())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log"));
        if let Some(anchors) = crate::helpers::anchor_file(url) {
            command.env("HESHENG_AUDIT_ANCHOR_FILE", anchors);
        }
        if let Some((uid, gid)) = user {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("start hesheng");
        Server { child, base: format!("http://127.0.0.1:{port}"), log }
    }

    /// Starts a server and waits until it answers.
    pub async fn start(url: &str) -> Server {
        let server = Server::spawn(url, &[]);
        server.ready(Duration::from_secs(60)).await;
        server
    }

    /// Waits until `/healthz` answers 200.
    pub async fn ready(&self, patience: Duration) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < patience {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become ready; its log:\n{}", self.log());
    }

    /// Whether the process is still running (it was never restarted).
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("status").is_none()
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// A bearer token for `username`.
    pub async fn token(&self, username: &str) -> String {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/token", self.base))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("token");
        assert_eq!(r.status(), 200, "token for {username}");
        r.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Adds a mediator of committee 1 through the command line.
pub fn add_mediator(url: &str, name: &str) {
    let out = hesheng(url, &["users", "add", name, "--role", "mediator", "--password-stdin"], Some(PASSWORD));
    assert!(out.status.success(), "users add: {}", String::from_utf8_lossy(&out.stderr));
}

/// What the clients saw.
#[derive(Default, Debug)]
pub struct Seen {
    /// Answers by status.
    pub statuses: BTreeMap<u16, usize>,
    /// Answers no fault excuses: a 4xx, a 5xx other than the allowed
    /// ones, a dropped connection, or an outage answer without its
    /// `Retry-After` or message.
    pub bad: Vec<String>,
    /// Complaints answered 201: id and description.
    pub acknowledged: Vec<(i64, String)>,
    /// The longest any refused request took.
    pub slowest_refusal: Duration,
}

impl Seen {
    fn merge(&mut self, other: Seen) {
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.bad.extend(other.bad);
        self.acknowledged.extend(other.acknowledged);
        self.slowest_refusal = self.slowest_refusal.max(other.slowest_refusal);
    }

    /// How many answers had `status`.
    pub fn count(&self, status: u16) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    async fn answer(&mut self, what: &str, allowed: &[u16], r: reqwest::Response, took: Duration) -> Option<Value> {
        let status = r.status().as_u16();
        *self.statuses.entry(status).or_default() += 1;
        let retry_after = r.headers().get("retry-after").is_some();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if status < 300 {
            return Some(body);
        }
        self.slowest_refusal = self.slowest_refusal.max(took);
        if !allowed.contains(&status) {
            self.bad.push(format!("{what}: {status} {body}"));
        } else if !retry_after || body["detail"].as_str().is_none_or(str::is_empty) {
            self.bad.push(format!("{what}: {status} without Retry-After or message: {body}"));
        }
        None
    }
}

/// Clients posting complaints and reading lists until stopped.
pub struct Load {
    stop: Arc<AtomicBool>,
    pub written: Arc<AtomicUsize>,
    /// Complaints refused so far.
    pub refused: Arc<AtomicUsize>,
    clients: Vec<tokio::task::JoinHandle<Seen>>,
}

impl Load {
    /// Starts `writers` posting and `readers` reading at `base` with
    /// `token`; refusals other than `allowed` statuses are bad.
    pub fn start(base: &str, token: &str, writers: usize, readers: usize, allowed: &'static [u16]) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicUsize::new(0));
        // A request that hangs far past the acquire timeout is a failure.
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(ACQUIRE_TIMEOUT * 5 + 10)).build().expect("client");
        let mut clients = Vec::new();
        for c in 0..writers {
            let (client, base, token, stop, written, refused) =
                (client.clone(), base.to_owned(), token.to_owned(), stop.clone(), written.clone(), refused.clone());
            clients.push(tokio::spawn(async move {
                let mut seen = Seen::default();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let description = format!("fault load {c}-{n}");
                    let body = json!({
                        "received_at": "2026-05-12T22:10:00+08:00", "channel": "phone", "category": "noise",
                        "location": format!("和平里北街{}号院", c + 1), "description": description,
                        "reporter": {"name": "住户", "phone": "13912345678"}
                    });
                    let started = Instant::now();
                    let sent = client.post(format!("{base}/api/v1/complaints")).bearer_auth(&token).json(&body);
                    match sent.send().await {
                        Ok(r) => {
                            let what = "POST /api/v1/complaints";
                            if let Some(v) = seen.answer(what, allowed, r, started.elapsed()).await {
                                match v["id"].as_i64() {
                                    Some(id) => seen.acknowledged.push((id, description)),
                                    None => seen.bad.push(format!("{what}: 201 without an id: {v}")),
                                }
                                written.fetch_add(1, Ordering::Relaxed);
                            } else {
                                refused.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                        Err(e) => seen.bad.push(format!("POST /api/v1/complaints: {e}")),
                    }
                }
                seen
            }));
        }
        for c in 0..readers {
            let (client, base, token, stop) = (client.clone(), base.to_owned(), token.to_owned(), stop.clone());
            clients.push(tokio::spawn(async move {
                let mut seen = Seen::default();
                let paths = ["/api/v1/complaints?limit=20", "/api/v1/cases?limit=20", "/healthz"];
                let mut n = c;
                while !stop.load(Ordering::Relaxed) {
                    let path = paths[n % paths.len()];
                    n += 1;
                    let started = Instant::now();
                    match client.get(format!("{base}{path}")).bearer_auth(&token).send().await {
                        Ok(r) => {
                            if seen.answer(path, allowed, r, started.elapsed()).await.is_none() {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                        Err(e) => seen.bad.push(format!("{path}: {e}")),
                    }
                }
                seen
            }));
        }
        Load { stop, written, refused, clients }
    }

    /// Waits until `more` further complaints were acknowledged (or a
    /// minute passed, which the caller's counts then show).
    pub async fn until_written(&self, more: usize) {
        let target = self.written.load(Ordering::Relaxed) + more;
        let started = Instant::now();
        while self.written.load(Ordering::Relaxed) < target && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `more` further complaints were refused (or a minute
    /// passed).
    pub async fn until_refused(&self, more: usize) {
        let target = self.refused.load(Ordering::Relaxed) + more;
        let started = Instant::now();
        while self.refused.load(Ordering::Relaxed) < target && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the clients and gathers what they saw.
    pub async fn finish(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Seen::default();
        for c in self.clients {
            all.merge(c.await.expect("client"));
        }
        all
    }
}

/// Whether the writers get complaints through again: the time from `since`
/// until the first complaint acknowledged after it, or `None` within a minute.
pub async fn recovery(load: &Load, since: Instant) -> Option<Duration> {
    let before = load.written.load(Ordering::Relaxed);
    while since.elapsed() < Duration::from_secs(60) {
        if load.written.load(Ordering::Relaxed) > before {
            return Some(since.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}
