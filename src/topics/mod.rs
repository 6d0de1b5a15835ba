//! The topics this broker hosts: each a name, a stable id (KIP-516), its configs
//! and its partitions' logs, on disk as Kafka lays them out.
//!
//! ```text
//! DATA_DIR/<topic>-<partition>/                 one partition's log (see `log::layout`),
//!                                               with `partition.metadata` holding the topic id
//! DATA_DIR/<topic>-<partition>.<uuid>-delete/   a deleted partition, removed in the background
//!                                               (the topic cut short to fit 255 bytes, as Kafka does)
//! DATA_DIR/topic-configs/<topic>.conf           the topic's own configs (Kafka keeps these
//!                                               in its metadata log), absent when it has none
//! DATA_DIR/topic-configs/<topic>.op             a creation, addition or deletion in progress
//! DATA_DIR/log-start-offset-checkpoint           log start offsets DeleteRecords moved
//!                                               (see `log_starts`)
//! ```
//!
//! The directories are the truth: a topic exists while a partition directory of
//! it does. Creating a topic, adding partitions and deleting one each touch
//! several directories, and Kafka makes each of them all or nothing; so does
//! strand, with an intent file, `DATA_DIR/topic-configs/<topic>.op`, written
//! durably before the first directory changes and removed after the last change
//! is durable. A start that finds one finishes what it says or undoes it: a
//! creation or an addition, never acknowledged, is undone (the partitions it
//! made, recognised by the topic id in their `partition.metadata`, are removed);
//! a deletion is finished (the partitions still in place are removed too), so a
//! crash never leaves a topic with some of its partitions, or with some emptied.
//! Deletion takes the topic out of the registry first (it is gone for every
//! request at once), then renames each directory to Kafka's `-delete` form, and a
//! thread removes them; `-delete` directories a crash leaves are removed at the
//! next start.
//!
//! Lookups (every produce and fetch) take the registry's read lock for a map
//! lookup and an `Arc` clone. Whoever needs both a topic's partition list and
//! the registry takes them in that order. Creating and deleting do their file
//! I/O outside it: a name being created or deleted is reserved under the lock,
//! so no two changes to one name's files overlap, and the partition count is
//! checked against the limit with the reservations included.

pub mod config;
mod log_starts;
pub mod name;
pub mod stats;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use self::config::{Overrides, TopicConfig};
use self::log_starts::{LogStarts, Starts};
use crate::config::Config;
use crate::durable;
use crate::log::layout::PARTITION_METADATA_FILE;
use crate::log::{self, Log};

/// Where topics' own configs live, beside the partition directories.
pub const CONFIGS_DIR: &str = "topic-configs";
/// Partitions closed at once on shutdown.
const CLOSE_THREADS: usize = 8;
/// Kafka's suffix for a partition directory awaiting removal.
const DELETE_SUFFIX: &str = "-delete";
/// The longest file name the usual file systems take, in bytes.
const MAX_FILE_NAME: usize = 255;
/// A topic's configs file: `<topic>` plus this stays within `MAX_FILE_NAME`
/// for the longest legal name (249), as does its `.tmp` while written.
const CONFIGS_SUFFIX: &str = ".conf";
/// An intent file's suffix: short, so that a 249-character topic name fits too.
const INTENT_SUFFIX: &str = ".op";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Log(#[from] log::Error),
    #[error(transparent)]
    Config(#[from] config::Error),
    /// A name Kafka's rules refuse; the message is Kafka's.
    #[error("{0}")]
    InvalidName(String),
    /// A name equal to an existing one once '.' reads as '_'.
    #[error("{0}")]
    Collides(String),
    #[error("{}", name::already_exists_message(.0))]
    AlreadyExists(String),
    #[error("{0}")]
    InvalidPartitions(String),
    /// Over `max_partitions`.
    #[error("{0}")]
    PartitionLimit(String),
    #[error("unknown topic or partition")]
    Unknown,
    #[error("{path}: {reason}")]
    Metadata { path: String, reason: String },
}

impl From<durable::Error> for Error {
    fn from(e: durable::Error) -> Self {
        Error::Log(e.into())
    }
}

/// One topic: its identity, its configs and its partitions' logs.
pub struct Topic {
    pub name: String,
    pub id: Uuid,
    settings: RwLock<Settings>,
    partitions: RwLock<Vec<Arc<Log>>>,
    /// Held through one config alteration, file write included: alterations
    /// of a topic run one at a time, and produce and fetch never wait on it.
    altering: Mutex<()>,
    /// Recent produce and fetch traffic, for the REST stats (`stats`).
    pub stats: stats::TopicStats,
}

/// A topic's explicit configs and the effective ones they give with the broker's defaults.
#[derive(Clone)]
struct Settings {
    overrides: Overrides,
    config: TopicConfig,
}

impl Topic {
    /// The log of partition `index`, if the topic has it.
    pub fn partition(&self, index: i32) -> Option<Arc<Log>> {
        let partitions = read(&self.partitions);
        usize::try_from(index).ok().and_then(|i| partitions.get(i)).cloned()
    }

    /// Every partition's log, by index.
    pub fn partitions(&self) -> Vec<Arc<Log>> {
        read(&self.partitions).clone()
    }

    pub fn partition_count(&self) -> usize {
        read(&self.partitions).len()
    }

    /// The effective configs: the topic's own, the broker's for the rest.
    pub fn config(&self) -> TopicConfig {
        read(&self.settings).config
    }

    /// The configs set on the topic itself (Kafka's dynamic topic configs).
    pub fn overrides(&self) -> Overrides {
        read(&self.settings).overrides.clone()
    }
}

/// A topic to create.
pub struct NewTopic<'a> {
    pub name: &'a str,
    pub partitions: usize,
    pub overrides: Overrides,
}

