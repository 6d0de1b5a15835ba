//! SASL server mechanisms as Kafka implements them: PLAIN (RFC 4616) and
//! SCRAM-SHA-256/SCRAM-SHA-512 (RFC 5802, RFC 7677), over tokens as bytes.
//!
//! Nothing here does I/O during an exchange: `Exchange::step` takes the client's
//! token and answers the server's next one, so the same code serves tokens that
//! arrive in SaslAuthenticate requests and the unframed tokens that follow a
//! SaslHandshake v0. The users come from `users_file` (`user:password` per line);
//! at startup each password becomes, per enabled SCRAM mechanism, a credential
//! with a random salt and 4096 iterations (Kafka's default and the RFC minimum),
//! and, for PLAIN, a SHA-256 digest. Passwords are not kept after that.
//!
//! Over the file's SCRAM credentials lies a second layer that can change while
//! the broker runs: what AlterUserScramCredentials (`kafka-configs --entity-type
//! users`) set or deleted, kept by `scram_store`. For a user and SCRAM mechanism
//! that layer names, it wins over the file: an upsertion replaces the file's
//! credential, a deletion hides it. PLAIN always checks the file's password, as
//! Kafka's PLAIN checks JAAS and never the SCRAM credentials. An exchange reads
//! the layer under a read lock held only for the lookup, so an alteration
//! applies to every exchange that starts after it, and sessions already
//! authenticated go on, as in Kafka.
//!
//! Deliberately not done: channel binding (`-PLUS`), delegation tokens
//! (`tokenauth=true`), and re-authentication (KIP-368: sessions do not expire).
//! An unknown SCRAM user gets a plausible server-first message built from a
//! per-process secret, so failure shows up at the proof, as for a wrong password,
//! and does not tell which user names exist.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

/// SCRAM iteration count: Kafka's default and the minimum it accepts.
pub const SCRAM_ITERATIONS: u32 = 4096;
const SALT_BYTES: usize = 24;
const NONCE_BYTES: usize = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mechanism {
    Plain,
    ScramSha256,
    ScramSha512,
}

impl Mechanism {
    pub const ALL: [Mechanism; 3] = [Mechanism::Plain, Mechanism::ScramSha256, Mechanism::ScramSha512];

    /// The name clients send in SaslHandshake, and the metrics' `mechanism` label.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    /// Kafka matches mechanism names exactly, case included.
    pub fn from_name(name: &str) -> Option<Mechanism> {
        Mechanism::ALL.into_iter().find(|m| m.name() == name)
    }

    /// A SCRAM mechanism by the number Kafka's `ScramMechanism` gives it on the
    /// wire (KIP-554): 1 SCRAM-SHA-256, 2 SCRAM-SHA-512; anything else is unknown.
    pub fn from_scram_type(scram_type: i8) -> Option<Mechanism> {
        match scram_type {
            1 => Some(Mechanism::ScramSha256),
            2 => Some(Mechanism::ScramSha512),
            _ => None,
        }
    }

    /// `from_scram_type` backwards; `None` for PLAIN.
    pub fn scram_type(self) -> Option<i8> {
        match self {
            Mechanism::Plain => None,
            Mechanism::ScramSha256 => Some(1),
            Mechanism::ScramSha512 => Some(2),
        }
    }

    /// The length of the mechanism's hash, which StoredKey and ServerKey have.
    pub fn key_len(self) -> usize {
        match self {
            Mechanism::ScramSha512 => 64,
            Mechanism::ScramSha256 | Mechanism::Plain => 32,
        }
    }
}

