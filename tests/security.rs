//! TLS and SASL on the listener: librdkafka (rdkafka) over SSL, SASL_PLAINTEXT
//! and SASL_SSL with each mechanism, mutual TLS, refusals (wrong password, no
//! credentials, a plaintext client on a TLS port), and the wire details checked
//! with the raw client: the unframed SaslHandshake v0 flow, error codes, and
//! "before authentication only ApiVersions and SASL". Certificates are made per
//! test with rcgen.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Command;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use common::{RawClient, Strand, TOPIC};
use hmac::{Hmac, Mac};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sha2::{Digest, Sha256};

const TIMEOUT: Duration = Duration::from_secs(30);
const MECHANISMS: [&str; 3] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
const USERS: &str = "# test users\nalice:alice-secret\nbob:pass:with:colons\n";

/// A CA, a server certificate for localhost/127.0.0.1 it signed, a client
/// certificate it signed, and a users file, all in one temp dir.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "strand test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose, name: &str| {
            let mut params = CertificateParams::new(names).unwrap();
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages.push(usage);
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &issuer).unwrap();
            std::fs::write(dir.path().join(format!("{name}.pem")), cert.pem()).unwrap();
            std::fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem()).unwrap();
        };
        leaf(vec!["localhost".into(), "127.0.0.1".into()], ExtendedKeyUsagePurpose::ServerAuth, "server");
        leaf(vec![], ExtendedKeyUsagePurpose::ClientAuth, "client");
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("users"), USERS).unwrap();
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    fn tls_args(&self) -> Vec<String> {
        vec!["--tls-cert".into(), self.arg("server.pem"), "--tls-key".into(), self.arg("server.key")]
    }

    fn sasl_args(&self) -> Vec<String> {
        vec!["--sasl-mechanisms".into(), MECHANISMS.join(","), "--users-file".into(), self.arg("users")]
    }
}

fn start(args: &[String]) -> Strand {
    Strand::start_with(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// rdkafka settings for a client of `strand` over `protocol`.
fn client(strand: &Strand, pki: &Pki, protocol: &str, sasl: Option<(&str, &str, &str)>) -> ClientConfig {
    let mut config = strand.client_config();
    config.set("security.protocol", protocol);
    if protocol.ends_with("ssl") {
        config.set("ssl.ca.location", pki.arg("ca.pem"));
    }
    if let Some((mechanism, user, password)) = sasl {
        config.set("sasl.mechanisms", mechanism).set("sasl.username", user).set("sasl.password", password);
    }
    config
}

/// Produces one message keyed `key` and reads it back at the offset it got.
async fn round_trip(config: &ClientConfig, key: &str) {
    let producer: FutureProducer = config.clone().set("message.timeout.ms", "20000").create().expect("producer");
    let value = format!("value for {key}");
    let offset = producer
        .send(FutureRecord::to(TOPIC).key(key).payload(&value), TIMEOUT)
        .await
        .unwrap_or_else(|(e, _)| panic!("produce {key}: {e}"))
        .offset;
    let consumer: BaseConsumer =
        config.clone().set("group.id", "security-tests").set("enable.auto.commit", "false").create().expect("consumer");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(TOPIC, 0, Offset::Offset(offset)).unwrap();
    consumer.assign(&assignment).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        assert!(Instant::now() < deadline, "{key}: message at offset {offset} never arrived");
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                assert_eq!((m.offset(), m.key(), m.payload()), (offset, Some(key.as_bytes()), Some(value.as_bytes())));
                return;
            }
            Some(Err(e)) => panic!("{key}: consume error: {e}"),
            None => {}
        }
    }
}

/// Whether a client with `config` can read the cluster's metadata.
fn metadata_ok(config: &ClientConfig) -> Result<(), String> {
    let consumer: BaseConsumer = config.create().map_err(|e| e.to_string())?;
    consumer.fetch_metadata(Some(TOPIC), Duration::from_secs(5)).map(|_| ()).map_err(|e| e.to_string())
}

