//! AlterClientQuotas (key 49), v0-v1 (KIP-546): sets and removes client quotas
//! (`quota::store`), what `kafka-configs --alter --entity-type users|clients|ips
//! [--entity-name X|--entity-default] --add-config/--delete-config` sends.
//!
//! Validation is Kafka 4.x's `ClientQuotaControlManager.alterClientQuotas` (the
//! broker forwards the request to its controller), entry by entry, with its
//! messages, all INVALID_REQUEST:
//! - an entity is the map of its (type, name) pairs, as Kafka's
//!   `AlterClientQuotasRequest.entries()` builds it: a type named twice keeps
//!   its last name;
//! - a key removed or set twice in one entry, or an entity altered a second
//!   time in the request: "Ignoring duplicate entity ClientQuotaEntity(...)".
//!   Kafka keeps what the first alteration of that entity did and answers the
//!   error in its place; so does strand;
//! - no entity type: "Invalid empty client quota entity"; a type other than
//!   `user`, `client-id` and `ip`: "Unhandled client quota entity type: T"; an
//!   empty name: "Empty T not supported"; `ip` with `user` or `client-id`;
//!   an ip name that is neither an IP address nor a host that resolves;
//! - per key set (removals are not checked, and removing an absent key is
//!   fine): a key the entity type does not have ("Invalid configuration key
//!   K"; `user`/`client-id` take producer_byte_rate and consumer_byte_rate
//!   (LONG), request_percentage and controller_mutation_rate (DOUBLE), `ip`
//!   takes connection_creation_rate (INT)), a value of 0 or less, too large for
//!   its type, or fractional for LONG and INT. The first failing key fails
//!   the whole entry.
//!
//! Kafka answers one entry per entity, none for the request's duplicates, in
//! its hash maps' order; strand reproduces that order (`java_order`), so the
//! answer reads the same as Kafka's. The accepted entries are written to the
//! data dir before the answer (`validate_only`: nothing is written) and are in
//! force at once. Kafka needs AlterConfigs on the Cluster; a refusal, and a
//! failed write, answers every entry of the request as sent.
//!
//! Deliberately not as Kafka: a value that is not a finite number (NaN,
//! infinity) is refused, where Kafka stores some of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use kafka_protocol::messages::alter_client_quotas_request::EntryData as RequestEntry;
use kafka_protocol::messages::alter_client_quotas_response::{EntityData, EntryData};
use kafka_protocol::messages::{AlterClientQuotasRequest, AlterClientQuotasResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;
use crate::quota::{self, connections, Change, Entity};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <AlterClientQuotasRequest as Message>::VERSIONS;

/// How long the ip entities' host names of one request may take to resolve,
/// all together; a name not resolved by then counts as unresolvable.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The value types of Kafka's quota configs (`QuotaConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueType {
    Long,
    Double,
    Int,
}

/// The keys an entity of `user` and/or `client-id` may set.
const CLIENT_KEYS: [(&str, ValueType); 4] = [
    ("producer_byte_rate", ValueType::Long),
    ("consumer_byte_rate", ValueType::Long),
    ("request_percentage", ValueType::Double),
    ("controller_mutation_rate", ValueType::Double),
];

/// The keys an `ip` entity may set.
const IP_KEYS: [(&str, ValueType); 1] = [("connection_creation_rate", ValueType::Int)];

