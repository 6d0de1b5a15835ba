//! The SCRAM credentials AlterUserScramCredentials sets and deletes (KIP-554),
//! kept in the data dir so they survive a restart, and applied live to the SASL
//! users (`sasl::Users`, the layer over the users file).
//!
//! Kafka keeps these credentials in its metadata log; strand keeps them in one
//! file, `scram-credentials` in the data dir, rewritten whole on every alteration
//! through `durable::write_durably` (a temporary file, fsync, rename, fsync of the
//! directory) before the request is answered, so a crash leaves the old set or
//! the new one. The file is TOML:
//!
//! ```toml
//! version = 1
//!
//! [[credential]]                 # set by an upsertion
//! user = "bob"
//! mechanism = "SCRAM-SHA-256"
//! iterations = 8192
//! salt = "<base64>"
//! stored_key = "<base64>"        # RFC 5802: H(HMAC(SaltedPassword, "Client Key"))
//! server_key = "<base64>"        # RFC 5802: HMAC(SaltedPassword, "Server Key")
//!
//! [[deleted]]                    # a users-file credential a deletion hides
//! user = "alice"
//! mechanism = "SCRAM-SHA-512"
//! ```
//!
//! It holds what a server needs to check a proof and nothing from which a
//! client's proof could be made without guessing the password: neither the
//! password (clients send only the salted password) nor the salted password.
//!
//! How it combines with the users file: for the user and mechanism an entry
//! names, the store wins. An upsertion replaces the file's credential or adds
//! one; a deletion of a credential the file gives is kept as a `deleted` entry,
//! so the credential stays deleted after a restart although the file still
//! lists the user (as in Kafka, where a deleted credential is gone for good);
//! setting it again with `kafka-configs --alter --add-config` brings it back.
//! Editing a user's password in the users file does not change a mechanism the
//! store has an entry for. PLAIN is not affected: it checks the file's password.
//!
//! Alterations run one at a time (an async mutex, so no runtime worker blocks on
//! it); the file is written on the blocking pool, then the new set is swapped in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::durable;
use crate::sasl::{Altered, Mechanism, ScramCredential, Users};

/// The store's file in the data dir.
pub const FILE: &str = "scram-credentials";
const VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot write SCRAM credentials: {0}")]
    Write(#[from] durable::Error),
    #[error("cannot write SCRAM credentials: {0}")]
    Encode(String),
}

/// One change an alteration makes.
#[derive(Debug, Clone)]
pub enum Change {
    Upsert { user: String, mechanism: Mechanism, credential: ScramCredential },
    Delete { user: String, mechanism: Mechanism },
}

/// The SCRAM credentials set at run time, on disk and in force.
pub struct ScramStore {
    path: PathBuf,
    users: Arc<Users>,
    /// Held for a whole alteration, from reading the current set to swapping in
    /// the new one, so two alterations never build on the same old set.
    writer: tokio::sync::Mutex<()>,
}

impl ScramStore {
    /// Reads the file in `data_dir`, if there is one, and puts it in force over
    /// `users`. A file that cannot be read or parsed stops the start: carrying on
    /// without it would bring deleted credentials back.
    pub fn open(data_dir: &Path, users: Arc<Users>) -> Result<ScramStore, Error> {
        let path = data_dir.join(FILE);
        let altered = match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text).map_err(|reason| Error::Corrupt { path: path.clone(), reason })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Altered::new(),
            Err(source) => return Err(Error::Read { path, source }),
        };
        let (set, deleted) =
            altered.values().fold((0, 0), |(s, d), c| if c.is_some() { (s + 1, d) } else { (s, d + 1) });
        if !altered.is_empty() {
            tracing::info!(set, deleted, file = %path.display(), "SCRAM credentials loaded");
        }
        users.set_altered(altered);
        let _ = std::fs::remove_file(path.with_extension("tmp"));
        Ok(ScramStore { path, users, writer: tokio::sync::Mutex::new(()) })
    }

    /// The users, with the store's credentials in force.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// Starts an alteration: until it is committed or dropped, no other one runs.
    pub async fn begin(&self) -> Alteration<'_> {
        Alteration { store: self, _turn: self.writer.lock().await }
    }
}

/// One alteration in progress (see `ScramStore::begin`).
pub struct Alteration<'a> {
    store: &'a ScramStore,
    _turn: tokio::sync::MutexGuard<'a, ()>,
}

