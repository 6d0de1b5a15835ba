//! Consumer groups against the real `strand` binary: librdkafka consumers that
//! `subscribe()` with a group.id (each in its own process, so one can be killed),
//! committed offsets that survive restarts, and the group APIs' exact codes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{RawClient, Rebalances, Strand, TOPIC};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientContext, Message, Offset, TopicPartitionList};

const GROUP: &str = "strand-group-test";

async fn produce_n(strand: &Strand, n: usize) {
    let producer: FutureProducer = strand.client_config().set("linger.ms", "5").create().expect("producer");
    let payloads: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    let sends: Vec<_> = payloads
        .iter()
        .map(|p| producer.send(FutureRecord::to(TOPIC).key("k").payload(p), Duration::from_secs(30)))
        .collect();
    for send in sends {
        send.await.expect("delivered");
    }
}

/// Prints partition assignments so the parent test can see who owns the partition.
struct Reporting;
impl ClientContext for Reporting {}
impl ConsumerContext for Reporting {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            println!("assigned {}", tpl.count());
        }
    }
}

/// Not a test of its own: the body of a consumer process the takeover test starts
/// (and kills). It consumes with a group, commits every offset below
/// STRAND_COMMIT_BELOW, and reports on stdout.
#[test]
#[ignore]
fn group_member_process() {
    let Ok(bootstrap) = std::env::var("STRAND_BOOTSTRAP") else { return };
    let commit_below: i64 = std::env::var("STRAND_COMMIT_BELOW").unwrap().parse().unwrap();
    let consumer: BaseConsumer<Reporting> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", GROUP)
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("fetch.wait.max.ms", "100")
        .create_with_context(Reporting)
        .expect("consumer");
    consumer.subscribe(&[TOPIC]).unwrap();
    loop {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            println!("consumed {}", message.offset());
            if message.offset() < commit_below {
                consumer.commit_message(&message, CommitMode::Sync).expect("commit");
                println!("committed {}", message.offset() + 1);
            }
        }
    }
}

struct MemberProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl MemberProcess {
    fn start(strand: &Strand, commit_below: i64) -> MemberProcess {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "group_member_process", "--nocapture", "--test-threads=1"])
            .env("STRAND_BOOTSTRAP", &strand.addr)
            .env("STRAND_COMMIT_BELOW", commit_below.to_string())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("STRAND_TEST_LOGS").is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let pid = child.id();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if std::env::var_os("STRAND_TEST_LOGS").is_some() {
                    eprintln!("[member {pid}] {line}");
                }
                let _ = tx.send(line);
            }
        });
        MemberProcess { child, lines }
    }

    /// Waits for a line satisfying `pred`; returns it.
    fn wait_for(&self, what: &str, deadline: Instant, pred: impl Fn(&str) -> bool) -> String {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    }

    /// Drains lines already printed; returns the last assignment size seen.
    fn drain_assignment(&self, last: &mut Option<usize>) {
        while let Ok(line) = self.lines.try_recv() {
            // A process's first line follows libtest's "test group_member_process ... ".
            if let Some(n) = line.split("assigned ").nth(1) {
                *last = n.parse().ok();
            }
        }
    }
}

impl Drop for MemberProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_second_consumer_takes_over_at_the_committed_offset_when_the_first_is_killed() {
    let strand = Strand::start();
    produce_n(&strand, 100).await;
    let deadline = Instant::now() + Duration::from_secs(90);

