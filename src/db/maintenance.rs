//! Work the database needs now and then, each on a thread of its own
//! started by [`super::Db::start_maintenance`]: forgetting timed-out
//! sessions, anchoring the audit chains' heads outside the database,
//! anonymising parties past their committee's retention period, and
//! making PostgreSQL's yearly partitions ahead.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use chrono::{TimeDelta, Utc};

use super::Pool;
use crate::data_key;

/// What the maintenance needs to know.
#[derive(Debug, Clone)]
pub struct Maintenance {
    /// Browser sessions idle longer than this end.
    pub session_idle: TimeDelta,
    /// Browser sessions older than this end.
    pub session_max: TimeDelta,
    /// Portal sessions older than this end.
    pub portal_session: TimeDelta,
    /// The file the audit chains' heads are anchored in.
    pub anchors: PathBuf,
}

/// Background tasks wait on this; dropping it ends them.
#[derive(Debug, Default)]
pub struct StopSignal(Mutex<Vec<Sender<()>>>);

impl StopSignal {
    /// A receiver that reports disconnection once the signal is dropped.
    pub fn subscribe(&self) -> Receiver<()> {
        let (sender, receiver) = std::sync::mpsc::channel();
        if let Ok(mut senders) = self.0.lock() {
            senders.push(sender);
        }
        receiver
    }
}

/// Starts every task; each ends when `stop` is dropped.
pub(super) fn start(pool: &Pool, plan: Maintenance, stop: &StopSignal) {
    spawn_session_purge(pool.clone(), plan.session_idle, plan.session_max, plan.portal_session, stop.subscribe());
    spawn_retention(pool.clone(), stop.subscribe());
    spawn_anchors(pool.clone(), plan.anchors, stop.subscribe());
    spawn_partitions(pool.clone(), stop.subscribe());
}

/// Forgets timed-out browser and portal sessions every ten minutes.
fn spawn_session_purge(pool: Pool, idle: TimeDelta, max: TimeDelta, portal: TimeDelta, stop: Receiver<()>) {
    spawn_periodic("session-purge", Duration::from_secs(600), Duration::from_secs(600), stop, move || {
        let now = Utc::now().naive_utc();
        let purged = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            super::sign_in::purge_sessions(&mut conn, now - idle, now - max)
                .and_then(|_| super::portal::purge_sessions(&mut conn, now - portal))
                .map_err(|e| e.to_string())
        });
        if let Err(error) = purged {
            tracing::warn!(%error, "session purge failed");
        }
    });
}

/// Anchors the audit chains' heads that moved in `path`, a minute after
/// start and then every ten minutes (see `db::anchors`).
fn spawn_anchors(pool: Pool, path: std::path::PathBuf, stop: Receiver<()>) {
    let mut anchored: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    spawn_periodic("audit-anchors", Duration::from_secs(60), Duration::from_secs(600), stop, move || {
        let done = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            let heads = super::anchors::heads(&mut conn).map_err(|e| e.to_string())?;
            let fresh: Vec<_> = heads.into_iter().filter(|h| anchored.get(&h.chain) != Some(&h.seq)).collect();
            let ring = data_key::installed().map_err(|e| e.to_string())?;
            super::anchors::append(&path, &ring, &fresh, Utc::now().naive_utc()).map_err(|e| e.to_string())?;
            anchored.extend(fresh.iter().map(|h| (h.chain, h.seq)));
            Ok(())
        });
        if let Err(error) = done {
            tracing::warn!(%error, path = %path.display(), "audit chain not anchored");
        }
    });
}

/// Anonymises the parties past their committee's retention period, a
/// minute after start and then daily.
fn spawn_retention(pool: Pool, stop: Receiver<()>) {
    spawn_periodic("retention", Duration::from_secs(60), Duration::from_secs(24 * 3600), stop, move || {
        let done = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            super::privacy::anonymise_expired(&mut conn, Utc::now().naive_utc()).map_err(|e| e.to_string())
        });
        match done {
            Ok(done) if done.parties > 0 => tracing::info!(?done, "parties past retention anonymised"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "anonymisation past retention failed"),
        }
    });
}

/// Makes this year's and next year's partitions on PostgreSQL, and those
/// of the years waiting in a default partition (see `db::partitions`), at
/// start and then daily.
fn spawn_partitions(pool: Pool, stop: Receiver<()>) {
    spawn_periodic("partitions", Duration::ZERO, Duration::from_secs(24 * 3600), stop, move || {
        let today = Utc::now().date_naive();
        let done = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            let made = super::partitions::make_ahead(&mut conn, today).map_err(|e| e.to_string())?;
            super::partitions::analyze(&mut conn).map_err(|e| e.to_string())?;
            Ok(made)
        });
        match done {
            Ok(made) if made > 0 => tracing::info!(made, "partitions made"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "partitions not made"),
        }
    });
}

/// Runs `work` on a thread of its own after `first`, then every `every`,
/// until `stop`'s sender is dropped with the application state.
fn spawn_periodic(
    name: &str,
    first: Duration,
    every: Duration,
    stop: Receiver<()>,
    mut work: impl FnMut() + Send + 'static,
) -> Option<std::thread::JoinHandle<()>> {
    let run = move || {
        let mut wait = first;
        while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(wait) {
            work();
            wait = every;
        }
    };
    std::thread::Builder::new()
        .name(name.into())
        .spawn(run)
        .inspect_err(|error| tracing::warn!(%error, task = name, "background task not started"))
        .ok()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_background_task_ends_when_its_stop_signal_is_dropped() {
        let signal = StopSignal::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let task =
            spawn_periodic("test-task", Duration::ZERO, Duration::from_secs(3600), signal.subscribe(), move || {
                counted.fetch_add(1, Ordering::SeqCst);
            })
            .expect("spawned");
        while runs.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(signal);
        // Waiting out the hour would hang the test: the thread must notice.
        task.join().expect("the task ends");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
