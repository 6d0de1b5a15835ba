//! strand's settings under Kafka's broker config names: what DescribeConfigs lists
//! for the BROKER resource, and the broker-level values a topic config falls back
//! to (`retention.ms` to `log.retention.ms`, strand's `--retention-ms`).
//!
//! Each entry names the Kafka broker config, its type, and the strand setting
//! that gives it, if any. Its source is Kafka's STATIC_BROKER_CONFIG when a flag,
//! env var or the config file gave that setting, DEFAULT_CONFIG otherwise. The
//! rest of the list are Kafka's broker-level defaults of the topic configs
//! strand accepts but does not apply (`log.cleanup.policy`, `compression.type`,
//! ...), with Kafka's default values, which are strand's behaviour too.
//!
//! Three Kafka settings have no default of their own and fall back to a coarser
//! one: `log.retention.ms` to `log.retention.minutes` to `log.retention.hours`
//! (168), `log.roll.ms` to `log.roll.hours` (168), `log.flush.interval.ms` to
//! `log.flush.scheduler.interval.ms`. strand's defaults are exactly those
//! fallbacks, so, as on Kafka, the fine-grained ones are listed without a value
//! unless given. Passwords and keys are listed as Kafka lists them: sensitive,
//! never with a value. strand changes none of these at run time, so every one
//! is read-only.

use super::Config;

/// Kafka's `DescribeConfigsResponse.ConfigSource`, the sources strand has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    DynamicTopic,
    StaticBroker,
    Default,
    DynamicBrokerLogger,
}

impl ConfigSource {
    /// The code on the wire.
    pub fn code(self) -> i8 {
        match self {
            ConfigSource::DynamicTopic => 1,
            ConfigSource::StaticBroker => 4,
            ConfigSource::Default => 5,
            ConfigSource::DynamicBrokerLogger => 6,
        }
    }
}

/// Kafka's `ConfigDef.Type`, as DescribeConfigs v3+ reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigType {
    Boolean,
    String,
    Int,
    Long,
    Double,
    List,
    Password,
}

impl ConfigType {
    /// The code on the wire.
    pub fn code(self) -> i8 {
        match self {
            ConfigType::Boolean => 1,
            ConfigType::String => 2,
            ConfigType::Int => 3,
            ConfigType::Long => 5,
            ConfigType::Double => 6,
            ConfigType::List => 7,
            ConfigType::Password => 9,
        }
    }
}

/// One broker config as DescribeConfigs reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerConfig {
    pub name: &'static str,
    /// None for a password or key, and for a config with no value.
    pub value: Option<String>,
    pub source: ConfigSource,
    pub kind: ConfigType,
    /// The value when nothing sets it, if there is one (the DEFAULT_CONFIG synonym).
    pub default: Option<String>,
    pub doc: &'static str,
}

impl BrokerConfig {
    pub fn is_sensitive(&self) -> bool {
        self.kind == ConfigType::Password
    }

    /// This config's own synonyms: the given value, then the default.
    fn own_synonyms(&self) -> impl Iterator<Item = (&'static str, Option<String>, ConfigSource)> + '_ {
        let given = (self.source == ConfigSource::StaticBroker).then(|| (self.name, self.value.clone(), self.source));
        let default = self.default.clone().map(|d| (self.name, Some(d), ConfigSource::Default));
        given.into_iter().chain(default)
    }
}

/// The coarser configs Kafka falls back to when one is not set, in order.
fn fallbacks(name: &str) -> &'static [&'static str] {
    match name {
        "log.retention.ms" => &["log.retention.minutes", "log.retention.hours"],
        "log.retention.minutes" => &["log.retention.hours"],
        "log.roll.ms" => &["log.roll.hours"],
        "log.roll.jitter.ms" => &["log.roll.jitter.hours"],
        "log.flush.interval.ms" => &["log.flush.scheduler.interval.ms"],
        _ => &[],
    }
}

/// Kafka's synonyms of broker config `name`, most specific first: its own given
/// value and default, then those of the configs it falls back to; none when it
/// has no value itself (as Kafka lists them).
pub fn synonyms(configs: &[BrokerConfig], name: &str) -> Vec<(&'static str, Option<String>, ConfigSource)> {
    match find(configs, name) {
        Some(config) if config.value.is_some() => std::iter::once(config)
            .chain(fallbacks(name).iter().filter_map(|f| find(configs, f)))
            .flat_map(BrokerConfig::own_synonyms)
            .collect(),
        _ => Vec::new(),
    }
}

