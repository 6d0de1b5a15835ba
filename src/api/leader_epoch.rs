//! The `current_leader_epoch` check Fetch (v9+), ListOffsets (v4+) and
//! OffsetForLeaderEpoch make before they touch a partition, as Kafka's
//! `Partition.checkCurrentLeaderEpoch` does: an epoch older than the leader's
//! is FENCED_LEADER_EPOCH (the client's metadata is stale), a newer one
//! UNKNOWN_LEADER_EPOCH (the broker's would be); no epoch is not checked.
//!
//! What counts as "no epoch" differs by API, as in Kafka: Fetch treats every
//! negative value so (`FetchRequest.optionalEpoch`), ListOffsets and
//! OffsetForLeaderEpoch only -1; so a Fetch can never be fenced by strand's
//! epoch 0, while a ListOffsets at epoch -2 is.

use super::Error;
use crate::log::leader_epoch::{LEADER_EPOCH, NO_EPOCH};

/// A Fetch request's epoch field (current or last fetched): absent when negative.
pub fn from_fetch(raw: i32) -> Option<i32> {
    (raw >= 0).then_some(raw)
}

/// A ListOffsets or OffsetForLeaderEpoch `current_leader_epoch`: absent when -1.
pub fn from_request(raw: i32) -> Option<i32> {
    (raw != NO_EPOCH).then_some(raw)
}

/// Ok when the request names no epoch or the partition's own.
pub fn check_current(requested: Option<i32>) -> Result<(), Error> {
    match requested {
        Some(requested) if requested < LEADER_EPOCH => {
            Err(Error::FencedLeaderEpoch { requested, current: LEADER_EPOCH })
        }
        Some(requested) if requested > LEADER_EPOCH => {
            Err(Error::UnknownLeaderEpoch { requested, current: LEADER_EPOCH })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::error::ResponseError;

    use super::*;

    #[test]
    fn older_is_fenced_newer_unknown_and_absent_unchecked() {
        assert!(check_current(None).is_ok());
        assert!(check_current(Some(0)).is_ok());
        assert_eq!(check_current(Some(1)).unwrap_err().kafka(), ResponseError::UnknownLeaderEpoch);
        assert_eq!(check_current(from_request(-2)).unwrap_err().kafka(), ResponseError::FencedLeaderEpoch);
        assert!(check_current(from_request(-1)).is_ok());
        assert!(check_current(from_fetch(-2)).is_ok());
    }
}