/// Parses a comma-separated list such as `PLAIN,SCRAM-SHA-256`; blanks around
/// names and empty entries are ignored, repeats kept once. `Err` names the first
/// unknown mechanism.
pub fn parse_mechanisms(list: &str) -> Result<Vec<Mechanism>, String> {
    let mut mechanisms = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let mechanism = Mechanism::from_name(name).ok_or_else(|| name.to_owned())?;
        if !mechanisms.contains(&mechanism) {
            mechanisms.push(mechanism);
        }
    }
    Ok(mechanisms)
}

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("cannot read users file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    // The line itself is never shown: it holds a password.
    #[error("users file {}, line {line}: {reason}", path.display())]
    Syntax { path: PathBuf, line: usize, reason: &'static str },
    #[error("users file {} has no users", path.display())]
    Empty { path: PathBuf },
    #[error("cannot get random bytes for salts: {0}")]
    Random(String),
}

/// Why an exchange failed. Every one is answered SASL_AUTHENTICATION_FAILED and
/// the connection closed; the message is the one Kafka gives the client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("Authentication failed: Invalid username or password")]
    InvalidPlainCredentials,
    #[error("Authentication failed during authentication due to invalid credentials with SASL mechanism {}", .0.name())]
    InvalidScramCredentials(Mechanism),
    #[error("Authentication failed: Client requested an authorization id that is different from username")]
    AuthzidMismatch,
    #[error("Authentication failed due to unexpected error: {0}")]
    Malformed(&'static str),
    #[error("Authentication failed: {0} is not supported")]
    Unsupported(&'static str),
    #[error("Authentication failed: SASL exchange already complete")]
    AlreadyComplete,
    #[error("Authentication failed: no random bytes for a nonce: {0}")]
    Random(String),
}

/// A SCRAM credential as RFC 5802 stores it: the password itself is not needed
/// to verify a proof.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramCredential {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl ScramCredential {
    /// SaltedPassword = Hi(password, salt, i); StoredKey = H(HMAC(SaltedPassword,
    /// "Client Key")); ServerKey = HMAC(SaltedPassword, "Server Key").
    pub fn derive(mechanism: Mechanism, password: &[u8], salt: &[u8], iterations: u32) -> ScramCredential {
        let salted = salted_password(mechanism, password, salt, iterations);
        ScramCredential::from_salted_password(mechanism, &salted, salt, iterations)
    }

    /// The credential for a SaltedPassword a client computed itself, as
    /// AlterUserScramCredentials sends it (the broker never sees the password).
    pub fn from_salted_password(mechanism: Mechanism, salted: &[u8], salt: &[u8], iterations: u32) -> ScramCredential {
        let client_key = hmac(mechanism, salted, b"Client Key");
        ScramCredential {
            salt: salt.to_vec(),
            iterations,
            stored_key: hash(mechanism, &client_key),
            server_key: hmac(mechanism, salted, b"Server Key"),
        }
    }
}

// Never prints a key or the salt, so a credential can be in a log line or a panic.
impl std::fmt::Debug for ScramCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramCredential").field("iterations", &self.iterations).finish_non_exhaustive()
    }
}

/// The SCRAM credentials set or deleted at run time, by user and mechanism:
/// `Some` replaces the users file's credential (or adds one), `None` deletes it.
pub type Altered = BTreeMap<(String, Mechanism), Option<ScramCredential>>;

struct Credentials {
    /// SHA-256 of the password: compared in constant time without leaking its length.
    plain: [u8; 32],
    scram_sha256: Option<ScramCredential>,
    scram_sha512: Option<ScramCredential>,
}

/// The users one broker knows, with credentials for the enabled mechanisms.
pub struct Users {
    /// From the users file, fixed for the life of the process.
    users: HashMap<String, Credentials>,
    /// Over `users`, changed while the broker runs (see the module doc). Held
    /// only to read or swap the map, never across I/O.
    altered: RwLock<Altered>,
    /// Makes up credentials for unknown SCRAM users (see the module doc).
    secret: [u8; 32],
}

