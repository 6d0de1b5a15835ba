//! A read-only view over one record batch in Kafka's v2 ("magic 2") format.
//!
//! The broker never decodes individual records on the produce or fetch path: it
//! checks the 61-byte batch header and the CRC32C, patches the base offset, and
//! moves the bytes. Layout (all big-endian), from the Kafka protocol guide:
//!
//! ```text
//! 0  baseOffset i64        8  batchLength i32      12 partitionLeaderEpoch i32
//! 16 magic i8              17 crc u32 (CRC32C of bytes 21..end)
//! 21 attributes i16        23 lastOffsetDelta i32  27 baseTimestamp i64
//! 35 maxTimestamp i64      43 producerId i64       51 producerEpoch i16
//! 53 baseSequence i32      57 recordCount i32      61 records...
//! ```
//! `batchLength` counts the bytes after itself, so a batch occupies
//! `12 + batchLength` bytes. The base offset and the partition leader epoch lie
//! outside the CRC (Kafka's `DefaultRecordBatch` checksums from the attributes on),
//! which is why the log can assign the one and stamp the other without touching
//! the checksum.

use super::Error;

/// Bytes of the v2 batch header, up to and including the record count.
pub const HEADER_LEN: usize = 61;
/// Bytes before `batchLength`'s payload: baseOffset + batchLength.
pub const LOG_OVERHEAD: usize = 12;

const PARTITION_LEADER_EPOCH: usize = 12;
const MAGIC: usize = 16;
const CRC: usize = 17;
const ATTRIBUTES: usize = 21;
const LAST_OFFSET_DELTA: usize = 23;
const BASE_TIMESTAMP: usize = 27;
const MAX_TIMESTAMP: usize = 35;
const PRODUCER_ID: usize = 43;
const PRODUCER_EPOCH: usize = 51;
const BASE_SEQUENCE: usize = 53;
const RECORD_COUNT: usize = 57;

/// Attribute bits 0-2: the compression codec (none, gzip, snappy, lz4, zstd).
const CODEC_MASK: i16 = 0x07;
/// Attribute bit 3: timestamps are log-append time rather than create time.
const TIMESTAMP_TYPE_BIT: i16 = 0x08;

/// A validated or to-be-validated batch header over borrowed bytes.
#[derive(Clone, Copy)]
pub struct BatchHeader<'a>(&'a [u8]);

impl<'a> BatchHeader<'a> {
    /// Reads the size of the batch that starts at `buf` without validating it.
    /// Returns `None` when fewer than 12 bytes are available.
    pub fn peek_size(buf: &[u8]) -> Option<i64> {
        if buf.len() < LOG_OVERHEAD {
            return None;
        }
        Some(LOG_OVERHEAD as i64 + i64::from(read_i32(buf, 8)))
    }

    /// Wraps the header of the batch starting at `buf[0]`; `buf` must hold at least
    /// the full header.
    pub fn new(buf: &'a [u8]) -> Result<Self, Error> {
        if buf.len() < HEADER_LEN {
            return Err(Error::CorruptBatch("batch shorter than its header"));
        }
        Ok(Self(buf))
    }

    pub fn base_offset(&self) -> i64 {
        read_i64(self.0, 0)
    }
    /// Total bytes the batch occupies, header included.
    pub fn size(&self) -> i64 {
        LOG_OVERHEAD as i64 + i64::from(read_i32(self.0, 8))
    }
    /// The epoch of the leader that appended the batch; -1 (Kafka's
    /// NO_PARTITION_LEADER_EPOCH) or whatever the producer sent in batches a
    /// strand before leader epochs stored as they came.
    pub fn partition_leader_epoch(&self) -> i32 {
        read_i32(self.0, PARTITION_LEADER_EPOCH)
    }
    pub fn magic(&self) -> i8 {
        self.0[MAGIC] as i8
    }
    pub fn crc(&self) -> u32 {
        u32::from_be_bytes(self.0[CRC..CRC + 4].try_into().expect("4-byte slice"))
    }
    pub fn attributes(&self) -> i16 {
        i16::from_be_bytes(self.0[ATTRIBUTES..ATTRIBUTES + 2].try_into().expect("2-byte slice"))
    }
    pub fn compression(&self) -> i16 {
        self.attributes() & CODEC_MASK
    }
    pub fn is_log_append_time(&self) -> bool {
        self.attributes() & TIMESTAMP_TYPE_BIT != 0
    }
    pub fn last_offset_delta(&self) -> i32 {
        read_i32(self.0, LAST_OFFSET_DELTA)
    }
    pub fn last_offset(&self) -> i64 {
        self.base_offset() + i64::from(self.last_offset_delta())
    }
    pub fn base_timestamp(&self) -> i64 {
        read_i64(self.0, BASE_TIMESTAMP)
    }
    pub fn max_timestamp(&self) -> i64 {
        read_i64(self.0, MAX_TIMESTAMP)
    }
    pub fn producer_id(&self) -> i64 {
        read_i64(self.0, PRODUCER_ID)
    }
    pub fn producer_epoch(&self) -> i16 {
        i16::from_be_bytes(self.0[PRODUCER_EPOCH..PRODUCER_EPOCH + 2].try_into().expect("2-byte slice"))
    }
    pub fn base_sequence(&self) -> i32 {
        read_i32(self.0, BASE_SEQUENCE)
    }
    /// Sequence of the batch's last record; sequences wrap from i32::MAX to 0.
    pub fn last_sequence(&self) -> i32 {
        let last = i64::from(self.base_sequence()) + i64::from(self.last_offset_delta());
        if last > i64::from(i32::MAX) {
            (last - i64::from(i32::MAX) - 1) as i32
        } else {
            last as i32
        }
    }
    pub fn record_count(&self) -> i32 {
        read_i32(self.0, RECORD_COUNT)
    }
}

