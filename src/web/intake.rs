//! Complaints that arrive together are written together.
//!
//! Each complaint is its own audited change: its reporter, the complaint and
//! their events on the committee's audit chain. Committed one by one, each
//! costs a turn of SQLite's single writer and a write of every page it
//! touched. Instead, a request puts its complaint in a queue and the next
//! writer takes everything queued into one transaction, each complaint in a
//! savepoint of its own, so that a refused complaint leaves the others
//! standing. A request is answered only after the transaction holding its
//! complaint has committed, so an acknowledged complaint survives a crash.

use std::sync::{Arc, Mutex, PoisonError};

use actix_web::web;
use chrono::Utc;
use tokio::sync::oneshot;

use super::error::{AppError, AppResult};
use crate::db::complaints::{self, Complaint, NewComplaint};
use crate::db::parties::Party;
use crate::db::{DbConn, Pool, committees, write_transaction};
use crate::domain::audit::Actor;

/// Complaints written in one transaction at most.
const BATCH: usize = 128;

/// A recorded complaint, its reporter and its committee's UTC offset in
/// minutes.
pub type Recorded = (Complaint, Option<Party>, i32);

struct Waiting {
    actor: Actor,
    new: NewComplaint,
    reply: oneshot::Sender<AppResult<Recorded>>,
}

/// The queue of complaints waiting to be written.
#[derive(Default)]
pub struct Intake {
    waiting: Mutex<Vec<Waiting>>,
    /// Held by the request writing a batch.
    writer: Mutex<()>,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake").finish_non_exhaustive()
    }
}

impl Intake {
    /// Records `new` for `actor`, together with whatever else is waiting.
    pub async fn record(self: Arc<Self>, pool: Pool, actor: Actor, new: NewComplaint) -> AppResult<Recorded> {
        let (reply, answer) = oneshot::channel();
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner).push(Waiting { actor, new, reply });
        // Every request takes one turn as writer after queueing, so each
        // complaint is written by its own turn or an earlier one.
        web::block(move || self.write_waiting(&pool)).await?;
        answer.await.map_err(|_| AppError::Internal(anyhow::anyhow!("the complaint's batch was lost")))?
    }

    fn write_waiting(&self, pool: &Pool) {
        let _turn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut batch: Vec<Waiting> = {
            let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            let n = waiting.len().min(BATCH);
            waiting.drain(..n).collect()
        };
        if batch.is_empty() {
            return;
        }
        // Audit chains are locked in one order by every batch, so that two
        // instances sharing PostgreSQL cannot wait for each other.
        batch.sort_by_key(|w| w.new.committee_id);
        tracing::debug!(complaints = batch.len(), "writing complaints together");
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                let reason = e.to_string();
                for w in batch {
                    let _ = w.reply.send(Err(AppError::Unavailable(reason.clone())));
                }
                return;
            }
        };
        let mut results = Vec::with_capacity(batch.len());
        let committed = write_transaction(&mut conn, |conn| {
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
                for (w, result) in batch.into_iter().zip(results) {
                    let _ = w.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, complaints = batch.len(), "complaint batch failed");
                for w in batch {
                    let _ = w.reply.send(Err(AppError::Internal(anyhow::anyhow!("complaint batch: {e}"))));
                }
            }
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
) -> AppResult<Recorded> {
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
