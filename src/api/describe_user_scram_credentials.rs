//! DescribeUserScramCredentials (key 50), v0 (KIP-554): each user's SCRAM
//! mechanisms and iteration counts, never a salt or a key.
//!
//! The users are those with a SCRAM credential now: the users file's, for the
//! SCRAM mechanisms the listener enables, with what AlterUserScramCredentials
//! set or deleted over them (`scram_store`). As Kafka's `ScramImage.describe`:
//! a null or empty list means every user; a user without a credential is
//! RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE (one result for
//! it), each with Kafka's message. Kafka needs Describe on the Cluster; a
//! refusal is the top-level CLUSTER_AUTHORIZATION_FAILED with no results.
//! Kafka sends an empty message, not a null one, where there is no error.

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_user_scram_credentials_response::{
    CredentialInfo, DescribeUserScramCredentialsResult,
};
use kafka_protocol::messages::{DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeUserScramCredentialsRequest as Message>::VERSIONS;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: DescribeUserScramCredentialsRequest,
) -> DescribeUserScramCredentialsResponse {
    // The codec's defaults are Kafka's: error code 0 and an empty (not null) message.
    let response = DescribeUserScramCredentialsResponse::default();
    if let Err(refusal) = authorize(ctx, Operation::Describe, Resource::Cluster) {
        return response
            .with_error_code(refusal.code())
            .with_error_message(Some(StrBytes::from_string(refusal.to_string())));
    }
    let credentials = broker.scram.users().scram_iterations();
    // Each user asked for once, with whether it was asked for more than once.
    let mut asked: BTreeMap<String, bool> = BTreeMap::new();
    match request.users.filter(|users| !users.is_empty()) {
        None => asked.extend(credentials.keys().map(|user| (user.clone(), false))),
        Some(users) => {
            for user in users {
                asked.entry(user.name.to_string()).and_modify(|twice| *twice = true).or_insert(false);
            }
        }
    }
    let results = asked
        .into_iter()
        .map(|(user, twice)| {
            let result = DescribeUserScramCredentialsResult::default();
            let outcome = match credentials.get(&user) {
                _ if twice => Err(Error::DuplicateResource(format!(
                    "Cannot describe SCRAM credentials for the same user twice in a single request: {user}"
                ))),
                Some(mechanisms) => Ok(mechanisms),
                None => Err(Error::ResourceNotFound(format!(
                    "Attempt to describe a user credential that does not exist: {user}"
                ))),
            };
            let result = result.with_user(StrBytes::from_string(user));
            match outcome {
                Ok(mechanisms) => result.with_credential_infos(
                    mechanisms
                        .iter()
                        .filter_map(|(mechanism, iterations)| {
                            let info = CredentialInfo::default().with_mechanism(mechanism.scram_type()?);
                            Some(info.with_iterations(i32::try_from(*iterations).unwrap_or(i32::MAX)))
                        })
                        .collect(),
                ),
                Err(error) => result
                    .with_error_code(error.code())
                    .with_error_message(Some(StrBytes::from_string(error.to_string()))),
            }
        })
        .collect();
    response.with_results(results)
}
