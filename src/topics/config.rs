//! Per-topic configs: Kafka's topic-level configs (`LogConfig`), with the broker's
//! settings as their defaults, as Kafka's `retention.ms` falls back to
//! `log.retention.ms` (strand's `--retention-ms`).
//!
//! strand accepts every topic config name Kafka 4.4 knows, because Kafka's tools,
//! Streams and Connect create topics with `min.insync.replicas`, `compression.type`
//! and the like, and refusing them would break those clients. The ones in
//! [`APPLIED`] change what strand does. The others are validated as Kafka validates
//! them and stored as given, not applied: a one-node broker without replication,
//! compaction, broker-side recompression or tiered storage has nothing to apply
//! them to. Two values are refused because accepting them would mislead:
//! `cleanup.policy` with `compact` (strand has no log compaction, so a compacted
//! changelog would lose records to retention instead of keeping the latest per
//! key), and `remote.storage.enable=true`, refused as Kafka refuses it without
//! tiered storage.
//!
//! # What Kafka 4.4.0 answers (CreateTopics, checked against the reference broker)
//!
//! Every failure is 40 INVALID_CONFIG. In this order, the first failure wins:
//! - a null value (with any name): `Null value not supported for topic configs: NAME`;
//! - a name Kafka does not know (case-sensitive; also the names Kafka 4 removed,
//!   `message.format.version`, `message.timestamp.difference.max.ms`,
//!   `message.downconversion.enable`): `Unknown topic config name: NAME`;
//! - each value, in the order Kafka defines the configs (`SPECS`):
//!   `Invalid value VALUE for configuration NAME: REASON`, REASON one of
//!   `Not a number of type LONG` (INT, DOUBLE), `Expected value to be either true or
//!   false`, `Value must be at least N`, `Value must be no more than N`, `String must
//!   be one of: A, B`; and for a list with an empty element, `Configuration 'NAME'
//!   values must not be empty.`;
//! - `conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)`;
//! - `Tiered Storage functionality is disabled in the broker. Topic cannot be
//!   configured with remote log storage.`
//!
//! A name given twice: the last value counts. Values are trimmed before they are
//! parsed (` 1000 ` is 1000) and stored as given. VALUE in a message is the value
//! as given when it does not parse, the parsed number when it is out of range.

use std::collections::BTreeMap;

use crate::config::kafka::{self, BrokerConfig, ConfigSource, ConfigType};
use crate::config::Config;
use crate::log::LogConfig;
pub use crate::log::TimestampType;

/// One topic's effective settings: its overrides over the broker's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopicConfig {
    /// `retention.ms`; -1 = forever.
    pub retention_ms: i64,
    /// `retention.bytes`; negative = no limit.
    pub retention_bytes: i64,
    /// `segment.bytes` (or Kafka's test-only `internal.segment.bytes`).
    pub segment_bytes: u64,
    /// `segment.ms`.
    pub segment_ms: i64,
    /// `max.message.bytes`: the largest record batch a producer may append.
    pub max_message_bytes: u32,
    /// `message.timestamp.type`.
    pub timestamp_type: TimestampType,
    /// `message.timestamp.before.max.ms`: how far before the broker's clock a
    /// CreateTime record may be (Long.MAX_VALUE, Kafka 4's default: any).
    pub timestamp_before_max_ms: i64,
    /// `message.timestamp.after.max.ms`: how far after it (Kafka 4: one hour).
    pub timestamp_after_max_ms: i64,
    /// `flush.messages`; None = never (Kafka's Long.MAX_VALUE).
    pub flush_messages: Option<u64>,
    /// `flush.ms`; None = never (Kafka's Long.MAX_VALUE).
    pub flush_ms: Option<u64>,
    /// `index.interval.bytes`.
    pub index_interval_bytes: u64,
}

impl TopicConfig {
    /// The partition log's settings for a partition of this topic.
    pub fn log_config(&self, broker: &Config) -> LogConfig {
        LogConfig {
            segment_bytes: self.segment_bytes,
            segment_ms: self.segment_ms,
            retention_bytes: self.retention_bytes,
            retention_ms: self.retention_ms,
            // The log counts toward a limit; one it never reaches is "never".
            flush_interval_messages: self.flush_messages.unwrap_or(u64::MAX),
            flush_interval_ms: self.flush_ms,
            index_interval_bytes: self.index_interval_bytes,
            index_max_bytes: broker.index_max_bytes as usize,
            timestamp_type: self.timestamp_type,
            timestamp_before_max_ms: self.timestamp_before_max_ms,
            timestamp_after_max_ms: self.timestamp_after_max_ms,
        }
    }
}

/// Why a topic's configs were refused: each variant's text is the message a client
/// sees with INVALID_CONFIG (40), Kafka's words where Kafka refuses the same.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("Null value not supported for topic configs: {0}")]
    NullValue(String),
    #[error("Unknown topic config name: {0}")]
    UnknownName(String),
    #[error("Invalid value {value} for configuration {name}: {reason}")]
    InvalidValue { name: String, value: String, reason: String },
    #[error("Configuration '{0}' values must not be empty.")]
    EmptyListElement(String),
    #[error("conflict topic config setting min.compaction.lag.ms ({min}) > max.compaction.lag.ms ({max})")]
    CompactionLagConflict { min: i64, max: i64 },
    #[error(
        "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage."
    )]
    RemoteStorageDisabled,
    #[error(
        "Invalid value compact for configuration cleanup.policy: strand has no log compaction, only cleanup.policy=delete is supported"
    )]
    NoCompaction,
    /// APPEND or SUBTRACT on a config that is not a list.
    #[error("Can't {op} to key {name} because its type is not LIST.")]
    NotList { op: &'static str, name: String },
    /// A stored properties file that is not `key=value` lines (never from a client).
    #[error("topic config line {line}: {reason}")]
    Malformed { line: usize, reason: String },
}

/// How Kafka's `ConfigDef` parses and checks one config's value.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// LONG, at least the bound if there is one.
    Long(Option<i64>),
    /// INT, within the bounds there are.
    Int(Option<i32>, Option<i32>),
    /// INT, 1 to 9 or -1 (`compression.gzip.level`).
    GzipLevel,
    /// DOUBLE between 0 and 1 (`min.cleanable.dirty.ratio`).
    Ratio,
    Bool,
    /// STRING, one of these (case-sensitive).
    OneOf(&'static [&'static str]),
    /// LIST of `compact` / `delete`.
    CleanupPolicy,
    /// LIST: `*` or `partition:broker` pairs.
    ThrottledReplicas,
}

/// One topic config Kafka 4.4 knows.
#[derive(Clone, Copy, Debug)]
struct Spec {
    name: &'static str,
    kind: Kind,
    /// Kafka's default when the broker has no setting for it.
    kafka_default: &'static str,
}

const fn spec(name: &'static str, kind: Kind, kafka_default: &'static str) -> Spec {
    Spec { name, kind, kafka_default }
}

const LONG_MAX: &str = "9223372036854775807";

