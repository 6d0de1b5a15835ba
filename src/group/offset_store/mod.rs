//! Durable committed offsets behind a trait, so the coordinator does not know
//! where they live, and its two backends: a file in the data dir (`file`, the
//! default) and Redis (`redis`), chosen at start by `--offsets-store`.
//!
//! Beside the offsets a store keeps one small record per consumer group, the part
//! of Kafka's GroupMetadata record offset expiry reads after a restart: the
//! group's protocol type and since when it has been Empty.

mod file;
mod redis;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

pub use self::file::{FileOffsetStore, FILE_NAME};
pub use self::redis::RedisOffsetStore;
use super::Error;

/// Which backend keeps committed offsets, as `--offsets-store` names it.
#[derive(Clone, PartialEq, Eq)]
pub enum Spec {
    /// `consumer-offsets.log` in the data dir.
    File,
    /// `redis://[user:password@]host:port/db`, or `rediss://` for TLS.
    Redis { url: String },
}

impl Spec {
    pub fn parse(given: &str) -> Result<Spec, String> {
        if given == "file" {
            return Ok(Spec::File);
        }
        if given.starts_with("redis://") || given.starts_with("rediss://") {
            return match ::redis::Client::open(given) {
                Ok(_) => Ok(Spec::Redis { url: given.to_owned() }),
                Err(e) => Err(format!("{}: {e}", redact(given))),
            };
        }
        Err(format!("{:?} is neither `file` nor a `redis://` or `rediss://` URL", redact(given)))
    }
}

/// The URL with its password hidden, fit for logs and error messages.
impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spec::File => f.write_str("file"),
            Spec::Redis { url } => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `scheme://user:password@host...` as `scheme://user:***@host...`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// Opens the store `spec` names: replays the file in `data_dir` (`fsync`: every
/// batch waits for the disk), or connects to Redis, authenticates and loads
/// everything there. An error here means the broker cannot start.
pub async fn open(spec: &Spec, data_dir: &Path, fsync: bool) -> Result<Box<dyn OffsetStore>, Error> {
    match spec {
        Spec::File => {
            let dir = data_dir.to_owned();
            let store = tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                FileOffsetStore::open(&dir, fsync)
            })
            .await
            .map_err(|e| Error::Store { path: data_dir.to_owned(), message: e.to_string() })??;
            Ok(Box::new(store))
        }
        Spec::Redis { url } => Ok(Box::new(RedisOffsetStore::connect(url).await?)),
    }
}

/// One committed offset, as OffsetCommit carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: Option<String>,
    pub commit_timestamp: i64,
}

/// One partition of a topic.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

/// Where a committed offset is kept: a group's partition.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OffsetKey {
    pub group: String,
    pub topic: String,
    pub partition: i32,
}

impl OffsetKey {
    pub fn new(group: &str, partition: &TopicPartition) -> Self {
        OffsetKey { group: group.to_owned(), topic: partition.topic.clone(), partition: partition.partition }
    }

    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition { topic: self.topic.clone(), partition: self.partition }
    }
}

/// What offset expiry needs to know of a group that has a protocol type (a
/// consumer group, say) across a restart, as Kafka keeps it in the group's
/// GroupMetadata record (`protocolType`, `currentStateTimestamp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub protocol_type: String,
    /// Wall-clock ms since which the group has been Empty; `None` while it has members.
    pub empty_since: Option<i64>,
}

/// One change to the committed offsets; after a crash each is there whole or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// OffsetCommit.
    Commit(Vec<(OffsetKey, CommittedOffset)>),
    /// OffsetDelete, and offsets expiring.
    Delete(Vec<OffsetKey>),
    /// DeleteGroups, or an expired group: every offset of the group, as of this
    /// change's turn, and its `GroupRecord`.
    DeleteGroup(String),
    /// A group's state changed (it became Empty, or got members).
    Group(String, GroupRecord),
}

/// Where committed offsets are kept, behind the offset writer (`offsets`),
/// which calls `apply` from its own thread, never from an async worker.
pub trait OffsetStore: Send + Sync {
    /// The backend's name, as metrics and logs label it.
    fn name(&self) -> &'static str;
    /// Every committed offset, as of the last change.
    fn load(&self) -> Result<HashMap<OffsetKey, CommittedOffset>, Error>;
    /// Every group's last `GroupRecord`, as of the last change.
    fn load_groups(&self) -> Result<HashMap<String, GroupRecord>, Error>;
    /// Makes `changes` durable, in order: all of them, or an error.
    fn apply(&self, changes: &[Change]) -> Result<(), Error>;
    /// Whether the backend can be read and written now. While it cannot, the
    /// coordinator answers OffsetFetch COORDINATOR_NOT_AVAILABLE rather than
    /// serve offsets it could not confirm are still the backend's.
    fn available(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_hide_passwords() {
        assert_eq!(Spec::parse("file").unwrap(), Spec::File);
        let spec = Spec::parse("redis://app:s3cret@127.0.0.1:6379/2").unwrap();
        assert_eq!(spec, Spec::Redis { url: "redis://app:s3cret@127.0.0.1:6379/2".into() });
        assert_eq!(spec.to_string(), "redis://app:***@127.0.0.1:6379/2");
        assert_eq!(Spec::parse("redis://:pw@h:1/0").unwrap().to_string(), "redis://:***@h:1/0");
        assert_eq!(Spec::parse("rediss://h:6380").unwrap().to_string(), "rediss://h:6380");
        assert!(Spec::parse("File").is_err());
        assert!(Spec::parse("postgres://h/db").is_err());
        let refused = Spec::parse("redis://u:pw@h:notaport/0").unwrap_err();
        assert!(!refused.contains("pw"), "{refused}");
    }
}
