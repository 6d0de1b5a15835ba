//! Shared setup for the end-to-end tests: the real `strand` binary started as a
//! process on an ephemeral loopback port with its own temporary data dir, an
//! rdkafka client configuration for it, and a small raw Kafka client (the
//! kafka-protocol crate's codecs over a TcpStream) for exact-code checks.
#![allow(dead_code)]

pub mod redis;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    fetch_response, ApiKey, BrokerId, FetchRequest, FetchResponse, ProduceRequest, RequestHeader, ResponseHeader,
    TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, Request, StrBytes};

pub const TOPIC: &str = "events";

/// A running broker process. Dropping it kills the process; the data dir lives
/// as long as the value so a test can restart on the same data.
pub struct Strand {
    child: Option<Child>,
    pub addr: String,
    /// Where /metrics and /health are served.
    pub metrics_addr: String,
    /// Where the REST API is served (host:port), unless `--http-listen ""` turned it off.
    pub http_addr: Option<String>,
    pub data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    extra_args: Vec<String>,
    /// Environment variables set for the process (beside the test's own).
    env: Vec<(String, String)>,
    /// Every line the process wrote to stderr (its log), across restarts.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Strand {
    pub fn start() -> Strand {
        Self::start_with(&[])
    }

    pub fn start_with(args: &[&str]) -> Strand {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().join("data");
        Self::start_at(data_dir, Some(temp), args)
    }

    /// Starts with `env` set for the process (SSL_CERT_FILE, say).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Strand {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().join("data");
        Self::start_at_with_env(data_dir, Some(temp), args, env)
    }

    /// Starts on a data dir the caller owns (e.g. on a small tmpfs).
    pub fn start_at(data_dir: PathBuf, temp: Option<tempfile::TempDir>, args: &[&str]) -> Strand {
        Self::start_at_with_env(data_dir, temp, args, &[])
    }

    fn start_at_with_env(
        data_dir: PathBuf,
        temp: Option<tempfile::TempDir>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Strand {
        let mut strand = Strand {
            child: None,
            addr: String::new(),
            metrics_addr: String::new(),
            http_addr: None,
            data_dir,
            _temp: temp,
            extra_args: args.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            log: Default::default(),
        };
        strand.launch();
        strand
    }

    fn launch(&mut self) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_strand"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--metrics-listen",
                "127.0.0.1:0",
                "--http-listen",
                "127.0.0.1:0",
                "--topic",
                TOPIC,
            ])
            .args(["--log-level", &std::env::var("STRAND_TEST_LOG_LEVEL").unwrap_or_else(|_| "info".into())])
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(&self.extra_args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn strand");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        let log = self.log.clone();
        // Keep draining stderr for the life of the process so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("STRAND_TEST_LOGS").is_some() {
                    eprintln!("[strand] {line}");
                }
                let addr = line.split("addr=").nth(1).and_then(|s| s.split_whitespace().next());
                let kind = ["serving metrics", "serving REST", "listening"].into_iter().find(|k| line.contains(k));
                if let (Some(kind), Some(addr)) = (kind, addr) {
                    let _ = tx.send((kind, addr.to_owned()));
                }
                log.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        // The metrics endpoint comes up first, then the REST listener (unless
        // turned off), then the Kafka listener.
        self.http_addr = None;
        loop {
            let (kind, addr) = rx.recv_timeout(Duration::from_secs(20)).expect("strand did not report listening");
            match kind {
                "serving metrics" => self.metrics_addr = addr,
                "serving REST" => self.http_addr = Some(addr),
                _ => {
                    self.addr = addr;
                    break;
                }
            }
        }
        self.child = Some(child);
    }

    /// The broker's process id (for its /proc/<pid>/status).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// The lines of the broker's log (its stderr) that contain `needle`, so far.
    pub fn log_lines(&self, needle: &str) -> Vec<String> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().filter(|line| line.contains(needle)).cloned().collect()
    }

    /// SIGTERM and wait: a clean shutdown.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().expect("kill -TERM");
        child.wait().expect("wait")
    }

    /// SIGKILL: a crash.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the binary again on the same data dir (on a new port).
    pub fn restart(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
        self.launch();
    }

    /// GETs `path` from the metrics endpoint: (status code, body).
    pub fn http_get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.metrics_addr).expect("connect to metrics");
        // One write: `write!` would send the pieces of the format string as separate
        // segments, and the endpoint reads the request once.
        let request = format!("GET {path} HTTP/1.1\r\nHost: strand\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }

    pub fn partition_dir(&self) -> PathBuf {
        self.data_dir.join(format!("{TOPIC}-0"))
    }

    pub fn client_config(&self) -> rdkafka::ClientConfig {
        let mut config = rdkafka::ClientConfig::new();
        config.set("bootstrap.servers", &self.addr).set("allow.auto.create.topics", "false");
        config
    }

    /// A consumer of `group` that commits only when told to and starts from the
    /// earliest offset without a committed one.
    pub fn manual_commit_config(&self, group: &str) -> rdkafka::ClientConfig {
        let mut config = self.client_config();
        config.set("group.id", group).set("enable.auto.commit", "false").set("auto.offset.reset", "earliest");
        config
    }
}

