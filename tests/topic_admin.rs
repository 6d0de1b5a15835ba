//! Topics and partitions over the wire, with Kafka's codes: CreateTopics,
//! DeleteTopics, CreatePartitions, auto-creation, and what the other APIs see of
//! them, against the real `strand` binary with a raw client.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{batch, batch_base_offsets, RawClient, Strand};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_partitions_request::{CreatePartitionsAssignment, CreatePartitionsTopic};
use kafka_protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

fn name(topic: &str) -> TopicName {
    TopicName(StrBytes::from_string(topic.to_owned()))
}

fn topic(topic: &str, partitions: i32) -> CreatableTopic {
    CreatableTopic::default().with_name(name(topic)).with_num_partitions(partitions).with_replication_factor(-1)
}

fn create(client: &mut RawClient, topics: Vec<CreatableTopic>, validate_only: bool) -> CreateTopicsResponse {
    let request = CreateTopicsRequest::default().with_timeout_ms(5000).with_validate_only(validate_only);
    client.send(7, &request.with_topics(topics))
}

/// Each result's (error code, error message).
fn outcomes(response: &CreateTopicsResponse) -> Vec<(i16, String)> {
    let message = |m: &Option<StrBytes>| m.as_ref().map(|m| m.to_string()).unwrap_or_default();
    response.topics.iter().map(|t| (t.error_code, message(&t.error_message))).collect()
}

/// (error code, partition count, topic id) of each named topic.
fn metadata(client: &mut RawClient, topics: &[&str], auto_create: bool) -> Vec<(i16, usize, Uuid)> {
    let request = MetadataRequest::default()
        .with_allow_auto_topic_creation(auto_create)
        .with_topics(Some(topics.iter().map(|t| MetadataRequestTopic::default().with_name(Some(name(t)))).collect()));
    let response = client.send(12, &request);
    response.topics.iter().map(|t| (t.error_code, t.partitions.len(), t.topic_id)).collect()
}

fn all_topics(client: &mut RawClient) -> Vec<String> {
    let response = client.send(12, &MetadataRequest::default().with_topics(None));
    response.topics.iter().filter_map(|t| t.name.as_ref().map(|n| n.to_string())).collect()
}

fn produce(client: &mut RawClient, topic: &str, partition: i32, records: Bytes) -> (i16, i64) {
    let request =
        ProduceRequest::default()
            .with_acks(-1)
            .with_timeout_ms(5000)
            .with_topic_data(vec![TopicProduceData::default().with_name(name(topic)).with_partition_data(vec![
                PartitionProduceData::default().with_index(partition).with_records(Some(records)),
            ])]);
    let response = client.send(9, &request);
    let p = &response.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

fn fetch_request(topic: &str, partitions: &[i32], max_wait_ms: i32) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(1 << 20)
        .with_session_epoch(-1)
        .with_topics(vec![FetchTopic::default().with_topic(name(topic)).with_partitions(
            partitions
                .iter()
                .map(|&p| {
                    FetchPartition::default().with_partition(p).with_fetch_offset(0).with_partition_max_bytes(1 << 20)
                })
                .collect(),
        )])
}

const CODE: fn(ResponseError) -> i16 = |e| e.code();

