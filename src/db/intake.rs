//! Complaints that arrive together are written together.
//!
//! Each complaint is its own audited change: its reporter, the complaint and
//! their events on the committee's audit chain. Committed one by one, each
//! costs a turn of SQLite's single writer and a write of every page it
//! touched. Instead, a request queues its complaint for one thread of the
//! intake's own, which takes everything queued (up to [`BATCH`]) into one
//! transaction, each complaint in a savepoint of its own, so that a refused
//! complaint leaves the others standing. A request is answered only after
//! the transaction holding its complaint has committed, so an acknowledged
//! complaint survives a crash.
//!
//! The thread keeps one connection of its own, opened on the first
//! complaint, so that request handlers never wait for it in the pool and
//! its statements stay prepared between batches.

use std::sync::mpsc::{SyncSender, TrySendError};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use tokio::sync::oneshot;

use crate::db::complaints::{self, Complaint};
use crate::db::executor::spawn_batches;
use crate::db::parties::Party;
use crate::db::{DbConn, Manager, WriteError, committees, write_transaction};
use crate::domain::audit::Actor;
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
        let queue = spawn_batches("intake", capacity, BATCH, move |batch| write(&manager, &mut held, batch))?;
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

/// The writer's own connection. Each complaint of a batch is written in a
/// savepoint, whose journal SQLite otherwise spills to a temporary file.
fn open(manager: &Manager) -> Result<DbConn, String> {
    let mut conn = manager.open().map_err(|e| e.to_string())?;
    if let DbConn::Sqlite(c) = &mut conn {
        c.batch_execute("PRAGMA temp_store = MEMORY").map_err(|e| e.to_string())?;
    }
    Ok(conn)
}

/// Writes `batch` in one transaction and answers each complaint; whether
/// none met an outage.
fn write_batch(conn: &mut DbConn, batch: Vec<Waiting>) -> Result<bool, diesel::result::Error> {
    let mut results = Vec::with_capacity(batch.len());
    let committed = write_transaction(conn, |conn| {
        let now = Utc::now().naive_utc();
        // The batch is in committee order: each committee is read once.
        let mut offset: Option<(i64, i32)> = None;
        for w in &batch {
            results.push(record_one(conn, &w.actor, &w.new, now, &mut offset));
        }
        Ok::<_, diesel::result::Error>(())
    });
    match committed {
        Ok(()) => {
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

/// One complaint of a batch, in its own savepoint. `offset` keeps the UTC
/// offset of the committee read last.
fn record_one(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewComplaint,
    now: chrono::NaiveDateTime,
    offset: &mut Option<(i64, i32)>,
) -> Result<Recorded, WriteError> {
    let (complaint, reporter) = complaints::create_with_reporter(conn, actor, new, now)?;
    let minutes = match *offset {
        Some((committee, minutes)) if committee == new.committee_id => minutes,
        _ => {
            let minutes = committees::find(conn, new.committee_id)?.utc_offset_minutes;
            *offset = Some((new.committee_id, minutes));
            minutes
        }
    };
    Ok((complaint, reporter, minutes))
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
        let refused = loop {
            assert!(queued.len() < 3, "a queue of one refuses by the third complaint");
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