/// The registry of topics.
pub struct Topics {
    data_dir: PathBuf,
    /// The broker's settings: defaults for every topic config, and the limits.
    broker: Config,
    inner: RwLock<Inner>,
    /// The log start offsets DeleteRecords moved, kept across restarts.
    log_starts: LogStarts,
}

#[derive(Default)]
struct Inner {
    by_name: HashMap<String, Arc<Topic>>,
    by_id: HashMap<Uuid, Arc<Topic>>,
    /// Names being created, with their partition counts, so the limit and
    /// "already exists" see them before they are in the maps.
    pending: HashMap<String, usize>,
    /// Partitions of every topic in the maps or pending.
    partitions: usize,
}

impl Inner {
    /// The name `name` may not be created beside: itself, or one it collides with.
    fn conflict(&self, name: &str) -> Option<Error> {
        let taken = self.by_name.keys().chain(self.pending.keys());
        for existing in taken {
            if existing == name {
                return Some(Error::AlreadyExists(name.to_owned()));
            }
            if name::collides(name, existing) {
                return Some(Error::Collides(name::collision_message(name, existing)));
            }
        }
        None
    }
}

/// What opening the data dir found, for the startup log line.
#[derive(Debug, Default)]
pub struct OpenReport {
    pub topics: usize,
    pub partitions: usize,
    pub unclean_partitions: usize,
    pub recovered_segments: usize,
    pub truncated_bytes: u64,
}

impl Topics {
    /// Opens every topic in the data dir, then creates the configured ones that
    /// are missing.
    pub fn open(broker: &Config, now_ms: i64) -> Result<(Topics, OpenReport), Error> {
        let data_dir = broker.data_dir.clone();
        std::fs::create_dir_all(data_dir.join(CONFIGS_DIR)).map_err(|e| log::Error::io(&data_dir, e))?;
        let undone = resolve_intents(&data_dir)?;
        remove_in_background(undone);
        let found = scan(&data_dir)?;
        remove_in_background(found.deleted);

        let mut report = OpenReport::default();
        let mut inner = Inner::default();
        let configs = read_configs(&data_dir, &found.topics)?;
        let jobs: Vec<(String, usize)> =
            found.topics.iter().flat_map(|(topic, &count)| (0..count).map(move |p| (topic.clone(), p))).collect();
        let ids = read_topic_ids(&data_dir, &found.topics)?;
        let (log_starts, starts) = LogStarts::open(&data_dir);
        let logs = open_logs(&data_dir, &jobs, broker, &configs, &starts, now_ms)?;
        let mut logs = logs.into_iter();
        for (topic, &count) in &found.topics {
            let overrides = configs.get(topic).cloned().unwrap_or_default();
            let config = overrides.resolve(broker);
            let mut partitions = Vec::with_capacity(count);
            for _ in 0..count {
                let (log, open) = logs.next().ok_or_else(|| Error::Metadata {
                    path: data_dir.display().to_string(),
                    reason: "a partition was not opened".into(),
                })?;
                report.unclean_partitions += usize::from(!open.clean);
                report.recovered_segments += open.recovered_segments;
                report.truncated_bytes += open.truncated_bytes;
                partitions.push(Arc::new(log));
            }
            let id = ids[topic];
            let topic = Arc::new(Topic {
                name: topic.clone(),
                id,
                settings: RwLock::new(Settings { overrides, config }),
                partitions: RwLock::new(partitions),
                altering: Mutex::new(()),
                stats: Default::default(),
            });
            inner.partitions += count;
            inner.by_id.insert(id, topic.clone());
            inner.by_name.insert(topic.name.clone(), topic);
        }
        report.topics = inner.by_name.len();
        report.partitions = inner.partitions;
        let topics = Topics { data_dir, broker: broker.clone(), inner: RwLock::new(inner), log_starts };
        // Drops the entries of topics no longer here (deleted before a crash
        // let the checkpoint say so) and of starts the segments now tell.
        topics.checkpoint_log_starts(&mut topics.log_starts.lock())?;
        for spec in &broker.topic {
            if topics.get(&spec.name).is_some() {
                continue;
            }
            let partitions = spec.partitions.unwrap_or(broker.num_partitions as usize);
            topics.create(NewTopic { name: &spec.name, partitions, overrides: Overrides::default() }, false)?;
            tracing::info!(topic = %spec.name, partitions, "created topic");
            report.topics += 1;
            report.partitions += partitions;
        }
        Ok((topics, report))
    }

