//! One module per Kafka API, and the dispatch that routes a decoded request to it.
//!
//! Handlers decode nothing themselves (kafka-protocol does), check what Kafka
//! checks, call `log` or `group`, and build the response. Every refusal is an
//! `Error` (`error.rs`), and its Kafka code is chosen in one place, `Error::kafka`.
//!
//! Errors are counted here, in the dispatch, and nowhere else: once a handler
//! has built its response, `count_errors` walks the response's error codes (top
//! level and per topic, partition, group or member, as `ErrorCodes` lists them
//! for each API) and counts each non-zero one in `strand_request_errors_total`
//! with the API's name, so an error is counted once for every place a client
//! sees it. Handlers never count. A request the broker does not answer (an
//! unknown API, a malformed body, anything before SASL authentication) closes
//! the connection and carries no code to count, and neither does a bare SASL
//! token after SaslHandshake v0: its failures are only in
//! `strand_sasl_authentication_failures_total`.
//!
//! What a request for an API or version this broker does not serve gets is what
//! Kafka gives it: ApiVersions answers any version (KIP-511), every other API
//! outside `SUPPORTED` has its connection closed, as Kafka closes it. On a SASL
//! listener, until the client authenticates, anything but ApiVersions and the
//! SASL APIs closes the connection too, as Kafka's SaslServerAuthenticator does.
//!
//! Client quotas are applied here too, around each handler (`throttle`): the
//! handler's time and, for Produce and Fetch, its bytes are recorded against
//! the client's quotas, the response carries the throttle time, and
//! `RequestInfo::throttle` tells the connection how long to mute itself.

pub mod acls;
pub mod alter_client_quotas;
pub mod alter_configs;
pub mod alter_partition_reassignments;
pub mod alter_user_scram_credentials;
pub mod api_versions;
pub mod authorize;
pub mod authorized_operations;
pub mod create_acls;
pub mod create_partitions;
pub mod create_topics;
pub mod delete_acls;
pub mod delete_groups;
pub mod delete_records;
pub mod delete_topics;
pub mod describe_acls;
pub mod describe_client_quotas;
pub mod describe_cluster;
pub mod describe_configs;
pub mod describe_groups;
pub mod describe_log_dirs;
pub mod describe_producers;
pub mod describe_topic_partitions;
pub mod describe_transactions;
pub mod describe_user_scram_credentials;
pub mod elect_leaders;
pub mod error;
pub mod fetch;
pub mod find_coordinator;
pub mod frame;
pub mod heartbeat;
pub mod incremental_alter_configs;
pub mod init_producer_id;
pub mod join_group;
pub mod leader_epoch;
pub mod leave_group;
pub mod list_groups;
pub mod list_offsets;
pub mod list_partition_reassignments;
pub mod list_transactions;
pub mod metadata;
pub mod offset_commit;
pub mod offset_delete;
pub mod offset_fetch;
pub mod offset_for_leader_epoch;
pub mod produce;
pub mod sasl_authenticate;
pub mod sasl_handshake;
pub mod session;
pub mod sync_group;
pub mod throttle;

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, VersionRange};

use self::throttle::Throttle;

pub use self::error::Error;
use self::error::ErrorCodes;
use self::session::Session;
use crate::broker::Broker;
use crate::log::Log;
use crate::quota::{self, Kind};
use crate::topics::{self, Topic};

