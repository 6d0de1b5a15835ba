//! Committed offsets in Redis (`--offsets-store redis://...`), end to end: the real
//! `strand` binary, a real `redis-server` started by the test on a free loopback
//! port (tests/common/redis.rs), librdkafka as the client and a raw
//! kafka-protocol client for exact error codes.
//!
//! What an operator relies on: a group resumes where it committed when the broker
//! comes back on an empty disk with the same Redis; the keys are readable with
//! redis-cli; a Redis outage costs retriable errors, never the broker or an
//! acknowledged commit; a wrong URL or password stops the start with exit 2;
//! offsets expire from Redis as they do from the file store.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::redis::Redis;
use common::{RawClient, Strand, TOPIC};
use kafka_protocol::messages::fetch_request::FetchPartition;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{GroupId, OffsetCommitRequest, OffsetFetchRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Message, Offset, TopicPartitionList};

/// How long any single wait in these tests may take before the test fails.
const BOUND: Duration = Duration::from_secs(30);
/// Kafka's COORDINATOR_NOT_AVAILABLE: retriable, the client looks the coordinator up again and retries.
const COORDINATOR_NOT_AVAILABLE: i16 = 15;
/// The broker's log lines for the start and the end of an outage (one each per outage).
const UNREACHABLE: &str = "offset store unreachable";
const REACHABLE_AGAIN: &str = "offset store reachable again";

fn on_redis(redis: &Redis, extra: &[&str]) -> Strand {
    let url = redis.url();
    let mut args = vec!["--offsets-store", url.as_str()];
    args.extend_from_slice(extra);
    Strand::start_with(&args)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis() as i64
}

async fn produce(strand: &Strand, topic: &str, payloads: &[String]) {
    let producer: FutureProducer = strand.client_config().set("linger.ms", "5").create().expect("producer");
    for payload in payloads {
        producer.send(FutureRecord::to(topic).key("k").payload(payload), BOUND).await.expect("delivered");
    }
}

fn consumer(strand: &Strand, group: &str) -> BaseConsumer {
    strand.manual_commit_config(group).set("session.timeout.ms", "6000").create().expect("consumer")
}

/// The next message a consumer gets, within `BOUND`: (offset, payload).
fn next_message(consumer: &BaseConsumer) -> (i64, String) {
    let deadline = Instant::now() + BOUND;
    loop {
        assert!(Instant::now() < deadline, "no message within {BOUND:?}");
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message.expect("message");
            let payload = String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned();
            return (message.offset(), payload);
        }
    }
}

/// The group's committed offset of `topic` partition 0, as librdkafka's `committed()` sees it.
fn committed(strand: &Strand, group: &str) -> Offset {
    let consumer = consumer(strand, group);
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(TOPIC, 0);
    let committed = consumer.committed_offsets(tpl, BOUND).expect("committed");
    let element = &committed.elements()[0];
    element.error().expect("no partition error");
    element.offset()
}

fn group_id(group: &str) -> GroupId {
    GroupId(StrBytes::from_string(group.into()))
}

fn topic_name(topic: &str) -> TopicName {
    TopicName(StrBytes::from_string(topic.into()))
}

/// OffsetCommit v8 of TOPIC partition 0 for a simple (no member) group: the partition's error code.
fn raw_commit(client: &mut RawClient, group: &str, offset: i64) -> i16 {
    let request = OffsetCommitRequest::default()
        .with_group_id(group_id(group))
        .with_generation_id_or_member_epoch(-1)
        .with_topics(vec![OffsetCommitRequestTopic::default().with_name(topic_name(TOPIC)).with_partitions(vec![
            OffsetCommitRequestPartition::default().with_partition_index(0).with_committed_offset(offset),
        ])]);
    client.send(8, &request).topics[0].partitions[0].error_code
}

/// OffsetFetch of TOPIC partition 0 at `version`: (the error code the version
/// carries for the whole request or group, the partition's committed offset if any).
fn raw_fetch_offset(client: &mut RawClient, version: i16, group: &str) -> (i16, Option<i64>) {
    if version >= 8 {
        let topics = OffsetFetchRequestTopics::default().with_name(topic_name(TOPIC)).with_partition_indexes(vec![0]);
        let request = OffsetFetchRequest::default().with_groups(vec![OffsetFetchRequestGroup::default()
            .with_group_id(group_id(group))
            .with_topics(Some(vec![topics]))]);
        let response = client.send(version, &request);
        let group = &response.groups[0];
        (group.error_code, group.topics.first().map(|t| t.partitions[0].committed_offset))
    } else {
        let request = OffsetFetchRequest::default().with_group_id(group_id(group)).with_topics(Some(vec![
            OffsetFetchRequestTopic::default().with_name(topic_name(TOPIC)).with_partition_indexes(vec![0]),
        ]));
        let response = client.send(version, &request);
        (response.error_code, response.topics.first().map(|t| t.partitions[0].committed_offset))
    }
}