/// Checks one complete batch the way Kafka's broker does before it appends:
/// the length field matches the bytes given, the magic is 2, the CRC32C over
/// attributes..end matches, and the record count agrees with lastOffsetDelta.
pub fn validate(batch: &[u8]) -> Result<BatchHeader<'_>, Error> {
    let header = BatchHeader::new(batch)?;
    if header.size() != batch.len() as i64 {
        return Err(Error::CorruptBatch("batch length field disagrees with its size"));
    }
    if header.magic() != 2 {
        return Err(Error::UnsupportedMagic(header.magic()));
    }
    if crc32c::crc32c(&batch[ATTRIBUTES..]) != header.crc() {
        return Err(Error::CorruptBatch("CRC32C mismatch"));
    }
    if header.compression() > 4 {
        return Err(Error::InvalidRecord("unknown compression codec"));
    }
    let count = header.record_count();
    if count <= 0 || header.last_offset_delta() != count - 1 {
        return Err(Error::InvalidRecord("record count disagrees with lastOffsetDelta"));
    }
    Ok(header)
}

/// Overwrites the base offset of the batch at the start of `buf`.
pub fn set_base_offset(buf: &mut [u8], offset: i64) {
    buf[..8].copy_from_slice(&offset.to_be_bytes());
}

/// Stamps a validated batch with the broker's clock, as Kafka's LogValidator does
/// for a topic with `message.timestamp.type=LogAppendTime`
/// (`DefaultRecordBatch.setMaxTimestamp(LOG_APPEND_TIME, now)`): the timestamp-type
/// attribute bit is set (the others are kept), maxTimestamp becomes `now_ms`, and
/// the CRC32C is recomputed. The base timestamp and the records are left as the
/// producer wrote them: a reader of a LogAppendTime batch takes every record's
/// timestamp from maxTimestamp.
pub fn set_log_append_time(buf: &mut [u8], now_ms: i64) {
    set_max_timestamp(buf, super::TimestampType::LogAppendTime, now_ms);
}

/// Writes the timestamp type bit and maxTimestamp of a validated batch and
/// recomputes its CRC32C, as Kafka's `DefaultRecordBatch.setMaxTimestamp`: under
/// CreateTime the bit is cleared and the max timestamp is the records' largest
/// (Kafka corrects a producer's wrong one so), under LogAppendTime see
/// `set_log_append_time`.
pub fn set_max_timestamp(buf: &mut [u8], timestamp_type: super::TimestampType, max_timestamp: i64) {
    let attributes = i16::from_be_bytes([buf[ATTRIBUTES], buf[ATTRIBUTES + 1]]);
    let attributes = match timestamp_type {
        super::TimestampType::CreateTime => attributes & !TIMESTAMP_TYPE_BIT,
        super::TimestampType::LogAppendTime => attributes | TIMESTAMP_TYPE_BIT,
    };
    buf[ATTRIBUTES..ATTRIBUTES + 2].copy_from_slice(&attributes.to_be_bytes());
    buf[MAX_TIMESTAMP..MAX_TIMESTAMP + 8].copy_from_slice(&max_timestamp.to_be_bytes());
    let crc = crc32c::crc32c(&buf[ATTRIBUTES..]);
    buf[CRC..CRC + 4].copy_from_slice(&crc.to_be_bytes());
}

fn read_i32(buf: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(buf[at..at + 4].try_into().expect("4-byte slice"))
}

fn read_i64(buf: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(buf[at..at + 8].try_into().expect("8-byte slice"))
}
