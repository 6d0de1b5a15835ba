//! Many topics with many partitions, created and deleted at run time, against
//! the real `strand` binary: librdkafka's partitioner and per-partition reads,
//! auto-creation, restarts with many topics, topic churn under acks=all load,
//! kill -9 in the middle of creates and deletes, and long-polling fetches that
//! span partitions and topics (raw protocol, for the exact codes).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{batch, batch_base_offsets, RawClient, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, StrBytes};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Message, Timestamp};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use uuid::Uuid;

const TIMEOUT: Duration = Duration::from_secs(30);

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

/// zlib's CRC-32 (IEEE, reflected), as librdkafka's rd_crc32: its default
/// `consistent_random` partitioner puts a keyed message on crc32(key) % partitions.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn make_producer(strand: &Strand, extra: &[(&str, &str)]) -> FutureProducer {
    let mut config = strand.client_config();
    config.set("acks", "all").set("linger.ms", "5").set("message.timeout.ms", "20000");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    config.create().expect("producer")
}

fn admin(strand: &Strand) -> AdminClient<DefaultClientContext> {
    strand.client_config().create().expect("admin client")
}

fn admin_options() -> AdminOptions {
    AdminOptions::new().request_timeout(Some(TIMEOUT)).operation_timeout(Some(TIMEOUT))
}

/// Creates topics with rdkafka's admin client; panics unless every one is created.
async fn create_topics(admin: &AdminClient<DefaultClientContext>, topics: &[NewTopic<'_>]) {
    for result in admin.create_topics(topics, &admin_options()).await.expect("CreateTopics") {
        result.unwrap_or_else(|(name, code)| panic!("creating {name}: {code:?}"));
    }
}

async fn delete_topics(admin: &AdminClient<DefaultClientContext>, names: &[&str]) {
    for result in admin.delete_topics(names, &admin_options()).await.expect("DeleteTopics") {
        result.unwrap_or_else(|(name, code)| panic!("deleting {name}: {code:?}"));
    }
}

/// A record as read back: (offset, key, timestamp).
type Read = (i64, String, Timestamp);

/// Every record of each given partition, from offset 0 to its high watermark,
/// with one consumer assigned to all of them.
fn read_partitions(strand: &Strand, partitions: &[(&str, i32)]) -> BTreeMap<(String, i32), Vec<Read>> {
    let consumer: BaseConsumer = strand
        .client_config()
        .set("group.id", "strand-topics-tests")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "100")
        .create()
        .expect("consumer");
    let mut assignment = TopicPartitionList::new();
    let mut high = BTreeMap::new();
    let mut out: BTreeMap<(String, i32), Vec<Read>> = BTreeMap::new();
    for &(topic, partition) in partitions {
        let (low, hw) = consumer.fetch_watermarks(topic, partition, TIMEOUT).expect("watermarks");
        assert_eq!(low, 0, "{topic}[{partition}] log start");
        high.insert((topic.to_owned(), partition), hw);
        out.insert((topic.to_owned(), partition), Vec::new());
        assignment.add_partition_offset(topic, partition, Offset::Beginning).unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let total: i64 = high.values().sum();
    let mut read = 0;
    let deadline = Instant::now() + TIMEOUT;
    while read < total {
        assert!(Instant::now() < deadline, "{read} of {total} records in {TIMEOUT:?}");
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let tp = (m.topic().to_owned(), m.partition());
                let key = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
                let records = out.get_mut(&tp).expect("an assigned partition");
                if (records.len() as i64) < high[&tp] {
                    records.push((m.offset(), key, m.timestamp()));
                    read += 1;
                }
            }
            Some(Err(e)) => panic!("consume error {e}"),
            None => {}
        }
    }
    out
}

/// Metadata v12 for all topics: name -> (topic id, error, sorted partition indexes).
fn all_topics(client: &mut RawClient) -> BTreeMap<String, (Uuid, i16, Vec<i32>)> {
    let response = client.send(12, &MetadataRequest::default().with_topics(None));
    response
        .topics
        .iter()
        .map(|t| {
            let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
            let mut partitions: Vec<i32> = t.partitions.iter().map(|p| p.partition_index).collect();
            partitions.sort_unstable();
            for p in &t.partitions {
                assert_eq!(p.error_code, 0, "{name}[{}] error", p.partition_index);
                assert_eq!(p.leader_id, response.brokers[0].node_id, "{name}[{}] leader", p.partition_index);
                assert_eq!(p.replica_nodes, vec![p.leader_id], "{name}[{}] replicas", p.partition_index);
                assert_eq!(p.isr_nodes, vec![p.leader_id], "{name}[{}] isr", p.partition_index);
            }
            (name, (t.topic_id, t.error_code, partitions))
        })
        .collect()
}

