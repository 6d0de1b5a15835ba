//! Topic and broker configs over the wire: DescribeConfigs, AlterConfigs and
//! IncrementalAlterConfigs against the real `strand` binary, with a raw client
//! for Kafka's exact codes and messages and rdkafka's AdminClient as a client
//! uses them. Expectations are what Kafka 4.4 answers (compat/scenarios/
//! describe_configs.py and friends run the same against the reference broker).

mod common;

use std::time::{Duration, Instant};

use common::{batch, RawClient, Strand, TOPIC};
use kafka_protocol::messages::alter_configs_request::{AlterConfigsResource, AlterableConfig};
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_configs_response::DescribeConfigsResult;
use kafka_protocol::messages::incremental_alter_configs_request as iac;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rdkafka::admin::{AdminClient, AdminOptions, AlterConfig, ConfigSource, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;

const TOPIC_TYPE: i8 = 2;
const BROKER_TYPE: i8 = 4;
const LOGGER_TYPE: i8 = 8;
const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;
const SUBTRACT: i8 = 3;
/// A CreateTime far enough in the past that any retention.ms expires it.
const OLD: i64 = 1_700_000_000_000;
const TIMEOUT: Duration = Duration::from_secs(20);

/// One IncrementalAlterConfigs change: (config, operation, value).
type Op<'a> = (&'a str, i8, Option<&'a str>);
/// A resource's answer: (error code, error message).
type Outcome = (i16, Option<String>);

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_owned())
}

fn describe_request(resources: &[(i8, &str, Option<&[&str]>)], synonyms: bool, docs: bool) -> DescribeConfigsRequest {
    DescribeConfigsRequest::default().with_include_synonyms(synonyms).with_include_documentation(docs).with_resources(
        resources
            .iter()
            .map(|(kind, name, keys)| {
                DescribeConfigsResource::default()
                    .with_resource_type(*kind)
                    .with_resource_name(s(name))
                    .with_configuration_keys(keys.map(|keys| keys.iter().map(|k| s(k)).collect()))
            })
            .collect(),
    )
}

/// One resource described at v4 with synonyms.
fn describe(client: &mut RawClient, kind: i8, name: &str, keys: Option<&[&str]>) -> DescribeConfigsResult {
    let response = client.send(4, &describe_request(&[(kind, name, keys)], true, false));
    response.results.into_iter().next().expect("one result")
}

/// (value, source, read_only, sensitive) of one config of a described resource.
fn entry(result: &DescribeConfigsResult, name: &str) -> (Option<String>, i8, bool, bool) {
    let c = result.configs.iter().find(|c| c.name.as_str() == name).unwrap_or_else(|| panic!("{name} not listed"));
    (c.value.as_ref().map(|v| v.to_string()), c.config_source, c.read_only, c.is_sensitive)
}

fn synonyms(result: &DescribeConfigsResult, name: &str) -> Vec<(String, Option<String>, i8)> {
    let c = result.configs.iter().find(|c| c.name.as_str() == name).unwrap();
    c.synonyms.iter().map(|s| (s.name.to_string(), s.value.as_ref().map(|v| v.to_string()), s.source)).collect()
}

fn error(result: &DescribeConfigsResult) -> (i16, Option<String>) {
    (result.error_code, result.error_message.as_ref().map(|m| m.to_string()))
}

/// IncrementalAlterConfigs v1 of one resource: (error code, message).
fn alter(
    client: &mut RawClient,
    kind: i8,
    name: &str,
    ops: &[(&str, i8, Option<&str>)],
    validate_only: bool,
) -> (i16, Option<String>) {
    let resource =
        iac::AlterConfigsResource::default().with_resource_type(kind).with_resource_name(s(name)).with_configs(
            ops.iter()
                .map(|(config, op, value)| {
                    iac::AlterableConfig::default()
                        .with_name(s(config))
                        .with_config_operation(*op)
                        .with_value(value.map(s))
                })
                .collect(),
        );
    let request =
        IncrementalAlterConfigsRequest::default().with_validate_only(validate_only).with_resources(vec![resource]);
    let response = client.send(1, &request);
    let r = &response.responses[0];
    (r.error_code, r.error_message.as_ref().map(|m| m.to_string()))
}

