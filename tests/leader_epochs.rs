//! Leader epochs as Kafka keeps them, against the real `strand` binary: the epoch
//! stamped into every stored batch, the epochs Metadata, ListOffsets and Fetch
//! answer and check, OffsetForLeaderEpoch, and DescribeProducers after a real
//! idempotent producer (librdkafka).

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{batch, RawClient, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::fetch_request::FetchPartition;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_for_leader_epoch_request::{OffsetForLeaderPartition, OffsetForLeaderTopic};
use kafka_protocol::messages::offset_for_leader_epoch_response::EpochEndOffset;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};

const TIMEOUT: Duration = Duration::from_secs(30);
const FENCED: i16 = ResponseError::FencedLeaderEpoch.code();
const UNKNOWN_EPOCH: i16 = ResponseError::UnknownLeaderEpoch.code();

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

/// `batch` with its partitionLeaderEpoch (bytes 12..16, outside the CRC) set.
fn batch_with_epoch(values: &[&[u8]], timestamp: i64, epoch: i32) -> Bytes {
    let mut bytes = batch(values, timestamp).to_vec();
    bytes[12..16].copy_from_slice(&epoch.to_be_bytes());
    Bytes::from(bytes)
}

/// Fetch v12 of partition 0 at `offset` with the two epoch fields.
fn fetch(client: &mut RawClient, offset: i64, current: i32, last_fetched: i32) -> fetch_response::PartitionData {
    client.fetch(
        FetchPartition::default()
            .with_fetch_offset(offset)
            .with_current_leader_epoch(current)
            .with_last_fetched_epoch(last_fetched),
    )
}

/// ListOffsets v9 for partition 0: (error, offset, leader epoch).
fn list_offsets(client: &mut RawClient, timestamp: i64, current: i32) -> (i16, i64, i32) {
    let partition = ListOffsetsPartition::default()
        .with_partition_index(0)
        .with_timestamp(timestamp)
        .with_current_leader_epoch(current);
    let request = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(vec![ListOffsetsTopic::default().with_name(topic_name(TOPIC)).with_partitions(vec![partition])]);
    let response = client.send(9, &request);
    let p = &response.topics[0].partitions[0];
    (p.error_code, p.offset, p.leader_epoch)
}

/// OffsetForLeaderEpoch v4 for one partition of `topic`.
fn end_offset(client: &mut RawClient, topic: &str, partition: i32, epoch: i32, current: i32) -> EpochEndOffset {
    let request = OffsetForLeaderEpochRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![
        OffsetForLeaderTopic::default().with_topic(topic_name(topic)).with_partitions(vec![
            OffsetForLeaderPartition::default()
                .with_partition(partition)
                .with_current_leader_epoch(current)
                .with_leader_epoch(epoch),
        ]),
    ]);
    client.send(4, &request).topics[0].partitions[0].clone()
}

/// Each stored batch's (base offset, partitionLeaderEpoch), and that its CRC still holds.
fn stored_epochs(records: &Bytes) -> Vec<(i64, i32)> {
    let mut out = Vec::new();
    let mut rest = &records[..];
    while let Some(size) = strand::log::batch::BatchHeader::peek_size(rest) {
        let (one, after) = rest.split_at(size as usize);
        let header = strand::log::batch::validate(one).expect("a stored batch validates, CRC included");
        out.push((header.base_offset(), header.partition_leader_epoch()));
        rest = after;
    }
    out
}

#[test]
fn every_stored_batch_carries_leader_epoch_zero_whatever_the_producer_wrote() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    for (i, epoch) in [-1, 0, 7].into_iter().enumerate() {
        let (error, base) = client.produce(batch_with_epoch(&[b"a", b"b"], 1_000 * i as i64, epoch));
        assert_eq!((error, base), (0, 2 * i as i64));
    }
    let data = fetch(&mut client, 0, -1, -1);
    assert_eq!(data.error_code, 0);
    assert_eq!(stored_epochs(data.records.as_ref().unwrap()), vec![(0, 0), (2, 0), (4, 0)]);
}

#[test]
fn metadata_and_list_offsets_answer_epoch_zero_and_the_found_batchs_epoch() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let metadata = client.send(
        12,
        &MetadataRequest::default()
            .with_topics(Some(vec![MetadataRequestTopic::default().with_name(Some(topic_name(TOPIC)))])),
    );
    assert_eq!(metadata.topics[0].partitions[0].leader_epoch, 0);
    client.produce(batch(&[b"a", b"b", b"c"], 5_000));
    assert_eq!(list_offsets(&mut client, -1, -1), (0, 3, 0));
    assert_eq!(list_offsets(&mut client, -2, -1), (0, 0, 0));
    assert_eq!(list_offsets(&mut client, -3, -1), (0, 2, 0));
    assert_eq!(list_offsets(&mut client, 5_001, 0), (0, 1, 0));
    // Nothing found: no epoch either.
    assert_eq!(list_offsets(&mut client, 9_000, -1), (0, -1, -1));
}

