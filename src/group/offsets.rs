//! Committed offsets: the in-memory copy that OffsetFetch reads, and the one
//! writer thread that makes every change durable before anyone can see it.
//!
//! An fsync takes milliseconds. Done on an async worker it stalls every
//! connection that worker serves; done under the coordinator's lock it stalls
//! every group. So OffsetCommit, OffsetDelete, DeleteGroups, offset expiry and
//! a group's state record queue their change and wait on a oneshot, holding no
//! lock. The writer takes everything queued so
//! far and hands it to the store as one batch (one write, one fsync: group
//! commit), then applies the batch to the in-memory copy in queue order and
//! answers. Hence: a change is acknowledged only once durable, changes land in
//! the order they were queued (a group's commits in the order the coordinator
//! accepted them), and a reader never sees an offset a crash could take back.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use super::offset_store::{Change, CommittedOffset, GroupRecord, OffsetKey, OffsetStore, TopicPartition};
use super::Error;

/// At most this many queued changes go into one write.
const MAX_BATCH: usize = 1024;

type Committed = HashMap<String, BTreeMap<TopicPartition, CommittedOffset>>;

/// Each group the store knows, with its record if it has one.
pub type StoredGroups = HashMap<String, Option<GroupRecord>>;

struct Job {
    change: Change,
    done: oneshot::Sender<Result<(), Error>>,
}

pub struct Offsets {
    committed: Arc<Mutex<Committed>>,
    queue: mpsc::Sender<Job>,
    /// Shared with the writer thread, which alone writes through it.
    store: Arc<dyn OffsetStore>,
}

/// A queued change; await it for its outcome.
pub struct Pending(oneshot::Receiver<Result<(), Error>>);

impl Pending {
    pub async fn durable(self) -> Result<(), Error> {
        self.0.await.unwrap_or_else(|_| Err(writer_gone()))
    }
}

impl Offsets {
    /// Loads every committed offset from `store` and starts the writer thread,
    /// the only one to write to the store from then on. Returns every group the store knows
    /// (it has offsets, a record, or both), with its record.
    pub fn start(store: Box<dyn OffsetStore>) -> Result<(Self, StoredGroups), Error> {
        let mut committed = Committed::new();
        for (key, offset) in store.load()? {
            committed.entry(key.group.clone()).or_default().insert(key.topic_partition(), offset);
        }
        let mut groups: StoredGroups = committed.keys().map(|group| (group.clone(), None)).collect();
        groups.extend(store.load_groups()?.into_iter().map(|(group, record)| (group, Some(record))));
        let committed = Arc::new(Mutex::new(committed));
        let (queue, jobs) = mpsc::channel();
        let shared = committed.clone();
        let store: Arc<dyn OffsetStore> = Arc::from(store);
        crate::metrics::offset_store_up(store.name(), store.available());
        let writer = store.clone();
        std::thread::Builder::new()
            .name("offset-writer".into())
            .spawn(move || write_loop(writer.as_ref(), jobs, &shared))
            .map_err(|e| Error::Store { path: PathBuf::from("offset-writer thread"), message: e.to_string() })?;
        Ok((Offsets { committed, queue, store }, groups))
    }

    /// Queues `change` behind every change queued before it. Cheap and
    /// non-blocking, so callers may queue while holding their own lock, which
    /// fixes the order; they await `Pending::durable` after letting go of it.
    pub fn queue(&self, change: Change) -> Pending {
        let (done, rx) = oneshot::channel();
        // If the writer is gone, `done` is dropped with the job and `durable` says so.
        let _ = self.queue.send(Job { change, done });
        Pending(rx)
    }

    /// The group's committed offsets: of the asked partitions, or all when `None`.
    pub fn committed(
        &self,
        group: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> Vec<(TopicPartition, Option<CommittedOffset>)> {
        let committed = self.lock();
        let offsets = committed.get(group);
        match partitions {
            Some(asked) => asked.iter().map(|tp| (tp.clone(), offsets.and_then(|o| o.get(tp)).cloned())).collect(),
            None => offsets.map(|o| o.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect()).unwrap_or_default(),
        }
    }

    /// Whether the store's backend is reachable, so the committed offsets served
    /// are still the backend's (always, for the file).
    pub fn available(&self) -> bool {
        self.store.available()
    }

    /// The store's backend, as metrics name it.
    pub fn store_name(&self) -> &'static str {
        self.store.name()
    }

    /// Every committed offset's key on `topic`, across groups.
    pub fn keys_of_topic(&self, topic: &str) -> Vec<OffsetKey> {
        let committed = self.lock();
        committed
            .iter()
            .flat_map(|(group, offsets)| {
                offsets.keys().filter(|tp| tp.topic == topic).map(move |tp| OffsetKey::new(group, tp))
            })
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, Committed> {
        lock(&self.committed)
    }
}

fn lock(committed: &Mutex<Committed>) -> MutexGuard<'_, Committed> {
    committed.lock().unwrap_or_else(|e| e.into_inner())
}

fn writer_gone() -> Error {
    Error::Store { path: PathBuf::from("offset-writer thread"), message: "the offset writer has stopped".into() }
}

