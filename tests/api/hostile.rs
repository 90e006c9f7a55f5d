//! Hostile text — markup, quotes, characters outside the Basic
//! Multilingual Plane, spreadsheet formulas — is stored as written and comes
//! back inert in JSON, HTML, CSV and PDF; a NUL is refused with a clear
//! error and changes nothing. A right-to-left override, which could make a
//! name read otherwise than it is stored, is refused in names and short
//! fields, and kept in free text, which the pages isolate (`<bdi>`).

use diesel::prelude::*;
use hesheng::cli::demo::DEMO_PASSWORD;
use hesheng::db::schema::{complaint, mediation_case};
use serde_json::{Value, json};

use crate::both_backends;
use crate::pages::Visitor;
use crate::records::case_body;

const MARKUP: &str = "<script>alert('x')</script><img src=x onerror=alert(1)>";
/// A title: markup, both quotes, an ampersand, an emoji and a musical
/// symbol (four bytes each in UTF-8).
fn title() -> String {
    format!("{MARKUP} \"双引号\" 'single' & 楼下 😀𝄞 合唱")
}

/// Free text with a right-to-left override in it.
const OVERRIDDEN: &str = "投诉人说：\u{202E}一十点以后还在唱\u{202C}，请处理。";
/// A place that a spreadsheet would take for a formula.
const FORMULA_PLACE: &str = "=HYPERLINK(\"http://example.invalid\",\"点我\")和平里北街18号院";

both_backends! {
    async fn hostile_text_is_stored_as_written_and_comes_back_inert(app) {
        hesheng::cli::demo::load(&mut app.conn()).expect("demo");
        let token = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        let title = title();

        // A NUL is refused, in a body that is otherwise fine, and nothing is stored.
        let before: i64 = complaint::table.count().get_result(&mut app.conn()).expect("count");
        let with_nul = json!({
            "received_at": "2026-05-12T22:10:00+08:00", "channel": "phone", "category": "noise",
            "location": "和平里北街18号院", "description": "音箱\u{0}太吵",
            "reporter": {"name": "住户", "phone": "13912345678"}
        });
        let r = app.api_post("/api/v1/complaints", &token, &with_nul).await;
        assert_eq!(r.status(), 422);
        let problem: Value = r.json().await.expect("problem");
        assert_eq!(problem["errors"][0]["field"], "description", "{problem}");
        let after: i64 = complaint::table.count().get_result(&mut app.conn()).expect("count");
        assert_eq!(after, before, "a refused complaint changes nothing");

        // Stored as written.
        let c = app
            .post_ok(
                "/api/v1/complaints",
                &token,
                &json!({
                    "received_at": "2026-05-12T22:10:00+08:00", "channel": "phone", "category": "noise",
                    "location": FORMULA_PLACE, "description": title,
                    "reporter": {"name": format!("{MARKUP}王"), "phone": "13912345678"}
                }),
                201,
            )
            .await;
        let mut body = case_body(&[c["id"].as_i64().expect("id")]);
        body["title"] = json!(title);
        body["facts"] = json!(OVERRIDDEN);
        body["location"] = json!(FORMULA_PLACE);

        // An override in a name or a title is refused, naming the fields,
        // and nothing is stored.
        let cases_before: i64 = mediation_case::table.count().get_result(&mut app.conn()).expect("count");
        let mut overridden = body.clone();
        overridden["title"] = json!("合唱\u{202E}队音箱");
        overridden["parties"][0]["name"] = json!("周\u{202E}芳桂");
        let r = app.api_post("/api/v1/cases", &token, &overridden).await;
        assert_eq!(r.status(), 422);
        let problem: Value = r.json().await.expect("problem");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert!(fields.contains(&"title") && fields.contains(&"parties[0].name"), "{problem}");
        assert_eq!(mediation_case::table.count().get_result::<i64>(&mut app.conn()).expect("count"), cases_before);

        let case = app.post_ok("/api/v1/cases", &token, &body, 201).await;
        let id = case["id"].as_i64().expect("id");
        let stored: String = mediation_case::table.find(id).select(mediation_case::title).first(&mut app.conn()).expect("title");
        assert_eq!(stored, title, "the database holds the text as written");

        // JSON: the same text, escaped by the JSON encoder only.
        let got = app.get_json(&format!("/api/v1/cases/{id}"), &token).await;
        assert_eq!(got["title"], title);
        assert_eq!(got["facts"], OVERRIDDEN, "free text keeps what was written");
        assert_eq!(got["complaints"][0]["description"], title);
        assert_eq!(got["complaints"][0]["reporter"]["name"], format!("{MARKUP}王"));

        // HTML: escaped wherever it is shown, under a policy that runs no
        // inline script anyway.
        let mediator = Visitor::signed_in(&app, "wang.mediator").await;
        for page in [format!("/cases/{id}"), "/cases".to_owned(), format!("/complaints/{}", c["id"])] {
            let response = mediator.get(&page).await;
            assert_eq!(response.status(), 200, "{page}");
            let csp = response.headers()["content-security-policy"].to_str().expect("csp").to_owned();
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
            let html = response.text().await.expect("html");
            assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{page} shows markup raw");
            let at = html.find("alert").unwrap_or(0);
            assert!(html.contains("&#60;script&#62;alert(&#39;x&#39;)"), "{page} shows the text escaped: {}", &html[at.saturating_sub(80)..(at + 200).min(html.len())]);
            assert!(html.contains("😀𝄞"), "{page} keeps four-byte characters");
        }
        let (_, page) = mediator.page(&format!("/cases/{id}")).await;
        assert!(page.contains(&format!("<bdi>{OVERRIDDEN}</bdi>")), "free text is isolated where it is shown");
        let (status, list) = mediator.page("/complaints").await;
        assert_eq!(status, 200);
        assert!(!list.contains("<script>alert") && !list.contains("<img src=x"));

        // CSV: the formula is quoted so a spreadsheet shows it as text.
        let csv = app.api_get("/api/v1/reports/summary.csv?from=2026-01-01&to=2026-12-31", &token).await;
        assert_eq!(csv.status(), 200);
        let csv = csv.text().await.expect("csv");
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://example.invalid\"\""), "{csv}");
        assert!(!csv.lines().any(|l| l.split(',').any(|cell| cell.starts_with('=') || cell.starts_with("\"="))), "no cell is a formula");

        // PDF: the text is printed as text.
        let pdf = app.api_get(&format!("/api/v1/cases/{id}/documents/acceptance.pdf"), &token).await;
        assert_eq!(pdf.status(), 200);
        let bytes = pdf.bytes().await.expect("pdf");
        assert!(bytes.starts_with(b"%PDF"));
        if crate::pdf_tools::available() {
            let text = crate::pdf_tools::text(&bytes);
            assert!(text.contains("<script>alert('x')</script>"), "printed literally: {text}");
        }
    }
}
