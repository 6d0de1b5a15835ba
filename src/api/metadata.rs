//! Metadata (key 3), v0-v13.
//!
//! One broker (this one, at its advertised address), which is also the controller
//! and the leader of every partition, with itself as the only replica and ISR
//! and leader epoch 0 (`log::leader_epoch`), the epoch stamped into every batch.
//! Topics carry the stable ids kept in the data dir (KIP-516).
//! A null topic list (an empty one in v0) means every topic.
//!
//! A topic that does not exist is UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID
//! when asked by id), and INVALID_TOPIC_EXCEPTION when its name is not a legal
//! one, as Kafka answers. With `auto_create_topics` on and the request allowing
//! it, a missing topic is created with `num_partitions` partitions; Kafka 4.4's
//! controller creates it asynchronously and first answers
//! UNKNOWN_TOPIC_OR_PARTITION (a retriable error; the topic appears some 100 ms
//! later), strand creates it before answering and returns it whole, which
//! clients accept either way. Names are answered once each, the topics found
//! before the others, as Kafka does. Authorized operations (v8+), when asked
//! for, are every operation, as Kafka answers without an authorizer
//! (`authorized_operations`).

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorized_operations::{self as operations, when};
use super::{resolve, resolve_or_create, Error, TopicRef};
use crate::broker::Broker;
use crate::log::leader_epoch::LEADER_EPOCH;
use crate::topics::{self, Topic};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <MetadataRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, version: i16, request: MetadataRequest) -> MetadataResponse {
    let node = BrokerId(broker.node_id());
    let all = || broker.topics.all().iter().map(|t| describe(t, node)).collect();
    let topics: Vec<MetadataResponseTopic> = match request.topics {
        // v0 has no null: an empty list there means "all topics".
        None => all(),
        Some(list) if list.is_empty() && version == 0 => all(),
        Some(list) => {
            // Kafka reads the names as a set (a name asked twice is answered once)
            // and answers the topics it has before the ones it has not.
            let mut seen = std::collections::HashSet::new();
            let (mut known, unknown): (Vec<_>, Vec<_>) = list
                .into_iter()
                .filter(|requested| seen.insert((requested.name.clone(), requested.topic_id)))
                .map(|requested| {
                    // By id (v10+) when the name is null, or empty as some clients send it.
                    let by_name = requested.name.as_ref().filter(|n| !n.is_empty() || requested.topic_id.is_nil());
                    let found = match by_name {
                        Some(name) => {
                            let reference = TopicRef::Name(name.as_str());
                            match topics::name::validate(name.as_str()) {
                                Err(reason) => Err(topics::Error::InvalidName(reason).into()),
                                Ok(()) if request.allow_auto_topic_creation => {
                                    resolve_or_create(broker, reference).and_then(|r| r.check().cloned())
                                }
                                Ok(()) => resolve(broker, reference).check().cloned(),
                            }
                        }
                        None => resolve(broker, TopicRef::Id(requested.topic_id)).check().cloned(),
                    };
                    match found {
                        Ok(topic) => Ok(describe(&topic, node)),
                        Err(error) => Err(unknown_topic(requested.name, requested.topic_id, error)),
                    }
                })
                .partition(Result::is_ok);
            known.extend(unknown);
            known.into_iter().map(|(Ok(topic) | Err(topic))| topic).collect()
        }
    };
    // Kafka answers them for every topic named in the answer, unknown or
    // invalid names included, and not for an unknown topic id.
    let topic_operations = when(request.include_topic_authorized_operations, operations::TOPIC);
    let topics = topics
        .into_iter()
        .map(|t| {
            let named = t.name.is_some();
            t.with_topic_authorized_operations(if named { topic_operations } else { operations::NOT_REQUESTED })
        })
        .collect();
    MetadataResponse::default()
        .with_brokers(vec![MetadataResponseBroker::default()
            .with_node_id(node)
            .with_host(StrBytes::from_string(broker.advertised_host.clone()))
            .with_port(broker.advertised_port)])
        .with_cluster_id(Some(StrBytes::from_string(broker.cluster_id.clone())))
        .with_controller_id(node)
        .with_cluster_authorized_operations(when(request.include_cluster_authorized_operations, operations::CLUSTER))
        .with_topics(topics)
}

fn describe(topic: &Topic, node: BrokerId) -> MetadataResponseTopic {
    let partitions = (0..topic.partition_count() as i32)
        .map(|index| {
            MetadataResponsePartition::default()
                .with_partition_index(index)
                .with_leader_id(node)
                .with_leader_epoch(LEADER_EPOCH)
                .with_replica_nodes(vec![node])
                .with_isr_nodes(vec![node])
        })
        .collect();
    MetadataResponseTopic::default()
        .with_name(Some(TopicName(StrBytes::from_string(topic.name.clone()))))
        .with_topic_id(topic.id)
        .with_partitions(partitions)
}

fn unknown_topic(name: Option<TopicName>, topic_id: uuid::Uuid, error: Error) -> MetadataResponseTopic {
    MetadataResponseTopic::default().with_error_code(error.code()).with_name(name).with_topic_id(topic_id)
}