/// Until every `Offsets` (every sender) is gone: take what is queued, make it
/// durable in one go, publish it, answer.
///
/// A batch the store refused while staying available (Redis answered an error
/// about one key: it still ran the rest of the MULTI) is written again one
/// change at a time, so each caller gets its own change's answer. A change that
/// failed with the backend away may or may not have landed (a timed-out EXEC
/// can still run): its keys are rewritten from the published copy, the truth of
/// everything acknowledged, once the backend is back (`Unsure`).
fn write_loop(store: &dyn OffsetStore, jobs: mpsc::Receiver<Job>, committed: &Mutex<Committed>) {
    let mut unsure = Unsure::default();
    loop {
        let first = if unsure.is_empty() {
            jobs.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
        } else {
            jobs.recv_timeout(RESYNC_INTERVAL)
        };
        let first = match first {
            Ok(job) => Some(job),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if !unsure.is_empty() && store.available() {
            unsure.resync(store, committed);
        }
        let Some(first) = first else { continue };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (changes, answers): (Vec<Change>, Vec<_>) = batch.into_iter().map(|job| (job.change, job.done)).unzip();
        match write(store, &changes) {
            Ok(()) => {
                let mut committed = lock(committed);
                for change in changes {
                    publish(&mut committed, change);
                }
                drop(committed);
                for done in answers {
                    let _ = done.send(Ok(()));
                }
            }
            Err(Error::Unavailable { .. }) if changes.len() > 1 && store.available() => {
                for (change, done) in changes.into_iter().zip(answers) {
                    let result = write(store, std::slice::from_ref(&change));
                    match &result {
                        Ok(()) => publish(&mut lock(committed), change),
                        Err(_) => unsure.note(&change),
                    }
                    let _ = done.send(result);
                }
            }
            Err(e) => {
                match &e {
                    // An outage is logged once, by the store; a disk error every time.
                    Error::Unavailable { .. } => changes.iter().for_each(|change| unsure.note(change)),
                    _ => tracing::error!(error = %e, changes = changes.len(), "offset store write failed"),
                }
                for done in answers {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}

/// How often offsets of unknown outcome are rewritten while there are some.
const RESYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// `store.apply`, timed when it reached the backend (not when it was refused
/// at once because the backend is away).
fn write(store: &dyn OffsetStore, changes: &[Change]) -> Result<(), Error> {
    let reached = store.available();
    let started = std::time::Instant::now();
    let result = store.apply(changes);
    if reached {
        crate::metrics::offset_store_write(store.name(), started.elapsed().as_secs_f64(), result.is_ok());
    }
    result
}

/// Offsets whose write failed with an unknown outcome: the backend may hold
/// the refused value while the published copy holds the last acknowledged one.
#[derive(Default)]
struct Unsure {
    keys: BTreeSet<OffsetKey>,
    /// Groups a DeleteGroup of unknown outcome was for: all their offsets.
    groups: BTreeSet<String>,
}

impl Unsure {
    fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.groups.is_empty()
    }

    fn note(&mut self, change: &Change) {
        match change {
            Change::Commit(offsets) => self.keys.extend(offsets.iter().map(|(key, _)| key.clone())),
            Change::Delete(keys) => self.keys.extend(keys.iter().cloned()),
            Change::DeleteGroup(group) => {
                self.groups.insert(group.clone());
            }
            // The coordinator writes a failed record again itself.
            Change::Group(..) => {}
        }
    }

    /// Writes what the published copy holds for every unsure key, so the
    /// backend agrees with what OffsetFetch serves (a refused commit the
    /// backend did run is taken back; its client was told to retry).
    fn resync(&mut self, store: &dyn OffsetStore, committed: &Mutex<Committed>) {
        let (mut commits, mut deletes) = (Vec::new(), Vec::new());
        {
            let committed = lock(committed);
            for group in &self.groups {
                for (tp, offset) in committed.get(group).into_iter().flatten() {
                    commits.push((OffsetKey::new(group, tp), offset.clone()));
                }
            }
            for key in self.keys.iter().filter(|key| !self.groups.contains(&key.group)) {
                match committed.get(&key.group).and_then(|offsets| offsets.get(&key.topic_partition())) {
                    Some(offset) => commits.push((key.clone(), offset.clone())),
                    None => deletes.push(key.clone()),
                }
            }
        }
        let entries = commits.len() + deletes.len();
        if write(store, &[Change::Commit(commits), Change::Delete(deletes)]).is_ok() {
            tracing::info!(entries, "offset store: rewrote the offsets whose earlier write had an unknown outcome");
            *self = Unsure::default();
        }
    }
}

fn publish(committed: &mut Committed, change: Change) {
    match change {
        Change::Commit(offsets) => {
            for (OffsetKey { group, topic, partition }, offset) in offsets {
                committed.entry(group).or_default().insert(TopicPartition { topic, partition }, offset);
            }
        }
        Change::Delete(keys) => {
            for OffsetKey { group, topic, partition } in keys {
                if let Some(offsets) = committed.get_mut(&group) {
                    offsets.remove(&TopicPartition { topic, partition });
                    if offsets.is_empty() {
                        committed.remove(&group);
                    }
                }
            }
        }
        Change::DeleteGroup(group) => {
            committed.remove(&group);
        }
        // Only the store keeps group records; the coordinator has the live state.
        Change::Group(..) => {}
    }
}
