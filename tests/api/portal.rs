//! The portal's credentials as an attacker meets them: each party signs in
//! with the access code and a PIN printed on their own receipt slip alone.
//! The filed register and the volume carry no credentials; a masked phone's
//! last digits open nothing; the database holds the code sealed and the PIN
//! only as a keyed hash; a reprinted slip's new PIN replaces the old; a
//! mediator issues a lost PIN by the API, audited, and nobody else can.

use diesel::prelude::*;
use hesheng::cli::demo::{DEMO_PASSWORD, load};
use hesheng::db::schema::{audit_event, party};
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::pages::Visitor;
use crate::pdf_tools;

/// Signs in to the portal with `code` and `pin`; answers the status.
async fn portal_sign_in(app: &TestApp, code: &str, pin: &str) -> u16 {
    let visitor = Visitor::new(app);
    visitor.post("/portal/login", "/portal/login", &[("code", code), ("pin", pin)]).await.status().as_u16()
}

/// The six-digit PIN printed after `label` on a slip's page.
fn pin_on(page: &str) -> String {
    let at = page.find("密码：").expect("a PIN on the slip") + "密码：".len();
    page[at..].chars().skip_while(|c| c.is_whitespace()).take(6).collect()
}

both_backends! {
    async fn each_party_signs_in_with_the_pin_on_their_own_slip(app) {
        load(&mut app.conn()).expect("demo");
        let mediator_token = app.token_with("wang.mediator", DEMO_PASSWORD).await;
        let case = app.get_json("/api/v1/cases/1", &mediator_token).await;
        let parties: Vec<(i64, String, String)> = case["parties"]
            .as_array()
            .expect("parties")
            .iter()
            .map(|p| (p["id"].as_i64().expect("id"), p["name"].as_str().expect("name").to_owned(), p["access_code"].as_str().expect("code").to_owned()))
            .collect();
        assert!(parties.len() >= 2);

        // Stored: the code sealed, the PIN as a keyed hash, no phone digits.
        let stored: Vec<(String, Option<String>, Option<String>)> = party::table
            .filter(party::id.eq_any(parties.iter().map(|p| p.0)))
            .select((party::access_code, party::access_key, party::pin_hash))
            .load(&mut app.conn())
            .expect("stored");
        for ((code, key, pin), (_, name, plain)) in stored.iter().zip(&parties) {
            assert!(code.starts_with("enc1:") && !code.contains(plain.as_str()), "{name}'s code is sealed");
            assert!(key.as_deref().is_some_and(|k| !k.contains(plain.as_str())), "{name}'s code is found by a keyed hash");
            assert!(pin.as_deref().is_some_and(|p| !p.contains(hesheng::cli::demo::DEMO_PIN)), "{name}'s PIN is a keyed hash");
        }

        // The filed register and the volume name no credentials.
        if pdf_tools::available() {
            for kind in ["acceptance", "volume"] {
                let r = app.api_get(&format!("/api/v1/cases/1/documents/{kind}.pdf"), &mediator_token).await;
                let text = pdf_tools::text(&r.bytes().await.expect("pdf"));
                for (_, name, code) in &parties {
                    assert!(!text.contains(code.as_str()), "{kind} prints {name}'s access code");
                }
                assert!(!text.contains("查询码") && !text.contains("密码"), "{kind} holds no portal credentials");
            }
        }

        // The phone's last digits, printed masked on documents, open nothing.
        let (_, _, respondent_code) = parties.iter().find(|p| p.1 == "周桂芳").expect("respondent");
        assert_eq!(portal_sign_in(&app, respondent_code, "5006").await, 401);
        assert_eq!(portal_sign_in(&app, respondent_code, hesheng::cli::demo::DEMO_PIN).await, 303, "the demo's PIN");

        // Slips: one page a party, with their own code and a new PIN alone.
        let mediator = Visitor::signed_in(&app, "wang.mediator").await;
        let slips = mediator.post("/cases/1", "/cases/1/receipts", &[]).await;
        assert_eq!(slips.status(), 200);
        assert_eq!(slips.headers()["content-type"], "application/pdf");
        let slips = slips.bytes().await.expect("pdf").to_vec();
        if pdf_tools::available() {
            assert_eq!(pdf_tools::pages(&slips), parties.len(), "one page a party");
            let mut pins = Vec::new();
            for (page, (_, name, code)) in (1..).zip(&parties) {
                let text = pdf_tools::page_text(&slips, page);
                assert!(text.contains(name.as_str()) && text.contains(code.as_str()), "page {page} is {name}'s:\n{text}");
                for (_, other, other_code) in parties.iter().filter(|p| p.1 != *name) {
                    assert!(!text.contains(other_code.as_str()) && !text.contains(other.as_str()), "{name}'s slip names {other}");
                }
                let pin = pin_on(&text);
                assert!(pin.len() == 6 && pin.chars().all(|c| c.is_ascii_digit()), "{pin:?}");
                pins.push(pin);
            }
            // The printed PIN opens the portal; the demo's PIN no longer does.
            let (_, _, first_code) = &parties[0];
            assert_eq!(portal_sign_in(&app, first_code, &pins[0]).await, 303);
            assert_eq!(portal_sign_in(&app, first_code, hesheng::cli::demo::DEMO_PIN).await, 401, "a new slip's PIN replaces the old");
        }

        // A lost slip: a mediator issues a new PIN by the API, once; a grid
        // worker may not; each issue is in the audit chain.
        let (id, _, code) = parties.iter().find(|p| p.1 == "周桂芳").expect("respondent");
        let grid = app.token_with("li.grid", DEMO_PASSWORD).await;
        assert_eq!(app.api_post(&format!("/api/v1/parties/{id}/portal-pin"), &grid, &json!({})).await.status(), 403);
        let issued = app.post_ok(&format!("/api/v1/parties/{id}/portal-pin"), &mediator_token, &json!({}), 200).await;
        let pin = issued["pin"].as_str().expect("pin");
        assert_eq!(pin.len(), 6);
        assert_eq!(portal_sign_in(&app, code, pin).await, 303);
        let issues: i64 = audit_event::table
            .filter(audit_event::action.eq("party.portal_pin").and(audit_event::entity_id.eq(id.to_string())))
            .filter(audit_event::actor.eq("wang.mediator"))
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        assert_eq!(issues, 2, "the slip and the API each issued one");
    }
}

both_backends! {
    async fn residents_failing_on_the_office_network_do_not_lock_the_staff_out(app) {
        load(&mut app.conn()).expect("demo");
        // Thirty-five failed portal sign-ins from the office's address…
        let visitor = Visitor::new(&app);
        let mut statuses = Vec::new();
        for i in 0..35 {
            let code = format!("NOSUCHCODE{i:02}");
            statuses.push(visitor.post("/portal/login", "/portal/login", &[("code", &code), ("pin", "000000")]).await.status().as_u16());
        }
        assert!(statuses.iter().take(10).all(|s| *s == 401), "{statuses:?}");
        assert!(statuses.iter().skip(10).all(|s| *s == 429), "the portal throttles its own address count: {statuses:?}");
        // …and a member of staff still signs in from it.
        let staff = Visitor::new(&app);
        let r = staff.post("/login", "/login", &[("username", "zhao.staff"), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(r.status(), 303, "staff sign-in is counted apart");
    }
}
