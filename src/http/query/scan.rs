//! One page of a query: seek each partition (log start, `from_offset`, the time
//! index for `from_time`, as Kafka's offsetsForTimes finds the first record at
//! or after a time), then read it batch by batch with `Log::read`, decode the
//! records (`log::records`, decompressing), keep those the filter matches, and
//! stop at the page's limits. A partition ends at the end offset it had when
//! its read began, or at its first record later than `to_time`; one that has
//! not ended when the page is full goes in the cursor at the next offset to read.
//!
//! Bounds, whatever matches: `READ_CHUNK` log bytes per read (a larger single
//! batch is read whole, as a fetch returns it), `SCAN_BUDGET` log bytes read per
//! page, `PAGE_MAX_BYTES` of keys, values and headers in the page.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

use super::params::{Params, Start};
use super::{Cursor, Filter};
use crate::http::RestError;
use crate::log::batch::BatchHeader;
use crate::log::records::{self, Record, Records, DEFAULT_DECOMPRESSED_LIMIT};
use crate::log::{self, Log};
use crate::topics::Topic;

/// Log bytes one read asks for.
const READ_CHUNK: u64 = 1 << 20;
/// Log bytes one page reads at most (after which it answers what it found).
const SCAN_BUDGET: u64 = 32 << 20;
/// Bytes of keys, values and headers one page holds at most (past the first record).
const PAGE_MAX_BYTES: usize = 8 << 20;
/// Attribute bit 5: a control batch (transaction markers), no user records.
const CONTROL_BIT: i16 = 0x20;

/// One record as the query answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryRecord {
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<String>,
    pub key_encoding: Option<&'static str>,
    pub value: Option<String>,
    pub value_encoding: Option<&'static str>,
    pub headers: Vec<QueryHeader>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QueryHeader {
    pub name: String,
    pub value: Option<String>,
    pub value_encoding: Option<&'static str>,
}

/// A page and where the next one starts (None: every partition finished).
#[derive(Debug)]
pub struct Page {
    pub records: Vec<QueryRecord>,
    pub next: Option<Cursor>,
}

/// The page `params` asks for of `topic`.
pub fn run(topic: &Topic, params: &Params) -> Result<Page, RestError> {
    run_with(topic, params, SCAN_BUDGET)
}

fn run_with(topic: &Topic, params: &Params, scan_budget: u64) -> Result<Page, RestError> {
    let positions = starts(topic, params)?;
    let mut page = PageBuilder { records: Vec::new(), bytes: 0, limit: params.limit, budget: scan_budget };
    let mut next = Vec::new();
    for (partition, offset) in positions {
        let log = topic.partition(partition).ok_or(RestError::PartitionNotFound)?;
        if page.full() {
            next.push((partition, offset));
            continue;
        }
        if let Some(stopped_at) = scan_partition(&log, partition, offset, &params.filter, &mut page)? {
            next.push((partition, stopped_at));
        }
    }
    let next = (!next.is_empty()).then_some(Cursor { topic_id: topic.id, positions: next });
    Ok(Page { records: page.records, next })
}

/// Where each partition asked for starts: from the cursor, or sought.
fn starts(topic: &Topic, params: &Params) -> Result<Vec<(i32, i64)>, RestError> {
    match &params.start {
        Start::Cursor(cursor) => {
            if cursor.topic_id != topic.id {
                return Err(RestError::Unprocessable(
                    "Query parameter cursor was given for another topic (or one since deleted).".into(),
                ));
            }
            Ok(cursor.positions.clone())
        }
        Start::Seek { partition, from_offset, from_time } => {
            let partitions: Vec<i32> = match partition {
                Some(p) => {
                    topic.partition(*p).ok_or(RestError::PartitionNotFound)?;
                    vec![*p]
                }
                None => (0..topic.partition_count() as i32).collect(),
            };
            let mut positions = Vec::with_capacity(partitions.len());
            for partition in partitions {
                let log = topic.partition(partition).ok_or(RestError::PartitionNotFound)?;
                let (start, end) = (log.start_offset(), log.end_offset());
                let mut offset = from_offset.map_or(start, |o| o.clamp(start, end));
                if let Some(time) = from_time {
                    let found = log.offset_for_timestamp(*time).map_err(kafka)?;
                    offset = offset.max(found.map_or(end, |f| f.offset));
                }
                positions.push((partition, offset));
            }
            Ok(positions)
        }
    }
}

struct PageBuilder {
    records: Vec<QueryRecord>,
    /// Bytes of keys, values and headers in `records`.
    bytes: usize,
    limit: usize,
    /// Log bytes this page may still read.
    budget: u64,
}

