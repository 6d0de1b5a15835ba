//! Wire-level behaviour checked with exact Kafka codes: a raw client built on the
//! kafka-protocol crate talks to the real `strand` binary.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{batch, batch_base_offsets, RawClient, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

fn produce_request(topic: &str, partition: i32, records: Bytes, acks: i16) -> ProduceRequest {
    ProduceRequest::default().with_acks(acks).with_timeout_ms(5000).with_topic_data(vec![TopicProduceData::default()
        .with_name(topic_name(topic))
        .with_partition_data(vec![PartitionProduceData::default().with_index(partition).with_records(Some(records))])])
}

/// Produces one batch at v9 and returns (error code, base offset).
fn produce(client: &mut RawClient, topic: &str, partition: i32, records: Bytes) -> (i16, i64) {
    let response = client.send(9, &produce_request(topic, partition, records, -1));
    let p = &response.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

fn fetch_request(topic: &str, offset: i64, max_wait_ms: i32, partition_max_bytes: i32) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(50 << 20)
        .with_session_epoch(-1)
        .with_topics(vec![FetchTopic::default().with_topic(topic_name(topic)).with_partitions(vec![
            FetchPartition::default()
                .with_partition(0)
                .with_fetch_offset(offset)
                .with_partition_max_bytes(partition_max_bytes),
        ])])
}

fn fetch(client: &mut RawClient, offset: i64, max_wait_ms: i32) -> fetch_response::PartitionData {
    let response = client.send(12, &fetch_request(TOPIC, offset, max_wait_ms, 1 << 20));
    response.responses[0].partitions[0].clone()
}

fn list_offset(client: &mut RawClient, timestamp: i64) -> (i16, i64, i64) {
    let request =
        ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![ListOffsetsTopic::default()
            .with_name(topic_name(TOPIC))
            .with_partitions(vec![ListOffsetsPartition::default().with_partition_index(0).with_timestamp(timestamp)])]);
    let response = client.send(8, &request);
    let p = &response.topics[0].partitions[0];
    (p.error_code, p.offset, p.timestamp)
}

#[test]
fn api_versions_lists_the_served_apis_without_feature_tags() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let request = ApiVersionsRequest::default()
        .with_client_software_name(StrBytes::from_static_str("raw-test"))
        .with_client_software_version(StrBytes::from_static_str("1.0"));
    let response = client.send(3, &request);
    assert_eq!(response.error_code, 0);
    let keys: Vec<i16> = response.api_keys.iter().map(|k| k.api_key).collect();
    for key in [ApiKey::Produce, ApiKey::Fetch, ApiKey::ListOffsets, ApiKey::Metadata, ApiKey::ApiVersions] {
        assert!(keys.contains(&(key as i16)), "{key:?} missing from {keys:?}");
    }
    let produce = response.api_keys.iter().find(|k| k.api_key == ApiKey::Produce as i16).unwrap();
    // Listed from v0 as Kafka 4 lists it (KAFKA-18659), served from v3.
    assert_eq!((produce.min_version, produce.max_version), (0, 13));
    assert!(response.supported_features.is_empty() && response.finalized_features.is_empty());
    assert!(response.unknown_tagged_fields.is_empty());
}

#[test]
fn api_versions_newer_than_served_is_unsupported_version_in_v0_form() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    // ApiVersions v9 does not exist yet, so no codec writes it: header v2 by hand
    // (key 18, version 9, correlation id 7, null client id, no tags) and a v3-shaped body.
    let mut raw = vec![0, 18, 0, 9, 0, 0, 0, 7, 0xff, 0xff, 0];
    raw.extend_from_slice(&[5, b't', b'e', b's', b't', 2, b'1', 0]);
    client.send_raw(&raw);
    let mut frame = client.read_frame().expect("a response, not a close");
    use kafka_protocol::protocol::Decodable;
    assert_eq!(ResponseHeader::decode(&mut frame, 0).unwrap().correlation_id, 7);
    let response = ApiVersionsResponse::decode(&mut frame, 0).unwrap();
    assert_eq!(response.error_code, ResponseError::UnsupportedVersion.code());
    // As Kafka: only ApiVersions' own range, for the client to retry with.
    let listed: Vec<_> = response.api_keys.iter().map(|k| (k.api_key, k.min_version, k.max_version)).collect();
    assert_eq!(listed, vec![(ApiKey::ApiVersions as i16, 0, 4)]);
}

