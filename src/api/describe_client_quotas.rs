//! DescribeClientQuotas (key 48), v0-v1 (KIP-546).
//!
//! Describes the quotas AlterClientQuotas set (`quota::store`). The filter is checked as Kafka's
//! `ClientQuotasImage.describe` checks it, component by component in order:
//! an empty entity type, a type named twice (INVALID_REQUEST), a type other
//! than `user`, `client-id` and `ip` (UNSUPPORTED_VERSION, the code of the
//! exception Kafka raises), then the match: EXACT (0) needs a match string,
//! DEFAULT (1) and SPECIFIED (2) must not have one, any other match type is
//! unknown (INVALID_REQUEST); and `ip` may not be combined with `user` or
//! `client-id`. A refused filter has the error and its message and null
//! entries; the principal must be allowed DescribeConfigs on the cluster.
//!
//! `describe` runs the filter over a set of quotas with Kafka's matching
//! (EXACT: that entity type with that name, null for DEFAULT; SPECIFIED: that
//! type with any name; `strict`: no other entity types), so a quota store only
//! has to hand its quotas to it.

use kafka_protocol::messages::describe_client_quotas_response::{EntityData, EntryData, ValueData};
use kafka_protocol::messages::{DescribeClientQuotasRequest, DescribeClientQuotasResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeClientQuotasRequest as Message>::VERSIONS;

/// Kafka's match types (`DescribeClientQuotasRequest.MATCH_TYPE_*`).
const EXACT: i8 = 0;
const DEFAULT: i8 = 1;
const SPECIFIED: i8 = 2;

/// Kafka's quota entity types (`ClientQuotaEntity`).
const USER: &str = "user";
const CLIENT_ID: &str = "client-id";
const IP: &str = "ip";

/// One entity's quotas: its (entity type, name) pairs, a null name being the
/// type's default entity, and its (quota key, value) pairs.
pub struct Quota {
    pub entity: Vec<(String, Option<String>)>,
    pub values: Vec<(String, f64)>,
}

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: DescribeClientQuotasRequest,
) -> DescribeClientQuotasResponse {
    let quotas: Vec<Quota> = broker
        .quotas
        .store()
        .get()
        .iter()
        .map(|(entity, values)| Quota {
            entity: entity.iter().map(|(kind, name)| (kind.clone(), name.clone())).collect(),
            values: values.iter().map(|(key, value)| (key.clone(), *value)).collect(),
        })
        .collect();
    describe(ctx, &request, &quotas)
}

pub fn describe(
    ctx: &RequestContext,
    request: &DescribeClientQuotasRequest,
    quotas: &[Quota],
) -> DescribeClientQuotasResponse {
    let filter = authorize(ctx, Operation::DescribeConfigs, Resource::Cluster).and_then(|()| Filter::parse(request));
    let filter = match filter {
        Ok(filter) => filter,
        Err(error) => {
            return DescribeClientQuotasResponse::default()
                .with_error_code(error.code())
                .with_error_message(Some(StrBytes::from_string(error.to_string())))
                .with_entries(None)
        }
    };
    let entries = quotas
        .iter()
        .filter(|quota| filter.matches(&quota.entity))
        .map(|quota| {
            EntryData::default()
                .with_entity(
                    quota
                        .entity
                        .iter()
                        .map(|(kind, name)| {
                            EntityData::default()
                                .with_entity_type(StrBytes::from_string(kind.clone()))
                                .with_entity_name(name.clone().map(StrBytes::from_string))
                        })
                        .collect(),
                )
                .with_values(
                    quota
                        .values
                        .iter()
                        .map(|(key, value)| {
                            ValueData::default().with_key(StrBytes::from_string(key.clone())).with_value(*value)
                        })
                        .collect(),
                )
        })
        .collect();
    DescribeClientQuotasResponse::default().with_entries(Some(entries))
}

/// A checked filter: the entity types to match by name (None: the default
/// entity) and those to match with any name.
struct Filter {
    exact: Vec<(String, Option<String>)>,
    specified: Vec<String>,
    strict: bool,
}

impl Filter {
    fn parse(request: &DescribeClientQuotasRequest) -> Result<Filter, Error> {
        let mut filter = Filter { exact: Vec::new(), specified: Vec::new(), strict: request.strict };
        for component in &request.components {
            let kind = component.entity_type.as_str();
            if kind.is_empty() {
                return Err(Error::InvalidRequest("Invalid empty entity type.".into()));
            }
            if filter.has(kind) {
                return Err(Error::InvalidRequest(format!(
                    "Entity type {kind} cannot appear more than once in the filter."
                )));
            }
            if ![IP, USER, CLIENT_ID].contains(&kind) {
                return Err(Error::UnsupportedEntityType(format!("Unsupported entity type {kind}")));
            }
            let name = component._match.as_ref().map(|m| m.to_string());
            match (component.match_type, name) {
                (EXACT, None) => {
                    return Err(Error::InvalidRequest(
                        "Request specified MATCH_TYPE_EXACT, but set match string to null.".into(),
                    ))
                }
                (EXACT, name) => filter.exact.push((kind.to_owned(), name)),
                (DEFAULT, None) => filter.exact.push((kind.to_owned(), None)),
                (DEFAULT, Some(_)) => {
                    return Err(Error::InvalidRequest(
                        "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.".into(),
                    ))
                }
                (SPECIFIED, None) => filter.specified.push(kind.to_owned()),
                (SPECIFIED, Some(_)) => {
                    return Err(Error::InvalidRequest(
                        "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.".into(),
                    ))
                }
                (other, _) => return Err(Error::InvalidRequest(format!("Unknown match type {other}"))),
            }
        }
        if filter.has(IP) && (filter.has(USER) || filter.has(CLIENT_ID)) {
            return Err(Error::InvalidRequest(
                "Invalid entity filter component combination. IP filter component should not be used with user or \
                 clientId filter component."
                    .into(),
            ));
        }
        Ok(filter)
    }

