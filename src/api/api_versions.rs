//! ApiVersions (key 18), v0-v4; flexible from v3.
//!
//! Advertises `api::SUPPORTED`, with one exception Kafka 4 makes too: Produce is
//! listed from v0 (KAFKA-18659) although v0-v2 are refused (the connection is
//! closed, as for any version outside `SUPPORTED`), because librdkafka before
//! 2.11.1 (Debian's kcat among them) turns gzip, snappy and lz4 on only when the
//! broker lists Produce v0, and otherwise silently sends uncompressed batches.
//! A version newer than ours is answered in v0 form with UNSUPPORTED_VERSION and,
//! as in Kafka, only ApiVersions' own range, so the client can retry (KIP-511).
//! No features are advertised: librdkafka before 2.2 misreads a v3+ response whose
//! tagged feature fields are present (see COMPAT.md), and Kafka omits them at defaults.

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, ApiVersionsResponse};
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
    ApiVersionsResponse::default()
        .with_error_code(Error::UnsupportedVersion.code())
        .with_api_keys(vec![advertised(ApiKey::ApiVersions, VERSIONS)])
}

fn response(error_code: i16) -> ApiVersionsResponse {
    let api_keys = SUPPORTED.iter().map(|(key, _, range)| advertised(*key, *range)).collect();
    ApiVersionsResponse::default().with_error_code(error_code).with_api_keys(api_keys)
}

/// The range listed for `key`: what it serves, but Produce from v0 (see the module doc).
fn advertised(key: ApiKey, served: VersionRange) -> ApiVersion {
    let min = if key == ApiKey::Produce { 0 } else { served.min };
    ApiVersion::default().with_api_key(key as i16).with_min_version(min).with_max_version(served.max)
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
