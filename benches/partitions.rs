//! Partitions benchmark: what many topics and partitions cost, librdkafka (the
//! rdkafka crate) against the release `strand` binary and, beside it in the same
//! run, another broker (Apache Kafka, say) reached or started as the `load`
//! bench does it (`STRAND_LOAD_START`/`STOP`/`LABEL`, or `STRAND_LOAD_BOOTSTRAP`
//! and `STRAND_LOAD_PID`; see `load.rs`). Topics are created through the admin
//! API (CreateTopics) on both brokers, so the same code runs against either.
//!
//! `cargo bench --bench partitions` runs every part and prints one table;
//! positional arguments pick parts by name (`produce`, `many`), e.g.
//! `cargo bench --bench partitions -- many`. `STRAND_PARTITIONS_RUNS` (default 3)
//! sets how often each produce shape repeats; the table shows the median and the
//! range. `STRAND_LOAD_BIN` measures another build, `STRAND_LOAD_WRAP` runs the
//! broker under a profiler (see `strand_process::command`). With Kafka beside
//! strand the whole run takes about five minutes, most of it Kafka's starts.
//!
//! What is measured, and how:
//! - produce: 500k x 100 B values with null keys from one producer with
//!   librdkafka's defaults (acks all, linger 5 ms, the `consistent_random`
//!   partitioner), only its queue made room for the whole run. Shapes: one topic
//!   of 1, 16 and 256 partitions, and 100 topics of one partition (message `i` to
//!   topic `i % 100`). With a null key `consistent_random` does not hash: it
//!   sticks to one random partition per topic for `sticky.partitioning.linger.ms`
//!   (10 ms, twice `linger.ms`) and then picks another, so at these rates a
//!   produce request carries one or a few big batches whatever the partition
//!   count. The 256-partition shape also runs with `sticky.partitioning.linger.ms`
//!   0: each message to a random partition, as distinct keys spread them, so a
//!   request carries up to 256 small batches: the broker's per-partition cost.
//!   Messages/s from the first send to the end of `flush`; one unmeasured message
//!   per topic first, so the producer knows every leader.
//! - consume: what the run produced, read from the beginning by one consumer
//!   that subscribes in a new group (join, sync, OffsetFetch, ListOffsets); msg/s
//!   from the first message to the last, and subscribe to the first message.
//! - broker CPU: the process's CPU time across the run (`measure::Cpu`), per
//!   million messages; the bench's own CPU beside it shows when the client is the
//!   bottleneck. The broker and the client share the 2 cores.
//! - 1000 partitions with data (`many`): 100 topics x 10 partitions created in one
//!   CreateTopics request (timed until every partition is served), 10 records of
//!   100 B written to each partition, then the broker stopped cleanly (SIGTERM)
//!   and started again on that data. Start to ready: spawning the process to the
//!   first Metadata response (all topics, v12, from a plain socket retried every
//!   2 ms) that lists all 1000 partitions with a leader; strand's `listening`
//!   line beside it. Idle RSS one second after ready. Metadata latency: 200
//!   Metadata requests for all topics in a row on one connection (after 20
//!   unmeasured), request written to response read, p50 / p99 / max. Kafka is
//!   restarted only when the bench started it (`STRAND_LOAD_START`), once: its
//!   command line and environment from `/proc`, spawned again by the bench.
//!
//! Results are printed, never asserted: the machine is shared and noisy.

mod external;
mod kafka_client;
mod measure;
mod report;
mod strand_process;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, MetadataRequest, MetadataResponse, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, Producer};

use external::{External, ExternalConfig};
use kafka_client::{client_config, Admin, TIMEOUT};
use measure::{load_average, rss_kb, Cpu, RssSampler};
use report::{side_by_side, Cell, Stat, Table, Unit};
use strand_process::StrandProcess;

