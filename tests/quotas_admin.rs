//! AlterClientQuotas and DescribeClientQuotas end to end, over the raw protocol
//! on a real broker: quotas set on each kind of entity (user, client-id, both,
//! their defaults, ip) and described with Kafka's filters, removed, left alone
//! by validate_only, refused with Kafka's codes and messages (the whole list,
//! compared with Kafka's answers, is compat/scenarios/client_quotas.py; the
//! `kafka-configs` runs are in compat/kafka-tools.sh), and kept across a clean
//! restart and a crash right after the answer.

mod common;

use common::{RawClient, Strand};
use kafka_protocol::messages::alter_client_quotas_request::{EntityData, EntryData, OpData};
use kafka_protocol::messages::describe_client_quotas_request::ComponentData;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

const INVALID_REQUEST: i16 = 42;
const EXACT: i8 = 0;
const DEFAULT: i8 = 1;
const SPECIFIED: i8 = 2;

type Parts<'a> = &'a [(&'a str, Option<&'a str>)];

fn entry(entity: Parts<'_>, ops: &[(&str, Option<f64>)]) -> EntryData {
    EntryData::default()
        .with_entity(
            entity
                .iter()
                .map(|(kind, name)| {
                    EntityData::default()
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

/// Sends the entries; each answered entity ("type=name,...", sorted) with its
/// error code and message.
fn alter(raw: &mut RawClient, entries: Vec<EntryData>, validate_only: bool) -> Vec<(String, i16, Option<String>)> {
    let request = AlterClientQuotasRequest::default().with_entries(entries).with_validate_only(validate_only);
    let response = raw.send(1, &request);
    let mut answers: Vec<_> = response
        .entries
        .iter()
        .map(|e| {
            let mut entity: Vec<String> = e
                .entity
                .iter()
                .map(|d| format!("{}={}", d.entity_type, d.entity_name.as_deref().unwrap_or("<default>")))
                .collect();
            entity.sort();
            (entity.join(","), e.error_code, e.error_message.as_ref().map(|m| m.to_string()))
        })
        .collect();
    answers.sort();
    answers
}

/// The entities matching the filter, as "type=name,... key=value,...", sorted.
fn describe(raw: &mut RawClient, components: &[(&str, i8, Option<&str>)], strict: bool) -> Vec<String> {
    let request = DescribeClientQuotasRequest::default().with_strict(strict).with_components(
        components
            .iter()
            .map(|(kind, match_type, name)| {
                ComponentData::default()
                    .with_entity_type(StrBytes::from_string(kind.to_string()))
                    .with_match_type(*match_type)
                    .with_match(name.map(|n| StrBytes::from_string(n.to_owned())))
            })
            .collect(),
    );
    let response = raw.send(1, &request);
    assert_eq!(response.error_code, 0, "{:?}", response.error_message);
    let mut lines: Vec<String> = response
        .entries
        .expect("entries")
        .iter()
        .map(|e| {
            let mut entity: Vec<String> = e
                .entity
                .iter()
                .map(|d| format!("{}={}", d.entity_type, d.entity_name.as_deref().unwrap_or("<default>")))
                .collect();
            entity.sort();
            let mut values: Vec<String> = e.values.iter().map(|v| format!("{}={}", v.key, v.value)).collect();
            values.sort();
            format!("{} {}", entity.join(","), values.join(","))
        })
        .collect();
    lines.sort();
    lines
}

fn accepted(entity: &str) -> (String, i16, Option<String>) {
    (entity.to_owned(), 0, None)
}

fn refused(entity: &str, message: &str) -> (String, i16, Option<String>) {
    (entity.to_owned(), INVALID_REQUEST, Some(message.to_owned()))
}

/// Quotas on every kind of entity, one request.
fn set_every_kind(raw: &mut RawClient) {
    let answers = alter(
        raw,
        vec![
            entry(&[("user", Some("alice"))], &[("producer_byte_rate", Some(1048576.0))]),
            entry(&[("user", Some("alice")), ("client-id", Some("app"))], &[("request_percentage", Some(50.5))]),
            entry(&[("user", None)], &[("consumer_byte_rate", Some(2048.0))]),
            entry(&[("user", None), ("client-id", None)], &[("controller_mutation_rate", Some(2.5))]),
            entry(&[("client-id", Some("app"))], &[("producer_byte_rate", Some(4096.0))]),
            entry(&[("client-id", None)], &[("consumer_byte_rate", Some(500.0))]),
            entry(&[("ip", Some("127.0.0.1"))], &[("connection_creation_rate", Some(10.0))]),
            entry(&[("ip", None)], &[("connection_creation_rate", Some(100.0))]),
        ],
        false,
    );
    assert_eq!(
        answers,
        [
            accepted("client-id=<default>"),
            accepted("client-id=<default>,user=<default>"),
            accepted("client-id=app"),
            accepted("client-id=app,user=alice"),
            accepted("ip=127.0.0.1"),
            accepted("ip=<default>"),
            accepted("user=<default>"),
            accepted("user=alice"),
        ]
    );
}

const EVERY_KIND: [&str; 8] = [
    "client-id=<default> consumer_byte_rate=500",
    "client-id=<default>,user=<default> controller_mutation_rate=2.5",
    "client-id=app producer_byte_rate=4096",
    "client-id=app,user=alice request_percentage=50.5",
    "ip=127.0.0.1 connection_creation_rate=10",
    "ip=<default> connection_creation_rate=100",
    "user=<default> consumer_byte_rate=2048",
    "user=alice producer_byte_rate=1048576",
];

#[test]
fn quotas_set_on_every_entity_kind_are_described_by_kafkas_filters() {
    let strand = Strand::start();
    let mut raw = RawClient::connect(&strand.addr);
    assert!(describe(&mut raw, &[], false).is_empty());
    set_every_kind(&mut raw);
    assert_eq!(describe(&mut raw, &[], false), EVERY_KIND);
    assert_eq!(
        describe(&mut raw, &[("user", EXACT, Some("alice"))], false),
        ["client-id=app,user=alice request_percentage=50.5", "user=alice producer_byte_rate=1048576"]
    );
    assert_eq!(describe(&mut raw, &[("user", EXACT, Some("alice"))], true), ["user=alice producer_byte_rate=1048576"]);
    assert_eq!(
        describe(&mut raw, &[("user", DEFAULT, None), ("client-id", DEFAULT, None)], true),
        ["client-id=<default>,user=<default> controller_mutation_rate=2.5"]
    );
    assert_eq!(
        describe(&mut raw, &[("ip", SPECIFIED, None)], false),
        ["ip=127.0.0.1 connection_creation_rate=10", "ip=<default> connection_creation_rate=100"]
    );
}

#[test]
fn removing_keys_drops_them_and_an_entity_without_keys() {
    let strand = Strand::start();
    let mut raw = RawClient::connect(&strand.addr);
    let alice = [("user", Some("alice"))];
    let answers = alter(
        &mut raw,
        vec![entry(&alice, &[("producer_byte_rate", Some(1000.0)), ("consumer_byte_rate", Some(2000.0))])],
        false,
    );
    assert_eq!(answers, [accepted("user=alice")]);
    let answers = alter(&mut raw, vec![entry(&alice, &[("producer_byte_rate", None)])], false);
    assert_eq!(answers, [accepted("user=alice")]);
    assert_eq!(describe(&mut raw, &[], false), ["user=alice consumer_byte_rate=2000"]);
    // Removing what is not there, even a key no entity has, is accepted.
    let answers = alter(
        &mut raw,
        vec![
            entry(&alice, &[("consumer_byte_rate", None), ("no_such_key", None)]),
            entry(&[("user", Some("nobody"))], &[("producer_byte_rate", None)]),
        ],
        false,
    );
    assert_eq!(answers, [accepted("user=alice"), accepted("user=nobody")]);
    assert!(describe(&mut raw, &[], false).is_empty());
}

#[test]
fn validate_only_answers_without_changing_anything() {
    let strand = Strand::start();
    let mut raw = RawClient::connect(&strand.addr);
    let answers = alter(
        &mut raw,
        vec![
            entry(&[("user", Some("alice"))], &[("producer_byte_rate", Some(1000.0))]),
            entry(&[("user", Some("bob"))], &[("producer_byte_rate", Some(0.0))]),
        ],
        true,
    );
    assert_eq!(
        answers,
        [accepted("user=alice"), refused("user=bob", "Quota producer_byte_rate must be greater than 0")]
    );
    assert!(describe(&mut raw, &[], false).is_empty());
    assert!(!strand.data_dir.join("client-quotas").exists(), "validate_only wrote the quota file");
}

#[test]
fn refusals_are_kafkas_and_fail_only_their_entry() {
    let strand = Strand::start();
    let mut raw = RawClient::connect(&strand.addr);
    let answers = alter(
        &mut raw,
        vec![
            entry(&[], &[("producer_byte_rate", Some(1.0))]),
            entry(&[("group", Some("g"))], &[("producer_byte_rate", Some(1.0))]),
            entry(&[("user", Some(""))], &[("producer_byte_rate", Some(1.0))]),
            entry(&[("ip", Some("10.0.0.1")), ("client-id", Some("c"))], &[]),
            entry(&[("ip", Some("no-such-host.invalid"))], &[("connection_creation_rate", Some(1.0))]),
            entry(&[("ip", Some("10.0.0.2"))], &[("producer_byte_rate", Some(1.0))]),
            entry(&[("user", Some("u1"))], &[("connection_creation_rate", Some(1.0))]),
            entry(&[("user", Some("u2"))], &[("request_percentage", Some(-1.0))]),
            entry(&[("user", Some("u3"))], &[("consumer_byte_rate", Some(1.5))]),
            entry(&[("user", Some("u4"))], &[("producer_byte_rate", Some(1e19))]),
            entry(&[("ip", Some("10.0.0.3"))], &[("connection_creation_rate", Some(3e9))]),
            entry(&[("user", Some("u5"))], &[("producer_byte_rate", Some(1.0)), ("producer_byte_rate", None)]),
            entry(&[("user", Some("ok"))], &[("producer_byte_rate", Some(64.0))]),
        ],
        false,
    );
    assert_eq!(
        answers,
        [
            refused("", "Invalid empty client quota entity"),
            refused(
                "client-id=c,ip=10.0.0.1",
                "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId"
            ),
            refused("group=g", "Unhandled client quota entity type: group"),
            refused("ip=10.0.0.2", "Invalid configuration key producer_byte_rate"),
            refused("ip=10.0.0.3", "Proposed value for connection_creation_rate is too large for an INT."),
            refused("ip=no-such-host.invalid", "no-such-host.invalid is not a valid IP or resolvable host."),
            refused("user=", "Empty user not supported"),
            accepted("user=ok"),
            refused("user=u1", "Invalid configuration key connection_creation_rate"),
            refused("user=u2", "Quota request_percentage must be greater than 0"),
            refused("user=u3", "consumer_byte_rate cannot be a fractional value."),
            refused("user=u4", "Proposed value for producer_byte_rate is too large for a LONG."),
            refused("user=u5", "Ignoring duplicate entity ClientQuotaEntity(entries={user=u5})"),
        ]
    );
    assert_eq!(describe(&mut raw, &[], false), ["user=ok producer_byte_rate=64"]);
}

#[test]
fn quotas_survive_a_restart_and_a_crash_right_after_the_answer() {
    let mut strand = Strand::start();
    set_every_kind(&mut RawClient::connect(&strand.addr));
    strand.restart();
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(describe(&mut raw, &[], false), EVERY_KIND);

    let answers = alter(
        &mut raw,
        vec![
            entry(&[("user", Some("alice"))], &[("producer_byte_rate", None), ("consumer_byte_rate", Some(777.0))]),
            entry(&[("ip", None)], &[("connection_creation_rate", None)]),
        ],
        false,
    );
    assert_eq!(answers, [accepted("ip=<default>"), accepted("user=alice")]);
    // The answer means the change is on disk: a SIGKILL now loses nothing.
    strand.kill();
    strand.restart();
    let mut expected: Vec<&str> = EVERY_KIND
        .iter()
        .copied()
        .filter(|line| !line.starts_with("ip=<default>") && !line.starts_with("user=alice "))
        .collect();
    expected.push("user=alice consumer_byte_rate=777");
    expected.sort();
    assert_eq!(describe(&mut RawClient::connect(&strand.addr), &[], false), expected);
}
