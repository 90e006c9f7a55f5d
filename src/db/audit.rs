//! The one way to write: a change and its audit events in one transaction.

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Text};

use super::schema::{audit_event, audit_head};
use super::{DbConn, Sql, write_transaction};
use crate::data_key::{self, Keyring, Purpose};
use crate::domain::audit::{Actor, ChainFault, ChainVerifier, Event, GENESIS_HASH, Head};
use crate::on_backend;

/// The events a write records, appended when it commits.
#[derive(Debug, Default)]
pub struct AuditLog {
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    action: &'static str,
    entity: &'static str,
    entity_id: String,
    summary: serde_json::Value,
}

impl AuditLog {
    /// Records that `action` was done to `entity` `entity_id`; `summary`
    /// says what changed.
    pub fn record(
        &mut self,
        action: &'static str,
        entity: &'static str,
        entity_id: impl ToString,
        summary: serde_json::Value,
    ) {
        self.entries.push(Entry { action, entity, entity_id: entity_id.to_string(), summary });
    }
}

/// Runs the write `f` and appends the events it recorded to the audit chain
/// `chain` (the committee's id, 0 for none), all in one transaction that
/// holds the chain's head row locked from the start — so events are chained
/// in commit order and concurrent writers of one committee queue. A write
/// that finds nothing to change records nothing.
pub fn audited<T, E, F>(conn: &mut DbConn, actor: &Actor, chain: i64, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn, &mut AuditLog) -> Result<T, E>,
    E: From<DieselError>,
{
    write_transaction(conn, |conn| {
        let head = lock_head(conn, chain)?;
        let mut log = AuditLog::default();
        let value = f(conn, &mut log)?;
        if !log.entries.is_empty() {
            append(conn, actor, head, log)?;
        }
        Ok(value)
    })
}

/// Records that `actor` saw the contact details of a record (`entity`
/// `id` of `committee_id`).
pub fn record_reveal(
    conn: &mut DbConn,
    actor: &Actor,
    committee_id: i64,
    entity: &'static str,
    id: i64,
) -> QueryResult<()> {
    audited(conn, actor, committee_id, |_, log| {
        log.record("contacts.reveal", entity, id, serde_json::json!({}));
        Ok(())
    })
}

/// How many events the chains of `committee_id` and of the installation
/// (chain 0) hold, 0 for a chain not begun. The heads move with every
/// commit, so this tells whether anything was written since.
pub fn head_seqs(conn: &mut DbConn, committee_id: i64) -> QueryResult<(i64, i64)> {
    Ok(seqs_of(committee_id, heads_of(committee_id).load(conn)?))
}

/// [`head_seqs`] inside a write transaction, holding the heads still until
/// it ends: SQLite's write lock already excludes every other writer; on
/// PostgreSQL a share lock waits for audited writers in flight (which hold
/// their head exclusively until they commit) and keeps new ones out.
pub fn head_seqs_held(conn: &mut DbConn, committee_id: i64) -> QueryResult<(i64, i64)> {
    match conn {
        DbConn::Sqlite(_) => head_seqs(conn, committee_id),
        DbConn::Postgres(c) => Ok(seqs_of(committee_id, heads_of(committee_id).for_share().load(c)?)),
    }
}

/// The heads of the chains of `committee_id` and of the installation:
/// two fixed comparisons rather than a list, so the statement is prepared once.
#[diesel::dsl::auto_type]
fn heads_of(committee_id: i64) -> _ {
    let installation: i64 = 0;
    audit_head::table
        .filter(audit_head::chain.eq(committee_id).or(audit_head::chain.eq(installation)))
        .select((audit_head::chain, audit_head::seq))
}

fn seqs_of(committee_id: i64, heads: Vec<(i64, i64)>) -> (i64, i64) {
    let seq = |chain| heads.iter().find(|(h, _)| *h == chain).map_or(0, |(_, s)| *s);
    (seq(committee_id), seq(0))
}

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    hash: String,
}

const ENSURE_HEAD: Sql =
    Sql("INSERT INTO audit_head (chain, seq, hash) VALUES (?, 0, ?) ON CONFLICT (chain) DO NOTHING");