const SIZE: usize = 100;
const COUNT: usize = 500_000;
/// The `many` part: topics x partitions, and records per partition.
const MANY_TOPICS: usize = 100;
const MANY_PARTITIONS: i32 = 10;
const MANY_RECORDS: usize = 10;
const METADATA_REQUESTS: usize = 200;
/// Metadata v12: all topics is a null list; Kafka 4 and strand both serve it.
const METADATA_VERSION: i16 = 12;

/// Where the producer sends: `topics` topics of `partitions` partitions each.
#[derive(Clone, Copy)]
struct Shape {
    topics: usize,
    partitions: i32,
    /// librdkafka's sticky partitioning of null-key messages (its default).
    sticky: bool,
}

impl Shape {
    fn label(self) -> String {
        let plural = |n: usize, what: &str| if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") };
        let mut label = format!("{} x {}", plural(self.topics, "topic"), plural(self.partitions as usize, "partition"));
        if !self.sticky {
            label.push_str(", sticky off");
        }
        label
    }
}

const SHAPES: [Shape; 5] = [
    Shape { topics: 1, partitions: 1, sticky: true },
    Shape { topics: 1, partitions: 16, sticky: true },
    Shape { topics: 1, partitions: 256, sticky: true },
    Shape { topics: 1, partitions: 256, sticky: false },
    Shape { topics: 100, partitions: 1, sticky: true },
];

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let runs = std::env::var("STRAND_PARTITIONS_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(3usize).max(1);
    let config = ExternalConfig::from_env();
    let mut table = Table { other: config.as_ref().map(|c| c.label.clone()), rows: Vec::new() };
    let started = Instant::now();
    let load_at_start = load_average();
    println!("(librdkafka {}, load average {load_at_start})", rdkafka::util::get_rdkafka_version().1);

    let mut external = config.as_ref().map(open_warm);
    if wants("produce") {
        produce_shapes(&mut table, external.as_ref(), runs);
    }
    if wants("many") {
        let restartable = config.as_ref().is_some_and(|c| c.start.is_some());
        many_partitions(&mut table, external.as_mut(), restartable);
    }
    drop(external);
    table.print();
    println!(
        "\n(partitions benchmark took {:.0} s; load average at its start {load_at_start}, at its end {})",
        started.elapsed().as_secs_f64(),
        load_average()
    );
}

// ---------------------------------------------------------------- produce and consume

/// What a run talks to and watches.
struct Target {
    addr: String,
    /// The broker's process, for its CPU and RSS.
    pid: u32,
    topics: Vec<String>,
}

/// Every figure of one shape's runs against one broker.
#[derive(Default)]
struct Series {
    rate: Vec<f64>,
    cpu: Vec<f64>,
    client_cpu: Vec<f64>,
    rss: Vec<f64>,
    anon: Vec<f64>,
    c_rate: Vec<f64>,
    c_setup: Vec<f64>,
    c_cpu: Vec<f64>,
}

impl Series {
    fn measure(&mut self, target: &Target, shape: Shape, group: &str) {
        let run = produce(target, shape, COUNT);
        self.rate.push(run.rate);
        self.cpu.push(run.broker_cpu / COUNT as f64 * 1e6);
        self.client_cpu.push(run.client_cpu / COUNT as f64 * 1e6);
        self.rss.push(run.peak_rss.0 as f64);
        self.anon.push(run.peak_rss.1 as f64);
        // Everything produced, the unmeasured first message per topic included.
        let consumed = consume_group(target, group, COUNT + target.topics.len());
        self.c_rate.push(consumed.rate);
        self.c_setup.push(consumed.setup.as_secs_f64() * 1000.0);
        self.c_cpu.push(consumed.broker_cpu / consumed.count as f64 * 1e6);
    }
}

