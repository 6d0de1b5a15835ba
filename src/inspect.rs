//! `strand inspect`: what Kafka's `kafka-dump-log` does, for strand's files.
//!
//! Given a data dir, a partition dir (`<topic>-0`) or one `.log`, `.index` or
//! `.timeindex` file, it reports every segment (base offset, size, batches,
//! offsets, timestamps) and checks what the broker's recovery checks: each
//! batch's length and CRC32C (`log::batch::validate`), offsets that follow on
//! from the segment's base offset, and that every index entry points at a batch
//! start holding its offset. Each failed check is a `PROBLEM` line; the caller
//! exits non-zero when there are any. A log start offset that DeleteRecords moved
//! into a partition's first segment (the data dir's `log-start-offset-checkpoint`)
//! is shown above its segments.
//!
//! Files are only ever opened for reading, never through `log::Log`, whose open
//! recovers, truncates and re-indexes them. Pointed at a running broker, the
//! active segment's last batch may be caught mid-write and show as torn.

mod records;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use crate::log::batch::{self, BatchHeader, HEADER_LEN, LOG_OVERHEAD};
use crate::log::layout::{
    self, SegmentFile, CLEAN_SHUTDOWN_FILE, LOG_START_CHECKPOINT_FILE, OFFSET_INDEX_ENTRY, PARTITION_METADATA_FILE,
    TIME_INDEX_ENTRY,
};

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// One line per batch.
    pub batches: bool,
    /// One line per record of every uncompressed batch (implies `batches`).
    pub records: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "{}: not a data dir, a partition dir, or a segment file (20-digit base offset + .log/.index/.timeindex)",
        .0.display()
    )]
    NotRecognized(PathBuf),
    #[error("writing the report: {0}")]
    Output(std::io::Error),
}

impl Error {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io { path: path.to_owned(), source }
    }
}

/// Totals over everything inspected.
#[derive(Debug, Default)]
pub struct Summary {
    pub segments: usize,
    pub batches: u64,
    pub records: u64,
    pub problems: usize,
}

/// Inspects `path` and writes the report to `out`.
pub fn run(path: &Path, options: Options, out: &mut dyn Write) -> Result<Summary, Error> {
    let meta = std::fs::metadata(path).map_err(Error::io(path))?;
    let mut report = Report { out, options, summary: Summary::default(), topic_ids: HashMap::new() };
    if meta.is_dir() {
        let partitions = partition_dirs(path)?;
        if partitions.is_empty() {
            return Err(Error::NotRecognized(path.to_owned()));
        }
        for dir in partitions {
            report.partition(&dir)?;
        }
    } else {
        let Some((base, kind)) = path.file_name().and_then(|n| n.to_str()).and_then(SegmentFile::parse) else {
            return Err(Error::NotRecognized(path.to_owned()));
        };
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        match kind {
            SegmentFile::Index => report.list_offset_index(path, base)?,
            SegmentFile::TimeIndex => report.list_time_index(path, base)?,
            SegmentFile::Log => {}
        }
        // An index alone can only be checked for order; with its log, for where it points.
        if kind == SegmentFile::Log || SegmentFile::Log.path(dir, base).exists() {
            report.segment(dir, base, None)?;
        }
    }
    report.totals()?;
    Ok(report.summary)
}

/// The partition's log start offset in the data dir's
/// `log-start-offset-checkpoint`, if it has an entry there.
fn checkpointed_log_start(dir: &Path) -> Option<i64> {
    let name = dir.file_name()?.to_str()?;
    let (topic, partition) = crate::topics::parse_partition_dir(name)?;
    let data_dir = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(data_dir.join(LOG_START_CHECKPOINT_FILE)).ok()?;
    let entries = layout::decode_offset_checkpoint(&text)?;
    entries.into_iter().find(|(t, p, _)| t == topic && usize::try_from(*p).ok() == Some(partition)).map(|(_, _, o)| o)
}

fn segment_bases(dir: &Path) -> Result<Vec<i64>, Error> {
    layout::segment_bases(dir).map_err(Error::io(dir))
}

