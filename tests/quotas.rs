//! Client quota enforcement against the real `strand` binary: librdkafka
//! producers and consumers held to their byte rates while a client without a
//! quota runs beside them unaffected, and the protocol details a raw client
//! sees (throttle_time_ms, the mute after a throttled response, a throttled
//! Fetch answered empty, KIP-599's THROTTLING_QUOTA_EXCEEDED).
//!
//! The quotas are set on client-id entities in the broker's quota store
//! (`client-quotas` in the data dir, the file AlterClientQuotas keeps), written
//! before the broker starts: a flag would apply to every client id, and the
//! client beside the throttled one must have no quota.
//!
//! Window choice for the throughput checks: Kafka's `Rate` measures over at
//! least `quota.window.num - 1` full windows, so a client's first burst of
//! `(num - 1) x size x quota` goes through unthrottled. With Kafka's default
//! 11 x 1 s that is 10 s of quota, and a 10 s run would measure about twice the
//! quota however exact the throttling is. These tests run with 2 windows of
//! 1 s: the burst is one second of quota, so over the runs of about 8 s below
//! the expected throughput is at most 1 + 1/8 of the quota, inside the 20%
//! the check allows, while a broker that did not throttle (or throttled too
//! little or too much) is far outside it. The consumers fetch 64 KiB at a
//! time: a 1 MiB/s quota over 1 s windows lets one answer hold the whole
//! window (1 MiB, the cap Kafka puts on a fetch), and a measure moving in
//! steps of a full second of quota throttles by whole seconds (we measured
//! 0.79 MiB/s that way, on Kafka's arithmetic); smaller answers let it follow
//! the rate as it does for the producer's 64 KiB batches.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{RawClient, Strand, TOPIC};
use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::FetchPartition;
use kafka_protocol::messages::{
    ApiVersionsRequest, CreatePartitionsRequest, CreateTopicsRequest, DeleteTopicsRequest, FetchResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;
use rdkafka::{Offset, TopicPartitionList};

const MIB: f64 = 1024.0 * 1024.0;
/// The quota the throughput tests hold clients to: 1 MiB/s.
const QUOTA: u64 = 1 << 20;
const WINDOWS: [&str; 4] = ["--quota-window-num", "2", "--quota-window-size-seconds", "1"];
/// How long the producers produce.
const RUN: Duration = Duration::from_secs(8);
const VALUE_BYTES: usize = 4096;

/// Starts a broker whose quota store holds `quotas` (client id, quota key,
/// value) before it starts, with `args` besides.
fn start_with_quotas(quotas: &[(&str, &str, f64)], args: &[&str]) -> Strand {
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut text = String::from("version = 1\n");
    for (client_id, key, value) in quotas {
        text.push_str(&format!(
            "\n[[quota]]\nentity = [{{ type = \"client-id\", name = \"{client_id}\" }}]\nvalues = {{ {key} = {value:?} }}\n"
        ));
    }
    std::fs::write(data_dir.join("client-quotas"), text).unwrap();
    Strand::start_at(data_dir, Some(temp), args)
}

/// What a client's statistics and deliveries showed.
#[derive(Default)]
struct Observed {
    /// The largest broker throttle time any statistics report showed, in ms.
    max_throttle_ms: Mutex<i64>,
    delivered: AtomicU64,
    delivered_bytes: AtomicU64,
    failed: AtomicU64,
}

impl Observed {
    fn max_throttle_ms(&self) -> i64 {
        *self.max_throttle_ms.lock().unwrap()
    }
}

#[derive(Clone)]
struct Context(Arc<Observed>);

impl ClientContext for Context {
    fn stats(&self, statistics: Statistics) {
        let seen = statistics.brokers.values().filter_map(|b| b.throttle.as_ref()).map(|w| w.max).max();
        if let Some(seen) = seen {
            let mut max = self.0.max_throttle_ms.lock().unwrap();
            *max = (*max).max(seen);
        }
    }
}

impl ProducerContext for Context {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(message) => {
                self.0.delivered.fetch_add(1, Ordering::Relaxed);
                let bytes = message.payload().map_or(0, |p| p.len() as u64);
                self.0.delivered_bytes.fetch_add(bytes, Ordering::Relaxed);
            }
            Err(_) => {
                self.0.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl ConsumerContext for Context {}

fn config(strand: &Strand, client_id: &str) -> rdkafka::ClientConfig {
    let mut config = strand.client_config();
    config.set("client.id", client_id).set("statistics.interval.ms", "200");
    config
}

/// Produces `VALUE_BYTES` values numbered from 0 as fast as the producer
/// takes them for `RUN` or until `limit` are sent, then waits for every
/// delivery: how many were sent, the bytes per second over the whole run, and
/// what the client observed.
fn produce_for_run(strand: &Strand, client_id: &str, limit: u64) -> (u64, f64, Arc<Observed>) {
    let observed = Arc::new(Observed::default());
    let producer: ThreadedProducer<Context> = config(strand, client_id)
        .set("linger.ms", "5")
        .set("batch.size", "65536")
        // A small queue: the loop below waits on the throttled broker instead
        // of piling up what it would deliver long after the run.
        .set("queue.buffering.max.kbytes", "512")
        .set("message.timeout.ms", "120000")
        .create_with_context(Context(observed.clone()))
        .expect("producer");
    let started = Instant::now();
    let mut sent = 0u64;
    while started.elapsed() < RUN && sent < limit {
        let mut value = vec![b'x'; VALUE_BYTES];
        value[..8].copy_from_slice(&sent.to_be_bytes());
        let key = client_id.to_owned();
        let mut record = BaseRecord::to(TOPIC).key(&key).payload(&value);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
        sent += 1;
    }
    producer.flush(Duration::from_secs(60)).expect("every message delivered");
    let elapsed = started.elapsed().as_secs_f64();
    // A last statistics report, so a throttle near the end is seen too.
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(observed.failed.load(Ordering::Relaxed), 0, "{client_id}: deliveries failed");
    assert_eq!(observed.delivered.load(Ordering::Relaxed), sent, "{client_id}: not every message was delivered");
    let rate = observed.delivered_bytes.load(Ordering::Relaxed) as f64 / elapsed;
    (sent, rate, observed)
}

/// The numbers of the values `client_id` produced, as a consumer reads them back.
fn read_back(strand: &Strand, client_id: &str, expected: usize) -> BTreeSet<u64> {
    let consumer: BaseConsumer = strand
        .client_config()
        .set("group.id", "read-back")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(TOPIC, 0, Offset::Beginning).unwrap();
    consumer.assign(&assignment).unwrap();
    let end = consumer.fetch_watermarks(TOPIC, 0, Duration::from_secs(10)).unwrap().1;
    let mut numbers = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut position = 0;
    while position < end {
        assert!(Instant::now() < deadline, "read back only up to offset {position} of {end}");
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                position = m.offset() + 1;
                if m.key() == Some(client_id.as_bytes()) {
                    let payload = m.payload().unwrap();
                    assert!(numbers.insert(u64::from_be_bytes(payload[..8].try_into().unwrap())), "a duplicate");
                }
            }
            Some(Err(e)) => panic!("read back: {e}"),
            None => {}
        }
    }
    assert_eq!(numbers.len(), expected, "{client_id}: records missing from the log");
    numbers
}

/// The check: throughput within 20% of the quota, and librdkafka's
/// own statistics saw the broker throttle it.
fn assert_held_to_quota(rate: f64, observed: &Observed) {
    assert!(
        (rate - QUOTA as f64).abs() <= 0.2 * QUOTA as f64,
        "throughput {:.3} MiB/s is not within 20% of the 1 MiB/s quota",
        rate / MIB
    );
    assert!(observed.max_throttle_ms() > 0, "librdkafka's statistics report no throttling");
}

#[test]
fn a_producer_over_its_quota_is_held_to_it_while_another_runs_unaffected() {
    let strand = start_with_quotas(&[("throttled", "producer_byte_rate", QUOTA as f64)], &WINDOWS);
    let free = std::thread::scope(|scope| {
        // The free producer stops after 8 MiB, a few seconds at most even
        // on a loaded machine, so the log stays small.
        let free = scope.spawn(|| produce_for_run(&strand, "free", 8 * (1 << 20) / VALUE_BYTES as u64));
        let (sent, rate, observed) = produce_for_run(&strand, "throttled", u64::MAX);
        eprintln!(
            "throttled producer: {:.3} MiB/s against a quota of {:.3} MiB/s, statistics' max throttle {} ms",
            rate / MIB,
            QUOTA as f64 / MIB,
            observed.max_throttle_ms()
        );
        assert_held_to_quota(rate, &observed);
        let numbers = read_back(&strand, "throttled", sent as usize);
        assert_eq!(numbers.last().copied(), Some(sent - 1));
        free.join().unwrap()
    });
    let (sent, rate, observed) = free;
    eprintln!("free producer: {:.3} MiB/s, statistics' max throttle {} ms", rate / MIB, observed.max_throttle_ms());
    assert_eq!(observed.max_throttle_ms(), 0, "the client without a quota was throttled");
    assert!(rate > 2.0 * QUOTA as f64, "the client without a quota ran at only {:.3} MiB/s", rate / MIB);
    read_back(&strand, "free", sent as usize);
    let (_, metrics) = strand.http_get("/metrics");
    assert!(
        metrics.lines().any(|l| l.starts_with("strand_quota_throttled_requests_total{quota=\"Produce\"}")),
        "no throttled Produce counted in /metrics"
    );
}

/// Reads the whole partition from the start: the bytes per second from the
/// assignment to the last record, and what the client observed.
fn consume_all(strand: &Strand, client_id: &str, end: i64) -> (f64, Arc<Observed>) {
    let observed = Arc::new(Observed::default());
    let consumer: BaseConsumer<Context> = config(strand, client_id)
        .set("group.id", client_id)
        .set("fetch.max.bytes", "65536")
        .set("message.max.bytes", "65536")
        .set("fetch.error.backoff.ms", "10")
        .set("max.partition.fetch.bytes", "65536")
        .set("enable.auto.commit", "false")
        .create_with_context(Context(observed.clone()))
        .expect("consumer");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(TOPIC, 0, Offset::Beginning).unwrap();
    let started = Instant::now();
    consumer.assign(&assignment).unwrap();
    let (mut bytes, mut next) = (0u64, 0i64);
    let deadline = started + Duration::from_secs(60);
    while next < end {
        assert!(Instant::now() < deadline, "{client_id}: only up to offset {next} of {end} in time");
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                assert_eq!(m.offset(), next, "{client_id}: a record skipped");
                bytes += m.payload().map_or(0, |p| p.len() as u64);
                next += 1;
            }
            Some(Err(e)) => panic!("{client_id}: {e}"),
            None => {}
        }
    }
    let rate = bytes as f64 / started.elapsed().as_secs_f64();
    // Statistics arrive from poll: keep polling for one more report.
    let until = Instant::now() + Duration::from_millis(400);
    while Instant::now() < until {
        consumer.poll(Duration::from_millis(50));
    }
    (rate, observed)
}

