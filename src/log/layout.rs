//! What a partition dir holds and how its files are named and encoded: the facts
//! the log writes by and `strand inspect` reads by, kept in one place so the two
//! cannot drift apart.
//!
//! As in a Kafka data dir, each partition has a dir of its own (`<topic>-<n>`):
//!
//! ```text
//! 00000000000000000000.log        record batches, back to back
//! 00000000000000000000.index      offset index: (relative offset u32, position u32)
//! 00000000000000000000.timeindex  time index: (timestamp i64, relative offset u32)
//! 00000000000000004242.snapshot   producer state as of offset 4242
//! recovery-point                  the base offset below which every segment is fsynced
//! .clean_shutdown                 present only while the log is stopped cleanly
//! partition.metadata              the topic id (Kafka's `version: 0`, `topic_id: ...`)
//! ```
//!
//! Segment files are named by their base offset in 20 digits. The data dir above
//! the partition dirs holds `meta.properties` (cluster and node id) and
//! `log-start-offset-checkpoint` (the partitions whose log start offset is past
//! their first segment's base offset, moved there by DeleteRecords). Index
//! entries are big-endian, offsets relative to the segment's base offset.

use std::path::{Path, PathBuf};

/// Written on clean shutdown, removed at open: its presence means the files are whole.
pub const CLEAN_SHUTDOWN_FILE: &str = ".clean_shutdown";
/// The base offset below which every segment is known to be fsynced.
pub const RECOVERY_POINT_FILE: &str = "recovery-point";
/// The partition's topic id, as Kafka writes it since KIP-516.
pub const PARTITION_METADATA_FILE: &str = "partition.metadata";
/// At the top of the data dir: the cluster id and node id.
pub const META_PROPERTIES_FILE: &str = "meta.properties";
/// At the top of the data dir: log start offsets inside a first segment, in
/// Kafka's offset checkpoint format (`encode_offset_checkpoint`).
pub const LOG_START_CHECKPOINT_FILE: &str = "log-start-offset-checkpoint";
/// The only version of Kafka's offset checkpoint files.
const OFFSET_CHECKPOINT_VERSION: i32 = 0;

/// Bytes of an offset index entry: relative offset u32, position u32.
pub const OFFSET_INDEX_ENTRY: usize = 8;
/// Bytes of a time index entry: timestamp i64, relative offset u32.
pub const TIME_INDEX_ENTRY: usize = 12;

/// Digits in the base offset that names a segment or snapshot file.
const NAME_DIGITS: usize = 20;
const SNAPSHOT_EXTENSION: &str = "snapshot";

/// The three files of one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentFile {
    Log,
    Index,
    TimeIndex,
}

impl SegmentFile {
    pub const ALL: [SegmentFile; 3] = [SegmentFile::Log, SegmentFile::Index, SegmentFile::TimeIndex];

    pub fn extension(self) -> &'static str {
        match self {
            SegmentFile::Log => "log",
            SegmentFile::Index => "index",
            SegmentFile::TimeIndex => "timeindex",
        }
    }

    /// `00000000000000000042.log` for base offset 42.
    pub fn name(self, base_offset: i64) -> String {
        numbered_name(base_offset, self.extension())
    }

    pub fn path(self, dir: &Path, base_offset: i64) -> PathBuf {
        dir.join(self.name(base_offset))
    }

    /// The base offset and kind of a segment file named as Kafka names them.
    pub fn parse(file_name: &str) -> Option<(i64, SegmentFile)> {
        let (base, extension) = parse_numbered_name(file_name)?;
        let kind = SegmentFile::ALL.into_iter().find(|k| k.extension() == extension)?;
        Some((base, kind))
    }
}

/// The producer-state snapshot taken at `offset`.
pub fn snapshot_file_name(offset: i64) -> String {
    numbered_name(offset, SNAPSHOT_EXTENSION)
}

/// Base offsets of the segments in `dir` (those with a `.log`), ascending.
pub fn segment_bases(dir: &Path) -> std::io::Result<Vec<i64>> {
    numbered_files(dir, |name| match SegmentFile::parse(name) {
        Some((base, SegmentFile::Log)) => Some(base),
        _ => None,
    })
}

/// Offsets of the producer-state snapshots in `dir`, ascending.
pub fn snapshot_offsets(dir: &Path) -> std::io::Result<Vec<i64>> {
    numbered_files(dir, |name| parse_numbered_name(name).filter(|(_, e)| *e == SNAPSHOT_EXTENSION).map(|(o, _)| o))
}

pub fn encode_offset_entry(base_offset: i64, offset: i64, position: u64) -> [u8; OFFSET_INDEX_ENTRY] {
    let mut raw = [0u8; OFFSET_INDEX_ENTRY];
    raw[..4].copy_from_slice(&((offset - base_offset) as u32).to_be_bytes());
    raw[4..].copy_from_slice(&(position as u32).to_be_bytes());
    raw
}

/// (offset, position) of an offset index entry.
pub fn decode_offset_entry(base_offset: i64, raw: &[u8]) -> (i64, u64) {
    let relative = u32::from_be_bytes(raw[..4].try_into().expect("an offset index entry is 8 bytes"));
    let position = u32::from_be_bytes(raw[4..8].try_into().expect("an offset index entry is 8 bytes"));
    (base_offset + i64::from(relative), u64::from(position))
}

pub fn encode_time_entry(base_offset: i64, timestamp: i64, offset: i64) -> [u8; TIME_INDEX_ENTRY] {
    let mut raw = [0u8; TIME_INDEX_ENTRY];
    raw[..8].copy_from_slice(&timestamp.to_be_bytes());
    raw[8..].copy_from_slice(&((offset - base_offset) as u32).to_be_bytes());
    raw
}

