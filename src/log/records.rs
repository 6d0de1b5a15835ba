//! The records inside a v2 record batch: decompression of the records section
//! and a walk over the records, as Kafka's `DefaultRecordBatch` and
//! `DefaultRecord.readFrom` read them. Storage-level: it knows batches and
//! records, no protocol, and neither reads nor writes the log.
//!
//! The append and fetch paths never come here (they move whole batches); what
//! needs single records does: validation of what a producer sends (Kafka's
//! `LogValidator` parses every record) and ListOffsets by timestamp, which
//! answers with the exact record even inside a compressed batch.
//!
//! # API
//!
//! ```text
//! Codec::from_attributes(attrs)      -> Result<Codec>     attributes bits 0-2; 5..7 are UnknownCodec
//! decompress(codec, src, limit)      -> Result<Vec<u8>>   at most `limit` bytes out, else TooLarge
//! batch_records(batch, limit)        -> Result<Cow<[u8]>> the records bytes of one whole batch:
//!                                                         borrowed when uncompressed, decompressed otherwise
//! Records::new(bytes, record_count)  -> Iterator<Item = Result<Record<'_>>>
//! find_record(batch, min_offset, limit, pred) -> Result<Option<(offset, timestamp)>>
//! ```
//!
//! A validator reads every record of a batch so:
//!
//! ```ignore
//! let header = batch::validate(bytes)?;                      // length, magic, CRC, codec
//! let data = records::batch_records(bytes, limit)?;          // Cow: no copy when uncompressed
//! for record in records::Records::new(&data, header.record_count()) {
//!     let record = record?;                                  // typed RecordsError
//!     record.offset_delta;                                   // i32, as written
//!     record.timestamp_delta;                                // i64; record.timestamp(&header) resolves it
//!     record.key.is_some(); record.value.is_some();          // Option<&[u8]>: borrowed, None = null
//!     record.header_count;                                   // i32; record.headers() walks them
//! }
//! ```
//!
//! The iterator yields an error at most once and then stops. It checks what
//! Kafka's reader checks: each record's length varint against the bytes left
//! ([`RecordsError::Truncated`]), every field against that length
//! ([`RecordsError::Overrun`]), that the fields fill exactly that length
//! ([`RecordsError::SizeMismatch`]), header counts and header keys
//! ([`RecordsError::InvalidHeader`]), that the bytes hold as many records as the
//! header says ([`RecordsError::CountMismatch`]) and no more
//! ([`RecordsError::TrailingBytes`]). It does not judge the values: offset
//! deltas, timestamps and attributes are the caller's to check against the batch
//! header, as `LogValidator` does.
//!
//! Negative key and value lengths read as null, as Kafka reads them
//! (`keySize >= 0 ? key : null`); a negative header key length is invalid.
//!
//! # Codecs
//!
//! - gzip (1): one or more gzip members (Java's `GZIPInputStream` reads
//!   concatenated members too).
//! - snappy (2): either raw snappy (librdkafka) or the xerial-framed stream the
//!   Java client writes through `SnappyOutputStream`: the magic
//!   `\x82SNAPPY\0`, a version and a compatible version (i32 each), then blocks
//!   of a big-endian i32 length and that many bytes of raw snappy. Input that
//!   does not start with the magic is raw snappy, as xerial's and librdkafka's
//!   readers decide.
//! - lz4 (3): LZ4 frames (magic-2 batches; the pre-KIP-57 broken header checksum
//!   was for magic 0/1 only).
//! - zstd (4): zstd frames.
//!
//! `limit` bounds the decompressed size so a small batch that inflates to
//! gigabytes costs at most `limit` bytes (plus the decoders' own bounded state:
//! an LZ4 block of at most 4 MiB, a zstd window of at most zstd's default
//! 128 MiB cap) before it is refused with [`RecordsError::TooLarge`].

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use super::batch::{BatchHeader, HEADER_LEN};

/// What callers that have no better bound pass as `limit`: Kafka bounds a batch
/// only by its compressed size (`message.max.bytes`), and compressible records
/// inflate many times over; 64 MiB holds a 1 MiB batch at a 64:1 ratio.
pub const DEFAULT_DECOMPRESSED_LIMIT: usize = 64 << 20;

