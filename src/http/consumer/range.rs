//! The consumer protocol a REST consumer speaks in its group, and Kafka's
//! `RangeAssignor`, which it runs when the group elects it leader.
//!
//! A classic "consumer" group member sends its subscription as JoinGroup
//! metadata (`ConsumerProtocolSubscription`, prefixed by its version as an
//! i16) and receives its partitions from the leader through SyncGroup
//! (`ConsumerProtocolAssignment`, same framing). The coordinator never looks
//! inside: whichever member leads computes everyone's assignment. A REST
//! consumer offers only the `range` protocol; Java consumers (`range,
//! cooperative-sticky` by default) and librdkafka (`range,roundrobin`) offer
//! it too, so a group mixing them agrees on `range`.
//!
//! RangeAssignor, per topic: the members subscribed to it, sorted by member id
//! (Kafka sorts by group.instance.id first when set; REST members have none),
//! and the topic's partitions in order; each member gets `partitions /
//! members` consecutive partitions, the first `partitions % members` members
//! one more. Rack awareness (KIP-881) is not done: every member is on the one
//! broker's rack.

use std::collections::{BTreeMap, BTreeSet};

use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription, TopicName};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

/// The assignor's name in JoinGroup, as Kafka's RangeAssignor calls itself.
pub const PROTOCOL: &str = "range";
/// The newest consumer protocol version this reader knows; newer ones are read
/// as this one, as Kafka's `ConsumerProtocol` does (fields are only ever added).
const MAX_VERSION: i16 = 3;

/// Partitions by topic, each list sorted.
pub type Assignment = BTreeMap<String, Vec<i32>>;

/// `topics` (valid Kafka topic names, at most 249 characters) as JoinGroup
/// metadata: version 0, no user data.
pub fn encode_subscription(topics: &[String]) -> Bytes {
    let subscription = ConsumerProtocolSubscription::default()
        .with_topics(topics.iter().map(|t| StrBytes::from_string(t.clone())).collect());
    let mut out = BytesMut::new();
    out.extend_from_slice(&0i16.to_be_bytes());
    subscription.encode(&mut out, 0).expect("valid topic names fit a version 0 subscription");
    out.freeze()
}

/// The topics a member's JoinGroup metadata subscribes to; `None` when it does not parse.
pub fn decode_subscription(metadata: &[u8]) -> Option<Vec<String>> {
    let mut buf = Bytes::copy_from_slice(metadata);
    if buf.len() < 2 {
        return None;
    }
    let version = buf.get_i16().clamp(0, MAX_VERSION);
    let subscription = ConsumerProtocolSubscription::decode(&mut buf, version).ok()?;
    Some(subscription.topics.iter().map(|t| t.to_string()).collect())
}

/// One member's assignment (of existing topics, so valid names) as SyncGroup
/// carries it: version 0, no user data.
pub fn encode_assignment(assignment: &Assignment) -> Bytes {
    let assigned = assignment
        .iter()
        .map(|(topic, partitions)| {
            AssignedTopic::default()
                .with_topic(TopicName(StrBytes::from_string(topic.clone())))
                .with_partitions(partitions.clone())
        })
        .collect();
    let mut out = BytesMut::new();
    out.extend_from_slice(&0i16.to_be_bytes());
    ConsumerProtocolAssignment::default()
        .with_assigned_partitions(assigned)
        .encode(&mut out, 0)
        .expect("existing topic names fit a version 0 assignment");
    out.freeze()
}

/// The partitions SyncGroup handed this member. An empty answer (a leader that
/// gave it nothing, or a group in error) is no partitions; bytes that do not
/// parse are `None`.
pub fn decode_assignment(bytes: &[u8]) -> Option<Assignment> {
    if bytes.is_empty() {
        return Some(Assignment::new());
    }
    let mut buf = Bytes::copy_from_slice(bytes);
    if buf.len() < 2 {
        return None;
    }
    let version = buf.get_i16().clamp(0, MAX_VERSION);
    let assignment = ConsumerProtocolAssignment::decode(&mut buf, version).ok()?;
    let mut out = Assignment::new();
    for topic in assignment.assigned_partitions {
        let partitions = out.entry(topic.topic.0.to_string()).or_default();
        partitions.extend(topic.partitions);
        partitions.sort_unstable();
        partitions.dedup();
    }
    Some(out)
}