/// Kafka 4.4's topic configs (`LogConfig.configKeys()`), in the order Kafka defines
/// and so validates them: with two bad values, Kafka reports the earlier one here.
const SPECS: &[Spec] = &[
    spec(SEGMENT_BYTES, Kind::Int(Some(1_048_576), None), "1073741824"),
    spec(SEGMENT_MS, Kind::Long(Some(1)), "604800000"),
    spec("segment.jitter.ms", Kind::Long(Some(0)), "0"),
    spec("segment.index.bytes", Kind::Int(Some(4), None), "10485760"),
    spec(FLUSH_MESSAGES, Kind::Long(Some(1)), LONG_MAX),
    spec(FLUSH_MS, Kind::Long(Some(0)), LONG_MAX),
    spec(RETENTION_BYTES, Kind::Long(None), "-1"),
    spec(RETENTION_MS, Kind::Long(Some(-1)), "604800000"),
    spec(MAX_MESSAGE_BYTES, Kind::Int(Some(0), None), "1048588"),
    spec("max.decompressed.message.bytes", Kind::Int(Some(1), Some(2_147_483_639)), "2147483639"),
    spec(INDEX_INTERVAL_BYTES, Kind::Int(Some(0), None), "4096"),
    spec("delete.retention.ms", Kind::Long(Some(0)), "86400000"),
    spec(MIN_COMPACTION_LAG_MS, Kind::Long(Some(0)), "0"),
    spec(MAX_COMPACTION_LAG_MS, Kind::Long(Some(1)), LONG_MAX),
    spec("file.delete.delay.ms", Kind::Long(Some(0)), "60000"),
    spec("min.cleanable.dirty.ratio", Kind::Ratio, "0.5"),
    spec(CLEANUP_POLICY, Kind::CleanupPolicy, "delete"),
    spec("unclean.leader.election.enable", Kind::Bool, "false"),
    spec("min.insync.replicas", Kind::Int(Some(1), None), "1"),
    spec("compression.type", Kind::OneOf(&["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]), "producer"),
    spec("compression.gzip.level", Kind::GzipLevel, "-1"),
    spec("compression.lz4.level", Kind::Int(Some(1), Some(17)), "9"),
    spec("compression.zstd.level", Kind::Int(Some(-131_072), Some(22)), "3"),
    spec("preallocate", Kind::Bool, "false"),
    spec(MESSAGE_TIMESTAMP_TYPE, Kind::OneOf(&["CreateTime", "LogAppendTime"]), "CreateTime"),
    spec(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Kind::Long(Some(0)), LONG_MAX),
    spec(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Kind::Long(Some(0)), "3600000"),
    spec("leader.replication.throttled.replicas", Kind::ThrottledReplicas, ""),
    spec("follower.replication.throttled.replicas", Kind::ThrottledReplicas, ""),
    spec(REMOTE_STORAGE_ENABLE, Kind::Bool, "false"),
    spec("local.retention.ms", Kind::Long(Some(-2)), "-2"),
    spec("local.retention.bytes", Kind::Long(Some(-2)), "-2"),
    spec("remote.log.copy.disable", Kind::Bool, "false"),
    spec("remote.copy.lag.ms", Kind::Long(Some(-1)), "0"),
    spec("remote.copy.lag.bytes", Kind::Long(Some(-1)), "-1"),
    spec("remote.log.delete.on.disable", Kind::Bool, "false"),
    spec("errors.deadletterqueue.group.enable", Kind::Bool, "false"),
    // Kafka's test-only override of segment.bytes, accepted by CreateTopics with no
    // bounds at all; strand applies it, so it needs a size a segment can have.
    spec(INTERNAL_SEGMENT_BYTES, Kind::Int(Some(MIN_SEGMENT_BYTES), None), ""),
];

const SEGMENT_BYTES: &str = "segment.bytes";
const SEGMENT_MS: &str = "segment.ms";
const FLUSH_MESSAGES: &str = "flush.messages";
const FLUSH_MS: &str = "flush.ms";
const RETENTION_BYTES: &str = "retention.bytes";
const RETENTION_MS: &str = "retention.ms";
const MAX_MESSAGE_BYTES: &str = "max.message.bytes";
const INDEX_INTERVAL_BYTES: &str = "index.interval.bytes";
const MIN_COMPACTION_LAG_MS: &str = "min.compaction.lag.ms";
const MAX_COMPACTION_LAG_MS: &str = "max.compaction.lag.ms";
const CLEANUP_POLICY: &str = "cleanup.policy";
const MESSAGE_TIMESTAMP_TYPE: &str = "message.timestamp.type";
const MESSAGE_TIMESTAMP_BEFORE_MAX_MS: &str = "message.timestamp.before.max.ms";
const MESSAGE_TIMESTAMP_AFTER_MAX_MS: &str = "message.timestamp.after.max.ms";
const REMOTE_STORAGE_ENABLE: &str = "remote.storage.enable";
const INTERNAL_SEGMENT_BYTES: &str = "internal.segment.bytes";

/// The smallest segment strand's log takes (the broker's `--segment-bytes` floor).
const MIN_SEGMENT_BYTES: i32 = 14;

/// The topic config names strand knows: Kafka 4.4's, without its internal
/// `internal.segment.bytes` (accepted, but not described, as Kafka does), sorted.
pub const NAMES: &[&str] = &[
    "cleanup.policy",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.type",
    "compression.zstd.level",
    "delete.retention.ms",
    "errors.deadletterqueue.group.enable",
    "file.delete.delay.ms",
    "flush.messages",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "index.interval.bytes",
    "leader.replication.throttled.replicas",
    "local.retention.bytes",
    "local.retention.ms",
    "max.compaction.lag.ms",
    "max.decompressed.message.bytes",
    "max.message.bytes",
    "message.timestamp.after.max.ms",
    "message.timestamp.before.max.ms",
    "message.timestamp.type",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "min.insync.replicas",
    "preallocate",
    "remote.copy.lag.bytes",
    "remote.copy.lag.ms",
    "remote.log.copy.disable",
    "remote.log.delete.on.disable",
    "remote.storage.enable",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.index.bytes",
    "segment.jitter.ms",
    "segment.ms",
    "unclean.leader.election.enable",
];

/// The names whose value changes what strand does; the rest are stored only.
pub const APPLIED: &[&str] = &[
    CLEANUP_POLICY,
    FLUSH_MESSAGES,
    FLUSH_MS,
    INDEX_INTERVAL_BYTES,
    INTERNAL_SEGMENT_BYTES,
    MAX_MESSAGE_BYTES,
    MESSAGE_TIMESTAMP_AFTER_MAX_MS,
    MESSAGE_TIMESTAMP_BEFORE_MAX_MS,
    MESSAGE_TIMESTAMP_TYPE,
    RETENTION_BYTES,
    RETENTION_MS,
    SEGMENT_BYTES,
    SEGMENT_MS,
];

fn find_spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|spec| spec.name == name)
}

/// The value `name` has when a topic does not set it: the broker's setting for the
/// configs strand applies, Kafka's default for the others. None for unknown names.
pub fn default_value(name: &str, broker: &Config) -> Option<String> {
    let never_or = |n: Option<u64>| n.map_or(LONG_MAX.to_owned(), |n| n.to_string());
    Some(match name {
        RETENTION_MS => broker.retention_ms.to_string(),
        RETENTION_BYTES => broker.retention_bytes.to_string(),
        SEGMENT_BYTES => broker.segment_bytes.to_string(),
        SEGMENT_MS => broker.segment_ms.to_string(),
        MAX_MESSAGE_BYTES => broker.max_message_bytes.to_string(),
        FLUSH_MESSAGES => never_or(broker.flush_interval_messages),
        FLUSH_MS => never_or(broker.flush_interval_ms),
        INDEX_INTERVAL_BYTES => broker.index_interval_bytes.to_string(),
        "segment.index.bytes" => broker.index_max_bytes.to_string(),
        MESSAGE_TIMESTAMP_TYPE => broker.message_timestamp_type.name().to_owned(),
        MESSAGE_TIMESTAMP_BEFORE_MAX_MS => broker.message_timestamp_before_max_ms.to_string(),
        MESSAGE_TIMESTAMP_AFTER_MAX_MS => broker.message_timestamp_after_max_ms.to_string(),
        _ => find_spec(name)?.kafka_default.to_owned(),
    })
}

/// The explicit per-topic settings (Kafka's "dynamic topic config"), validated,
/// each value as the client gave it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides(BTreeMap<String, String>);

impl Overrides {
    /// CreateTopics' config list, checked as Kafka checks it (see the module doc).
    /// A None value is refused, as Kafka refuses it.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Result<Overrides, Error> {
        let pairs: Vec<(&str, Option<&str>)> = pairs.into_iter().collect();
        if let Some((name, _)) = pairs.iter().find(|(_, value)| value.is_none()) {
            return Err(Error::NullValue((*name).to_owned()));
        }
        if let Some((name, _)) = pairs.iter().find(|(name, _)| find_spec(name).is_none()) {
            return Err(Error::UnknownName((*name).to_owned()));
        }
        let map: BTreeMap<String, String> =
            pairs.into_iter().filter_map(|(name, value)| Some((name.to_owned(), value?.to_owned()))).collect();
        let overrides = Overrides(map);
        overrides.validate()?;
        Ok(overrides)
    }

    fn validate(&self) -> Result<(), Error> {
        for spec in SPECS {
            if let Some(value) = self.get(spec.name) {
                check(spec, value)?;
            }
        }
        let lag = |name: &str, default: i64| self.get(name).and_then(|v| parse_long(v).ok()).unwrap_or(default);
        let (min, max) = (lag(MIN_COMPACTION_LAG_MS, 0), lag(MAX_COMPACTION_LAG_MS, i64::MAX));
        if min > max {
            return Err(Error::CompactionLagConflict { min, max });
        }
        if self.get(REMOTE_STORAGE_ENABLE).is_some_and(|v| parse_bool(v) == Some(true)) {
            return Err(Error::RemoteStorageDisabled);
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The overrides by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// This topic's effective settings: its overrides, the broker's for the rest.
    pub fn resolve(&self, broker: &Config) -> TopicConfig {
        // Validated in `parse`: a value that is here parses.
        let long = |name: &str, default: i64| self.get(name).and_then(|v| parse_long(v).ok()).unwrap_or(default);
        let int = |name: &str| self.get(name).and_then(|v| parse_int(v).ok());
        let never_if_max = |name: &str, default: Option<u64>| match self.get(name).and_then(|v| parse_long(v).ok()) {
            Some(i64::MAX) => None,
            Some(n) => Some(n as u64),
            None => default,
        };
        let segment_bytes = int(INTERNAL_SEGMENT_BYTES).or_else(|| int(SEGMENT_BYTES)).map(|n| n as u64);
        let timestamp_type = match self.get(MESSAGE_TIMESTAMP_TYPE).map(trim_java) {
            Some("LogAppendTime") => TimestampType::LogAppendTime,
            Some(_) => TimestampType::CreateTime,
            None => broker.message_timestamp_type,
        };
        let mut config = TopicConfig {
            retention_ms: long(RETENTION_MS, broker.retention_ms),
            retention_bytes: long(RETENTION_BYTES, broker.retention_bytes),
            segment_bytes: segment_bytes.unwrap_or(broker.segment_bytes),
            segment_ms: long(SEGMENT_MS, broker.segment_ms),
            max_message_bytes: int(MAX_MESSAGE_BYTES).map_or(broker.max_message_bytes, |n| n as u32),
            timestamp_type,
            timestamp_before_max_ms: long(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, broker.message_timestamp_before_max_ms),
            timestamp_after_max_ms: long(MESSAGE_TIMESTAMP_AFTER_MAX_MS, broker.message_timestamp_after_max_ms),
            flush_messages: never_if_max(FLUSH_MESSAGES, broker.flush_interval_messages),
            flush_ms: never_if_max(FLUSH_MS, broker.flush_interval_ms),
            index_interval_bytes: int(INDEX_INTERVAL_BYTES).map_or(broker.index_interval_bytes, |n| n as u64),
        };
        // An empty cleanup.policy is neither delete nor compact: Kafka then applies
        // no retention (UnifiedLog.deleteOldSegments only deletes by time and size
        // under `delete`), so the topic keeps every segment.
        if self.get(CLEANUP_POLICY).is_some_and(|v| split_list(v).is_empty()) {
            config.retention_ms = -1;
            config.retention_bytes = -1;
        }
        config
    }

    /// `name=value` lines, for the topic's config file. A backslash, CR and LF in
    /// a value are escaped so every value, spaces included, reads back as given.
    pub fn to_properties(&self) -> String {
        let mut text = String::from("# strand topic config overrides (Kafka topic config names)\n");
        for (name, value) in self.iter() {
            text.push_str(name);
            text.push('=');
            for c in value.chars() {
                match c {
                    '\\' => text.push_str("\\\\"),
                    '\n' => text.push_str("\\n"),
                    '\r' => text.push_str("\\r"),
                    c => text.push(c),
                }
            }
            text.push('\n');
        }
        text
    }

    /// Reads what `to_properties` wrote; blank lines and `#` comments are skipped.
    /// The values are checked again, so a hand-edited file cannot smuggle in what
    /// CreateTopics refuses.
    pub fn from_properties(text: &str) -> Result<Overrides, Error> {
        let mut pairs = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let malformed = |reason: &str| Error::Malformed { line: index + 1, reason: reason.to_owned() };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, escaped) = line.split_once('=').ok_or_else(|| malformed("no '='"))?;
            let mut value = String::with_capacity(escaped.len());
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                value.push(match c {
                    '\\' => match chars.next() {
                        Some('\\') => '\\',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        _ => return Err(malformed("bad escape")),
                    },
                    c => c,
                });
            }
            pairs.push((name.to_owned(), value));
        }
        Overrides::parse(pairs.iter().map(|(name, value)| (name.as_str(), Some(value.as_str()))))
    }
}