/// Metadata v12 for the named topics, with allow_auto_topic_creation as given:
/// (error code, partition count) per topic in request order.
fn metadata_for(client: &mut RawClient, names: &[&str], allow_auto_create: bool) -> Vec<(i16, usize)> {
    let topics = names.iter().map(|n| MetadataRequestTopic::default().with_name(Some(topic_name(n)))).collect();
    let request =
        MetadataRequest::default().with_topics(Some(topics)).with_allow_auto_topic_creation(allow_auto_create);
    let response = client.send(12, &request);
    names
        .iter()
        .map(|n| {
            let t = response
                .topics
                .iter()
                .find(|t| t.name.as_ref().is_some_and(|m| m.0.as_str() == *n))
                .unwrap_or_else(|| panic!("no metadata entry for {n}"));
            (t.error_code, t.partitions.len())
        })
        .collect()
}

fn create_request(topics: &[(&str, i32)], configs: &[(&str, &str)]) -> CreateTopicsRequest {
    let configs: Vec<CreatableTopicConfig> = configs
        .iter()
        .map(|(k, v)| {
            CreatableTopicConfig::default()
                .with_name(StrBytes::from_string(k.to_string()))
                .with_value(Some(StrBytes::from_string(v.to_string())))
        })
        .collect();
    CreateTopicsRequest::default().with_timeout_ms(10_000).with_topics(
        topics
            .iter()
            .map(|(name, partitions)| {
                CreatableTopic::default()
                    .with_name(topic_name(name))
                    .with_num_partitions(*partitions)
                    .with_replication_factor(1)
                    .with_configs(configs.clone())
            })
            .collect(),
    )
}

/// CreateTopics v7: the error code per topic.
fn raw_create(client: &mut RawClient, topics: &[(&str, i32)]) -> Vec<i16> {
    client.send(7, &create_request(topics, &[])).topics.iter().map(|t| t.error_code).collect()
}

/// DeleteTopics v6 by name: the error code per topic.
fn raw_delete(client: &mut RawClient, names: &[&str]) -> Vec<i16> {
    let request = DeleteTopicsRequest::default()
        .with_timeout_ms(10_000)
        .with_topics(names.iter().map(|n| DeleteTopicState::default().with_name(Some(topic_name(n)))).collect());
    client.send(6, &request).responses.iter().map(|t| t.error_code).collect()
}