impl PageBuilder {
    fn full(&self) -> bool {
        self.records.len() >= self.limit || self.bytes >= PAGE_MAX_BYTES || self.budget == 0
    }
}

/// Reads `log` from `offset` into `page`. Returns where to go on from when the
/// page filled first, None when the partition ended.
fn scan_partition(
    log: &Log,
    partition: i32,
    offset: i64,
    filter: &Filter,
    page: &mut PageBuilder,
) -> Result<Option<i64>, RestError> {
    let end = log.end_offset();
    let mut next = offset.max(log.start_offset());
    loop {
        if next >= end {
            return Ok(None);
        }
        if page.full() {
            return Ok(Some(next));
        }
        let chunk = match log.read(next, READ_CHUNK.min(page.budget), true) {
            Ok(chunk) => chunk,
            // Retention or DeleteRecords moved the log start past `next`: those
            // records are gone, go on from the new start.
            Err(log::Error::OffsetOutOfRange { start, .. }) if next < start => {
                next = start;
                continue;
            }
            Err(e) => return Err(kafka(e)),
        };
        if chunk.is_empty() {
            return Err(RestError::Internal(format!(
                "partition {partition}: nothing read at offset {next}, before its end {end}"
            )));
        }
        page.budget = page.budget.saturating_sub(chunk.len() as u64);
        let read_at = next;
        let mut rest = &chunk[..];
        while let Some(batch) = whole_batch(rest) {
            rest = &rest[batch.len()..];
            let header = BatchHeader::new(batch).map_err(kafka)?;
            if header.last_offset() < next || header.attributes() & CONTROL_BIT != 0 {
                next = next.max(header.last_offset() + 1);
                continue;
            }
            let data = records::batch_records(batch, DEFAULT_DECOMPRESSED_LIMIT).map_err(unreadable)?;
            for record in Records::new(&data, header.record_count()) {
                let record = record.map_err(unreadable)?;
                let offset = record.offset(&header);
                if offset < next {
                    continue;
                }
                if offset >= end {
                    return Ok(None);
                }
                let timestamp = record.timestamp(&header).unwrap_or(-1);
                if filter.to_time.is_some_and(|to| timestamp > to) {
                    return Ok(None);
                }
                next = offset + 1;
                if filter.matches(&record, timestamp) {
                    let record = to_json(partition, offset, timestamp, &record);
                    page.bytes += json_bytes(&record);
                    page.records.push(record);
                    if page.full() {
                        return Ok((next < end).then_some(next));
                    }
                }
            }
            next = next.max(header.last_offset() + 1);
        }
        // A read holds at least one whole batch past `read_at`; were it not so,
        // reading again from the same place would never end.
        if next == read_at {
            return Err(RestError::Internal(format!("partition {partition}: no whole batch read at offset {next}")));
        }
    }
}

/// The whole batch at the start of `buf`, if there is one.
fn whole_batch(buf: &[u8]) -> Option<&[u8]> {
    let size = BatchHeader::peek_size(buf)?;
    usize::try_from(size).ok().and_then(|size| buf.get(..size))
}

fn to_json(partition: i32, offset: i64, timestamp: i64, record: &Record<'_>) -> QueryRecord {
    let (key, key_encoding) = text(record.key);
    let (value, value_encoding) = text(record.value);
    let headers = record
        .headers()
        .map(|(name, value)| {
            let (value, value_encoding) = text(value);
            QueryHeader { name: String::from_utf8_lossy(name).into_owned(), value, value_encoding }
        })
        .collect();
    QueryRecord { partition, offset, timestamp, key, key_encoding, value, value_encoding, headers }
}

/// Bytes as UTF-8 text when they are valid UTF-8, base64 otherwise, and which.
fn text(bytes: Option<&[u8]>) -> (Option<String>, Option<&'static str>) {
    match bytes.map(std::str::from_utf8) {
        None => (None, None),
        Some(Ok(text)) => (Some(text.to_owned()), Some("utf8")),
        Some(Err(_)) => (bytes.map(|b| STANDARD.encode(b)), Some("base64")),
    }
}

fn json_bytes(record: &QueryRecord) -> usize {
    let len = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    len(&record.key) + len(&record.value) + record.headers.iter().map(|h| h.name.len() + len(&h.value)).sum::<usize>()
}

fn kafka(e: log::Error) -> RestError {
    RestError::Kafka(e.to_string())
}

fn unreadable(e: records::RecordsError) -> RestError {
    RestError::Kafka(format!("cannot read the partition's records: {e}"))
}

