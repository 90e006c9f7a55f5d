//! PDF rendering: the demo memorandum (`agreement`) and the demo case file
//! (`volume`). Run: `cargo bench --bench documents`.

use criterion::{Criterion, criterion_group, criterion_main};
use hesheng::db::{self, Manager, SqliteSync};
use hesheng::documents::agreement;
use hesheng::print::{PrintSettings, agreement_model};

fn demo_connection(dir: &std::path::Path) -> db::DbConn {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let mut conn = Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("open");
    db::run_migrations(&mut conn).expect("migrate");
    db::committees::ensure_default(&mut conn).expect("committee");
    hesheng::demo::load(&mut conn).expect("demo");
    conn
}

fn documents(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = demo_connection(dir.path());
    let committee = db::committees::find(&mut conn, 1).expect("committee");
    let (memo, case) = db::agreements::find(&mut conn, 1, 1).expect("memorandum");
    let settings = PrintSettings { base_url: "https://mediation.example.cn".into(), lang: None };
    let model = agreement_model(&mut conn, &committee, &case, &memo, &settings).expect("model");
    // Fonts are parsed once at start-up in the server too.
    let first = agreement::render(&model).expect("render");
    println!("agreement: {} pages, {} bytes", first.pages, first.bytes.len());
    c.bench_function("agreement", |b| b.iter(|| agreement::render(&model).expect("render")));
}

criterion_group!(benches, documents);
criterion_main!(benches);