fn sasl_failures(strand: &Strand, mechanism: &str) -> u64 {
    let (_, body) = strand.http_get("/metrics");
    let prefix = format!("strand_sasl_authentication_failures_total{{mechanism=\"{mechanism}\"}} ");
    body.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn ssl_listener_round_trips_with_rdkafka() {
    let pki = Pki::new();
    let strand = start(&pki.tls_args());
    round_trip(&client(&strand, &pki, "ssl", None), "over-tls").await;
}

#[tokio::test]
async fn mutual_tls_serves_a_client_certificate_the_ca_signed_and_refuses_none() {
    let pki = Pki::new();
    let mut args = pki.tls_args();
    args.extend(["--tls-client-ca".into(), pki.arg("ca.pem")]);
    let strand = start(&args);
    let mut with_cert = client(&strand, &pki, "ssl", None);
    with_cert.set("ssl.certificate.location", pki.arg("client.pem")).set("ssl.key.location", pki.arg("client.key"));
    round_trip(&with_cert, "mutual-tls").await;
    assert!(metadata_ok(&client(&strand, &pki, "ssl", None)).is_err(), "a client without a certificate was served");
}

#[test]
fn plaintext_client_on_a_tls_listener_is_closed_not_left_hanging() {
    let pki = Pki::new();
    let strand = start(&pki.tls_args());
    let mut raw = RawClient::connect(&strand.addr);
    let started = Instant::now();
    raw.send_only(3, &ApiVersionsRequest::default());
    // A TLS alert may come first (a byte at a time, each a failed check); what
    // matters is the close, and soon: a silent hang fails within one check.
    while !raw.is_closed_by_peer() {
        assert!(started.elapsed() < Duration::from_secs(5), "not closed after {:?}", started.elapsed());
    }
    assert!(started.elapsed() < Duration::from_secs(5), "closed only after {:?}", started.elapsed());
}

#[tokio::test]
async fn sasl_plaintext_round_trips_with_each_mechanism() {
    let pki = Pki::new();
    let strand = start(&pki.sasl_args());
    for mechanism in MECHANISMS {
        round_trip(&client(&strand, &pki, "sasl_plaintext", Some((mechanism, "alice", "alice-secret"))), mechanism)
            .await;
        round_trip(&client(&strand, &pki, "sasl_plaintext", Some((mechanism, "bob", "pass:with:colons"))), mechanism)
            .await;
    }
}

#[tokio::test]
async fn sasl_ssl_round_trips_with_each_mechanism() {
    let pki = Pki::new();
    let mut args = pki.tls_args();
    args.extend(pki.sasl_args());
    let strand = start(&args);
    for mechanism in MECHANISMS {
        round_trip(&client(&strand, &pki, "sasl_ssl", Some((mechanism, "alice", "alice-secret"))), mechanism).await;
    }
}

#[test]
fn wrong_password_is_refused_and_counted_for_each_mechanism() {
    let pki = Pki::new();
    let strand = start(&pki.sasl_args());
    for mechanism in MECHANISMS {
        for (user, password) in [("alice", "not-alices"), ("nobody", "alice-secret")] {
            let config = client(&strand, &pki, "sasl_plaintext", Some((mechanism, user, password)));
            assert!(metadata_ok(&config).is_err(), "{mechanism}: {user} with a wrong password was served");
        }
        assert!(sasl_failures(&strand, mechanism) >= 2, "{mechanism}: failures not counted");
    }
}

#[test]
fn missing_credentials_are_refused() {
    let pki = Pki::new();
    let strand = start(&pki.sasl_args());
    assert!(metadata_ok(&client(&strand, &pki, "plaintext", None)).is_err(), "a client without SASL was served");
}

// --- the wire, with the raw client --------------------------------------------

fn handshake(raw: &mut RawClient, version: i16, mechanism: &str) -> SaslHandshakeResponse {
    raw.send(version, &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_string(mechanism.to_owned())))
}

fn authenticate(raw: &mut RawClient, token: &[u8]) -> SaslAuthenticateResponse {
    raw.send(2, &SaslAuthenticateRequest::default().with_auth_bytes(Bytes::copy_from_slice(token)))
}

/// Sends a bare size-prefixed token and reads the bare answer (None: closed).
fn unframed(raw: &mut RawClient, token: &[u8]) -> Option<Bytes> {
    raw.send_raw(token);
    raw.read_frame()
}

fn metadata(raw: &mut RawClient) -> MetadataResponse {
    raw.send(12, &MetadataRequest::default().with_topics(None))
}

fn sasl_strand(pki: &Pki) -> Strand {
    start(&pki.sasl_args())
}

#[test]
fn before_authentication_only_api_versions_and_sasl_are_served() {
    let pki = Pki::new();
    let strand = sasl_strand(&pki);
    let mut raw = RawClient::connect(&strand.addr);
    let versions = raw.send(
        3,
        &ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("raw"))
            .with_client_software_version(StrBytes::from_static_str("1")),
    );
    assert_eq!(versions.error_code, 0);
    for (key, max) in [(ApiKey::SaslHandshake, 1), (ApiKey::SaslAuthenticate, 2)] {
        let advertised = versions.api_keys.iter().find(|k| k.api_key == key as i16).expect("SASL API advertised");
        assert_eq!((advertised.min_version, advertised.max_version), (0, max));
    }
    raw.send_only(12, &MetadataRequest::default());
    assert!(raw.read_frame().is_none() && raw.is_closed_by_peer(), "Metadata before authentication was answered");

    // SaslAuthenticate before any SaslHandshake is out of sequence too.
    let mut raw = RawClient::connect(&strand.addr);
    raw.send_only(2, &SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from_static(b"\0alice\0alice-secret")));
    assert!(raw.read_frame().is_none(), "SaslAuthenticate before SaslHandshake was answered");
}

