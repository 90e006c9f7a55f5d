use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hesheng::db::Backend;

use crate::helpers::{PASSWORD, fresh_database, hesheng};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_unsupported_database_url_is_one_line_and_exit_code_2() {
    let out = hesheng("mysql://root:secret@localhost/hs", &["migrate"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("sqlite://PATH") && err.contains("postgres://"), "{err}");
    assert!(!err.contains("secret") && !err.contains("panicked"), "{err}");
}

#[test]
fn an_unreachable_database_is_one_line_and_a_failure_exit() {
    let out = hesheng("postgres://hs:topsecret@127.0.0.1:1/hs", &["migrate"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot open the database postgres://hs:***@127.0.0.1:1/hs"), "{err}");
    assert!(!err.contains("topsecret"));

    let out = hesheng("sqlite:///no/such/directory/hesheng.db", &["migrate"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim().lines().count(), 1);
}

fn users_and_audit(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else { return };
    let weak = hesheng(&url, &["users", "add", "admin", "--role", "admin", "--password-stdin"], Some("password1234\n"));
    assert_eq!(weak.status.code(), Some(2));
    assert!(text(&weak.stderr).contains("too common"), "{}", text(&weak.stderr));

    let no_flag = hesheng(&url, &["users", "add", "admin", "--role", "admin"], Some(PASSWORD));
    assert_eq!(no_flag.status.code(), Some(2));

    let ok = hesheng(
        &url,
        &["users", "add", "admin", "--role", "admin", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("created user admin"));
    let user = hesheng::db::users::find_for_sign_in(&mut conn(&url), "admin").expect("query").expect("user");
    assert!(hesheng::passwords::verify(PASSWORD, &user.1), "the trailing newline is not part of the password");

    let taken = hesheng(&url, &["users", "add", "ADMIN", "--role", "staff", "--password-stdin"], Some(PASSWORD));
    assert_eq!(taken.status.code(), Some(2));

    let verify = hesheng(&url, &["audit", "verify"], None);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stderr));
    // The default committee, the ids of the data key sealing personal data
    // and access codes, the user.
    assert_eq!(text(&verify.stdout).trim(), "ok 4 events");

    let mut c = conn(&url);
    {
        use diesel::connection::SimpleConnection;
        let drop = match backend {
            Backend::Sqlite => "DROP TRIGGER audit_event_append_only_update;",
            Backend::Postgres => "DROP TRIGGER audit_event_append_only ON audit_event;",
        };
        c.batch_execute(drop).expect("drop trigger");
        c.batch_execute("UPDATE audit_event SET actor = 'someone' WHERE chain = 1 AND seq = 1").expect("tamper");
    }
    let failed = hesheng(&url, &["audit", "verify"], None);
    assert_eq!(failed.status.code(), Some(1), "{} {}", text(&failed.stdout), text(&failed.stderr));
    let out = text(&failed.stdout);
    assert!(out.contains("event 1/1 ") && out.contains("edited"), "{out}");
}

fn conn(url: &str) -> hesheng::db::DbConn {
    hesheng::db::Manager::new(url.parse().expect("url"), hesheng::db::SqliteSync::Normal).open().expect("connect")
}

#[test]
fn users_add_and_audit_verify_work_on_sqlite() {
    users_and_audit(Backend::Sqlite);
}

#[test]
fn users_add_and_audit_verify_work_on_postgres() {
    users_and_audit(Backend::Postgres);
}

#[test]
fn backup_writes_a_consistent_copy_of_a_sqlite_database() {
    let (url, db) = fresh_database(Backend::Sqlite).expect("sqlite");
    let ok = hesheng(&url, &["users", "add", "admin", "--role", "admin", "--password-stdin"], Some(PASSWORD));
    assert_eq!(ok.status.code(), Some(0));
    let dir = match &db {
        crate::helpers::TestDb::Sqlite(dir) => dir.path().to_owned(),
        _ => unreachable!("a fresh SQLite database lives in a directory"),
    };
    let target = dir.join("copy.db");
    let out = hesheng(&url, &["backup", target.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let copy_url = format!("sqlite://{}", target.display());
    let copied = hesheng::db::users::find_for_sign_in(&mut conn(&copy_url), "admin").expect("query");
    assert!(copied.is_some(), "the copy holds the user");
    let verify = hesheng(&copy_url, &["audit", "verify"], None);
    // The default committee, the ids of the data key sealing personal data
    // and access codes, the user.
    assert_eq!(text(&verify.stdout).trim(), "ok 4 events");

    let again = hesheng(&url, &["backup", target.to_str().expect("path")], None);
    assert_eq!(again.status.code(), Some(2), "an existing file is not overwritten");
}

#[test]
fn backup_of_postgres_points_to_pg_dump() {
    let Some((url, _db)) = fresh_database(Backend::Postgres) else { return };
    let out = hesheng(&url, &["backup", "/tmp/never-written.db"], None);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("pg_dump"));
}

#[test]
fn serving_creates_and_migrates_the_database_file_then_answers_health_checks() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hesheng"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("HESHENG_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let started = Instant::now();
    let mut healthy = false;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Read;
            let _ = stream.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            if response.contains("\"backend\":\"sqlite\"") {
                healthy = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(healthy, "the server answered /healthz");
    assert!(dir.path().join("hesheng.db").exists(), "hesheng.db was created in the working directory");
}

#[derive(diesel::QueryableByName)]
struct Named {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct Dump {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    rows: Option<String>,
}

/// Every table of a SQLite database with all its rows, as text.
fn tables(url: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    use diesel::RunQueryDsl;
    let hesheng::db::DbConn::Sqlite(mut c) = conn(url) else { unreachable!("a SQLite URL") };
    let names: Vec<Named> = diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .load(&mut c)
        .expect("tables");
    let mut out = std::collections::BTreeMap::new();
    for table in names {
        let columns: Vec<Named> = diesel::sql_query("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind::<diesel::sql_types::Text, _>(&table.name)
            .load(&mut c)
            .expect("columns");
        let row = columns.iter().map(|col| format!("quote(\"{}\")", col.name)).collect::<Vec<_>>().join(" || '|' || ");
        let sql = format!(
            "SELECT group_concat(r, char(10)) AS rows FROM (SELECT {row} AS r FROM \"{}\" ORDER BY r)",
            table.name
        );
        let dump: Dump = diesel::sql_query(sql).get_result(&mut c).expect("rows");
        out.insert(table.name, dump.rows.map(|r| r.lines().map(str::to_owned).collect()).unwrap_or_default());
    }
    out
}

#[test]
fn a_backup_taken_while_another_process_writes_restores_to_identical_tables() {
    let (url, db) = fresh_database(Backend::Sqlite).expect("sqlite");
    let dir = match &db {
        crate::helpers::TestDb::Sqlite(dir) => dir.path().to_owned(),
        _ => unreachable!("a fresh SQLite database lives in a directory"),
    };
    let demo = hesheng(&url, &["demo", "--scale", "60", "--seed", "9"], None);
    assert_eq!(demo.status.code(), Some(0), "{}", text(&demo.stderr));

    // Online: another process writes while the backup is taken.
    let writer_url = url.clone();
    let writer = std::thread::spawn(move || {
        for _ in 0..12 {
            let out = hesheng(&writer_url, &["demo", "--scale", "25", "--seed", "11"], None);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        }
    });
    std::thread::sleep(Duration::from_millis(150));
    let during = dir.join("during.db");
    let out = hesheng(&url, &["backup", during.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    writer.join().expect("writer");
    let during_url = format!("sqlite://{}", during.display());
    let verify = hesheng(&during_url, &["audit", "verify"], None);
    assert_eq!(verify.status.code(), Some(0), "a backup taken mid-write is consistent: {}", text(&verify.stdout));
    let source = tables(&url);
    for (table, rows) in tables(&during_url) {
        let now: std::collections::BTreeSet<&String> = source[&table].iter().collect();
        // Heads and counters move on, the report's roll-up among them; the
        // search indexes' own rows are rewritten (the complaints' full-text
        // segments as they merge).
        let index = table.starts_with("case_search") || table.starts_with("complaint_search");
        if table != "audit_head" && table != "case_counter" && table != "report_daily" && !index {
            assert!(rows.iter().all(|r| now.contains(r)), "{table}: the backup's rows are rows of the source");
        }
    }

    // Quiet: a backup equals the source table for table, and restoring it as
    // the README says gives a working database.
    let quiet = dir.join("quiet.db");
    assert_eq!(hesheng(&url, &["backup", quiet.to_str().expect("path")], None).status.code(), Some(0));
    let restored_dir = tempfile::tempdir().expect("dir");
    let restored = restored_dir.path().join("hesheng.db");
    std::fs::copy(&quiet, &restored).expect("restore");
    let restored_url = format!("sqlite://{}", restored.display());
    let copy = tables(&restored_url);
    assert!(copy.len() > 20, "every table: {}", copy.len());
    assert_eq!(copy, source, "every table, every row");
    let verify = hesheng(&restored_url, &["audit", "verify"], None);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));
    let migrate = hesheng(&restored_url, &["migrate"], None);
    assert_eq!(migrate.status.code(), Some(0), "the restored database is current: {}", text(&migrate.stderr));
}

/// `hesheng render` writes every kind of document of the demo cases, in
/// both languages, and refuses what does not exist with a clear message.
fn render_every_kind(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else { return };
    let loaded = hesheng(&url, &["demo"], None);
    assert!(loaded.status.success(), "demo: {}", text(&loaded.stderr));
    let dir = tempfile::tempdir().expect("dir");
    let kinds = [
        ("application", "1", "（2026）敦南人调字第1号"),
        ("acceptance", "1", "（2026）敦南人调字第1号"),
        ("rights_notice", "1", "（2026）敦南人调字第1号"),
        ("investigation", "1", "（2026）敦南人调字第1号"),
        ("session_record", "1", "（2026）敦南人调字第1号"),
        ("agreement", "1", "（2026）敦南人调字第1号"),
        ("oral_agreement", "3", "（2026）敦南人调字第3号"),
        ("follow_up", "1", "（2026）敦南人调字第1号"),
        ("confirmation_application", "1", "（2026）敦南人调字第1号"),
        ("volume", "1", "（2026）敦南人调字第1号"),
    ];
    // What prints a verification QR code is refused without a public
    // address (the default is this machine's, which no resident can open),
    // and nothing is written or archived.
    let refused = dir.path().join("refused.pdf");
    let refused_path = refused.to_str().expect("path");
    for (kind, case) in [("agreement", "1"), ("oral_agreement", "3"), ("volume", "1"), ("volume", "2")] {
        for local in [None, Some("http://127.0.0.1:8080"), Some("http://localhost:9000")] {
            let mut args = vec!["render", kind, case, "-o", refused_path];
            if let Some(address) = local {
                args.extend(["--base-url", address]);
            }
            let out = crate::helpers::hesheng_env(
                &url,
                &args,
                None,
                &[("HESHENG_DATA_KEY", Some(crate::helpers::DATA_KEY)), ("HESHENG_BASE_URL", None)],
            );
            assert_eq!(out.status.code(), Some(2), "{kind} {case} {local:?}: {}", text(&out.stdout));
            let message = text(&out.stderr);
            assert!(
                message.contains(&format!("the {kind} of case {case} prints a verification QR code"))
                    && message.contains("set HESHENG_BASE_URL or pass --base-url"),
                "{message}"
            );
            assert!(!refused.exists(), "nothing written for {kind} {case}");
        }
    }
    // A form without a QR code needs no address, nor a volume without an agreement.
    for (kind, case) in [("acceptance", "1"), ("volume", "4")] {
        let out = hesheng(&url, &["render", kind, case, "-o", refused_path], None);
        assert!(out.status.success(), "{kind} {case}: {}", text(&out.stderr));
    }
    std::fs::remove_file(&refused).expect("remove");
    let pdf_tools = crate::pdf_tools::available();
    for (kind, case, number) in kinds {
        for lang in ["zh-CN", "en"] {
            let file = dir.path().join(format!("{kind}-{lang}.pdf"));
            let path = file.to_str().expect("path");
            let out = hesheng(
                &url,
                &["render", kind, case, "-o", path, "--lang", lang, "--base-url", "https://mediation.example.cn"],
                None,
            );
            assert!(out.status.success(), "render {kind} {lang}: {}", text(&out.stderr));
            assert!(text(&out.stdout).starts_with(&format!("wrote {path} (")), "{}", text(&out.stdout));
            let bytes = std::fs::read(&file).expect("the PDF");
            assert!(bytes.starts_with(b"%PDF-"), "{kind} {lang} is a PDF");
            if pdf_tools {
                let content = crate::pdf_tools::text(&bytes);
                assert!(content.contains(number), "{kind} {lang} names its case:\n{content}");
            }
        }
    }
    // Once archived (the volume archives the agreement it files), the
    // archived copy prints without an address: it keeps its own.
    for (kind, case) in [("agreement", "1"), ("oral_agreement", "3")] {
        let out = hesheng(&url, &["render", kind, case, "-o", refused_path, "--lang", "en"], None);
        assert!(out.status.success(), "{kind} {case} from the archive: {}", text(&out.stderr));
    }
    let file = dir.path().join("x.pdf");
    let path = file.to_str().expect("path");
    let unknown = hesheng(&url, &["render", "poem", "1", "-o", path], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("unknown document kind \"poem\"; one of application,"),
        "{}",
        text(&unknown.stderr)
    );
    let absent = hesheng(&url, &["render", "oral_agreement", "1", "-o", path], None);
    assert_eq!(absent.status.code(), Some(1));
    assert!(text(&absent.stderr).contains("case 1 has no oral_agreement"), "{}", text(&absent.stderr));
    let nowhere = hesheng(&url, &["render", "volume", "999", "-o", path], None);
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(text(&nowhere.stderr).contains("there is no case 999"), "{}", text(&nowhere.stderr));
    assert!(!file.exists(), "nothing was written for a refused render");
}

#[test]
fn render_writes_every_kind_in_both_languages_on_sqlite() {
    render_every_kind(Backend::Sqlite);
}

#[test]
fn render_writes_every_kind_in_both_languages_on_postgres() {
    render_every_kind(Backend::Postgres);
}