impl Drop for Strand {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// How long a RawClient waits for a response.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `is_closed_by_peer` waits for the close: the broker closes at once
/// when it decides to, so a longer wait only hides a hang.
pub const CLOSE_WITHIN: Duration = Duration::from_secs(5);

/// A blocking Kafka client for one connection, speaking through kafka-protocol.
pub struct RawClient {
    stream: TcpStream,
    correlation_id: i32,
}

impl RawClient {
    pub fn connect(addr: &str) -> RawClient {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        RawClient { stream, correlation_id: 0 }
    }

    /// Sends `request` at `version` and decodes the matching response.
    pub fn send<R: Request>(&mut self, version: i16, request: &R) -> R::Response {
        let correlation_id = self.send_only(version, request);
        let mut body =
            self.read_frame().unwrap_or_else(|| panic!("{} v{version}: connection closed", std::any::type_name::<R>()));
        let key = ApiKey::try_from(R::KEY).unwrap();
        let header = ResponseHeader::decode(&mut body, key.response_header_version(version)).unwrap();
        assert_eq!(header.correlation_id, correlation_id);
        R::Response::decode(&mut body, version).unwrap()
    }

    /// Produces one batch to partition 0 of `TOPIC` (v9, acks=-1): the partition's
    /// error code and base offset.
    pub fn produce(&mut self, records: Bytes) -> (i16, i64) {
        let partition = PartitionProduceData::default().with_index(0).with_records(Some(records));
        let topic = TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partition_data(vec![partition]);
        let request = ProduceRequest::default().with_acks(-1).with_timeout_ms(5000).with_topic_data(vec![topic]);
        let response = self.send(9, &request);
        let p = &response.responses[0].partition_responses[0];
        (p.error_code, p.base_offset)
    }

    /// Fetch v12 (sessionless, no wait, 1 MiB) of `partition` of TOPIC: the
    /// partition's answer. A bare `FetchPartition` asks partition 0 from offset 0.
    pub fn fetch(&mut self, partition: FetchPartition) -> fetch_response::PartitionData {
        self.fetch_response(partition).responses.swap_remove(0).partitions.swap_remove(0)
    }

    /// `fetch`'s whole response: what a test of the response level (its
    /// throttle time, a throttled answer without partitions) reads.
    pub fn fetch_response(&mut self, partition: FetchPartition) -> FetchResponse {
        let partition = partition.with_partition_max_bytes(1 << 20);
        let request = FetchRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_max_wait_ms(0)
            .with_max_bytes(1 << 20)
            .with_session_epoch(-1)
            .with_topics(vec![FetchTopic::default()
                .with_topic(TopicName(StrBytes::from_static_str(TOPIC)))
                .with_partitions(vec![partition])]);
        self.send(12, &request)
    }

    /// Sends without waiting; returns the correlation id.
    pub fn send_only<R: Request>(&mut self, version: i16, request: &R) -> i32 {
        self.correlation_id += 1;
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(StrBytes::from_static_str("raw-test")));
        let mut body = BytesMut::new();
        header.encode(&mut body, R::header_version(version)).unwrap();
        request
            .encode(&mut body, version)
            .unwrap_or_else(|e| panic!("encoding {} v{version}: {e}", std::any::type_name::<R>()));
        self.send_raw(&body);
        self.correlation_id
    }

