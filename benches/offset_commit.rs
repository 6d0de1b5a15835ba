//! OffsetCommit latency per offset store: the file store against Redis.
//!
//! Where committed offsets live decides how long a synchronous commit takes
//! (librdkafka's `commit(.., CommitMode::Sync)`, the Java client's `commitSync`):
//! strand answers OffsetCommit only once the store holds the offsets, i.e. after
//! the file store's fsync, or after Redis acknowledged the MULTI/EXEC, which
//! with `appendfsync always` is after Redis' own fsync of its AOF.
//!
//! `cargo bench --bench offset_commit` starts the release `strand` binary (or
//! `STRAND_LOAD_BIN`, behind `STRAND_LOAD_WRAP`, as the other broker benches) on a
//! temp dir on the real disk, once per store:
//! - `file`: `--offsets-store file` with the default `--offsets-fsync true`;
//! - `redis-always`: a `redis-server` the bench starts on a free loopback port
//!   with `--appendonly yes --appendfsync always` (every write fsynced before
//!   Redis answers: nothing acknowledged is lost if Redis' host crashes);
//! - `redis-everysec`: the same with `--appendfsync everysec` (Redis' default
//!   AOF policy: up to a second of commits lost on a host crash).
//!
//! Against each it sends `STRAND_BENCH_COMMITS` (default 5000) OffsetCommits of
//! one partition (v8, generation -1: a consumer using `assign()`), one request in
//! flight per connection, first from one connection, then split over 4
//! connections (each its own group, as 4 consumers would), each timed from the
//! write of the request to the read of its response. Before the clock starts,
//! each connection commits 100 times unmeasured. After each run it checks
//! (untimed) that OffsetFetch, and for Redis `HGET strand:offsets:<group>`,
//! give each group's last commit.
//!
//! `STRAND_BENCH_RUNS` (default 3) rounds, each a fresh broker (and Redis) per
//! store, the stores in turn starting with the next one each round. The table
//! shows p50/p99/max over every round's commits, and the median round's
//! commits/s with the range. Beside them, from the broker's /metrics
//! (`strand_offset_store_duration_seconds{operation="write"}` before and after
//! the measured commits): commits per store write (the offset writer makes all
//! commits queued meanwhile durable in one write: group commit) and the mean
//! time of one write, i.e. how much of a commit's latency the store is.
//! Positional arguments pick stores by name (`-- redis`). The default run
//! takes about a minute.
//! Timings are printed, never asserted: the machine is shared and noisy.

mod measure;
mod raw_client;
mod redis_server;
mod strand_process;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use measure::load_average;
use raw_client::Client;
use redis_server::{RedisServer, Reply};
use strand_process::StrandProcess;

use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

const TOPIC: &str = "events";
/// Unmeasured commits per connection before the clock starts (connections,
/// the broker's and Redis' first writes, the AOF file's first growth).
const WARMUP: usize = 100;
const CONNECTIONS: [usize; 2] = [1, 4];

/// An offset store under measurement.
struct Store {
    name: &'static str,
    /// Redis' `appendfsync` for a Redis store; `None` for the file store.
    appendfsync: Option<&'static str>,
}

const STORES: [Store; 3] = [
    Store { name: "file", appendfsync: None },
    Store { name: "redis-always", appendfsync: Some("always") },
    Store { name: "redis-everysec", appendfsync: Some("everysec") },
];

/// One store and connection count's results over every round.
struct Row {
    store: &'static str,
    connections: usize,
    /// Write-to-response times of every round, microseconds, sorted at the end.
    latencies: Vec<u64>,
    /// Each round's commits per second.
    rates: Vec<f64>,
    /// The broker's own count of store writes during the measured commits, from
    /// its /metrics: how many batches (one fsync, or one MULTI/EXEC, each) and
    /// how long they took in all.
    writes: StoreWrites,
}

