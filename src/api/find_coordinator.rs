//! FindCoordinator (key 10), v0-v6 (batched keys from v4).
//!
//! This broker coordinates every consumer group, and is the transaction
//! coordinator too: one with no transactions in flight, which is what
//! ListTransactions and DescribeTransactions answer, so that the admin tools that
//! look the coordinator up first (`kafka-transactions`, the AdminClient's
//! `describeTransactions`) get those answers instead of retrying until their
//! deadline. Transactional producers are still refused, at InitProducerId. Share
//! groups are not served: COORDINATOR_NOT_AVAILABLE, what Kafka answers while no
//! coordinator can be had.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{BrokerId, FindCoordinatorRequest, FindCoordinatorResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::Error;
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <FindCoordinatorRequest as Message>::VERSIONS;

const GROUP: i8 = 0;
const TRANSACTION: i8 = 1;
const SHARE: i8 = 2;

pub fn handle(broker: &Broker, version: i16, request: FindCoordinatorRequest) -> FindCoordinatorResponse {
    if version >= 4 {
        let coordinators = request
            .coordinator_keys
            .into_iter()
            .map(|key| {
                let found = find(broker, request.key_type, &key);
                let c = Coordinator::default().with_key(key);
                match found {
                    Ok((node, host, port)) => c.with_node_id(node).with_host(host).with_port(port),
                    Err(error) => c
                        .with_node_id(BrokerId(-1))
                        .with_error_code(error.code())
                        .with_error_message(Some(StrBytes::from_string(error.to_string()))),
                }
            })
            .collect();
        return FindCoordinatorResponse::default().with_coordinators(coordinators);
    }
    match find(broker, request.key_type, &request.key) {
        Ok((node, host, port)) => FindCoordinatorResponse::default().with_node_id(node).with_host(host).with_port(port),
        Err(error) => {
            let response = FindCoordinatorResponse::default().with_node_id(BrokerId(-1)).with_error_code(error.code());
            if version >= 1 {
                response.with_error_message(Some(StrBytes::from_string(error.to_string())))
            } else {
                response
            }
        }
    }
}

fn find(broker: &Broker, key_type: i8, key: &str) -> Result<(BrokerId, StrBytes, i32), Error> {
    match key_type {
        GROUP if key.is_empty() => Err(Error::InvalidRequest("the group id is empty".into())),
        GROUP | TRANSACTION => Ok((
            BrokerId(broker.node_id()),
            StrBytes::from_string(broker.advertised_host.clone()),
            broker.advertised_port,
        )),
        SHARE => Err(Error::CoordinatorNotAvailable("strand does not serve share groups".into())),
        other => Err(Error::InvalidRequest(format!("unknown coordinator key type {other}"))),
    }
}