pub async fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: AlterClientQuotasRequest,
) -> AlterClientQuotasResponse {
    if let Err(refusal) = authorize(ctx, Operation::AlterConfigs, Resource::Cluster) {
        return every_entry_refused(&request, &refusal);
    }
    let deadline = tokio::time::Instant::now() + RESOLVE_TIMEOUT;
    let resolved = resolve_hosts(hosts_to_resolve(&request), deadline, lookup).await;
    // A name not looked up belongs to an entry refused for another reason.
    let (changes, results) =
        check(&request, &|host| ip_literal(host) || resolved.get(host).is_none_or(Option::is_some));
    if !request.validate_only && !changes.is_empty() {
        // As Kafka applies an ip quota: to the address its host resolved to now.
        for (host, address) in resolved {
            if let Some(address) = address {
                broker.quotas.ip_names().insert(host, address);
            }
        }
        if let Err(error) = broker.quotas.store().alter(changes).await {
            let error = Error::from(error);
            tracing::error!(%error, "AlterClientQuotas not applied");
            return every_entry_refused(&request, &error);
        }
    }
    let entries = results
        .into_iter()
        .map(|(entity, result)| {
            let entity = entity
                .into_iter()
                .map(|(kind, name)| {
                    EntityData::default()
                        .with_entity_type(StrBytes::from_string(kind))
                        .with_entity_name(name.map(StrBytes::from_string))
                })
                .collect();
            let (code, message) = match result {
                Ok(()) => (0, None),
                Err(error) => (error.code(), Some(StrBytes::from_string(error.to_string()))),
            };
            EntryData::default().with_entity(entity).with_error_code(code).with_error_message(message)
        })
        .collect();
    AlterClientQuotasResponse::default().with_entries(entries)
}

/// An entity as Kafka holds it: its (type, name) pairs in its `HashMap`'s order.
type JavaEntity = Vec<(String, Option<String>)>;

/// An entity's answer: accepted, or why not.
type Answer = (JavaEntity, Result<(), Error>);

/// Kafka's `alterClientQuotas`: the changes to apply, and each entity's
/// result, in the order Kafka answers them. (Kafka also leaves out a value
/// equal to the one in force; applying it again changes nothing.)
fn check(request: &AlterClientQuotasRequest, resolvable: &dyn Fn(&str) -> bool) -> (Vec<Change>, Vec<Answer>) {
    let mut changes: Vec<Change> = Vec::new();
    let mut results: Vec<Answer> = Vec::new();
    for entry in &request.entries {
        let entity = java_entity(entry);
        let mut ops: Vec<(String, Option<f64>)> = Vec::new();
        let mut duplicate_key = false;
        for op in &entry.ops {
            let key = op.key.to_string();
            if ops.iter().any(|(k, _)| *k == key) {
                duplicate_key = true;
            } else {
                ops.push((key, (!op.remove).then_some(op.value)));
            }
        }
        let seen = results.iter().position(|(e, _)| same_entity(e, &entity));
        let result = if duplicate_key || seen.is_some() {
            Err(Error::InvalidRequest(format!("Ignoring duplicate entity {}", entity_string(&entity))))
        } else {
            check_entity(&entity, &java_order(ops, Some(entry.ops.len()), |(k, _)| java_hash(k)), resolvable)
        };
        if let Ok(ops) = &result {
            let entity: Entity = entity.iter().cloned().collect();
            changes.push(Change { entity, ops: ops.clone() });
        }
        let result = result.map(|_| ());
        match seen {
            Some(at) => results[at].1 = result,
            None => results.push((entity, result)),
        }
    }
    let results = java_order(results, None, |(entity, _)| entity_hash(entity));
    (changes, results)
}

/// Kafka's `alterClientQuotaEntity` for one entry whose keys are unique:
/// the entity, then each key set, in Kafka's order; the ops to apply.
fn check_entity(
    entity: &JavaEntity,
    ops: &[(String, Option<f64>)],
    resolvable: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, Option<f64>)>, Error> {
    let invalid = |message: String| Err(Error::InvalidRequest(message));
    if entity.is_empty() {
        return invalid("Invalid empty client quota entity".into());
    }
    for (kind, name) in entity {
        if ![quota::USER, quota::CLIENT_ID, quota::IP].contains(&kind.as_str()) {
            return invalid(format!("Unhandled client quota entity type: {kind}"));
        }
        if name.as_deref() == Some("") {
            return invalid(format!("Empty {kind} not supported"));
        }
    }
    let name_of = |kind: &str| entity.iter().find(|(k, _)| k == kind).map(|(_, name)| name);
    let keys: &[(&str, ValueType)] = match name_of(quota::IP) {
        Some(_) if name_of(quota::USER).is_some() || name_of(quota::CLIENT_ID).is_some() => {
            // Kafka's message, its missing space included.
            return invalid(
                "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId".into(),
            );
        }
        Some(Some(ip)) if !resolvable(ip) => return invalid(format!("{ip} is not a valid IP or resolvable host.")),
        Some(_) => &IP_KEYS,
        None => &CLIENT_KEYS,
    };
    for (key, value) in ops {
        if let Some(value) = value {
            check_value(keys, key, *value)?;
        }
    }
    Ok(ops.to_vec())
}

