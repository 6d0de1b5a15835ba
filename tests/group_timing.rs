//! Rebalance timing of classic groups against the real `strand` binary, as Kafka's
//! group coordinator times them: a rebalance waits for members sent
//! MEMBER_ID_REQUIRED, members that never sync are dropped after the rebalance
//! timeout, and `--group-initial-rebalance-delay-ms` puts consumers that start
//! together into one generation (librdkafka consumers). Plus the small answers
//! Kafka gives while a group rebalances or does not exist.

mod common;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{RawClient, Rebalances, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, Consumer};

/// How long any wait in these tests may take before the test fails.
const BOUND: Duration = Duration::from_secs(30);

fn group_id(group: &str) -> GroupId {
    GroupId(StrBytes::from_string(group.into()))
}

fn join(client: &mut RawClient, group: &str, member_id: &str, rebalance_timeout_ms: i32) -> JoinGroupResponse {
    let request = JoinGroupRequest::default()
        .with_group_id(group_id(group))
        .with_session_timeout_ms(6000)
        .with_rebalance_timeout_ms(rebalance_timeout_ms)
        .with_member_id(StrBytes::from_string(member_id.into()))
        .with_protocol_type(StrBytes::from_static_str("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(StrBytes::from_static_str("range"))
            .with_metadata(bytes::Bytes::from_static(b"meta"))]);
    client.send(7, &request)
}

/// The member id MEMBER_ID_REQUIRED hands a join without one.
fn handed_id(client: &mut RawClient, group: &str) -> String {
    let first = join(client, group, "", 20_000);
    assert_eq!(first.error_code, ResponseError::MemberIdRequired.code());
    first.member_id.to_string()
}

fn sync(client: &mut RawClient, group: &str, generation: i32, member_id: &str, assign: bool) -> SyncGroupResponse {
    let assignments = if assign {
        vec![sync_group_request::SyncGroupRequestAssignment::default()
            .with_member_id(StrBytes::from_string(member_id.into()))
            .with_assignment(bytes::Bytes::from_static(b"mine"))]
    } else {
        Vec::new()
    };
    let request = SyncGroupRequest::default()
        .with_group_id(group_id(group))
        .with_generation_id(generation)
        .with_member_id(StrBytes::from_string(member_id.into()))
        .with_assignments(assignments);
    client.send(5, &request)
}

fn heartbeat(client: &mut RawClient, group: &str, generation: i32, member_id: &str) -> i16 {
    let request = HeartbeatRequest::default()
        .with_group_id(group_id(group))
        .with_generation_id(generation)
        .with_member_id(StrBytes::from_string(member_id.into()));
    client.send(4, &request).error_code
}

fn commit(client: &mut RawClient, group: &str, generation: i32, member_id: &str) -> i16 {
    let request = OffsetCommitRequest::default()
        .with_group_id(group_id(group))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(StrBytes::from_string(member_id.into()))
        .with_topics(vec![OffsetCommitRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partitions(vec![OffsetCommitRequestPartition::default().with_partition_index(0)])]);
    client.send(8, &request).topics[0].partitions[0].error_code
}

fn describe(client: &mut RawClient, group: &str) -> (String, String) {
    let request = DescribeGroupsRequest::default().with_groups(vec![group_id(group)]);
    let described = client.send(5, &request).groups.remove(0);
    (described.group_state.to_string(), described.protocol_data.to_string())
}

/// A member's JoinGroup sent on its own connection and thread; the answer comes on the channel.
fn join_in_background(
    addr: &str,
    group: &'static str,
    member_id: String,
    answers: &mpsc::Sender<(String, JoinGroupResponse)>,
) {
    let (addr, answers) = (addr.to_owned(), answers.clone());
    thread::spawn(move || {
        let mut client = RawClient::connect(&addr);
        let answer = join(&mut client, group, &member_id, 20_000);
        let _ = answers.send((member_id, answer));
    });
}