    // The first member owns the partition alone and commits offsets 1..=50.
    let first = MemberProcess::start(&strand, 50);
    first.wait_for("the first member to commit 50", deadline, |l| l.ends_with("committed 50"));
    // The second joins; the group rebalances and one of the two owns the partition.
    let second = MemberProcess::start(&strand, 50);
    let (mut a, mut b) = (Some(1), None);
    while !(a.is_some() && b.is_some() && a.unwrap_or(0) + b.unwrap_or(0) == 1) {
        assert!(Instant::now() < deadline, "the group never settled: {a:?} {b:?}");
        std::thread::sleep(Duration::from_millis(200));
        first.drain_assignment(&mut a);
        second.drain_assignment(&mut b);
    }
    // Give a possible second rebalance round a moment to show itself, then re-read.
    std::thread::sleep(Duration::from_secs(2));
    first.drain_assignment(&mut a);
    second.drain_assignment(&mut b);
    let (mut owner, survivor) = if a == Some(1) { (first, second) } else { (second, first) };

    // SIGKILL: no LeaveGroup; only the session timeout tells the coordinator.
    let killed_at = Instant::now();
    owner.child.kill().unwrap();
    owner.child.wait().unwrap();
    survivor.wait_for("the survivor to be assigned the partition", deadline, |l| l.ends_with("assigned 1"));
    let first_consumed = survivor.wait_for("the survivor to consume", deadline, |l| l.contains("consumed "));
    eprintln!("takeover after kill -9: {:?}", killed_at.elapsed());
    assert!(first_consumed.ends_with("consumed 50"), "resumes at the last committed offset, got {first_consumed:?}");
}

fn assign_consumer(strand: &Strand) -> BaseConsumer {
    let consumer: BaseConsumer =
        strand.client_config().set("group.id", GROUP).set("enable.auto.commit", "false").create().expect("consumer");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(TOPIC, 0, Offset::Beginning).unwrap();
    consumer.assign(&tpl).unwrap();
    consumer
}

#[tokio::test]
async fn committed_offsets_survive_a_broker_restart() {
    let mut strand = Strand::start();
    produce_n(&strand, 10).await;
    {
        let consumer = assign_consumer(&strand);
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(TOPIC, 0, Offset::Offset(7)).unwrap();
        consumer.commit(&tpl, CommitMode::Sync).expect("commit");
    }
    strand.restart();
    let consumer = assign_consumer(&strand);
    let committed = consumer.committed(Duration::from_secs(30)).expect("committed");
    assert_eq!(committed.elements()[0].offset(), Offset::Offset(7));
}

#[tokio::test]
async fn committed_offsets_survive_kill_9_with_a_torn_offset_record() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    commit(&mut client, GROUP, -1, "", 3);
    let offsets_file = strand.data_dir.join("consumer-offsets.log");
    let good_len = std::fs::metadata(&offsets_file).unwrap().len();
    commit(&mut client, GROUP, -1, "", 9);
    strand.kill();
    // Cut the second record in the middle, as a crash mid-write would leave it.
    let full_len = std::fs::metadata(&offsets_file).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&offsets_file).unwrap();
    file.set_len(good_len + (full_len - good_len) / 2).unwrap();
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(fetch_committed(&mut client, GROUP), 3);
    commit(&mut client, GROUP, -1, "", 11);
    assert_eq!(fetch_committed(&mut client, GROUP), 11);
}

fn commit(client: &mut RawClient, group: &str, generation: i32, member: &str, offset: i64) -> i16 {
    let request = OffsetCommitRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.into())))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(StrBytes::from_string(member.into()))
        .with_topics(vec![OffsetCommitRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partitions(vec![OffsetCommitRequestPartition::default()
                .with_partition_index(0)
                .with_committed_offset(offset)])]);
    client.send(8, &request).topics[0].partitions[0].error_code
}

fn fetch_committed(client: &mut RawClient, group: &str) -> i64 {
    let request = OffsetFetchRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.into())))
        .with_topics(Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partition_indexes(vec![0])]));
    let response = client.send(7, &request);
    assert_eq!(response.error_code, 0);
    response.topics[0].partitions[0].committed_offset
}