/// Produce is listed from v0 (for librdkafka before 2.11.1's codec check) but
/// v0-v2 are not served: the connection is closed, as Kafka 4 closes it.
#[test]
fn produce_below_v3_closes_the_connection_though_listed() {
    let strand = Strand::start();
    for version in 0u8..3 {
        let mut client = RawClient::connect(&strand.addr);
        // Header v1 by hand (key 0, the version, correlation id 1, null client id)
        // and a v0-2 body: acks -1, timeout 5000 ms, no topics.
        let raw = [0, 0, 0, version, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x13, 0x88, 0, 0, 0, 0];
        client.send_raw(&raw);
        assert!(client.is_closed_by_peer(), "Produce v{version} was not refused");
    }
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(produce(&mut client, TOPIC, 0, batch(&[b"a"], 1000)).0, 0, "the broker still serves Produce v3+");
}

#[test]
fn metadata_names_this_broker_and_one_partition_with_a_stable_topic_id() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let response = client.send(12, &MetadataRequest::default().with_topics(None));
    assert_eq!(response.brokers.len(), 1);
    let broker = &response.brokers[0];
    assert_eq!(format!("{}:{}", broker.host.as_str(), broker.port), strand.addr);
    assert_eq!(response.controller_id, broker.node_id);
    assert_eq!(response.topics.len(), 1);
    let topic = &response.topics[0];
    assert_eq!(topic.name.as_ref().unwrap().as_str(), TOPIC);
    assert_eq!(topic.partitions.len(), 1);
    assert_eq!(topic.partitions[0].leader_id, broker.node_id);
    assert!(!topic.topic_id.is_nil());
    let (topic_id, cluster_id) = (topic.topic_id, response.cluster_id.clone());

    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    let response = client.send(12, &MetadataRequest::default().with_topics(None));
    assert_eq!(response.topics[0].topic_id, topic_id);
    assert_eq!(response.cluster_id, cluster_id);
}

#[test]
fn metadata_for_an_unknown_topic_is_unknown_topic_or_partition() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let request = MetadataRequest::default()
        .with_allow_auto_topic_creation(true)
        .with_topics(Some(vec![MetadataRequestTopic::default().with_name(Some(topic_name("nope")))]));
    let response = client.send(9, &request);
    assert_eq!(response.topics[0].error_code, ResponseError::UnknownTopicOrPartition.code());
    // Not auto-created: asking again still finds nothing.
    let response = client.send(9, &request);
    assert_eq!(response.topics[0].error_code, ResponseError::UnknownTopicOrPartition.code());
}

#[test]
fn produce_assigns_contiguous_offsets_and_fetch_returns_the_batches() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(produce(&mut client, TOPIC, 0, batch(&[b"a", b"b", b"c"], 1000)), (0, 0));
    assert_eq!(produce(&mut client, TOPIC, 0, batch(&[b"d"], 2000)), (0, 3));
    let data = fetch(&mut client, 0, 0);
    assert_eq!(data.error_code, 0);
    assert_eq!(data.high_watermark, 4);
    assert_eq!(data.last_stable_offset, 4);
    assert_eq!(data.log_start_offset, 0);
    assert_eq!(batch_base_offsets(data.records.unwrap()), vec![0, 3]);
}

#[test]
fn fetch_at_an_offset_inside_a_batch_returns_that_whole_batch() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, batch(&[b"a", b"b", b"c"], 1000));
    produce(&mut client, TOPIC, 0, batch(&[b"d", b"e"], 1000));
    let data = fetch(&mut client, 1, 0);
    assert_eq!(batch_base_offsets(data.records.unwrap()), vec![0, 3]);
    let data = fetch(&mut client, 4, 0);
    assert_eq!(batch_base_offsets(data.records.unwrap()), vec![3]);
}

#[test]
fn fetch_returns_a_first_batch_larger_than_partition_max_bytes_whole() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let big = vec![b'x'; 10_000];
    produce(&mut client, TOPIC, 0, batch(&[&big], 1000));
    produce(&mut client, TOPIC, 0, batch(&[&big], 1000));
    let response = client.send(12, &fetch_request(TOPIC, 0, 0, 100));
    let records = response.responses[0].partitions[0].records.clone().unwrap();
    assert!(records.len() > 10_000);
    assert_eq!(batch_base_offsets(records), vec![0], "exactly the first batch (KIP-74)");
}

#[test]
fn fetch_with_max_bytes_0_returns_the_first_batch_only() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    for _ in 0..3 {
        produce(&mut client, TOPIC, 0, batch(&[b"a", b"b"], 1000));
    }
    let response = client.send(12, &fetch_request(TOPIC, 0, 0, 1 << 20).with_max_bytes(0));
    let records = response.responses[0].partitions[0].records.clone().unwrap();
    assert_eq!(batch_base_offsets(records), vec![0], "a response limit of 0 still carries one batch (KIP-74)");
}