#[test]
fn framed_plain_authenticates_and_then_serves_every_api() {
    let pki = Pki::new();
    let strand = sasl_strand(&pki);
    let mut raw = RawClient::connect(&strand.addr);
    let response = handshake(&mut raw, 1, "PLAIN");
    assert_eq!(response.error_code, 0);
    assert_eq!(response.mechanisms.iter().map(|m| m.as_str()).collect::<Vec<_>>(), MECHANISMS);
    let response = authenticate(&mut raw, b"\0alice\0alice-secret");
    assert_eq!((response.error_code, response.session_lifetime_ms), (0, 0));
    assert_eq!(metadata(&mut raw).topics.len(), 1);
    // A second handshake after success is refused the way Kafka's handler refuses it.
    assert_eq!(handshake(&mut raw, 1, "PLAIN").error_code, ResponseError::IllegalSaslState.code());
    assert_eq!(metadata(&mut raw).topics.len(), 1);
}

#[test]
fn wrong_password_is_sasl_authentication_failed_then_close() {
    let pki = Pki::new();
    let strand = sasl_strand(&pki);
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(handshake(&mut raw, 1, "PLAIN").error_code, 0);
    let response = authenticate(&mut raw, b"\0alice\0guess");
    assert_eq!(response.error_code, ResponseError::SaslAuthenticationFailed.code());
    assert_eq!(response.error_message.as_deref(), Some("Authentication failed: Invalid username or password"));
    assert!(raw.is_closed_by_peer());
    assert_eq!(sasl_failures(&strand, "PLAIN"), 1);
}

#[test]
fn unsupported_mechanism_is_refused_with_the_enabled_list() {
    let pki = Pki::new();
    let strand = start(&["--sasl-mechanisms".into(), "SCRAM-SHA-512".into(), "--users-file".into(), pki.arg("users")]);
    let mut raw = RawClient::connect(&strand.addr);
    let response = handshake(&mut raw, 1, "PLAIN");
    assert_eq!(response.error_code, ResponseError::UnsupportedSaslMechanism.code());
    assert_eq!(response.mechanisms.iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["SCRAM-SHA-512"]);
    assert!(raw.is_closed_by_peer());
}

#[test]
fn sasl_requests_on_a_listener_without_sasl_are_illegal_sasl_state() {
    let strand = Strand::start();
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(handshake(&mut raw, 1, "PLAIN").error_code, ResponseError::IllegalSaslState.code());
    assert_eq!(authenticate(&mut raw, b"\0a\0b").error_code, ResponseError::IllegalSaslState.code());
    assert_eq!(metadata(&mut raw).topics.len(), 1);
}

#[test]
fn unframed_v0_plain_flow_authenticates_with_bare_tokens() {
    let pki = Pki::new();
    let strand = sasl_strand(&pki);
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(handshake(&mut raw, 0, "PLAIN").error_code, 0);
    // No Kafka header: just the size prefix and the token; success is an empty token.
    assert_eq!(unframed(&mut raw, b"\0bob\0pass:with:colons").as_deref(), Some(&b""[..]));
    assert_eq!(metadata(&mut raw).topics.len(), 1);

    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(handshake(&mut raw, 0, "PLAIN").error_code, 0);
    assert_eq!(unframed(&mut raw, b"\0bob\0nope"), None, "a wrong password in the v0 flow is a plain close");
}

/// The client side of SCRAM-SHA-256 for the raw tests: (client-first, a closure
/// that turns server-first into client-final and the expected server-final).
fn scram_sha256_client(user: &str, password: &str) -> (String, impl Fn(&str) -> (String, String)) {
    let client_nonce = "rawclientnonce";
    let client_first_bare = format!("n={user},r={client_nonce}");
    let password = password.to_owned();
    let bare = client_first_bare.clone();
    let finish = move |server_first: &str| {
        let attr = |name: &str| server_first.split(',').find_map(|a| a.strip_prefix(name)).unwrap().to_owned();
        let (nonce, salt, iterations) = (attr("r="), BASE64.decode(attr("s=")).unwrap(), attr("i=").parse().unwrap());
        assert!(nonce.starts_with(client_nonce) && iterations == 4096);
        let salted = pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password.as_bytes(), &salt, iterations);
        let hmac = |key: &[u8], data: &[u8]| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        };
        let client_key = hmac(&salted, b"Client Key");
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{bare},{server_first},{without_proof}");
        let signature = hmac(&Sha256::digest(&client_key), auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(k, s)| k ^ s).collect();
        let server_signature = hmac(&hmac(&salted, b"Server Key"), auth_message.as_bytes());
        (format!("{without_proof},p={}", BASE64.encode(proof)), format!("v={}", BASE64.encode(server_signature)))
    };
    (format!("n,,{client_first_bare}"), finish)
}

