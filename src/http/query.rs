//! strand's own `/strand/v1`, for using a topic as a searchable log (what
//! log-ingest services answer with filtered queries; the REST Proxy has no
//! equivalent):
//!
//! - `GET /strand/v1/topics/{topic}/records`: records found with the time index,
//!   filtered on the server, one page at a time (`scan`, `cursor`, `params`);
//! - `GET /strand/v1/topics/{topic}/stats`: record count, bytes, first and last
//!   timestamp, produce rate and produce/fetch latency (`topics::stats`).
//!
//! A page answers `{"records": [...], "next_cursor": ...}`. Records come by
//! partition, then offset; each carries its partition, offset, timestamp,
//! headers, and key and value as UTF-8 text when they are valid UTF-8, base64
//! otherwise (`*_encoding` says which). `next_cursor` is null once every
//! partition asked for was read up to the end offset it had when its read began
//! (or up to `to_time`); a client pages until then, passing the same filters.
//!
//! Memory and work are bounded per request whatever the filters: one read of at
//! most `READ_CHUNK` log bytes (or one batch, decompressed, if larger) is held at
//! a time besides the page, a page holds at most `limit` records and about
//! `PAGE_MAX_BYTES` of keys and values, and at most `SCAN_BUDGET` log bytes are
//! read per request: a filter that matches nothing answers an empty page with a
//! cursor to go on from.

mod cursor;
mod params;
mod scan;

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::{Rest, RestError};
use crate::log::records::{self, DEFAULT_DECOMPRESSED_LIMIT};
use crate::log::Log;
use crate::topics::Topic;

pub use self::cursor::Cursor;
pub use self::params::{Filter, Params};
pub use self::scan::{Page, QueryRecord};

/// Records a page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 100;
/// The most records one page may hold.
pub const MAX_LIMIT: u32 = 1000;

pub fn router() -> Router<Rest> {
    Router::new()
        .route("/strand/v1/topics/{topic}/records", get(query_records))
        .route("/strand/v1/topics/{topic}/stats", get(topic_stats))
}

fn topic(rest: &Rest, name: Result<Path<String>, PathRejection>) -> Result<Arc<Topic>, RestError> {
    let Ok(Path(name)) = name else { return Err(RestError::TopicNotFound) };
    rest.broker.topics.get(&name).ok_or(RestError::TopicNotFound)
}

#[derive(Serialize)]
struct PageBody {
    records: Vec<QueryRecord>,
    next_cursor: Option<String>,
}

async fn query_records(
    State(rest): State<Rest>,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<PageBody>, RestError> {
    let topic = topic(&rest, name)?;
    let Query(pairs) =
        query.map_err(|e| RestError::Unprocessable(format!("Invalid query string: {}", e.body_text())))?;
    let params = Params::parse(&pairs)?;
    // Seeking (the time index) and scanning read files and decompress: off the
    // async workers.
    let page = tokio::task::spawn_blocking(move || scan::run(&topic, &params))
        .await
        .map_err(|e| RestError::Internal(format!("query task failed: {e}")))??;
    Ok(Json(PageBody { records: page.records, next_cursor: page.next.map(|c| c.encode()) }))
}

#[derive(Serialize)]
struct Stats {
    topic: String,
    partitions: Vec<PartitionStats>,
    record_count: i64,
    bytes: u64,
    first_timestamp: Option<i64>,
    last_timestamp: Option<i64>,
    produce_rate: Rate,
    produce_latency_ms: crate::topics::stats::Percentiles,
    fetch_latency_ms: crate::topics::stats::Percentiles,
}

#[derive(Serialize)]
struct PartitionStats {
    partition: usize,
    start_offset: i64,
    end_offset: i64,
    bytes: u64,
}

#[derive(Serialize)]
struct Rate {
    window_seconds: i64,
    records_per_second: f64,
    bytes_per_second: f64,
}

async fn topic_stats(
    State(rest): State<Rest>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<Stats>, RestError> {
    let topic = topic(&rest, name)?;
    tokio::task::spawn_blocking(move || stats(&topic))
        .await
        .map_err(|e| RestError::Internal(format!("stats task failed: {e}")))?
        .map(Json)
}

fn stats(topic: &Topic) -> Result<Stats, RestError> {
    let mut partitions = Vec::new();
    let (mut first, mut last) = (None::<i64>, None::<i64>);
    for (index, log) in topic.partitions().iter().enumerate() {
        let (start, end) = (log.start_offset(), log.end_offset());
        partitions.push(PartitionStats {
            partition: index,
            start_offset: start,
            end_offset: end,
            bytes: log.size_bytes(),
        });
        if start < end {
            if let Some(t) = first_timestamp(log, start)? {
                first = Some(first.map_or(t, |f| f.min(t)));
            }
            if let Some(found) = log.max_timestamp().map_err(kafka)? {
                last = Some(last.map_or(found.timestamp, |l| l.max(found.timestamp)));
            }
        }
    }
    let snapshot = topic.stats.snapshot();
    Ok(Stats {
        topic: topic.name.clone(),
        record_count: partitions.iter().map(|p| p.end_offset - p.start_offset).sum(),
        bytes: partitions.iter().map(|p| p.bytes).sum(),
        partitions,
        first_timestamp: first,
        last_timestamp: last,
        produce_rate: Rate {
            window_seconds: crate::topics::stats::WINDOW_SECS,
            records_per_second: snapshot.records_per_second,
            bytes_per_second: snapshot.bytes_per_second,
        },
        produce_latency_ms: snapshot.produce_latency,
        fetch_latency_ms: snapshot.fetch_latency,
    })
}

/// The timestamp of the record at `start`, the partition's first.
fn first_timestamp(log: &Log, start: i64) -> Result<Option<i64>, RestError> {
    let batch = match log.read(start, 1, true) {
        Ok(batch) => batch,
        // Retention or DeleteRecords moved the start since it was read.
        Err(crate::log::Error::OffsetOutOfRange { .. }) => return Ok(None),
        Err(e) => return Err(kafka(e)),
    };
    let Some(size) = crate::log::batch::BatchHeader::peek_size(&batch) else { return Ok(None) };
    let Some(batch) = usize::try_from(size).ok().and_then(|size| batch.get(..size)) else { return Ok(None) };
    let found = records::find_record(batch, start, DEFAULT_DECOMPRESSED_LIMIT, |_| true)
        .map_err(|e| RestError::Kafka(format!("cannot read partition records: {e}")))?;
    Ok(found.map(|(_, timestamp)| timestamp))
}

fn kafka(e: crate::log::Error) -> RestError {
    RestError::Kafka(e.to_string())
}
