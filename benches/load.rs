//! Load benchmark: librdkafka (the rdkafka crate) against the release `strand`
//! binary, run as a child process on an ephemeral port with a temp data dir,
//! and optionally against another broker beside it (Apache Kafka, say).
//!
//! `cargo bench --bench load` runs every part and prints one table; positional
//! arguments pick parts by name (`startup`, `produce`, `consume`, `latency`,
//! `big-log`), e.g. `cargo bench --bench load -- latency`. `STRAND_LOAD_RUNS`
//! (default 5) sets how often the produce and consume runs repeat,
//! `STRAND_LOAD_LATENCY_RUNS` (default 1) the latency runs; the table shows the
//! median and the range. The whole default run takes about a minute.
//! `STRAND_LOAD_BIN` measures another build of the broker (e.g. one from before a
//! change); `STRAND_LOAD_WRAP` runs the broker under a profiler.
//!
//! Another broker, measured in the same run, each repetition right after
//! strand's (the order alternates), so both see the same machine:
//! - `STRAND_LOAD_BOOTSTRAP=host:port`: a broker that already runs. Its pid (for
//!   CPU and RSS) is `STRAND_LOAD_PID`, or else the process that listens on that
//!   port.
//! - or `STRAND_LOAD_START=cmd` and `STRAND_LOAD_STOP=cmd`: shell commands that
//!   start a fresh broker (printing `BOOTSTRAP=host:port` on stdout) and stop it,
//!   e.g. `compat/kafka.sh start load` / `compat/kafka.sh stop load`. The bench
//!   then also measures its start, and runs the load against one more start.
//! - `STRAND_LOAD_LABEL` names its column (default `external`).
//!
//! Each produce run and latency run gets a fresh one-partition topic there
//! (created with the admin API, deleted after the run), as strand gets a fresh
//! broker; before the first measured run it gets one unmeasured produce and
//! consume, so a JVM broker is measured with its hot paths compiled.
//!
//! What is measured, and how:
//! - produce: 500k x 100 B and 200k x 1 KiB, acks 1 and all, linger 5 ms, one
//!   producer; messages/s from the first send to the end of `flush`.
//! - consume: the 100 B and 1 KiB logs read from offset 0 by one consumer, with
//!   librdkafka's defaults and with its prefetch limit out of the way (see
//!   `ProduceSeries::measure`); messages/s from the first message to the last.
//! - broker CPU: the process's CPU time across the run (from schedstat, see
//!   `Cpu`), per million messages; the load generator's own CPU beside it
//!   shows when the client is the bottleneck.
//! - RSS: `VmRSS` and `RssAnon` from `/proc/PID/status`, idle and the peak under
//!   load (sampled every 10 ms). `VmRSS` counts file pages the broker has mapped
//!   and touched; `RssAnon` is the broker's own memory (for a JVM, the heap it
//!   has touched).
//! - end-to-end latency: 5000 msg/s for 10 s after a 1 s warm-up, the send time in
//!   the payload, measured when the consumer gets the message; once with linger
//!   5 ms (what the producer runs used), once with linger 0 and Nagle off (what is
//!   left when the producer does not hold messages back).
//! - startup: strand from spawn to its `listening` log line (printed once the
//!   listener accepts), on an empty dir and on a 1 GiB log (clean and unclean
//!   restart). A started external broker: from its process's start (`/proc`, 10 ms
//!   ticks) and from running the start command, to the first successful Metadata.
//!
//! Results are printed, never asserted: the machine is shared and noisy.

mod strand_process;
mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use strand_process::StrandProcess;
use support::make_batch;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

const TOPIC: &str = "events";
/// `/proc/PID/stat` counts CPU time in USER_HZ ticks, 100 per second on Linux.
const TICKS_PER_SECOND: f64 = 100.0;
const TIMEOUT: Duration = Duration::from_secs(120);

// The reference peer (Tansu 0.6, in memory, 500k x 100 B, acks 1, linger 5 ms).
const PEER_PRODUCE: f64 = 1_350_000.0;
const PEER_CPU_PER_M: f64 = 0.07 / 0.5;
const PEER_CONSUME: f64 = 464_000.0;

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let env_count =
        |name: &str, default: usize| std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default).max(1);
    let runs = env_count("STRAND_LOAD_RUNS", 5);
    let latency_runs = env_count("STRAND_LOAD_LATENCY_RUNS", 1);
    let other = ExternalConfig::from_env();
    let mut table = Table { other: other.as_ref().map(|o| o.label.clone()), rows: Vec::new() };
    let started = Instant::now();
    // What the numbers depend on besides the brokers: the client, and how busy the machine was.
    let load_at_start = load_average();
    println!("(librdkafka {}, load average {load_at_start})", rdkafka::util::get_rdkafka_version().1);

    if wants("startup") {
        startup_empty(&mut table, other.as_ref());
    }
    // One external broker for the load parts; started (or looked up) once.
    let external =
        other.filter(|_| wants("produce") || wants("consume") || wants("latency")).map(|config| config.open());
    if wants("produce") || wants("consume") {
        for (size, count) in [(100usize, 500_000usize), (1024, 200_000)] {
            for acks in ["1", "all"] {
                // Consume reads the acks=1 log: the same bytes either way.
                let consume = acks == "1" && wants("consume");
                produce_and_consume(&mut table, external.as_ref(), runs, size, count, acks, consume);
            }
        }
    }
    if wants("latency") {
        latency(&mut table, external.as_ref(), latency_runs, "linger 5 ms", &[("linger.ms", "5")]);
        let linger0 = [("linger.ms", "0"), ("socket.nagle.disable", "true")];
        latency(&mut table, external.as_ref(), latency_runs, "linger 0, nagle off", &linger0);
    }
    drop(external);
    if wants("big-log") {
        startup_big_log(&mut table);
    }
    table.print();
    println!(
        "\n(load benchmark took {:.0} s; load average at its start {load_at_start}, at its end {})",
        started.elapsed().as_secs_f64(),
        load_average()
    );
}

