//! The cluster-level admin APIs of a one-node cluster, over the wire with
//! Kafka's codes and messages (each checked against Kafka 4.4): DescribeCluster,
//! DescribeTopicPartitions and its pagination, ElectLeaders, the partition
//! reassignments, the ACL APIs without an authorizer, ListTransactions and
//! DescribeTransactions without a transaction coordinator, DescribeClientQuotas
//! without quotas; against the real `strand` binary with a raw client.

mod common;

use common::{RawClient, Strand};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::alter_partition_reassignments_request::{ReassignablePartition, ReassignableTopic};
use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::describe_client_quotas_request::ComponentData;
use kafka_protocol::messages::describe_topic_partitions_request::{Cursor, TopicRequest};
use kafka_protocol::messages::elect_leaders_request::TopicPartitions;
use kafka_protocol::messages::list_partition_reassignments_request::ListPartitionReassignmentsTopics;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

const CODE: fn(ResponseError) -> i16 = |e| e.code();

fn text(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_owned())
}

fn name(topic: &str) -> TopicName {
    TopicName(text(topic))
}

fn message(m: &Option<StrBytes>) -> Option<String> {
    m.as_ref().map(|m| m.to_string())
}

/// A broker with `events` (1 partition) and the topics `pa` (3), `pb` (2) and `pc` (1).
fn broker() -> Strand {
    Strand::start_with(&["--topic", "pa:3", "--topic", "pb:2", "--topic", "pc:1"])
}

#[test]
fn describe_cluster_names_this_broker_as_the_only_broker_and_the_controller() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    let port: i32 = strand.addr.rsplit(':').next().unwrap().parse().unwrap();
    let metadata = client.send(12, &MetadataRequest::default().with_topics(Some(Vec::new())));
    for version in 0..=2 {
        let response = client.send(version, &DescribeClusterRequest::default());
        assert_eq!((response.error_code, message(&response.error_message)), (0, None), "v{version}");
        assert_eq!(response.brokers.len(), 1);
        let only = &response.brokers[0];
        assert_eq!((only.broker_id.0, only.host.as_str(), only.port, only.rack.clone()), (1, "127.0.0.1", port, None));
        assert!(!only.is_fenced);
        assert_eq!(response.controller_id.0, 1, "this broker is the controller");
        assert_eq!(Some(response.cluster_id.clone()), metadata.cluster_id, "the cluster id Metadata gives");
        assert_eq!(response.cluster_authorized_operations, i32::MIN, "not asked for");
    }
    let asked = client.send(2, &DescribeClusterRequest::default().with_include_cluster_authorized_operations(true));
    // CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE.
    assert_eq!(
        asked.cluster_authorized_operations,
        (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)
    );
    let fenced_too = client.send(2, &DescribeClusterRequest::default().with_include_fenced_brokers(true));
    assert_eq!(fenced_too.brokers.len(), 1);

    // This listener is a broker endpoint (KIP-919).
    let controller = client.send(1, &DescribeClusterRequest::default().with_endpoint_type(2));
    assert_eq!(
        (controller.error_code, message(&controller.error_message).unwrap().as_str()),
        (
            CODE(ResponseError::MismatchedEndpointType),
            "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
        )
    );
    assert!(controller.brokers.is_empty() && controller.cluster_id.is_empty() && controller.controller_id.0 == -1);
    let unknown = client.send(1, &DescribeClusterRequest::default().with_endpoint_type(0));
    assert_eq!(
        (unknown.error_code, message(&unknown.error_message).unwrap().as_str()),
        (CODE(ResponseError::UnsupportedEndpointType), "Unsupported endpoint type 0")
    );
}

fn describe_partitions(
    client: &mut RawClient,
    topics: &[&str],
    limit: i32,
    cursor: Option<(&str, i32)>,
) -> DescribeTopicPartitionsResponse {
    let request = DescribeTopicPartitionsRequest::default()
        .with_topics(topics.iter().map(|t| TopicRequest::default().with_name(name(t))).collect())
        .with_response_partition_limit(limit)
        .with_cursor(cursor.map(|(t, p)| Cursor::default().with_topic_name(name(t)).with_partition_index(p)));
    client.send(0, &request)
}

