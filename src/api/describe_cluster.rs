//! DescribeCluster (key 60), v0-v2.
//!
//! What the Java AdminClient's `describeCluster` asks (KIP-700): the brokers,
//! the controller and the cluster id. A one-node KRaft cluster answers with this
//! broker alone, at its advertised address and without a rack (strand has no
//! `broker.rack`), and names it as the controller too: Kafka's brokers report a
//! random live broker as the controller, since clients never reach the KRaft
//! controllers themselves (KIP-590), and here there is only this one. The
//! cluster authorized operations, when asked for, are every cluster operation
//! if the principal may Describe the cluster and none otherwise, as Kafka's
//! `AuthHelper.computeDescribeClusterResponse` answers.
//!
//! v1 (KIP-919) says which kind of endpoint the request was meant for. This
//! listener is a broker endpoint: a request for a controller endpoint gets
//! MISMATCHED_ENDPOINT_TYPE, an unknown type UNSUPPORTED_ENDPOINT_TYPE (v0 has
//! neither code and would get INVALID_REQUEST, but it cannot name a type), with
//! Kafka's messages and nothing else in the answer. v2 (KIP-1073) asks for fenced
//! brokers as well; this broker is never fenced.

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{authorized_operations as operations, Error, RequestContext};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeClusterRequest as Message>::VERSIONS;

/// Kafka's `EndpointType` ids.
const BROKER: i8 = 1;
const CONTROLLER: i8 = 2;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    version: i16,
    request: DescribeClusterRequest,
) -> DescribeClusterResponse {
    if let Err(error) = check_endpoint_type(version, request.endpoint_type) {
        return DescribeClusterResponse::default()
            .with_error_code(error.code())
            .with_error_message(Some(StrBytes::from_string(error.to_string())));
    }
    let cluster_operations = if !request.include_cluster_authorized_operations {
        operations::NOT_REQUESTED
    } else if authorize(ctx, Operation::Describe, Resource::Cluster).is_ok() {
        operations::CLUSTER
    } else {
        0
    };
    let node = BrokerId(broker.node_id());
    DescribeClusterResponse::default()
        .with_endpoint_type(BROKER)
        .with_cluster_id(StrBytes::from_string(broker.cluster_id.clone()))
        .with_controller_id(node)
        .with_cluster_authorized_operations(cluster_operations)
        .with_brokers(vec![DescribeClusterBroker::default()
            .with_broker_id(node)
            .with_host(StrBytes::from_string(broker.advertised_host.clone()))
            .with_port(broker.advertised_port)
            .with_rack(None)
            .with_is_fenced(false)])
}

/// Ok when the request is for a broker endpoint, which this listener is.
fn check_endpoint_type(version: i16, endpoint_type: i8) -> Result<(), Error> {
    let (message, known) = match endpoint_type {
        BROKER => return Ok(()),
        CONTROLLER => (
            "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
                .to_owned(),
            true,
        ),
        other => (format!("Unsupported endpoint type {other}"), false),
    };
    // v0 has no endpoint type field (it decodes as BROKER, its default), nor
    // these codes: Kafka would answer INVALID_REQUEST there.
    Err(if version == 0 {
        Error::InvalidRequest(message)
    } else if known {
        Error::MismatchedEndpointType(message)
    } else {
        Error::UnsupportedEndpointType(message)
    })
}