/// The 1, 5 and 15 minute load averages: on a shared machine, how much else ran.
fn load_average() -> String {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------- measurements

fn startup_empty(table: &mut Table, other: Option<&ExternalConfig>) {
    let mut times = Vec::new();
    let mut idle = (0, 0);
    for i in 0..7 {
        let dir = tempfile::tempdir().expect("temp dir");
        let broker = Broker::start(&dir.path().join("data"));
        times.push(broker.startup.as_secs_f64() * 1000.0);
        if i == 0 {
            // Let the runtime settle (metrics exporter, first allocations) before measuring.
            std::thread::sleep(Duration::from_millis(500));
            idle = rss_kb(broker.target.pid);
        }
    }
    // The external broker: started (and stopped) by its commands, or as it is now.
    let (mut process, mut command, mut other_idle) = (vec![], vec![], None);
    match other {
        Some(config) if config.start.is_some() => {
            for i in 0..3 {
                let external = config.open_cold();
                let started = external.started.as_ref().expect("started by its command");
                process.push(started.from_process.as_secs_f64() * 1000.0);
                command.push(started.from_command.as_secs_f64() * 1000.0);
                if i == 0 {
                    std::thread::sleep(Duration::from_millis(500));
                    other_idle = Some(rss_kb(external.pid));
                }
            }
        }
        Some(config) => other_idle = Some(rss_kb(config.open_cold().pid)),
        None => {}
    }
    let some = |v: &[f64]| (!v.is_empty()).then(|| Cell::one(v, Unit::Ms(1)));
    table.row("start to ready, empty dir", Some(Cell::one(&times, Unit::Ms(1))), some(&process), "< 20 ms");
    if !command.is_empty() {
        table.row("start command to ready (external)", None, some(&command), "");
    }
    let rss = |(vm, anon): (u64, u64)| Cell::pair(&[vm as f64], &[anon as f64], Unit::MiB);
    table.row("idle RSS (VmRSS / RssAnon)", Some(rss(idle)), other_idle.map(rss), "< 10 MB");
}

/// Every figure of the produce (and consume) runs against one broker.
#[derive(Default)]
struct ProduceSeries {
    rate: Vec<f64>,
    mbs: Vec<f64>,
    cpu: Vec<f64>,
    client_cpu: Vec<f64>,
    rss: Vec<f64>,
    anon: Vec<f64>,
    c_rate: Vec<f64>,
    c_unbounded: Vec<f64>,
    c_setup: Vec<f64>,
    c_cpu: Vec<f64>,
    c_client: Vec<f64>,
    c_rss: Vec<f64>,
    c_anon: Vec<f64>,
}

impl ProduceSeries {
    fn measure(&mut self, target: &Target, size: usize, count: usize, acks: &str, consume: bool) {
        let run = produce(target, size, count, acks);
        self.rate.push(run.rate);
        self.mbs.push(run.rate * size as f64 / 1e6);
        self.cpu.push(run.broker_cpu / count as f64 * 1e6);
        self.client_cpu.push(run.client_cpu / count as f64 * 1e6);
        self.rss.push(run.peak_rss.0 as f64);
        self.anon.push(run.peak_rss.1 as f64);
        if consume {
            // librdkafka stops fetching while more than queued.min.messages wait
            // for the application, and then waits fetch.queue.backoff.ms (1 s)
            // before it looks again: a broker that outruns the application gets
            // a pause. The second read lets the whole log queue up instead.
            let unbounded = consume_all(target, size, count, &[("queued.min.messages", "10000000")]);
            self.c_unbounded.push(unbounded.rate);
            let run = consume_all(target, size, count, &[]);
            self.c_rate.push(run.rate);
            self.c_setup.push(run.setup.as_secs_f64() * 1000.0);
            self.c_cpu.push(run.broker_cpu / count as f64 * 1e6);
            self.c_client.push(run.client_cpu / count as f64 * 1e6);
            self.c_rss.push(run.peak_rss.0 as f64);
            self.c_anon.push(run.peak_rss.1 as f64);
        }
    }
}

/// One repetition on strand and, when there is one, on the other broker. Who goes
/// first alternates, so neither always runs on the other's leftovers.
fn side_by_side<S>(run: usize, ours: &mut S, theirs: Option<&mut S>, strand: impl Fn(&mut S), other: impl Fn(&mut S)) {
    match theirs {
        Some(series) if run.is_multiple_of(2) => {
            strand(ours);
            other(series);
        }
        Some(series) => {
            other(series);
            strand(ours);
        }
        None => strand(ours),
    }
}

fn produce_and_consume(
    table: &mut Table,
    external: Option<&External>,
    runs: usize,
    size: usize,
    count: usize,
    acks: &str,
    consume: bool,
) {
    let label = format!("{count} x {} B, acks {acks}", size);
    let (mut ours, mut theirs) = (ProduceSeries::default(), external.map(|_| ProduceSeries::default()));
    for run in 0..runs {
        let strand = |series: &mut ProduceSeries| {
            let dir = tempfile::tempdir().expect("temp dir");
            let broker = Broker::start(&dir.path().join("data"));
            series.measure(&broker.target, size, count, acks, consume);
        };
        let other = |series: &mut ProduceSeries| {
            let topic = external.expect("a series for the other broker only when there is one").scratch_topic();
            series.measure(&topic.target, size, count, acks, consume);
        };
        side_by_side(run, &mut ours, theirs.as_mut(), strand, other);
    }
    let theirs = theirs.as_ref();
    let mut rows = |what: &str, target: &str, cell: &dyn Fn(&ProduceSeries) -> Cell| {
        table.row(what, Some(cell(&ours)), theirs.map(cell), target);
    };
    let target =
        if size == 100 && acks == "1" { format!(">= {:.2}M msg/s", 0.95 * PEER_PRODUCE / 1e6) } else { String::new() };
    rows(&format!("produce {label}: msg/s"), &target, &|s| Cell::one(&s.rate, Unit::Count));
    rows(&format!("produce {label}: MB/s"), "", &|s| Cell::one(&s.mbs, Unit::Plain(0)));
    let target = if size == 100 && acks == "1" { format!("<= {PEER_CPU_PER_M:.2}") } else { String::new() };
    rows(&format!("produce {label}: broker CPU-s per 1M msgs"), &target, &|s| Cell::one(&s.cpu, Unit::Plain(3)));
    rows(&format!("produce {label}: client CPU-s per 1M msgs"), "", &|s| Cell::one(&s.client_cpu, Unit::Plain(3)));
    rows(&format!("produce {label}: peak VmRSS / RssAnon"), "", &|s| Cell::pair(&s.rss, &s.anon, Unit::MiB));
    if consume {
        let label = format!("{count} x {} B from offset 0", size);
        let target = if size == 100 { format!(">= {:.0}k msg/s", 2.0 * PEER_CONSUME / 1e3) } else { String::new() };
        rows(&format!("consume {label}: msg/s, first message to last"), &target, &|s| {
            Cell::one(&s.c_rate, Unit::Count)
        });
        rows(&format!("consume {label}: msg/s, queued.min.messages 10M"), &target, &|s| {
            Cell::one(&s.c_unbounded, Unit::Count)
        });
        rows(&format!("consume {label}: new consumer to first message"), "", &|s| Cell::one(&s.c_setup, Unit::Ms(1)));
        rows(&format!("consume {label}: broker CPU-s per 1M msgs"), "", &|s| Cell::one(&s.c_cpu, Unit::Plain(3)));
        rows(&format!("consume {label}: client CPU-s per 1M msgs"), "", &|s| Cell::one(&s.c_client, Unit::Plain(3)));
        rows(&format!("consume {label}: peak VmRSS / RssAnon"), "", &|s| Cell::pair(&s.c_rss, &s.c_anon, Unit::MiB));
    }
}

struct Run {
    rate: f64,
    /// For a consumer: creating it to the first message.
    setup: Duration,
    broker_cpu: f64,
    client_cpu: f64,
    peak_rss: (u64, u64),
}

/// Counts deliveries, so a run that silently lost messages does not report a rate.
#[derive(Default)]
struct Deliveries {
    ok: AtomicU64,
    failed: AtomicU64,
}

struct Counting(Arc<Deliveries>);

impl ClientContext for Counting {}

impl ProducerContext for Counting {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let counter = if result.is_ok() { &self.0.ok } else { &self.0.failed };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

fn producer(target: &Target, settings: &[(&str, &str)]) -> (BaseProducer<Counting>, Arc<Deliveries>) {
    let deliveries = Arc::new(Deliveries::default());
    let mut config = client_config(&target.addr);
    config.set("message.timeout.ms", "60000").set("queue.buffering.max.messages", "1000000");
    for (key, value) in settings {
        config.set(*key, *value);
    }
    let producer = config.create_with_context(Counting(deliveries.clone())).expect("producer");
    (producer, deliveries)
}

/// Sends `payload`, waiting for room when librdkafka's queue is full.
fn send(producer: &BaseProducer<Counting>, topic: &str, payload: &[u8]) {
    let mut record = BaseRecord::to(topic).payload(payload).key(&[] as &[u8]);
    loop {
        match producer.send(record) {
            Ok(()) => return,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                producer.poll(Duration::from_millis(1));
            }
            Err((e, _)) => panic!("send failed: {e}"),
        }
    }
}

fn produce(target: &Target, size: usize, count: usize, acks: &str) -> Run {
    let (producer, deliveries) = producer(target, &[("acks", acks), ("linger.ms", "5")]);
    // The first metadata round trip is connection setup, not throughput.
    producer.client().fetch_metadata(Some(&target.topic), Duration::from_secs(10)).expect("metadata");
    let payload = vec![b'x'; size];
    let sampler = RssSampler::start(target.pid);
    let (cpu0, client0) = (Cpu::of(target.pid), Cpu::of_self());
    let started = Instant::now();
    for i in 0..count {
        send(&producer, &target.topic, &payload);
        if i % 1024 == 0 {
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(TIMEOUT).expect("flush");
    let elapsed = started.elapsed().as_secs_f64();
    let (cpu1, client1) = (Cpu::of(target.pid), Cpu::of_self());
    let peak_rss = sampler.stop();
    producer.poll(Duration::ZERO);
    let (ok, failed) = (deliveries.ok.load(Ordering::Relaxed), deliveries.failed.load(Ordering::Relaxed));
    assert!(ok == count as u64 && failed == 0, "{ok} of {count} delivered, {failed} failed");
    Run {
        rate: count as f64 / elapsed,
        setup: Duration::ZERO,
        broker_cpu: cpu1.since(&cpu0),
        client_cpu: client1.since(&client0),
        peak_rss,
    }
}

fn consumer(target: &Target, settings: &[(&str, &str)]) -> BaseConsumer {
    let mut config = client_config(&target.addr);
    config.set("group.id", "strand-load").set("enable.auto.commit", "false").set("enable.partition.eof", "false");
    for (key, value) in settings {
        config.set(*key, *value);
    }
    let consumer: BaseConsumer = config.create().expect("consumer");
    // Without the partition's leader, librdkafka defers the offset lookup of a
    // new assignment by a fixed 500 ms: learn it first.
    consumer.fetch_metadata(Some(&target.topic), Duration::from_secs(10)).expect("metadata");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(&target.topic, 0, Offset::Beginning).expect("assignment");
    consumer.assign(&assignment).expect("assign");
    consumer
}

fn consume_all(target: &Target, size: usize, count: usize, settings: &[(&str, &str)]) -> Run {
    let sampler = RssSampler::start(target.pid);
    let (cpu0, client0) = (Cpu::of(target.pid), Cpu::of_self());
    let started = Instant::now();
    let consumer = consumer(target, settings);
    let mut seen = 0;
    let mut first = None;
    while seen < count {
        assert!(started.elapsed() < TIMEOUT, "only {seen} of {count} messages arrived");
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                assert_eq!(m.payload().map_or(0, <[u8]>::len), size);
                first.get_or_insert_with(Instant::now);
                seen += 1;
            }
            Some(Err(e)) => panic!("consume failed: {e}"),
            None => {}
        }
    }
    let (cpu1, client1) = (Cpu::of(target.pid), Cpu::of_self());
    let first = first.expect("at least one message");
    Run {
        // Connecting, metadata and the offset lookup are not throughput.
        rate: (count - 1) as f64 / first.elapsed().as_secs_f64(),
        setup: first - started,
        broker_cpu: cpu1.since(&cpu0),
        client_cpu: client1.since(&client0),
        peak_rss: sampler.stop(),
    }
}

/// p50, p99, p99.9 and max of each latency run (ms), and the broker's CPU-s per 1M messages.
#[derive(Default)]
struct LatencySeries {
    quantiles: [Vec<f64>; 4],
    cpu: Vec<f64>,
}

fn latency(table: &mut Table, external: Option<&External>, runs: usize, label: &str, settings: &[(&str, &str)]) {
    let (mut ours, mut theirs) = (LatencySeries::default(), external.map(|_| LatencySeries::default()));
    for run in 0..runs {
        let strand = |series: &mut LatencySeries| {
            let dir = tempfile::tempdir().expect("temp dir");
            let broker = Broker::start(&dir.path().join("data"));
            latency_run(series, &broker.target, settings);
        };
        let other = |series: &mut LatencySeries| {
            let external = external.expect("a series for the other broker only when there is one");
            latency_run(series, &external.scratch_topic().target, settings)
        };
        side_by_side(run, &mut ours, theirs.as_mut(), strand, other);
    }
    let quantiles =
        |s: &LatencySeries| Cell { parts: s.quantiles.iter().map(|q| Stat::of(q)).collect(), unit: Unit::Ms(2) };
    table.row(
        &format!("e2e latency at 5000 msg/s, {label}: p50 / p99 / p99.9 / max"),
        Some(quantiles(&ours)),
        theirs.as_ref().map(quantiles),
        if label.contains("linger 0") { "p99 <= 2 ms" } else { "" },
    );
    let cpu = |s: &LatencySeries| Cell::one(&s.cpu, Unit::Plain(3));
    table.row(
        &format!("e2e latency run, {label}: broker CPU-s per 1M msgs"),
        Some(cpu(&ours)),
        theirs.as_ref().map(cpu),
        "",
    );
}

fn latency_run(series: &mut LatencySeries, target: &Target, settings: &[(&str, &str)]) {
    const RATE: u64 = 5000;
    const WARMUP: u64 = RATE;
    const MEASURED: u64 = 10 * RATE;
    let total = WARMUP + MEASURED;
    let epoch = Instant::now();

    let consumer = consumer(target, settings);
    let reader = std::thread::spawn(move || {
        let mut latencies = Vec::with_capacity(MEASURED as usize);
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = 0;
        while seen < total && Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    let now = epoch.elapsed().as_nanos() as u64;
                    let payload = m.payload().expect("payload");
                    let seq = u64::from_be_bytes(payload[..8].try_into().expect("8 bytes"));
                    let sent = u64::from_be_bytes(payload[8..16].try_into().expect("8 bytes"));
                    if seq >= WARMUP {
                        latencies.push(now - sent);
                    }
                    seen += 1;
                }
                Some(Err(e)) => panic!("consume failed: {e}"),
                None => {}
            }
        }
        latencies
    });
    let mut producer_settings = vec![("acks", "1")];
    producer_settings.extend_from_slice(settings);
    let (producer, _) = producer(target, &producer_settings);
    producer.client().fetch_metadata(Some(&target.topic), Duration::from_secs(10)).expect("metadata");
    // The consumer's first fetch is in flight before anything is sent.
    std::thread::sleep(Duration::from_millis(500));
    let cpu0 = Cpu::of(target.pid);
    let mut payload = [0u8; 100];
    let interval = Duration::from_nanos(1_000_000_000 / RATE);
    let started = Instant::now();
    for seq in 0..total {
        let due = started + interval * seq as u32;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        payload[..8].copy_from_slice(&seq.to_be_bytes());
        payload[8..16].copy_from_slice(&(epoch.elapsed().as_nanos() as u64).to_be_bytes());
        send(&producer, &target.topic, &payload);
        producer.poll(Duration::ZERO);
    }
    producer.flush(TIMEOUT).expect("flush");
    let mut latencies = reader.join().expect("consumer thread");
    let cpu = Cpu::of(target.pid).since(&cpu0);
    assert_eq!(latencies.len() as u64, MEASURED, "messages went missing");
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)] as f64 / 1e6;
    for (values, q) in series.quantiles.iter_mut().zip([0.5, 0.99, 0.999, 1.0]) {
        values.push(at(q));
    }
    series.cpu.push(cpu / total as f64 * 1e6);
}