/// Fetch v12 of TOPIC partition 0 from `offset`: (error code, number of record batches).
fn raw_fetch(client: &mut RawClient, offset: i64) -> (i16, usize) {
    let p = client.fetch(FetchPartition::default().with_fetch_offset(offset));
    (p.error_code, common::batch_base_offsets(p.records.unwrap_or_default()).len())
}

/// One field of a group's offsets hash (`strand:offsets:<group>`, field
/// `<topic>:<partition>`) as JSON, if it is there.
fn stored_offset(redis: &Redis, group: &str, topic: &str, partition: i32) -> Option<serde_json::Value> {
    let out = redis.cli(&["HGET", &format!("strand:offsets:{group}"), &format!("{topic}:{partition}")]);
    let value = out.trim_end_matches('\n');
    if value.is_empty() {
        return None;
    }
    Some(serde_json::from_str(value).unwrap_or_else(|e| panic!("HGET value {value:?} is not JSON: {e}")))
}

/// The sum over labels of a counter on /metrics.
fn metric_sum(strand: &Strand, name: &str) -> f64 {
    metric_sum_where(strand, name, "")
}

/// The sum of a counter's series whose labels contain `label` (`operation="write"`, say).
fn metric_sum_where(strand: &Strand, name: &str, label: &str) -> f64 {
    let (status, body) = strand.http_get("/metrics");
    assert_eq!(status, 200);
    body.lines()
        .filter(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' ')))
        .filter(|line| line.contains(label))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// True while the broker process exists and is not a zombie.
fn alive(strand: &Strand) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{}/status", strand.pid())).unwrap_or_default();
    status.lines().any(|line| line.starts_with("State:") && !line.contains("zombie"))
}

/// Runs `strand` with `args` and no listener of its own to find, and returns
/// (exit code, stderr); fails if it has not exited within `BOUND`.
fn run_to_exit(args: &[&str]) -> (Option<i32>, String) {
    let temp = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_strand"))
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--http-listen", ""])
        .arg("--data-dir")
        .arg(temp.path().join("data"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("STRAND_OFFSETS_STORE")
        .env_remove("SSL_CERT_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strand");
    let deadline = Instant::now() + BOUND;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("strand {args:?} still running after {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped stderr"), &mut stderr).expect("stderr");
    (status.code(), stderr)
}

// (0) ----------------------------------------------------------------------------

/// The harness itself (tests/common/redis.rs), so that the tests below rest on it:
/// the AOF with `appendfsync always` keeps an acknowledged write across SIGKILL,
/// `start_again` comes back on the same port, and a paused server answers nothing
/// until resumed.
#[test]
fn the_redis_harness_keeps_writes_across_a_kill_and_stalls_while_paused() {
    let mut redis = Redis::start();
    assert_eq!(redis.cli(&["PING"]).trim(), "PONG");
    assert_eq!(redis.cli(&["CONFIG", "GET", "appendfsync"]).lines().nth(1), Some("always"));
    redis.cli(&["HSET", "h", "f", "v1"]);
    let port = redis.port();
    redis.kill();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "a killed server still listens");
    redis.start_again();
    assert_eq!(redis.port(), port);
    assert_eq!(redis.hgetall("h"), [("f".to_owned(), "v1".to_owned())]);

    redis.pause();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the kernel still accepts");
    stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    std::io::Write::write_all(&mut stream, b"PING\r\n").unwrap();
    let mut reply = [0u8; 16];
    assert!(std::io::Read::read(&mut stream, &mut reply).is_err(), "a paused server answered");
    redis.resume();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    let n = std::io::Read::read(&mut stream, &mut reply).expect("the answer after resume");
    assert_eq!(&reply[..n], b"+PONG\r\n");
    redis.stop();
    redis.start_again();
    assert_eq!(redis.hgetall("h").len(), 1);

    let locked = Redis::start_with_password("s3cret");
    assert_eq!(locked.cli(&["PING"]).trim(), "PONG");
    assert!(locked.url().contains(":s3cret@127.0.0.1:"));
}

// (1) ----------------------------------------------------------------------------

