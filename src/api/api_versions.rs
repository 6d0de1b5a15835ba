//! ApiVersions (key 18), v0-v4; flexible from v3.
//!
//! Advertises exactly `api::SUPPORTED`. A version newer than ours is answered in
//! v0 form with UNSUPPORTED_VERSION and the list, so the client can pick (KIP-511).
//! No features are advertised: librdkafka before 2.2 misreads a v3+ response whose
//! tagged feature fields are present (see COMPAT.md), and Kafka omits them at defaults.

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::{Error, SUPPORTED};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ApiVersionsRequest as Message>::VERSIONS;

pub fn handle(version: i16, request: ApiVersionsRequest) -> ApiVersionsResponse {
    // KIP-511: v3+ clients name themselves; Kafka refuses names outside this pattern.
    if version >= 3
        && !(is_valid_software_token(&request.client_software_name)
            && is_valid_software_token(&request.client_software_version))
    {
        return response(Error::InvalidRequest("invalid client software name or version".into()).code());
    }
    response(0)
}

pub fn unsupported_version() -> ApiVersionsResponse {
    response(Error::UnsupportedVersion.code())
}

fn response(error_code: i16) -> ApiVersionsResponse {
    let api_keys = SUPPORTED
        .iter()
        .map(|(key, _, range)| {
            ApiVersion::default().with_api_key(*key as i16).with_min_version(range.min).with_max_version(range.max)
        })
        .collect();
    ApiVersionsResponse::default().with_error_code(error_code).with_api_keys(api_keys)
}

/// `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`, Kafka's check for client software names.
fn is_valid_software_token(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.')
        }
        _ => false,
    }
}
