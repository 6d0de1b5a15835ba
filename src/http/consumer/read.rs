//! `GET .../records`: the records after an instance's positions, as the REST
//! Proxy embeds them (`{"topic", "key", "value", "partition", "offset"}`, key
//! and value base64 for `binary`, JSON documents for `json`, `null` when null).
//!
//! Reads go straight to the logs (`Log::read`, whole batches, decompressed by
//! `log::records`), from each owned partition in turn (the starting partition
//! rotates between requests so one busy partition does not starve the rest),
//! until `max_bytes` of keys and values (the REST Proxy's measure) or
//! `MAX_RECORDS` records are reached;
//! at least one record is returned even when it alone is larger, so a large
//! record never blocks its partition. With nothing to return the request waits
//! up to `timeout` for an append to an owned partition or a change of
//! partitions (a long poll, like a Fetch's `max_wait_ms`).
//!
//! Control batches (transaction markers) are skipped; records of aborted
//! transactions are returned, as a Kafka consumer with the default
//! `isolation.level=read_uncommitted` sees them.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::config::Format;
use super::instance::{partition_log, Instance, Partition, Snapshot};
use crate::broker::Broker;
use crate::http::RestError;
use crate::log::batch::BatchHeader;
use crate::log::records::{batch_records, Records, DEFAULT_DECOMPRESSED_LIMIT};

/// The REST Proxy's `consumer.request.max.bytes` default, also the most a
/// request may ask for.
pub const MAX_BYTES: u64 = 64 << 20;
/// The REST Proxy's `consumer.request.timeout.ms` default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1_000);
/// The longest a records request may wait.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// Attribute bit 5: a control batch (transaction markers), never handed to consumers.
const CONTROL_BIT: i16 = 0x20;
/// Each log read asks for at most this much.
const READ_CHUNK: u64 = 1 << 20;
/// The most records one answer holds, whatever their size: `max_bytes` counts
/// keys and values only (the REST Proxy's measure), so without this, records
/// with null keys and values would make an answer of a whole partition. (Kafka's
/// consumer hands out `max.poll.records` a poll, 500 by default.)
pub const MAX_RECORDS: usize = 10_000;

