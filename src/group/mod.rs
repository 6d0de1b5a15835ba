//! Consumer groups: one classic group's membership as a pure state machine
//! (`classic`), the coordinator that locks, waits and persists around it
//! (`coordinator`), the committed offsets and their writer thread (`offsets`),
//! and the durable store of committed offsets behind a trait (`offset_store`).

pub mod classic;
pub mod coordinator;
pub mod offset_store;
mod offsets;

use std::path::{Path, PathBuf};

pub use classic::{
    DescribedMember, GroupDescription, GroupState, JoinRequest, JoinResult, JoinedMember, LeavingMember,
    MemberAssignment, Protocol, SyncRequest, SyncResult,
};
pub use coordinator::{Coordinator, GroupListing};

/// The longest commit metadata kept, in UTF-16 units as Java's `String.length()`
/// counts (Kafka's `offset.metadata.max.bytes`); longer is OFFSET_METADATA_TOO_LARGE.
pub const OFFSET_METADATA_MAX_BYTES: usize = 4096;
pub use offset_store::{CommittedOffset, TopicPartition};

/// Why a group operation was refused; each maps to the Kafka code of the same name.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    #[error("the group id is empty")]
    InvalidGroupId,
    #[error("session timeout {0} ms is outside the broker's allowed range")]
    InvalidSessionTimeout(i32),
    #[error("the member's protocol type or protocols match no one else's in the group")]
    InconsistentGroupProtocol,
    #[error("unknown member id")]
    UnknownMemberId,
    /// KIP-394: the client must rejoin with the member id handed back.
    #[error("a member id is required; rejoin with {0}")]
    MemberIdRequired(String),
    #[error("the generation is not the group's current one")]
    IllegalGeneration,
    #[error("the group is rebalancing")]
    RebalanceInProgress,
    #[error("another member now holds this group.instance.id")]
    FencedInstanceId,
    #[error("no such group")]
    GroupIdNotFound,
    #[error("the group still has members")]
    NonEmptyGroup,
    #[error("the group's members are subscribed to the topic")]
    GroupSubscribedToTopic,
    #[error("offset store {path}: {message}")]
    Store { path: PathBuf, message: String },
    /// The offset store's backend is away or refused a write (Redis): clients
    /// retry, as on COORDINATOR_NOT_AVAILABLE.
    #[error("offset store {store}: {message}")]
    Unavailable { store: String, message: String },
}

impl From<crate::durable::Error> for Error {
    fn from(e: crate::durable::Error) -> Self {
        Error::io(&e.path, e.source)
    }
}

impl Error {
    pub fn io(path: &Path, error: std::io::Error) -> Self {
        Error::Store { path: path.to_owned(), message: error.to_string() }
    }
}
