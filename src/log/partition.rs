//! The partition: an ordered list of segments, the last one active.
//!
//! One writer at a time appends (the `writer` mutex), rolls and applies retention;
//! readers take the segment list's read lock only long enough to clone an `Arc` to
//! the segment they need, then read it without further coordination. Appends
//! publish the new log end offset on a `watch` channel, which is what wakes
//! long-polling fetches. The configuration lives under the writer lock too, so
//! a topic's configs change on a live log (`set_config`) at no cost to appends.
//!
//! Durability follows Kafka's flush policy (`flush.messages`, `flush.ms`): by
//! default the page cache holds new data; a rolled segment is fsynced in the
//! background (`flusher`), after which the recovery point moves past it, and the
//! active one on clean shutdown. After an unclean stop, every segment from the
//! recovery point on is re-validated batch by batch and cut at the first torn or
//! corrupt batch; a clean stop leaves a marker that lets the next start skip that
//! scan.
//!
//! The log start offset is where reading may begin: the first segment's base
//! offset, or further on once DeleteRecords moved it (Kafka's
//! `maybeIncrementLogStartOffset`). Records before it are hidden at once; the
//! segments wholly below it are deleted right after, and retention deletes any
//! that a later roll leaves wholly below it. A start inside the first segment is
//! not in that segment's files: whoever moves it keeps it durable (the data
//! dir's `log-start-offset-checkpoint`, as Kafka does) and hands it back to
//! `open_with_start`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::watch;

use super::batch::{self, BatchHeader};
use super::flusher::{self, Flusher};
use super::layout::{self, CLEAN_SHUTDOWN_FILE, RECOVERY_POINT_FILE};
use super::leader_epoch;
use super::producer_state::{ActiveProducer, Check, ProducerStates};
use super::records;
use super::segment::{Segment, SegmentConfig};
use super::validate::{self, TimestampRules};
use super::Error;
use crate::durable;

/// Log settings, each mirroring the Kafka broker setting named beside it.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// `log.segment.bytes`: roll when the active segment would grow past this.
    pub segment_bytes: u64,
    /// `log.roll.ms`: roll when the active segment spans more time than this.
    pub segment_ms: i64,
    /// `log.retention.bytes`: delete old segments beyond this total size; -1 = no limit.
    pub retention_bytes: i64,
    /// `log.retention.ms`: delete segments whose newest record is older; -1 = forever.
    pub retention_ms: i64,
    /// `log.flush.interval.messages`: fsync after this many messages.
    pub flush_interval_messages: u64,
    /// `log.flush.interval.ms`: fsync when unflushed data is this old; None = never.
    pub flush_interval_ms: Option<u64>,
    /// `log.index.interval.bytes`: log bytes between two index entries.
    pub index_interval_bytes: u64,
    /// `log.index.size.max.bytes`: the size each index is pre-allocated to.
    pub index_max_bytes: usize,
    /// `log.message.timestamp.type`: whose clock the log's timestamps are on.
    pub timestamp_type: TimestampType,
    /// `log.message.timestamp.before.max.ms`: how far before the broker's clock a
    /// CreateTime record may be. The log's own default is no limit (Kafka 4's
    /// default too); topics set it from their configs.
    pub timestamp_before_max_ms: i64,
    /// `log.message.timestamp.after.max.ms`: how far after the broker's clock a
    /// CreateTime record may be. The log's own default is no limit, so that a log
    /// opened without a topic (tests, tools) takes any clock; topics bring Kafka
    /// 4's default of one hour (`topics::config`).
    pub timestamp_after_max_ms: i64,
}

/// Kafka's `message.timestamp.type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimestampType {
    /// The producer's timestamps are kept as they are.
    #[default]
    CreateTime,
    /// Every batch is stamped with the broker's clock on append (see
    /// `batch::set_log_append_time`), and the time index and retention go by it.
    LogAppendTime,
}

impl TimestampType {
    /// The config value that names it.
    pub fn name(self) -> &'static str {
        match self {
            TimestampType::CreateTime => "CreateTime",
            TimestampType::LogAppendTime => "LogAppendTime",
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            segment_bytes: 1 << 30,
            segment_ms: 7 * 24 * 3600 * 1000,
            retention_bytes: -1,
            retention_ms: 7 * 24 * 3600 * 1000,
            flush_interval_messages: u64::MAX,
            flush_interval_ms: None,
            index_interval_bytes: 4096,
            index_max_bytes: 10 << 20,
            timestamp_type: TimestampType::CreateTime,
            timestamp_before_max_ms: i64::MAX,
            timestamp_after_max_ms: i64::MAX,
        }
    }
}

