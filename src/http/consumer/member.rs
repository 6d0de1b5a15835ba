//! The group member behind a subscribed REST consumer: a task that speaks the
//! classic group protocol to the broker's own coordinator (`broker.groups`),
//! as a Kafka consumer would over JoinGroup, SyncGroup, Heartbeat and
//! LeaveGroup.
//!
//! It joins with protocol type `consumer` and the `range` protocol carrying its
//! subscription (KIP-394's member id round first, so it always knows its id and
//! can leave), syncs (computing everyone's range assignment when it is the
//! leader), then heartbeats every [`HEARTBEAT_INTERVAL`] until the coordinator
//! says REBALANCE_IN_PROGRESS (another member joined or left: rejoin),
//! UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION (it was expelled: rejoin as new), the
//! subscription changes (rejoin with the new topics) or ends (commit if
//! auto-commit is on, then LeaveGroup). The member lives as long as the
//! subscription, not as long as a records request: a REST consumer that reads
//! rarely keeps its partitions until the instance expires.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::instance::{commit_as, Instance, Membership, Subscription};
use super::range;
use crate::broker::Broker;
use crate::group::{self, JoinRequest, LeavingMember, MemberAssignment, Protocol, SyncRequest};

/// How often the member heartbeats: well inside the session timeout, and
/// short, so a rebalance another member starts waits little for this one.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(1_000);
/// Kafka's `session.timeout.ms` for the member (45 s is Kafka 3's default; a
/// REST member's heartbeats come from this task, not from the client).
const SESSION_TIMEOUT_MS: i32 = 45_000;
/// `max.poll.interval.ms`, which a Kafka consumer sends as its rebalance timeout.
const REBALANCE_TIMEOUT_MS: i32 = 300_000;
/// After an unexpected error, wait this long before joining again, doubling
/// on each error in a row up to [`MAX_RETRY_BACKOFF`].
const RETRY_BACKOFF: Duration = Duration::from_millis(500);
const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(10);
/// Every this many heartbeats a pattern subscription is matched again, as a
/// Kafka consumer does on its metadata refresh.
const PATTERN_RECHECK_HEARTBEATS: u32 = 5;

/// What the member carries from one generation to the next.
struct Me {
    /// Empty until the coordinator hands one out (KIP-394), and after it forgot us.
    member_id: String,
    /// The wait after the next unexpected error.
    backoff: Duration,
}

/// How a step of the member's loop ended.
enum Next {
    /// Join again, with the member id as it now is.
    Rejoin,
    /// The subscription ended or the broker is stopping.
    Stop,
}

/// Runs the member of `instance` until its subscription feed says `None` (or
/// is dropped) or the broker shuts down; then leaves the group.
pub async fn run(
    broker: Arc<Broker>,
    instance: Arc<Instance>,
    task: u64,
    mut feed: watch::Receiver<Option<Subscription>>,
) {
    let mut me = Me { member_id: String::new(), backoff: RETRY_BACKOFF };
    let mut shutdown = broker.shutdown.clone();
    loop {
        let Some(subscription) = feed.borrow_and_update().clone() else { break };
        if *shutdown.borrow() {
            break;
        }
        if let Some((membership, due)) = instance.rebalance_begins(task) {
            if let Err(e) = commit_as(&broker, &instance.group, &membership, due, None).await {
                tracing::debug!(group = %instance.group, error = %e, "auto-commit before rejoining failed");
            }
        }
        let next = tokio::select! {
            next = generation(&broker, &instance, task, &subscription, &mut me) => next,
            changed = feed.changed() => if changed.is_ok() { Next::Rejoin } else { Next::Stop },
            _ = shutdown.changed() => Next::Stop,
        };
        if matches!(next, Next::Stop) {
            break;
        }
    }
    if let Some((membership, due)) = instance.rebalance_begins(task) {
        if let Err(e) = commit_as(&broker, &instance.group, &membership, due, None).await {
            tracing::debug!(group = %instance.group, error = %e, "auto-commit before leaving failed");
        }
    }
    if !me.member_id.is_empty() {
        let leaving = LeavingMember { member_id: me.member_id.clone(), instance_id: None };
        let _ = broker.groups.leave(&instance.group, &[leaving]);
        tracing::debug!(group = %instance.group, instance = %instance.name, member = %me.member_id, "REST consumer left its group");
    }
}