#[test]
fn fetch_waits_for_min_bytes_then_wakes_on_append() {
    let strand = Strand::start();
    let mut waiting = RawClient::connect(&strand.addr);
    // A minute-long wait: if appends did not wake it, it would come back empty.
    waiting.send_only(12, &fetch_request(TOPIC, 0, 60_000, 1 << 20));
    std::thread::sleep(Duration::from_millis(300));
    let mut producer = RawClient::connect(&strand.addr);
    assert_eq!(produce(&mut producer, TOPIC, 0, batch(&[b"wake"], 1000)), (0, 0));
    let mut frame = waiting.read_frame().expect("fetch response");
    use kafka_protocol::protocol::Decodable;
    ResponseHeader::decode(&mut frame, 1).unwrap();
    let response = FetchResponse::decode(&mut frame, 12).unwrap();
    let data = &response.responses[0].partitions[0];
    assert_eq!(batch_base_offsets(data.records.clone().unwrap()), vec![0]);
}

#[test]
fn a_waiting_fetch_does_not_block_other_connections() {
    let strand = Strand::start();
    let mut waiting = RawClient::connect(&strand.addr);
    waiting.send_only(12, &fetch_request(TOPIC, 0, 60_000, 1 << 20));
    // The broker answers another connection while the first one waits.
    let mut other = RawClient::connect(&strand.addr);
    let response = other.send(12, &MetadataRequest::default().with_topics(None));
    assert_eq!(response.topics.len(), 1);
}

#[test]
fn fetch_outside_the_log_is_offset_out_of_range() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, batch(&[b"a"], 1000));
    // Kafka's failed read: no high watermark, last stable offset or log start
    // (-1 each), and at read_uncommitted no aborted transactions array.
    for offset in [5, -1] {
        let data = fetch(&mut client, offset, 0);
        assert_eq!(data.error_code, ResponseError::OffsetOutOfRange.code(), "offset {offset}");
        assert_eq!((data.high_watermark, data.last_stable_offset, data.log_start_offset), (-1, -1, -1));
        assert_eq!(data.aborted_transactions, None);
    }
    // At the log end offset: no error, no records.
    let data = fetch(&mut client, 1, 0);
    assert_eq!(data.error_code, 0);
    assert!(data.records.unwrap().is_empty());
}

#[test]
fn fetch_by_topic_id_works_and_an_unknown_id_is_unknown_topic_id() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, batch(&[b"a"], 1000));
    let topic_id = client.send(12, &MetadataRequest::default().with_topics(None)).topics[0].topic_id;
    let mut request = fetch_request("", 0, 0, 1 << 20);
    request.topics[0].topic_id = topic_id;
    let response = client.send(13, &request);
    assert_eq!(response.responses[0].partitions[0].error_code, 0);
    assert_eq!(batch_base_offsets(response.responses[0].partitions[0].records.clone().unwrap()), vec![0]);
    request.topics[0].topic_id = uuid::Uuid::from_u128(42);
    let response = client.send(13, &request);
    let data = &response.responses[0].partitions[0];
    assert_eq!(data.error_code, ResponseError::UnknownTopicId.code());
    // Refused before the read: Kafka's partitionResponse, an empty aborted transactions array.
    assert_eq!((data.high_watermark, data.last_stable_offset, data.log_start_offset), (-1, -1, -1));
    assert_eq!(data.aborted_transactions, Some(vec![]));
}

#[test]
fn a_fetch_for_an_unknown_topic_has_an_empty_aborted_transactions_array() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    for version in [4, 12] {
        let response = client.send(version, &fetch_request("no-such-topic", 0, 0, 1 << 20));
        let data = &response.responses[0].partitions[0];
        assert_eq!(data.error_code, ResponseError::UnknownTopicOrPartition.code(), "v{version}");
        assert_eq!(data.aborted_transactions, Some(vec![]), "v{version}");
    }
}

