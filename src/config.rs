//! The one `Config`: every setting, its default, its flag, its `STRAND_*` env
//! twin and its key in the TOML file are declared once, in `settings!` below.
//!
//! Precedence is flag > env > file > default: clap merges the first two (a flag
//! beats its env var), the file fills what is still unset, and the defaults fill
//! the rest. The result is validated once at startup and passed down by reference.
//!
//! A setting whose given form is not what the code should work with is parsed
//! into a typed form right there (`as TYPE = PARSER` below): the SASL mechanism
//! list becomes `Vec<Mechanism>`, `log_format` a `LogFormat`, and the flush
//! intervals, whose "never" is Kafka's Long.MAX_VALUE, an `Option` (`None` =
//! never). The flags, env vars and file keys, and the values they take, stay
//! Kafka-like; nothing downstream re-parses a string or tests a sentinel.
//!
//! Validation here checks the settings themselves. The files they name (TLS
//! certificate and key, users file) are read once, by `server::Security::load`.

use std::path::{Path, PathBuf};

pub mod kafka;

use crate::group::offset_store;
use crate::log::TimestampType;
use crate::sasl::{self, Mechanism};
use crate::topics;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read config file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {}: {source}", path.display())]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("invalid setting {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// The type a setting has in `Config`: its typed form when it has one.
macro_rules! setting_type {
    ($given:ty) => {
        $given
    };
    ($given:ty, $typed:ty) => {
        $typed
    };
}

/// A setting's value in `Config`: parsed into its typed form when it has one.
macro_rules! parse_setting {
    ($name:ident, $value:expr) => {
        $value
    };
    ($name:ident, $value:expr, $parse:path) => {
        $parse($value).map_err(|reason| Error::Invalid { name: stringify!($name), reason })?
    };
}

macro_rules! settings {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty = $default:expr, env $env:literal
        $(, clap($($clap:tt)*))? $(, serde($($serde:tt)*))? $(, as $typed:ty = $parse:path)?; )*) => {
        /// Settings as a flag, an env var or the config file gives them: all optional.
        #[derive(clap::Args, serde::Deserialize, Debug, Default, Clone)]
        #[serde(deny_unknown_fields)]
        pub struct Overrides {
            $( $(#[doc = $doc])* #[arg(long, env = $env $(, $($clap)*)?)] $(#[serde($($serde)*)])? pub $name: Option<$ty>, )*
        }

        /// The effective configuration.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[doc = $doc])* pub $name: setting_type!($ty $(, $typed)?), )*
            /// The settings a flag, env var or the config file gave, by field name;
            /// the others have their defaults. DescribeConfigs tells them apart
            /// (Kafka's STATIC_BROKER_CONFIG and DEFAULT_CONFIG sources).
            pub given: Vec<&'static str>,
        }

        impl Overrides {
            /// Fills every setting `self` leaves unset from `lower`.
            pub fn or(self, lower: Overrides) -> Overrides {
                Overrides { $( $name: self.$name.or(lower.$name), )* }
            }

            /// Defaults for what is unset, then each typed setting parsed.
            fn resolve(self) -> Result<Config, Error> {
                let given = [$( (stringify!($name), self.$name.is_some()), )*]
                    .into_iter()
                    .filter_map(|(name, is_given)| is_given.then_some(name))
                    .collect();
                Ok(Config {
                    given,
                    $( $name: parse_setting!($name, self.$name.unwrap_or_else(|| $default.into()) $(, $parse)?), )*
                })
            }
        }

        impl Config {
            /// `key=value` for every setting, for the startup log line (the one
            /// secret, a Redis password in `offsets_store`, is hidden by `Spec`'s `Debug`).
            pub fn summary(&self) -> String {
                let entries: Vec<String> = vec![ $( format!("{}={:?}", stringify!($name), self.$name), )* ];
                entries.join(" ")
            }
        }
    };
}

