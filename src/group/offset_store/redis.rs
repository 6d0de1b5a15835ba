//! The Redis store, for operators who want group positions where other
//! services and `redis-cli` can see them and where a replaced broker disk
//! does not take them along.
//!
//! Layout, readable by a person (`HGETALL strand:offsets:my-group`):
//! - `strand:offsets:<group>`: a hash with one field per `<topic>:<partition>`
//!   (Kafka topic names have no `:`), valued
//!   `{"offset":42,"leader_epoch":-1,"metadata":"","commit_timestamp":1764680000000}`;
//! - `strand:groups`: a hash with one field per group, valued
//!   `{"protocol_type":"consumer","empty_since":1764680000000}`.
//!
//! One batch of changes from the offset writer is one MULTI/EXEC, and it is
//! acknowledged only once Redis has answered EXEC; what survives a Redis crash
//! is Redis' own persistence's call (AOF and its `appendfsync`).
//!
//! Everything is loaded once, at start; from then on the coordinator's copy is
//! the one read, and Redis is written through. When Redis cannot be reached the
//! store says so (`available`), writes fail at once instead of queueing behind a
//! dead connection, and a probe PINGs with backoff until Redis answers again;
//! each outage is logged once when it starts and once when it ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands, Pipeline, RedisError};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::{redact, Change, CommittedOffset, GroupRecord, OffsetKey, OffsetStore};
use crate::group::Error;

const OFFSETS_PREFIX: &str = "strand:offsets:";
const GROUPS_KEY: &str = "strand:groups";
/// A write or PING that takes longer has failed: the client is better off
/// retrying on COORDINATOR_NOT_AVAILABLE than waiting out its request timeout.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Each connection attempt, and so how long an unreachable host delays the start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a healthy Redis is PINGed, so an outage is noticed without traffic.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// The probe's backoff while Redis is away: from the first, doubling up to the second.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(2));
/// A Redis error reply (not an outage) is logged at most this often.
const REFUSAL_LOG_INTERVAL_MS: i64 = 10_000;
/// Keys loaded per pipelined round trip at start.
const LOAD_CHUNK: usize = 500;

/// A committed offset as its hash field's value holds it.
#[derive(Serialize, Deserialize)]
struct OffsetValue {
    offset: i64,
    leader_epoch: i32,
    metadata: Option<String>,
    commit_timestamp: i64,
}

/// A group record as `strand:groups` holds it.
#[derive(Serialize, Deserialize)]
struct GroupValue {
    protocol_type: String,
    empty_since: Option<i64>,
}

pub struct RedisOffsetStore {
    /// The URL with its password hidden.
    shown: String,
    /// The store's own runtime: the connection and the probe run there, and
    /// `apply` blocks on it from the writer thread, so neither load on the
    /// broker's workers nor their shutdown stalls or breaks a write in flight.
    runtime: OwnRuntime,
    connection: Arc<Connection>,
    health: Arc<Health>,
    loaded: (HashMap<OffsetKey, CommittedOffset>, HashMap<String, GroupRecord>),
}

impl RedisOffsetStore {
    /// Connects to `url`, authenticates and selects its db, loads every offset
    /// and group record, and starts the probe.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let shown = redact(url);
        let refused = |message: String| Error::Unavailable { store: shown.clone(), message };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("offset-store-redis")
            .enable_all()
            .build()
            .map_err(|e| refused(format!("cannot start its runtime: {e}")))?;
        // Wrapped at once: returning an error drops it here, on an async worker.
        let runtime = OwnRuntime(Some(runtime));
        let url = url.to_owned();
        let connected = runtime.spawn(async move {
            // `rediss://` builds a rustls client from the process default provider; strand's is ring.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let client = ::redis::Client::open(url.as_str()).map_err(|e| e.to_string())?;
            let mut manager = Connection::manager(&client).await?;
            let loaded = tokio::time::timeout(OPERATION_TIMEOUT * 6, load(&mut manager))
                .await
                .map_err(|_| "loading the offsets timed out".to_owned())?
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((Connection { client, current: Mutex::new(manager) }, loaded))
        });
        let (connection, loaded) = connected.await.map_err(|e| refused(e.to_string()))?.map_err(refused)?;
        tracing::info!(store = %shown, offsets = loaded.0.len(), groups = loaded.1.len(), "offsets loaded from Redis");
        let connection = Arc::new(connection);
        let health = Arc::new(Health::new(shown.clone()));
        runtime.spawn(probe(Arc::downgrade(&health), connection.clone()));
        Ok(Self { shown, runtime, connection, health, loaded })
    }

    fn unavailable(&self, message: impl Into<String>) -> Error {
        Error::Unavailable { store: self.shown.clone(), message: message.into() }
    }
}

