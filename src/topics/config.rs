//! Per-topic configs (placeholder until the verified module lands).

use std::collections::BTreeMap;

use crate::log::LogConfig;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampType {
    CreateTime,
    LogAppendTime,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopicConfig {
    pub retention_ms: i64,
    pub retention_bytes: i64,
    pub segment_bytes: u64,
    pub segment_ms: i64,
    pub max_message_bytes: u32,
    pub timestamp_type: TimestampType,
    pub flush_messages: Option<u64>,
    pub flush_ms: Option<u64>,
    pub index_interval_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Unknown topic config name: {0}")]
    Unknown(String),
    #[error("Invalid value {value} for configuration {name}: {reason}")]
    Invalid { name: String, value: String, reason: String },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides(BTreeMap<String, String>);

impl Overrides {
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Result<Overrides, Error> {
        let mut map = BTreeMap::new();
        for (name, value) in pairs {
            let Some(value) = value else { continue };
            match name {
                "retention.ms"
                | "retention.bytes"
                | "segment.bytes"
                | "segment.ms"
                | "max.message.bytes"
                | "flush.messages"
                | "flush.ms"
                | "index.interval.bytes" => {
                    value.parse::<i64>().map_err(|_| Error::Invalid {
                        name: name.into(),
                        value: value.into(),
                        reason: "not a number".into(),
                    })?;
                }
                "message.timestamp.type" | "cleanup.policy" => {}
                other => return Err(Error::Unknown(other.into())),
            }
            map.insert(name.to_owned(), value.to_owned());
        }
        Ok(Overrides(map))
    }

    pub fn resolve(&self, broker: &crate::config::Config) -> TopicConfig {
        let num = |key: &str, default: i64| self.0.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
        TopicConfig {
            retention_ms: num("retention.ms", broker.retention_ms),
            retention_bytes: num("retention.bytes", broker.retention_bytes),
            segment_bytes: num("segment.bytes", broker.segment_bytes as i64) as u64,
            segment_ms: num("segment.ms", broker.segment_ms),
            max_message_bytes: num("max.message.bytes", i64::from(broker.max_message_bytes)) as u32,
            timestamp_type: match self.0.get("message.timestamp.type").map(String::as_str) {
                Some("LogAppendTime") => TimestampType::LogAppendTime,
                _ => TimestampType::CreateTime,
            },
            flush_messages: self
                .0
                .get("flush.messages")
                .and_then(|v| v.parse().ok())
                .or(broker.flush_interval_messages),
            flush_ms: self.0.get("flush.ms").and_then(|v| v.parse().ok()).or(broker.flush_interval_ms),
            index_interval_bytes: num("index.interval.bytes", broker.index_interval_bytes as i64) as u64,
        }
    }

    pub fn to_properties(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
    }

    pub fn from_properties(text: &str) -> Result<Overrides, Error> {
        let pairs =
            text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).filter_map(|l| l.split_once('='));
        Overrides::parse(pairs.map(|(k, v)| (k.trim(), Some(v.trim()))))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl TopicConfig {
    pub fn log_config(&self, broker: &crate::config::Config) -> LogConfig {
        LogConfig {
            segment_bytes: self.segment_bytes,
            segment_ms: self.segment_ms,
            retention_bytes: self.retention_bytes,
            retention_ms: self.retention_ms,
            flush_interval_messages: self.flush_messages.unwrap_or(u64::MAX),
            flush_interval_ms: self.flush_ms,
            index_interval_bytes: self.index_interval_bytes,
            index_max_bytes: broker.index_max_bytes as usize,
        }
    }
}
