//! DescribeTransactions (key 65), v0 (KIP-664).
//!
//! strand runs no transaction coordinator, so no transactional id has a
//! transaction state: each id is answered TRANSACTIONAL_ID_NOT_FOUND, as Kafka's
//! coordinator answers an id it has never seen, an empty id INVALID_REQUEST,
//! and an id the principal may not Describe TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
//! Ids are answered in the request's order, a repeated one each time.
//! (FindCoordinator for a transactional id still answers
//! COORDINATOR_NOT_AVAILABLE: see `find_coordinator`.)

use kafka_protocol::messages::describe_transactions_response::TransactionState;
use kafka_protocol::messages::{DescribeTransactionsRequest, DescribeTransactionsResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeTransactionsRequest as Message>::VERSIONS;

pub fn handle(
    ctx: &RequestContext,
    _version: i16,
    request: DescribeTransactionsRequest,
) -> DescribeTransactionsResponse {
    let states = request
        .transactional_ids
        .into_iter()
        .map(|id| {
            let error = match authorize(ctx, Operation::Describe, Resource::TransactionalId(id.as_str())) {
                Err(refused) => refused,
                Ok(()) if id.is_empty() => Error::InvalidRequest("the transactional id is empty".into()),
                Ok(()) => Error::TransactionalIdNotFound,
            };
            TransactionState::default().with_transactional_id(id).with_error_code(error.code())
        })
        .collect();
    DescribeTransactionsResponse::default().with_transaction_states(states)
}