settings! {
    /// Address the Kafka listener binds (`listeners`).
    listen: String = "127.0.0.1:9092", env "STRAND_LISTEN";
    /// HOST:PORT handed to clients in Metadata (`advertised.listeners`); empty = the
    /// listen address, with 0.0.0.0 replaced by this machine's hostname.
    advertised_listener: String = "", env "STRAND_ADVERTISED_LISTENER";
    /// Directory holding the topic's log and the broker's metadata (`log.dirs`).
    data_dir: PathBuf = "./data", env "STRAND_DATA_DIR";
    /// Topics created at start if missing, each NAME or NAME:PARTITIONS (PARTITIONS
    /// defaults to num_partitions); repeat the flag or separate them with commas.
    topic: Vec<String> = vec!["events".to_owned()], env "STRAND_TOPIC",
        clap(value_delimiter = ','), serde(default, deserialize_with = "comma_separated"),
        as Vec<TopicSpec> = parse_topics;
    /// Create a topic when a client produces to it or asks Metadata for it with
    /// auto-creation allowed (`auto.create.topics.enable`).
    auto_create_topics: bool = false, env "STRAND_AUTO_CREATE_TOPICS";
    /// Partitions of an auto-created topic, and of a CreateTopics asking for -1 (`num.partitions`).
    num_partitions: u32 = 1u32, env "STRAND_NUM_PARTITIONS";
    /// Partitions the broker hosts at most, all topics together; creating more is
    /// refused with POLICY_VIOLATION.
    max_partitions: u32 = 10_000u32, env "STRAND_MAX_PARTITIONS";
    /// Address of the Prometheus metrics HTTP endpoint.
    metrics_listen: String = "127.0.0.1:9464", env "STRAND_METRICS_LISTEN";
    /// Address of the HTTP listener: the REST Proxy API (v2, v3) and strand's own
    /// query API, on the REST Proxy's port; empty = off. HTTPS with the Kafka
    /// listener's certificate when TLS is on; HTTP Basic auth with the SASL users
    /// when SASL is on.
    http_listen: String = "127.0.0.1:8082", env "STRAND_HTTP_LISTEN";
    /// Largest HTTP request body accepted; a larger one is 413.
    http_max_body_bytes: u64 = 16_777_216u64, env "STRAND_HTTP_MAX_BODY_BYTES";
    /// Records one HTTP produce request may carry; more is 422.
    http_max_records_per_request: u32 = 10_000u32, env "STRAND_HTTP_MAX_RECORDS_PER_REQUEST";
    /// REST consumer instances the broker holds at once; creating more is 429.
    http_max_consumer_instances: u32 = 1_000u32, env "STRAND_HTTP_MAX_CONSUMER_INSTANCES";
    /// A REST consumer instance no request touched for this long is deleted and
    /// leaves its group (the REST Proxy's `consumer.instance.timeout.ms`).
    consumer_instance_timeout_ms: u64 = 300_000u64, env "STRAND_CONSUMER_INSTANCE_TIMEOUT_MS";
    /// This broker's id in Metadata (`node.id`).
    node_id: i32 = 1, env "STRAND_NODE_ID";
    /// Largest request accepted; a larger size prefix closes the connection (`socket.request.max.bytes`).
    max_request_bytes: u32 = 104_857_600u32, env "STRAND_MAX_REQUEST_BYTES";
    /// Connections served at once; at the limit the listener takes no more until
    /// one closes (KIP-402), with a log line (`max.connections`).
    max_connections: u32 = 10_000u32, env "STRAND_MAX_CONNECTIONS";
    /// Connections one IP address may have open at once; more are closed at accept
    /// (`max.connections.per.ip`; the default, Int.MAX_VALUE, is no limit; 0 lets
    /// in only the hosts `max_connections_per_ip_overrides` names).
    max_connections_per_ip: u32 = 2_147_483_647u32, env "STRAND_MAX_CONNECTIONS_PER_IP";
    /// Per-host or per-IP exceptions to `max_connections_per_ip`, comma-separated
    /// HOST:N pairs, e.g. `10.0.0.5:100,app.internal:0`; a host name counts for
    /// the address it resolves to at start (`max.connections.per.ip.overrides`).
    max_connections_per_ip_overrides: String = "", env "STRAND_MAX_CONNECTIONS_PER_IP_OVERRIDES",
        as Vec<IpOverride> = parse_ip_overrides;
    /// New connections accepted per second on the listener, all IPs together; past it
    /// accepting waits (`max.connection.creation.rate`; the default, Int.MAX_VALUE, is no limit).
    max_connection_creation_rate: u32 = 2_147_483_647u32, env "STRAND_MAX_CONNECTION_CREATION_RATE";
    /// Close a connection that sends nothing for this long (`connections.max.idle.ms`).
    connections_max_idle_ms: u64 = 600_000u64, env "STRAND_CONNECTIONS_MAX_IDLE_MS";
    /// Largest record batch accepted from a producer (`message.max.bytes`: 1 MiB + 12 bytes of log overhead).
    max_message_bytes: u32 = 1_048_588u32, env "STRAND_MAX_MESSAGE_BYTES";
    /// Roll the active segment when it would grow past this size (`log.segment.bytes`).
    segment_bytes: u64 = 1_073_741_824u64, env "STRAND_SEGMENT_BYTES";
    /// Roll the active segment when it spans more time than this (`log.roll.ms`).
    segment_ms: i64 = 604_800_000i64, env "STRAND_SEGMENT_MS";
    /// Delete the oldest segments while the log is larger than this; -1 = no limit (`log.retention.bytes`).
    retention_bytes: i64 = -1i64, env "STRAND_RETENTION_BYTES";
    /// Delete segments whose newest record is older than this; -1 = forever (`log.retention.ms`).
    retention_ms: i64 = 604_800_000i64, env "STRAND_RETENTION_MS";
    /// How often retention runs (`log.retention.check.interval.ms`).
    retention_check_interval_ms: u64 = 300_000u64, env "STRAND_RETENTION_CHECK_INTERVAL_MS";
    /// fsync after this many messages; 1 = before every acknowledgement (`log.flush.interval.messages`);
    /// the default, Long.MAX_VALUE, never does.
    flush_interval_messages: i64 = i64::MAX, env "STRAND_FLUSH_INTERVAL_MESSAGES",
        as Option<u64> = never_if_max;
    /// fsync when unflushed data is older than this (`log.flush.interval.ms`); the default,
    /// Long.MAX_VALUE, never does.
    flush_interval_ms: i64 = i64::MAX, env "STRAND_FLUSH_INTERVAL_MS", as Option<u64> = never_if_max;
    /// Log bytes between two index entries (`log.index.interval.bytes`).
    index_interval_bytes: u64 = 4096u64, env "STRAND_INDEX_INTERVAL_BYTES";
    /// Pre-allocated size of each segment index (`log.index.size.max.bytes`).
    index_max_bytes: u64 = 10_485_760u64, env "STRAND_INDEX_MAX_BYTES";
    /// fsync the offset store before acknowledging each OffsetCommit.
    offsets_fsync: bool = true, env "STRAND_OFFSETS_FSYNC";
    /// Where committed offsets live: `file` (`consumer-offsets.log` in the data dir)
    /// or Redis, `redis://[user:password@]host:port/db` (`rediss://` for TLS).
    offsets_store: String = "file", env "STRAND_OFFSETS_STORE", clap(hide_env_values = true),
        as offset_store::Spec = parse_offsets_store;
    /// Bytes per second each client id may produce unless a client quota says
    /// otherwise; the default, Long.MAX_VALUE, is unlimited (Kafka's old `quota.producer.default`).
    quota_producer_byte_rate: i64 = i64::MAX, env "STRAND_QUOTA_PRODUCER_BYTE_RATE", as Option<u64> = never_if_max;
    /// Bytes per second each client id may fetch unless a client quota says
    /// otherwise; the default, Long.MAX_VALUE, is unlimited (Kafka's old `quota.consumer.default`).
    quota_consumer_byte_rate: i64 = i64::MAX, env "STRAND_QUOTA_CONSUMER_BYTE_RATE", as Option<u64> = never_if_max;
    /// Windows a client's quota rates are measured over (`quota.window.num`).
    quota_window_num: u32 = 11u32, env "STRAND_QUOTA_WINDOW_NUM";
    /// Length of each quota window, in seconds (`quota.window.size.seconds`).
    quota_window_size_seconds: u32 = 1u32, env "STRAND_QUOTA_WINDOW_SIZE_SECONDS";
    /// Log level or `tracing` filter (RUST_LOG, when set, wins).
    log_level: String = "info", env "STRAND_LOG_LEVEL";
    /// Log line format: `text` for people, `json` for log collectors.
    log_format: String = "text", env "STRAND_LOG_FORMAT", as LogFormat = LogFormat::parse;
    /// PEM certificate chain, leaf first, for TLS on the listener; empty = no TLS
    /// (`ssl.keystore.location` with `ssl.keystore.type=PEM`).
    tls_cert: PathBuf = "", env "STRAND_TLS_CERT";
    /// PEM private key of `tls_cert` (`ssl.key.password` is not supported: unencrypted keys only).
    tls_key: PathBuf = "", env "STRAND_TLS_KEY";
    /// PEM CA certificates; when set every client must present a certificate one of
    /// them signed (`ssl.truststore.location` with `ssl.client.auth=required`).
    tls_client_ca: PathBuf = "", env "STRAND_TLS_CLIENT_CA";
    /// SASL mechanisms, comma-separated, from PLAIN, SCRAM-SHA-256, SCRAM-SHA-512;
    /// empty = no SASL (`sasl.enabled.mechanisms`).
    sasl_mechanisms: String = "", env "STRAND_SASL_MECHANISMS", as Vec<Mechanism> = parse_mechanisms;
    /// File of `user:password` lines, the users SASL accepts (Kafka keeps these in
    /// JAAS config and SCRAM credentials in its metadata log).
    users_file: PathBuf = "", env "STRAND_USERS_FILE";
    /// How long a group's first rebalance (out of Empty) waits for more members to
    /// join, extended by the same delay while new members arrive, up to the rebalance
    /// timeout (`group.initial.rebalance.delay.ms`; 0 as in Kafka's shipped server.properties).
    group_initial_rebalance_delay_ms: u32 = 0u32, env "STRAND_GROUP_INITIAL_REBALANCE_DELAY_MS";
    /// Committed offsets of a group without members are deleted this long after
    /// it became Empty (after the commit, for groups nobody ever joined), and then
    /// the group (`offsets.retention.minutes`, 7 days).
    offsets_retention_minutes: u64 = 10_080u64, env "STRAND_OFFSETS_RETENTION_MINUTES";
    /// How often offsets are checked for expiry (`offsets.retention.check.interval.ms`).
    offsets_retention_check_interval_ms: u64 = 600_000u64, env "STRAND_OFFSETS_RETENTION_CHECK_INTERVAL_MS";
    /// Whose clock a topic's record timestamps are on unless the topic says
    /// (`log.message.timestamp.type`): CreateTime (the producer's) or LogAppendTime
    /// (the broker's, stamped on append).
    message_timestamp_type: String = "CreateTime", env "STRAND_MESSAGE_TIMESTAMP_TYPE",
        as TimestampType = parse_timestamp_type;
    /// How far before the broker's clock a CreateTime record may be; the default,
    /// Long.MAX_VALUE, takes any (`log.message.timestamp.before.max.ms`).
    message_timestamp_before_max_ms: i64 = i64::MAX, env "STRAND_MESSAGE_TIMESTAMP_BEFORE_MAX_MS";
    /// How far after the broker's clock a CreateTime record may be; later ones are
    /// INVALID_TIMESTAMP (`log.message.timestamp.after.max.ms`, one hour since Kafka 4).
    message_timestamp_after_max_ms: i64 = 3_600_000i64, env "STRAND_MESSAGE_TIMESTAMP_AFTER_MAX_MS";
}