impl LogConfig {
    /// What record validation needs of the configuration.
    pub fn timestamp_rules(&self) -> TimestampRules {
        TimestampRules {
            timestamp_type: self.timestamp_type,
            before_max_ms: self.timestamp_before_max_ms,
            after_max_ms: self.timestamp_after_max_ms,
        }
    }
}

/// Where an appended batch landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendInfo {
    pub base_offset: i64,
    pub last_offset: i64,
    pub log_start_offset: i64,
    /// The Produce response's `log_append_time_ms`: the clock the batch was
    /// stamped with under LogAppendTime, -1 under CreateTime. A retried batch
    /// answers what Kafka answers, the maxTimestamp it was first appended with
    /// (whichever the timestamp type; -1 if the log no longer knows it).
    pub log_append_time_ms: i64,
}

/// An (offset, timestamp) answer for ListOffsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetLookup {
    pub offset: i64,
    pub timestamp: i64,
    /// The partition leader epoch of the batch found, as Kafka answers it: none
    /// for a batch that carries none (written before strand stamped epochs).
    pub leader_epoch: Option<i32>,
}

/// What opening the log found, for the startup log line.
#[derive(Debug, Default)]
pub struct OpenReport {
    pub clean: bool,
    pub segments: usize,
    pub recovered_segments: usize,
    pub truncated_bytes: u64,
    pub elapsed_ms: f64,
}

pub struct Log {
    dir: PathBuf,
    segments: RwLock<Vec<Arc<Segment>>>,
    writer: Mutex<Writer>,
    end_offset: watch::Sender<i64>,
    /// Kafka's log start offset (see the module doc); only moves forward, under
    /// the writer lock.
    start_offset: AtomicI64,
    /// fsyncs rolled segments and moves the recovery point, off the append path.
    flusher: Flusher,
}

struct Writer {
    /// The live configuration: it sits under the lock every append already takes,
    /// so `set_config` costs the append path nothing.
    config: LogConfig,
    /// Idempotent producers' last batches; changed only with the writer lock held.
    producers: ProducerStates,
    unflushed_messages: u64,
    last_flush_ms: i64,
    closed: bool,
    /// The clean-shutdown marker the log opened with is still there: nothing has
    /// been appended since, so the files are as the clean stop left them.
    clean_marker: bool,
}

impl Log {
    pub fn open(dir: &Path, config: LogConfig, now_ms: i64) -> Result<(Self, OpenReport), Error> {
        Self::open_with_start(dir, config, now_ms, 0)
    }