/// Checks one value as Kafka's `ConfigDef.parse` does for its type and validator.
fn check(spec: &Spec, given: &str) -> Result<(), Error> {
    let invalid = |value: &dyn std::fmt::Display, reason: String| Error::InvalidValue {
        name: spec.name.to_owned(),
        value: value.to_string(),
        reason,
    };
    let not_a_number = |kind: &str| invalid(&given, format!("Not a number of type {kind}"));
    match spec.kind {
        Kind::Long(min) => {
            let n = parse_long(given).map_err(|_| not_a_number("LONG"))?;
            match min {
                Some(min) if n < min => Err(invalid(&n, format!("Value must be at least {min}"))),
                _ => Ok(()),
            }
        }
        Kind::Int(min, max) => {
            let n = parse_int(given).map_err(|_| not_a_number("INT"))?;
            match (min, max) {
                (Some(min), _) if n < min => Err(invalid(&n, format!("Value must be at least {min}"))),
                (_, Some(max)) if n > max => Err(invalid(&n, format!("Value must be no more than {max}"))),
                _ => Ok(()),
            }
        }
        Kind::GzipLevel => {
            let n = parse_int(given).map_err(|_| not_a_number("INT"))?;
            if n == -1 || (1..=9).contains(&n) {
                Ok(())
            } else {
                Err(invalid(&n, "Value must be between 1 and 9 or equal to -1".into()))
            }
        }
        Kind::Ratio => {
            let n = parse_double(given).ok_or_else(|| not_a_number("DOUBLE"))?;
            // NaN passes, as it passes Kafka's Range (every comparison is false).
            if n < 0.0 {
                Err(invalid(&java_double(n), "Value must be at least 0".into()))
            } else if n > 1.0 {
                Err(invalid(&java_double(n), "Value must be no more than 1".into()))
            } else {
                Ok(())
            }
        }
        Kind::Bool => match parse_bool(given) {
            Some(_) => Ok(()),
            None => Err(invalid(&given, "Expected value to be either true or false".into())),
        },
        Kind::OneOf(allowed) => {
            let value = trim_java(given);
            if allowed.contains(&value) {
                Ok(())
            } else {
                Err(invalid(&value, format!("String must be one of: {}", allowed.join(", "))))
            }
        }
        Kind::CleanupPolicy => {
            let policies = split_list(given);
            if policies.iter().any(|p| p.is_empty()) {
                return Err(Error::EmptyListElement(spec.name.to_owned()));
            }
            if let Some(bad) = policies.iter().find(|p| !matches!(**p, "compact" | "delete")) {
                return Err(invalid(bad, "String must be one of: compact, delete".into()));
            }
            if policies.contains(&"compact") {
                return Err(Error::NoCompaction);
            }
            Ok(())
        }
        Kind::ThrottledReplicas => {
            let replicas = split_list(given);
            let pair = |s: &str| {
                s.split_once(':')
                    .is_some_and(|(p, b)| [p, b].iter().all(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())))
            };
            let all_pairs = replicas.iter().map(|r| trim_java(r)).all(|r| r.is_empty() || pair(r));
            if all_pairs || replicas.concat() == "*" {
                Ok(())
            } else {
                Err(invalid(
                    &format!("[{}]", replicas.join(", ")),
                    format!(
                        "{} must be the literal '*' or a list of replicas in the following format: \
                         [partitionId]:[brokerId],[partitionId]:[brokerId],...",
                        spec.name
                    ),
                ))
            }
        }
    }
}