/// Kafka's RangeAssignor: `subscriptions` is each member's id and topics,
/// `partition_count` a topic's partition count (`None`: no such topic, which
/// nobody gets). Every member gets an entry, possibly empty.
pub fn assign(
    subscriptions: &[(String, Vec<String>)],
    partition_count: impl Fn(&str) -> Option<usize>,
) -> BTreeMap<String, Assignment> {
    let mut result: BTreeMap<String, Assignment> =
        subscriptions.iter().map(|(member, _)| (member.clone(), Assignment::new())).collect();
    let mut members_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (member, topics) in subscriptions {
        for topic in topics {
            members_of.entry(topic.as_str()).or_default().insert(member.as_str());
        }
    }
    for (topic, members) in members_of {
        let Some(count) = partition_count(topic) else { continue };
        let per_member = count / members.len();
        let extra = count % members.len();
        for (i, member) in members.into_iter().enumerate() {
            let start = per_member * i + i.min(extra);
            let length = per_member + usize::from(i < extra);
            if length == 0 {
                continue;
            }
            let partitions = (start..start + length).map(|p| p as i32).collect();
            result.get_mut(member).expect("every subscriber has an entry").insert(topic.to_owned(), partitions);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        list.iter().map(|(m, ts)| (m.to_string(), ts.iter().map(|t| t.to_string()).collect())).collect()
    }

    fn counts(topic: &str) -> Option<usize> {
        match topic {
            "t0" => Some(3),
            "t1" => Some(3),
            "two" => Some(2),
            "one" => Some(1),
            _ => None,
        }
    }

    #[test]
    fn range_gives_the_first_members_by_id_one_more_partition_per_topic() {
        // Kafka's RangeAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
        let result = assign(&subs(&[("consumer2", &["t0", "t1"]), ("consumer1", &["t0", "t1"])]), counts);
        assert_eq!(result["consumer1"], BTreeMap::from([("t0".into(), vec![0, 1]), ("t1".into(), vec![0, 1])]));
        assert_eq!(result["consumer2"], BTreeMap::from([("t0".into(), vec![2]), ("t1".into(), vec![2])]));
    }

    #[test]
    fn range_splits_two_partitions_between_two_members_and_leaves_a_third_without() {
        let result = assign(&subs(&[("b", &["two"]), ("a", &["two"]), ("c", &["two"])]), counts);
        assert_eq!(result["a"], BTreeMap::from([("two".into(), vec![0])]));
        assert_eq!(result["b"], BTreeMap::from([("two".into(), vec![1])]));
        assert_eq!(result["c"], Assignment::new());
    }

    #[test]
    fn range_assigns_each_topic_only_among_its_subscribers_and_skips_unknown_topics() {
        let result = assign(&subs(&[("a", &["one", "missing"]), ("b", &["two", "one"])]), counts);
        assert_eq!(result["a"], BTreeMap::from([("one".into(), vec![0])]));
        assert_eq!(result["b"], BTreeMap::from([("two".into(), vec![0, 1])]));
    }

    #[test]
    fn subscriptions_and_assignments_round_trip_through_the_consumer_protocol() {
        let topics = vec!["events".to_string(), "two".to_string()];
        assert_eq!(decode_subscription(&encode_subscription(&topics)), Some(topics));
        let assignment = BTreeMap::from([("two".to_string(), vec![0, 1]), ("events".to_string(), vec![0])]);
        assert_eq!(decode_assignment(&encode_assignment(&assignment)), Some(assignment));
        assert_eq!(decode_assignment(b""), Some(Assignment::new()));
        assert_eq!(decode_assignment(b"\x00"), None);
        assert_eq!(decode_subscription(b"\x00\x00\x00\x05ab"), None);
    }

    #[test]
    fn a_version_3_subscription_as_newer_clients_send_it_is_read() {
        let subscription = ConsumerProtocolSubscription::default()
            .with_topics(vec![StrBytes::from_static_str("two")])
            .with_generation_id(4)
            .with_rack_id(Some(StrBytes::from_static_str("r1")));
        let mut out = BytesMut::new();
        out.extend_from_slice(&3i16.to_be_bytes());
        subscription.encode(&mut out, 3).unwrap();
        assert_eq!(decode_subscription(&out), Some(vec!["two".to_string()]));
    }
}