impl OffsetStore for RedisOffsetStore {
    fn name(&self) -> &'static str {
        "redis"
    }

    /// As of the connect; the coordinator loads once, at start.
    fn load(&self) -> Result<HashMap<OffsetKey, CommittedOffset>, Error> {
        Ok(self.loaded.0.clone())
    }

    fn load_groups(&self) -> Result<HashMap<String, GroupRecord>, Error> {
        Ok(self.loaded.1.clone())
    }

    fn apply(&self, changes: &[Change]) -> Result<(), Error> {
        let Some(pipeline) = transaction(changes) else { return Ok(()) };
        if !self.health.is_up() {
            return Err(self.unavailable("Redis is unreachable"));
        }
        let mut connection = self.connection.get();
        let result = self.runtime.block_on(async {
            tokio::time::timeout(OPERATION_TIMEOUT, pipeline.query_async::<()>(&mut connection)).await
        });
        match result {
            Ok(Ok(())) => {
                self.health.answered();
                Ok(())
            }
            Ok(Err(e)) if is_outage(&e) => {
                self.health.lost(&e);
                Err(self.unavailable(e.to_string()))
            }
            Ok(Err(e)) => {
                // Redis answered, with an error (a key of the wrong type, out of memory): not an outage.
                self.health.refused(&e);
                Err(self.unavailable(e.to_string()))
            }
            Err(_) => {
                let e = format!("no answer within {} s", OPERATION_TIMEOUT.as_secs());
                self.health.lost(&e);
                Err(self.unavailable(e))
            }
        }
    }

    fn available(&self) -> bool {
        self.health.is_up()
    }
}

/// A runtime dropped without waiting for its tasks: the store may be dropped on
/// an async worker, where a blocking shutdown is not allowed.
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl OwnRuntime {
    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("the runtime lives until the store is dropped")
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }

    fn spawn<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime().spawn(future)
    }
}

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The connection manager, and the client to build a new one from: redis-rs
/// reconnects by itself only after an I/O error, so a reconnect refused at AUTH
/// or SELECT (credentials revoked, then restored) would otherwise keep failing
/// every command with that error for good.
struct Connection {
    client: ::redis::Client,
    current: Mutex<ConnectionManager>,
}

impl Connection {
    async fn manager(client: &::redis::Client) -> Result<ConnectionManager, String> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(OPERATION_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(BACKOFF.0)
            .set_max_delay(BACKOFF.1);
        let connecting = ConnectionManager::new_with_config(client.clone(), config);
        let mut manager = tokio::time::timeout(CONNECT_TIMEOUT * 3, connecting)
            .await
            .map_err(|_| format!("no connection within {} s", (CONNECT_TIMEOUT * 3).as_secs()))?
            .map_err(|e| e.to_string())?;
        // A server that wants a password the URL lacks accepts the connection and
        // refuses the first command: say so plainly (NOAUTH) rather than later.
        ::redis::cmd("PING").query_async::<String>(&mut manager).await.map_err(|e| e.to_string())?;
        Ok(manager)
    }

