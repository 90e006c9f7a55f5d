//! Synthetic cases for measuring at scale (`hesheng demo --scale N`):
//! reproducible from a seed, about five complaints a case, with parties,
//! sessions, effective agreements (content frozen and hashed like real
//! ones), signatures and follow-ups, written in batched transactions — each
//! batch one event of the audit chain, its records many rows a statement
//! (on PostgreSQL its complaints optionally on a second connection, see
//! [`generate_with`]).

mod case;
mod rows;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::data_key::Field;
use crate::db::audit::audited;
use crate::db::cases::search_index::{self, Indexed};
use crate::db::committees::Committee;
use crate::db::schema::{
    agreement, agreement_term, app_user, case_counter, case_mediator, case_party, complaint, follow_up, mediation_case,
    mediation_session, party, signature,
};
use crate::db::sql::reserve_ids;
use crate::db::{Backend, DbConn, WriteError, integrity, write_transaction};
use crate::domain::agreement::{
    AgreementContent, PartySnapshot, Performance, Term, TermInput, confirmation_deadline, copies,
};
use crate::domain::audit::Actor;
use crate::domain::clock::local_date;
use crate::domain::complaint::location_key;
use crate::domain::language::Lang;
use crate::domain::party::mask_phone;
use crate::random::UNAMBIGUOUS;

use case::*;
use rows::*;

/// Cases per transaction.
pub const BATCH: usize = 500;

/// A small, fast, reproducible generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.bits() % n }
    }

    /// One of `items`, by weight.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut pick = self.below(total);
        for (item, w) in items {
            if pick < u64::from(*w) {
                return item;
            }
            pick -= u64::from(*w);
        }
        &items[items.len() - 1].0
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

/// A distinct code of `len` unambiguous characters for every `n`: a
/// bijective scramble of the counter, so synthetic codes never collide.
pub fn code_of(n: u64, len: u32, salt: u64) -> String {
    let base = UNAMBIGUOUS.len() as u64;
    let space = base.pow(len);
    // A multiplier prime to 25 permutes the code space.
    let mut x = (n.wrapping_mul(7_777_777) + salt) % space;
    let mut out = vec![b'3'; len as usize];
    for slot in out.iter_mut().rev() {
        *slot = UNAMBIGUOUS[(x % base) as usize];
        x /= base;
    }
    String::from_utf8(out).unwrap_or_default()
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];

const GIVEN: &[&str] = &[
    "秀兰", "建国", "桂芳", "志强", "淑芬", "浩", "丽", "伟", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟",
    "涛", "明", "超",
];

/// Characters of the given names of the long tail: one party in twenty
/// has a two-character given name of these (3 600 of them), as real names
/// are spread — most searches for a name find a few cases, not hundreds.
const RARE_GIVEN: &[char] = &[
    '雨', '桐', '梓', '涵', '欣', '怡', '子', '轩', '浩', '宇', '思', '琪', '嘉', '萱', '睿', '泽', '佳', '悦', '若',
    '汐', '一', '诺', '沐', '辰', '晨', '曦', '安', '然', '可', '馨', '博', '文', '昊', '天', '俊', '熙', '雅', '婷',
    '宏', '远', '承', '志', '明', '哲', '书', '瑶', '铭', '航', '振', '华', '冬', '梅', '秋', '菊', '春', '燕', '海',
    '波', '永', '红',
];

/// A party's name: a common one, or (one in twenty) one of the long tail.
fn person_name(rng: &mut Rng) -> String {
    let surname = rng.pick(SURNAMES);
    if rng.below(20) == 0 {
        let (a, b) = (rng.pick(RARE_GIVEN), rng.pick(RARE_GIVEN));
        format!("{surname}{a}{b}")
    } else {
        format!("{surname}{}", rng.pick(GIVEN))
    }
}

const ROADS: &[&str] =
    &["敦化南路", "和平里北街", "安定路", "双井街", "石佛营东里", "团结湖路", "望京西路", "劲松南路"];
const NOISE: &[&str] = &[
    "楼下合唱队用音箱唱到十点多",
    "广场舞音响太响，晚上九点半还不停",
    "楼上深夜跳绳、拖动家具",
    "饭店排风机夜里一直响",
    "装修电钻周末早上七点就开始",
    "邻居家狗夜里一直叫",
];

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// Cases.
    pub cases: usize,
    /// Complaints.
    pub complaints: usize,
    /// Agreements.
    pub agreements: usize,
    /// Where the time went.
    pub phases: Phases,
}

