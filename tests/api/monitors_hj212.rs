//! Noise monitors over HJ 212-2017: a real TCP client against the server's
//! listener, for each reply code the server gives and for clients that
//! send garbage, send slowly, stop half-way or hang up.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use hesheng::config::{Hj212Settings, Settings};
use hesheng::db::monitor_readings;
use hesheng::domain::account::Role;
use hesheng::hj212::{NoiseFactor, NoiseUpload, Qn, cn, encode_upload, frame, st};
use hesheng::startup::Application;
use reqwest::redirect::Policy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, fresh_database, hesheng, serve_args};
use crate::monitors::registered;

/// A test app with its HJ 212 listener on a port of its own, whose frame
/// timeout is one second and which turns an address away after 40 strikes.
async fn spawn_with_listener(backend: hesheng::db::Backend) -> Option<(TestApp, SocketAddr)> {
    let (database_url, db) = fresh_database(backend)?;
    let args = serve_args(&database_url);
    let mut settings = Settings::from_args(&args).expect("settings");
    settings.hj212 = Some(Hj212Settings {
        frame_timeout: Duration::from_secs(1),
        address_strikes: STRIKES,
        ..Hj212Settings::new("127.0.0.1:0".into())
    });
    let clock = settings.clock.clone();
    let app = Application::build(settings).expect("application starts");
    let (port, hj212) = (app.port(), app.hj212_address().expect("listener bound"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
    let app = TestApp { address: format!("http://127.0.0.1:{port}"), backend, database_url, client, clock, _db: db };
    Some((app, hj212))
}

/// Strikes the test listener allows an address.
const STRIKES: u32 = 40;

macro_rules! with_listener {
    ($(async fn $name:ident($app:ident, $addr:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: TestApp, $addr: SocketAddr) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let (app, addr) = spawn_with_listener(hesheng::db::Backend::Sqlite).await.expect("sqlite app");
                    run(app, addr).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some((app, addr)) = spawn_with_listener(hesheng::db::Backend::Postgres).await {
                        run(app, addr).await;
                    }
                }
            }
        )*
    };
}

/// The device's clock: China time, `minutes_ago` before now.
fn device_time(minutes_ago: i64) -> NaiveDateTime {
    let t = Utc::now().naive_utc() + TimeDelta::hours(8) - TimeDelta::minutes(minutes_ago);
    t.date().and_hms_opt(chrono::Timelike::hour(&t), chrono::Timelike::minute(&t), 0).expect("minute")
}

/// A minute upload as a device frames it.
fn upload(cn_code: u16, pw: &str, mn: &str, data_time: NaiveDateTime, laeq: f64) -> (String, String) {
    let qn = Qn::of(Utc::now().naive_utc() + TimeDelta::hours(8)).expect("qn");
    let levels = [(NoiseFactor::Leq, laeq), (NoiseFactor::Lmax, laeq + 8.0), (NoiseFactor::L90, laeq - 5.0)];
    let frame = encode_upload(&NoiseUpload {
        qn: qn.clone(),
        st: st::AMBIENT_NOISE,
        cn: cn_code,
        pw,
        mn,
        wants_reply: true,
        data_time,
        levels: &levels,
        flag: None,
    })
    .expect("frame");
    (frame, qn.as_str().to_owned())
}

/// A daily upload (CN 2031), which carries no reading to store.
fn daily_upload() -> String {
    let qn = Qn::of(Utc::now().naive_utc()).expect("qn");
    let day = device_time(60 * 24).format("%Y%m%d000000");
    frame(&format!(
        "QN={};ST=23;CN=2031;PW=123456;MN=HS-TCP-01;Flag=5;CP=&&DataTime={day};Ldn-Data=58.3&&",
        qn.as_str()
    ))
    .expect("frame")
}