    /// Opens the log with the log start offset a checkpoint kept: the log starts
    /// there or at its first segment's base offset, whichever is later. A log
    /// that ends before it (a crash took a tail that DeleteRecords had already
    /// passed) has every segment deleted and starts empty at it, as Kafka's
    /// `LogLoader` does, so offsets never go back below a start once answered.
    pub fn open_with_start(
        dir: &Path,
        config: LogConfig,
        now_ms: i64,
        checkpointed_start: i64,
    ) -> Result<(Self, OpenReport), Error> {
        let started = Instant::now();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let marker = dir.join(CLEAN_SHUTDOWN_FILE);
        let clean = marker.exists();
        let recovery_point = if clean { i64::MAX } else { read_recovery_point(dir) };
        let seg_config = SegmentConfig {
            index_interval_bytes: config.index_interval_bytes,
            index_max_bytes: config.index_max_bytes,
        };

        let bases = layout::segment_bases(dir).map_err(|e| Error::io(dir, e))?;
        let mut report = OpenReport { clean, ..OpenReport::default() };
        let mut segments: Vec<Arc<Segment>> = Vec::with_capacity(bases.len().max(1));
        for (i, &base) in bases.iter().enumerate() {
            let last = i + 1 == bases.len();
            // One segment follows another: the one before is sealed, and its
            // descriptor goes to the shared cache before the next file opens.
            if let Some(before) = segments.last() {
                before.release_files();
            }
            let segment = Segment::open(dir, base, seg_config, now_ms)?;
            let needs_recovery = (!clean && (last || base >= recovery_point)) || !segment.load()?;
            if needs_recovery {
                segment.activate()?;
                let recovered = segment.recover()?;
                report.recovered_segments += 1;
                report.truncated_bytes += recovered.truncated_bytes;
                if !last {
                    segment.seal()?;
                }
                if recovered.truncated_bytes > 0 {
                    tracing::warn!(
                        segment = base,
                        kept_bytes = recovered.valid_bytes,
                        truncated_bytes = recovered.truncated_bytes,
                        "truncated a torn or corrupt tail"
                    );
                }
                // Offsets after a cut cannot follow on: drop the later segments, as Kafka does.
                if recovered.truncated_bytes > 0 && !last {
                    segments.push(Arc::new(segment));
                    for &later in &bases[i + 1..] {
                        Segment::open(dir, later, seg_config, now_ms)?.delete()?;
                    }
                    break;
                }
            }
            segments.push(Arc::new(segment));
        }
        if segments.is_empty() {
            segments.push(Arc::new(Segment::open(dir, 0, seg_config, now_ms)?));
        }
        let active = segments.last().expect("the log always has an active segment");
        active.activate()?;
        let mut end = active.next_offset();
        if end < checkpointed_start {
            tracing::warn!(
                dir = %dir.display(),
                log_end_offset = end,
                log_start_offset = checkpointed_start,
                "the log ends before its checkpointed start offset; deleting every segment"
            );
            start_empty_at(dir, &mut segments, checkpointed_start, seg_config, now_ms)?;
            end = checkpointed_start;
        }
        let start = checkpointed_start.max(segments[0].base_offset());

        // The marker stays until the first append (`append` removes it): a log
        // that takes no records keeps trusting its files, so opening and closing
        // a thousand idle partitions costs no fsync each. Activating the active
        // segment pre-allocated its indexes; should the broker crash with them so,
        // the zero entries fail the next start's index check and that segment is
        // recovered, marker or not.
        report.segments = segments.len();
        let producers = load_producer_states(dir, &segments, end)?;
        report.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let log = Self {
            dir: dir.to_owned(),
            segments: RwLock::new(segments),
            writer: Mutex::new(Writer {
                config,
                producers,
                unflushed_messages: 0,
                last_flush_ms: now_ms,
                closed: false,
                clean_marker: clean,
            }),
            end_offset: watch::Sender::new(end),
            start_offset: AtomicI64::new(start),
            flusher: Flusher::new(dir),
        };
        Ok((log, report))
    }

    /// Validates `batch` as Kafka validates a producer's (`validate`: the header,
    /// every record, the timestamps under the configured rules) and appends it at
    /// the log end offset. On any error the log is as it was. The validation, and
    /// the header rewrite it may call for, run before the writer lock is taken, so
    /// decompressing a large batch holds up no other append to this partition.
    pub fn append(&self, batch: &[u8], now_ms: i64) -> Result<AppendInfo, Error> {
        let rules = self.writer().config.timestamp_rules();
        let validated = validate::validate(batch, &rules, now_ms)?;
        // The client's bytes go to the file untouched unless the header must be
        // rewritten (LogAppendTime, or a max timestamp that is not the records'):
        // then a copy is, and everything below (roll, indexes, producer state)
        // sees the rewritten batch, as Kafka's does.
        let rewritten;
        let (batch, header) = match validated.header_rewrite(rules.timestamp_type, now_ms) {
            None => (batch, validated.header),
            Some((timestamp_type, max_timestamp)) => {
                let mut copy = batch.to_vec();
                batch::set_max_timestamp(&mut copy, timestamp_type, max_timestamp);
                rewritten = copy;
                (&rewritten[..], BatchHeader::new(&rewritten)?)
            }
        };
        let log_append_time_ms = match rules.timestamp_type {
            TimestampType::CreateTime => -1,
            TimestampType::LogAppendTime => now_ms,
        };
        let mut writer = self.writer();
        let LogConfig { segment_bytes, segment_ms, .. } = writer.config;
        if header.size() as u64 > segment_bytes {
            return Err(Error::BatchLargerThanSegment { size: header.size() as u64, segment_bytes });
        }
        if writer.closed {
            return Err(Error::Closed);
        }
        if let Check::Duplicate { first_offset, last_offset, timestamp } = writer.producers.check(&header)? {
            return Ok(AppendInfo {
                base_offset: first_offset,
                last_offset,
                log_start_offset: self.start_offset(),
                log_append_time_ms: timestamp,
            });
        }
        if writer.clean_marker {
            // From here on a crash must not look like a clean shutdown.
            let marker = self.dir.join(CLEAN_SHUTDOWN_FILE);
            std::fs::remove_file(&marker).map_err(|e| Error::io(&marker, e))?;
            durable::sync_dir(&self.dir)?;
            writer.clean_marker = false;
        }
        let mut active = self.active();
        if active.should_roll(&header, segment_bytes, segment_ms, now_ms) {
            active = self.roll(&active, &writer, now_ms)?;
        }
        let base_offset = active.next_offset();
        active.append(base_offset, leader_epoch::LEADER_EPOCH, batch)?;
        writer.producers.record(&header, base_offset);
        let last_offset = base_offset + i64::from(header.last_offset_delta());
        // Published before the fsync: the batch is in the log whether or not the
        // fsync succeeds, and the end offset must never lag the segment's.
        self.end_offset.send_replace(last_offset + 1);

        writer.unflushed_messages += u64::from(header.record_count() as u32);
        if writer.unflushed_messages >= writer.config.flush_interval_messages {
            active.flush()?;
            writer.unflushed_messages = 0;
            writer.last_flush_ms = now_ms;
        }
        Ok(AppendInfo { base_offset, last_offset, log_start_offset: self.start_offset(), log_append_time_ms })
    }