/// The compression codec of a batch, attributes bits 0-2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Codec {
    /// The codec a batch's attributes name; 5, 6 and 7 are no codec Kafka knows.
    pub fn from_attributes(attributes: i16) -> Result<Self, RecordsError> {
        match attributes & 0x07 {
            0 => Ok(Codec::None),
            1 => Ok(Codec::Gzip),
            2 => Ok(Codec::Snappy),
            3 => Ok(Codec::Lz4),
            4 => Ok(Codec::Zstd),
            other => Err(RecordsError::UnknownCodec(other)),
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Kafka's names (`CompressionType.name`), as its configs spell them.
        f.write_str(match self {
            Codec::None => "none",
            Codec::Gzip => "gzip",
            Codec::Snappy => "snappy",
            Codec::Lz4 => "lz4",
            Codec::Zstd => "zstd",
        })
    }
}

/// Why a batch's records could not be read. `index` is the record's position in
/// the batch, from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordsError {
    #[error("unknown compression codec {0}")]
    UnknownCodec(i16),
    #[error("corrupt {codec} data: {reason}")]
    Corrupt { codec: Codec, reason: String },
    #[error("records decompress to more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("batch is not one whole v2 batch")]
    NotABatch,
    #[error("record {index} is truncated: {needed} bytes declared, {available} left")]
    Truncated { index: i32, needed: i64, available: usize },
    #[error("record {index}: invalid varint in {field}")]
    InvalidVarint { index: i32, field: &'static str },
    #[error("record {index}: {field} overruns the record's {size} bytes")]
    Overrun { index: i32, field: &'static str, size: usize },
    #[error("record {index}: expected to read {declared} bytes in record payload, but instead read {read}")]
    SizeMismatch { index: i32, declared: usize, read: usize },
    #[error("record {index}: invalid record length {length}")]
    InvalidLength { index: i32, length: i64 },
    #[error("record {index}: {reason}")]
    InvalidHeader { index: i32, reason: &'static str },
    #[error("record {index}: offset delta {offset_delta} lies outside its batch")]
    OffsetDeltaOutOfRange { index: i32, offset_delta: i32 },
    #[error("batch declares {declared} records but holds {found}")]
    CountMismatch { declared: i32, found: i32 },
    #[error("{0} bytes remain after the batch's last record")]
    TrailingBytes(usize),
}

/// Decompresses `src` (a batch's records section) with `codec`, producing at most
/// `limit` bytes. `Codec::None` copies; callers that may see uncompressed batches
/// use [`batch_records`], which borrows them instead.
pub fn decompress(codec: Codec, src: &[u8], limit: usize) -> Result<Vec<u8>, RecordsError> {
    match codec {
        Codec::None => {
            if src.len() > limit {
                return Err(RecordsError::TooLarge { limit });
            }
            Ok(src.to_vec())
        }
        Codec::Gzip => read_capped(flate2::read::MultiGzDecoder::new(src), codec, src.len(), limit),
        Codec::Snappy => snappy(src, limit),
        Codec::Lz4 => read_capped(lz4_flex::frame::FrameDecoder::new(src), codec, src.len(), limit),
        Codec::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(src).map_err(|e| corrupt(codec, e))?;
            read_capped(decoder, codec, src.len(), limit)
        }
    }
}

/// The records bytes of the one whole batch `batch` (header included, as the log
/// stores it): borrowed when uncompressed, decompressed when not. Only the
/// header's size and codec are checked; the CRC is `batch::validate`'s.
pub fn batch_records(batch: &[u8], limit: usize) -> Result<Cow<'_, [u8]>, RecordsError> {
    let header = BatchHeader::new(batch).map_err(|_| RecordsError::NotABatch)?;
    if header.size() != batch.len() as i64 {
        return Err(RecordsError::NotABatch);
    }
    let section = &batch[HEADER_LEN..];
    match Codec::from_attributes(header.attributes())? {
        Codec::None => Ok(Cow::Borrowed(section)),
        codec => decompress(codec, section, limit).map(Cow::Owned),
    }
}