#[test]
fn unframed_v0_scram_flow_authenticates_with_bare_tokens() {
    let pki = Pki::new();
    let strand = sasl_strand(&pki);
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(handshake(&mut raw, 0, "SCRAM-SHA-256").error_code, 0);
    let (client_first, finish) = scram_sha256_client("alice", "alice-secret");
    let server_first = unframed(&mut raw, client_first.as_bytes()).expect("server-first");
    let (client_final, expected_server_final) = finish(std::str::from_utf8(&server_first).unwrap());
    let server_final = unframed(&mut raw, client_final.as_bytes()).expect("server-final");
    assert_eq!(std::str::from_utf8(&server_final).unwrap(), expected_server_final);
    assert_eq!(metadata(&mut raw).topics.len(), 1);

    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(handshake(&mut raw, 0, "SCRAM-SHA-256").error_code, 0);
    let (client_first, finish) = scram_sha256_client("alice", "wrong");
    let server_first = unframed(&mut raw, client_first.as_bytes()).expect("server-first");
    let (client_final, _) = finish(std::str::from_utf8(&server_first).unwrap());
    assert_eq!(unframed(&mut raw, client_final.as_bytes()), None);
    assert_eq!(sasl_failures(&strand, "SCRAM-SHA-256"), 1);
}

#[test]
fn framed_scram_sha256_ends_with_the_server_signature() {
    let pki = Pki::new();
    let strand = sasl_strand(&pki);
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(handshake(&mut raw, 1, "SCRAM-SHA-256").error_code, 0);
    let (client_first, finish) = scram_sha256_client("alice", "alice-secret");
    let server_first = authenticate(&mut raw, client_first.as_bytes());
    assert_eq!(server_first.error_code, 0);
    let (client_final, expected_server_final) = finish(std::str::from_utf8(&server_first.auth_bytes).unwrap());
    let server_final = authenticate(&mut raw, client_final.as_bytes());
    assert_eq!(
        (server_final.error_code, std::str::from_utf8(&server_final.auth_bytes).unwrap()),
        (0, expected_server_final.as_str())
    );
    assert_eq!(metadata(&mut raw).topics.len(), 1);
}

// --- startup validation ----------------------------------------------------------

/// Runs the broker with `args` and expects exit status 2 and `message` on stderr.
fn refused_at_startup(args: &[&str], message: &str) {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_strand"))
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data.path())
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(message), "{args:?}: expected {message:?} in {stderr}");
    assert!(!stderr.contains("alice-secret"), "a password reached the log: {stderr}");
}

#[test]
fn bad_tls_and_sasl_settings_exit_2_naming_the_problem() {
    let pki = Pki::new();
    let missing = pki.arg("missing.pem");
    let (cert, key, users) = (pki.arg("server.pem"), pki.arg("server.key"), pki.arg("users"));
    refused_at_startup(&["--tls-cert", &missing, "--tls-key", &key], "invalid setting tls_cert: cannot read");
    refused_at_startup(&["--tls-cert", &cert, "--tls-key", &users], "invalid setting tls_key");
    refused_at_startup(&["--tls-cert", &cert], "tls_cert/tls_key: must be set together");
    refused_at_startup(&["--sasl-mechanisms", "PLAIN,GSSAPI", "--users-file", &users], "unknown mechanism \"GSSAPI\"");
    refused_at_startup(&["--sasl-mechanisms", "PLAIN"], "invalid setting users_file: is required");
    refused_at_startup(
        &["--sasl-mechanisms", "PLAIN", "--users-file", &missing],
        "invalid setting users_file: cannot read",
    );
    let bad_users = pki.path("bad-users");
    std::fs::write(&bad_users, "alice:alice-secret\njust-a-name\n").unwrap();
    refused_at_startup(
        &["--sasl-mechanisms", "PLAIN", "--users-file", bad_users.to_str().unwrap()],
        "line 2: expected user:password",
    );
}

#[test]
fn security_settings_have_env_twins() {
    let pki = Pki::new();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_strand"))
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data.path())
        .env("STRAND_TLS_CERT", pki.path("server.pem"))
        .env("STRAND_TLS_KEY", pki.path("server.key"))
        .env("STRAND_TLS_CLIENT_CA", pki.path("ca.pem"))
        .env("STRAND_SASL_MECHANISMS", "SCRAM-SHA-256")
        .env("STRAND_USERS_FILE", pki.path("users"))
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let listening = stderr.lines().map_while(Result::ok).find(|l| l.contains("listening"));
    let _ = child.kill();
    let _ = child.wait();
    let listening = listening.expect("a listening line");
    assert!(listening.contains("security_protocol=\"SASL_SSL\""), "{listening}");
}
