//! The api layer's one error type, the one map from it to Kafka error codes, and
//! where those codes sit in each response.
//!
//! Every refusal a handler answers is an `Error`: the typed errors of the layers
//! below (`log::Error`, `group::Error`, `sasl::AuthError`) come in through
//! `From`, and the refusals the api layer makes itself (an unknown topic, a bad
//! `acks`, a SASL request out of sequence, ...) are variants here. `Error::kafka`
//! is the only place an error becomes a Kafka error code; handlers put
//! `error.code()` in their responses and never pick a code themselves.
//!
//! `ErrorCodes` lists the error codes a response carries, top level and nested
//! (per topic, partition, group or member), for the dispatch to count: see
//! `api::count_errors`.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::*;

use super::authorize;
use crate::{group, log, quota, sasl, scram_store, topics};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Log(#[from] log::Error),
    #[error(transparent)]
    Group(#[from] group::Error),
    #[error(transparent)]
    Topics(#[from] topics::Error),
    /// Every failed SASL exchange; the message is the one Kafka gives the client.
    #[error(transparent)]
    Sasl(#[from] sasl::AuthError),
    /// A topic name this broker does not host, or a partition the topic does not have.
    #[error("unknown topic or partition")]
    UnknownTopicOrPartition,
    /// A topic id (KIP-516) of no topic here.
    #[error("unknown topic id")]
    UnknownTopicId,
    #[error("{0}")]
    InvalidRequest(String),
    #[error("acks must be -1, 0 or 1")]
    InvalidRequiredAcks,
    /// A produce request's records that are not exactly one record batch.
    #[error("{0}")]
    InvalidRecord(&'static str),
    #[error("{0}")]
    CorruptMessage(&'static str),
    #[error("batch of {size} bytes is over max_message_bytes {max}")]
    MessageTooLarge { size: usize, max: u32 },
    #[error("offset metadata is over {max} bytes")]
    OffsetMetadataTooLarge { max: usize },
    #[error("{0}")]
    InvalidReplicationFactor(String),
    #[error("{0}")]
    InvalidReplicaAssignment(String),
    /// A topic named twice in one CreateTopics/DeleteTopics/CreatePartitions
    /// request: INVALID_REQUEST, as Kafka answers (not DUPLICATE_RESOURCE).
    #[error("{0}")]
    DuplicateTopic(String),
    /// A coordinator strand does not run (transactions, share groups).
    #[error("{0}")]
    CoordinatorNotAvailable(String),
    /// Fetch sessions (KIP-227) are not kept.
    #[error("fetch session not found")]
    FetchSessionIdNotFound,
    #[error("{0}")]
    IllegalSaslState(&'static str),
    #[error("unsupported SASL mechanism {0:?}")]
    UnsupportedSaslMechanism(String),
    /// The principal may not do this (`authorize`); the code follows the resource type.
    #[error("{message}")]
    Unauthorized { kind: authorize::ResourceKind, message: String },
    /// A topic an alter of configs names that does not exist (Kafka's message).
    #[error("The topic '{0}' does not exist.")]
    TopicNotFound(String),
    /// An IncrementalAlterConfigs operation code Kafka does not define.
    #[error("unknown config operation {0}")]
    UnknownConfigOperation(i8),
    /// An ApiVersions request newer than this broker serves (KIP-511).
    #[error("unsupported version")]
    UnsupportedVersion,
    /// A user named twice in one DescribeUserScramCredentials, or altered twice
    /// in one AlterUserScramCredentials.
    #[error("{0}")]
    DuplicateResource(String),
    /// A user without SCRAM credentials to describe, or a credential to delete
    /// that does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// A SCRAM credential Kafka refuses to store: an empty user name, too few
    /// or too many iterations.
    #[error("{0}")]
    UnacceptableCredential(&'static str),
    /// A SCRAM mechanism type other than 1 (SHA-256) and 2 (SHA-512).
    #[error("Unknown SCRAM mechanism")]
    UnknownScramMechanism,
    /// An upsertion with an empty salted password: Kafka's HMAC refuses the
    /// empty key and it answers UNKNOWN_SERVER_ERROR, without a message.
    #[error("empty salted password")]
    EmptySaltedPassword,
    #[error(transparent)]
    ScramStore(#[from] scram_store::Error),
    /// The client quotas could not be written (`quota::store`).
    #[error(transparent)]
    QuotaStore(#[from] quota::store::Error),
    /// A topic or partition the controller APIs (ElectLeaders, the
    /// reassignments) do not find, with the message Kafka's controller words.
    #[error("{0}")]
    NoSuchTopicOrPartition(String),
    /// ElectLeaders for a partition whose leader is already the one it wants.
    #[error("Leader election not needed for topic partition.")]
    ElectionNotNeeded,
    /// Cancelling a partition reassignment when none is in progress.
    #[error("No partition reassignment is in progress.")]
    NoReassignmentInProgress,
    /// A controller request whose timeout had passed before it ran (Kafka's
    /// controller answers a timeout of 0 or less this way).
    #[error("The request timed out.")]
    RequestTimedOut,
    /// DescribeCluster v1+ for an endpoint type this listener is not.
    #[error("{0}")]
    MismatchedEndpointType(String),
    /// DescribeCluster v1+ for an endpoint type Kafka does not know.
    #[error("{0}")]
    UnsupportedEndpointType(String),
    /// The ACL APIs on a broker without an authorizer; the message is Kafka's,
    /// which differs between DescribeAcls and CreateAcls/DeleteAcls.
    #[error("{0}")]
    SecurityDisabled(&'static str),
    /// DescribeTransactions for an id with no transaction state.
    #[error("The transactionalId could not be found")]
    TransactionalIdNotFound,
    /// A ListTransactions id pattern that does not compile.
    #[error("{0}")]
    InvalidRegularExpression(String),
    /// A DescribeClientQuotas entity type Kafka does not know: Kafka raises
    /// UnsupportedVersionException, hence its code.
    #[error("{0}")]
    UnsupportedEntityType(String),
    /// A request's current leader epoch older than the partition's (`api::leader_epoch`).
    #[error("the request's leader epoch {requested} is older than the current leader epoch {current}")]
    FencedLeaderEpoch { requested: i32, current: i32 },
    /// A request's current leader epoch newer than the partition's.
    #[error("the request's leader epoch {requested} is newer than the current leader epoch {current}")]
    UnknownLeaderEpoch { requested: i32, current: i32 },
    /// A fetch whose last fetched epoch the leader cannot place (KIP-595's
    /// divergence check) or that lies before the log start.
    #[error("{0}")]
    OffsetOutOfRange(String),
    /// A zstd batch in a Produce request before v7 (KIP-110); Kafka's message.
    #[error("Produce requests with version {0} are not allowed to use ZStandard compression")]
    UnsupportedCompressionType(i16),
    /// A transactional batch in a Produce request without a transactional id:
    /// Kafka refuses the whole request as unauthorized for the transactional id.
    #[error("transactional records need a transactional id")]
    TransactionalRecordsWithoutId,
    /// KIP-599's strict mode: a topic mutation when the client's controller
    /// mutation quota is used up; Kafka's message.
    #[error("The throttling quota has been exceeded.")]
    ThrottlingQuotaExceeded,
}

impl Error {
    /// The one place an error becomes a Kafka error code.
    pub fn kafka(&self) -> ResponseError {
        match self {
            Error::Log(error) => log_error(error),
            Error::Topics(error) => match error {
                topics::Error::Log(error) => log_error(error),
                topics::Error::Config(_) => ResponseError::InvalidConfig,
                topics::Error::InvalidName(_) | topics::Error::Collides(_) => ResponseError::InvalidTopicException,
                topics::Error::AlreadyExists(_) => ResponseError::TopicAlreadyExists,
                topics::Error::InvalidPartitions(_) => ResponseError::InvalidPartitions,
                topics::Error::PartitionLimit(_) => ResponseError::PolicyViolation,
                topics::Error::Unknown => ResponseError::UnknownTopicOrPartition,
                topics::Error::Metadata { .. } => ResponseError::KafkaStorageError,
            },
            Error::Group(error) => match error {
                group::Error::InvalidGroupId => ResponseError::InvalidGroupId,
                group::Error::InvalidSessionTimeout(_) => ResponseError::InvalidSessionTimeout,
                group::Error::InconsistentGroupProtocol => ResponseError::InconsistentGroupProtocol,
                group::Error::UnknownMemberId => ResponseError::UnknownMemberId,
                group::Error::MemberIdRequired(_) => ResponseError::MemberIdRequired,
                group::Error::IllegalGeneration => ResponseError::IllegalGeneration,
                group::Error::RebalanceInProgress => ResponseError::RebalanceInProgress,
                group::Error::FencedInstanceId => ResponseError::FencedInstanceId,
                group::Error::GroupIdNotFound => ResponseError::GroupIdNotFound,
                group::Error::NonEmptyGroup => ResponseError::NonEmptyGroup,
                group::Error::GroupSubscribedToTopic => ResponseError::GroupSubscribedToTopic,
                group::Error::Store { .. } => ResponseError::KafkaStorageError,
                group::Error::Unavailable { .. } => ResponseError::CoordinatorNotAvailable,
            },
            // Kafka answers every failure, malformed tokens included, SASL_AUTHENTICATION_FAILED.
            Error::Sasl(_) => ResponseError::SaslAuthenticationFailed,
            Error::UnknownTopicOrPartition => ResponseError::UnknownTopicOrPartition,
            Error::UnknownTopicId => ResponseError::UnknownTopicId,
            Error::InvalidRequest(_) => ResponseError::InvalidRequest,
            Error::InvalidRequiredAcks => ResponseError::InvalidRequiredAcks,
            Error::InvalidRecord(_) => ResponseError::InvalidRecord,
            Error::CorruptMessage(_) => ResponseError::CorruptMessage,
            Error::MessageTooLarge { .. } => ResponseError::MessageTooLarge,
            Error::OffsetMetadataTooLarge { .. } => ResponseError::OffsetMetadataTooLarge,
            Error::InvalidReplicationFactor(_) => ResponseError::InvalidReplicationFactor,
            Error::InvalidReplicaAssignment(_) => ResponseError::InvalidReplicaAssignment,
            Error::DuplicateTopic(_) => ResponseError::InvalidRequest,
            Error::CoordinatorNotAvailable(_) => ResponseError::CoordinatorNotAvailable,
            Error::FetchSessionIdNotFound => ResponseError::FetchSessionIdNotFound,
            Error::IllegalSaslState(_) => ResponseError::IllegalSaslState,
            Error::UnsupportedSaslMechanism(_) => ResponseError::UnsupportedSaslMechanism,
            Error::UnsupportedVersion => ResponseError::UnsupportedVersion,
            Error::DuplicateResource(_) => ResponseError::DuplicateResource,
            Error::ResourceNotFound(_) => ResponseError::ResourceNotFound,
            Error::UnacceptableCredential(_) => ResponseError::UnacceptableCredential,
            Error::UnknownScramMechanism => ResponseError::UnsupportedSaslMechanism,
            Error::EmptySaltedPassword => ResponseError::UnknownServerError,
            Error::ScramStore(_) => ResponseError::KafkaStorageError,
            Error::QuotaStore(_) => ResponseError::KafkaStorageError,
            Error::NoSuchTopicOrPartition(_) => ResponseError::UnknownTopicOrPartition,
            Error::ElectionNotNeeded => ResponseError::ElectionNotNeeded,
            Error::NoReassignmentInProgress => ResponseError::NoReassignmentInProgress,
            Error::RequestTimedOut => ResponseError::RequestTimedOut,
            Error::MismatchedEndpointType(_) => ResponseError::MismatchedEndpointType,
            Error::UnsupportedEndpointType(_) => ResponseError::UnsupportedEndpointType,
            Error::SecurityDisabled(_) => ResponseError::SecurityDisabled,
            Error::TransactionalIdNotFound => ResponseError::TransactionalIdNotFound,
            Error::InvalidRegularExpression(_) => ResponseError::InvalidRegularExpression,
            Error::UnsupportedEntityType(_) => ResponseError::UnsupportedVersion,
            Error::FencedLeaderEpoch { .. } => ResponseError::FencedLeaderEpoch,
            Error::UnknownLeaderEpoch { .. } => ResponseError::UnknownLeaderEpoch,
            Error::OffsetOutOfRange(_) => ResponseError::OffsetOutOfRange,
            Error::UnsupportedCompressionType(_) => ResponseError::UnsupportedCompressionType,
            Error::TransactionalRecordsWithoutId => ResponseError::TransactionalIdAuthorizationFailed,
            Error::TopicNotFound(_) => ResponseError::UnknownTopicOrPartition,
            Error::ThrottlingQuotaExceeded => ResponseError::ThrottlingQuotaExceeded,
            // Kafka fails such a request with an exception it does not name.
            Error::UnknownConfigOperation(_) => ResponseError::UnknownServerError,
            Error::Unauthorized { kind, .. } => match kind {
                authorize::ResourceKind::Cluster => ResponseError::ClusterAuthorizationFailed,
                authorize::ResourceKind::Topic => ResponseError::TopicAuthorizationFailed,
                authorize::ResourceKind::Group => ResponseError::GroupAuthorizationFailed,
                authorize::ResourceKind::TransactionalId => ResponseError::TransactionalIdAuthorizationFailed,
            },
        }
    }

    /// The numeric code a response's `error_code` field carries.
    pub fn code(&self) -> i16 {
        self.kafka().code()
    }
}

fn log_error(error: &log::Error) -> ResponseError {
    match error {
        log::Error::CorruptBatch(_) => ResponseError::CorruptMessage,
        log::Error::InvalidRecord(_) | log::Error::UnsupportedMagic(_) => ResponseError::InvalidRecord,
        log::Error::BatchLargerThanSegment { .. } => ResponseError::RecordListTooLarge,
        log::Error::OffsetOutOfRange { .. } => ResponseError::OffsetOutOfRange,
        log::Error::Io { .. } => ResponseError::KafkaStorageError,
        // Shutting down, or the topic was just deleted: a retriable answer sends
        // the client to refresh its metadata.
        log::Error::Closed => ResponseError::NotLeaderOrFollower,
        log::Error::OutOfOrderSequence { .. } => ResponseError::OutOfOrderSequenceNumber,
        log::Error::InvalidProducerEpoch { .. } => ResponseError::InvalidProducerEpoch,
        log::Error::InvalidTimestamp(_) => ResponseError::InvalidTimestamp,
        // Kafka answers records it cannot parse INVALID_RECORD, and compressed data
        // that does not decompress UNKNOWN_SERVER_ERROR (its decompression
        // exception is not an ApiException). INVALID_RECORD is the answer Kafka
        // gives the same damage in an uncompressed batch, and tells the client its
        // records were refused (not that the broker failed), non-retriable as
        // UNKNOWN_SERVER_ERROR is; CORRUPT_MESSAGE would make the Java producer
        // retry the same bytes until its delivery timeout.
        log::Error::MalformedRecords(_) => ResponseError::InvalidRecord,
    }
}

/// The error codes in a response, zeros included, each field visited once.
pub trait ErrorCodes {
    fn error_codes(&self, each: &mut dyn FnMut(i16));
}

/// `impl ErrorCodes for $response` from the paths to its `error_code` fields:
/// `top` for the response's own, `[list]` for a list of items each with one,
/// `[list => nested]` for a list of items each holding a list of items with one.
macro_rules! error_codes {
    ($response:ty { $($field:tt)* }) => {
        impl ErrorCodes for $response {
            #[allow(unused_variables)]
            fn error_codes(&self, each: &mut dyn FnMut(i16)) {
                error_codes!(@fields self, each, $($field)*);
            }
        }
    };
    (@fields $r:ident, $each:ident, ) => {};
    (@fields $r:ident, $each:ident, top $(, $($rest:tt)*)?) => {
        $each($r.error_code);
        error_codes!(@fields $r, $each, $($($rest)*)?);
    };
    (@fields $r:ident, $each:ident, [$list:ident] $(, $($rest:tt)*)?) => {
        $r.$list.iter().for_each(|item| $each(item.error_code));
        error_codes!(@fields $r, $each, $($($rest)*)?);
    };
    (@fields $r:ident, $each:ident, [$list:ident => $nested:ident] $(, $($rest:tt)*)?) => {
        $r.$list.iter().flat_map(|item| &item.$nested).for_each(|item| $each(item.error_code));
        error_codes!(@fields $r, $each, $($($rest)*)?);
    };
}

error_codes!(ProduceResponse { [responses => partition_responses] });
error_codes!(FetchResponse { top, [responses => partitions] });
error_codes!(ListOffsetsResponse { [topics => partitions] });
error_codes!(MetadataResponse { top, [topics], [topics => partitions] });
error_codes!(ApiVersionsResponse { top });
error_codes!(CreateTopicsResponse { [topics] });
error_codes!(DeleteTopicsResponse { [responses] });
error_codes!(CreatePartitionsResponse { [results] });
error_codes!(FindCoordinatorResponse { top, [coordinators] });
error_codes!(JoinGroupResponse { top });
error_codes!(SyncGroupResponse { top });
error_codes!(HeartbeatResponse { top });
error_codes!(LeaveGroupResponse { top, [members] });
error_codes!(OffsetCommitResponse { [topics => partitions] });
error_codes!(DescribeGroupsResponse { [groups] });
error_codes!(ListGroupsResponse { top });
error_codes!(DeleteGroupsResponse { [results] });
error_codes!(OffsetDeleteResponse { top, [topics => partitions] });
error_codes!(InitProducerIdResponse { top });
error_codes!(SaslHandshakeResponse { top });
error_codes!(SaslAuthenticateResponse { top });
error_codes!(DeleteRecordsResponse { [topics => partitions] });
error_codes!(DescribeLogDirsResponse { top, [results] });
error_codes!(DescribeUserScramCredentialsResponse { top, [results] });
error_codes!(AlterUserScramCredentialsResponse { [results] });
error_codes!(DescribeClusterResponse { top });
error_codes!(DescribeTopicPartitionsResponse { [topics], [topics => partitions] });
error_codes!(ElectLeadersResponse { top, [replica_election_results => partition_result] });
error_codes!(ListPartitionReassignmentsResponse { top });
error_codes!(AlterPartitionReassignmentsResponse { top, [responses => partitions] });
error_codes!(DescribeAclsResponse { top });
error_codes!(CreateAclsResponse { [results] });
error_codes!(DeleteAclsResponse { [filter_results], [filter_results => matching_acls] });
error_codes!(ListTransactionsResponse { top });
error_codes!(DescribeTransactionsResponse { [transaction_states] });
error_codes!(DescribeClientQuotasResponse { top });
error_codes!(AlterClientQuotasResponse { [entries] });
error_codes!(OffsetForLeaderEpochResponse { [topics => partitions] });
error_codes!(DescribeProducersResponse { [topics => partitions] });
error_codes!(DescribeConfigsResponse { [results] });
error_codes!(AlterConfigsResponse { [responses] });
error_codes!(IncrementalAlterConfigsResponse { [responses] });

// Before v8 one group's offsets are in `topics`; from v8 each group's in `groups`.
impl ErrorCodes for OffsetFetchResponse {
    fn error_codes(&self, each: &mut dyn FnMut(i16)) {
        each(self.error_code);
        self.topics.iter().flat_map(|t| &t.partitions).for_each(|p| each(p.error_code));
        for group in &self.groups {
            each(group.error_code);
            group.topics.iter().flat_map(|t| &t.partitions).for_each(|p| each(p.error_code));
        }
    }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::metadata_response::{MetadataResponsePartition, MetadataResponseTopic};

    use super::*;

    fn codes(response: &impl ErrorCodes) -> Vec<i16> {
        let mut codes = Vec::new();
        response.error_codes(&mut |code| codes.push(code));
        codes
    }

    #[test]
    fn every_error_code_field_of_a_response_is_visited_once() {
        let topic = |code, partitions: &[i16]| {
            MetadataResponseTopic::default().with_error_code(code).with_partitions(
                partitions.iter().map(|&c| MetadataResponsePartition::default().with_error_code(c)).collect(),
            )
        };
        let response =
            MetadataResponse::default().with_error_code(1).with_topics(vec![topic(3, &[]), topic(0, &[5, 6])]);
        assert_eq!(codes(&response), [1, 3, 0, 5, 6]);
    }

    #[test]
    fn the_layers_errors_map_to_kafkas_codes() {
        assert_eq!(Error::from(log::Error::Closed).kafka(), ResponseError::NotLeaderOrFollower);
        assert_eq!(Error::from(group::Error::GroupIdNotFound).kafka(), ResponseError::GroupIdNotFound);
        assert_eq!(Error::from(sasl::AuthError::InvalidPlainCredentials).code(), 58);
        assert_eq!(Error::UnknownTopicId.code(), 100);
    }
}
