use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp};

both_backends! {
    async fn a_token_opens_the_api_and_revoking_it_closes_it(app) {
        app.create_user("admin", Role::Admin, 1);
        let response = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": "Admin", "password": PASSWORD}))
            .send()
            .await
            .expect("token");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        let token = body["token"].as_str().expect("token").to_owned();
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_at"].as_str().is_some_and(|s| s.ends_with('Z')));

        assert_eq!(app.api_get("/api/v1/committees/1", &token).await.status(), 200);
        assert_eq!(app.get("/api/v1/committees/1").await.status(), 401);

        let revoke = app.client.delete(app.url("/api/v1/auth/token")).bearer_auth(&token).send().await.expect("delete");
        assert_eq!(revoke.status(), 204);
        assert_eq!(app.api_get("/api/v1/committees/1", &token).await.status(), 401);
    }

    async fn tokens_are_stored_only_as_hashes(app) {
        app.create_user("admin", Role::Admin, 1);
        let token = app.token("admin").await;
        use diesel::prelude::*;
        use hesheng::db::schema::api_token;
        let stored: Vec<String> = api_token::table.select(api_token::token_hash).load(&mut app.conn()).expect("tokens");
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], token);
        assert_eq!(stored[0], hesheng::random::digest(&token));
    }

    async fn an_expired_token_is_refused(app) {
        app.create_user("admin", Role::Admin, 1);
        let token = app.token("admin").await;
        use diesel::prelude::*;
        use hesheng::db::schema::api_token;
        let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
        diesel::update(api_token::table).set(api_token::expires_at.eq(past)).execute(&mut app.conn()).expect("expire");
        assert_eq!(app.api_get("/api/v1/committees/1", &token).await.status(), 401);
    }

    async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password(app) {
        app.create_user("mediator.wang", Role::Mediator, 1);
        let ask = |username: &'static str| {
            app.client
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"username": username, "password": "not the password at all"}))
                .send()
        };
        let wrong = ask("mediator.wang").await.expect("wrong");
        let unknown = ask("nobody.here").await.expect("unknown");
        assert_eq!(wrong.status(), 401);
        assert_eq!(unknown.status(), 401);
        assert_eq!(wrong.text().await.expect("a"), unknown.text().await.expect("b"));

        let form_wrong = app.login("mediator.wang", "not the password at all").await;
        let status_wrong = form_wrong.status();
        let html_wrong = form_wrong.text().await.expect("html");
        let form_unknown = app.login("nobody.here", "not the password at all").await;
        assert_eq!(status_wrong, 401);
        assert_eq!(form_unknown.status(), 401);
        let message = "用户名或密码不正确";
        assert!(html_wrong.contains(message));
        assert!(form_unknown.text().await.expect("html").contains(message));
    }

    async fn repeated_failures_are_throttled_per_account_for_form_and_api(app) {
        app.create_user("staff.li", Role::Staff, 1);
        for _ in 0..5 {
            let r = app
                .client
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"username": "staff.li", "password": "wrong wrong wrong"}))
                .send()
                .await
                .expect("attempt");
            assert_eq!(r.status(), 401);
        }
        // Even the right password is refused while the account is throttled.
        let api = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": "staff.li", "password": PASSWORD}))
            .send()
            .await
            .expect("throttled");
        assert_eq!(api.status(), 429);
        let retry: u64 = api.headers()["retry-after"].to_str().expect("header").parse().expect("seconds");
        assert!((1..=900).contains(&retry), "{retry}");

        let form = app.login("staff.li", PASSWORD).await;
        assert_eq!(form.status(), 429);
        assert!(form.headers().get("retry-after").is_some());
        assert!(form.text().await.expect("html").contains("登录失败次数过多"));
    }

    async fn repeated_failures_from_one_address_are_throttled_across_accounts(app) {
        app.create_user("admin", Role::Admin, 1);
        for i in 0..30 {
            let r = app
                .client
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"username": format!("guess{i}"), "password": "wrong wrong wrong"}))
                .send()
                .await
                .expect("attempt");
            assert_eq!(r.status(), 401);
        }
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .expect("throttled");
        assert_eq!(r.status(), 429);
    }

    async fn a_successful_sign_in_clears_the_account_failures(app) {
        app.create_user("admin", Role::Admin, 1);
        for _ in 0..4 {
            app.client
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"username": "admin", "password": "wrong wrong wrong"}))
                .send()
                .await
                .expect("attempt");
        }
        app.token("admin").await;
        for _ in 0..4 {
            let r = app
                .client
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"username": "admin", "password": "wrong wrong wrong"}))
                .send()
                .await
                .expect("attempt");
            assert_eq!(r.status(), 401);
        }
    }
}

