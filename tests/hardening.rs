//! Hostile input, resource limits and crash safety, against the real binary:
//! bad frames close the connection and the broker keeps serving; limits hold;
//! SIGKILL at random moments never loses an acknowledged record or commit; a
//! full disk answers KAFKA_STORAGE_ERROR and appends resume when space returns.

mod common;

use std::io::{Read, Write};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use common::{batch, batch_base_offsets, RawClient, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::alter_client_quotas_request::EntryData as QuotaEntry;
use kafka_protocol::messages::alter_partition_reassignments_request::ReassignableTopic;
use kafka_protocol::messages::alter_user_scram_credentials_request::ScramCredentialDeletion;
use kafka_protocol::messages::create_partitions_request::{CreatePartitionsAssignment, CreatePartitionsTopic};
use kafka_protocol::messages::create_topics_request::{CreatableReplicaAssignment, CreatableTopic};
use kafka_protocol::messages::delete_records_request::DeleteRecordsTopic;
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_log_dirs_request::DescribableLogDirTopic;
use kafka_protocol::messages::describe_producers_request::TopicRequest as DescribeProducersTopicRequest;
use kafka_protocol::messages::describe_topic_partitions_request::TopicRequest;
use kafka_protocol::messages::describe_user_scram_credentials_request::UserName;
use kafka_protocol::messages::elect_leaders_request::TopicPartitions;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::list_offsets_request::ListOffsetsTopic;
use kafka_protocol::messages::list_partition_reassignments_request::ListPartitionReassignmentsTopics;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::OffsetDeleteRequestTopic;
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::offset_for_leader_epoch_request::OffsetForLeaderTopic;
use kafka_protocol::messages::produce_request::TopicProduceData;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::messages::{alter_configs_request, incremental_alter_configs_request};
use kafka_protocol::protocol::{Encodable, Request, StrBytes};

/// All record bytes from `offset` on (several fetches if needed).
fn fetch_all(client: &mut RawClient, mut offset: i64) -> Vec<i64> {
    let mut bases = Vec::new();
    loop {
        let request =
            FetchRequest::default().with_max_wait_ms(0).with_max_bytes(8 << 20).with_session_epoch(-1).with_topics(
                vec![FetchTopic::default().with_topic(TopicName(StrBytes::from_static_str(TOPIC))).with_partitions(
                    vec![FetchPartition::default()
                        .with_partition(0)
                        .with_fetch_offset(offset)
                        .with_partition_max_bytes(8 << 20)],
                )],
            );
        let response = client.send(12, &request);
        let data = &response.responses[0].partitions[0];
        assert_eq!(data.error_code, 0, "fetch at {offset}");
        let got = batch_base_offsets(data.records.clone().unwrap());
        if got.is_empty() {
            return bases;
        }
        // One-record batches in these tests: the next offset follows the last base.
        offset = got.last().unwrap() + 1;
        bases.extend(got);
    }
}

fn commit(client: &mut RawClient, offset: i64) -> i16 {
    let request = OffsetCommitRequest::default()
        .with_group_id(GroupId(StrBytes::from_static_str("crash")))
        .with_generation_id_or_member_epoch(-1)
        .with_topics(vec![OffsetCommitRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partitions(vec![OffsetCommitRequestPartition::default()
                .with_partition_index(0)
                .with_committed_offset(offset)])]);
    client.send(8, &request).topics[0].partitions[0].error_code
}

fn committed(client: &mut RawClient) -> i64 {
    let request = OffsetFetchRequest::default().with_group_id(GroupId(StrBytes::from_static_str("crash"))).with_topics(
        Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partition_indexes(vec![0])]),
    );
    client.send(7, &request).topics[0].partitions[0].committed_offset
}

fn still_serves(strand: &Strand) {
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(client.send(12, &MetadataRequest::default().with_topics(None)).topics.len(), 1);
}

#[test]
fn a_truncated_frame_and_a_mid_frame_disconnect_leave_the_broker_serving() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    client.write_bytes(&100i32.to_be_bytes());
    client.write_bytes(&[0, 3, 0, 12, 0]);
    drop(client);
    still_serves(&strand);
}