    pub fn get(&self, name: &str) -> Option<Arc<Topic>> {
        self.read().by_name.get(name).cloned()
    }

    pub fn get_by_id(&self, id: Uuid) -> Option<Arc<Topic>> {
        self.read().by_id.get(&id).cloned()
    }

    /// Every topic, by name.
    pub fn all(&self) -> Vec<Arc<Topic>> {
        let mut topics: Vec<Arc<Topic>> = self.read().by_name.values().cloned().collect();
        topics.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        topics
    }

    /// The topic, created with the broker's defaults if it does not exist
    /// (`auto.create.topics.enable`).
    pub fn get_or_create(&self, name: &str) -> Result<Arc<Topic>, Error> {
        if let Some(topic) = self.get(name) {
            return Ok(topic);
        }
        let partitions = self.broker.num_partitions as usize;
        match self.create(NewTopic { name, partitions, overrides: Overrides::default() }, false) {
            Ok(Some(topic)) => {
                tracing::info!(topic = name, partitions, "auto-created topic");
                Ok(topic)
            }
            // Another request created it first.
            Err(Error::AlreadyExists(_)) => self.get(name).ok_or(Error::Unknown),
            Err(e) => Err(e),
            Ok(None) => Err(Error::Unknown),
        }
    }

    /// Ok when no topic of this name exists or is being created, and none it collides with.
    pub fn check_name_free(&self, name: &str) -> Result<(), Error> {
        self.read().conflict(name).map_or(Ok(()), Err)
    }

    /// Checks a new topic as Kafka would and, unless `validate_only`, creates it.
    pub fn create(&self, new: NewTopic<'_>, validate_only: bool) -> Result<Option<Arc<Topic>>, Error> {
        name::validate(new.name).map_err(Error::InvalidName)?;
        if new.partitions == 0 {
            return Err(Error::InvalidPartitions(
                "Number of partitions was set to an invalid non-positive value.".into(),
            ));
        }
        {
            let mut inner = self.write();
            if let Some(conflict) = inner.conflict(new.name) {
                return Err(conflict);
            }
            self.check_limit(&inner, new.partitions)?;
            if validate_only {
                return Ok(None);
            }
            inner.pending.insert(new.name.to_owned(), new.partitions);
            inner.partitions += new.partitions;
        }
        let created = self.create_on_disk(&new);
        let mut inner = self.write();
        inner.pending.remove(new.name);
        match created {
            Ok(topic) => {
                inner.by_id.insert(topic.id, topic.clone());
                inner.by_name.insert(topic.name.clone(), topic.clone());
                Ok(Some(topic))
            }
            Err(e) => {
                inner.partitions -= new.partitions;
                Err(e)
            }
        }
    }

    fn check_limit(&self, inner: &Inner, more: usize) -> Result<(), Error> {
        let max = self.broker.max_partitions as usize;
        if inner.partitions + more > max {
            return Err(Error::PartitionLimit(format!(
                "Adding {more} partition(s) would bring the broker to {} partitions, over max_partitions {max}.",
                inner.partitions + more
            )));
        }
        Ok(())
    }

    /// Configs first, then the partitions in order: see the module doc for why.
    /// On failure whatever was made is removed again.
    fn create_on_disk(&self, new: &NewTopic<'_>) -> Result<Arc<Topic>, Error> {
        let config = new.overrides.resolve(&self.broker);
        let id = Uuid::new_v4();
        {
            // Entries of an earlier topic of this name, should its deletion
            // have failed to remove them, must not become the new one's starts.
            let mut on_disk = self.log_starts.lock();
            if log_starts::names(&on_disk, new.name) {
                self.checkpoint_log_starts(&mut on_disk)?;
            }
        }
        let result = (|| {
            write_intent(&self.data_dir, new.name, &Intent::Create { id })?;
            write_config(&self.data_dir, new.name, &new.overrides)?;
            let partitions = (0..new.partitions)
                .map(|p| self.create_partition(new.name, id, p, &config).map(Arc::new))
                .collect::<Result<Vec<_>, Error>>()?;
            durable::sync_dir(&self.data_dir)?;
            clear_intent(&self.data_dir, new.name)?;
            Ok(partitions)
        })();
        match result {
            Ok(partitions) => Ok(Arc::new(Topic {
                name: new.name.to_owned(),
                id,
                settings: RwLock::new(Settings { overrides: new.overrides.clone(), config }),
                partitions: RwLock::new(partitions),
                altering: Mutex::new(()),
                stats: Default::default(),
            })),
            Err(e) => {
                tracing::error!(topic = new.name, error = %e, "creating topic failed; removing what was made");
                for p in 0..new.partitions {
                    let _ = std::fs::remove_dir_all(self.data_dir.join(partition_dir_name(new.name, p)));
                }
                let _ = std::fs::remove_file(config_path(&self.data_dir, new.name));
                let _ = clear_intent(&self.data_dir, new.name);
                Err(e)
            }
        }
    }