const LOCK_HEAD_PG: Sql = Sql("SELECT seq, hash FROM audit_head WHERE chain = ? FOR UPDATE");
const READ_HEAD: Sql = Sql("SELECT seq, hash FROM audit_head WHERE chain = ?");

fn lock_head(conn: &mut DbConn, chain: i64) -> QueryResult<Head> {
    let backend = conn.backend();
    let ensure = diesel::sql_query(ENSURE_HEAD.text(backend)).bind::<BigInt, _>(chain).bind::<Text, _>(GENESIS_HASH);
    on_backend!(conn, c => ensure.execute(c))?;
    let row: HeadRow = match conn {
        // BEGIN IMMEDIATE already holds SQLite's single write lock.
        DbConn::Sqlite(c) => diesel::sql_query(READ_HEAD.text(backend)).bind::<BigInt, _>(chain).get_result(c)?,
        DbConn::Postgres(c) => diesel::sql_query(LOCK_HEAD_PG.text(backend)).bind::<BigInt, _>(chain).get_result(c)?,
    };
    Ok(Head { chain, seq: row.seq, hash: row.hash })
}

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = audit_event, treat_none_as_default_value = false)]
struct EventRow {
    chain: i64,
    seq: i64,
    occurred_at: NaiveDateTime,
    actor_id: Option<i64>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    summary: String,
    prev_hash: String,
    hash: String,
    mac: Option<String>,
}

impl EventRow {
    fn keyed(e: Event, ring: &Keyring) -> Self {
        let mac = Some(ring.mac(Purpose::AuditChain, e.hash.as_bytes()));
        Self { mac, ..Self::from(e) }
    }
}