#[test]
fn a_consumer_over_its_quota_is_held_to_it_while_another_runs_unaffected() {
    let strand = start_with_quotas(&[("slow", "consumer_byte_rate", QUOTA as f64)], &WINDOWS);
    // 9 MiB in the log: about 8 s at the quota, the first second's burst aside.
    // Batches of at most 64 KiB: a fetch returns its first batch whole (KIP-74).
    let producer: ThreadedProducer<Context> = config(&strand, "loader")
        .set("linger.ms", "5")
        .set("batch.size", "65536")
        .create_with_context(Context(Arc::default()))
        .expect("producer");
    let count = 9 * (1 << 20) / VALUE_BYTES;
    for _ in 0..count {
        let value = vec![b'y'; VALUE_BYTES];
        let mut record = BaseRecord::<(), _>::to(TOPIC).payload(&value);
        while let Err((_, back)) = producer.send(record) {
            record = back;
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    producer.flush(Duration::from_secs(60)).unwrap();
    let end = count as i64;
    let (fast, (rate, observed)) = std::thread::scope(|scope| {
        let fast = scope.spawn(|| consume_all(&strand, "fast", end));
        let slow = consume_all(&strand, "slow", end);
        (fast.join().unwrap(), slow)
    });
    eprintln!(
        "throttled consumer: {:.3} MiB/s against a quota of {:.3} MiB/s, statistics' max throttle {} ms",
        rate / MIB,
        QUOTA as f64 / MIB,
        observed.max_throttle_ms()
    );
    assert_held_to_quota(rate, &observed);
    let (fast_rate, fast_observed) = fast;
    eprintln!(
        "free consumer: {:.3} MiB/s, statistics' max throttle {} ms",
        fast_rate / MIB,
        fast_observed.max_throttle_ms()
    );
    assert_eq!(fast_observed.max_throttle_ms(), 0, "the client without a quota was throttled");
    assert!(fast_rate > 2.0 * QUOTA as f64, "the client without a quota ran at only {:.3} MiB/s", fast_rate / MIB);
}

/// A v2 batch of `n` records of `bytes` each.
fn batch_of(n: usize, bytes: usize) -> bytes::Bytes {
    let value = vec![b'z'; bytes];
    let values: Vec<&[u8]> = (0..n).map(|_| value.as_slice()).collect();
    common::batch(&values, 1_700_000_000_000)
}

#[test]
fn a_throttled_produce_carries_its_throttle_time_and_mutes_the_connection() {
    // 10 000 B/s over 2 windows of 1 s: a 30 000-byte request measures
    // 30 000 B/s over the 1 s minimum window, 2x over, so 2 s of throttle.
    let strand = Strand::start_with(&[&WINDOWS[..], &["--quota-producer-byte-rate", "10000"]].concat());
    let mut client = RawClient::connect(&strand.addr);
    let records = batch_of(1, 30_000);
    let partition = kafka_protocol::messages::produce_request::PartitionProduceData::default()
        .with_index(0)
        .with_records(Some(records));
    let topic = kafka_protocol::messages::produce_request::TopicProduceData::default()
        .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
        .with_partition_data(vec![partition]);
    let request = kafka_protocol::messages::ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(5000)
        .with_topic_data(vec![topic]);
    let response = client.send(9, &request);
    assert_eq!(response.responses[0].partition_responses[0].error_code, 0, "the append itself succeeds");
    let throttle = response.throttle_time_ms;
    assert!((2000..=2100).contains(&throttle), "throttle_time_ms {throttle}, expected about 2000");
    // KIP-219: the next request on the connection is read only once the
    // throttle time has passed.
    let asked = Instant::now();
    let versions = client.send(2, &ApiVersionsRequest::default());
    let waited = asked.elapsed();
    assert_eq!(versions.error_code, 0);
    assert!(
        waited >= Duration::from_millis(throttle as u64 - 50),
        "answered after {waited:?}, inside the {throttle} ms mute"
    );
    // Another connection of the same client id is throttled by the same
    // measure but not muted: it gets its answer at once.
    let mut other = RawClient::connect(&strand.addr);
    assert_eq!(other.send(2, &ApiVersionsRequest::default()).throttle_time_ms, 0);
    let (_, metrics) = strand.http_get("/metrics");
    let count = metrics
        .lines()
        .find(|l| l.starts_with("strand_quota_throttled_requests_total{quota=\"Produce\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok());
    assert_eq!(count, Some(1.0), "one throttled Produce in /metrics");
    assert!(metrics.contains("strand_quota_throttle_time_seconds_sum{quota=\"Produce\"}"));
}

fn fetch_from(client: &mut RawClient, offset: i64) -> FetchResponse {
    client.fetch_response(FetchPartition::default().with_fetch_offset(offset))
}

#[test]
fn a_fetch_under_a_consumer_quota_is_capped_then_answered_empty_when_throttled() {
    // 10 000 B/s over 2 windows of 1 s: one window holds 10 000 bytes.
    let strand = Strand::start_with(&[&WINDOWS[..], &["--quota-consumer-byte-rate", "10000"]].concat());
    let mut client = RawClient::connect(&strand.addr);
    for _ in 0..6 {
        assert_eq!(client.produce(batch_of(1, 3000)).0, 0);
    }
    // Capped: the fetch asked for 1 MiB and gets what fits in 10 000 bytes.
    let first = fetch_from(&mut client, 0);
    assert_eq!(first.throttle_time_ms, 0);
    let records = first.responses[0].partitions[0].records.clone().unwrap();
    let offsets = common::batch_base_offsets(records.clone());
    assert!(records.len() <= 10_000 && offsets == vec![0, 1, 2], "got {} bytes, batches {offsets:?}", records.len());
    // About 9 300 bytes in the window; the next 9 300 take the rate over: the
    // answer is empty, its throttle time says for how long. (That its bytes
    // are taken back shows in the consumer test's throughput, which would
    // fall well under the quota if empty answers counted.)
    let second = fetch_from(&mut client, 3);
    assert!(second.throttle_time_ms > 0, "the second fetch was not throttled");
    assert!(second.responses.is_empty(), "a throttled fetch carried partitions: {:?}", second.responses);
    assert_eq!((second.error_code, second.session_id), (0, 0));
    let (_, metrics) = strand.http_get("/metrics");
    assert!(metrics.contains("strand_quota_throttled_requests_total{quota=\"Fetch\"} 1"), "{metrics}");
    // Once the windows have passed the same fetch is served.
    std::thread::sleep(Duration::from_secs(2));
    let third = fetch_from(&mut client, 3);
    assert_eq!(third.throttle_time_ms, 0);
    assert_eq!(common::batch_base_offsets(third.responses[0].partitions[0].records.clone().unwrap()), vec![3, 4, 5]);
}

fn create_topics(
    client: &mut RawClient,
    version: i16,
    topics: &[(&str, i32)],
) -> kafka_protocol::messages::CreateTopicsResponse {
    let topics = topics
        .iter()
        .map(|(name, partitions)| {
            CreatableTopic::default()
                .with_name(TopicName(StrBytes::from_string(name.to_string())))
                .with_num_partitions(*partitions)
                .with_replication_factor(-1)
        })
        .collect();
    client.send(version, &CreateTopicsRequest::default().with_topics(topics).with_timeout_ms(5000))
}

#[test]
fn create_topics_over_the_mutation_quota_is_throttling_quota_exceeded_from_v6() {
    // 2 partitions/s, KIP-599's bucket holds 2 x 2 windows x 1 s = 4.
    let strand = start_with_quotas(&[("raw-test", "controller_mutation_rate", 2.0)], &WINDOWS);
    let mut client = RawClient::connect(&strand.addr);
    // Strict (v7): 3 partitions leave 1, 3 more leave -2; the next topic
    // finds the bucket empty.
    let response = create_topics(&mut client, 7, &[("a", 3), ("b", 3)]);
    let results: Vec<(String, i16)> = response.topics.iter().map(|t| (t.name.to_string(), t.error_code)).collect();
    assert_eq!(results, vec![("a".into(), 0), ("b".into(), 0)]);
    // Kafka's strict quota throttles on a refusal only: what a granted
    // mutation overdraws is refused to the next one.
    assert_eq!(response.throttle_time_ms, 0);
    let response = create_topics(&mut client, 7, &[("c", 1)]);
    assert_eq!(response.topics[0].error_code, 89);
    let message = response.topics[0].error_message.as_ref().map(|m| m.to_string());
    assert_eq!(message.as_deref(), Some("The throttling quota has been exceeded."));
    // -2 permits at 2 per second: a second to wait, less what refilled since.
    assert!((900..=1000).contains(&response.throttle_time_ms), "throttle_time_ms {}", response.throttle_time_ms);
    // Permissive (v5): everything goes through, the response is throttled.
    let response = create_topics(&mut client, 5, &[("d", 4)]);
    assert_eq!(response.topics[0].error_code, 0);
    assert!(response.throttle_time_ms > 0, "a permissive CreateTopics over the quota was not throttled");
    // The bucket is 2 s in debt. Other connections of the client are not
    // muted (each refusal mutes its own), and their measure is the same:
    // DeleteTopics v5+ and CreatePartitions v3+ are strict, DeleteTopics v4
    // permissive.
    let other = || RawClient::connect(&strand.addr);
    let name = |n: &str| TopicName(StrBytes::from_string(n.to_owned()));
    let delete = DeleteTopicsRequest::default().with_topic_names(vec![name("a")]).with_timeout_ms(5000);
    assert_eq!(other().send(5, &delete).responses[0].error_code, 89);
    let grow = CreatePartitionsRequest::default()
        .with_topics(vec![CreatePartitionsTopic::default().with_name(name("b")).with_count(5)])
        .with_timeout_ms(5000);
    assert_eq!(other().send(3, &grow).results[0].error_code, 89);
    let deleted = other().send(4, &delete);
    assert_eq!(deleted.responses[0].error_code, 0);
    assert!(deleted.throttle_time_ms > 0);
    let (_, metrics) = strand.http_get("/metrics");
    assert!(metrics.contains("strand_quota_throttled_requests_total{quota=\"ControllerMutation\"} 5"), "{metrics}");
}

/// A Produce of `bytes` record bytes to partition 0 of TOPIC with `acks`, at `version`.
fn produce_request(bytes: usize, acks: i16) -> kafka_protocol::messages::ProduceRequest {
    use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
    let partition = PartitionProduceData::default().with_index(0).with_records(Some(batch_of(1, bytes)));
    let topic = TopicProduceData::default()
        .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
        .with_partition_data(vec![partition]);
    kafka_protocol::messages::ProduceRequest::default()
        .with_acks(acks)
        .with_timeout_ms(5000)
        .with_topic_data(vec![topic])
}

#[test]
fn a_client_before_kip_219_gets_its_response_at_once_and_its_next_request_waits() {
    let strand = Strand::start_with(&[&WINDOWS[..], &["--quota-producer-byte-rate", "10000"]].concat());
    let mut client = RawClient::connect(&strand.addr);
    // Produce v5 clients do not throttle themselves. Kafka 2.0+ still answers
    // at once (a late answer would make the producer retry and duplicate) and
    // holds back the next request by muting the connection.
    let asked = Instant::now();
    let response = client.send(5, &produce_request(30_000, -1));
    let answered = asked.elapsed();
    assert_eq!(response.responses[0].partition_responses[0].error_code, 0);
    let throttle = response.throttle_time_ms;
    assert!(throttle >= 2000, "throttle_time_ms {throttle}");
    assert!(
        answered < Duration::from_millis(throttle as u64 / 2),
        "answered after {answered:?}, held back by the {throttle} ms throttle"
    );
    let versions = client.send(2, &ApiVersionsRequest::default());
    assert_eq!(versions.error_code, 0);
    assert!(
        asked.elapsed() >= Duration::from_millis(throttle as u64 - 50),
        "the next request was answered after {:?}, inside the {throttle} ms mute",
        asked.elapsed()
    );
}

#[test]
fn a_mute_as_long_as_the_idle_timeout_closes_the_connection() {
    // 30 000 bytes at 1 000 B/s over 2 windows of 1 s: a 29 s throttle, longer
    // than the 2 s idle timeout (KIP-219 keeps connections.max.idle.ms).
    let strand = Strand::start_with(
        &[&WINDOWS[..], &["--quota-producer-byte-rate", "1000", "--connections-max-idle-ms", "2000"]].concat(),
    );
    let mut client = RawClient::connect(&strand.addr);
    let response = client.send(9, &produce_request(30_000, -1));
    assert!(response.throttle_time_ms > 25_000, "throttle_time_ms {}", response.throttle_time_ms);
    let closed_after = Instant::now();
    assert!(client.is_closed_by_peer(), "the muted connection was not closed");
    let waited = closed_after.elapsed();
    assert!(
        (Duration::from_millis(1500)..Duration::from_secs(20)).contains(&waited),
        "closed after {waited:?}, not at the 2 s idle timeout"
    );
}

#[test]
fn an_acks_0_produce_over_the_quota_mutes_the_connection_without_a_response() {
    let strand = Strand::start_with(&[&WINDOWS[..], &["--quota-producer-byte-rate", "10000"]].concat());
    let mut client = RawClient::connect(&strand.addr);
    let asked = Instant::now();
    client.send_only(9, &produce_request(30_000, 0));
    // The next request is read once the 2 s throttle has passed; nothing
    // answers the produce itself (the ApiVersions answer is the next frame).
    let versions = client.send(2, &ApiVersionsRequest::default());
    assert_eq!(versions.error_code, 0);
    let waited = asked.elapsed();
    assert!(waited >= Duration::from_millis(1950), "answered after {waited:?}, inside the mute");
    let (_, metrics) = strand.http_get("/metrics");
    assert!(metrics.contains("strand_quota_throttled_requests_total{quota=\"Produce\"} 1"), "{metrics}");
}

#[test]
fn a_broker_shutdown_ends_a_mute_at_once() {
    // 1 000 B/s: 30 000 bytes are 29 s of throttle.
    let mut strand = Strand::start_with(&[&WINDOWS[..], &["--quota-producer-byte-rate", "1000"]].concat());
    let mut client = RawClient::connect(&strand.addr);
    let throttle = client.send(9, &produce_request(30_000, -1)).throttle_time_ms;
    assert!(throttle > 25_000, "throttle_time_ms {throttle}");
    let stopping = Instant::now();
    assert!(strand.stop().success());
    // Shutdown waits for connections to finish their request, not their mute.
    assert!(stopping.elapsed() < Duration::from_secs(10), "shutdown took {:?}", stopping.elapsed());
}

#[test]
fn request_percentage_throttles_by_handler_time_at_most_one_window() {
    // 0.000001% of a thread: any request's handling time is far over it, and
    // Kafka caps a request-quota throttle at one window (1 s here).
    let strand = start_with_quotas(&[("raw-test", "request_percentage", 0.000001)], &WINDOWS);
    let mut client = RawClient::connect(&strand.addr);
    let metadata = client.send(12, &kafka_protocol::messages::MetadataRequest::default());
    assert!(
        (1..=1000).contains(&metadata.throttle_time_ms),
        "throttle_time_ms {}, expected within one window",
        metadata.throttle_time_ms
    );
    let (_, metrics) = strand.http_get("/metrics");
    assert!(metrics.contains("strand_quota_throttled_requests_total{quota=\"Request\"} 1"), "{metrics}");
}

/// A Produce of `bytes` on a new connection; its throttle_time_ms.
fn produce_throttle(strand: &Strand, bytes: usize) -> i32 {
    let response = RawClient::connect(&strand.addr).send(9, &produce_request(bytes, -1));
    assert_eq!(response.responses[0].partition_responses[0].error_code, 0);
    response.throttle_time_ms
}

#[test]
fn a_quota_set_by_alter_client_quotas_applies_to_the_next_request_and_its_removal_lifts_it() {
    use kafka_protocol::messages::alter_client_quotas_request::{EntityData, EntryData, OpData};
    use kafka_protocol::messages::AlterClientQuotasRequest;
    let strand = Strand::start_with(&WINDOWS);
    assert_eq!(produce_throttle(&strand, 30_000), 0, "throttled without a quota");
    // The raw client's id is `raw-test` (tests/common).
    let alter = |value: Option<f64>| {
        let entity = EntityData::default()
            .with_entity_type(StrBytes::from_static_str("client-id"))
            .with_entity_name(Some(StrBytes::from_static_str("raw-test")));
        let op = OpData::default()
            .with_key(StrBytes::from_static_str("producer_byte_rate"))
            .with_value(value.unwrap_or(0.0))
            .with_remove(value.is_none());
        let request = AlterClientQuotasRequest::default()
            .with_entries(vec![EntryData::default().with_entity(vec![entity]).with_ops(vec![op])]);
        let response = RawClient::connect(&strand.addr).send(1, &request);
        assert_eq!(response.entries[0].error_code, 0, "{:?}", response.entries[0].error_message);
    };
    alter(Some(10_000.0));
    // 30 000 bytes against 10 000 B/s over 2 windows of 1 s: 2 s of throttle.
    let throttle = produce_throttle(&strand, 30_000);
    assert!((2000..=2100).contains(&throttle), "throttle_time_ms {throttle}, expected about 2000");
    alter(None);
    assert_eq!(produce_throttle(&strand, 30_000), 0, "throttled after the quota was removed");
}
