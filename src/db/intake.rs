//! Complaints that arrive together are written together.
//!
//! Each complaint is its own audited change: its reporter, the complaint and
//! their events on the committee's audit chain. Committed one by one, each
//! costs a turn of SQLite's single writer (on PostgreSQL, of the chain's
//! lock) and a write of every page it touched. Instead, a request queues
//! its complaint for one thread of the intake's own, which takes everything
//! queued (up to [`BATCH`]) into one transaction: each committee's chain is
//! locked once, and the complaints' reporters, their rows, their roll-up
//! counts, audit events and search keys are written by a statement each
//! for all of them. A refused complaint leaves the others standing (the batch
//! is then written again, each complaint in a savepoint of its own). A
//! request is answered only after the transaction holding its complaint has
//! committed, so an acknowledged complaint survives a crash. Two instances
//! sharing PostgreSQL each write their own batches, queueing on the chain's
//! lock, so the chain stays gapless.
//!
//! The thread keeps one connection of its own, opened on the first
//! complaint, so that request handlers never wait for it in the pool and
//! its statements stay prepared between batches. On SQLite it leaves
//! checkpoints (copying the write-ahead log into the database file, with
//! its fsync) to a thread of their own, nudged after each batch and
//! checkpointing at most every [`CHECKPOINT_PAUSE`], so that the writer
//! goes on writing meanwhile.

use std::sync::mpsc::{SyncSender, TrySendError};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::{Connection, OptionalExtension};
use tokio::sync::oneshot;

use crate::db::audit::{self, AuditLog};
use crate::db::complaints::{self, Complaint};
use crate::db::executor::spawn_batches;
use crate::db::parties::Party;
use crate::db::reports::rollup;
use crate::db::{Backend, DbConn, Manager, WriteError, committees, complaint_search, write_transaction};
use crate::domain::audit::{Actor, Head};
use crate::domain::commands::complaint::NewComplaint;

/// Complaints written in one transaction at most.
const BATCH: usize = 128;

/// Complaints waiting at most; beyond, a complaint is refused with 503.
pub const QUEUE: usize = 4096;

/// A recorded complaint, its reporter and its committee's UTC offset in
/// minutes.
pub type Recorded = (Complaint, Option<Party>, i32);

struct Waiting {
    actor: Actor,
    new: NewComplaint,
    reply: oneshot::Sender<Result<Recorded, WriteError>>,
}

/// The queue of complaints waiting to be written; its thread ends when the
/// intake is dropped.
#[derive(Debug)]
pub struct Intake {
    queue: SyncSender<Waiting>,
}

impl Intake {
    /// Starts the thread writing complaints through a connection `manager`
    /// opens, with room for `capacity` complaints waiting.
    pub fn start(manager: Manager, capacity: usize) -> std::io::Result<Self> {
        let mut held: Option<DbConn> = None;
        let checkpoints = match manager.backend() {
            Backend::Sqlite => Some(start_checkpoints(manager.clone())?),
            Backend::Postgres => None,
        };
        let queue = spawn_batches("intake", capacity, BATCH, move |batch| {
            write(&manager, &mut held, batch);
            if let Some(nudge) = &checkpoints {
                // A checkpoint already waiting covers this batch too.
                let _ = nudge.try_send(());
            }
        })?;
        Ok(Self { queue })
    }

    /// Records `new` for `actor`, together with whatever else is waiting.
    pub async fn record(&self, actor: Actor, new: NewComplaint) -> Result<Recorded, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.queue.try_send(Waiting { actor, new, reply }).map_err(|e| match e {
            TrySendError::Full(_) => WriteError::Busy("too many complaints are waiting to be written".into()),
            TrySendError::Disconnected(_) => WriteError::Failed("the complaint writer has stopped".into()),
        })?;
        answer.await.map_err(|_| WriteError::Failed("the complaint's batch was lost".into()))?
    }
}

/// Writes one batch through the held connection, opening one first if
/// none is held. The connection is held again only after a batch went
/// through, so one that failed (or panicked) is not used again; nor one
/// whose complaints met an outage (a file opened read-only is opened anew,
/// and writable once it is).
fn write(manager: &Manager, held: &mut Option<DbConn>, mut batch: Vec<Waiting>) {
    // Audit chains are locked in one order by every batch, so that two
    // instances sharing PostgreSQL cannot wait for each other.
    batch.sort_by_key(|w| w.new.committee_id);
    tracing::debug!(complaints = batch.len(), "writing complaints together");
    let mut conn = match held.take().map_or_else(|| open(manager), Ok) {
        Ok(conn) => conn,
        Err(reason) => {
            for w in batch {
                let _ = w.reply.send(Err(WriteError::Busy(reason.clone())));
            }
            return;
        }
    };
    match write_batch(&mut conn, batch) {
        Ok(true) => *held = Some(conn),
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "complaint batch failed"),
    }
}