    fn get(&self) -> ConnectionManager {
        self.current.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A new manager in place of one whose reconnects are refused.
    async fn renew(&self) {
        match Connection::manager(&self.client).await {
            Ok(manager) => *self.current.lock().unwrap_or_else(|e| e.into_inner()) = manager,
            Err(e) => tracing::debug!(error = %e, "offset store: a new Redis connection failed too"),
        }
    }
}

/// The MULTI/EXEC that makes `changes` durable in order, or `None` when they change nothing.
fn transaction(changes: &[Change]) -> Option<Pipeline> {
    let mut pipeline = ::redis::pipe();
    pipeline.atomic();
    let mut commands = 0;
    for change in changes {
        match change {
            Change::Commit(offsets) => {
                // One HSET per group: its partitions land together even outside MULTI.
                let mut by_group: HashMap<&str, Vec<(String, String)>> = HashMap::new();
                for (key, offset) in offsets {
                    by_group.entry(&key.group).or_default().push((field(key), offset_value(offset)));
                }
                for (group, fields) in by_group {
                    pipeline.hset_multiple(offsets_key(group), &fields).ignore();
                    commands += 1;
                }
            }
            Change::Delete(keys) => {
                let mut by_group: HashMap<&str, Vec<String>> = HashMap::new();
                for key in keys {
                    by_group.entry(&key.group).or_default().push(field(key));
                }
                for (group, fields) in by_group {
                    pipeline.hdel(offsets_key(group), fields).ignore();
                    commands += 1;
                }
            }
            Change::DeleteGroup(group) => {
                pipeline.del(offsets_key(group)).ignore().hdel(GROUPS_KEY, group).ignore();
                commands += 2;
            }
            Change::Group(group, record) => {
                let value = GroupValue { protocol_type: record.protocol_type.clone(), empty_since: record.empty_since };
                pipeline.hset(GROUPS_KEY, group, json(&value)).ignore();
                commands += 1;
            }
        }
    }
    (commands > 0).then_some(pipeline)
}

fn offsets_key(group: &str) -> String {
    format!("{OFFSETS_PREFIX}{group}")
}

fn field(key: &OffsetKey) -> String {
    format!("{}:{}", key.topic, key.partition)
}

fn offset_value(offset: &CommittedOffset) -> String {
    json(&OffsetValue {
        offset: offset.offset,
        leader_epoch: offset.leader_epoch,
        metadata: offset.metadata.clone(),
        commit_timestamp: offset.commit_timestamp,
    })
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("structs of numbers and strings always serialize")
}

/// Every group's offsets (SCAN for the keys, HGETALL them pipelined) and the
/// group records. A field or value strand cannot read is skipped with a warning:
/// someone else wrote it, and one bad entry should not keep every group down.
/// A `strand:offsets:*` key that is not a hash fails the load (WRONGTYPE), and
/// so the start, naming the problem.
async fn load(
    connection: &mut ConnectionManager,
) -> Result<(HashMap<OffsetKey, CommittedOffset>, HashMap<String, GroupRecord>), RedisError> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    {
        let mut scan = connection.scan_match::<_, Vec<u8>>(format!("{OFFSETS_PREFIX}*")).await?;
        while let Some(key) = scan.next_item().await {
            keys.push(key?);
        }
    }
    keys.sort();
    keys.dedup();
    let mut offsets = HashMap::new();
    for chunk in keys.chunks(LOAD_CHUNK) {
        let mut pipeline = ::redis::pipe();
        for key in chunk {
            pipeline.hgetall(key);
        }
        let hashes: Vec<HashMap<String, String>> = pipeline.query_async(connection).await?;
        for (key, hash) in chunk.iter().zip(hashes) {
            let Some(group) = std::str::from_utf8(key).ok().and_then(|k| k.strip_prefix(OFFSETS_PREFIX)) else {
                tracing::warn!(key = %String::from_utf8_lossy(key), "skipped a Redis key that is not UTF-8");
                continue;
            };
            for (field, value) in hash {
                match parse_offset(group, &field, &value) {
                    Some((key, offset)) => {
                        offsets.insert(key, offset);
                    }
                    None => tracing::warn!(key = %offsets_key(group), %field, %value, "skipped an unreadable offset"),
                }
            }
        }
    }
    let records: HashMap<String, String> = connection.hgetall(GROUPS_KEY).await?;
    let mut groups = HashMap::new();
    for (group, value) in records {
        match serde_json::from_str::<GroupValue>(&value) {
            Ok(v) => {
                groups.insert(group, GroupRecord { protocol_type: v.protocol_type, empty_since: v.empty_since });
            }
            Err(e) => {
                tracing::warn!(key = GROUPS_KEY, field = %group, error = %e, "skipped an unreadable group record")
            }
        }
    }
    Ok((offsets, groups))
}

fn parse_offset(group: &str, field: &str, value: &str) -> Option<(OffsetKey, CommittedOffset)> {
    let (topic, partition) = field.rsplit_once(':')?;
    let partition: i32 = partition.parse().ok()?;
    let v: OffsetValue = serde_json::from_str(value).ok()?;
    let key = OffsetKey { group: group.to_owned(), topic: topic.to_owned(), partition };
    Some((
        key,
        CommittedOffset {
            offset: v.offset,
            leader_epoch: v.leader_epoch,
            metadata: v.metadata,
            commit_timestamp: v.commit_timestamp,
        },
    ))
}