fn startup_big_log(table: &mut Table) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    // Let the broker lay out the data dir, then fill its partition directly
    // through the log (librdkafka would take far longer to write 1 GiB).
    let mut broker = Broker::start(&data);
    broker.stop();
    let filled = Instant::now();
    let partition = data.join(format!("{TOPIC}-0"));
    let (log, _) = strand::log::Log::open(&partition, strand::log::LogConfig::default(), 0).expect("open the log");
    let batch = make_batch(64, 1013);
    for _ in 0..(1u64 << 30) / batch.len() as u64 {
        log.append(&batch, 1_700_000_000_000).expect("append");
    }
    let size = log.size_bytes();
    drop(log);
    println!("(built a {:.2} GiB log in {:.1} s)", size as f64 / f64::from(1 << 30), filled.elapsed().as_secs_f64());

    let mut clean = Vec::new();
    let mut idle = (0, 0);
    for i in 0..5 {
        let mut broker = Broker::start(&data);
        clean.push(broker.startup.as_secs_f64() * 1000.0);
        if i == 0 {
            std::thread::sleep(Duration::from_millis(500));
            idle = rss_kb(broker.target.pid);
        }
        broker.stop();
    }
    table.row("start to listening, 1 GiB log, clean", Some(Cell::one(&clean, Unit::Ms(1))), None, "< 20 ms");
    let idle = Cell::pair(&[idle.0 as f64], &[idle.1 as f64], Unit::MiB);
    table.row("idle RSS with a 1 GiB log (VmRSS / RssAnon)", Some(idle), None, "");
    let mut unclean = Vec::new();
    for _ in 0..3 {
        let mut broker = Broker::start(&data);
        // SIGKILL: no clean-shutdown marker, the next start re-validates the last segment.
        broker.kill();
        let broker = Broker::start(&data);
        unclean.push(broker.startup.as_secs_f64() * 1000.0);
    }
    table.row("start to listening, 1 GiB log, after SIGKILL", Some(Cell::one(&unclean, Unit::Ms(1))), None, "");
}

