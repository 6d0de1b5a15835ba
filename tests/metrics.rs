//! The Prometheus endpoint after real traffic: every family parses and moves by
//! the amounts the traffic implies.

mod common;

use std::collections::HashMap;

use bytes::Bytes;
use common::{batch, RawClient, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

/// Parses the text exposition format into `name{labels}` -> value, checking that
/// every sample line is well formed and every family has HELP and TYPE.
fn scrape(strand: &Strand) -> HashMap<String, f64> {
    let (status, body) = strand.http_get("/metrics");
    assert_eq!(status, 200);
    let mut samples = HashMap::new();
    let mut described = std::collections::HashSet::new();
    for line in body.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ").or_else(|| line.strip_prefix("# TYPE ")) {
            described.insert(rest.split_whitespace().next().unwrap().to_owned());
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("malformed line {line:?}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("malformed value in {line:?}"));
        let family = series.split('{').next().unwrap();
        let base = family.trim_end_matches("_bucket").trim_end_matches("_sum").trim_end_matches("_count");
        assert!(described.contains(family) || described.contains(base), "{family} has no HELP/TYPE");
        samples.insert(series.to_owned(), value);
    }
    samples
}

fn produce(client: &mut RawClient, records: bytes::Bytes) {
    assert_eq!(client.produce(records).0, 0);
}

#[test]
fn health_is_ready_once_the_broker_listens() {
    let strand = Strand::start();
    assert_eq!(strand.http_get("/health"), (200, "ok\n".to_owned()));
    assert_eq!(strand.http_get("/nope").0, 404);
}

#[test]
fn metrics_move_by_what_produce_fetch_and_commit_did() {
    let strand = Strand::start();
    let before = scrape(&strand);
    assert_eq!(before["strand_log_end_offset{topic=\"events\",partition=\"0\"}"], 0.0);
    assert_eq!(before["strand_build_info{version=\"0.1.0\"}"], 1.0);

    let mut client = RawClient::connect(&strand.addr);
    let first = batch(&[b"a", b"b", b"c"], 1000);
    let second = batch(&[b"d", b"e"], 1000);
    let produced_bytes = (first.len() + second.len()) as f64;
    produce(&mut client, first);
    produce(&mut client, second);
    let fetch =
        FetchRequest::default().with_max_wait_ms(0).with_max_bytes(1 << 20).with_session_epoch(-1).with_topics(vec![
            FetchTopic::default().with_topic(TopicName(StrBytes::from_static_str(TOPIC))).with_partitions(vec![
                FetchPartition::default().with_partition(0).with_fetch_offset(0).with_partition_max_bytes(1 << 20),
            ]),
        ]);
    client.send(12, &fetch);
    // One partition error: fetching past the end.
    let mut out_of_range = fetch.clone();
    out_of_range.topics[0].partitions[0].fetch_offset = 99;
    client.send(12, &out_of_range);
    let commit = OffsetCommitRequest::default()
        .with_group_id(GroupId(StrBytes::from_static_str("dash")))
        .with_generation_id_or_member_epoch(-1)
        .with_topics(vec![OffsetCommitRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partitions(vec![OffsetCommitRequestPartition::default()
                .with_partition_index(0)
                .with_committed_offset(2)])]);
    client.send(8, &commit);

    let after = scrape(&strand);
    assert_eq!(after["strand_produced_records_total"], 5.0);
    assert_eq!(after["strand_produced_bytes_total"], produced_bytes);
    assert_eq!(after["strand_fetched_bytes_total"], produced_bytes);
    assert_eq!(after["strand_log_start_offset{topic=\"events\",partition=\"0\"}"], 0.0);
    assert_eq!(after["strand_log_end_offset{topic=\"events\",partition=\"0\"}"], 5.0);
    assert_eq!(after["strand_log_segments{topic=\"events\",partition=\"0\"}"], 1.0);
    assert_eq!(after["strand_log_size_bytes{topic=\"events\",partition=\"0\"}"], produced_bytes);
    assert_eq!(after["strand_requests_total{api=\"Produce\"}"], 2.0);
    assert_eq!(after["strand_requests_total{api=\"Fetch\"}"], 2.0);
    assert_eq!(after["strand_requests_total{api=\"OffsetCommit\"}"], 1.0);
    assert_eq!(after["strand_request_errors_total{api=\"Fetch\",code=\"1\"}"], 1.0);
    assert_eq!(after["strand_request_duration_seconds_count{api=\"Produce\"}"], 2.0);
    assert!(after.contains_key("strand_request_duration_seconds_bucket{api=\"Fetch\",le=\"0.001\"}"));
    assert_eq!(after["strand_consumer_group_lag{group=\"dash\",topic=\"events\",partition=\"0\"}"], 3.0);
    assert_eq!(after["strand_consumer_group_members{group=\"dash\"}"], 0.0);
    assert_eq!(after["strand_connections_active"], 1.0);
    assert!(after["strand_connections_total"] >= 1.0);
}

fn topic_name(name: &'static str) -> TopicName {
    TopicName(StrBytes::from_static_str(name))
}

/// How much `strand_request_errors_total{api, code}` grew between two scrapes
/// (a series never incremented is absent, which reads as 0).
fn errors_added(before: &HashMap<String, f64>, after: &HashMap<String, f64>, api: &str, code: ResponseError) -> f64 {
    let series = format!("strand_request_errors_total{{api=\"{api}\",code=\"{}\"}}", code.code());
    after.get(&series).copied().unwrap_or(0.0) - before.get(&series).copied().unwrap_or(0.0)
}

/// Every `strand_request_errors_total` series of `api`, with its value.
fn error_series(samples: &HashMap<String, f64>, api: &str) -> Vec<(String, f64)> {
    let prefix = format!("strand_request_errors_total{{api=\"{api}\",");
    let mut series: Vec<(String, f64)> =
        samples.iter().filter(|(k, _)| k.starts_with(&prefix)).map(|(k, v)| (k.clone(), *v)).collect();
    series.sort_by(|a, b| a.0.cmp(&b.0));
    series
}

#[test]
fn metadata_create_topics_and_init_producer_id_errors_are_counted_once_each_an_unknown_topics_offset_fetch_not_at_all()
{
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let before = scrape(&strand);

    // Metadata: one known topic, one unknown by name, one unknown by id.
    let metadata = client.send(
        12,
        &MetadataRequest::default().with_topics(Some(vec![
            MetadataRequestTopic::default().with_name(Some(topic_name(TOPIC))),
            MetadataRequestTopic::default().with_name(Some(topic_name("nope"))),
            MetadataRequestTopic::default().with_name(None).with_topic_id(uuid::Uuid::from_u128(7)),
        ])),
    );
    let codes: Vec<i16> = metadata.topics.iter().map(|t| t.error_code).collect();
    assert_eq!(codes, [0, 3, 100]);

    // OffsetFetch, before v8: two partitions of an unknown topic have no offset, which is no error (as in Kafka).
    let fetched = client.send(
        7,
        &OffsetFetchRequest::default().with_group_id(GroupId(StrBytes::from_static_str("g"))).with_topics(Some(vec![
            OffsetFetchRequestTopic::default().with_name(topic_name("nope")).with_partition_indexes(vec![0, 1]),
        ])),
    );
    assert!(fetched.topics[0].partitions.iter().all(|p| p.error_code == 0 && p.committed_offset == -1));
    // From v8, per group: one partition of an unknown topic, one of ours.
    let fetched = client.send(
        8,
        &OffsetFetchRequest::default().with_groups(vec![OffsetFetchRequestGroup::default()
            .with_group_id(GroupId(StrBytes::from_static_str("g")))
            .with_topics(Some(vec![
                OffsetFetchRequestTopics::default().with_name(topic_name("nope")).with_partition_indexes(vec![0]),
                OffsetFetchRequestTopics::default().with_name(topic_name(TOPIC)).with_partition_indexes(vec![0]),
            ]))]),
    );
    let codes: Vec<i16> = fetched.groups[0].topics.iter().map(|t| t.partitions[0].error_code).collect();
    assert_eq!(codes, [0, 0]);

    // CreateTopics: ours exists already; three replicas cannot be placed on one broker.
    let created = client.send(
        7,
        &CreateTopicsRequest::default().with_timeout_ms(5000).with_topics(vec![
            CreatableTopic::default().with_name(topic_name(TOPIC)).with_num_partitions(1).with_replication_factor(1),
            CreatableTopic::default().with_name(topic_name("other")).with_num_partitions(1).with_replication_factor(3),
        ]),
    );
    let codes: Vec<i16> = created.topics.iter().map(|t| t.error_code).collect();
    assert_eq!(codes, [36, 38]);

    // InitProducerId: a transactional id is refused, an idempotent producer is not.
    let transactional = client.send(
        4,
        &InitProducerIdRequest::default()
            .with_transactional_id(Some(TransactionalId(StrBytes::from_static_str("tx"))))
            .with_transaction_timeout_ms(60_000)
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1),
    );
    assert_eq!(transactional.error_code, 15);
    let idempotent =
        client.send(4, &InitProducerIdRequest::default().with_producer_id(ProducerId(-1)).with_producer_epoch(-1));
    assert_eq!(idempotent.error_code, 0);

    // Produce was counted before; it must still be counted exactly once.
    let bad_acks =
        ProduceRequest::default().with_acks(2).with_timeout_ms(5000).with_topic_data(vec![TopicProduceData::default()
            .with_name(topic_name(TOPIC))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(batch(&[b"a"], 1)))])]);
    assert_eq!(client.send(9, &bad_acks).responses[0].partition_responses[0].error_code, 21);

    let after = scrape(&strand);
    assert_eq!(errors_added(&before, &after, "Metadata", ResponseError::UnknownTopicOrPartition), 1.0);
    assert_eq!(errors_added(&before, &after, "Metadata", ResponseError::UnknownTopicId), 1.0);
    assert_eq!(errors_added(&before, &after, "CreateTopics", ResponseError::TopicAlreadyExists), 1.0);
    assert_eq!(errors_added(&before, &after, "CreateTopics", ResponseError::InvalidReplicationFactor), 1.0);
    assert_eq!(errors_added(&before, &after, "InitProducerId", ResponseError::CoordinatorNotAvailable), 1.0);
    assert_eq!(errors_added(&before, &after, "Produce", ResponseError::InvalidRequiredAcks), 1.0);
    // Nothing else: no other code, and no code 0, was counted for these APIs.
    for (api, series) in
        [("Metadata", 2), ("OffsetFetch", 0), ("CreateTopics", 2), ("InitProducerId", 1), ("Produce", 1)]
    {
        assert_eq!(error_series(&after, api).len(), series, "{api}: {:?}", error_series(&after, api));
    }
    assert_eq!(after["strand_requests_total{api=\"InitProducerId\"}"], 2.0);
}