/// Legacy AlterConfigs v2 of one resource: (error code, message).
fn replace(
    client: &mut RawClient,
    kind: i8,
    name: &str,
    configs: &[(&str, Option<&str>)],
    validate_only: bool,
) -> (i16, Option<String>) {
    let resource = AlterConfigsResource::default().with_resource_type(kind).with_resource_name(s(name)).with_configs(
        configs.iter().map(|(c, v)| AlterableConfig::default().with_name(s(c)).with_value(v.map(s))).collect(),
    );
    let request = AlterConfigsRequest::default().with_validate_only(validate_only).with_resources(vec![resource]);
    let response = client.send(2, &request);
    let r = &response.responses[0];
    (r.error_code, r.error_message.as_ref().map(|m| m.to_string()))
}

fn value(client: &mut RawClient, topic: &str, name: &str) -> (Option<String>, i8) {
    let result = describe(client, TOPIC_TYPE, topic, Some(&[name]));
    let (value, source, _, _) = entry(&result, name);
    (value, source)
}

fn create_topic(client: &mut RawClient, name: &str, configs: &[(&str, &str)]) {
    let topic = CreatableTopic::default()
        .with_name(TopicName(s(name)))
        .with_num_partitions(2)
        .with_replication_factor(-1)
        .with_configs(
            configs
                .iter()
                .map(|(k, v)| CreatableTopicConfig::default().with_name(s(k)).with_value(Some(s(v))))
                .collect(),
        );
    let response = client.send(7, &CreateTopicsRequest::default().with_timeout_ms(5000).with_topics(vec![topic]));
    assert_eq!(response.topics[0].error_code, 0, "{:?}", response.topics[0].error_message);
}

fn earliest_offset(client: &mut RawClient) -> i64 {
    let partition = ListOffsetsPartition::default().with_partition_index(0).with_timestamp(-2);
    let topic = ListOffsetsTopic::default().with_name(TopicName(s(TOPIC))).with_partitions(vec![partition]);
    let response =
        client.send(7, &ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![topic]));
    response.topics[0].partitions[0].offset
}

fn admin(strand: &Strand) -> AdminClient<DefaultClientContext> {
    strand.client_config().create().expect("admin client")
}

fn admin_options() -> AdminOptions {
    AdminOptions::new().request_timeout(Some(TIMEOUT)).operation_timeout(Some(TIMEOUT))
}

#[test]
fn a_topic_lists_every_kafka_topic_config_with_its_source_and_synonyms() {
    let strand = Strand::start_with(&["--retention-ms", "7200000", "--max-message-bytes", "2000000"]);
    let mut client = RawClient::connect(&strand.addr);
    create_topic(&mut client, "configured", &[("segment.ms", "100000"), ("max.message.bytes", "5000")]);

    let result = describe(&mut client, TOPIC_TYPE, "configured", None);
    assert_eq!(error(&result), (0, Some(String::new())));
    assert_eq!(result.configs.len(), 37);
    // The topic's own value, then the broker's flag, then Kafka's default.
    assert_eq!(entry(&result, "max.message.bytes"), (Some("5000".into()), 1, false, false));
    assert_eq!(
        synonyms(&result, "max.message.bytes"),
        [
            ("max.message.bytes".into(), Some("5000".into()), 1),
            ("message.max.bytes".into(), Some("2000000".into()), 4),
            ("message.max.bytes".into(), Some("1048588".into()), 5),
        ]
    );
    // A flag given to strand is STATIC_BROKER_CONFIG, with Kafka's fallback chain.
    assert_eq!(entry(&result, "retention.ms"), (Some("7200000".into()), 4, false, false));
    assert_eq!(
        synonyms(&result, "retention.ms"),
        [("log.retention.ms".into(), Some("7200000".into()), 4), ("log.retention.hours".into(), Some("168".into()), 5)]
    );
    // A flag not given is DEFAULT_CONFIG; log.roll.ms has no value, so no synonyms, as on Kafka.
    assert_eq!(entry(&result, "segment.bytes"), (Some("1073741824".into()), 5, false, false));
    assert_eq!(synonyms(&result, "segment.ms"), [("segment.ms".into(), Some("100000".into()), 1)]);
    assert_eq!(entry(&result, "cleanup.policy"), (Some("delete".into()), 5, false, false));
    assert!(result.configs.iter().all(|c| c.config_type != 0), "v3+ carries every config's type");
    assert_eq!(result.configs.iter().find(|c| c.name.as_str() == "retention.ms").unwrap().config_type, 5);

    // Only the keys asked for (unknown ones left out), without synonyms unless asked.
    let response =
        client.send(4, &describe_request(&[(TOPIC_TYPE, "configured", Some(&["retention.ms", "nope"]))], false, false));
    let result = &response.results[0];
    assert_eq!(result.configs.len(), 1);
    assert!(result.configs[0].synonyms.is_empty() && result.configs[0].documentation.is_none());
    // Documentation from v3 when asked.
    let response =
        client.send(3, &describe_request(&[(TOPIC_TYPE, "configured", Some(&["retention.ms"]))], false, true));
    assert!(response.results[0].configs[0].documentation.as_ref().is_some_and(|d| d.contains("deleted")));
    // v1 has neither types nor documentation, and still answers.
    let response =
        client.send(1, &describe_request(&[(TOPIC_TYPE, "configured", Some(&["retention.ms"]))], true, false));
    assert_eq!(response.results[0].configs[0].value.as_deref(), Some("7200000"));
}

