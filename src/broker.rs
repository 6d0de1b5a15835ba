//! The state every connection shares: the effective config, the topics and their
//! partitions' logs, the consumer groups, and the identity Metadata hands out
//! (cluster id, node id, address).
//!
//! Identity lives in the data dir in Kafka's own files so it is stable across
//! restarts: `meta.properties` (cluster.id, node.id) at the top, and each
//! partition's `partition.metadata` (its topic's id, see `topics`). The SCRAM
//! credentials AlterUserScramCredentials sets are in `scram-credentials` (see
//! `scram_store`), the client quotas AlterClientQuotas sets in `client-quotas`
//! (see `quota::store`).

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use tokio::sync::watch;
use uuid::Uuid;

use crate::config::Config;
use crate::group::offset_store::OffsetStore;
use crate::group::{self, Coordinator};
use crate::log::layout::META_PROPERTIES_FILE;
use crate::log::{self, Log};
use crate::metrics;
use crate::producer_ids::ProducerIdManager;
use crate::quota::{self, Quotas};
use crate::sasl::Users;
use crate::scram_store::{self, ScramStore};
use crate::topics::{self, Topics};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Log(#[from] log::Error),
    #[error(transparent)]
    Group(#[from] group::Error),
    #[error(transparent)]
    Topics(#[from] topics::Error),
    #[error("{path}: {reason}")]
    Metadata { path: String, reason: String },
    #[error(transparent)]
    Scram(#[from] scram_store::Error),
    #[error(transparent)]
    Quotas(#[from] quota::store::Error),
}

pub struct Broker {
    pub config: Config,
    pub topics: Topics,
    /// Consumer groups and their committed offsets.
    pub groups: Coordinator,
    /// Ids for idempotent producers (InitProducerId).
    pub producer_ids: ProducerIdManager,
    /// The SASL users' SCRAM credentials as AlterUserScramCredentials changes
    /// them; the listener's SASL checks the same `Users`.
    pub scram: ScramStore,
    /// Client quotas (AlterClientQuotas, `client-quotas`) and every client's measures.
    pub quotas: Quotas,
    pub cluster_id: String,
    /// Host and port clients are told to connect to.
    pub advertised_host: String,
    pub advertised_port: i32,
    /// Flips to true when the broker starts shutting down; long polls end early.
    pub shutdown: watch::Receiver<bool>,
}

impl Broker {
    /// Opens (or initialises) the data dir. `bound` is the address the listener
    /// actually got, which matters when the configured port is 0. `users` are the
    /// listener's SASL users (none without SASL), to which the SCRAM credentials
    /// stored in the data dir are applied. `offsets` is the opened offset store
    /// (`offset_store::open`), which the group coordinator takes over.
    pub fn open(
        config: Config,
        bound: std::net::SocketAddr,
        shutdown: watch::Receiver<bool>,
        users: std::sync::Arc<Users>,
        offsets: Box<dyn OffsetStore>,
    ) -> Result<Self, Error> {
        let data_dir = config.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|e| log::Error::io(&data_dir, e))?;
        let cluster_id = read_or_create_meta(&data_dir, config.node_id)?;
        let (topics, report) = Topics::open(&config, crate::now_ms())?;
        tracing::info!(
            dir = %data_dir.display(),
            topics = report.topics,
            partitions = report.partitions,
            unclean_partitions = report.unclean_partitions,
            recovered_segments = report.recovered_segments,
            truncated_bytes = report.truncated_bytes,
            "topics opened"
        );
        let groups = Coordinator::new(offsets)?.with_initial_rebalance_delay(std::time::Duration::from_millis(
            config.group_initial_rebalance_delay_ms.into(),
        ));
        let producer_ids = ProducerIdManager::open(&data_dir)?;
        let scram = ScramStore::open(&data_dir, users)?;
        let quotas = Quotas::open(&data_dir, config.quota_settings())?;
        let (advertised_host, advertised_port) = advertised(&config, bound);
        Ok(Self {
            config,
            topics,
            groups,
            producer_ids,
            scram,
            quotas,
            cluster_id,
            advertised_host,
            advertised_port,
            shutdown,
        })
    }

    /// Appends a producer's batch to a partition's log. Under a message-count
    /// flush policy the append may fsync, and a large batch's validation
    /// decompresses and walks every record (`log::validate::is_costly`), so those
    /// run as blocking work and the other connections on this runtime worker keep
    /// moving.
    pub fn append(log: &Log, fsyncs: bool, batch: &[u8], now_ms: i64) -> Result<log::AppendInfo, log::Error> {
        if fsyncs || log::validate::is_costly(batch) {
            crate::blocking(|| log.append(batch, now_ms))
        } else {
            log.append(batch, now_ms)
        }
    }

    pub fn node_id(&self) -> i32 {
        self.config.node_id
    }

    /// What the scrape-time gauges show: each partition's offsets and size, and
    /// each group's members and lag on the partitions it committed.
    pub fn metrics_snapshot(&self) -> metrics::Snapshot {
        let mut partitions = Vec::new();
        let mut ends = std::collections::HashMap::new();
        for topic in self.topics.all() {
            for (index, log) in topic.partitions().iter().enumerate() {
                let end = log.end_offset();
                ends.insert((topic.name.clone(), index as i32), end);
                partitions.push(metrics::PartitionSnapshot {
                    topic: topic.name.clone(),
                    partition: index as i32,
                    log_start_offset: log.start_offset(),
                    log_end_offset: end,
                    log_size_bytes: log.size_bytes(),
                    log_segments: log.segment_count() as u64,
                });
            }
        }
        let groups = self
            .groups
            .summary()
            .into_iter()
            .map(|summary| metrics::GroupSnapshot {
                group: summary.group,
                members: summary.members as u64,
                lag: summary
                    .committed
                    .into_iter()
                    .filter_map(|(tp, offset)| {
                        let end = ends.get(&(tp.topic.clone(), tp.partition))?;
                        Some((tp.topic, tp.partition, (end - offset).max(0)))
                    })
                    .collect(),
            })
            .collect();
        metrics::Snapshot { partitions, groups }
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
