//! Load benchmark: librdkafka (the rdkafka crate) against the release `strand`
//! binary, run as a child process on an ephemeral port with a temp data dir.
//!
//! `cargo bench --bench load` runs every part and prints one table; positional
//! arguments pick parts by name (`startup`, `produce`, `consume`, `latency`,
//! `big-log`), e.g. `cargo bench --bench load -- latency`. `STRAND_LOAD_RUNS`
//! (default 5) sets how often the produce and consume runs repeat; the table
//! shows the median and the range. The whole default run takes about a minute.
//! `STRAND_LOAD_BIN` measures another build of the broker (e.g. one from before a
//! change); `STRAND_LOAD_WRAP` runs the broker under a profiler.
//!
//! What is measured, and how:
//! - produce: 500k x 100 B and 200k x 1 KiB, acks 1 and all, linger 5 ms, one
//!   producer; messages/s from the first send to the end of `flush`.
//! - consume: the 100 B and 1 KiB logs read from offset 0 by one consumer, with
//!   librdkafka's defaults and with its prefetch limit out of the way (see
//!   `produce_and_consume`); messages/s from the first message to the last.
//! - broker CPU: the process's CPU time across the run (from schedstat, see
//!   `Cpu`), per million messages; the load generator's own CPU beside it
//!   shows when the client is the bottleneck.
//! - RSS: `VmRSS` and `RssAnon` from `/proc/PID/status`, idle and the peak under
//!   load (sampled every 10 ms). `VmRSS` counts file pages the broker has mapped
//!   and touched; `RssAnon` is the broker's own memory.
//! - end-to-end latency: 5000 msg/s for 10 s after a 1 s warm-up, the send time in
//!   the payload, measured when the consumer gets the message; once with linger
//!   5 ms (what the producer runs used), once with linger 0 and Nagle off (what is
//!   left when the producer does not hold messages back).
//! - startup: spawn to the `listening` log line, on an empty dir and on a 1 GiB log
//!   (clean and unclean restart).
//!
//! Results are printed, never asserted: the machine is shared and noisy.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::make_batch;

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
    let runs: usize = std::env::var("STRAND_LOAD_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    let mut table = Table::default();
    let started = Instant::now();

    if wants("startup") {
        startup_empty(&mut table);
    }
    if wants("produce") || wants("consume") {
        for (size, count) in [(100usize, 500_000usize), (1024, 200_000)] {
            for acks in ["1", "all"] {
                // Consume reads the acks=1 log: the same bytes either way.
                let consume = acks == "1" && wants("consume");
                produce_and_consume(&mut table, runs, size, count, acks, consume);
            }
        }
    }
    if wants("latency") {
        latency(&mut table, "linger 5 ms", &[("linger.ms", "5")]);
        latency(&mut table, "linger 0, nagle off", &[("linger.ms", "0"), ("socket.nagle.disable", "true")]);
    }
    if wants("big-log") {
        startup_big_log(&mut table);
    }
    table.print();
    println!("\n(load benchmark took {:.0} s)", started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------- measurements

fn startup_empty(table: &mut Table) {
    let mut times = Vec::new();
    let mut idle = (0, 0);
    for i in 0..7 {
        let dir = tempfile::tempdir().expect("temp dir");
        let broker = Broker::start(&dir.path().join("data"));
        times.push(broker.startup.as_secs_f64() * 1000.0);
        if i == 0 {
            // Let the runtime settle (metrics exporter, first allocations) before measuring.
            std::thread::sleep(Duration::from_millis(500));
            idle = rss_kb(broker.pid);
        }
    }
    table.row("start to listening, empty dir", Stat::of(&times).ms(), "< 20 ms");
    table.row("idle RSS (VmRSS / RssAnon)", format!("{} / {}", mib(idle.0), mib(idle.1)), "< 10 MB");
}

fn produce_and_consume(table: &mut Table, runs: usize, size: usize, count: usize, acks: &str, consume: bool) {
    let label = format!("{count} x {} B, acks {acks}", size);
    let (mut rate, mut mbs, mut cpu, mut client_cpu, mut rss, mut anon) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut c_rate, mut c_unbounded, mut c_setup, mut c_cpu, mut c_client) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut c_rss, mut c_anon) = (vec![], vec![]);
    for _ in 0..runs {
        let dir = tempfile::tempdir().expect("temp dir");
        let broker = Broker::start(&dir.path().join("data"));
        let run = produce(&broker, size, count, acks);
        rate.push(run.rate);
        mbs.push(run.rate * size as f64 / 1e6);
        cpu.push(run.broker_cpu / count as f64 * 1e6);
        client_cpu.push(run.client_cpu / count as f64 * 1e6);
        rss.push(run.peak_rss.0 as f64);
        anon.push(run.peak_rss.1 as f64);
        if consume {
            // librdkafka stops fetching while more than queued.min.messages wait
            // for the application, and then waits fetch.queue.backoff.ms (1 s)
            // before it looks again: a broker that outruns the application gets
            // a pause. The second read lets the whole log queue up instead.
            let unbounded = consume_all(&broker, size, count, &[("queued.min.messages", "10000000")]);
            c_unbounded.push(unbounded.rate);
            let run = consume_all(&broker, size, count, &[]);
            c_rate.push(run.rate);
            c_setup.push(run.setup.as_secs_f64() * 1000.0);
            c_cpu.push(run.broker_cpu / count as f64 * 1e6);
            c_client.push(run.client_cpu / count as f64 * 1e6);
            c_rss.push(run.peak_rss.0 as f64);
            c_anon.push(run.peak_rss.1 as f64);
        }
    }
    let target =
        if size == 100 && acks == "1" { format!(">= {:.2}M msg/s", 0.95 * PEER_PRODUCE / 1e6) } else { String::new() };
    table.row(&format!("produce {label}: msg/s"), Stat::of(&rate).count(), &target);
    table.row(&format!("produce {label}: MB/s"), Stat::of(&mbs).plain(0), "");
    let target = if size == 100 && acks == "1" { format!("<= {PEER_CPU_PER_M:.2}") } else { String::new() };
    table.row(&format!("produce {label}: broker CPU-s per 1M msgs"), Stat::of(&cpu).plain(3), &target);
    table.row(&format!("produce {label}: client CPU-s per 1M msgs"), Stat::of(&client_cpu).plain(3), "");
    table.row(
        &format!("produce {label}: peak VmRSS / RssAnon"),
        format!("{} / {}", Stat::of(&rss).mib(), Stat::of(&anon).mib()),
        "",
    );
    if consume {
        let label = format!("{count} x {} B from offset 0", size);
        let target = if size == 100 { format!(">= {:.0}k msg/s", 2.0 * PEER_CONSUME / 1e3) } else { String::new() };
        table.row(&format!("consume {label}: msg/s, first message to last"), Stat::of(&c_rate).count(), &target);
        table.row(&format!("consume {label}: msg/s, queued.min.messages 10M"), Stat::of(&c_unbounded).count(), &target);
        table.row(&format!("consume {label}: new consumer to first message"), Stat::of(&c_setup).ms(), "");
        table.row(&format!("consume {label}: broker CPU-s per 1M msgs"), Stat::of(&c_cpu).plain(3), "");
        table.row(&format!("consume {label}: client CPU-s per 1M msgs"), Stat::of(&c_client).plain(3), "");
        table.row(
            &format!("consume {label}: peak VmRSS / RssAnon"),
            format!("{} / {}", Stat::of(&c_rss).mib(), Stat::of(&c_anon).mib()),
            "",
        );
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

fn producer(broker: &Broker, settings: &[(&str, &str)]) -> (BaseProducer<Counting>, Arc<Deliveries>) {
    let deliveries = Arc::new(Deliveries::default());
    let mut config = client_config(broker);
    config.set("message.timeout.ms", "60000").set("queue.buffering.max.messages", "1000000");
    for (key, value) in settings {
        config.set(*key, *value);
    }
    let producer = config.create_with_context(Counting(deliveries.clone())).expect("producer");
    (producer, deliveries)
}

/// Sends `payload`, waiting for room when librdkafka's queue is full.
fn send(producer: &BaseProducer<Counting>, payload: &[u8]) {
    let mut record = BaseRecord::to(TOPIC).payload(payload).key(&[] as &[u8]);
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

fn produce(broker: &Broker, size: usize, count: usize, acks: &str) -> Run {
    let (producer, deliveries) = producer(broker, &[("acks", acks), ("linger.ms", "5")]);
    // The first metadata round trip is connection setup, not throughput.
    producer.client().fetch_metadata(Some(TOPIC), Duration::from_secs(10)).expect("metadata");
    let payload = vec![b'x'; size];
    let sampler = RssSampler::start(broker.pid);
    let (cpu0, client0) = (Cpu::of(broker.pid), Cpu::of_self());
    let started = Instant::now();
    for i in 0..count {
        send(&producer, &payload);
        if i % 1024 == 0 {
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(TIMEOUT).expect("flush");
    let elapsed = started.elapsed().as_secs_f64();
    let (cpu1, client1) = (Cpu::of(broker.pid), Cpu::of_self());
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

fn consumer(broker: &Broker, settings: &[(&str, &str)]) -> BaseConsumer {
    let mut config = client_config(broker);
    config.set("group.id", "strand-load").set("enable.auto.commit", "false").set("enable.partition.eof", "false");
    for (key, value) in settings {
        config.set(*key, *value);
    }
    let consumer: BaseConsumer = config.create().expect("consumer");
    // Without the partition's leader, librdkafka defers the offset lookup of a
    // new assignment by a fixed 500 ms: learn it first.
    consumer.fetch_metadata(Some(TOPIC), Duration::from_secs(10)).expect("metadata");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(TOPIC, 0, Offset::Beginning).expect("assignment");
    consumer.assign(&assignment).expect("assign");
    consumer
}

fn consume_all(broker: &Broker, size: usize, count: usize, settings: &[(&str, &str)]) -> Run {
    let sampler = RssSampler::start(broker.pid);
    let (cpu0, client0) = (Cpu::of(broker.pid), Cpu::of_self());
    let started = Instant::now();
    let consumer = consumer(broker, settings);
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
    let (cpu1, client1) = (Cpu::of(broker.pid), Cpu::of_self());
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

fn latency(table: &mut Table, label: &str, settings: &[(&str, &str)]) {
    const RATE: u64 = 5000;
    const WARMUP: u64 = RATE;
    const MEASURED: u64 = 10 * RATE;
    let total = WARMUP + MEASURED;
    let dir = tempfile::tempdir().expect("temp dir");
    let broker = Broker::start(&dir.path().join("data"));
    let epoch = Instant::now();

    let consumer = consumer(&broker, settings);
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
    let (producer, _) = producer(&broker, &producer_settings);
    producer.client().fetch_metadata(Some(TOPIC), Duration::from_secs(10)).expect("metadata");
    // The consumer's first fetch is in flight before anything is sent.
    std::thread::sleep(Duration::from_millis(500));
    let cpu0 = Cpu::of(broker.pid);
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
        send(&producer, &payload);
        producer.poll(Duration::ZERO);
    }
    producer.flush(TIMEOUT).expect("flush");
    let mut latencies = reader.join().expect("consumer thread");
    let cpu = Cpu::of(broker.pid).since(&cpu0);
    assert_eq!(latencies.len() as u64, MEASURED, "messages went missing");
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)] as f64 / 1e6;
    table.row(
        &format!("e2e latency at 5000 msg/s, {label}: p50 / p99 / p99.9 / max"),
        format!("{:.2} / {:.2} / {:.2} / {:.2} ms", at(0.5), at(0.99), at(0.999), at(1.0)),
        if label.contains("linger 0") { "p99 <= 2 ms" } else { "" },
    );
    table.row(
        &format!("e2e latency run, {label}: broker CPU-s per 1M msgs"),
        format!("{:.3}", cpu / total as f64 * 1e6),
        "",
    );
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
            idle = rss_kb(broker.pid);
        }
        broker.stop();
    }
    table.row("start to listening, 1 GiB log, clean", Stat::of(&clean).ms(), "< 20 ms");
    table.row("idle RSS with a 1 GiB log (VmRSS / RssAnon)", format!("{} / {}", mib(idle.0), mib(idle.1)), "");
    let mut unclean = Vec::new();
    for _ in 0..3 {
        let mut broker = Broker::start(&data);
        // SIGKILL: no clean-shutdown marker, the next start re-validates the last segment.
        broker.kill();
        let broker = Broker::start(&data);
        unclean.push(broker.startup.as_secs_f64() * 1000.0);
    }
    table.row("start to listening, 1 GiB log, after SIGKILL", Stat::of(&unclean).ms(), "");
}

// ---------------------------------------------------------------- the broker process

struct Broker {
    child: Option<Child>,
    pid: u32,
    addr: String,
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
        let mut command = wrap.split_whitespace().chain([binary.as_str()]);
        let mut child = Command::new(command.next().expect("a program"))
            .args(command)
            .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--topic", TOPIC])
            .args(["--log-level", "info", "--log-format", "text"])
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn strand");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // Drain stderr for the life of the process so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening") && !line.contains("metrics") {
                    if let Some(addr) = line.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()) {
                        let _ = tx.send((addr.to_owned(), Instant::now()));
                    }
                }
            }
        });
        let (addr, at) = rx.recv_timeout(Duration::from_secs(60)).expect("strand did not report listening");
        Broker { pid: child.id(), child: Some(child), addr, startup: at - started }
    }

    /// SIGTERM and wait: a clean shutdown.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().expect("kill -TERM");
            child.wait().expect("wait for strand");
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn client_config(broker: &Broker) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", &broker.addr).set("allow.auto.create.topics", "false");
    config
}