/// (timestamp, offset) of a time index entry.
pub fn decode_time_entry(base_offset: i64, raw: &[u8]) -> (i64, i64) {
    let timestamp = i64::from_be_bytes(raw[..8].try_into().expect("a time index entry is 12 bytes"));
    let relative = u32::from_be_bytes(raw[8..12].try_into().expect("a time index entry is 12 bytes"));
    (timestamp, base_offset + i64::from(relative))
}

/// Binary search over an offset index needs entries that strictly increase in
/// both offset and position: true when `next` may follow `prev`.
pub fn offset_entry_follows(prev: (i64, u64), next: (i64, u64)) -> bool {
    next.0 > prev.0 && next.1 > prev.1
}

/// A time index entry is written only when the timestamp grows, one per batch:
/// timestamps and offsets strictly increase.
pub fn time_entry_follows(prev: (i64, i64), next: (i64, i64)) -> bool {
    next.0 > prev.0 && next.1 > prev.1
}

/// Bytes past the last whole entry of an index file `len` bytes long: more than
/// zero means a torn write.
pub fn partial_entry_bytes(len: u64, entry_size: usize) -> u64 {
    len % entry_size as u64
}

/// One partition's offset in an offset checkpoint: topic, partition, offset.
pub type CheckpointEntry = (String, i32, i64);

/// Kafka's offset checkpoint format (`OffsetCheckpointFile`): the version (0),
/// the number of entries, then one `topic partition offset` line each.
pub fn encode_offset_checkpoint(entries: &[CheckpointEntry]) -> String {
    let mut text = format!("{OFFSET_CHECKPOINT_VERSION}\n{}\n", entries.len());
    for (topic, partition, offset) in entries {
        text.push_str(&format!("{topic} {partition} {offset}\n"));
    }
    text
}

/// The entries of an offset checkpoint, or `None` when the text is not one
/// (another version, a count that does not match, a malformed line).
pub fn decode_offset_checkpoint(text: &str) -> Option<Vec<CheckpointEntry>> {
    let mut lines = text.lines();
    if lines.next()?.trim().parse::<i32>().ok()? != OFFSET_CHECKPOINT_VERSION {
        return None;
    }
    let count: usize = lines.next()?.trim().parse().ok()?;
    let mut entries = Vec::with_capacity(count.min(text.len()));
    for line in lines.by_ref().take(count) {
        let mut fields = line.split_whitespace();
        let (Some(topic), Some(partition), Some(offset), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return None;
        };
        entries.push((topic.to_owned(), partition.parse().ok()?, offset.parse().ok()?));
    }
    (entries.len() == count && lines.all(|l| l.trim().is_empty())).then_some(entries)
}

fn numbered_name(offset: i64, extension: &str) -> String {
    format!("{offset:0width$}.{extension}", width = NAME_DIGITS)
}

fn parse_numbered_name(file_name: &str) -> Option<(i64, &str)> {
    let (stem, extension) = file_name.split_once('.')?;
    if stem.len() != NAME_DIGITS || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((stem.parse().ok()?, extension))
}

fn numbered_files(dir: &Path, parse: impl Fn(&str) -> Option<i64>) -> std::io::Result<Vec<i64>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        if let Some(n) = entry?.file_name().to_str().and_then(&parse) {
            found.push(n);
        }
    }
    found.sort_unstable();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_file_names_are_twenty_digits_and_a_known_extension() {
        assert_eq!(SegmentFile::Log.name(42), "00000000000000000042.log");
        assert_eq!(SegmentFile::parse("00000000000000000042.log"), Some((42, SegmentFile::Log)));
        assert_eq!(SegmentFile::parse("00000000000000000042.timeindex"), Some((42, SegmentFile::TimeIndex)));
        assert_eq!(SegmentFile::parse("42.log"), None);
        assert_eq!(SegmentFile::parse("+0000000000000000042.log"), None);
        assert_eq!(SegmentFile::parse("00000000000000000042.snapshot"), None);
        assert_eq!(SegmentFile::parse("00000000000000000042.log.tmp"), None);
        assert_eq!(SegmentFile::parse("consumer-offsets.log"), None);
    }

    #[test]
    fn offset_checkpoints_are_written_and_read_as_kafka_does() {
        let entries = vec![("events".to_owned(), 0, 15), ("a.b-c".to_owned(), 12, 4242)];
        let text = encode_offset_checkpoint(&entries);
        assert_eq!(text, "0\n2\nevents 0 15\na.b-c 12 4242\n");
        assert_eq!(decode_offset_checkpoint(&text), Some(entries));
        assert_eq!(decode_offset_checkpoint("0\n0\n"), Some(vec![]));
        assert_eq!(decode_offset_checkpoint("1\n0\n"), None);
        assert_eq!(decode_offset_checkpoint("0\n2\nevents 0 15\n"), None);
        assert_eq!(decode_offset_checkpoint("0\n1\nevents 0\n"), None);
        assert_eq!(decode_offset_checkpoint("0\n1\nevents x 15\n"), None);
        assert_eq!(decode_offset_checkpoint(""), None);
    }

    #[test]
    fn index_entries_round_trip_relative_to_the_base_offset() {
        let raw = encode_offset_entry(100, 142, 4096);
        assert_eq!(raw, [0, 0, 0, 42, 0, 0, 16, 0]);
        assert_eq!(decode_offset_entry(100, &raw), (142, 4096));
        assert_eq!(decode_time_entry(100, &encode_time_entry(100, 1_700_000_000_000, 142)), (1_700_000_000_000, 142));
    }
}
