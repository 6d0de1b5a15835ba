//! DeleteTopics (key 20), v1-v6 (v6 names topics by name or by id, KIP-516).
//!
//! A deleted topic is gone from Metadata and every other request at once; its
//! files are renamed to Kafka's `-delete` form and removed in the background
//! (see `topics`), every group's committed offsets on it are removed, and a
//! fetch long-polling on it ends with UNKNOWN_TOPIC_OR_PARTITION. An unknown
//! name is UNKNOWN_TOPIC_OR_PARTITION, an unknown id UNKNOWN_TOPIC_ID, a topic
//! given twice INVALID_REQUEST, as Kafka answers. A topic's partitions are
//! taken from the client's controller mutation quota (KIP-599;
//! `throttle::Mutations`), which from v5 refuses it with
//! THROTTLING_QUOTA_EXCEEDED once used up.

use std::collections::HashSet;

use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};
use uuid::Uuid;

use super::throttle::Mutations;
use super::{resolve, Error, TopicRef};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DeleteTopicsRequest as Message>::VERSIONS;

pub async fn handle(
    broker: &Broker,
    mutations: &mut Mutations<'_>,
    version: i16,
    request: DeleteTopicsRequest,
) -> DeleteTopicsResponse {
    // Before v6 the names come as a plain list; from v6 as (name or id) pairs.
    let asked: Vec<(Option<TopicName>, Uuid)> = if version >= 6 {
        request.topics.into_iter().map(|t| (t.name, t.topic_id)).collect()
    } else {
        request.topic_names.into_iter().map(|name| (Some(name), Uuid::nil())).collect()
    };
    // A name or an id given twice gets one INVALID_REQUEST result, after the
    // others (Kafka shuffles its answers; clients match them by name or id).
    let mut seen_names = HashSet::new();
    let mut seen_ids = HashSet::new();
    let (mut duplicate_names, mut duplicate_ids) = (Vec::new(), Vec::new());
    for (name, id) in &asked {
        match name {
            Some(name) if id.is_nil() && !seen_names.insert(name) && !duplicate_names.contains(name) => {
                duplicate_names.push(name.clone());
            }
            None if !id.is_nil() && !seen_ids.insert(*id) && !duplicate_ids.contains(id) => duplicate_ids.push(*id),
            _ => {}
        }
    }
    let duplicate = |name: &Option<TopicName>, id: &Uuid| match name {
        Some(name) => id.is_nil() && duplicate_names.contains(name),
        None => duplicate_ids.contains(id),
    };
    let mut responses = Vec::with_capacity(asked.len());
    for (name, id) in asked.iter().filter(|(name, id)| !duplicate(name, id)) {
        let response = DeletableTopicResult::default().with_name(name.clone()).with_topic_id(*id);
        responses.push(match delete(broker, mutations, name.as_ref().map(|n| n.as_str()), *id).await {
            Ok((name, id)) => response.with_name(Some(TopicName(StrBytes::from_string(name)))).with_topic_id(id),
            Err(error) => refused(response, error),
        });
    }
    for name in duplicate_names {
        let error = Error::DuplicateTopic("Duplicate topic name.".into());
        responses.push(refused(DeletableTopicResult::default().with_name(Some(name)), error));
    }
    for id in duplicate_ids {
        let error = Error::DuplicateTopic("Duplicate topic id.".into());
        responses.push(refused(DeletableTopicResult::default().with_name(None).with_topic_id(id), error));
    }
    DeleteTopicsResponse::default().with_responses(responses)
}

fn refused(response: DeletableTopicResult, error: Error) -> DeletableTopicResult {
    response.with_error_code(error.code()).with_error_message(Some(StrBytes::from_string(error.to_string())))
}

/// Deletes the topic named by `name` or else by `id`: its name and id.
async fn delete(
    broker: &Broker,
    mutations: &mut Mutations<'_>,
    name: Option<&str>,
    id: Uuid,
) -> Result<(String, Uuid), Error> {
    let reference = match name {
        Some(name) if id.is_nil() => TopicRef::Name(name),
        None if !id.is_nil() => TopicRef::Id(id),
        None => return Err(Error::InvalidRequest("Neither topic name nor id were specified.".into())),
        Some(_) => return Err(Error::InvalidRequest("You may not specify both topic name and topic id.".into())),
    };
    let resolved = resolve(broker, reference);
    let topic = resolved.check()?;
    mutations.apply(topic.partition_count())?;
    broker.topics.delete(topic)?;
    tracing::info!(topic = %topic.name, id = %topic.id, "deleted topic");
    if let Err(e) = broker.groups.remove_topic_offsets(&topic.name).await {
        // The topic is gone either way; offsets left behind name a topic that no longer exists.
        tracing::error!(topic = %topic.name, error = %e, "could not remove the deleted topic's committed offsets");
    }
    Ok((topic.name.clone(), topic.id))
}