#[test]
fn failed_sasl_authentication_and_handshake_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users");
    std::fs::write(&users, "alice:alice-secret\n").unwrap();
    let strand = Strand::start_with(&["--sasl-mechanisms", "PLAIN", "--users-file", users.to_str().unwrap()]);
    let before = scrape(&strand);

    let mut client = RawClient::connect(&strand.addr);
    let handshake = client.send(1, &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("PLAIN")));
    assert_eq!(handshake.error_code, 0);
    let authenticate =
        client.send(2, &SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from_static(b"\0alice\0wrong")));
    assert_eq!(authenticate.error_code, ResponseError::SaslAuthenticationFailed.code());

    let mut client = RawClient::connect(&strand.addr);
    let handshake =
        client.send(1, &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("GSSAPI")));
    assert_eq!(handshake.error_code, ResponseError::UnsupportedSaslMechanism.code());

    let after = scrape(&strand);
    assert_eq!(errors_added(&before, &after, "SaslAuthenticate", ResponseError::SaslAuthenticationFailed), 1.0);
    assert_eq!(errors_added(&before, &after, "SaslHandshake", ResponseError::UnsupportedSaslMechanism), 1.0);
    assert_eq!(error_series(&after, "SaslAuthenticate").len(), 1);
    assert_eq!(error_series(&after, "SaslHandshake").len(), 1);
    assert_eq!(after["strand_sasl_authentication_failures_total{mechanism=\"PLAIN\"}"], 1.0);
    assert_eq!(after["strand_requests_total{api=\"SaslHandshake\"}"], 2.0);
}