#[cfg(test)]
mod tests {
    use bytes::{Bytes, BytesMut};
    use kafka_protocol::indexmap::IndexMap;
    use kafka_protocol::protocol::StrBytes;
    use kafka_protocol::records::{
        Compression, Record as KRecord, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
    };

    use super::*;
    use crate::config::{Config, Overrides};
    use crate::log::records::Codec;
    use crate::topics::{NewTopic, Topics};

    fn headers(pairs: &[(&str, Option<&str>)]) -> IndexMap<StrBytes, Option<Bytes>> {
        pairs
            .iter()
            .map(|(k, v)| (StrBytes::from_string(k.to_string()), v.map(|v| Bytes::copy_from_slice(v.as_bytes()))))
            .collect()
    }

    /// (key, value, timestamp, headers) per record.
    type Spec<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, i64, &'a [(&'a str, Option<&'a str>)]);

    fn batch(records: &[Spec<'_>], codec: Codec) -> Bytes {
        let records: Vec<KRecord> = records
            .iter()
            .enumerate()
            .map(|(i, (key, value, timestamp, hs))| KRecord {
                transactional: false,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: 0,
                producer_id: -1,
                producer_epoch: -1,
                timestamp_type: TimestampType::Creation,
                offset: i as i64,
                // One batch: the encoder splits where offset - sequence changes (as log::testing).
                sequence: i as i32 - 1,
                timestamp: *timestamp,
                key: key.map(Bytes::copy_from_slice),
                value: value.map(Bytes::copy_from_slice),
                headers: headers(hs),
            })
            .collect();
        let mut buf = BytesMut::new();
        let options = RecordEncodeOptions { version: 2, compression: Compression::None };
        RecordBatchEncoder::encode(&mut buf, &records, &options).expect("encoding a test batch");
        match codec {
            Codec::None => buf.freeze(),
            codec => crate::log::testing::compress(&buf, codec),
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        _topics: Topics,
    }

    fn topic(partitions: usize) -> (Fixture, std::sync::Arc<Topic>) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().to_owned(), ..Config::load(Overrides::default(), None).unwrap() };
        let (topics, _) = Topics::open(&config, crate::now_ms()).unwrap();
        let topic =
            topics.create(NewTopic { name: "q", partitions, overrides: Default::default() }, false).unwrap().unwrap();
        (Fixture { _dir: dir, _topics: topics }, topic)
    }

    fn append(topic: &Topic, partition: i32, batch: &[u8]) {
        topic.partition(partition).unwrap().append(batch, crate::now_ms()).unwrap();
    }

    fn query(pairs: &[(&str, &str)]) -> Params {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Params::parse(&pairs).unwrap()
    }

    fn offsets(page: &Page) -> Vec<(i32, i64)> {
        page.records.iter().map(|r| (r.partition, r.offset)).collect()
    }

    const T: i64 = 1_700_000_000_000;

    /// 10 records per partition over two partitions, keys k0..k9, values "line i"
    /// (odd ones "error i"), a header level=warn on every third, timestamps T+i.
    fn logs() -> (Fixture, std::sync::Arc<Topic>) {
        let (fixture, topic) = topic(2);
        let values: Vec<String> =
            (0..10).map(|i| if i % 2 == 1 { format!("error {i}") } else { format!("line {i}") }).collect();
        let keys: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
        let warn: &[(&str, Option<&str>)] = &[("level", Some("warn")), ("trace", None)];
        for partition in 0..2 {
            // Two batches per partition, the second one compressed.
            for (range, compression) in [(0..5, Codec::None), (5..10, Codec::Gzip)] {
                let specs: Vec<Spec<'_>> = range
                    .map(|i| {
                        let hs: &[(&str, Option<&str>)] = if i % 3 == 0 { warn } else { &[] };
                        (Some(keys[i].as_bytes()), Some(values[i].as_bytes()), T + i as i64, hs)
                    })
                    .collect();
                append(&topic, partition, &batch(&specs, compression));
            }
        }
        (fixture, topic)
    }

    #[test]
    fn every_record_of_every_partition_by_partition_then_offset() {
        let (_f, topic) = logs();
        let page = run(&topic, &query(&[])).unwrap();
        let expected: Vec<(i32, i64)> = (0..2).flat_map(|p| (0..10).map(move |o| (p, o))).collect();
        assert_eq!(offsets(&page), expected);
        assert!(page.next.is_none());
        let first = &page.records[0];
        assert_eq!((first.key.as_deref(), first.value.as_deref(), first.timestamp), (Some("k0"), Some("line 0"), T));
        assert_eq!(
            first.headers[0],
            QueryHeader { name: "level".into(), value: Some("warn".into()), value_encoding: Some("utf8") }
        );
        assert_eq!(first.headers[1], QueryHeader { name: "trace".into(), value: None, value_encoding: None });
    }