#[test]
fn the_broker_lists_strands_settings_under_kafkas_names() {
    let strand = Strand::start_with(&["--retention-ms", "7200000", "--node-id", "3"]);
    let mut client = RawClient::connect(&strand.addr);
    let result = describe(&mut client, BROKER_TYPE, "3", None);
    assert_eq!(error(&result).0, 0);
    assert_eq!(entry(&result, "node.id"), (Some("3".into()), 4, true, false));
    assert_eq!(entry(&result, "listeners").0, Some("PLAINTEXT://127.0.0.1:0".into()));
    assert_eq!(entry(&result, "log.dirs"), (Some(strand.data_dir.display().to_string()), 4, true, false));
    assert_eq!(entry(&result, "log.retention.ms"), (Some("7200000".into()), 4, true, false));
    assert_eq!(entry(&result, "num.partitions"), (Some("1".into()), 5, true, false));
    assert_eq!(synonyms(&result, "num.partitions"), [("num.partitions".into(), Some("1".into()), 5)]);
    assert_eq!(entry(&result, "log.roll.ms"), (None, 5, true, false));
    assert_eq!(entry(&result, "log.cleanup.policy"), (Some("delete".into()), 5, true, false));
    // Secrets are sensitive and never carry a value.
    assert_eq!(entry(&result, "ssl.key.password"), (None, 5, true, true));
    assert!(result.configs.iter().all(|c| c.read_only), "strand changes no broker config at run time");

    // The cluster-wide dynamic defaults ("" as kafka-configs --entity-default sends): strand has none.
    let result = describe(&mut client, BROKER_TYPE, "", None);
    assert_eq!((error(&result).0, result.configs.len()), (0, 0));
    // The logger: strand's one level, as the root logger.
    let result = describe(&mut client, LOGGER_TYPE, "3", None);
    assert_eq!(entry(&result, "root"), (Some("INFO".into()), 6, true, false));
}

#[test]
fn describe_refusals_have_kafkas_codes_and_messages() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let invalid = "This most likely occurs because of a request being malformed by the client library or the \
                   message was sent to an incompatible broker. See the broker logs for more details.";
    let cases: &[(i8, &str, i16, &str)] = &[
        (TOPIC_TYPE, "nosuch", 3, ""),
        (TOPIC_TYPE, "bad/name", 17, "Topic name is invalid: 'bad/name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"),
        (TOPIC_TYPE, "", 17, "Topic name is invalid: the empty string is not allowed"),
        (BROKER_TYPE, "2", 42, "Unexpected broker id, expected 1 or empty string, but received 2"),
        (BROKER_TYPE, "abc", 42, "Broker id must be an integer, but it is: abc"),
        (LOGGER_TYPE, "2", 42, "Unexpected broker id, expected 1 but received 2"),
        (LOGGER_TYPE, "", 42, "Broker id must not be empty"),
        (99, "x", 42, invalid),
    ];
    let response = client
        .send(4, &describe_request(&cases.iter().map(|(k, n, _, _)| (*k, *n, None)).collect::<Vec<_>>(), false, false));
    for ((kind, name, code, message), result) in cases.iter().zip(&response.results) {
        assert_eq!(error(result), (*code, Some(message.to_string())), "{kind} {name:?}");
        assert!(result.configs.is_empty());
    }
}

