//! Offset expiry and the OffsetFetch answers a real client (librdkafka) relies on,
//! against the real `strand` binary: a broker with a one-minute
//! `--offsets-retention-minutes` checked every second.

mod common;

use std::time::{Duration, Instant};

use common::{Strand, TOPIC};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Message, Offset, TopicPartitionList};

const FAST_EXPIRY: &[&str] = &["--offsets-retention-minutes", "1", "--offsets-retention-check-interval-ms", "1000"];

async fn produce(strand: &Strand, n: usize) {
    let producer: FutureProducer = strand.client_config().create().expect("producer");
    for i in 0..n {
        let payload = format!("m{i}");
        producer.send(FutureRecord::to(TOPIC).key("k").payload(&payload), Duration::from_secs(30)).await.expect("sent");
    }
}

fn consumer(strand: &Strand, group: &str) -> BaseConsumer {
    strand.manual_commit_config(group).create().expect("consumer")
}

/// The group's committed offset of TOPIC partition 0 (librdkafka's `committed()`).
fn committed(strand: &Strand, group: &str, topic: &str) -> Offset {
    let consumer = consumer(strand, group);
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(topic, 0);
    let committed = consumer.committed_offsets(tpl, Duration::from_secs(30)).expect("committed");
    let element = &committed.elements()[0];
    element.error().expect("no partition error");
    element.offset()
}

fn listed(strand: &Strand, group: &str) -> bool {
    let consumer = consumer(strand, "lister");
    let groups = consumer.fetch_group_list(None, Duration::from_secs(30)).expect("ListGroups");
    groups.groups().iter().any(|g| g.name() == group)
}

/// A consumer group commits at once, stays a member for a while, then leaves:
/// its offsets live one retention from the leave (not from the commit, not from a
/// restart in between), then the offsets and the group go, for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_left_groups_offsets_expire_one_retention_after_it_became_empty_across_restarts() {
    let mut strand = Strand::start_with(FAST_EXPIRY);
    produce(&strand, 5).await;
    let group = "expiring";
    let member = consumer(&strand, group);
    member.subscribe(&[TOPIC]).expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = 0;
    while seen < 5 {
        assert!(Instant::now() < deadline, "consumed only {seen} of 5 records");
        if let Some(message) = member.poll(Duration::from_millis(200)) {
            message.expect("message").offset();
            seen += 1;
        }
    }
    member.commit_consumer_state(CommitMode::Sync).expect("commit");
    // A simple (assign()) group beside it: its offset lives one retention from the commit.
    let simple = consumer(&strand, "simple");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(TOPIC, 0, Offset::Offset(2)).unwrap();
    simple.commit(&tpl, CommitMode::Sync).expect("simple commit");
    let committed_at = Instant::now();
    // A member for 12 s more: a retention counted from the commit would end 12 s early.
    while committed_at.elapsed() < Duration::from_secs(12) {
        assert!(member.poll(Duration::from_millis(200)).is_none_or(|m| m.is_ok()));
    }
    drop(member);
    let left_at = Instant::now();
    drop(simple);
    assert!(listed(&strand, group));

    // A restart 20 s after the leave: the Empty-since time comes back from the store.
    std::thread::sleep(Duration::from_secs(20));
    strand.restart();
    assert_eq!(committed(&strand, group, TOPIC), Offset::Offset(5));

    // The simple group's offset goes a minute after its commit, 12 s before the group's.
    let deadline = committed_at + Duration::from_secs(60 + 8);
    while committed(&strand, "simple", TOPIC) != Offset::Invalid {
        assert!(Instant::now() < deadline, "the simple group's offset outlived its retention");
        std::thread::sleep(Duration::from_millis(250));
    }
    while left_at.elapsed() < Duration::from_secs(55) {
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(committed(&strand, group, TOPIC), Offset::Offset(5), "expired before a minute since the leave");
    let deadline = left_at + Duration::from_secs(60 + 8);
    while committed(&strand, group, TOPIC) != Offset::Invalid || listed(&strand, group) {
        assert!(Instant::now() < deadline, "the group's offsets outlived a minute since the leave");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(!listed(&strand, "simple"));

    strand.restart();
    assert_eq!(committed(&strand, group, TOPIC), Offset::Invalid);
    assert!(!listed(&strand, group));
}

/// A Java or librdkafka consumer that `assign()`s a partition of a topic that does
/// not exist and asks `committed()` gets "no offset", not an error, as from Kafka.
#[test]
fn committed_of_a_topic_that_does_not_exist_is_no_offset_without_an_error() {
    let strand = Strand::start();
    assert_eq!(committed(&strand, "assigner", "no-such-topic"), Offset::Invalid);
}

/// A JoinGroup answered MEMBER_ID_REQUIRED creates the group; if the member never
/// comes back the group is Empty with no offsets, and the next check deletes it.
#[test]
fn a_group_whose_member_never_rejoined_after_member_id_required_is_deleted() {
    use common::RawClient;
    use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
    use kafka_protocol::messages::{GroupId, JoinGroupRequest, ListGroupsRequest};
    use kafka_protocol::protocol::StrBytes;
    let strand = Strand::start_with(FAST_EXPIRY);
    let mut client = RawClient::connect(&strand.addr);
    let request = JoinGroupRequest::default()
        .with_group_id(GroupId(StrBytes::from_static_str("abandoned")))
        .with_session_timeout_ms(30_000)
        .with_rebalance_timeout_ms(30_000)
        .with_protocol_type(StrBytes::from_static_str("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(StrBytes::from_static_str("range"))
            .with_metadata(bytes::Bytes::from_static(b"meta"))]);
    let joined = client.send(9, &request);
    assert_eq!(joined.error_code, kafka_protocol::error::ResponseError::MemberIdRequired.code());
    let mut list = || {
        let groups = client.send(4, &ListGroupsRequest::default()).groups;
        groups.iter().any(|g| g.group_id.as_str() == "abandoned")
    };
    assert!(list(), "listed right after the join, as in Kafka");
    let deadline = Instant::now() + Duration::from_secs(10);
    while list() {
        assert!(Instant::now() < deadline, "the abandoned group is still listed");
        std::thread::sleep(Duration::from_millis(200));
    }
}