/// Kafka's `validateQuotaKeyValue`.
fn check_value(keys: &[(&str, ValueType)], key: &str, value: f64) -> Result<(), Error> {
    let invalid = |message: String| Err(Error::InvalidRequest(message));
    let Some(&(_, value_type)) = keys.iter().find(|(k, _)| *k == key) else {
        return invalid(format!("Invalid configuration key {key}"));
    };
    if value <= 0.0 {
        return invalid(format!("Quota {key} must be greater than 0"));
    }
    if !value.is_finite() {
        // Kafka stores NaN, and infinity for the DOUBLE keys; strand's store
        // keeps finite numbers only.
        return invalid(format!("Quota {key} must be a finite number"));
    }
    match value_type {
        ValueType::Double => return Ok(()),
        ValueType::Int if value > f64::from(i32::MAX) => {
            return invalid(format!("Proposed value for {key} is too large for an INT."))
        }
        // Java compares in doubles: 2^63 itself is not "too large".
        ValueType::Long if value > i64::MAX as f64 => {
            return invalid(format!("Proposed value for {key} is too large for a LONG."))
        }
        ValueType::Int | ValueType::Long => {}
    }
    if (value % 1.0).abs() > 1e-6 {
        return invalid(format!("{key} cannot be a fractional value."));
    }
    Ok(())
}

/// Whether an ip entity's name is an IP address (IPv6 in brackets or not).
fn ip_literal(name: &str) -> bool {
    connections::parse_ip(name).is_some()
}

/// The ip entity names to look up: host names, not IP addresses, of entries
/// that pass every other check (a name that resolves would not save an
/// entry refused for another reason, so it costs no lookup).
fn hosts_to_resolve(request: &AlterClientQuotasRequest) -> BTreeSet<String> {
    let (changes, _) = check(request, &|_| true);
    changes
        .iter()
        .filter_map(|change| change.entity.get(quota::IP).cloned().flatten())
        .filter(|name| !ip_literal(name))
        .collect()
}

/// Looks `names` up one after another until `deadline` (shared by the
/// request's names): the address each resolves to, as Kafka's
/// `InetAddress.getByName` accepts a host, or `None`. A name whose turn comes
/// after the deadline is not looked up at all and counts as unresolvable; a
/// lookup cut off by it runs to its end on its blocking thread, but no other
/// starts.
async fn resolve_hosts<F, Fut>(
    names: BTreeSet<String>,
    deadline: tokio::time::Instant,
    lookup: F,
) -> HashMap<String, Option<IpAddr>>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Option<IpAddr>>,
{
    let mut resolved = HashMap::new();
    for name in names {
        let address = if tokio::time::Instant::now() < deadline {
            tokio::time::timeout_at(deadline, lookup(name.clone())).await.unwrap_or(None)
        } else {
            None
        };
        resolved.insert(name, address);
    }
    resolved
}

/// The system resolver's answer for `host`: the address Java would pick.
async fn lookup(host: String) -> Option<IpAddr> {
    let found = tokio::net::lookup_host((host.as_str(), 0)).await.ok()?;
    connections::preferred_address(found.map(|a| a.ip()))
}

/// The request entry's entity as Kafka's `entries()` maps it: a type named
/// twice keeps its last name, in the place of its first.
fn java_entity(entry: &RequestEntry) -> JavaEntity {
    let mut entity: JavaEntity = Vec::new();
    for part in &entry.entity {
        let (kind, name) = (part.entity_type.to_string(), part.entity_name.as_ref().map(|n| n.to_string()));
        match entity.iter_mut().find(|(k, _)| *k == kind) {
            Some(slot) => slot.1 = name,
            None => entity.push((kind, name)),
        }
    }
    java_order(entity, Some(entry.entity.len()), |(kind, _)| java_hash(kind))
}

