use serde_json::Value;

use crate::both_backends;

both_backends! {
    async fn health_check_names_the_backend(app) {
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["status"], "ok");
        assert_eq!(body["backend"], app.backend.as_str());
    }

    async fn the_default_committee_exists_on_first_start(app) {
        let committee = hesheng::db::committees::find(&mut app.conn(), 1).expect("committee 1");
        assert_eq!(committee.number_pattern.0.as_str(), "（{year}）{abbr}人调字第{seq}号");
        assert_eq!(committee.night_start.0.to_string(), "22:00");
        assert_eq!(hesheng::db::committees::list(&mut app.conn()).expect("list").len(), 1);
    }

    async fn every_response_carries_the_security_headers(app) {
        for path in ["/login", "/healthz", "/api/v1/nothing"] {
            let response = app.get(path).await;
            let h = response.headers();
            let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-inline"), "{path}");
            assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{path}");
            assert!(h.get("referrer-policy").is_some(), "{path}");
            assert!(h.get("x-request-id").is_some(), "{path} has a request id");
            assert_eq!(h.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]), "{path} is not kept");
            assert!(h.get("strict-transport-security").is_none(), "{path}: no HSTS over http");
        }
        let css = app.get("/assets/app.css").await;
        assert_eq!(css.headers()["cache-control"], "public, max-age=86400", "assets say otherwise themselves");
    }
}