/// An answered topic: name, error code, partition indexes.
type Entry = (String, i16, Vec<i32>);

/// Each answered topic, and the next cursor.
fn pages(response: &DescribeTopicPartitionsResponse) -> (Vec<Entry>, Option<(String, i32)>) {
    let topics = response
        .topics
        .iter()
        .map(|t| {
            let partitions = t.partitions.iter().map(|p| p.partition_index).collect();
            (t.name.as_ref().map(|n| n.to_string()).unwrap_or_default(), t.error_code, partitions)
        })
        .collect();
    let cursor = response.next_cursor.as_ref().map(|c| (c.topic_name.to_string(), c.partition_index));
    (topics, cursor)
}

fn entry(topic: &str, code: i16, partitions: &[i32]) -> Entry {
    (topic.to_owned(), code, partitions.to_vec())
}

#[test]
fn describe_topic_partitions_pages_through_topics_and_partitions_as_kafka_does() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    let unknown = CODE(ResponseError::UnknownTopicOrPartition);
    let invalid_request = CODE(ResponseError::InvalidRequest);

    // Every topic, in name order, with what Metadata says of each partition.
    let all = describe_partitions(&mut client, &[], 2000, None);
    let (topics, cursor) = pages(&all);
    assert_eq!(
        topics,
        [entry("events", 0, &[0]), entry("pa", 0, &[0, 1, 2]), entry("pb", 0, &[0, 1]), entry("pc", 0, &[0])]
    );
    assert_eq!(cursor, None);
    let metadata = client.send(12, &MetadataRequest::default().with_topics(None));
    for topic in &all.topics {
        let listed = metadata.topics.iter().find(|t| t.name == topic.name).expect("in Metadata");
        assert_eq!(topic.topic_id, listed.topic_id);
        assert!(!topic.is_internal);
        assert_eq!(topic.topic_authorized_operations, 3576, "every topic operation, as Kafka without an authorizer");
        for p in &topic.partitions {
            assert_eq!((p.error_code, p.leader_id.0, p.leader_epoch), (0, 1, 0));
            assert_eq!((p.replica_nodes.clone(), p.isr_nodes.clone()), (vec![BrokerId(1)], vec![BrokerId(1)]));
            assert_eq!((p.eligible_leader_replicas.clone(), p.last_known_elr.clone()), (Some(vec![]), Some(vec![])));
            assert!(p.offline_replicas.is_empty());
        }
    }

    // Two partitions a page, following next_cursor: every partition once, in order.
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut requests = 0;
    loop {
        let cursor_ref = cursor.as_ref().map(|(t, p): &(String, i32)| (t.as_str(), *p));
        let page = describe_partitions(&mut client, &["pc", "pa", "pb", "pa"], 2, cursor_ref);
        let (topics, next) = pages(&page);
        let count: usize = topics.iter().map(|t| t.2.len()).sum();
        assert!(count <= 2, "a page holds at most the limit: {topics:?}");
        for (topic, code, partitions) in topics {
            assert_eq!(code, 0);
            seen.extend(partitions.into_iter().map(|p| (topic.clone(), p)));
        }
        requests += 1;
        assert!(requests <= 4, "pagination does not end: {seen:?}");
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<(String, i32)> = [("pa", 0), ("pa", 1), ("pa", 2), ("pb", 0), ("pb", 1), ("pc", 0)]
        .iter()
        .map(|(t, p)| (t.to_string(), *p))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(requests, 3);

    // The cursor Kafka sets: inside a topic cut short; at the next topic when the
    // limit ends exactly with one; none when nothing follows.
    assert_eq!(pages(&describe_partitions(&mut client, &["pa", "pb"], 2, None)).1, Some(("pa".into(), 2)));
    assert_eq!(pages(&describe_partitions(&mut client, &["pa", "pb"], 3, None)).1, Some(("pb".into(), 0)));
    assert_eq!(pages(&describe_partitions(&mut client, &["pa", "pb"], 5, None)).1, None);
    // A limit below 1 is 1.
    for limit in [0, -1] {
        let (topics, next) = pages(&describe_partitions(&mut client, &["pa"], limit, None));
        assert_eq!((topics, next), (vec![entry("pa", 0, &[0])], Some(("pa".into(), 1))));
    }
    // From the cursor's partition; past the topic's end, the topic with no partitions.
    let (topics, next) = pages(&describe_partitions(&mut client, &["pa", "pb", "pc"], 2, Some(("pa", 2))));
    assert_eq!((topics, next), (vec![entry("pa", 0, &[2]), entry("pb", 0, &[0])], Some(("pb".into(), 1))));
    let (topics, next) = pages(&describe_partitions(&mut client, &["pa"], 10, Some(("pa", 7))));
    assert_eq!((topics, next), (vec![entry("pa", 0, &[])], None));
    // Every topic, from the cursor's topic on.
    let (topics, _) = pages(&describe_partitions(&mut client, &[], 10, Some(("pb", 1))));
    assert_eq!(topics, [entry("pb", 0, &[1]), entry("pc", 0, &[0])]);

    // Names that are not topics: in their place in name order, once each.
    let (topics, next) = pages(&describe_partitions(&mut client, &["pb", "nope", "bad/name", "nope"], 2000, None));
    let invalid_name = CODE(ResponseError::InvalidTopicException);
    assert_eq!(topics, [entry("bad/name", invalid_name, &[]), entry("nope", unknown, &[]), entry("pb", 0, &[0, 1])]);
    assert_eq!(next, None);
    let (topics, next) = pages(&describe_partitions(&mut client, &["pa", "nope", "pb"], 1, None));
    assert_eq!((topics, next), (vec![entry("nope", unknown, &[]), entry("pa", 0, &[0])], Some(("pa".into(), 1))));

    // A cursor outside the list, or with a negative partition: the whole request
    // is INVALID_REQUEST, on every topic as asked.
    let refused = describe_partitions(&mut client, &["pa", "pc", "pa"], 10, Some(("pb", 0)));
    assert_eq!(
        pages(&refused),
        (
            vec![
                entry("pa", invalid_request, &[]),
                entry("pc", invalid_request, &[]),
                entry("pa", invalid_request, &[])
            ],
            None
        )
    );
    assert!(refused.topics.iter().all(|t| t.topic_authorized_operations == i32::MIN && t.topic_id.is_nil()));
    let refused = describe_partitions(&mut client, &["pa"], 10, Some(("pa", -1)));
    assert_eq!(pages(&refused), (vec![entry("pa", invalid_request, &[])], None));
    // With every topic asked for, the cursor's topic need not exist: the answer
    // goes on from the next name. A negative partition is refused all the same,
    // with no topic to carry the error.
    assert_eq!(pages(&describe_partitions(&mut client, &[], 10, Some(("pb0", 5)))).0, [entry("pc", 0, &[0])]);
    assert_eq!(pages(&describe_partitions(&mut client, &[], 10, Some(("pb", -1)))), (vec![], None));
}