fn same_entity(a: &JavaEntity, b: &JavaEntity) -> bool {
    let map = |e: &JavaEntity| e.iter().cloned().collect::<BTreeMap<_, _>>();
    map(a) == map(b)
}

/// `ClientQuotaEntity.toString()`: "ClientQuotaEntity(entries={user=alice, client-id=null})".
fn entity_string(entity: &JavaEntity) -> String {
    let parts: Vec<String> =
        entity.iter().map(|(kind, name)| format!("{kind}={}", name.as_deref().unwrap_or("null"))).collect();
    format!("ClientQuotaEntity(entries={{{}}})", parts.join(", "))
}

/// Java's `String.hashCode`, over UTF-16 code units.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `ClientQuotaEntity.hashCode()`: `Objects.hash(entries)`, the map's hash
/// being the sum of each pair's key hash XOR value hash (0 for null).
fn entity_hash(entity: &JavaEntity) -> i32 {
    let map = entity
        .iter()
        .fold(0i32, |sum, (kind, name)| sum.wrapping_add(java_hash(kind) ^ name.as_deref().map_or(0, java_hash)));
    31i32.wrapping_add(map)
}

/// The order a `java.util.HashMap` created with `initial_capacity` (None:
/// `new HashMap<>()`) iterates `items`, distinct keys put in this order: by
/// bucket of the final table, insertion order within a bucket.
fn java_order<T>(items: Vec<T>, initial_capacity: Option<usize>, hash: impl Fn(&T) -> i32) -> Vec<T> {
    // `tableSizeFor`, and the threshold `resize` sets at the load factor 0.75.
    let mut capacity = initial_capacity.map_or(16, |n| n.max(1).next_power_of_two());
    let mut threshold = capacity * 3 / 4;
    for size in 1..=items.len() {
        if size > threshold {
            capacity *= 2;
            threshold = capacity * 3 / 4;
        }
    }
    let bucket = |item: &T| {
        let h = hash(item) as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut indexed: Vec<(usize, usize, T)> = items.into_iter().enumerate().map(|(i, t)| (bucket(&t), i, t)).collect();
    indexed.sort_by_key(|(b, i, _)| (*b, *i));
    indexed.into_iter().map(|(_, _, t)| t).collect()
}

/// Kafka's `getErrorResponse`: every entry of the request, as sent, with the error.
fn every_entry_refused(request: &AlterClientQuotasRequest, error: &Error) -> AlterClientQuotasResponse {
    let entries = request
        .entries
        .iter()
        .map(|entry| {
            let entity = entry
                .entity
                .iter()
                .map(|e| {
                    EntityData::default()
                        .with_entity_type(e.entity_type.clone())
                        .with_entity_name(e.entity_name.clone())
                })
                .collect();
            EntryData::default()
                .with_entity(entity)
                .with_error_code(error.code())
                .with_error_message(Some(StrBytes::from_string(error.to_string())))
        })
        .collect();
    AlterClientQuotasResponse::default().with_entries(entries)
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::alter_client_quotas_request::{EntityData as Part, OpData};

    use super::*;

    fn entry(entity: &[(&str, Option<&str>)], ops: &[(&str, Option<f64>)]) -> RequestEntry {
        RequestEntry::default()
            .with_entity(
                entity
                    .iter()
                    .map(|(kind, name)| {
                        Part::default()
                            .with_entity_type(StrBytes::from_string(kind.to_string()))
                            .with_entity_name(name.map(|n| StrBytes::from_string(n.to_owned())))
                    })
                    .collect(),
            )
            .with_ops(
                ops.iter()
                    .map(|(key, value)| {
                        OpData::default()
                            .with_key(StrBytes::from_string(key.to_string()))
                            .with_value(value.unwrap_or(0.0))
                            .with_remove(value.is_none())
                    })
                    .collect(),
            )
    }

    /// Each answered entity as "type=name,..." with its error message (None: accepted).
    fn answers(entries: Vec<RequestEntry>) -> (usize, Vec<(String, Option<String>)>) {
        let request = AlterClientQuotasRequest::default().with_entries(entries);
        let (changes, results) = check(&request, &|host| host == "localhost");
        let results = results
            .into_iter()
            .map(|(entity, result)| {
                let entity: Vec<String> =
                    entity.iter().map(|(k, n)| format!("{k}={}", n.as_deref().unwrap_or("null"))).collect();
                (entity.join(","), result.err().map(|e| e.to_string()))
            })
            .collect();
        (changes.len(), results)
    }

    fn refusal(entity: &[(&str, Option<&str>)], ops: &[(&str, Option<f64>)]) -> String {
        let (changes, mut results) = answers(vec![entry(entity, ops)]);
        assert_eq!(changes, 0, "a refused entry changes nothing");
        results.remove(0).1.expect("refused")
    }

    #[test]
    fn only_host_names_of_otherwise_valid_entries_are_looked_up() {
        let rate = [("connection_creation_rate", Some(10.0))];
        let request = AlterClientQuotasRequest::default().with_entries(vec![
            entry(&[("ip", Some("good.example"))], &rate),
            entry(&[("ip", Some("bad-key.example"))], &[("producer_byte_rate", Some(1.0))]),
            entry(&[("ip", Some("with-user.example")), ("user", Some("a"))], &rate),
            entry(&[("ip", Some("1.2.3.4"))], &rate),
            entry(&[("ip", Some("[::1]"))], &rate),
            entry(&[("ip", None)], &rate),
        ]);
        assert_eq!(hosts_to_resolve(&request), BTreeSet::from(["good.example".to_owned()]));
    }

    #[tokio::test]
    async fn no_lookup_starts_after_the_deadline() {
        let started = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let slow = |_: String| {
            let started = started.clone();
            async move {
                started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(60)).await;
                Some(IpAddr::from([127, 0, 0, 1]))
            }
        };
        let names: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        let resolved = resolve_hosts(names, deadline, slow).await;
        // The first lookup is cut off by the deadline (or never starts, if the
        // test thread came late); the others are not started.
        assert!(started.load(std::sync::atomic::Ordering::SeqCst) <= 1);
        assert_eq!(resolved.len(), 3);
        assert!(resolved.values().all(Option::is_none), "{resolved:?}");
        let here = IpAddr::from([10, 0, 0, 7]);
        let quick = |name: String| async move { (name != "b").then_some(here) };
        let names: BTreeSet<String> = ["a", "b"].map(String::from).into();
        let resolved = resolve_hosts(names, tokio::time::Instant::now() + RESOLVE_TIMEOUT, quick).await;
        assert_eq!(resolved, HashMap::from([("a".to_owned(), Some(here)), ("b".to_owned(), None)]));
    }

    #[test]
    fn hash_orders_are_javas() {
        // Checked with jshell: new HashMap<>(2) with user then client-id prints
        // {client-id=app, user=alice}; HashMap<>(4) of the four keys prints them
        // in the order below.
        assert_eq!(java_hash("user"), 3599307);
        assert_eq!(java_hash("client-id"), -1904137635);
        let entity = java_entity(&entry(&[("user", Some("alice")), ("client-id", Some("app"))], &[]));
        assert_eq!(entity_string(&entity), "ClientQuotaEntity(entries={client-id=app, user=alice})");
        let entity = java_entity(&entry(&[("ip", Some("1.2.3.4")), ("user", None), ("client-id", Some("x"))], &[]));
        assert_eq!(entity_string(&entity), "ClientQuotaEntity(entries={client-id=x, user=null, ip=1.2.3.4})");
        let keys = ["request_percentage", "producer_byte_rate", "consumer_byte_rate", "controller_mutation_rate"];
        assert_eq!(
            java_order(keys.to_vec(), Some(4), |k| java_hash(k)),
            ["producer_byte_rate", "consumer_byte_rate", "controller_mutation_rate", "request_percentage"]
        );
    }

    #[test]
    fn accepted_entries_become_changes() {
        let (changes, results) = answers(vec![
            entry(
                &[("user", Some("alice"))],
                &[("producer_byte_rate", Some(1024.0)), ("request_percentage", Some(12.5))],
            ),
            entry(&[("client-id", None)], &[("consumer_byte_rate", None)]),
            entry(&[("ip", Some("localhost"))], &[("connection_creation_rate", Some(10.0))]),
            entry(&[("ip", None)], &[("connection_creation_rate", Some(10.0))]),
        ]);
        assert_eq!(changes, 4);
        assert!(results.iter().all(|(_, error)| error.is_none()), "{results:?}");
    }

    #[test]
    fn refusals_carry_kafkas_messages() {
        let user = [("user", Some("alice"))];
        assert_eq!(refusal(&[], &[("producer_byte_rate", Some(1.0))]), "Invalid empty client quota entity");
        assert_eq!(refusal(&[("bogus", Some("a"))], &[]), "Unhandled client quota entity type: bogus");
        assert_eq!(refusal(&[("user", Some(""))], &[]), "Empty user not supported");
        assert_eq!(
            refusal(&[("ip", Some("1.2.3.4")), ("user", Some("a"))], &[]),
            "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId"
        );
        assert_eq!(refusal(&[("ip", Some("no-such-host"))], &[]), "no-such-host is not a valid IP or resolvable host.");
        assert_eq!(
            refusal(&user, &[("connection_creation_rate", Some(1.0))]),
            "Invalid configuration key connection_creation_rate"
        );
        assert_eq!(
            refusal(&[("ip", None)], &[("producer_byte_rate", Some(1.0))]),
            "Invalid configuration key producer_byte_rate"
        );
        assert_eq!(
            refusal(&user, &[("producer_byte_rate", Some(0.0))]),
            "Quota producer_byte_rate must be greater than 0"
        );
        assert_eq!(
            refusal(&user, &[("request_percentage", Some(-1.0))]),
            "Quota request_percentage must be greater than 0"
        );
        assert_eq!(
            refusal(&user, &[("producer_byte_rate", Some(1.5))]),
            "producer_byte_rate cannot be a fractional value."
        );
        assert_eq!(
            refusal(&user, &[("producer_byte_rate", Some(1e19))]),
            "Proposed value for producer_byte_rate is too large for a LONG."
        );
        assert_eq!(
            refusal(&[("ip", None)], &[("connection_creation_rate", Some(3e9))]),
            "Proposed value for connection_creation_rate is too large for an INT."
        );
        assert_eq!(
            refusal(&user, &[("request_percentage", Some(f64::INFINITY))]),
            "Quota request_percentage must be a finite number"
        );
        // Removals are not checked.
        assert_eq!(answers(vec![entry(&user, &[("bogus_key", None)])]), (1, vec![("user=alice".into(), None)]));
    }

    #[test]
    fn duplicates_are_ignored_as_kafka_ignores_them() {
        let message = "Ignoring duplicate entity ClientQuotaEntity(entries={user=alice})";
        let user = [("user", Some("alice"))];
        assert_eq!(refusal(&user, &[("producer_byte_rate", Some(1.0)), ("producer_byte_rate", None)]), message);
        // The first alteration stays applied, its answer replaced by the error.
        let (changes, results) = answers(vec![
            entry(&user, &[("producer_byte_rate", Some(1.0))]),
            entry(&user, &[("consumer_byte_rate", Some(1.0))]),
        ]);
        assert_eq!((changes, results), (1, vec![("user=alice".into(), Some(message.into()))]));
        // A type named twice keeps its last name.
        let (_, results) = answers(vec![entry(&[("user", Some("a")), ("user", Some("b"))], &[])]);
        assert_eq!(results, [("user=b".to_owned(), None)]);
    }
}