/// Every API this broker serves, its Kafka name (the metrics' `api` label) and
/// the versions ApiVersions advertises: the range each request codec decodes.
pub const SUPPORTED: &[(ApiKey, &str, VersionRange)] = &[
    (ApiKey::Produce, "Produce", produce::VERSIONS),
    (ApiKey::Fetch, "Fetch", fetch::VERSIONS),
    (ApiKey::ListOffsets, "ListOffsets", list_offsets::VERSIONS),
    (ApiKey::Metadata, "Metadata", metadata::VERSIONS),
    (ApiKey::ApiVersions, "ApiVersions", api_versions::VERSIONS),
    (ApiKey::CreateTopics, "CreateTopics", create_topics::VERSIONS),
    (ApiKey::DeleteTopics, "DeleteTopics", delete_topics::VERSIONS),
    (ApiKey::CreatePartitions, "CreatePartitions", create_partitions::VERSIONS),
    (ApiKey::FindCoordinator, "FindCoordinator", find_coordinator::VERSIONS),
    (ApiKey::JoinGroup, "JoinGroup", join_group::VERSIONS),
    (ApiKey::SyncGroup, "SyncGroup", sync_group::VERSIONS),
    (ApiKey::Heartbeat, "Heartbeat", heartbeat::VERSIONS),
    (ApiKey::LeaveGroup, "LeaveGroup", leave_group::VERSIONS),
    (ApiKey::OffsetCommit, "OffsetCommit", offset_commit::VERSIONS),
    (ApiKey::OffsetFetch, "OffsetFetch", offset_fetch::VERSIONS),
    (ApiKey::DescribeGroups, "DescribeGroups", describe_groups::VERSIONS),
    (ApiKey::ListGroups, "ListGroups", list_groups::VERSIONS),
    (ApiKey::DeleteGroups, "DeleteGroups", delete_groups::VERSIONS),
    (ApiKey::OffsetDelete, "OffsetDelete", offset_delete::VERSIONS),
    (ApiKey::InitProducerId, "InitProducerId", init_producer_id::VERSIONS),
    (ApiKey::SaslHandshake, "SaslHandshake", sasl_handshake::VERSIONS),
    (ApiKey::SaslAuthenticate, "SaslAuthenticate", sasl_authenticate::VERSIONS),
    (ApiKey::DeleteRecords, "DeleteRecords", delete_records::VERSIONS),
    (ApiKey::DescribeLogDirs, "DescribeLogDirs", describe_log_dirs::VERSIONS),
    (ApiKey::DescribeUserScramCredentials, "DescribeUserScramCredentials", describe_user_scram_credentials::VERSIONS),
    (ApiKey::AlterUserScramCredentials, "AlterUserScramCredentials", alter_user_scram_credentials::VERSIONS),
    (ApiKey::DescribeCluster, "DescribeCluster", describe_cluster::VERSIONS),
    (ApiKey::DescribeTopicPartitions, "DescribeTopicPartitions", describe_topic_partitions::VERSIONS),
    (ApiKey::ElectLeaders, "ElectLeaders", elect_leaders::VERSIONS),
    (ApiKey::ListPartitionReassignments, "ListPartitionReassignments", list_partition_reassignments::VERSIONS),
    (ApiKey::AlterPartitionReassignments, "AlterPartitionReassignments", alter_partition_reassignments::VERSIONS),
    (ApiKey::DescribeAcls, "DescribeAcls", describe_acls::VERSIONS),
    (ApiKey::CreateAcls, "CreateAcls", create_acls::VERSIONS),
    (ApiKey::DeleteAcls, "DeleteAcls", delete_acls::VERSIONS),
    (ApiKey::ListTransactions, "ListTransactions", list_transactions::VERSIONS),
    (ApiKey::DescribeTransactions, "DescribeTransactions", describe_transactions::VERSIONS),
    (ApiKey::DescribeClientQuotas, "DescribeClientQuotas", describe_client_quotas::VERSIONS),
    (ApiKey::AlterClientQuotas, "AlterClientQuotas", alter_client_quotas::VERSIONS),
    (ApiKey::OffsetForLeaderEpoch, "OffsetForLeaderEpoch", offset_for_leader_epoch::VERSIONS),
    (ApiKey::DescribeProducers, "DescribeProducers", describe_producers::VERSIONS),
    (ApiKey::DescribeConfigs, "DescribeConfigs", describe_configs::VERSIONS),
    (ApiKey::AlterConfigs, "AlterConfigs", alter_configs::VERSIONS),
    (ApiKey::IncrementalAlterConfigs, "IncrementalAlterConfigs", incremental_alter_configs::VERSIONS),
];

pub fn supported(key: ApiKey) -> Option<(&'static str, VersionRange)> {
    SUPPORTED.iter().find(|(k, _, _)| *k == key).map(|(_, name, versions)| (*name, *versions))
}

/// What the connection does with a request.
pub enum Outcome {
    /// A complete response frame, size prefix included.
    Respond(BytesMut),
    /// A complete Fetch response frame in parts, so that its records go to the
    /// socket as the log's bytes, uncopied (see `frame`).
    RespondInParts(frame::Frame),
    /// Produce with acks=0: Kafka sends nothing back.
    NoResponse,
    /// Kafka closes the connection here; the reason goes to the log.
    Close(String),
    /// Send this response, then close (a failed SASL authentication).
    RespondThenClose(BytesMut, String),
}