fn is_partition_dir(dir: &Path) -> Result<bool, Error> {
    Ok(dir.join(PARTITION_METADATA_FILE).is_file() || !segment_bases(dir)?.is_empty())
}

/// `dir` itself when it is a partition dir, else its partition subdirs (a data
/// dir), by topic and then partition number (`t-2` before `t-10`). Deleted
/// partitions (Kafka's `-delete` directories, removed in the background) are
/// left out.
fn partition_dirs(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    if is_partition_dir(dir)? {
        return Ok(vec![dir.to_owned()]);
    }
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let path = entry.map_err(Error::io(dir))?.path();
        let deleted = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with("-delete"));
        if path.is_dir() && !deleted && is_partition_dir(&path)? {
            dirs.push(path);
        }
    }
    dirs.sort_by_cached_key(|path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        match crate::topics::parse_partition_dir(&name) {
            Some((topic, partition)) => (topic.to_owned(), partition, name),
            None => (name.clone(), 0, name),
        }
    });
    Ok(dirs)
}

struct Report<'a> {
    out: &'a mut dyn Write,
    options: Options,
    summary: Summary,
    /// The topic id each topic's first partition showed, to check the others against.
    topic_ids: HashMap<String, String>,
}

macro_rules! say {
    ($report:expr, $($arg:tt)*) => {
        writeln!($report.out, $($arg)*).map_err(Error::Output)
    };
}