/// The point of keeping offsets in Redis: the broker's disk can be replaced. A
/// group commits through librdkafka, the broker comes back on an EMPTY data dir
/// (so the file store could not help) with the same Redis, and the group's
/// consumer starts at exactly the committed offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_resumes_at_its_committed_offset_after_a_restart_on_an_empty_data_dir() {
    let redis = Redis::start();
    let group = "resumer";
    let before: Vec<String> = (0..10).map(|i| format!("before-{i}")).collect();
    let old_data_dir = {
        let strand = on_redis(&redis, &[]);
        produce(&strand, TOPIC, &before).await;
        let member = consumer(&strand, group);
        member.subscribe(&[TOPIC]).expect("subscribe");
        for expected in 0..4 {
            assert_eq!(next_message(&member), (expected, format!("before-{expected}")));
        }
        // Commit "the next record to read is 4", as a consumer that processed 0..=3 does.
        member.commit_consumer_state(CommitMode::Sync).expect("commit");
        assert_eq!(committed(&strand, group), Offset::Offset(4));
        assert!(
            !strand.data_dir.join("consumer-offsets.log").exists(),
            "the file store was written although the offsets go to Redis"
        );
        drop(member);
        strand.data_dir.clone()
    }; // the broker is killed and its data dir removed with its temp dir

    assert!(!old_data_dir.exists(), "the first broker's data dir is still there");
    let strand = on_redis(&redis, &[]);
    let after: Vec<String> = (0..10).map(|i| format!("after-{i}")).collect();
    produce(&strand, TOPIC, &after).await;
    assert_eq!(committed(&strand, group), Offset::Offset(4));
    let member = consumer(&strand, group);
    member.subscribe(&[TOPIC]).expect("subscribe");
    // auto.offset.reset=earliest would give offset 0 if the commit had been lost.
    assert_eq!(next_message(&member), (4, "after-4".to_owned()));
}

// (2) ----------------------------------------------------------------------------

