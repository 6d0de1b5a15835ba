//! The authorized-operations bitfields of KIP-430: what Metadata (v8+, for the
//! cluster and for each topic) and DescribeGroups (v3+, for each group) answer
//! when a client asks for them.
//!
//! strand has no authorizer, and a Kafka broker without one answers such a
//! request with every operation the resource type supports, not with the "not
//! requested" value. The sets below are what Kafka 4.4 reports that way (its
//! `AclEntry.supportedOperations`), checked with the AdminClient's
//! `include_authorized_operations` against the reference broker; librdkafka's
//! admin tests compare them operation for operation.

/// Kafka's `AclOperation` codes; an operation is bit `1 << code` of a field.
const READ: u8 = 3;
const WRITE: u8 = 4;
const CREATE: u8 = 5;
const DELETE: u8 = 6;
const ALTER: u8 = 7;
const DESCRIBE: u8 = 8;
const CLUSTER_ACTION: u8 = 9;
const DESCRIBE_CONFIGS: u8 = 10;
const ALTER_CONFIGS: u8 = 11;
const IDEMPOTENT_WRITE: u8 = 12;

const fn bits(operations: &[u8]) -> i32 {
    let mut field = 0;
    let mut i = 0;
    while i < operations.len() {
        field |= 1 << operations[i];
        i += 1;
    }
    field
}

pub const TOPIC: i32 = bits(&[READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS]);
pub const CLUSTER: i32 =
    bits(&[CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE]);
pub const GROUP: i32 = bits(&[READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS]);

/// Kafka's "not requested" (and "not known") value of every such field.
pub const NOT_REQUESTED: i32 = i32::MIN;

/// `operations` when the request asked for them, else Kafka's "not requested".
pub fn when(requested: bool, operations: i32) -> i32 {
    if requested {
        operations
    } else {
        NOT_REQUESTED
    }
}