    fn create_partition(&self, topic: &str, id: Uuid, partition: usize, config: &TopicConfig) -> Result<Log, Error> {
        let dir = self.data_dir.join(partition_dir_name(topic, partition));
        std::fs::create_dir_all(&dir).map_err(|e| log::Error::io(&dir, e))?;
        write_topic_id(&dir, id)?;
        let (log, _) = Log::open(&dir, config.log_config(&self.broker), crate::now_ms())?;
        Ok(log)
    }

    /// Adds partitions to a topic, up to `count` in all; fewer than it has is
    /// INVALID_PARTITIONS.
    pub fn create_partitions(&self, name: &str, count: usize, validate_only: bool) -> Result<(), Error> {
        let topic = self.get(name).ok_or(Error::Unknown)?;
        // One change to a topic's partitions at a time; lookups go on meanwhile.
        let mut partitions = write(&topic.partitions);
        let current = partitions.len();
        if count < current {
            return Err(Error::InvalidPartitions(format!(
                "The topic {name} currently has {current} partition(s); {count} would not be an increase."
            )));
        }
        if count == current {
            return Err(Error::InvalidPartitions(format!("Topic already has {current} partition(s).")));
        }
        {
            let mut inner = self.write();
            self.check_limit(&inner, count - current)?;
            if validate_only {
                return Ok(());
            }
            inner.partitions += count - current;
        }
        let config = topic.config();
        let added = (|| {
            write_intent(&self.data_dir, name, &Intent::AddPartitions { id: topic.id, from: current })?;
            let mut added = Vec::with_capacity(count - current);
            for p in current..count {
                added.push(Arc::new(self.create_partition(name, topic.id, p, &config)?));
            }
            durable::sync_dir(&self.data_dir)?;
            clear_intent(&self.data_dir, name)?;
            Ok(added)
        })();
        match added {
            Ok(added) => {
                partitions.extend(added);
                Ok(())
            }
            Err(e) => {
                tracing::error!(topic = name, error = %e, "adding partitions failed; removing what was made");
                for p in current..count {
                    let _ = std::fs::remove_dir_all(self.data_dir.join(partition_dir_name(name, p)));
                }
                let _ = clear_intent(&self.data_dir, name);
                self.write().partitions -= count - current;
                Err(e)
            }
        }
    }

    /// Changes a topic's overrides (AlterConfigs, IncrementalAlterConfigs) to what
    /// `change` makes of the current ones, unless `validate_only`. One change at a
    /// time per topic, so that two alters never lose each other's changes. The
    /// configs file is written first, atomically and durably, then the effective
    /// configs and every partition's log, each setting taking effect at its next
    /// use (see `Log::set_config`): a lowered `max.message.bytes` refuses the next
    /// produce, a shorter retention applies at the next retention run.
    pub fn alter_overrides(
        &self,
        topic: &Topic,
        validate_only: bool,
        change: impl FnOnce(&Overrides) -> Result<Overrides, config::Error>,
    ) -> Result<(), Error> {
        let _altering = topic.altering.lock().unwrap_or_else(|e| e.into_inner());
        let current = read(&topic.settings).overrides.clone();
        let overrides = change(&current)?;
        if validate_only {
            return Ok(());
        }
        if self.get(&topic.name).is_none_or(|found| found.id != topic.id) {
            return Err(Error::Unknown);
        }
        // Durable before it takes effect, and written under no lock that
        // produce, fetch or metadata take.
        write_config(&self.data_dir, &topic.name, &overrides)?;
        let config = overrides.resolve(&self.broker);
        // The partition list before the settings, as `create_partitions` takes
        // them: partitions added meanwhile get the new configs too.
        let partitions = read(&topic.partitions);
        *write(&topic.settings) = Settings { overrides, config };
        for log in partitions.iter() {
            log.set_config(config.log_config(&self.broker));
        }
        Ok(())
    }

    /// Removes a topic: gone from every lookup at once, its files renamed to
    /// Kafka's `-delete` form and removed in the background.
    pub fn delete(&self, topic: &Topic) -> Result<(), Error> {
        self.delete_partitions(topic)?;
        // After the partition list is let go: writing the checkpoint reads
        // every topic's, and whoever holds the checkpoint may be waiting on it.
        let mut on_disk = self.log_starts.lock();
        if log_starts::names(&on_disk, &topic.name) {
            self.checkpoint_log_starts(&mut on_disk)?;
        }
        Ok(())
    }