#[test]
fn create_topics_applies_kafkas_rules_with_kafkas_codes() {
    let strand = Strand::start_with(&["--num-partitions", "2"]);
    let mut client = RawClient::connect(&strand.addr);

    let response = create(&mut client, vec![topic("orders", 3), topic("defaulted", -1)], false);
    assert_eq!(outcomes(&response), [(0, String::new()), (0, String::new())]);
    assert_eq!((response.topics[0].num_partitions, response.topics[0].replication_factor), (3, 1));
    assert_eq!(response.topics[1].num_partitions, 2, "-1 partitions is --num-partitions");
    let listed = metadata(&mut client, &["orders", "defaulted"], false);
    assert_eq!(listed[0], (0, 3, response.topics[0].topic_id));
    assert_eq!((listed[1].0, listed[1].1), (0, 2));
    assert_ne!(listed[0].2, Uuid::nil());
    // As Kafka: a name asked twice is answered once, and known topics come before unknown ones.
    let listed = metadata(&mut client, &["nope", "orders", "orders", "defaulted"], false);
    let shape: Vec<(i16, usize)> = listed.iter().map(|t| (t.0, t.1)).collect();
    assert_eq!(shape, [(0, 3), (0, 2), (CODE(ResponseError::UnknownTopicOrPartition), 0)]);

    let refused = create(
        &mut client,
        vec![
            topic("orders", 1),
            topic("twice", 1),
            topic("twice", 1),
            topic("no spaces", 1),
            topic("..", 1),
            topic(&"x".repeat(250), 1),
            topic("zero", 0),
            topic("three-replicas", 1).with_replication_factor(3),
            topic("zero-replicas", 1).with_replication_factor(0),
            topic("elsewhere", -1).with_assignments(vec![CreatableReplicaAssignment::default()
                .with_partition_index(0)
                .with_broker_ids(vec![BrokerId(2)])]),
            topic("unknown-config", 1).with_configs(vec![CreatableTopicConfig::default()
                .with_name(StrBytes::from_static_str("no.such.config"))
                .with_value(Some(StrBytes::from_static_str("1")))]),
            topic("compacted", 1).with_configs(vec![CreatableTopicConfig::default()
                .with_name(StrBytes::from_static_str("cleanup.policy"))
                .with_value(Some(StrBytes::from_static_str("compact")))]),
        ],
        false,
    );
    let codes: Vec<i16> = outcomes(&refused).into_iter().map(|(code, _)| code).collect();
    assert_eq!(
        codes,
        [
            CODE(ResponseError::TopicAlreadyExists),
            CODE(ResponseError::InvalidTopicException),
            CODE(ResponseError::InvalidTopicException),
            CODE(ResponseError::InvalidTopicException),
            CODE(ResponseError::InvalidPartitions),
            CODE(ResponseError::InvalidReplicationFactor),
            CODE(ResponseError::InvalidReplicationFactor),
            CODE(ResponseError::InvalidReplicaAssignment),
            CODE(ResponseError::InvalidConfig),
            CODE(ResponseError::InvalidConfig),
            // A name given twice is answered once, last, as Kafka's controller does.
            CODE(ResponseError::InvalidRequest),
        ]
    );
    assert_eq!(refused.topics[10].name.as_str(), "twice");
    assert!(refused.topics.iter().all(|t| t.error_message.as_ref().is_some_and(|m| !m.is_empty())));
    assert!(outcomes(&refused)[9].1.contains("compaction"), "{:?}", outcomes(&refused)[9]);

    // The longest legal name (249) fits every file strand keeps for it, configs included.
    let longest = "y".repeat(249);
    let config = CreatableTopicConfig::default()
        .with_name(StrBytes::from_static_str("retention.ms"))
        .with_value(Some(StrBytes::from_static_str("60000")));
    let created = create(&mut client, vec![topic(&longest, 2).with_configs(vec![config])], false);
    assert_eq!(outcomes(&created), [(0, String::new())]);
    let deleted =
        client.send(4, &DeleteTopicsRequest::default().with_timeout_ms(5000).with_topic_names(vec![name(&longest)]));
    assert_eq!(deleted.responses[0].error_code, 0);
    assert_eq!(metadata(&mut client, &[&longest], false)[0].0, CODE(ResponseError::UnknownTopicOrPartition));

    // '.' and '_' collide: Kafka's metrics could not tell the two apart.
    assert_eq!(create(&mut client, vec![topic("a_b", 1)], false).topics[0].error_code, 0);
    let collides = create(&mut client, vec![topic("a.b", 1)], false);
    assert_eq!(collides.topics[0].error_code, CODE(ResponseError::InvalidTopicException));

    // validate_only checks everything and creates nothing.
    let validated = create(&mut client, vec![topic("dry-run", 4), topic("orders", 1)], true);
    assert_eq!(validated.topics[0].error_code, 0);
    assert_eq!(validated.topics[0].num_partitions, 4);
    assert_eq!(validated.topics[1].error_code, CODE(ResponseError::TopicAlreadyExists));
    assert_eq!(metadata(&mut client, &["dry-run"], false)[0].0, CODE(ResponseError::UnknownTopicOrPartition));

    let mut names = all_topics(&mut client);
    names.sort();
    assert_eq!(names, ["a_b", "defaulted", "events", "orders"]);
}

