//! Record validation on produce, end to end: crafted batches a producer should
//! not send go to the real `strand` binary over the wire, each must get the code
//! (and log start offset, record errors, message) the reference Kafka 4.4 gives
//! (compat/scenarios/produce_*.py), and the log must be exactly as it was: no
//! offset taken, no byte written. Then what passes: the timestamp rules of a
//! topic's configs and of the broker's settings, and a LogAppendTime topic's
//! stamped batches.

mod common;

use bytes::Bytes;
use common::{batch, RawClient, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::produce_response::PartitionProduceResponse;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use strand::log::batch::BatchHeader;
use strand::log::records::Codec;
use strand::log::testing::{compress, BatchBuilder};

/// A producer's clock: now.
fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

fn produce_request(topic: &str, records: Bytes) -> ProduceRequest {
    ProduceRequest::default().with_acks(-1).with_timeout_ms(5000).with_topic_data(vec![TopicProduceData::default()
        .with_name(topic_name(topic))
        .with_partition_data(vec![PartitionProduceData::default().with_index(0).with_records(Some(records))])])
}

/// Produces `records` to partition 0 of `topic` at `version`: the partition's response.
fn produce_to(client: &mut RawClient, version: i16, topic: &str, records: &[u8]) -> PartitionProduceResponse {
    let response = client.send(version, &produce_request(topic, Bytes::copy_from_slice(records)));
    response.responses[0].partition_responses[0].clone()
}

fn produce(client: &mut RawClient, records: &[u8]) -> PartitionProduceResponse {
    produce_to(client, 9, TOPIC, records)
}

/// The stored batches of partition 0 of `topic` from offset 0.
fn fetch_all(client: &mut RawClient, topic: &str) -> Vec<Bytes> {
    let request = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_bytes(50 << 20)
        .with_session_epoch(-1)
        .with_topics(vec![FetchTopic::default().with_topic(topic_name(topic)).with_partitions(vec![
            FetchPartition::default().with_partition(0).with_fetch_offset(0).with_partition_max_bytes(10 << 20),
        ])]);
    let response = client.send(12, &request);
    let partition = &response.responses[0].partitions[0];
    assert_eq!(partition.error_code, 0);
    let mut records = partition.records.clone().unwrap_or_default();
    let mut batches = Vec::new();
    while let Some(size) = BatchHeader::peek_size(&records) {
        batches.push(records.split_to(size as usize));
    }
    batches
}

/// Creates a one-partition topic with `configs`.
fn create_topic(client: &mut RawClient, name: &str, configs: &[(&str, &str)]) {
    let configs = configs
        .iter()
        .map(|(k, v)| {
            CreatableTopicConfig::default()
                .with_name(StrBytes::from(k.to_string()))
                .with_value(Some(StrBytes::from(v.to_string())))
        })
        .collect();
    let topic = CreatableTopic::default()
        .with_name(topic_name(name))
        .with_num_partitions(1)
        .with_replication_factor(1)
        .with_configs(configs);
    let response = client.send(7, &CreateTopicsRequest::default().with_timeout_ms(5000).with_topics(vec![topic]));
    assert_eq!(response.topics[0].error_code, 0, "{:?}", response.topics[0].error_message);
}

fn fix_crc(batch: &mut [u8]) {
    let crc = crc32c::crc32c(&batch[21..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
}

fn with_attributes(batch: &[u8], bits: i16) -> Vec<u8> {
    let mut batch = batch.to_vec();
    let attributes = i16::from_be_bytes([batch[21], batch[22]]) | bits;
    batch[21..23].copy_from_slice(&attributes.to_be_bytes());
    fix_crc(&mut batch);
    batch
}

/// Sets the batch length to the bytes there are and fixes the CRC.
fn fix_length(mut batch: Vec<u8>) -> Vec<u8> {
    let length = batch.len() as i32 - 12;
    batch[8..12].copy_from_slice(&length.to_be_bytes());
    fix_crc(&mut batch);
    batch
}

/// A magic-1 message set of one message (key "k", value "v"), as an old client
/// sends it. Its CRC (CRC-32 over the message) is left 0: Kafka refuses the magic
/// before it would look at it.
fn magic_1_message() -> Vec<u8> {
    let mut message = vec![1u8, 0]; // magic, attributes
    message.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
    message.extend_from_slice(&1i32.to_be_bytes());
    message.push(b'k');
    message.extend_from_slice(&1i32.to_be_bytes());
    message.push(b'v');
    let mut set = 0i64.to_be_bytes().to_vec();
    set.extend_from_slice(&(message.len() as i32 + 4).to_be_bytes());
    set.extend_from_slice(&0u32.to_be_bytes());
    set.extend_from_slice(&message);
    set
}

/// What Kafka 4.4 answers, as (error, log start offset): -1 for the refusals
/// made before the log, the log start offset (0 here) for the log's own.
#[test]
fn every_bad_batch_gets_kafkas_code_and_the_log_is_untouched() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let good = batch(&[b"a", b"b", b"c"], now_ms()).to_vec();
    let segment = strand.partition_dir().join("00000000000000000000.log");
    let size_before = std::fs::metadata(&segment).unwrap().len();

    let mut bad_crc = good.clone();
    *bad_crc.last_mut().unwrap() ^= 0xff;
    let mut base_1000 = good.clone();
    base_1000[..8].copy_from_slice(&1000i64.to_be_bytes());
    let mut longer_record = good.clone();
    longer_record[61] += 2;
    fix_crc(&mut longer_record);
    let mut stray = good.clone();
    stray.extend_from_slice(&[0, 0]);
    let mut garbage_gzip = compress(&good, Codec::Gzip).to_vec();
    for (i, byte) in garbage_gzip[61..].iter_mut().enumerate() {
        *byte = (i * 37) as u8;
    }
    fix_crc(&mut garbage_gzip);
    let zstd = compress(&good, Codec::Zstd).to_vec();
    let zstd_cut = fix_length(zstd[..zstd.len() - 8].to_vec());
    let mut wrong_count = good.clone();
    wrong_count[57..61].copy_from_slice(&5i32.to_be_bytes());
    fix_crc(&mut wrong_count);

    use ResponseError::{CorruptMessage, InvalidRecord};
    let cases: Vec<(&str, Vec<u8>, ResponseError, i64)> = vec![
        ("control batch", with_attributes(&good, 0x20), InvalidRecord, 0),
        (
            "producer id without sequence",
            BatchBuilder::records(1, 10).producer(5, 0, -1).build().to_vec(),
            InvalidRecord,
            0,
        ),
        ("base offset 1000", base_1000, InvalidRecord, 0),
        ("magic 1 message set", magic_1_message(), InvalidRecord, -1),
        ("truncated batch", good[..good.len() - 7].to_vec(), InvalidRecord, -1),
        ("two batches", [good.clone(), good.clone()].concat(), InvalidRecord, -1),
        ("bad crc", bad_crc, CorruptMessage, -1),
        ("record count 5 for 3 records", wrong_count, InvalidRecord, 0),
        ("a record one byte too long", longer_record, InvalidRecord, 0),
        ("two stray bytes after the last record", fix_length(stray), InvalidRecord, 0),
        ("gzip of garbage", garbage_gzip, InvalidRecord, 0),
        ("zstd cut short", zstd_cut, InvalidRecord, 0),
    ];
    for (name, bytes, error, log_start_offset) in &cases {
        let response = produce(&mut client, bytes);
        assert_eq!(
            (response.error_code, response.base_offset, response.log_start_offset),
            (error.code(), -1, *log_start_offset),
            "{name}: {:?}",
            response.error_message
        );
        assert!(response.record_errors.is_empty(), "{name}");
    }
    // zstd needs Produce v7 (KIP-110); the same batch at v7 is fine.
    let response = produce_to(&mut client, 6, TOPIC, &zstd);
    assert_eq!(
        (response.error_code, response.log_start_offset),
        (ResponseError::UnsupportedCompressionType.code(), -1)
    );
    assert_eq!(std::fs::metadata(&segment).unwrap().len(), size_before, "a refused batch wrote to the log");
    assert!(fetch_all(&mut client, TOPIC).is_empty());
    let response = produce_to(&mut client, 7, TOPIC, &zstd);
    assert_eq!((response.error_code, response.base_offset), (0, 0));
    assert_eq!(fetch_all(&mut client, TOPIC).len(), 1);
}

#[test]
fn transactional_records_without_a_transactional_id_refuse_the_whole_request() {
    let strand = Strand::start_with(&["--topic", "other"]);
    let mut client = RawClient::connect(&strand.addr);
    let transactional = with_attributes(&BatchBuilder::records(1, 10).producer(3, 0, 0).build(), 0x10);
    let plain = batch(&[b"fine"], now_ms());
    let request = ProduceRequest::default().with_acks(-1).with_timeout_ms(5000).with_topic_data(vec![
        TopicProduceData::default()
            .with_name(topic_name(TOPIC))
            .with_partition_data(vec![PartitionProduceData::default().with_index(0).with_records(Some(plain))]),
        TopicProduceData::default().with_name(topic_name("other")).with_partition_data(vec![
            PartitionProduceData::default().with_index(0).with_records(Some(Bytes::from(transactional))),
        ]),
    ]);
    let response = client.send(9, &request);
    for topic in &response.responses {
        let p = &topic.partition_responses[0];
        assert_eq!(
            (p.error_code, p.base_offset, p.log_start_offset, p.error_message.is_none()),
            (ResponseError::TransactionalIdAuthorizationFailed.code(), -1, -1, true),
            "{:?}",
            topic.name
        );
    }
    assert!(fetch_all(&mut client, TOPIC).is_empty(), "the plain batch of the refused request was appended");
    assert!(fetch_all(&mut client, "other").is_empty());
}

#[test]
fn a_timestamp_past_message_timestamp_after_max_ms_is_invalid_timestamp_with_kafkas_record_errors() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let now = now_ms();
    let two_days = 2 * 86_400_000;
    // Kafka 4's default: one hour ahead at most; any time before.
    let response = produce(&mut client, &batch(&[b"ok", b"two days ahead"], now + two_days - 1));
    assert_eq!(response.error_code, ResponseError::InvalidTimestamp.code());
    assert_eq!((response.base_offset, response.log_start_offset), (-1, 0));
    assert_eq!(
        response.error_message.as_deref(),
        Some("One or more records have been rejected due to invalid timestamp")
    );
    // Both records are two days ahead; each is named by its index, with Kafka's message.
    let indexes: Vec<i32> = response.record_errors.iter().map(|e| e.batch_index).collect();
    assert_eq!(indexes, [0, 1]);
    let message = response.record_errors[1].batch_index_error_message.as_deref().unwrap();
    let expected = format!(
        "Timestamp {} of message with offset 1 is out of range. The timestamp should be within [",
        now + two_days
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(fetch_all(&mut client, TOPIC).is_empty());
    // Far in the past is fine, and so is -1 (no timestamp).
    assert_eq!(produce(&mut client, &batch(&[b"old"], 1)).error_code, 0);
    let none = BatchBuilder::records(1, 3).timestamps(&[-1]).build();
    assert_eq!(produce(&mut client, &none).error_code, 0);
}

#[test]
fn topic_configs_and_broker_settings_set_the_timestamp_limits() {
    let strand = Strand::start_with(&["--message-timestamp-after-max-ms", "0"]);
    let mut client = RawClient::connect(&strand.addr);
    let now = now_ms();
    // The broker's setting: nothing ahead of its clock (a second's slack for the trip).
    let ahead = batch(&[b"a minute ahead"], now + 60_000);
    assert_eq!(produce(&mut client, &ahead).error_code, ResponseError::InvalidTimestamp.code());
    // A topic's own configs win over the broker's.
    create_topic(
        &mut client,
        "strict",
        &[("message.timestamp.after.max.ms", "3600000"), ("message.timestamp.before.max.ms", "86400000")],
    );
    assert_eq!(produce_to(&mut client, 9, "strict", &ahead).error_code, 0);
    let old = batch(&[b"two days old"], now - 2 * 86_400_000);
    let response = produce_to(&mut client, 9, "strict", &old);
    assert_eq!((response.error_code, response.record_errors.len()), (ResponseError::InvalidTimestamp.code(), 1));
    assert_eq!(produce(&mut client, &old).error_code, 0, "the broker's before.max.ms takes any age");
}

#[test]
fn a_log_append_time_topic_stamps_each_batch_and_the_response_says_when() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    create_topic(&mut client, "stamped", &[("message.timestamp.type", "LogAppendTime")]);
    let before = now_ms();
    // A producer's timestamps, even days ahead, are replaced by the broker's clock.
    let sent = batch(&[b"a", b"b"], before + 5 * 86_400_000);
    let response = produce_to(&mut client, 9, "stamped", &sent);
    let after = now_ms();
    assert_eq!(response.error_code, 0);
    assert!((before..=after).contains(&response.log_append_time_ms), "{}", response.log_append_time_ms);
    let stored = fetch_all(&mut client, "stamped");
    let header = strand::log::batch::validate(&stored[0]).expect("the stamped batch's CRC matches");
    assert!(header.is_log_append_time());
    assert_eq!(header.max_timestamp(), response.log_append_time_ms);
    // A producer may not mark its own batch LogAppendTime there (Kafka: each record refused).
    let marked = with_attributes(&batch(&[b"c", b"d"], before), 0x08);
    let response = produce_to(&mut client, 9, "stamped", &marked);
    assert_eq!(response.error_code, ResponseError::InvalidTimestamp.code());
    assert_eq!(response.record_errors.len(), 2);
    assert_eq!(response.log_append_time_ms, -1);
    // CreateTime topics answer -1.
    assert_eq!(produce(&mut client, &batch(&[b"e"], before)).log_append_time_ms, -1);
}

#[test]
fn a_large_compressed_batch_is_validated_and_appended() {
    // Past `is_costly`'s threshold: validated as blocking work, not on the worker.
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    // Bytes that do not compress, so the batch stays large once gzipped.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    };
    let values: Vec<Vec<u8>> = (0..2000).map(|_| (0..100).map(|_| noise()).collect()).collect();
    let big = compress(&BatchBuilder::values(&values).first_timestamp(now_ms()).build(), Codec::Gzip);
    assert!(big.len() > 16 << 10, "{} bytes", big.len());
    let response = produce(&mut client, &big);
    assert_eq!((response.error_code, response.base_offset), (0, 0));
    let response = produce(&mut client, &batch(&[b"next"], now_ms()));
    assert_eq!(response.base_offset, 2000);
}