    fn delete_partitions(&self, topic: &Topic) -> Result<(), Error> {
        // The topic's partition list before the registry, as `create_partitions`
        // takes them: one order, no deadlock.
        let partitions = write(&topic.partitions);
        {
            let mut inner = self.write();
            match inner.by_name.get(&topic.name) {
                Some(found) if found.id == topic.id => {}
                _ => return Err(Error::Unknown),
            }
            inner.by_name.remove(&topic.name);
            inner.by_id.remove(&topic.id);
            inner.partitions -= partitions.len();
            // Gone for every lookup, but the name stays reserved until its files
            // are: a creation racing this deletion would share its intent and
            // configs files (TOPIC_ALREADY_EXISTS, as the topic still exists for it).
            inner.pending.insert(topic.name.clone(), 0);
        }
        let deleted = self.delete_on_disk(topic, &partitions);
        self.write().pending.remove(&topic.name);
        deleted
    }

    fn delete_on_disk(&self, topic: &Topic, partitions: &[Arc<Log>]) -> Result<(), Error> {
        // Before the first rename; should it fail, the next start finishes the deletion.
        write_intent(&self.data_dir, &topic.name, &Intent::Delete { id: topic.id })?;
        let mut renamed = Vec::with_capacity(partitions.len());
        let mut failed = None;
        for (p, log) in partitions.iter().enumerate() {
            // Appends fail from here on, and long polls on it wake up to find it gone.
            log.close_for_delete();
            let from = self.data_dir.join(partition_dir_name(&topic.name, p));
            let to = self.data_dir.join(delete_dir_name(&topic.name, p, Uuid::new_v4()));
            match std::fs::rename(&from, &to) {
                Ok(()) => renamed.push(to),
                Err(e) => failed = Some(log::Error::io(&from, e)),
            }
        }
        let _ = std::fs::remove_file(config_path(&self.data_dir, &topic.name));
        durable::sync_dir(&self.data_dir)?;
        remove_in_background(renamed);
        match failed {
            Some(e) => Err(e.into()),
            None => Ok(clear_intent(&self.data_dir, &topic.name)?),
        }
    }

    /// Moves the log start offset of `log` (a partition of one of these topics)
    /// forward to `offset`, DeleteRecords' work: the new start is in the
    /// checkpoint before this returns, and the segments wholly below it are
    /// deleted after. Returns the log start offset after (Kafka's low watermark
    /// on one replica). Does file I/O: callers on the async runtime run it as
    /// blocking work.
    pub fn delete_records(&self, log: &Log, offset: i64) -> Result<i64, Error> {
        let start = {
            let mut on_disk = self.log_starts.lock();
            let before = log.start_offset();
            let start = log.advance_start(offset)?;
            if start != before {
                self.checkpoint_log_starts(&mut on_disk)?;
            }
            start
        };
        match log.delete_segments_below_start() {
            Ok(deleted) if !deleted.is_empty() => {
                tracing::info!(segments = ?deleted, log_start_offset = start, "deleted segments below the log start")
            }
            Ok(_) => {}
            // The new start holds either way; retention deletes them later.
            Err(e) => tracing::warn!(error = %e, "could not delete the segments below the log start"),
        }
        Ok(start)
    }

    /// Writes the checkpoint of every live partition whose log start is past its
    /// first segment's base offset. `on_disk` is the held checkpoint lock.
    fn checkpoint_log_starts(&self, on_disk: &mut Vec<log::layout::CheckpointEntry>) -> Result<(), Error> {
        let mut entries = Vec::new();
        for topic in self.all() {
            for (partition, log) in topic.partitions().iter().enumerate() {
                let start = log.start_offset();
                if start > log.first_segment_base() {
                    entries.push((topic.name.clone(), partition as i32, start));
                }
            }
        }
        self.log_starts.write(on_disk, entries)
    }