impl Config {
    /// The quota settings (`quota::Settings`).
    pub fn quota_settings(&self) -> crate::quota::Settings {
        crate::quota::Settings {
            samples: self.quota_window_num,
            window_ms: i64::from(self.quota_window_size_seconds) * 1000,
            producer_byte_rate: self.quota_producer_byte_rate.map(|rate| rate as f64),
            consumer_byte_rate: self.quota_consumer_byte_rate.map(|rate| rate as f64),
        }
    }

    /// The connection limits (`quota::connections::Limits`).
    pub fn connection_limits(&self) -> crate::quota::connections::Limits {
        use crate::quota::connections::UNLIMITED;
        crate::quota::connections::Limits {
            max_per_ip: self.max_connections_per_ip,
            // In order, so a later entry for the same address wins, as in Kafka's map.
            overrides: self.max_connections_per_ip_overrides.iter().map(|o| (o.address, o.max)).collect(),
            max_creation_rate: (self.max_connection_creation_rate < UNLIMITED)
                .then_some(self.max_connection_creation_rate),
            samples: self.quota_window_num,
            window_ms: i64::from(self.quota_window_size_seconds) * 1000,
        }
    }

    /// Merges flags/env with the file named by `--config` (if any) and the defaults.
    pub fn load(cli: Overrides, file: Option<&Path>) -> Result<Config, Error> {
        let from_file = match file {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
                toml::from_str(&text).map_err(|source| Error::Parse { path: path.to_owned(), source })?
            }
            None => Overrides::default(),
        };
        let config = cli.or(from_file).resolve()?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), Error> {
        let invalid = |name, reason: &str| Err(Error::Invalid { name, reason: reason.to_owned() });
        if self.num_partitions == 0 || self.max_partitions == 0 {
            return invalid("num_partitions/max_partitions", "must be at least 1");
        }
        // Index entries hold positions as u32 and Kafka caps the setting at i32::MAX.
        if !(14..=i32::MAX as u64).contains(&self.segment_bytes) {
            return invalid("segment_bytes", "must be between 14 and 2147483647");
        }
        if self.segment_ms <= 0 {
            return invalid("segment_ms", "must be positive");
        }
        if self.index_max_bytes < 12 || self.index_max_bytes > i32::MAX as u64 {
            return invalid("index_max_bytes", "must be between 12 and 2147483647");
        }
        if self.retention_check_interval_ms == 0 {
            return invalid("retention_check_interval_ms", "must be at least 1");
        }
        // Kafka's own bounds: at least 1 for both, and the minutes are an int.
        if !(1..=i32::MAX as u64).contains(&self.offsets_retention_minutes)
            || self.offsets_retention_check_interval_ms == 0
        {
            return invalid("offsets_retention_minutes/offsets_retention_check_interval_ms", "must be at least 1");
        }
        if self.max_connections == 0 || self.connections_max_idle_ms == 0 {
            return invalid("max_connections/connections_max_idle_ms", "must be at least 1");
        }
        // Kafka takes 0 per IP only when overrides name who may connect
        // (`KafkaConfig.validateValues`); 0 alone would refuse everyone.
        if self.max_connections_per_ip == 0 && self.max_connections_per_ip_overrides.is_empty() {
            return invalid(
                "max_connections_per_ip",
                "can be set to zero only if max_connections_per_ip_overrides is set",
            );
        }
        if self.max_connection_creation_rate == 0 {
            return invalid("max_connection_creation_rate", "must be at least 1");
        }
        if self.quota_window_num == 0 || self.quota_window_size_seconds == 0 {
            return invalid("quota_window_num/quota_window_size_seconds", "must be at least 1");
        }
        if self.max_request_bytes < 8 {
            return invalid("max_request_bytes", "must be at least 8");
        }
        if self.message_timestamp_before_max_ms < 0 || self.message_timestamp_after_max_ms < 0 {
            return invalid("message_timestamp_before_max_ms/message_timestamp_after_max_ms", "must be at least 0");
        }
        if self.http_max_body_bytes == 0
            || self.http_max_records_per_request == 0
            || self.http_max_consumer_instances == 0
            || self.consumer_instance_timeout_ms == 0
        {
            return invalid(
                "http_max_body_bytes/http_max_records_per_request/http_max_consumer_instances/consumer_instance_timeout_ms",
                "must be at least 1",
            );
        }
        self.validate_security()
    }

    /// The security settings that only make sense together; the files are read
    /// by `server::Security::load`.
    fn validate_security(&self) -> Result<(), Error> {
        let invalid = |name, reason: &str| Err(Error::Invalid { name, reason: reason.to_owned() });
        let is_set = |path: &Path| !path.as_os_str().is_empty();
        if is_set(&self.tls_cert) != is_set(&self.tls_key) {
            return invalid("tls_cert/tls_key", "must be set together");
        }
        if is_set(&self.tls_client_ca) && !is_set(&self.tls_cert) {
            return invalid("tls_client_ca", "needs tls_cert and tls_key");
        }
        match (self.sasl_mechanisms.is_empty(), is_set(&self.users_file)) {
            (false, false) => invalid("users_file", "is required when sasl_mechanisms is set"),
            (true, true) => invalid("sasl_mechanisms", "is empty, so users_file would not be used"),
            _ => Ok(()),
        }
    }

    /// Whether a flag, env var or the config file set `setting` (a field name).
    pub fn is_given(&self, setting: &str) -> bool {
        self.given.contains(&setting)
    }

    /// (cert, key, client CA) when the listener speaks TLS.
    pub fn tls_files(&self) -> Option<(&Path, &Path, Option<&Path>)> {
        let ca = (!self.tls_client_ca.as_os_str().is_empty()).then_some(self.tls_client_ca.as_path());
        (!self.tls_cert.as_os_str().is_empty()).then_some((self.tls_cert.as_path(), self.tls_key.as_path(), ca))
    }

    /// The listener's Kafka security protocol, as clients configure `security.protocol`.
    pub fn security_protocol(&self) -> &'static str {
        match (self.tls_files().is_some(), !self.sasl_mechanisms.is_empty()) {
            (false, false) => "PLAINTEXT",
            (true, false) => "SSL",
            (false, true) => "SASL_PLAINTEXT",
            (true, true) => "SASL_SSL",
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: one line per event, colours on a terminal.
    Text,
    /// For log collectors: one JSON object per line.
    Json,
}