/// Walks the records of the one whole batch `batch` and returns (offset,
/// timestamp) of the first record at or after `min_offset` whose timestamp
/// satisfies `pred`, decompressing the batch if it is compressed. This is how
/// Kafka's `FileRecords.searchForTimestamp` looks inside the batch the time index
/// points at. A LogAppendTime batch's records all carry its max timestamp.
/// A record whose offset delta lies outside the batch is an error, not an answer:
/// the log never held that offset.
pub fn find_record(
    batch: &[u8],
    min_offset: i64,
    limit: usize,
    pred: impl Fn(i64) -> bool,
) -> Result<Option<(i64, i64)>, RecordsError> {
    let header = BatchHeader::new(batch).map_err(|_| RecordsError::NotABatch)?;
    let data = batch_records(batch, limit)?;
    for (index, record) in (0..).zip(Records::new(&data, header.record_count())) {
        let record = record?;
        if !(0..=header.last_offset_delta()).contains(&record.offset_delta) {
            return Err(RecordsError::OffsetDeltaOutOfRange { index, offset_delta: record.offset_delta });
        }
        let offset = record.offset(&header);
        let Some(timestamp) = record.timestamp(&header) else { continue };
        if offset >= min_offset && pred(timestamp) {
            return Ok(Some((offset, timestamp)));
        }
    }
    Ok(None)
}

/// One record, its key, value and headers borrowed from the records bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The record's own attributes byte (unused by Kafka since magic 2; written 0).
    pub attributes: i8,
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    /// `None`: a null key (a negative length).
    pub key: Option<&'a [u8]>,
    /// `None`: a null value (a tombstone).
    pub value: Option<&'a [u8]>,
    pub header_count: i32,
    /// The headers' bytes after the count, already checked to hold exactly
    /// `header_count` headers.
    headers: &'a [u8],
    /// Bytes the record takes in the records section, its length varint included.
    pub encoded_len: usize,
}

impl<'a> Record<'a> {
    /// `base offset + offset delta` of the batch `header` heads.
    pub fn offset(&self, header: &BatchHeader<'_>) -> i64 {
        header.base_offset().saturating_add(i64::from(self.offset_delta))
    }

    /// The record's timestamp as Kafka's `DefaultRecord` reports it: the batch's
    /// max timestamp in a LogAppendTime batch, else base timestamp + delta.
    /// `None` when the delta overflows.
    pub fn timestamp(&self, header: &BatchHeader<'_>) -> Option<i64> {
        if header.is_log_append_time() {
            Some(header.max_timestamp())
        } else {
            header.base_timestamp().checked_add(self.timestamp_delta)
        }
    }

    /// The headers as (key, value), value `None` when null.
    pub fn headers(&self) -> Headers<'a> {
        Headers { rest: self.headers, left: self.header_count }
    }
}

/// The headers of one record, in order. Checked when the record was read, so
/// this cannot fail.
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    rest: &'a [u8],
    left: i32,
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left <= 0 {
            return None;
        }
        self.left -= 1;
        let mut cursor = Cursor { buf: self.rest, pos: 0, index: 0 };
        let key = cursor.bytes("header key").ok()??;
        let value = cursor.bytes("header value").ok()?;
        self.rest = &self.rest[cursor.pos..];
        Some((key, value))
    }
}

/// The records of one batch's (decompressed) records bytes, in order.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    rest: &'a [u8],
    declared: i32,
    read: i32,
    done: bool,
}

impl<'a> Records<'a> {
    /// `declared`: the batch header's record count.
    pub fn new(bytes: &'a [u8], declared: i32) -> Self {
        Self { rest: bytes, declared, read: 0, done: false }
    }

    fn fail(&mut self, e: RecordsError) -> Option<Result<Record<'a>, RecordsError>> {
        self.done = true;
        Some(Err(e))
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.read >= self.declared {
            self.done = true;
            if self.declared < 0 {
                return Some(Err(RecordsError::CountMismatch { declared: self.declared, found: 0 }));
            }
            if !self.rest.is_empty() {
                return Some(Err(RecordsError::TrailingBytes(self.rest.len())));
            }
            return None;
        }
        if self.rest.is_empty() {
            return self.fail(RecordsError::CountMismatch { declared: self.declared, found: self.read });
        }
        let index = self.read;
        match read_record(self.rest, index) {
            Ok(record) => {
                self.rest = &self.rest[record.encoded_len..];
                self.read += 1;
                Some(Ok(record))
            }
            Err(e) => self.fail(e),
        }
    }
}

