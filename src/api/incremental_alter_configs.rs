//! IncrementalAlterConfigs (key 44), v0-v1 (KIP-339): changes to single configs,
//! each SET, DELETE, APPEND or SUBTRACT, the rest left as they are.
//!
//! TOPIC: the changes are made to the topic's overrides in order
//! (`Overrides::changed`: APPEND and SUBTRACT only on list configs, starting
//! from the default when the topic has no value), the result is checked as
//! CreateTopics checks configs (INVALID_CONFIG), persisted and applied to every
//! partition at once; `validate_only` checks and changes nothing. DELETE of a
//! config the topic does not set, or of a name Kafka does not know, succeeds, as
//! on Kafka. BROKER and BROKER_LOGGER: strand changes neither its settings nor
//! its log level at run time, so anything asked is refused as Kafka refuses a
//! read-only broker config. Each resource's checks, codes and messages are
//! Kafka 4.4's, checked against the reference broker, down to an unknown
//! operation code, which Kafka answers UNKNOWN_SERVER_ERROR with no message.

use std::collections::HashMap;

use kafka_protocol::messages::incremental_alter_configs_request::AlterConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::alter_configs::{check_node, check_topic, message, null_value, refuse_broker, refuse_changes};
use super::authorize::{authorize, Operation, Resource};
use super::describe_configs::{BROKER, BROKER_LOGGER, TOPIC};
use super::{Error, RequestContext};
use crate::broker::Broker;
use crate::topics::config::Change;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <IncrementalAlterConfigsRequest as Message>::VERSIONS;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: IncrementalAlterConfigsRequest,
) -> IncrementalAlterConfigsResponse {
    let mut times: HashMap<(i8, &str), usize> = HashMap::new();
    for resource in &request.resources {
        *times.entry((resource.resource_type, resource.resource_name.as_str())).or_default() += 1;
    }
    let responses = request
        .resources
        .iter()
        .map(|resource| {
            let result = if times[&(resource.resource_type, resource.resource_name.as_str())] > 1 {
                Err(Error::InvalidRequest("Each resource must appear at most once.".into()))
            } else {
                alter(broker, ctx, resource, request.validate_only)
            };
            let response = AlterConfigsResourceResponse::default()
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name.clone());
            match result {
                // Kafka's success carries no message: null, not the empty string.
                Ok(()) => response.with_error_message(None),
                Err(error) => {
                    tracing::debug!(resource = %resource.resource_name.as_str(), %error, "alter configs refused");
                    response.with_error_code(error.code()).with_error_message(message(&error))
                }
            }
        })
        .collect();
    IncrementalAlterConfigsResponse::default().with_responses(responses)
}

fn alter(
    broker: &Broker,
    ctx: &RequestContext,
    resource: &AlterConfigsResource,
    validate_only: bool,
) -> Result<(), Error> {
    let name = resource.resource_name.as_str();
    let names = resource.configs.iter().map(|c| c.name.as_str());
    match resource.resource_type {
        TOPIC => {
            let topic = check_topic(broker, ctx, name, names)?;
            let mut changes = Vec::with_capacity(resource.configs.len());
            for config in &resource.configs {
                let name = config.name.as_str();
                let value = config.value.as_deref();
                let change = match (config.config_operation, value) {
                    (1, _) => Change::Delete,
                    (0 | 2 | 3, None) => return Err(null_value(name)),
                    (0, Some(value)) => Change::Set(value),
                    (2, Some(value)) => Change::Append(value),
                    (3, Some(value)) => Change::Subtract(value),
                    (other, _) => return Err(Error::UnknownConfigOperation(other)),
                };
                changes.push((name, change));
            }
            // The configs file is fsynced: off the async worker.
            let altered = tokio::task::block_in_place(|| {
                broker.topics.alter_overrides(&topic, validate_only, |current| current.changed(&changes))
            });
            Ok(altered?)
        }
        BROKER => refuse_broker(
            broker,
            ctx,
            name,
            resource.configs.iter().map(|c| (c.name.as_str(), c.config_operation != 1)),
        ),
        BROKER_LOGGER => {
            authorize(ctx, Operation::AlterConfigs, Resource::Cluster)?;
            if name.is_empty() {
                return Err(Error::InvalidRequest("Broker id must not be empty".into()));
            }
            check_node(broker, name, "Unexpected node id. Expected {id}, but received {name}")?;
            // strand has no dynamic log levels: every operation on a logger is a change it refuses.
            refuse_changes(names.map(|logger| (logger, true)))
        }
        other => Err(Error::InvalidRequest(format!("Unknown resource type {other}"))),
    }
}