/// What gives an entry its value.
enum Given {
    /// strand's setting (a `Config` field name) and its value in Kafka's form.
    Setting(&'static str, fn(&Config) -> String),
    /// A strand setting, listed without a value unless given (see the module doc).
    SettingElseNone(&'static str, fn(&Config) -> String),
    /// A password or key: never shown; given when the setting is.
    Secret(&'static str),
    /// No strand setting: what strand does is Kafka's default (None: no value).
    Fixed(Option<&'static str>),
}

struct Entry {
    name: &'static str,
    kind: ConfigType,
    given: Given,
    doc: &'static str,
}

const fn entry(name: &'static str, kind: ConfigType, given: Given, doc: &'static str) -> Entry {
    Entry { name, kind, given, doc }
}

const LONG_MAX: &str = "9223372036854775807";

use ConfigType::{Boolean, Double, Int, List, Long, Password, String as Str};
use Given::{Fixed, Secret, Setting, SettingElseNone};

/// In the order Kafka 4.4 lists them (its order, the configs it has that strand
/// has not left out).
const ENTRIES: &[Entry] = &[
    entry("log.cleaner.min.compaction.lag.ms", Long, Fixed(Some("0")), "Default min.compaction.lag.ms of topics."),
    entry(
        "log.flush.interval.messages",
        Long,
        Setting("flush_interval_messages", |c| never_or(c.flush_interval_messages)),
        "Messages appended to a partition before it is fsynced; Long.MAX_VALUE leaves flushing to the OS.",
    ),
    entry(
        "log.flush.interval.ms",
        Long,
        SettingElseNone("flush_interval_ms", |c| never_or(c.flush_interval_ms)),
        "Time unflushed data may stay in memory before it is fsynced; unset, log.flush.scheduler.interval.ms applies.",
    ),
    entry("min.insync.replicas", Int, Fixed(Some("1")), "Default min.insync.replicas of topics; one replica here."),
    entry(
        "ssl.keystore.type",
        Str,
        Setting("tls_cert", |_| "PEM".into()),
        "Format of the key store: PEM for strand's --tls-cert.",
    ),
    entry(
        "message.max.bytes",
        Int,
        Setting("max_message_bytes", |c| c.max_message_bytes.to_string()),
        "Largest record batch the broker accepts; topics override it with max.message.bytes.",
    ),
    entry(
        "max.connection.creation.rate",
        Int,
        Setting("max_connection_creation_rate", |c| c.max_connection_creation_rate.to_string()),
        "New connections per second the listener takes, all IPs together; past it, accepting waits.",
    ),
    entry(
        "quota.window.num",
        Int,
        Setting("quota_window_num", |c| c.quota_window_num.to_string()),
        "Samples client quota and connection rates are measured over.",
    ),
    entry("log.roll.jitter.hours", Int, Fixed(Some("0")), "Default segment.jitter.ms of topics, in hours."),
    entry("log.cleaner.delete.retention.ms", Long, Fixed(Some("86400000")), "Default delete.retention.ms of topics."),
    entry(
        "socket.request.max.bytes",
        Int,
        Setting("max_request_bytes", |c| c.max_request_bytes.to_string()),
        "Largest request the broker reads; a larger one closes the connection.",
    ),
    entry(
        "log.message.timestamp.type",
        Str,
        Setting("message_timestamp_type", |c| c.message_timestamp_type.name().to_owned()),
        "Default message.timestamp.type of topics.",
    ),
    entry(
        "connections.max.idle.ms",
        Long,
        Setting("connections_max_idle_ms", |c| c.connections_max_idle_ms.to_string()),
        "A connection idle for this long is closed.",
    ),
    entry(
        "max.connections",
        Int,
        Setting("max_connections", |c| c.max_connections.to_string()),
        "Connections the broker serves at once; at the limit it accepts no more until one closes.",
    ),
    entry(
        "log.retention.hours",
        Int,
        Fixed(Some("168")),
        "Hours a segment is kept, used when neither log.retention.ms nor log.retention.minutes is set.",
    ),
    entry(
        "log.roll.ms",
        Long,
        SettingElseNone("segment_ms", |c| c.segment_ms.to_string()),
        "Longest time the active segment spans before it is rolled; unset, log.roll.hours applies.",
    ),
    entry("node.id", Int, Setting("node_id", |c| c.node_id.to_string()), "This node's id."),
    entry("log.local.retention.ms", Long, Fixed(Some("-2")), "Default local.retention.ms of topics."),
    entry(
        "max.connections.per.ip",
        Int,
        Setting("max_connections_per_ip", |c| c.max_connections_per_ip.to_string()),
        "Connections one IP address may hold at once; one more is closed at accept.",
    ),
    entry(
        "log.segment.bytes",
        Int,
        Setting("segment_bytes", |c| c.segment_bytes.to_string()),
        "Size at which a segment is rolled; topics override it with segment.bytes.",
    ),
    entry(
        "group.max.session.timeout.ms",
        Int,
        Fixed(Some("1800000")),
        "Longest session timeout a group member may ask for.",
    ),
    entry(
        "log.message.timestamp.after.max.ms",
        Long,
        Setting("message_timestamp_after_max_ms", |c| c.message_timestamp_after_max_ms.to_string()),
        "Default message.timestamp.after.max.ms of topics.",
    ),
    entry(
        "log.retention.minutes",
        Int,
        Fixed(None),
        "Minutes a segment is kept, used when log.retention.ms is not set.",
    ),
    entry("log.segment.delete.delay.ms", Long, Fixed(Some("60000")), "Default file.delete.delay.ms of topics."),
    entry(
        "log.dirs",
        List,
        Setting("data_dir", |c| c.data_dir.display().to_string()),
        "Where the partitions' logs are kept.",
    ),
    entry(
        "log.message.timestamp.before.max.ms",
        Long,
        Setting("message_timestamp_before_max_ms", |c| c.message_timestamp_before_max_ms.to_string()),
        "Default message.timestamp.before.max.ms of topics.",
    ),
    entry(
        "log.cleaner.min.cleanable.ratio",
        Double,
        Fixed(Some("0.5")),
        "Default min.cleanable.dirty.ratio of topics.",
    ),
    entry("ssl.keystore.key", Password, Secret("tls_key"), "The listener's private key (strand: --tls-key)."),
    entry("compression.gzip.level", Int, Fixed(Some("-1")), "Default compression.gzip.level of topics."),
    entry(
        "unclean.leader.election.enable",
        Boolean,
        Fixed(Some("false")),
        "Default unclean.leader.election.enable of topics.",
    ),
    entry(
        "max.decompressed.message.bytes",
        Int,
        Fixed(Some("2147483639")),
        "Default max.decompressed.message.bytes of topics.",
    ),
    entry(
        "offsets.retention.check.interval.ms",
        Long,
        Setting("offsets_retention_check_interval_ms", |c| c.offsets_retention_check_interval_ms.to_string()),
        "How often committed offsets are checked for expiry.",
    ),
    entry("log.remote.copy.lag.ms", Long, Fixed(Some("0")), "Default remote.copy.lag.ms of topics."),
    entry(
        "log.retention.check.interval.ms",
        Long,
        Setting("retention_check_interval_ms", |c| c.retention_check_interval_ms.to_string()),
        "How often retention deletes what has expired.",
    ),
    entry(
        "auto.create.topics.enable",
        Boolean,
        Setting("auto_create_topics", |c| c.auto_create_topics.to_string()),
        "Whether producing to, or asking Metadata for, a missing topic creates it.",
    ),
    entry("log.remote.copy.lag.bytes", Long, Fixed(Some("-1")), "Default remote.copy.lag.bytes of topics."),
    entry(
        "default.replication.factor",
        Int,
        Fixed(Some("1")),
        "Replicas of a topic created without a count: one here.",
    ),
    entry("ssl.truststore.password", Password, Fixed(None), "Password of the trust store; strand takes PEM files."),
    entry("log.preallocate", Boolean, Fixed(Some("false")), "Default preallocate of topics."),
    entry(
        "quota.window.size.seconds",
        Int,
        Setting("quota_window_size_seconds", |c| c.quota_window_size_seconds.to_string()),
        "Length of each quota sample, in seconds.",
    ),
    entry("log.cleaner.max.compaction.lag.ms", Long, Fixed(Some(LONG_MAX)), "Default max.compaction.lag.ms of topics."),
    entry(
        "log.retention.ms",
        Long,
        SettingElseNone("retention_ms", |c| c.retention_ms.to_string()),
        "Time a segment is kept after its newest record; -1 keeps segments forever. Unset, \
         log.retention.minutes and then log.retention.hours apply.",
    ),
    entry(
        "ssl.client.auth",
        Str,
        Setting("tls_client_ca", |c| client_auth(c).into()),
        "Whether clients must present a certificate: required when strand has --tls-client-ca.",
    ),
    entry("log.local.retention.bytes", Long, Fixed(Some("-2")), "Default local.retention.bytes of topics."),
    entry(
        "log.retention.bytes",
        Long,
        Setting("retention_bytes", |c| c.retention_bytes.to_string()),
        "Size a partition's log may reach before its oldest segments are deleted; -1 is no limit.",
    ),
    entry(
        "offsets.retention.minutes",
        Int,
        Setting("offsets_retention_minutes", |c| c.offsets_retention_minutes.to_string()),
        "Committed offsets of a group without members are deleted this long after it became Empty.",
    ),
    entry("compression.zstd.level", Int, Fixed(Some("3")), "Default compression.zstd.level of topics."),
    entry(
        "num.partitions",
        Int,
        Setting("num_partitions", |c| c.num_partitions.to_string()),
        "Partitions of a topic created without a count.",
    ),
    entry(
        "ssl.keystore.certificate.chain",
        Password,
        Secret("tls_cert"),
        "The listener's certificate chain (strand: --tls-cert).",
    ),
    entry(
        "listeners",
        List,
        Setting("listen", |c| format!("{}://{}", c.security_protocol(), c.listen)),
        "The address the broker listens on, with its security protocol.",
    ),
    entry("log.flush.scheduler.interval.ms", Long, Fixed(Some(LONG_MAX)), "How often the time-based flush is checked."),
    entry(
        "log.index.size.max.bytes",
        Int,
        Setting("index_max_bytes", |c| c.index_max_bytes.to_string()),
        "Size each segment's offset index is allocated with; topics override it with segment.index.bytes.",
    ),
    entry(
        "ssl.truststore.certificates",
        Password,
        Secret("tls_client_ca"),
        "Certificates of the authorities client certificates must be signed by (strand: --tls-client-ca).",
    ),
    entry("compression.lz4.level", Int, Fixed(Some("9")), "Default compression.lz4.level of topics."),
    entry(
        "log.roll.hours",
        Int,
        Fixed(Some("168")),
        "Hours the active segment spans at most, when log.roll.ms is not set.",
    ),
    entry("log.cleanup.policy", List, Fixed(Some("delete")), "Default cleanup.policy of topics."),
    entry("log.roll.jitter.ms", Long, Fixed(None), "Default segment.jitter.ms of topics."),
    entry(
        "group.initial.rebalance.delay.ms",
        Int,
        Setting("group_initial_rebalance_delay_ms", |c| c.group_initial_rebalance_delay_ms.to_string()),
        "How long a new group waits for more members before its first rebalance.",
    ),
    entry(
        "log.index.interval.bytes",
        Int,
        Setting("index_interval_bytes", |c| c.index_interval_bytes.to_string()),
        "Log bytes between two offset index entries.",
    ),
    entry(
        "ssl.truststore.location",
        Str,
        Setting("tls_client_ca", |c| c.tls_client_ca.display().to_string()),
        "File of the authorities client certificates must be signed by.",
    ),
    entry("ssl.keystore.password", Password, Fixed(None), "Password of the key store; strand takes PEM files."),
    entry("compression.type", Str, Fixed(Some("producer")), "Default compression.type of topics."),
    entry(
        "max.connections.per.ip.overrides",
        Str,
        Setting("max_connections_per_ip_overrides", ip_overrides),
        "Per-host exceptions to max.connections.per.ip, as HOST:N pairs.",
    ),
    entry("ssl.key.password", Password, Fixed(None), "Password of the private key; strand takes unencrypted keys."),
    entry(
        "ssl.keystore.location",
        Str,
        Setting("tls_cert", |c| c.tls_cert.display().to_string()),
        "File of the listener's certificate chain.",
    ),
    entry(
        "sasl.enabled.mechanisms",
        List,
        Setting("sasl_mechanisms", mechanisms),
        "The SASL mechanisms the listener offers.",
    ),
    entry(
        "group.min.session.timeout.ms",
        Int,
        Fixed(Some("6000")),
        "Shortest session timeout a group member may ask for.",
    ),
    entry("broker.id", Int, Setting("node_id", |c| c.node_id.to_string()), "This broker's id, the same as node.id."),
    entry(
        "advertised.listeners",
        List,
        SettingElseNone("advertised_listener", |c| format!("{}://{}", c.security_protocol(), c.advertised_listener)),
        "The address clients are told to connect to; unset, the listeners.",
    ),
    // kafka-ui reads it before it offers to delete a topic.
    entry("delete.topic.enable", Boolean, Fixed(Some("true")), "Whether DeleteTopics deletes; always on here."),
];

/// `max.connections.per.ip.overrides` as given, in Kafka's `host:N,host:N` form.
fn ip_overrides(config: &Config) -> String {
    let pairs: Vec<String> =
        config.max_connections_per_ip_overrides.iter().map(|o| format!("{}:{}", o.host, o.max)).collect();
    pairs.join(",")
}

fn never_or(interval: Option<u64>) -> String {
    interval.map_or_else(|| LONG_MAX.to_owned(), |n| n.to_string())
}

fn client_auth(config: &Config) -> &'static str {
    match config.tls_files() {
        Some((_, _, Some(_))) => "required",
        _ => "none",
    }
}

fn mechanisms(config: &Config) -> String {
    config.sasl_mechanisms.iter().map(|m| m.name()).collect::<Vec<_>>().join(",")
}

/// Every broker config strand lists, with its value and source under `config`.
pub fn broker_configs(config: &Config) -> Vec<BrokerConfig> {
    let defaults = default_config();
    ENTRIES
        .iter()
        .map(|entry| {
            let (value, source, default) = match &entry.given {
                Setting(setting, value) => {
                    let value = value(config);
                    if config.is_given(setting) {
                        // The default is what strand would have without the setting.
                        (Some(value), ConfigSource::StaticBroker, default_of(entry, &defaults))
                    } else {
                        (Some(value.clone()), ConfigSource::Default, Some(value))
                    }
                }
                SettingElseNone(setting, value) if config.is_given(setting) => {
                    (Some(value(config)), ConfigSource::StaticBroker, None)
                }
                SettingElseNone(..) => (None, ConfigSource::Default, None),
                Secret(setting) if config.is_given(setting) => (None, ConfigSource::StaticBroker, None),
                Secret(_) => (None, ConfigSource::Default, None),
                Fixed(value) => (value.map(str::to_owned), ConfigSource::Default, value.map(str::to_owned)),
            };
            BrokerConfig { name: entry.name, value, source, kind: entry.kind, default, doc: entry.doc }
        })
        .collect()
}

/// strand's settings with nothing given.
fn default_config() -> Config {
    Config::load(super::Overrides::default(), None).expect("the default settings are valid")
}

fn default_of(entry: &Entry, defaults: &Config) -> Option<String> {
    match &entry.given {
        Setting(_, value) => Some(value(defaults)),
        _ => None,
    }
}

/// The broker config of this name, if strand lists it.
pub fn find<'a>(configs: &'a [BrokerConfig], name: &str) -> Option<&'a BrokerConfig> {
    configs.iter().find(|c| c.name == name)
}

/// Whether Kafka has a broker config of this name that strand lists.
pub fn is_broker_config(name: &str) -> bool {
    ENTRIES.iter().any(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;

    fn configs(cli: Overrides) -> Vec<BrokerConfig> {
        broker_configs(&Config::load(cli, None).unwrap())
    }

    #[test]
    fn the_fallback_defaults_are_strands_defaults() {
        // log.retention.ms, log.roll.ms and log.flush.interval.ms are listed without a
        // value by default because strand's defaults are Kafka's fallbacks.
        let defaults = default_config();
        assert_eq!(defaults.retention_ms, 168 * 3_600_000);
        assert_eq!(defaults.segment_ms, 168 * 3_600_000);
        assert_eq!(defaults.flush_interval_ms, None);
        let listed = configs(Overrides::default());
        for name in ["log.retention.ms", "log.roll.ms", "log.flush.interval.ms", "advertised.listeners"] {
            let config = find(&listed, name).unwrap();
            assert_eq!((config.value.as_deref(), config.source), (None, ConfigSource::Default));
            assert_eq!(synonyms(&listed, name), vec![]);
        }
    }

    #[test]
    fn connection_limits_and_quota_windows_are_listed_as_kafka_names_them() {
        let value = |listed: &[BrokerConfig], name: &str| {
            let config = find(listed, name).unwrap();
            (config.value.clone().unwrap(), config.source)
        };
        let listed = configs(Overrides::default());
        let unlimited = ("2147483647".to_owned(), ConfigSource::Default);
        assert_eq!(value(&listed, "max.connections.per.ip"), unlimited);
        assert_eq!(value(&listed, "max.connection.creation.rate"), unlimited);
        assert_eq!(value(&listed, "max.connections.per.ip.overrides"), (String::new(), ConfigSource::Default));
        assert_eq!(value(&listed, "quota.window.num"), ("11".to_owned(), ConfigSource::Default));
        assert_eq!(value(&listed, "quota.window.size.seconds"), ("1".to_owned(), ConfigSource::Default));
        let listed = configs(Overrides {
            max_connections_per_ip_overrides: Some("127.0.0.1:3, localhost:0".into()),
            quota_window_num: Some(2),
            ..Default::default()
        });
        let given = |v: &str| (v.to_owned(), ConfigSource::StaticBroker);
        assert_eq!(value(&listed, "max.connections.per.ip.overrides"), given("127.0.0.1:3,localhost:0"));
        assert_eq!(value(&listed, "quota.window.num"), given("2"));
        assert_eq!(
            synonyms(&listed, "quota.window.num"),
            vec![
                ("quota.window.num", Some("2".to_owned()), ConfigSource::StaticBroker),
                ("quota.window.num", Some("11".to_owned()), ConfigSource::Default)
            ]
        );
    }

    #[test]
    fn a_given_setting_is_static_with_the_default_as_synonym() {
        let listed =
            configs(Overrides { retention_ms: Some(5000), max_message_bytes: Some(2000), ..Default::default() });
        let retention = find(&listed, "log.retention.ms").unwrap();
        assert_eq!(retention.value.as_deref(), Some("5000"));
        assert_eq!(
            synonyms(&listed, "log.retention.ms"),
            vec![
                ("log.retention.ms", Some("5000".into()), ConfigSource::StaticBroker),
                ("log.retention.hours", Some("168".into()), ConfigSource::Default)
            ]
        );
        let max = find(&listed, "message.max.bytes").unwrap();
        assert_eq!(max.value.as_deref(), Some("2000"));
        assert_eq!(
            synonyms(&listed, "message.max.bytes"),
            vec![
                ("message.max.bytes", Some("2000".into()), ConfigSource::StaticBroker),
                ("message.max.bytes", Some("1048588".into()), ConfigSource::Default)
            ]
        );
        let segment = find(&listed, "log.segment.bytes").unwrap();
        assert_eq!((segment.source, segment.value.as_deref()), (ConfigSource::Default, Some("1073741824")));
    }

    #[test]
    fn secrets_never_have_a_value() {
        let listed = configs(Overrides::default());
        for config in listed.iter().filter(|c| c.is_sensitive()) {
            assert_eq!(config.value, None, "{}", config.name);
        }
        assert!(find(&listed, "ssl.key.password").unwrap().is_sensitive());
    }

    #[test]
    fn the_initial_rebalance_delay_is_strands_setting() {
        let listed = configs(Overrides::default());
        let delay = find(&listed, "group.initial.rebalance.delay.ms").unwrap();
        assert_eq!((delay.value.as_deref(), delay.source), (Some("0"), ConfigSource::Default));
        let listed = configs(Overrides { group_initial_rebalance_delay_ms: Some(3000), ..Default::default() });
        assert_eq!(
            synonyms(&listed, "group.initial.rebalance.delay.ms"),
            vec![
                ("group.initial.rebalance.delay.ms", Some("3000".into()), ConfigSource::StaticBroker),
                ("group.initial.rebalance.delay.ms", Some("0".into()), ConfigSource::Default)
            ]
        );
    }

    #[test]
    fn names_are_listed_once() {
        let mut names: Vec<&str> = ENTRIES.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ENTRIES.len());
    }
}