#[test]
fn list_offsets_and_offset_for_leader_epoch_fence_older_epochs_and_refuse_newer_ones() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(list_offsets(&mut client, -1, 1), (UNKNOWN_EPOCH, -1, -1));
    assert_eq!(list_offsets(&mut client, -1, -2), (FENCED, -1, -1));
    assert_eq!(list_offsets(&mut client, -1, 0).0, 0);
    assert_eq!(end_offset(&mut client, TOPIC, 0, 0, 1).error_code, UNKNOWN_EPOCH);
    assert_eq!(end_offset(&mut client, TOPIC, 0, 0, -2).error_code, FENCED);
    assert_eq!(end_offset(&mut client, TOPIC, 0, 0, 0).error_code, 0);
}

#[test]
fn fetch_refuses_a_newer_current_epoch_and_never_fences() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    client.produce(batch(&[b"a"], 0));
    let newer = fetch(&mut client, 0, 1, -1);
    assert_eq!((newer.error_code, newer.high_watermark), (UNKNOWN_EPOCH, -1));
    // Kafka's Fetch takes any negative epoch for "none": nothing is older than 0.
    for current in [0, -1, -2] {
        let data = fetch(&mut client, 0, current, -1);
        assert_eq!(data.error_code, 0, "current leader epoch {current}");
        assert_eq!(stored_epochs(data.records.as_ref().unwrap()), vec![(0, 0)]);
    }
}

#[test]
fn fetch_with_a_last_fetched_epoch_answers_a_diverging_epoch_past_the_log_end() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    client.produce(batch(&[b"a", b"b"], 0));
    let within = fetch(&mut client, 1, -1, 0);
    assert_eq!(within.error_code, 0);
    assert_eq!(within.diverging_epoch.epoch, -1, "no divergence inside epoch 0");
    assert_eq!(stored_epochs(within.records.as_ref().unwrap()), vec![(0, 0)]);
    let past = fetch(&mut client, 9, -1, 0);
    assert_eq!(past.error_code, 0);
    assert_eq!((past.diverging_epoch.epoch, past.diverging_epoch.end_offset), (0, 2));
    assert!(past.records.as_ref().unwrap().is_empty());
    // An epoch the history does not have cannot be placed.
    assert_eq!(fetch(&mut client, 1, -1, 3).error_code, ResponseError::OffsetOutOfRange.code());
}

#[test]
fn offset_for_leader_epoch_ends_epoch_zero_at_the_log_end_and_newer_ones_nowhere() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let empty = end_offset(&mut client, TOPIC, 0, 0, -1);
    assert_eq!((empty.error_code, empty.leader_epoch, empty.end_offset), (0, 0, 0));
    client.produce(batch(&[b"a", b"b", b"c"], 0));
    let current = end_offset(&mut client, TOPIC, 0, 0, 0);
    assert_eq!((current.error_code, current.leader_epoch, current.end_offset), (0, 0, 3));
    for undefined in [1, 5, -1] {
        let answer = end_offset(&mut client, TOPIC, 0, undefined, -1);
        assert_eq!((answer.error_code, answer.leader_epoch, answer.end_offset), (0, -1, -1), "epoch {undefined}");
    }
    let unknown_partition = end_offset(&mut client, TOPIC, 1, 0, 5);
    assert_eq!(unknown_partition.error_code, ResponseError::UnknownTopicOrPartition.code());
    let unknown_topic = end_offset(&mut client, "no-such-topic", 0, 0, -1);
    assert_eq!(unknown_topic.error_code, ResponseError::UnknownTopicOrPartition.code());
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_producers_shows_an_idempotent_producers_last_batch() {
    let strand = Strand::start();
    let producer: FutureProducer = strand
        .client_config()
        .set("enable.idempotence", "true")
        .set("linger.ms", "0")
        .set("message.timeout.ms", "20000")
        .create()
        .expect("producer");
    for i in 0..3i64 {
        let record = FutureRecord::to(TOPIC).key("k").payload("v").partition(0).timestamp(10_000 + i);
        producer.send(record, TIMEOUT).await.expect("delivered");
    }
    let mut client = RawClient::connect(&strand.addr);
    client.produce(batch(&[b"plain"], 0));
    let request = DescribeProducersRequest::default().with_topics(vec![
        TopicRequest::default().with_name(topic_name(TOPIC)).with_partition_indexes(vec![0, 1]),
        TopicRequest::default().with_name(topic_name("no-such-topic")).with_partition_indexes(vec![0]),
    ]);
    let response = client.send(0, &request);
    let ours = &response.topics[0].partitions[0];
    assert_eq!(ours.error_code, 0);
    assert_eq!(ours.active_producers.len(), 1, "only the idempotent producer: {:?}", ours.active_producers);
    let state = &ours.active_producers[0];
    assert!(state.producer_id.0 >= 0);
    assert_eq!((state.producer_epoch, state.last_sequence, state.last_timestamp), (0, 2, 10_002));
    assert_eq!((state.coordinator_epoch, state.current_txn_start_offset), (-1, -1));
    assert_eq!(response.topics[0].partitions[1].error_code, ResponseError::UnknownTopicOrPartition.code());
    let unknown = &response.topics[1].partitions[0];
    assert_eq!(unknown.error_code, ResponseError::UnknownTopicOrPartition.code());
    assert_eq!(unknown.error_message.as_deref(), Some("This server does not host this topic-partition."));
}

