//! fsyncs rolled segments off the append path.
//!
//! A roll used to fsync the old segment, write the producer snapshot and the
//! recovery point (five or more fsyncs) under the log's writer lock, on whichever
//! thread appended: on the broker, an async worker that every other producer's
//! append then waited behind. Kafka's `UnifiedLog.roll` takes the same work off
//! its lock ("flush-log", scheduled once per roll); so does this: the roll queues
//! a `Job` and returns, and a thread drains the queue in roll order.
//!
//! What is durable when does not change: the recovery point is written only
//! after its segment, and every one before it, is fsynced, so a crash at any
//! moment recovers from a point that is on disk. A failed fsync stops the
//! recovery point where it was for the rest of the process's life (the next
//! start re-validates from there) and makes `wait` fail, which keeps a clean
//! shutdown from claiming the files are whole.
//!
//! The thread exists only while there is work: the first job starts it and it
//! exits once the queue is empty, so an idle log costs no thread.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::layout::RECOVERY_POINT_FILE;
use super::segment::Segment;
use super::Error;
use crate::durable;

/// What a roll leaves to do: make `segment` durable, then record that the log up
/// to `recovery_point` (the new segment's base offset) needs no recovery.
pub struct Job {
    pub segment: Arc<Segment>,
    /// The producer-state snapshot as of `recovery_point`, encoded at the roll.
    pub producer_snapshot: Vec<u8>,
    pub recovery_point: i64,
}

pub struct Flusher {
    dir: PathBuf,
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when the queue has drained and no job is running.
    idle: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    running: bool,
    /// The first failure, kept for `wait`; no recovery point is written after it.
    failed: Option<String>,
}

impl Flusher {
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned(), shared: Arc::new(Shared { state: Mutex::default(), idle: Condvar::new() }) }
    }

    /// Queues `job` behind the earlier ones and returns at once.
    pub fn submit(&self, job: Job) {
        let mut state = self.shared.lock();
        state.queue.push_back(job);
        if state.running {
            return;
        }
        state.running = true;
        drop(state);
        let (dir, shared) = (self.dir.clone(), self.shared.clone());
        let spawned = std::thread::Builder::new().name("strand-flush".into()).spawn(move || drain(&dir, &shared));
        if let Err(e) = spawned {
            // Out of threads: do the work here rather than not at all.
            tracing::warn!(error = %e, "cannot start the flush thread; flushing the rolled segment inline");
            drain(&self.dir, &self.shared);
        }
    }

    /// Blocks until every queued job has run. Fails if any flush has failed since
    /// the log opened: the recovery point has stayed before that segment.
    pub fn wait(&self) -> Result<(), Error> {
        let mut state = self.shared.lock();
        while state.running {
            state = self.shared.idle.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        match &state.failed {
            None => Ok(()),
            Some(failure) => Err(Error::io(
                &self.dir,
                std::io::Error::other(format!("a rolled segment was not made durable: {failure}")),
            )),
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs the queued jobs until none are left. Jobs that queued up while the
/// thread was busy are taken together: each segment is fsynced, in roll order,
/// but only the newest snapshot and recovery point are written (each would
/// replace the one before), as Kafka's flush up to an offset covers every
/// segment below it.
fn drain(dir: &Path, shared: &Shared) {
    loop {
        let (jobs, failed_before) = {
            let mut state = shared.lock();
            if state.queue.is_empty() {
                state.running = false;
                shared.idle.notify_all();
                return;
            }
            (std::mem::take(&mut state.queue), state.failed.is_some())
        };
        if let Err(e) = run(dir, &jobs, failed_before) {
            tracing::error!(
                error = %e,
                "flushing a rolled segment failed; the recovery point stays before it until a restart"
            );
            shared.lock().failed.get_or_insert_with(|| e.to_string());
        }
    }
}

fn run(dir: &Path, jobs: &VecDeque<Job>, failed_before: bool) -> Result<(), Error> {
    for job in jobs {
        job.segment.sync()?;
    }
    let Some(newest) = jobs.back() else { return Ok(()) };
    super::partition::write_producer_snapshot(dir, newest.recovery_point, &newest.producer_snapshot)?;
    if !failed_before {
        durable::write_durably(&dir.join(RECOVERY_POINT_FILE), newest.recovery_point.to_string().as_bytes())?;
    }
    Ok(())
}
