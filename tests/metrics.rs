//! The Prometheus endpoint after real traffic: every family parses and moves by
//! the amounts the traffic implies.

mod common;

use std::collections::HashMap;

use common::{batch, RawClient, Strand, TOPIC};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
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
    let request =
        ProduceRequest::default()
            .with_acks(-1)
            .with_timeout_ms(5000)
            .with_topic_data(vec![TopicProduceData::default()
                .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
                .with_partition_data(vec![PartitionProduceData::default().with_index(0).with_records(Some(records))])]);
    assert_eq!(client.send(9, &request).responses[0].partition_responses[0].error_code, 0);
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
    assert_eq!(before["strand_log_end_offset"], 0.0);
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
    assert_eq!(after["strand_log_start_offset"], 0.0);
    assert_eq!(after["strand_log_end_offset"], 5.0);
    assert_eq!(after["strand_log_segments"], 1.0);
    assert_eq!(after["strand_log_size_bytes"], produced_bytes);
    assert_eq!(after["strand_requests_total{api=\"Produce\"}"], 2.0);
    assert_eq!(after["strand_requests_total{api=\"Fetch\"}"], 2.0);
    assert_eq!(after["strand_requests_total{api=\"OffsetCommit\"}"], 1.0);
    assert_eq!(after["strand_request_errors_total{api=\"Fetch\",code=\"1\"}"], 1.0);
    assert_eq!(after["strand_request_duration_seconds_count{api=\"Produce\"}"], 2.0);
    assert!(after.contains_key("strand_request_duration_seconds_bucket{api=\"Fetch\",le=\"0.001\"}"));
    assert_eq!(after["strand_consumer_group_lag{group=\"dash\"}"], 3.0);
    assert_eq!(after["strand_consumer_group_members{group=\"dash\"}"], 0.0);
    assert_eq!(after["strand_connections_active"], 1.0);
    assert!(after["strand_connections_total"] >= 1.0);
}