fn main() {
    // `cargo bench` passes `--bench`; a harness=false main ignores flags.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let env_count =
        |name: &str, default: usize| std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default).max(1);
    let commits = env_count("STRAND_BENCH_COMMITS", 5000).max(CONNECTIONS.iter().copied().max().unwrap_or(1));
    let rounds = env_count("STRAND_BENCH_RUNS", 3);
    let stores: Vec<&Store> =
        STORES.iter().filter(|s| filters.is_empty() || filters.iter().any(|f| s.name.contains(f.as_str()))).collect();
    println!("broker: {}", strand_process::command().join(" "));
    if stores.iter().any(|s| s.appendfsync.is_some()) {
        println!("redis: {}", RedisServer::version());
    }
    println!(
        "{rounds} rounds of {commits} commits per store and connection count, {WARMUP} warm-up commits per \
         connection; load average {}",
        load_average()
    );

    let mut rows: Vec<Row> = stores
        .iter()
        .flat_map(|store| {
            CONNECTIONS.map(|connections| Row {
                store: store.name,
                connections,
                latencies: Vec::new(),
                rates: Vec::new(),
                writes: StoreWrites::default(),
            })
        })
        .collect();
    for round in 0..rounds {
        // Each round starts with the next store, so a slow stretch of the shared
        // machine does not always fall on the same one.
        for i in 0..stores.len() {
            let at = (round + i) % stores.len();
            measure_store(stores[at], commits, &mut rows[at * CONNECTIONS.len()..(at + 1) * CONNECTIONS.len()]);
        }
    }

    println!();
    println!(
        "{:<16} {:>5} {:>10} {:>10} {:>10} {:>11} {:>13} {:>7} {:>14} {:>14}",
        "store", "conns", "p50 us", "p99 us", "max us", "commits/s", "(range)", "n", "commits/write", "write mean us"
    );
    for row in &mut rows {
        row.latencies.sort_unstable();
        row.rates.sort_unstable_by(f64::total_cmp);
        let s = &row.latencies;
        let range = format!("{:.0}-{:.0}", row.rates.first().unwrap_or(&0.0), row.rates.last().unwrap_or(&0.0));
        println!(
            "{:<16} {:>5} {:>10} {:>10} {:>10} {:>11.0} {:>13} {:>7} {:>14.1} {:>14.0}",
            row.store,
            row.connections,
            percentile(s, 0.50),
            percentile(s, 0.99),
            s.last().copied().unwrap_or(0),
            row.rates.get(row.rates.len() / 2).unwrap_or(&0.0),
            range,
            s.len(),
            // inf/NaN, printed as such, if the broker counted no writes.
            s.len() as f64 / row.writes.count as f64,
            row.writes.seconds * 1e6 / row.writes.count as f64,
        );
    }
    println!("(latencies over every round's commits; commits/s: the median round and the range;");
    println!(" commits/write and write mean: the broker's strand_offset_store_duration_seconds, write batches)");
    println!("(load average at the end {})", load_average());
}