impl Users {
    /// Reads `user:password` lines; blank lines and lines starting with `#` are
    /// skipped. The user ends at the first `:`, so passwords may contain one.
    pub fn load(path: &Path, mechanisms: &[Mechanism]) -> Result<Users, UsersError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| UsersError::Read { path: path.to_owned(), source })?;
        let entries =
            parse_users(&text).map_err(|(line, reason)| UsersError::Syntax { path: path.to_owned(), line, reason })?;
        if entries.is_empty() {
            return Err(UsersError::Empty { path: path.to_owned() });
        }
        Users::from_passwords(entries, mechanisms)
    }

    /// Derives every credential with a fresh random salt.
    pub fn from_passwords<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
        mechanisms: &[Mechanism],
    ) -> Result<Users, UsersError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| UsersError::Random(e.to_string()))?;
        let mut users = HashMap::new();
        for (user, password) in entries {
            let scram = |mechanism: Mechanism| -> Result<Option<ScramCredential>, UsersError> {
                if !mechanisms.contains(&mechanism) {
                    return Ok(None);
                }
                let mut salt = [0u8; SALT_BYTES];
                getrandom::fill(&mut salt).map_err(|e| UsersError::Random(e.to_string()))?;
                Ok(Some(ScramCredential::derive(mechanism, password.as_bytes(), &salt, SCRAM_ITERATIONS)))
            };
            let credentials = Credentials {
                plain: Sha256::digest(password.as_bytes()).into(),
                scram_sha256: scram(Mechanism::ScramSha256)?,
                scram_sha512: scram(Mechanism::ScramSha512)?,
            };
            users.insert(user.to_owned(), credentials);
        }
        Ok(Users { users, altered: RwLock::new(Altered::new()), secret })
    }

    /// Whether `password` is `user`'s in the users file: what SASL/PLAIN and the
    /// HTTP listener's Basic auth check. SCRAM users added at run time are not
    /// known here, as Kafka's PLAIN callback does not know them either.
    pub fn check_password(&self, user: &str, password: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(password).into();
        // An unknown user costs the same compare as a known one.
        let (expected, known) = match self.users.get(user) {
            Some(credentials) => (credentials.plain, true),
            None => (self.secret, false),
        };
        bool::from(expected.ct_eq(&digest)) && known
    }

    /// The users file's users (SCRAM users added at run time not counted).
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The users file's credential for `user` and a SCRAM mechanism.
    fn file_credential(&self, mechanism: Mechanism, user: &str) -> Option<&ScramCredential> {
        let credentials = self.users.get(user)?;
        match mechanism {
            Mechanism::ScramSha256 => credentials.scram_sha256.as_ref(),
            Mechanism::ScramSha512 => credentials.scram_sha512.as_ref(),
            Mechanism::Plain => None,
        }
    }

    /// Whether the users file has a credential for `user` and `mechanism`.
    pub fn in_file(&self, mechanism: Mechanism, user: &str) -> bool {
        self.file_credential(mechanism, user).is_some()
    }

    /// The credential an exchange for `user` with `mechanism` checks now: the
    /// altered one if there is one (or none, if deleted), else the file's.
    pub fn scram_credential(&self, mechanism: Mechanism, user: &str) -> Option<ScramCredential> {
        let altered = self.altered.read().unwrap_or_else(PoisonError::into_inner);
        match altered.get(&(user.to_owned(), mechanism)) {
            Some(altered) => altered.clone(),
            None => self.file_credential(mechanism, user).cloned(),
        }
    }

    /// Every user with a SCRAM credential now, each with its mechanisms and
    /// iteration counts, mechanisms in Kafka's type order: what
    /// DescribeUserScramCredentials shows.
    pub fn scram_iterations(&self) -> BTreeMap<String, Vec<(Mechanism, u32)>> {
        let mut all: BTreeMap<(String, Mechanism), u32> = BTreeMap::new();
        for (user, credentials) in &self.users {
            for (mechanism, credential) in [
                (Mechanism::ScramSha256, &credentials.scram_sha256),
                (Mechanism::ScramSha512, &credentials.scram_sha512),
            ] {
                if let Some(credential) = credential {
                    all.insert((user.clone(), mechanism), credential.iterations);
                }
            }
        }
        let altered = self.altered.read().unwrap_or_else(PoisonError::into_inner);
        for (key, credential) in altered.iter() {
            match credential {
                Some(credential) => all.insert(key.clone(), credential.iterations),
                None => all.remove(key),
            };
        }
        drop(altered);
        let mut users: BTreeMap<String, Vec<(Mechanism, u32)>> = BTreeMap::new();
        for ((user, mechanism), iterations) in all {
            users.entry(user).or_default().push((mechanism, iterations));
        }
        users
    }

    /// A copy of the run-time layer, to build the next one from.
    pub fn altered(&self) -> Altered {
        self.altered.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Puts `altered` in force: every exchange from now on sees it.
    pub fn set_altered(&self, altered: Altered) {
        *self.altered.write().unwrap_or_else(PoisonError::into_inner) = altered;
    }

    /// Stands in for an unknown user: stable per name, so a client probing twice
    /// sees the same salt, and no proof can match it.
    fn mock_credential(&self, mechanism: Mechanism, user: &str) -> ScramCredential {
        let seed = hmac(Mechanism::ScramSha256, &self.secret, user.as_bytes());
        ScramCredential {
            salt: seed[..SALT_BYTES].to_vec(),
            iterations: SCRAM_ITERATIONS,
            stored_key: hmac(mechanism, &seed, b"stored"),
            server_key: hmac(mechanism, &seed, b"server"),
        }
    }
}