fn join(client: &mut RawClient, version: i16, member_id: &str) -> JoinGroupResponse {
    let request = JoinGroupRequest::default()
        .with_group_id(GroupId(StrBytes::from_static_str("raw-group")))
        .with_session_timeout_ms(6000)
        .with_rebalance_timeout_ms(10000)
        .with_member_id(StrBytes::from_string(member_id.into()))
        .with_protocol_type(StrBytes::from_static_str("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(StrBytes::from_static_str("range"))
            .with_metadata(bytes::Bytes::from_static(b"meta"))]);
    client.send(version, &request)
}

#[test]
fn join_without_member_id_is_member_id_required_then_the_rejoin_leads() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let first = join(&mut client, 5, "");
    assert_eq!(first.error_code, ResponseError::MemberIdRequired.code());
    assert!(!first.member_id.is_empty());
    let joined = join(&mut client, 5, &first.member_id);
    assert_eq!(joined.error_code, 0);
    assert_eq!(joined.generation_id, 1);
    assert_eq!(joined.leader, joined.member_id);
    assert_eq!(joined.members.len(), 1);
    assert_eq!(joined.members[0].metadata.as_ref(), b"meta");

    // Wrong generation, then the leader's sync hands back its own assignment.
    let sync = |client: &mut RawClient, generation| {
        let request = SyncGroupRequest::default()
            .with_group_id(GroupId(StrBytes::from_static_str("raw-group")))
            .with_generation_id(generation)
            .with_member_id(joined.member_id.clone())
            .with_assignments(vec![SyncGroupRequestAssignment::default()
                .with_member_id(joined.member_id.clone())
                .with_assignment(bytes::Bytes::from_static(b"assignment"))]);
        client.send(3, &request)
    };
    assert_eq!(sync(&mut client, 7).error_code, ResponseError::IllegalGeneration.code());
    let synced = sync(&mut client, 1);
    assert_eq!(synced.error_code, 0);
    assert_eq!(synced.assignment.as_ref(), b"assignment");

    let heartbeat = |client: &mut RawClient, member: &str| {
        let request = HeartbeatRequest::default()
            .with_group_id(GroupId(StrBytes::from_static_str("raw-group")))
            .with_generation_id(1)
            .with_member_id(StrBytes::from_string(member.into()));
        client.send(3, &request).error_code
    };
    assert_eq!(heartbeat(&mut client, &joined.member_id), 0);
    assert_eq!(heartbeat(&mut client, "stranger"), ResponseError::UnknownMemberId.code());

    // A member commits with its generation; a stale generation is refused.
    assert_eq!(commit(&mut client, "raw-group", 1, &joined.member_id, 5), 0);
    assert_eq!(commit(&mut client, "raw-group", 0, &joined.member_id, 6), ResponseError::IllegalGeneration.code());
    assert_eq!(fetch_committed(&mut client, "raw-group"), 5);

    let described = client
        .send(5, &DescribeGroupsRequest::default().with_groups(vec![GroupId(StrBytes::from_static_str("raw-group"))]));
    assert_eq!(described.groups[0].group_state.as_str(), "Stable");
    assert_eq!(described.groups[0].protocol_data.as_str(), "range");
    assert_eq!(described.groups[0].members[0].member_assignment.as_ref(), b"assignment");

    // A group with members cannot be deleted; after LeaveGroup it can.
    let delete = |client: &mut RawClient| {
        let request =
            DeleteGroupsRequest::default().with_groups_names(vec![GroupId(StrBytes::from_static_str("raw-group"))]);
        client.send(2, &request).results[0].error_code
    };
    assert_eq!(delete(&mut client), ResponseError::NonEmptyGroup.code());
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(StrBytes::from_static_str("raw-group")))
        .with_members(vec![leave_group_request::MemberIdentity::default().with_member_id(joined.member_id.clone())]);
    let left = client.send(4, &leave);
    assert_eq!((left.error_code, left.members[0].error_code), (0, 0));
    assert_eq!(delete(&mut client), 0);
    assert_eq!(fetch_committed(&mut client, "raw-group"), -1, "deleting a group deletes its offsets");
}