fn produce_shapes(table: &mut Table, external: Option<&External>, runs: usize) {
    // CPU per message at one partition, strand's and the other's, for the ratio rows.
    let mut one_partition: Option<(f64, Option<f64>)> = None;
    for shape in SHAPES {
        let (mut ours, mut theirs) = (Series::default(), external.map(|_| Series::default()));
        for run in 0..runs {
            let group = format!("strand-bench-{}-{run}", shape.label().replace([' ', ','], ""));
            let strand = |series: &mut Series| {
                let dir = tempfile::tempdir().expect("temp dir");
                let broker = start_strand(&dir.path().join("data"));
                let names: Vec<String> = (0..shape.topics).map(|i| format!("bench-{i}")).collect();
                Admin::new(&broker.addr).create_topics(&names, shape.partitions);
                series.measure(&Target { addr: broker.addr.clone(), pid: broker.pid, topics: names }, shape, &group);
            };
            let other = |series: &mut Series| {
                let external = external.expect("a series for the other broker only when there is one");
                let topics = external.scratch_topics(shape.topics, shape.partitions);
                let target = Target { addr: external.addr.clone(), pid: external.pid, topics: topics.names.clone() };
                series.measure(&target, shape, &group);
            };
            side_by_side(run, &mut ours, theirs.as_mut(), strand, other);
        }
        let theirs = theirs.as_ref();
        let label = format!("{}k x {SIZE} B, {}", COUNT / 1000, shape.label());
        let mut rows = |what: &str, target: &str, cell: &dyn Fn(&Series) -> Cell| {
            table.row(what, Some(cell(&ours)), theirs.map(cell), target);
        };
        rows(&format!("produce {label}: msg/s"), "", &|s| Cell::one(&s.rate, Unit::Count));
        let cpu_target = match one_partition {
            Some((ours, _)) if shape.partitions == 256 => format!("<= {:.3} (1.5x 1 partition)", 1.5 * ours),
            _ => String::new(),
        };
        rows(&format!("produce {label}: broker CPU-s per 1M msgs"), &cpu_target, &|s| {
            Cell::one(&s.cpu, Unit::Plain(3))
        });
        rows(&format!("produce {label}: client CPU-s per 1M msgs"), "", &|s| Cell::one(&s.client_cpu, Unit::Plain(3)));
        rows(&format!("produce {label}: peak VmRSS / RssAnon"), "", &|s| Cell::pair(&s.rss, &s.anon, Unit::MiB));
        rows(&format!("consume {label}, one group from the beginning: msg/s"), "", &|s| {
            Cell::one(&s.c_rate, Unit::Count)
        });
        rows(&format!("consume {label}: subscribe to first message"), "", &|s| Cell::one(&s.c_setup, Unit::Ms(1)));
        rows(&format!("consume {label}: broker CPU-s per 1M msgs"), "", &|s| Cell::one(&s.c_cpu, Unit::Plain(3)));
        let cpu = |s: &Series| Stat::of(&s.cpu).median;
        match one_partition {
            None => one_partition = Some((cpu(&ours), theirs.map(cpu))),
            Some((base, other_base)) => {
                let ratio = |value: f64, base: f64| Cell::one(&[value / base], Unit::Plain(2));
                let what = format!("produce {label}: broker CPU per msg / 1 partition's (medians)");
                let target = if shape.partitions == 256 { "<= 1.5" } else { "" };
                let theirs = theirs.zip(other_base).map(|(s, base)| ratio(cpu(s), base));
                table.row(&what, Some(ratio(cpu(&ours), base)), theirs, target);
            }
        }
    }
}

struct ProduceRun {
    rate: f64,
    broker_cpu: f64,
    client_cpu: f64,
    peak_rss: (u64, u64),
}