#[test]
fn a_fetch_with_session_epoch_0_is_a_full_fetch_whatever_the_session_id() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, batch(&[b"a"], 1000));
    for (session_id, epoch) in [(0, 0), (12345, 0), (12345, -1), (0, -1)] {
        let request = fetch_request(TOPIC, 0, 0, 1 << 20).with_session_id(session_id).with_session_epoch(epoch);
        let response = client.send(12, &request);
        assert_eq!(response.error_code, 0, "session {session_id} epoch {epoch}");
        assert_eq!(response.session_id, 0, "no session is created");
        let records = response.responses[0].partitions[0].records.clone().unwrap();
        assert_eq!(batch_base_offsets(records), vec![0], "session {session_id} epoch {epoch}");
    }
    // Any other epoch is an incremental fetch on a session strand does not have.
    for (session_id, epoch) in [(12345, 3), (0, 1), (12345, -2)] {
        let request = fetch_request(TOPIC, 0, 0, 1 << 20).with_session_id(session_id).with_session_epoch(epoch);
        let response = client.send(12, &request);
        assert_eq!(
            response.error_code,
            ResponseError::FetchSessionIdNotFound.code(),
            "session {session_id} epoch {epoch}"
        );
    }
}

#[test]
fn produce_to_unknown_topic_is_unknown_topic_or_partition() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(produce(&mut client, "nope", 0, batch(&[b"a"], 1)).0, ResponseError::UnknownTopicOrPartition.code());
    assert_eq!(produce(&mut client, TOPIC, 1, batch(&[b"a"], 1)).0, ResponseError::UnknownTopicOrPartition.code());
    assert_eq!(fetch(&mut client, 0, 0).high_watermark, 0);
}

#[test]
fn produce_with_a_bad_crc_is_corrupt_message_and_leaves_the_log_untouched() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let mut bytes = batch(&[b"payload"], 1000).to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    assert_eq!(produce(&mut client, TOPIC, 0, Bytes::from(bytes)).0, ResponseError::CorruptMessage.code());
    assert_eq!(fetch(&mut client, 0, 0).high_watermark, 0);
    assert_eq!(produce(&mut client, TOPIC, 0, batch(&[b"ok"], 1000)), (0, 0));
}

#[test]
fn produce_of_a_wrong_magic_or_two_batches_is_invalid_record() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let mut bytes = batch(&[b"payload"], 1000).to_vec();
    bytes[16] = 1;
    assert_eq!(produce(&mut client, TOPIC, 0, Bytes::from(bytes)).0, ResponseError::InvalidRecord.code());
    let two = [batch(&[b"a"], 1), batch(&[b"b"], 1)].concat();
    assert_eq!(produce(&mut client, TOPIC, 0, Bytes::from(two)).0, ResponseError::InvalidRecord.code());
    assert_eq!(fetch(&mut client, 0, 0).high_watermark, 0);
}

#[test]
fn produce_over_max_message_bytes_is_message_too_large() {
    let strand = Strand::start_with(&["--max-message-bytes", "1000"]);
    let mut client = RawClient::connect(&strand.addr);
    let big = vec![b'x'; 2000];
    assert_eq!(produce(&mut client, TOPIC, 0, batch(&[&big], 1)).0, ResponseError::MessageTooLarge.code());
    assert_eq!(fetch(&mut client, 0, 0).high_watermark, 0);
}

#[test]
fn produce_with_acks_2_is_invalid_required_acks() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let response = client.send(9, &produce_request(TOPIC, 0, batch(&[b"a"], 1), 2));
    assert_eq!(response.responses[0].partition_responses[0].error_code, ResponseError::InvalidRequiredAcks.code());
    assert_eq!(fetch(&mut client, 0, 0).high_watermark, 0);
}

#[test]
fn produce_with_acks_0_gets_no_response_but_is_appended() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    client.send_only(9, &produce_request(TOPIC, 0, batch(&[b"a"], 1), 0));
    // The next response on the connection is the fetch's, not a produce response.
    let data = fetch(&mut client, 0, 0);
    assert_eq!(data.high_watermark, 1);
}

#[test]
fn a_failed_produce_with_acks_0_closes_the_connection() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    client.send_only(9, &produce_request("nope", 0, batch(&[b"a"], 1), 0));
    assert!(client.is_closed_by_peer());
}

#[test]
fn list_offsets_answers_earliest_latest_max_timestamp_and_times() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(list_offset(&mut client, -1), (0, 0, -1));
    assert_eq!(list_offset(&mut client, -3), (0, -1, -1));
    produce(&mut client, TOPIC, 0, batch(&[b"a", b"b", b"c"], 1000)); // offsets 0-2, ts 1000-1002
    produce(&mut client, TOPIC, 0, batch(&[b"d", b"e"], 5000)); // offsets 3-4, ts 5000-5001
    produce(&mut client, TOPIC, 0, batch(&[b"f"], 2000)); // offset 5, ts 2000
    assert_eq!(list_offset(&mut client, -2), (0, 0, -1));
    assert_eq!(list_offset(&mut client, -1), (0, 6, -1));
    assert_eq!(list_offset(&mut client, -3), (0, 4, 5001));
    assert_eq!(list_offset(&mut client, 0), (0, 0, 1000));
    assert_eq!(list_offset(&mut client, 1001), (0, 1, 1001));
    assert_eq!(list_offset(&mut client, 1003), (0, 3, 5000));
    assert_eq!(list_offset(&mut client, 5001), (0, 4, 5001));
    assert_eq!(list_offset(&mut client, 5002), (0, -1, -1));
}