    /// Closes every partition cleanly (shutdown), several at a time: a partition
    /// that took records since the start closes with a handful of fsyncs, and
    /// those wait on the disk, not on a core.
    pub fn close(&self) -> Result<(), Error> {
        let logs: Vec<(String, Arc<Log>)> = self
            .all()
            .iter()
            .flat_map(|topic| topic.partitions().into_iter().map(|log| (topic.name.clone(), log)))
            .collect();
        let next = AtomicUsize::new(0);
        let first_error: Mutex<Option<log::Error>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..CLOSE_THREADS.min(logs.len()) {
                scope.spawn(|| {
                    while let Some((topic, log)) = logs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        if let Err(e) = log.close() {
                            tracing::error!(topic = %topic, error = %e, "closing a partition failed");
                            first_error.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(e);
                        }
                    }
                });
            }
        });
        first_error.into_inner().unwrap_or_else(|e| e.into_inner()).map_or(Ok(()), |e| Err(e.into()))
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        read(&self.inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        write(&self.inner)
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// A change to a topic's directories in progress; see the module doc.
#[derive(Debug, PartialEq, Eq)]
enum Intent {
    Create { id: Uuid },
    AddPartitions { id: Uuid, from: usize },
    Delete { id: Uuid },
}

impl Intent {
    fn encode(&self) -> String {
        match self {
            Intent::Create { id } => format!("op=create\nid={id}\n"),
            Intent::AddPartitions { id, from } => format!("op=add-partitions\nid={id}\nfrom={from}\n"),
            Intent::Delete { id } => format!("op=delete\nid={id}\n"),
        }
    }

    fn decode(text: &str) -> Option<Intent> {
        let field = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('='));
        let id = field("id")?.trim().parse().ok()?;
        match field("op")?.trim() {
            "create" => Some(Intent::Create { id }),
            "add-partitions" => Some(Intent::AddPartitions { id, from: field("from")?.trim().parse().ok()? }),
            "delete" => Some(Intent::Delete { id }),
            _ => None,
        }
    }
}

fn intent_path(data_dir: &Path, topic: &str) -> PathBuf {
    data_dir.join(CONFIGS_DIR).join(format!("{topic}{INTENT_SUFFIX}"))
}

fn write_intent(data_dir: &Path, topic: &str, intent: &Intent) -> Result<(), Error> {
    Ok(durable::write_durably(&intent_path(data_dir, topic), intent.encode().as_bytes())?)
}

fn clear_intent(data_dir: &Path, topic: &str) -> Result<(), Error> {
    let path = intent_path(data_dir, topic);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(durable::sync_dir(&data_dir.join(CONFIGS_DIR))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(log::Error::io(&path, e).into()),
    }
}

/// Finishes or undoes what each intent file left by a crash says (see the
/// module doc): the partition directories to remove, already renamed to the
/// `-delete` form. A partition is the intent's when its `partition.metadata`
/// names the intent's topic id, or names none (made just before the crash).
fn resolve_intents(data_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let configs = data_dir.join(CONFIGS_DIR);
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(&configs).map_err(|e| log::Error::io(&configs, e))? {
        let path = entry.map_err(|e| log::Error::io(&configs, e))?.path();
        let Some(topic) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(INTENT_SUFFIX)) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(|e| log::Error::io(&path, e))?;
        // Written durably before anything else: an unreadable one is not ours to guess at.
        let intent = Intent::decode(&text)
            .ok_or_else(|| Error::Metadata { path: path.display().to_string(), reason: "not an intent".into() })?;
        let (id, first, finish) = match intent {
            Intent::Create { id } => (id, 0, false),
            Intent::AddPartitions { id, from } => (id, from, false),
            Intent::Delete { id } => (id, 0, true),
        };
        let mut partitions: Vec<usize> = std::fs::read_dir(data_dir)
            .map_err(|e| log::Error::io(data_dir, e))?
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                let (t, p) = parse_partition_dir(&name)?;
                (t == topic && p >= first).then_some(p)
            })
            .collect();
        partitions.sort_unstable();
        let before = removed.len();
        for p in partitions {
            let dir = data_dir.join(partition_dir_name(topic, p));
            if read_topic_id(&dir)?.is_some_and(|found| found != id) {
                continue;
            }
            let to = data_dir.join(delete_dir_name(topic, p, Uuid::new_v4()));
            std::fs::rename(&dir, &to).map_err(|e| log::Error::io(&dir, e))?;
            removed.push(to);
        }
        if finish || first == 0 {
            let _ = std::fs::remove_file(config_path(data_dir, topic));
        }
        durable::sync_dir(data_dir)?;
        tracing::warn!(
            topic,
            ?intent,
            partitions_removed = removed.len() - before,
            "{} a topic change a crash interrupted",
            if finish { "finished" } else { "undid" }
        );
        clear_intent(data_dir, topic)?;
    }
    Ok(removed)
}

/// Kafka's partition directory name.
pub fn partition_dir_name(topic: &str, partition: usize) -> String {
    format!("{topic}-{partition}")
}

/// Kafka's name for a partition directory awaiting removal,
/// `<topic>-<partition>.<uuid>-delete`, with the topic cut short so that the
/// name stays within the 255 bytes a file name may have (topic names are ASCII).
fn delete_dir_name(topic: &str, partition: usize, id: Uuid) -> String {
    let suffix = format!("-{partition}.{}{DELETE_SUFFIX}", id.simple());
    let keep = topic.len().min(MAX_FILE_NAME.saturating_sub(suffix.len()));
    format!("{}{suffix}", &topic[..keep])
}

