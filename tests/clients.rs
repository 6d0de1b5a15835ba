//! librdkafka (through the rdkafka crate) against the real `strand` binary:
//! the round trips a user's unmodified client depends on.

mod common;

use std::time::Duration;

use common::{Strand, TOPIC};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, FutureProducer, FutureRecord, Producer, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

const TIMEOUT: Duration = Duration::from_secs(30);

fn producer(strand: &Strand, acks: &str) -> FutureProducer {
    strand
        .client_config()
        .set("acks", acks)
        .set("linger.ms", "5")
        .set("message.timeout.ms", "20000")
        .create()
        .expect("producer")
}

fn consumer_at(strand: &Strand, offset: i64) -> BaseConsumer {
    let consumer: BaseConsumer = strand
        .client_config()
        .set("group.id", "strand-tests")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "100")
        .create()
        .expect("consumer");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(TOPIC, 0, Offset::Offset(offset)).unwrap();
    consumer.assign(&assignment).unwrap();
    consumer
}

/// A message as the consumer saw it, key, value and headers as text.
struct Consumed {
    offset: i64,
    key: String,
    value: String,
    timestamp: i64,
    headers: Vec<(String, String)>,
}

/// Reads `n` messages.
fn consume(consumer: &BaseConsumer, n: usize) -> Vec<Consumed> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut out = Vec::new();
    while out.len() < n {
        assert!(std::time::Instant::now() < deadline, "only {} of {n} messages arrived", out.len());
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let text = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
                let headers = m
                    .headers()
                    .map(|hs| hs.iter().map(|h| (h.key.to_owned(), text(h.value))).collect())
                    .unwrap_or_default();
                out.push(Consumed {
                    offset: m.offset(),
                    key: text(m.key()),
                    value: text(m.payload()),
                    timestamp: m.timestamp().to_millis().unwrap_or(-1),
                    headers,
                });
            }
            Some(Err(e)) => panic!("consume error: {e}"),
            None => {}
        }
    }
    out
}

async fn send(producer: &FutureProducer, key: &str, value: &str, timestamp: Option<i64>) -> i64 {
    let mut record = FutureRecord::to(TOPIC).key(key).payload(value);
    if let Some(ts) = timestamp {
        record = record.timestamp(ts);
    }
    let delivery = producer.send(record, TIMEOUT).await.expect("delivered");
    delivery.offset
}

#[tokio::test]
async fn produce_consume_round_trip_keeps_keys_headers_and_timestamps() {
    let strand = Strand::start();
    let producer = producer(&strand, "all");
    let base_ts = 1_700_000_000_000i64;
    for i in 0..50 {
        let headers = OwnedHeaders::new()
            .insert(Header { key: "trace", value: Some(&format!("t{i}")) })
            .insert(Header { key: "empty", value: None::<&[u8]> });
        let (key, value) = (format!("key-{i}"), format!("value-{i}"));
        let record = FutureRecord::to(TOPIC).key(&key).payload(&value).timestamp(base_ts + i).headers(headers);
        let delivery = producer.send(record, TIMEOUT).await.expect("delivered");
        assert_eq!(delivery.offset, i);
    }
    let got = consume(&consumer_at(&strand, 0), 50);
    for (i, Consumed { offset, key, value, timestamp: ts, headers }) in got.into_iter().enumerate() {
        assert_eq!(offset, i as i64);
        assert_eq!(key, format!("key-{i}"));
        assert_eq!(value, format!("value-{i}"));
        assert_eq!(ts, base_ts + i as i64);
        assert_eq!(headers, vec![("trace".into(), format!("t{i}")), ("empty".into(), String::new())]);
    }
}

#[tokio::test]
async fn every_acks_setting_lands_every_record() {
    let strand = Strand::start();
    let mut expected = Vec::new();
    for acks in ["1", "all"] {
        let producer = producer(&strand, acks);
        for i in 0..100 {
            send(&producer, &format!("{acks}-{i}"), "v", None).await;
            expected.push(format!("{acks}-{i}"));
        }
    }
    // acks=0 gets no delivery offset back; flush, then count what arrived.
    let fire_and_forget: ThreadedProducer<DefaultProducerContext> =
        strand.client_config().set("acks", "0").create().expect("producer");
    for i in 0..100 {
        let key = format!("0-{i}");
        fire_and_forget.send(BaseRecord::to(TOPIC).key(&key).payload("v")).expect("queued");
        expected.push(key);
    }
    fire_and_forget.flush(TIMEOUT).expect("flushed");
    let keys: Vec<String> = consume(&consumer_at(&strand, 0), 300).into_iter().map(|m| m.key).collect();
    assert_eq!(keys, expected);
}

#[tokio::test]
async fn a_batch_of_many_messages_is_one_batch_with_contiguous_offsets() {
    let strand = Strand::start();
    let producer = producer(&strand, "1");
    let payloads: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
    let sends: Vec<_> =
        payloads.iter().map(|p| producer.send(FutureRecord::to(TOPIC).key("k").payload(p), TIMEOUT)).collect();
    let mut offsets = Vec::new();
    for send in sends {
        offsets.push(send.await.expect("delivered").offset);
    }
    assert_eq!(offsets, (0..2000).collect::<Vec<i64>>());
    let got = consume(&consumer_at(&strand, 1234), 766);
    assert_eq!(got.first().map(|m| m.offset), Some(1234), "a consumer starting mid-batch skips the records before");
    assert_eq!(got.last().map(|m| m.value.clone()), Some("1999".into()));
}