impl LogFormat {
    fn parse(given: String) -> Result<LogFormat, String> {
        match given.as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("must be text or json".into()),
        }
    }
}

/// Kafka's flush settings take Long.MAX_VALUE for "never", and at least 1 otherwise.
fn parse_timestamp_type(given: String) -> Result<TimestampType, String> {
    match given.as_str() {
        "CreateTime" => Ok(TimestampType::CreateTime),
        "LogAppendTime" => Ok(TimestampType::LogAppendTime),
        _ => Err("must be CreateTime or LogAppendTime".into()),
    }
}

fn parse_offsets_store(given: String) -> Result<offset_store::Spec, String> {
    offset_store::Spec::parse(&given)
}

fn never_if_max(given: i64) -> Result<Option<u64>, String> {
    match given {
        i64::MAX => Ok(None),
        n if n >= 1 => Ok(Some(n as u64)),
        _ => Err("must be at least 1".into()),
    }
}

/// One entry of `max_connections_per_ip_overrides`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpOverride {
    /// The host as given.
    pub host: String,
    /// What it resolved to at start.
    pub address: std::net::IpAddr,
    pub max: u32,
}

/// Kafka's `host:N,host:N` (`parseCsvMap`): entries split at commas, each at
/// its last colon, so an IPv6 address needs no brackets (`::1:5`); spaces
/// around either are ignored. Hosts resolve once, here, as Kafka's
/// `InetAddress.getByName` does at start: an address stands for itself, a
/// name for its first address, IPv4 first as Java prefers; a name that does
/// not resolve stops the start.
fn parse_ip_overrides(given: String) -> Result<Vec<IpOverride>, String> {
    let mut overrides = Vec::new();
    for entry in given.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((host, max)) = entry.rsplit_once(':') else {
            return Err(format!("{entry:?} is not HOST:N"));
        };
        let (host, max) = (host.trim(), max.trim());
        let max = max.parse::<u32>().map_err(|_| format!("{entry:?}: N must be a whole number of at least 0"))?;
        if host.is_empty() {
            return Err(format!("{entry:?} has no host"));
        }
        let address = crate::quota::connections::resolve_host(host).map_err(|reason| format!("{entry:?}: {reason}"))?;
        overrides.push(IpOverride { host: host.to_owned(), address, max });
    }
    Ok(overrides)
}

