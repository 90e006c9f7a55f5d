//! `hesheng audit verify` against someone holding a copy of the database
//! file and SQL on it, with the protecting triggers out of the way: each
//! edit of a signed agreement's stored parts, of its archived PDF, of a
//! follow-up recorded against it, and each rebuilding, renumbering or
//! cutting short of the audit chain is found (exit 1, naming it). An edit
//! of the anchor file is found too. What cannot be found without anchors —
//! events cut off the end of a chain — is said on verify's output.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use hesheng::db::schema::{audit_event, audit_head};
use hesheng::db::{Backend, DbConn, Manager, SqliteSync};

use crate::helpers::{TestDb, fresh_database, hesheng, hesheng_env, pg_admin_url, with_database};

fn conn(url: &str) -> DbConn {
    Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("connect")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The demo, with a confirmation application printed in full (a
/// `contacts.reveal` event) and the chains' heads anchored.
struct Template {
    url: String,
    anchors: PathBuf,
    _db: TestDb,
    _dir: tempfile::TempDir,
}

fn template(backend: Backend) -> Option<Template> {
    let (url, db) = fresh_database(backend)?;
    let dir = tempfile::tempdir().expect("dir");
    let anchors = dir.path().join("audit.anchors");
    let env = |extra: &[&str]| {
        let out = hesheng_env(
            &url,
            extra,
            None,
            &[("HESHENG_DATA_KEY", Some(crate::helpers::DATA_KEY)), ("HESHENG_AUDIT_ANCHOR_FILE", anchors.to_str())],
        );
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
    };
    env(&["demo"]);
    let pdf = dir.path().join("printed.pdf");
    // The effective agreement, archived when first printed for the public
    // address its QR code names; then the reveal
    // of printing phones in full, the chain's last event.
    env(&["render", "confirmation_application", "1", "-o", pdf.to_str().expect("path")]);
    env(&["render", "agreement", "1", "-o", pdf.to_str().expect("path"), "--base-url", "https://mediation.example.cn"]);
    env(&["render", "confirmation_application", "1", "-o", pdf.to_str().expect("path")]);
    Some(Template { url, anchors, _db: db, _dir: dir })
}

/// A copy of the template's database, to tamper with.
struct Copy {
    url: String,
    _dir: Option<tempfile::TempDir>,
    _db: Option<TestDb>,
}

fn copy(t: &Template, backend: Backend, n: usize) -> Copy {
    match backend {
        Backend::Sqlite => {
            let from = t.url.strip_prefix("sqlite://").expect("sqlite url");
            let dir = tempfile::tempdir().expect("dir");
            let to = dir.path().join("copy.db");
            std::fs::copy(from, &to).expect("copy the database file");
            Copy { url: format!("sqlite://{}", to.display()), _dir: Some(dir), _db: None }
        }
        Backend::Postgres => {
            let admin = pg_admin_url().expect("pg");
            let source = t.url.rsplit('/').next().expect("name").split('?').next().expect("name").to_owned();
            let name = format!("{source}_t{n}");
            let mut c = conn(&admin);
            c.batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{source}\"")).expect("copy the database");
            Copy {
                url: with_database(&admin, &name),
                _dir: None,
                _db: Some(TestDb::Postgres { admin_url: admin, name }),
            }
        }
    }
}

/// Takes the protecting triggers out of the way, as an attacker with the
/// file (SQLite) or a superuser's session (PostgreSQL) can.
fn unprotected(url: &str, backend: Backend) -> DbConn {
    let mut c = conn(url);
    match backend {
        Backend::Sqlite => {
            #[derive(QueryableByName)]
            struct Name {
                #[diesel(sql_type = Text)]
                name: String,
            }
            let triggers: Vec<Name> = diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                .load(&mut c)
                .expect("triggers");
            for t in triggers {
                c.batch_execute(&format!("DROP TRIGGER {}", t.name)).expect("drop trigger");
            }
        }
        Backend::Postgres => c.batch_execute("SET session_replication_role = replica").expect("triggers off"),
    }
    c
}