// ---------------------------------------------------------------- the brokers

/// What a run talks to and watches.
struct Target {
    addr: String,
    /// The broker's process, for its CPU and RSS.
    pid: u32,
    topic: String,
}

fn client_config(addr: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", addr).set("allow.auto.create.topics", "false");
    config
}

struct Broker {
    process: StrandProcess,
    target: Target,
    /// Spawn to the `listening` line.
    startup: Duration,
}

impl Broker {
    fn start(data_dir: &Path) -> Broker {
        let started = Instant::now();
        // A profiler or tracer to run the broker under, e.g. `perf record -g
        // -o strand-{}.data --` ({} numbers the brokers started); the CPU and RSS
        // figures are then the wrapper's.
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let wrap = std::env::var("STRAND_LOAD_WRAP").unwrap_or_default().replace("{}", &n.to_string());
        // Another build of the broker to measure, e.g. one from before a change.
        let binary = std::env::var("STRAND_LOAD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_strand").to_owned());
        let command: Vec<&str> = wrap.split_whitespace().chain([binary.as_str()]).collect();
        let process = StrandProcess::start(&command, TOPIC, data_dir);
        let target = Target { addr: process.addr.clone(), pid: process.pid, topic: TOPIC.to_owned() };
        let startup = process.listening_at - started;
        Broker { process, target, startup }
    }

    fn stop(&mut self) {
        self.process.stop();
    }

    fn kill(&mut self) {
        self.process.kill();
    }
}

