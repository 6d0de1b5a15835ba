//! Idempotent producers: per producer id, its epoch and its last five batches,
//! as Kafka's ProducerStateManager keeps them, so a retried batch is recognised
//! and answered with its original offsets (and the timestamp Kafka answers with)
//! instead of being appended twice.
//!
//! Kafka's rules (ProducerAppendInfo.checkSequence): an older epoch is refused; a
//! newer epoch must start at sequence 0; within an epoch the next batch must
//! start right after the last one (i32::MAX wraps to 0); a batch equal to one of
//! the last five is a duplicate; a producer the log knows nothing of may start at
//! any sequence. The state is snapshotted to `<offset>.snapshot` when a segment
//! rolls and at clean shutdown, and rebuilt at open from the newest snapshot plus
//! the batch headers after it. `active` is what DescribeProducers shows of it.
//! Not done: expiring idle producers (`producer.id.expiration.ms`), transactions.

use std::collections::{HashMap, VecDeque};

use super::batch::BatchHeader;
use super::Error;

/// Kafka remembers this many batches per producer for duplicate detection.
const CACHED_BATCHES: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BatchMetadata {
    first_seq: i32,
    last_seq: i32,
    first_offset: i64,
    last_offset: i64,
    /// The batch's maxTimestamp as appended (the broker's clock under
    /// LogAppendTime): Kafka answers a duplicate with it as the log append time.
    /// -1 when unknown (a snapshot written before it was kept).
    timestamp: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ProducerEntry {
    epoch: i16,
    batches: VecDeque<BatchMetadata>,
}

/// What to do with an incoming batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    Append,
    /// A retry of a batch already in the log at these offsets, with the
    /// maxTimestamp it was appended with.
    Duplicate {
        first_offset: i64,
        last_offset: i64,
        timestamp: i64,
    },
}

/// One producer as DescribeProducers shows it (Kafka's `ProducerStateEntry`):
/// its epoch and its last batch's last sequence and maxTimestamp (-1 when the
/// log no longer knows them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActiveProducer {
    pub producer_id: i64,
    pub epoch: i16,
    pub last_sequence: i32,
    pub last_timestamp: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerStates {
    producers: HashMap<i64, ProducerEntry>,
}

/// Whether a batch takes part in idempotence: it carries a producer id and a sequence.
fn is_idempotent(header: &BatchHeader<'_>) -> bool {
    header.producer_id() >= 0 && header.base_sequence() >= 0
}

impl ProducerStates {
    pub fn check(&self, header: &BatchHeader<'_>) -> Result<Check, Error> {
        if !is_idempotent(header) {
            return Ok(Check::Append);
        }
        let producer_id = header.producer_id();
        let Some(entry) = self.producers.get(&producer_id) else { return Ok(Check::Append) };
        let (epoch, first_seq) = (header.producer_epoch(), header.base_sequence());
        if epoch < entry.epoch {
            return Err(Error::InvalidProducerEpoch { producer_id, epoch, current: entry.epoch });
        }
        if epoch > entry.epoch {
            return if first_seq == 0 {
                Ok(Check::Append)
            } else {
                Err(Error::OutOfOrderSequence { producer_id, expected: 0, got: first_seq })
            };
        }
        let last_seq = header.last_sequence();
        if let Some(b) = entry.batches.iter().find(|b| b.first_seq == first_seq && b.last_seq == last_seq) {
            return Ok(Check::Duplicate {
                first_offset: b.first_offset,
                last_offset: b.last_offset,
                timestamp: b.timestamp,
            });
        }
        match entry.batches.back() {
            Some(last) if !in_sequence(last.last_seq, first_seq) => {
                Err(Error::OutOfOrderSequence { producer_id, expected: next_sequence(last.last_seq), got: first_seq })
            }
            _ => Ok(Check::Append),
        }
    }

    /// Remembers a batch the log now holds at `base_offset`; `header` is the batch
    /// as appended (its maxTimestamp stamped under LogAppendTime).
    pub fn record(&mut self, header: &BatchHeader<'_>, base_offset: i64) {
        if !is_idempotent(header) {
            return;
        }
        let entry = self.producers.entry(header.producer_id()).or_default();
        if entry.epoch != header.producer_epoch() {
            entry.epoch = header.producer_epoch();
            entry.batches.clear();
        }
        entry.batches.push_back(BatchMetadata {
            first_seq: header.base_sequence(),
            last_seq: header.last_sequence(),
            first_offset: base_offset,
            last_offset: base_offset + i64::from(header.last_offset_delta()),
            timestamp: header.max_timestamp(),
        });
        if entry.batches.len() > CACHED_BATCHES {
            entry.batches.pop_front();
        }
    }

