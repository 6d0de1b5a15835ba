//! The state every connection shares: the effective config, the partition's log,
//! and the identity Metadata hands out (cluster id, node id, topic id, address).
//!
//! Identity lives in the data dir in Kafka's own files so it is stable across
//! restarts: `meta.properties` (cluster.id, node.id) at the top and
//! `<topic>-0/partition.metadata` (topic_id) beside the segments.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tokio::sync::watch;
use uuid::Uuid;

use crate::config::Config;
use crate::group::offset_store::FileOffsetStore;
use crate::group::{self, Coordinator};
use crate::log::layout::{META_PROPERTIES_FILE, PARTITION_METADATA_FILE};
use crate::log::{self, Log};
use crate::metrics;
use crate::producer_ids::ProducerIdManager;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Log(#[from] log::Error),
    #[error(transparent)]
    Group(#[from] group::Error),
    #[error("{path}: {reason}")]
    Metadata { path: String, reason: String },
}

pub struct Broker {
    pub config: Config,
    pub log: Log,
    /// Consumer groups and their committed offsets.
    pub groups: Coordinator,
    /// Ids for idempotent producers (InitProducerId).
    pub producer_ids: ProducerIdManager,
    pub cluster_id: String,
    pub topic_id: Uuid,
    /// Host and port clients are told to connect to.
    pub advertised_host: String,
    pub advertised_port: i32,
    /// Flips to true when the broker starts shutting down; long polls end early.
    pub shutdown: watch::Receiver<bool>,
}

impl Broker {
    /// Opens (or initialises) the data dir. `bound` is the address the listener
    /// actually got, which matters when the configured port is 0.
    pub fn open(config: Config, bound: std::net::SocketAddr, shutdown: watch::Receiver<bool>) -> Result<Self, Error> {
        let data_dir = config.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|e| log::Error::io(&data_dir, e))?;
        let cluster_id = read_or_create_meta(&data_dir, config.node_id)?;
        let partition_dir = data_dir.join(format!("{}-0", config.topic));
        std::fs::create_dir_all(&partition_dir).map_err(|e| log::Error::io(&partition_dir, e))?;
        let topic_id = read_or_create_topic_id(&partition_dir)?;

        let (log, report) = Log::open(&partition_dir, config.log_config(), crate::now_ms())?;
        tracing::info!(
            dir = %partition_dir.display(),
            clean = report.clean,
            segments = report.segments,
            recovered_segments = report.recovered_segments,
            truncated_bytes = report.truncated_bytes,
            elapsed_ms = format!("{:.2}", report.elapsed_ms),
            log_start_offset = log.start_offset(),
            log_end_offset = log.end_offset(),
            "log opened"
        );
        let store = FileOffsetStore::open(&data_dir, config.offsets_fsync)?;
        let groups = Coordinator::new(Box::new(store))?;
        let producer_ids = ProducerIdManager::open(&data_dir)?;
        let (advertised_host, advertised_port) = advertised(&config, bound);
        Ok(Self { config, log, groups, producer_ids, cluster_id, topic_id, advertised_host, advertised_port, shutdown })
    }

    /// Appends a producer's batch to the partition's log. Under a message-count
    /// flush policy the append may fsync, so it then runs as blocking work and
    /// the other connections on this runtime worker keep moving.
    pub fn append(&self, batch: &[u8], now_ms: i64) -> Result<log::AppendInfo, log::Error> {
        if self.config.flush_interval_messages.is_some() {
            tokio::task::block_in_place(|| self.log.append(batch, now_ms))
        } else {
            self.log.append(batch, now_ms)
        }
    }

    pub fn topic(&self) -> &str {
        &self.config.topic
    }

    pub fn node_id(&self) -> i32 {
        self.config.node_id
    }

    /// What the scrape-time gauges show: the log's offsets and size, and each
    /// group's members and lag on this broker's partition.
    pub fn metrics_snapshot(&self) -> metrics::Snapshot {
        let end = self.log.end_offset();
        let groups = self
            .groups
            .summary(self.topic())
            .into_iter()
            .map(|(group, members, committed)| metrics::GroupSnapshot {
                group,
                members: members as u64,
                lag: committed.map(|committed| (end - committed).max(0)),
            })
            .collect();
        metrics::Snapshot {
            log_start_offset: self.log.start_offset(),
            log_end_offset: end,
            log_size_bytes: self.log.size_bytes(),
            log_segments: self.log.segment_count() as u64,
            groups,
        }
    }
}

/// `advertised_listener` if set; else the bound address, with a wildcard host
/// replaced by the machine's hostname (what a client elsewhere can reach).
fn advertised(config: &Config, bound: std::net::SocketAddr) -> (String, i32) {
    if let Some((host, port)) = config.advertised_listener.rsplit_once(':') {
        if let Ok(port) = port.parse() {
            return (host.trim_matches(['[', ']']).to_owned(), port);
        }
    }
    let host = if bound.ip().is_unspecified() {
        gethostname::gethostname().to_string_lossy().into_owned()
    } else {
        bound.ip().to_string()
    };
    (host, i32::from(bound.port()))
}

/// The contents of an identity file, `None` only when it does not exist: a file
/// that exists but cannot be read (EACCES, EIO, a directory in its place) stops
/// the start rather than have a new identity written over the old one.
fn read_identity_file(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(log::Error::io(path, e).into()),
    }
}

/// Kafka's `meta.properties`; the cluster id is a base64url UUID, as `kafka-storage random-uuid` makes.
fn read_or_create_meta(data_dir: &Path, node_id: i32) -> Result<String, Error> {
    let path = data_dir.join(META_PROPERTIES_FILE);
    if let Some(text) = read_identity_file(&path)? {
        let cluster_id = text.lines().find_map(|l| l.strip_prefix("cluster.id=")).map(str::trim);
        return cluster_id
            .map(str::to_owned)
            .ok_or_else(|| Error::Metadata { path: path.display().to_string(), reason: "no cluster.id line".into() });
    }
    let cluster_id = URL_SAFE_NO_PAD.encode(Uuid::new_v4().as_bytes());
    let text = format!("#strand broker metadata\nversion=1\ncluster.id={cluster_id}\nnode.id={node_id}\n");
    crate::durable::write_durably(&path, text.as_bytes()).map_err(log::Error::from)?;
    Ok(cluster_id)
}

/// Kafka's `partition.metadata`: `version: 0` and `topic_id: <base64url>`.
fn read_or_create_topic_id(partition_dir: &Path) -> Result<Uuid, Error> {
    let path = partition_dir.join(PARTITION_METADATA_FILE);
    if let Some(text) = read_identity_file(&path)? {
        let bad = |reason: &str| Error::Metadata { path: path.display().to_string(), reason: reason.into() };
        let encoded = text.lines().find_map(|l| l.strip_prefix("topic_id:")).ok_or_else(|| bad("no topic_id line"))?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded.trim()).map_err(|_| bad("topic_id is not base64url"))?;
        return Uuid::from_slice(&bytes).map_err(|_| bad("topic_id is not 16 bytes"));
    }
    let id = Uuid::new_v4();
    let text = format!("version: 0\ntopic_id: {}\n", URL_SAFE_NO_PAD.encode(id.as_bytes()));
    crate::durable::write_durably(&path, text.as_bytes()).map_err(log::Error::from)?;
    Ok(id)
}
