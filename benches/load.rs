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

mod external;
mod kafka_client;
mod measure;
mod report;
mod strand_process;
mod support;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use external::{External, ExternalConfig, ScratchTopics};
use kafka_client::{client_config, Counting, TIMEOUT};
use measure::{load_average, rss_kb, Cpu, RssSampler};
use report::{side_by_side, Cell, Stat, Table, Unit};
use strand_process::StrandProcess;
use support::make_batch;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

const TOPIC: &str = "events";

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
    let external = other.filter(|_| wants("produce") || wants("consume") || wants("latency")).map(open_warm);
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
                let external = config.open();
                let started = external.started.as_ref().expect("started by its command");
                process.push(started.from_process.as_secs_f64() * 1000.0);
                command.push(started.from_command.as_secs_f64() * 1000.0);
                if i == 0 {
                    std::thread::sleep(Duration::from_millis(500));
                    other_idle = Some(rss_kb(external.pid));
                }
            }
        }
        Some(config) => other_idle = Some(rss_kb(config.open().pid)),
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
            let external = external.expect("a series for the other broker only when there is one");
            let topic = external.scratch_topics(1, 1);
            series.measure(&scratch_target(external, &topic), size, count, acks, consume);
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

fn send(producer: &BaseProducer<Counting>, topic: &str, payload: &[u8]) {
    kafka_client::send(producer, BaseRecord::to(topic).payload(payload).key(&[] as &[u8]));
}

fn produce(target: &Target, size: usize, count: usize, acks: &str) -> Run {
    let (producer, deliveries) = kafka_client::producer(&target.addr, &[("acks", acks), ("linger.ms", "5")]);
    // The first metadata round trip is connection setup, not throughput.
    producer.client().fetch_metadata(Some(&target.topic), Duration::from_secs(10)).expect("metadata");
    let payload = vec![b'x'; size];
    let sampler = RssSampler::start(target.pid);
    let (cpu0, client0) = (Cpu::of(target.pid), Cpu::of_self());
    let started = Instant::now();
    kafka_client::send_all(&producer, count, |_| BaseRecord::to(&target.topic).payload(&payload[..]).key(&[] as &[u8]));
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
    let first = kafka_client::read_all(&consumer, count, size, started);
    let (cpu1, client1) = (Cpu::of(target.pid), Cpu::of_self());
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
            latency_run(series, &scratch_target(external, &external.scratch_topics(1, 1)), settings)
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
    let (producer, _) = kafka_client::producer(&target.addr, &producer_settings);
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

struct Broker {
    process: StrandProcess,
    target: Target,
    /// Spawn to the `listening` line.
    startup: Duration,
}

impl Broker {
    fn start(data_dir: &Path) -> Broker {
        let started = Instant::now();
        let command = strand_process::command();
        let command: Vec<&str> = command.iter().map(String::as_str).collect();
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

/// Opens the other broker, then gives it one unmeasured run, so the measured
/// ones find it warm.
fn open_warm(config: ExternalConfig) -> External {
    let external = config.open();
    let topic = external.scratch_topics(1, 1);
    let target = scratch_target(&external, &topic);
    produce(&target, 100, 200_000, "1");
    consume_all(&target, 100, 200_000, &[]);
    drop(topic);
    external
}

/// A run against a fresh one-partition topic of the other broker, as strand's
/// `events` in a fresh broker.
fn scratch_target(external: &External, topic: &ScratchTopics<'_>) -> Target {
    Target { addr: external.addr.clone(), pid: external.pid, topic: topic.names[0].clone() }
}