fn elect(
    client: &mut RawClient,
    version: i16,
    election_type: i8,
    topics: Option<&[(&str, &[i32])]>,
    timeout_ms: i32,
) -> ElectLeadersResponse {
    let topics = topics.map(|topics| {
        topics
            .iter()
            .map(|(t, ps)| TopicPartitions::default().with_topic(name(t)).with_partitions(ps.to_vec()))
            .collect()
    });
    let request = ElectLeadersRequest::default()
        .with_election_type(election_type)
        .with_topic_partitions(topics)
        .with_timeout_ms(timeout_ms);
    client.send(version, &request)
}

/// Each partition result as (topic, partition, code, message).
fn elections(response: &ElectLeadersResponse) -> Vec<(String, i32, i16, Option<String>)> {
    response
        .replica_election_results
        .iter()
        .flat_map(|t| {
            t.partition_result
                .iter()
                .map(|p| (t.topic.to_string(), p.partition_id, p.error_code, message(&p.error_message)))
        })
        .collect()
}

#[test]
fn elect_leaders_needs_no_election_and_refuses_as_kafka_does() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    let not_needed =
        (CODE(ResponseError::ElectionNotNeeded), Some("Leader election not needed for topic partition.".to_owned()));
    let unknown = CODE(ResponseError::UnknownTopicOrPartition);
    for (version, election_type) in [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1)] {
        let response =
            elect(&mut client, version, election_type, Some(&[("pa", &[0, 1, 5]), ("nope", &[0]), ("pa", &[1])]), 5000);
        assert_eq!(response.error_code, 0);
        let got = elections(&response);
        let expected = vec![
            ("pa".to_owned(), 0, not_needed.0, not_needed.1.clone()),
            ("pa".to_owned(), 1, not_needed.0, not_needed.1.clone()),
            ("pa".to_owned(), 5, unknown, Some("No such partition as pa-5".to_owned())),
            ("nope".to_owned(), 0, unknown, Some("No such topic as nope".to_owned())),
            ("pa".to_owned(), 1, not_needed.0, not_needed.1.clone()),
        ];
        assert_eq!(got, expected, "v{version} election type {election_type}");
    }
    // Every partition: each topic listed, the partitions needing no election left out.
    let all = elect(&mut client, 2, 0, None, 5000);
    let mut listed: Vec<String> = all.replica_election_results.iter().map(|t| t.topic.to_string()).collect();
    listed.sort();
    assert_eq!(listed, ["events", "pa", "pb", "pc"]);
    assert!(all.replica_election_results.iter().all(|t| t.partition_result.is_empty()));

    let bad_type = elect(&mut client, 2, 2, Some(&[("pa", &[0])]), 5000);
    assert_eq!(bad_type.error_code, CODE(ResponseError::InvalidRequest));
    assert_eq!(
        elections(&bad_type),
        [("pa".into(), 0, CODE(ResponseError::InvalidRequest), Some("Unknown election type 2".into()))]
    );
    let timed_out = elect(&mut client, 1, 0, Some(&[("pa", &[0])]), 0);
    assert_eq!(timed_out.error_code, CODE(ResponseError::RequestTimedOut));
    assert_eq!(elections(&timed_out), [("pa".into(), 0, CODE(ResponseError::RequestTimedOut), None)]);
    // v0 has no top-level code: the refusal is on the partitions alone.
    let timed_out = elect(&mut client, 0, 0, Some(&[("pa", &[0])]), -1);
    assert_eq!(elections(&timed_out), [("pa".into(), 0, CODE(ResponseError::RequestTimedOut), None)]);
}