/// Two runs generated alike when they generated as many records, whatever
/// their times.
impl PartialEq for Generated {
    fn eq(&self, other: &Self) -> bool {
        (self.cases, self.complaints, self.agreements) == (other.cases, other.complaints, other.agreements)
    }
}

impl Eq for Generated {}

/// Where a run's time went, phase by phase, each summed over the batches,
/// in the order the phases first ran.
#[derive(Debug, Clone, Default)]
pub struct Phases(pub Vec<(&'static str, Duration)>);

impl Phases {
    /// Adds `took` to the phase `name`.
    pub fn add(&mut self, name: &'static str, took: Duration) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, sum)) => *sum += took,
            None => self.0.push((name, took)),
        }
    }

    /// Runs `f` as (part of) the phase `name`.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let value = f();
        self.add(name, started.elapsed());
        value
    }

    /// The time of the phase `name`.
    pub fn of(&self, name: &str) -> Duration {
        self.0.iter().find(|(n, _)| *n == name).map_or(Duration::ZERO, |(_, d)| *d)
    }
}

impl std::fmt::Display for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, took)) in self.0.iter().enumerate() {
            write!(f, "{}{name} {:.1} s", if i == 0 { "" } else { ", " }, took.as_secs_f64())?;
        }
        Ok(())
    }
}

struct Terms {
    templates: Vec<Vec<Term>>,
}

impl Terms {
    fn new(lang: Lang) -> Self {
        let parse =
            |inputs: &[TermInput<'_>]| inputs.iter().filter_map(|i| Term::parse(i, lang).ok()).collect::<Vec<_>>();
        Self {
            templates: vec![
                parse(&[
                    TermInput {
                        kind: "time_window",
                        days: Some("daily"),
                        start: Some("19:00"),
                        end: Some("21:00"),
                        ..Default::default()
                    },
                    TermInput {
                        kind: "volume_limit",
                        max_db: Some(55.0),
                        position: Some("outside_window_1m"),
                        ..Default::default()
                    },
                ]),
                parse(&[
                    TermInput {
                        kind: "time_window",
                        days: Some("weekdays"),
                        start: Some("08:00"),
                        end: Some("18:00"),
                        ..Default::default()
                    },
                    TermInput { kind: "payment", amount: Some(800.0), due: Some("2026-12-31"), ..Default::default() },
                ]),
                parse(&[TermInput {
                    kind: "free_text",
                    text: Some("被申请人于七日内在排风机加装消声设备。"),
                    ..Default::default()
                }]),
            ],
        }
    }
}

/// The case statuses generated, by weight.
const STATUSES: &[(&str, u32)] = &[
    ("archived", 35),
    ("fulfilled", 20),
    ("agreed", 12),
    ("terminated", 8),
    ("mediating", 10),
    ("investigating", 6),
    ("registered", 4),
    ("breached", 3),
    ("referred", 2),
];

/// Generates `n` cases in `committee` (after its existing ones), over the
/// two years before `until`. On PostgreSQL with a second connection to the
/// same database (`beside`): there each batch's complaints — the most costly
/// records to write, for their search index — are copied in a transaction
/// of their own once the batch has committed, while the next batch is
/// written on `conn`, so that two of the server's processes work at once
/// (what that gains depends on the cores the server has free; see
/// BENCHMARKS.md).
/// The database written is the same: the complaints follow their batches
/// one batch at a time, in order, numbered as they would be on `conn`
/// alone. A run stopped by a failure may leave its last batches without
/// their complaints. On SQLite (one writer at a time) `beside` is unused.
pub fn generate_with(
    conn: &mut DbConn,
    beside: Option<&mut DbConn>,
    committee: &Committee,
    n: usize,
    seed: u64,
    until: NaiveDateTime,
    progress: &mut dyn FnMut(usize),
) -> Result<Generated, WriteError> {
    let beside = beside.filter(|b| b.backend() == Backend::Postgres && conn.backend() == Backend::Postgres);
    std::thread::scope(|scope| {
        // Batches' complaints, at most two waiting (their memory bounded).
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<ComplaintRow>>(2);
        let committee_id = committee.id;
        let writer = beside.map(|beside| {
            scope.spawn(move || -> Result<Duration, WriteError> {
                let mut took = Duration::ZERO;
                for complaints in receiver {
                    let started = Instant::now();
                    write_transaction(beside, |c| {
                        quick_commit(c)?;
                        // The only writer of complaints meanwhile: those
                        // above the greatest id are this batch's.
                        let last: Option<i64> = crate::db::schema::complaint::table
                            .select(diesel::dsl::max(crate::db::schema::complaint::id))
                            .first(c)?;
                        write_complaints(c, committee_id, &complaints)?;
                        crate::db::complaint_search::index_after(c, last.unwrap_or(0)).map(|_| ())
                    })?;
                    took += started.elapsed();
                }
                Ok(took)
            })
        });
        let sender = writer.is_some().then_some(sender);
        let generated = generate_batches(conn, sender.as_ref(), committee, n, seed, until, progress);
        drop(sender);
        let Some(writer) = writer else { return generated };
        let waited = Instant::now();
        let written = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let mut made = generated?;
        let took = written?;
        made.phases.add("complaints (second connection)", took);
        made.phases.add("waiting for the complaints", waited.elapsed());
        // The report's roll-up, counted once over the committee's records.
        made.phases.time("roll-up", || crate::db::reports::rebuild(conn, Some(committee.id)))?;
        Ok(made)
    })
}

/// On PostgreSQL, lets the transaction commit without waiting for its
/// records to reach the disk: a crash may lose the last batches written,
/// never leave one half-written.
fn quick_commit(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        diesel::sql_query("SET LOCAL synchronous_commit = off").execute(c)?;
    }
    Ok(())
}