/// One round on `store`: a fresh broker (and Redis) in a fresh temp dir, a run
/// per connection count, each adding to its row.
fn measure_store(store: &Store, commits: usize, rows: &mut [Row]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (strand_dir, redis_dir) = (dir.path().join("strand"), dir.path().join("redis"));
    std::fs::create_dir_all(&strand_dir).expect("strand's data dir");
    std::fs::create_dir_all(&redis_dir).expect("redis' dir");
    let redis = store.appendfsync.map(|fsync| {
        let redis = RedisServer::start(&redis_dir, &["--appendonly", "yes", "--appendfsync", fsync]);
        // The policy under measurement is the one in force.
        let policy = redis.conn().command(&["CONFIG", "GET", "appendfsync"]);
        let expected = Reply::Array(vec![Reply::Bulk(Some("appendfsync".into())), Reply::Bulk(Some(fsync.into()))]);
        assert_eq!(policy, expected, "redis-server's appendfsync");
        redis
    });
    let spec = redis.as_ref().map_or_else(|| "file".to_owned(), RedisServer::url);
    // The broker's options after the command: StrandProcess adds the listeners,
    // the topic and the data dir.
    let mut command = strand_process::command();
    command.extend(["--offsets-store".to_owned(), spec]);
    let command: Vec<&str> = command.iter().map(String::as_str).collect();
    let mut broker = StrandProcess::start(&command, TOPIC, &strand_dir);

    for row in rows {
        let run = run(&broker, store.name, row.connections, commits);
        check_committed(&broker.addr, redis.as_ref(), &run.last_offsets);
        row.rates.push(run.latencies.len() as f64 / run.elapsed.as_secs_f64());
        row.latencies.extend(run.latencies);
        row.writes.count += run.writes.count;
        row.writes.seconds += run.writes.seconds;
    }
    broker.stop();
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Run {
    /// Every connection's write-to-response times, microseconds.
    latencies: Vec<u64>,
    /// From all connections starting to the last one finishing.
    elapsed: Duration,
    /// Each connection's group and the last offset it committed.
    last_offsets: Vec<(String, i64)>,
    /// The store writes the measured commits took.
    writes: StoreWrites,
}

/// `commits` measured OffsetCommits split over `connections` connections, each
/// committing for its own group in a loop, one request in flight.
fn run(broker: &StrandProcess, store: &str, connections: usize, commits: usize) -> Run {
    // Warmed up, then (once the broker's counters are read) go.
    let warmed = Arc::new(Barrier::new(connections + 1));
    let start = Arc::new(Barrier::new(connections + 1));
    let workers: Vec<_> = (0..connections)
        .map(|n| {
            // The first connections take the remainder, so the runs total `commits`.
            let share = commits / connections + usize::from(n < commits % connections);
            let group = format!("bench-{store}-{connections}c-{n}");
            let (addr, warmed, start) = (broker.addr.clone(), warmed.clone(), start.clone());
            std::thread::spawn(move || {
                let mut client = Client::connect(&addr, "offset-commit-bench");
                let mut offset = 0i64;
                for _ in 0..WARMUP {
                    offset += 1;
                    client.commit(&group, TOPIC, offset);
                }
                let mut latencies = Vec::with_capacity(share);
                warmed.wait();
                start.wait();
                for _ in 0..share {
                    offset += 1;
                    let sent = Instant::now();
                    client.commit(&group, TOPIC, offset);
                    latencies.push(sent.elapsed().as_micros() as u64);
                }
                (latencies, group, offset)
            })
        })
        .collect();
    warmed.wait();
    let before = StoreWrites::scrape(&broker.metrics_addr);
    start.wait();
    let started = Instant::now();
    let mut out = Run {
        latencies: Vec::with_capacity(commits),
        elapsed: Duration::ZERO,
        last_offsets: Vec::new(),
        writes: StoreWrites::default(),
    };
    for worker in workers {
        let (latencies, group, offset) = worker.join().expect("a committing connection panicked");
        out.latencies.extend(latencies);
        out.last_offsets.push((group, offset));
    }
    out.elapsed = started.elapsed();
    // The writer counts a batch before it answers its commits: all are in.
    let after = StoreWrites::scrape(&broker.metrics_addr);
    out.writes = StoreWrites { count: after.count - before.count, seconds: after.seconds - before.seconds };
    out
}

/// `strand_offset_store_duration_seconds{operation="write"}`'s count and sum:
/// the offset writer's batches (each made durable with one store write) and
/// the time they took.
#[derive(Default)]
struct StoreWrites {
    count: u64,
    seconds: f64,
}

impl StoreWrites {
    fn scrape(metrics_addr: &str) -> StoreWrites {
        let mut stream = TcpStream::connect(metrics_addr).expect("connect to strand's metrics listener");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
        write!(stream, "GET /metrics HTTP/1.1\r\nHost: {metrics_addr}\r\nConnection: close\r\n\r\n")
            .expect("send GET /metrics");
        let mut page = String::new();
        stream.read_to_string(&mut page).expect("read /metrics");
        let mut writes = StoreWrites::default();
        for line in page.lines().filter(|l| l.contains("operation=\"write\"")) {
            let value = line.rsplit(' ').next().unwrap_or_default();
            if line.starts_with("strand_offset_store_duration_seconds_count{") {
                writes.count += value.parse::<u64>().expect("a histogram count");
            } else if line.starts_with("strand_offset_store_duration_seconds_sum{") {
                writes.seconds += value.parse::<f64>().expect("a histogram sum");
            }
        }
        writes
    }
}

/// What the run committed is what the broker serves, and for a Redis store
/// what Redis holds (so the run measured Redis, not a broker that ignored the
/// flag): each group's last offset.
fn check_committed(addr: &str, redis: Option<&RedisServer>, last_offsets: &[(String, i64)]) {
    let mut client = Client::connect(addr, "offset-commit-bench");
    for (group, offset) in last_offsets {
        let request = OffsetFetchRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(group.clone())))
            .with_topics(Some(vec![OffsetFetchRequestTopic::default()
                .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
                .with_partition_indexes(vec![0])]));
        let response: OffsetFetchResponse = client.send(7, &request);
        assert_eq!(response.error_code, 0, "OffsetFetch of {group}");
        let fetched = response.topics.first().and_then(|t| t.partitions.first()).map(|p| p.committed_offset);
        assert_eq!(fetched, Some(*offset), "{group}'s committed offset from OffsetFetch");

        if let Some(redis) = redis {
            let key = format!("strand:offsets:{group}");
            let field = format!("{TOPIC}:0");
            let Reply::Bulk(Some(value)) = redis.conn().command(&["HGET", &key, &field]) else {
                panic!("no {key} {field} in Redis");
            };
            let value: serde_json::Value = serde_json::from_str(&value).expect("the hash field holds JSON");
            assert_eq!(value["offset"].as_i64(), Some(*offset), "{key} {field} in Redis: {value}");
        }
    }
}