#[test]
fn a_malformed_body_closes_the_connection_and_the_broker_keeps_serving() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    // Produce v9 header (flexible), then a compact array claiming 2^28 topics.
    let mut frame = vec![0, 0, 0, 9, 0, 0, 0, 1, 0xff, 0xff, 0];
    frame.extend_from_slice(&[0, 0xff, 0xff, 0, 0, 0, 0x13, 0x88, 0xff, 0xff, 0xff, 0x7f]);
    client.send_raw(&frame);
    assert!(client.is_closed_by_peer());
    still_serves(&strand);
    // Produce v3 (classic encoding): an i32 array length of i32::MAX.
    let mut client = RawClient::connect(&strand.addr);
    let mut frame = vec![0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff];
    frame.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0x13, 0x88, 0x7f, 0xff, 0xff, 0xff]);
    client.send_raw(&frame);
    assert!(client.is_closed_by_peer());
    still_serves(&strand);
}

/// Which kind of length prefix a probed field has; its width on the wire follows
/// from this and whether the version is flexible (KIP-482: compact, varint lengths).
#[derive(Clone, Copy, Debug)]
enum Field {
    Array,
    String,
    Bytes,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Width {
    I16,
    I32,
    /// Unsigned varint of length + 1 (0 is null).
    Varint,
}

impl Width {
    /// How the value 1 (one element, one byte) is written in this width.
    fn one(self) -> &'static [u8] {
        match self {
            Width::I16 => &[0, 1],
            Width::I32 => &[0, 0, 0, 1],
            Width::Varint => &[2],
        }
    }

    /// The hostile lengths: 2^28- and 2^31-class element counts and the extremes
    /// each encoding can carry (negative ones for the signed widths), each with a
    /// label and the length it claims.
    fn hostile(self) -> Vec<(String, Vec<u8>, i64)> {
        match self {
            Width::I16 => [i16::MAX, i16::MIN]
                .iter()
                .map(|&n| (format!("i16 {n}"), n.to_be_bytes().to_vec(), i64::from(n)))
                .collect(),
            Width::I32 => [1 << 28, i32::MAX, i32::MIN]
                .iter()
                .map(|&n: &i32| (format!("i32 {n}"), n.to_be_bytes().to_vec(), i64::from(n)))
                .collect(),
            Width::Varint => [(1u32 << 28) + 1, (1u32 << 31) + 1, u32::MAX]
                .iter()
                .map(|&n| (format!("varint {n} (length {})", n - 1), unsigned_varint(n), i64::from(n) - 1))
                .collect(),
        }
    }
}