#[test]
fn every_partition_takes_its_own_records_and_reads_them_back() {
    let strand = Strand::start_with(&["--topic", "events,orders:3"]);
    let mut client = RawClient::connect(&strand.addr);
    for p in 0..3 {
        for round in 0..=p {
            let value = format!("p{p}-r{round}");
            assert_eq!(produce(&mut client, "orders", p, batch(&[value.as_bytes()], 1000)), (0, i64::from(round)));
        }
    }
    assert_eq!(produce(&mut client, "orders", 3, batch(&[b"x"], 1)).0, CODE(ResponseError::UnknownTopicOrPartition));
    let response = client.send(12, &fetch_request("orders", &[0, 1, 2, 3], 0));
    let partitions = &response.responses[0].partitions;
    for (p, data) in partitions.iter().take(3).enumerate() {
        let records = data.records.clone().unwrap_or_default();
        assert_eq!(batch_base_offsets(records), (0..=p as i64).collect::<Vec<_>>(), "partition {p}");
        assert_eq!(data.high_watermark, p as i64 + 1);
    }
    assert_eq!(partitions[3].error_code, CODE(ResponseError::UnknownTopicOrPartition));
}

#[test]
fn a_fetch_waiting_on_several_partitions_wakes_on_an_append_to_any_of_them() {
    let strand = Strand::start_with(&["--topic", "orders:3"]);
    let mut waiting = RawClient::connect(&strand.addr);
    // A minute's wait: only the append can end it before the client's read timeout.
    waiting.send_only(12, &fetch_request("orders", &[0, 1, 2], 60_000));
    std::thread::sleep(Duration::from_millis(200));
    let mut producer = RawClient::connect(&strand.addr);
    let started = Instant::now();
    assert_eq!(produce(&mut producer, "orders", 2, batch(&[b"late"], 1)).0, 0);
    let mut body = waiting.read_frame().expect("the fetch is answered");
    let response = decode_fetch(&mut body);
    assert!(started.elapsed() < Duration::from_secs(50), "woke at the deadline, not on the append");
    let partitions = &response.responses[0].partitions;
    assert!(partitions[2].records.as_ref().is_some_and(|r| !r.is_empty()));
    assert!(partitions[..2].iter().all(|p| p.records.as_ref().is_none_or(|r| r.is_empty())));
}

fn decode_fetch(body: &mut Bytes) -> FetchResponse {
    use kafka_protocol::protocol::Decodable;
    let _ = ResponseHeader::decode(body, ApiKey::Fetch.response_header_version(12)).unwrap();
    FetchResponse::decode(body, 12).unwrap()
}

