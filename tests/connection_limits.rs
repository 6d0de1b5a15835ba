//! Connection limits at accept, as Kafka's `ConnectionQuotas`:
//! `--max-connections-per-ip` and its overrides close the excess connection at
//! once, `--max-connection-creation-rate` and `--max-connections` make the
//! listener wait, an IP's
//! `connection_creation_rate` quota closes the connection after its throttle
//! time; each refusal is counted and logged at most once a second per IP.

mod common;

use std::time::{Duration, Instant};

use common::{RawClient, Strand};
use kafka_protocol::messages::{ApiVersionsRequest, MetadataRequest};

/// The connection is served: a real request gets its answer.
fn is_served(client: &mut RawClient) -> bool {
    client.send_only(3, &ApiVersionsRequest::default());
    client.read_frame().is_some()
}

/// Connects and checks the connection is served.
fn served(addr: &str) -> RawClient {
    let mut client = RawClient::connect(addr);
    assert!(is_served(&mut client), "a connection within the limits was not served");
    client
}

/// One scrape of /metrics.
fn scrape(strand: &Strand) -> String {
    let (status, body) = strand.http_get("/metrics");
    assert_eq!(status, 200);
    body
}

/// The value of the sample line of `series` in a scrape, 0 when absent.
fn value(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .map_or(0.0, |value| value.parse().unwrap())
}

fn metric(strand: &Strand, series: &str) -> f64 {
    value(&scrape(strand), series)
}