fn unsigned_varint(mut n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

/// One length prefix in one request at one version: the request (header and
/// body, no size prefix) up to that prefix, and the prefix's width.
struct Site {
    what: String,
    head: Vec<u8>,
    width: Width,
}

fn request_bytes<R: Request>(version: i16, client_id: &'static str, request: &R) -> Vec<u8> {
    let header = RequestHeader::default()
        .with_request_api_key(R::KEY)
        .with_request_api_version(version)
        .with_correlation_id(1)
        .with_client_id(Some(StrBytes::from_static_str(client_id)));
    let mut buf = BytesMut::new();
    header.encode(&mut buf, R::header_version(version)).unwrap();
    request.encode(&mut buf, version).unwrap_or_else(|e| panic!("{} v{version}: {e}", std::any::type_name::<R>()));
    buf.to_vec()
}

/// Finds a field by encoding the request with it empty (`build(0)`) and with one
/// element or byte (`build(1)`): the encodings part where its length differs.
fn site<R: Request>(what: &str, version: i16, field: Field, build: impl Fn(usize) -> R) -> Site {
    let (empty, one) = (request_bytes(version, "hostile", &build(0)), request_bytes(version, "hostile", &build(1)));
    let flexible = ApiKey::try_from(R::KEY).unwrap().request_header_version(version) >= 2;
    let width = match (field, flexible) {
        (_, true) => Width::Varint,
        (Field::String, false) => Width::I16,
        (Field::Array | Field::Bytes, false) => Width::I32,
    };
    let what = format!("{} v{version} {what}", std::any::type_name::<R>().rsplit("::").next().unwrap());
    site_from(what, &empty, &one, width)
}

/// The header's client_id (a classic i16 string in every header version), for
/// the versions whose body has no length-prefixed field at all.
fn header_site<R: Request + Default>(version: i16) -> Site {
    let (empty, one) = (request_bytes(version, "", &R::default()), request_bytes(version, "x", &R::default()));
    let what = format!("{} v{version} header client_id", std::any::type_name::<R>().rsplit("::").next().unwrap());
    site_from(what, &empty, &one, Width::I16)
}

fn site_from(what: String, empty: &[u8], one: &[u8], width: Width) -> Site {
    let differs = empty.iter().zip(one).position(|(a, b)| a != b).unwrap_or_else(|| panic!("{what}: no difference"));
    let start = differs + 1 - width.one().len();
    assert_eq!(&one[start..start + width.one().len()], width.one(), "{what}: not a {width:?} length of 1");
    Site { what, head: one[..start].to_vec(), width }
}

fn n<T: Default>(k: usize) -> Vec<T> {
    (0..k).map(|_| T::default()).collect()
}

fn text(k: usize) -> StrBytes {
    StrBytes::from_static_str(&"x"[..k])
}

fn data(k: usize) -> Bytes {
    Bytes::from(vec![0u8; k])
}

/// The length-prefixed fields probed in `key` at `version`: the request's first
/// array (or, where it has none, its first string or bytes), and the first array,
/// string or bytes nested in that array's first element.
fn sites(key: ApiKey, v: i16) -> Vec<Site> {
    use Field::*;
    match key {
        ApiKey::Produce => vec![
            site("topic_data", v, Array, |k| ProduceRequest::default().with_topic_data(n(k))),
            site("topic_data[0].partition_data", v, Array, |k| {
                ProduceRequest::default().with_topic_data(vec![TopicProduceData::default().with_partition_data(n(k))])
            }),
        ],
        ApiKey::Fetch => vec![
            site("topics", v, Array, |k| FetchRequest::default().with_topics(n(k))),
            site("topics[0].partitions", v, Array, |k| {
                FetchRequest::default().with_topics(vec![FetchTopic::default().with_partitions(n(k))])
            }),
        ],
        ApiKey::ListOffsets => vec![
            site("topics", v, Array, |k| ListOffsetsRequest::default().with_topics(n(k))),
            site("topics[0].partitions", v, Array, |k| {
                ListOffsetsRequest::default().with_topics(vec![ListOffsetsTopic::default().with_partitions(n(k))])
            }),
        ],
        ApiKey::Metadata => vec![
            site("topics", v, Array, |k| MetadataRequest::default().with_topics(Some(n(k)))),
            site("topics[0].name", v, String, |k| {
                MetadataRequest::default()
                    .with_topics(Some(vec![MetadataRequestTopic::default().with_name(Some(TopicName(text(k))))]))
            }),
        ],
        ApiKey::ApiVersions if v < 3 => vec![header_site::<ApiVersionsRequest>(v)],
        ApiKey::ApiVersions => vec![site("client_software_name", v, String, |k| {
            ApiVersionsRequest::default().with_client_software_name(text(k))
        })],
        ApiKey::CreateTopics => vec![
            site("topics", v, Array, |k| CreateTopicsRequest::default().with_topics(n(k))),
            site("topics[0].assignments", v, Array, |k| {
                CreateTopicsRequest::default().with_topics(vec![CreatableTopic::default().with_assignments(n(k))])
            }),
            site("topics[0].assignments[0].broker_ids", v, Array, |k| {
                CreateTopicsRequest::default().with_topics(vec![CreatableTopic::default()
                    .with_assignments(vec![CreatableReplicaAssignment::default().with_broker_ids(n(k))])])
            }),
        ],
        ApiKey::DeleteTopics if v < 6 => vec![
            site("topic_names", v, Array, |k| DeleteTopicsRequest::default().with_topic_names(n(k))),
            site("topic_names[0]", v, String, |k| {
                DeleteTopicsRequest::default().with_topic_names(vec![TopicName(text(k))])
            }),
        ],
        ApiKey::DeleteTopics => vec![
            site("topics", v, Array, |k| DeleteTopicsRequest::default().with_topics(n(k))),
            site("topics[0].name", v, String, |k| {
                DeleteTopicsRequest::default()
                    .with_topics(vec![DeleteTopicState::default().with_name(Some(TopicName(text(k))))])
            }),
        ],
        ApiKey::CreatePartitions => vec![
            site("topics", v, Array, |k| CreatePartitionsRequest::default().with_topics(n(k))),
            site("topics[0].assignments", v, Array, |k| {
                CreatePartitionsRequest::default()
                    .with_topics(vec![CreatePartitionsTopic::default().with_assignments(Some(n(k)))])
            }),
            site("topics[0].assignments[0].broker_ids", v, Array, |k| {
                CreatePartitionsRequest::default().with_topics(vec![CreatePartitionsTopic::default()
                    .with_assignments(Some(vec![CreatePartitionsAssignment::default().with_broker_ids(n(k))]))])
            }),
        ],
        ApiKey::FindCoordinator if v < 4 => {
            vec![site("key", v, String, |k| FindCoordinatorRequest::default().with_key(text(k)))]
        }
        ApiKey::FindCoordinator => vec![
            site("coordinator_keys", v, Array, |k| FindCoordinatorRequest::default().with_coordinator_keys(n(k))),
            site("coordinator_keys[0]", v, String, |k| {
                FindCoordinatorRequest::default().with_coordinator_keys(vec![text(k)])
            }),
        ],
        ApiKey::JoinGroup => vec![
            site("protocols", v, Array, |k| JoinGroupRequest::default().with_protocols(n(k))),
            site("protocols[0].metadata", v, Bytes, |k| {
                JoinGroupRequest::default()
                    .with_protocols(vec![JoinGroupRequestProtocol::default().with_metadata(data(k))])
            }),
        ],
        ApiKey::SyncGroup => vec![
            site("assignments", v, Array, |k| SyncGroupRequest::default().with_assignments(n(k))),
            site("assignments[0].assignment", v, Bytes, |k| {
                SyncGroupRequest::default()
                    .with_assignments(vec![SyncGroupRequestAssignment::default().with_assignment(data(k))])
            }),
        ],
        ApiKey::Heartbeat => {
            vec![site("group_id", v, String, |k| HeartbeatRequest::default().with_group_id(GroupId(text(k))))]
        }
        ApiKey::LeaveGroup if v < 3 => {
            vec![site("group_id", v, String, |k| LeaveGroupRequest::default().with_group_id(GroupId(text(k))))]
        }
        ApiKey::LeaveGroup => vec![
            site("members", v, Array, |k| LeaveGroupRequest::default().with_members(n(k))),
            site("members[0].member_id", v, String, |k| {
                LeaveGroupRequest::default().with_members(vec![MemberIdentity::default().with_member_id(text(k))])
            }),
        ],
        ApiKey::OffsetCommit => vec![
            site("topics", v, Array, |k| OffsetCommitRequest::default().with_topics(n(k))),
            site("topics[0].partitions", v, Array, |k| {
                OffsetCommitRequest::default()
                    .with_topics(vec![OffsetCommitRequestTopic::default().with_partitions(n(k))])
            }),
        ],
        ApiKey::OffsetFetch if v < 8 => vec![
            site("topics", v, Array, |k| OffsetFetchRequest::default().with_topics(Some(n(k)))),
            site("topics[0].partition_indexes", v, Array, |k| {
                OffsetFetchRequest::default()
                    .with_topics(Some(vec![OffsetFetchRequestTopic::default().with_partition_indexes(n(k))]))
            }),
        ],
        ApiKey::OffsetFetch => vec![
            site("groups", v, Array, |k| OffsetFetchRequest::default().with_groups(n(k))),
            site("groups[0].topics", v, Array, |k| {
                OffsetFetchRequest::default()
                    .with_groups(vec![OffsetFetchRequestGroup::default().with_topics(Some(n(k)))])
            }),
            site("groups[0].topics[0].partition_indexes", v, Array, |k| {
                OffsetFetchRequest::default().with_groups(vec![OffsetFetchRequestGroup::default()
                    .with_topics(Some(vec![OffsetFetchRequestTopics::default().with_partition_indexes(n(k))]))])
            }),
        ],
        ApiKey::DescribeGroups => vec![
            site("groups", v, Array, |k| DescribeGroupsRequest::default().with_groups(n(k))),
            site("groups[0]", v, String, |k| DescribeGroupsRequest::default().with_groups(vec![GroupId(text(k))])),
        ],
        ApiKey::ListGroups if v < 4 => vec![header_site::<ListGroupsRequest>(v)],
        ApiKey::ListGroups => vec![
            site("states_filter", v, Array, |k| ListGroupsRequest::default().with_states_filter(n(k))),
            site("states_filter[0]", v, String, |k| ListGroupsRequest::default().with_states_filter(vec![text(k)])),
        ],
        ApiKey::DeleteGroups => vec![
            site("groups_names", v, Array, |k| DeleteGroupsRequest::default().with_groups_names(n(k))),
            site("groups_names[0]", v, String, |k| {
                DeleteGroupsRequest::default().with_groups_names(vec![GroupId(text(k))])
            }),
        ],
        ApiKey::OffsetDelete => vec![
            site("topics", v, Array, |k| OffsetDeleteRequest::default().with_topics(n(k))),
            site("topics[0].partitions", v, Array, |k| {
                OffsetDeleteRequest::default()
                    .with_topics(vec![OffsetDeleteRequestTopic::default().with_partitions(n(k))])
            }),
        ],
        ApiKey::InitProducerId => vec![site("transactional_id", v, String, |k| {
            InitProducerIdRequest::default().with_transactional_id(Some(TransactionalId(text(k))))
        })],
        ApiKey::SaslHandshake => {
            vec![site("mechanism", v, String, |k| SaslHandshakeRequest::default().with_mechanism(text(k)))]
        }
        ApiKey::SaslAuthenticate => {
            vec![site("auth_bytes", v, Bytes, |k| SaslAuthenticateRequest::default().with_auth_bytes(data(k)))]
        }
        ApiKey::DescribeUserScramCredentials => vec![
            site("users", v, Array, |k| DescribeUserScramCredentialsRequest::default().with_users(Some(n(k)))),
            site("users[0].name", v, String, |k| {
                DescribeUserScramCredentialsRequest::default()
                    .with_users(Some(vec![UserName::default().with_name(text(k))]))
            }),
        ],
        ApiKey::AlterUserScramCredentials => vec![
            site("deletions", v, Array, |k| AlterUserScramCredentialsRequest::default().with_deletions(n(k))),
            site("deletions[0].name", v, String, |k| {
                AlterUserScramCredentialsRequest::default()
                    .with_deletions(vec![ScramCredentialDeletion::default().with_name(text(k))])
            }),
        ],
        ApiKey::AlterClientQuotas => vec![
            site("entries", v, Array, |k| AlterClientQuotasRequest::default().with_entries(n(k))),
            site("entries[0].entity", v, Array, |k| {
                AlterClientQuotasRequest::default().with_entries(vec![QuotaEntry::default().with_entity(n(k))])
            }),
            site("entries[0].ops", v, Array, |k| {
                AlterClientQuotasRequest::default().with_entries(vec![QuotaEntry::default().with_ops(n(k))])
            }),
        ],
        ApiKey::DescribeCluster => vec![header_site::<DescribeClusterRequest>(v)],
        ApiKey::DescribeTopicPartitions => vec![
            site("topics", v, Array, |k| DescribeTopicPartitionsRequest::default().with_topics(n(k))),
            site("topics[0].name", v, String, |k| {
                DescribeTopicPartitionsRequest::default()
                    .with_topics(vec![TopicRequest::default().with_name(TopicName(text(k)))])
            }),
        ],
        ApiKey::ElectLeaders => vec![
            site("topic_partitions", v, Array, |k| ElectLeadersRequest::default().with_topic_partitions(Some(n(k)))),
            site("topic_partitions[0].partitions", v, Array, |k| {
                ElectLeadersRequest::default()
                    .with_topic_partitions(Some(vec![TopicPartitions::default().with_partitions(n(k))]))
            }),
        ],
        ApiKey::ListPartitionReassignments => vec![
            site("topics", v, Array, |k| ListPartitionReassignmentsRequest::default().with_topics(Some(n(k)))),
            site("topics[0].partition_indexes", v, Array, |k| {
                ListPartitionReassignmentsRequest::default()
                    .with_topics(Some(vec![ListPartitionReassignmentsTopics::default().with_partition_indexes(n(k))]))
            }),
        ],
        ApiKey::AlterPartitionReassignments => vec![
            site("topics", v, Array, |k| AlterPartitionReassignmentsRequest::default().with_topics(n(k))),
            site("topics[0].partitions", v, Array, |k| {
                AlterPartitionReassignmentsRequest::default()
                    .with_topics(vec![ReassignableTopic::default().with_partitions(n(k))])
            }),
        ],
        ApiKey::DescribeAcls => vec![site("resource_name_filter", v, String, |k| {
            DescribeAclsRequest::default().with_resource_name_filter(Some(text(k)))
        })],
        ApiKey::CreateAcls => vec![site("creations", v, Array, |k| CreateAclsRequest::default().with_creations(n(k)))],
        ApiKey::DeleteAcls => vec![site("filters", v, Array, |k| DeleteAclsRequest::default().with_filters(n(k)))],
        ApiKey::ListTransactions => vec![
            site("state_filters", v, Array, |k| ListTransactionsRequest::default().with_state_filters(n(k))),
            site("state_filters[0]", v, String, |k| {
                ListTransactionsRequest::default().with_state_filters(vec![text(k)])
            }),
        ],
        ApiKey::DescribeTransactions => vec![
            site("transactional_ids", v, Array, |k| {
                DescribeTransactionsRequest::default().with_transactional_ids(n(k))
            }),
            site("transactional_ids[0]", v, String, |k| {
                DescribeTransactionsRequest::default().with_transactional_ids(vec![TransactionalId(text(k))])
            }),
        ],
        ApiKey::DescribeClientQuotas => {
            vec![site("components", v, Array, |k| DescribeClientQuotasRequest::default().with_components(n(k)))]
        }
        ApiKey::OffsetForLeaderEpoch => vec![
            site("topics", v, Array, |k| OffsetForLeaderEpochRequest::default().with_topics(n(k))),
            site("topics[0].topic", v, String, |k| {
                OffsetForLeaderEpochRequest::default()
                    .with_topics(vec![OffsetForLeaderTopic::default().with_topic(TopicName(text(k)))])
            }),
            site("topics[0].partitions", v, Array, |k| {
                OffsetForLeaderEpochRequest::default()
                    .with_topics(vec![OffsetForLeaderTopic::default().with_partitions(n(k))])
            }),
        ],
        ApiKey::DescribeProducers => vec![
            site("topics", v, Array, |k| DescribeProducersRequest::default().with_topics(n(k))),
            site("topics[0].name", v, String, |k| {
                DescribeProducersRequest::default()
                    .with_topics(vec![DescribeProducersTopicRequest::default().with_name(TopicName(text(k)))])
            }),
            site("topics[0].partition_indexes", v, Array, |k| {
                DescribeProducersRequest::default()
                    .with_topics(vec![DescribeProducersTopicRequest::default().with_partition_indexes(n(k))])
            }),
        ],
        ApiKey::DeleteRecords => vec![
            site("topics", v, Array, |k| DeleteRecordsRequest::default().with_topics(n(k))),
            site("topics[0].name", v, String, |k| {
                DeleteRecordsRequest::default()
                    .with_topics(vec![DeleteRecordsTopic::default().with_name(TopicName(text(k)))])
            }),
            site("topics[0].partitions", v, Array, |k| {
                DeleteRecordsRequest::default().with_topics(vec![DeleteRecordsTopic::default().with_partitions(n(k))])
            }),
        ],
        ApiKey::DescribeLogDirs => vec![
            site("topics", v, Array, |k| DescribeLogDirsRequest::default().with_topics(Some(n(k)))),
            site("topics[0].partitions", v, Array, |k| {
                DescribeLogDirsRequest::default()
                    .with_topics(Some(vec![DescribableLogDirTopic::default().with_partitions(n(k))]))
            }),
        ],
        ApiKey::DescribeConfigs => vec![
            site("resources", v, Array, |k| DescribeConfigsRequest::default().with_resources(n(k))),
            site("resources[0].resource_name", v, String, |k| {
                DescribeConfigsRequest::default()
                    .with_resources(vec![DescribeConfigsResource::default().with_resource_name(text(k))])
            }),
            site("resources[0].configuration_keys", v, Array, |k| {
                DescribeConfigsRequest::default()
                    .with_resources(vec![DescribeConfigsResource::default().with_configuration_keys(Some(n(k)))])
            }),
        ],
        ApiKey::AlterConfigs => vec![
            site("resources", v, Array, |k| AlterConfigsRequest::default().with_resources(n(k))),
            site("resources[0].configs", v, Array, |k| {
                AlterConfigsRequest::default()
                    .with_resources(vec![alter_configs_request::AlterConfigsResource::default().with_configs(n(k))])
            }),
        ],
        ApiKey::IncrementalAlterConfigs => vec![
            site("resources", v, Array, |k| IncrementalAlterConfigsRequest::default().with_resources(n(k))),
            site("resources[0].configs", v, Array, |k| {
                IncrementalAlterConfigsRequest::default().with_resources(vec![
                    incremental_alter_configs_request::AlterConfigsResource::default().with_configs(n(k)),
                ])
            }),
        ],
        other => panic!("{other:?} is served but has no hostile-length probe here: add one"),
    }
}

/// The broker's peak resident and peak virtual size so far, in KiB.
fn peak_memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the broker's /proc status");
    let field = |name: &str| -> u64 {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in status"));
        line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("bad {line}"))
    };
    (field("VmHWM:"), field("VmPeak:"))
}