    /// Every producer remembered, in producer id order.
    pub fn active(&self) -> Vec<ActiveProducer> {
        let mut producers: Vec<ActiveProducer> = self
            .producers
            .iter()
            .map(|(&producer_id, entry)| ActiveProducer {
                producer_id,
                epoch: entry.epoch,
                last_sequence: entry.batches.back().map_or(-1, |b| b.last_seq),
                last_timestamp: entry.batches.back().map_or(-1, |b| b.timestamp),
            })
            .collect();
        producers.sort_by_key(|p| p.producer_id);
        producers
    }

    pub fn len(&self) -> usize {
        self.producers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.producers.is_empty()
    }

    /// `[count u32]` then per producer `[id i64][epoch i16][n u8]` and n batches of
    /// `[first_seq i32][last_seq i32][first_offset i64][last_offset i64]`; then, in
    /// the same order, every batch's `[timestamp i64]`; then a CRC32C. The
    /// timestamps come last so that a snapshot written before they were kept
    /// still decodes (its batches' timestamps are unknown, -1).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(self.producers.len() as u32).to_be_bytes());
        for (id, entry) in &self.producers {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(&entry.epoch.to_be_bytes());
            out.push(entry.batches.len() as u8);
            for b in &entry.batches {
                out.extend_from_slice(&b.first_seq.to_be_bytes());
                out.extend_from_slice(&b.last_seq.to_be_bytes());
                out.extend_from_slice(&b.first_offset.to_be_bytes());
                out.extend_from_slice(&b.last_offset.to_be_bytes());
            }
        }
        for entry in self.producers.values() {
            for b in &entry.batches {
                out.extend_from_slice(&b.timestamp.to_be_bytes());
            }
        }
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    /// `None` when the bytes are torn or corrupt: the caller rebuilds from the log.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (body, crc) = bytes.split_at_checked(bytes.len().checked_sub(4)?)?;
        if crc32c::crc32c(body) != u32::from_be_bytes(crc.try_into().ok()?) {
            return None;
        }
        let mut r = body;
        let count = u32::from_be_bytes(take(&mut r, 4)?.try_into().ok()?);
        let mut producers = HashMap::new();
        let mut order = Vec::new();
        for _ in 0..count {
            let id = i64::from_be_bytes(take(&mut r, 8)?.try_into().ok()?);
            let epoch = i16::from_be_bytes(take(&mut r, 2)?.try_into().ok()?);
            let n = take(&mut r, 1)?[0];
            let mut batches = VecDeque::with_capacity(n as usize);
            for _ in 0..n {
                batches.push_back(BatchMetadata {
                    first_seq: i32::from_be_bytes(take(&mut r, 4)?.try_into().ok()?),
                    last_seq: i32::from_be_bytes(take(&mut r, 4)?.try_into().ok()?),
                    first_offset: i64::from_be_bytes(take(&mut r, 8)?.try_into().ok()?),
                    last_offset: i64::from_be_bytes(take(&mut r, 8)?.try_into().ok()?),
                    timestamp: -1,
                });
            }
            order.push(id);
            producers.insert(id, ProducerEntry { epoch, batches });
        }
        if !r.is_empty() {
            for id in order {
                let entry = producers.get_mut(&id).expect("every id in `order` was inserted");
                for b in entry.batches.iter_mut() {
                    b.timestamp = i64::from_be_bytes(take(&mut r, 8)?.try_into().ok()?);
                }
            }
            if !r.is_empty() {
                return None;
            }
        }
        Some(Self { producers })
    }
}

/// The first `n` bytes of `r`, which moves past them.
fn take<'a>(r: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = r.split_at_checked(n)?;
    *r = rest;
    Some(head)
}

fn next_sequence(seq: i32) -> i32 {
    if seq == i32::MAX {
        0
    } else {
        seq + 1
    }
}