/// The writer's own connection. A complaint of a batch may be written in a
/// savepoint, whose journal SQLite otherwise spills to a temporary file;
/// its commits leave checkpoints to the checkpoint thread.
fn open(manager: &Manager) -> Result<DbConn, String> {
    let mut conn = manager.open().map_err(|e| e.to_string())?;
    if let DbConn::Sqlite(c) = &mut conn {
        c.batch_execute("PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0").map_err(|e| e.to_string())?;
    }
    Ok(conn)
}

/// The least time between two checkpoints of the checkpoint thread.
const CHECKPOINT_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// Starts the thread checkpointing a SQLite database (passively: it never
/// holds up a writer or a reader) when nudged, at most every
/// [`CHECKPOINT_PAUSE`], through a connection of its own; it ends when
/// the nudging side is dropped. Other connections still checkpoint when
/// their own commits find the log long (SQLite's default).
fn start_checkpoints(manager: Manager) -> std::io::Result<SyncSender<()>> {
    let (nudge, nudged) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new().name("checkpoint".into()).spawn(move || {
        let mut conn: Option<DbConn> = None;
        while nudged.recv().is_ok() {
            if conn.is_none() {
                conn = manager.open().map_err(|e| tracing::warn!(error = %e, "checkpoint connection")).ok();
            }
            if let Some(c) = conn.as_mut()
                && let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
            {
                tracing::warn!(error = %e, "checkpoint failed");
                conn = None;
            }
            std::thread::sleep(CHECKPOINT_PAUSE);
        }
    })?;
    Ok(nudge)
}

/// Writes `batch` in one transaction and answers each complaint; whether
/// none met an outage.
///
/// The batch is first written whole (see [`write_all`]). Should that fail
/// for any other reason than an outage, nothing of it was kept, and it is
/// written again with each complaint in a savepoint of its own, so that
/// the complaint at fault is refused alone.
fn write_batch(conn: &mut DbConn, batch: Vec<Waiting>) -> Result<bool, diesel::result::Error> {
    let written = match write_transaction(conn, |conn| write_all(conn, &batch, false)) {
        Err(e) if super::Outage::of(&e).is_none() => {
            tracing::debug!(error = %e, "a complaint batch is written again, each complaint alone");
            write_transaction(conn, |conn| write_all(conn, &batch, true))
        }
        written => written,
    };
    match written {
        Ok(results) => {
            let sound = !results.iter().any(|r| match r {
                Err(WriteError::Db(e)) => super::Outage::of(e).is_some(),
                Err(WriteError::Outage(_)) => true,
                _ => false,
            });
            for (w, result) in batch.into_iter().zip(results) {
                let _ = w.reply.send(result);
            }
            Ok(sound)
        }
        Err(e) => {
            // Nothing of the batch was kept: each complaint is refused as
            // the outage it met, to be sent again, or as lost work.
            let outage = super::Outage::of(&e);
            for w in batch {
                let refused = match outage {
                    Some(outage) => WriteError::Outage(outage),
                    None => WriteError::Failed(format!("complaint batch: {e}")),
                };
                let _ = w.reply.send(Err(refused));
            }
            Err(e)
        }
    }
}

/// A committee of a batch: its id and its UTC offset in minutes (`None`:
/// no such committee).
struct Committee {
    id: i64,
    offset: Option<i32>,
}

