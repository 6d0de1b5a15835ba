//! The partition's leader-epoch history, what Kafka keeps in its
//! `leader-epoch-checkpoint` (`LeaderEpochFileCache`) and answers
//! OffsetForLeaderEpoch and the epochs of ListOffsets and Fetch from.
//!
//! strand is the only replica of every partition and has always been its leader,
//! so the history is one entry: epoch 0 (`LEADER_EPOCH`, what a fresh Kafka
//! partition's first leader has) starting at the log start offset, as Kafka's
//! cache starts at it once the log start moves past older entries. Nothing is
//! stored: the entry follows from the log's own offsets.
//!
//! Every batch appended is stamped with `LEADER_EPOCH` (see `store`), as Kafka's
//! leader stamps its epoch into every batch it appends. Batches written by a
//! strand from before the stamping keep the partitionLeaderEpoch their producer
//! sent: -1 (`NO_EPOCH`) from the Java client, 0 from librdkafka and
//! kafka-python. Consumers take a record's epoch from its batch; a position or
//! committed offset without one (-1) is never validated (the Java consumer and
//! librdkafka skip OffsetForLeaderEpoch then), and one with epoch 0 is validated
//! against this history and found whole (end offset = log end offset). Either
//! way a consumer of data written before the stamping reads on undisturbed. Only
//! a producer that wrote an epoch above 0 into its batches (none of the clients
//! above does) would leave positions that validate as UNDEFINED, which Kafka's
//! consumers answer by resetting the offset as `auto.offset.reset` says.

/// The epoch this broker leads every partition in.
pub const LEADER_EPOCH: i32 = 0;

/// Kafka's `RecordBatch.NO_PARTITION_LEADER_EPOCH` and `UNDEFINED_EPOCH`.
pub const NO_EPOCH: i32 = -1;

/// An epoch and the offset it ended at: Kafka's `EpochEndOffset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochEnd {
    pub epoch: i32,
    pub end_offset: i64,
}

/// The largest epoch at or below `requested` and the offset it ended at (the
/// log end offset for the current epoch), as `LeaderEpochFileCache.endOffsetFor`
/// answers over a history of just `LEADER_EPOCH` from `log_start`; `None` is
/// Kafka's UNDEFINED (epoch -1, offset -1): the epoch is -1 itself or newer than
/// any this partition has had. An epoch older than the first known one (below
/// -1, as no client sends it) ends where the first known epoch starts.
pub fn end_offset_for(requested: i32, log_start: i64, log_end: i64) -> Option<EpochEnd> {
    match requested {
        NO_EPOCH => None,
        LEADER_EPOCH => Some(EpochEnd { epoch: LEADER_EPOCH, end_offset: log_end }),
        newer if newer > LEADER_EPOCH => None,
        older => Some(EpochEnd { epoch: older, end_offset: log_start }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_epoch_ends_at_the_log_end_and_newer_ones_are_undefined() {
        assert_eq!(end_offset_for(0, 5, 42), Some(EpochEnd { epoch: 0, end_offset: 42 }));
        assert_eq!(end_offset_for(1, 5, 42), None);
        assert_eq!(end_offset_for(i32::MAX, 5, 42), None);
        assert_eq!(end_offset_for(-1, 5, 42), None);
        assert_eq!(end_offset_for(-2, 5, 42), Some(EpochEnd { epoch: -2, end_offset: 5 }));
    }
}