// ---------------------------------------------------------------- /proc

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

    fn show(&self, f: impl Fn(f64) -> String) -> String {
        if self.n == 1 {
            f(self.median)
        } else {
            format!("{} ({} - {})", f(self.median), f(self.min), f(self.max))
        }
    }

    fn count(&self) -> String {
        self.show(|v| if v >= 1e6 { format!("{:.2}M", v / 1e6) } else { format!("{:.0}k", v / 1e3) })
    }
    fn plain(&self, decimals: usize) -> String {
        self.show(|v| format!("{v:.decimals$}"))
    }
    fn ms(&self) -> String {
        self.show(|v| format!("{v:.1} ms"))
    }
    fn mib(&self) -> String {
        self.show(|v| mib(v as u64))
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[derive(Default)]
struct Table {
    rows: Vec<(String, String, String)>,
}

impl Table {
    fn row(&mut self, what: &str, value: impl Into<String>, target: &str) {
        let row = (what.to_owned(), value.into(), target.to_owned());
        println!("{} | {} | {}", row.0, row.1, row.2);
        self.rows.push(row);
    }

    fn print(&self) {
        println!("\n| measurement | strand: median (min - max) | target |\n|---|---|---|");
        for (what, value, target) in &self.rows {
            println!("| {what} | {value} | {target} |");
        }
    }
}
