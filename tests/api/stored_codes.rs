//! A stored code that names nothing, or JSON that does not parse, is an
//! error answered 500 — never read as a default (an unknown agreement
//! status must not become an editable draft, an unknown role must not
//! become staff). The tables' CHECK constraints keep such values out; these
//! tests take them away, as an attacker editing the file could.

use diesel::connection::SimpleConnection;
use hesheng::db::Backend;
use hesheng::domain::account::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::records::{mediating_case, memorandum};

/// Runs `sql` with the CHECK constraints of `table` out of the way.
fn unchecked(app: &TestApp, table: &str, sql: &str) {
    let mut conn = app.conn();
    match app.backend {
        Backend::Sqlite => conn.batch_execute(&format!("PRAGMA ignore_check_constraints = ON; {sql}")),
        Backend::Postgres => conn.batch_execute(&format!(
            "DO $$ DECLARE c text; BEGIN \
               FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass AND contype = 'c' LOOP \
                 EXECUTE 'ALTER TABLE {table} DROP CONSTRAINT ' || quote_ident(c); \
               END LOOP; END $$; {sql}"
        )),
    }
    .expect("edit");
}

both_backends! {
    async fn an_unknown_agreement_status_is_an_error_not_a_draft(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &token).await;
        let a = app.post_ok(&format!("/api/v1/cases/{}/agreements", case["id"]), &token, &memorandum(), 201).await;
        let id = a["id"].as_i64().expect("id");
        unchecked(&app, "agreement", &format!("UPDATE agreement SET status = 'approved' WHERE id = {id}"));
        let read = app.api_get(&format!("/api/v1/agreements/{id}"), &token).await;
        assert_eq!(read.status(), 500);
        let edit = app.api_patch(&format!("/api/v1/agreements/{id}"), &token, &json!({"facts": "改了"})).await;
        assert_eq!(edit.status(), 500, "not editable as a draft");
        app.conn().batch_execute(&format!("UPDATE agreement SET status = 'draft' WHERE id = {id}")).expect("mend");
        assert_eq!(app.api_get(&format!("/api/v1/agreements/{id}"), &token).await.status(), 200);
        // A term's end that is no clock time is an error, not a term
        // without an end.
        unchecked(&app, "agreement_term", &format!("UPDATE agreement_term SET end_time = '25:99' WHERE agreement_id = {id}"));
        assert_eq!(app.api_get(&format!("/api/v1/agreements/{id}"), &token).await.status(), 500);
    }

    async fn an_unknown_role_is_an_error_not_staff(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        assert_eq!(app.api_get("/api/v1/cases", &token).await.status(), 200);
        unchecked(&app, "app_user", "UPDATE app_user SET role = 'root' WHERE username = 'li.grid'");
        assert_eq!(app.api_get("/api/v1/cases", &token).await.status(), 500);
    }

    async fn corrupt_json_in_a_record_is_an_error_not_an_empty_list(app) {
        let token = app.user_token("wang.mediator", Role::Mediator).await;
        let case = mediating_case(&app, &token).await;
        let id = case["id"].as_i64().expect("id");
        let body = json!({
            "conducted_at": "2026-05-16T20:30:00+08:00", "place": "中心花园", "investigators": "王调解",
            "record": [{"q": "几点结束？", "a": "十点多"}]
        });
        app.post_ok(&format!("/api/v1/cases/{id}/investigations"), &token, &body, 201).await;
        app.conn()
            .batch_execute(&format!("UPDATE investigation SET record = '[{{\"q\": ' WHERE case_id = {id}; DELETE FROM case_view"))
            .expect("corrupt");
        assert_eq!(app.api_get(&format!("/api/v1/cases/{id}"), &token).await.status(), 500);
        let pdf = app.api_get(&format!("/api/v1/cases/{id}/documents/investigation.pdf"), &token).await;
        assert_eq!(pdf.status(), 500);
    }

    async fn an_empty_stored_night_is_an_error_not_the_default_night(app) {
        let token = app.user_token("li.grid", Role::GridWorker).await;
        let reading = json!({
            "measured_at": "2026-05-20T21:40:00+08:00", "position": "outside_window_1m", "height_m": 1.5,
            "laeq_db": 58.4, "lmax_db": 70.4, "background_db": 44.0, "duration_s": 600, "instrument_class": 2,
            "calibration_before_db": 93.8, "calibration_after_db": 94.0, "indicative": false
        });
        let night = app.post_ok("/api/v1/measurements/assess", &token, &reading, 200).await;
        assert_eq!(night["period"], "day", "21:40 is day under the committee's 22:00–06:00 night");
        // Settings refuse equal ends; a row edited to have them is corrupt.
        unchecked(&app, "committee", "UPDATE committee SET night_start = '21:00', night_end = '21:00'");
        let read = app.api_post("/api/v1/measurements/assess", &token, &reading).await;
        assert_eq!(read.status(), 500, "never assessed under a default night");
        let admin = app.user_token("admin.two", Role::Admin).await;
        let report = app.api_get("/api/v1/reports/summary?from=2026-05-01&to=2026-05-31", &admin).await;
        assert_eq!(report.status(), 500);
    }
}