/// Who sent a request: what JoinGroup records and DescribeGroups shows.
pub struct RequestContext {
    pub client_id: String,
    pub peer: std::net::SocketAddr,
    /// The authenticated SASL user; `None` on a listener without SASL (Kafka's
    /// `User:ANONYMOUS`).
    pub user: Option<String>,
}

impl RequestContext {
    /// The client host as Kafka prints it (Java's `InetAddress.toString`).
    pub fn client_host(&self) -> String {
        format!("/{}", self.peer.ip())
    }
}

/// The parts of a request a connection logs.
pub struct RequestInfo {
    pub api_key: i16,
    pub api_version: i16,
    pub correlation_id: i32,
    pub client_id: Option<String>,
    /// How long the connection stays muted after (or before) the response: a
    /// client over its quota (`throttle`).
    pub throttle: Throttle,
}

/// Decodes one request frame (without its size prefix), runs it, encodes the answer.
/// After a SaslHandshake v0 the frame is a bare SASL token instead, with no header
/// to report.
pub async fn handle(broker: &Broker, session: &mut Session, mut frame: Bytes) -> (Outcome, Option<RequestInfo>) {
    if session.expects_bare_token() {
        return (sasl_authenticate::unframed(session, &frame), None);
    }
    let started = std::time::Instant::now();
    // Kafka's `request.sizeInBytes`, what Produce records against the producer byte rate.
    let request_bytes = frame.len();
    if frame.len() < 4 {
        return (Outcome::Close("request shorter than its api key and version".into()), None);
    }
    let raw_key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let Ok(api_key) = ApiKey::try_from(raw_key) else {
        return (Outcome::Close(format!("unknown api key {raw_key}")), None);
    };
    let Some((api_name, range)) = supported(api_key) else {
        return (Outcome::Close(format!("unsupported api {api_key:?} (key {raw_key})")), None);
    };
    // An ApiVersions newer than ours still carries a header we can read: the newest one.
    let header_version = api_key.request_header_version(version.min(range.max));
    let header = match RequestHeader::decode(&mut frame, header_version) {
        Ok(header) => header,
        Err(e) => return (Outcome::Close(format!("malformed request header: {e}")), None),
    };
    let info = RequestInfo {
        api_key: raw_key,
        api_version: version,
        correlation_id: header.correlation_id,
        client_id: header.client_id.as_ref().map(|s| s.to_string()),
        throttle: Throttle::default(),
    };
    if version < range.min || version > range.max {
        let outcome = if api_key == ApiKey::ApiVersions {
            let response = api_versions::unsupported_version();
            count_errors(api_name, &response);
            crate::metrics::request_done(api_name, started.elapsed().as_secs_f64());
            respond(header.correlation_id, ApiKey::ApiVersions, 0, &response)
        } else {
            Outcome::Close(format!("unsupported version {version} of {api_key:?}"))
        };
        return (outcome, Some(info));
    }
    let sasl_or_versions = matches!(api_key, ApiKey::ApiVersions | ApiKey::SaslHandshake | ApiKey::SaslAuthenticate);
    if !session.is_authenticated() && !sasl_or_versions {
        return (Outcome::Close(format!("{api_key:?} before SASL authentication")), Some(info));
    }
    let id = header.correlation_id;
    let ctx = RequestContext {
        client_id: info.client_id.clone().unwrap_or_default(),
        peer: session.peer,
        user: session.user.clone(),
    };
    let client = quota::Client { user: ctx.user.as_deref().unwrap_or(quota::ANONYMOUS), client_id: &ctx.client_id };
    // The request quota's throttle for a handler that spent `busy` on a worker.
    let request_throttle = |busy: std::time::Duration| throttle::request(broker, client, busy);
    let mut throttled = Throttle::default();
    // Decode the body as `$request`, run `$handler` on it, throttle it under
    // the request quota, frame the answer; a body that does not decode closes
    // the connection, as in Kafka.
    macro_rules! serve {
        ($request:ty, |$r:ident| $handler:expr) => {
            match <$request as Decodable>::decode(&mut frame, version) {
                Ok($r) => {
                    let (mut response, busy) = throttle::timed(async { $handler }).await;
                    throttled = throttle::apply(&mut response, (Kind::Request, request_throttle(busy)));
                    count_errors(api_name, &response);
                    respond(id, api_key, version, &response)
                }
                Err(e) => Outcome::Close(format!("malformed {api_key:?} v{version} request: {e}")),
            }
        };
    }
    // `serve!` for a handler that may refuse to answer, as Kafka does for a
    // request it rejects while parsing it: `Err(reason)` closes the connection.
    macro_rules! serve_or_close {
        ($request:ty, |$r:ident| $handler:expr) => {
            match <$request as Decodable>::decode(&mut frame, version) {
                Ok($r) => match throttle::timed(async { $handler }).await {
                    (Ok(mut response), busy) => {
                        throttled = throttle::apply(&mut response, (Kind::Request, request_throttle(busy)));
                        count_errors(api_name, &response);
                        respond(id, api_key, version, &response)
                    }
                    (Err(reason), _) => Outcome::Close(reason),
                },
                Err(e) => Outcome::Close(format!("malformed {api_key:?} v{version} request: {e}")),
            }
        };
    }
    // `serve!` for the APIs under KIP-599's controller mutation quota: the
    // handler checks and takes permits through `$m`, the response carries the
    // larger of that throttle and the request quota's.
    macro_rules! mutate {
        ($request:ty, |$r:ident, $m:ident| $handler:expr) => {
            match <$request as Decodable>::decode(&mut frame, version) {
                Ok($r) => {
                    let mut mutations = throttle::Mutations::new(broker, client, api_key, version);
                    let $m = &mut mutations;
                    let (mut response, busy) = throttle::timed(async { $handler }).await;
                    let larger =
                        throttle::larger((Kind::ControllerMutation, mutations.throttle_ms()), request_throttle(busy));
                    throttled = throttle::apply(&mut response, larger);
                    count_errors(api_name, &response);
                    respond(id, api_key, version, &response)
                }
                Err(e) => Outcome::Close(format!("malformed {api_key:?} v{version} request: {e}")),
            }
        };
    }
    let outcome = match api_key {
        ApiKey::Produce => match <ProduceRequest as Decodable>::decode(&mut frame, version) {
            Ok(req) => {
                let acks = req.acks;
                let (mut response, busy) = throttle::timed(produce::handle(broker, version, req)).await;
                // Kafka records the request's size once it is appended, acks=0
                // included, and exempts acks=0 from the request quota: no
                // response would carry its throttle. The mute applies to both.
                let bandwidth = broker.quotas.record(Kind::Produce, client, request_bytes as f64, crate::now_ms());
                let request = if acks == 0 { 0 } else { request_throttle(busy) };
                let larger = throttle::larger((Kind::Produce, bandwidth), request);
                throttled = throttle::apply(&mut response, larger);
                count_errors(api_name, &response);
                match produce::answer(acks, response) {
                    produce::Answer::Respond(response) => respond(id, api_key, version, &response),
                    produce::Answer::Nothing => Outcome::NoResponse,
                    produce::Answer::Close(reason) => Outcome::Close(reason),
                }
            }
            Err(e) => Outcome::Close(format!("malformed {api_key:?} v{version} request: {e}")),
        },
        ApiKey::Fetch => match <FetchRequest as Decodable>::decode(&mut frame, version) {
            Ok(mut req) => {
                throttle::cap_fetch(broker, client, &mut req);
                let (mut response, busy) = throttle::timed(fetch::handle(broker, version, req)).await;
                // As Kafka's fetch response callback: both quotas recorded, and
                // a throttled fetch answered empty, its bytes taken back.
                let size = response.compute_size(version).unwrap_or(0) as f64;
                let request = request_throttle(busy);
                let now = crate::now_ms();
                let (bandwidth, measure) = broker.quotas.record_keyed(Kind::Fetch, client, size, now);
                let larger = throttle::larger((Kind::Fetch, bandwidth), request);
                if larger.1 > 0 {
                    if let Some(measure) = &measure {
                        broker.quotas.unrecord(measure, size, now);
                    }
                    response = fetch::throttled();
                }
                throttled = throttle::apply(&mut response, larger);
                count_errors(api_name, &response);
                // Counted here, not in the handler: a throttled fetch sends none of what it read.
                let records = fetch::record_sets(&response);
                crate::metrics::fetched(records.iter().map(|r| r.len() as u64).sum());
                respond_with_records(id, api_key, version, &response, &records)
            }
            Err(e) => Outcome::Close(format!("malformed {api_key:?} v{version} request: {e}")),
        },
        ApiKey::ListOffsets => serve!(ListOffsetsRequest, |r| list_offsets::handle(broker, version, r)),
        ApiKey::Metadata => serve!(MetadataRequest, |r| metadata::handle(broker, version, r)),
        ApiKey::ApiVersions => serve!(ApiVersionsRequest, |r| api_versions::handle(version, r)),
        ApiKey::CreateTopics => mutate!(CreateTopicsRequest, |r, m| create_topics::handle(broker, m, version, r)),
        ApiKey::DeleteTopics => {
            mutate!(DeleteTopicsRequest, |r, m| delete_topics::handle(broker, m, version, r).await)
        }
        ApiKey::CreatePartitions => {
            mutate!(CreatePartitionsRequest, |r, m| create_partitions::handle(broker, m, version, r))
        }
        ApiKey::FindCoordinator => serve!(FindCoordinatorRequest, |r| find_coordinator::handle(broker, version, r)),
        ApiKey::JoinGroup => serve!(JoinGroupRequest, |r| join_group::handle(broker, &ctx, version, r).await),
        ApiKey::SyncGroup => serve!(SyncGroupRequest, |r| sync_group::handle(broker, version, r).await),
        ApiKey::Heartbeat => serve!(HeartbeatRequest, |r| heartbeat::handle(broker, version, r)),
        ApiKey::LeaveGroup => serve!(LeaveGroupRequest, |r| leave_group::handle(broker, version, r)),
        ApiKey::OffsetCommit => serve!(OffsetCommitRequest, |r| offset_commit::handle(broker, version, r).await),
        ApiKey::OffsetFetch => serve!(OffsetFetchRequest, |r| offset_fetch::handle(broker, version, r)),
        ApiKey::DescribeGroups => serve!(DescribeGroupsRequest, |r| describe_groups::handle(broker, version, r)),
        ApiKey::ListGroups => serve!(ListGroupsRequest, |r| list_groups::handle(broker, version, r)),
        ApiKey::DeleteGroups => serve!(DeleteGroupsRequest, |r| delete_groups::handle(broker, version, r).await),
        ApiKey::OffsetDelete => serve!(OffsetDeleteRequest, |r| offset_delete::handle(broker, version, r).await),
        ApiKey::InitProducerId => serve!(InitProducerIdRequest, |r| init_producer_id::handle(broker, version, r)),
        ApiKey::DeleteRecords => serve!(DeleteRecordsRequest, |r| delete_records::handle(broker, &ctx, version, r)),
        ApiKey::DescribeLogDirs => {
            serve!(DescribeLogDirsRequest, |r| describe_log_dirs::handle(broker, &ctx, version, r))
        }
        ApiKey::SaslHandshake => match <SaslHandshakeRequest as Decodable>::decode(&mut frame, version) {
            Ok(req) => sasl_handshake::handle(session, version, req).into_outcome(id, api_key, api_name, version),
            Err(e) => Outcome::Close(format!("malformed {api_key:?} v{version} request: {e}")),
        },
        ApiKey::SaslAuthenticate => match <SaslAuthenticateRequest as Decodable>::decode(&mut frame, version) {
            Ok(req) => sasl_authenticate::handle(session, version, req).into_outcome(id, api_key, api_name, version),
            Err(e) => Outcome::Close(format!("malformed {api_key:?} v{version} request: {e}")),
        },
        ApiKey::DescribeUserScramCredentials => serve!(DescribeUserScramCredentialsRequest, |r| {
            describe_user_scram_credentials::handle(broker, &ctx, version, r)
        }),
        ApiKey::AlterUserScramCredentials => serve!(AlterUserScramCredentialsRequest, |r| {
            alter_user_scram_credentials::handle(broker, &ctx, version, r).await
        }),
        ApiKey::DescribeCluster => {
            serve!(DescribeClusterRequest, |r| describe_cluster::handle(broker, &ctx, version, r))
        }
        ApiKey::DescribeTopicPartitions => {
            serve!(DescribeTopicPartitionsRequest, |r| describe_topic_partitions::handle(broker, &ctx, version, r))
        }
        ApiKey::ElectLeaders => serve!(ElectLeadersRequest, |r| elect_leaders::handle(broker, &ctx, version, r)),
        ApiKey::ListPartitionReassignments => serve!(ListPartitionReassignmentsRequest, |r| {
            list_partition_reassignments::handle(broker, &ctx, version, r)
        }),
        ApiKey::AlterPartitionReassignments => serve!(AlterPartitionReassignmentsRequest, |r| {
            alter_partition_reassignments::handle(broker, &ctx, version, r)
        }),
        ApiKey::DescribeAcls => serve_or_close!(DescribeAclsRequest, |r| describe_acls::handle(&ctx, version, r)),
        ApiKey::CreateAcls => serve_or_close!(CreateAclsRequest, |r| create_acls::handle(&ctx, version, r)),
        ApiKey::DeleteAcls => serve_or_close!(DeleteAclsRequest, |r| delete_acls::handle(&ctx, version, r)),
        ApiKey::ListTransactions => serve!(ListTransactionsRequest, |r| list_transactions::handle(version, r)),
        ApiKey::DescribeTransactions => {
            serve!(DescribeTransactionsRequest, |r| describe_transactions::handle(&ctx, version, r))
        }
        ApiKey::DescribeClientQuotas => {
            serve!(DescribeClientQuotasRequest, |r| describe_client_quotas::handle(broker, &ctx, version, r))
        }
        ApiKey::AlterClientQuotas => {
            serve!(AlterClientQuotasRequest, |r| alter_client_quotas::handle(broker, &ctx, version, r).await)
        }
        ApiKey::OffsetForLeaderEpoch => {
            serve!(OffsetForLeaderEpochRequest, |r| offset_for_leader_epoch::handle(broker, &ctx, version, r))
        }
        ApiKey::DescribeProducers => {
            serve!(DescribeProducersRequest, |r| describe_producers::handle(broker, &ctx, version, r))
        }
        ApiKey::DescribeConfigs => {
            serve!(DescribeConfigsRequest, |r| describe_configs::handle(broker, &ctx, version, r))
        }
        ApiKey::AlterConfigs => {
            serve_or_close!(AlterConfigsRequest, |r| alter_configs::handle(broker, &ctx, version, r))
        }
        ApiKey::IncrementalAlterConfigs => {
            serve!(IncrementalAlterConfigsRequest, |r| incremental_alter_configs::handle(broker, &ctx, version, r))
        }
        other => Outcome::Close(format!("no handler for {other:?}")),
    };
    crate::metrics::request_done(api_name, started.elapsed().as_secs_f64());
    (outcome, Some(RequestInfo { throttle: throttled, ..info }))
}

