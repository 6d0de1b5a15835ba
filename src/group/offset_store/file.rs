//! The file store: `consumer-offsets.log` in the data dir (the role Kafka
//! gives the `__consumer_offsets` topic), an append-only sequence of records, each
//! `[length u32][crc32c u32][payload]`, one record per change; a batch of changes
//! is written with one write and (by default) one fsync before any of them is
//! acknowledged. Loading replays the
//! records and stops at the first torn or corrupt one, which a crash can only have
//! left at the end; the file is cut there so later appends follow good data. When
//! the file holds four times more records than live entries it is rewritten with
//! just the live ones (write a temporary file, fsync, rename).
//!
//! Beside the offsets it keeps one small record per consumer group (`GroupRecord`).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{Change, CommittedOffset, GroupRecord, OffsetKey, OffsetStore};
use crate::group::Error;

/// The file in the data dir.
pub const FILE_NAME: &str = "consumer-offsets.log";
const COMMIT: u8 = 1;
const DELETE: u8 = 2;
/// A group's `GroupRecord`, and its removal.
const GROUP: u8 = 3;
const GROUP_GONE: u8 = 4;
/// Compact when the file holds this many times more records than live entries.
const COMPACT_RATIO: usize = 4;
/// ...and at least this many records, so small stores never bother.
const COMPACT_MIN_RECORDS: usize = 1000;

pub struct FileOffsetStore {
    path: PathBuf,
    fsync: bool,
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    live: HashMap<OffsetKey, CommittedOffset>,
    groups: HashMap<String, GroupRecord>,
    records: usize,
}