#[test]
fn an_unknown_api_key_closes_the_connection_and_the_broker_keeps_serving() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    client.send_raw(&[0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);
    assert!(client.is_closed_by_peer());
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(client.send(12, &MetadataRequest::default().with_topics(None)).topics.len(), 1);
}

#[test]
fn an_unserved_api_closes_the_connection() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    // AlterReplicaLogDirs (key 34) v1: Kafka knows it, strand (one data dir) does not serve it.
    client.send_raw(&[0, 34, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0]);
    assert!(client.is_closed_by_peer());
}

#[test]
fn a_request_over_max_request_bytes_closes_the_connection() {
    let strand = Strand::start_with(&["--max-request-bytes", "1024"]);
    let mut client = RawClient::connect(&strand.addr);
    client.send_raw(&vec![0u8; 2048]);
    assert!(client.is_closed_by_peer());
    // A negative size prefix.
    let mut client = RawClient::connect(&strand.addr);
    client.write_bytes(&(-5i32).to_be_bytes());
    assert!(client.is_closed_by_peer());
}

/// Every served API answers at every version it advertises: a handler that sets a
/// field some version cannot carry would close the connection instead.
#[test]
fn every_served_api_answers_at_every_advertised_version() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, batch(&[b"a"], 1000));
    let topic_id = client.send(12, &MetadataRequest::default().with_topics(None)).topics[0].topic_id;
    let software = |r: ApiVersionsRequest| {
        r.with_client_software_name(StrBytes::from_static_str("raw-test"))
            .with_client_software_version(StrBytes::from_static_str("1"))
    };
    for version in 0..=4 {
        let request =
            if version >= 3 { software(ApiVersionsRequest::default()) } else { ApiVersionsRequest::default() };
        assert_eq!(client.send(version, &request).error_code, 0, "ApiVersions v{version}");
    }
    for version in 0..=13 {
        let topics = if version == 0 { Some(vec![]) } else { None };
        assert_eq!(
            client.send(version, &MetadataRequest::default().with_topics(topics)).topics.len(),
            1,
            "Metadata v{version}"
        );
    }
    for version in 3..=13 {
        let mut request = produce_request(TOPIC, 0, batch(&[b"v"], 1000), -1);
        if version >= 13 {
            request.topic_data[0].name = topic_name("");
            request.topic_data[0].topic_id = topic_id;
        }
        let response = client.send(version, &request);
        assert_eq!(response.responses[0].partition_responses[0].error_code, 0, "Produce v{version}");
    }
    for version in 4..=18 {
        let mut request = fetch_request(TOPIC, 0, 0, 1 << 20);
        if version >= 13 {
            request.topics[0].topic = topic_name("");
            request.topics[0].topic_id = topic_id;
        }
        let response = client.send(version, &request);
        assert_eq!(response.responses[0].partitions[0].error_code, 0, "Fetch v{version}");
        assert!(!response.responses[0].partitions[0].records.as_ref().unwrap().is_empty(), "Fetch v{version}");
    }
    for version in 1..=10 {
        let request =
            ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![ListOffsetsTopic::default()
                .with_name(topic_name(TOPIC))
                .with_partitions(vec![ListOffsetsPartition::default().with_partition_index(0).with_timestamp(-1)])]);
        let response = client.send(version, &request);
        assert_eq!(response.topics[0].partitions[0].offset, 12, "ListOffsets v{version}");
    }
    for version in 0..=5 {
        let response = client.send(version, &InitProducerIdRequest::default().with_transaction_timeout_ms(1000));
        assert_eq!((response.error_code, response.producer_epoch), (0, 0), "InitProducerId v{version}");
    }
    for version in 2..=7 {
        let request = CreateTopicsRequest::default().with_topics(vec![CreatableTopic::default()
            .with_name(topic_name(TOPIC))
            .with_num_partitions(1)
            .with_replication_factor(1)]);
        let response = client.send(version, &request);
        assert_eq!(response.topics[0].error_code, ResponseError::TopicAlreadyExists.code(), "CreateTopics v{version}");
    }
}
