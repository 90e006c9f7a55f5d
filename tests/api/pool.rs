//! When no database connection comes free in time the answer is 503 with
//! Retry-After, not a hang and not a 500.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use hesheng::db::Backend;
use serde_json::json;

use crate::helpers::spawn_app_with;

async fn exhausted_pool_answers_503(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |args| {
        args.database.db_pool_size = Some(1);
        args.database.db_acquire_timeout = 1;
    })
    .await
    else {
        return;
    };
    // Another client holds a lock the app's only connection will wait on.
    let mut blocker = app.conn();
    match backend {
        Backend::Sqlite => blocker.batch_execute("BEGIN IMMEDIATE").expect("lock"),
        Backend::Postgres => {
            blocker.batch_execute("BEGIN; LOCK TABLE sign_in_throttle IN ACCESS EXCLUSIVE MODE").expect("lock")
        }
    }
    let client = app.client.clone();
    let token_url = app.url("/api/v1/auth/token");
    let stuck = tokio::spawn(async move {
        client.post(token_url).json(&json!({"username": "nobody", "password": "whatever it is"})).send().await
    });
    tokio::time::sleep(Duration::from_millis(700)).await;

    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
    assert_eq!(response.headers()["content-type"], "application/problem+json");

    blocker.batch_execute("COMMIT").expect("release");
    let held = stuck.await.expect("join").expect("response");
    assert_eq!(held.status(), 401, "the waiting request completes once the lock is released");
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_answers_503_on_sqlite() {
    exhausted_pool_answers_503(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_answers_503_on_postgres() {
    exhausted_pool_answers_503(Backend::Postgres).await;
}