#[test]
fn offset_fetch_of_an_unknown_group_is_minus_one_not_an_error() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(fetch_committed(&mut client, "never-seen"), -1);
}

#[test]
fn find_coordinator_names_this_broker_for_groups_and_transactions_and_refuses_share_groups() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let response = client.send(3, &FindCoordinatorRequest::default().with_key(StrBytes::from_static_str("g")));
    assert_eq!(response.error_code, 0);
    assert_eq!(format!("{}:{}", response.host.as_str(), response.port), strand.addr);
    let response = client.send(
        4,
        &FindCoordinatorRequest::default()
            .with_key_type(1)
            .with_coordinator_keys(vec![StrBytes::from_static_str("txn")]),
    );
    let coordinator = &response.coordinators[0];
    assert_eq!(coordinator.error_code, 0);
    assert_eq!(format!("{}:{}", coordinator.host.as_str(), coordinator.port), strand.addr);
    let response = client.send(
        6,
        &FindCoordinatorRequest::default()
            .with_key_type(2)
            .with_coordinator_keys(vec![StrBytes::from_static_str("share")]),
    );
    assert_eq!(response.coordinators[0].error_code, ResponseError::CoordinatorNotAvailable.code());
}

#[test]
fn list_groups_filters_by_state() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    commit(&mut client, "only-offsets", -1, "", 1);
    let all = client.send(4, &ListGroupsRequest::default());
    assert!(all.groups.iter().any(|g| g.group_id.as_str() == "only-offsets" && g.group_state.as_str() == "Empty"));
    let stable =
        client.send(4, &ListGroupsRequest::default().with_states_filter(vec![StrBytes::from_static_str("Stable")]));
    assert!(stable.groups.is_empty());
}

/// Asked for (v3+), DescribeGroups' authorized operations are what Kafka 4.4
/// without an authorizer answers: every group operation on each group answered
/// without an error (an unknown group's Dead included, before v6), else Kafka's
/// "not requested" (i32::MIN).
#[test]
fn describe_groups_answers_every_operation_when_asked_as_kafka_without_an_authorizer() {
    // READ DELETE DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS, as bits of Kafka's AclOperation codes.
    const GROUP_OPERATIONS: i32 = 3400;
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    commit(&mut client, "known", -1, "", 1);
    let mut describe = |version: i16, asked: bool| -> Vec<(i16, i32)> {
        let groups = vec![GroupId(StrBytes::from_static_str("known")), GroupId(StrBytes::from_static_str("unknown"))];
        let request = DescribeGroupsRequest::default().with_groups(groups).with_include_authorized_operations(asked);
        client.send(version, &request).groups.iter().map(|g| (g.error_code, g.authorized_operations)).collect()
    };
    assert_eq!(describe(5, true), [(0, GROUP_OPERATIONS), (0, GROUP_OPERATIONS)]);
    assert_eq!(describe(6, true), [(0, GROUP_OPERATIONS), (ResponseError::GroupIdNotFound.code(), i32::MIN)]);
    assert_eq!(describe(5, false), [(0, i32::MIN), (0, i32::MIN)]);
}

