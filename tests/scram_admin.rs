//! DescribeUserScramCredentials and AlterUserScramCredentials end to end: a real
//! broker with a SASL_PLAINTEXT listener (PLAIN and both SCRAM mechanisms, a
//! users file), the admin requests sent with the raw client over a PLAIN
//! session, and librdkafka (rdkafka) as the SCRAM client that must authenticate
//! with what the alteration set, at once and after a restart, and must fail once
//! it is deleted. Kafka's validation codes are checked here on a listener without
//! SASL too (every case, with messages, is in compat/scenarios/user_scram_credentials.py).

mod common;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use common::{RawClient, Strand, TOPIC};
use hmac::{Hmac, Mac};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::alter_user_scram_credentials_request::{
    ScramCredentialDeletion, ScramCredentialUpsertion,
};
use kafka_protocol::messages::describe_user_scram_credentials_request::UserName;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, Consumer};
use sha2::{Digest, Sha256, Sha512};

const USERS: &str = "admin:admin-secret\nalice:alice-secret\n";
const SHA256: i8 = 1;
const SHA512: i8 = 2;

struct Broker {
    strand: Strand,
    _users: tempfile::TempDir,
}

/// A broker whose listener takes PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, for the users in `USERS`.
fn sasl_broker() -> Broker {
    let users = tempfile::tempdir().unwrap();
    let file = users.path().join("users");
    std::fs::write(&file, USERS).unwrap();
    let args = ["--sasl-mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512", "--users-file", file.to_str().unwrap()];
    Broker { strand: Strand::start_with(&args), _users: users }
}

/// A raw connection authenticated with PLAIN as `admin`.
fn admin(strand: &Strand) -> RawClient {
    let mut raw = RawClient::connect(&strand.addr);
    let handshake = raw.send(1, &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("PLAIN")));
    assert_eq!(handshake.error_code, 0);
    let token = Bytes::from_static(b"\0admin\0admin-secret");
    assert_eq!(raw.send(2, &SaslAuthenticateRequest::default().with_auth_bytes(token)).error_code, 0);
    raw
}

fn hmac<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// SaltedPassword = Hi(password, salt, i), as the client computes it (RFC 5802).
fn salted_password(mechanism: i8, password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
    match mechanism {
        SHA512 => pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password.as_bytes(), salt, iterations).to_vec(),
        _ => pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password.as_bytes(), salt, iterations).to_vec(),
    }
}

fn upsertion(user: &str, mechanism: i8, iterations: i32, password: &str) -> ScramCredentialUpsertion {
    let salt = format!("salt-of-{user}-{mechanism}").into_bytes();
    let salted = salted_password(mechanism, password, &salt, iterations.max(1) as u32);
    ScramCredentialUpsertion::default()
        .with_name(StrBytes::from_string(user.to_owned()))
        .with_mechanism(mechanism)
        .with_iterations(iterations)
        .with_salt(Bytes::from(salt))
        .with_salted_password(Bytes::from(salted))
}

fn deletion(user: &str, mechanism: i8) -> ScramCredentialDeletion {
    ScramCredentialDeletion::default().with_name(StrBytes::from_string(user.to_owned())).with_mechanism(mechanism)
}

/// Sends an alteration; (user, error code, message) per result, sorted by user.
fn alter(
    raw: &mut RawClient,
    deletions: Vec<ScramCredentialDeletion>,
    upsertions: Vec<ScramCredentialUpsertion>,
) -> Vec<(String, i16, Option<String>)> {
    let request = AlterUserScramCredentialsRequest::default().with_deletions(deletions).with_upsertions(upsertions);
    let response = raw.send(0, &request);
    let mut results: Vec<_> = response
        .results
        .into_iter()
        .map(|r| (r.user.to_string(), r.error_code, r.error_message.map(|m| m.to_string())))
        .collect();
    results.sort();
    results
}

fn ok(user: &str) -> (String, i16, Option<String>) {
    (user.to_owned(), 0, None)
}

fn refused(user: &str, error: ResponseError, message: &str) -> (String, i16, Option<String>) {
    (user.to_owned(), error.code(), Some(message.to_owned()))
}

/// (user, error code, message, [(mechanism, iterations)]) per result, sorted by user.
type Described = Vec<(String, i16, String, Vec<(i8, i32)>)>;