/// `(user, password)` per line, or `(line number, what is wrong)`.
pub fn parse_users(text: &str) -> Result<Vec<(&str, &str)>, (usize, &'static str)> {
    let mut entries: Vec<(&str, &str)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((user, password)) = line.split_once(':') else {
            return Err((number, "expected user:password"));
        };
        if user.is_empty() {
            return Err((number, "empty user name"));
        }
        if password.is_empty() {
            return Err((number, "empty password"));
        }
        if entries.iter().any(|(u, _)| *u == user) {
            return Err((number, "user listed twice"));
        }
        entries.push((user, password));
    }
    Ok(entries)
}

/// What the server sends after a client token.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// The exchange goes on: send this and wait for the client's next token.
    Challenge(Vec<u8>),
    /// Authenticated as `user`; `token` is the server's last message (empty for PLAIN).
    Complete { token: Vec<u8>, user: String },
}

/// One client's authentication, from the first token to success or failure.
pub struct Exchange {
    mechanism: Mechanism,
    state: State,
}

enum State {
    Start,
    ScramClientFinal(Box<ScramPending>),
    Done,
}

/// What the server remembers between SCRAM's two client messages.
struct ScramPending {
    user: String,
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
    credential: ScramCredential,
    known_user: bool,
}

impl Exchange {
    pub fn new(mechanism: Mechanism) -> Exchange {
        Exchange { mechanism, state: State::Start }
    }

    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// Takes the client's next token. After an error or a `Complete` every
    /// further token is refused.
    pub fn step(&mut self, token: &[u8], users: &Users) -> Result<Step, AuthError> {
        let server_nonce = match (&self.state, self.mechanism) {
            (State::Start, Mechanism::ScramSha256 | Mechanism::ScramSha512) => random_nonce()?,
            _ => String::new(),
        };
        self.step_with_nonce(token, users, &server_nonce)
    }

    /// `step` with the server nonce given, for RFC test vectors.
    pub fn step_with_nonce(&mut self, token: &[u8], users: &Users, server_nonce: &str) -> Result<Step, AuthError> {
        let state = std::mem::replace(&mut self.state, State::Done);
        match (state, self.mechanism) {
            (State::Start, Mechanism::Plain) => plain(token, users),
            (State::Start, mechanism) => {
                let pending = scram_client_first(mechanism, token, users, server_nonce)?;
                let challenge = pending.server_first.clone().into_bytes();
                self.state = State::ScramClientFinal(Box::new(pending));
                Ok(Step::Challenge(challenge))
            }
            (State::ScramClientFinal(pending), mechanism) => scram_client_final(mechanism, token, &pending),
            (State::Done, _) => Err(AuthError::AlreadyComplete),
        }
    }
}

/// RFC 4616: `[authzid] NUL authcid NUL passwd`; Kafka allows an authzid only
/// when it names the user itself.
fn plain(token: &[u8], users: &Users) -> Result<Step, AuthError> {
    let parts: Vec<&[u8]> = token.split(|b| *b == 0).collect();
    let [authzid, user, password] = parts[..] else {
        return Err(AuthError::Malformed("invalid SASL/PLAIN response: expected 3 tokens"));
    };
    let user = std::str::from_utf8(user).map_err(|_| AuthError::Malformed("SASL/PLAIN user name is not UTF-8"))?;
    if user.is_empty() {
        return Err(AuthError::Malformed("SASL/PLAIN username not specified"));
    }
    if password.is_empty() {
        return Err(AuthError::Malformed("SASL/PLAIN password not specified"));
    }
    if !authzid.is_empty() && authzid != user.as_bytes() {
        return Err(AuthError::AuthzidMismatch);
    }
    if users.check_password(user, password) {
        Ok(Step::Complete { token: Vec::new(), user: user.to_owned() })
    } else {
        Err(AuthError::InvalidPlainCredentials)
    }
}