/// Reads one answer (up to CR LF), or `None` when the server closed the
/// connection or sent nothing within ten seconds (a loaded machine may
/// take seconds to store a reading; a listener that never answers still
/// fails).
async fn answer(stream: &mut TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte)).await {
            Ok(Ok(1)) => got.push(byte[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8(got).expect("ASCII answer"))
}

async fn exchange(addr: SocketAddr, frame: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(frame.as_bytes()).await.expect("send");
    answer(&mut stream).await
}

fn code_of(reply: &str) -> &str {
    reply.split("QnRtn=").nth(1).and_then(|r| r.split('&').next()).unwrap_or("")
}

async fn device(app: &TestApp) -> i64 {
    let mediator = app.user_token("wang.mediator", Role::Mediator).await;
    registered(app, &mediator, "HS-TCP-01").await.0
}

with_listener! {
    async fn each_refusal_is_answered_with_the_standards_code_and_an_upload_is_acknowledged(app, addr) {
        let id = device(&app).await;
        let at = device_time(5);

        let (frame, qn) = upload(cn::MINUTE, "123456", "HS-TCP-01", at, 54.3);
        let reply = exchange(addr, &frame).await.expect("data reply");
        assert!(reply.starts_with("##") && reply.contains(&format!("QN={qn};ST=91;CN=9014;PW=123456;MN=HS-TCP-01;Flag=4")), "{reply}");
        let stored = monitor_readings::between(&mut app.conn(), id, at - TimeDelta::hours(9), at).expect("readings");
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0].at, stored[0].laeq_db, stored[0].lafmax_db, stored[0].l90_db), (at - TimeDelta::hours(8), 54.3, Some(62.3), Some(49.3)));

        // The same upload again: acknowledged, stored once.
        assert!(exchange(addr, &frame).await.expect("reply").contains("CN=9014"));
        assert_eq!(monitor_readings::count(&mut app.conn(), id).expect("count"), 1);

        let (good, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", device_time(6), 50.0);
        let crc_at = good.len() - 6;
        let flipped = if &good[crc_at..crc_at + 1] == "0" { "1" } else { "0" };
        let bad_crc = format!("{}{flipped}{}", &good[..crc_at], &good[crc_at + 1..]);
        let cases = [
            (bad_crc, "9", "bad CRC"),
            (upload(cn::MINUTE, "654321", "HS-TCP-01", device_time(7), 50.0).0, "3", "wrong password"),
            (upload(cn::MINUTE, "123456", "HS-UNKNOWN", device_time(8), 50.0).0, "4", "unknown MN"),
            (daily_upload(), "8", "no noise data in a daily upload"),
            (upload(cn::MINUTE, "123456", "HS-TCP-01", device_time(-24 * 60), 50.0).0, "2", "a day in the future"),
            (upload(cn::MINUTE, "123456", "HS-TCP-01", at, 61.0).0, "2", "another level for a stored minute"),
        ];
        for (frame, code, why) in cases {
            let reply = exchange(addr, &frame).await.unwrap_or_else(|| panic!("{why}: no answer"));
            assert!(reply.contains("ST=91;CN=9011;"), "{why}: {reply}");
            assert_eq!(code_of(&reply), code, "{why}: {reply}");
        }
        assert_eq!(monitor_readings::count(&mut app.conn(), id).expect("count"), 1, "no refused packet stored anything");
    }

    async fn garbage_slow_partial_and_vanishing_clients_leave_the_listener_serving(app, addr) {
        let id = device(&app).await;
        // Minutes fixed once: times read from the clock as the test goes
        // would name the same minute twice when a minute turns mid-test.
        let base = device_time(30);
        let minute = |k: i64| base + TimeDelta::minutes(k);

        // Garbage, then a frame on the same connection: the frame is found.
        let (frame, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", minute(0), 51.0);
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(b"\x00\xffGET / HTTP/1.1\r\n##99zz##0010abc\r\n").await.expect("garbage");
        stream.write_all(frame.as_bytes()).await.expect("frame");
        assert!(answer(&mut stream).await.expect("answer after garbage").contains("CN=9014"));

        // A frame sent a few bytes at a time, and two frames in one write.
        let (slow, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", minute(1), 52.0);
        for piece in slow.as_bytes().chunks(7) {
            stream.write_all(piece).await.expect("piece");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(answer(&mut stream).await.expect("answer to a slow frame").contains("CN=9014"));
        let (a, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", minute(2), 53.0);
        let (b, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", minute(3), 54.0);
        stream.write_all(format!("{a}{b}").as_bytes()).await.expect("two frames");
        assert!(answer(&mut stream).await.expect("first").contains("CN=9014"));
        assert!(answer(&mut stream).await.expect("second").contains("CN=9014"));

        // Half a frame, then nothing: closed after the frame timeout.
        let (half, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", minute(4), 55.0);
        let mut stalled = TcpStream::connect(addr).await.expect("connect");
        stalled.write_all(&half.as_bytes()[..half.len() / 2]).await.expect("half");
        let mut buf = [0u8; 16];
        let closed = tokio::time::timeout(Duration::from_secs(15), stalled.read(&mut buf)).await;
        assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "a stalled frame closes the connection: {closed:?}");

        // Half a frame, then the client hangs up: nothing stored, others served.
        let mut vanishing = TcpStream::connect(addr).await.expect("connect");
        vanishing.write_all(&half.as_bytes()[..half.len() / 2]).await.expect("half");
        drop(vanishing);
        let (after, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", minute(5), 56.0);
        assert!(exchange(addr, &after).await.expect("still serving").contains("CN=9014"));

        assert_eq!(monitor_readings::count(&mut app.conn(), id).expect("count"), 5, "five whole uploads, no half one");
    }

    async fn the_simulator_plays_a_device_over_real_tcp(app, addr) {
        let id = device(&app).await;
        let run = |password: &'static str, minutes: &'static str| {
            let (url, addr) = (app.database_url.clone(), addr.to_string());
            tokio::task::spawn_blocking(move || {
                let args = ["monitor", "simulate", "--hj212", &addr, "--mn", "HS-TCP-01", "--password", password,
                    "--minutes", minutes, "--connections", "3"];
                hesheng(&url, &args, None)
            })
        };
        let out = run("123456", "30").await.expect("simulator");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
        assert!(said.contains("30 uploads over 3 connections") && said.contains("30 acknowledged, 0 refused"), "{said}");
        assert_eq!(monitor_readings::count(&mut app.conn(), id).expect("count"), 30);

        let out = run("wrong1", "6").await.expect("simulator");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!out.status.success() && said.contains("6 refused (6 with QnRtn=3)"), "{said}");
    }
}

with_listener! {
    async fn a_password_is_stored_keyed_and_an_unkeyed_hash_is_replaced_on_first_use(app, addr) {
        use diesel::prelude::*;
        use hesheng::db::schema::monitor;
        let id = device(&app).await;
        let base = device_time(40);
        let stored = || -> String { monitor::table.find(id).select(monitor::password_hash).first(&mut app.conn()).expect("hash") };
        let unkeyed = hesheng::random::digest("HS-TCP-01:123456");
        let keyed = stored();
        assert!(keyed.contains(':') && !keyed.contains(&unkeyed), "a keyed hash, not SHA-256 of MN:PW: {keyed}");

        // A hash stored unkeyed, as monitors were first registered.
        diesel::update(monitor::table.find(id)).set(monitor::password_hash.eq(&unkeyed)).execute(&mut app.conn()).expect("unkeyed");
        let (wrong, _) = upload(cn::MINUTE, "654321", "HS-TCP-01", base + TimeDelta::minutes(0), 50.0);
        assert_eq!(code_of(&exchange(addr, &wrong).await.expect("reply")), "3");
        assert_eq!(stored(), unkeyed, "a wrong password changes nothing");
        let (right, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", base + TimeDelta::minutes(1), 50.0);
        assert!(exchange(addr, &right).await.expect("reply").contains("CN=9014"));
        let rekeyed = stored();
        assert!(rekeyed.contains(':') && rekeyed != unkeyed, "keyed from its first use: {rekeyed}");
        let (again, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", base + TimeDelta::minutes(2), 51.0);
        assert!(exchange(addr, &again).await.expect("reply").contains("CN=9014"));
        assert_eq!(monitor_readings::count(&mut app.conn(), id).expect("count"), 2);
    }
}

with_listener! {
    async fn an_address_refused_too_often_is_turned_away_while_its_open_connection_is_served(app, addr) {
        let id = device(&app).await;
        let base = device_time(40);
        let (good, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", base + TimeDelta::minutes(0), 50.0);
        let mut kept = TcpStream::connect(addr).await.expect("connect");
        kept.write_all(good.as_bytes()).await.expect("send");
        assert!(answer(&mut kept).await.expect("reply").contains("CN=9014"));

        let mut guessing = TcpStream::connect(addr).await.expect("connect");
        for i in 0..=STRIKES {
            let (wrong, _) = upload(cn::MINUTE, &format!("guess{i}"), "HS-TCP-01", base + TimeDelta::minutes(1), 50.0);
            guessing.write_all(wrong.as_bytes()).await.expect("send");
            assert_eq!(code_of(&answer(&mut guessing).await.expect("each guess answered")), "3");
        }
        // A new connection from the address is closed unanswered, even with the right password.
        let (right, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", base + TimeDelta::minutes(2), 50.0);
        let mut turned_away = TcpStream::connect(addr).await.expect("the listener accepts, then closes");
        let _ = turned_away.write_all(right.as_bytes()).await;
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(15), turned_away.read(&mut buf)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "closed without an answer: {read:?}");
        // The connection already open is still served.
        let (more, _) = upload(cn::MINUTE, "123456", "HS-TCP-01", base + TimeDelta::minutes(3), 51.0);
        kept.write_all(more.as_bytes()).await.expect("send");
        assert!(answer(&mut kept).await.expect("reply").contains("CN=9014"));
        assert_eq!(monitor_readings::count(&mut app.conn(), id).expect("count"), 2);
    }
}