/// Bytes after the hostile length: a few, and 64 KiB of zeros (which decode as
/// empty strings, zero ints and empty arrays, so the decoder works through real
/// elements until the frame runs out).
const TAILS: [usize; 2] = [8, 64 << 10];
/// The most the broker's peak RSS may grow while it refuses every frame: a few
/// times what decoding the largest frame (under 70 KiB) can legitimately build.
const RSS_GROWTH_LIMIT_KIB: u64 = 64 << 10;
/// The most its peak virtual size may grow: room for a few new malloc arenas,
/// well under the 1 GiB that one 2^28-element array of i32 would reserve even
/// where the reservation succeeds and is never touched (so RSS would not show it).
const VIRTUAL_GROWTH_LIMIT_KIB: u64 = 512 << 10;

#[test]
fn hostile_lengths_in_every_served_request_close_the_connection_with_memory_bounded_by_the_frame() {
    let strand = Strand::start();
    still_serves(&strand);
    let (rss_before, virtual_before) = peak_memory_kib(strand.pid());
    let mut frames = 0;
    let mut largest = 0;
    for (key, _, versions) in strand::api::SUPPORTED {
        for version in versions.min..=versions.max {
            for site in sites(*key, version) {
                for (label, length, claimed) in site.width.hostile() {
                    // A tail as long as the claim would make it an honest length.
                    for tail in TAILS.into_iter().filter(|&tail| (tail as i64) < claimed || claimed < 0) {
                        let mut frame = site.head.clone();
                        frame.extend_from_slice(&length);
                        frame.resize(frame.len() + tail, 0);
                        largest = largest.max(frame.len());
                        let mut client = RawClient::connect(&strand.addr);
                        client.send_raw(&frame);
                        assert!(
                            client.is_closed_by_peer(),
                            "{}: {label} and {tail} more bytes did not close the connection",
                            site.what
                        );
                        frames += 1;
                    }
                }
            }
        }
    }
    still_serves(&strand);
    let (rss_after, virtual_after) = peak_memory_kib(strand.pid());
    eprintln!(
        "{frames} hostile frames (largest {largest} bytes): peak RSS {rss_before} -> {rss_after} KiB, \
         peak virtual {virtual_before} -> {virtual_after} KiB"
    );
    assert!(
        rss_after - rss_before < RSS_GROWTH_LIMIT_KIB,
        "peak RSS grew by {} KiB over {frames} frames of at most {largest} bytes",
        rss_after - rss_before
    );
    assert!(
        virtual_after - virtual_before < VIRTUAL_GROWTH_LIMIT_KIB,
        "peak virtual size grew by {} KiB over {frames} frames of at most {largest} bytes",
        virtual_after - virtual_before
    );
}