fn describe(raw: &mut RawClient, users: Option<Vec<&str>>) -> Described {
    let name = |user: &str| UserName::default().with_name(StrBytes::from_string(user.to_owned()));
    let users = users.map(|users| users.into_iter().map(name).collect());
    let response = raw.send(0, &DescribeUserScramCredentialsRequest::default().with_users(users));
    assert_eq!((response.error_code, response.error_message.as_deref()), (0, Some("")));
    let mut results: Described = response
        .results
        .into_iter()
        .map(|r| {
            let infos = r.credential_infos.iter().map(|i| (i.mechanism, i.iterations)).collect();
            (r.user.to_string(), r.error_code, r.error_message.map(|m| m.to_string()).unwrap_or_default(), infos)
        })
        .collect();
    results.sort();
    results
}

fn found(user: &str, credentials: &[(i8, i32)]) -> (String, i16, String, Vec<(i8, i32)>) {
    (user.to_owned(), 0, String::new(), credentials.to_vec())
}

/// Whether librdkafka can authenticate as `user` with `mechanism` and read metadata.
fn scram_login(strand: &Strand, mechanism: &str, user: &str, password: &str) -> Result<(), String> {
    let mut config = strand.client_config();
    config
        .set("security.protocol", "SASL_PLAINTEXT")
        .set("sasl.mechanisms", mechanism)
        .set("sasl.username", user)
        .set("sasl.password", password);
    let consumer: BaseConsumer = config.create().map_err(|e| e.to_string())?;
    consumer.fetch_metadata(Some(TOPIC), Duration::from_secs(10)).map(|_| ()).map_err(|e| e.to_string())
}

/// A raw connection that has authenticated as `user` with SCRAM-SHA-256 and
/// `password` at whatever iteration count the broker names.
fn scram_sha256_session(strand: &Strand, user: &str, password: &str) -> RawClient {
    let mut raw = RawClient::connect(&strand.addr);
    let handshake =
        raw.send(1, &SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("SCRAM-SHA-256")));
    assert_eq!(handshake.error_code, 0);
    let bare = format!("n={user},r=rawnonce");
    let first = raw.send(2, &SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(format!("n,,{bare}"))));
    assert_eq!(first.error_code, 0);
    let server_first = String::from_utf8(first.auth_bytes.to_vec()).unwrap();
    let attr = |name: &str| server_first.split(',').find_map(|a| a.strip_prefix(name)).unwrap().to_owned();
    let (nonce, salt, iterations) = (attr("r="), BASE64.decode(attr("s=")).unwrap(), attr("i=").parse().unwrap());
    let salted = salted_password(SHA256, password, &salt, iterations);
    let client_key = hmac::<Hmac<Sha256>>(&salted, b"Client Key");
    let without_proof = format!("c=biws,r={nonce}");
    let auth_message = format!("{bare},{server_first},{without_proof}");
    let signature = hmac::<Hmac<Sha256>>(&Sha256::digest(&client_key), auth_message.as_bytes());
    let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(k, s)| k ^ s).collect();
    let last = format!("{without_proof},p={}", BASE64.encode(proof));
    let last = raw.send(2, &SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(last)));
    assert_eq!(last.error_code, 0, "{:?}", last.error_message);
    raw
}

fn metadata_topics(raw: &mut RawClient) -> usize {
    raw.send(12, &MetadataRequest::default().with_topics(None)).topics.len()
}