/// Java's `String.trim`: every char up to U+0020 at either end.
fn trim_java(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn parse_long(given: &str) -> Result<i64, std::num::ParseIntError> {
    trim_java(given).parse()
}

fn parse_int(given: &str) -> Result<i32, std::num::ParseIntError> {
    trim_java(given).parse()
}

fn parse_bool(given: &str) -> Option<bool> {
    let value = trim_java(given);
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Java's `Double.parseDouble` for the forms it shares with Rust's: decimal with an
/// optional exponent and a `d`/`f` suffix, `NaN`, `Infinity`. Rust's own spellings
/// (`nan`, `inf`) are refused, as Java refuses them; hex floats are not taken.
fn parse_double(given: &str) -> Option<f64> {
    let value = trim_java(given);
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    if unsigned == "NaN" || unsigned == "Infinity" {
        return value.replace("Infinity", "inf").parse().ok();
    }
    let number = value.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(value);
    if number.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        number.parse().ok()
    } else {
        None
    }
}

/// A double as Java's `Double.toString` writes it in the range a ratio is
/// reported in: `2.0`, `1.5`, `-0.1`.
fn java_double(n: f64) -> String {
    if n.is_infinite() {
        return if n > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if (1e-3..1e7).contains(&n.abs()) || n == 0.0 {
        let text = n.to_string();
        if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        let text = format!("{n:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') { mantissa.to_owned() } else { format!("{mantissa}.0") };
        format!("{mantissa}E{exponent}")
    }
}

/// Kafka's LIST parsing: the trimmed value split at commas, each element trimmed;
/// an empty value is the empty list, but `a,` has an empty second element.
fn split_list(given: &str) -> Vec<&str> {
    let value = trim_java(given);
    if value.is_empty() {
        return Vec::new();
    }
    value.split(',').map(|element| element.trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r'])).collect()
}

// --- describing and altering (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs) ---

/// The order Kafka 4.4 lists a topic's configs in (checked against the reference
/// broker): clients do not depend on it, but a side-by-side diff does.
const DESCRIBE_ORDER: [&str; 37] = [
    "compression.type",
    "errors.deadletterqueue.group.enable",
    "remote.copy.lag.bytes",
    "remote.log.delete.on.disable",
    "leader.replication.throttled.replicas",
    "remote.storage.enable",
    "min.insync.replicas",
    "segment.jitter.ms",
    "remote.log.copy.disable",
    "local.retention.ms",
    "cleanup.policy",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "compression.lz4.level",
    "segment.bytes",
    "retention.ms",
    "compression.gzip.level",
    "remote.copy.lag.ms",
    "flush.messages",
    "compression.zstd.level",
    "max.compaction.lag.ms",
    "file.delete.delay.ms",
    "max.message.bytes",
    "min.compaction.lag.ms",
    "message.timestamp.type",
    "local.retention.bytes",
    "preallocate",
    "index.interval.bytes",
    "min.cleanable.dirty.ratio",
    "unclean.leader.election.enable",
    "retention.bytes",
    "delete.retention.ms",
    "message.timestamp.after.max.ms",
    "max.decompressed.message.bytes",
    "message.timestamp.before.max.ms",
    "segment.ms",
    "segment.index.bytes",
];

/// The broker config a topic config falls back to (Kafka's
/// `ServerTopicConfigSynonyms`, whose further fallbacks `config::kafka` knows):
/// DescribeConfigs lists it and its fallbacks as the topic config's synonyms.
fn broker_synonym(name: &str) -> Option<&'static str> {
    Some(match name {
        "cleanup.policy" => "log.cleanup.policy",
        "compression.gzip.level" => "compression.gzip.level",
        "compression.lz4.level" => "compression.lz4.level",
        "compression.type" => "compression.type",
        "compression.zstd.level" => "compression.zstd.level",
        "delete.retention.ms" => "log.cleaner.delete.retention.ms",
        "file.delete.delay.ms" => "log.segment.delete.delay.ms",
        FLUSH_MESSAGES => "log.flush.interval.messages",
        FLUSH_MS => "log.flush.interval.ms",
        INDEX_INTERVAL_BYTES => "log.index.interval.bytes",
        "local.retention.bytes" => "log.local.retention.bytes",
        "local.retention.ms" => "log.local.retention.ms",
        MAX_COMPACTION_LAG_MS => "log.cleaner.max.compaction.lag.ms",
        "max.decompressed.message.bytes" => "max.decompressed.message.bytes",
        MAX_MESSAGE_BYTES => "message.max.bytes",
        MESSAGE_TIMESTAMP_AFTER_MAX_MS => "log.message.timestamp.after.max.ms",
        MESSAGE_TIMESTAMP_BEFORE_MAX_MS => "log.message.timestamp.before.max.ms",
        MESSAGE_TIMESTAMP_TYPE => "log.message.timestamp.type",
        "min.cleanable.dirty.ratio" => "log.cleaner.min.cleanable.ratio",
        MIN_COMPACTION_LAG_MS => "log.cleaner.min.compaction.lag.ms",
        "min.insync.replicas" => "min.insync.replicas",
        "preallocate" => "log.preallocate",
        "remote.copy.lag.bytes" => "log.remote.copy.lag.bytes",
        "remote.copy.lag.ms" => "log.remote.copy.lag.ms",
        RETENTION_BYTES => "log.retention.bytes",
        RETENTION_MS => "log.retention.ms",
        SEGMENT_BYTES => "log.segment.bytes",
        "segment.index.bytes" => "log.index.size.max.bytes",
        "segment.jitter.ms" => "log.roll.jitter.ms",
        SEGMENT_MS => "log.roll.ms",
        "unclean.leader.election.enable" => "unclean.leader.election.enable",
        _ => return None,
    })
}

/// What each topic config means (Kafka's documentation, in short).
fn documentation(name: &str) -> &'static str {
    match name {
        "cleanup.policy" => {
            "What happens to old segments: delete removes them once retention.ms or retention.bytes \
                             is exceeded, compact keeps the latest record per key (not supported by strand); an \
                             empty list keeps everything."
        }
        "compression.gzip.level" => "Compression level used when compression.type is gzip.",
        "compression.lz4.level" => "Compression level used when compression.type is lz4.",
        "compression.type" => "Codec the topic's batches are stored with; producer keeps what the producer sent.",
        "compression.zstd.level" => "Compression level used when compression.type is zstd.",
        "delete.retention.ms" => "How long tombstones stay in a compacted topic.",
        "errors.deadletterqueue.group.enable" => "Whether share groups may use this topic as a dead-letter queue.",
        "file.delete.delay.ms" => "How long a deleted segment's files stay on disk before they are removed.",
        "flush.messages" => "Messages appended to a partition before it is fsynced.",
        "flush.ms" => "Time unflushed data may stay in memory before the partition is fsynced.",
        "follower.replication.throttled.replicas" => {
            "Replicas (partition:broker, or *) whose replication is \
                                                       throttled on the follower side."
        }
        "index.interval.bytes" => "Log bytes between two entries of the offset index.",
        "leader.replication.throttled.replicas" => {
            "Replicas (partition:broker, or *) whose replication is \
                                                     throttled on the leader side."
        }
        "local.retention.bytes" => "Size of the local part of a tiered log; -2 means retention.bytes.",
        "local.retention.ms" => "Age of the local part of a tiered log; -2 means retention.ms.",
        "max.compaction.lag.ms" => "Longest time a record may stay uncompacted in a compacted topic.",
        "max.decompressed.message.bytes" => "Largest size a single record may have once decompressed.",
        "max.message.bytes" => "Largest record batch a producer may append to the topic.",
        "message.timestamp.after.max.ms" => "How far in the future a CreateTime timestamp may be.",
        "message.timestamp.before.max.ms" => "How far in the past a CreateTime timestamp may be.",
        "message.timestamp.type" => {
            "Whether records keep the producer's timestamp (CreateTime) or get the \
                                     broker's (LogAppendTime)."
        }
        "min.cleanable.dirty.ratio" => "Share of a compacted log that must be uncompacted before it is cleaned.",
        "min.compaction.lag.ms" => "Shortest time a record stays uncompacted in a compacted topic.",
        "min.insync.replicas" => "Replicas that must have a write for an acks=all produce to succeed.",
        "preallocate" => "Whether segment files are allocated at full size when created.",
        "remote.copy.lag.bytes" => "Newer local bytes after which a segment may be copied to tiered storage.",
        "remote.copy.lag.ms" => "Age after which a segment may be copied to tiered storage.",
        "remote.log.copy.disable" => "Whether copying to tiered storage is stopped for this topic.",
        "remote.log.delete.on.disable" => "Whether tiered data is deleted when tiered storage is turned off.",
        "remote.storage.enable" => "Whether the topic uses tiered storage.",
        "retention.bytes" => {
            "Size a partition's log may reach before its oldest segments are deleted; -1 is no \
                              limit."
        }
        "retention.ms" => {
            "Time a segment is kept after its newest record before it is deleted; -1 keeps it \
                           forever."
        }
        "segment.bytes" => "Size at which the active segment is rolled.",
        "segment.index.bytes" => "Size each segment's offset index is allocated with.",
        "segment.jitter.ms" => "Random time taken off segment.ms, so that segments do not all roll at once.",
        "segment.ms" => "Longest time the active segment spans before it is rolled.",
        "unclean.leader.election.enable" => "Whether a replica out of sync may become leader, losing data.",
        _ => "",
    }
}

/// The type Kafka gives a topic config; None for a name it does not know.
pub fn config_type(name: &str) -> Option<ConfigType> {
    Some(match find_spec(name)?.kind {
        Kind::Long(_) => ConfigType::Long,
        Kind::Int(..) | Kind::GzipLevel => ConfigType::Int,
        Kind::Ratio => ConfigType::Double,
        Kind::Bool => ConfigType::Boolean,
        Kind::OneOf(_) => ConfigType::String,
        Kind::CleanupPolicy | Kind::ThrottledReplicas => ConfigType::List,
    })
}

/// One of a config's synonyms: where a value for it could come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synonym {
    pub name: &'static str,
    pub value: Option<String>,
    pub source: ConfigSource,
}

/// One topic config as DescribeConfigs reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    pub name: &'static str,
    pub value: Option<String>,
    pub source: ConfigSource,
    pub kind: ConfigType,
    /// The topic's own value, then the broker's, most specific first (Kafka's order).
    pub synonyms: Vec<Synonym>,
    pub doc: &'static str,
}