/// The layout the README promises, read with redis-cli: one hash per group, one
/// field per `<topic>:<partition>` whose value is JSON with the offset, leader
/// epoch, metadata and commit time; and `strand:groups` with each group's
/// protocol type and since when it has been Empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_holds_one_readable_hash_per_group_and_a_groups_hash() {
    let redis = Redis::start();
    let strand = on_redis(&redis, &["--topic", "wide:3"]);
    for partition in 0..3 {
        let producer: FutureProducer = strand.client_config().create().expect("producer");
        for i in 0..3 {
            let payload = format!("p{partition}-{i}");
            producer
                .send(FutureRecord::to("wide").partition(partition).key("k").payload(&payload), BOUND)
                .await
                .expect("delivered");
        }
    }
    let group = "layout";
    let member = consumer(&strand, group);
    member.subscribe(&["wide"]).expect("subscribe");
    let mut seen = 0;
    while seen < 9 {
        next_message(&member);
        seen += 1;
    }
    // One commit of three partitions, one of them with metadata.
    let mut tpl = TopicPartitionList::new();
    for partition in 0..3 {
        tpl.add_partition_offset("wide", partition, Offset::Offset(i64::from(partition) + 1)).unwrap();
    }
    tpl.find_partition("wide", 2).expect("partition 2").set_metadata("checkpoint-7");
    let sent_at = now_ms();
    member.commit(&tpl, CommitMode::Sync).expect("commit");
    let acked_at = now_ms();

    let fields: BTreeMap<String, serde_json::Value> = redis
        .hgetall(&format!("strand:offsets:{group}"))
        .into_iter()
        .map(|(field, value)| {
            let json = serde_json::from_str(&value).unwrap_or_else(|e| panic!("{field} = {value:?} is not JSON: {e}"));
            (field, json)
        })
        .collect();
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["wide:0", "wide:1", "wide:2"]);
    for (partition, (field, value)) in fields.iter().enumerate() {
        let object = value.as_object().unwrap_or_else(|| panic!("{field}: {value} is not an object"));
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["commit_timestamp", "leader_epoch", "metadata", "offset"], "{field}: {value}");
        assert_eq!(value["offset"], partition as i64 + 1, "{field}: {value}");
        assert!(value["leader_epoch"].is_i64(), "{field}: {value}");
        let at = value["commit_timestamp"].as_i64().unwrap_or_else(|| panic!("{field}: {value}"));
        assert!(
            (sent_at - 1000..=acked_at + 1000).contains(&at),
            "{field}: commit time {at} not in [{sent_at}, {acked_at}]"
        );
        let metadata = &value["metadata"];
        if partition == 2 {
            assert_eq!(metadata, "checkpoint-7");
        } else {
            assert!(metadata.is_null() || metadata == "", "{field}: {value}");
        }
    }

    // While the member is in the group, its record says it is not Empty...
    let groups = |redis: &Redis| -> serde_json::Value {
        let value = redis.cli(&["HGET", "strand:groups", group]);
        serde_json::from_str(value.trim_end()).unwrap_or_else(|e| panic!("strand:groups {group} = {value:?}: {e}"))
    };
    let record = groups(&redis);
    assert_eq!(record["protocol_type"], "consumer", "{record}");
    assert!(record["empty_since"].is_null(), "{record}");
    // ...and once it left, since when it has been Empty.
    let left_at = now_ms();
    member.unsubscribe();
    drop(member);
    let deadline = Instant::now() + BOUND;
    let record = loop {
        let record = groups(&redis);
        if !record["empty_since"].is_null() {
            break record;
        }
        assert!(Instant::now() < deadline, "strand:groups {group} never became Empty: {record}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let since = record["empty_since"].as_i64().unwrap_or_else(|| panic!("{record}"));
    assert!((left_at - 1000..=now_ms() + 1000).contains(&since), "empty_since {since}, left at {left_at}");
}

// (3) ----------------------------------------------------------------------------

enum Outage {
    /// SIGKILL, then a start on the same port and AOF: Redis crashed.
    Crash,
    /// SIGSTOP, then SIGCONT: Redis stalled with its connections open.
    Stall,
}

/// What the commit loop saw: the offsets acknowledged, in order, and the errors.
#[derive(Default)]
struct Seen {
    acked: Vec<i64>,
    errors: Vec<rdkafka::error::KafkaError>,
}

/// One librdkafka client commits offsets 1, 2, 3... of a simple (assign()) group
/// synchronously, back to back, until `stop`; every answer goes into `seen`.
fn commit_loop(bootstrap: String, group: &'static str, stop: Arc<AtomicBool>, seen: Arc<Mutex<Seen>>) {
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut offset = 0;
    while !stop.load(Ordering::SeqCst) {
        offset += 1;
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(TOPIC, 0, Offset::Offset(offset)).unwrap();
        let outcome = consumer.commit(&tpl, CommitMode::Sync);
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Ok(()) => seen.acked.push(offset),
            Err(e) => seen.errors.push(e),
        }
        drop(seen);
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + BOUND;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within {BOUND:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The whole outage story, for a crash or a stall of Redis: a client committing
/// in a loop sees retriable errors while Redis is away and succeeds again once it
/// is back; OffsetCommit and OffsetFetch answer COORDINATOR_NOT_AVAILABLE (every
/// OffsetFetch version's error field) meanwhile; produce and fetch go on; the
/// broker neither exits nor logs more than one line per outage; the error metric
/// moves; and no commit the broker acknowledged is missing from Redis.
fn commits_survive(outage: Outage, group: &'static str) {
    let mut redis = Redis::start();
    let strand = on_redis(&redis, &[]);
    let errors_before = metric_sum(&strand, "strand_offset_store_errors_total");
    let mut client = RawClient::connect(&strand.addr);
    let (code, first) = client.produce(common::batch(&[b"before"], now_ms()));
    assert_eq!(code, 0);

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let looping = {
        let (bootstrap, stop, seen) = (strand.addr.clone(), stop.clone(), seen.clone());
        std::thread::spawn(move || commit_loop(bootstrap, group, stop, seen))
    };
    let acked = || seen.lock().unwrap_or_else(|e| e.into_inner()).acked.len();
    wait_until("20 commits acknowledged before the outage", || acked() >= 20);

    match outage {
        Outage::Crash => redis.kill(),
        Outage::Stall => redis.pause(),
    }
    // Every commit acknowledged until now was acknowledged by Redis before it went away.
    let last_acked_before = *seen.lock().unwrap_or_else(|e| e.into_inner()).acked.last().expect("acked");
    let outage_started = Instant::now();

    // The store's answers during the outage, exact. (A stalled Redis is noticed
    // when a command times out, so the first answers may take a moment.)
    wait_until("OffsetCommit answered COORDINATOR_NOT_AVAILABLE", || {
        raw_commit(&mut client, "raw-outage", 7) == COORDINATOR_NOT_AVAILABLE
    });
    for version in [2, 7, 8, 9] {
        let (code, _) = raw_fetch_offset(&mut client, version, group);
        assert_eq!(code, COORDINATOR_NOT_AVAILABLE, "OffsetFetch v{version} during the outage");
    }
    // Produce and fetch do not need the offset store.
    let (code, offset) = client.produce(common::batch(&[b"during"], now_ms()));
    assert_eq!(code, 0, "produce during the outage");
    assert_eq!(offset, first + 1);
    assert_eq!(raw_fetch(&mut client, first), (0, 2), "fetch during the outage");
    // A few seconds down: the broker retries with backoff and says so once.
    std::thread::sleep(Duration::from_secs(3));
    assert!(alive(&strand), "the broker exited during the Redis outage");
    assert_eq!(strand.log_lines(UNREACHABLE).len(), 1, "{:?}", strand.log_lines(UNREACHABLE));
    let acked_during = acked();

    match outage {
        Outage::Crash => {
            redis.start_again();
            // What the AOF brought back holds every acknowledged commit.
            let value = stored_offset(&redis, group, TOPIC, 0).expect("the loop's offset after the restart");
            let offset = value["offset"].as_i64().expect("offset");
            assert!(
                offset >= last_acked_before,
                "Redis lost acknowledged commits: has {offset}, acked {last_acked_before}"
            );
        }
        Outage::Stall => redis.resume(),
    }
    let outage_ms = outage_started.elapsed();
    wait_until("commits acknowledged again after Redis returned", || acked() >= acked_during + 20);
    stop.store(true, Ordering::SeqCst);
    looping.join().expect("the commit loop");

    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
    eprintln!(
        "outage of {outage_ms:?}: {} commits acked, {} errors (e.g. {:?})",
        seen.acked.len(),
        seen.errors.len(),
        seen.errors.first()
    );
    // The client was told to retry: COORDINATOR_NOT_AVAILABLE (librdkafka retries
    // it a while itself before giving up), or a timeout while Redis stalled; never
    // an error that says to stop.
    use rdkafka::types::RDKafkaErrorCode::{
        CoordinatorNotAvailable, NotCoordinator, OperationTimedOut, RequestTimedOut,
    };
    let codes: Vec<_> = seen.errors.iter().map(|e| e.rdkafka_error_code()).collect();
    assert!(
        codes.contains(&Some(CoordinatorNotAvailable)),
        "the committing client saw no COORDINATOR_NOT_AVAILABLE during an outage of {outage_ms:?}: {:?}",
        seen.errors
    );
    for (error, code) in seen.errors.iter().zip(&codes) {
        assert!(
            matches!(code, Some(CoordinatorNotAvailable | NotCoordinator | RequestTimedOut | OperationTimedOut)),
            "a commit failed with a non-retriable error: {error}"
        );
    }
    let last_acked = *seen.acked.last().expect("acked");
    let stored = stored_offset(&redis, group, TOPIC, 0).expect("the loop's offset");
    assert!(
        stored["offset"].as_i64().expect("offset") >= last_acked,
        "Redis has {stored}, the last acknowledged commit was {last_acked}"
    );
    // The broker serves it again, and the raw client's commits work again.
    assert_eq!(raw_fetch_offset(&mut client, 8, group), (0, stored["offset"].as_i64()));
    assert_eq!(raw_commit(&mut client, "raw-outage", 8), 0);
    assert_eq!(raw_fetch_offset(&mut client, 7, "raw-outage"), (0, Some(8)));

    assert!(alive(&strand));
    wait_until("the outage's end logged", || !strand.log_lines(REACHABLE_AGAIN).is_empty());
    assert_eq!(strand.log_lines(UNREACHABLE).len(), 1, "one line per outage: {:?}", strand.log_lines(UNREACHABLE));
    let again = strand.log_lines(REACHABLE_AGAIN);
    assert_eq!(again.len(), 1, "one line per outage: {again:?}");
    assert!(again[0].contains("outage_ms"), "{}", again[0]);
    assert!(
        metric_sum(&strand, "strand_offset_store_errors_total") > errors_before,
        "strand_offset_store_errors_total did not move"
    );
    let (_, metrics) = strand.http_get("/metrics");
    assert!(metrics.contains("strand_offset_store_up{store=\"redis\"} 1"), "{metrics}");
    assert!(metrics.contains("strand_offset_store_duration_seconds"), "no latency metric");
}

#[test]
fn a_redis_crash_during_a_commit_loop_costs_retriable_errors_and_no_acknowledged_commit() {
    commits_survive(Outage::Crash, "crash-loop");
}

#[test]
fn a_stalled_redis_during_a_commit_loop_costs_retriable_errors_and_no_acknowledged_commit() {
    commits_survive(Outage::Stall, "stall-loop");
}

/// Two outages in a row are two log lines, not one per request and not one in all.
#[test]
fn each_redis_outage_is_logged_once() {
    let mut redis = Redis::start();
    let strand = on_redis(&redis, &[]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(raw_commit(&mut client, "twice", 1), 0);
    for outage in 1..=2 {
        redis.stop();
        for _ in 0..20 {
            assert_eq!(raw_commit(&mut client, "twice", 2), COORDINATOR_NOT_AVAILABLE);
        }
        redis.start_again();
        wait_until("commits work again", || raw_commit(&mut client, "twice", 3) == 0);
        // The log is read from the broker's stderr by a thread: wait for the line, then count.
        wait_until("the outage's end logged", || strand.log_lines(REACHABLE_AGAIN).len() >= outage);
        assert_eq!(strand.log_lines(UNREACHABLE).len(), outage, "{:?}", strand.log_lines(UNREACHABLE));
        assert_eq!(strand.log_lines(REACHABLE_AGAIN).len(), outage, "{:?}", strand.log_lines(REACHABLE_AGAIN));
    }
    assert_eq!(raw_fetch_offset(&mut client, 8, "twice"), (0, Some(3)));
}

/// Credentials revoked while strand is connected, then restored: redis-rs
/// reconnects by itself only after I/O errors, so once its reconnect is refused
/// at AUTH the broker must build a new connection to ever get back.
#[test]
fn commits_resume_once_revoked_credentials_are_restored() {
    let redis = Redis::start();
    redis.cli(&["ACL", "SETUSER", "strand", "on", ">s3cret", "~*", "+@all"]);
    let url = format!("redis://strand:s3cret@127.0.0.1:{}/0", redis.port());
    let strand = Strand::start_with(&["--offsets-store", &url]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(raw_commit(&mut client, "revoked", 1), 0);

    redis.cli(&["ACL", "SETUSER", "strand", "off"]);
    redis.cli(&["CLIENT", "KILL", "USER", "strand"]);
    wait_until("commits refused while the user is off", || {
        raw_commit(&mut client, "revoked", 2) == COORDINATOR_NOT_AVAILABLE
    });
    assert_eq!(raw_fetch_offset(&mut client, 8, "revoked").0, COORDINATOR_NOT_AVAILABLE);
    // Long enough for several refused reconnects at the probe's backoff.
    std::thread::sleep(Duration::from_secs(3));

    redis.cli(&["ACL", "SETUSER", "strand", "on"]);
    wait_until("commits work again", || raw_commit(&mut client, "revoked", 3) == 0);
    assert_eq!(raw_fetch_offset(&mut client, 8, "revoked"), (0, Some(3)));
    assert_eq!(stored_offset(&redis, "revoked", TOPIC, 0).and_then(|v| v["offset"].as_i64()), Some(3));
    wait_until("the outage's end logged", || !strand.log_lines(REACHABLE_AGAIN).is_empty());
    assert_eq!(strand.log_lines(UNREACHABLE).len(), 1, "{:?}", strand.log_lines(UNREACHABLE));
}

/// A group's state as DescribeGroups v5 tells it.
fn group_state(client: &mut RawClient, group: &str) -> String {
    let request = kafka_protocol::messages::DescribeGroupsRequest::default().with_groups(vec![group_id(group)]);
    client.send(5, &request).groups[0].group_state.to_string()
}

/// The group's record in `strand:groups`, if there is one.
fn group_record(redis: &Redis, group: &str) -> Option<serde_json::Value> {
    let value = redis.cli(&["HGET", "strand:groups", group]);
    let value = value.trim_end();
    (!value.is_empty())
        .then(|| serde_json::from_str(value).unwrap_or_else(|e| panic!("strand:groups {group} = {value:?}: {e}")))
}

/// Redis that answers but refuses writes (a replica requirement it cannot meet,
/// NOREPLICAS; out of memory would answer alike) is failing, not away: commits
/// answer COORDINATOR_NOT_AVAILABLE and count as write errors, and what could not
/// be stored meanwhile is stored once Redis accepts writes again, here the
/// record saying since when a group that emptied meanwhile has been Empty (the
/// time offset expiry counts from after a restart).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_refuses_writes_commits_fail_retriably_and_a_group_emptied_meanwhile_is_recorded_after() {
    let redis = Redis::start();
    let strand = on_redis(&redis, &[]);
    produce(&strand, TOPIC, &["only".to_owned()]).await;
    let group = "refused";
    let member = consumer(&strand, group);
    member.subscribe(&[TOPIC]).expect("subscribe");
    assert_eq!(next_message(&member).0, 0);
    member.commit_consumer_state(CommitMode::Sync).expect("commit");
    wait_until("the member's group recorded", || group_record(&redis, group).is_some());
    assert!(group_record(&redis, group).expect("record")["empty_since"].is_null());
    let write_errors = metric_sum_where(&strand, "strand_offset_store_errors_total", "operation=\"write\"");

    redis.cli(&["CONFIG", "SET", "min-replicas-to-write", "1"]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(raw_commit(&mut client, "refused-raw", 1), COORDINATOR_NOT_AVAILABLE);
    assert!(
        metric_sum_where(&strand, "strand_offset_store_errors_total", "operation=\"write\"") > write_errors,
        "a refused write is not counted"
    );
    let left_at = now_ms();
    member.unsubscribe();
    drop(member);
    wait_until("the group Empty", || group_state(&mut client, group) == "Empty");
    // The broker tries to store the Empty state now, and Redis refuses it.
    std::thread::sleep(Duration::from_secs(1));
    assert!(group_record(&redis, group).expect("record")["empty_since"].is_null());

    redis.cli(&["CONFIG", "SET", "min-replicas-to-write", "0"]);
    assert_eq!(raw_commit(&mut client, "refused-raw", 2), 0);
    assert_eq!(raw_fetch_offset(&mut client, 8, "refused-raw"), (0, Some(2)));
    wait_until("the Empty group's record stored once Redis accepts writes", || {
        group_record(&redis, group).is_some_and(|record| !record["empty_since"].is_null())
    });
    let since = group_record(&redis, group).expect("record")["empty_since"].as_i64().expect("empty_since");
    assert!((left_at - 1000..=left_at + 5000).contains(&since), "empty_since {since}, the member left at {left_at}");
    assert!(alive(&strand));
}

// (4) ----------------------------------------------------------------------------

/// Asserts `strand` refused to start: exit 2, a `strand: ` line on stderr that
/// contains every one of `reasons` (any of the alternatives) and not `secret`.
fn refused(args: &[&str], reasons: &[&[&str]], secret: Option<&str>) {
    let started = Instant::now();
    let (code, stderr) = run_to_exit(args);
    assert_eq!(code, Some(2), "strand {args:?}: exit {code:?}, stderr:\n{stderr}");
    let line = stderr
        .lines()
        .find(|line| line.starts_with("strand: "))
        .unwrap_or_else(|| panic!("no `strand: ` line on stderr:\n{stderr}"));
    for alternatives in reasons {
        assert!(
            alternatives.iter().any(|reason| line.to_lowercase().contains(&reason.to_lowercase())),
            "{line:?} names none of {alternatives:?}"
        );
    }
    if let Some(secret) = secret {
        assert!(!stderr.contains(secret), "the password is on stderr:\n{stderr}");
    }
    assert!(!stderr.contains("listening"), "the broker listened before refusing:\n{stderr}");
    eprintln!("{args:?}: exit 2 in {:?}: {line}", started.elapsed());
}

#[test]
fn a_redis_nobody_listens_on_stops_the_start_with_exit_2() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{port}/0");
    refused(&["--offsets-store", &url], &[&[&port.to_string()], &["refused", "connect"]], None);
}

#[test]
fn a_wrong_redis_password_stops_the_start_with_exit_2_and_the_password_unprinted() {
    let redis = Redis::start_with_password("right-secret");
    let url = format!("redis://:wrong-secret@127.0.0.1:{}/0", redis.port());
    refused(&["--offsets-store", &url], &[&["WRONGPASS", "auth", "password"]], Some("wrong-secret"));
    // No password at all, to a Redis that wants one.
    let url = format!("redis://127.0.0.1:{}/0", redis.port());
    refused(&["--offsets-store", &url], &[&["NOAUTH", "auth", "password"]], None);
    // The right one starts, and the URL is accepted from the environment too.
    let mut child = Command::new(env!("CARGO_BIN_EXE_strand"))
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--http-listen", ""])
        .arg("--data-dir")
        .arg(redis.dir().join("strand-data"))
        .env("STRAND_OFFSETS_STORE", redis.url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let listening = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stderr).lines().map_while(Result::ok).any(|line| line.contains("listening"))
    });
    let deadline = Instant::now() + BOUND;
    while !listening.is_finished() {
        if Instant::now() >= deadline || child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let exited = child.try_wait().expect("try_wait");
    let _ = child.kill();
    let _ = child.wait();
    assert!(exited.is_none(), "strand with the right password exited: {exited:?}");
    assert!(listening.join().expect("reader"), "strand with the right password did not listen");
}

#[test]
fn a_bad_offsets_store_spec_stops_the_start_with_exit_2() {
    refused(&["--offsets-store", "redis://127.0.0.1:notaport/0"], &[&["redis://127.0.0.1"]], None);
    refused(&["--offsets-store", "postgres://u:pw@h/db"], &[&["file", "redis"]], Some("u:pw@"));
    refused(&["--offsets-store", "Redis"], &[&["file", "redis"]], None);
}

/// A CA and a server certificate for 127.0.0.1 it signed (`ca.pem`,
/// `server.pem`, `server.key` in the returned dir).
fn test_pki() -> tempfile::TempDir {
    use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "strand test CA");
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("server params");
    params.distinguished_name.push(DnType::CommonName, "redis");
    params.extended_key_usages.push(ExtendedKeyUsagePurpose::ServerAuth);
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &issuer).expect("server certificate");
    std::fs::write(dir.path().join("server.pem"), cert.pem()).expect("write");
    std::fs::write(dir.path().join("server.key"), key.serialize_pem()).expect("write");
    std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).expect("write");
    dir
}