/// Writes `batch` inside a transaction: each committee's offset read once,
/// the reporters, then each committee's chain locked (the batch is in
/// committee order, so chains are locked in that order), and the
/// complaints, the roll-up's counts, the audit events and the search keys
/// of all of them, by a statement each (two for the search keys on
/// PostgreSQL). On PostgreSQL another instance's batch writes its
/// reporters while this one holds a chain; a committee's complaints take
/// their ids under its chain's lock, so that they are numbered in the
/// order their batches commit (which the search postings' appends expect),
/// and the rows two batches may both touch (the roll-up's, the postings)
/// are written under it too. With `alone`, the chains are locked first and
/// each complaint's rows are written in a savepoint, and a complaint
/// refused leaves the others standing; without, any complaint refused
/// fails the whole.
///
/// The search keys come last: SQLite's full-text index writes what it holds
/// in memory to its tables at every savepoint opened after them.
fn write_all(
    conn: &mut DbConn,
    batch: &[Waiting],
    alone: bool,
) -> Result<Vec<Result<Recorded, WriteError>>, diesel::result::Error> {
    let now = Utc::now().naive_utc();
    let mut met: Vec<Committee> = Vec::new();
    for w in batch {
        let id = w.new.committee_id;
        if met.last().is_some_and(|k| k.id == id) {
            continue;
        }
        let offset = committees::find(conn, id).optional()?.map(|k| k.utc_offset_minutes);
        met.push(Committee { id, offset });
    }
    let offset_of = |id: i64| met.iter().find(|k| k.id == id).and_then(|k| k.offset);

    let lock_chains = |conn: &mut DbConn| -> Result<Vec<(i64, Head)>, diesel::result::Error> {
        met.iter().map(|committee| Ok((committee.id, audit::lock_chain(conn, committee.id)?))).collect()
    };
    let mut results: Vec<Result<Recorded, WriteError>> = Vec::with_capacity(batch.len());
    let heads = if alone {
        let heads = lock_chains(conn)?;
        for w in batch {
            let Some(offset) = offset_of(w.new.committee_id) else {
                results.push(Err(WriteError::NotFound));
                continue;
            };
            let written = conn
                .transaction(|conn| complaints::insert_with_reporter(conn, &w.actor, &w.new, now))
                .map_err(WriteError::from);
            results.push(written.map(|(c, reporter)| (c, reporter, offset)));
        }
        heads
    } else {
        // Every reporter by one statement, every complaint by another.
        let known: Vec<(&Actor, &NewComplaint)> =
            batch.iter().filter(|w| offset_of(w.new.committee_id).is_some()).map(|w| (&w.actor, &w.new)).collect();
        let reporters = complaints::insert_reporters(conn, &known, now)?;
        let heads = lock_chains(conn)?;
        let mut written = complaints::insert_all(conn, &known, reporters, now)?.into_iter();
        for w in batch {
            results.push(match offset_of(w.new.committee_id) {
                None => Err(WriteError::NotFound),
                Some(offset) => written
                    .next()
                    .map(|(c, reporter)| (c, reporter, offset))
                    .ok_or_else(|| WriteError::Failed("a complaint of the batch was not written".into())),
            });
        }
        heads
    };
    let kept: Vec<&Recorded> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let received: Vec<_> = kept.iter().map(|(c, _, offset)| complaints::received(c, *offset)).collect();
    rollup::complaints_received(conn, &received)?;
    for (committee, head) in heads {
        let writes: Vec<(&Actor, AuditLog)> = batch
            .iter()
            .zip(&results)
            .filter_map(|(w, r)| r.as_ref().ok().map(|r| (w, r)))
            .filter(|(_, (c, _, _))| c.committee_id == committee)
            .map(|(w, (c, reporter, _))| {
                let mut log = AuditLog::default();
                complaints::log_created(&mut log, c, reporter.as_ref());
                (&w.actor, log)
            })
            .collect();
        audit::append_all(conn, head, writes)?;
    }
    let texts: Vec<(i64, i64, &str, &str)> =
        kept.iter().map(|(c, _, _)| (c.id, c.committee_id, c.location.as_str(), c.description.as_str())).collect();
    complaint_search::index_all(conn, &texts)?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::complaint;
    use crate::db::{DatabaseUrl, PoolOptions, SqliteSync, connect, run_migrations};
    use crate::domain::complaint::{Category, Channel, ObservedPattern};

    fn new_complaint(committee_id: i64, n: usize) -> NewComplaint {
        NewComplaint {
            committee_id,
            received_at: chrono::NaiveDate::from_ymd_opt(2026, 5, 6).unwrap().and_hms_opt(13, 35, 0).unwrap(),
            channel: Channel::Phone,
            category: Category::Noise,
            location: format!("敦化南路{n}号院"),
            description: "广场舞音响太响".into(),
            pattern: ObservedPattern::default(),
            reporter: None,
            anonymous: true,
        }
    }

    #[actix_web::test]
    async fn a_full_queue_refuses_and_what_was_queued_is_written_when_the_lock_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("x.db").display()).parse().unwrap();
        let options = PoolOptions { max_size: 2, acquire_timeout: std::time::Duration::from_secs(5) };
        let pool = connect(&url, SqliteSync::Normal, options).unwrap();
        let mut conn = pool.get().unwrap();
        run_migrations(&mut conn).unwrap();
        // Every audit event is keyed with the data key.
        crate::data_key::install(crate::data_key::Keyring::parse(&crate::data_key::Keyring::generate()).unwrap());
        committees::ensure_default(&mut conn).unwrap();
        let committee = committees::list(&mut conn).unwrap()[0].id;
        // Another writer holds the lock: the intake's first batch waits for it.
        conn.batch_execute("BEGIN IMMEDIATE").unwrap();

        let intake = Intake::start(Manager::new(url, SqliteSync::Normal), 1).unwrap();
        let mut cx = Context::from_waker(Waker::noop());
        let mut queued = Vec::new();
        // The thread takes the first complaint, and whatever else is queued
        // by then up to a batch, before it waits for the lock; the queue of
        // one holds one more, so a refusal comes by the batch's size and two.
        let refused = loop {
            assert!(queued.len() < BATCH + 2, "a queue of one refuses once a batch is waiting for the lock");
            let mut answer = Box::pin(intake.record(Actor::system(), new_complaint(committee, queued.len())));
            match answer.as_mut().poll(&mut cx) {
                Poll::Pending => queued.push(answer),
                Poll::Ready(result) => break result,
            }
        };
        assert!(matches!(refused, Err(WriteError::Busy(_))), "{refused:?}");
        assert!(!queued.is_empty());

        let accepted = queued.len();
        conn.batch_execute("COMMIT").unwrap();
        for answer in queued {
            let (written, _, _) = answer.await.unwrap();
            assert_eq!(written.committee_id, committee);
        }
        let kept: i64 = complaint::table.count().get_result(&mut conn).unwrap();
        assert_eq!(usize::try_from(kept).unwrap(), accepted, "the refused complaint was not written");
    }
}