/// An error that says Redis is away (as opposed to an error reply from it).
fn is_outage(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
}

/// Whether Redis is reachable, and the outage's log lines and gauge on each change.
struct Health {
    shown: String,
    up: AtomicBool,
    down_since: Mutex<Option<Instant>>,
    /// Wakes the probe as soon as a write finds Redis gone.
    lost: Notify,
    last_refusal_logged_ms: AtomicI64,
}

impl Health {
    fn new(shown: String) -> Self {
        Health {
            shown,
            up: AtomicBool::new(true),
            down_since: Mutex::new(None),
            lost: Notify::new(),
            last_refusal_logged_ms: AtomicI64::new(i64::MIN),
        }
    }

    fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    fn lost(&self, error: &dyn std::fmt::Display) {
        if self.up.swap(false, Ordering::AcqRel) {
            *self.down_since.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            crate::metrics::offset_store_up("redis", false);
            tracing::warn!(
                store = %self.shown,
                error = %error,
                "offset store unreachable; OffsetCommit and OffsetFetch answer COORDINATOR_NOT_AVAILABLE until it is back"
            );
            self.lost.notify_one();
        }
    }

    fn answered(&self) {
        if !self.up.swap(true, Ordering::AcqRel) {
            let since = self.down_since.lock().unwrap_or_else(|e| e.into_inner()).take();
            let outage_ms = since.map_or(0, |since| since.elapsed().as_millis() as u64);
            crate::metrics::offset_store_up("redis", true);
            tracing::info!(store = %self.shown, outage_ms, "offset store reachable again");
        }
    }

    fn refused(&self, error: &RedisError) {
        let now = crate::now_ms();
        let last = self.last_refusal_logged_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= REFUSAL_LOG_INTERVAL_MS
            && self.last_refusal_logged_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::warn!(store = %self.shown, error = %error, "Redis refused an offset write");
        }
    }
}

/// PINGs Redis every `PROBE_INTERVAL` while it is up, and with backoff while it
/// is not, until the store (the only strong owner of `health`) is dropped. The
/// connection manager reconnects on the PING that finds it broken; a PING
/// refused with anything but an I/O error or a timeout gets a new manager.
async fn probe(health: Weak<Health>, shared: Arc<Connection>) {
    let mut backoff = BACKOFF.0;
    loop {
        let Some(h) = health.upgrade() else { return };
        let wait = if h.is_up() {
            backoff = BACKOFF.0;
            PROBE_INTERVAL
        } else {
            let wait = backoff;
            backoff = (backoff * 2).min(BACKOFF.1);
            wait
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = h.lost.notified() => continue,
        }
        let ping = ::redis::cmd("PING");
        let mut connection = shared.get();
        match tokio::time::timeout(OPERATION_TIMEOUT, ping.query_async::<String>(&mut connection)).await {
            Ok(Ok(_)) => h.answered(),
            Ok(Err(e)) => {
                crate::metrics::offset_store_error("redis", "ping");
                h.lost(&e);
                if !e.is_io_error() && !e.is_timeout() {
                    shared.renew().await;
                }
            }
            Err(_) => {
                crate::metrics::offset_store_error("redis", "ping");
                h.lost(&format!("no answer to PING within {} s", OPERATION_TIMEOUT.as_secs()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_values_read_back() {
        let key = OffsetKey { group: "g:1".into(), topic: "orders.v2".into(), partition: 7 };
        let offset =
            CommittedOffset { offset: 42, leader_epoch: 3, metadata: None, commit_timestamp: 1_764_680_000_000 };
        let value = offset_value(&offset);
        assert_eq!(value, r#"{"offset":42,"leader_epoch":3,"metadata":null,"commit_timestamp":1764680000000}"#);
        assert_eq!(parse_offset("g:1", &field(&key), &value), Some((key, offset)));
        assert_eq!(offsets_key("g:1"), "strand:offsets:g:1");
        assert!(parse_offset("g", "no-partition", &value).is_none());
        assert!(parse_offset("g", "t:0", "{\"offset\":\"x\"}").is_none());
    }

    #[test]
    fn no_op_batches_send_nothing() {
        assert!(transaction(&[]).is_none());
        assert!(transaction(&[Change::Commit(vec![]), Change::Delete(vec![])]).is_none());
        assert!(transaction(&[Change::DeleteGroup("g".into())]).is_some());
    }
}