/// client-first-message = gs2-header client-first-message-bare, with
/// gs2-header = gs2-cbind-flag "," [ "a=" saslname ] "," and
/// client-first-message-bare = "n=" saslname ",r=" c-nonce ["," extensions].
fn scram_client_first(
    mechanism: Mechanism,
    token: &[u8],
    users: &Users,
    server_nonce: &str,
) -> Result<ScramPending, AuthError> {
    const MALFORMED: AuthError = AuthError::Malformed("invalid SCRAM client-first message");
    let text = std::str::from_utf8(token).map_err(|_| MALFORMED)?;
    let (cbind, rest) = text.split_once(',').ok_or(MALFORMED)?;
    match cbind {
        // "y": the client could bind but thinks we cannot, which is true.
        "n" | "y" => {}
        c if c.starts_with("p=") => return Err(AuthError::Unsupported("SCRAM channel binding")),
        _ => return Err(MALFORMED),
    }
    let (authzid, bare) = rest.split_once(',').ok_or(MALFORMED)?;
    let gs2_header = &text[..text.len() - bare.len()];
    let mut attributes = bare.split(',');
    let user = attributes.next().and_then(|a| a.strip_prefix("n=")).ok_or(MALFORMED)?;
    let user = decode_saslname(user).ok_or(MALFORMED)?;
    let client_nonce = attributes.next().and_then(|a| a.strip_prefix("r=")).ok_or(MALFORMED)?;
    if client_nonce.is_empty() || !client_nonce.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',') {
        return Err(MALFORMED);
    }
    for extension in attributes {
        if extension == "tokenauth=true" {
            return Err(AuthError::Unsupported("delegation token authentication"));
        }
    }
    if !authzid.is_empty() {
        let authzid = authzid.strip_prefix("a=").and_then(decode_saslname).ok_or(MALFORMED)?;
        if authzid != user {
            return Err(AuthError::AuthzidMismatch);
        }
    }
    let (credential, known_user) = match users.scram_credential(mechanism, &user) {
        Some(credential) => (credential, true),
        None => (users.mock_credential(mechanism, &user), false),
    };
    let nonce = format!("{client_nonce}{server_nonce}");
    let server_first = format!("r={nonce},s={},i={}", BASE64.encode(&credential.salt), credential.iterations);
    Ok(ScramPending {
        user,
        gs2_header: gs2_header.to_owned(),
        client_first_bare: bare.to_owned(),
        server_first,
        nonce,
        credential,
        known_user,
    })
}

