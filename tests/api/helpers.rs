//! Starts the real server on port 0 against a fresh database per test.

use std::io::Write;

use diesel::Connection;
use diesel::RunQueryDsl;
use diesel::pg::PgConnection;
use hesheng::config::{DatabaseArgs, ServeArgs, Settings};
use hesheng::db::{self, Backend, DbConn, Manager, SqliteSync};
use hesheng::domain::account::{Role, Username};
use hesheng::domain::audit::Actor;
use hesheng::startup::Application;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::skips::{Suite, skip};

/// A password that passes the policy.
pub const PASSWORD: &str = "choir sings until nine";

/// Where the test database lives; dropped with the test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Owned by another test app.
    Shared,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn);
        }
    }
}

/// A running server and a client with a cookie jar that does not follow
/// redirects.
pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub database_url: String,
    pub client: reqwest::Client,
    /// The server's clock: tests move it to see a given day.
    pub clock: hesheng::time::Clock,
    pub _db: TestDb,
}

/// The PostgreSQL server tests run against, or `None` when it is not set
/// (a skip of the `pg` suite: a failure where it is required).
pub fn pg_admin_url() -> Option<String> {
    match std::env::var("HESHENG_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            skip(Suite::Pg, "HESHENG_TEST_PG_URL is not set");
            None
        }
    }
}

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A fresh, empty database of `backend`; `None` when PostgreSQL is not set.
pub fn fresh_database(backend: Backend) -> Option<(String, TestDb)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("hesheng.db").display());
            Some((url, TestDb::Sqlite(dir)))
        }
        Backend::Postgres => {
            let admin_url = pg_admin_url()?;
            let name = format!("hs_test_{}", hex_id());
            hesheng::db::init_tls();
            let mut conn = PgConnection::establish(&admin_url).expect("HESHENG_TEST_PG_URL must be reachable");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).expect("create database");
            Some((with_database(&admin_url, &name), TestDb::Postgres { admin_url, name }))
        }
    }
}

fn hex_id() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}{:04x}", nanos, std::process::id() & 0xffff)
}

/// The data key of every test server and command: the servers of one test
/// process share one keyring, so the commands they start must use it too.
pub const DATA_KEY: &str = "aGVzaGVuZyB0ZXN0IGRhdGEga2V5LCAzMiBieXRlcyE=";

/// Runs the `hesheng` binary against `database_url`, feeding it `stdin`.
pub fn hesheng(database_url: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    hesheng_env(database_url, args, stdin, &[("HESHENG_DATA_KEY", Some(DATA_KEY))])
}

/// Runs the `hesheng` binary with environment variables set (`Some`) or
/// removed (`None`).
pub fn hesheng_env(
    database_url: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, Option<&str>)],
) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_hesheng"));
    command
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("LANG", "en_US.UTF-8")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(anchors) = anchor_file(database_url) {
        command.env("HESHENG_AUDIT_ANCHOR_FILE", anchors);
    }
    for (name, value) in env {
        match value {
            Some(v) => command.env(name, v),
            None => command.env_remove(name),
        };
    }
    let mut child = command.spawn().expect("run hesheng");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("output")
}

/// Where the audit chain of a test database is anchored: next to an SQLite
/// file (the default), and for a PostgreSQL database a file of its own in
/// the temporary directory — never the working directory's default, which
/// every PostgreSQL database of the machine would share.
pub fn anchor_file(database_url: &str) -> Option<std::path::PathBuf> {
    let path = database_url.strip_prefix("postgres://")?.split('?').next()?;
    let name = path.rsplit('/').next()?;
    Some(std::env::temp_dir().join(format!("hesheng-test-{name}.anchors")))
}

/// Serve arguments as `hesheng serve` would parse them from defaults.
pub fn serve_args(database_url: &str) -> ServeArgs {
    ServeArgs {
        database: DatabaseArgs {
            database_url: database_url.to_owned(),
            sqlite_sync: SqliteSync::Normal,
            db_pool_size: Some(8),
            db_acquire_timeout: 5,
            db_wait: 0,
            replica_url: None,
            data_key: Some(DATA_KEY.to_owned()),
            data_key_file: None,
            audit_anchor_file: anchor_file(database_url),
        },
        bind: "127.0.0.1:0".into(),
        base_url: None,
        secret_key: None,
        session_idle_minutes: 30,
        session_max_hours: 12,
        token_ttl_hours: 24,
        workers: Some(2),
        trust_proxy: false,
        hj212_bind: None,
        // Tests evaluate nights with `hesheng monitor evaluate`, at the night they name.
        nights_first_run: "off".into(),
        readings_keep_days: hesheng::db::monitor_readings::KEEP_DAYS_DEFAULT,
    }
}

/// Starts an app with default settings.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Starts an app after `adjust` changed its settings.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut ServeArgs)) -> Option<TestApp> {
    let (database_url, db) = fresh_database(backend)?;
    Some(start(backend, database_url, db, adjust))
}