/// `count` null-key messages over the shape's topics, as described in the module doc.
fn produce(target: &Target, shape: Shape, count: usize) -> ProduceRun {
    let sticky = if shape.sticky { None } else { Some(("sticky.partitioning.linger.ms", "0")) };
    let settings: Vec<(&str, &str)> = sticky.into_iter().collect();
    let (producer, deliveries) = kafka_client::producer(&target.addr, &settings);
    let payload = [b'x'; SIZE];
    // Unmeasured: connection setup and every topic's metadata and leader.
    for topic in &target.topics {
        kafka_client::send(&producer, BaseRecord::to(topic).payload(&payload[..]));
    }
    producer.flush(TIMEOUT).expect("flush");
    let sampler = RssSampler::start(target.pid);
    let (cpu0, client0) = (Cpu::of(target.pid), Cpu::of_self());
    let started = Instant::now();
    kafka_client::send_all(&producer, count, |i| {
        BaseRecord::to(&target.topics[i % target.topics.len()]).payload(&payload[..])
    });
    let elapsed = started.elapsed().as_secs_f64();
    let (cpu1, client1) = (Cpu::of(target.pid), Cpu::of_self());
    let peak_rss = sampler.stop();
    producer.poll(Duration::ZERO);
    let expected = (count + target.topics.len()) as u64;
    let (ok, failed) = (deliveries.ok.load(Ordering::Relaxed), deliveries.failed.load(Ordering::Relaxed));
    assert!(ok == expected && failed == 0, "{ok} of {expected} delivered, {failed} failed");
    ProduceRun {
        rate: count as f64 / elapsed,
        broker_cpu: cpu1.since(&cpu0),
        client_cpu: client1.since(&client0),
        peak_rss,
    }
}

struct ConsumeRun {
    count: usize,
    rate: f64,
    /// Subscribing to the first message: group join and sync, offsets.
    setup: Duration,
    broker_cpu: f64,
}

/// Reads `count` messages from the beginning of the target's topics in a new group.
fn consume_group(target: &Target, group: &str, count: usize) -> ConsumeRun {
    let mut config = client_config(&target.addr);
    config
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false");
    let cpu0 = Cpu::of(target.pid);
    let started = Instant::now();
    let consumer: BaseConsumer = config.create().expect("consumer");
    let topics: Vec<&str> = target.topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics).expect("subscribe");
    let first = kafka_client::read_all(&consumer, count, SIZE, started);
    let cpu = Cpu::of(target.pid).since(&cpu0);
    ConsumeRun {
        count,
        rate: (count - 1) as f64 / first.elapsed().as_secs_f64(),
        setup: first - started,
        broker_cpu: cpu,
    }
}

// ---------------------------------------------------------------- 1000 partitions

/// Every figure of the `many` part against one broker.
#[derive(Default)]
struct ManySeries {
    create: Vec<f64>,
    ready: Vec<f64>,
    listening: Vec<f64>,
    idle: Vec<f64>,
    idle_anon: Vec<f64>,
    metadata: [Vec<f64>; 3],
    metadata_bytes: Vec<f64>,
}