/// Every group API answers at every version ApiVersions advertises (a response
/// that some version cannot carry would close the connection instead).
#[test]
fn every_group_api_answers_at_every_advertised_version() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let group = |name: String| GroupId(StrBytes::from_string(name));
    let topic = || TopicName(StrBytes::from_static_str(TOPIC));
    for v in 0..=6 {
        let request = if v >= 4 {
            FindCoordinatorRequest::default().with_coordinator_keys(vec![StrBytes::from_static_str("g")])
        } else {
            FindCoordinatorRequest::default().with_key(StrBytes::from_static_str("g"))
        };
        let response = client.send(v, &request);
        let code = if v >= 4 { response.coordinators[0].error_code } else { response.error_code };
        assert_eq!(code, 0, "FindCoordinator v{v}");
    }
    for v in 0..=9 {
        let request = JoinGroupRequest::default()
            .with_group_id(group(format!("versions-{v}")))
            .with_session_timeout_ms(6000)
            .with_rebalance_timeout_ms(6000)
            .with_protocol_type(StrBytes::from_static_str("consumer"))
            .with_protocols(vec![JoinGroupRequestProtocol::default().with_name(StrBytes::from_static_str("range"))]);
        let response = client.send(v, &request);
        let expected = if v >= 4 { ResponseError::MemberIdRequired.code() } else { 0 };
        assert_eq!(response.error_code, expected, "JoinGroup v{v}");
    }
    for v in 0..=5 {
        let request = SyncGroupRequest::default()
            .with_group_id(group("nobody".into()))
            .with_member_id(StrBytes::from_static_str("m"));
        assert_eq!(client.send(v, &request).error_code, ResponseError::UnknownMemberId.code(), "SyncGroup v{v}");
    }
    for v in 0..=4 {
        let request = HeartbeatRequest::default()
            .with_group_id(group("nobody".into()))
            .with_member_id(StrBytes::from_static_str("m"));
        assert_eq!(client.send(v, &request).error_code, ResponseError::UnknownMemberId.code(), "Heartbeat v{v}");
    }
    for v in 0..=5 {
        let request = LeaveGroupRequest::default().with_group_id(group("versions-0".into()));
        let request = if v >= 3 {
            request.with_members(vec![
                leave_group_request::MemberIdentity::default().with_member_id(StrBytes::from_static_str("m"))
            ])
        } else {
            request.with_member_id(StrBytes::from_static_str("m"))
        };
        let response = client.send(v, &request);
        let code = if v >= 3 { response.members[0].error_code } else { response.error_code };
        assert_eq!(code, ResponseError::UnknownMemberId.code(), "LeaveGroup v{v}");
    }
    for v in 2..=9 {
        let partition =
            OffsetCommitRequestPartition::default().with_partition_index(0).with_committed_offset(i64::from(v));
        let t = OffsetCommitRequestTopic::default().with_name(topic()).with_partitions(vec![partition]);
        let request = OffsetCommitRequest::default()
            .with_group_id(group("plain".into()))
            .with_generation_id_or_member_epoch(-1)
            .with_topics(vec![t]);
        assert_eq!(client.send(v, &request).topics[0].partitions[0].error_code, 0, "OffsetCommit v{v}");
    }
    for v in 1..=9 {
        let committed = if v >= 8 {
            let t = offset_fetch_request::OffsetFetchRequestTopics::default()
                .with_name(topic())
                .with_partition_indexes(vec![0]);
            let request = OffsetFetchRequest::default().with_groups(vec![
                offset_fetch_request::OffsetFetchRequestGroup::default()
                    .with_group_id(group("plain".into()))
                    .with_topics(Some(vec![t])),
            ]);
            client.send(v, &request).groups[0].topics[0].partitions[0].committed_offset
        } else {
            let request = OffsetFetchRequest::default().with_group_id(group("plain".into())).with_topics(Some(vec![
                OffsetFetchRequestTopic::default().with_name(topic()).with_partition_indexes(vec![0]),
            ]));
            client.send(v, &request).topics[0].partitions[0].committed_offset
        };
        assert_eq!(committed, 9, "OffsetFetch v{v}");
    }
    for v in 0..=6 {
        let response = client.send(v, &DescribeGroupsRequest::default().with_groups(vec![group("plain".into())]));
        assert_eq!(response.groups[0].group_state.as_str(), "Empty", "DescribeGroups v{v}");
    }
    for v in 0..=5 {
        assert!(
            client.send(v, &ListGroupsRequest::default()).groups.iter().any(|g| g.group_id.as_str() == "plain"),
            "ListGroups v{v}"
        );
    }
    let response = client.send(
        0,
        &OffsetDeleteRequest::default().with_group_id(group("plain".into())).with_topics(vec![
            offset_delete_request::OffsetDeleteRequestTopic::default().with_name(topic()).with_partitions(vec![
                offset_delete_request::OffsetDeleteRequestPartition::default().with_partition_index(0),
            ]),
        ]),
    );
    assert_eq!((response.error_code, response.topics[0].partitions[0].error_code), (0, 0), "OffsetDelete v0");
    for v in 0..=2 {
        // versions-0..3 have a member (joined before KIP-394); versions-4.. only a pending id.
        let names = vec![group("versions-0".into()), group(format!("versions-{}", v + 4))];
        let response = client.send(v, &DeleteGroupsRequest::default().with_groups_names(names));
        let codes: Vec<i16> = response.results.iter().map(|r| r.error_code).collect();
        assert_eq!(codes, vec![ResponseError::NonEmptyGroup.code(), 0], "DeleteGroups v{v}");
    }
}

