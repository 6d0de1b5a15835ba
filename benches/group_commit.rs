//! Group isolation under commit load: how long group B's Heartbeat and
//! OffsetFetch take while group A commits offsets as fast as it can.
//!
//! A broker whose OffsetCommit fsyncs while holding a lock every group needs makes
//! B wait for A's disk; one that keeps durable writes off the shared path does
//! not. `cargo bench --bench group_commit` starts the release `strand` binary (or
//! `STRAND_LOAD_BIN`, another build, e.g. one from before a change) on a temp dir
//! on the real disk, with the default `--offsets-fsync`, and prints one table:
//! B's latencies idle and under load (p50/p99/max) and A's commits per second.
//!
//! Knobs: `STRAND_BENCH_COMMITTERS` (default 4): A's connections, each committing
//! in a tight loop (one request in flight per connection, as a client that commits
//! synchronously); `STRAND_BENCH_SECS` (default 10): each phase's length.
//! B is one member of a joined, Stable group on its own connections, sending a
//! Heartbeat and an OffsetFetch every 2 ms, each timed from write to response.
//! Results are printed, never asserted: the machine is shared and noisy.

mod raw_client;
mod strand_process;

use raw_client::Client;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use strand_process::StrandProcess;

use bytes::Bytes;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

const TOPIC: &str = "events";
const PACE: Duration = Duration::from_millis(2);

fn main() {
    // `cargo bench` passes `--bench`; a harness=false main ignores it.
    let committers: usize = env_or("STRAND_BENCH_COMMITTERS", 4);
    let secs: u64 = env_or("STRAND_BENCH_SECS", 10);
    let binary = std::env::var("STRAND_LOAD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_strand").to_owned());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut broker = StrandProcess::start(&[binary.as_str()], TOPIC, dir.path());
    println!("broker: {binary}\ncommitters: {committers}, {secs} s per phase, B paced every {PACE:?}");

    let member = join_group_b(&broker.addr);
    let phase = Duration::from_secs(secs);

    let idle = measure_b(&broker.addr, &member, phase);
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..committers)
        .map(|n| {
            let (addr, stop, commits) = (broker.addr.clone(), stop.clone(), commits.clone());
            std::thread::spawn(move || commit_loop(&addr, n, &stop, &commits))
        })
        .collect();
    // Let the committers get going before B's clock starts.
    std::thread::sleep(Duration::from_millis(500));
    let before = commits.load(Ordering::Relaxed);
    let started = Instant::now();
    let loaded = measure_b(&broker.addr, &member, phase);
    let rate = (commits.load(Ordering::Relaxed) - before) as f64 / started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("a committer panicked");
    }
    broker.stop();

    println!();
    println!("{:<28} {:>10} {:>10} {:>10} {:>8}", "group B request", "p50 us", "p99 us", "max us", "n");
    for (label, samples) in [
        ("Heartbeat, idle", &idle.heartbeat),
        ("OffsetFetch, idle", &idle.offset_fetch),
        ("Heartbeat, A committing", &loaded.heartbeat),
        ("OffsetFetch, A committing", &loaded.offset_fetch),
    ] {
        let mut s = samples.clone();
        s.sort_unstable();
        println!(
            "{label:<28} {:>10} {:>10} {:>10} {:>8}",
            percentile(&s, 0.50),
            percentile(&s, 0.99),
            s.last().copied().unwrap_or(0),
            s.len()
        );
    }
    println!("group A commits/s: {rate:.0} ({committers} connections)");
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Member {
    id: StrBytes,
    generation: i32,
}

/// Joins group B as its only member (MEMBER_ID_REQUIRED, rejoin, sync as leader).
fn join_group_b(addr: &str) -> Member {
    let mut client = Client::connect(addr, "group-commit-bench");
    let join = |member_id: StrBytes| {
        JoinGroupRequest::default()
            .with_group_id(GroupId(StrBytes::from_static_str("bench-b")))
            .with_session_timeout_ms(30_000)
            .with_rebalance_timeout_ms(30_000)
            .with_member_id(member_id)
            .with_protocol_type(StrBytes::from_static_str("consumer"))
            .with_protocols(vec![JoinGroupRequestProtocol::default()
                .with_name(StrBytes::from_static_str("range"))
                .with_metadata(Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))])
    };
    let first: JoinGroupResponse = client.send(5, &join(StrBytes::default()));
    assert_eq!(first.error_code, 79, "MEMBER_ID_REQUIRED first");
    let joined: JoinGroupResponse = client.send(5, &join(first.member_id.clone()));
    assert_eq!(joined.error_code, 0, "B joins");
    let synced: SyncGroupResponse = client.send(
        3,
        &SyncGroupRequest::default()
            .with_group_id(GroupId(StrBytes::from_static_str("bench-b")))
            .with_generation_id(joined.generation_id)
            .with_member_id(joined.member_id.clone())
            .with_assignments(vec![SyncGroupRequestAssignment::default()
                .with_member_id(joined.member_id.clone())
                .with_assignment(Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 0]))]),
    );
    assert_eq!(synced.error_code, 0, "B syncs");
    Member { id: joined.member_id, generation: joined.generation_id }
}

struct Latencies {
    heartbeat: Vec<u64>,
    offset_fetch: Vec<u64>,
}

/// B's Heartbeat and OffsetFetch, alternating every `PACE`, for `phase`; microseconds.
fn measure_b(addr: &str, member: &Member, phase: Duration) -> Latencies {
    let mut client = Client::connect(addr, "group-commit-bench");
    let heartbeat = HeartbeatRequest::default()
        .with_group_id(GroupId(StrBytes::from_static_str("bench-b")))
        .with_generation_id(member.generation)
        .with_member_id(member.id.clone());
    let fetch = OffsetFetchRequest::default().with_group_id(GroupId(StrBytes::from_static_str("bench-b"))).with_topics(
        Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(StrBytes::from_static_str(TOPIC)))
            .with_partition_indexes(vec![0])]),
    );
    let mut out = Latencies { heartbeat: Vec::new(), offset_fetch: Vec::new() };
    let end = Instant::now() + phase;
    while Instant::now() < end {
        let sent = Instant::now();
        let response: HeartbeatResponse = client.send(4, &heartbeat);
        out.heartbeat.push(sent.elapsed().as_micros() as u64);
        assert_eq!(response.error_code, 0, "B's heartbeat");
        std::thread::sleep(PACE);
        let sent = Instant::now();
        let response: OffsetFetchResponse = client.send(7, &fetch);
        out.offset_fetch.push(sent.elapsed().as_micros() as u64);
        assert_eq!(response.error_code, 0, "B's offset fetch");
        std::thread::sleep(PACE);
    }
    out
}

/// Group A: commits with generation -1 (a consumer using assign()) until stopped.
fn commit_loop(addr: &str, n: usize, stop: &AtomicBool, commits: &AtomicU64) {
    let mut client = Client::connect(addr, "group-commit-bench");
    let group = format!("bench-a-{n}");
    let mut offset = 0i64;
    while !stop.load(Ordering::Relaxed) {
        offset += 1;
        client.commit(&group, TOPIC, offset);
        commits.fetch_add(1, Ordering::Relaxed);
    }
}