#[test]
fn delete_topics_by_name_and_by_id_removes_topic_files_and_committed_offsets() {
    let strand = Strand::start_with(&["--topic", "events,doomed:2,by-id,kept"]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(produce(&mut client, "doomed", 1, batch(&[b"a"], 1)).0, 0);
    assert_eq!(produce(&mut client, "kept", 0, batch(&[b"k"], 1)).0, 0);
    let commit = OffsetCommitRequest::default()
        .with_group_id(GroupId(StrBytes::from_static_str("g")))
        .with_generation_id_or_member_epoch(-1)
        .with_topics(
            ["doomed", "kept"]
                .iter()
                .map(|t| {
                    OffsetCommitRequestTopic::default().with_name(name(t)).with_partitions(vec![
                        OffsetCommitRequestPartition::default().with_partition_index(0).with_committed_offset(1),
                    ])
                })
                .collect(),
        );
    let committed = client.send(8, &commit);
    assert!(committed.topics.iter().flat_map(|t| &t.partitions).all(|p| p.error_code == 0));
    let by_id = metadata(&mut client, &["by-id"], false)[0].2;

    let deleted = client.send(
        5,
        &DeleteTopicsRequest::default().with_timeout_ms(5000).with_topic_names(vec![name("doomed"), name("never-was")]),
    );
    let codes: Vec<i16> = deleted.responses.iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [0, CODE(ResponseError::UnknownTopicOrPartition)]);
    let deleted = client.send(
        6,
        &DeleteTopicsRequest::default().with_timeout_ms(5000).with_topics(vec![
            DeleteTopicState::default().with_topic_id(by_id),
            DeleteTopicState::default().with_topic_id(Uuid::from_u128(42)),
        ]),
    );
    let codes: Vec<i16> = deleted.responses.iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [0, CODE(ResponseError::UnknownTopicId)]);
    assert_eq!(deleted.responses[0].name.as_ref().map(|n| n.to_string()).as_deref(), Some("by-id"));
    // A name or id given twice is answered once (INVALID_REQUEST), as are a name
    // with an id and an entry with neither.
    let twice = client.send(
        6,
        &DeleteTopicsRequest::default().with_timeout_ms(5000).with_topics(vec![
            DeleteTopicState::default().with_name(Some(name("never-was"))),
            DeleteTopicState::default().with_topic_id(Uuid::from_u128(7)),
            DeleteTopicState::default().with_name(Some(name("never-was"))),
            DeleteTopicState::default().with_topic_id(Uuid::from_u128(7)),
            DeleteTopicState::default().with_name(Some(name("kept"))).with_topic_id(Uuid::from_u128(8)),
            DeleteTopicState::default(),
        ]),
    );
    let codes: Vec<i16> = twice.responses.iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [CODE(ResponseError::InvalidRequest); 4]);
    assert_eq!(metadata(&mut client, &["kept"], false)[0].0, 0);

    // Gone at once for every API.
    let mut names = all_topics(&mut client);
    names.sort();
    assert_eq!(names, ["events", "kept"]);
    assert_eq!(produce(&mut client, "doomed", 0, batch(&[b"b"], 1)).0, CODE(ResponseError::UnknownTopicOrPartition));
    // Files: renamed to Kafka's -delete form, then removed in the background.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left: Vec<String> = std::fs::read_dir(&strand.data_dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("doomed-") || n.starts_with("by-id-"))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(left.iter().all(|n| n.ends_with("-delete")), "{left:?}");
        assert!(Instant::now() < deadline, "deleted partitions were not removed: {left:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A new topic of the same name starts empty, with no committed offset from the old one.
    assert_eq!(create(&mut client, vec![topic("doomed", 1)], false).topics[0].error_code, 0);
    let fetched = client.send(
        7,
        &OffsetFetchRequest::default().with_group_id(GroupId(StrBytes::from_static_str("g"))).with_topics(Some(
            ["doomed", "kept"]
                .iter()
                .map(|t| OffsetFetchRequestTopic::default().with_name(name(t)).with_partition_indexes(vec![0]))
                .collect(),
        )),
    );
    let offsets: Vec<i64> = fetched.topics.iter().map(|t| t.partitions[0].committed_offset).collect();
    assert_eq!(offsets, [-1, 1]);
    let response = client.send(12, &fetch_request("doomed", &[0], 0));
    assert_eq!(response.responses[0].partitions[0].high_watermark, 0);
}