/// Thirty failed sign-ins, each from the address `forwarded_for` names
/// (a different one each time when it is `None`).
async fn thirty_failures(app: &TestApp, forwarded_for: Option<&str>) {
    for i in 0..30 {
        let address = forwarded_for.map_or_else(|| format!("192.0.2.{}", i + 1), str::to_owned);
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .header("X-Forwarded-For", address)
            .json(&json!({"username": format!("guess{i}"), "password": "wrong wrong wrong"}))
            .send()
            .await
            .expect("attempt");
        assert_eq!(r.status(), 401);
    }
}

async fn sign_in_from(app: &TestApp, forwarded_for: &str) -> u16 {
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .expect("sign in");
    r.status().as_u16()
}

async fn the_forwarded_address_counts_only_behind_a_trusted_proxy(backend: hesheng::db::Backend) {
    // Behind a trusted proxy each forwarded address is its own client.
    let Some(app) = crate::helpers::spawn_app_with(backend, |args| args.trust_proxy = true).await else { return };
    app.create_user("admin", Role::Admin, 1);
    thirty_failures(&app, Some("203.0.113.7")).await;
    assert_eq!(sign_in_from(&app, "203.0.113.7").await, 429, "the forwarded address that failed is throttled");
    assert_eq!(sign_in_from(&app, "198.51.100.9").await, 200, "another forwarded address is not");

    // Without it the header is ignored: every attempt is the peer's.
    let Some(app) = crate::helpers::spawn_app(backend).await else { return };
    app.create_user("admin", Role::Admin, 1);
    thirty_failures(&app, None).await;
    assert_eq!(sign_in_from(&app, "198.51.100.9").await, 429, "a forged header does not escape the throttle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forwarded_address_counts_only_behind_a_trusted_proxy_on_sqlite() {
    the_forwarded_address_counts_only_behind_a_trusted_proxy(hesheng::db::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forwarded_address_counts_only_behind_a_trusted_proxy_on_postgres() {
    the_forwarded_address_counts_only_behind_a_trusted_proxy(hesheng::db::Backend::Postgres).await;
}

/// Sends `n` token requests at once, spread over `apps`; the password of
/// request `i` is `password(i)` for the account `account(i)`; answers the
/// statuses, in order.
async fn burst(
    apps: &[&TestApp],
    n: usize,
    account: impl Fn(usize) -> String,
    password: impl Fn(usize) -> String,
) -> Vec<u16> {
    let requests = (0..n).map(|i| {
        let app = apps[i % apps.len()];
        let body = json!({"username": account(i), "password": password(i)});
        let request = app.client.post(app.url("/api/v1/auth/token")).json(&body);
        async move { request.send().await.expect("attempt").status().as_u16() }
    });
    futures_util::future::join_all(requests).await
}

both_backends! {
    async fn a_concurrent_burst_of_guesses_on_one_account_gets_five_checked(app) {
        // Two instances on one database, as behind a load balancer.
        let other = crate::helpers::second_instance(&app);
        app.create_user("admin", Role::Admin, 1);
        let password = |i: usize| if i == 60 { PASSWORD.to_owned() } else { "wrong wrong wrong".to_owned() };
        let statuses = burst(&[&app, &other], 100, |_| "admin".into(), password).await;
        let checked = statuses.iter().filter(|s| **s == 401 || **s == 200).count();
        let throttled = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!(checked, 5, "exactly five attempts on one account are checked: {statuses:?}");
        assert_eq!(throttled, 95, "every other attempt is refused unchecked: {statuses:?}");
    }

    async fn a_concurrent_burst_from_one_address_gets_thirty_checked(app) {
        let other = crate::helpers::second_instance(&app);
        let statuses = burst(&[&app, &other], 150, |i| format!("guess{i}"), |_| "wrong wrong wrong".into()).await;
        let checked = statuses.iter().filter(|s| **s == 401).count();
        assert_eq!(checked, 30, "exactly thirty attempts from one address are checked: {statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 120, "{statuses:?}");
    }
}