fn read_record(buf: &[u8], index: i32) -> Result<Record<'_>, RecordsError> {
    let mut outer = Cursor { buf, pos: 0, index };
    let length = outer.varint("record length")?;
    let Ok(size) = usize::try_from(length) else {
        return Err(RecordsError::InvalidLength { index, length: i64::from(length) });
    };
    let available = buf.len() - outer.pos;
    if size > available {
        return Err(RecordsError::Truncated { index, needed: i64::from(length), available });
    }
    let start = outer.pos;
    let body = &buf[start..start + size];
    let mut c = Cursor { buf: body, pos: 0, index };
    let attributes = c.take(1, "attributes")?[0] as i8;
    let timestamp_delta = c.varlong("timestamp delta")?;
    let offset_delta = c.varint("offset delta")?;
    let key = c.bytes("key")?;
    let value = c.bytes("value")?;
    let header_count = c.varint("header count")?;
    if header_count < 0 {
        return Err(RecordsError::InvalidHeader { index, reason: "negative number of record headers" });
    }
    let headers_start = c.pos;
    for _ in 0..header_count {
        if c.bytes("header key")?.is_none() {
            return Err(RecordsError::InvalidHeader { index, reason: "negative header key size" });
        }
        c.bytes("header value")?;
    }
    if c.pos != size {
        return Err(RecordsError::SizeMismatch { index, declared: size, read: c.pos });
    }
    Ok(Record {
        attributes,
        timestamp_delta,
        offset_delta,
        key,
        value,
        header_count,
        headers: &body[headers_start..],
        encoded_len: start + size,
    })
}

/// A reader over one record's bytes; every read past the end is an `Overrun`.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    index: i32,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], RecordsError> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.buf.len());
        let Some(end) = end else {
            return Err(RecordsError::Overrun { index: self.index, field, size: self.buf.len() });
        };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// A zig-zag varint of at most `max_bytes` bytes (5 for an int, 10 for a
    /// long, as Kafka's `ByteUtils` reads them).
    fn zigzag(&mut self, max_bytes: usize, field: &'static str) -> Result<i64, RecordsError> {
        let mut raw: u64 = 0;
        for i in 0..max_bytes {
            let Some(&byte) = self.buf.get(self.pos + i) else {
                return Err(RecordsError::Overrun { index: self.index, field, size: self.buf.len() });
            };
            raw |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.pos += i + 1;
                return Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64));
            }
        }
        Err(RecordsError::InvalidVarint { index: self.index, field })
    }

    fn varint(&mut self, field: &'static str) -> Result<i32, RecordsError> {
        let value = self.zigzag(5, field)?;
        i32::try_from(value).map_err(|_| RecordsError::InvalidVarint { index: self.index, field })
    }

    fn varlong(&mut self, field: &'static str) -> Result<i64, RecordsError> {
        self.zigzag(10, field)
    }

    /// A varint length and that many bytes; a negative length is null.
    fn bytes(&mut self, field: &'static str) -> Result<Option<&'a [u8]>, RecordsError> {
        let len = self.varint(field)?;
        match usize::try_from(len) {
            Ok(len) => self.take(len, field).map(Some),
            Err(_) => Ok(None),
        }
    }
}

fn corrupt(codec: Codec, e: impl fmt::Display) -> RecordsError {
    RecordsError::Corrupt { codec, reason: e.to_string() }
}

/// Reads `reader` to its end, refusing more than `limit` bytes. The buffer starts
/// at a guess from the compressed size and only grows as bytes really arrive, so
/// a bomb costs at most about `limit`.
fn read_capped(reader: impl Read, codec: Codec, src_len: usize, limit: usize) -> Result<Vec<u8>, RecordsError> {
    let mut out = Vec::with_capacity(src_len.saturating_mul(4).min(limit));
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(&mut out).map_err(|e| corrupt(codec, e))?;
    if out.len() > limit {
        return Err(RecordsError::TooLarge { limit });
    }
    Ok(out)
}

/// xerial's `SnappyCodec.MAGIC_HEADER`, which the Java client's
/// `SnappyOutputStream` writes first.
const XERIAL_MAGIC: &[u8; 8] = b"\x82SNAPPY\0";
/// Magic, version and compatible version.
const XERIAL_HEADER_LEN: usize = 16;