#[test]
fn an_altered_user_authenticates_with_scram_at_once_and_after_a_restart_until_deleted() {
    let mut broker = sasl_broker();
    let strand = &mut broker.strand;
    assert!(scram_login(strand, "SCRAM-SHA-256", "carol", "carol-pw").is_err(), "carol before she exists");

    let mut raw = admin(strand);
    let results = alter(
        &mut raw,
        vec![],
        vec![upsertion("carol", SHA256, 8192, "carol-pw"), upsertion("dave", SHA512, 4096, "dave-pw")],
    );
    assert_eq!(results, [ok("carol"), ok("dave")]);
    scram_login(strand, "SCRAM-SHA-256", "carol", "carol-pw").expect("carol right after the alteration");
    scram_login(strand, "SCRAM-SHA-512", "dave", "dave-pw").expect("dave right after the alteration");
    assert!(scram_login(strand, "SCRAM-SHA-256", "carol", "wrong").is_err(), "carol with a wrong password");
    assert!(scram_login(strand, "SCRAM-SHA-512", "carol", "carol-pw").is_err(), "carol has no SCRAM-SHA-512");

    // What is on disk: the salt and the keys, never the password or the salted password.
    let text = std::fs::read_to_string(strand.data_dir.join("scram-credentials")).unwrap();
    let salted = salted_password(SHA256, "carol-pw", b"salt-of-carol-1", 8192);
    assert!(text.contains("user = \"carol\"") && text.contains("iterations = 8192"), "{text}");
    assert!(!text.contains("carol-pw") && !text.contains(&BASE64.encode(&salted)), "{text}");
    assert!(!strand.data_dir.join("scram-credentials.tmp").exists());

    strand.restart();
    scram_login(strand, "SCRAM-SHA-256", "carol", "carol-pw").expect("carol after a restart");
    scram_login(strand, "SCRAM-SHA-512", "dave", "dave-pw").expect("dave after a restart");
    let mut raw = admin(strand);
    assert_eq!(
        describe(&mut raw, Some(vec!["carol", "dave"])),
        [found("carol", &[(SHA256, 8192)]), found("dave", &[(SHA512, 4096)])]
    );

    // A deletion stops new logins at once; a session that logged in before goes on.
    let mut carols_session = scram_sha256_session(strand, "carol", "carol-pw");
    assert_eq!(alter(&mut raw, vec![deletion("carol", SHA256)], vec![]), [ok("carol")]);
    assert!(scram_login(strand, "SCRAM-SHA-256", "carol", "carol-pw").is_err(), "carol after the deletion");
    assert_eq!(metadata_topics(&mut carols_session), 1);
    strand.restart();
    assert!(scram_login(strand, "SCRAM-SHA-256", "carol", "carol-pw").is_err(), "carol deleted, after a restart");
    scram_login(strand, "SCRAM-SHA-512", "dave", "dave-pw").expect("dave is not affected");
}

#[test]
fn the_users_file_shows_in_describe_and_the_store_overrides_it() {
    let mut broker = sasl_broker();
    let strand = &mut broker.strand;
    let mut raw = admin(strand);
    let file_users =
        [found("admin", &[(SHA256, 4096), (SHA512, 4096)]), found("alice", &[(SHA256, 4096), (SHA512, 4096)])];
    assert_eq!(describe(&mut raw, None), file_users);
    assert_eq!(describe(&mut raw, Some(vec![])), file_users);

    // A new password for alice's SCRAM-SHA-256 replaces the file's; her SCRAM-SHA-512 and PLAIN stay.
    assert_eq!(alter(&mut raw, vec![], vec![upsertion("alice", SHA256, 16384, "new-pw")]), [ok("alice")]);
    assert_eq!(describe(&mut raw, Some(vec!["alice"])), [found("alice", &[(SHA256, 16384), (SHA512, 4096)])]);
    scram_login(strand, "SCRAM-SHA-256", "alice", "new-pw").expect("alice's new SCRAM-SHA-256 password");
    assert!(scram_login(strand, "SCRAM-SHA-256", "alice", "alice-secret").is_err(), "the file's password is replaced");
    scram_login(strand, "SCRAM-SHA-512", "alice", "alice-secret").expect("alice's SCRAM-SHA-512 from the file");
    scram_login(strand, "PLAIN", "alice", "alice-secret").expect("PLAIN checks the file");

    // Deleting a credential the file gives: gone, and still gone after a restart.
    assert_eq!(alter(&mut raw, vec![deletion("alice", SHA512)], vec![]), [ok("alice")]);
    assert!(scram_login(strand, "SCRAM-SHA-512", "alice", "alice-secret").is_err(), "deleted SCRAM-SHA-512");
    strand.restart();
    let mut raw = admin(strand);
    assert_eq!(describe(&mut raw, Some(vec!["alice"])), [found("alice", &[(SHA256, 16384)])]);
    assert!(scram_login(strand, "SCRAM-SHA-512", "alice", "alice-secret").is_err(), "deleted, after a restart");
    scram_login(strand, "PLAIN", "alice", "alice-secret").expect("PLAIN is not a SCRAM credential");
    // Setting it again brings it back.
    assert_eq!(alter(&mut raw, vec![], vec![upsertion("alice", SHA512, 4096, "back")]), [ok("alice")]);
    scram_login(strand, "SCRAM-SHA-512", "alice", "back").expect("SCRAM-SHA-512 set again");
}