#[test]
fn the_close_check_fails_on_a_silent_or_answering_peer_and_passes_on_eof_or_reset() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    // A peer that keeps the connection open and says nothing: a hang.
    let mut silent = RawClient::connect(&addr);
    let (_held, _) = listener.accept().unwrap();
    let started = std::time::Instant::now();
    assert!(!silent.is_closed_by_peer(), "an open, silent connection counted as closed");
    assert!(started.elapsed() >= common::CLOSE_WITHIN, "gave up after {:?}", started.elapsed());
    // A peer that answers instead of closing.
    let mut answered = RawClient::connect(&addr);
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(&[0]).unwrap();
    assert!(!answered.is_closed_by_peer(), "an answer counted as a close");
    // A clean close: EOF.
    let mut closed = RawClient::connect(&addr);
    drop(listener.accept().unwrap());
    assert!(closed.is_closed_by_peer(), "EOF did not count as a close");
    // A close with our bytes unread: the kernel answers with a reset.
    let mut reset = RawClient::connect(&addr);
    let (mut peer, _) = listener.accept().unwrap();
    reset.write_bytes(b"unread");
    let mut first = [0u8; 1];
    peer.read_exact(&mut first).unwrap();
    drop(peer);
    assert!(reset.is_closed_by_peer(), "a reset did not count as a close");
}

