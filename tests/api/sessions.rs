use diesel::prelude::*;
use hesheng::db::schema::web_session;
use hesheng::domain::account::Role;
use reqwest::header::{COOKIE, SET_COOKIE};

use crate::both_backends;
use crate::helpers::{PASSWORD, csrf_of, spawn_app_with};

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

fn bare_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

both_backends! {
    async fn signing_in_sets_a_protected_session_cookie_and_opens_the_start_page(app) {
        app.create_user("mediator.wang", Role::Mediator, 1);
        let anonymous = app.get("/").await;
        assert_eq!(anonymous.status(), 303);
        assert_eq!(anonymous.headers()["location"], "/login?next=/");

        let response = app.login("mediator.wang", PASSWORD).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/");
        let cookies = set_cookies(&response);
        let session = cookies.iter().find(|c| c.starts_with("hesheng_session=")).expect("session cookie");
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"));
        assert!(!session.contains("Secure"), "plain http base URL");

        let home = app.get("/").await;
        assert_eq!(home.status(), 200);
        let html = home.text().await.expect("html");
        assert!(html.contains("mediator.wang") && html.contains("人民调解员"), "{html}");
    }

    async fn every_sign_in_gets_a_new_session_id_and_ends_the_previous_one(app) {
        app.create_user("admin", Role::Admin, 1);
        let first = cookie_value(&set_cookies(&app.login("admin", PASSWORD).await), "hesheng_session").expect("first");
        let second = cookie_value(&set_cookies(&app.login("admin", PASSWORD).await), "hesheng_session").expect("second");
        assert_ne!(first, second);
        let sessions: i64 = web_session::table.count().get_result(&mut app.conn()).expect("count");
        assert_eq!(sessions, 1, "the session of the first sign-in ended");
    }

    async fn signing_out_ends_the_session_on_the_server(app) {
        app.create_user("admin", Role::Admin, 1);
        let session = cookie_value(&set_cookies(&app.login("admin", PASSWORD).await), "hesheng_session").expect("session");
        let html = app.get("/").await.text().await.expect("home");
        let token = csrf_of(&html);
        let out = app.client.post(app.url("/logout")).form(&[("csrf_token", token.as_str())]).send().await.expect("logout");
        assert_eq!(out.status(), 303);
        assert_eq!(out.headers()["location"], "/login");

        // The old cookie, replayed by someone who kept it, opens nothing.
        let replay = bare_client()
            .get(app.url("/"))
            .header(COOKIE, format!("hesheng_session={session}"))
            .send()
            .await
            .expect("replay");
        assert_eq!(replay.status(), 303);
        let sessions: i64 = web_session::table.count().get_result(&mut app.conn()).expect("count");
        assert_eq!(sessions, 0);
    }

    async fn a_form_post_without_a_valid_csrf_token_is_refused(app) {
        app.create_user("admin", Role::Admin, 1);
        // A first visit gives the browser its token cookie.
        app.get("/login").await;
        let missing = app
            .client
            .post(app.url("/login"))
            .form(&[("username", "admin"), ("password", PASSWORD)])
            .send()
            .await
            .expect("post");
        assert_eq!(missing.status(), 403);
        assert!(missing.text().await.expect("html").contains("表单已过期"));
        let forged = app
            .client
            .post(app.url("/login"))
            .form(&[("username", "admin"), ("password", PASSWORD), ("csrf_token", "forged")])
            .send()
            .await
            .expect("post");
        assert_eq!(forged.status(), 403);
        // A token without the cookie it belongs to is refused too.
        let token = app.csrf("/login").await;
        let elsewhere = bare_client()
            .post(app.url("/login"))
            .form(&[("username", "admin"), ("password", PASSWORD), ("csrf_token", token.as_str())])
            .send()
            .await
            .expect("post");
        assert_eq!(elsewhere.status(), 403);
        let sessions: i64 = web_session::table.count().get_result(&mut app.conn()).expect("count");
        assert_eq!(sessions, 0, "no sign-in happened");
    }

    async fn an_idle_session_times_out(app) {
        app.create_user("admin", Role::Admin, 1);
        app.login("admin", PASSWORD).await;
        assert_eq!(app.get("/").await.status(), 200);
        let idle = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(31);
        diesel::update(web_session::table).set(web_session::last_seen_at.eq(idle)).execute(&mut app.conn()).expect("age");
        assert_eq!(app.get("/").await.status(), 303);
        let sessions: i64 = web_session::table.count().get_result(&mut app.conn()).expect("count");
        assert_eq!(sessions, 0, "the timed-out session was removed");
    }

    async fn a_session_ends_twelve_hours_after_sign_in_even_when_active(app) {
        app.create_user("admin", Role::Admin, 1);
        app.login("admin", PASSWORD).await;
        let started = chrono::Utc::now().naive_utc() - chrono::TimeDelta::hours(12) - chrono::TimeDelta::minutes(1);
        diesel::update(web_session::table).set(web_session::created_at.eq(started)).execute(&mut app.conn()).expect("age");
        assert_eq!(app.get("/").await.status(), 303);
    }

    async fn after_sign_in_only_local_paths_are_followed(app) {
        app.create_user("admin", Role::Admin, 1);
        let hostile = ["//evil.example/x", "https://evil.example", "/\\evil.example", "/.//evil.example"];
        // An encoded tab stays encoded: a path of this site.
        let cases = [("/healthz", "/healthz"), ("/cases?q=合唱", "/cases?q=%E5%90%88%E5%94%B1"), ("/%09/evil.example", "/%09/evil.example")]
            .into_iter()
            .chain(hostile.map(|h| (h, "/")));
        for (next, expected) in cases {
            // Signing in renews the CSRF token, so each round fetches it.
            let token = app.csrf("/login").await;
            let r = app
                .client
                .post(app.url("/login"))
                .form(&[("username", "admin"), ("password", PASSWORD), ("next", next), ("csrf_token", token.as_str())])
                .send()
                .await
                .expect("login");
            assert_eq!(r.headers()["location"], expected, "{next}");
        }
        // A control character in it (a tab browsers drop, a line break that
        // would split the header, a NUL) is refused outright: 400, no
        // session started.
        use diesel::prelude::*;
        let sessions = || hesheng::db::schema::web_session::table.count().get_result::<i64>(&mut app.conn()).expect("count");
        let before = sessions();
        for next in ["/\t/evil.example", "/\r\nSet-Cookie: x=1", "/\u{0}"] {
            let token = app.csrf("/login").await;
            let r = app
                .client
                .post(app.url("/login"))
                .form(&[("username", "admin"), ("password", PASSWORD), ("next", next), ("csrf_token", token.as_str())])
                .send()
                .await
                .expect("login");
            assert_eq!(r.status(), 400, "{next:?}");
        }
        assert_eq!(sessions(), before, "nothing was started");
    }

    async fn the_language_follows_this_browsers_choice_then_the_user_then_the_browser(app) {
        let english = app.client.get(app.url("/login")).header("accept-language", "en-US,en;q=0.8").send().await.expect("get");
        assert!(english.text().await.expect("html").contains("<title>Sign in"));
        let chinese = app.get("/login").await.text().await.expect("html");
        assert!(chinese.contains("<title>登录"));

        // The switch sets a cookie that beats the browser's preference.
        let switched = app.post_form("/language", &[("lang", "en"), ("next", "/login")]).await;
        assert_eq!(switched.status(), 303);
        let page = app.client.get(app.url("/login")).header("accept-language", "zh-CN").send().await.expect("get");
        assert!(page.text().await.expect("html").contains("<title>Sign in"));

        // This browser's choice beats the account's own language (which a
        // browser with no choice follows: see the pages' English tour).
        app.create_user("admin", Role::Admin, 1);
        app.login("admin", PASSWORD).await;
        let admin = hesheng::db::users::find(&mut app.conn(), 1).expect("admin");
        hesheng::db::users::set_language(&mut app.conn(), &admin, hesheng::domain::language::Lang::ZhCn).expect("set");
        let home = app.get("/").await.text().await.expect("home");
        assert!(home.contains("<title>Workbench"), "{home}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_https_base_url_cookies_are_secure_and_host_prefixed() {
    let app = spawn_app_with(hesheng::db::Backend::Sqlite, |args| {
        args.base_url = Some("https://mediation.example.cn".into());
    })
    .await
    .expect("app");
    let response = app.get("/login").await;
    let cookies = set_cookies(&response);
    let csrf = cookies.iter().find(|c| c.starts_with("__Host-hesheng_csrf=")).expect("prefixed csrf cookie");
    assert!(csrf.contains("Secure") && csrf.contains("HttpOnly") && csrf.contains("Path=/"));
    assert!(!csrf.contains("Domain="), "__Host- cookies carry no domain");
    let hsts = response.headers().get("strict-transport-security").expect("HSTS with an https base URL");
    assert!(hsts.to_str().expect("ascii").starts_with("max-age=31536000"), "{hsts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_timeouts_are_configurable() {
    let app = spawn_app_with(hesheng::db::Backend::Sqlite, |args| {
        args.session_idle_minutes = 5;
    })
    .await
    .expect("app");
    app.create_user("admin", Role::Admin, 1);
    app.login("admin", PASSWORD).await;
    let idle = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(6);
    diesel::update(web_session::table).set(web_session::last_seen_at.eq(idle)).execute(&mut app.conn()).expect("age");
    assert_eq!(app.get("/").await.status(), 303);
}