    /// The idempotent producers the log knows, as of now (DescribeProducers).
    pub fn active_producers(&self) -> Vec<ActiveProducer> {
        self.writer().producers.active()
    }

    /// The configuration in force.
    pub fn config(&self) -> LogConfig {
        self.writer().config.clone()
    }

    /// Replaces the configuration without reopening the log (a topic's configs
    /// changed at run time). Each setting takes effect at its next use: the
    /// timestamp type and `segment_bytes` at the next append, `segment_ms` and the
    /// flush policy at their next check, retention at the next `apply_retention`;
    /// `index_interval_bytes` and `index_max_bytes` with the next segment, as in
    /// Kafka, where a segment keeps the index settings it was created with.
    pub fn set_config(&self, config: LogConfig) {
        self.writer().config = config;
    }

    /// The first offset still in the log (Kafka's log start offset).
    pub fn start_offset(&self) -> i64 {
        self.start_offset.load(Ordering::Acquire)
    }

    /// The base offset of the first segment: the log start offset, or before it
    /// when the start is inside that segment.
    pub fn first_segment_base(&self) -> i64 {
        self.segments_read()[0].base_offset()
    }

    /// Moves the log start offset forward to `offset` (DeleteRecords): the
    /// records before it are gone for every reader from here on. Beyond the log
    /// end offset (the high watermark on one replica) or negative is out of
    /// range; at or before the current start changes nothing. Returns the log
    /// start offset after. The segments wholly below it stay until
    /// `delete_segments_below_start`, so that the caller can make the new start
    /// durable first.
    pub fn advance_start(&self, offset: i64) -> Result<i64, Error> {
        let writer = self.writer();
        if writer.closed {
            return Err(Error::Closed);
        }
        let (start, end) = (self.start_offset(), self.end_offset());
        if offset < 0 || offset > end {
            return Err(Error::OffsetOutOfRange { offset, start, end });
        }
        if offset > start {
            self.start_offset.store(offset, Ordering::Release);
        }
        Ok(self.start_offset())
    }

    /// Deletes the sealed segments wholly below the log start offset (those the
    /// next segment's base offset is at or before); returns their base offsets.
    pub fn delete_segments_below_start(&self) -> Result<Vec<i64>, Error> {
        let _writer = self.writer();
        let count = self.segments_below_start();
        self.delete_oldest(count)
    }

    /// The offset the next append gets: also the high watermark on one replica.
    pub fn end_offset(&self) -> i64 {
        *self.end_offset.borrow()
    }