fn static_consumer(strand: &Strand, group: &str, instance: &str) -> (BaseConsumer<Rebalances>, Rebalances) {
    let rebalances = Rebalances::default();
    let consumer: BaseConsumer<Rebalances> = strand
        .client_config()
        .set("group.id", group)
        .set("group.instance.id", instance)
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "300")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create_with_context(rebalances.clone())
        .expect("consumer");
    consumer.subscribe(&[TOPIC]).unwrap();
    (consumer, rebalances)
}

/// Polls every consumer for `how_long` (they only heartbeat and rebalance when polled).
fn poll_all(consumers: &[&BaseConsumer<Rebalances>], how_long: Duration) {
    let end = Instant::now() + how_long;
    while Instant::now() < end {
        for consumer in consumers {
            let _ = consumer.poll(Duration::from_millis(20));
        }
    }
}

/// (member id, instance id) of each member, and the group's state, by DescribeGroups v5.
fn describe(client: &mut RawClient, group: &str) -> (String, Vec<(String, String)>) {
    let request = DescribeGroupsRequest::default().with_groups(vec![GroupId(StrBytes::from_string(group.into()))]);
    let described = client.send(5, &request).groups.remove(0);
    let mut members: Vec<(String, String)> = described
        .members
        .iter()
        .map(|m| (m.member_id.to_string(), m.group_instance_id.as_deref().unwrap_or_default().to_owned()))
        .collect();
    members.sort_by(|a, b| a.1.cmp(&b.1));
    (described.group_state.to_string(), members)
}