#[test]
fn a_fetch_long_polling_on_a_deleted_topic_ends_with_unknown_topic_or_partition() {
    let strand = Strand::start_with(&["--topic", "events,doomed"]);
    let mut waiting = RawClient::connect(&strand.addr);
    waiting.send_only(12, &fetch_request("doomed", &[0], 60_000));
    std::thread::sleep(Duration::from_millis(200));
    let mut admin = RawClient::connect(&strand.addr);
    let started = Instant::now();
    let deleted =
        admin.send(5, &DeleteTopicsRequest::default().with_timeout_ms(5000).with_topic_names(vec![name("doomed")]));
    assert_eq!(deleted.responses[0].error_code, 0);
    let response = decode_fetch(&mut waiting.read_frame().expect("the fetch is answered"));
    assert!(started.elapsed() < Duration::from_secs(50), "woke at the deadline, not on the delete");
    assert_eq!(response.responses[0].partitions[0].error_code, CODE(ResponseError::UnknownTopicOrPartition));
}

#[test]
fn create_partitions_only_increases_and_new_partitions_take_records() {
    let strand = Strand::start_with(&["--topic", "events,grow"]);
    let mut client = RawClient::connect(&strand.addr);
    let request = |topics: Vec<CreatePartitionsTopic>, validate_only| {
        CreatePartitionsRequest::default().with_timeout_ms(5000).with_validate_only(validate_only).with_topics(topics)
    };
    let grow = |count| CreatePartitionsTopic::default().with_name(name("grow")).with_count(count);
    let codes =
        |response: CreatePartitionsResponse| -> Vec<i16> { response.results.iter().map(|r| r.error_code).collect() };
    assert_eq!(codes(client.send(3, &request(vec![grow(4)], true))), [0]);
    assert_eq!(metadata(&mut client, &["grow"], false)[0].1, 1, "validate_only changes nothing");
    assert_eq!(codes(client.send(3, &request(vec![grow(3)], false))), [0]);
    assert_eq!(metadata(&mut client, &["grow"], false)[0].1, 3);
    let refused = client.send(
        3,
        &request(
            vec![
                grow(2),
                CreatePartitionsTopic::default().with_name(name("events")).with_count(1),
                CreatePartitionsTopic::default().with_name(name("never-was")).with_count(2),
                CreatePartitionsTopic::default().with_name(name("events")).with_count(2),
            ],
            false,
        ),
    );
    // A name given twice is answered once, first, as Kafka's controller does.
    assert_eq!(refused.results[0].name.as_str(), "events");
    assert_eq!(
        codes(refused),
        [
            CODE(ResponseError::InvalidRequest),
            CODE(ResponseError::InvalidPartitions),
            CODE(ResponseError::UnknownTopicOrPartition),
        ]
    );
    let assigned = |ids: Vec<i32>| {
        grow(4).with_assignments(Some(vec![
            CreatePartitionsAssignment::default().with_broker_ids(ids.into_iter().map(BrokerId).collect())
        ]))
    };
    for ids in [vec![9], vec![], vec![1, 1]] {
        let response = client.send(3, &request(vec![assigned(ids.clone())], false));
        assert_eq!(codes(response), [CODE(ResponseError::InvalidReplicaAssignment)], "{ids:?}");
    }
    assert_eq!(metadata(&mut client, &["grow"], false)[0].1, 3, "a refused assignment adds nothing");
    assert_eq!(produce(&mut client, "grow", 2, batch(&[b"new"], 1)), (0, 0));
}

