//! What the log checks of a producer's record batch before it appends it, as
//! Kafka 4.4's `UnifiedLog.analyzeAndValidateRecords` and `LogValidator` check a
//! batch from a client (`AppendOrigin.CLIENT`), in their order:
//!
//! 1. the header: the base offset is 0 (Kafka 4 refuses any other from a client),
//!    the length, the magic, the CRC32C, the codec, the offset range and record
//!    count agree, it is not a control batch (only a transaction coordinator
//!    writes those), and a producer id comes with a sequence;
//! 2. every record, decompressed when the batch is compressed (`log::records`):
//!    each must parse to its declared length, exactly `recordCount` of them, with
//!    nothing after the last; in a compressed batch record i must carry offset
//!    delta i (Kafka would re-compress such a batch; 4.4 then fails with
//!    UNKNOWN_SERVER_ERROR, strand refuses it as an invalid record);
//! 3. every record's timestamp against the topic's rules: under CreateTime a
//!    timestamp other than -1 must lie within `message.timestamp.before.max.ms`
//!    before and `message.timestamp.after.max.ms` after the broker's clock; under
//!    LogAppendTime a producer may not mark its batch LogAppendTime. Each refused
//!    record is reported by its index in the batch with Kafka's message, and the
//!    batch fails as a whole (INVALID_TIMESTAMP).
//!
//! The batch's max timestamp is computed from its records, as Kafka computes it:
//! the log writes it into the header when the producer's differs
//! (`batch::set_max_timestamp`). A batch that fails any check is refused whole;
//! nothing here touches the log. Protocol-level checks (one batch per partition,
//! zstd only from Produce v7, transactional batches without a transactional id)
//! are the produce handler's.

use std::fmt;

use super::batch::{self, BatchHeader};
use super::{records, Error, TimestampType};

/// Kafka's `RecordBatch.NO_TIMESTAMP`: a record without a timestamp.
pub const NO_TIMESTAMP: i64 = -1;

/// Attribute bit 4: the batch belongs to a transaction.
const TRANSACTIONAL_BIT: i16 = 0x10;
/// Attribute bit 5: the batch holds a transaction marker, not records.
const CONTROL_BIT: i16 = 0x20;

/// What a topic's configs say about its records' timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampRules {
    /// `message.timestamp.type`.
    pub timestamp_type: TimestampType,
    /// `message.timestamp.before.max.ms`.
    pub before_max_ms: i64,
    /// `message.timestamp.after.max.ms`.
    pub after_max_ms: i64,
}

impl Default for TimestampRules {
    /// CreateTime, any timestamp.
    fn default() -> Self {
        Self { timestamp_type: TimestampType::CreateTime, before_max_ms: i64::MAX, after_max_ms: i64::MAX }
    }
}

/// The fields of one record that validation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordFields {
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    /// -1 for a null key.
    pub key_len: i32,
    /// -1 for a null value.
    pub value_len: i32,
}

/// A record the topic's rules refuse: a Produce response's `record_errors` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// The record's index in its batch.
    pub batch_index: i32,
    /// Kafka's message for it.
    pub message: String,
}

impl fmt::Display for RecordError {
    /// As Kafka's `RecordError.toString`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordError(batchIndex={}, message='{}')", self.batch_index, self.message)
    }
}

/// A batch that passed: its header and what the log writes into it.
#[derive(Clone, Copy)]
pub struct Validated<'a> {
    pub header: BatchHeader<'a>,
    /// The largest record timestamp, -1 when none is larger (Kafka starts its
    /// maximum at NO_TIMESTAMP, so a batch of timestamps below -1 gets -1).
    pub max_timestamp: i64,
}

impl Validated<'_> {
    /// The (timestamp type, max timestamp) the stored header must carry, when it
    /// is not what the producer wrote: under LogAppendTime always (`now_ms`),
    /// under CreateTime when the producer's max timestamp is not its records' or
    /// it marked the batch LogAppendTime (Kafka's `setMaxTimestamp` rewrites the
    /// header then, and only then).
    pub fn header_rewrite(&self, timestamp_type: TimestampType, now_ms: i64) -> Option<(TimestampType, i64)> {
        match timestamp_type {
            TimestampType::LogAppendTime => Some((TimestampType::LogAppendTime, now_ms)),
            TimestampType::CreateTime => (self.header.max_timestamp() != self.max_timestamp
                || self.header.is_log_append_time())
            .then_some((TimestampType::CreateTime, self.max_timestamp)),
        }
    }
}