/// A partition and the replicas asked for it (None: cancel its reassignment).
type Target<'a> = (i32, Option<&'a [i32]>);

fn reassign(
    client: &mut RawClient,
    version: i16,
    topics: &[(&str, &[Target])],
    timeout_ms: i32,
) -> AlterPartitionReassignmentsResponse {
    let topics = topics
        .iter()
        .map(|(t, partitions)| {
            ReassignableTopic::default().with_name(name(t)).with_partitions(
                partitions
                    .iter()
                    .map(|(index, replicas)| {
                        ReassignablePartition::default()
                            .with_partition_index(*index)
                            .with_replicas(replicas.map(|r| r.iter().map(|&id| BrokerId(id)).collect()))
                    })
                    .collect(),
            )
        })
        .collect();
    client.send(version, &AlterPartitionReassignmentsRequest::default().with_timeout_ms(timeout_ms).with_topics(topics))
}

#[test]
fn partition_reassignments_are_never_in_progress_and_only_this_broker_can_hold_a_replica() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    let invalid = CODE(ResponseError::InvalidReplicaAssignment);
    let unknown = CODE(ResponseError::UnknownTopicOrPartition);
    for version in 0..=1 {
        let response = reassign(
            &mut client,
            version,
            &[
                (
                    "pa",
                    &[(0, Some(&[2])), (1, Some(&[1])), (2, None), (7, Some(&[1])), (0, Some(&[])), (1, Some(&[1, 1]))],
                ),
                ("nope", &[(0, Some(&[1]))]),
            ],
            5000,
        );
        assert_eq!((response.error_code, message(&response.error_message)), (0, None));
        let got: Vec<(String, i32, i16, Option<String>)> = response
            .responses
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|p| (t.name.to_string(), p.partition_index, p.error_code, message(&p.error_message)))
            })
            .collect();
        let m = |s: &str| Some(s.to_owned());
        assert_eq!(
            got,
            [
                (
                    "pa".into(),
                    0,
                    invalid,
                    m("The manual partition assignment includes broker 2, but no such broker is registered.")
                ),
                ("pa".into(), 1, 0, None),
                ("pa".into(), 2, CODE(ResponseError::NoReassignmentInProgress), None),
                ("pa".into(), 7, unknown, m("Unable to find partition pa:7.")),
                ("pa".into(), 0, invalid, m("The manual partition assignment includes an empty replica list.")),
                ("pa".into(), 1, invalid, m("The manual partition assignment includes the broker 1 more than once.")),
                ("nope".into(), 0, unknown, m("Unable to find a topic named nope.")),
            ],
            "v{version}"
        );
    }
    let timed_out = reassign(&mut client, 0, &[("pa", &[(0, Some(&[1]))])], 0);
    assert_eq!(timed_out.error_code, CODE(ResponseError::RequestTimedOut));
    assert_eq!(timed_out.responses[0].partitions[0].error_code, CODE(ResponseError::RequestTimedOut));
    let empty = reassign(&mut client, 0, &[], 0);
    assert_eq!((empty.error_code, message(&empty.error_message)), (0, Some(String::new())), "Kafka's empty message");

    // Nothing is in progress, whatever is asked, known or not.
    for topics in [
        None,
        Some(vec![
            ListPartitionReassignmentsTopics::default().with_name(name("pa")).with_partition_indexes(vec![0, 9]),
            ListPartitionReassignmentsTopics::default().with_name(name("nope")).with_partition_indexes(vec![0]),
        ]),
    ] {
        let listed =
            client.send(0, &ListPartitionReassignmentsRequest::default().with_timeout_ms(5000).with_topics(topics));
        assert_eq!((listed.error_code, message(&listed.error_message), listed.topics.len()), (0, None, 0));
    }
}