/// The topic and partition a directory name stands for, if it is a live
/// partition directory (`<topic>-<n>` with a legal topic name).
pub fn parse_partition_dir(name: &str) -> Option<(&str, usize)> {
    let (topic, partition) = name.rsplit_once('-')?;
    if partition.is_empty() || !partition.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let partition = partition.parse().ok()?;
    name::validate(topic).ok()?;
    Some((topic, partition))
}

/// What the data dir holds: live topics with their partition counts, and
/// directories awaiting removal.
struct Scan {
    topics: BTreeMap<String, usize>,
    deleted: Vec<PathBuf>,
}

fn scan(data_dir: &Path) -> Result<Scan, Error> {
    let mut scan = Scan { topics: BTreeMap::new(), deleted: Vec::new() };
    let entries = std::fs::read_dir(data_dir).map_err(|e| log::Error::io(data_dir, e))?;
    let mut present: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| log::Error::io(data_dir, e))?;
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else { continue };
        if name.ends_with(DELETE_SUFFIX) {
            scan.deleted.push(entry.path());
        } else if let Some((topic, partition)) = parse_partition_dir(name) {
            present.entry(topic.to_owned()).or_default().push(partition);
        } else if name != CONFIGS_DIR {
            tracing::warn!(dir = %entry.path().display(), "ignoring a directory that is not a partition");
        }
    }
    for (topic, partitions) in present {
        let count = partitions.iter().max().map_or(0, |m| m + 1);
        if partitions.len() != count {
            // Only a crash during creation leaves gaps: the missing partitions were never written to.
            tracing::warn!(topic = %topic, found = partitions.len(), count, "recreating missing partition directories");
        }
        scan.topics.insert(topic, count);
    }
    Ok(scan)
}

fn config_path(data_dir: &Path, topic: &str) -> PathBuf {
    data_dir.join(CONFIGS_DIR).join(format!("{topic}{CONFIGS_SUFFIX}"))
}

/// Each topic's own configs; config files of topics that do not exist are
/// leftovers of a creation cut short, and removed.
fn read_configs(data_dir: &Path, topics: &BTreeMap<String, usize>) -> Result<HashMap<String, Overrides>, Error> {
    let dir = data_dir.join(CONFIGS_DIR);
    let mut configs = HashMap::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| log::Error::io(&dir, e))? {
        let path = entry.map_err(|e| log::Error::io(&dir, e))?.path();
        let Some(topic) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(CONFIGS_SUFFIX)) else {
            continue;
        };
        if !topics.contains_key(topic) {
            tracing::warn!(path = %path.display(), "removing the configs of a topic that does not exist");
            let _ = std::fs::remove_file(&path);
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| log::Error::io(&path, e))?;
        let overrides = Overrides::from_properties(&text)
            .map_err(|e| Error::Metadata { path: path.display().to_string(), reason: e.to_string() })?;
        configs.insert(topic.to_owned(), overrides);
    }
    Ok(configs)
}

fn write_config(data_dir: &Path, topic: &str, overrides: &Overrides) -> Result<(), Error> {
    let path = config_path(data_dir, topic);
    if overrides.iter().next().is_none() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(log::Error::io(&path, e).into()),
            _ => Ok(()),
        };
    }
    Ok(durable::write_durably(&path, overrides.to_properties().as_bytes())?)
}

/// Each topic's id from its partitions' `partition.metadata`, written where it
/// is missing (a partition created by a strand that kept none, or a crash
/// between the directory and the file). Partitions that disagree stop the start,
/// as Kafka stops on an inconsistent topic id.
fn read_topic_ids(data_dir: &Path, topics: &BTreeMap<String, usize>) -> Result<HashMap<String, Uuid>, Error> {
    let mut ids = HashMap::with_capacity(topics.len());
    for (topic, &count) in topics {
        let mut id: Option<Uuid> = None;
        let mut missing = Vec::new();
        for p in 0..count {
            let dir = data_dir.join(partition_dir_name(topic, p));
            match read_topic_id(&dir)? {
                Some(found) if id.is_some_and(|id| id != found) => {
                    return Err(Error::Metadata {
                        path: dir.join(PARTITION_METADATA_FILE).display().to_string(),
                        reason: format!("topic id {found} differs from the id of the topic's other partitions"),
                    })
                }
                Some(found) => id = Some(found),
                None => missing.push(dir),
            }
        }
        let id = id.unwrap_or_else(Uuid::new_v4);
        for dir in missing {
            std::fs::create_dir_all(&dir).map_err(|e| log::Error::io(&dir, e))?;
            write_topic_id(&dir, id)?;
        }
        ids.insert(topic.clone(), id);
    }
    Ok(ids)
}