/// client-final-message = "c=" base64(gs2-header) ",r=" nonce ["," extensions] ",p=" proof.
fn scram_client_final(mechanism: Mechanism, token: &[u8], pending: &ScramPending) -> Result<Step, AuthError> {
    const MALFORMED: AuthError = AuthError::Malformed("invalid SCRAM client-final message");
    let text = std::str::from_utf8(token).map_err(|_| MALFORMED)?;
    let (without_proof, proof) = text.rsplit_once(",p=").ok_or(MALFORMED)?;
    let mut attributes = without_proof.split(',');
    let channel = attributes.next().and_then(|a| a.strip_prefix("c=")).ok_or(MALFORMED)?;
    if BASE64.decode(channel).ok().as_deref() != Some(pending.gs2_header.as_bytes()) {
        return Err(AuthError::Malformed("SCRAM channel binding does not match the client-first message"));
    }
    let nonce = attributes.next().and_then(|a| a.strip_prefix("r=")).ok_or(MALFORMED)?;
    // RFC 5802 wants the nonce echoed exactly; librdkafka sends its client nonce
    // in front of it once more, so Kafka only checks the end, and so do we. The
    // random server part is still there, so a replayed message still fails.
    if !nonce.ends_with(&pending.nonce) {
        return Err(AuthError::Malformed("invalid SCRAM nonce"));
    }
    let proof = BASE64.decode(proof).map_err(|_| MALFORMED)?;
    let credential = &pending.credential;
    if proof.len() != credential.stored_key.len() {
        return Err(AuthError::InvalidScramCredentials(mechanism));
    }
    let auth_message = format!("{},{},{}", pending.client_first_bare, pending.server_first, without_proof);
    let client_signature = hmac(mechanism, &credential.stored_key, auth_message.as_bytes());
    let client_key: Vec<u8> = proof.iter().zip(&client_signature).map(|(p, s)| p ^ s).collect();
    let proof_ok: bool = hash(mechanism, &client_key).ct_eq(&credential.stored_key).into();
    if !(proof_ok && pending.known_user) {
        return Err(AuthError::InvalidScramCredentials(mechanism));
    }
    let server_signature = hmac(mechanism, &credential.server_key, auth_message.as_bytes());
    Ok(Step::Complete {
        token: format!("v={}", BASE64.encode(server_signature)).into_bytes(),
        user: pending.user.clone(),
    })
}

/// RFC 5802 saslname: `,` and `=` travel as `=2C` and `=3D`; any other `=` is malformed.
fn decode_saslname(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3)?;
        out.push(match escape {
            "=2C" => ',',
            "=3D" => '=',
            _ => return None,
        });
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    (!out.is_empty()).then_some(out)
}

