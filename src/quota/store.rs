//! The client quotas AlterClientQuotas sets (KIP-546), kept in the data dir so
//! they survive a restart.
//!
//! Kafka keeps them in its metadata log; strand keeps them in one file,
//! `client-quotas` in the data dir, rewritten whole on every alteration through
//! `durable::write_durably` before the request is answered, so a crash leaves
//! the old set or the new one. The file is TOML, one table per entity:
//!
//! ```toml
//! version = 1
//!
//! [[quota]]
//! entity = [{ type = "user", name = "alice" }, { type = "client-id" }]   # no name: the default
//! values = { producer_byte_rate = 1048576.0 }
//! ```
//!
//! The store checks nothing about entity types, keys or values: the
//! AlterClientQuotas handler refuses what Kafka refuses before anything gets
//! here. Alterations run one at a time (an async mutex: no runtime worker
//! blocks on it); the file is written on the blocking pool, then the new set is
//! swapped in, and readers take the set in force without waiting for a writer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use crate::durable;

/// The store's file in the data dir.
pub const FILE: &str = "client-quotas";
const VERSION: u32 = 1;

/// A quota entity: each entity type it names (`user`, `client-id`, `ip`) with
/// a name, `None` being that type's default entity (Kafka's `<default>`).
pub type Entity = BTreeMap<String, Option<String>>;

/// An entity's quotas: quota key (`producer_byte_rate`, ...) to value.
pub type Values = BTreeMap<String, f64>;

/// Every entity that has at least one quota.
pub type QuotaSet = BTreeMap<Entity, Values>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot write client quotas: {0}")]
    Write(#[from] durable::Error),
    #[error("cannot write client quotas: {0}")]
    Encode(String),
}

/// One entity's changes in an alteration: each key set to a value, or removed
/// (`None`).
#[derive(Debug, Clone)]
pub struct Change {
    pub entity: Entity,
    pub ops: Vec<(String, Option<f64>)>,
}

pub struct Store {
    path: PathBuf,
    current: RwLock<Arc<QuotaSet>>,
    /// Held for a whole alteration, from reading the current set to swapping in
    /// the new one, so two alterations never build on the same old set.
    writer: tokio::sync::Mutex<()>,
}

impl Store {
    /// Reads the file in `data_dir`, if there is one. A file that cannot be
    /// read or parsed stops the start: carrying on without it would lift
    /// quotas an operator set.
    pub fn open(data_dir: &Path) -> Result<Store, Error> {
        let path = data_dir.join(FILE);
        let set = match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text).map_err(|reason| Error::Corrupt { path: path.clone(), reason })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => QuotaSet::new(),
            Err(source) => return Err(Error::Read { path, source }),
        };
        if !set.is_empty() {
            tracing::info!(entities = set.len(), file = %path.display(), "client quotas loaded");
        }
        let _ = std::fs::remove_file(path.with_extension("tmp"));
        Ok(Store { path, current: RwLock::new(Arc::new(set)), writer: tokio::sync::Mutex::new(()) })
    }

    /// The quotas in force.
    pub fn get(&self) -> Arc<QuotaSet> {
        match self.current.read() {
            Ok(set) => set.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Applies `changes` in order, writes the result durably, then puts it in
    /// force and returns it. On an error nothing changed, on disk or in force.
    pub async fn alter(&self, changes: Vec<Change>) -> Result<Arc<QuotaSet>, Error> {
        let _turn = self.writer.lock().await;
        let mut set = QuotaSet::clone(&self.get());
        for change in changes {
            let values = set.entry(change.entity.clone()).or_default();
            for (key, value) in change.ops {
                match value {
                    Some(value) => values.insert(key, value),
                    None => values.remove(&key),
                };
            }
            if values.is_empty() {
                set.remove(&change.entity);
            }
        }
        let text = render(&set)?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || durable::write_durably(&path, text.as_bytes()))
            .await
            .map_err(|e| Error::Encode(format!("the write did not finish: {e}")))??;
        let set = Arc::new(set);
        match self.current.write() {
            Ok(mut current) => *current = set.clone(),
            Err(poisoned) => *poisoned.into_inner() = set.clone(),
        }
        Ok(set)
    }
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    version: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    quota: Vec<StoredQuota>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredQuota {
    entity: Vec<StoredEntity>,
    values: Values,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredEntity {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

fn render(set: &QuotaSet) -> Result<String, Error> {
    let quota = set
        .iter()
        .map(|(entity, values)| StoredQuota {
            entity: entity.iter().map(|(kind, name)| StoredEntity { kind: kind.clone(), name: name.clone() }).collect(),
            values: values.clone(),
        })
        .collect();
    let body = toml::to_string(&StoreFile { version: VERSION, quota }).map_err(|e| Error::Encode(e.to_string()))?;
    Ok(format!("# Client quotas set by AlterClientQuotas. Written by strand; see src/quota/store.rs.\n{body}"))
}

fn parse(text: &str) -> Result<QuotaSet, String> {
    let file: StoreFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    if file.version != VERSION {
        return Err(format!("unknown version {}", file.version));
    }
    let mut set = QuotaSet::new();
    for quota in file.quota {
        let mut entity = Entity::new();
        for part in quota.entity {
            if entity.insert(part.kind.clone(), part.name).is_some() {
                return Err(format!("an entity names {:?} twice", part.kind));
            }
        }
        if let Some((key, value)) = quota.values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!("quota {key} = {value} is not a number"));
        }
        if quota.values.is_empty() {
            continue;
        }
        if set.insert(entity.clone(), quota.values).is_some() {
            return Err(format!("entity {entity:?} is listed twice"));
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(parts: &[(&str, Option<&str>)]) -> Entity {
        parts.iter().map(|(k, n)| (k.to_string(), n.map(str::to_owned))).collect()
    }

    #[tokio::test]
    async fn alterations_survive_a_reopen_and_removing_the_last_key_drops_the_entity() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let alice_default_client = entity(&[("user", Some("alice")), ("client-id", None)]);
        let clients = entity(&[("client-id", None)]);
        store
            .alter(vec![
                Change {
                    entity: alice_default_client.clone(),
                    ops: vec![("producer_byte_rate".into(), Some(1024.0)), ("request_percentage".into(), Some(50.5))],
                },
                Change { entity: clients.clone(), ops: vec![("consumer_byte_rate".into(), Some(2048.0))] },
            ])
            .await
            .unwrap();
        let reopened = Store::open(dir.path()).unwrap().get();
        assert_eq!(reopened.len(), 2);
        assert_eq!(reopened[&alice_default_client]["request_percentage"], 50.5);
        assert_eq!(reopened[&clients]["consumer_byte_rate"], 2048.0);

        store
            .alter(vec![Change { entity: clients.clone(), ops: vec![("consumer_byte_rate".into(), None)] }])
            .await
            .unwrap();
        assert!(!Store::open(dir.path()).unwrap().get().contains_key(&clients));
    }

    #[test]
    fn a_damaged_file_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "version = 1\n[[quota]]\nentity = 3\n").unwrap();
        assert!(matches!(Store::open(dir.path()), Err(Error::Corrupt { .. })));
    }
}