/// Checks a producer's batch against `rules` at the broker time `now_ms`: the
/// header, then every record (decompressed when the batch is compressed).
pub fn validate<'a>(batch: &'a [u8], rules: &TimestampRules, now_ms: i64) -> Result<Validated<'a>, Error> {
    let header = check_header(batch)?;
    let data = records::batch_records(batch, records::DEFAULT_DECOMPRESSED_LIMIT)?;
    let fields = records::Records::new(&data, header.record_count()).map(|record| {
        let record = record?;
        let len = |bytes: Option<&[u8]>| bytes.map_or(-1, |b| b.len() as i32);
        Ok(RecordFields {
            timestamp_delta: record.timestamp_delta,
            offset_delta: record.offset_delta,
            key_len: len(record.key),
            value_len: len(record.value),
        })
    });
    let max_timestamp = check_records(&header, fields, rules, now_ms)?;
    Ok(Validated { header, max_timestamp })
}

/// Compressed batches past this size are validated off the async workers.
const COSTLY_COMPRESSED_BYTES: usize = 16 << 10;
/// Uncompressed batches past this size are too.
const COSTLY_UNCOMPRESSED_BYTES: usize = 256 << 10;

/// Whether validating `batch` is enough CPU work to be run as blocking work
/// rather than on an async worker: decompression inflates a compressed batch
/// many times over before its records are walked, and an uncompressed batch's
/// walk costs in proportion to its records (see `benches/validation.rs` for
/// what each costs).
pub fn is_costly(batch: &[u8]) -> bool {
    let compressed = BatchHeader::new(batch).is_ok_and(|h| h.compression() != 0);
    batch.len() > if compressed { COSTLY_COMPRESSED_BYTES } else { COSTLY_UNCOMPRESSED_BYTES }
}

/// The header checks, in Kafka's order (see the module doc).
pub fn check_header(batch: &[u8]) -> Result<BatchHeader<'_>, Error> {
    let header = BatchHeader::new(batch)?;
    // Kafka checks the base offset before the CRC, which does not cover it.
    if header.size() == batch.len() as i64 && header.magic() == 2 && header.base_offset() != 0 {
        return Err(Error::InvalidRecord("the base offset of a produced record batch must be 0"));
    }
    let header = batch::validate(batch)?;
    if header.attributes() & CONTROL_BIT != 0 {
        return Err(Error::InvalidRecord("clients are not allowed to write control records"));
    }
    if header.producer_id() >= 0 && header.base_sequence() < 0 {
        return Err(Error::InvalidRecord("a record batch with a producer id needs a base sequence"));
    }
    Ok(header)
}

/// Whether a batch is part of a transaction (attribute bit 4).
pub fn is_transactional(header: &BatchHeader<'_>) -> bool {
    header.attributes() & TRANSACTIONAL_BIT != 0
}

