//! Metadata (key 3), v0-v13.
//!
//! One broker (this one, at its advertised address), which is also the controller,
//! and one topic with one partition it leads, identified by the stable topic id
//! kept in the data dir (KIP-516). Other topics are UNKNOWN_TOPIC_OR_PARTITION
//! (UNKNOWN_TOPIC_ID when asked by id); topics are never auto-created, whatever
//! `allow_auto_topic_creation` says. No authorizer: authorized-operation fields
//! keep Kafka's "not requested" value.

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::{resolve_topic, Error, TopicRef};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <MetadataRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, version: i16, request: MetadataRequest) -> MetadataResponse {
    let node = BrokerId(broker.node_id());
    let topics = match request.topics {
        // v0 has no null: an empty list there means "all topics".
        None => vec![our_topic(broker, node)],
        Some(list) if list.is_empty() && version == 0 => vec![our_topic(broker, node)],
        Some(list) => list
            .into_iter()
            .map(|requested| {
                let reference = match &requested.name {
                    Some(name) => TopicRef::Name(name.as_str()),
                    None => TopicRef::Id(requested.topic_id),
                };
                match resolve_topic(broker, reference) {
                    Ok(()) => our_topic(broker, node),
                    Err(error) => unknown_topic(requested.name, requested.topic_id, error),
                }
            })
            .collect(),
    };
    MetadataResponse::default()
        .with_brokers(vec![MetadataResponseBroker::default()
            .with_node_id(node)
            .with_host(StrBytes::from_string(broker.advertised_host.clone()))
            .with_port(broker.advertised_port)])
        .with_cluster_id(Some(StrBytes::from_string(broker.cluster_id.clone())))
        .with_controller_id(node)
        .with_topics(topics)
}

fn our_topic(broker: &Broker, node: BrokerId) -> MetadataResponseTopic {
    let partition = MetadataResponsePartition::default()
        .with_partition_index(0)
        .with_leader_id(node)
        .with_leader_epoch(0)
        .with_replica_nodes(vec![node])
        .with_isr_nodes(vec![node]);
    MetadataResponseTopic::default()
        .with_name(Some(TopicName(StrBytes::from_string(broker.topic().to_owned()))))
        .with_topic_id(broker.topic_id)
        .with_partitions(vec![partition])
}

fn unknown_topic(name: Option<TopicName>, topic_id: uuid::Uuid, error: Error) -> MetadataResponseTopic {
    MetadataResponseTopic::default().with_error_code(error.code()).with_name(name).with_topic_id(topic_id)
}