/// `rediss://`: strand checks Redis' certificate, against the trust store
/// SSL_CERT_FILE names for a private CA: without it the start is refused with
/// exit 2, with it commits go over TLS into Redis.
#[test]
fn rediss_checks_the_certificate_against_ssl_cert_file_and_commits_over_tls() {
    let pki = test_pki();
    let path = |name: &str| pki.path().join(name).to_str().expect("UTF-8 temp path").to_owned();
    let tls_port = common::redis::free_port().to_string();
    let redis = Redis::start_with(
        None,
        &[
            "--tls-port",
            &tls_port,
            "--tls-cert-file",
            &path("server.pem"),
            "--tls-key-file",
            &path("server.key"),
            "--tls-ca-cert-file",
            &path("ca.pem"),
            "--tls-auth-clients",
            "no",
        ],
    );
    let url = format!("rediss://127.0.0.1:{tls_port}/0");
    refused(&["--offsets-store", &url], &[&["certificate", "UnknownIssuer", "tls"]], None);

    let strand = Strand::start_with_env(&["--offsets-store", &url], &[("SSL_CERT_FILE", &path("ca.pem"))]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(raw_commit(&mut client, "over-tls", 11), 0);
    let stored = stored_offset(&redis, "over-tls", TOPIC, 0).expect("the commit in Redis");
    assert_eq!(stored["offset"], 11);
    // And it is read back over TLS by the next broker.
    drop(strand);
    let strand = Strand::start_with_env(&["--offsets-store", &url], &[("SSL_CERT_FILE", &path("ca.pem"))]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(raw_fetch_offset(&mut client, 8, "over-tls"), (0, Some(11)));
}

// (5) ----------------------------------------------------------------------------

const FAST_EXPIRY: &[&str] = &["--offsets-retention-minutes", "1", "--offsets-retention-check-interval-ms", "1000"];

/// Offset expiry (Kafka's `offsets.retention.minutes`) on the Redis store: a
/// simple group's offset goes one retention after its commit, a consumer group's
/// one retention after it became Empty, also when the broker restarted on an
/// empty data dir in between (the Empty-since time comes from `strand:groups`);
/// and what expires is gone from Redis too, group record and all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_expire_from_redis_one_retention_after_the_group_became_empty() {
    let redis = Redis::start();
    let mut strand = on_redis(&redis, FAST_EXPIRY);
    produce(&strand, TOPIC, &(0..5).map(|i| format!("m{i}")).collect::<Vec<_>>()).await;
    let group = "expiring";
    let member = consumer(&strand, group);
    member.subscribe(&[TOPIC]).expect("subscribe");
    for expected in 0..5 {
        assert_eq!(next_message(&member).0, expected);
    }
    member.commit_consumer_state(CommitMode::Sync).expect("commit");
    let simple = consumer(&strand, "simple");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(TOPIC, 0, Offset::Offset(2)).unwrap();
    simple.commit(&tpl, CommitMode::Sync).expect("simple commit");
    let committed_at = Instant::now();
    drop(simple);
    // A member for 12 s more: a retention counted from the commit would end 12 s early.
    while committed_at.elapsed() < Duration::from_secs(12) {
        assert!(member.poll(Duration::from_millis(200)).is_none_or(|m| m.is_ok()));
    }
    drop(member);
    let left_at = Instant::now();
    assert!(stored_offset(&redis, group, TOPIC, 0).is_some());
    assert!(stored_offset(&redis, "simple", TOPIC, 0).is_some());

    // A new broker, on an empty data dir, 20 s after the leave: only Redis knows since when the group is Empty.
    std::thread::sleep(Duration::from_secs(20));
    drop(strand);
    strand = on_redis(&redis, FAST_EXPIRY);
    assert_eq!(committed(&strand, group), Offset::Offset(5));

    let deadline = committed_at + Duration::from_secs(60 + 8);
    while stored_offset(&redis, "simple", TOPIC, 0).is_some() {
        assert!(Instant::now() < deadline, "the simple group's offset outlived its retention in Redis");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(committed(&strand, "simple"), Offset::Invalid);
    assert_eq!(redis.cli(&["EXISTS", "strand:offsets:simple"]).trim(), "0");
    while left_at.elapsed() < Duration::from_secs(55) {
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(stored_offset(&redis, group, TOPIC, 0).is_some(), "expired before a minute since the leave");
    assert_eq!(committed(&strand, group), Offset::Offset(5));
    let deadline = left_at + Duration::from_secs(60 + 8);
    while redis.cli(&["EXISTS", &format!("strand:offsets:{group}")]).trim() != "0"
        || !redis.cli(&["HGET", "strand:groups", group]).trim().is_empty()
    {
        assert!(Instant::now() < deadline, "the group's offsets or record outlived a minute since the leave in Redis");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(committed(&strand, group), Offset::Invalid);
    assert!(redis.cli(&["HGET", "strand:groups", "simple"]).trim().is_empty());

    // And a broker started afresh on the same Redis finds nothing to bring back.
    drop(strand);
    let strand = on_redis(&redis, FAST_EXPIRY);
    assert_eq!(committed(&strand, group), Offset::Invalid);
}