/// One generation: join, sync, heartbeat until the group moves on.
async fn generation(broker: &Broker, instance: &Instance, task: u64, subscription: &Subscription, me: &mut Me) -> Next {
    let topics = subscription.topics(broker);
    let join = JoinRequest {
        group_id: instance.group.clone(),
        member_id: me.member_id.clone(),
        group_instance_id: None,
        client_id: format!("rest-{}", instance.name),
        client_host: "/127.0.0.1".into(),
        session_timeout_ms: SESSION_TIMEOUT_MS,
        rebalance_timeout_ms: REBALANCE_TIMEOUT_MS,
        protocol_type: "consumer".into(),
        protocols: vec![Protocol { name: range::PROTOCOL.into(), metadata: range::encode_subscription(&topics) }],
        require_known_member_id: true,
        accepts_skip_assignment: true,
    };
    let joined = match broker.groups.join(join).await {
        Ok(joined) => joined,
        Err(group::Error::MemberIdRequired(id)) => {
            me.member_id = id;
            return Next::Rejoin;
        }
        Err(e) => return after_error(instance, e, me).await,
    };
    me.member_id = joined.member_id.clone();
    let assignments = if joined.leader == joined.member_id && !joined.skip_assignment {
        leader_assignments(broker, &joined.members)
    } else {
        Vec::new()
    };
    let sync = SyncRequest {
        group_id: instance.group.clone(),
        generation_id: joined.generation_id,
        member_id: me.member_id.clone(),
        group_instance_id: None,
        protocol_type: Some("consumer".into()),
        protocol_name: Some(range::PROTOCOL.into()),
        assignments,
    };
    let synced = match broker.groups.sync(sync).await {
        Ok(synced) => synced,
        Err(e) => return after_error(instance, e, me).await,
    };
    let Some(assignment) = range::decode_assignment(&synced.assignment) else {
        tracing::warn!(group = %instance.group, "the group leader's assignment does not parse; rejoining");
        return back_off(me).await;
    };
    me.backoff = RETRY_BACKOFF;
    let membership = Membership { generation_id: joined.generation_id, member_id: me.member_id.clone() };
    instance.assigned(task, membership, &assignment);
    tracing::debug!(group = %instance.group, instance = %instance.name, generation = joined.generation_id, ?assignment, "REST consumer synced");
    let mut beats = 0u32;
    loop {
        tokio::time::sleep(HEARTBEAT_INTERVAL).await;
        if let Err(e) = broker.groups.heartbeat(&instance.group, joined.generation_id, &me.member_id, None) {
            return after_error(instance, e, me).await;
        }
        beats = beats.wrapping_add(1);
        if matches!(subscription, Subscription::Pattern(_))
            && beats.is_multiple_of(PATTERN_RECHECK_HEARTBEATS)
            && subscription.topics(broker) != topics
        {
            return Next::Rejoin;
        }
    }
}

/// What a join, sync or heartbeat error means for the member.
async fn after_error(instance: &Instance, e: group::Error, me: &mut Me) -> Next {
    match e {
        group::Error::RebalanceInProgress | group::Error::IllegalGeneration => Next::Rejoin,
        group::Error::UnknownMemberId | group::Error::FencedInstanceId => {
            me.member_id.clear();
            Next::Rejoin
        }
        // E.g. INCONSISTENT_GROUP_PROTOCOL: the group's members offer no
        // `range`; said once, then retried quietly until they do.
        other => {
            if me.backoff == RETRY_BACKOFF {
                tracing::warn!(group = %instance.group, instance = %instance.name, error = %other, "REST consumer cannot join its group; retrying");
            } else {
                tracing::debug!(group = %instance.group, instance = %instance.name, error = %other, "REST consumer cannot join its group; retrying");
            }
            back_off(me).await
        }
    }
}

/// Waits the current backoff, doubles it for the next error, and rejoins.
async fn back_off(me: &mut Me) -> Next {
    tokio::time::sleep(me.backoff).await;
    me.backoff = (me.backoff * 2).min(MAX_RETRY_BACKOFF);
    Next::Rejoin
}

/// The leader's job: Kafka's RangeAssignor over every member's subscription.
fn leader_assignments(broker: &Broker, members: &[group::JoinedMember]) -> Vec<MemberAssignment> {
    let subscriptions: Vec<(String, Vec<String>)> = members
        .iter()
        .map(|m| (m.member_id.clone(), range::decode_subscription(&m.metadata).unwrap_or_default()))
        .collect();
    let plan = range::assign(&subscriptions, |topic| broker.topics.get(topic).map(|t| t.partition_count()));
    plan.into_iter()
        .map(|(member_id, assignment)| MemberAssignment {
            member_id,
            assignment: range::encode_assignment(&assignment),
        })
        .collect()
}