#[test]
fn the_partition_cap_is_policy_violation() {
    let strand = Strand::start_with(&["--max-partitions", "4"]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(create(&mut client, vec![topic("three", 3)], false).topics[0].error_code, 0);
    let over = create(&mut client, vec![topic("one-more", 1)], false);
    assert_eq!(over.topics[0].error_code, CODE(ResponseError::PolicyViolation));
    let grow = CreatePartitionsRequest::default()
        .with_timeout_ms(5000)
        .with_topics(vec![CreatePartitionsTopic::default().with_name(name("three")).with_count(4)]);
    assert_eq!(client.send(3, &grow).results[0].error_code, CODE(ResponseError::PolicyViolation));
}

#[test]
fn auto_creation_by_metadata_and_by_produce_when_enabled() {
    let strand = Strand::start_with(&["--auto-create-topics", "true", "--num-partitions", "3"]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(metadata(&mut client, &["asked"], false)[0].0, CODE(ResponseError::UnknownTopicOrPartition));
    let created = metadata(&mut client, &["asked", "bad name"], true);
    assert_eq!((created[0].0, created[0].1), (0, 3));
    assert_eq!(created[1].0, CODE(ResponseError::InvalidTopicException));
    assert_eq!(produce(&mut client, "produced", 2, batch(&[b"v"], 1)), (0, 0));
    assert_eq!(metadata(&mut client, &["produced"], false)[0].1, 3);
    // A name that collides with an existing one ('.' vs '_') stays unknown, as on Kafka.
    assert_eq!(metadata(&mut client, &["as.ked"], true)[0].0, 0, "not a collision");
    assert_eq!(metadata(&mut client, &["as_ked"], true)[0].0, CODE(ResponseError::UnknownTopicOrPartition));

    // Off (the default): nothing is created, and a bad name is still called so.
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(metadata(&mut client, &["asked"], true)[0].0, CODE(ResponseError::UnknownTopicOrPartition));
    assert_eq!(metadata(&mut client, &["bad name"], true)[0].0, CODE(ResponseError::InvalidTopicException));
    assert_eq!(produce(&mut client, "produced", 0, batch(&[b"v"], 1)).0, CODE(ResponseError::UnknownTopicOrPartition));
    assert_eq!(all_topics(&mut client), ["events"]);
}

#[test]
fn a_restart_keeps_topics_partitions_ids_configs_and_data() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let configured = topic("kept", 3).with_configs(vec![CreatableTopicConfig::default()
        .with_name(StrBytes::from_static_str("retention.ms"))
        .with_value(Some(StrBytes::from_static_str("3600000")))]);
    let created = create(&mut client, vec![configured], false);
    assert_eq!(created.topics[0].error_code, 0);
    // From v5 the answer lists every topic config: the topic's own, and the broker's for the rest.
    let config = |key: &str| {
        let configs = created.topics[0].configs.as_deref().unwrap_or_default();
        let c = configs.iter().find(|c| c.name.as_str() == key).unwrap_or_else(|| panic!("no {key}"));
        (c.value.as_ref().map(|v| v.to_string()), c.config_source)
    };
    assert_eq!(config("retention.ms"), (Some("3600000".into()), 1));
    assert_eq!(config("segment.bytes"), (Some("1073741824".into()), 5));
    assert_eq!(produce(&mut client, "kept", 1, batch(&[b"a", b"b"], 1)), (0, 0));
    let before = metadata(&mut client, &["kept", "events"], false);
    drop(client);
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(metadata(&mut client, &["kept", "events"], false), before);
    let response = client.send(12, &fetch_request("kept", &[1], 0));
    assert_eq!(batch_base_offsets(response.responses[0].partitions[0].records.clone().unwrap_or_default()), [0]);
    let configs = std::fs::read_to_string(strand.data_dir.join("topic-configs/kept.conf")).unwrap();
    assert!(configs.lines().any(|l| l == "retention.ms=3600000"), "{configs}");
}

#[test]
fn a_log_append_time_topic_stamps_the_brokers_clock_and_says_so_in_the_produce_response() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let stamped = topic("stamped", 1).with_configs(vec![CreatableTopicConfig::default()
        .with_name(StrBytes::from_static_str("message.timestamp.type"))
        .with_value(Some(StrBytes::from_static_str("LogAppendTime")))]);
    assert_eq!(create(&mut client, vec![stamped], false).topics[0].error_code, 0);
    let append_time = |client: &mut RawClient, topic: &str| {
        let request = ProduceRequest::default().with_acks(-1).with_timeout_ms(5000).with_topic_data(vec![
            TopicProduceData::default().with_name(name(topic)).with_partition_data(vec![
                PartitionProduceData::default().with_index(0).with_records(Some(batch(&[b"v"], 1000))),
            ]),
        ]);
        let response = client.send(9, &request);
        let p = &response.responses[0].partition_responses[0];
        assert_eq!(p.error_code, 0);
        p.log_append_time_ms
    };
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let stamped_at = append_time(&mut client, "stamped");
    assert!(stamped_at >= before - 1000 && stamped_at < before + 60_000, "{stamped_at} vs {before}");
    assert_eq!(append_time(&mut client, "events"), -1, "CreateTime topics answer -1");
    // ListOffsets by time finds the record at the broker's time, not the producer's 1000.
    let request = ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![
        kafka_protocol::messages::list_offsets_request::ListOffsetsTopic::default()
            .with_name(name("stamped"))
            .with_partitions(vec![kafka_protocol::messages::list_offsets_request::ListOffsetsPartition::default()
                .with_partition_index(0)
                .with_timestamp(-3)]),
    ]);
    let found = &client.send(7, &request).topics[0].partitions[0];
    assert_eq!((found.offset, found.timestamp), (0, stamped_at));
}