#[test]
fn incremental_alters_set_delete_append_subtract_and_validate_only() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[("retention.ms", SET, Some("1000"))], false), (0, None));
    assert_eq!(value(&mut client, TOPIC, "retention.ms"), (Some("1000".into()), 1));
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[("retention.ms", SET, Some("2000"))], true), (0, None));
    assert_eq!(value(&mut client, TOPIC, "retention.ms"), (Some("1000".into()), 1), "validate_only changes nothing");
    assert_eq!(
        alter(&mut client, TOPIC_TYPE, TOPIC, &[("retention.ms", DELETE, None), ("no.such", DELETE, None)], false),
        (0, None)
    );
    assert_eq!(value(&mut client, TOPIC, "retention.ms"), (Some("604800000".into()), 5));

    let replicas = "leader.replication.throttled.replicas";
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[(replicas, APPEND, Some("0:1"))], false).0, 0);
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[(replicas, APPEND, Some("1:1,0:1"))], false).0, 0);
    assert_eq!(value(&mut client, TOPIC, replicas), (Some("0:1,1:1".into()), 1));
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[(replicas, SUBTRACT, Some("0:1"))], false).0, 0);
    assert_eq!(value(&mut client, TOPIC, replicas), (Some("1:1".into()), 1));
    // SUBTRACT starts from the default when the topic has no value of its own.
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[("cleanup.policy", SUBTRACT, Some("delete"))], false).0, 0);
    assert_eq!(value(&mut client, TOPIC, "cleanup.policy"), (Some(String::new()), 1));
}

#[test]
fn alter_refusals_have_kafkas_codes_and_messages() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let ok = |m: &str| Some(m.to_owned());
    let cases: &[(i8, &str, &[Op], Outcome)] = &[
        (TOPIC_TYPE, "nosuch", &[("retention.ms", SET, Some("1"))], (3, ok("The topic 'nosuch' does not exist."))),
        (TOPIC_TYPE, "bad/name", &[("retention.ms", SET, Some("1"))], (17, ok("Topic name is invalid: 'bad/name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"))),
        (TOPIC_TYPE, "", &[("retention.ms", SET, Some("1"))], (42, ok("Default topic resources are not allowed."))),
        (TOPIC_TYPE, TOPIC, &[("nope", SET, Some("1"))], (40, ok("Unknown topic config name: nope"))),
        (TOPIC_TYPE, TOPIC, &[("retention.ms", SET, Some("abc"))], (40, ok("Invalid value abc for configuration retention.ms: Not a number of type LONG"))),
        (TOPIC_TYPE, TOPIC, &[("retention.ms", SET, Some("-5"))], (40, ok("Invalid value -5 for configuration retention.ms: Value must be at least -1"))),
        (TOPIC_TYPE, TOPIC, &[("retention.ms", SET, None)], (42, ok("Null value not supported for : retention.ms"))),
        (TOPIC_TYPE, TOPIC, &[("retention.ms", APPEND, Some("5"))], (40, ok("Can't APPEND to key retention.ms because its type is not LIST."))),
        (TOPIC_TYPE, TOPIC, &[("retention.ms", SUBTRACT, Some("5"))], (40, ok("Can't SUBTRACT to key retention.ms because its type is not LIST."))),
        (TOPIC_TYPE, TOPIC, &[("retention.ms", SET, Some("1")), ("retention.ms", SET, Some("2"))], (42, ok("Error due to duplicate config keys"))),
        (TOPIC_TYPE, TOPIC, &[("retention.ms", 4, Some("1"))], (-1, None)),
        (BROKER_TYPE, "1", &[("log.retention.hours", SET, Some("1")), ("log.dirs", SET, Some("/x"))], (42, ok("Cannot update these configs dynamically: [log.retention.hours, log.dirs]"))),
        (BROKER_TYPE, "", &[("log.retention.ms", SET, Some("1"))], (42, ok("Cannot update these configs dynamically: [log.retention.ms]"))),
        // Deleting a dynamic broker config never set changes nothing (kafka-reassign-partitions
        // --verify clears its throttles so); a SET beside it is still refused.
        (BROKER_TYPE, "1", &[("leader.replication.throttled.rate", DELETE, None)], (0, None)),
        (BROKER_TYPE, "1", &[("leader.replication.throttled.rate", DELETE, None), ("log.retention.ms", SET, Some("1"))], (42, ok("Cannot update these configs dynamically: [log.retention.ms]"))),
        (BROKER_TYPE, "2", &[("log.retention.ms", SET, Some("1"))], (42, ok("Unexpected broker id, expected 1, but received 2"))),
        (BROKER_TYPE, "abc", &[("log.retention.ms", SET, Some("1"))], (42, ok("Node id must be an integer, but it is: abc"))),
        (LOGGER_TYPE, "2", &[("root", SET, Some("DEBUG"))], (42, ok("Unexpected node id. Expected 1, but received 2"))),
        // No dynamic log levels here (Kafka has them): refused as a read-only config.
        (LOGGER_TYPE, "1", &[("root", SET, Some("DEBUG"))], (42, ok("Cannot update these configs dynamically: [root]"))),
        (99, "x", &[("a", SET, Some("1"))], (42, ok("Unknown resource type 99"))),
    ];
    for (kind, name, ops, expected) in cases {
        assert_eq!(&alter(&mut client, *kind, name, ops, false), expected, "{kind} {name:?} {ops:?}");
    }
    // A resource named twice: each of its entries is refused.
    let resource = || {
        iac::AlterConfigsResource::default()
            .with_resource_type(TOPIC_TYPE)
            .with_resource_name(s(TOPIC))
            .with_configs(vec![iac::AlterableConfig::default().with_name(s("retention.ms")).with_value(Some(s("1")))])
    };
    let response =
        client.send(1, &IncrementalAlterConfigsRequest::default().with_resources(vec![resource(), resource()]));
    for r in &response.responses {
        assert_eq!((r.error_code, r.error_message.as_deref()), (42, Some("Each resource must appear at most once.")));
    }
    assert_eq!(value(&mut client, TOPIC, "retention.ms"), (Some("604800000".into()), 5), "nothing was changed");
}