    /// Writes a size prefix and `body` as they are.
    pub fn send_raw(&mut self, body: &[u8]) {
        let mut frame = BytesMut::with_capacity(body.len() + 4);
        frame.put_i32(body.len() as i32);
        frame.put_slice(body);
        self.stream.write_all(&frame).unwrap();
    }

    /// Writes bytes with no framing at all.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// The next response frame, or None when the broker closed the connection.
    pub fn read_frame(&mut self) -> Option<Bytes> {
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size).ok()?;
        let mut body = vec![0u8; i32::from_be_bytes(size) as usize];
        self.stream.read_exact(&mut body).ok()?;
        Some(Bytes::from(body))
    }

    /// True when nothing at all comes for `quiet`: no byte and no close. What a
    /// connection the broker has not taken yet looks like from the client.
    pub fn is_silent_for(&mut self, quiet: Duration) -> bool {
        use std::io::ErrorKind::{TimedOut, WouldBlock};
        match self.first_byte_within(quiet, false) {
            (Err(e), _) if matches!(e.kind(), WouldBlock | TimedOut) => true,
            (other, _) => {
                eprintln!("is_silent_for: saw {other:?}");
                false
            }
        }
    }

    /// True when the broker closed the connection within `CLOSE_WITHIN`: the read
    /// returns EOF, or a reset (the broker closed with our bytes still unread).
    /// Anything else is false and says what it saw: a byte (the broker answered),
    /// and above all silence, so that a broker that hangs fails the check.
    pub fn is_closed_by_peer(&mut self) -> bool {
        use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
        match self.first_byte_within(CLOSE_WITHIN, true) {
            (Ok(0), _) => true,
            (Err(e), _) if matches!(e.kind(), ConnectionReset | BrokenPipe | ConnectionAborted) => true,
            (Ok(_), byte) => {
                eprintln!("is_closed_by_peer: the peer sent byte {byte:#04x} instead of closing");
                false
            }
            (Err(e), _) => {
                eprintln!("is_closed_by_peer: no close within {CLOSE_WITHIN:?}: {e}");
                false
            }
        }
    }

    /// Waits up to `wait` for what the broker does first: a byte (Ok(1), and
    /// the byte, read only when `consume`), a close (Ok(0)), a reset, or a timeout.
    fn first_byte_within(&mut self, wait: Duration, consume: bool) -> (std::io::Result<usize>, u8) {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut buf = [0u8; 1];
        let seen = loop {
            let seen = if consume { self.stream.read(&mut buf) } else { self.stream.peek(&mut buf) };
            match seen {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        (seen, buf[0])
    }
}

/// One v2 record batch of `values` with keys "k{i}", timestamps `timestamp + i`.
pub fn batch(values: &[&[u8]], timestamp: i64) -> Bytes {
    strand::log::testing::BatchBuilder::values(values).first_timestamp(timestamp).build()
}

/// Base offsets of the batches in a fetch response's records, in order.
pub fn batch_base_offsets(mut records: Bytes) -> Vec<i64> {
    let mut offsets = Vec::new();
    while records.remaining() >= 12 {
        let base = records.get_i64();
        let len = records.get_i32() as usize;
        offsets.push(base);
        records.advance(len.min(records.remaining()));
    }
    offsets
}

pub fn files_in(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

/// An rdkafka consumer context that records the rebalance callbacks
/// ("assign N", "revoke N", "error E"), for tests that check which ones came.
#[derive(Clone, Default)]
pub struct Rebalances(std::sync::Arc<std::sync::Mutex<Vec<String>>>);
impl rdkafka::ClientContext for Rebalances {}
impl rdkafka::consumer::ConsumerContext for Rebalances {
    fn post_rebalance(&self, _: &rdkafka::consumer::BaseConsumer<Self>, rebalance: &rdkafka::consumer::Rebalance<'_>) {
        use rdkafka::consumer::Rebalance;
        let event = match rebalance {
            Rebalance::Assign(tpl) => format!("assign {}", tpl.count()),
            Rebalance::Revoke(tpl) => format!("revoke {}", tpl.count()),
            Rebalance::Error(e) => format!("error {e}"),
        };
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }
}

impl Rebalances {
    pub fn events(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The partitions held after the last callback, if there was one.
    pub fn held(&self) -> Option<usize> {
        let events = self.events();
        let last = events.last()?;
        Some(last.strip_prefix("assign ").and_then(|n| n.parse().ok()).unwrap_or(0))
    }
}