#[test]
fn a_start_undoes_an_interrupted_create_or_addition_and_finishes_an_interrupted_delete() {
    let mut strand = Strand::start_with(&["--topic", "events,halfway-deleted:3,grown:4,created:2,bystander:2"]);
    let mut client = RawClient::connect(&strand.addr);
    let ids = metadata(&mut client, &["halfway-deleted", "grown", "created"], false);
    assert_eq!(produce(&mut client, "bystander", 1, batch(&[b"stays"], 1)), (0, 0));
    assert_eq!(produce(&mut client, "halfway-deleted", 2, batch(&[b"goes"], 1)), (0, 0));
    drop(client);
    assert!(strand.stop().success());

    // What a kill -9 leaves in the middle of each change: the intent, and some directories changed.
    let data = strand.data_dir.clone();
    let intent = |topic: &str, text: String| std::fs::write(data.join(format!("topic-configs/{topic}.op")), text);
    intent("halfway-deleted", format!("op=delete\nid={}\n", ids[0].2)).unwrap();
    std::fs::rename(
        data.join("halfway-deleted-0"),
        data.join("halfway-deleted-0.0123456789abcdef0123456789abcdef-delete"),
    )
    .unwrap();
    intent("grown", format!("op=add-partitions\nid={}\nfrom=2\n", ids[1].2)).unwrap();
    intent("created", format!("op=create\nid={}\n", ids[2].2)).unwrap();

    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    let after = metadata(&mut client, &["halfway-deleted", "grown", "created", "bystander"], false);
    // `--topic` creates the missing ones again at start: new, empty, with new ids.
    assert_eq!(after[0].1, 3);
    assert_ne!(after[0].2, ids[0].2, "the deleted topic is a new one");
    assert_eq!(
        client.send(12, &fetch_request("halfway-deleted", &[2], 0)).responses[0].partitions[0].high_watermark,
        0
    );
    assert_eq!((after[1].0, after[1].1, after[1].2), (0, 2, ids[1].2), "the addition is undone");
    assert_ne!(after[2].2, ids[2].2, "the creation is undone, then --topic made it again");
    assert_eq!((after[3].0, after[3].1), (0, 2));
    assert_eq!(client.send(12, &fetch_request("bystander", &[1], 0)).responses[0].partitions[0].high_watermark, 1);
    let intents: Vec<_> = std::fs::read_dir(data.join("topic-configs"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".op"))
        .collect();
    assert!(intents.is_empty(), "{intents:?}");
}