/// How to reach (or start) the broker measured beside strand; see the module docs.
struct ExternalConfig {
    label: String,
    bootstrap: Option<String>,
    pid: Option<u32>,
    start: Option<String>,
    stop: Option<String>,
}

impl ExternalConfig {
    fn from_env() -> Option<ExternalConfig> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let config = ExternalConfig {
            label: var("STRAND_LOAD_LABEL").unwrap_or_else(|| "external".to_owned()),
            bootstrap: var("STRAND_LOAD_BOOTSTRAP"),
            pid: var("STRAND_LOAD_PID").map(|p| p.trim().parse().expect("STRAND_LOAD_PID is a process id")),
            start: var("STRAND_LOAD_START"),
            stop: var("STRAND_LOAD_STOP"),
        };
        if config.bootstrap.is_none() && config.start.is_none() {
            return None;
        }
        assert!(
            config.start.is_none() || (config.stop.is_some() && config.bootstrap.is_none()),
            "STRAND_LOAD_START needs STRAND_LOAD_STOP, and replaces STRAND_LOAD_BOOTSTRAP"
        );
        Some(config)
    }

    /// Starts the broker with the start command, or connects to the running one.
    fn open_cold(&self) -> External {
        let (addr, started) = match &self.start {
            None => (self.bootstrap.clone().expect("a bootstrap address"), None),
            Some(start) => {
                let launched = Instant::now();
                let mut child = Command::new("sh")
                    .args(["-c", start])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap_or_else(|e| panic!("run `{start}`: {e}"));
                let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
                let addr = stdout
                    .lines()
                    .map_while(Result::ok)
                    .find_map(|line| line.strip_prefix("BOOTSTRAP=").map(|a| a.trim().to_owned()))
                    .unwrap_or_else(|| panic!("`{start}` printed no BOOTSTRAP=host:port"));
                let status = child.wait().expect("wait for the start command");
                assert!(status.success(), "`{start}` failed: {status}");
                (addr, Some(launched))
            }
        };
        let admin: AdminClient<DefaultClientContext> = client_config(&addr).create().expect("admin client");
        // Ready: the first Metadata request that succeeds.
        let deadline = Instant::now() + TIMEOUT;
        while let Err(e) = admin.inner().fetch_metadata(None, Duration::from_secs(1)) {
            assert!(Instant::now() < deadline, "no Metadata from {addr}: {e}");
        }
        let (ready, uptime) = (Instant::now(), uptime_s());
        let pid = self.pid.filter(|_| self.start.is_none()).unwrap_or_else(|| listener_pid(&addr));
        let started = started.map(|launched| Started {
            from_command: ready - launched,
            from_process: Duration::from_secs_f64((uptime - process_start_s(pid)).max(0.0)),
        });
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        External { addr, pid, admin, runtime, started, stop: self.stop.clone(), topics: AtomicU64::new(0) }
    }

    /// `open_cold`, then one unmeasured run, so the measured ones find the broker warm.
    fn open(self) -> External {
        let external = self.open_cold();
        let topic = external.scratch_topic();
        produce(&topic.target, 100, 200_000, "1");
        consume_all(&topic.target, 100, 200_000, &[]);
        drop(topic);
        external
    }
}

