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

/// `batch` (one whole uncompressed v2 batch) with its records section compressed
/// by `codec` the way the clients write it: gzip, snappy in the xerial framing
/// the Java client uses, an LZ4 frame, a zstd frame. The attributes name the
/// codec, and the length and CRC32C are recomputed.
pub fn compress(batch: &[u8], codec: crate::log::records::Codec) -> Bytes {
    use crate::log::batch::HEADER_LEN;
    use crate::log::records::Codec;
    use std::io::Write;

    let records = &batch[HEADER_LEN..];
    let (bits, compressed): (i16, Vec<u8>) = match codec {
        Codec::None => (0, records.to_vec()),
        Codec::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(records).expect("writing to a Vec cannot fail");
            (1, gz.finish().expect("writing to a Vec cannot fail"))
        }
        Codec::Snappy => {
            let block = snap::raw::Encoder::new().compress_vec(records).expect("a test batch fits snappy's limits");
            let mut out = b"\x82SNAPPY\0".to_vec();
            out.extend_from_slice(&1i32.to_be_bytes());
            out.extend_from_slice(&1i32.to_be_bytes());
            out.extend_from_slice(&(block.len() as i32).to_be_bytes());
            out.extend_from_slice(&block);
            (2, out)
        }
        Codec::Lz4 => {
            let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
            lz4.write_all(records).expect("writing to a Vec cannot fail");
            (3, lz4.finish().expect("writing to a Vec cannot fail"))
        }
        Codec::Zstd => (4, zstd::stream::encode_all(records, 3).expect("writing to a Vec cannot fail")),
    };
    let mut out = BytesMut::from(&batch[..HEADER_LEN]);
    out.extend_from_slice(&compressed);
    let length = (out.len() - 12) as i32;
    out[8..12].copy_from_slice(&length.to_be_bytes());
    let attributes = (i16::from_be_bytes([out[21], out[22]]) & !0x07) | bits;
    out[21..23].copy_from_slice(&attributes.to_be_bytes());
    let crc = crc32c::crc32c(&out[21..]);
    out[17..21].copy_from_slice(&crc.to_be_bytes());
    out.freeze()
}
