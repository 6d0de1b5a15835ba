//! AlterUserScramCredentials (key 51), v0 (KIP-554): sets and deletes SCRAM
//! credentials, as `kafka-configs --entity-type users --alter --add-config
//! 'SCRAM-SHA-256=[iterations=8192,password=...]'` and `--delete-config
//! SCRAM-SHA-256` send them.
//!
//! An upsertion carries the salt, the iteration count and the salted password
//! (RFC 5802's Hi(password, salt, i)), never the password; strand derives the
//! StoredKey and ServerKey from it and keeps only those (`scram_store`). What is
//! accepted is written to the data dir before the answer and is in force at
//! once: the next SCRAM exchange for that user checks the new credential, and a
//! deleted one no longer authenticates (connections already authenticated stay,
//! as in Kafka).
//!
//! Validation is Kafka's `ScramControlManager.alterCredentials`, per user, with
//! its messages: deletions first, then upsertions; a user who already has an
//! error is skipped; a user seen a second time (deleted twice, upserted twice
//! even for two mechanisms, or deleted and upserted) loses its earlier change
//! and gets DUPLICATE_RESOURCE; an empty user name is UNACCEPTABLE_CREDENTIAL,
//! a mechanism type other than 1 and 2 UNSUPPORTED_SASL_MECHANISM, fewer than
//! 4096 or more than 16384 iterations UNACCEPTABLE_CREDENTIAL, deleting a
//! credential that does not exist RESOURCE_NOT_FOUND, and an empty salted
//! password UNKNOWN_SERVER_ERROR without a message (Kafka's HMAC throws). The
//! accepted changes are applied together even when others fail. Results: the
//! deletions done, the upsertions done, then the refusals (Kafka lists each
//! group in hash order; clients match results by user).
//!
//! Kafka needs Alter on the Cluster; a refusal answers every user named, once
//! each, in name order, with CLUSTER_AUTHORIZATION_FAILED.

use std::collections::BTreeSet;

