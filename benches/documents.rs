//! PDF rendering: the demo memorandum (`agreement`), the demo case file
//! (`volume`), and a print batch of twenty memoranda, three copies each,
//! merged into one PDF (`batch_merge_20x3`). Run: `cargo bench --bench documents`.
//!
//! With `HESHENG_DOCUMENTS_LOOP=agreement:800` (or `volume:100`) it renders
//! that many times and exits, for `perf stat -e task-clock`: processor time
//! rather than wall time, which the other processes of a shared machine
//! inflate. A run with a count of 0 gives the set-up to subtract.
//! `varied:800` renders twenty different memoranda in turn, more than the
//! kept font subsets hold: each render makes and compresses its subsets,
//! as the first render of a document does.

use criterion::{Criterion, criterion_group};
use hesheng::app::documents::{Kind, PrintSettings, agreement_model, render_case_document};
use hesheng::data_key::KeySource;
use hesheng::db::{self, Manager, SqliteSync};
use hesheng::documents::agreement;
use hesheng::documents::merge::merge;
use hesheng::documents::model::AgreementDoc;
use hesheng::domain::audit::Actor;

fn demo_connection(dir: &std::path::Path) -> db::DbConn {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let mut conn = Manager::new(url.parse().expect("url"), SqliteSync::Normal).open().expect("open");
    db::run_migrations(&mut conn).expect("migrate");
    // The demo's phone numbers are sealed at rest, and its audit events
    // keyed, as the server does: under a key kept next to the database,
    // made on first use.
    let key = KeySource::File(dir.join("bench.db.key"));
    hesheng::db::opening::prepare_data_key(&mut conn, &key).expect("data key");
    db::committees::ensure_default(&mut conn).expect("committee");
    hesheng::cli::demo::load(&mut conn).expect("demo");
    conn
}

fn documents(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = demo_connection(dir.path());
    let committee = db::committees::find(&mut conn, 1).expect("committee");
    let (memo, case) = db::agreements::find(&mut conn, 1, 1).expect("memorandum");
    let settings = PrintSettings { base_url: "https://mediation.example.cn".into(), lang: None, full_phones: false };
    let model = agreement_model(&mut conn, &committee, &case, &memo, &settings).expect("model");
    // Fonts are parsed once at start-up in the server too.
    let first = agreement::render(&model).expect("render");
    println!("agreement: {} pages, {} bytes", first.pages, first.bytes.len());
    c.bench_function("agreement", |b| b.iter(|| agreement::render(&model).expect("render")));

    let actor = Actor::cli();
    let volume = render_case_document(&mut conn, 1, 1, Kind::Volume, &settings, &actor).expect("volume");
    println!("volume: {} pages, {} bytes", volume.pages, volume.bytes.len());
    c.bench_function("volume", |b| {
        b.iter(|| render_case_document(&mut conn, 1, 1, Kind::Volume, &settings, &actor).expect("volume"))
    });

    // Twenty different memoranda (their own numbers, parties and facts),
    // as a batch of the print queue holds.
    let memoranda: Vec<Vec<u8>> =
        (0..20).map(|i| agreement::render(&variant(&model, i)).expect("render").bytes).collect();
    let distinct: std::collections::BTreeSet<&Vec<u8>> = memoranda.iter().collect();
    assert_eq!(distinct.len(), 20, "twenty different memoranda");
    let parts: Vec<(&[u8], usize)> = memoranda.iter().map(|bytes| (bytes.as_slice(), 3)).collect();
    let (merged, pages) = merge(&parts).expect("merge");
    println!("batch: {pages} pages, {} bytes", merged.len());
    c.bench_function("batch_merge_20x3", |b| b.iter(|| merge(&parts).expect("merge")));
}

/// The `i`-th of twenty different memoranda: its own number, parties and
/// facts, as a batch of the print queue holds.
fn variant(model: &AgreementDoc, i: usize) -> AgreementDoc {
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    let mut m = model.clone();
    m.header.number = format!("（2026）敦南人调字第{}号", i + 1);
    for (k, party) in m.parties.iter_mut().enumerate() {
        party.name = format!("{}{}", surnames[(i + k) % surnames.len()], ["桂芳", "秀兰", "建国"][k % 3]);
    }
    m.facts = format!("{}（第{}栋楼下）", m.facts, i + 1);
    m
}

/// `HESHENG_DOCUMENTS_LOOP=kind:count`: that many renders, then exit.
fn fixed_loop(spec: &str) {
    let (kind, count) = spec.split_once(':').expect("kind:count");
    let count: usize = count.parse().expect("count");
    let dir = tempfile::tempdir().expect("dir");
    let mut conn = demo_connection(dir.path());
    let committee = db::committees::find(&mut conn, 1).expect("committee");
    let (memo, case) = db::agreements::find(&mut conn, 1, 1).expect("memorandum");
    let settings = PrintSettings { base_url: "https://mediation.example.cn".into(), lang: None, full_phones: false };
    let model = agreement_model(&mut conn, &committee, &case, &memo, &settings).expect("model");
    let actor = Actor::cli();
    let mut volume = || render_case_document(&mut conn, 1, 1, Kind::Volume, &settings, &actor).expect("volume");
    agreement::render(&model).expect("render");
    volume();
    let varied: Vec<_> = (0..20).map(|i| variant(&model, i)).collect();
    let started = std::time::Instant::now();
    for i in 0..count {
        match kind {
            "agreement" => drop(std::hint::black_box(agreement::render(&model).expect("render"))),
            "varied" => drop(std::hint::black_box(agreement::render(&varied[i % varied.len()]).expect("render"))),
            _ => drop(std::hint::black_box(volume())),
        }
    }
    if count > 0 {
        let ms = started.elapsed().as_secs_f64() * 1000.0 / count as f64;
        println!("{kind}: {count} renders, {ms:.3} ms wall each");
    }
}

criterion_group!(benches, documents);

fn main() {
    if let Ok(spec) = std::env::var("HESHENG_DOCUMENTS_LOOP") {
        fixed_loop(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
