//! What `POST /consumers/{group}` may set on a new instance, parsed once into
//! types: the embedded format, `auto.offset.reset` and `auto.commit.enable`.
//!
//! The body is the REST Proxy's `CreateConsumerInstanceRequest`: `name`,
//! `format` (`binary`, `json`; the Schema Registry formats are not served here),
//! `auto.offset.reset`, `auto.commit.enable` (a string, `"true"`/`"false"`, as
//! the REST Proxy takes it; a JSON boolean is accepted too),
//! `fetch.min.bytes` and `consumer.request.timeout.ms`. Kafka's own
//! `auto.offset.reset` values `earliest`, `latest` and `none` are joined by
//! KIP-1106's `by_duration:<ISO-8601 duration>`: with no committed offset, start
//! at the first record no older than that duration.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::iso8601::parse_iso_duration;
use crate::http::RestError;

/// How records are embedded in the JSON a `GET .../records` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Keys and values base64-encoded (`application/vnd.kafka.binary.v2+json`).
    Binary,
    /// Keys and values are JSON documents (`application/vnd.kafka.json.v2+json`).
    Json,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Binary => "binary",
            Format::Json => "json",
        }
    }

    /// The media type of a records response in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Binary => "application/vnd.kafka.binary.v2+json",
            Format::Json => "application/vnd.kafka.json.v2+json",
        }
    }
}

/// Where a partition with no committed offset starts (Kafka's `auto.offset.reset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetReset {
    Earliest,
    Latest,
    /// No committed offset is an error (Kafka's NoOffsetForPartitionException).
    None,
    /// KIP-1106: the first record with a timestamp at or after now minus this.
    ByDuration(Duration),
}

impl OffsetReset {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "earliest" | "smallest" => Ok(OffsetReset::Earliest),
            "latest" | "largest" => Ok(OffsetReset::Latest),
            "none" => Ok(OffsetReset::None),
            other => match other.strip_prefix("by_duration:") {
                Some(duration) => parse_iso_duration(duration.trim()).map(OffsetReset::ByDuration),
                None => Err(format!(
                    "Invalid value {other:?} for auto.offset.reset: expected earliest, latest, none or by_duration:<ISO-8601 duration>"
                )),
            },
        }
    }
}

/// A new instance's settings, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceConfig {
    /// `None`: the broker names it.
    pub name: Option<String>,
    pub format: Format,
    pub offset_reset: OffsetReset,
    /// Kafka's `enable.auto.commit`: each records request first commits what
    /// the ones before it returned, as a Kafka consumer's poll commits the
    /// previous poll's records; so does a rebalance and the instance's end.
    pub auto_commit: bool,
    /// `consumer.request.timeout.ms`: how long a records request waits for
    /// records when it names no `timeout`.
    pub request_timeout: Option<Duration>,
}

/// The body as sent: every field optional, strings where the REST Proxy takes strings.
#[derive(Deserialize)]
struct CreateRequest {
    name: Option<String>,
    format: Option<String>,
    #[serde(rename = "auto.offset.reset")]
    auto_offset_reset: Option<String>,
    #[serde(rename = "auto.commit.enable")]
    auto_commit_enable: Option<Value>,
    #[serde(rename = "consumer.request.timeout.ms")]
    request_timeout_ms: Option<Value>,
    #[serde(rename = "fetch.min.bytes")]
    #[allow(dead_code)]
    fetch_min_bytes: Option<Value>,
}

impl InstanceConfig {
    /// Parses a create request's body; an empty body is every default.
    pub fn parse(body: &[u8]) -> Result<Self, RestError> {
        let request: CreateRequest = if body.iter().all(u8::is_ascii_whitespace) {
            CreateRequest {
                name: None,
                format: None,
                auto_offset_reset: None,
                auto_commit_enable: None,
                request_timeout_ms: None,
                fetch_min_bytes: None,
            }
        } else {
            crate::http::extract::json(body)?
        };
        let name = match request.name {
            Some(name) => {
                if !valid_name(&name) {
                    return Err(RestError::InvalidConsumerConfig(format!(
                        "Invalid consumer instance name {name:?}: use 1 to 255 of the characters [a-zA-Z0-9._-]"
                    )));
                }
                Some(name)
            }
            None => None,
        };
        let format = match request.format.as_deref().unwrap_or("binary").to_ascii_lowercase().as_str() {
            "binary" => Format::Binary,
            "json" => Format::Json,
            other => {
                return Err(RestError::InvalidConsumerConfig(format!(
                    "Invalid format {other:?}: this broker serves binary and json"
                )))
            }
        };
        let offset_reset = match request.auto_offset_reset.as_deref() {
            None => OffsetReset::Latest,
            Some(text) => OffsetReset::parse(text).map_err(RestError::InvalidConsumerConfig)?,
        };
        let auto_commit = match &request.auto_commit_enable {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
            Some(other) => {
                return Err(RestError::InvalidConsumerConfig(format!(
                    "Invalid value {other} for auto.commit.enable: expected \"true\" or \"false\""
                )))
            }
        };
        let request_timeout = match &request.request_timeout_ms {
            None | Some(Value::Null) => None,
            Some(value) => {
                let ms = match value {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                };
                let ms = ms.ok_or_else(|| {
                    RestError::InvalidConsumerConfig(format!(
                        "Invalid value {value} for consumer.request.timeout.ms: expected milliseconds"
                    ))
                })?;
                Some(Duration::from_millis(ms))
            }
        };
        Ok(InstanceConfig { name, format, offset_reset, auto_commit, request_timeout })
    }
}

/// An instance name must sit in a URL path segment unescaped.
pub fn valid_name(name: &str) -> bool {
    (1..=255).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_offset_reset_takes_kafkas_values_and_kip_1106s_by_duration() {
        assert_eq!(OffsetReset::parse("earliest"), Ok(OffsetReset::Earliest));
        assert_eq!(OffsetReset::parse("latest"), Ok(OffsetReset::Latest));
        assert_eq!(OffsetReset::parse("none"), Ok(OffsetReset::None));
        assert_eq!(OffsetReset::parse("by_duration:PT1H"), Ok(OffsetReset::ByDuration(Duration::from_secs(3600))));
        assert!(OffsetReset::parse("by_duration:1h").is_err());
        assert!(OffsetReset::parse("beginning").is_err());
    }

    #[test]
    fn a_create_body_parses_with_the_rest_proxys_defaults() {
        let config = InstanceConfig::parse(b"").unwrap();
        assert_eq!(config.format, Format::Binary);
        assert_eq!(config.offset_reset, OffsetReset::Latest);
        assert!(config.auto_commit);
        let body = br#"{"name":"c1","format":"json","auto.offset.reset":"earliest","auto.commit.enable":"false"}"#;
        let config = InstanceConfig::parse(body).unwrap();
        assert_eq!(config.name.as_deref(), Some("c1"));
        assert_eq!(config.format, Format::Json);
        assert_eq!(config.offset_reset, OffsetReset::Earliest);
        assert!(!config.auto_commit);
        assert!(matches!(InstanceConfig::parse(br#"{"format":"avro"}"#), Err(RestError::InvalidConsumerConfig(_))));
        assert!(matches!(InstanceConfig::parse(br#"{"name":"a/b"}"#), Err(RestError::InvalidConsumerConfig(_))));
        assert!(matches!(InstanceConfig::parse(b"{"), Err(RestError::Unprocessable(_))));
        assert!(matches!(
            InstanceConfig::parse(br#"{"auto.commit.enable":"maybe"}"#),
            Err(RestError::InvalidConsumerConfig(_))
        ));
    }
}