    /// A receiver that changes whenever the log end offset moves.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.end_offset.subscribe()
    }

    pub fn size_bytes(&self) -> u64 {
        self.segments_read().iter().map(|s| s.size()).sum()
    }

    pub fn segment_count(&self) -> usize {
        self.segments_read().len()
    }

    /// Whole batches from the one holding `offset`, up to `max_bytes` (but at least
    /// one batch when `min_one`). Reading at the log end offset yields nothing.
    pub fn read(&self, offset: i64, max_bytes: u64, min_one: bool) -> Result<Bytes, Error> {
        let (start, end) = (self.start_offset(), self.end_offset());
        if offset < start || offset > end {
            return Err(Error::OffsetOutOfRange { offset, start, end });
        }
        // Only a segment that ends at or before `offset` passes the read on; one
        // that holds `offset` answers alone, even with nothing (a first batch
        // larger than `max_bytes` without `min_one`), or a later segment's batches
        // would come back in place of the one asked for.
        for segment in self.segments_from(offset) {
            if segment.next_offset() > offset {
                return segment.read(offset, max_bytes, min_one);
            }
        }
        Ok(Bytes::new())
    }

    /// The first record whose timestamp is >= `timestamp` (Kafka's offsetsForTimes).
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Result<Option<OffsetLookup>, Error> {
        let segments = self.segments_read().clone();
        let start = self.start_offset();
        for segment in segments.iter().filter(|s| s.max_timestamp() >= timestamp) {
            if let Some((offset, timestamp, epoch)) = segment.find_by_timestamp(timestamp, start)? {
                // Kafka's FileRecords.searchForTimestamp: only -1 means "no epoch".
                let leader_epoch = (epoch != leader_epoch::NO_EPOCH).then_some(epoch);
                return Ok(Some(OffsetLookup { offset, timestamp, leader_epoch }));
            }
        }
        Ok(None)
    }

    /// The record with the largest timestamp (the first one, on ties), as KIP-734's
    /// ListOffsets `-3` asks.
    pub fn max_timestamp(&self) -> Result<Option<OffsetLookup>, Error> {
        let segments = self.segments_read().clone();
        let Some(segment) =
            segments.iter().filter(|s| s.max_timestamp() >= 0).max_by_key(|s| (s.max_timestamp(), -s.base_offset()))
        else {
            return Ok(None);
        };
        let (timestamp, batch_offset) = (segment.max_timestamp(), segment.offset_of_max_timestamp());
        let found = segment.batch_at(batch_offset)?;
        // Kafka's RecordBatch.offsetOfMaxTimestamp: the batch's first record carrying
        // its max timestamp, decompressed if need be.
        let exact = found.as_ref().and_then(|b| {
            match records::find_record(b, i64::MIN, records::DEFAULT_DECOMPRESSED_LIMIT, |t| t == timestamp) {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(offset = batch_offset, error = %e, "max timestamp lookup cannot read a batch's records");
                    None
                }
            }
        });
        let offset = exact.map_or(batch_offset, |(offset, _)| offset);
        // Kafka's UnifiedLog answers -3 with the batch's epoch when it is >= 0.
        let epoch = found.as_ref().and_then(|b| BatchHeader::new(b).ok()).map(|h| h.partition_leader_epoch());
        Ok(Some(OffsetLookup { offset, timestamp, leader_epoch: epoch.filter(|e| *e >= 0) }))
    }

    /// Deletes the oldest sealed segments that `retention_ms` or `retention_bytes`
    /// say must go, or that are wholly below the log start offset, never the
    /// active one; returns their base offsets. The log start moves up to the
    /// first segment left.
    pub fn apply_retention(&self, now_ms: i64) -> Result<Vec<i64>, Error> {
        let writer = self.writer();
        let (retention_ms, retention_bytes) = (writer.config.retention_ms, writer.config.retention_bytes);
        let segments = self.segments_read().clone();
        let sealed = &segments[..segments.len() - 1];
        let mut expired = self.segments_below_start();
        if retention_ms >= 0 {
            expired = sealed
                .iter()
                .take_while(|s| s.max_timestamp() >= 0 && now_ms - s.max_timestamp() > retention_ms)
                .count();
        }
        if retention_bytes >= 0 {
            let mut excess = segments.iter().map(|s| s.size() as i64).sum::<i64>() - retention_bytes;
            let over_size = sealed
                .iter()
                .take_while(|s| {
                    excess -= s.size() as i64;
                    excess >= 0
                })
                .count();
            expired = expired.max(over_size);
        }
        self.delete_oldest(expired)
    }

    /// How many sealed segments from the first are wholly below the log start.
    fn segments_below_start(&self) -> usize {
        let start = self.start_offset();
        self.segments_read().windows(2).take_while(|pair| pair[1].base_offset() <= start).count()
    }

    /// Deletes the first `count` segments, all sealed, and moves the log start
    /// up to the first one left. The caller holds the writer lock.
    fn delete_oldest(&self, count: usize) -> Result<Vec<i64>, Error> {
        if count == 0 {
            return Ok(Vec::new());
        }
        // A just-rolled segment may still be queued for its fsync: deleting its
        // files under the flusher would fail the flush, and with it the
        // recovery point for the rest of the process.
        if let Err(e) = self.flusher.wait() {
            tracing::debug!(dir = %self.dir.display(), error = %e, "a flush had failed before deleting segments");
        }
        let removed: Vec<Arc<Segment>> = {
            let mut segments = self.segments_write();
            let count = count.min(segments.len() - 1);
            let removed = segments.drain(..count).collect();
            self.start_offset.fetch_max(segments[0].base_offset(), Ordering::AcqRel);
            removed
        };
        let mut bases = Vec::with_capacity(removed.len());
        for segment in removed {
            segment.delete()?;
            bases.push(segment.base_offset());
        }
        Ok(bases)
    }

    /// fsyncs the active segment when `flush_interval_ms` says unflushed data is due.
    pub fn flush_if_due(&self, now_ms: i64) -> Result<(), Error> {
        let mut writer = self.writer();
        let Some(interval) = writer.config.flush_interval_ms else { return Ok(()) };
        if writer.closed || writer.unflushed_messages == 0 || now_ms - writer.last_flush_ms < interval as i64 {
            return Ok(());
        }
        self.active().flush()?;
        writer.unflushed_messages = 0;
        writer.last_flush_ms = now_ms;
        Ok(())
    }

    /// Blocks until every rolled segment is fsynced and the recovery point is past
    /// it. `close` does this itself; tests use it to crash a log whose rolls have
    /// all been made durable. Fails if a flush has failed since the log opened.
    pub fn wait_for_rolled_flushes(&self) -> Result<(), Error> {
        self.flusher.wait()
    }

    /// Clean shutdown: wait for the rolled segments' flushes, seal the active
    /// segment, record the recovery point and leave the marker that lets the next
    /// start trust the files. Appends fail afterwards. After a failed flush neither
    /// the recovery point nor the marker is written: the next start re-validates.
    pub fn close(&self) -> Result<(), Error> {
        let mut writer = self.writer();
        if writer.closed {
            return Ok(());
        }
        writer.closed = true;
        if writer.clean_marker {
            // Untouched since a clean open: only the indexes' pre-allocation to undo.
            return self.active().trim_indexes();
        }
        let rolled = self.flusher.wait();
        self.active().seal()?;
        write_producer_snapshot(&self.dir, self.end_offset(), &writer.producers.encode())?;
        rolled?;
        durable::write_durably(&self.dir.join(RECOVERY_POINT_FILE), self.end_offset().to_string().as_bytes())?;
        durable::write_durably(&self.dir.join(CLEAN_SHUTDOWN_FILE), b"")?;
        Ok(())
    }

    /// The topic is being deleted: appends fail from now on, the flusher's
    /// queued work is done before the directory is renamed under it, and every
    /// long poll waiting on this log wakes up to find the topic gone. Nothing
    /// is written: the files are about to be removed.
    pub fn close_for_delete(&self) {
        let mut writer = self.writer();
        writer.closed = true;
        if let Err(e) = self.flusher.wait() {
            tracing::debug!(dir = %self.dir.display(), error = %e, "flush failed on a deleted partition");
        }
        self.end_offset.send_modify(|_| {});
    }

    /// Starts a new segment at `active`'s next offset and leaves the fsync of
    /// `active`, the producer snapshot and the recovery point to the flusher: none
    /// of that I/O happens under the writer lock the caller holds.
    /// `now_ms` is the append's clock: the new segment's age is measured on it.
    fn roll(&self, active: &Arc<Segment>, writer: &Writer, now_ms: i64) -> Result<Arc<Segment>, Error> {
        active.trim_indexes()?;
        let seg_config = SegmentConfig {
            index_interval_bytes: writer.config.index_interval_bytes,
            index_max_bytes: writer.config.index_max_bytes,
        };
        let next = Arc::new(Segment::open(&self.dir, active.next_offset(), seg_config, now_ms)?);
        next.activate()?;
        self.segments_write().push(next.clone());
        active.release_files();
        // Producer state as of the new segment's base, so recovery replays one segment at most.
        self.flusher.submit(flusher::Job {
            segment: active.clone(),
            producer_snapshot: writer.producers.encode(),
            recovery_point: next.base_offset(),
        });
        tracing::debug!(base_offset = next.base_offset(), "rolled to a new segment");
        Ok(next)
    }

    fn active(&self) -> Arc<Segment> {
        self.segments_read().last().expect("the log always has an active segment").clone()
    }

    /// The segment holding `offset` and every later one.
    fn segments_from(&self, offset: i64) -> Vec<Arc<Segment>> {
        let segments = self.segments_read();
        let first = segments.partition_point(|s| s.base_offset() <= offset).saturating_sub(1);
        segments[first..].to_vec()
    }

    fn segments_read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<Segment>>> {
        self.segments.read().unwrap_or_else(|e| e.into_inner())
    }

    fn segments_write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<Segment>>> {
        self.segments.write().unwrap_or_else(|e| e.into_inner())
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        // Best effort; an unclean close only costs a recovery scan at the next start.
        if let Err(e) = self.close() {
            tracing::error!(error = %e, "closing the log failed");
        }
    }
}

