//! Writes the seed corpora: real requests and record batches, encoded by the
//! kafka-protocol client codecs, so the fuzzers start from inputs that reach the
//! handlers and the log rather than from bytes the decoder rejects at once.
//!
//! `cargo run --example seed_corpus` (from fuzz/) fills `corpus/request/` and
//! `corpus/batch/`; file names say what each seed is. Existing files are kept.

use std::path::Path;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, Request, StrBytes};
use kafka_protocol::records::{Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType};

const TOPIC: &str = "events";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let requests = root.join("request");
    let batches = root.join("batch");
    std::fs::create_dir_all(&requests).expect("create corpus/request");
    std::fs::create_dir_all(&batches).expect("create corpus/batch");
    let mut written = 0;
    for (name, batch) in seed_batches() {
        written += write(&batches, &name, &batch);
    }
    written += seed_requests(&requests);
    println!("{written} seed files written under {}", root.display());
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> usize {
    let path = dir.join(name);
    if path.exists() {
        return 0;
    }
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    1
}

fn s(text: &'static str) -> StrBytes {
    StrBytes::from_static_str(text)
}

fn topic() -> TopicName {
    TopicName(s(TOPIC))
}

fn group() -> GroupId {
    GroupId(s("seed-group"))
}

/// Records with keys, values and a header; `producer` makes them idempotent.
fn records(count: usize, producer: Option<(i64, i16, i32)>, timestamp_type: TimestampType) -> Vec<Record> {
    let (producer_id, producer_epoch, sequence) = producer.unwrap_or((-1, -1, -1));
    (0..count)
        .map(|i| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: 0,
            producer_id,
            producer_epoch,
            timestamp_type,
            offset: i as i64,
            // Offset minus sequence must stay constant or the encoder splits the batch.
            sequence: if sequence < 0 { i as i32 - 1 } else { sequence + i as i32 },
            timestamp: 1_700_000_000_000 + i as i64,
            key: Some(Bytes::from(format!("key-{i}"))),
            value: Some(Bytes::from(format!("value-{i}"))),
            headers: [(s("h"), Some(Bytes::from_static(b"v")))].into_iter().collect(),
        })
        .collect()
}

fn encode_batch(records: &[Record]) -> Bytes {
    let mut buf = BytesMut::new();
    RecordBatchEncoder::encode(&mut buf, records, &RecordEncodeOptions { version: 2, compression: Compression::None })
        .expect("encoding an uncompressed batch");
    buf.freeze()
}

fn seed_batches() -> Vec<(String, Bytes)> {
    let mut seeds = vec![
        ("one-record".to_owned(), encode_batch(&records(1, None, TimestampType::Creation))),
        ("three-records".to_owned(), encode_batch(&records(3, None, TimestampType::Creation))),
        ("log-append-time".to_owned(), encode_batch(&records(2, None, TimestampType::LogAppend))),
        ("idempotent-seq0".to_owned(), encode_batch(&records(2, Some((7, 0, 0)), TimestampType::Creation))),
        ("idempotent-seq2".to_owned(), encode_batch(&records(1, Some((7, 0, 2)), TimestampType::Creation))),
    ];
    // The codec bits set over uncompressed records, CRC recomputed: the log never
    // decompresses, so these are valid to it.
    let mut gzip = seeds[1].1.to_vec();
    gzip[22] |= 1;
    let crc = crc32c::crc32c(&gzip[21..]);
    gzip[17..21].copy_from_slice(&crc.to_be_bytes());
    seeds.push(("gzip-flag".to_owned(), Bytes::from(gzip)));
    seeds
}

/// Writes `build(v)` at every version its codec has, as one request frame
/// without the size prefix; versions a field cannot be encoded at are skipped.
fn at_every_version<R: Request + Encodable>(dir: &Path, name: &str, build: impl Fn(i16) -> R) -> usize {
    let mut written = 0;
    for version in R::VERSIONS.min..=R::VERSIONS.max {
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(i32::from(version) + 1)
            .with_client_id(Some(s("seed")));
        let mut frame = BytesMut::new();
        if header.encode(&mut frame, R::header_version(version)).is_err()
            || build(version).encode(&mut frame, version).is_err()
        {
            continue;
        }
        written += write(dir, &format!("{name}-v{version}"), &frame);
    }
    written
}