    #[test]
    fn filters_key_header_contains_and_time() {
        let (_f, topic) = logs();
        let page = run(&topic, &query(&[("key", "k3")])).unwrap();
        assert_eq!(offsets(&page), vec![(0, 3), (1, 3)]);
        let page = run(&topic, &query(&[("header", "level:warn"), ("partition", "1")])).unwrap();
        assert_eq!(offsets(&page), vec![(1, 0), (1, 3), (1, 6), (1, 9)]);
        let page = run(&topic, &query(&[("header", "trace"), ("contains", "error"), ("partition", "0")])).unwrap();
        assert_eq!(offsets(&page), vec![(0, 3), (0, 9)]);
        let page = run(&topic, &query(&[("header", "level:info")])).unwrap();
        assert_eq!(offsets(&page), vec![]);
        let from = (T + 4).to_string();
        let to = (T + 6).to_string();
        let page = run(&topic, &query(&[("from_time", &from), ("to_time", &to), ("partition", "0")])).unwrap();
        assert_eq!(offsets(&page), vec![(0, 4), (0, 5), (0, 6)]);
        assert!(page.next.is_none(), "to_time ends the partition");
        let page = run(&topic, &query(&[("from_offset", "8")])).unwrap();
        assert_eq!(offsets(&page), vec![(0, 8), (0, 9), (1, 8), (1, 9)]);
        let page = run(&topic, &query(&[("from_time", &(T + 100).to_string())])).unwrap();
        assert!(page.records.is_empty() && page.next.is_none(), "nothing at or after from_time");
    }

    #[test]
    fn paging_with_the_cursor_yields_every_match_once() {
        let (_f, topic) = logs();
        let mut seen = Vec::new();
        let mut params = query(&[("contains", "error"), ("limit", "3")]);
        for _ in 0..10 {
            let page = run(&topic, &params).unwrap();
            assert!(page.records.len() <= 3);
            seen.extend(offsets(&page));
            match page.next {
                Some(cursor) => {
                    let text = cursor.encode();
                    params = query(&[("contains", "error"), ("limit", "3"), ("cursor", &text)]);
                }
                None => break,
            }
        }
        let expected: Vec<(i32, i64)> = (0..2).flat_map(|p| [1, 3, 5, 7, 9].map(move |o| (p, o))).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_filter_matching_nothing_stops_at_the_scan_budget_with_a_cursor() {
        let (_f, topic) = logs();
        let params = query(&[("key", "absent")]);
        // A budget of one read: the first partition's first batches, then a cursor.
        let page = run_with(&topic, &params, 100).unwrap();
        assert!(page.records.is_empty());
        let cursor = page.next.expect("a cursor to go on from");
        assert_eq!(cursor.positions[0].0, 0);
        assert!(cursor.positions[0].1 > 0, "progress was made: {cursor:?}");
        // Going on with the cursor eventually finishes.
        let mut params = params;
        let mut next = Some(cursor);
        for _ in 0..100 {
            let Some(cursor) = next else { break };
            params.start = Start::Cursor(cursor);
            next = run_with(&topic, &params, 100).unwrap().next;
        }
        assert!(next.is_none());
    }

    #[test]
    fn a_cursor_for_another_topic_is_refused_and_bad_partitions_are_404() {
        let (_f, topic) = logs();
        let other = Cursor { topic_id: uuid::Uuid::from_u128(5), positions: vec![(0, 0)] };
        let params = query(&[("cursor", &other.encode())]);
        assert!(matches!(run(&topic, &params), Err(RestError::Unprocessable(_))));
        let mine = Cursor { topic_id: topic.id, positions: vec![(7, 0)] };
        assert!(matches!(run(&topic, &query(&[("cursor", &mine.encode())])), Err(RestError::PartitionNotFound)));
        assert!(matches!(run(&topic, &query(&[("partition", "2")])), Err(RestError::PartitionNotFound)));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_base64_and_null_stays_null() {
        let (_f, topic) = topic(1);
        append(&topic, 0, &batch(&[(None, Some(&[0xff, 0x00]), T, &[]), (Some(b"k"), None, T, &[])], Codec::None));
        let page = run(&topic, &query(&[])).unwrap();
        let (a, b) = (&page.records[0], &page.records[1]);
        assert_eq!((a.key.as_deref(), a.key_encoding), (None, None));
        assert_eq!((a.value.as_deref(), a.value_encoding), (Some("/wA="), Some("base64")));
        assert_eq!((b.value.as_deref(), b.value_encoding), (None, None));
    }
}