/// Asked for, Metadata's authorized operations are what Kafka 4.4 without an
/// authorizer answers: every topic operation on each topic answered by name
/// (unknown and invalid names too, not an unknown id), every cluster operation
/// (v8-v10); not asked for, Kafka's "not requested" (i32::MIN).
#[test]
fn metadata_answers_every_operation_when_asked_as_kafka_without_an_authorizer() {
    // Bits of Kafka's AclOperation codes, as the reference broker reports them:
    // READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS, and
    // CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE.
    const TOPIC_OPERATIONS: i32 = 3576;
    const CLUSTER_OPERATIONS: i32 = 8096;
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let by_name = |t: &str| MetadataRequestTopic::default().with_name(Some(name(t)));
    // The cluster's field is v8-v10 only.
    let request = |topics: Vec<MetadataRequestTopic>, asked: bool, cluster: bool| {
        MetadataRequest::default()
            .with_topics(Some(topics))
            .with_include_topic_authorized_operations(asked)
            .with_include_cluster_authorized_operations(cluster)
    };
    let operations = |r: &MetadataResponse| -> Vec<(i16, i32)> {
        r.topics.iter().map(|t| (t.error_code, t.topic_authorized_operations)).collect()
    };

    let asked = request(vec![by_name("events"), by_name("missing"), by_name("bad name")], true, true);
    let response = client.send(8, &asked);
    assert_eq!(
        operations(&response),
        [
            (0, TOPIC_OPERATIONS),
            (CODE(ResponseError::UnknownTopicOrPartition), TOPIC_OPERATIONS),
            (CODE(ResponseError::InvalidTopicException), TOPIC_OPERATIONS)
        ]
    );
    assert_eq!(response.cluster_authorized_operations, CLUSTER_OPERATIONS);

    let unknown_id = MetadataRequestTopic::default().with_name(None).with_topic_id(Uuid::from_u128(0x1234));
    let response = client.send(12, &request(vec![by_name("events")], true, false));
    assert_eq!(operations(&response), [(0, TOPIC_OPERATIONS)]);
    let response = client.send(12, &request(vec![unknown_id], true, false));
    assert_eq!(operations(&response), [(CODE(ResponseError::UnknownTopicId), i32::MIN)]);

    let response = client.send(8, &request(vec![by_name("events")], false, false));
    assert_eq!(operations(&response), [(0, i32::MIN)]);
    assert_eq!(response.cluster_authorized_operations, i32::MIN);
}

#[test]
fn fetch_max_bytes_spans_partitions_with_the_first_batch_whole() {
    let strand = Strand::start_with(&["--topic", "wide:3"]);
    let mut client = RawClient::connect(&strand.addr);
    let value = [b'v'; 1000];
    for p in 0..3 {
        assert_eq!(produce(&mut client, "wide", p, batch(&[&value], 1)), (0, 0));
    }
    let mut sizes = |max_bytes: i32| -> Vec<usize> {
        let response = client.send(12, &fetch_request("wide", &[0, 1, 2], 0).with_max_bytes(max_bytes));
        response.responses[0].partitions.iter().map(|p| p.records.as_ref().map_or(0, |r| r.len())).collect()
    };
    let all = sizes(1 << 20);
    assert!(all.iter().all(|&n| n > 1000), "{all:?}");
    // Room for one batch and a half: the first whole, the second left for the next fetch.
    assert_eq!(sizes(all[0] as i32 + all[1] as i32 / 2), [all[0], 0, 0]);
    assert_eq!(sizes(all[0] as i32 + all[1] as i32), [all[0], all[1], 0]);
    // KIP-74: a limit smaller than the first batch still returns that batch, and only it.
    assert_eq!(sizes(10), [all[0], 0, 0]);
}