#[test]
fn alter_configs_replaces_every_override_and_refuses_as_kafka() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    create_topic(&mut client, "legacy", &[("retention.ms", "1000"), ("segment.ms", "60000")]);
    assert_eq!(replace(&mut client, TOPIC_TYPE, "legacy", &[("max.message.bytes", Some("5000"))], false), (0, None));
    assert_eq!(value(&mut client, "legacy", "max.message.bytes"), (Some("5000".into()), 1));
    assert_eq!(value(&mut client, "legacy", "retention.ms"), (Some("604800000".into()), 5), "dropped: not given");
    assert_eq!(replace(&mut client, TOPIC_TYPE, "legacy", &[("retention.ms", Some("1"))], true), (0, None));
    assert_eq!(value(&mut client, "legacy", "retention.ms").1, 5, "validate_only changes nothing");

    assert_eq!(
        replace(&mut client, TOPIC_TYPE, "legacy", &[("retention.ms", None)], false),
        (42, Some("Null value not supported for : retention.ms".into()))
    );
    assert_eq!(
        replace(&mut client, TOPIC_TYPE, "legacy", &[("nope", Some("1"))], false),
        (40, Some("Unknown topic config name: nope".into()))
    );
    assert_eq!(
        replace(&mut client, TOPIC_TYPE, "nosuch", &[], false),
        (3, Some("The topic 'nosuch' does not exist.".into()))
    );
    assert_eq!(
        replace(&mut client, BROKER_TYPE, "1", &[("log.retention.ms", Some("1"))], true),
        (42, Some("Cannot update these configs dynamically: [log.retention.ms]".into()))
    );
    assert_eq!(
        replace(&mut client, LOGGER_TYPE, "1", &[("root", Some("DEBUG"))], true),
        (42, Some("Unknown resource type 8".into()))
    );
    assert_eq!(value(&mut client, "legacy", "max.message.bytes"), (Some("5000".into()), 1), "refusals changed nothing");

    // Kafka drops the connection when a resource is named twice.
    let resource = AlterConfigsResource::default().with_resource_type(TOPIC_TYPE).with_resource_name(s("legacy"));
    client.send_only(2, &AlterConfigsRequest::default().with_resources(vec![resource.clone(), resource]));
    assert!(client.is_closed_by_peer());
}

