//! CreateTopics (key 19), v2-v7.
//!
//! strand serves exactly one topic, created with the broker. Asking for it again
//! is TOPIC_ALREADY_EXISTS, as Kafka answers; any other name is POLICY_VIOLATION
//! with a message that says why, the code Kafka gives when a create-topic policy
//! refuses a topic. Admin tools that "create if missing" therefore work unchanged.

use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::Error;
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <CreateTopicsRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, _version: i16, request: CreateTopicsRequest) -> CreateTopicsResponse {
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let error = if topic.name.as_str() == broker.topic() {
                Error::TopicAlreadyExists(topic.name.to_string())
            } else {
                Error::PolicyViolation(format!(
                    "strand serves exactly one topic ('{}'); it cannot create '{}'",
                    broker.topic(),
                    topic.name.as_str()
                ))
            };
            CreatableTopicResult::default()
                .with_name(topic.name)
                .with_error_code(error.code())
                .with_error_message(Some(StrBytes::from_string(error.to_string())))
        })
        .collect();
    CreateTopicsResponse::default().with_topics(topics)
}