#[test]
fn an_idle_connection_is_closed_after_connections_max_idle_ms() {
    let strand = Strand::start_with(&["--connections-max-idle-ms", "200"]);
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(client.send(12, &MetadataRequest::default().with_topics(None)).topics.len(), 1);
    std::thread::sleep(Duration::from_millis(600));
    assert!(client.is_closed_by_peer());
}

/// A small xorshift so kill moments vary per round without a crate; the seed is printed.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn kill_9_at_random_moments_never_loses_an_acknowledged_record_or_commit() {
    let mut strand = Strand::start();
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("seed {seed}");
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let last_commit = Arc::new(Mutex::new(-1i64));
    let rounds = 6;
    for round in 0..rounds {
        let stop = Arc::new(AtomicBool::new(false));
        let worker = {
            let (addr, acked, last_commit, stop) =
                (strand.addr.clone(), acked.clone(), last_commit.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut client = RawClient::connect(&addr);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let value = format!("r{round}-{n}");
                    // A kill mid-request panics the send: that record was never acknowledged.
                    let Ok((code, offset)) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        client.produce(batch(&[value.as_bytes()], 1000))
                    })) else {
                        return;
                    };
                    assert_eq!(code, 0);
                    acked.lock().unwrap().push((offset, value));
                    if n % 10 == 0 {
                        let Ok(code) =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| commit(&mut client, offset + 1)))
                        else {
                            return;
                        };
                        assert_eq!(code, 0);
                        *last_commit.lock().unwrap() = offset + 1;
                    }
                    n += 1;
                }
            })
        };
        std::thread::sleep(Duration::from_millis(50 + next_random(&mut seed) % 400));
        strand.kill();
        stop.store(true, Ordering::Relaxed);
        // A failed assert in the worker fails the test (a kill mid-request returns instead).
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
        strand.restart();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > rounds, "too little load to mean anything: {}", acked.len());
    let mut client = RawClient::connect(&strand.addr);
    let bases = fetch_all(&mut client, 0);
    // Offsets have no gaps, and every acknowledged record is where it was acknowledged.
    assert_eq!(bases, (0..bases.len() as i64).collect::<Vec<_>>());
    for (offset, _) in &acked {
        assert!(*offset < bases.len() as i64, "acknowledged offset {offset} lost");
    }
    let request =
        FetchRequest::default().with_max_wait_ms(0).with_max_bytes(64 << 20).with_session_epoch(-1).with_topics(vec![
            FetchTopic::default().with_topic(TopicName(StrBytes::from_static_str(TOPIC))).with_partitions(vec![
                FetchPartition::default().with_partition(0).with_fetch_offset(0).with_partition_max_bytes(64 << 20),
            ]),
        ]);
    let records = client.send(12, &request).responses[0].partitions[0].records.clone().unwrap();
    let text = String::from_utf8_lossy(&records);
    for (offset, value) in &acked {
        assert!(text.contains(value.as_str()), "acknowledged record {value} at {offset} lost");
    }
    assert!(committed(&mut client) >= *last_commit.lock().unwrap(), "an acknowledged commit was lost");
    eprintln!("kill -9 rounds: {rounds}, acknowledged records checked: {}", acked.len());
}