fn acl_creation(resource_type: i8) -> AclCreation {
    AclCreation::default()
        .with_resource_type(resource_type)
        .with_resource_name(text("t"))
        .with_resource_pattern_type(3)
        .with_principal(text("User:alice"))
        .with_host(text("*"))
        .with_operation(3)
        .with_permission_type(3)
}

fn acl_filter(resource_type: i8) -> DeleteAclsFilter {
    DeleteAclsFilter::default()
        .with_resource_type_filter(resource_type)
        .with_pattern_type_filter(1)
        .with_operation(1)
        .with_permission_type(1)
}

#[test]
fn acl_apis_are_security_disabled_and_close_on_unknown_elements() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    let disabled = CODE(ResponseError::SecurityDisabled);
    for version in 1..=3 {
        let any = DescribeAclsRequest::default()
            .with_resource_type_filter(1)
            .with_pattern_type_filter(1)
            .with_operation(1)
            .with_permission_type(1);
        let described = client.send(version, &any);
        assert_eq!(
            (described.error_code, message(&described.error_message).as_deref(), described.resources.len()),
            (disabled, Some("No Authorizer is configured on the broker"), 0)
        );
        let created =
            client.send(version, &CreateAclsRequest::default().with_creations(vec![acl_creation(2), acl_creation(1)]));
        let results: Vec<_> = created.results.iter().map(|r| (r.error_code, message(&r.error_message))).collect();
        assert_eq!(results, vec![(disabled, Some("No Authorizer is configured.".to_owned())); 2]);
        let deleted =
            client.send(version, &DeleteAclsRequest::default().with_filters(vec![acl_filter(1), acl_filter(2)]));
        let results: Vec<_> = deleted
            .filter_results
            .iter()
            .map(|r| (r.error_code, message(&r.error_message), r.matching_acls.len()))
            .collect();
        assert_eq!(results, vec![(disabled, Some("No Authorizer is configured.".to_owned()), 0); 2]);
    }
    // An UNKNOWN (0) element fails Kafka's request parsing: the connection closes.
    let mut closing = RawClient::connect(&strand.addr);
    closing.send_only(
        3,
        &DescribeAclsRequest::default()
            .with_resource_type_filter(1)
            .with_pattern_type_filter(1)
            .with_operation(0)
            .with_permission_type(1),
    );
    assert!(closing.is_closed_by_peer(), "DescribeAcls with an UNKNOWN operation");
    let mut closing = RawClient::connect(&strand.addr);
    closing.send_only(3, &CreateAclsRequest::default().with_creations(vec![acl_creation(2), acl_creation(0)]));
    assert!(closing.is_closed_by_peer(), "CreateAcls with an UNKNOWN resource type");
    let mut closing = RawClient::connect(&strand.addr);
    closing.send_only(3, &DeleteAclsRequest::default().with_filters(vec![acl_filter(0)]));
    assert!(closing.is_closed_by_peer(), "DeleteAcls with an UNKNOWN resource type");
    // The other connection still works.
    assert_eq!(client.send(3, &CreateAclsRequest::default()).results.len(), 0);
}