/// Counts each non-zero error code in `response` against `api`; see the module doc.
fn count_errors<R: ErrorCodes>(api: &'static str, response: &R) {
    response.error_codes(&mut |code| {
        if code != 0 {
            crate::metrics::request_error(api, code);
        }
    });
}

/// Frames a response: size prefix, header (v0 or flexible v1 as the API/version
/// requires), body.
fn respond<R: Encodable>(correlation_id: i32, api_key: ApiKey, version: i16, body: &R) -> Outcome {
    let mut buf = BytesMut::with_capacity(64);
    buf.put_i32(0);
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    let encoded =
        header.encode(&mut buf, api_key.response_header_version(version)).and_then(|()| body.encode(&mut buf, version));
    if let Err(e) = encoded {
        // A handler built something this version cannot carry: a broker bug, not the client's.
        tracing::error!(api = ?api_key, version, error = %e, "could not encode response");
        return Outcome::Close(format!("response encoding failed: {e}"));
    }
    let size = (buf.len() - 4) as i32;
    buf[..4].copy_from_slice(&size.to_be_bytes());
    Outcome::Respond(buf)
}

/// `respond` for a body whose `records` (byte fields of it) go into the frame
/// by reference rather than by copy.
fn respond_with_records<R: Encodable>(
    correlation_id: i32,
    api_key: ApiKey,
    version: i16,
    body: &R,
    records: &[Bytes],
) -> Outcome {
    let mut buf = frame::FrameBuf::new(records);
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    let encoded =
        header.encode(&mut buf, api_key.response_header_version(version)).and_then(|()| body.encode(&mut buf, version));
    let error = match encoded.map(|()| buf.finish()) {
        Ok(Some(frame)) => return Outcome::RespondInParts(frame),
        Ok(None) => "response over i32::MAX bytes".to_owned(),
        Err(e) => e.to_string(),
    };
    // As in `respond`: a broker bug, not the client's.
    tracing::error!(api = ?api_key, version, %error, "could not encode response");
    Outcome::Close(format!("response encoding failed: {error}"))
}