/// A broker this bench did not build.
struct External {
    addr: String,
    pid: u32,
    admin: AdminClient<DefaultClientContext>,
    runtime: tokio::runtime::Runtime,
    /// When the bench started it with its start command.
    started: Option<Started>,
    stop: Option<String>,
    topics: AtomicU64,
}

struct Started {
    /// Launching the start command to the first successful Metadata.
    from_command: Duration,
    /// The broker process's start to the first successful Metadata.
    from_process: Duration,
}

impl External {
    /// A new empty topic with one partition, as strand's `events` in a fresh
    /// broker; deleted when dropped.
    fn scratch_topic(&self) -> ScratchTopic<'_> {
        let name = format!("strand-load-{}-{}", std::process::id(), self.topics.fetch_add(1, Ordering::Relaxed));
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let created = self
            .runtime
            .block_on(self.admin.create_topics([&NewTopic::new(&name, 1, TopicReplication::Fixed(1))], &options))
            .expect("CreateTopics");
        for result in created {
            result.unwrap_or_else(|(topic, code)| panic!("create topic {topic}: {code}"));
        }
        // Created is not yet served: wait until the partition has a leader and
        // that leader answers ListOffsets for it, as strand's `events` does
        // from its first moment.
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let metadata = self.admin.inner().fetch_metadata(Some(&name), Duration::from_secs(5));
            let led = metadata.as_ref().is_ok_and(|m| {
                m.topics().iter().any(|t| t.error().is_none() && t.partitions().iter().any(|p| p.leader() >= 0))
            });
            let offsets =
                if led { self.admin.inner().fetch_watermarks(&name, 0, Duration::from_secs(5)) } else { Ok((0, 0)) };
            if led && offsets.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "topic {name} not served: {:?} {:?}", metadata.err(), offsets.err());
            std::thread::sleep(Duration::from_millis(50));
        }
        ScratchTopic { external: self, target: Target { addr: self.addr.clone(), pid: self.pid, topic: name } }
    }
}