/// The log lines with `needle` once `done` says they are all there: the log
/// is read from the broker's stderr as it comes, a little after the event.
fn log_lines_when(strand: &Strand, needle: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = strand.log_lines(needle);
        if done(&lines) || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

const REFUSED_PER_IP: &str = "strand_connections_refused_total{reason=\"max_connections_per_ip\"}";

#[test]
fn past_max_connections_per_ip_the_new_connection_is_closed_and_the_first_keep_working() {
    let strand = Strand::start_with(&["--max-connections-per-ip", "2"]);
    let mut first = served(&strand.addr);
    let mut second = served(&strand.addr);
    let mut third = RawClient::connect(&strand.addr);
    assert!(third.is_closed_by_peer(), "the third connection from 127.0.0.1 was not closed");
    // The first two still work, with real requests.
    for client in [&mut first, &mut second] {
        assert_eq!(client.send(12, &MetadataRequest::default().with_topics(None)).topics.len(), 1);
    }
    assert_eq!(metric(&strand, REFUSED_PER_IP), 1.0);
    let lines = log_lines_when(&strand, "refused connection from 127.0.0.1", |lines| !lines.is_empty());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("configured maximum of 2 connections"), "{}", lines[0]);
    // A closed connection gives its place back once the broker has seen the close.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_served(&mut RawClient::connect(&strand.addr)) {
        assert!(Instant::now() < deadline, "the freed place never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// KIP-402: at `max.connections` Kafka's acceptor takes nothing more until a
/// connection closes. The clients behind connect (the kernel's backlog holds
/// them) and wait, unanswered and not refused, and are served in turn.
#[test]
fn at_max_connections_the_listener_waits_for_a_connection_to_close() {
    let strand = Strand::start_with(&["--max-connections", "2"]);
    let first = served(&strand.addr);
    let mut second = served(&strand.addr);
    let mut waiting: Vec<RawClient> = (0..3).map(|_| RawClient::connect(&strand.addr)).collect();
    for client in &mut waiting {
        client.send_only(3, &ApiVersionsRequest::default());
    }
    assert!(waiting[0].is_silent_for(Duration::from_millis(500)), "a third connection was answered or closed");
    assert_eq!(second.send(12, &MetadataRequest::default().with_topics(None)).topics.len(), 1);
    // One place frees: the first in line is taken and answered, the rest still wait.
    drop(first);
    assert!(waiting[0].read_frame().is_some(), "the first waiting connection was not served");
    assert!(waiting[1].is_silent_for(Duration::from_millis(500)), "served past max_connections");
    drop(second);
    waiting.remove(0);
    for client in &mut waiting {
        assert!(client.read_frame().is_some(), "a waiting connection was not served");
    }
    // One scrape: --max-connections bounds the metrics listener too.
    let scrape = scrape(&strand);
    let waits = value(&scrape, "strand_connection_accept_blocked_seconds_count");
    assert!(waits >= 2.0, "{waits} waits measured");
    assert!(!scrape.contains("strand_connections_refused_total{"), "a connection was refused:\n{scrape}");
    let lines = log_lines_when(&strand, "max_connections reached", |lines| !lines.is_empty());
    assert!(!lines.is_empty(), "the wait was not logged");
}

#[test]
fn an_override_raises_the_limit_for_its_address() {
    let strand = Strand::start_with(&[
        "--max-connections-per-ip",
        "1",
        "--max-connections-per-ip-overrides",
        "10.9.9.9:0, 127.0.0.1:3",
    ]);
    let held: Vec<RawClient> = (0..3).map(|_| served(&strand.addr)).collect();
    assert!(RawClient::connect(&strand.addr).is_closed_by_peer(), "a fourth connection was let in");
    let lines = log_lines_when(&strand, "refused connection from 127.0.0.1", |lines| !lines.is_empty());
    assert!(lines.first().is_some_and(|line| line.contains("configured maximum of 3")), "{lines:?}");
    drop(held);
}

#[test]
fn an_override_by_host_name_lowers_the_limit_for_the_address_it_resolves_to() {
    // localhost resolves to 127.0.0.1 (IPv4 first, as Java's InetAddress).
    let strand = Strand::start_with(&["--max-connections-per-ip-overrides", "localhost:1"]);
    let mut first = served(&strand.addr);
    assert!(RawClient::connect(&strand.addr).is_closed_by_peer(), "a second connection was let in");
    assert!(is_served(&mut first));
    assert_eq!(metric(&strand, REFUSED_PER_IP), 1.0);
}

#[test]
fn a_bad_override_stops_the_start() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_strand"))
        .args(["--max-connections-per-ip-overrides", "127.0.0.1:many", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("max_connections_per_ip_overrides"), "{stderr}");
}

/// Kafka's `KafkaConfig.validateValues`: 0 connections per IP only with
/// overrides naming who may connect.
#[test]
fn zero_per_ip_without_overrides_stops_the_start() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strand"))
        .args(["--max-connections-per-ip", "0", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A broker that accepts the setting runs on: stop it rather than hang.
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    if child.try_wait().unwrap().is_none() {
        child.kill().unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid setting max_connections_per_ip: can be set to zero only if"), "{stderr}");
}

/// 5 new connections a second over 2 windows of 1 s: the rate is taken over at
/// least one window, so the first 5 pass at once, and each later one waits
/// until the rate is back at 5/s. 20 connections therefore take at least
/// (20 - 5) / 5 = 3 s, whatever else slows the test down (the unit tests of
/// `quota::connections` check this bound against every pace of arrivals). A
/// lower bound only: nothing here can pass by being slow.
#[test]
fn the_creation_rate_delays_accepts() {
    let strand = Strand::start_with(&[
        "--max-connection-creation-rate",
        "5",
        "--quota-window-num",
        "2",
        "--quota-window-size-seconds",
        "1",
    ]);
    let started = Instant::now();
    // Each is served before the next connects: none is refused, all are delayed.
    let held: Vec<RawClient> = (0..20).map(|_| served(&strand.addr)).collect();
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(3), "20 connections at 5/s took only {took:?}");
    let delayed = metric(&strand, "strand_connection_accept_throttle_seconds_count");
    assert!(delayed >= 10.0, "{delayed} accepts delayed");
    assert_eq!(metric(&strand, REFUSED_PER_IP), 0.0);
    drop(held);
}

#[test]
fn refusals_are_logged_at_most_once_a_second_per_ip_and_the_next_line_counts_the_rest() {
    let strand = Strand::start_with(&["--max-connections-per-ip", "1"]);
    let _held = served(&strand.addr);
    let burst = 20;
    for _ in 0..burst {
        assert!(RawClient::connect(&strand.addr).is_closed_by_peer());
    }
    std::thread::sleep(Duration::from_millis(1100));
    assert!(RawClient::connect(&strand.addr).is_closed_by_peer());
    let refused = burst + 1;
    assert_eq!(metric(&strand, REFUSED_PER_IP), f64::from(refused));
    // Every refusal is a line or counted in a later one: the last came after
    // a second of quiet, so nothing is left uncounted.
    let counted = |lines: &[String]| -> u32 {
        let suppressed: u32 = lines
            .iter()
            .map(|line| {
                let value = line.split("suppressed=").nth(1).and_then(|s| s.split_whitespace().next());
                value.unwrap_or_else(|| panic!("no suppressed count in {line}")).parse::<u32>().unwrap()
            })
            .sum();
        lines.len() as u32 + suppressed
    };
    let lines = log_lines_when(&strand, "refused connection from 127.0.0.1", |lines| counted(lines) >= refused);
    assert!(lines.len() >= 2 && lines.len() < refused as usize, "{} lines for {refused} refusals", lines.len());
    assert_eq!(counted(&lines), refused, "{lines:#?}");
}

/// The ip entity's `connection_creation_rate` (KIP-612), here written to the
/// quota store before the start as AlterClientQuotas would: 2 a second over
/// 2 windows of 1 s lets 2 in at once; the third is held open unserved for its
/// throttle time, (3 - 2) / 2 of a second, then closed.
/// A broker whose quota store holds one ip entity, `name`, with
/// `connection_creation_rate=2`, over 2 windows of 1 s.
fn with_ip_quota(name: &str) -> Strand {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = temp.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::write(
        data_dir.join("client-quotas"),
        format!(
            "version = 1\n\n[[quota]]\nentity = [{{ type = \"ip\", name = \"{name}\" }}]\nvalues = {{ connection_creation_rate = 2.0 }}\n"
        ),
    )
    .unwrap();
    Strand::start_at(data_dir, Some(temp), &["--quota-window-num", "2", "--quota-window-size-seconds", "1"])
}

/// Two connections from 127.0.0.1 are served; the third, over a rate of 2 per
/// second, is held unserved for its throttle time and then closed.
fn third_connection_is_throttled(strand: &Strand) {
    let _first = served(&strand.addr);
    let _second = served(&strand.addr);
    let started = Instant::now();
    let mut third = RawClient::connect(&strand.addr);
    third.send_only(3, &ApiVersionsRequest::default());
    assert!(third.read_frame().is_none(), "the connection over the IP's rate was served");
    let held = started.elapsed();
    assert!(held >= Duration::from_millis(400), "closed after {held:?}, before its throttle time");
    assert_eq!(metric(strand, "strand_connections_refused_total{reason=\"connection_creation_rate\"}"), 1.0);
    assert!(!log_lines_when(strand, "over its connection_creation_rate quota", |lines| !lines.is_empty()).is_empty());
}

#[test]
fn over_the_ip_connection_creation_rate_a_connection_is_closed_after_the_throttle_time() {
    third_connection_is_throttled(&with_ip_quota("127.0.0.1"));
}

/// As Kafka applies an ip quota named by host: to the address the name
/// resolves to, here when the broker starts with it already set.
#[test]
fn an_ip_quota_named_by_host_holds_the_address_it_resolves_to_at_start() {
    third_connection_is_throttled(&with_ip_quota("localhost"));
}

/// The same quota set by AlterClientQuotas on a running broker (what
/// `kafka-configs --entity-type ips --entity-name localhost` sends): in force
/// for the next connection.
#[test]
fn an_ip_quota_named_by_host_set_by_alter_client_quotas_holds_its_address() {
    use kafka_protocol::messages::alter_client_quotas_request::{EntityData, EntryData, OpData};
    use kafka_protocol::messages::AlterClientQuotasRequest;
    use kafka_protocol::protocol::StrBytes;
    let strand = Strand::start_with(&["--quota-window-num", "2", "--quota-window-size-seconds", "1"]);
    let entry = EntryData::default()
        .with_entity(vec![EntityData::default()
            .with_entity_type(StrBytes::from_static_str("ip"))
            .with_entity_name(Some(StrBytes::from_static_str("localhost")))])
        .with_ops(vec![OpData::default()
            .with_key(StrBytes::from_static_str("connection_creation_rate"))
            .with_value(2.0)]);
    {
        let mut admin = served(&strand.addr);
        let response = admin.send(1, &AlterClientQuotasRequest::default().with_entries(vec![entry]));
        assert_eq!(response.entries[0].error_code, 0, "{:?}", response.entries[0].error_message);
    }
    // The admin connection came before the quota: it did not count against it.
    third_connection_is_throttled(&strand);
}