fn verify(url: &str, anchors: &Path) -> (i32, String) {
    let out = hesheng_env(
        url,
        &["audit", "verify"],
        None,
        &[("HESHENG_DATA_KEY", Some(crate::helpers::DATA_KEY)), ("HESHENG_AUDIT_ANCHOR_FILE", anchors.to_str())],
    );
    (out.status.code().unwrap_or(-1), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

/// Recomputes the hashes of chain 1 from position `from` on, links each to
/// the one before, and sets the head: what an attacker does after editing
/// or deleting events, to make the plain hash chain hold again.
fn rehash_chain(c: &mut DbConn) {
    type Row = (i64, chrono::NaiveDateTime, Option<i64>, String, String, String, String, String);
    let rows: Vec<Row> = audit_event::table
        .filter(audit_event::chain.eq(1))
        .order(audit_event::seq)
        .select((
            audit_event::seq,
            audit_event::occurred_at,
            audit_event::actor_id,
            audit_event::actor,
            audit_event::action,
            audit_event::entity,
            audit_event::entity_id,
            audit_event::summary,
        ))
        .load(c)
        .expect("events");
    let mut prev = hesheng::domain::audit::GENESIS_HASH.to_owned();
    for (i, (seq, occurred_at, actor_id, actor, action, entity, entity_id, summary)) in rows.into_iter().enumerate() {
        let new_seq = i64::try_from(i).expect("seq") + 1;
        let mut e = hesheng::domain::audit::Event {
            chain: 1,
            seq: new_seq,
            occurred_at,
            actor_id,
            actor,
            action,
            entity,
            entity_id,
            summary,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        diesel::update(audit_event::table.filter(audit_event::chain.eq(1).and(audit_event::seq.eq(seq))))
            .set((audit_event::seq.eq(new_seq), audit_event::prev_hash.eq(&e.prev_hash), audit_event::hash.eq(&e.hash)))
            .execute(c)
            .expect("rehash");
        prev = e.hash;
    }
    let last: i64 = audit_event::table.filter(audit_event::chain.eq(1)).count().get_result(c).expect("count");
    diesel::update(audit_head::table.find(1))
        .set((audit_head::seq.eq(last), audit_head::hash.eq(&prev)))
        .execute(c)
        .expect("head");
}

fn flip_archived_byte(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "UPDATE document_archive SET bytes = substr(bytes, 1, 199) || X'20' || substr(bytes, 201) WHERE agreement_id = 1"
        }
        Backend::Postgres => {
            "UPDATE document_archive SET bytes = overlay(bytes placing '\\x20'::bytea from 200 for 1) WHERE agreement_id = 1"
        }
    }
}

fn tampering_is_found(backend: Backend) {
    let Some(t) = template(backend) else { return };
    // The anchors the server would have written; untouched, all is well.
    let anchored = hesheng_env(
        &t.url,
        &["audit", "anchor"],
        None,
        &[("HESHENG_DATA_KEY", Some(crate::helpers::DATA_KEY)), ("HESHENG_AUDIT_ANCHOR_FILE", t.anchors.to_str())],
    );
    assert!(text(&anchored.stdout).starts_with("anchored "), "{}", text(&anchored.stderr));
    let (code, said) = verify(&t.url, &t.anchors);
    assert_eq!(code, 0, "the untouched demo verifies: {said}");
    assert!(said.starts_with("ok "), "{said}");

    // Each row: what was edited, the SQL, what verify must say.
    let edits: Vec<(&str, String, &str)> = vec![
        ("facts", "UPDATE agreement SET facts = '合唱队每晚活动至23时。' WHERE id = 1".into(), "agreement 1: its row, terms or signatures"),
        ("disputed matters", "UPDATE agreement SET disputed_matters = '无' WHERE id = 1".into(), "agreement 1: its row"),
        ("responsibilities", "UPDATE agreement SET responsibilities = '居民承担全部责任' WHERE id = 1".into(), "agreement 1: its row"),
        ("anonymised_at", "UPDATE agreement SET anonymised_at = created_at WHERE id = 1".into(), "agreement 1: its row"),
        ("performance", "UPDATE agreement SET performance_manner = '不必履行' WHERE id = 1".into(), "agreement 1: its row"),
        ("deadline", "UPDATE agreement SET performance_deadline = NULL WHERE id = 1".into(), "agreement 1: its row"),
        ("status", "UPDATE agreement SET status = 'withdrawn' WHERE id = 1".into(), "agreement 1: its status is withdrawn"),
        ("term text", "UPDATE agreement_term SET text = '每天活动于19:00开始，23:00前结束。' WHERE agreement_id = 1 AND position = 1".into(), "agreement 1: its row, terms"),
        ("term value", "UPDATE agreement_term SET max_db = 75 WHERE agreement_id = 1 AND max_db IS NOT NULL".into(), "agreement 1: its row, terms"),
        ("signature renamed", "UPDATE signature SET signer_name = '李四' WHERE agreement_id = 1 AND role = 'party'".into(), "agreement 1: its row, terms or signatures"),
        ("signature deleted", "DELETE FROM signature WHERE agreement_id = 1 AND role = 'mediator'".into(), "agreement 1: its row, terms or signatures"),
        (
            "content and hash together",
            "UPDATE agreement SET content_json = replace(content_json, '21:00', '23:00'), \
             content_hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' WHERE id = 1"
                .into(),
            "agreement 1",
        ),
        ("archived byte", flip_archived_byte(backend).into(), "archived document"),
        ("follow-up", "UPDATE follow_up SET notes = '一切正常' WHERE id = (SELECT min(id) FROM follow_up)".into(), "follow-up"),
        ("follow-up deleted", "DELETE FROM follow_up_observation WHERE follow_up_id = (SELECT min(id) FROM follow_up)".into(), "follow-up"),
    ];
    for (n, (what, sql, expected)) in edits.into_iter().enumerate() {
        let c = copy(&t, backend, n);
        let mut db = unprotected(&c.url, backend);
        let changed = diesel::sql_query(&sql).execute(&mut db).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(changed > 0, "{what}: the edit changed something");
        drop(db);
        let (code, said) = verify(&c.url, &t.anchors);
        assert_eq!(code, 1, "{what} was not found: {said}");
        assert!(said.contains(expected), "{what}: {said}");
    }

    // The chain rebuilt after editing an event (its plain hashes all hold).
    let c = copy(&t, backend, 100);
    let mut db = unprotected(&c.url, backend);
    diesel::update(audit_event::table.filter(audit_event::chain.eq(1).and(audit_event::seq.eq(3))))
        .set(audit_event::summary.eq("{}"))
        .execute(&mut db)
        .expect("edit");
    rehash_chain(&mut db);
    drop(db);
    let (code, said) = verify(&c.url, &t.anchors);
    assert_eq!(code, 1, "a rebuilt chain was not found: {said}");
    assert!(said.contains("event 1/3") && said.contains("keyed hash does not match"), "{said}");

    // A reveal in the middle of the chain deleted, the rest renumbered and
    // re-hashed.
    let c = copy(&t, backend, 101);
    let mut db = unprotected(&c.url, backend);
    let head: i64 = audit_head::table.find(1).select(audit_head::seq).first(&mut db).expect("head");
    let reveals = diesel::delete(
        audit_event::table.filter(audit_event::action.eq("contacts.reveal").and(audit_event::seq.lt(head))),
    )
    .execute(&mut db)
    .expect("delete");
    assert!(reveals > 0, "the demo holds reveals to hide");
    rehash_chain(&mut db);
    drop(db);
    let (code, said) = verify(&c.url, &t.anchors);
    assert_eq!(code, 1, "deleted reveals were not found: {said}");
    assert!(said.contains("keyed hash does not match"), "{said}");

    // The chain's last event (a reveal) cut off and its head set back:
    // found by the anchors.
    let c = copy(&t, backend, 102);
    let mut db = unprotected(&c.url, backend);
    let last: i64 = audit_head::table.find(1).select(audit_head::seq).first(&mut db).expect("head");
    diesel::delete(audit_event::table.filter(audit_event::chain.eq(1).and(audit_event::seq.gt(last - 1))))
        .execute(&mut db)
        .expect("cut");
    let hash: String = audit_event::table
        .filter(audit_event::chain.eq(1).and(audit_event::seq.eq(last - 1)))
        .select(audit_event::hash)
        .first(&mut db)
        .expect("new last");
    diesel::update(audit_head::table.find(1))
        .set((audit_head::seq.eq(last - 1), audit_head::hash.eq(&hash)))
        .execute(&mut db)
        .expect("head");
    drop(db);
    let (code, said) = verify(&c.url, &t.anchors);
    assert_eq!(code, 1, "a chain cut short was not found: {said}");
    assert!(said.contains(&format!("event 1/{last} was anchored")) && said.contains("cut short"), "{said}");
    // Without the anchors it could not have been: verify says so.
    let none = c._dir.as_ref().map_or_else(|| PathBuf::from("/nonexistent/anchors"), |d| d.path().join("none"));
    let (code, said) = verify(&c.url, &none);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("no anchors"), "verify says what it cannot check: {said}");

    // An anchor line edited (to hide the cut) is found as an edit.
    let forged = t.anchors.with_extension("forged");
    let lines = std::fs::read_to_string(&t.anchors).expect("anchors");
    let edited: String = lines
        .lines()
        .map(|l| {
            let mut parts: Vec<String> = l.split(' ').map(str::to_owned).collect();
            if parts[0] == "1" {
                parts[1] = (last - 1).to_string();
            }
            parts.join(" ") + "\n"
        })
        .collect();
    std::fs::write(&forged, edited).expect("write");
    let (code, said) = verify(&c.url, &forged);
    assert_eq!(code, 1, "an edited anchor was not found: {said}");
    assert!(said.contains("the file was edited"), "{said}");
}

#[test]
fn tampering_with_a_copy_of_the_database_is_found_on_sqlite() {
    tampering_is_found(Backend::Sqlite);
}

#[test]
fn tampering_with_a_copy_of_the_database_is_found_on_postgres() {
    tampering_is_found(Backend::Postgres);
}

#[test]
fn the_untouched_chain_verifies_and_a_missing_key_is_named() {
    let Some(t) = template(Backend::Sqlite) else { return };
    let out = hesheng(&t.url, &["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let other_key = hesheng::data_key::Keyring::generate();
    let out = hesheng_env(&t.url, &["audit", "verify"], None, &[("HESHENG_DATA_KEY", Some(&other_key))]);
    assert_ne!(out.status.code(), Some(0), "another key cannot vouch for the chain");
}