/// Checks `records`, the fields of the batch's records in order, and returns
/// the batch's max timestamp.
pub fn check_records<I>(header: &BatchHeader<'_>, records: I, rules: &TimestampRules, now_ms: i64) -> Result<i64, Error>
where
    I: IntoIterator<Item = Result<RecordFields, Error>>,
{
    let compressed = header.compression() != 0;
    let mut max_timestamp = NO_TIMESTAMP;
    let mut errors = Vec::new();
    for (index, record) in records.into_iter().enumerate() {
        let record = record?;
        let index = index as i32;
        if compressed && record.offset_delta != index {
            return Err(Error::InvalidRecord(
                "the records of a compressed batch must carry offset deltas 0, 1, 2, ...",
            ));
        }
        // A LogAppendTime batch's records all read its max timestamp, whatever their deltas.
        let timestamp = if header.is_log_append_time() {
            header.max_timestamp()
        } else {
            header.base_timestamp().wrapping_add(record.timestamp_delta)
        };
        if let Some(message) = timestamp_error(header, &record, timestamp, rules, now_ms) {
            errors.push(RecordError { batch_index: index, message });
        }
        max_timestamp = max_timestamp.max(timestamp);
    }
    if errors.is_empty() {
        Ok(max_timestamp)
    } else {
        Err(Error::InvalidTimestamp(errors))
    }
}

/// Kafka's `LogValidator.validateTimestamp`, its message included. Java's long
/// arithmetic wraps, and so does this, so the bounds read as Kafka's do.
fn timestamp_error(
    header: &BatchHeader<'_>,
    record: &RecordFields,
    timestamp: i64,
    rules: &TimestampRules,
    now_ms: i64,
) -> Option<String> {
    let offset = header.base_offset().wrapping_add(i64::from(record.offset_delta));
    if rules.timestamp_type == TimestampType::CreateTime && timestamp != NO_TIMESTAMP {
        let too_old = now_ms.wrapping_sub(timestamp) > rules.before_max_ms;
        let too_new = timestamp.wrapping_sub(now_ms) > rules.after_max_ms;
        (too_old || too_new).then(|| {
            format!(
                "Timestamp {timestamp} of message with offset {offset} is out of range. \
                 The timestamp should be within [{}, {}]",
                now_ms.wrapping_sub(rules.before_max_ms),
                now_ms.wrapping_add(rules.after_max_ms)
            )
        })
    } else if header.is_log_append_time() {
        Some(format!(
            "Invalid timestamp type in message DefaultRecord(offset={offset}, timestamp={timestamp}, \
             key={} bytes, value={} bytes). Producer should not set timestamp type to LogAppendTime.",
            record.key_len.max(0),
            record.value_len.max(0)
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::testing::{make_batch, BatchBuilder};

    const NOW: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn kafka_defaults() -> TimestampRules {
        TimestampRules { after_max_ms: HOUR, ..TimestampRules::default() }
    }

    fn run(batch: &[u8], rules: &TimestampRules) -> Result<i64, Error> {
        validate(batch, rules, NOW).map(|v| v.max_timestamp)
    }

    fn with(batch: &[u8], at: usize, bytes: &[u8]) -> Vec<u8> {
        let mut copy = batch.to_vec();
        copy[at..at + bytes.len()].copy_from_slice(bytes);
        let crc = crc32c::crc32c(&copy[21..]);
        copy[17..21].copy_from_slice(&crc.to_be_bytes());
        copy
    }

    #[test]
    fn a_batch_within_the_rules_passes_with_its_records_max_timestamp() {
        let batch = make_batch(3, 10, NOW - 5);
        assert_eq!(run(&batch, &kafka_defaults()).unwrap(), NOW - 3);
    }

    #[test]
    fn a_timestamp_more_than_after_max_ms_ahead_is_refused_with_kafkas_record_error() {
        let batch = make_batch(3, 10, NOW + HOUR - 1);
        let Err(Error::InvalidTimestamp(errors)) = run(&batch, &kafka_defaults()) else { panic!("accepted") };
        // Record 1 is exactly at the limit (allowed), record 2 one past it.
        assert_eq!(errors.iter().map(|e| e.batch_index).collect::<Vec<_>>(), [2]);
        assert_eq!(
            errors[0].message,
            format!(
                "Timestamp {} of message with offset 2 is out of range. The timestamp should be within [{}, {}]",
                NOW + HOUR + 1,
                NOW.wrapping_sub(i64::MAX),
                NOW + HOUR
            )
        );
        assert_eq!(
            Error::InvalidTimestamp(errors).to_string(),
            "One or more records have been rejected due to invalid timestamp"
        );
    }

    #[test]
    fn before_max_ms_refuses_old_timestamps_but_never_minus_one() {
        let rules = TimestampRules { before_max_ms: 1000, ..kafka_defaults() };
        assert!(matches!(run(&make_batch(1, 10, NOW - 1001), &rules), Err(Error::InvalidTimestamp(_))));
        assert!(run(&make_batch(1, 10, NOW - 1000), &rules).is_ok());
        // -1 is "no timestamp": Kafka does not check it, and its max stays -1.
        assert_eq!(run(&make_batch(1, 10, NO_TIMESTAMP), &rules).unwrap(), NO_TIMESTAMP);
        assert!(matches!(run(&make_batch(1, 10, -5), &rules), Err(Error::InvalidTimestamp(_))));
    }

    #[test]
    fn timestamps_below_minus_one_leave_the_max_at_minus_one_as_kafka_does() {
        assert_eq!(run(&make_batch(1, 10, -5), &TimestampRules::default()).unwrap(), NO_TIMESTAMP);
    }

    #[test]
    fn a_log_append_time_topic_takes_any_timestamp_but_not_a_producers_log_append_time_batch() {
        let rules = TimestampRules { timestamp_type: TimestampType::LogAppendTime, ..kafka_defaults() };
        assert!(run(&make_batch(2, 10, NOW + 10 * HOUR), &rules).is_ok());
        let batch = make_batch(2, 10, 1_000);
        let marked = with(&batch, 21, &0x08i16.to_be_bytes());
        let Err(Error::InvalidTimestamp(errors)) = run(&marked, &rules) else { panic!("accepted") };
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[1].message,
            "Invalid timestamp type in message DefaultRecord(offset=1, timestamp=1001, key=2 bytes, value=10 bytes). \
             Producer should not set timestamp type to LogAppendTime."
        );
    }

    #[test]
    fn a_producers_log_append_time_batch_on_a_create_time_topic_reads_its_max_timestamp() {
        let batch = make_batch(2, 10, 1_000);
        let marked = with(&batch, 21, &0x08i16.to_be_bytes());
        let validated = validate(&marked, &TimestampRules::default(), NOW).unwrap();
        assert_eq!(validated.max_timestamp, 1_001);
        assert_eq!(validated.header_rewrite(TimestampType::CreateTime, NOW), Some((TimestampType::CreateTime, 1_001)));
    }

    #[test]
    fn the_header_is_rewritten_only_when_the_producers_max_timestamp_is_wrong() {
        let batch = make_batch(3, 10, 1_000);
        let validated = validate(&batch, &TimestampRules::default(), NOW).unwrap();
        assert_eq!(validated.header_rewrite(TimestampType::CreateTime, NOW), None);
        assert_eq!(
            validated.header_rewrite(TimestampType::LogAppendTime, NOW),
            Some((TimestampType::LogAppendTime, NOW))
        );
        let wrong_max = with(&batch, 35, &5_000i64.to_be_bytes());
        let validated = validate(&wrong_max, &TimestampRules::default(), NOW).unwrap();
        assert_eq!(validated.header_rewrite(TimestampType::CreateTime, NOW), Some((TimestampType::CreateTime, 1_002)));
    }

    #[test]
    fn header_checks_refuse_what_kafka_refuses_from_a_client() {
        let batch = make_batch(2, 10, 1_000).to_vec();
        let base_1000 = {
            let mut b = batch.clone();
            b[..8].copy_from_slice(&1000i64.to_be_bytes());
            b
        };
        assert!(matches!(check_header(&base_1000), Err(Error::InvalidRecord(_))));
        // The base offset is checked before the CRC, as Kafka does.
        let mut base_and_crc = base_1000.clone();
        *base_and_crc.last_mut().unwrap() ^= 1;
        assert!(matches!(check_header(&base_and_crc), Err(Error::InvalidRecord(_))));
        let control = with(&batch, 21, &0x20i16.to_be_bytes());
        assert!(matches!(check_header(&control), Err(Error::InvalidRecord(_))));
        let pid_without_sequence = BatchBuilder::records(1, 10).producer(7, 0, -1).build();
        assert!(matches!(check_header(&pid_without_sequence), Err(Error::InvalidRecord(_))));
        let sequence_without_pid = BatchBuilder::records(1, 10).producer(-1, -1, 5).build();
        assert!(check_header(&sequence_without_pid).is_ok());
        let mut bad_crc = batch.clone();
        *bad_crc.last_mut().unwrap() ^= 1;
        assert!(matches!(check_header(&bad_crc), Err(Error::CorruptBatch(_))));
        assert!(is_transactional(&BatchHeader::new(&with(&batch, 21, &0x10i16.to_be_bytes())).unwrap()));
        assert!(!is_transactional(&BatchHeader::new(&batch).unwrap()));
    }

    #[test]
    fn a_record_error_stops_validation_and_a_compressed_batch_needs_its_offset_deltas_in_order() {
        let batch = make_batch(2, 10, 1_000);
        let header = check_header(&batch).unwrap();
        let rules = TimestampRules::default();
        let broken = vec![Err(Error::InvalidRecord("bad record length"))];
        assert!(matches!(check_records(&header, broken, &rules, NOW), Err(Error::InvalidRecord(_))));
        let skewed = || {
            vec![
                Ok(RecordFields { timestamp_delta: 0, offset_delta: 0, key_len: -1, value_len: 1 }),
                Ok(RecordFields { timestamp_delta: 1, offset_delta: 5, key_len: -1, value_len: 1 }),
            ]
        };
        // Uncompressed: Kafka keeps the producer's deltas as they are.
        assert_eq!(check_records(&header, skewed(), &rules, NOW).unwrap(), 1_001);
        let gzip_marked = with(&batch, 21, &1i16.to_be_bytes());
        let header = BatchHeader::new(&gzip_marked).unwrap();
        assert!(matches!(check_records(&header, skewed(), &rules, NOW), Err(Error::InvalidRecord(_))));
    }
}