    fn has(&self, kind: &str) -> bool {
        self.exact.iter().any(|(k, _)| k == kind) || self.specified.iter().any(|k| k == kind)
    }

    fn matches(&self, entity: &[(String, Option<String>)]) -> bool {
        let name_of = |kind: &str| entity.iter().find(|(k, _)| k == kind).map(|(_, name)| name);
        if self.strict && entity.len() != self.exact.len() + self.specified.len() {
            return false;
        }
        self.exact.iter().all(|(kind, name)| name_of(kind) == Some(name))
            && self.specified.iter().all(|kind| name_of(kind).is_some())
    }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::describe_client_quotas_request::ComponentData;

    use super::*;

    fn ctx() -> RequestContext {
        RequestContext { client_id: "test".into(), peer: "127.0.0.1:1".parse().unwrap(), user: None }
    }

    fn component(kind: &str, match_type: i8, name: Option<&str>) -> ComponentData {
        ComponentData::default()
            .with_entity_type(StrBytes::from_string(kind.into()))
            .with_match_type(match_type)
            .with_match(name.map(|n| StrBytes::from_string(n.into())))
    }

    fn quota(entity: &[(&str, Option<&str>)]) -> Quota {
        Quota {
            entity: entity.iter().map(|(k, n)| (k.to_string(), n.map(str::to_owned))).collect(),
            values: vec![("producer_byte_rate".into(), 1024.0)],
        }
    }

    /// The entities (as "type=name" lists) the filter matches among a fixed set.
    fn matched(components: Vec<ComponentData>, strict: bool) -> Vec<String> {
        let quotas = [
            quota(&[("user", Some("alice"))]),
            quota(&[("user", None)]),
            quota(&[("user", Some("alice")), ("client-id", Some("app"))]),
            quota(&[("client-id", Some("app"))]),
            quota(&[("ip", Some("10.0.0.1"))]),
        ];
        let request = DescribeClientQuotasRequest::default().with_components(components).with_strict(strict);
        let response = describe(&ctx(), &request, &quotas);
        assert_eq!(response.error_code, 0);
        let entries = response.entries.expect("a valid filter answers entries");
        entries
            .iter()
            .map(|e| {
                let parts: Vec<String> = e
                    .entity
                    .iter()
                    .map(|d| format!("{}={}", d.entity_type, d.entity_name.as_deref().unwrap_or("<default>")))
                    .collect();
                parts.join(",")
            })
            .collect()
    }

    #[test]
    fn filters_match_as_kafkas_do() {
        assert_eq!(
            matched(vec![component("user", EXACT, Some("alice"))], false),
            ["user=alice", "user=alice,client-id=app"]
        );
        assert_eq!(matched(vec![component("user", EXACT, Some("alice"))], true), ["user=alice"]);
        assert_eq!(matched(vec![component("user", DEFAULT, None)], false), ["user=<default>"]);
        assert_eq!(
            matched(vec![component("user", SPECIFIED, None)], false),
            ["user=alice", "user=<default>", "user=alice,client-id=app"]
        );
        assert_eq!(
            matched(vec![component("client-id", SPECIFIED, None), component("user", SPECIFIED, None)], true),
            ["user=alice,client-id=app"]
        );
        assert_eq!(matched(vec![], false).len(), 5, "no component matches every entity");
        assert!(matched(vec![], true).is_empty(), "strict with no component matches none");
    }

    #[test]
    fn bad_filters_get_kafkas_codes_and_messages() {
        let refused = |components: Vec<ComponentData>| {
            let response = describe(&ctx(), &DescribeClientQuotasRequest::default().with_components(components), &[]);
            assert!(response.entries.is_none());
            (response.error_code, response.error_message.map(|m| m.to_string()).unwrap_or_default())
        };
        assert_eq!(refused(vec![component("", EXACT, Some("a"))]), (42, "Invalid empty entity type.".into()));
        assert_eq!(refused(vec![component("bogus", EXACT, Some("a"))]), (35, "Unsupported entity type bogus".into()));
        assert_eq!(
            refused(vec![component("user", EXACT, Some("a")), component("user", SPECIFIED, None)]),
            (42, "Entity type user cannot appear more than once in the filter.".into())
        );
        assert_eq!(refused(vec![component("user", 3, None)]), (42, "Unknown match type 3".into()));
        assert_eq!(refused(vec![component("user", EXACT, None)]).0, 42);
        assert_eq!(refused(vec![component("user", DEFAULT, Some("x"))]).0, 42);
        assert_eq!(refused(vec![component("ip", SPECIFIED, None), component("client-id", SPECIFIED, None)]).0, 42);
    }
}