#[test]
fn a_lowered_max_message_bytes_refuses_the_next_produce_and_survives_a_restart() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    let big = vec![b'x'; 2000];
    assert_eq!(client.produce(batch(&[&big], OLD)).0, 0);
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[("max.message.bytes", SET, Some("1000"))], false), (0, None));
    assert_eq!(client.produce(batch(&[&big], OLD)).0, 10, "MESSAGE_TOO_LARGE at once");
    assert_eq!(client.produce(batch(&[b"small"], OLD)).0, 0);

    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(value(&mut client, TOPIC, "max.message.bytes"), (Some("1000".into()), 1));
    assert_eq!(client.produce(batch(&[&big], OLD)).0, 10, "still refused after a restart");
    assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[("max.message.bytes", DELETE, None)], false), (0, None));
    assert_eq!(client.produce(batch(&[&big], OLD)).0, 0);
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(value(&mut client, TOPIC, "max.message.bytes"), (Some("1048588".into()), 5), "the deletion persisted");
}

#[test]
fn retention_runs_with_retention_ms_and_retention_bytes_set_at_run_time() {
    for (config, limit) in [("retention.ms", "1000"), ("retention.bytes", "300")] {
        // The broker keeps everything; only the topic's new setting can delete.
        let strand = Strand::start_with(&["--retention-ms=-1", "--retention-check-interval-ms", "100"]);
        let mut client = RawClient::connect(&strand.addr);
        // One batch per segment, so that retention has whole segments to delete.
        assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[("internal.segment.bytes", SET, Some("200"))], false).0, 0);
        for _ in 0..10 {
            assert_eq!(client.produce(batch(&[&[b'x'; 100]], OLD)).0, 0);
        }
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(earliest_offset(&mut client), 0, "{config}: nothing deleted before the change");
        assert_eq!(alter(&mut client, TOPIC_TYPE, TOPIC, &[(config, SET, Some(limit))], false), (0, None));
        wait_until(&format!("{config}={limit} deletes old segments"), || earliest_offset(&mut client) > 0);
    }
}

#[tokio::test]
async fn rdkafkas_admin_client_describes_and_alters_configs() {
    let strand = Strand::start_with(&["--num-partitions", "1"]);
    let admin = admin(&strand);
    let results = admin
        .describe_configs(&[ResourceSpecifier::Topic(TOPIC), ResourceSpecifier::Broker(1)], &admin_options())
        .await
        .expect("DescribeConfigs");
    let topic = results[0].as_ref().expect("topic configs");
    let retention = topic.get("retention.ms").unwrap();
    assert_eq!(
        (retention.value.as_deref(), &retention.source, retention.is_default),
        (Some("604800000"), &ConfigSource::Default, true)
    );
    let broker = results[1].as_ref().expect("broker configs");
    assert_eq!(broker.get("num.partitions").unwrap().source, ConfigSource::StaticBroker);
    assert_eq!(broker.get("message.max.bytes").unwrap().value.as_deref(), Some("1048588"));

    let change = AlterConfig::new(ResourceSpecifier::Topic(TOPIC)).set("retention.ms", "3600000");
    let altered = admin.alter_configs(&[change], &admin_options()).await.expect("AlterConfigs");
    assert!(altered[0].is_ok(), "{:?}", altered[0]);
    let results = admin.describe_configs(&[ResourceSpecifier::Topic(TOPIC)], &admin_options()).await.unwrap();
    let retention = results[0].as_ref().unwrap().get("retention.ms").unwrap().clone_fields();
    assert_eq!(retention, (Some("3600000".to_owned()), true));

    // rust-rdkafka's alter_configs reports no per-resource error (it returns Ok for
    // every resource), so the broker's refusal is checked with the raw client in
    // `alter_refusals_have_kafkas_codes_and_messages`.
}

/// (value, whether the topic sets it itself).
trait Fields {
    fn clone_fields(&self) -> (Option<String>, bool);
}

impl Fields for rdkafka::admin::ConfigEntry {
    fn clone_fields(&self) -> (Option<String>, bool) {
        (self.value.clone(), self.source == ConfigSource::DynamicTopic)
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