/// KIP-345: a static member that closes (librdkafka sends no LeaveGroup for it)
/// and comes back with the same group.instance.id within its session timeout
/// takes its old slot: the same partition, the same generation, and the other
/// member sees no rebalance at all.
#[test]
fn a_static_member_restarting_within_its_session_gets_its_partition_back_without_a_rebalance() {
    const STATIC_GROUP: &str = "static-group";
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let (first, first_events) = static_consumer(&strand, STATIC_GROUP, "instance-a");
    let (second, second_events) = static_consumer(&strand, STATIC_GROUP, "instance-b");
    let deadline = Instant::now() + Duration::from_secs(60);
    // Settled: both members had their callbacks, one holds the one partition,
    // and nothing changed for a while.
    loop {
        assert!(Instant::now() < deadline, "never settled: {:?} {:?}", first_events.events(), second_events.events());
        let before = (first_events.events(), second_events.events());
        poll_all(&[&first, &second], Duration::from_secs(2));
        let settled = (first_events.events(), second_events.events()) == before
            && first_events.held().zip(second_events.held()).is_some_and(|(a, b)| a + b == 1);
        if settled && describe(&mut client, STATIC_GROUP).0 == "Stable" {
            break;
        }
    }
    let (owner, owner_events, other, other_events, owner_instance) = if first_events.held() == Some(1) {
        (first, first_events, second, second_events, "instance-a")
    } else {
        (second, second_events, first, first_events, "instance-b")
    };
    let (_, members_before) = describe(&mut client, STATIC_GROUP);
    let other_seen = other_events.events();

    // Close without LeaveGroup: the broker keeps the slot.
    drop(owner);
    drop(owner_events);
    let (state, members) = describe(&mut client, STATIC_GROUP);
    assert_eq!((state.as_str(), &members), ("Stable", &members_before), "the closed static member keeps its slot");

    let (restarted, restarted_events) = static_consumer(&strand, STATIC_GROUP, owner_instance);
    while restarted_events.held() != Some(1) {
        assert!(Instant::now() < deadline, "the restarted member never got its partition back");
        poll_all(&[&restarted, &other], Duration::from_millis(200));
    }
    // Long enough for a rebalance, were there one, to reach the other member.
    poll_all(&[&restarted, &other], Duration::from_secs(3));
    assert_eq!(restarted_events.events(), vec!["assign 1".to_string()], "the partition and nothing else");
    assert_eq!(other_events.events(), other_seen, "the other member noticed no rebalance");
    let (state, members) = describe(&mut client, STATIC_GROUP);
    assert_eq!(state, "Stable");
    let instances = |m: &[(String, String)]| m.iter().map(|(_, i)| i.clone()).collect::<Vec<_>>();
    assert_eq!(instances(&members), instances(&members_before));
    let member_of = |m: &[(String, String)], instance: &str| m.iter().find(|(_, i)| i == instance).unwrap().0.clone();
    assert_ne!(member_of(&members, owner_instance), member_of(&members_before, owner_instance), "a new member id");
    let other_instance = if owner_instance == "instance-a" { "instance-b" } else { "instance-a" };
    assert_eq!(member_of(&members, other_instance), member_of(&members_before, other_instance));
}

fn offset_delete(client: &mut RawClient, group: &str) -> (i16, i16) {
    let request = OffsetDeleteRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.into())))
        .with_topics(vec![offset_delete_request::OffsetDeleteRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partitions(vec![
                offset_delete_request::OffsetDeleteRequestPartition::default().with_partition_index(0)
            ])]);
    let response = client.send(0, &request);
    (response.error_code, response.topics[0].partitions[0].error_code)
}

/// KIP-496: OffsetDelete refuses a topic the group's live members subscribe to
/// (GROUP_SUBSCRIBED_TO_TOPIC, on the partition) and keeps the offset; once the
/// member has left, the same request deletes it.
#[tokio::test]
async fn offset_delete_while_a_member_subscribes_to_the_topic_is_group_subscribed_to_topic() {
    const SUBSCRIBED_GROUP: &str = "subscribed-group";
    let strand = Strand::start();
    produce_n(&strand, 5).await;
    let mut client = RawClient::connect(&strand.addr);
    let consumer: BaseConsumer = strand
        .client_config()
        .set("group.id", SUBSCRIBED_GROUP)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("consumer");
    consumer.subscribe(&[TOPIC]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let message = loop {
        assert!(Instant::now() < deadline, "the consumer never got a message");
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            break message;
        }
    };
    consumer.commit_message(&message, CommitMode::Sync).expect("commit");
    drop(message);
    assert_eq!(fetch_committed(&mut client, SUBSCRIBED_GROUP), 1);

    assert_eq!(offset_delete(&mut client, SUBSCRIBED_GROUP), (0, ResponseError::GroupSubscribedToTopic.code()));
    assert_eq!(fetch_committed(&mut client, SUBSCRIBED_GROUP), 1, "the offset is kept");

    // A dynamic member leaves on close; the group is Empty and subscribes to nothing.
    drop(consumer);
    assert_eq!(describe(&mut client, SUBSCRIBED_GROUP).0, "Empty");
    assert_eq!(offset_delete(&mut client, SUBSCRIBED_GROUP), (0, 0));
    assert_eq!(fetch_committed(&mut client, SUBSCRIBED_GROUP), -1);
}