#[test]
fn no_transaction_is_listed_and_every_transactional_id_is_not_found() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    let states = |names: &[&str]| names.iter().map(|s| text(s)).collect::<Vec<_>>();
    let listed = client.send(
        0,
        &ListTransactionsRequest::default()
            .with_state_filters(states(&["Ongoing", "Bogus", "bogus2", "Bogus", "PrepareEpochFence"]))
            .with_producer_id_filters(vec![ProducerId(1), ProducerId(-5)]),
    );
    assert_eq!(listed.error_code, 0);
    assert!(listed.transaction_states.is_empty());
    assert_eq!(listed.unknown_state_filters, states(&["Bogus", "bogus2"]));
    let patterned = client.send(
        2,
        &ListTransactionsRequest::default()
            .with_duration_filter(1000)
            .with_transactional_id_pattern(Some(text("tx-.*"))),
    );
    assert_eq!((patterned.error_code, patterned.transaction_states.len()), (0, 0));
    let bad = client.send(
        2,
        &ListTransactionsRequest::default()
            .with_state_filters(states(&["Nope"]))
            .with_transactional_id_pattern(Some(text("("))),
    );
    assert_eq!((bad.error_code, bad.unknown_state_filters.len()), (CODE(ResponseError::InvalidRegularExpression), 0));

    let ids = ["tx1", "", "tx1"].iter().map(|id| TransactionalId(text(id))).collect();
    let described = client.send(0, &DescribeTransactionsRequest::default().with_transactional_ids(ids));
    let got: Vec<(String, i16, String)> = described
        .transaction_states
        .iter()
        .map(|s| (s.transactional_id.to_string(), s.error_code, s.transaction_state.to_string()))
        .collect();
    let not_found = CODE(ResponseError::TransactionalIdNotFound);
    assert_eq!(
        got,
        [
            ("tx1".into(), not_found, String::new()),
            (String::new(), CODE(ResponseError::InvalidRequest), String::new()),
            ("tx1".into(), not_found, String::new())
        ]
    );
}

fn component(kind: &str, match_type: i8, matched: Option<&str>) -> ComponentData {
    ComponentData::default().with_entity_type(text(kind)).with_match_type(match_type).with_match(matched.map(text))
}