impl Alteration<'_> {
    /// Whether `user` has a `mechanism` credential now, from the file or the store.
    pub fn exists(&self, user: &str, mechanism: Mechanism) -> bool {
        self.store.users.scram_credential(mechanism, user).is_some()
    }

    /// Writes the set with `changes` applied, durably, then puts it in force.
    /// On an error nothing changed, on disk or in force.
    pub async fn commit(self, changes: Vec<Change>) -> Result<(), Error> {
        let users = &self.store.users;
        let mut altered = users.altered();
        for change in changes {
            match change {
                Change::Upsert { user, mechanism, credential } => {
                    altered.insert((user, mechanism), Some(credential));
                }
                // Only a credential the file gives needs an entry to stay deleted.
                Change::Delete { user, mechanism } if users.in_file(mechanism, &user) => {
                    altered.insert((user, mechanism), None);
                }
                Change::Delete { user, mechanism } => {
                    altered.remove(&(user, mechanism));
                }
            }
        }
        let text = render(&altered)?;
        let path = self.store.path.clone();
        tokio::task::spawn_blocking(move || durable::write_durably(&path, text.as_bytes()))
            .await
            .map_err(|e| Error::Encode(format!("the write did not finish: {e}")))??;
        users.set_altered(altered);
        Ok(())
    }
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    version: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    credential: Vec<StoredCredential>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    deleted: Vec<StoredDeletion>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredCredential {
    user: String,
    mechanism: String,
    iterations: u32,
    salt: String,
    stored_key: String,
    server_key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredDeletion {
    user: String,
    mechanism: String,
}

fn render(altered: &Altered) -> Result<String, Error> {
    let mut file = StoreFile { version: VERSION, ..StoreFile::default() };
    for ((user, mechanism), credential) in altered {
        let (user, mechanism) = (user.clone(), mechanism.name().to_owned());
        match credential {
            Some(c) => file.credential.push(StoredCredential {
                user,
                mechanism,
                iterations: c.iterations,
                salt: BASE64.encode(&c.salt),
                stored_key: BASE64.encode(&c.stored_key),
                server_key: BASE64.encode(&c.server_key),
            }),
            None => file.deleted.push(StoredDeletion { user, mechanism }),
        }
    }
    let body = toml::to_string(&file).map_err(|e| Error::Encode(e.to_string()))?;
    Ok(format!(
        "# SCRAM credentials set by AlterUserScramCredentials: salts and RFC 5802 keys, never a password.\n\
         # Written by strand; see src/scram_store.rs.\n{body}"
    ))
}

/// The file's credentials, each checked; `Err` says what is wrong (never a key).
fn parse(text: &str) -> Result<Altered, String> {
    let file: StoreFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    if file.version != VERSION {
        return Err(format!("unknown version {}", file.version));
    }
    let mechanism = |user: &str, name: &str| match Mechanism::from_name(name) {
        Some(m) if m.scram_type().is_some() => Ok(m),
        _ => Err(format!("user {user:?}: {name:?} is not a SCRAM mechanism")),
    };
    let mut altered = Altered::new();
    for c in file.credential {
        let mechanism = mechanism(&c.user, &c.mechanism)?;
        let decode = |field: &str, value: &str| {
            BASE64.decode(value).map_err(|_| format!("user {:?} {}: {field} is not base64", c.user, mechanism.name()))
        };
        let credential = ScramCredential {
            salt: decode("salt", &c.salt)?,
            iterations: c.iterations,
            stored_key: decode("stored_key", &c.stored_key)?,
            server_key: decode("server_key", &c.server_key)?,
        };
        if credential.stored_key.len() != mechanism.key_len() || credential.server_key.len() != mechanism.key_len() {
            return Err(format!("user {:?} {}: keys of the wrong length", c.user, mechanism.name()));
        }
        if altered.insert((c.user.clone(), mechanism), Some(credential)).is_some() {
            return Err(format!("user {:?} {} is listed twice", c.user, mechanism.name()));
        }
    }
    for d in file.deleted {
        let mechanism = mechanism(&d.user, &d.mechanism)?;
        if altered.insert((d.user.clone(), mechanism), None).is_some() {
            return Err(format!("user {:?} {} is listed twice", d.user, mechanism.name()));
        }
    }
    Ok(altered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Arc<Users> {
        Arc::new(Users::from_passwords([("alice", "alice-pw")], &[Mechanism::ScramSha256]).unwrap())
    }

    fn credential(mechanism: Mechanism, iterations: u32) -> ScramCredential {
        ScramCredential::derive(mechanism, b"pw", b"salt, with \"quotes\"\n", iterations)
    }

    fn upsert(user: &str, mechanism: Mechanism, iterations: u32) -> Change {
        Change::Upsert { user: user.into(), mechanism, credential: credential(mechanism, iterations) }
    }

    #[tokio::test]
    async fn alterations_are_in_force_at_once_and_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = ScramStore::open(dir.path(), users()).unwrap();
        let odd_name = "bob \"the\" =,\n[user]";
        let changes = vec![
            upsert(odd_name, Mechanism::ScramSha512, 8192),
            Change::Delete { user: "alice".into(), mechanism: Mechanism::ScramSha256 },
        ];
        store.begin().await.commit(changes).await.unwrap();
        let check = |users: &Users| {
            assert_eq!(
                users.scram_credential(Mechanism::ScramSha512, odd_name),
                Some(credential(Mechanism::ScramSha512, 8192))
            );
            assert_eq!(users.scram_credential(Mechanism::ScramSha256, "alice"), None);
            let all = users.scram_iterations();
            assert_eq!(
                all.into_iter().collect::<Vec<_>>(),
                [(odd_name.to_owned(), vec![(Mechanism::ScramSha512, 8192)])]
            );
        };
        check(store.users());
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!text.contains("alice-pw") && !text.contains("\"pw\""), "{text}");
        // A fresh process: the file's alice comes back with a new salt, and the store hides her again.
        let reopened = ScramStore::open(dir.path(), users()).unwrap();
        check(reopened.users());
        // Deleting a credential only the store had leaves no entry behind.
        let changes = vec![Change::Delete { user: odd_name.into(), mechanism: Mechanism::ScramSha512 }];
        reopened.begin().await.commit(changes).await.unwrap();
        assert!(reopened.users().scram_iterations().is_empty());
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!text.contains("[[credential]]") && text.contains("[[deleted]]"), "{text}");
    }

    #[tokio::test]
    async fn an_upsertion_overrides_the_users_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = ScramStore::open(dir.path(), users()).unwrap();
        assert_eq!(store.users().scram_iterations()["alice"], [(Mechanism::ScramSha256, 4096)]);
        let alteration = store.begin().await;
        assert!(alteration.exists("alice", Mechanism::ScramSha256));
        assert!(!alteration.exists("alice", Mechanism::ScramSha512));
        alteration.commit(vec![upsert("alice", Mechanism::ScramSha256, 16384)]).await.unwrap();
        assert_eq!(
            store.users().scram_credential(Mechanism::ScramSha256, "alice"),
            Some(credential(Mechanism::ScramSha256, 16384))
        );
    }

    #[test]
    fn a_damaged_file_stops_the_start_naming_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let cases = [
            ("version = 2\n", "unknown version 2"),
            ("version = 1\n[[deleted]]\nuser = \"a\"\nmechanism = \"PLAIN\"\n", "not a SCRAM mechanism"),
            ("version = 1\n[[credential]]\nuser = \"a\"\nmechanism = \"SCRAM-SHA-256\"\niterations = 4096\nsalt = \"!\"\nstored_key = \"\"\nserver_key = \"\"\n", "salt is not base64"),
            ("version = 1\n[[credential]]\nuser = \"a\"\nmechanism = \"SCRAM-SHA-256\"\niterations = 4096\nsalt = \"\"\nstored_key = \"AAAA\"\nserver_key = \"AAAA\"\n", "wrong length"),
            ("version = 1\n[[deleted]]\nuser = \"a\"\nmechanism = \"SCRAM-SHA-256\"\n[[deleted]]\nuser = \"a\"\nmechanism = \"SCRAM-SHA-256\"\n", "listed twice"),
            ("garbage", ""),
        ];
        for (text, reason) in cases {
            std::fs::write(&path, text).unwrap();
            match ScramStore::open(dir.path(), users()) {
                Err(Error::Corrupt { reason: got, .. }) => assert!(got.contains(reason), "{text:?}: {got}"),
                other => panic!("{text:?}: {:?}", other.map(|_| ())),
            }
        }
    }
}