/// Kafka's `partition.metadata`: `version: 0` and `topic_id: <base64url>`.
fn read_topic_id(partition_dir: &Path) -> Result<Option<Uuid>, Error> {
    let path = partition_dir.join(PARTITION_METADATA_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(log::Error::io(&path, e).into()),
    };
    let bad = |reason: &str| Error::Metadata { path: path.display().to_string(), reason: reason.into() };
    let encoded = text.lines().find_map(|l| l.strip_prefix("topic_id:")).ok_or_else(|| bad("no topic_id line"))?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded.trim()).map_err(|_| bad("topic_id is not base64url"))?;
    Uuid::from_slice(&bytes).map(Some).map_err(|_| bad("topic_id is not 16 bytes"))
}

fn write_topic_id(partition_dir: &Path, id: Uuid) -> Result<(), Error> {
    let text = format!("version: 0\ntopic_id: {}\n", URL_SAFE_NO_PAD.encode(id.as_bytes()));
    Ok(durable::write_durably(&partition_dir.join(PARTITION_METADATA_FILE), text.as_bytes())?)
}

/// Opens the partitions' logs on as many threads as there are cores: a start
/// with a thousand partitions is bound by the many small reads and maps.
fn open_logs(
    data_dir: &Path,
    jobs: &[(String, usize)],
    broker: &Config,
    configs: &HashMap<String, Overrides>,
    starts: &Starts,
    now_ms: i64,
) -> Result<Vec<(Log, log::OpenReport)>, Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len().max(1));
    let next = AtomicUsize::new(0);
    type Opened = Result<(Log, log::OpenReport), log::Error>;
    let results: Mutex<Vec<Option<Opened>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((topic, partition)) = jobs.get(i) else { break };
                let config = configs.get(topic).cloned().unwrap_or_default().resolve(broker);
                let dir = data_dir.join(partition_dir_name(topic, *partition));
                let start = starts.get(&(topic.clone(), *partition)).copied().unwrap_or(0);
                let opened = Log::open_with_start(&dir, config.log_config(broker), now_ms, start);
                if let Ok((log, report)) = &opened {
                    if !report.clean || report.truncated_bytes > 0 {
                        tracing::info!(
                            dir = %dir.display(),
                            clean = report.clean,
                            recovered_segments = report.recovered_segments,
                            truncated_bytes = report.truncated_bytes,
                            log_end_offset = log.end_offset(),
                            "partition recovered"
                        );
                    }
                }
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(opened);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.into_iter().map(|r| r.unwrap_or(Err(log::Error::Closed)).map_err(Error::from)).collect()
}

/// Removes deleted partition directories on a thread of their own: a large
/// partition takes a while, and nothing waits for it.
fn remove_in_background(dirs: Vec<PathBuf>) {
    if dirs.is_empty() {
        return;
    }
    let spawned = std::thread::Builder::new().name("topic-delete".into()).spawn(move || {
        for dir in dirs {
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => tracing::debug!(dir = %dir.display(), "removed deleted partition"),
                Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not remove a deleted partition"),
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start removing deleted partitions; the next start will");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_read_back_as_written() {
        let id = Uuid::new_v4();
        for intent in [Intent::Create { id }, Intent::AddPartitions { id, from: 3 }, Intent::Delete { id }] {
            assert_eq!(Intent::decode(&intent.encode()), Some(intent));
        }
        assert_eq!(Intent::decode("op=explode\nid=00000000-0000-0000-0000-000000000000\n"), None);
    }

    #[test]
    fn partition_directories_are_parsed_as_kafka_names_them() {
        assert_eq!(parse_partition_dir("events-0"), Some(("events", 0)));
        assert_eq!(parse_partition_dir("my-topic-12"), Some(("my-topic", 12)));
        assert_eq!(parse_partition_dir("a.b_c-3"), Some(("a.b_c", 3)));
        assert_eq!(parse_partition_dir("topic-configs"), None);
        assert_eq!(parse_partition_dir("events-"), None);
        assert_eq!(parse_partition_dir("-0"), None);
        assert_eq!(parse_partition_dir("events-0.abc-delete"), None);
        // A topic name may end in a dash: the partition is what follows the last one.
        assert_eq!(parse_partition_dir("events--1"), Some(("events-", 1)));
    }

    #[test]
    fn delete_directories_fit_a_file_name_for_the_longest_topic() {
        let id = Uuid::from_u128(7);
        assert_eq!(delete_dir_name("events", 3, id), format!("events-3.{}-delete", id.simple()));
        let long = "x".repeat(249);
        let name = delete_dir_name(&long, 12, id);
        assert_eq!(name.len(), MAX_FILE_NAME);
        assert!(name.ends_with(&format!("x-12.{}-delete", id.simple())));
        assert!(name.ends_with(DELETE_SUFFIX) && parse_partition_dir(&name).is_none());
        assert!(config_path(Path::new(""), &long).file_name().unwrap().len() <= MAX_FILE_NAME);
    }
}
