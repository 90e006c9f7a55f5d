use std::collections::BTreeSet;

use serde_json::Value;

use crate::both_backends;

both_backends! {
    async fn the_openapi_document_describes_every_api_route(app) {
        let doc: Value = app.get("/api/v1/openapi.json").await.json().await.expect("json");
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        let paths = doc["paths"].as_object().expect("paths");
        // Every API route the router serves (from its own table), but the
        // document itself, and the health check; a case document's path
        // names its `.pdf`.
        let served: BTreeSet<(String, String)> = hesheng::web::routes::table()
            .iter()
            .filter(|r| (r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json") || r.path == "/healthz")
            .map(|r| (r.path.replace("{kind}", "{kind}.pdf"), r.method.as_str().to_lowercase()))
            .collect();
        assert!(served.len() > 30, "the route table was read: {}", served.len());
        let documented: BTreeSet<(String, String)> = paths
            .iter()
            .flat_map(|(path, item)| {
                let methods = item.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
                methods.into_iter().map(move |m| (path.clone(), m))
            })
            .filter(|(_, m)| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
        let extra: Vec<_> = documented.difference(&served).collect();
        assert!(extra.is_empty(), "documented but not served: {extra:?}");
        assert!(doc["components"]["schemas"]["CaseView"].is_object());
    }
}