/// Printable, comma-free and unguessable: base64 of random bytes.
fn random_nonce() -> Result<String, AuthError> {
    let mut bytes = [0u8; NONCE_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(BASE64.encode(bytes))
}

fn hmac(mechanism: Mechanism, key: &[u8], data: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    match mechanism {
        Mechanism::ScramSha512 => run::<Hmac<Sha512>>(key, data),
        Mechanism::ScramSha256 | Mechanism::Plain => run::<Hmac<Sha256>>(key, data),
    }
}

fn hash(mechanism: Mechanism, data: &[u8]) -> Vec<u8> {
    match mechanism {
        Mechanism::ScramSha512 => Sha512::digest(data).to_vec(),
        Mechanism::ScramSha256 | Mechanism::Plain => Sha256::digest(data).to_vec(),
    }
}

/// RFC 5802's Hi(): PBKDF2 with HMAC as the PRF.
fn salted_password(mechanism: Mechanism, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    match mechanism {
        Mechanism::ScramSha512 => pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password, salt, iterations).to_vec(),
        Mechanism::ScramSha256 | Mechanism::Plain => {
            pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations).to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3: user "user", password "pencil".
    const CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const SERVER_FIRST: &str = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &str =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    fn rfc7677_users() -> Users {
        let mut users = Users::from_passwords([("user", "pencil")], &[Mechanism::ScramSha256]).unwrap();
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let credential = ScramCredential::derive(Mechanism::ScramSha256, b"pencil", &salt, 4096);
        users.users.get_mut("user").unwrap().scram_sha256 = Some(credential);
        users
    }

    #[test]
    fn scram_sha_256_matches_rfc_7677_test_vector() {
        let users = rfc7677_users();
        let mut exchange = Exchange::new(Mechanism::ScramSha256);
        let first = exchange.step_with_nonce(CLIENT_FIRST.as_bytes(), &users, SERVER_NONCE).unwrap();
        assert_eq!(first, Step::Challenge(SERVER_FIRST.as_bytes().to_vec()));
        let last = exchange.step(CLIENT_FINAL.as_bytes(), &users).unwrap();
        assert_eq!(last, Step::Complete { token: SERVER_FINAL.as_bytes().to_vec(), user: "user".into() });
        assert_eq!(exchange.step(b"again", &users), Err(AuthError::AlreadyComplete));
    }

    #[test]
    fn scram_accepts_librdkafkas_doubled_client_nonce() {
        let users = rfc7677_users();
        let mut exchange = Exchange::new(Mechanism::ScramSha256);
        exchange.step_with_nonce(b"n,,n=user,r=abc", &users, "def").unwrap();
        let without_proof = "c=biws,r=abcabcdef";
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let m = Mechanism::ScramSha256;
        let client_key = hmac(m, &salted_password(m, b"pencil", &salt, 4096), b"Client Key");
        let auth_message = format!("n=user,r=abc,r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,{without_proof}");
        let signature = hmac(m, &hash(m, &client_key), auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        let client_final = format!("{without_proof},p={}", BASE64.encode(proof));
        assert!(matches!(exchange.step(client_final.as_bytes(), &users), Ok(Step::Complete { .. })));
    }

    #[test]
    fn scram_with_a_wrong_proof_fails_as_invalid_credentials() {
        let users = rfc7677_users();
        let mut exchange = Exchange::new(Mechanism::ScramSha256);
        exchange.step_with_nonce(CLIENT_FIRST.as_bytes(), &users, SERVER_NONCE).unwrap();
        let forged = CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
        assert_eq!(
            exchange.step(forged.as_bytes(), &users),
            Err(AuthError::InvalidScramCredentials(Mechanism::ScramSha256))
        );
    }

    #[test]
    fn scram_for_an_unknown_user_fails_only_at_the_proof() {
        let users = rfc7677_users();
        let mut exchange = Exchange::new(Mechanism::ScramSha256);
        let first = exchange.step_with_nonce(b"n,,n=nobody,r=abc", &users, "def").unwrap();
        let Step::Challenge(server_first) = first else { panic!("expected a challenge") };
        assert!(String::from_utf8(server_first).unwrap().ends_with(",i=4096"));
        let final_message = format!("c=biws,r=abcdef,p={}", BASE64.encode([0u8; 32]));
        assert!(matches!(exchange.step(final_message.as_bytes(), &users), Err(AuthError::InvalidScramCredentials(_))));
    }

    #[test]
    fn scram_refuses_a_nonce_that_is_not_the_servers() {
        let users = rfc7677_users();
        let mut exchange = Exchange::new(Mechanism::ScramSha256);
        exchange.step_with_nonce(CLIENT_FIRST.as_bytes(), &users, SERVER_NONCE).unwrap();
        let replayed = CLIENT_FINAL.replace("k0,p=", "k1,p=");
        assert!(matches!(exchange.step(replayed.as_bytes(), &users), Err(AuthError::Malformed(_))));
    }

    #[test]
    fn scram_sha_512_round_trip_with_a_client_computed_proof() {
        let users = Users::from_passwords([("alice", "s3cret")], &[Mechanism::ScramSha512]).unwrap();
        let mut exchange = Exchange::new(Mechanism::ScramSha512);
        let Step::Challenge(server_first) = exchange.step(b"n,,n=alice,r=clientnonce", &users).unwrap() else {
            panic!("expected a challenge")
        };
        let server_first = String::from_utf8(server_first).unwrap();
        let mut fields = server_first.split(',');
        let nonce = fields.next().unwrap().strip_prefix("r=").unwrap();
        let salt = BASE64.decode(fields.next().unwrap().strip_prefix("s=").unwrap()).unwrap();
        let m = Mechanism::ScramSha512;
        let salted = salted_password(m, b"s3cret", &salt, 4096);
        let client_key = hmac(m, &salted, b"Client Key");
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("n=alice,r=clientnonce,{server_first},{without_proof}");
        let signature = hmac(m, &hash(m, &client_key), auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        let client_final = format!("{without_proof},p={}", BASE64.encode(proof));
        let expected_v = hmac(m, &hmac(m, &salted, b"Server Key"), auth_message.as_bytes());
        assert_eq!(
            exchange.step(client_final.as_bytes(), &users).unwrap(),
            Step::Complete { token: format!("v={}", BASE64.encode(expected_v)).into_bytes(), user: "alice".into() }
        );
    }

    #[test]
    fn scram_refuses_channel_binding_and_a_foreign_authzid() {
        let users = rfc7677_users();
        let first = |token: &str| Exchange::new(Mechanism::ScramSha256).step(token.as_bytes(), &users);
        assert_eq!(first("p=tls-unique,,n=user,r=x"), Err(AuthError::Unsupported("SCRAM channel binding")));
        assert_eq!(first("n,a=admin,n=user,r=x"), Err(AuthError::AuthzidMismatch));
        assert!(first("n,a=user,n=user,r=x").is_ok());
        assert!(matches!(first("n,,user,r=x"), Err(AuthError::Malformed(_))));
    }

    #[test]
    fn plain_accepts_the_right_password_and_an_authzid_equal_to_the_user() {
        let users = Users::from_passwords([("alice", "pw:with:colons")], &[Mechanism::Plain]).unwrap();
        let plain = |token: &[u8]| Exchange::new(Mechanism::Plain).step(token, &users);
        let ok = Step::Complete { token: vec![], user: "alice".into() };
        assert_eq!(plain(b"\0alice\0pw:with:colons"), Ok(ok));
        assert!(plain(b"alice\0alice\0pw:with:colons").is_ok());
        assert_eq!(plain(b"bob\0alice\0pw:with:colons"), Err(AuthError::AuthzidMismatch));
        assert_eq!(plain(b"\0alice\0wrong"), Err(AuthError::InvalidPlainCredentials));
        assert_eq!(plain(b"\0mallory\0pw:with:colons"), Err(AuthError::InvalidPlainCredentials));
        assert!(matches!(plain(b"\0alice"), Err(AuthError::Malformed(_))));
        assert!(matches!(plain(b"\0\0pw"), Err(AuthError::Malformed(_))));
    }

    #[test]
    fn an_altered_credential_wins_over_the_file_and_a_deleted_one_fails() {
        let users = rfc7677_users();
        let exchange = |users: &Users| {
            let mut exchange = Exchange::new(Mechanism::ScramSha256);
            exchange.step_with_nonce(CLIENT_FIRST.as_bytes(), users, SERVER_NONCE)?;
            exchange.step(CLIENT_FINAL.as_bytes(), users)
        };
        assert!(exchange(&users).is_ok());
        let key = ("user".to_owned(), Mechanism::ScramSha256);
        users.set_altered(Altered::from([(key.clone(), None)]));
        assert_eq!(exchange(&users), Err(AuthError::InvalidScramCredentials(Mechanism::ScramSha256)));
        assert!(users.scram_iterations().is_empty());
        // The credential a client's salted password makes is the one the password makes.
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let salted = salted_password(Mechanism::ScramSha256, b"pencil", &salt, 4096);
        let credential = ScramCredential::from_salted_password(Mechanism::ScramSha256, &salted, &salt, 4096);
        users.set_altered(Altered::from([(key, Some(credential))]));
        assert!(exchange(&users).is_ok());
        assert_eq!(users.scram_iterations()["user"], [(Mechanism::ScramSha256, 4096)]);
    }

    #[test]
    fn saslnames_unescape_comma_and_equals() {
        assert_eq!(decode_saslname("a=2Cb=3Dc").as_deref(), Some("a,b=c"));
        assert_eq!(decode_saslname("a=b"), None);
        assert_eq!(decode_saslname("a="), None);
    }

    #[test]
    fn users_file_lines_are_checked_without_echoing_passwords() {
        assert_eq!(parse_users("# admins\nalice:pw\n\nbob:p:w\n").unwrap(), vec![("alice", "pw"), ("bob", "p:w")]);
        assert_eq!(parse_users("alice\n"), Err((1, "expected user:password")));
        assert_eq!(parse_users("a:1\n:pw\n"), Err((2, "empty user name")));
        assert_eq!(parse_users("a:1\na:2\n"), Err((2, "user listed twice")));
    }

    #[test]
    fn mechanism_lists_parse_and_name_the_unknown_one() {
        assert_eq!(
            parse_mechanisms("PLAIN, SCRAM-SHA-512,PLAIN").unwrap(),
            vec![Mechanism::Plain, Mechanism::ScramSha512]
        );
        assert_eq!(parse_mechanisms("PLAIN,GSSAPI"), Err("GSSAPI".to_owned()));
        assert_eq!(parse_mechanisms("").unwrap(), vec![]);
    }
}