fn snappy(src: &[u8], limit: usize) -> Result<Vec<u8>, RecordsError> {
    let mut out = Vec::new();
    if src.len() >= XERIAL_HEADER_LEN && src.starts_with(XERIAL_MAGIC) {
        let mut rest = &src[XERIAL_HEADER_LEN..];
        while !rest.is_empty() {
            let Some((len, tail)) = rest.split_first_chunk::<4>() else {
                return Err(corrupt(Codec::Snappy, "truncated xerial block length"));
            };
            let len = usize::try_from(i32::from_be_bytes(*len))
                .map_err(|_| corrupt(Codec::Snappy, "negative xerial block length"))?;
            let Some(block) = tail.get(..len) else {
                return Err(corrupt(Codec::Snappy, "xerial block overruns the data"));
            };
            snappy_block(block, &mut out, limit)?;
            rest = &tail[len..];
        }
    } else {
        snappy_block(src, &mut out, limit)?;
    }
    Ok(out)
}

/// Appends one raw snappy block to `out`. The block states its decompressed
/// length up front, so the limit is checked before anything is allocated.
fn snappy_block(block: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), RecordsError> {
    let len = snap::raw::decompress_len(block).map_err(|e| corrupt(Codec::Snappy, e))?;
    let start = out.len();
    if len > limit - start {
        return Err(RecordsError::TooLarge { limit });
    }
    out.resize(start + len, 0);
    let written =
        snap::raw::Decoder::new().decompress(block, &mut out[start..]).map_err(|e| corrupt(Codec::Snappy, e))?;
    out.truncate(start + written);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::batch;
    use crate::log::testing::BatchBuilder;

    /// Batches as real clients wrote them to a strand log (one whole batch each,
    /// read back from the segment): kcat (librdkafka 2.x) and Kafka's
    /// console producer (the Java client) with each codec.
    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/data/records/{name}.batch", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    struct Owned {
        offset_delta: i32,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    }

    fn read_all(batch_bytes: &[u8]) -> Vec<Owned> {
        let header = batch::validate(batch_bytes).expect("a client's batch passes the header checks");
        let data = batch_records(batch_bytes, DEFAULT_DECOMPRESSED_LIMIT).expect("decompresses");
        Records::new(&data, header.record_count())
            .map(|r| {
                let r = r.expect("a client's record parses");
                assert_eq!(r.headers().count(), r.header_count as usize);
                Owned {
                    offset_delta: r.offset_delta,
                    key: r.key.map(<[u8]>::to_vec),
                    value: r.value.map(<[u8]>::to_vec),
                    headers: r.headers().map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec))).collect(),
                }
            })
            .collect()
    }

    fn h(k: &str, v: &str) -> (Vec<u8>, Option<Vec<u8>>) {
        (k.as_bytes().to_vec(), Some(v.as_bytes().to_vec()))
    }

    #[test]
    fn librdkafka_batches_of_every_codec_read_back_as_produced() {
        // kcat -z CODEC -K: -Z -H h1=a -H h2=bb, lines k1:value-one, k2:value-two-CODEC, ":", k4:x*3000.
        for (codec, attr) in [("gzip", 1), ("snappy", 2), ("lz4", 3), ("zstd", 4)] {
            let bytes = fixture(&format!("librdkafka-{codec}"));
            assert_eq!(BatchHeader::new(&bytes).unwrap().compression(), attr, "{codec}");
            let records = read_all(&bytes);
            assert_eq!(records.len(), 4, "{codec}");
            let headers = vec![h("h1", "a"), h("h2", "bb")];
            assert_eq!(records.iter().map(|r| r.offset_delta).collect::<Vec<_>>(), [0, 1, 2, 3]);
            assert_eq!(records[0].key.as_deref(), Some(&b"k1"[..]));
            assert_eq!(records[0].value.as_deref(), Some(&b"value-one"[..]));
            assert_eq!(records[1].value, Some(format!("value-two-{codec}").into_bytes()));
            // -Z: the empty key and value of ":" go as nulls.
            assert_eq!((records[2].key.as_deref(), records[2].value.as_deref()), (None, None), "{codec}");
            assert_eq!(records[3].value, Some(vec![b'x'; 3000]));
            assert!(records.iter().all(|r| r.headers == headers), "{codec}");
        }
    }

    #[test]
    fn java_client_batches_of_every_codec_read_back_as_produced() {
        // kafka-console-producer --compression-codec CODEC, headers parsed:
        // "h1:a,h2:bb	k1	value-one", "h1:a	k2	value-two-CODEC-y*3000", "h3:	k3	NULL" (null marker).
        for codec in ["gzip", "snappy", "lz4", "zstd"] {
            let bytes = fixture(&format!("java-{codec}"));
            if codec == "snappy" {
                assert!(bytes[HEADER_LEN..].starts_with(XERIAL_MAGIC), "the Java client frames snappy");
            }
            let records = read_all(&bytes);
            assert_eq!(records.len(), 3, "{codec}");
            assert_eq!(records[0].key.as_deref(), Some(&b"k1"[..]));
            assert_eq!(records[0].headers, vec![h("h1", "a"), h("h2", "bb")]);
            let two = format!("value-two-{codec}-{}", "y".repeat(3000));
            assert_eq!(records[1].value, Some(two.into_bytes()), "{codec}");
            assert_eq!(records[1].headers, vec![h("h1", "a")]);
            assert_eq!(records[2].value, None, "{codec}");
            assert_eq!(records[2].headers, vec![h("h3", "")]);
        }
    }

    #[test]
    fn large_java_batches_span_several_codec_blocks() {
        // A batch of one 132,000-byte value: xerial's 32 KiB blocks, LZ4's 64 KiB blocks.
        let big: String = (0..12000).map(|i| format!("line {i:06};")).collect();
        for codec in ["snappy", "lz4", "zstd"] {
            let records = read_all(&fixture(&format!("java-{codec}-large")));
            assert_eq!(records.len(), 1, "{codec}");
            assert_eq!(records[0].key.as_deref(), Some(&b"big"[..]));
            assert_eq!(records[0].value.as_deref(), Some(big.as_bytes()), "{codec}");
        }
    }

    #[test]
    fn the_limit_refuses_a_batch_that_inflates_past_it() {
        for name in ["java-snappy-large", "java-lz4-large", "java-zstd-large", "librdkafka-gzip"] {
            let bytes = fixture(name);
            let full = batch_records(&bytes, DEFAULT_DECOMPRESSED_LIMIT).unwrap().len();
            assert!(matches!(batch_records(&bytes, full), Ok(Cow::Owned(_))), "{name}: exactly the limit is fine");
            assert_eq!(batch_records(&bytes, full - 1), Err(RecordsError::TooLarge { limit: full - 1 }), "{name}");
        }
    }

    #[test]
    fn a_zip_bomb_stops_at_the_limit() {
        // 64 MiB of zeros gzip to about 64 KiB; raw snappy states its length up front.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            std::io::Write::write_all(&mut gz, &zeros).unwrap();
        }
        let bomb = gz.finish().unwrap();
        assert_eq!(decompress(Codec::Gzip, &bomb, 1 << 20), Err(RecordsError::TooLarge { limit: 1 << 20 }));
        let snappy = snap::raw::Encoder::new().compress_vec(&zeros).unwrap();
        assert_eq!(decompress(Codec::Snappy, &snappy, 1000), Err(RecordsError::TooLarge { limit: 1000 }));
    }

    #[test]
    fn corrupt_compressed_data_is_a_typed_error() {
        for name in ["librdkafka-gzip", "librdkafka-snappy", "java-snappy", "librdkafka-lz4", "java-zstd"] {
            let mut bytes = fixture(name);
            let codec = Codec::from_attributes(BatchHeader::new(&bytes).unwrap().attributes()).unwrap();
            let section = bytes.len() - HEADER_LEN;
            // Cut the stream short and, separately, garble its middle.
            let cut = decompress(codec, &bytes[HEADER_LEN..HEADER_LEN + section / 2], 1 << 20);
            assert!(matches!(cut, Err(RecordsError::Corrupt { .. })), "{name} cut: {cut:?}");
            for b in &mut bytes[HEADER_LEN + section / 3..HEADER_LEN + section / 2] {
                *b ^= 0x5a;
            }
            let garbled = decompress(codec, &bytes[HEADER_LEN..], 1 << 20);
            // A garbled stream either fails to decode or decodes to other bytes, which the
            // record walk then refuses; it never panics.
            if let Ok(data) = garbled {
                let header = BatchHeader::new(&bytes).unwrap();
                let _ = Records::new(&data, header.record_count()).count();
            }
        }
        assert_eq!(Codec::from_attributes(5), Err(RecordsError::UnknownCodec(5)));
    }

    fn uncompressed(count: usize) -> Vec<u8> {
        BatchBuilder::records(count, 3).build().to_vec()
    }

    fn walk(data: &[u8], declared: i32) -> Result<usize, RecordsError> {
        Records::new(data, declared).try_fold(0, |n, r| r.map(|_| n + 1))
    }

    #[test]
    fn uncompressed_records_are_borrowed_and_read_as_built() {
        let bytes = uncompressed(3);
        let data = batch_records(&bytes, 0).expect("an uncompressed batch needs no room");
        assert!(matches!(data, Cow::Borrowed(_)));
        let header = BatchHeader::new(&bytes).unwrap();
        let records: Vec<_> = Records::new(&data, 3).map(Result::unwrap).collect();
        for (i, r) in records.iter().enumerate() {
            assert_eq!(r.offset(&header), i as i64);
            assert_eq!(r.timestamp(&header), Some(crate::log::testing::DEFAULT_TIMESTAMP + i as i64));
            assert_eq!(r.key, Some(format!("k{i}").as_bytes()));
            assert_eq!(r.value, Some(&[i as u8; 3][..]));
            assert_eq!(r.header_count, 0);
        }
    }

    #[test]
    fn a_count_that_disagrees_with_the_records_is_refused() {
        let bytes = uncompressed(3);
        let data = &bytes[HEADER_LEN..];
        assert_eq!(walk(data, 3), Ok(3));
        assert_eq!(walk(data, 4), Err(RecordsError::CountMismatch { declared: 4, found: 3 }));
        let last = Records::new(data, 3).nth(2).unwrap().unwrap().encoded_len;
        assert_eq!(walk(data, 2), Err(RecordsError::TrailingBytes(last)));
        assert_eq!(walk(data, -1), Err(RecordsError::CountMismatch { declared: -1, found: 0 }));
        // The error comes once, then the walk is over.
        let mut it = Records::new(data, 4);
        assert_eq!(it.by_ref().filter(Result::is_err).count(), 1);
        assert!(it.next().is_none());
    }

    #[test]
    fn truncated_and_overrunning_records_are_refused() {
        let bytes = uncompressed(2);
        let data = &bytes[HEADER_LEN..];
        let first = Records::new(data, 2).next().unwrap().unwrap().encoded_len;
        // Cut inside the second record.
        assert!(matches!(walk(&data[..first + 3], 2), Err(RecordsError::Truncated { index: 1, .. })));
        // One record: length 6 (zig-zag 12), attributes, ts delta 0, offset delta 0, key
        // length 10 (zig-zag 20) that overruns the 6 bytes.
        let overrun = [12, 0, 0, 0, 20, 0, 0];
        assert_eq!(walk(&overrun, 1), Err(RecordsError::Overrun { index: 0, field: "key", size: 6 }));
        // Length 7 but the fields fill 6: null key, null value, 0 headers, one byte spare.
        let spare = [14, 0, 0, 0, 1, 1, 0, 7];
        assert_eq!(walk(&spare, 1), Err(RecordsError::SizeMismatch { index: 0, declared: 7, read: 6 }));
        let exact = [12, 0, 0, 0, 1, 1, 0];
        assert_eq!(walk(&exact, 1), Ok(1));
        // A negative record length, and a varint that never ends.
        assert_eq!(walk(&[1], 1), Err(RecordsError::InvalidLength { index: 0, length: -1 }));
        assert_eq!(walk(&[0xff; 6], 1), Err(RecordsError::InvalidVarint { index: 0, field: "record length" }));
    }

    #[test]
    fn headers_are_checked_as_kafka_checks_them() {
        // Record: attrs, ts 0, offset 0, null key, null value, 1 header with key "a", value null.
        let data = [18, 0, 0, 0, 1, 1, 2, 2, b'a', 1];
        let records: Vec<_> = Records::new(&data, 1).map(Result::unwrap).collect();
        assert_eq!(records[0].headers().collect::<Vec<_>>(), vec![(&b"a"[..], None)]);
        // Header key length -1.
        let null_key = [16, 0, 0, 0, 1, 1, 2, 1, 1];
        assert_eq!(
            walk(&null_key, 1),
            Err(RecordsError::InvalidHeader { index: 0, reason: "negative header key size" })
        );
        // Header count -1.
        let negative = [12, 0, 0, 0, 1, 1, 1];
        assert_eq!(
            walk(&negative, 1),
            Err(RecordsError::InvalidHeader { index: 0, reason: "negative number of record headers" })
        );
    }

    #[test]
    fn find_record_lands_on_the_exact_record_in_compressed_batches() {
        for name in ["librdkafka-gzip", "librdkafka-snappy", "java-snappy", "librdkafka-lz4", "java-zstd"] {
            let bytes = fixture(name);
            let header = BatchHeader::new(&bytes).unwrap();
            let data = batch_records(&bytes, DEFAULT_DECOMPRESSED_LIMIT).unwrap();
            let all: Vec<(i64, i64)> = Records::new(&data, header.record_count())
                .map(|r| r.unwrap())
                .map(|r| (r.offset(&header), r.timestamp(&header).unwrap()))
                .collect();
            let (last_offset, last_ts) = *all.last().unwrap();
            let first_at_last_ts = all.iter().copied().find(|&(_, t)| t >= last_ts);
            assert_eq!(find_record(&bytes, 0, DEFAULT_DECOMPRESSED_LIMIT, |t| t >= last_ts), Ok(first_at_last_ts));
            assert_eq!(
                find_record(&bytes, last_offset, DEFAULT_DECOMPRESSED_LIMIT, |_| true),
                Ok(Some((last_offset, last_ts))),
                "{name}"
            );
            assert_eq!(find_record(&bytes, last_offset + 1, DEFAULT_DECOMPRESSED_LIMIT, |_| true), Ok(None));
        }
    }

    const CODECS: [Codec; 4] = [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd];

    proptest::proptest! {
        #[test]
        fn any_bytes_walk_to_records_or_a_typed_error(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            declared in -2i32..12,
        ) {
            let mut records = Records::new(&bytes, declared);
            let mut errors = 0;
            for r in records.by_ref() {
                errors += usize::from(r.is_err());
            }
            proptest::prop_assert!(errors <= 1);
            proptest::prop_assert!(records.next().is_none());
        }

        #[test]
        fn any_bytes_decompress_to_bytes_or_a_typed_error(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            for codec in CODECS {
                if let Ok(out) = decompress(codec, &bytes, 1 << 16) {
                    proptest::prop_assert!(out.len() <= 1 << 16);
                }
            }
        }

        #[test]
        fn garbled_compressed_records_decompress_or_fail_typed(
            flips in proptest::collection::vec((proptest::prelude::any::<usize>(), 1u8..=255), 1..4),
        ) {
            let plain = BatchBuilder::records(5, 40).build();
            for codec in CODECS {
                let mut compressed = crate::log::testing::compress(&plain, codec).to_vec();
                let section = compressed.len() - HEADER_LEN;
                for &(at, xor) in &flips {
                    compressed[HEADER_LEN + at % section] ^= xor;
                }
                if let Ok(data) = decompress(codec, &compressed[HEADER_LEN..], 1 << 16) {
                    let _ = Records::new(&data, 5).count();
                }
            }
        }

        #[test]
        fn compressed_batches_read_back_the_records_they_were_built_from(
            values in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200), 1..20),
        ) {
            let plain = BatchBuilder::values(&values).build();
            for codec in CODECS {
                let compressed = crate::log::testing::compress(&plain, codec);
                let header = batch::validate(&compressed).expect("the builder's batch is valid");
                let data = batch_records(&compressed, DEFAULT_DECOMPRESSED_LIMIT).expect("decompresses");
                proptest::prop_assert_eq!(&data[..], &plain[HEADER_LEN..]);
                let got: Vec<Option<&[u8]>> =
                    Records::new(&data, header.record_count()).map(|r| r.map(|r| r.value)).collect::<Result<_, _>>().unwrap();
                let want: Vec<Option<&[u8]>> = values.iter().map(|v| Some(&v[..])).collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }
}
