//! Closed hours of readings packed, an hour of a monitor into a row of up
//! to 60 readings a part: every reading reads back as it came and is
//! counted once, a device may resend a packed hour (the same values are
//! already stored, other values refused) or send a reading late for it
//! (packed into the hour's next part), the database refuses any change or
//! removal of a pack and the removal of a row no pack holds exactly, and a
//! roll-up takes packs as it takes rows.

use diesel::prelude::*;
use hesheng::db::monitor_readings::{self, between};
use hesheng::db::schema::{monitor_reading, monitor_reading_pack};
use hesheng::domain::account::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, hesheng};
use crate::monitors::registered;

async fn send(app: &TestApp, id: i64, token: &str, readings: &[Value]) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/monitors/{id}/readings")))
        .bearer_auth(token)
        .json(&json!({"readings": readings}))
        .send()
        .await
        .expect("readings");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn utc(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect(s)
}

/// `hesheng monitor roll-up --keep-days DAYS`: what it printed.
fn roll_up(app: &TestApp, days: &str) -> String {
    let out = hesheng(&app.database_url, &["monitor", "roll-up", "--keep-days", days], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rows_and_packs(conn: &mut hesheng::db::DbConn, id: i64) -> (i64, i64) {
    let rows =
        monitor_reading::table.filter(monitor_reading::monitor_id.eq(id)).count().get_result(conn).expect("rows");
    let packs = monitor_reading_pack::table
        .filter(monitor_reading_pack::monitor_id.eq(id))
        .count()
        .get_result(conn)
        .expect("packs");
    (rows, packs)
}

fn run_sql(conn: &mut hesheng::db::DbConn, sql: &str) -> QueryResult<usize> {
    hesheng::on_backend!(conn, c => diesel::sql_query(sql).execute(c))
}

both_backends! {
    async fn closed_hours_are_packed_read_back_as_they_came_and_stay_append_only(app) {
        let mediator = app.user_token("wang.mediator", Role::Mediator).await;
        let (id, token) = registered(&app, &mediator, "HS-PACK-01").await;
        // 1 June 2026, UTC. 12:00–13:00: sixty minutes, thirty half-minute
        // real-time readings (one marked M, maintenance) and the hour's own
        // reading — 91 readings, two packs; 13:00–14:00: sixty minutes, every
        // other one without L10 and L90 — one pack.
        let mut batch: Vec<Value> = (0..60)
            .map(|m| json!({"at": format!("2026-06-01T12:{m:02}:00Z"), "interval_s": 60,
                "laeq_db": 40.0 + f64::from(m) / 10.0, "lafmax_db": 70.0, "l10_db": 45.1, "l90_db": 38.4}))
            .collect();
        batch.extend((0..30).map(|k| json!({"at": format!("2026-06-01T12:{:02}:30Z", 2 * k), "interval_s": 30,
            "laeq_db": 50.5, "lafmax_db": 61.2, "flag": if k == 7 { "M" } else { "N" }})));
        batch.push(json!({"at": "2026-06-01T12:00:00Z", "interval_s": 3600, "laeq_db": 47.3, "lafmax_db": 88.8}));
        batch.extend((0..60).map(|m| if m % 2 == 0 {
            json!({"at": format!("2026-06-01T13:{m:02}:00Z"), "interval_s": 60, "laeq_db": 149.9, "lafmax_db": 150.0})
        } else {
            json!({"at": format!("2026-06-01T13:{m:02}:00Z"), "interval_s": 60, "laeq_db": 0.0, "lafmax_db": 0.1, "l10_db": 0.1, "l90_db": 0.0})
        }));
        assert_eq!(send(&app, id, &token, &batch).await, (200, json!({"stored": 151, "already_stored": 0})));
        let (from, to) = (utc("2026-06-01 12:00:00"), utc("2026-06-01 14:00:00"));
        let as_rows = between(&mut app.conn(), id, from, to).expect("readings");
        assert_eq!(as_rows.len(), 151);

        // Packed: the rows go, three packs hold them, and they read back
        // exactly, in the same order; the count is the same.
        let said = roll_up(&app, "3650");
        assert!(said.contains("0 readings before") && said.contains("151 readings of the hours closed") && said.contains("into 3 rows"), "{said}");
        let mut conn = app.conn();
        assert_eq!(rows_and_packs(&mut conn, id), (0, 3));
        assert_eq!(between(&mut conn, id, from, to).expect("readings"), as_rows);
        let inner = between(&mut conn, id, utc("2026-06-01 12:10:00"), utc("2026-06-01 13:00:30")).expect("readings");
        assert_eq!(inner, as_rows.iter().filter(|r| r.at >= utc("2026-06-01 12:10:00") && r.at < utc("2026-06-01 13:00:30")).cloned().collect::<Vec<_>>());
        assert_eq!(monitor_readings::count(&mut conn, id).expect("count"), 151);
        assert!(roll_up(&app, "3650").contains("0 readings of the hours closed"), "each reading packed once");

        // A device resending the packed hours: already stored; one of them
        // with another level: refused whole, nothing stored.
        assert_eq!(send(&app, id, &token, &batch).await, (200, json!({"stored": 0, "already_stored": 151})));
        let mut changed = batch.clone();
        changed[10]["laeq_db"] = json!(41.5);
        changed.push(json!({"at": "2026-06-01T12:00:45Z", "interval_s": 15, "laeq_db": 45.0, "lafmax_db": 52.0}));
        assert_eq!(send(&app, id, &token, &changed).await.0, 409);
        assert_eq!(monitor_readings::count(&mut conn, id).expect("count"), 151);

        // A reading sent late for a packed hour is stored, read with the
        // packed ones, and packed into the hour's next part.
        let late = json!({"at": "2026-06-01T12:00:45Z", "interval_s": 15, "laeq_db": 45.0, "lafmax_db": 52.0});
        assert_eq!(send(&app, id, &token, std::slice::from_ref(&late)).await, (200, json!({"stored": 1, "already_stored": 0})));
        let with_late = between(&mut conn, id, from, to).expect("readings");
        // After 12:00:00 over a minute and over the hour, and 12:00:30.
        assert_eq!((with_late.len(), with_late[3].at, with_late[3].interval_s), (152, utc("2026-06-01 12:00:45"), 15));
        assert!(roll_up(&app, "3650").contains("1 readings of the hours closed"), "the late one");
        assert_eq!(rows_and_packs(&mut conn, id), (0, 4));
        assert_eq!(between(&mut conn, id, from, to).expect("readings"), with_late);
        assert_eq!(send(&app, id, &token, &[late]).await, (200, json!({"stored": 0, "already_stored": 1})));
        assert_eq!(monitor_readings::count(&mut conn, id).expect("count"), 152);

        // Packs are never changed or removed by hand.
        for sql in [
            format!("UPDATE monitor_reading_pack SET part = part + 10 WHERE monitor_id = {id}"),
            format!("DELETE FROM monitor_reading_pack WHERE monitor_id = {id}"),
        ] {
            let err = run_sql(&mut conn, &sql).expect_err(&sql);
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
        if app.backend == hesheng::db::Backend::Postgres {
            assert!(run_sql(&mut conn, "TRUNCATE monitor_reading_pack").is_err());
        }

        // A row goes only when a pack of its hour holds it exactly, at a
        // record's boundary: its 11 bytes found one byte in do not count;
        // found at a boundary after that, they do.
        assert_eq!(send(&app, id, &token, &[json!({"at": "2026-06-01T13:30:30Z", "interval_s": 60, "laeq_db": 52.0, "lafmax_db": 60.0})]).await.0, 200);
        let levels: i64 = monitor_reading::table.filter(monitor_reading::monitor_id.eq(id)).select(monitor_reading::levels).first(&mut conn).expect("row");
        let mut record = vec![0x07, 0x26, 0, 0, 60];
        record.extend_from_slice(&levels.to_be_bytes()[2..]);
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02X}")).collect::<String>();
        let blob = |bytes: &[u8]| if app.backend == hesheng::db::Backend::Postgres { format!("'\\x{}'::bytea", hex(bytes)) } else { format!("X'{}'", hex(bytes)) };
        let hour = utc("2026-06-01 13:00:00").and_utc().timestamp();
        // (Read as records, this pack holds two other readings: 13:00:07,
        // and 13:34:08 from the record's last byte, 0x08 of L_Aeq 52.0.)
        let misaligned = [&[0u8][..], &record, &[0; 10]].concat();
        run_sql(&mut conn, &format!("INSERT INTO monitor_reading_pack (monitor_id, hour_s, part, data) VALUES ({id}, {hour}, 7, {})", blob(&misaligned))).expect("a pack is appended");
        let remove = format!("DELETE FROM monitor_reading WHERE monitor_id = {id}");
        assert!(run_sql(&mut conn, &remove).expect_err("not held").to_string().contains("append-only"));
        let later = [&misaligned[..], &record].concat();
        run_sql(&mut conn, &format!("INSERT INTO monitor_reading_pack (monitor_id, hour_s, part, data) VALUES ({id}, {hour}, 8, {})", blob(&later))).expect("a pack is appended");
        assert_eq!(run_sql(&mut conn, &remove).expect("held by part 8"), 1);
        let short = format!("INSERT INTO monitor_reading_pack (monitor_id, hour_s, part, data) VALUES ({id}, {hour}, 9, {})", blob(&record[..10]));
        assert!(run_sql(&mut conn, &short).is_err(), "a pack holds whole records");

        // A roll-up takes the packs as it takes rows: both hours rolled up
        // (the forged packs' three readings with them), the packs removed,
        // and the count still true.
        let counted = monitor_readings::count(&mut conn, id).expect("count");
        assert_eq!(counted, 152 + 2 + 3, "the packed, and the two forged packs' records");
        let said = roll_up(&app, "90");
        assert!(said.contains(&format!("{counted} readings before")) && said.contains("into 2 hours"), "{said}");
        assert_eq!(rows_and_packs(&mut conn, id), (0, 0));
        assert_eq!(monitor_readings::count(&mut conn, id).expect("count"), counted);
        let hourly = between(&mut conn, id, from, to).expect("readings");
        assert_eq!(hourly.iter().map(|r| r.at).collect::<Vec<_>>(), [from, utc("2026-06-01 13:00:00")]);
        let pack = format!("INSERT INTO monitor_reading_pack (monitor_id, hour_s, part, data) VALUES ({id}, {hour}, 0, {})", blob(&record));
        assert!(run_sql(&mut conn, &pack).is_err(), "no pack for an hour rolled up");
    }
}