impl FileOffsetStore {
    /// Opens the store in `dir`, replaying what is there. `fsync` makes every
    /// commit wait for the disk (the default; tests may turn it off).
    pub fn open(dir: &Path, fsync: bool) -> Result<Self, Error> {
        let path = dir.join(FILE_NAME);
        let mut file =
            OpenOptions::new().read(true).append(true).create(true).open(&path).map_err(|e| Error::io(&path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| Error::io(&path, e))?;
        let Replayed { live, groups, records, valid } = replay(&bytes);
        if valid < bytes.len() {
            tracing::warn!(path = %path.display(), kept_bytes = valid, dropped_bytes = bytes.len() - valid, "dropped a torn offset record");
            file.set_len(valid as u64).map_err(|e| Error::io(&path, e))?;
            file.sync_all().map_err(|e| Error::io(&path, e))?;
        }
        Ok(Self { path, fsync, inner: Mutex::new(Inner { file, live, groups, records }) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append(&self, inner: &mut Inner, payload: &[u8]) -> Result<(), Error> {
        inner.file.write_all(payload).map_err(|e| Error::io(&self.path, e))?;
        if self.fsync {
            inner.file.sync_data().map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }

    fn maybe_compact(&self, inner: &mut Inner) -> Result<(), Error> {
        let entries = inner.live.len() + inner.groups.len();
        if inner.records < COMPACT_MIN_RECORDS || inner.records < COMPACT_RATIO * entries.max(1) {
            return Ok(());
        }
        let mut bytes = Vec::new();
        for (key, offset) in &inner.live {
            encode_record(&mut bytes, COMMIT, key, Some(offset));
        }
        for (group, record) in &inner.groups {
            encode_group(&mut bytes, group, Some(record));
        }
        crate::durable::write_durably(&self.path, &bytes)?;
        inner.file =
            OpenOptions::new().read(true).append(true).open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        inner.records = entries;
        tracing::debug!(live = inner.live.len(), groups = inner.groups.len(), "compacted the offset store");
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl OffsetStore for FileOffsetStore {
    fn name(&self) -> &'static str {
        "file"
    }

    fn load(&self) -> Result<HashMap<OffsetKey, CommittedOffset>, Error> {
        Ok(self.lock().live.clone())
    }

    fn load_groups(&self) -> Result<HashMap<String, GroupRecord>, Error> {
        Ok(self.lock().groups.clone())
    }

    fn apply(&self, changes: &[Change]) -> Result<(), Error> {
        let mut inner = self.lock();
        // One record per change, so a crash keeps each change whole or drops it;
        // the entries in order, to update `live` once the records are durable.
        let mut payload = Vec::new();
        let mut entries: Vec<(OffsetKey, Option<CommittedOffset>)> = Vec::new();
        let mut groups: Vec<(String, Option<GroupRecord>)> = Vec::new();
        for change in changes {
            match change {
                Change::Commit(offsets) if !offsets.is_empty() => {
                    encode_batch(&mut payload, COMMIT, offsets.iter().map(|(k, v)| (k, Some(v))));
                    entries.extend(offsets.iter().map(|(k, v)| (k.clone(), Some(v.clone()))));
                }
                Change::Delete(keys) if !keys.is_empty() => {
                    encode_batch(&mut payload, DELETE, keys.iter().map(|k| (k, None)));
                    entries.extend(keys.iter().map(|k| (k.clone(), None)));
                }
                Change::DeleteGroup(group) => {
                    // The group's keys now: those on disk and those committed earlier in this batch.
                    let mut keys: Vec<OffsetKey> = inner.live.keys().filter(|k| k.group == *group).cloned().collect();
                    keys.extend(
                        entries.iter().filter(|(k, v)| k.group == *group && v.is_some()).map(|(k, _)| k.clone()),
                    );
                    keys.sort();
                    keys.dedup();
                    if !keys.is_empty() {
                        encode_batch(&mut payload, DELETE, keys.iter().map(|k| (k, None)));
                        entries.extend(keys.into_iter().map(|k| (k, None)));
                    }
                    let recorded = inner.groups.contains_key(group)
                        || groups.iter().any(|(g, record)| g == group && record.is_some());
                    if recorded {
                        encode_group(&mut payload, group, None);
                        groups.push((group.clone(), None));
                    }
                }
                Change::Group(group, record) => {
                    encode_group(&mut payload, group, Some(record));
                    groups.push((group.clone(), Some(record.clone())));
                }
                Change::Commit(_) | Change::Delete(_) => {}
            }
        }
        if payload.is_empty() {
            return Ok(());
        }
        self.append(&mut inner, &payload)?;
        inner.records += entries.len() + groups.len();
        for (key, offset) in entries {
            match offset {
                Some(offset) => inner.live.insert(key, offset),
                None => inner.live.remove(&key),
            };
        }
        for (group, record) in groups {
            match record {
                Some(record) => inner.groups.insert(group, record),
                None => inner.groups.remove(&group),
            };
        }
        self.maybe_compact(&mut inner)
    }
}

/// A framed record holding several entries of one kind.
fn encode_batch<'a>(
    out: &mut Vec<u8>,
    kind: u8,
    entries: impl Iterator<Item = (&'a OffsetKey, Option<&'a CommittedOffset>)>,
) {
    let mut body = Vec::new();
    let mut count = 0u32;
    for (key, offset) in entries {
        encode_entry(&mut body, key, offset);
        count += 1;
    }
    frame(out, kind, count, &body);
}

fn encode_record(out: &mut Vec<u8>, kind: u8, key: &OffsetKey, offset: Option<&CommittedOffset>) {
    let mut body = Vec::new();
    encode_entry(&mut body, key, offset);
    frame(out, kind, 1, &body);
}

/// `[len u32][crc32c u32][kind u8][count u32][entries]`; crc covers kind..end.
fn frame(out: &mut Vec<u8>, kind: u8, count: u32, body: &[u8]) {
    let mut payload = Vec::with_capacity(5 + body.len());
    payload.push(kind);
    payload.extend_from_slice(&count.to_be_bytes());
    payload.extend_from_slice(body);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&crc32c::crc32c(&payload).to_be_bytes());
    out.extend_from_slice(&payload);
}

fn encode_entry(out: &mut Vec<u8>, key: &OffsetKey, offset: Option<&CommittedOffset>) {
    put_str(out, Some(&key.group));
    put_str(out, Some(&key.topic));
    out.extend_from_slice(&key.partition.to_be_bytes());
    if let Some(o) = offset {
        out.extend_from_slice(&o.offset.to_be_bytes());
        out.extend_from_slice(&o.leader_epoch.to_be_bytes());
        out.extend_from_slice(&o.commit_timestamp.to_be_bytes());
        put_str(out, o.metadata.as_deref());
    }
}

/// A group's record (`[group][protocol type][has empty_since u8][empty_since i64]`),
/// or with `None` its removal (`[group][""][-1 i32]`). Both begin as an offset
/// entry's key does, so a strand from before group records reads them as deletes
/// of offsets that do not exist rather than as a corrupt tail to cut off.
fn encode_group(out: &mut Vec<u8>, group: &str, record: Option<&GroupRecord>) {
    let mut body = Vec::new();
    put_str(&mut body, Some(group));
    let kind = match record {
        Some(record) => {
            put_str(&mut body, Some(&record.protocol_type));
            body.push(u8::from(record.empty_since.is_some()));
            body.extend_from_slice(&record.empty_since.unwrap_or(0).to_be_bytes());
            GROUP
        }
        None => {
            put_str(&mut body, Some(""));
            body.extend_from_slice(&(-1i32).to_be_bytes());
            GROUP_GONE
        }
    };
    frame(out, kind, 1, &body);
}

fn put_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.extend_from_slice(&(s.len() as i32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

/// What replaying the file gives: the live offsets and group records, the record
/// count, and how many bytes were whole and valid (everything after is a torn or
/// corrupt tail).
struct Replayed {
    live: HashMap<OffsetKey, CommittedOffset>,
    groups: HashMap<String, GroupRecord>,
    records: usize,
    valid: usize,
}

fn replay(bytes: &[u8]) -> Replayed {
    let mut live = HashMap::new();
    let mut groups = HashMap::new();
    let (mut pos, mut records) = (0usize, 0usize);
    while let Some(header) = bytes.get(pos..pos + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        let Some(payload) = bytes.get(pos + 8..pos + 8 + len) else { break };
        if crc32c::crc32c(payload) != crc {
            break;
        }
        let Some(entries) = decode_payload(payload) else { break };
        for entry in entries {
            match entry {
                Entry::Offset(key, Some(offset)) => live.insert(key, offset).map(drop),
                Entry::Offset(key, None) => live.remove(&key).map(drop),
                Entry::Group(group, Some(record)) => groups.insert(group, record).map(drop),
                Entry::Group(group, None) => groups.remove(&group).map(drop),
            };
            records += 1;
        }
        pos += 8 + len;
    }
    Replayed { live, groups, records, valid: pos }
}

enum Entry {
    Offset(OffsetKey, Option<CommittedOffset>),
    Group(String, Option<GroupRecord>),
}

fn decode_payload(payload: &[u8]) -> Option<Vec<Entry>> {
    let mut r = Reader(payload);
    let kind = r.u8()?;
    let count = r.u32()?;
    let mut entries = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let entry = match kind {
            COMMIT | DELETE => {
                let key = OffsetKey { group: r.string()?, topic: r.string()?, partition: r.i32()? };
                let offset = if kind == COMMIT {
                    let (offset, leader_epoch, commit_timestamp) = (r.i64()?, r.i32()?, r.i64()?);
                    let metadata = r.opt_string()?;
                    Some(CommittedOffset { offset, leader_epoch, metadata, commit_timestamp })
                } else {
                    None
                };
                Entry::Offset(key, offset)
            }
            GROUP => {
                let (group, protocol_type, has_since, since) = (r.string()?, r.string()?, r.u8()?, r.i64()?);
                let empty_since = (has_since != 0).then_some(since);
                Entry::Group(group, Some(GroupRecord { protocol_type, empty_since }))
            }
            GROUP_GONE => {
                let group = r.string()?;
                let (_, _) = (r.string()?, r.i32()?);
                Entry::Group(group, None)
            }
            _ => return None,
        };
        entries.push(entry);
    }
    Some(entries)
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")))
    }
    fn i32(&mut self) -> Option<i32> {
        self.take(4).map(|b| i32::from_be_bytes(b.try_into().expect("4 bytes")))
    }
    fn i64(&mut self) -> Option<i64> {
        self.take(8).map(|b| i64::from_be_bytes(b.try_into().expect("8 bytes")))
    }
    fn opt_string(&mut self) -> Option<Option<String>> {
        let len = self.i32()?;
        if len < 0 {
            return Some(None);
        }
        let bytes = self.take(len as usize)?;
        Some(Some(String::from_utf8(bytes.to_vec()).ok()?))
    }
    fn string(&mut self) -> Option<String> {
        self.opt_string()?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(group: &str, partition: i32) -> OffsetKey {
        OffsetKey { group: group.into(), topic: "events".into(), partition }
    }

    fn commit(store: &FileOffsetStore, offsets: &[(OffsetKey, CommittedOffset)]) {
        store.apply(&[Change::Commit(offsets.to_vec())]).unwrap();
    }

    fn offset(n: i64) -> CommittedOffset {
        CommittedOffset { offset: n, leader_epoch: -1, metadata: Some(format!("m{n}")), commit_timestamp: 1 }
    }

    #[test]
    fn commits_and_deletes_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path(), true).unwrap();
        commit(&store, &[(key("a", 0), offset(5)), (key("b", 0), offset(7))]);
        commit(&store, &[(key("a", 0), offset(9))]);
        store.apply(&[Change::Delete(vec![key("b", 0)])]).unwrap();
        drop(store);
        let store = FileOffsetStore::open(dir.path(), true).unwrap();
        let live = store.load().unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[&key("a", 0)], offset(9));
    }

    #[test]
    fn a_batch_applies_in_order_and_delete_group_takes_what_the_batch_committed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path(), true).unwrap();
        commit(&store, &[(key("a", 0), offset(1)), (key("b", 0), offset(2))]);
        store
            .apply(&[
                Change::Commit(vec![(key("a", 1), offset(3))]),
                Change::DeleteGroup("a".into()),
                Change::Commit(vec![(key("a", 2), offset(4)), (key("b", 0), offset(5))]),
                Change::Delete(vec![key("zz", 9)]),
            ])
            .unwrap();
        drop(store);
        let live = FileOffsetStore::open(dir.path(), true).unwrap().load().unwrap();
        let mut keys: Vec<_> = live.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, vec![key("a", 2), key("b", 0)]);
        assert_eq!(live[&key("b", 0)], offset(5));
    }

    #[test]
    fn a_torn_last_record_is_dropped_and_earlier_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path(), true).unwrap();
        commit(&store, &[(key("a", 0), offset(1))]);
        let good_len = std::fs::metadata(store.path()).unwrap().len();
        commit(&store, &[(key("a", 0), offset(2)), (key("c", 0), offset(3))]);
        let full_len = std::fs::metadata(store.path()).unwrap().len();
        let path = store.path().to_owned();
        drop(store);
        // Every cut inside the second record loses that record and only that one.
        for cut in good_len..full_len {
            let bytes = std::fs::read(&path).unwrap();
            let copy = tempfile::tempdir().unwrap();
            std::fs::write(copy.path().join(FILE_NAME), &bytes[..cut as usize]).unwrap();
            let store = FileOffsetStore::open(copy.path(), true).unwrap();
            let live = store.load().unwrap();
            assert_eq!(live.len(), 1, "cut at {cut}");
            assert_eq!(live[&key("a", 0)], offset(1), "cut at {cut}");
            // Appends after recovery land after the good data.
            commit(&store, &[(key("d", 0), offset(4))]);
            drop(store);
            let store = FileOffsetStore::open(copy.path(), true).unwrap();
            assert_eq!(store.load().unwrap().len(), 2, "cut at {cut}");
        }
    }

    #[test]
    fn garbage_after_the_last_record_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path(), true).unwrap();
        commit(&store, &[(key("a", 0), offset(1))]);
        let path = store.path().to_owned();
        drop(store);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
        let store = FileOffsetStore::open(dir.path(), true).unwrap();
        assert_eq!(store.load().unwrap()[&key("a", 0)], offset(1));
    }

    #[test]
    fn compaction_keeps_exactly_the_live_entries() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path(), false).unwrap();
        for n in 0..5000 {
            commit(&store, &[(key("g", (n % 3) as i32), offset(n))]);
        }
        let size = std::fs::metadata(store.path()).unwrap().len();
        assert!(size < 100_000, "the file was compacted ({size} bytes)");
        drop(store);
        let live = FileOffsetStore::open(dir.path(), false).unwrap().load().unwrap();
        assert_eq!(live.len(), 3);
        assert_eq!(live[&key("g", 0)], offset(4998));
        assert_eq!(live[&key("g", 1)], offset(4999));
        assert_eq!(live[&key("g", 2)], offset(4997));
    }

    #[test]
    fn group_records_survive_reopen_and_compaction_and_go_with_their_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::open(dir.path(), false).unwrap();
        let empty = GroupRecord { protocol_type: "consumer".into(), empty_since: Some(42) };
        let busy = GroupRecord { protocol_type: "consumer".into(), empty_since: None };
        store.apply(&[Change::Group("a".into(), busy.clone()), Change::Group("b".into(), busy.clone())]).unwrap();
        commit(&store, &[(key("a", 0), offset(1))]);
        store.apply(&[Change::Group("a".into(), empty.clone())]).unwrap();
        drop(store);
        let store = FileOffsetStore::open(dir.path(), false).unwrap();
        let groups = store.load_groups().unwrap();
        assert_eq!((groups.len(), &groups["a"], &groups["b"]), (2, &empty, &busy));
        store.apply(&[Change::DeleteGroup("a".into())]).unwrap();
        // Enough commits to compact: the records of live groups are kept.
        for n in 0..2000 {
            commit(&store, &[(key("c", 0), offset(n))]);
        }
        drop(store);
        let store = FileOffsetStore::open(dir.path(), false).unwrap();
        assert_eq!(store.load_groups().unwrap().into_iter().collect::<Vec<_>>(), vec![("b".to_string(), busy)]);
        assert_eq!(store.load().unwrap().len(), 1);
    }
}