fn seed_requests(dir: &Path) -> usize {
    let batch = encode_batch(&records(2, None, TimestampType::Creation));
    let mut n = 0;
    n += at_every_version(dir, "api-versions", |_| {
        ApiVersionsRequest::default().with_client_software_name(s("seed")).with_client_software_version(s("1.0"))
    });
    n += at_every_version(dir, "metadata", |v| {
        let named = MetadataRequestTopic::default().with_name(Some(topic()));
        MetadataRequest::default().with_topics(if v == 0 { Some(vec![named]) } else { None })
    });
    n += at_every_version(dir, "produce", |_| {
        ProduceRequest::default().with_acks(-1).with_timeout_ms(1000).with_topic_data(vec![TopicProduceData::default()
            .with_name(topic())
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(batch.clone()))])])
    });
    n += at_every_version(dir, "produce-acks0", |_| {
        ProduceRequest::default().with_acks(0).with_timeout_ms(1000).with_topic_data(vec![TopicProduceData::default()
            .with_name(topic())
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(batch.clone()))])])
    });
    n += at_every_version(dir, "fetch", |v| {
        let topic = FetchTopic::default().with_partitions(vec![FetchPartition::default()
            .with_partition(0)
            .with_fetch_offset(0)
            .with_partition_max_bytes(1 << 20)]);
        let topic = if v >= 13 { topic } else { topic.with_topic(self::topic()) };
        FetchRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_max_wait_ms(500)
            .with_min_bytes(1)
            .with_max_bytes(1 << 20)
            .with_session_epoch(-1)
            .with_topics(vec![topic])
    });
    n += at_every_version(dir, "list-offsets", |_| {
        ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![ListOffsetsTopic::default()
            .with_name(topic())
            .with_partitions(vec![ListOffsetsPartition::default().with_partition_index(0).with_timestamp(-1)])])
    });
    n += at_every_version(dir, "create-topics", |_| {
        CreateTopicsRequest::default().with_topics(vec![create_topics_request::CreatableTopic::default()
            .with_name(topic())
            .with_num_partitions(1)
            .with_replication_factor(1)])
    });
    n += at_every_version(dir, "find-coordinator", |v| {
        if v >= 4 {
            FindCoordinatorRequest::default().with_coordinator_keys(vec![s("seed-group")])
        } else {
            FindCoordinatorRequest::default().with_key(s("seed-group"))
        }
    });
    n += at_every_version(dir, "join-group", |_| {
        JoinGroupRequest::default()
            .with_group_id(group())
            .with_session_timeout_ms(6000)
            .with_rebalance_timeout_ms(6000)
            .with_protocol_type(s("consumer"))
            .with_protocols(vec![JoinGroupRequestProtocol::default()
                .with_name(s("range"))
                .with_metadata(Bytes::from_static(b"\x00\x01\x00\x00\x00\x01\x00\x06events\xff\xff\xff\xff"))])
    });
    n += at_every_version(dir, "sync-group", |_| {
        SyncGroupRequest::default()
            .with_group_id(group())
            .with_generation_id(1)
            .with_member_id(s("seed-member"))
            .with_protocol_type(Some(s("consumer")))
            .with_protocol_name(Some(s("range")))
            .with_assignments(vec![SyncGroupRequestAssignment::default()
                .with_member_id(s("seed-member"))
                .with_assignment(Bytes::from_static(b"assignment"))])
    });
    n += at_every_version(dir, "heartbeat", |_| {
        HeartbeatRequest::default().with_group_id(group()).with_generation_id(1).with_member_id(s("seed-member"))
    });
    n += at_every_version(dir, "leave-group", |v| {
        let request = LeaveGroupRequest::default().with_group_id(group());
        if v >= 3 {
            request.with_members(vec![leave_group_request::MemberIdentity::default().with_member_id(s("seed-member"))])
        } else {
            request.with_member_id(s("seed-member"))
        }
    });
    n += at_every_version(dir, "offset-commit", |_| {
        OffsetCommitRequest::default().with_group_id(group()).with_generation_id_or_member_epoch(-1).with_topics(vec![
            OffsetCommitRequestTopic::default().with_name(topic()).with_partitions(vec![
                OffsetCommitRequestPartition::default()
                    .with_partition_index(0)
                    .with_committed_offset(1)
                    .with_committed_metadata(Some(s("meta"))),
            ]),
        ])
    });
    n += at_every_version(dir, "offset-fetch", |v| {
        if v >= 8 {
            OffsetFetchRequest::default().with_groups(vec![OffsetFetchRequestGroup::default()
                .with_group_id(group())
                .with_topics(Some(vec![OffsetFetchRequestTopics::default()
                    .with_name(topic())
                    .with_partition_indexes(vec![0])]))])
        } else {
            OffsetFetchRequest::default().with_group_id(group()).with_topics(Some(vec![
                OffsetFetchRequestTopic::default().with_name(topic()).with_partition_indexes(vec![0]),
            ]))
        }
    });
    n += at_every_version(dir, "describe-groups", |_| DescribeGroupsRequest::default().with_groups(vec![group()]));
    n += at_every_version(dir, "list-groups", |_| ListGroupsRequest::default());
    n += at_every_version(dir, "delete-groups", |_| DeleteGroupsRequest::default().with_groups_names(vec![group()]));
    n += at_every_version(dir, "offset-delete", |_| {
        OffsetDeleteRequest::default().with_group_id(group()).with_topics(vec![OffsetDeleteRequestTopic::default()
            .with_name(topic())
            .with_partitions(vec![OffsetDeleteRequestPartition::default().with_partition_index(0)])])
    });
    n += at_every_version(dir, "init-producer-id", |_| {
        InitProducerIdRequest::default()
            .with_transaction_timeout_ms(60_000)
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1)
    });
    for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let name = format!("sasl-handshake-{}", mechanism.to_lowercase());
        n += at_every_version(dir, &name, |_| {
            SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(mechanism))
        });
    }
    // The request target also serves each input to a connection awaiting its first
    // token, framed (SaslAuthenticate) and bare (after SaslHandshake v0).
    let tokens: [(&str, &[u8]); 3] = [
        ("plain", b"\0alice\0alice-secret"),
        ("scram-client-first", b"n,,n=alice,r=fyko+d2lbbFgONRv9qkxdawL"),
        ("scram-client-first-authzid", b"n,a=alice,n=alice,r=rOprNGfwEbeRWgbNEkqO"),
    ];
    for (name, token) in tokens {
        n += at_every_version(dir, &format!("sasl-authenticate-{name}"), |_| {
            SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from_static(token))
        });
        n += write(dir, &format!("sasl-token-{name}"), token);
    }
    n
}