fn many_partitions(table: &mut Table, external: Option<&mut External>, restartable: bool) {
    let names: Vec<String> = (0..MANY_TOPICS).map(|i| format!("many-{i}")).collect();
    let total = MANY_TOPICS * MANY_PARTITIONS as usize;

    let mut ours = ManySeries::default();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let mut broker = start_strand(&data);
    let created = Instant::now();
    Admin::new(&broker.addr).create_topics(&names, MANY_PARTITIONS);
    ours.create.push(created.elapsed().as_secs_f64() * 1000.0);
    fill(&broker.addr, &names);
    broker.stop();
    for i in 0..5 {
        let spawned = Instant::now();
        let broker = start_strand(&data);
        let ready = wait_for_metadata(&broker.addr, &names, total);
        ours.ready.push((ready - spawned).as_secs_f64() * 1000.0);
        ours.listening.push((broker.listening_at - spawned).as_secs_f64() * 1000.0);
        if i == 0 {
            idle_and_metadata(&mut ours, &broker.addr, broker.pid);
        }
    }

    let theirs = external.map(|external| {
        let mut theirs = ManySeries::default();
        let created = Instant::now();
        // Deleted by hand at the end: a guard would borrow the broker a restart changes.
        let names = external.new_topics(MANY_TOPICS, MANY_PARTITIONS);
        theirs.create.push(created.elapsed().as_secs_f64() * 1000.0);
        fill(&external.addr, &names);
        if restartable {
            let spawned = external.restart();
            let ready = wait_for_metadata(&external.addr, &names, total);
            theirs.ready.push((ready - spawned).as_secs_f64() * 1000.0);
        }
        idle_and_metadata(&mut theirs, &external.addr, external.pid);
        external.admin.delete_topics(&names);
        theirs
    });
    let theirs = theirs.as_ref();
    let label = format!("{MANY_TOPICS} topics x {MANY_PARTITIONS} partitions");
    let mut rows = |what: &str, target: &str, cell: &dyn Fn(&ManySeries) -> Option<Cell>| {
        table.row(what, cell(&ours), theirs.and_then(cell), target);
    };
    let some = |v: &[f64], unit: Unit| (!v.is_empty()).then(|| Cell::one(v, unit));
    rows(&format!("{label}: CreateTopics to all served"), "", &|s| some(&s.create, Unit::Ms(1)));
    rows(&format!("{label}, {MANY_RECORDS} records each: clean start to a full Metadata"), "< 200 ms", &|s| {
        some(&s.ready, Unit::Ms(1))
    });
    rows(&format!("{label}: clean start to `listening` (strand)"), "", &|s| some(&s.listening, Unit::Ms(1)));
    rows(&format!("{label}: idle RSS, VmRSS / RssAnon"), "< 50 MB", &|s| {
        (!s.idle.is_empty()).then(|| Cell::pair(&s.idle, &s.idle_anon, Unit::MiB))
    });
    rows(&format!("{label}: Metadata (all topics) p50 / p99 / max"), "< 5 ms", &|s| {
        Some(Cell { parts: s.metadata.iter().map(|v| Stat::of(v)).collect(), unit: Unit::Ms(2) })
    });
    rows(&format!("{label}: Metadata response size (KiB)"), "", &|s| some(&s.metadata_bytes, Unit::Plain(1)));
}

/// `MANY_RECORDS` records to every partition of `names`, each sent to its partition.
fn fill(addr: &str, names: &[String]) {
    let (producer, deliveries) = kafka_client::producer(addr, &[]);
    let payload = [b'x'; SIZE];
    for topic in names {
        for partition in 0..MANY_PARTITIONS {
            for _ in 0..MANY_RECORDS {
                kafka_client::send(&producer, BaseRecord::to(topic).partition(partition).payload(&payload[..]));
            }
        }
    }
    producer.flush(TIMEOUT).expect("flush");
    producer.poll(Duration::ZERO);
    let expected = (names.len() * MANY_PARTITIONS as usize * MANY_RECORDS) as u64;
    let (ok, failed) = (deliveries.ok.load(Ordering::Relaxed), deliveries.failed.load(Ordering::Relaxed));
    assert!(ok == expected && failed == 0, "{ok} of {expected} delivered, {failed} failed");
}