use kafka_protocol::messages::alter_user_scram_credentials_response::AlterUserScramCredentialsResult;
use kafka_protocol::messages::{AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;
use crate::sasl::{Mechanism, ScramCredential};
use crate::scram_store::{Alteration, Change};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <AlterUserScramCredentialsRequest as Message>::VERSIONS;

/// Kafka's `ScramMechanism.minIterations()`, the same for both mechanisms (RFC 7677).
const MIN_ITERATIONS: i32 = 4096;
/// Kafka's `ScramControlManager.MAX_ITERATIONS`.
const MAX_ITERATIONS: i32 = 16384;

pub async fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: AlterUserScramCredentialsRequest,
) -> AlterUserScramCredentialsResponse {
    if let Err(refusal) = authorize(ctx, Operation::Alter, Resource::Cluster) {
        let names = request.deletions.iter().map(|d| &d.name).chain(request.upsertions.iter().map(|u| &u.name));
        let users: BTreeSet<String> = names.map(|name| name.to_string()).collect();
        let results = users.into_iter().map(|user| result(user, Err(&refusal))).collect();
        return AlterUserScramCredentialsResponse::default().with_results(results);
    }
    let alteration = broker.scram.begin().await;
    let mut deletions: Vec<(String, Mechanism)> = Vec::new();
    let mut upsertions: Vec<(String, Mechanism, ScramCredential)> = Vec::new();
    let mut refused: Vec<(String, Error)> = Vec::new();
    let duplicate = || Error::DuplicateResource("A user credential cannot be altered twice in the same request".into());
    for deletion in &request.deletions {
        let user = deletion.name.to_string();
        if refused.iter().any(|(u, _)| *u == user) {
            continue;
        }
        if let Some(at) = deletions.iter().position(|(u, _)| *u == user) {
            deletions.remove(at);
            refused.push((user, duplicate()));
            continue;
        }
        match check_deletion(&alteration, &user, deletion.mechanism) {
            Ok(mechanism) => deletions.push((user, mechanism)),
            Err(error) => refused.push((user, error)),
        }
    }
    for upsertion in &request.upsertions {
        let user = upsertion.name.to_string();
        if refused.iter().any(|(u, _)| *u == user) {
            continue;
        }
        let earlier_deletion = deletions.iter().position(|(u, _)| *u == user);
        let earlier_upsertion = upsertions.iter().position(|(u, _, _)| *u == user);
        if earlier_deletion.is_some() || earlier_upsertion.is_some() {
            earlier_deletion.map(|at| deletions.remove(at));
            earlier_upsertion.map(|at| upsertions.remove(at));
            refused.push((user, duplicate()));
            continue;
        }
        match check_upsertion(&user, upsertion.mechanism, upsertion.iterations) {
            Ok(_) if upsertion.salted_password.is_empty() => refused.push((user, Error::EmptySaltedPassword)),
            Ok((mechanism, iterations)) => {
                let salted = &upsertion.salted_password;
                let credential = ScramCredential::from_salted_password(mechanism, salted, &upsertion.salt, iterations);
                upsertions.push((user, mechanism, credential));
            }
            Err(error) => refused.push((user, error)),
        }
    }

    let done: Vec<String> =
        deletions.iter().map(|(u, _)| u.clone()).chain(upsertions.iter().map(|(u, _, _)| u.clone())).collect();
    let changes: Vec<Change> = deletions
        .into_iter()
        .map(|(user, mechanism)| Change::Delete { user, mechanism })
        .chain(upsertions.into_iter().map(|(user, mechanism, credential)| Change::Upsert {
            user,
            mechanism,
            credential,
        }))
        .collect();
    let committed = if changes.is_empty() { Ok(()) } else { alteration.commit(changes).await.map_err(Error::from) };
    if let Err(error) = &committed {
        tracing::error!(%error, "AlterUserScramCredentials not applied");
    }
    let mut results: Vec<AlterUserScramCredentialsResult> =
        done.into_iter().map(|user| result(user, committed.as_ref().map(|_| ()))).collect();
    results.extend(refused.into_iter().map(|(user, error)| result(user, Err(&error))));
    AlterUserScramCredentialsResponse::default().with_results(results)
}

/// Kafka's `validateScramUsernameAndMechanism`: the name first, then the mechanism.
fn check_user_and_mechanism(user: &str, scram_type: i8) -> Result<Mechanism, Error> {
    if user.is_empty() {
        return Err(Error::UnacceptableCredential("Username must not be empty"));
    }
    Mechanism::from_scram_type(scram_type).ok_or(Error::UnknownScramMechanism)
}

fn check_deletion(alteration: &Alteration<'_>, user: &str, scram_type: i8) -> Result<Mechanism, Error> {
    let mechanism = check_user_and_mechanism(user, scram_type)?;
    if !alteration.exists(user, mechanism) {
        return Err(Error::ResourceNotFound("Attempt to delete a user credential that does not exist".into()));
    }
    Ok(mechanism)
}

fn check_upsertion(user: &str, scram_type: i8, iterations: i32) -> Result<(Mechanism, u32), Error> {
    let mechanism = check_user_and_mechanism(user, scram_type)?;
    if iterations < MIN_ITERATIONS {
        return Err(Error::UnacceptableCredential("Too few iterations"));
    }
    if iterations > MAX_ITERATIONS {
        return Err(Error::UnacceptableCredential("Too many iterations"));
    }
    Ok((mechanism, iterations as u32))
}

/// One user's result: Kafka sends a null message on success and, for an
/// UNKNOWN_SERVER_ERROR, none either.
fn result(user: String, outcome: Result<(), &Error>) -> AlterUserScramCredentialsResult {
    let result = AlterUserScramCredentialsResult::default().with_user(StrBytes::from_string(user));
    match outcome {
        Ok(()) => result.with_error_message(None),
        Err(error @ Error::EmptySaltedPassword) => result.with_error_code(error.code()).with_error_message(None),
        Err(error) => {
            result.with_error_code(error.code()).with_error_message(Some(StrBytes::from_string(error.to_string())))
        }
    }
}