/// The records after the instance's positions, waiting up to `timeout` for some.
pub async fn records(
    broker: &Arc<Broker>,
    instance: &Instance,
    timeout: Duration,
    max_bytes: u64,
) -> Result<Vec<Value>, RestError> {
    let _reading = instance.reading.lock().await;
    instance.auto_commit(broker).await;
    let deadline = Instant::now() + timeout;
    let mut shutdown = broker.shutdown.clone();
    loop {
        let notified = instance.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let snapshot = instance.snapshot();
        // Subscribed before reading, so an append after the read wakes the wait.
        let mut appends: Vec<_> = snapshot
            .partitions
            .iter()
            .filter_map(|(p, _)| partition_log(broker, p).ok())
            .map(|log| log.subscribe())
            .collect();
        let Pass { found, positions } = crate::blocking(|| read_once(broker, instance, &snapshot, max_bytes))?;
        if !instance.advance(snapshot.epoch, &positions) {
            // The partitions changed under the read: read again from the new ones.
            continue;
        }
        if !found.is_empty() || Instant::now() >= deadline || instance.is_closed() || *shutdown.borrow() {
            return Ok(found);
        }
        let any_append = async {
            if appends.is_empty() {
                std::future::pending::<()>().await;
            }
            let _ = futures_util::future::select_all(appends.iter_mut().map(|r| Box::pin(r.changed()))).await;
        };
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {}
            _ = &mut notified => {}
            _ = any_append => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// What one pass over the owned partitions found.
struct Pass {
    found: Vec<Value>,
    /// Every partition's position after the records found.
    positions: Vec<(Partition, i64)>,
}

/// One pass over the owned partitions.
fn read_once(broker: &Broker, instance: &Instance, snapshot: &Snapshot, max_bytes: u64) -> Result<Pass, RestError> {
    let mut found = Vec::new();
    let mut used = 0u64;
    let mut positions = Vec::with_capacity(snapshot.partitions.len());
    let mut full = false;
    for (partition, position) in &snapshot.partitions {
        // A topic deleted under the instance has nothing to read.
        let Ok(log) = partition_log(broker, partition) else { continue };
        let mut position = match position {
            Some(p) => *p,
            None => instance.initial_position(broker, partition)?,
        };
        let mut reset_once = false;
        while !full {
            let chunk = max_bytes.saturating_sub(used).clamp(1, READ_CHUNK);
            let bytes = match log.read(position, chunk, true) {
                Ok(bytes) => bytes,
                Err(crate::log::Error::OffsetOutOfRange { .. }) if !reset_once => {
                    // Kafka's consumer resets an out-of-range position by auto.offset.reset.
                    reset_once = true;
                    position = instance.reset(broker, partition)?;
                    continue;
                }
                Err(e) => return Err(RestError::Kafka(format!("cannot read {}-{}: {e}", partition.0, partition.1))),
            };
            if bytes.is_empty() {
                break;
            }
            let before = position;
            full = decode(&bytes, partition, instance.config.format, &mut position, &mut found, &mut used, max_bytes)?;
            if position == before {
                break;
            }
        }
        positions.push((partition.clone(), position));
    }
    Ok(Pass { found, positions })
}

/// Appends the records of `bytes` (whole batches) at or after `position` to
/// `found`, moving `position` past them; true once `max_bytes` is reached.
fn decode(
    bytes: &[u8],
    partition: &Partition,
    format: Format,
    position: &mut i64,
    found: &mut Vec<Value>,
    used: &mut u64,
    max_bytes: u64,
) -> Result<bool, RestError> {
    let corrupt = |what: String| RestError::Kafka(format!("cannot read {}-{}: {what}", partition.0, partition.1));
    let mut rest = bytes;
    while let Some(size) = BatchHeader::peek_size(rest) {
        let Ok(size) = usize::try_from(size) else { break };
        if size > rest.len() {
            break;
        }
        let (batch, tail) = rest.split_at(size);
        rest = tail;
        let header = BatchHeader::new(batch).map_err(|e| corrupt(e.to_string()))?;
        if header.last_offset() < *position {
            continue;
        }
        if header.attributes() & CONTROL_BIT == 0 {
            let data = batch_records(batch, DEFAULT_DECOMPRESSED_LIMIT).map_err(|e| corrupt(e.to_string()))?;
            for record in Records::new(&data, header.record_count()) {
                let record = record.map_err(|e| corrupt(e.to_string()))?;
                let offset = record.offset(&header);
                if offset < *position {
                    continue;
                }
                let size = (record.key.map_or(0, <[u8]>::len) + record.value.map_or(0, <[u8]>::len)) as u64;
                if !found.is_empty() && (*used + size > max_bytes || found.len() >= MAX_RECORDS) {
                    return Ok(true);
                }
                found.push(embed(format, partition, offset, record.key, record.value)?);
                *used += size;
                *position = offset + 1;
            }
        }
        *position = (*position).max(header.last_offset() + 1);
    }
    Ok(*used >= max_bytes)
}

/// One record as the REST Proxy embeds it in `format`.
pub fn embed(
    format: Format,
    partition: &Partition,
    offset: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Result<Value, RestError> {
    let field = |bytes: Option<&[u8]>, what: &str| -> Result<Value, RestError> {
        match (bytes, format) {
            (None, _) => Ok(Value::Null),
            (Some(b), Format::Binary) => Ok(Value::String(STANDARD.encode(b))),
            (Some(b), Format::Json) => serde_json::from_slice(b).map_err(|e| {
                RestError::Unprocessable(format!(
                    "The {what} of the record at {}-{} offset {offset} is not JSON ({e}); read it with a binary consumer",
                    partition.0, partition.1
                ))
            }),
        }
    };
    Ok(json!({
        "topic": partition.0,
        "key": field(key, "key")?,
        "value": field(value, "value")?,
        "partition": partition.1,
        "offset": offset,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::testing::BatchBuilder;

    fn partition() -> Partition {
        ("events".into(), 0)
    }

    #[test]
    fn binary_records_are_base64_and_json_records_are_documents() {
        let p = partition();
        let binary = embed(Format::Binary, &p, 7, Some(b"k"), Some(b"\x00\xff")).unwrap();
        assert_eq!(binary, json!({"topic": "events", "key": "aw==", "value": "AP8=", "partition": 0, "offset": 7}));
        let document = embed(Format::Json, &p, 8, None, Some(br#"{"a":[1,2]}"#)).unwrap();
        assert_eq!(
            document,
            json!({"topic": "events", "key": null, "value": {"a": [1, 2]}, "partition": 0, "offset": 8})
        );
        assert!(matches!(embed(Format::Json, &p, 9, None, Some(b"not json")), Err(RestError::Unprocessable(_))));
    }

    /// A batch of `values` at `base`, as the log stores it.
    fn batch_at(base: i64, values: &[&str]) -> Vec<u8> {
        let mut batch = BatchBuilder::values(values.iter().copied()).without_keys().build().to_vec();
        batch[..8].copy_from_slice(&base.to_be_bytes());
        batch
    }

    #[test]
    fn decoding_starts_at_the_position_inside_a_batch_and_stops_at_max_bytes() {
        let mut bytes = batch_at(10, &["aa", "bb", "cc"]);
        bytes.extend(batch_at(13, &["dd", "ee"]));
        let (mut position, mut found, mut used) = (11, Vec::new(), 0);
        let full = decode(&bytes, &partition(), Format::Binary, &mut position, &mut found, &mut used, 1 << 20).unwrap();
        assert!(!full);
        let offsets: Vec<i64> = found.iter().map(|r| r["offset"].as_i64().unwrap()).collect();
        assert_eq!(offsets, vec![11, 12, 13, 14]);
        assert_eq!(position, 15);
        // 5 bytes of keys and values hold two 2-byte values, not three.
        let (mut position, mut found, mut used) = (10, Vec::new(), 0);
        let full = decode(&bytes, &partition(), Format::Binary, &mut position, &mut found, &mut used, 5).unwrap();
        assert!(full);
        assert_eq!((found.len(), position), (2, 12));
        // A budget smaller than one record still returns that record.
        let (mut position, mut found, mut used) = (10, Vec::new(), 0);
        let full = decode(&bytes, &partition(), Format::Binary, &mut position, &mut found, &mut used, 1).unwrap();
        assert!(full);
        assert_eq!((found.len(), position), (1, 11), "at least one record even over max_bytes");
    }

    #[test]
    fn an_answer_of_empty_records_holds_at_most_max_records() {
        let values = vec![""; MAX_RECORDS + 5];
        let bytes = batch_at(0, &values);
        let (mut position, mut found, mut used) = (0, Vec::new(), 0);
        let full =
            decode(&bytes, &partition(), Format::Binary, &mut position, &mut found, &mut used, u64::MAX).unwrap();
        assert!(full);
        assert_eq!((found.len(), position), (MAX_RECORDS, MAX_RECORDS as i64));
    }
}
