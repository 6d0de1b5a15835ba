//! The one `Config`: every setting, its default, its flag, its `STRAND_*` env
//! twin and its key in the TOML file are declared once, in `settings!` below.
//!
//! Precedence is flag > env > file > default: clap merges the first two (a flag
//! beats its env var), the file fills what is still unset, and the defaults fill
//! the rest. The result is validated once at startup and passed down by reference.

use std::path::{Path, PathBuf};

use crate::log::LogConfig;
use crate::sasl;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read config file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {}: {source}", path.display())]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("invalid setting {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

macro_rules! settings {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty = $default:expr, env $env:literal; )*) => {
        /// Settings as a flag, an env var or the config file gives them: all optional.
        #[derive(clap::Args, serde::Deserialize, Debug, Default, Clone)]
        #[serde(deny_unknown_fields)]
        pub struct Overrides {
            $( $(#[doc = $doc])* #[arg(long, env = $env)] pub $name: Option<$ty>, )*
        }

        /// The effective configuration.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Overrides {
            /// Fills every setting `self` leaves unset from `lower`.
            pub fn or(self, lower: Overrides) -> Overrides {
                Overrides { $( $name: self.$name.or(lower.$name), )* }
            }

            fn with_defaults(self) -> Config {
                Config { $( $name: self.$name.unwrap_or_else(|| $default.into()), )* }
            }
        }

        impl Config {
            /// `key=value` for every setting, for the startup log line (none is secret).
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
    /// The one topic this broker serves, with one partition.
    topic: String = "events", env "STRAND_TOPIC";
    /// Address of the Prometheus metrics HTTP endpoint.
    metrics_listen: String = "127.0.0.1:9464", env "STRAND_METRICS_LISTEN";
    /// This broker's id in Metadata (`node.id`).
    node_id: i32 = 1, env "STRAND_NODE_ID";
    /// Largest request accepted; a larger size prefix closes the connection (`socket.request.max.bytes`).
    max_request_bytes: u32 = 104_857_600u32, env "STRAND_MAX_REQUEST_BYTES";
    /// Connections served at once; more are closed on accept, with a log line (`max.connections`).
    max_connections: u32 = 10_000u32, env "STRAND_MAX_CONNECTIONS";
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
    /// fsync after this many messages; 1 = before every acknowledgement (`log.flush.interval.messages`).
    flush_interval_messages: i64 = i64::MAX, env "STRAND_FLUSH_INTERVAL_MESSAGES";
    /// fsync when unflushed data is older than this (`log.flush.interval.ms`); the default never does.
    flush_interval_ms: i64 = i64::MAX, env "STRAND_FLUSH_INTERVAL_MS";
    /// Log bytes between two index entries (`log.index.interval.bytes`).
    index_interval_bytes: u64 = 4096u64, env "STRAND_INDEX_INTERVAL_BYTES";
    /// Pre-allocated size of each segment index (`log.index.size.max.bytes`).
    index_max_bytes: u64 = 10_485_760u64, env "STRAND_INDEX_MAX_BYTES";
    /// fsync the offset store before acknowledging each OffsetCommit.
    offsets_fsync: bool = true, env "STRAND_OFFSETS_FSYNC";
    /// Log level or `tracing` filter (RUST_LOG, when set, wins).
    log_level: String = "info", env "STRAND_LOG_LEVEL";
    /// Log line format: `text` for people, `json` for log collectors.
    log_format: String = "text", env "STRAND_LOG_FORMAT";
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
    sasl_mechanisms: String = "", env "STRAND_SASL_MECHANISMS";
    /// File of `user:password` lines, the users SASL accepts (Kafka keeps these in
    /// JAAS config and SCRAM credentials in its metadata log).
    users_file: PathBuf = "", env "STRAND_USERS_FILE";
}

impl Config {
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
        let config = cli.or(from_file).with_defaults();
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), Error> {
        let invalid = |name, reason: &str| Err(Error::Invalid { name, reason: reason.to_owned() });
        if !is_valid_topic_name(&self.topic) {
            return invalid("topic", "must be 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'");
        }
        // Index entries hold positions as u32 and Kafka caps the setting at i32::MAX.
        if !(14..=i32::MAX as u64).contains(&self.segment_bytes) {
            return invalid("segment_bytes", "must be between 14 and 2147483647");
        }
        if self.segment_ms <= 0 {
            return invalid("segment_ms", "must be positive");
        }
        if self.flush_interval_messages < 1 || self.flush_interval_ms < 1 {
            return invalid("flush_interval_messages/flush_interval_ms", "must be at least 1");
        }
        if self.index_max_bytes < 12 || self.index_max_bytes > i32::MAX as u64 {
            return invalid("index_max_bytes", "must be between 12 and 2147483647");
        }
        if self.retention_check_interval_ms == 0 {
            return invalid("retention_check_interval_ms", "must be at least 1");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return invalid("log_format", "must be text or json");
        }
        if self.max_connections == 0 || self.connections_max_idle_ms == 0 {
            return invalid("max_connections/connections_max_idle_ms", "must be at least 1");
        }
        if self.max_request_bytes < 8 {
            return invalid("max_request_bytes", "must be at least 8");
        }
        self.validate_security()
    }

    /// Reads the TLS and users files now, so a typo fails the start with a clear
    /// message instead of every connection later.
    fn validate_security(&self) -> Result<(), Error> {
        let error = |name, reason: String| Error::Invalid { name, reason };
        let invalid = |name, reason: String| Err(error(name, reason));
        let is_set = |path: &Path| !path.as_os_str().is_empty();
        if is_set(&self.tls_cert) != is_set(&self.tls_key) {
            return invalid("tls_cert/tls_key", "must be set together".into());
        }
        if is_set(&self.tls_client_ca) && !is_set(&self.tls_cert) {
            return invalid("tls_client_ca", "needs tls_cert and tls_key".into());
        }
        if let Some((cert, key, client_ca)) = self.tls_files() {
            crate::tls::load_certs(cert).map_err(|e| error("tls_cert", e.to_string()))?;
            crate::tls::load_key(key).map_err(|e| error("tls_key", e.to_string()))?;
            if let Some(ca) = client_ca {
                crate::tls::load_certs(ca).map_err(|e| error("tls_client_ca", e.to_string()))?;
            }
            crate::tls::server_config(cert, key, client_ca).map_err(|e| error("tls_cert/tls_key", e.to_string()))?;
        }
        let mechanisms = match sasl::parse_mechanisms(&self.sasl_mechanisms) {
            Ok(mechanisms) => mechanisms,
            Err(unknown) => {
                let supported = "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512";
                return invalid("sasl_mechanisms", format!("unknown mechanism {unknown:?}; supported: {supported}"));
            }
        };
        match (mechanisms.is_empty(), is_set(&self.users_file)) {
            (false, false) => return invalid("users_file", "is required when sasl_mechanisms is set".into()),
            (true, true) => return invalid("sasl_mechanisms", "is empty, so users_file would not be used".into()),
            _ => {}
        }
        if is_set(&self.users_file) {
            let text = std::fs::read_to_string(&self.users_file)
                .map_err(|e| error("users_file", format!("cannot read {}: {e}", self.users_file.display())))?;
            let path = self.users_file.display();
            match sasl::parse_users(&text) {
                Ok(users) if users.is_empty() => return invalid("users_file", format!("{path} has no users")),
                Ok(_) => {}
                Err((line, reason)) => return invalid("users_file", format!("{path}, line {line}: {reason}")),
            }
        }
        Ok(())
    }

    /// (cert, key, client CA) when the listener speaks TLS.
    pub fn tls_files(&self) -> Option<(&Path, &Path, Option<&Path>)> {
        let ca = (!self.tls_client_ca.as_os_str().is_empty()).then_some(self.tls_client_ca.as_path());
        (!self.tls_cert.as_os_str().is_empty()).then_some((self.tls_cert.as_path(), self.tls_key.as_path(), ca))
    }

    /// The enabled SASL mechanisms; empty when SASL is off.
    pub fn sasl_mechanisms(&self) -> Vec<sasl::Mechanism> {
        // validate() refused unknown names already.
        sasl::parse_mechanisms(&self.sasl_mechanisms).unwrap_or_default()
    }

    /// The listener's Kafka security protocol, as clients configure `security.protocol`.
    pub fn security_protocol(&self) -> &'static str {
        match (self.tls_files().is_some(), !self.sasl_mechanisms().is_empty()) {
            (false, false) => "PLAINTEXT",
            (true, false) => "SSL",
            (false, true) => "SASL_PLAINTEXT",
            (true, true) => "SASL_SSL",
        }
    }

    pub fn log_config(&self) -> LogConfig {
        LogConfig {
            segment_bytes: self.segment_bytes,
            segment_ms: self.segment_ms,
            retention_bytes: self.retention_bytes,
            retention_ms: self.retention_ms,
            // Kafka's default for both is Long.MAX_VALUE: leave flushing to the OS.
            flush_interval_messages: self.flush_interval_messages as u64,
            flush_interval_ms: (self.flush_interval_ms != i64::MAX).then_some(self.flush_interval_ms as u64),
            index_interval_bytes: self.index_interval_bytes,
            index_max_bytes: self.index_max_bytes as usize,
        }
    }
}

/// Kafka's topic name rule (`Topic.validate`).
fn is_valid_topic_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("strand.toml");
        std::fs::write(&file, "topic = \"from-file\"\nnode_id = 7\n").unwrap();
        let cli = Overrides { topic: Some("from-flag".into()), ..Overrides::default() };
        let config = Config::load(cli, Some(&file)).unwrap();
        assert_eq!(config.topic, "from-flag");
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
    fn invalid_topic_name_is_refused() {
        let cli = Overrides { topic: Some("no spaces".into()), ..Overrides::default() };
        assert!(matches!(Config::load(cli, None), Err(Error::Invalid { name: "topic", .. })));
    }
}