/// Idle RSS a second after ready, then Metadata latency on one connection.
fn idle_and_metadata(series: &mut ManySeries, addr: &str, pid: u32) {
    std::thread::sleep(Duration::from_secs(1));
    let (rss, anon) = rss_kb(pid);
    series.idle.push(rss as f64);
    series.idle_anon.push(anon as f64);
    let mut client = MetadataClient::connect(addr).expect("connect for Metadata");
    let mut latencies = Vec::with_capacity(METADATA_REQUESTS);
    for i in 0..METADATA_REQUESTS + 20 {
        let started = Instant::now();
        let body = client.all_topics().expect("Metadata");
        if i >= 20 {
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        if i == 0 {
            series.metadata_bytes.push(body.len() as f64 / 1024.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    for (values, q) in series.metadata.iter_mut().zip([0.5, 0.99, 1.0]) {
        values.push(at(q));
    }
}

/// Polls until a Metadata response for all topics lists every partition of
/// `names` with a leader (`total` of them); returns when it did.
fn wait_for_metadata(addr: &str, names: &[String], total: usize) -> Instant {
    let deadline = Instant::now() + TIMEOUT;
    let mut client = None;
    loop {
        assert!(Instant::now() < deadline, "no full Metadata from {addr}");
        if client.is_none() {
            client = MetadataClient::connect(addr).ok();
        }
        if let Some(connected) = client.as_mut() {
            match connected.all_topics().map(|body| led_partitions(body, names)) {
                Ok(Ok(led)) if led == total => return Instant::now(),
                Ok(_) => {}
                Err(_) => client = None,
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// How many partitions of `names` a Metadata response body lists with a leader.
fn led_partitions(mut body: Bytes, names: &[String]) -> Result<usize, String> {
    let response = MetadataResponse::decode(&mut body, METADATA_VERSION).map_err(|e| e.to_string())?;
    let ours = response.topics.iter().filter(|t| {
        t.error_code == 0 && t.name.as_ref().is_some_and(|n| names.iter().any(|m| m.as_str() == n.as_str()))
    });
    Ok(ours.map(|t| t.partitions.iter().filter(|p| p.error_code == 0 && p.leader_id.0 >= 0).count()).sum())
}

/// One blocking connection that asks for Metadata of all topics: the
/// smallest client, so its own cost stays out of the latency.
struct MetadataClient {
    stream: TcpStream,
    correlation_id: i32,
}

impl MetadataClient {
    fn connect(addr: &str) -> std::io::Result<MetadataClient> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(MetadataClient { stream, correlation_id: 0 })
    }

    /// Sends Metadata (all topics) and returns the response body after its header.
    fn all_topics(&mut self) -> std::io::Result<Bytes> {
        self.correlation_id += 1;
        let header = RequestHeader::default()
            .with_request_api_key(MetadataRequest::KEY)
            .with_request_api_version(METADATA_VERSION)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(StrBytes::from_static_str("strand-bench")));
        let request = MetadataRequest::default().with_topics(None).with_allow_auto_topic_creation(false);
        let mut frame = BytesMut::from(&[0u8; 4][..]);
        header.encode(&mut frame, MetadataRequest::header_version(METADATA_VERSION)).expect("encode header");
        request.encode(&mut frame, METADATA_VERSION).expect("encode Metadata");
        let size = (frame.len() - 4) as i32;
        frame[..4].copy_from_slice(&size.to_be_bytes());
        self.stream.write_all(&frame)?;
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size)?;
        let mut body = vec![0u8; i32::from_be_bytes(size).max(0) as usize];
        self.stream.read_exact(&mut body)?;
        let mut body = Bytes::from(body);
        let version = ApiKey::Metadata.response_header_version(METADATA_VERSION);
        let header = ResponseHeader::decode(&mut body, version).map_err(std::io::Error::other)?;
        if header.correlation_id != self.correlation_id {
            return Err(std::io::Error::other("response to another request"));
        }
        Ok(body)
    }
}

// ---------------------------------------------------------------- the brokers

/// A fresh strand on `data_dir` (or the data it has), serving its default topic.
fn start_strand(data_dir: &Path) -> StrandProcess {
    let command = strand_process::command();
    let command: Vec<&str> = command.iter().map(String::as_str).collect();
    StrandProcess::start(&command, "events", data_dir)
}

/// Opens the other broker, then gives it one unmeasured produce and consume
/// over 16 partitions, so the measured runs find its hot paths compiled.
fn open_warm(config: &ExternalConfig) -> External {
    let external = config.open();
    let topics = external.scratch_topics(1, 16);
    let target = Target { addr: external.addr.clone(), pid: external.pid, topics: topics.names.clone() };
    let shape = Shape { topics: 1, partitions: 16, sticky: true };
    produce(&target, shape, 200_000);
    consume_group(&target, "strand-bench-warm-up", 200_001);
    drop(topics);
    external
}
