//! Test support, not broker API: v2 record batches as a producer sends them, built
//! with kafka-protocol's encoder. The one builder the unit tests, `tests/` and
//! `benches/` share, public only because integration tests and benches link the
//! library as any other crate would; hidden from the docs, and nothing in the
//! broker calls it.

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::{Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType};

/// Timestamp of a batch's first record unless a test says otherwise (2023-11-14).
pub const DEFAULT_TIMESTAMP: i64 = 1_700_000_000_000;

/// One uncompressed v2 batch of `records` records with `value_size`-byte values,
/// keys `k{i}`, record i timestamped `first_timestamp + i`.
pub fn make_batch(records: usize, value_size: usize, first_timestamp: i64) -> Bytes {
    BatchBuilder::records(records, value_size).first_timestamp(first_timestamp).build()
}

/// One uncompressed v2 batch with one record per timestamp, in the given order.
pub fn batch_with_timestamps(timestamps: &[i64], value_size: usize) -> Bytes {
    BatchBuilder::records(timestamps.len(), value_size).timestamps(timestamps).build()
}

/// An uncompressed v2 batch; non-idempotent (producer id -1, base sequence -1)
/// unless `producer` says otherwise.
#[derive(Clone, Debug)]
pub struct BatchBuilder {
    values: Vec<Bytes>,
    timestamps: Vec<i64>,
    keys: bool,
    /// (producer id, epoch, base sequence).
    producer: (i64, i16, i32),
}

impl BatchBuilder {
    /// One record per value, keys `k{i}`, record i timestamped `DEFAULT_TIMESTAMP + i`.
    pub fn values<V: AsRef<[u8]>>(values: impl IntoIterator<Item = V>) -> Self {
        let values: Vec<Bytes> = values.into_iter().map(|v| Bytes::copy_from_slice(v.as_ref())).collect();
        let timestamps = (0..values.len() as i64).map(|i| DEFAULT_TIMESTAMP + i).collect();
        Self { values, timestamps, keys: true, producer: (-1, -1, -1) }
    }

    /// `count` records of `value_size` bytes each (record i's bytes are all `i % 251`).
    pub fn records(count: usize, value_size: usize) -> Self {
        Self::values((0..count).map(|i| vec![(i % 251) as u8; value_size]))
    }

    /// Record i timestamped `first + i`.
    pub fn first_timestamp(mut self, first: i64) -> Self {
        for (i, ts) in self.timestamps.iter_mut().enumerate() {
            *ts = first + i as i64;
        }
        self
    }

    /// One timestamp per record, in record order (-1: no timestamp).
    pub fn timestamps(mut self, timestamps: &[i64]) -> Self {
        assert_eq!(timestamps.len(), self.values.len(), "one timestamp per record");
        self.timestamps = timestamps.to_vec();
        self
    }

    /// Null keys: the smallest records a producer sends.
    pub fn without_keys(mut self) -> Self {
        self.keys = false;
        self
    }

    /// An idempotent producer's batch: its id, epoch and the first record's sequence.
    pub fn producer(mut self, producer_id: i64, epoch: i16, base_sequence: i32) -> Self {
        self.producer = (producer_id, epoch, base_sequence);
        self
    }

    pub fn build(&self) -> Bytes {
        let (producer_id, producer_epoch, base_sequence) = self.producer;
        let records: Vec<Record> = self
            .values
            .iter()
            .zip(&self.timestamps)
            .enumerate()
            .map(|(i, (value, &timestamp))| Record {
                transactional: false,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: 0,
                producer_id,
                producer_epoch,
                timestamp_type: TimestampType::Creation,
                offset: i as i64,
                // The encoder starts a new batch whenever offset - sequence changes:
                // consecutive sequences from the base keep it one batch.
                sequence: base_sequence + i as i32,
                timestamp,
                key: self.keys.then(|| Bytes::from(format!("k{i}"))),
                value: Some(value.clone()),
                headers: Default::default(),
            })
            .collect();
        let mut buf = BytesMut::new();
        let options = RecordEncodeOptions { version: 2, compression: Compression::None };
        RecordBatchEncoder::encode(&mut buf, &records, &options).expect("encoding an uncompressed batch cannot fail");
        buf.freeze()
    }
}