/// The batches of [`generate_with`]; each batch's complaints are written
/// in its transaction, or sent to `complaints` once it has committed. The
/// report's roll-up is counted at the end when no complaints are sent.
fn generate_batches(
    conn: &mut DbConn,
    complaints: Option<&std::sync::mpsc::SyncSender<Vec<ComplaintRow>>>,
    committee: &Committee,
    n: usize,
    seed: u64,
    until: NaiveDateTime,
    progress: &mut dyn FnMut(usize),
) -> Result<Generated, WriteError> {
    let mut rng = Rng::new(seed);
    let settings = committee.settings()?;
    let terms = Terms::new(settings.language);
    let mediators: Vec<(i64, String)> = app_user::table
        .filter(app_user::committee_id.eq(committee.id))
        .filter(app_user::role.eq_any(["mediator", "admin"]))
        .select((app_user::id, app_user::display_name))
        .load(conn)?;
    if mediators.is_empty() {
        return Err(WriteError::conflict(crate::domain::Invalid::new("conflict.no_mediator")));
    }
    let mut made = Generated::default();
    let mut phases = Phases::default();
    // On PostgreSQL every year written gets its partitions first, so that
    // the generated complaints and events do not wait in a default
    // partition for the server to move them.
    phases.time("partitions", || {
        let mut day = until.date() - chrono::Days::new(2 * 366);
        while day <= until.date() {
            crate::db::partitions::make_ahead(conn, day)?;
            day = day + chrono::Days::new(366);
        }
        Ok::<_, WriteError>(())
    })?;
    let mut counters: BTreeMap<i32, i32> = case_counter::table
        .filter(case_counter::committee_id.eq(committee.id))
        .select((case_counter::year, case_counter::last_seq))
        .load::<(i32, i32)>(conn)?
        .into_iter()
        .collect();
    let start = until - TimeDelta::days(730);
    let span = (until - start).num_seconds();
    let party_base: u64 = party::table.count().get_result::<i64>(conn)?.try_into().unwrap_or(0);
    let agreement_base: u64 = agreement::table.count().get_result::<i64>(conn)?.try_into().unwrap_or(0);
    let actor = Actor::cli();
    let mut i = 0;
    while i < n {
        let batch = BATCH.min(n - i);
        let before = (made.cases, made.complaints, made.agreements);
        let mut inside = Duration::ZERO;
        let batch_started = Instant::now();
        let mut sent = Vec::new();
        audited(conn, &actor, committee.id, |conn, log| {
            let inside_started = Instant::now();
            quick_commit(conn)?;
            let (last_complaint, case_ids, party_ids) = phases.time("ids", || {
                // Only complaints written in this transaction are indexed in it.
                let last_complaint: Option<i64> = match complaints {
                    Some(_) => None,
                    None => crate::db::schema::complaint::table
                        .select(diesel::dsl::max(crate::db::schema::complaint::id))
                        .first(conn)?,
                };
                let case_ids = reserve_ids(conn, "mediation_case", batch)?;
                let party_ids = reserve_ids(conn, "party", 2 * batch)?;
                Ok::<_, WriteError>((last_complaint, case_ids, party_ids))
            })?;
            let mut rows = Rows::default();
            phases.time("generating", || {
                for (k, (&case_id, party_ids)) in (i..i + batch).zip(case_ids.iter().zip(party_ids.chunks(2))) {
                    let offset = span * i64::try_from(k).unwrap_or(0) / i64::try_from(n).unwrap_or(1);
                    let registered = start + TimeDelta::seconds(offset + i64::try_from(rng.below(3600)).unwrap_or(0));
                    let year = local_date(registered, committee.utc_offset_minutes).year();
                    let seq = counters.entry(year).or_insert(0);
                    *seq += 1;
                    let seq = *seq;
                    one_case(
                        committee,
                        &terms,
                        &mediators,
                        &mut rng,
                        registered,
                        year,
                        seq,
                        (party_base, agreement_base),
                        Slot { case_id, party_ids },
                        &mut made,
                        &mut rows,
                    )?;
                }
                Ok::<_, WriteError>(())
            })?;
            let agreement_ids = phases.time("ids", || reserve_ids(conn, "agreement", rows.agreements.len()))?;
            if complaints.is_some() {
                sent = std::mem::take(&mut rows.complaints);
            }
            rows.write(conn, committee.id, &agreement_ids, &mut phases)?;
            phases.time("case index", || search_index::insert_all(conn, &rows.search))?;
            // Complaints written on the second connection are indexed there.
            if complaints.is_none() {
                phases.time("complaint index", || {
                    crate::db::complaint_search::index_after(conn, last_complaint.unwrap_or(0))
                })?;
            }
            phases.time("counters", || {
                for (year, last) in &counters {
                    let updated = diesel::update(
                        case_counter::table
                            .filter(case_counter::committee_id.eq(committee.id).and(case_counter::year.eq(year))),
                    )
                    .set(case_counter::last_seq.eq(last))
                    .execute(conn)?;
                    if updated == 0 {
                        diesel::insert_into(case_counter::table)
                            .values((
                                case_counter::committee_id.eq(committee.id),
                                case_counter::year.eq(year),
                                case_counter::last_seq.eq(last),
                            ))
                            .execute(conn)?;
                    }
                }
                Ok::<_, WriteError>(())
            })?;
            // The batch's frozen agreements and follow-ups, each by the short
            // digest of its stored parts, and the agreements' statuses, as
            // signing and visiting record them one by one (`audit verify`).
            let (frozen_agreements, follow_ups) = phases.time("digests", || {
                let visits: Vec<i64> = follow_up::table
                    .filter(follow_up::case_id.eq_any(&case_ids))
                    .order(follow_up::id)
                    .select(follow_up::id)
                    .load(conn)?;
                let digested = |digests: BTreeMap<i64, String>, ids: &[i64]| -> QueryResult<Vec<Value>> {
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        let digest = digests.get(id).ok_or(diesel::result::Error::NotFound)?;
                        out.push(json!([id, integrity::short(digest)]));
                    }
                    Ok(out)
                };
                let frozen_agreements = digested(integrity::agreement_parts_of(conn, &agreement_ids)?, &agreement_ids)?;
                let follow_ups = digested(integrity::follow_up_parts_of(conn, &visits)?, &visits)?;
                Ok::<_, WriteError>((frozen_agreements, follow_ups))
            })?;
            let statuses: Vec<Value> =
                rows.agreements.iter().zip(&agreement_ids).map(|(a, id)| json!([id, a.status])).collect();
            log.record(
                "demo.scale",
                "committee",
                committee.id,
                json!({"seed": seed, "cases": made.cases - before.0, "complaints": made.complaints - before.1,
                       "agreements": made.agreements - before.2, "frozen_agreements": frozen_agreements,
                       "follow_ups": follow_ups, "statuses": statuses}),
            );
            inside = inside_started.elapsed();
            Ok::<_, WriteError>(())
        })?;
        // The audit chain's head, its event and the commit.
        phases.add("audit chain and commit", batch_started.elapsed().saturating_sub(inside));
        if let Some(complaints) = complaints {
            // A closed channel: the second connection failed (its error is
            // reported once the batches stop).
            if phases.time("waiting for the complaints", || complaints.send(sent)).is_err() {
                break;
            }
        }
        i += batch;
        progress(i);
    }
    made.phases = phases;
    if complaints.is_none() {
        // The report's roll-up, counted once over the committee's records.
        made.phases.time("roll-up", || crate::db::reports::rebuild(conn, Some(committee.id)))?;
    }
    Ok(made)
}