impl Drop for External {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            match Command::new("sh").args(["-c", stop]).stdout(Stdio::null()).status() {
                Ok(status) if status.success() => {}
                outcome => eprintln!("`{stop}` failed: {outcome:?}"),
            }
        }
    }
}

struct ScratchTopic<'a> {
    external: &'a External,
    target: Target,
}

impl Drop for ScratchTopic<'_> {
    fn drop(&mut self) {
        // Only frees the broker's disk; a failure costs nothing measured.
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let deleted =
            self.external.runtime.block_on(self.external.admin.delete_topics(&[&self.target.topic], &options));
        if let Err(e) = deleted {
            eprintln!("delete topic {}: {e}", self.target.topic);
        }
    }
}

// ---------------------------------------------------------------- /proc

/// The process that listens on `addr`'s port: the socket's inode from
/// `/proc/net/tcp{,6}` (a JVM listens on an IPv6 socket even for 127.0.0.1),
/// then the process holding that inode among its file descriptors.
fn listener_pid(addr: &str) -> u32 {
    const LISTEN: &str = "0A";
    let port: u16 = addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("bootstrap address host:port");
    let suffix = format!(":{port:04X}");
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(table).unwrap_or_default().lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 9 && fields[1].ends_with(&suffix) && fields[3] == LISTEN {
                inodes.push(format!("socket:[{}]", fields[9]));
            }
        }
    }
    let processes = std::fs::read_dir("/proc").into_iter().flatten().flatten();
    for process in processes {
        let Some(pid) = process.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let fds = std::fs::read_dir(process.path().join("fd")).into_iter().flatten().flatten();
        for fd in fds {
            if std::fs::read_link(fd.path()).is_ok_and(|link| inodes.iter().any(|i| link.as_os_str() == i.as_str())) {
                return pid;
            }
        }
    }
    panic!("no process of ours listens on {addr}: set STRAND_LOAD_PID")
}

/// Seconds since boot.
fn uptime_s() -> f64 {
    let uptime = std::fs::read_to_string("/proc/uptime").unwrap_or_default();
    uptime.split_whitespace().next().and_then(|s| s.parse().ok()).expect("/proc/uptime")
}

/// When a process started, in seconds since boot (the 22nd field of its stat).
fn process_start_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    fields.get(19).and_then(|f| f.parse::<f64>().ok()).expect("/proc/PID/stat starttime") / TICKS_PER_SECOND
}

/// CPU time of a process's threads: each thread's `/proc/PID/task/TID/schedstat`
/// (nanoseconds), and utime + stime from `/proc/PID/stat` (10 ms ticks, too
/// coarse for a run that takes 50 ms of CPU) for where schedstat is missing.
/// Between two samples, a thread that started counts from zero; one that ended
/// loses its time since the first sample (neither the broker nor a live
/// librdkafka client ends threads during a run).
struct Cpu {
    threads: HashMap<String, u64>,
    stat: f64,
}

impl Cpu {
    fn of(pid: u32) -> Cpu {
        Self::sample(&format!("/proc/{pid}"))
    }

    fn of_self() -> Cpu {
        Self::sample("/proc/self")
    }