impl Report<'_> {
    fn problem(&mut self, what: std::fmt::Arguments<'_>) -> Result<(), Error> {
        self.summary.problems += 1;
        say!(self, "    PROBLEM {what}")
    }

    fn partition(&mut self, dir: &Path) -> Result<(), Error> {
        let topic_id = std::fs::read_to_string(dir.join(PARTITION_METADATA_FILE))
            .ok()
            .and_then(|text| text.lines().find_map(|l| l.strip_prefix("topic_id:").map(|id| id.trim().to_owned())));
        let stopped = if dir.join(CLEAN_SHUTDOWN_FILE).exists() {
            "stopped cleanly"
        } else {
            "no clean-shutdown marker (running, or stopped uncleanly: the next start re-validates the newest segments)"
        };
        say!(self, "partition {}: topic id {}, {stopped}", dir.display(), topic_id.as_deref().unwrap_or("unknown"))?;
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let (Some((topic, _)), Some(id)) = (crate::topics::parse_partition_dir(name), &topic_id) {
            let first = self.topic_ids.entry(topic.to_owned()).or_insert_with(|| id.clone()).clone();
            if &first != id {
                self.problem(format_args!(
                    "topic id {id} differs from {first}, the id of topic {topic}'s first partition (the broker will not start)"
                ))?;
            }
        }
        let bases = segment_bases(dir)?;
        if let (Some(start), Some(&first)) = (checkpointed_log_start(dir), bases.first()) {
            if start > first {
                say!(
                    self,
                    "  log start offset {start} (DeleteRecords): offsets {first}..{start} of segment {} are hidden",
                    SegmentFile::Log.name(first)
                )?;
            }
        }
        // Retention deletes whole segments from the front and recovery drops every
        // segment after a cut, so each segment starts where the one before ends.
        let mut previous_end: Option<i64> = None;
        for base in bases {
            previous_end = self.segment(dir, base, previous_end)?.or(previous_end);
        }
        Ok(())
    }

    /// Scans one segment's `.log` batch by batch and checks its indexes against it.
    /// `expected_base` is where the previous segment ended. Returns where this one
    /// ends (last offset + 1), `None` when it holds no batch.
    fn segment(&mut self, dir: &Path, base: i64, expected_base: Option<i64>) -> Result<Option<i64>, Error> {
        let log_path = SegmentFile::Log.path(dir, base);
        let offset_index = IndexEntries::read(&SegmentFile::Index.path(dir, base), OFFSET_INDEX_ENTRY)?;
        let time_index = IndexEntries::read(&SegmentFile::TimeIndex.path(dir, base), TIME_INDEX_ENTRY)?;
        // Index entries by what a batch can be looked up by, ticked off as the scan meets them.
        let mut by_position: HashMap<u64, (usize, i64)> = HashMap::new();
        if let Some(index) = &offset_index {
            for n in 0..index.used {
                let (offset, position) = index.offset_entry(n, base);
                by_position.insert(position, (n, offset));
            }
        }
        let mut by_offset: BTreeMap<i64, (usize, i64)> = BTreeMap::new();
        if let Some(index) = &time_index {
            for n in 0..index.used {
                let (timestamp, offset) = index.time_entry(n, base);
                by_offset.insert(offset, (n, timestamp));
            }
        }
        let mut index_problems = Vec::new();

        let file = File::open(&log_path).map_err(Error::io(&log_path))?;
        let size = file.metadata().map_err(Error::io(&log_path))?.len();
        say!(self, "  segment {}: base offset {base}, {size} bytes", SegmentFile::Log.name(base))?;
        if let Some(end) = expected_base.filter(|&end| end != base) {
            self.problem(format_args!("base offset {base} does not follow on from the previous segment's end, {end}"))?;
        }
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let mut scan = Scan { position: 0, next_offset: base, batches: 0, records: 0, offsets: None, timestamps: None };
        let mut buf = Vec::new();
        while scan.position < size {
            let remaining = size - scan.position;
            if remaining < LOG_OVERHEAD as u64 {
                self.problem(format_args!(
                    "{remaining} bytes after the last whole batch at position {}: a torn write{TORN_NOTE}",
                    scan.position
                ))?;
                break;
            }
            buf.resize(LOG_OVERHEAD, 0);
            reader.read_exact(&mut buf).map_err(Error::io(&log_path))?;
            let batch_size = BatchHeader::peek_size(&buf).expect("12 bytes were read");
            if batch_size < HEADER_LEN as i64 || batch_size as u64 > remaining {
                self.problem(format_args!(
                    "batch at position {}: its length field says {batch_size} bytes, {remaining} remain: \
                     a torn write or a corrupt length{TORN_NOTE}",
                    scan.position
                ))?;
                break;
            }
            buf.resize(batch_size as usize, 0);
            reader.read_exact(&mut buf[LOG_OVERHEAD..]).map_err(Error::io(&log_path))?;
            let header = BatchHeader::new(&buf).expect("the length check guarantees a whole header");
            let (first, last) = (header.base_offset(), header.last_offset());

            match batch::validate(&buf) {
                Ok(_) => self.print_batch(&buf, scan.position)?,
                Err(e) => {
                    self.problem(format_args!("batch at position {}, offsets {first}..={last}: {e}", scan.position))?
                }
            }
            if first != scan.next_offset {
                self.problem(format_args!(
                    "batch at position {}: base offset {first}, expected {} (offsets must follow on)",
                    scan.position, scan.next_offset
                ))?;
            }
            if let Some((n, offset)) = by_position.remove(&scan.position) {
                if !(first..=last).contains(&offset) {
                    index_problems.push(format!(
                        "index entry {n} (offset {offset}, position {}) points at the batch holding offsets {first}..={last}",
                        scan.position
                    ));
                }
            }
            for (&offset, &(n, timestamp)) in by_offset.range(first..=last) {
                if timestamp != header.max_timestamp() {
                    index_problems.push(format!(
                        "timeindex entry {n} (timestamp {timestamp}, offset {offset}) names a batch whose max timestamp is {}",
                        header.max_timestamp()
                    ));
                }
            }
            by_offset.retain(|&offset, _| !(first..=last).contains(&offset));
            scan.add(&header);
            scan.position += batch_size as u64;
        }

        for (position, (n, offset)) in sorted(by_position) {
            index_problems
                .push(format!("index entry {n} (offset {offset}, position {position}) points at no batch start"));
        }
        for (offset, (n, timestamp)) in by_offset {
            index_problems.push(format!("timeindex entry {n} (timestamp {timestamp}, offset {offset}) names no batch"));
        }

        self.summary.segments += 1;
        self.summary.batches += scan.batches;
        self.summary.records += scan.records;
        say!(self, "    {}", scan.describe())?;
        self.index_summary("index", offset_index.as_ref(), |index| index.offset_index_problems(base))?;
        self.index_summary("timeindex", time_index.as_ref(), |index| index.time_index_problems(base))?;
        for problem in index_problems {
            self.problem(format_args!("{problem}"))?;
        }
        Ok((scan.batches > 0).then_some(scan.next_offset))
    }

    /// The `--batches` line for a valid batch, and its records under `--records`.
    fn print_batch(&mut self, batch: &[u8], position: u64) -> Result<(), Error> {
        if !(self.options.batches || self.options.records) {
            return Ok(());
        }
        let header = BatchHeader::new(batch).expect("a validated batch has a header");
        let producer = if header.producer_id() >= 0 {
            format!(
                " producer {} epoch {} sequence {}..={}",
                header.producer_id(),
                header.producer_epoch(),
                header.base_sequence(),
                header.last_sequence()
            )
        } else {
            String::new()
        };
        say!(
            self,
            "    batch offsets {}..={} records {} position {position} size {} {} {} codec {}{producer} crc {:#010x} ok",
            header.base_offset(),
            header.last_offset(),
            header.record_count(),
            batch.len(),
            if header.is_log_append_time() { "LogAppendTime" } else { "CreateTime" },
            header.max_timestamp(),
            codec_name(header.compression()),
            header.crc(),
        )?;
        if !self.options.records {
            return Ok(());
        }
        if header.compression() != 0 {
            return say!(self, "      compressed ({}), records not shown", codec_name(header.compression()));
        }
        for record in records::records(batch) {
            match record {
                Ok(r) => {
                    let headers: Vec<String> = r
                        .headers
                        .iter()
                        .map(|(k, v)| format!("{}={}", String::from_utf8_lossy(k), preview(*v)))
                        .collect();
                    say!(
                        self,
                        "      offset {} timestamp {} key {} value {}{}",
                        r.offset,
                        r.timestamp,
                        preview(r.key),
                        preview(r.value),
                        if headers.is_empty() { String::new() } else { format!(" headers [{}]", headers.join(", ")) }
                    )?;
                }
                // The CRC matched, so the producer sent it this way; still not a valid batch.
                Err(reason) => self.problem(format_args!(
                    "batch at position {position}, offsets {}..={}: malformed record: {reason}",
                    header.base_offset(),
                    header.last_offset()
                ))?,
            }
        }
        Ok(())
    }

    fn index_summary(
        &mut self,
        kind: &str,
        index: Option<&IndexEntries>,
        problems: impl Fn(&IndexEntries) -> Vec<String>,
    ) -> Result<(), Error> {
        let Some(index) = index else {
            return say!(self, "    {kind}: missing (the broker rebuilds it at its next start)");
        };
        let problems = problems(index);
        let unused = if index.preallocated > 0 {
            format!(" (+{} pre-allocated: the active segment, or an unclean stop)", index.preallocated)
        } else {
            String::new()
        };
        let entries = if index.used == 1 { "1 entry".to_owned() } else { format!("{} entries", index.used) };
        say!(self, "    {kind}: {entries}{unused}{}", if problems.is_empty() { ", ok" } else { "" })?;
        for problem in problems {
            self.problem(format_args!("{problem}"))?;
        }
        Ok(())
    }

    fn list_offset_index(&mut self, path: &Path, base: i64) -> Result<(), Error> {
        let index =
            IndexEntries::read(path, OFFSET_INDEX_ENTRY)?.ok_or_else(|| Error::NotRecognized(path.to_owned()))?;
        say!(self, "{}: {} entries", path.display(), index.used)?;
        for n in 0..index.used {
            let (offset, position) = index.offset_entry(n, base);
            say!(self, "  entry {n}: offset {offset} position {position}")?;
        }
        if !path.with_extension("log").exists() {
            self.index_summary("index", Some(&index), |index| index.offset_index_problems(base))?;
        }
        Ok(())
    }

    fn list_time_index(&mut self, path: &Path, base: i64) -> Result<(), Error> {
        let index = IndexEntries::read(path, TIME_INDEX_ENTRY)?.ok_or_else(|| Error::NotRecognized(path.to_owned()))?;
        say!(self, "{}: {} entries", path.display(), index.used)?;
        for n in 0..index.used {
            let (timestamp, offset) = index.time_entry(n, base);
            say!(self, "  entry {n}: timestamp {timestamp} ({}) offset {offset}", iso8601(timestamp))?;
        }
        if !path.with_extension("log").exists() {
            self.index_summary("timeindex", Some(&index), |index| index.time_index_problems(base))?;
        }
        Ok(())
    }

    fn totals(&mut self) -> Result<(), Error> {
        let Summary { segments, batches, records, problems } = self.summary;
        let verdict = match problems {
            0 => "ok".to_owned(),
            1 => "1 problem".to_owned(),
            n => format!("{n} problems"),
        };
        let segments = if segments == 1 { "1 segment".to_owned() } else { format!("{segments} segments") };
        say!(self, "{segments}, {batches} batches, {records} records: {verdict}")
    }
}