impl From<Event> for EventRow {
    fn from(e: Event) -> Self {
        Self {
            chain: e.chain,
            seq: e.seq,
            occurred_at: e.occurred_at,
            actor_id: e.actor_id,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            summary: e.summary,
            prev_hash: e.prev_hash,
            hash: e.hash,
            mac: None,
        }
    }
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Self {
            chain: r.chain,
            seq: r.seq,
            occurred_at: r.occurred_at,
            actor_id: r.actor_id,
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Locks the head of chain `chain` until the transaction ends, as
/// [`audited`] does, for a writer that appends the events of many changes
/// at once with [`append_all`]; inside a write transaction only.
pub fn lock_chain(conn: &mut DbConn, chain: i64) -> QueryResult<Head> {
    lock_head(conn, chain)
}

/// Appends the events each of `writes` recorded, in order and each by
/// its actor, to the chain whose head [`lock_chain`] locked: all events by
/// one statement, the head moved once.
pub fn append_all(conn: &mut DbConn, mut head: Head, writes: Vec<(&Actor, AuditLog)>) -> QueryResult<()> {
    let ring = data_key::installed().map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    let now = Utc::now().naive_utc().trunc_subsecs(6);
    let mut rows = Vec::new();
    for (actor, log) in writes {
        for entry in log.entries {
            let event = chained(&mut head, actor, entry, now);
            rows.push(EventRow::keyed(event, &ring));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    crate::insert_many!(conn, audit_event::table, 12, rows)?;
    diesel::update(audit_head::table.find(head.chain))
        .set((audit_head::seq.eq(head.seq), audit_head::hash.eq(&head.hash)))
        .execute(conn)?;
    Ok(())
}

/// The event of `entry` next on the chain of `head`, which moves on to it.
fn chained(head: &mut Head, actor: &Actor, entry: Entry, now: NaiveDateTime) -> Event {
    let mut event = Event {
        chain: head.chain,
        seq: head.seq + 1,
        occurred_at: now,
        actor_id: actor.id,
        actor: actor.name.clone(),
        action: entry.action.to_owned(),
        entity: entry.entity.to_owned(),
        entity_id: entry.entity_id,
        summary: entry.summary.to_string(),
        prev_hash: head.hash.clone(),
        hash: String::new(),
    };
    event.hash = event.compute_hash();
    head.seq = event.seq;
    head.hash.clone_from(&event.hash);
    event
}

fn append(conn: &mut DbConn, actor: &Actor, mut head: Head, log: AuditLog) -> QueryResult<()> {
    // Every event is keyed: without the data key nothing is written.
    let ring = data_key::installed().map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    // Both backends keep microseconds; hashing the stored precision keeps
    // the hash reproducible from the row.
    let now = Utc::now().naive_utc().trunc_subsecs(6);
    for entry in log.entries {
        let event = chained(&mut head, actor, entry, now);
        diesel::insert_into(audit_event::table).values(EventRow::keyed(event, &ring)).execute(conn)?;
    }
    diesel::update(audit_head::table.find(head.chain))
        .set((audit_head::seq.eq(head.seq), audit_head::hash.eq(&head.hash)))
        .execute(conn)?;
    Ok(())
}

/// Recomputes every chain and checks every event's keyed hash with `ring`;
/// `Ok(Ok(n))` when all `n` events are intact, `Ok(Err(fault))` naming the
/// first that is not. Events written before chains were keyed have no keyed
/// hash; they may only come before a chain's first keyed event, which pins
/// them through the hash it links to.
pub fn verify_keyed(conn: &mut DbConn, ring: &Keyring) -> QueryResult<Result<u64, ChainFault>> {
    let mut keyed: Option<i64> = None;
    verify_with(conn, &mut |row: &EventRow, event: &Event| {
        if keyed != Some(row.chain) && row.mac.is_some() {
            keyed = Some(row.chain);
        }
        match &row.mac {
            Some(mac) if !ring.knows_mac_key(mac) => Err(ChainFault::KeyUnknown(event_label(event))),
            Some(mac) if !ring.verify_mac(Purpose::AuditChain, row.hash.as_bytes(), mac) => {
                Err(ChainFault::Forged(event_label(event)))
            }
            None if keyed == Some(row.chain) => Err(ChainFault::Unkeyed(event_label(event))),
            _ => Ok(()),
        }
    })
}

/// [`verify_keyed`] with the process's keyring.
pub fn verify(conn: &mut DbConn) -> QueryResult<Result<u64, ChainFault>> {
    let ring = data_key::installed().map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    verify_keyed(conn, &ring)
}

fn event_label(e: &Event) -> String {
    format!("event {}/{} ({} {} {} {})", e.chain, e.seq, e.actor, e.action, e.entity, e.entity_id)
}

fn verify_with(
    conn: &mut DbConn,
    check: &mut dyn FnMut(&EventRow, &Event) -> Result<(), ChainFault>,
) -> QueryResult<Result<u64, ChainFault>> {
    const PAGE: i64 = 5_000;
    let heads: Vec<Head> = audit_head::table
        .select((audit_head::chain, audit_head::seq, audit_head::hash))
        .order(audit_head::chain)
        .load::<(i64, i64, String)>(conn)?
        .into_iter()
        .map(|(chain, seq, hash)| Head { chain, seq, hash })
        .collect();
    let mut verifier = ChainVerifier::new();
    let mut after: Option<(i64, i64)> = None;
    loop {
        let mut query = audit_event::table
            .select(EventRow::as_select())
            .order((audit_event::chain, audit_event::seq))
            .limit(PAGE)
            .into_boxed();
        if let Some((chain, seq)) = after {
            query = query
                .filter(audit_event::chain.gt(chain).or(audit_event::chain.eq(chain).and(audit_event::seq.gt(seq))));
        }
        let page = query.load::<EventRow>(conn)?;
        let done = page.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
        for row in page {
            after = Some((row.chain, row.seq));
            let mac = row.mac.clone();
            let event = Event::from(row);
            if let Err(fault) = verifier.push(&event, &heads) {
                return Ok(Err(fault));
            }
            let row = EventRow { mac, ..EventRow::from(event.clone()) };
            if let Err(fault) = check(&row, &event) {
                return Ok(Err(fault));
            }
        }
        if done {
            return Ok(verifier.finish(&heads));
        }
    }
}

/// The events recorded about one record, oldest first.
pub fn events_for(conn: &mut DbConn, entity: &str, entity_id: &str) -> QueryResult<Vec<Event>> {
    audit_event::table
        .filter(audit_event::entity.eq(entity).and(audit_event::entity_id.eq(entity_id)))
        .order((audit_event::occurred_at, audit_event::seq))
        .select(EventRow::as_select())
        .load::<EventRow>(conn)
        .map(|rows| rows.into_iter().map(Event::from).collect())
}