/// Every topic config of a topic with these overrides, in Kafka's order: the
/// override if there is one (DYNAMIC_TOPIC_CONFIG), else the broker's setting
/// (STATIC_BROKER_CONFIG when given, DEFAULT_CONFIG when not).
pub fn describe(overrides: &Overrides, broker: &Config, brokers: &[BrokerConfig]) -> Vec<Described> {
    DESCRIBE_ORDER
        .iter()
        .map(|&name| {
            let fallback = broker_synonym(name).and_then(|b| kafka::find(brokers, b));
            let mut synonyms: Vec<Synonym> = fallback
                .map(|b| kafka::synonyms(brokers, b.name))
                .unwrap_or_default()
                .into_iter()
                .map(|(name, value, source)| Synonym { name, value, source })
                .collect();
            let (value, source) = match overrides.get(name) {
                Some(value) => {
                    let own = Synonym { name, value: Some(value.to_owned()), source: ConfigSource::DynamicTopic };
                    synonyms.insert(0, own);
                    (Some(value.to_owned()), ConfigSource::DynamicTopic)
                }
                None => {
                    let source = match fallback {
                        Some(b) if b.source == ConfigSource::StaticBroker => ConfigSource::StaticBroker,
                        _ => ConfigSource::Default,
                    };
                    (default_value(name, broker), source)
                }
            };
            let kind = config_type(name).unwrap_or(ConfigType::String);
            Described { name, value, source, kind, synonyms, doc: documentation(name) }
        })
        .collect()
}