/// Kafka's pending members: a rebalance of a Stable group is not answered until
/// every member id handed out with MEMBER_ID_REQUIRED has joined (or lapsed). While
/// the group completes the rebalance, a commit of the old generation is
/// ILLEGAL_GENERATION (the member is checked first) and the protocol is not shown.
#[test]
fn a_rebalance_waits_for_members_that_were_sent_member_id_required() {
    const GROUP: &str = "pending-group";
    let strand = Strand::start();
    let mut a_client = RawClient::connect(&strand.addr);
    let a = handed_id(&mut a_client, GROUP);
    let joined = join(&mut a_client, GROUP, &a, 20_000);
    assert_eq!((joined.error_code, joined.generation_id), (0, 1));
    assert_eq!(sync(&mut a_client, GROUP, 1, &a, true).error_code, 0);

    let mut others = RawClient::connect(&strand.addr);
    let b = handed_id(&mut others, GROUP);
    let c = handed_id(&mut others, GROUP);
    let (answers_tx, answers) = mpsc::channel();
    join_in_background(&strand.addr, GROUP, b.clone(), &answers_tx);
    let deadline = Instant::now() + BOUND;
    while heartbeat(&mut a_client, GROUP, 1, &a) != ResponseError::RebalanceInProgress.code() {
        assert!(Instant::now() < deadline, "b's join never started a rebalance");
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(commit(&mut a_client, GROUP, 1, &a), 0, "the old generation commits while preparing");
    join_in_background(&strand.addr, GROUP, a.clone(), &answers_tx);
    // Everyone but c has rejoined; the join must still wait for c.
    assert!(answers.recv_timeout(Duration::from_millis(1500)).is_err(), "answered without the pending member");
    join_in_background(&strand.addr, GROUP, c.clone(), &answers_tx);
    let mut generations = Vec::new();
    for _ in 0..3 {
        let (member, answer) = answers.recv_timeout(BOUND).expect("every join is answered once c joins");
        assert_eq!(answer.error_code, 0, "{member}");
        generations.push(answer.generation_id);
        if answer.leader == answer.member_id {
            assert_eq!(answer.members.len(), 3, "the leader sees all three");
        }
    }
    assert_eq!(generations, vec![2, 2, 2]);

    assert_eq!(describe(&mut a_client, GROUP), ("CompletingRebalance".into(), String::new()));
    assert_eq!(commit(&mut a_client, GROUP, 1, &a), ResponseError::IllegalGeneration.code());
    assert_eq!(commit(&mut a_client, GROUP, 2, "stranger"), ResponseError::UnknownMemberId.code());
    assert_eq!(commit(&mut a_client, GROUP, 2, &a), ResponseError::RebalanceInProgress.code());
}

/// Kafka's pending sync: after the join every member has the rebalance timeout to
/// send its SyncGroup. A follower that only heartbeats is then removed and the
/// leader told to rejoin.
#[test]
fn a_member_that_never_syncs_is_removed_after_the_rebalance_timeout() {
    const GROUP: &str = "unsynced-group";
    const REBALANCE_MS: i32 = 2000;
    let strand = Strand::start();
    let mut a_client = RawClient::connect(&strand.addr);
    let a = handed_id(&mut a_client, GROUP);
    assert_eq!(join(&mut a_client, GROUP, &a, REBALANCE_MS).generation_id, 1);
    sync(&mut a_client, GROUP, 1, &a, true);
    let mut b_client = RawClient::connect(&strand.addr);
    let b = handed_id(&mut b_client, GROUP);
    let b_joining = {
        let addr = strand.addr.clone();
        let b = b.clone();
        thread::spawn(move || join(&mut RawClient::connect(&addr), GROUP, &b, REBALANCE_MS))
    };
    let deadline = Instant::now() + BOUND;
    while heartbeat(&mut a_client, GROUP, 1, &a) != ResponseError::RebalanceInProgress.code() {
        assert!(Instant::now() < deadline, "b's join never started a rebalance");
        thread::sleep(Duration::from_millis(50));
    }
    let rejoined = join(&mut a_client, GROUP, &a, REBALANCE_MS);
    assert_eq!((rejoined.error_code, rejoined.generation_id), (0, 2));
    assert_eq!(b_joining.join().expect("b's join").generation_id, 2);
    let leader_synced = Instant::now();
    // Whoever leads syncs; the other member never does, it only heartbeats.
    let (leader, leader_client, follower, follower_client) = if rejoined.leader.as_str() == a.as_str() {
        (&a, &mut a_client, &b, &mut b_client)
    } else {
        (&b, &mut b_client, &a, &mut a_client)
    };
    assert_eq!(sync(leader_client, GROUP, 2, leader, true).error_code, 0);
    let removed = loop {
        let code = heartbeat(follower_client, GROUP, 2, follower);
        if code != 0 {
            break code;
        }
        assert!(Instant::now() < deadline, "the follower that never synced was never removed");
        thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(removed, ResponseError::UnknownMemberId.code());
    assert!(leader_synced.elapsed() >= Duration::from_millis(REBALANCE_MS as u64 - 300), "not before the timeout");
    assert_eq!(heartbeat(leader_client, GROUP, 2, leader), ResponseError::RebalanceInProgress.code());
}

/// LeaveGroup for a group that does not exist: per member UNKNOWN_MEMBER_ID and no
/// top-level error from v3, the top-level UNKNOWN_MEMBER_ID before; an empty group
/// id is INVALID_GROUP_ID.
#[test]
fn leave_group_of_an_unknown_group_answers_each_member() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let members = vec![
        MemberIdentity::default().with_member_id(StrBytes::from_static_str("m1")),
        MemberIdentity::default().with_member_id(StrBytes::from_static_str("m2")),
    ];
    let request = LeaveGroupRequest::default().with_group_id(group_id("nobody")).with_members(members);
    let left = client.send(5, &request);
    let codes: Vec<i16> = left.members.iter().map(|m| m.error_code).collect();
    assert_eq!(left.error_code, 0);
    assert_eq!(codes, vec![ResponseError::UnknownMemberId.code(); 2]);
    let old =
        LeaveGroupRequest::default().with_group_id(group_id("nobody")).with_member_id(StrBytes::from_static_str("m"));
    assert_eq!(client.send(2, &old).error_code, ResponseError::UnknownMemberId.code());
    let empty = LeaveGroupRequest::default().with_member_id(StrBytes::from_static_str("m"));
    assert_eq!(client.send(2, &empty).error_code, ResponseError::InvalidGroupId.code());
}

fn consumer(strand: &Strand, group: &str, topic: &str) -> (BaseConsumer<Rebalances>, Rebalances) {
    let rebalances = Rebalances::default();
    let consumer: BaseConsumer<Rebalances> = strand
        .client_config()
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create_with_context(rebalances.clone())
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    (consumer, rebalances)
}

fn poll_for(consumers: &[&BaseConsumer<Rebalances>], how_long: Duration) {
    let end = Instant::now() + how_long;
    while Instant::now() < end {
        for consumer in consumers {
            let _ = consumer.poll(Duration::from_millis(20));
        }
    }
}

/// group.initial.rebalance.delay.ms with librdkafka: the second consumer starts a
/// second after the first, within the delay, so both land in the group's first
/// generation: each is assigned one of the two partitions once and nothing is
/// ever revoked. (Without the delay the first takes both and gives one back.)
#[test]
fn consumers_starting_within_the_initial_delay_share_the_first_generation() {
    const GROUP: &str = "delayed-group";
    let strand = Strand::start_with(&["--topic", "pair:2", "--group-initial-rebalance-delay-ms", "3000"]);
    let (first, first_events) = consumer(&strand, GROUP, "pair");
    poll_for(&[&first], Duration::from_secs(1));
    assert!(first_events.events().is_empty(), "the first consumer is not assigned within the delay");
    let (second, second_events) = consumer(&strand, GROUP, "pair");
    let deadline = Instant::now() + BOUND;
    while first_events.events().is_empty() || second_events.events().is_empty() {
        assert!(Instant::now() < deadline, "never assigned: {:?} {:?}", first_events.events(), second_events.events());
        poll_for(&[&first, &second], Duration::from_millis(200));
    }
    // Long enough for a second rebalance, were there one, to reach both.
    poll_for(&[&first, &second], Duration::from_secs(3));
    assert_eq!(first_events.events(), vec!["assign 1".to_string()]);
    assert_eq!(second_events.events(), vec!["assign 1".to_string()]);
}
