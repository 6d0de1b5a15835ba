//! Producer ids for InitProducerId, unique across restarts.
//!
//! Like Kafka's ProducerIdManager, ids are reserved in blocks: the end of the
//! current block is written durably to `producer-ids` in the data dir before any
//! id from it is handed out, so a restart (clean or not) continues after the
//! block and never reuses an id; at most one block of ids is skipped.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::durable::write_durably;
use crate::log;

const FILE_NAME: &str = "producer-ids";
/// Kafka reserves producer ids in blocks of this size too.
const BLOCK: i64 = 1000;

pub struct ProducerIdManager {
    path: PathBuf,
    /// (next id to hand out, end of the reserved block, exclusive)
    state: Mutex<(i64, i64)>,
}

impl ProducerIdManager {
    pub fn open(data_dir: &Path) -> Result<Self, log::Error> {
        let path = data_dir.join(FILE_NAME);
        let next = match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().parse().map_err(|_| {
                log::Error::io(&path, std::io::Error::new(std::io::ErrorKind::InvalidData, "not a producer id"))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(log::Error::io(&path, e)),
        };
        Ok(Self { path, state: Mutex::new((next, next)) })
    }

    pub fn next(&self) -> Result<i64, log::Error> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.0 >= state.1 {
            let end = state.0 + BLOCK;
            write_durably(&self.path, end.to_string().as_bytes())?;
            state.1 = end;
        }
        let id = state.0;
        state.0 += 1;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let ids = ProducerIdManager::open(dir.path()).unwrap();
        let first: Vec<i64> = (0..3).map(|_| ids.next().unwrap()).collect();
        assert_eq!(first, vec![0, 1, 2]);
        drop(ids);
        let ids = ProducerIdManager::open(dir.path()).unwrap();
        assert_eq!(ids.next().unwrap(), BLOCK);
    }
}