/// One change IncrementalAlterConfigs asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change<'a> {
    Set(&'a str),
    Delete,
    /// Add elements to a list config, those not already in it.
    Append(&'a str),
    /// Remove elements from a list config.
    Subtract(&'a str),
}

impl Overrides {
    /// These overrides with `changes` made, in order, and the result checked as
    /// CreateTopics checks a topic's configs. APPEND and SUBTRACT start from the
    /// override, else the default, as Kafka's do, and only list configs take them.
    pub fn changed(&self, changes: &[(&str, Change<'_>)]) -> Result<Overrides, Error> {
        let mut map = self.0.clone();
        for &(name, change) in changes {
            match change {
                Change::Set(value) => {
                    map.insert(name.to_owned(), value.to_owned());
                }
                Change::Delete => {
                    map.remove(name);
                }
                Change::Append(value) | Change::Subtract(value) => {
                    let op = if matches!(change, Change::Append(_)) { "APPEND" } else { "SUBTRACT" };
                    let Some(spec) = find_spec(name) else {
                        return Err(Error::UnknownName(name.to_owned()));
                    };
                    if config_type(name) != Some(ConfigType::List) {
                        return Err(Error::NotList { op, name: name.to_owned() });
                    }
                    let current = map.get(name).map_or(spec.kafka_default, String::as_str);
                    let mut list: Vec<String> =
                        split_list(current).into_iter().filter(|e| !e.is_empty()).map(str::to_owned).collect();
                    let given: Vec<&str> = value.split(',').map(str::trim).collect();
                    if op == "APPEND" {
                        for element in given {
                            if !list.iter().any(|e| e == element) {
                                list.push(element.to_owned());
                            }
                        }
                    } else {
                        list.retain(|e| !given.contains(&e.as_str()));
                    }
                    map.insert(name.to_owned(), list.join(","));
                }
            }
        }
        Overrides::checked(map)
    }

    /// AlterConfigs: `pairs` replace every override the topic had.
    pub fn replaced<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Overrides, Error> {
        Overrides::checked(pairs.into_iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect())
    }

    fn checked(map: BTreeMap<String, String>) -> Result<Overrides, Error> {
        if let Some(name) = map.keys().find(|name| find_spec(name).is_none()) {
            return Err(Error::UnknownName(name.clone()));
        }
        let overrides = Overrides(map);
        overrides.validate()?;
        Ok(overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Overrides, Error> {
        Overrides::parse(pairs.iter().map(|(name, value)| (*name, Some(*value))))
    }

    fn message(pairs: &[(&str, &str)]) -> String {
        parse(pairs).unwrap_err().to_string()
    }

    fn broker() -> Config {
        Config::load(crate::config::Overrides::default(), None).unwrap()
    }

    #[test]
    fn names_are_the_specs_without_the_internal_one() {
        let mut from_specs: Vec<&str> =
            SPECS.iter().map(|spec| spec.name).filter(|name| *name != INTERNAL_SEGMENT_BYTES).collect();
        from_specs.sort_unstable();
        assert_eq!(from_specs, NAMES);
        for name in APPLIED {
            assert!(find_spec(name).is_some(), "{name}");
        }
        let broker = broker();
        for name in NAMES {
            assert!(default_value(name, &broker).is_some(), "{name}");
        }
        assert_eq!(default_value("nope", &broker), None);
    }

    #[test]
    fn null_value_is_refused_before_unknown_names() {
        let err = Overrides::parse([("unknown.key", Some("1")), ("retention.ms", None)]).unwrap_err();
        assert_eq!(err.to_string(), "Null value not supported for topic configs: retention.ms");
        let err = Overrides::parse([("unknown.key", None)]).unwrap_err();
        assert_eq!(err.to_string(), "Null value not supported for topic configs: unknown.key");
    }

    #[test]
    fn unknown_names_are_refused_before_values() {
        assert_eq!(message(&[("unknown.key", "1")]), "Unknown topic config name: unknown.key");
        assert_eq!(message(&[("Retention.ms", "1")]), "Unknown topic config name: Retention.ms");
        assert_eq!(message(&[("retention.ms", "abc"), ("unknown.key", "1")]), "Unknown topic config name: unknown.key");
        // Removed in Kafka 4.
        for name in ["message.format.version", "message.timestamp.difference.max.ms", "message.downconversion.enable"] {
            assert_eq!(message(&[(name, "1")]), format!("Unknown topic config name: {name}"));
        }
    }

    #[test]
    fn every_kafka_topic_config_is_accepted_with_a_valid_value() {
        let overrides = parse(&[
            ("min.insync.replicas", "2"),
            ("compression.type", "producer"),
            ("unclean.leader.election.enable", "TRUE"),
            ("preallocate", " true "),
            ("min.cleanable.dirty.ratio", "0.25"),
            ("leader.replication.throttled.replicas", "*"),
            ("follower.replication.throttled.replicas", " 0:1 , 1:1,"),
            ("remote.storage.enable", "false"),
            ("errors.deadletterqueue.group.enable", "true"),
            ("compression.gzip.level", "-1"),
            ("local.retention.ms", "100"),
        ])
        .unwrap();
        assert_eq!(overrides.get("min.insync.replicas"), Some("2"));
        assert_eq!(overrides.get("preallocate"), Some(" true "), "stored as given");
        // Stored only: the effective settings are the broker's.
        let broker = broker();
        assert_eq!(overrides.resolve(&broker), Overrides::default().resolve(&broker));
    }

    #[test]
    fn longs_parse_as_java_does() {
        for value in [" 1000 ", "+1000", "007", "-0", "-1", "9223372036854775807"] {
            assert!(parse(&[("retention.ms", value)]).is_ok(), "{value:?}");
        }
        for value in ["abc", "", "1.5", "0x10", "1 000", "9223372036854775808"] {
            assert_eq!(
                message(&[("retention.ms", value)]),
                format!("Invalid value {value} for configuration retention.ms: Not a number of type LONG")
            );
        }
    }

    #[test]
    fn ranges_have_kafkas_messages() {
        let cases = [
            ("retention.ms", "-2", "Invalid value -2 for configuration retention.ms: Value must be at least -1"),
            ("segment.bytes", "1048575", "Invalid value 1048575 for configuration segment.bytes: Value must be at least 1048576"),
            ("segment.bytes", "14", "Invalid value 14 for configuration segment.bytes: Value must be at least 1048576"),
            ("segment.bytes", "2147483648", "Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT"),
            ("segment.ms", "0", "Invalid value 0 for configuration segment.ms: Value must be at least 1"),
            ("max.message.bytes", "-1", "Invalid value -1 for configuration max.message.bytes: Value must be at least 0"),
            ("flush.messages", "0", "Invalid value 0 for configuration flush.messages: Value must be at least 1"),
            ("flush.ms", "-1", "Invalid value -1 for configuration flush.ms: Value must be at least 0"),
            ("index.interval.bytes", "-1", "Invalid value -1 for configuration index.interval.bytes: Value must be at least 0"),
            ("min.insync.replicas", "0", "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"),
            ("compression.zstd.level", "23", "Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22"),
            ("compression.zstd.level", "-131073", "Invalid value -131073 for configuration compression.zstd.level: Value must be at least -131072"),
            ("compression.lz4.level", "0", "Invalid value 0 for configuration compression.lz4.level: Value must be at least 1"),
            ("compression.gzip.level", "0", "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1"),
            ("compression.gzip.level", "10", "Invalid value 10 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1"),
            ("max.decompressed.message.bytes", "2147483640", "Invalid value 2147483640 for configuration max.decompressed.message.bytes: Value must be no more than 2147483639"),
            ("max.compaction.lag.ms", "0", "Invalid value 0 for configuration max.compaction.lag.ms: Value must be at least 1"),
            ("segment.index.bytes", "3", "Invalid value 3 for configuration segment.index.bytes: Value must be at least 4"),
            ("local.retention.ms", "-3", "Invalid value -3 for configuration local.retention.ms: Value must be at least -2"),
            ("remote.copy.lag.ms", "-2", "Invalid value -2 for configuration remote.copy.lag.ms: Value must be at least -1"),
            ("min.cleanable.dirty.ratio", "1.5", "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"),
            ("min.cleanable.dirty.ratio", "2", "Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"),
            ("min.cleanable.dirty.ratio", "-0.1", "Invalid value -0.1 for configuration min.cleanable.dirty.ratio: Value must be at least 0"),
            ("min.cleanable.dirty.ratio", "abc", "Invalid value abc for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"),
            ("min.cleanable.dirty.ratio", "nan", "Invalid value nan for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"),
            ("min.cleanable.dirty.ratio", "inf", "Invalid value inf for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"),
            ("preallocate", "yes", "Invalid value yes for configuration preallocate: Expected value to be either true or false"),
            ("preallocate", "", "Invalid value  for configuration preallocate: Expected value to be either true or false"),
        ];
        for (name, value, expected) in cases {
            assert_eq!(message(&[(name, value)]), expected);
        }
        // The bounds themselves pass; out-of-range values are printed parsed.
        for (name, value) in [("segment.bytes", "1048576"), ("segment.bytes", "2147483647"), ("retention.ms", "-1")] {
            assert!(parse(&[(name, value)]).is_ok(), "{name}={value}");
        }
        assert!(message(&[("segment.bytes", " 0001 ")]).starts_with("Invalid value 1 for"));
        for value in ["0.5", "1d", ".5", "NaN", "0", "1"] {
            assert!(parse(&[("min.cleanable.dirty.ratio", value)]).is_ok(), "{value}");
        }
    }

    #[test]
    fn enumerations_are_case_sensitive_and_trimmed() {
        assert!(parse(&[("message.timestamp.type", " LogAppendTime ")]).is_ok());
        assert!(parse(&[("compression.type", " zstd ")]).is_ok());
        assert_eq!(
            message(&[("message.timestamp.type", "logappendtime")]),
            "Invalid value logappendtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"
        );
        assert_eq!(
            message(&[("compression.type", "ZSTD")]),
            "Invalid value ZSTD for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"
        );
    }

    #[test]
    fn cleanup_policy_is_delete_or_empty_and_compaction_is_refused() {
        for value in ["delete", "delete,delete", " delete ", "", " "] {
            assert!(parse(&[("cleanup.policy", value)]).is_ok(), "{value:?}");
        }
        let no_compaction = "Invalid value compact for configuration cleanup.policy: strand has no log compaction, \
                             only cleanup.policy=delete is supported";
        for value in ["compact", "compact,delete", " delete , compact "] {
            let err = parse(&[("cleanup.policy", value)]).unwrap_err();
            assert_eq!(err, Error::NoCompaction);
            assert_eq!(err.to_string(), no_compaction);
        }
        for value in ["foo", "Delete", "delete,foo", "compact , foo"] {
            let bad = value.rsplit(',').next().unwrap().trim();
            assert_eq!(
                message(&[("cleanup.policy", value)]),
                format!("Invalid value {bad} for configuration cleanup.policy: String must be one of: compact, delete")
            );
        }
        for value in ["delete,", ",", " , ", "compact,,delete"] {
            assert_eq!(
                message(&[("cleanup.policy", value)]),
                "Configuration 'cleanup.policy' values must not be empty."
            );
        }
    }

    #[test]
    fn throttled_replicas_are_star_or_pairs() {
        for value in ["", "*", ",*", "0:1", " 0:1 , 1:2 ", "0:1,", "0:1,,1:1"] {
            assert!(parse(&[("leader.replication.throttled.replicas", value)]).is_ok(), "{value:?}");
        }
        let suffix = "must be the literal '*' or a list of replicas in the following format: \
                      [partitionId]:[brokerId],[partitionId]:[brokerId],...";
        for (value, shown) in [("bad", "[bad]"), ("*,0:1", "[*, 0:1]"), ("0:1 , x", "[0:1, x]"), ("-1:1", "[-1:1]")] {
            assert_eq!(
                message(&[("leader.replication.throttled.replicas", value)]),
                format!(
                    "Invalid value {shown} for configuration leader.replication.throttled.replicas: \
                     leader.replication.throttled.replicas {suffix}"
                )
            );
        }
    }

    #[test]
    fn values_are_checked_in_kafkas_definition_order() {
        // flush.ms is defined before retention.ms, retention.ms before max.message.bytes.
        let pairs = [("segment.bytes", "1048576"), ("retention.ms", "abc"), ("flush.ms", "-1")];
        assert_eq!(message(&pairs), "Invalid value -1 for configuration flush.ms: Value must be at least 0");
        let pairs = [("max.message.bytes", "-1"), ("retention.ms", "abc")];
        assert!(message(&pairs).contains("configuration retention.ms"));
        let pairs = [("message.timestamp.type", "x"), ("cleanup.policy", "x")];
        assert!(message(&pairs).contains("configuration cleanup.policy"));
    }

    #[test]
    fn the_last_of_a_repeated_name_counts() {
        assert!(message(&[("retention.ms", "1000"), ("retention.ms", "abc")]).contains("abc"));
        let overrides = parse(&[("retention.ms", "abc"), ("retention.ms", "1000")]).unwrap();
        assert_eq!(overrides.get("retention.ms"), Some("1000"));
    }

    #[test]
    fn cross_checks_come_after_the_values() {
        assert_eq!(
            message(&[("min.compaction.lag.ms", "10"), ("max.compaction.lag.ms", "5")]),
            "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"
        );
        assert_eq!(
            message(&[("remote.storage.enable", "true")]),
            "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage."
        );
        assert!(parse(&[("local.retention.ms", "100"), ("retention.ms", "50")]).is_ok());
    }

    #[test]
    fn no_overrides_resolve_to_the_broker_settings() {
        let broker = broker();
        let config = Overrides::default().resolve(&broker);
        assert_eq!(
            config,
            TopicConfig {
                retention_ms: broker.retention_ms,
                retention_bytes: broker.retention_bytes,
                segment_bytes: broker.segment_bytes,
                segment_ms: broker.segment_ms,
                max_message_bytes: broker.max_message_bytes,
                timestamp_type: TimestampType::CreateTime,
                timestamp_before_max_ms: i64::MAX,
                timestamp_after_max_ms: 3_600_000,
                flush_messages: broker.flush_interval_messages,
                flush_ms: broker.flush_interval_ms,
                index_interval_bytes: broker.index_interval_bytes,
            }
        );
        let log = config.log_config(&broker);
        // Kafka's "never" (Long.MAX_VALUE) is a count the log never reaches.
        assert_eq!((log.flush_interval_messages, log.flush_interval_ms), (u64::MAX, None));
        assert_eq!(log.index_max_bytes, broker.index_max_bytes as usize);
    }

    #[test]
    fn overrides_replace_the_broker_settings() {
        let cli = crate::config::Overrides { flush_interval_messages: Some(1), ..Default::default() };
        let broker = Config::load(cli, None).unwrap();
        let overrides = parse(&[
            ("retention.ms", "-1"),
            ("retention.bytes", "1000000"),
            ("segment.bytes", "1048576"),
            ("segment.ms", "60000"),
            ("max.message.bytes", "2000000"),
            ("message.timestamp.type", "LogAppendTime"),
            ("message.timestamp.before.max.ms", "86400000"),
            ("message.timestamp.after.max.ms", "0"),
            ("flush.messages", "9223372036854775807"),
            ("flush.ms", "0"),
            ("index.interval.bytes", "0"),
        ])
        .unwrap();
        let config = overrides.resolve(&broker);
        assert_eq!(
            config,
            TopicConfig {
                retention_ms: -1,
                retention_bytes: 1_000_000,
                segment_bytes: 1_048_576,
                segment_ms: 60_000,
                max_message_bytes: 2_000_000,
                timestamp_type: TimestampType::LogAppendTime,
                timestamp_before_max_ms: 86_400_000,
                timestamp_after_max_ms: 0,
                flush_messages: None,
                flush_ms: Some(0),
                index_interval_bytes: 0,
            }
        );
        let log = config.log_config(&broker);
        assert_eq!((log.flush_interval_messages, log.flush_interval_ms), (u64::MAX, Some(0)));
        assert_eq!(log.index_max_bytes, broker.index_max_bytes as usize);
        assert_eq!(TimestampType::LogAppendTime.name(), "LogAppendTime");
    }

    #[test]
    fn internal_segment_bytes_wins_over_segment_bytes() {
        let broker = broker();
        let overrides = parse(&[("segment.bytes", "1048576"), ("internal.segment.bytes", "1024")]).unwrap();
        assert_eq!(overrides.resolve(&broker).segment_bytes, 1024);
        assert_eq!(
            message(&[("internal.segment.bytes", "13")]),
            "Invalid value 13 for configuration internal.segment.bytes: Value must be at least 14"
        );
    }

    #[test]
    fn an_empty_cleanup_policy_keeps_everything() {
        let broker = broker();
        let config = parse(&[("cleanup.policy", ""), ("retention.ms", "1000")]).unwrap().resolve(&broker);
        assert_eq!((config.retention_ms, config.retention_bytes), (-1, -1));
        let config = parse(&[("cleanup.policy", "delete"), ("retention.ms", "1000")]).unwrap().resolve(&broker);
        assert_eq!(config.retention_ms, 1000);
    }

    #[test]
    fn defaults_are_the_broker_settings_or_kafkas() {
        let cli = crate::config::Overrides { retention_ms: Some(5), ..Default::default() };
        let broker = Config::load(cli, None).unwrap();
        assert_eq!(default_value("retention.ms", &broker).as_deref(), Some("5"));
        assert_eq!(default_value("flush.messages", &broker).as_deref(), Some(LONG_MAX));
        assert_eq!(default_value("cleanup.policy", &broker).as_deref(), Some("delete"));
        assert_eq!(default_value("min.insync.replicas", &broker).as_deref(), Some("1"));
        assert_eq!(default_value("message.timestamp.type", &broker).as_deref(), Some("CreateTime"));
    }

    #[test]
    fn properties_round_trip_every_value_as_given() {
        let overrides = parse(&[
            ("retention.ms", " 1000 "),
            ("cleanup.policy", ""),
            ("compression.type", "producer"),
            ("leader.replication.throttled.replicas", "0:1,\t1:1"),
            ("min.insync.replicas", "\n1\r"),
        ])
        .unwrap();
        let text = overrides.to_properties();
        assert_eq!(text.lines().filter(|line| !line.starts_with('#')).count(), 5, "{text}");
        assert_eq!(Overrides::from_properties(&text).unwrap(), overrides);
        assert_eq!(Overrides::from_properties(&Overrides::default().to_properties()).unwrap(), Overrides::default());
        let listed: Vec<(&str, &str)> = overrides.iter().collect();
        assert_eq!(listed[0], ("cleanup.policy", ""));
        assert!(!overrides.is_empty());
    }

    #[test]
    fn a_properties_file_is_checked_like_a_request() {
        let text = "# comment\n\nretention.ms=1000\nsegment.ms=60000\n";
        let overrides = Overrides::from_properties(text).unwrap();
        assert_eq!(overrides.get("segment.ms"), Some("60000"));
        assert_eq!(
            Overrides::from_properties("retention.ms=1000\nbogus\n").unwrap_err(),
            Error::Malformed { line: 2, reason: "no '='".into() }
        );
        assert!(matches!(Overrides::from_properties("retention.ms=a\\x\n"), Err(Error::Malformed { line: 1, .. })));
        assert_eq!(Overrides::from_properties("nope=1\n").unwrap_err().to_string(), "Unknown topic config name: nope");
        assert_eq!(Overrides::from_properties("cleanup.policy=compact\n").unwrap_err(), Error::NoCompaction);
    }

    #[test]
    fn every_topic_config_is_described_with_its_broker_fallback() {
        let mut described: Vec<&str> = DESCRIBE_ORDER.to_vec();
        described.sort_unstable();
        assert_eq!(described, NAMES);
        let broker = broker();
        let brokers = kafka::broker_configs(&broker);
        for name in NAMES {
            if let Some(fallback) = broker_synonym(name) {
                assert!(kafka::find(&brokers, fallback).is_some(), "{name} falls back to {fallback}, not listed");
            }
            assert!(config_type(name).is_some() && !documentation(name).is_empty(), "{name}");
        }
        let all = describe(&parse(&[("retention.ms", "1000")]).unwrap(), &broker, &brokers);
        let retention = all.iter().find(|d| d.name == "retention.ms").unwrap();
        assert_eq!((retention.value.as_deref(), retention.source), (Some("1000"), ConfigSource::DynamicTopic));
        assert_eq!(retention.synonyms.len(), 1);
        let segment = all.iter().find(|d| d.name == "segment.bytes").unwrap();
        assert_eq!((segment.value.as_deref(), segment.source), (Some("1073741824"), ConfigSource::Default));
    }

    #[test]
    fn changes_set_delete_append_and_subtract() {
        let start = parse(&[("retention.ms", "1000"), ("segment.ms", "60000")]).unwrap();
        let changed = start
            .changed(&[
                ("retention.ms", Change::Set("2000")),
                ("segment.ms", Change::Delete),
                ("no.such", Change::Delete),
                ("leader.replication.throttled.replicas", Change::Append("0:1,1:1")),
                ("leader.replication.throttled.replicas", Change::Append("1:1, 2:1")),
                ("leader.replication.throttled.replicas", Change::Subtract("0:1")),
            ])
            .unwrap();
        let listed: Vec<(&str, &str)> = changed.iter().collect();
        assert_eq!(listed, [("leader.replication.throttled.replicas", "1:1,2:1"), ("retention.ms", "2000")]);
        // APPEND and SUBTRACT start from the default when the topic has no value.
        let policy = Overrides::default().changed(&[("cleanup.policy", Change::Subtract("delete"))]).unwrap();
        assert_eq!(policy.get("cleanup.policy"), Some(""));
        let err = start.changed(&[("retention.ms", Change::Append("5"))]).unwrap_err();
        assert_eq!(err.to_string(), "Can't APPEND to key retention.ms because its type is not LIST.");
        let err = start.changed(&[("retention.ms", Change::Subtract("5"))]).unwrap_err();
        assert_eq!(err.to_string(), "Can't SUBTRACT to key retention.ms because its type is not LIST.");
        let err = start.changed(&[("nope", Change::Set("1"))]).unwrap_err();
        assert_eq!(err.to_string(), "Unknown topic config name: nope");
        let err = start.changed(&[("retention.ms", Change::Set("abc"))]).unwrap_err();
        assert!(err.to_string().starts_with("Invalid value abc for configuration retention.ms"));
        assert_eq!(Overrides::replaced([("segment.ms", "5000")]).unwrap().iter().count(), 1);
    }
}
