use serde_json::Value;

use crate::both_backends;

both_backends! {
    async fn the_openapi_document_describes_every_api_route(app) {
        let doc: Value = app.get("/api/v1/openapi.json").await.json().await.expect("json");
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        let paths = doc["paths"].as_object().expect("paths");
        let expected = [
            ("/api/v1/auth/token", "post"),
            ("/api/v1/auth/token", "delete"),
            ("/api/v1/committees", "post"),
            ("/api/v1/committees/{id}", "get"),
            ("/api/v1/users", "get"),
            ("/api/v1/users", "post"),
            ("/api/v1/complaints", "get"),
            ("/api/v1/complaints", "post"),
            ("/api/v1/complaints/{id}", "get"),
            ("/api/v1/complaints/{id}/similar", "get"),
            ("/api/v1/cases", "get"),
            ("/api/v1/cases", "post"),
            ("/api/v1/cases/{id}", "get"),
            ("/api/v1/cases/{id}", "patch"),
            ("/api/v1/cases/{id}/transitions", "post"),
            ("/api/v1/cases/{id}/parties", "post"),
            ("/api/v1/cases/{id}/complaints", "post"),
            ("/api/v1/cases/{id}/complaints/{complaint_id}", "delete"),
            ("/api/v1/cases/{id}/investigations", "post"),
            ("/api/v1/cases/{id}/measurements", "post"),
            ("/api/v1/measurements/assess", "post"),
            ("/api/v1/cases/{id}/sessions", "post"),
            ("/api/v1/cases/{id}/meetings", "post"),
            ("/api/v1/cases/{id}/referrals", "post"),
            ("/api/v1/cases/{id}/agreements", "post"),
            ("/api/v1/agreements/{id}", "get"),
            ("/api/v1/agreements/{id}", "patch"),
            ("/api/v1/agreements/{id}/signatures", "post"),
            ("/api/v1/agreements/{id}/withdraw", "post"),
            ("/api/v1/agreements/{id}/follow-ups", "post"),
            ("/api/v1/legal-references", "get"),
            ("/api/v1/cases/{id}/documents/{kind}.pdf", "get"),
            ("/api/v1/agreements/{id}/pdf", "get"),
            ("/api/v1/reports/summary", "get"),
            ("/api/v1/reports/summary.csv", "get"),
            ("/api/v1/reports/summary.pdf", "get"),
            ("/api/v1/parties/{id}/export", "get"),
        ];
        for (path, method) in expected {
            assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is documented");
        }
        assert_eq!(
            paths.keys().filter(|p| p.starts_with("/api/v1/")).count(),
            expected.iter().map(|(p, _)| *p).collect::<std::collections::BTreeSet<_>>().len(),
            "no undocumented extras and nothing missing"
        );
        assert!(doc["components"]["schemas"]["CaseView"].is_object());
    }
}
