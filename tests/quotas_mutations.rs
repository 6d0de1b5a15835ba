//! KIP-599's controller mutation quota against the real `strand` binary, the
//! order of its checks: Kafka's controller (`createPartitionsForTopic`)
//! refuses a partition count that is not an increase, and manual assignments
//! that do not match it, before it takes the new partitions from the quota.
//! Such a CreatePartitions is INVALID_PARTITIONS / INVALID_REPLICA_ASSIGNMENT
//! even when the quota is used up, never THROTTLING_QUOTA_EXCEEDED.

mod common;

use common::{RawClient, Strand};
use kafka_protocol::messages::create_partitions_request::{CreatePartitionsAssignment, CreatePartitionsTopic};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::{BrokerId, CreatePartitionsRequest, CreateTopicsRequest, TopicName};
use kafka_protocol::protocol::StrBytes;

/// Starts a broker whose quota store gives the raw client (`raw-test`)
/// `controller_mutation_rate` = `rate`, over 2 windows of 1 s.
fn start_with_mutation_rate(rate: f64) -> Strand {
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let text = format!(
        "version = 1\n\n[[quota]]\nentity = [{{ type = \"client-id\", name = \"raw-test\" }}]\nvalues = {{ controller_mutation_rate = {rate:?} }}\n"
    );
    std::fs::write(data_dir.join("client-quotas"), text).unwrap();
    Strand::start_at(data_dir, Some(temp), &["--quota-window-num", "2", "--quota-window-size-seconds", "1"])
}

fn name(n: &str) -> TopicName {
    TopicName(StrBytes::from_string(n.to_owned()))
}

/// One strict (v3) CreatePartitions of `topic` to `count`: its error code and message.
fn grow(client: &mut RawClient, topic: CreatePartitionsTopic) -> (i16, Option<String>) {
    let request = CreatePartitionsRequest::default().with_topics(vec![topic]).with_timeout_ms(5000);
    let response = client.send(3, &request);
    let result = &response.results[0];
    (result.error_code, result.error_message.as_ref().map(|m| m.to_string()))
}

#[test]
fn create_partitions_checks_the_count_before_the_exhausted_quota() {
    // 1 partition/s: the bucket holds 1 x 2 windows x 1 s = 2 permits.
    let strand = start_with_mutation_rate(1.0);
    let mut client = RawClient::connect(&strand.addr);
    // Strict CreateTopics (v7): 5 partitions from 2 permits leave -3, 3 s to refill.
    let topic = CreatableTopic::default().with_name(name("m")).with_num_partitions(5).with_replication_factor(-1);
    let created = client.send(7, &CreateTopicsRequest::default().with_topics(vec![topic]).with_timeout_ms(5000));
    assert_eq!(created.topics[0].error_code, 0);

    let topic = |count: i32| CreatePartitionsTopic::default().with_name(name("m")).with_count(count);
    assert_eq!(grow(&mut client, topic(5)), (37, Some("Topic already has 5 partition(s).".into())));
    assert_eq!(
        grow(&mut client, topic(3)),
        (37, Some("The topic m currently has 5 partition(s); 3 would not be an increase.".into()))
    );
    let two_for_one = topic(6).with_assignments(Some(vec![
        CreatePartitionsAssignment::default().with_broker_ids(vec![BrokerId(1)]),
        CreatePartitionsAssignment::default().with_broker_ids(vec![BrokerId(1)]),
    ]));
    assert_eq!(
        grow(&mut client, two_for_one),
        (39, Some("Attempted to add 1 additional partition(s), but only 2 assignment(s) were specified.".into()))
    );
    // The quota is indeed used up: a real increase is refused by it.
    assert_eq!(grow(&mut client, topic(6)).0, 89);
}