/// Why a torn tail is not always damage.
const TORN_NOTE: &str = " (on a running broker, an append in progress; otherwise the next start cuts the log here)";

/// Running totals of one segment's scan.
struct Scan {
    position: u64,
    next_offset: i64,
    batches: u64,
    records: u64,
    offsets: Option<(i64, i64)>,
    timestamps: Option<(i64, i64)>,
}

impl Scan {
    fn add(&mut self, header: &BatchHeader<'_>) {
        self.batches += 1;
        self.records += u64::try_from(header.record_count()).unwrap_or(0);
        let (first, last) = (header.base_offset(), header.last_offset());
        self.offsets = Some(self.offsets.map_or((first, last), |(lo, hi)| (lo.min(first), hi.max(last))));
        self.next_offset = last + 1;
        // -1 means "no timestamp" (pre-0.10 clients); it has no place in a range.
        if header.max_timestamp() >= 0 {
            let low = if header.base_timestamp() >= 0 { header.base_timestamp() } else { header.max_timestamp() };
            let high = header.max_timestamp();
            self.timestamps = Some(self.timestamps.map_or((low, high), |(lo, hi)| (lo.min(low), hi.max(high))));
        }
    }

    fn describe(&self) -> String {
        let offsets = self.offsets.map_or_else(|| "no offsets".to_owned(), |(lo, hi)| format!("offsets {lo}..={hi}"));
        let timestamps = self.timestamps.map_or_else(String::new, |(lo, hi)| {
            format!(", timestamps {lo}..={hi} ({} .. {})", iso8601(lo), iso8601(hi))
        });
        format!("{} batches, {} records, {offsets}{timestamps}", self.batches, self.records)
    }
}