#[tokio::test]
async fn offsets_for_times_finds_the_first_record_at_or_after() {
    let strand = Strand::start();
    let producer = producer(&strand, "1");
    for (i, ts) in [1000, 2000, 3000, 4000].into_iter().enumerate() {
        assert_eq!(send(&producer, "k", &format!("{i}"), Some(ts)).await, i as i64);
    }
    let consumer = consumer_at(&strand, 0);
    for (ts, expected) in
        [(0, Offset::Offset(0)), (2000, Offset::Offset(1)), (2500, Offset::Offset(2)), (5000, Offset::End)]
    {
        let mut query = TopicPartitionList::new();
        query.add_partition_offset(TOPIC, 0, Offset::Offset(ts)).unwrap();
        let answer = consumer.offsets_for_times(query, TIMEOUT).expect("offsets_for_times");
        assert_eq!(answer.elements()[0].offset(), expected, "timestamp {ts}");
    }
    let (low, high) = consumer.fetch_watermarks(TOPIC, 0, TIMEOUT).expect("watermarks");
    assert_eq!((low, high), (0, 4));
}

/// The codec bits of every batch in the partition's first segment, from the file.
fn codecs_on_disk(strand: &Strand) -> Vec<i16> {
    let log = std::fs::read(strand.partition_dir().join("00000000000000000000.log")).expect("segment file");
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 61 <= log.len() {
        out.push(i16::from_be_bytes([log[pos + 21], log[pos + 22]]) & 0x07);
        pos += 12 + i32::from_be_bytes(log[pos + 8..pos + 12].try_into().unwrap()) as usize;
    }
    out
}

#[tokio::test]
async fn offsets_for_times_lands_on_the_record_inside_a_compressed_batch() {
    for (codec, bits) in [("gzip", 1), ("snappy", 2), ("lz4", 3), ("zstd", 4)] {
        let strand = Strand::start();
        let producer: FutureProducer = strand
            .client_config()
            .set("compression.type", codec)
            .set("linger.ms", "500")
            .set("message.timeout.ms", "20000")
            .create()
            .expect("producer");
        // All four in flight at once: one batch, records at 1000..4000.
        let sends: Vec<_> = [1000, 2000, 3000, 4000]
            .into_iter()
            .enumerate()
            .map(|(i, ts)| {
                let value = format!("value {i} {}", "x".repeat(200));
                producer.send_result(FutureRecord::to(TOPIC).key("k").payload(&value).timestamp(ts)).expect("queued")
            })
            .collect();
        for (i, send) in sends.into_iter().enumerate() {
            assert_eq!(send.await.expect("delivered").expect("acked").offset, i as i64);
        }
        assert_eq!(codecs_on_disk(&strand), vec![bits], "{codec}: one compressed batch");
        let consumer = consumer_at(&strand, 0);
        for (ts, expected) in [
            (0, Offset::Offset(0)),
            (2000, Offset::Offset(1)),
            (2500, Offset::Offset(2)),
            (4000, Offset::Offset(3)),
            (4001, Offset::End),
        ] {
            let mut query = TopicPartitionList::new();
            query.add_partition_offset(TOPIC, 0, Offset::Offset(ts)).unwrap();
            let answer = consumer.offsets_for_times(query, TIMEOUT).expect("offsets_for_times");
            assert_eq!(answer.elements()[0].offset(), expected, "{codec}: timestamp {ts}");
        }
    }
}

#[tokio::test]
async fn records_survive_a_clean_restart() {
    let mut strand = Strand::start();
    let producer_before = producer(&strand, "all");
    for i in 0..100 {
        send(&producer_before, &format!("{i}"), "before", None).await;
    }
    drop(producer_before);
    assert!(strand.stop().success(), "clean shutdown exits 0");
    strand.restart();
    let producer_after = producer(&strand, "all");
    assert_eq!(send(&producer_after, "100", "after", None).await, 100, "appends continue at the log end");
    let got = consume(&consumer_at(&strand, 0), 101);
    assert_eq!(got.iter().map(|m| m.offset).collect::<Vec<_>>(), (0..101).collect::<Vec<i64>>());
}

#[tokio::test]
async fn acknowledged_records_survive_kill_9() {
    let mut strand = Strand::start();
    let producer_before = producer(&strand, "all");
    for i in 0..200 {
        send(&producer_before, &format!("{i}"), "x", None).await;
    }
    drop(producer_before);
    strand.kill();
    strand.restart();
    let got = consume(&consumer_at(&strand, 0), 200);
    assert_eq!(got.last().map(|m| m.key.clone()), Some("199".into()));
}

#[tokio::test]
async fn produce_to_an_unknown_topic_fails_instead_of_creating_it() {
    let strand = Strand::start();
    // librdkafka waits topic.metadata.propagation.max.ms for a topic to appear before
    // failing its messages, against Kafka as here; keep that wait short.
    let producer: FutureProducer = strand
        .client_config()
        .set("message.timeout.ms", "20000")
        .set("topic.metadata.propagation.max.ms", "1000")
        .create()
        .expect("producer");
    let result = producer.send(FutureRecord::to("no-such-topic").key("k").payload("v"), TIMEOUT).await;
    let (error, _) = result.expect_err("unknown topic must fail");
    let code = error.rdkafka_error_code();
    assert!(
        matches!(code, Some(RDKafkaErrorCode::UnknownTopicOrPartition) | Some(RDKafkaErrorCode::UnknownTopic)),
        "got {error:?}"
    );
    let metadata = producer.client().fetch_metadata(Some("no-such-topic"), TIMEOUT).expect("metadata");
    assert_eq!(
        metadata.topics()[0].error().map(RDKafkaErrorCode::from),
        Some(RDKafkaErrorCode::UnknownTopicOrPartition)
    );
}