/// Produce v9, acks=-1, one batch to one partition: (error code, base offset).
fn raw_produce(client: &mut RawClient, topic: &str, partition: i32, records: Bytes) -> (i16, i64) {
    let request =
        ProduceRequest::default()
            .with_acks(-1)
            .with_timeout_ms(5000)
            .with_topic_data(vec![TopicProduceData::default().with_name(topic_name(topic)).with_partition_data(vec![
                PartitionProduceData::default().with_index(partition).with_records(Some(records)),
            ])]);
    let response = client.send(9, &request);
    let p = &response.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

/// A Fetch v12 for the given (topic, partition, offset)s.
fn fetch_request(wanted: &[(&str, i32, i64)], max_wait_ms: i32) -> FetchRequest {
    let mut by_topic: BTreeMap<&str, Vec<FetchPartition>> = BTreeMap::new();
    for (topic, partition, offset) in wanted {
        by_topic.entry(topic).or_default().push(
            FetchPartition::default()
                .with_partition(*partition)
                .with_fetch_offset(*offset)
                .with_partition_max_bytes(1 << 20),
        );
    }
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(50 << 20)
        .with_session_epoch(-1)
        .with_topics(
            by_topic
                .into_iter()
                .map(|(t, partitions)| FetchTopic::default().with_topic(topic_name(t)).with_partitions(partitions))
                .collect(),
        )
}

/// Reads the response to a Fetch v12 sent with `send_only`: per (topic,
/// partition), its error code and the base offsets of the batches it carries.
fn read_fetch(client: &mut RawClient) -> BTreeMap<(String, i32), (i16, Vec<i64>)> {
    let mut frame = client.read_frame().expect("fetch response");
    ResponseHeader::decode(&mut frame, 1).unwrap();
    let response = FetchResponse::decode(&mut frame, 12).unwrap();
    let mut out = BTreeMap::new();
    for topic in &response.responses {
        for p in &topic.partitions {
            let offsets = p.records.clone().map(batch_base_offsets).unwrap_or_default();
            out.insert((topic.topic.0.to_string(), p.partition_index), (p.error_code, offsets));
        }
    }
    out
}

#[tokio::test]
async fn keyed_produce_lands_where_librdkafka_computes_and_each_partition_reads_back_its_records() {
    const PARTITIONS: u32 = 8;
    let strand = Strand::start_with(&["--topic", "keyed:8"]);
    let producer = make_producer(&strand, &[]);
    let mut deliveries = Vec::new();
    for i in 0..400 {
        let key = format!("user-{i}");
        let record = FutureRecord::to("keyed").key(&key).payload("v");
        deliveries.push((key.clone(), producer.send_result(record).map_err(|(e, _)| e).expect("queued")));
    }
    let mut sent: BTreeMap<i32, Vec<(i64, String)>> = BTreeMap::new();
    for (key, delivery) in deliveries {
        let delivery = delivery.await.expect("not cancelled").unwrap_or_else(|(e, _)| panic!("{key}: {e}"));
        let expected = (crc32(key.as_bytes()) % PARTITIONS) as i32;
        assert_eq!(delivery.partition, expected, "{key}: librdkafka's consistent_random partitioner");
        sent.entry(delivery.partition).or_default().push((delivery.offset, key));
    }
    assert_eq!(sent.len(), PARTITIONS as usize, "400 keys reach every partition");
    let wanted: Vec<(&str, i32)> = (0..PARTITIONS as i32).map(|p| ("keyed", p)).collect();
    let mut read = read_partitions(&strand, &wanted);
    for (partition, mut records) in sent {
        records.sort();
        let offsets: Vec<i64> = records.iter().map(|(o, _)| *o).collect();
        assert_eq!(offsets, (0..records.len() as i64).collect::<Vec<_>>(), "partition {partition} offsets");
        let got: Vec<(i64, String)> = read
            .remove(&("keyed".to_owned(), partition))
            .unwrap_or_default()
            .into_iter()
            .map(|(o, k, _)| (o, k))
            .collect();
        assert_eq!(got, records, "partition {partition} holds exactly what was delivered to it");
    }
    // The partitions live in Kafka's layout, one directory each.
    for partition in 0..PARTITIONS {
        assert!(strand.data_dir.join(format!("keyed-{partition}")).is_dir(), "keyed-{partition}/");
    }
}

#[tokio::test]
async fn auto_creation_by_produce_and_by_metadata_with_num_partitions() {
    let strand = Strand::start_with(&["--auto-create-topics", "true", "--num-partitions", "3"]);
    // librdkafka's producer asks Metadata to create the topic it produces to.
    let producer = make_producer(&strand, &[("allow.auto.create.topics", "true")]);
    let delivery = producer
        .send(FutureRecord::to("made-by-produce").key("k").payload("v"), TIMEOUT)
        .await
        .unwrap_or_else(|(e, _)| panic!("produce to an unknown topic with auto-creation on: {e}"));
    assert_eq!(delivery.offset, 0);

    let mut client = RawClient::connect(&strand.addr);
    // Metadata alone creates it when allowed; the first answer may still say
    // UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE (Kafka's does), the next has it.
    let first = metadata_for(&mut client, &["made-by-metadata"], true)[0].0;
    assert!(
        [0, ResponseError::UnknownTopicOrPartition.code(), ResponseError::LeaderNotAvailable.code()].contains(&first),
        "first Metadata answer for an auto-created topic: error {first}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = metadata_for(&mut client, &["made-by-produce", "made-by-metadata"], false);
        if got == vec![(0, 3), (0, 3)] {
            break;
        }
        assert!(Instant::now() < deadline, "auto-created topics: {got:?}, expected 3 partitions each");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Not allowed by the request: not created.
    assert_eq!(
        metadata_for(&mut client, &["not-made"], false),
        vec![(ResponseError::UnknownTopicOrPartition.code(), 0)]
    );
    // A name Kafka refuses is never created, whatever the request allows.
    assert_eq!(metadata_for(&mut client, &["bad name!"], true), vec![(ResponseError::InvalidTopicException.code(), 0)]);
    let names: BTreeSet<String> = all_topics(&mut client).into_keys().collect();
    assert_eq!(names, BTreeSet::from([TOPIC, "made-by-produce", "made-by-metadata"].map(String::from)));

    // Without --auto-create-topics, Metadata never creates.
    let plain = Strand::start();
    let mut client = RawClient::connect(&plain.addr);
    assert_eq!(
        metadata_for(&mut client, &["never-made"], true),
        vec![(ResponseError::UnknownTopicOrPartition.code(), 0)]
    );
    assert_eq!(all_topics(&mut client).len(), 1);
}

/// Topic `t{i}`'s per-topic config, observable by behaviour: LogAppendTime on
/// every third topic, a small max.message.bytes on the next, the defaults else.
fn restart_config(i: usize) -> Vec<(&'static str, &'static str)> {
    match i % 3 {
        0 => vec![("message.timestamp.type", "LogAppendTime"), ("retention.ms", "86400000")],
        1 => vec![("max.message.bytes", "1000")],
        _ => vec![("retention.ms", "172800000")],
    }
}

/// Awaits a batch of sends; panics on any failure.
async fn deliver_all(deliveries: Vec<(String, DeliveryFuture)>) -> Vec<(String, i32, i64)> {
    let mut out = Vec::with_capacity(deliveries.len());
    for (key, delivery) in deliveries {
        let d = delivery.await.expect("not cancelled").unwrap_or_else(|(e, _)| panic!("{key}: {e}"));
        out.push((key, d.partition, d.offset));
    }
    out
}

/// Checks each topic `t{i}`'s config by behaviour: a 2000-byte record is
/// refused only where max.message.bytes is 1000; timestamps are the broker's
/// only where the type is LogAppendTime.
async fn check_restart_configs(strand: &Strand, producer: &FutureProducer, names: &[String]) {
    let big = vec![b'x'; 2000];
    let old = 1_600_000_000_000i64;
    let mut stamped = Vec::new();
    for (i, topic) in names.iter().enumerate() {
        let result = producer.send(FutureRecord::to(topic).partition(3).key("big").payload(&big), TIMEOUT).await;
        match (i % 3, result) {
            (1, Err((e, _))) => {
                assert_eq!(e.rdkafka_error_code(), Some(RDKafkaErrorCode::MessageSizeTooLarge), "{topic}")
            }
            (1, Ok(d)) => panic!("{topic}: a 2000-byte record accepted at {d:?} despite max.message.bytes=1000"),
            (_, Err((e, _))) => panic!("{topic}: a 2000-byte record refused: {e}"),
            (_, Ok(_)) => {}
        }
        let record = FutureRecord::to(topic).partition(2).key("stamp").payload("v").timestamp(old);
        stamped.push((topic.clone(), producer.send_result(record).map_err(|(e, _)| e).expect("queued")));
    }
    deliver_all(stamped).await;
    let wanted: Vec<(&str, i32)> = names.iter().map(|n| (n.as_str(), 2)).collect();
    let read = read_partitions(strand, &wanted);
    for (i, topic) in names.iter().enumerate() {
        let (offset, key, ts) = read[&(topic.clone(), 2)].last().cloned().expect("the record just produced");
        assert_eq!(key, "stamp", "{topic}");
        match (i % 3, ts) {
            (0, Timestamp::LogAppendTime(t)) => assert!(t > old, "{topic}: log append time {t}"),
            (0, other) => panic!("{topic}: LogAppendTime topic gave {other:?} at offset {offset}"),
            (_, Timestamp::CreateTime(t)) => assert_eq!(t, old, "{topic}"),
            (_, other) => panic!("{topic}: CreateTime topic gave {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_restart_keeps_many_topics_their_partitions_configs_and_data() {
    const TOPICS: usize = 20;
    let mut strand = Strand::start();
    let admin = admin(&strand);
    let names: Vec<String> = (0..TOPICS).map(|i| format!("t{i}")).collect();
    let configs: Vec<_> = (0..TOPICS).map(restart_config).collect();
    let new_topics: Vec<NewTopic> = names
        .iter()
        .zip(&configs)
        .map(|(name, config)| {
            config.iter().fold(NewTopic::new(name, 4, TopicReplication::Fixed(1)), |t, (k, v)| t.set(k, v))
        })
        .collect();
    create_topics(&admin, &new_topics).await;
    drop(admin);

    let producer = make_producer(&strand, &[]);
    let mut expected: BTreeMap<(String, i32), Vec<String>> = BTreeMap::new();
    let mut deliveries = Vec::new();
    for name in &names {
        for partition in 0..4 {
            for n in 0..5 {
                let key = format!("{name}-{partition}-{n}");
                let record = FutureRecord::to(name).partition(partition).key(&key).payload("data");
                let delivery = producer.send_result(record).map_err(|(e, _)| e).expect("queued");
                expected.entry((name.clone(), partition)).or_default().push(key.clone());
                deliveries.push((key, delivery));
            }
        }
    }
    deliver_all(deliveries).await;
    drop(producer);
    let before = all_topics(&mut RawClient::connect(&strand.addr));
    assert_eq!(before.len(), TOPICS + 1);

    strand.restart();
    let after = all_topics(&mut RawClient::connect(&strand.addr));
    assert_eq!(after, before, "topics, ids and partitions after a restart");
    let wanted: Vec<(&str, i32)> = names.iter().flat_map(|n| (0..4).map(move |p| (n.as_str(), p))).collect();
    for ((name, partition), records) in read_partitions(&strand, &wanted) {
        let dir = strand.data_dir.join(format!("{name}-{partition}"));
        assert!(dir.join("partition.metadata").is_file(), "{}", dir.display());
        let keys: Vec<String> = records.into_iter().map(|(_, k, _)| k).collect();
        assert_eq!(keys, expected[&(name.clone(), partition)], "{name}[{partition}] after the restart");
    }
    let producer = make_producer(&strand, &[]);
    check_restart_configs(&strand, &producer, &names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_and_creating_topics_under_acks_all_load_loses_no_acknowledged_record() {
    let mut strand = Strand::start_with(&["--topic", "s0:4", "--topic", "s1:4", "--topic", "s2:4"]);
    let stop = Arc::new(AtomicBool::new(false));
    let mut loaders = Vec::new();
    for t in 0..3 {
        let producer = make_producer(&strand, &[("linger.ms", "2")]);
        let stop = stop.clone();
        loaders.push(tokio::spawn(async move {
            let topic = format!("s{t}");
            let mut acked: Vec<(i32, i64, String)> = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let mut inflight = Vec::new();
                for _ in 0..50 {
                    let key = format!("{topic}-{n}");
                    n += 1;
                    let record = FutureRecord::to(&topic).key(&key).payload("load");
                    let delivery = producer.send_result(record).map_err(|(e, _)| e).expect("queued");
                    inflight.push((key, delivery));
                }
                for (key, delivery) in inflight {
                    let d = delivery.await.expect("not cancelled").unwrap_or_else(|(e, _)| {
                        panic!("{key}: a surviving topic refused a record during topic churn: {e}")
                    });
                    acked.push((d.partition, d.offset, key));
                }
            }
            acked
        }));
    }

    let admin = admin(&strand);
    let churn_producer = make_producer(&strand, &[]);
    for round in 0..12 {
        let names: Vec<String> = (0..3).map(|i| format!("churn-{}-{i}", round % 4)).collect();
        let new: Vec<NewTopic> = names.iter().map(|n| NewTopic::new(n, 4, TopicReplication::Fixed(1))).collect();
        create_topics(&admin, &new).await;
        for name in &names {
            churn_producer
                .send(FutureRecord::to(name).partition(round % 4).key("c").payload("churn"), TIMEOUT)
                .await
                .unwrap_or_else(|(e, _)| panic!("{name}: {e}"));
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        delete_topics(&admin, &refs).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for loader in loaders {
        acked.push(loader.await.expect("loader"));
    }
    drop(admin);
    drop(churn_producer);

    let check = |strand: &Strand, when: &str| {
        for (t, records) in acked.iter().enumerate() {
            let topic = format!("s{t}");
            assert!(records.len() >= 50, "{topic}: only {} records acknowledged", records.len());
            let wanted: Vec<(&str, i32)> = (0..4).map(|p| (topic.as_str(), p)).collect();
            let by_partition: BTreeMap<i32, BTreeMap<i64, String>> = read_partitions(strand, &wanted)
                .into_iter()
                .map(|((_, p), read)| (p, read.into_iter().map(|(o, k, _)| (o, k)).collect()))
                .collect();
            for (partition, offset, key) in records {
                assert_eq!(
                    by_partition[partition].get(offset),
                    Some(key),
                    "{topic}[{partition}]@{offset} {when}: acknowledged {key}"
                );
            }
        }
    };
    check(&strand, "after the churn");
    // The deleted topics' directories: renamed out of the way at once, removed soon after.
    let churn_dirs = |data_dir: &Path| -> Vec<String> {
        std::fs::read_dir(data_dir)
            .expect("data dir")
            .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("churn-"))
            .collect()
    };
    let live: Vec<String> = churn_dirs(&strand.data_dir).into_iter().filter(|n| !n.ends_with("-delete")).collect();
    assert_eq!(live, Vec::<String>::new(), "partition directories of deleted topics");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !churn_dirs(&strand.data_dir).is_empty() {
        assert!(Instant::now() < deadline, "still there 10 s after the deletes: {:?}", churn_dirs(&strand.data_dir));
        std::thread::sleep(Duration::from_millis(100));
    }
    let names: BTreeSet<String> = all_topics(&mut RawClient::connect(&strand.addr)).into_keys().collect();
    assert_eq!(names, BTreeSet::from([TOPIC, "s0", "s1", "s2"].map(String::from)), "only the churn went");
    strand.restart();
    check(&strand, "after a restart");
}

/// The kill -9 tests' topics.
const CRASH_TOPICS: usize = 12;
const CRASH_PARTITIONS: i32 = 4;

fn crash_name(i: usize) -> String {
    format!("crash-{i}")
}

/// Sends one request per crash topic, pipelined on one connection, and records
/// the names whose answer came back with error 0, until the broker goes away.
fn pipelined(
    addr: String,
    request: impl Fn(&str) -> Vec<u8> + Send + 'static,
    decode: impl Fn(Bytes) -> i16 + Send + 'static,
) -> (std::thread::JoinHandle<()>, Arc<std::sync::Mutex<Vec<String>>>) {
    let acked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = acked.clone();
    let handle = std::thread::spawn(move || {
        let mut client = RawClient::connect(&addr);
        let names: Vec<String> = (0..CRASH_TOPICS).map(crash_name).collect();
        for name in &names {
            client.send_raw(&request(name));
        }
        for name in &names {
            let Some(frame) = client.read_frame() else { return };
            if decode(frame) == 0 {
                record.lock().unwrap().push(name.clone());
            }
        }
    });
    (handle, acked)
}

/// A request's bytes after the size prefix, correlation id 0 (the tests match
/// responses by order).
fn encode_request<R: kafka_protocol::protocol::Request>(version: i16, request: &R) -> Vec<u8> {
    use kafka_protocol::protocol::Encodable;
    let header = RequestHeader::default()
        .with_request_api_key(R::KEY)
        .with_request_api_version(version)
        .with_client_id(Some(StrBytes::from_static_str("crash-test")));
    let mut body = bytes::BytesMut::new();
    header.encode(&mut body, R::header_version(version)).unwrap();
    request.encode(&mut body, version).unwrap();
    body.to_vec()
}

fn decode_response<R: kafka_protocol::protocol::Request>(mut frame: Bytes, version: i16) -> R::Response {
    let key = ApiKey::try_from(R::KEY).unwrap();
    ResponseHeader::decode(&mut frame, key.response_header_version(version)).unwrap();
    R::Response::decode(&mut frame, version).unwrap()
}

/// After a kill -9 and a restart: every crash topic whose create was answered
/// is there and every one whose delete was answered is gone; a listed topic
/// has all its partitions and exactly the `records` it had in partition 0 and
/// in its last partition; an unlisted one can be created again and is empty.
/// Leaves every crash topic existing.
fn check_after_crash(strand: &Strand, records: i64, created: &[String], deleted: &[String], what: &str) {
    let mut client = RawClient::connect(&strand.addr);
    let topics = all_topics(&mut client);
    for name in created {
        assert!(topics.contains_key(name), "{what}: the create of {name} was answered, yet it is gone");
    }
    for name in deleted {
        assert!(!topics.contains_key(name), "{what}: the delete of {name} was answered, yet it is back");
    }
    for i in 0..CRASH_TOPICS {
        let name = crash_name(i);
        let last = CRASH_PARTITIONS - 1;
        let expected = match topics.get(&name) {
            Some((_, error, partitions)) => {
                assert_eq!(*error, 0, "{what}: {name}");
                assert_eq!(*partitions, (0..CRASH_PARTITIONS).collect::<Vec<_>>(), "{what}: {name} all or nothing");
                records
            }
            None => {
                assert_eq!(raw_create(&mut client, &[(&name, CRASH_PARTITIONS)]), vec![0], "{what}: create {name}");
                0
            }
        };
        assert_eq!(read_first_partition(strand, &name), (0..expected).collect::<Vec<_>>(), "{what}: {name}[0]");
        let (error, offset) = raw_produce(&mut client, &name, last, batch(&[b"after"], 1));
        assert_eq!((error, offset), (0, expected), "{what}: produce to {name}[{last}]");
        let (error, offset) = raw_produce(&mut client, &name, 0, batch(&[b"after"], 1));
        assert_eq!((error, offset), (0, expected), "{what}: produce to {name}[0]");
    }
}

#[test]
fn kill_9_during_creates_and_deletes_leaves_a_data_dir_that_opens() {
    let mut strand = Strand::start();
    // Kills spread over the creates (each takes a few ms per partition), and
    // within the first milliseconds of the deletes (renames: much quicker).
    for (round, (delay_ms, delete_delay_ms)) in [(5u64, 1u64), (150, 4), (600, 10)].into_iter().enumerate() {
        // Creates, pipelined on one connection, the broker killed part way.
        let (creator, created) = pipelined(
            strand.addr.clone(),
            |name| encode_request(7, &create_request(&[(name, CRASH_PARTITIONS)], &[])),
            |frame| decode_response::<CreateTopicsRequest>(frame, 7).topics[0].error_code,
        );
        std::thread::sleep(Duration::from_millis(delay_ms));
        strand.kill();
        let _ = creator.join();
        strand.restart();
        let created = created.lock().unwrap().clone();
        let what = format!("round {round}, killed {delay_ms} ms into the creates ({} answered)", created.len());
        // No topic held records yet: each ends with one in partition 0 and one in the last.
        check_after_crash(&strand, 0, &created, &[], &what);

        let (deleter, deleted) = pipelined(
            strand.addr.clone(),
            |name| {
                let request = DeleteTopicsRequest::default()
                    .with_timeout_ms(10_000)
                    .with_topics(vec![DeleteTopicState::default().with_name(Some(topic_name(name)))]);
                encode_request(6, &request)
            },
            |frame| decode_response::<DeleteTopicsRequest>(frame, 6).responses[0].error_code,
        );
        std::thread::sleep(Duration::from_millis(delete_delay_ms));
        strand.kill();
        let _ = deleter.join();
        strand.restart();
        let deleted = deleted.lock().unwrap().clone();
        let what = format!("round {round}, killed {delete_delay_ms} ms into the deletes ({} answered)", deleted.len());
        check_after_crash(&strand, 1, &[], &deleted, &what);

        // Every crash topic exists again: delete them all for the next round,
        // which then also creates names deleted a moment before.
        let names: Vec<String> = (0..CRASH_TOPICS).map(crash_name).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(raw_delete(&mut RawClient::connect(&strand.addr), &refs), vec![0; CRASH_TOPICS], "round {round}");
    }
    // The default topic went through all of it.
    assert_eq!(all_topics(&mut RawClient::connect(&strand.addr))[TOPIC].2, vec![0]);
    strand.stop();
    assert_dir_opens(&strand.data_dir);
}

/// Partition 0 of a crash topic from offset 0 with a raw fetch: batch base offsets.
fn read_first_partition(strand: &Strand, topic: &str) -> Vec<i64> {
    let mut client = RawClient::connect(&strand.addr);
    client.send_only(12, &fetch_request(&[(topic, 0, 0)], 0));
    let response = read_fetch(&mut client);
    let (error, offsets) = response[&(topic.to_owned(), 0)].clone();
    assert_eq!(error, 0, "{topic}[0] fetch");
    offsets
}

/// `strand inspect` walks the data dir without an error.
fn assert_dir_opens(data_dir: &Path) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_strand"))
        .arg("inspect")
        .arg(data_dir)
        .output()
        .expect("strand inspect");
    assert!(output.status.success(), "strand inspect: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_long_polling_fetch_on_a_topic_that_is_deleted_ends_with_unknown_topic_or_partition() {
    let strand = Strand::start_with(&["--topic", "doomed:2", "--topic", "kept:1"]);
    let mut waiting = RawClient::connect(&strand.addr);
    // A minute-long wait on both partitions of the doomed topic and on another topic.
    waiting.send_only(12, &fetch_request(&[("doomed", 0, 0), ("doomed", 1, 0), ("kept", 0, 0)], 60_000));
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(raw_delete(&mut RawClient::connect(&strand.addr), &["doomed"]), vec![0]);
    let response = read_fetch(&mut waiting);
    assert!(started.elapsed() < Duration::from_secs(10), "the fetch ended {:?} after the delete", started.elapsed());
    let unknown = ResponseError::UnknownTopicOrPartition.code();
    assert_eq!(response[&("doomed".to_owned(), 0)].0, unknown, "{response:?}");
    assert_eq!(response[&("doomed".to_owned(), 1)].0, unknown, "{response:?}");
    if let Some((error, offsets)) = response.get(&("kept".to_owned(), 0)) {
        assert_eq!((*error, offsets.len()), (0, 0), "the other topic is fine and empty");
    }
    // The connection keeps serving.
    assert_eq!(all_topics(&mut waiting).keys().cloned().collect::<Vec<_>>(), vec![TOPIC.to_owned(), "kept".into()]);
}

#[test]
fn a_fetch_waiting_on_several_partitions_and_topics_wakes_on_an_append_to_any() {
    let strand = Strand::start_with(&["--topic", "multi:4", "--topic", "other:2"]);
    let mut producer = RawClient::connect(&strand.addr);
    let mut next = BTreeMap::new();
    for (topic, partition) in [("multi", 3), ("multi", 1), ("other", 1), ("multi", 0)] {
        let wanted: Vec<(&str, i32, i64)> = [("multi", 4), ("other", 2)]
            .iter()
            .flat_map(|(t, n)| (0..*n).map(move |p| (*t, p)))
            .map(|(t, p)| (t, p, *next.get(&(t, p)).unwrap_or(&0)))
            .collect();
        let mut waiting = RawClient::connect(&strand.addr);
        // A minute-long wait: if the append did not wake it, it would come back empty and late.
        waiting.send_only(12, &fetch_request(&wanted, 60_000));
        std::thread::sleep(Duration::from_millis(300));
        let started = Instant::now();
        let offset = *next.get(&(topic, partition)).unwrap_or(&0);
        assert_eq!(raw_produce(&mut producer, topic, partition, batch(&[b"wake"], 1)), (0, offset));
        let response = read_fetch(&mut waiting);
        assert!(started.elapsed() < Duration::from_secs(10), "woke {:?} after the append", started.elapsed());
        for ((t, p), (error, offsets)) in &response {
            assert_eq!(*error, 0, "{t}[{p}]");
            let expected = if (t.as_str(), *p) == (topic, partition) { vec![offset] } else { vec![] };
            assert_eq!(*offsets, expected, "{t}[{p}] after an append to {topic}[{partition}]");
        }
        next.insert((topic, partition), offset + 1);
    }
}

#[test]
fn metadata_by_topic_id_names_the_topic_and_an_unknown_id_is_unknown_topic_id() {
    let strand = Strand::start_with(&["--topic", "by-id:3"]);
    let mut client = RawClient::connect(&strand.addr);
    let (id, _, partitions) = all_topics(&mut client)["by-id"].clone();
    assert_eq!(partitions, vec![0, 1, 2]);
    let request = MetadataRequest::default().with_topics(Some(vec![
        MetadataRequestTopic::default().with_topic_id(id),
        MetadataRequestTopic::default().with_topic_id(Uuid::from_u128(0x5eed)),
    ]));
    let response = client.send(12, &request);
    assert_eq!(response.topics.len(), 2, "{response:?}");
    let known = response.topics.iter().find(|t| t.topic_id == id).expect("the known id answered");
    assert_eq!(known.error_code, 0);
    assert_eq!(known.name.as_ref().map(|n| n.0.as_str()), Some("by-id"));
    assert_eq!(known.partitions.len(), 3);
    let unknown = response.topics.iter().find(|t| t.topic_id != id).expect("the unknown id answered");
    assert_eq!(unknown.error_code, ResponseError::UnknownTopicId.code());
}

#[test]
fn max_partitions_caps_creates_and_increases_with_policy_violation() {
    // `events` has one partition: 9 more fit under a cap of 10.
    let strand = Strand::start_with(&["--max-partitions", "10"]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(raw_create(&mut client, &[("six", 6)]), vec![0]);
    assert_eq!(raw_create(&mut client, &[("four", 4)]), vec![ResponseError::PolicyViolation.code()]);
    assert_eq!(raw_create(&mut client, &[("three", 3)]), vec![0]);
    let request = CreatePartitionsRequest::default().with_timeout_ms(10_000).with_topics(vec![
        create_partitions_request::CreatePartitionsTopic::default()
            .with_name(topic_name("three"))
            .with_count(4)
            .with_assignments(None),
    ]);
    let response = client.send(3, &request);
    assert_eq!(response.results[0].error_code, ResponseError::PolicyViolation.code());
    let names: Vec<String> = all_topics(&mut client).into_keys().collect();
    assert_eq!(names, vec![TOPIC.to_owned(), "six".into(), "three".into()]);
    // Deleting makes room again.
    assert_eq!(raw_delete(&mut client, &["six"]), vec![0]);
    assert_eq!(raw_create(&mut client, &[("four", 4)]), vec![0]);
}

#[test]
fn compaction_is_refused_with_invalid_config_saying_why() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    for policy in ["compact", "compact,delete", "delete,compact"] {
        let response = client.send(7, &create_request(&[("compacted", 1)], &[("cleanup.policy", policy)]));
        let topic = &response.topics[0];
        assert_eq!(topic.error_code, ResponseError::InvalidConfig.code(), "cleanup.policy={policy}");
        let message = topic.error_message.as_ref().map(|m| m.to_string()).unwrap_or_default();
        assert!(message.contains("compaction"), "cleanup.policy={policy}: message {message:?}");
    }
    assert_eq!(all_topics(&mut client).len(), 1);
}