/// Starts a second instance on the database of `app` (as several instances
/// behind a load balancer share one database).
pub fn second_instance(app: &TestApp) -> TestApp {
    start(app.backend, app.database_url.clone(), TestDb::Shared, |_| {})
}

fn start(backend: Backend, database_url: String, db: TestDb, adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let mut args = serve_args(&database_url);
    adjust(&mut args);
    let settings = Settings::from_args(&args).expect("settings");
    let clock = settings.clock.clone();
    let app = Application::build(settings).expect("application starts");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
    TestApp { address: format!("http://127.0.0.1:{port}"), backend, database_url, client, clock, _db: db }
}

/// Extracts the CSRF token of the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().expect("token").to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A connection to the app's database, for arranging and inspecting.
    pub fn conn(&self) -> DbConn {
        let url = self.database_url.parse().expect("url");
        Manager::new(url, SqliteSync::Normal).open().expect("test connection")
    }

    /// Creates a user directly; returns its id.
    pub fn create_user(&self, name: &str, role: Role, committee_id: i64) -> i64 {
        let new = db::users::NewUser {
            committee_id,
            username: Username::parse(name).expect("username"),
            display_name: name.to_owned(),
            role,
            password_hash: hesheng::passwords::hash(PASSWORD).expect("hash"),
        };
        db::users::create(&mut self.conn(), &Actor::cli(), &new).expect("create user")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// The CSRF token of a page's form (and the cookie that goes with it).
    pub async fn csrf(&self, page: &str) -> String {
        let html = self.get(page).await.text().await.expect("page");
        csrf_of(&html)
    }

    /// Posts a form with the page's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf("/login").await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.client.post(self.url(path)).form(&form).send().await.expect("POST form")
    }

    /// Signs in through the form.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("username", username), ("password", password)]).await
    }

    /// A bearer token.
    pub async fn token(&self, username: &str) -> String {
        self.token_with(username, PASSWORD).await
    }

    /// A bearer token for a user with another password.
    pub async fn token_with(&self, username: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200, "token for {username}");
        let body: Value = response.json().await.expect("token json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn api_get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("API GET")
    }

    pub async fn api_post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.expect("API POST")
    }

    pub async fn api_patch(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client.patch(self.url(path)).bearer_auth(token).json(body).send().await.expect("API PATCH")
    }

    /// POSTs and expects `status`; returns the JSON body.
    pub async fn post_ok(&self, path: &str, token: &str, body: &Value, status: u16) -> Value {
        let response = self.api_post(path, token, body).await;
        let got = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert_eq!(got, status, "POST {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// GETs and expects 200; returns the JSON body.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let response = self.api_get(path, token).await;
        let got = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert_eq!(got, 200, "GET {path}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// The JSON at `path` asked for in `lang` (an `Accept-Language` tag).
    pub async fn get_json_in(&self, path: &str, token: &str, lang: &str) -> Value {
        let r = self.client.get(self.url(path)).bearer_auth(token).header("Accept-Language", lang).send().await;
        r.expect("get").json().await.expect("json")
    }

    /// A user of `role` in committee 1 and a token for them.
    pub async fn user_token(&self, name: &str, role: Role) -> String {
        self.create_user(name, role, 1);
        self.token(name).await
    }
}

/// Runs each test body against SQLite, and against PostgreSQL when
/// HESHENG_TEST_PG_URL is set.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::helpers::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::helpers::spawn_app(hesheng::db::Backend::Sqlite).await.expect("sqlite app");
                    run(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::spawn_app(hesheng::db::Backend::Postgres).await {
                        run(app).await;
                    }
                }
            }
        )*
    };
}

/// Whether `text` shows the run of digits `digits` on its own — not inside
/// a longer token such as a hash, a verification code or a CSRF token,
/// where any four digits turn up by chance.
pub fn shows_digits(text: &str, digits: &str) -> bool {
    text.match_indices(digits).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + digits.len()..].chars().next();
        ![before, after].into_iter().flatten().any(|c| c.is_ascii_alphanumeric())
    })
}

/// Every party's portal access code (opened from its sealed column with the
/// keyring the test servers installed), with the case it is a party of.
pub fn access_codes(conn: &mut DbConn) -> Vec<(i64, String)> {
    use diesel::prelude::*;
    use hesheng::db::schema::{case_party, party};
    let rows: Vec<(i64, String)> = case_party::table
        .inner_join(party::table)
        .filter(party::anonymised_at.is_null())
        .order(case_party::id)
        .select((case_party::case_id, party::access_code))
        .load(conn)
        .expect("access codes");
    rows.into_iter()
        .map(|(case, stored)| {
            (case, hesheng::data_key::open(hesheng::data_key::Field::AccessCode, &stored).expect("the code opens"))
        })
        .collect()
}

/// `text` percent-encoded for a query string (every byte but ASCII letters and digits).
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
