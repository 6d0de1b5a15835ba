//! One request frame, as a connection hands it over (api key, version, header,
//! body; no size prefix), through `strand::api::handle` against a real broker.
//!
//! What must hold for any input: no panic or abort; a response that comes back is
//! a well-formed frame a client can decode (size prefix, correlation id, and a
//! body the kafka-protocol client codec reads to its end); and a closed connection
//! is never the broker failing to encode its own answer.
//!
//! Each input is served as the first request of a connection on a plain
//! listener, and again on a SASL listener (PLAIN and both SCRAMs, one user) in
//! each state a single frame can meet: awaiting SaslHandshake, and, per
//! mechanism, awaiting the first token after SaslHandshake v1 (a
//! SaslAuthenticate) and after v0 (the input is then the bare token). SCRAM's
//! client-final message needs the server's nonce from an earlier answer, so
//! single inputs do not reach it.
//!
//! The broker is opened once per process, on a tmpfs when there is one, and keeps
//! its state across inputs as a long-lived broker would. The runtime's clock is
//! paused: a Fetch long poll or a JoinGroup waiting for other members ends as
//! soon as nothing else can run, in virtual time, so waits cost nothing.
#![no_main]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Buf, Bytes};
use kafka_protocol::messages::{ApiKey, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::Decodable;
use libfuzzer_sys::fuzz_target;
use strand::api::session::{Auth, Sasl, Session};
use strand::api::{self, Outcome};
use strand::broker::Broker;
use strand::config::{Config, Overrides};
use strand::sasl::{Exchange, Mechanism, Users};
use tokio::runtime::Runtime;
use tokio::sync::watch;

/// Longer than any wait worth exploring; on the paused clock it passes instantly.
const WAIT_LIMIT: Duration = Duration::from_millis(100);
/// Inputs between two runs of what the server's housekeeping task does on a timer.
const RETENTION_EVERY: u64 = 1024;

struct Harness {
    runtime: Runtime,
    broker: Broker,
    /// A SASL listener's: every mechanism and one user.
    sasl: Arc<Sasl>,
    /// Held so the broker never sees a shutdown: a dropped sender reads as one.
    _shutdown: watch::Sender<bool>,
    runs: AtomicU64,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

fn harness() -> &'static Harness {
    HARNESS.get_or_init(|| {
        let overrides = Overrides {
            data_dir: Some(strand_fuzz::scratch_dir("request")),
            // Small segments and a retention limit keep the fuzzer's produced data bounded.
            segment_bytes: Some(1 << 20),
            retention_bytes: Some(4 << 20),
            index_max_bytes: Some(64 << 10),
            offsets_fsync: Some(false),
            ..Overrides::default()
        };
        let config = Config::load(overrides, None).expect("the fuzz config is valid");
        let (shutdown, shutdown_rx) = watch::channel(false);
        let bound: SocketAddr = "127.0.0.1:9092".parse().expect("a literal address");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime builds");
        let users = Arc::new(
            Users::from_passwords([("alice", "alice-secret")], &Mechanism::ALL)
                .expect("deriving one user's credentials"),
        );
        let broker = Broker::open(config, bound, shutdown_rx, users.clone()).expect("broker opens on a fresh temp dir");
        let sasl = Arc::new(Sasl { mechanisms: Mechanism::ALL.to_vec(), users });
        Harness { runtime, broker, sasl, _shutdown: shutdown, runs: AtomicU64::new(0) }
    })
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("a literal address");
    // No SASL: every request is served as on a plain listener.
    serve(h, data, Session::new(peer, None));
    serve(h, data, Session::new(peer, Some(h.sasl.clone())));
    for mechanism in Mechanism::ALL {
        let mut framed = Session::new(peer, Some(h.sasl.clone()));
        framed.auth = Auth::Framed(Exchange::new(mechanism));
        serve(h, data, framed);
        let mut unframed = Session::new(peer, Some(h.sasl.clone()));
        unframed.auth = Auth::Unframed(Exchange::new(mechanism));
        check_outcome(data, api::sasl_authenticate::unframed(&mut unframed, data), None);
    }

    // What the server's housekeeping task does on its timers.
    h.broker.groups.tick(std::time::Instant::now());
    if h.runs.fetch_add(1, Ordering::Relaxed) % RETENTION_EVERY == 0 {
        for topic in h.broker.topics.all() {
            for log in topic.partitions().iter() {
                let _ = log.apply_retention(strand::now_ms());
            }
        }
    }
});

/// Runs `data` as the next request of `session`'s connection.
fn serve(h: &Harness, data: &[u8], mut session: Session) {
    let frame = Bytes::copy_from_slice(data);
    let handled = h
        .runtime
        .block_on(async { tokio::time::timeout(WAIT_LIMIT, api::handle(&h.broker, &mut session, frame)).await });
    if let Ok((outcome, info)) = handled {
        check_outcome(data, outcome, Some(info));
    }
}

/// `info` is None for a bare SASL token, whose answer is a bare token too.
fn check_outcome(data: &[u8], outcome: Outcome, info: Option<Option<api::RequestInfo>>) {
    let frame = match outcome {
        Outcome::Respond(frame) | Outcome::RespondThenClose(frame, _) => frame.freeze(),
        Outcome::RespondInParts(frame) => Bytes::from(frame.parts().concat()),
        Outcome::NoResponse => return,
        Outcome::Close(reason) => {
            assert!(
                !reason.starts_with("response encoding failed"),
                "the broker built an unencodable answer: {reason}"
            );
            return;
        }
    };
    match info {
        Some(info) => check_response(data, frame, info.as_ref()),
        // A failed bare token gets nothing before the close.
        None if frame.is_empty() => {}
        None => {
            assert!(frame.len() >= 4, "a SASL token frame without its size prefix");
            assert_eq!(i32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize, frame.len() - 4);
        }
    }
}

/// The response is one frame a client decodes completely.
fn check_response(request: &[u8], mut frame: Bytes, info: Option<&api::RequestInfo>) {
    let info = info.expect("a response implies a decoded header");
    assert!(frame.len() >= 8, "response shorter than size and correlation id");
    let size = frame.get_i32();
    assert_eq!(size as usize, frame.len(), "size prefix disagrees with the response");
    let api_key = ApiKey::try_from(info.api_key).expect("a response implies a known api key");
    let (_, range) = api::supported(api_key).expect("a response implies a served api");
    // An ApiVersions at a version we do not serve is answered at v0 (KIP-511).
    let version = if info.api_version > range.max || info.api_version < range.min { 0 } else { info.api_version };
    let header = ResponseHeader::decode(&mut frame, api_key.response_header_version(version))
        .unwrap_or_else(|e| panic!("response header for {api_key:?} v{version}: {e}"));
    assert_eq!(header.correlation_id, info.correlation_id);
    let decoded = ResponseKind::decode(api_key, &mut frame, version);
    assert!(
        decoded.is_ok(),
        "{api_key:?} v{version} response does not decode: {:?} (request {request:02x?})",
        decoded.err()
    );
    assert!(!frame.has_remaining(), "{api_key:?} v{version} response has {} trailing bytes", frame.remaining());
}
