//! ListTransactions (key 66), v0-v2 (KIP-664, KIP-994, KIP-1152).
//!
//! strand runs no transaction coordinator, so there is never a transaction to
//! list: the answer is what Kafka's coordinator gives with none in its state,
//! after checking the filters as it does. State names other than Kafka's eight
//! (`Empty`, `Ongoing`, `PrepareCommit`, `PrepareAbort`, `CompleteCommit`,
//! `CompleteAbort`, `Dead`, `PrepareEpochFence`) come back in
//! `unknown_state_filters`, once each; a v2 `transactional_id_pattern` that does
//! not compile is INVALID_REGULAR_EXPRESSION (the pattern is RE2 syntax, as
//! Kafka's RE2J reads it; empty or null means no pattern). Producer id and
//! duration filters take any value. Were there transactions, each would be
//! listed only if the principal may Describe its transactional id.

use kafka_protocol::messages::{ListTransactionsRequest, ListTransactionsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::Error;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ListTransactionsRequest as Message>::VERSIONS;

/// Kafka's transaction state names (`TransactionState.name`).
const STATES: [&str; 8] = [
    "Empty",
    "Ongoing",
    "PrepareCommit",
    "PrepareAbort",
    "CompleteCommit",
    "CompleteAbort",
    "Dead",
    "PrepareEpochFence",
];

pub fn handle(_version: i16, request: ListTransactionsRequest) -> ListTransactionsResponse {
    if let Some(pattern) = request.transactional_id_pattern.as_ref().filter(|p| !p.is_empty()) {
        if let Err(e) = regex::Regex::new(pattern) {
            let error = Error::InvalidRegularExpression(e.to_string());
            return ListTransactionsResponse::default().with_error_code(error.code());
        }
    }
    let mut unknown: Vec<StrBytes> = Vec::new();
    for state in request.state_filters {
        if !STATES.contains(&state.as_str()) && !unknown.contains(&state) {
            unknown.push(state);
        }
    }
    ListTransactionsResponse::default().with_unknown_state_filters(unknown).with_transaction_states(Vec::new())
}