/// What a SASL handler does with a request: answer it, answer it and close (a
/// failed authentication), or close without an answer, as Kafka does for a
/// request out of the SASL sequence.
pub enum SaslReply<R> {
    Respond(R),
    RespondThenClose(R, String),
    Close(String),
}

impl<R: Encodable + ErrorCodes> SaslReply<R> {
    fn into_outcome(self, correlation_id: i32, api_key: ApiKey, api_name: &'static str, version: i16) -> Outcome {
        match self {
            SaslReply::Respond(response) => {
                count_errors(api_name, &response);
                respond(correlation_id, api_key, version, &response)
            }
            SaslReply::RespondThenClose(response, reason) => {
                count_errors(api_name, &response);
                match respond(correlation_id, api_key, version, &response) {
                    Outcome::Respond(buf) => Outcome::RespondThenClose(buf, reason),
                    other => other,
                }
            }
            SaslReply::Close(reason) => Outcome::Close(reason),
        }
    }
}

/// How a request names the topic: by name (older versions) or by id (KIP-516).
#[derive(Clone, Copy)]
pub enum TopicRef<'a> {
    Name(&'a str),
    Id(uuid::Uuid),
}

impl TopicRef<'_> {
    /// What Kafka answers for a topic it does not have.
    fn unknown(self) -> Error {
        match self {
            TopicRef::Name(_) => Error::UnknownTopicOrPartition,
            TopicRef::Id(_) => Error::UnknownTopicId,
        }
    }
}

