use diesel::prelude::*;
use hesheng::db::audit;
use hesheng::db::schema::audit_event;
use hesheng::db::{Backend, DbConn};
use hesheng::domain::account::Role;
use hesheng::domain::audit::ChainFault;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp};

fn drop_append_only_triggers(conn: &mut DbConn) {
    use diesel::connection::SimpleConnection;
    let sql = match conn.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_event_append_only_update; DROP TRIGGER audit_event_append_only_delete;",
        Backend::Postgres => "DROP TRIGGER audit_event_append_only ON audit_event;",
    };
    conn.batch_execute(sql).expect("drop triggers");
}

async fn some_history(app: &TestApp) {
    app.create_user("admin", Role::Admin, 1);
    let token = app.token("admin").await;
    for name in ["a.one", "a.two", "a.three"] {
        let r = app
            .api_post(
                "/api/v1/users",
                &token,
                &json!({"username": name, "role": "staff", "password": "tea garden at dusk"}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    app.login("admin", PASSWORD).await;
}

both_backends! {
    async fn every_write_is_chained_and_the_chain_verifies(app) {
        some_history(&app).await;
        let mut conn = app.conn();
        let count = audit::verify(&mut conn).expect("verify").expect("intact");
        let actions: Vec<String> = audit_event::table
            .filter(audit_event::chain.eq(1))
            .order(audit_event::seq)
            .select(audit_event::action)
            .load(&mut conn)
            .expect("actions");
        assert_eq!(
            actions,
            ["user.create", "token.issue", "user.create", "user.create", "user.create", "user.sign_in"]
        );
        // Chain 0 holds the default committee, the generated cookie secret
        // and the ids of the key sealing personal data and access codes.
        assert_eq!(count, 10);
    }

    async fn the_audit_table_refuses_updates_and_deletes(app) {
        some_history(&app).await;
        let mut conn = app.conn();
        assert!(diesel::update(audit_event::table).set(audit_event::summary.eq("{}")).execute(&mut conn).is_err());
        assert!(diesel::delete(audit_event::table).execute(&mut conn).is_err());
        assert!(audit::verify(&mut conn).expect("verify").is_ok());
    }

    async fn an_edited_event_is_named_even_with_the_triggers_dropped(app) {
        some_history(&app).await;
        let mut conn = app.conn();
        drop_append_only_triggers(&mut conn);
        diesel::update(audit_event::table.find((1, 3)))
            .set(audit_event::summary.eq("{\"username\":\"someone.else\"}"))
            .execute(&mut conn)
            .expect("tamper");
        match audit::verify(&mut conn).expect("verify") {
            Err(ChainFault::Edited(label)) => assert!(label.starts_with("event 1/3 "), "{label}"),
            other => panic!("expected an edit to be found: {other:?}"),
        }
    }

    async fn a_deleted_event_is_named(app) {
        some_history(&app).await;
        let mut conn = app.conn();
        drop_append_only_triggers(&mut conn);
        diesel::delete(audit_event::table.find((1, 2))).execute(&mut conn).expect("tamper");
        assert_eq!(audit::verify(&mut conn).expect("verify"), Err(ChainFault::Deleted { chain: 1, from: 2, to: 2 }));
    }

    async fn an_inserted_event_is_named(app) {
        some_history(&app).await;
        let mut conn = app.conn();
        let last: (i64, String) = audit_event::table
            .filter(audit_event::chain.eq(1))
            .order(audit_event::seq.desc())
            .select((audit_event::seq, audit_event::hash))
            .first(&mut conn)
            .expect("last");
        let mut forged = hesheng::domain::audit::Event {
            chain: 1,
            seq: last.0 + 1,
            occurred_at: chrono::Utc::now().naive_utc(),
            actor_id: None,
            actor: "admin".into(),
            action: "user.create".into(),
            entity: "user".into(),
            entity_id: "99".into(),
            summary: "{}".into(),
            prev_hash: last.1,
            hash: String::new(),
        };
        forged.hash = forged.compute_hash();
        diesel::insert_into(audit_event::table)
            .values((
                audit_event::chain.eq(forged.chain),
                audit_event::seq.eq(forged.seq),
                audit_event::occurred_at.eq(forged.occurred_at),
                audit_event::actor.eq(&forged.actor),
                audit_event::action.eq(&forged.action),
                audit_event::entity.eq(&forged.entity),
                audit_event::entity_id.eq(&forged.entity_id),
                audit_event::summary.eq(&forged.summary),
                audit_event::prev_hash.eq(&forged.prev_hash),
                audit_event::hash.eq(&forged.hash),
            ))
            .execute(&mut conn)
            .expect("insert");
        // Well linked, but not keyed: whoever wrote it had no key.
        let label = format!("event 1/{} (admin user.create user 99)", last.0 + 1);
        assert_eq!(audit::verify(&mut conn).expect("verify"), Err(ChainFault::Unkeyed(label.clone())));
        // A keyed hash made up, or taken from another event, does not pass either.
        let other_mac: String = audit_event::table
            .filter(audit_event::chain.eq(1).and(audit_event::seq.eq(last.0)))
            .select(audit_event::mac.assume_not_null())
            .first(&mut conn)
            .expect("mac");
        diesel::sql_query(format!("DROP TRIGGER {}", match app.backend {
            hesheng::db::Backend::Sqlite => "audit_event_append_only_update",
            hesheng::db::Backend::Postgres => "audit_event_append_only ON audit_event",
        }))
        .execute(&mut conn)
        .expect("drop trigger");
        diesel::update(audit_event::table.filter(audit_event::chain.eq(1).and(audit_event::seq.eq(last.0 + 1))))
            .set(audit_event::mac.eq(&other_mac))
            .execute(&mut conn)
            .expect("forge");
        assert_eq!(audit::verify(&mut conn).expect("verify"), Err(ChainFault::Forged(label)));
    }

    async fn concurrent_writers_keep_one_unbroken_chain(app) {
        app.create_user("admin", Role::Admin, 1);
        let token = app.token("admin").await;
        let bodies: Vec<_> = (0..24)
            .map(|i| json!({"username": format!("user.{i}"), "role": "staff", "password": "tea garden at dusk"}))
            .collect();
        let requests = bodies.iter().map(|body| app.api_post("/api/v1/users", &token, body));
        let responses = futures_util::future::join_all(requests).await;
        assert!(responses.iter().all(|r| r.status() == 201));
        let count = audit::verify(&mut app.conn()).expect("verify").expect("intact");
        // The installation's four set-up events, the admin's and its token's, the 24 users.
        assert_eq!(count, 4 + 2 + 24);
    }
}