fn snapshot_offsets(dir: &Path) -> Result<Vec<i64>, Error> {
    layout::snapshot_offsets(dir).map_err(|e| Error::io(dir, e))
}

/// Writes the producer-state snapshot (`ProducerStates::encode`) as of `offset`
/// and removes the others.
pub(super) fn write_producer_snapshot(dir: &Path, offset: i64, snapshot: &[u8]) -> Result<(), Error> {
    durable::write_durably(&dir.join(layout::snapshot_file_name(offset)), snapshot)?;
    for old in snapshot_offsets(dir)?.into_iter().filter(|&o| o != offset) {
        let path = dir.join(layout::snapshot_file_name(old));
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Producer state at `end`: the newest usable snapshot at or below it, then every
/// batch header after the snapshot (the whole log when there is none), as Kafka
/// rebuilds it. A snapshot past `end` (the log was cut in recovery) is ignored.
fn load_producer_states(dir: &Path, segments: &[Arc<Segment>], end: i64) -> Result<ProducerStates, Error> {
    let mut from = segments[0].base_offset();
    let mut states = ProducerStates::default();
    for offset in snapshot_offsets(dir)?.into_iter().rev().filter(|&o| o <= end && o >= from) {
        let path = dir.join(layout::snapshot_file_name(offset));
        if let Some(loaded) = std::fs::read(&path).ok().and_then(|b| ProducerStates::decode(&b)) {
            states = loaded;
            from = offset;
            break;
        }
        tracing::warn!(path = %path.display(), "ignoring an unreadable producer snapshot");
    }
    let first = segments.partition_point(|s| s.base_offset() <= from).saturating_sub(1);
    for segment in &segments[first..] {
        segment.for_each_batch(from, |header| {
            if header.last_offset() >= from {
                states.record(header, header.base_offset());
            }
        })?;
    }
    Ok(states)
}

/// Replaces every segment with one empty segment at `start`, and drops the
/// producer snapshots, which describe offsets the log no longer has.
fn start_empty_at(
    dir: &Path,
    segments: &mut Vec<Arc<Segment>>,
    start: i64,
    config: SegmentConfig,
    now_ms: i64,
) -> Result<(), Error> {
    for segment in segments.drain(..) {
        segment.delete()?;
    }
    for offset in snapshot_offsets(dir)? {
        let path = dir.join(layout::snapshot_file_name(offset));
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
    }
    let fresh = Segment::open(dir, start, config, now_ms)?;
    fresh.activate()?;
    segments.push(Arc::new(fresh));
    durable::sync_dir(dir)?;
    Ok(())
}

fn read_recovery_point(dir: &Path) -> i64 {
    std::fs::read_to_string(dir.join(RECOVERY_POINT_FILE)).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}