    fn sample(proc_dir: &str) -> Cpu {
        let threads = std::fs::read_dir(format!("{proc_dir}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| {
                let schedstat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
                let ns = schedstat.split_whitespace().next()?.parse::<u64>().ok()?;
                Some((task.file_name().to_string_lossy().into_owned(), ns))
            })
            .collect();
        Cpu { threads, stat: cpu_from_stat(&format!("{proc_dir}/stat")) }
    }

    /// Seconds of CPU from `earlier` to this sample.
    fn since(&self, earlier: &Cpu) -> f64 {
        if self.threads.values().all(|&ns| ns == 0) {
            return self.stat - earlier.stat;
        }
        let ns: u64 = self
            .threads
            .iter()
            .map(|(tid, &ns)| ns.saturating_sub(earlier.threads.get(tid).copied().unwrap_or(0)))
            .sum();
        ns as f64 / 1e9
    }
}

fn cpu_from_stat(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name may hold spaces; the fields after it are fixed: utime and
    // stime are the 14th and 15th, i.e. the 12th and 13th after the name.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / TICKS_PER_SECOND
}

/// (VmRSS, RssAnon) in KiB.
fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

/// Samples a process's RSS every 10 ms and keeps the peak.
struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<(u64, u64)>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = (0, 0);
            while !flag.load(Ordering::Relaxed) {
                let (rss, anon) = rss_kb(pid);
                peak = (peak.0.max(rss), peak.1.max(anon));
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        });
        Self { stop, thread }
    }

    fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("RSS sampler")
    }
}

// ---------------------------------------------------------------- reporting

/// Median and range of repeated measurements.
struct Stat {
    median: f64,
    min: f64,
    max: f64,
    n: usize,
}

impl Stat {
    fn of(values: &[f64]) -> Stat {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Stat { median: sorted[sorted.len() / 2], min: sorted[0], max: sorted[sorted.len() - 1], n: sorted.len() }
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Count,
    Plain(usize),
    Ms(usize),
    MiB,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Unit::Count if v >= 1e6 => format!("{:.2}M", v / 1e6),
            Unit::Count => format!("{:.0}k", v / 1e3),
            Unit::Plain(decimals) => format!("{v:.decimals$}"),
            // A JVM broker starts in seconds.
            Unit::Ms(_) if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
            Unit::Ms(decimals) => format!("{v:.decimals$} ms"),
            Unit::MiB => mib(v as u64),
        }
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// One table cell: one or more figures (e.g. VmRSS / RssAnon), each a median and range.
struct Cell {
    parts: Vec<Stat>,
    unit: Unit,
}

impl Cell {
    fn one(values: &[f64], unit: Unit) -> Cell {
        Cell { parts: vec![Stat::of(values)], unit }
    }

    fn pair(first: &[f64], second: &[f64], unit: Unit) -> Cell {
        Cell { parts: vec![Stat::of(first), Stat::of(second)], unit }
    }

    fn show(&self) -> String {
        let show = |s: &Stat| {
            let v = |x| self.unit.show(x);
            if s.n == 1 {
                v(s.median)
            } else {
                format!("{} ({} - {})", v(s.median), v(s.min), v(s.max))
            }
        };
        self.parts.iter().map(show).collect::<Vec<_>>().join(" / ")
    }

    /// The other broker's medians over this one's, figure by figure.
    fn ratio(&self, other: &Cell) -> String {
        let ratio = |(ours, theirs): (&Stat, &Stat)| {
            if ours.median > 0.0 {
                format!("{:.2}x", theirs.median / ours.median)
            } else {
                "-".to_owned()
            }
        };
        self.parts.iter().zip(&other.parts).map(ratio).collect::<Vec<_>>().join(" / ")
    }
}

struct Table {
    /// The label of the broker measured beside strand, if any.
    other: Option<String>,
    rows: Vec<[String; 5]>,
}

impl Table {
    fn row(&mut self, what: &str, ours: Option<Cell>, theirs: Option<Cell>, target: &str) {
        let show = |c: &Option<Cell>| c.as_ref().map_or_else(String::new, Cell::show);
        let ratio = match (&ours, &theirs) {
            (Some(ours), Some(theirs)) => ours.ratio(theirs),
            _ => String::new(),
        };
        let row = [what.to_owned(), show(&ours), show(&theirs), ratio, target.to_owned()];
        if self.other.is_some() {
            println!("{}", row.join(" | "));
        } else {
            println!("{} | {} | {}", row[0], row[1], row[4]);
        }
        self.rows.push(row);
    }

    fn print(&self) {
        match &self.other {
            None => {
                println!("\n| measurement | strand: median (min - max) | target |\n|---|---|---|");
                for [what, ours, _, _, target] in &self.rows {
                    println!("| {what} | {ours} | {target} |");
                }
            }
            Some(other) => {
                println!(
                    "\n| measurement | strand: median (min - max) | {other}: median (min - max) | {other} / strand | strand target |\n|---|---|---|---|---|"
                );
                for row in &self.rows {
                    println!("| {} |", row.join(" | "));
                }
            }
        }
    }
}