fn in_sequence(last: i32, next: i32) -> bool {
    next == next_sequence(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header-only v2 batch: enough for the producer-state checks.
    fn header(producer_id: i64, epoch: i16, base_seq: i32, records: i32) -> Vec<u8> {
        let mut b = vec![0u8; 61];
        b[8..12].copy_from_slice(&49i32.to_be_bytes());
        b[16] = 2;
        b[23..27].copy_from_slice(&(records - 1).to_be_bytes());
        b[43..51].copy_from_slice(&producer_id.to_be_bytes());
        b[51..53].copy_from_slice(&epoch.to_be_bytes());
        b[53..57].copy_from_slice(&base_seq.to_be_bytes());
        b[57..61].copy_from_slice(&records.to_be_bytes());
        b
    }

    fn apply(states: &mut ProducerStates, bytes: &[u8], offset: i64) -> Result<Check, Error> {
        let h = BatchHeader::new(bytes).unwrap();
        let check = states.check(&h)?;
        if check == Check::Append {
            states.record(&h, offset);
        }
        Ok(check)
    }

    #[test]
    fn a_retried_batch_is_a_duplicate_with_its_original_offsets() {
        let mut s = ProducerStates::default();
        assert_eq!(apply(&mut s, &header(7, 0, 0, 3), 10).unwrap(), Check::Append);
        assert_eq!(apply(&mut s, &header(7, 0, 3, 2), 13).unwrap(), Check::Append);
        assert_eq!(
            apply(&mut s, &header(7, 0, 0, 3), 99).unwrap(),
            Check::Duplicate { first_offset: 10, last_offset: 12, timestamp: 0 }
        );
    }

    #[test]
    fn a_gap_is_out_of_order_and_an_old_epoch_is_refused() {
        let mut s = ProducerStates::default();
        apply(&mut s, &header(7, 1, 0, 1), 0).unwrap();
        assert!(matches!(
            apply(&mut s, &header(7, 1, 5, 1), 1),
            Err(Error::OutOfOrderSequence { expected: 1, got: 5, .. })
        ));
        assert!(matches!(apply(&mut s, &header(7, 0, 1, 1), 1), Err(Error::InvalidProducerEpoch { .. })));
        assert!(matches!(apply(&mut s, &header(7, 2, 3, 1), 1), Err(Error::OutOfOrderSequence { expected: 0, .. })));
        assert_eq!(apply(&mut s, &header(7, 2, 0, 1), 1).unwrap(), Check::Append);
    }

    #[test]
    fn sequences_wrap_from_i32_max_to_zero() {
        let mut s = ProducerStates::default();
        apply(&mut s, &header(7, 0, i32::MAX - 1, 2), 0).unwrap();
        assert_eq!(apply(&mut s, &header(7, 0, 0, 1), 2).unwrap(), Check::Append);
        let h = header(8, 0, i32::MAX, 3);
        assert_eq!(BatchHeader::new(&h).unwrap().last_sequence(), 1);
    }

    #[test]
    fn only_the_last_five_batches_are_remembered() {
        let mut s = ProducerStates::default();
        for seq in 0..6 {
            apply(&mut s, &header(7, 0, seq, 1), i64::from(seq)).unwrap();
        }
        assert!(matches!(apply(&mut s, &header(7, 0, 0, 1), 9), Err(Error::OutOfOrderSequence { .. })));
        assert_eq!(
            apply(&mut s, &header(7, 0, 1, 1), 9).unwrap(),
            Check::Duplicate { first_offset: 1, last_offset: 1, timestamp: 0 }
        );
    }

    #[test]
    fn a_snapshot_without_timestamps_still_loads_with_them_unknown() {
        let mut s = ProducerStates::default();
        let mut batch = header(7, 0, 0, 2);
        batch[35..43].copy_from_slice(&4242i64.to_be_bytes());
        apply(&mut s, &batch, 10).unwrap();
        let current = s.encode();
        assert_eq!(ProducerStates::decode(&current), Some(s.clone()));
        // The layout before timestamps were kept: the same bytes less the 8 of the
        // one batch's timestamp, with their own CRC.
        let mut old = current[..current.len() - 4 - 8].to_vec();
        old.extend_from_slice(&crc32c::crc32c(&old).to_be_bytes());
        let loaded = ProducerStates::decode(&old).unwrap();
        assert_eq!(
            loaded.check(&BatchHeader::new(&batch).unwrap()).unwrap(),
            Check::Duplicate { first_offset: 10, last_offset: 11, timestamp: -1 }
        );
        assert_eq!(
            s.check(&BatchHeader::new(&batch).unwrap()).unwrap(),
            Check::Duplicate { first_offset: 10, last_offset: 11, timestamp: 4242 }
        );
    }

    #[test]
    fn active_producers_show_their_epoch_and_last_batch() {
        let mut s = ProducerStates::default();
        apply(&mut s, &header(9, 2, 0, 1), 1).unwrap();
        apply(&mut s, &header(7, 0, 0, 1), 0).unwrap();
        let mut next = header(9, 2, 1, 3);
        next[35..43].copy_from_slice(&777i64.to_be_bytes());
        apply(&mut s, &next, 2).unwrap();
        assert_eq!(
            s.active(),
            vec![
                ActiveProducer { producer_id: 7, epoch: 0, last_sequence: 0, last_timestamp: 0 },
                ActiveProducer { producer_id: 9, epoch: 2, last_sequence: 3, last_timestamp: 777 },
            ]
        );
    }

    #[test]
    fn snapshots_round_trip_and_corruption_is_detected() {
        let mut s = ProducerStates::default();
        apply(&mut s, &header(7, 3, 0, 4), 100).unwrap();
        apply(&mut s, &header(9, 0, 0, 1), 104).unwrap();
        let bytes = s.encode();
        assert_eq!(ProducerStates::decode(&bytes), Some(s));
        let mut bad = bytes.clone();
        bad[5] ^= 1;
        assert_eq!(ProducerStates::decode(&bad), None);
        assert_eq!(ProducerStates::decode(&bytes[..bytes.len() - 1]), None);
    }
}
