//! DescribeConfigs (key 32), v1-v4: a topic's configs, the broker's, the
//! cluster-wide broker defaults, and the broker's loggers, as Kafka 4.4 answers
//! them (checked against the reference broker, codes and messages included).
//!
//! - TOPIC: every topic config (`topics::config::describe`): the topic's own
//!   value (DYNAMIC_TOPIC_CONFIG), else the broker's (STATIC_BROKER_CONFIG when a
//!   flag, env var or the config file gave it, DEFAULT_CONFIG when not), with
//!   Kafka's synonyms when asked. An illegal name is INVALID_TOPIC_EXCEPTION, a
//!   topic that does not exist UNKNOWN_TOPIC_OR_PARTITION.
//! - BROKER: this node's id lists strand's settings under Kafka's names
//!   (`config::kafka`), all read-only (strand changes none at run time); the
//!   empty name, Kafka's cluster-wide dynamic defaults, lists nothing, since
//!   strand has none. Another id, or a name that is not a number, is
//!   INVALID_REQUEST with Kafka's message.
//! - BROKER_LOGGER: strand has no per-logger levels, so it lists its one level
//!   as the `root` logger.
//! - Any other type (client metrics and group configs included, which strand
//!   does not have) is INVALID_REQUEST.
//!
//! `configuration_keys` keeps only the names asked for (null or empty: all);
//! unknown names are left out, not refused, as Kafka does. `config_type` and,
//! when asked, `documentation` are filled from v3.

use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;
use crate::config::kafka::{self, ConfigSource};
use crate::topics::{self, config};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeConfigsRequest as Message>::VERSIONS;

/// Kafka's `ConfigResource.Type` codes.
pub const TOPIC: i8 = 2;
pub const BROKER: i8 = 4;
pub const BROKER_LOGGER: i8 = 8;

/// Kafka's INVALID_REQUEST default message, which it gives for a resource type it
/// cannot describe.
const MALFORMED: &str = "This most likely occurs because of a request being malformed by the client library or the \
                         message was sent to an incompatible broker. See the broker logs for more details.";

/// One config in the answer, whatever the resource.
struct Entry {
    name: String,
    value: Option<String>,
    source: ConfigSource,
    read_only: bool,
    sensitive: bool,
    /// Kafka's type code; 0 (UNKNOWN) for loggers.
    kind: i8,
    synonyms: Vec<(String, Option<String>, ConfigSource)>,
    /// None: documentation only when asked. Kafka sends a logger's (empty) one always.
    doc: Option<&'static str>,
}

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    version: i16,
    request: DescribeConfigsRequest,
) -> DescribeConfigsResponse {
    let results = request
        .resources
        .iter()
        .map(|resource| {
            let result = DescribeConfigsResult::default()
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name.clone());
            match describe(broker, ctx, resource) {
                Ok(entries) => {
                    let keys = resource.configuration_keys.as_deref().filter(|keys| !keys.is_empty());
                    let configs = entries
                        .into_iter()
                        .filter(|e| keys.is_none_or(|keys| keys.iter().any(|k| k.as_str() == e.name)))
                        .map(|e| encode(e, version, request.include_synonyms, request.include_documentation))
                        .collect();
                    result.with_error_message(Some(StrBytes::from_static_str(""))).with_configs(configs)
                }
                Err(error) => {
                    tracing::debug!(resource = %resource.resource_name.as_str(), %error, "describe configs refused");
                    // Kafka gives an unknown topic no message: the empty string.
                    let message = match error {
                        Error::UnknownTopicOrPartition => String::new(),
                        ref error => error.to_string(),
                    };
                    result.with_error_code(error.code()).with_error_message(Some(StrBytes::from_string(message)))
                }
            }
        })
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}