#[test]
fn kafkas_validation_answers_its_codes_and_messages() {
    let mut strand = Strand::start();
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(describe(&mut raw, None), []);
    assert_eq!(alter(&mut raw, vec![], vec![upsertion("bob", SHA256, 4096, "pw")]), [ok("bob")]);
    let too_few = "Too few iterations";
    let twice = "A user credential cannot be altered twice in the same request";
    let missing = "Attempt to delete a user credential that does not exist";
    let results = alter(
        &mut raw,
        vec![
            deletion("", SHA256),
            deletion("nobody", SHA256),
            deletion("m0", 0),
            deletion("bob", SHA256),
            deletion("bob", SHA256),
        ],
        vec![
            upsertion("few", SHA256, 4095, "pw"),
            upsertion("many", SHA512, 16385, "pw"),
            upsertion("m3", 3, 4096, "pw"),
            upsertion("both", SHA256, 4096, "pw"),
            upsertion("both", SHA512, 4096, "pw"),
            upsertion("nobody", SHA256, 4096, "pw"),
            upsertion("max", SHA512, 16384, "pw"),
        ],
    );
    assert_eq!(
        results,
        [
            refused("", ResponseError::UnacceptableCredential, "Username must not be empty"),
            refused("bob", ResponseError::DuplicateResource, twice),
            refused("both", ResponseError::DuplicateResource, twice),
            refused("few", ResponseError::UnacceptableCredential, too_few),
            refused("m0", ResponseError::UnsupportedSaslMechanism, "Unknown SCRAM mechanism"),
            refused("m3", ResponseError::UnsupportedSaslMechanism, "Unknown SCRAM mechanism"),
            refused("many", ResponseError::UnacceptableCredential, "Too many iterations"),
            ok("max"),
            refused("nobody", ResponseError::ResourceNotFound, missing),
        ]
    );
    // An empty salted password: Kafka's HMAC refuses the empty key, UNKNOWN_SERVER_ERROR without a message.
    let empty = upsertion("empty", SHA256, 4096, "pw").with_salted_password(Bytes::new());
    assert_eq!(
        alter(&mut raw, vec![], vec![empty]),
        [("empty".to_owned(), ResponseError::UnknownServerError.code(), None)]
    );
    assert_eq!(alter(&mut raw, vec![], vec![]), []);

    let not_found = |user: &str| {
        let message = format!("Attempt to describe a user credential that does not exist: {user}");
        (user.to_owned(), ResponseError::ResourceNotFound.code(), message, vec![])
    };
    let duplicate = |user: &str| {
        let message = format!("Cannot describe SCRAM credentials for the same user twice in a single request: {user}");
        (user.to_owned(), ResponseError::DuplicateResource.code(), message, vec![])
    };
    assert_eq!(describe(&mut raw, None), [found("bob", &[(SHA256, 4096)]), found("max", &[(SHA512, 16384)])]);
    assert_eq!(
        describe(&mut raw, Some(vec!["bob", "few", "max", "bob", "bob"])),
        [duplicate("bob"), not_found("few"), found("max", &[(SHA512, 16384)])]
    );

    // Without SASL on the listener the credentials are kept all the same, as Kafka keeps them.
    strand.restart();
    let mut raw = RawClient::connect(&strand.addr);
    assert_eq!(describe(&mut raw, None), [found("bob", &[(SHA256, 4096)]), found("max", &[(SHA512, 16384)])]);
    assert_eq!(
        alter(&mut raw, vec![deletion("bob", SHA256), deletion("bob", SHA512)], vec![]),
        [refused("bob", ResponseError::DuplicateResource, twice)]
    );
    assert_eq!(
        alter(&mut raw, vec![deletion("bob", SHA512)], vec![]),
        [refused("bob", ResponseError::ResourceNotFound, missing)]
    );
}

#[test]
fn a_damaged_credentials_file_stops_the_start() {
    let mut strand = Strand::start();
    strand.stop();
    std::fs::write(strand.data_dir.join("scram-credentials"), "version = 1\n[[deleted]]\nuser = 3\n").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strand"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(&strand.data_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A broker that starts anyway is killed, and the test fails on its status.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code() == Some(1) && stderr.contains("scram-credentials"), "{}: {stderr}", output.status);
}