fn parse_mechanisms(given: String) -> Result<Vec<Mechanism>, String> {
    sasl::parse_mechanisms(&given).map_err(|unknown| {
        let supported: Vec<&str> = Mechanism::ALL.iter().map(|m| m.name()).collect();
        format!("unknown mechanism {unknown:?}; supported: {}", supported.join(", "))
    })
}

/// A topic to create at start: `--topic NAME[:PARTITIONS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    /// None: `num_partitions`.
    pub partitions: Option<usize>,
}

fn parse_topics(given: Vec<String>) -> Result<Vec<TopicSpec>, String> {
    let mut specs: Vec<TopicSpec> = Vec::with_capacity(given.len());
    for entry in given.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let (name, partitions) = match entry.split_once(':') {
            Some((name, count)) => match count.parse::<usize>() {
                Ok(n) if n >= 1 => (name, Some(n)),
                _ => return Err(format!("{entry:?}: PARTITIONS must be a whole number of at least 1")),
            },
            None => (entry, None),
        };
        topics::name::validate(name).map_err(|reason| format!("{entry:?}: {reason}"))?;
        // The same topic given twice alike (a flag beside the default, say) is one topic.
        match specs.iter().find(|s| s.name == name) {
            Some(earlier) if earlier.partitions == partitions => continue,
            Some(_) => return Err(format!("topic {name:?} is given twice with different partition counts")),
            None => specs.push(TopicSpec { name: name.to_owned(), partitions }),
        }
    }
    Ok(specs)
}

