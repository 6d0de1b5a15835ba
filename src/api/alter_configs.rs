//! AlterConfigs (key 33), v0-v2: Kafka's legacy alter, which replaces a
//! resource's whole set of dynamic configs with the ones given.
//!
//! TOPIC: the configs given become the topic's overrides, every one it had
//! before and not given is dropped, checked as CreateTopics checks them
//! (INVALID_CONFIG), then persisted and applied to every partition at once
//! (`Topics::set_overrides`); `validate_only` checks and changes nothing. BROKER:
//! strand changes no broker setting at run time, so anything asked is refused as
//! Kafka refuses a read-only broker config (INVALID_REQUEST, "Cannot update these
//! configs dynamically"). Kafka's legacy API takes no BROKER_LOGGER. The checks,
//! codes and messages are Kafka 4.4's (checked against the reference broker);
//! a resource named twice makes Kafka drop the connection, and strand too.

use std::collections::HashSet;

use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{AlterConfigsRequest, AlterConfigsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::describe_configs::{BROKER, TOPIC};
use super::{Error, RequestContext};
use crate::broker::Broker;
use crate::topics::config::Overrides;
use crate::topics::{self, Topic};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <AlterConfigsRequest as Message>::VERSIONS;

/// The answer, or the reason the connection is closed instead.
pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: AlterConfigsRequest,
) -> Result<AlterConfigsResponse, String> {
    let mut seen = HashSet::new();
    if !request.resources.iter().all(|r| seen.insert((r.resource_type, r.resource_name.as_str()))) {
        return Err("AlterConfigs names a resource twice".into());
    }
    let responses = request
        .resources
        .iter()
        .map(|resource| {
            let name = resource.resource_name.as_str();
            let configs: Vec<(&str, Option<&str>)> =
                resource.configs.iter().map(|c| (c.name.as_str(), c.value.as_deref())).collect();
            let result = match resource.resource_type {
                TOPIC => alter_topic(broker, ctx, name, &configs, request.validate_only),
                BROKER => refuse_broker(broker, ctx, name, configs.iter().map(|(name, _)| (*name, true))),
                other => Err(Error::InvalidRequest(format!("Unknown resource type {other}"))),
            };
            response(resource.resource_type, &resource.resource_name, result)
        })
        .collect();
    Ok(AlterConfigsResponse::default().with_responses(responses))
}

fn alter_topic(
    broker: &Broker,
    ctx: &RequestContext,
    name: &str,
    configs: &[(&str, Option<&str>)],
    validate_only: bool,
) -> Result<(), Error> {
    let topic = check_topic(broker, ctx, name, configs.iter().map(|(name, _)| *name))?;
    let mut pairs = Vec::with_capacity(configs.len());
    for &(config, value) in configs {
        pairs.push((config, value.ok_or_else(|| null_value(config))?));
    }
    // The configs file is fsynced: off the async worker.
    let altered = tokio::task::block_in_place(|| {
        broker.topics.alter_overrides(&topic, validate_only, |_| Overrides::replaced(pairs))
    });
    Ok(altered?)
}

/// The checks both alter APIs make of a topic resource, in Kafka's order, and
/// the topic they name.
pub fn check_topic<'a>(
    broker: &Broker,
    ctx: &RequestContext,
    name: &str,
    configs: impl Iterator<Item = &'a str>,
) -> Result<std::sync::Arc<Topic>, Error> {
    if name.is_empty() {
        return Err(Error::InvalidRequest("Default topic resources are not allowed.".into()));
    }
    authorize(ctx, Operation::AlterConfigs, Resource::Topic(name))?;
    check_no_duplicates(configs)?;
    topics::name::validate(name).map_err(topics::Error::InvalidName)?;
    broker.topics.get(name).ok_or_else(|| Error::TopicNotFound(name.to_owned()))
}

fn check_no_duplicates<'a>(configs: impl Iterator<Item = &'a str>) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for config in configs {
        if !seen.insert(config) {
            return Err(Error::InvalidRequest("Error due to duplicate config keys".into()));
        }
    }
    Ok(())
}

pub fn null_value(config: &str) -> Error {
    Error::InvalidRequest(format!("Null value not supported for : {config}"))
}

/// A BROKER resource: this node's id or "" (the cluster-wide defaults) may be
/// asked, but strand changes no broker config at run time.
pub fn refuse_broker<'a>(
    broker: &Broker,
    ctx: &RequestContext,
    name: &str,
    configs: impl Iterator<Item = (&'a str, bool)>,
) -> Result<(), Error> {
    authorize(ctx, Operation::AlterConfigs, Resource::Cluster)?;
    check_node(broker, name, "Unexpected broker id, expected {id}, but received {name}")?;
    // Deleting a dynamic config strand never has changes nothing, and Kafka
    // accepts it: `kafka-reassign-partitions --verify` clears its throttles so.
    refuse_changes(configs)
}

/// Configs strand cannot change at run time, each named with whether the
/// request changes it: Kafka's duplicate check, then its read-only refusal
/// naming every config changed, if any is.
pub fn refuse_changes<'a>(configs: impl Iterator<Item = (&'a str, bool)>) -> Result<(), Error> {
    let configs: Vec<(&str, bool)> = configs.collect();
    check_no_duplicates(configs.iter().map(|(name, _)| *name))?;
    let changed: Vec<&str> = configs.iter().filter(|(_, changes)| *changes).map(|(name, _)| *name).collect();
    if changed.is_empty() {
        return Ok(());
    }
    Err(Error::InvalidRequest(format!("Cannot update these configs dynamically: [{}]", changed.join(", "))))
}

/// Ok for "" and this node's id; `mismatch` is Kafka's message for another id,
/// with `{id}` and `{name}` filled in.
pub fn check_node(broker: &Broker, name: &str, mismatch: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Ok(());
    }
    let id: i32 =
        name.parse().map_err(|_| Error::InvalidRequest(format!("Node id must be an integer, but it is: {name}")))?;
    if id != broker.node_id() {
        let message = mismatch.replace("{id}", &broker.node_id().to_string()).replace("{name}", name);
        return Err(Error::InvalidRequest(message));
    }
    Ok(())
}

fn response(resource_type: i8, name: &StrBytes, result: Result<(), Error>) -> AlterConfigsResourceResponse {
    let response =
        AlterConfigsResourceResponse::default().with_resource_type(resource_type).with_resource_name(name.clone());
    match result {
        // Kafka's success carries no message: null, not the empty string.
        Ok(()) => response.with_error_message(None),
        Err(error) => {
            tracing::debug!(resource = %name.as_str(), %error, "alter configs refused");
            response.with_error_code(error.code()).with_error_message(message(&error))
        }
    }
}

/// The message Kafka sends with `error`: none for an operation it does not know.
pub fn message(error: &Error) -> Option<StrBytes> {
    match error {
        Error::UnknownConfigOperation(_) => None,
        error => Some(StrBytes::from_string(error.to_string())),
    }
}