/// The entries of an index file as bytes on disk.
struct IndexEntries {
    raw: Vec<u8>,
    entry_size: usize,
    /// Entries before the zeroed tail.
    used: usize,
    /// Zeroed entries at the end: the active segment's index is pre-allocated
    /// and zero-filled. An all-zero entry never names a real batch, because a
    /// segment's first batch is never indexed (Kafka's rule too).
    preallocated: usize,
    /// Bytes past the last whole entry.
    partial: u64,
}

impl IndexEntries {
    fn read(path: &Path, entry_size: usize) -> Result<Option<Self>, Error> {
        let raw = match std::fs::read(path) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path)(e)),
        };
        let whole = raw.len() / entry_size;
        let zeroed =
            raw[..whole * entry_size].chunks_exact(entry_size).rev().take_while(|e| e.iter().all(|&b| b == 0)).count();
        let partial = layout::partial_entry_bytes(raw.len() as u64, entry_size);
        Ok(Some(Self { entry_size, used: whole - zeroed, preallocated: zeroed, partial, raw }))
    }

    fn entry(&self, n: usize) -> &[u8] {
        &self.raw[n * self.entry_size..(n + 1) * self.entry_size]
    }

    /// (offset, position) of an offset index entry.
    fn offset_entry(&self, n: usize, base: i64) -> (i64, u64) {
        layout::decode_offset_entry(base, self.entry(n))
    }

    /// (timestamp, offset) of a time index entry.
    fn time_entry(&self, n: usize, base: i64) -> (i64, i64) {
        layout::decode_time_entry(base, self.entry(n))
    }

    fn partial_problem(&self, kind: &str) -> Option<String> {
        (self.partial > 0).then(|| format!("{kind}: {} bytes past the last whole entry", self.partial))
    }

    /// Binary search needs entries that strictly increase in offset and position.
    fn offset_index_problems(&self, base: i64) -> Vec<String> {
        let mut problems: Vec<String> = self.partial_problem("index").into_iter().collect();
        for n in 1..self.used {
            let (prev, entry) = (self.offset_entry(n - 1, base), self.offset_entry(n, base));
            if !layout::offset_entry_follows(prev, entry) {
                let ((prev_offset, prev_position), (offset, position)) = (prev, entry);
                problems.push(format!(
                    "index entry {n} (offset {offset}, position {position}) does not follow entry {} \
                     (offset {prev_offset}, position {prev_position})",
                    n - 1
                ));
            }
        }
        problems
    }

    fn time_index_problems(&self, base: i64) -> Vec<String> {
        let mut problems: Vec<String> = self.partial_problem("timeindex").into_iter().collect();
        for n in 1..self.used {
            let (prev, entry) = (self.time_entry(n - 1, base), self.time_entry(n, base));
            if !layout::time_entry_follows(prev, entry) {
                let ((prev_ts, prev_offset), (ts, offset)) = (prev, entry);
                problems.push(format!(
                    "timeindex entry {n} (timestamp {ts}, offset {offset}) does not follow entry {} \
                     (timestamp {prev_ts}, offset {prev_offset})",
                    n - 1
                ));
            }
        }
        problems
    }
}