fn describe(broker: &Broker, ctx: &RequestContext, resource: &DescribeConfigsResource) -> Result<Vec<Entry>, Error> {
    let name = resource.resource_name.as_str();
    match resource.resource_type {
        TOPIC => {
            authorize(ctx, Operation::DescribeConfigs, Resource::Topic(name))?;
            topics::name::validate(name).map_err(topics::Error::InvalidName)?;
            let topic = broker.topics.get(name).ok_or(Error::UnknownTopicOrPartition)?;
            let brokers = kafka::broker_configs(&broker.config);
            Ok(config::describe(&topic.overrides(), &broker.config, &brokers)
                .into_iter()
                .map(|d| Entry {
                    name: d.name.to_owned(),
                    value: d.value,
                    source: d.source,
                    read_only: false,
                    sensitive: false,
                    kind: d.kind.code(),
                    synonyms: d.synonyms.into_iter().map(|s| (s.name.to_owned(), s.value, s.source)).collect(),
                    doc: Some(d.doc),
                })
                .collect())
        }
        BROKER => {
            authorize(ctx, Operation::DescribeConfigs, Resource::Cluster)?;
            if name.is_empty() {
                // Cluster-wide dynamic defaults: strand has none.
                return Ok(Vec::new());
            }
            let id: i32 = name
                .parse()
                .map_err(|_| Error::InvalidRequest(format!("Broker id must be an integer, but it is: {name}")))?;
            if id != broker.node_id() {
                return Err(Error::InvalidRequest(format!(
                    "Unexpected broker id, expected {} or empty string, but received {name}",
                    broker.node_id()
                )));
            }
            let configs = kafka::broker_configs(&broker.config);
            Ok(configs
                .iter()
                .map(|c| Entry {
                    name: c.name.to_owned(),
                    sensitive: c.is_sensitive(),
                    synonyms: kafka::synonyms(&configs, c.name)
                        .into_iter()
                        .map(|(n, v, s)| (n.to_owned(), v, s))
                        .collect(),
                    value: c.value.clone(),
                    source: c.source,
                    read_only: true,
                    kind: c.kind.code(),
                    doc: Some(c.doc),
                })
                .collect())
        }
        BROKER_LOGGER => {
            authorize(ctx, Operation::DescribeConfigs, Resource::Cluster)?;
            check_logger_node(broker, name)?;
            Ok(vec![Entry {
                name: "root".into(),
                value: Some(root_level(&broker.config.log_level)),
                source: ConfigSource::DynamicBrokerLogger,
                read_only: true,
                sensitive: false,
                kind: 0,
                synonyms: Vec::new(),
                doc: None,
            }])
        }
        _ => Err(Error::InvalidRequest(MALFORMED.into())),
    }
}

fn check_logger_node(broker: &Broker, name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::InvalidRequest("Broker id must not be empty".into()));
    }
    let id: i32 =
        name.parse().map_err(|_| Error::InvalidRequest(format!("Broker id must be an integer, but it is: {name}")))?;
    if id != broker.node_id() {
        return Err(Error::InvalidRequest(format!(
            "Unexpected broker id, expected {} but received {name}",
            broker.node_id()
        )));
    }
    Ok(())
}

/// strand's log level (`--log-level`, a level or a `tracing` filter) as Kafka
/// names the root logger's level: the filter's default level, OFF without one.
fn root_level(log_level: &str) -> String {
    log_level
        .split(',')
        .map(str::trim)
        .find(|directive| !directive.contains('=') && directive.parse::<tracing::Level>().is_ok())
        .map_or_else(|| "OFF".to_owned(), str::to_uppercase)
}

fn encode(entry: Entry, version: i16, synonyms: bool, documentation: bool) -> DescribeConfigsResourceResult {
    let synonyms = if synonyms {
        entry
            .synonyms
            .into_iter()
            .map(|(name, value, source)| {
                DescribeConfigsSynonym::default()
                    .with_name(StrBytes::from_string(name))
                    .with_value(value.map(StrBytes::from_string))
                    .with_source(source.code())
            })
            .collect()
    } else {
        Vec::new()
    };
    let result = DescribeConfigsResourceResult::default()
        .with_name(StrBytes::from_string(entry.name))
        .with_value(if entry.sensitive { None } else { entry.value.map(StrBytes::from_string) })
        .with_read_only(entry.read_only)
        .with_config_source(entry.source.code())
        .with_is_sensitive(entry.sensitive)
        .with_synonyms(synonyms);
    if version < 3 {
        return result;
    }
    result.with_config_type(entry.kind).with_documentation(match entry.doc {
        Some(doc) => documentation.then(|| StrBytes::from_static_str(doc)),
        None => Some(StrBytes::from_static_str("")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_level_is_the_filters_default() {
        assert_eq!(root_level("info"), "INFO");
        assert_eq!(root_level("strand=debug,warn"), "WARN");
        assert_eq!(root_level("strand=debug"), "OFF");
    }
}