#[test]
fn describe_client_quotas_finds_none_and_checks_the_filter_as_kafka_does() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    for version in 0..=1 {
        for (components, strict) in [
            (vec![], false),
            (vec![component("user", 0, Some("alice"))], true),
            (vec![component("user", 1, None), component("client-id", 2, None)], false),
            (vec![component("ip", 0, Some("10.0.0.1"))], false),
        ] {
            let response = client
                .send(version, &DescribeClientQuotasRequest::default().with_components(components).with_strict(strict));
            assert_eq!((response.error_code, message(&response.error_message)), (0, Some(String::new())));
            assert_eq!(response.entries, Some(vec![]));
        }
    }
    let refused = |client: &mut RawClient, components: Vec<ComponentData>| {
        let response = client.send(1, &DescribeClientQuotasRequest::default().with_components(components));
        assert_eq!(response.entries, None);
        (response.error_code, message(&response.error_message).unwrap_or_default())
    };
    let invalid = CODE(ResponseError::InvalidRequest);
    assert_eq!(
        refused(&mut client, vec![component("bogus", 0, Some("a"))]),
        (CODE(ResponseError::UnsupportedVersion), "Unsupported entity type bogus".into())
    );
    assert_eq!(refused(&mut client, vec![component("", 0, Some("a"))]), (invalid, "Invalid empty entity type.".into()));
    assert_eq!(
        refused(&mut client, vec![component("user", 0, Some("a")), component("user", 0, Some("b"))]),
        (invalid, "Entity type user cannot appear more than once in the filter.".into())
    );
    assert_eq!(refused(&mut client, vec![component("user", 3, Some("a"))]), (invalid, "Unknown match type 3".into()));
    assert_eq!(
        refused(&mut client, vec![component("user", 0, None)]),
        (invalid, "Request specified MATCH_TYPE_EXACT, but set match string to null.".into())
    );
    assert_eq!(
        refused(&mut client, vec![component("user", 2, Some("x"))]),
        (invalid, "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.".into())
    );
    assert_eq!(
        refused(&mut client, vec![component("ip", 0, Some("1.2.3.4")), component("user", 0, Some("a"))]),
        (
            invalid,
            "Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.".into()
        )
    );
}

#[test]
fn api_versions_lists_the_cluster_admin_apis_and_not_client_telemetry() {
    let strand = broker();
    let mut client = RawClient::connect(&strand.addr);
    let response = client.send(
        3,
        &ApiVersionsRequest::default().with_client_software_name(text("test")).with_client_software_version(text("1")),
    );
    let listed = |key: ApiKey| {
        response.api_keys.iter().find(|k| k.api_key == key as i16).map(|k| (k.min_version, k.max_version))
    };
    for (key, range) in [
        (ApiKey::DescribeCluster, (0, 2)),
        (ApiKey::DescribeTopicPartitions, (0, 0)),
        (ApiKey::ElectLeaders, (0, 2)),
        (ApiKey::AlterPartitionReassignments, (0, 1)),
        (ApiKey::ListPartitionReassignments, (0, 0)),
        (ApiKey::DescribeAcls, (1, 3)),
        (ApiKey::CreateAcls, (1, 3)),
        (ApiKey::DeleteAcls, (1, 3)),
        (ApiKey::ListTransactions, (0, 2)),
        (ApiKey::DescribeTransactions, (0, 0)),
        (ApiKey::DescribeClientQuotas, (0, 1)),
    ] {
        assert_eq!(listed(key), Some(range), "{key:?}: the versions Kafka 4.4 lists");
    }
    // Clients call GetTelemetrySubscriptions (KIP-714) only when it is listed, and
    // strand has no telemetry to take: it must stay unlisted, and unserved.
    assert_eq!(listed(ApiKey::GetTelemetrySubscriptions), None);
    assert_eq!(listed(ApiKey::PushTelemetry), None);
    let mut asking = RawClient::connect(&strand.addr);
    asking.send_only(0, &GetTelemetrySubscriptionsRequest::default());
    assert!(asking.is_closed_by_peer(), "an API not listed closes the connection");
}