/// librdkafka validates a position that carries a leader epoch (a seek with
/// one, KIP-320) with OffsetForLeaderEpoch before fetching: at epoch 0, the one
/// strand stamps, it reads on from there (`auto.offset.reset=error` would fail
/// a reset); at an epoch strand never had, the UNDEFINED answer is log
/// truncation to it and it resets, here to the earliest offset.
#[tokio::test(flavor = "multi_thread")]
async fn librdkafka_validates_a_seek_with_an_epoch_against_the_epoch_history() {
    let strand = Strand::start();
    let producer: FutureProducer = strand.client_config().set("linger.ms", "0").create().expect("producer");
    for i in 0..6 {
        producer.send(FutureRecord::to(TOPIC).key("k").payload(&format!("v{i}")).partition(0), TIMEOUT).await.unwrap();
    }
    let consumer_with_reset = |reset: &str| -> BaseConsumer {
        let consumer: BaseConsumer = strand
            .client_config()
            .set("group.id", "epochs")
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", reset)
            .set("fetch.wait.max.ms", "100")
            .create()
            .expect("consumer");
        let mut assignment = TopicPartitionList::new();
        assignment.add_partition_offset(TOPIC, 0, Offset::Offset(0)).unwrap();
        consumer.assign(&assignment).unwrap();
        consumer
    };

    let consumer = consumer_with_reset("error");
    assert_eq!(read(&consumer, 1), vec![0]);
    seek_with_epoch(&consumer, 3, 0);
    assert_eq!(read(&consumer, 3), vec![3, 4, 5]);
    assert!(requests(&strand, "OffsetForLeaderEpoch") >= 1.0, "librdkafka never validated the seek");

    let consumer = consumer_with_reset("earliest");
    assert_eq!(read(&consumer, 1), vec![0]);
    seek_with_epoch(&consumer, 3, 5);
    assert_eq!(first_offset_after_errors(&consumer), 0, "truncation to epoch 5 resets to the earliest offset");
}

/// Seeks partition 0 to `offset` at leader epoch `epoch`.
fn seek_with_epoch(consumer: &BaseConsumer, offset: i64, epoch: i32) {
    let mut position = TopicPartitionList::new();
    position.add_partition_offset(TOPIC, 0, Offset::Offset(offset)).unwrap();
    // The rdkafka crate has no setter for a position's leader epoch: librdkafka's own.
    // SAFETY: the list holds the one element just added, and outlives the call.
    unsafe { rdkafka::bindings::rd_kafka_topic_partition_set_leader_epoch((*position.ptr()).elems, epoch) };
    let sought = consumer.seek_partitions(position, TIMEOUT).expect("seek");
    assert!(sought.elements().iter().all(|e| e.error().is_ok()), "seek failed: {sought:?}");
}

/// `strand_requests_total` for `api`, from the broker's /metrics.
fn requests(strand: &Strand, api: &str) -> f64 {
    let (_, metrics) = strand.http_get("/metrics");
    let label = format!("api=\"{api}\"");
    metrics
        .lines()
        .find(|l| l.starts_with("strand_requests_total") && l.contains(&label))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// The offset of the next message, past any errors the consumer reports first.
fn first_offset_after_errors(consumer: &BaseConsumer) -> i64 {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        assert!(std::time::Instant::now() < deadline, "no message arrived");
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            return m.offset();
        }
    }
}

/// The offsets of the next `n` messages, failing on any consumer error.
fn read(consumer: &BaseConsumer, n: usize) -> Vec<i64> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut offsets = Vec::new();
    while offsets.len() < n {
        assert!(std::time::Instant::now() < deadline, "only {offsets:?} of {n} messages arrived");
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => offsets.push(m.offset()),
            Some(Err(e)) => panic!("consumer error: {e}"),
            None => {}
        }
    }
    offsets
}
