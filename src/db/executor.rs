//! The threads that do the database work of requests.
//!
//! A fixed set of threads, as many as the pool has connections, takes the
//! work in the order it arrives. Each piece borrows a connection for as long
//! as it runs. Compared with a thread started per request, the order is
//! first come, first served, and no more threads compete for the cores and
//! the pool than there are connections to give them.
//!
//! Work that has waited in the queue longer than the pool's acquire timeout
//! is refused, and then never runs, as a request that could not get a
//! connection in time would be; work whose request has gone away is dropped
//! unrun.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use super::Pool;

type Job = Box<dyn FnOnce(&Pool) + Send>;

/// Why work was not done.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    /// It waited longer than the acquire timeout.
    #[error("database work waited more than {0:?} for a thread")]
    Waited(Duration),
    /// It panicked.
    #[error("database work panicked")]
    Panicked,
    /// The threads are gone.
    #[error("database threads stopped")]
    Stopped,
}

/// The threads and their queue; they end when this is dropped.
pub struct Executor {
    queue: mpsc::Sender<Job>,
    patience: Duration,
}

impl Executor {
    /// Starts `threads` threads doing work with connections of `pool`;
    /// work waiting longer than `patience` is refused.
    pub fn start(pool: Pool, threads: usize, patience: Duration) -> std::io::Result<Self> {
        let (queue, waiting) = mpsc::channel::<Job>();
        let waiting = Arc::new(Mutex::new(waiting));
        for n in 0..threads.max(1) {
            let waiting = Arc::clone(&waiting);
            let pool = pool.clone();
            std::thread::Builder::new().name(format!("db-{n}")).spawn(move || {
                loop {
                    // The lock is held only while taking the next job.
                    let next = waiting.lock().map_or(None, |w| w.recv().ok());
                    let Some(job) = next else { break };
                    job(&pool);
                }
            })?;
        }
        Ok(Self { queue, patience })
    }

    /// Runs `f` on one of the threads and waits for its answer. Work not
    /// begun within the patience is refused and never begins.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Refused>
    where
        F: FnOnce(&Pool) -> T + Send + 'static,
        T: Send + 'static,
    {
        let (answer, mut answered) = tokio::sync::oneshot::channel();
        // Taken by whichever comes first: the thread beginning the work, or
        // the caller giving up on it.
        let taken = Arc::new(AtomicBool::new(false));
        let job: Job = {
            let taken = Arc::clone(&taken);
            Box::new(move |pool| {
                if answer.is_closed() || taken.swap(true, Ordering::AcqRel) {
                    return;
                }
                let _ = answer.send(catch_unwind(AssertUnwindSafe(|| f(pool))).map_err(|_| Refused::Panicked));
            })
        };
        self.queue.send(job).map_err(|_| Refused::Stopped)?;
        let answer = match tokio::time::timeout(self.patience, &mut answered).await {
            Ok(answer) => answer,
            Err(_) if !taken.swap(true, Ordering::AcqRel) => return Err(Refused::Waited(self.patience)),
            Err(_) => answered.await,
        };
        answer.map_err(|_| Refused::Stopped)?
    }
}

/// Starts a thread named `name` that takes what is sent to it in batches:
/// it waits for the first item, adds whatever else is already waiting (up
/// to `most` in all) and hands the batch to `write`. At most `capacity`
/// items wait; the thread ends once every sender is dropped and the queue
/// is empty. A panicking batch is logged and the thread goes on with the
/// next; what the batch held is dropped.
pub fn spawn_batches<T: Send + 'static>(
    name: &str,
    capacity: usize,
    most: usize,
    mut write: impl FnMut(Vec<T>) + Send + 'static,
) -> std::io::Result<mpsc::SyncSender<T>> {
    let (queue, waiting) = mpsc::sync_channel::<T>(capacity);
    let task = name.to_owned();
    std::thread::Builder::new().name(task.clone()).spawn(move || {
        while let Ok(first) = waiting.recv() {
            let mut batch = vec![first];
            batch.extend(waiting.try_iter().take(most.saturating_sub(1)));
            if catch_unwind(AssertUnwindSafe(|| write(batch))).is_err() {
                tracing::error!(%task, "a batch panicked");
            }
        }
    })?;
    Ok(queue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{DatabaseUrl, PoolOptions, SqliteSync, connect};

    fn pool(dir: &tempfile::TempDir) -> Pool {
        let url: DatabaseUrl = format!("sqlite://{}", dir.path().join("x.db").display()).parse().unwrap();
        connect(&url, SqliteSync::Normal, PoolOptions { max_size: 2, acquire_timeout: Duration::from_secs(1) }).unwrap()
    }

    #[actix_web::test]
    async fn work_is_answered_and_a_panic_refused_without_losing_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let executor = Executor::start(pool(&dir), 1, Duration::from_secs(5)).unwrap();
        assert_eq!(executor.run(|p| p.max_size()).await, Ok(2));
        assert_eq!(executor.run(|_| -> u32 { panic!("broken work") }).await, Err(Refused::Panicked));
        assert_eq!(executor.run(|_| 7).await, Ok(7));
    }

    #[actix_web::test]
    async fn work_that_waited_too_long_is_refused_unrun() {
        let dir = tempfile::tempdir().unwrap();
        let executor = Arc::new(Executor::start(pool(&dir), 1, Duration::from_millis(50)).unwrap());
        let ran = Arc::new(AtomicBool::new(false));
        let busy = executor.run(|_| std::thread::sleep(Duration::from_millis(200)));
        let flag = Arc::clone(&ran);
        let late = executor.run(move |_| flag.store(true, Ordering::SeqCst));
        let (busy, late) = futures_util::future::join(busy, late).await;
        assert_eq!(busy, Ok(()));
        assert_eq!(late, Err(Refused::Waited(Duration::from_millis(50))));
        // Work queued after it runs after it: by then it was passed over.
        assert_eq!(executor.run(|_| 1).await, Ok(1));
        assert!(!ran.load(Ordering::SeqCst));
    }

    #[test]
    fn batches_take_what_waits_and_a_panicking_batch_leaves_the_thread() {
        let (seen, batches) = mpsc::channel::<Vec<u32>>();
        let (started, first_taken) = mpsc::channel::<()>();
        let (gate, opened) = mpsc::channel::<()>();
        let queue = spawn_batches("test-batches", 16, 3, move |batch: Vec<u32>| {
            if batch == [0] {
                // Holds the first batch until the rest are queued.
                started.send(()).unwrap();
                opened.recv().unwrap();
            }
            if batch.contains(&4) {
                panic!("a broken batch");
            }
            seen.send(batch).unwrap();
        })
        .unwrap();
        queue.send(0).unwrap();
        first_taken.recv().unwrap();
        for n in 1..=7 {
            queue.send(n).unwrap();
        }
        gate.send(()).unwrap();
        drop(queue);
        let written: Vec<Vec<u32>> = batches.iter().collect();
        assert_eq!(
            written,
            [vec![0], vec![1, 2, 3], vec![7]],
            "at most three a batch; [4, 5, 6] panicked and the thread went on"
        );
    }
}