fn sorted<K: Ord, V>(map: HashMap<K, V>) -> Vec<(K, V)> {
    let mut entries: Vec<(K, V)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

fn codec_name(codec: i16) -> &'static str {
    match codec {
        0 => "none",
        1 => "gzip",
        2 => "snappy",
        3 => "lz4",
        4 => "zstd",
        _ => "unknown",
    }
}

/// A key or value as text when it is UTF-8, else as hex; long ones cut short.
fn preview(bytes: Option<&[u8]>) -> String {
    const MAX_CHARS: usize = 60;
    let Some(bytes) = bytes else { return "null".to_owned() };
    let (shown, cut) = match std::str::from_utf8(bytes) {
        Ok(text) => {
            let shown: String = text.chars().take(MAX_CHARS).collect();
            let cut = shown.len() < text.len();
            (format!("{shown:?}"), cut)
        }
        Err(_) => {
            let hex: String = bytes.iter().take(MAX_CHARS / 2).map(|b| format!("{b:02x}")).collect();
            (format!("0x{hex}"), bytes.len() > MAX_CHARS / 2)
        }
    };
    if cut {
        format!("{shown}... ({} bytes)", bytes.len())
    } else {
        shown
    }
}

/// Milliseconds since the epoch as UTC ISO 8601, by the civil-from-days
/// algorithm (H. Hinnant), to spare a date-time dependency for one line of output.
fn iso8601(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn previews_quote_text_and_hex_binary() {
        assert_eq!(preview(None), "null");
        assert_eq!(preview(Some(b"hi \"you\"")), r#""hi \"you\"""#);
        assert_eq!(preview(Some(&[0xff, 0x00])), "0xff00");
        assert_eq!(preview(Some("x".repeat(100).as_bytes())), format!("{:?}... (100 bytes)", "x".repeat(60)));
    }
}