/// The file's `topic` is a comma-separated string like the env var (a list of strings works too).
fn comma_separated<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Given {
        One(String),
        Many(Vec<String>),
    }
    Ok(Some(match <Given as serde::Deserialize>::deserialize(deserializer)? {
        Given::One(text) => text.split(',').map(|s| s.trim().to_owned()).collect(),
        Given::Many(list) => list,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("strand.toml");
        std::fs::write(&file, "topic = \"from-file\"\nnode_id = 7\n").unwrap();
        let cli = Overrides { topic: Some(vec!["from-flag:3".into()]), ..Overrides::default() };
        let config = Config::load(cli, Some(&file)).unwrap();
        assert_eq!(config.topic, [TopicSpec { name: "from-flag".into(), partitions: Some(3) }]);
        assert_eq!(config.node_id, 7);
        assert_eq!(config.listen, "127.0.0.1:9092");
    }

    #[test]
    fn unknown_key_in_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("strand.toml");
        std::fs::write(&file, "topik = \"x\"\n").unwrap();
        let err = Config::load(Overrides::default(), Some(&file)).unwrap_err();
        assert!(err.to_string().contains("topik"), "{err}");
    }

    #[test]
    fn typed_settings_are_parsed_once_from_their_kafka_like_values() {
        let defaults = Config::load(Overrides::default(), None).unwrap();
        assert_eq!((defaults.flush_interval_messages, defaults.flush_interval_ms), (None, None));
        assert_eq!(defaults.log_format, LogFormat::Text);
        assert!(defaults.sasl_mechanisms.is_empty());
        let cli = Overrides {
            flush_interval_messages: Some(1),
            flush_interval_ms: Some(250),
            log_format: Some("json".into()),
            sasl_mechanisms: Some(" SCRAM-SHA-512,PLAIN,SCRAM-SHA-512".into()),
            users_file: Some("users".into()),
            ..Overrides::default()
        };
        let config = Config::load(cli, None).unwrap();
        assert_eq!((config.flush_interval_messages, config.flush_interval_ms), (Some(1), Some(250)));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.sasl_mechanisms, [Mechanism::ScramSha512, Mechanism::Plain]);
    }

    #[test]
    fn a_flush_interval_below_one_is_refused() {
        let cli = Overrides { flush_interval_ms: Some(0), ..Overrides::default() };
        let err = Config::load(cli, None).unwrap_err();
        assert_eq!(err.to_string(), "invalid setting flush_interval_ms: must be at least 1");
    }

    #[test]
    fn connection_overrides_are_kafka_host_n_pairs_resolved_once() {
        let parsed = parse_ip_overrides(" 127.0.0.1:3, ::1:5 ,[::2]:0,localhost : 7,".into()).unwrap();
        let pairs: Vec<(String, u32)> = parsed.iter().map(|o| (o.address.to_string(), o.max)).collect();
        assert_eq!(pairs, [("127.0.0.1".into(), 3), ("::1".into(), 5), ("::2".into(), 0), ("127.0.0.1".into(), 7)]);
        assert_eq!(parsed[3].host, "localhost");
        assert_eq!(parse_ip_overrides(String::new()).unwrap(), []);
        for bad in ["127.0.0.1", "127.0.0.1:x", "127.0.0.1:-1", ":4", "no-such-host.invalid:1"] {
            let cli = Overrides { max_connections_per_ip_overrides: Some(bad.into()), ..Overrides::default() };
            let err = Config::load(cli, None).unwrap_err();
            assert!(matches!(err, Error::Invalid { name: "max_connections_per_ip_overrides", .. }), "{bad}: {err}");
        }
        // A later entry for the same address wins, as in Kafka's map.
        let cli = Overrides {
            max_connections_per_ip_overrides: Some("127.0.0.1:3,localhost:1".into()),
            max_connections_per_ip: Some(0),
            ..Overrides::default()
        };
        let limits = Config::load(cli, None).unwrap().connection_limits();
        assert_eq!(limits.overrides.get(&std::net::Ipv4Addr::LOCALHOST.into()), Some(&1));
        assert_eq!((limits.max_per_ip, limits.max_creation_rate), (0, None));
    }

    #[test]
    fn invalid_topic_name_is_refused() {
        let cli = Overrides { topic: Some(vec!["no spaces".into()]), ..Overrides::default() };
        assert!(matches!(Config::load(cli, None), Err(Error::Invalid { name: "topic", .. })));
        let cli = Overrides { topic: Some(vec!["orders:0".into()]), ..Overrides::default() };
        assert!(matches!(Config::load(cli, None), Err(Error::Invalid { name: "topic", .. })));
    }

    #[test]
    fn topics_come_comma_separated_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("strand.toml");
        std::fs::write(&file, "topic = \"orders:4, payments\"\n").unwrap();
        let config = Config::load(Overrides::default(), Some(&file)).unwrap();
        let names: Vec<(&str, Option<usize>)> = config.topic.iter().map(|t| (t.name.as_str(), t.partitions)).collect();
        assert_eq!(names, [("orders", Some(4)), ("payments", None)]);
        let defaults = Config::load(Overrides::default(), None).unwrap();
        assert_eq!(defaults.topic, [TopicSpec { name: "events".into(), partitions: None }]);
    }
}
