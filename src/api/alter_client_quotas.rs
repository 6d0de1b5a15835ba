//! AlterClientQuotas (key 49), v0-v1 (KIP-546): sets and removes client quotas
//! (`quota::store`), what `kafka-configs --alter --entity-type users|clients|ips`
//! sends.
//!
//! FOUNDATION STUB (issue 20): the admin helper replaces this with Kafka's
//! validation and the store's alteration.

use kafka_protocol::messages::{AlterClientQuotasRequest, AlterClientQuotasResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::RequestContext;
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <AlterClientQuotasRequest as Message>::VERSIONS;

pub async fn handle(
    _broker: &Broker,
    _ctx: &RequestContext,
    _version: i16,
    _request: AlterClientQuotasRequest,
) -> AlterClientQuotasResponse {
    AlterClientQuotasResponse::default()
}