/// A request's topic, looked up once for all of its partitions.
pub struct Resolved<'a> {
    reference: TopicRef<'a>,
    pub topic: Option<Arc<Topic>>,
}

impl Resolved<'_> {
    /// The partition's log, or the error Kafka answers for it.
    pub fn partition(&self, index: i32) -> Result<Arc<Log>, Error> {
        match &self.topic {
            Some(topic) => topic.partition(index).ok_or(Error::UnknownTopicOrPartition),
            None => Err(self.reference.unknown()),
        }
    }

    /// Ok when the topic exists, else the error Kafka answers.
    pub fn check(&self) -> Result<&Arc<Topic>, Error> {
        self.topic.as_ref().ok_or_else(|| self.reference.unknown())
    }
}

/// Looks the topic up by name or id.
pub fn resolve<'a>(broker: &Broker, reference: TopicRef<'a>) -> Resolved<'a> {
    let topic = match reference {
        TopicRef::Name(name) => broker.topics.get(name),
        TopicRef::Id(id) => broker.topics.get_by_id(id),
    };
    Resolved { reference, topic }
}

/// `resolve`, creating a topic named but missing when `auto_create_topics` is on
/// (Kafka's `auto.create.topics.enable`); a name that cannot be created is
/// answered with why (INVALID_TOPIC_EXCEPTION, POLICY_VIOLATION). A name that
/// collides with an existing topic on '.' vs '_' stays unknown: Kafka's
/// controller refuses that creation after the request is answered, so the
/// client goes on seeing UNKNOWN_TOPIC_OR_PARTITION (checked against Kafka 4.4).
pub fn resolve_or_create<'a>(broker: &Broker, reference: TopicRef<'a>) -> Result<Resolved<'a>, Error> {
    let resolved = resolve(broker, reference);
    match reference {
        TopicRef::Name(name) if resolved.topic.is_none() && broker.config.auto_create_topics => {
            match broker.topics.get_or_create(name) {
                Ok(topic) => Ok(Resolved { reference, topic: Some(topic) }),
                Err(topics::Error::Collides(_)) => Ok(resolved),
                Err(error) => Err(error.into()),
            }
        }
        _ => Ok(resolved),
    }
}
