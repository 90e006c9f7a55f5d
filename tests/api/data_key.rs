//! Telephone and identity numbers sealed at rest: stored encrypted under a
//! key kept out of the database, opened for those allowed to see them,
//! sealed anew on rotation, and refused when the key is missing.

use std::path::Path;

use chrono::Utc;
use diesel::prelude::*;
use hesheng::data_key::Keyring;
use hesheng::db::schema::{agreement, app_setting, party};
use hesheng::db::{DbConn, Manager, SqliteSync};
use hesheng::domain::account::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{DATA_KEY, hesheng, hesheng_env};
use crate::pdf_tools;
use crate::records::case_body;

fn stored(conn: &mut DbConn, name: &str) -> (Option<String>, Option<String>, Option<String>) {
    party::table
        .filter(party::name.eq(name))
        .select((party::phone, party::access_code.nullable(), party::id_number))
        .first(conn)
        .expect("party")
}

fn sealed_under(value: &Option<String>, key_id: &str) -> bool {
    value.as_deref().is_some_and(|v| v.starts_with(&format!("enc1:{key_id}:")))
}

both_backends! {
    async fn phone_and_identity_numbers_are_stored_sealed_and_served_open(app) {
        let key_id = Keyring::parse(DATA_KEY).expect("key").current_id().to_owned();
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let staff = app.user_token("zhao.staff", Role::Staff).await;
        let mut body = case_body(&[]);
        body["parties"][0]["id_number"] = json!("11010119610101002X");
        let case = app.post_ok("/api/v1/cases", &mediator, &body, 201).await;
        let id = case["id"].as_i64().expect("id");

        let (phone, code, id_number) = stored(&mut app.conn(), "张秀兰");
        assert!(sealed_under(&phone, &key_id), "{phone:?}");
        assert!(sealed_under(&id_number, &key_id), "{id_number:?}");
        assert!(sealed_under(&code, &key_id), "the portal access code is sealed too: {code:?}");
        assert!(!phone.as_deref().unwrap_or_default().contains("13800138001"));
        assert!(!id_number.as_deref().unwrap_or_default().contains("0101002X"));

        let masked = app.get_json(&format!("/api/v1/cases/{id}"), &staff).await;
        assert_eq!(masked["parties"][0]["phone"], "138****8001");
        assert_eq!(masked["parties"][0]["id_number"], "110101********002X");
        let open = app.post_ok(&format!("/api/v1/cases/{id}/contacts"), &mediator, &json!({}), 200).await;
        assert_eq!(open["parties"][0]["phone"], "13800138001");
        assert_eq!(open["parties"][0]["id_number"], "11010119610101002X");
        assert_eq!(open["parties"][1]["phone"], "13500135006");

        // A sealed value copied into another party's other column does not open.
        let mut conn = app.conn();
        let respondent: i64 = party::table.filter(party::name.eq("周桂芳")).select(party::id).first(&mut conn).expect("id");
        diesel::update(party::table.find(respondent)).set(party::id_number.eq(&phone)).execute(&mut conn).expect("update");
        let response = app.api_post(&format!("/api/v1/cases/{id}/contacts"), &mediator, &json!({})).await;
        assert_eq!(response.status(), 500);
    }

    async fn values_stored_in_clear_by_an_earlier_version_are_sealed_by_migrate(app) {
        let key_id = Keyring::parse(DATA_KEY).expect("key").current_id().to_owned();
        let mut conn = app.conn();
        diesel::insert_into(party::table)
            .values((
                party::committee_id.eq(1),
                party::kind.eq("person"),
                party::name.eq("孙立群"),
                party::phone.eq("13912345678"),
                party::id_number.eq("110101195001010011"),
                party::access_code.eq("XXXXXXXXXX"),
                party::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut conn)
            .expect("a party in clear");
        diesel::delete(app_setting::table.find("data_key_id")).execute(&mut conn).expect("forget the key id");

        let out = hesheng(&app.database_url, &["migrate"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let (phone, code, id_number) = stored(&mut conn, "孙立群");
        assert!(sealed_under(&phone, &key_id) && sealed_under(&id_number, &key_id), "{phone:?} {id_number:?}");
        assert!(sealed_under(&code, &key_id), "the access code stored in clear is sealed: {code:?}");
        let key: Option<String> =
            party::table.filter(party::name.eq("孙立群")).select(party::access_key).first(&mut conn).expect("key");
        assert!(key.is_some_and(|k| k.starts_with(&format!("{key_id}:"))), "and keyed for the portal's lookup");
        let recorded: String =
            app_setting::table.find("data_key_id").select(app_setting::value).first(&mut conn).expect("key id");
        assert_eq!(recorded, key_id);

        let admin = app.user_token("hua.admin", Role::Admin).await;
        let party_id: i64 = party::table.filter(party::name.eq("孙立群")).select(party::id).first(&mut conn).expect("id");
        let export = app.get_json(&format!("/api/v1/parties/{party_id}/export"), &admin).await;
        assert_eq!(export["party"]["phone"], "13912345678");
        assert_eq!(export["party"]["id_number"], "110101195001010011");
    }
}

fn sqlite_conn(path: &Path) -> DbConn {
    let url = format!("sqlite://{}", path.display()).parse().expect("url");
    Manager::new(url, SqliteSync::Normal).open().expect("connection")
}

fn phones(conn: &mut DbConn) -> Vec<String> {
    party::table.filter(party::phone.is_not_null()).select(party::phone.assume_not_null()).load(conn).expect("phones")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_first_start_makes_the_key_file_a_lost_key_is_refused_and_rotation_seals_anew() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("hesheng.db");
    let url = format!("sqlite://{}", db.display());
    let key_file = dir.path().join("hesheng.db.key");
    let with_key = |key: &'static str| [("HESHENG_DATA_KEY", Some(key)), ("HESHENG_DATA_KEY_FILE", None)];
    let from_file = [("HESHENG_DATA_KEY", None), ("HESHENG_DATA_KEY_FILE", None)];

    let out = hesheng_env(&url, &["demo"], None, &from_file);
    assert!(out.status.success(), "{}", stderr(&out));
    let spec = std::fs::read_to_string(&key_file).expect("the key file was made beside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is its owner's alone");
    }
    let old_id = Keyring::parse(&spec).expect("a key").current_id().to_owned();

    let mut conn = sqlite_conn(&db);
    let sealed = phones(&mut conn);
    assert!(sealed.len() >= 8 && sealed.iter().all(|p| p.starts_with(&format!("enc1:{old_id}:"))), "{sealed:?}");
    // The frozen agreement keeps the numbers masked, as it prints them.
    let contents: Vec<String> = agreement::table
        .filter(agreement::content_json.is_not_null())
        .select(agreement::content_json.assume_not_null())
        .load(&mut conn)
        .expect("contents");
    assert!(!contents.is_empty());
    assert!(contents.iter().all(|c| !c.contains("13800138001") && !c.contains("13500135006")), "{contents:?}");
    assert!(contents.iter().any(|c| c.contains("135****5006")));
    drop(conn);
    // Not in the database file, nor in its write-ahead log.
    for file in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        if name.starts_with("hesheng.db") && !name.ends_with(".key") {
            let bytes = std::fs::read(file.path()).expect("read");
            assert!(!bytes.windows(11).any(|w| w == b"13800138001"), "{name} holds a phone number in clear");
        }
    }

    // Without its key the database is refused, and no new key is made.
    let kept = dir.path().join("kept.key");
    std::fs::rename(&key_file, &kept).expect("move the key away");
    let out = hesheng_env(&url, &["migrate"], None, &from_file);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("sealed under data key {old_id}")), "{}", stderr(&out));
    assert!(!key_file.exists());
    let out = hesheng_env(&url, &["migrate"], None, &[("HESHENG_DATA_KEY_FILE", Some(kept.to_str().expect("utf-8")))]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Rotation: a new key first, the old one after it, then reseal.
    let out = hesheng_env(&url, &["data-key", "new"], None, &from_file);
    let new = String::from_utf8(out.stdout).expect("utf-8").trim().to_owned();
    let new_id = Keyring::parse(&new).expect("a new key").current_id().to_owned();
    assert_ne!(new_id, old_id);
    let new: &'static str = Box::leak(new.into_boxed_str());
    let out = hesheng_env(&url, &["migrate"], None, &with_key(new));
    assert_eq!(out.status.code(), Some(1), "the new key alone cannot open the data");
    assert!(stderr(&out).contains("not among the configured keys"), "{}", stderr(&out));
    let both: &'static str = Box::leak(format!("{new},{}", spec.trim()).into_boxed_str());
    let out = hesheng_env(&url, &["data-key", "reseal"], None, &with_key(both));
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains(&format!("keys {old_id} no longer needed")), "{said}");
    let resealed = phones(&mut sqlite_conn(&db));
    assert_eq!(resealed.len(), sealed.len());
    assert!(resealed.iter().all(|p| p.starts_with(&format!("enc1:{new_id}:"))), "{resealed:?}");

    // The new key alone now opens everything: the confirmation application,
    // which the parties file themselves, prints their numbers in full.
    let pdf = dir.path().join("confirmation.pdf");
    let out = hesheng_env(
        &url,
        &["render", "confirmation_application", "1", "-o", pdf.to_str().expect("utf-8")],
        None,
        &with_key(new),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    if pdf_tools::available() {
        let text = pdf_tools::text(&std::fs::read(&pdf).expect("pdf"));
        assert!(text.contains("13800138001") || text.contains("13500135006"), "{text}");
    }
}
