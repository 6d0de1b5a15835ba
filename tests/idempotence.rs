//! Idempotent producers and compressed batches against the real `strand` binary:
//! librdkafka with `enable.idempotence=true` for every codec, and raw retries of
//! one batch that must land once.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{RawClient, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Message, Offset, TopicPartitionList};
use strand::log::testing::BatchBuilder;

const TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn idempotent_producers_with_every_codec_are_read_back_exactly_once() {
    let strand = Strand::start();
    let mut expected = Vec::new();
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        let producer: FutureProducer = strand
            .client_config()
            .set("enable.idempotence", "true")
            .set("compression.type", codec)
            .set("linger.ms", "5")
            .create()
            .expect("producer");
        let values: Vec<String> = (0..500).map(|i| format!("{codec}-{i}-{}", "x".repeat(i % 50))).collect();
        let sends: Vec<_> =
            values.iter().map(|v| producer.send(FutureRecord::to(TOPIC).key(codec).payload(v), TIMEOUT)).collect();
        for send in sends {
            send.await.unwrap_or_else(|(e, _)| panic!("{codec}: {e}"));
        }
        expected.extend(values);
    }
    let consumer: BaseConsumer =
        strand.client_config().set("group.id", "idem").set("enable.auto.commit", "false").create().unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(TOPIC, 0, Offset::Beginning).unwrap();
    consumer.assign(&tpl).unwrap();
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while got.len() < expected.len() && std::time::Instant::now() < deadline {
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message.expect("consume");
            got.push(String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned());
        }
    }
    assert_eq!(got, expected);
    // Nothing more: each record exactly once.
    assert!(consumer.poll(Duration::from_millis(500)).is_none());
}

/// One batch of `values` (null keys, all timestamped 1000) from a producer.
fn idempotent_batch(producer_id: i64, epoch: i16, base_sequence: i32, values: &[&str]) -> Bytes {
    BatchBuilder::values(values)
        .without_keys()
        .timestamps(&vec![1000; values.len()])
        .producer(producer_id, epoch, base_sequence)
        .build()
}

fn init_producer_id(client: &mut RawClient) -> i64 {
    let response = client.send(4, &InitProducerIdRequest::default().with_transaction_timeout_ms(60000));
    assert_eq!(response.error_code, 0);
    assert_eq!(response.producer_epoch, 0);
    response.producer_id.0
}

fn log_end(client: &mut RawClient) -> i64 {
    let request = ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![
        list_offsets_request::ListOffsetsTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partitions(vec![list_offsets_request::ListOffsetsPartition::default()
                .with_partition_index(0)
                .with_timestamp(-1)]),
    ]);
    client.send(7, &request).topics[0].partitions[0].offset
}

#[test]
fn a_retried_batch_lands_once_and_answers_its_first_offset_even_after_a_restart() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let pid = init_producer_id(&mut client);
    assert_eq!(client.produce(idempotent_batch(pid, 0, 0, &["a", "b"])), (0, 0));
    assert_eq!(client.produce(idempotent_batch(pid, 0, 2, &["c"])), (0, 2));
    // The same batch again (a retry after a lost response): same offset, no append.
    assert_eq!(client.produce(idempotent_batch(pid, 0, 0, &["a", "b"])), (0, 0));
    assert_eq!(log_end(&mut client), 3);

    // A gap in the sequence is refused and appends nothing.
    let (code, _) = client.produce(idempotent_batch(pid, 0, 7, &["gap"]));
    assert_eq!(code, ResponseError::OutOfOrderSequenceNumber.code());
    assert_eq!(log_end(&mut client), 3);

    // The producer state comes back after a clean restart and after kill -9.
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(client.produce(idempotent_batch(pid, 0, 2, &["c"])), (0, 2));
    assert_eq!(client.produce(idempotent_batch(pid, 0, 3, &["d"])), (0, 3));
    strand.kill();
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(client.produce(idempotent_batch(pid, 0, 3, &["d"])), (0, 3));
    assert_eq!(log_end(&mut client), 4);
}

#[test]
fn producer_ids_are_fresh_across_restarts_and_an_older_epoch_is_refused() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let first = init_producer_id(&mut client);
    assert_ne!(init_producer_id(&mut client), first);
    assert_eq!(client.produce(idempotent_batch(first, 3, 0, &["x"])).0, 0);
    let (code, _) = client.produce(idempotent_batch(first, 2, 1, &["y"]));
    assert_eq!(code, ResponseError::InvalidProducerEpoch.code());
    strand.kill();
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    let after = init_producer_id(&mut client);
    assert!(after > first + 1, "{after} reuses an id handed out before the restart");
}

#[test]
fn a_transactional_id_is_refused_with_coordinator_not_available() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let request = InitProducerIdRequest::default()
        .with_transactional_id(Some(TransactionalId(StrBytes::from_static_str("txn-1"))))
        .with_transaction_timeout_ms(60000);
    assert_eq!(client.send(4, &request).error_code, ResponseError::CoordinatorNotAvailable.code());
}

#[test]
fn compressed_batches_are_stored_and_served_byte_for_byte() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let batch = idempotent_batch(-1, -1, -1, &["one", "two", "three"]);
    // A real gzip batch: the broker decompresses it to validate its records, and
    // stores and serves the producer's compressed bytes untouched.
    let gzip = strand::log::testing::compress(&batch, strand::log::records::Codec::Gzip);
    assert_eq!(client.produce(gzip.clone()), (0, 0));
    let request =
        FetchRequest::default().with_max_wait_ms(0).with_max_bytes(1 << 20).with_session_epoch(-1).with_topics(vec![
            fetch_request::FetchTopic::default()
                .with_topic(TopicName(StrBytes::from_static_str(TOPIC)))
                .with_partitions(vec![fetch_request::FetchPartition::default()
                    .with_partition(0)
                    .with_fetch_offset(0)
                    .with_partition_max_bytes(1 << 20)]),
        ]);
    let records = client.send(12, &request).responses[0].partitions[0].records.clone().unwrap();
    assert_eq!(records.as_ref(), &gzip[..], "served exactly as produced");

    // Codec id 5 does not exist.
    let mut unknown = batch.to_vec();
    unknown[22] = (unknown[22] & !0x07) | 5;
    let crc = crc32c::crc32c(&unknown[21..]);
    unknown[17..21].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(client.produce(Bytes::from(unknown)).0, ResponseError::InvalidRecord.code());
}