/// A tmpfs of a chosen size, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .ok()?;
        ok.success().then_some(SmallDisk { dir })
    }
    fn resize(&self, size: &str) {
        let ok =
            Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(self.dir.path()).status().unwrap();
        assert!(ok.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_is_kafka_storage_error_reads_go_on_and_appends_resume_when_space_returns() {
    let Some(disk) = SmallDisk::mount("512k") else {
        // Mounting needs root (CI and the dev machines run as root).
        panic!("cannot mount a tmpfs for the disk-full test; run as root");
    };
    let strand = Strand::start_at(disk.dir.path().join("data"), None, &["--index-max-bytes", "4096"]);
    let mut client = RawClient::connect(&strand.addr);
    let value = vec![b'x'; 16 * 1024];
    let mut acked = 0i64;
    let code = loop {
        let (code, offset) = client.produce(batch(&[&value], 1000));
        if code != 0 {
            break code;
        }
        assert_eq!(offset, acked);
        acked += 1;
        assert!(acked < 1000, "the disk never filled");
    };
    assert_eq!(code, ResponseError::KafkaStorageError.code());
    // Reads go on, and show exactly the acknowledged batches.
    assert_eq!(fetch_all(&mut client, 0), (0..acked).collect::<Vec<_>>());
    disk.resize("4m");
    assert_eq!(
        client.produce(batch(&[&value], 1000)),
        (0, acked),
        "appends resume right after the last acknowledged batch"
    );
    assert_eq!(fetch_all(&mut client, 0), (0..=acked).collect::<Vec<_>>());
}
