//! One REST consumer instance: what it consumes (a subscription that makes it
//! a member of its group, or partitions assigned by hand), where it is in each
//! partition (its positions), and how it commits.
//!
//! As in a Kafka consumer, subscribing and assigning are exclusive
//! (`IllegalStateException` there, 409 here). A subscription hands the topics
//! to the group member task (`member`), which joins the group and reports each
//! generation's partitions back through [`Instance::assigned`]; between a
//! rebalance's start and its end the instance owns nothing. Positions follow
//! Kafka's eager protocol: a partition the new generation does not give back
//! loses its position, one it keeps keeps it, and a partition without a
//! position starts from the group's committed offset, else from
//! `auto.offset.reset` (`reset`).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use super::config::{InstanceConfig, OffsetReset};
use super::range::Assignment;
use crate::broker::Broker;
use crate::group::{self, CommittedOffset, TopicPartition};
use crate::http::RestError;

/// Kafka's default `auto.commit.interval.ms`.
const AUTO_COMMIT_INTERVAL: Duration = Duration::from_millis(5_000);

/// A topic and partition, as the REST bodies name them.
pub type Partition = (String, i32);

/// What the instance consumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consuming {
    Nothing,
    /// Subscribed: the group decides the partitions.
    Subscribed(Subscription),
    /// `POST .../assignments`: these partitions, no group membership (Kafka's
    /// `assign()`), commits as a simple group's.
    Assigned(BTreeSet<Partition>),
}

/// The topics a subscription names, or a pattern resolved at each rebalance.
#[derive(Clone, Debug)]
pub enum Subscription {
    Topics(Vec<String>),
    /// Matched against whole topic names, as Java's `Pattern.matches`.
    Pattern(regex::Regex),
}

impl PartialEq for Subscription {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Subscription::Topics(a), Subscription::Topics(b)) => a == b,
            (Subscription::Pattern(a), Subscription::Pattern(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}
impl Eq for Subscription {}

impl Subscription {
    /// The topics it names now: a pattern's matches among the broker's topics.
    pub fn topics(&self, broker: &Broker) -> Vec<String> {
        match self {
            Subscription::Topics(topics) => topics.clone(),
            Subscription::Pattern(pattern) => {
                let mut topics: Vec<String> =
                    broker.topics.all().iter().map(|t| t.name.clone()).filter(|name| pattern.is_match(name)).collect();
                topics.sort();
                topics
            }
        }
    }
}

/// The group generation the member task last completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub generation_id: i32,
    pub member_id: String,
}

struct State {
    consuming: Consuming,
    /// Set while subscribed and a generation is complete.
    membership: Option<Membership>,
    /// The partitions owned now (the group's, or the hand-assigned ones).
    owned: BTreeSet<Partition>,
    /// Next offset to return, per owned partition that has started.
    positions: HashMap<Partition, i64>,
    /// What auto-commit last committed, so an idle instance does not commit again.
    auto_committed: HashMap<Partition, i64>,
    /// When a records request last auto-committed (`auto.commit.interval.ms`).
    last_auto_commit: Option<Instant>,
    /// Bumped on every change of `owned`, so a read that raced a rebalance is dropped.
    epoch: u64,
    /// The member task's subscription feed; dropping it ends the task.
    member: Option<watch::Sender<Option<Subscription>>>,
    /// Which member task is the current one: a task that is still leaving
    /// after an unsubscribe must not touch a newer subscription's state.
    task: u64,
    last_used: Instant,
    /// Where the next records request starts among the owned partitions, so a
    /// busy partition does not starve the others under `max_bytes`.
    rotation: usize,
    closed: bool,
}

pub struct Instance {
    pub group: String,
    pub name: String,
    pub config: InstanceConfig,
    state: Mutex<State>,
    /// Woken when the owned partitions change, so a waiting read looks again.
    pub changed: Notify,
    /// One records request at a time per instance, as the REST Proxy reads
    /// through its one Kafka consumer.
    pub reading: tokio::sync::Mutex<()>,
}

/// What `stop` leaves to do: end the member task, commit.
struct Stopped {
    feed: Option<watch::Sender<Option<Subscription>>>,
    due: Option<(Membership, Vec<(Partition, i64)>)>,
}

/// A read's view of the instance: the owned partitions with their positions.
pub struct Snapshot {
    pub epoch: u64,
    pub partitions: Vec<(Partition, Option<i64>)>,
}

impl Instance {
    pub fn new(group: String, name: String, config: InstanceConfig) -> Self {
        Instance {
            group,
            name,
            config,
            state: Mutex::new(State {
                consuming: Consuming::Nothing,
                membership: None,
                owned: BTreeSet::new(),
                positions: HashMap::new(),
                auto_committed: HashMap::new(),
                last_auto_commit: None,
                epoch: 0,
                member: None,
                task: 0,
                last_used: Instant::now(),
                rotation: 0,
                closed: false,
            }),
            changed: Notify::new(),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the instance used now: idle expiry counts from here.
    pub fn touch(&self) {
        self.lock().last_used = Instant::now();
    }

    pub fn idle_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.lock().last_used)
    }

    pub fn consuming(&self) -> Consuming {
        self.lock().consuming.clone()
    }

    pub fn owned(&self) -> BTreeSet<Partition> {
        self.lock().owned.clone()
    }

    pub fn membership(&self) -> Option<Membership> {
        self.lock().membership.clone()
    }

    /// Subscribes, starting the group member task through `start` when there
    /// is none (it gets the feed), or handing it the new subscription.
    pub fn subscribe(
        &self,
        subscription: Subscription,
        start: impl FnOnce(u64, watch::Receiver<Option<Subscription>>),
    ) -> Result<(), RestError> {
        let mut state = self.lock();
        // Deleted or expired while this request was on its way: no member may outlive it.
        if state.closed {
            return Err(RestError::ConsumerInstanceNotFound);
        }
        if matches!(state.consuming, Consuming::Assigned(_)) {
            return Err(RestError::Conflict(
                "Subscription to topics, partitions and pattern are mutually exclusive: this instance has partitions assigned".into(),
            ));
        }
        state.consuming = Consuming::Subscribed(subscription.clone());
        match &state.member {
            Some(feed) => {
                feed.send_replace(Some(subscription));
            }
            None => {
                let (feed, rx) = watch::channel(Some(subscription));
                state.member = Some(feed);
                state.task += 1;
                start(state.task, rx);
            }
        }
        Ok(())
    }

    /// Ends the subscription or the manual assignment: commits what was read
    /// if auto-commit is on (while still the group's member), then lets the
    /// member task leave the group.
    pub async fn unsubscribe(&self, broker: &Broker) {
        let Stopped { feed, due } = self.stop();
        if let Some((membership, due)) = due {
            if let Err(e) = commit_as(broker, &self.group, &membership, due, None).await {
                tracing::debug!(group = %self.group, instance = %self.name, error = %e, "final auto-commit failed");
            }
        }
        if let Some(feed) = feed {
            feed.send_replace(None);
        }
        self.changed.notify_waiters();
    }

    /// The in-memory half of `unsubscribe`: nothing consumed or owned from now on.
    fn stop(&self) -> Stopped {
        let mut state = self.lock();
        let due = self.auto_commit_due(&mut state);
        let subscribed = matches!(state.consuming, Consuming::Subscribed(_));
        let membership = match state.membership.take() {
            membership if subscribed => membership,
            _ => Some(Membership { generation_id: -1, member_id: String::new() }),
        };
        state.consuming = Consuming::Nothing;
        set_owned(&mut state, BTreeSet::new());
        Stopped { feed: state.member.take(), due: membership.zip(due) }
    }

    /// Kafka's `assign()`: these partitions from now on, without the group.
    pub fn assign(&self, partitions: BTreeSet<Partition>) -> Result<(), RestError> {
        let mut state = self.lock();
        if matches!(state.consuming, Consuming::Subscribed(_)) {
            return Err(RestError::Conflict(
                "Subscription to topics, partitions and pattern are mutually exclusive: this instance is subscribed"
                    .into(),
            ));
        }
        state.consuming = Consuming::Assigned(partitions.clone());
        set_owned(&mut state, partitions);
        drop(state);
        self.changed.notify_waiters();
        Ok(())
    }

    /// The member task: a rebalance begins; nothing is owned until it ends.
    /// Returns what auto-commit should commit first, with the generation it
    /// belongs to (Kafka's consumer commits before it rejoins).
    pub fn rebalance_begins(&self, task: u64) -> Option<(Membership, Vec<(Partition, i64)>)> {
        let mut state = self.lock();
        if state.task != task || !matches!(state.consuming, Consuming::Subscribed(_)) {
            return None;
        }
        let pending = self.auto_commit_due(&mut state);
        let membership = state.membership.take();
        set_owned(&mut state, BTreeSet::new());
        drop(state);
        self.changed.notify_waiters();
        Some((membership?, pending?))
    }

    /// The member task: generation `membership` gave this instance `assignment`.
    /// Ignored if the subscription ended meanwhile.
    pub fn assigned(&self, task: u64, membership: Membership, assignment: &Assignment) {
        let mut state = self.lock();
        if state.task != task || !matches!(state.consuming, Consuming::Subscribed(_)) {
            return;
        }
        let owned = assignment
            .iter()
            .flat_map(|(topic, partitions)| partitions.iter().map(move |p| (topic.clone(), *p)))
            .collect();
        state.membership = Some(membership);
        set_owned(&mut state, owned);
        drop(state);
        self.changed.notify_waiters();
    }

    /// The owned partitions and their positions, starting at the rotation point.
    pub fn snapshot(&self) -> Snapshot {
        let mut state = self.lock();
        let mut partitions: Vec<(Partition, Option<i64>)> =
            state.owned.iter().map(|p| (p.clone(), state.positions.get(p).copied())).collect();
        if !partitions.is_empty() {
            let start = state.rotation % partitions.len();
            partitions.rotate_left(start);
            state.rotation = state.rotation.wrapping_add(1);
        }
        Snapshot { epoch: state.epoch, partitions }
    }

    /// Stores new positions if nothing changed ownership since `epoch`; false if it did.
    pub fn advance(&self, epoch: u64, positions: &[(Partition, i64)]) -> bool {
        let mut state = self.lock();
        if state.epoch != epoch {
            return false;
        }
        for (partition, offset) in positions {
            state.positions.insert(partition.clone(), *offset);
        }
        true
    }

    /// Kafka's `seek()`: only on owned partitions (Kafka's "No current
    /// assignment for partition").
    pub fn seek(&self, positions: &[(Partition, i64)]) -> Result<(), RestError> {
        let mut state = self.lock();
        if let Some((missing, _)) = positions.iter().find(|(p, _)| !state.owned.contains(p)) {
            return Err(RestError::Conflict(format!(
                "No current assignment for partition {}-{}",
                missing.0, missing.1
            )));
        }
        for (partition, offset) in positions {
            state.positions.insert(partition.clone(), *offset);
        }
        Ok(())
    }

    /// The positions of the owned partitions that have one (what "commit
    /// everything read so far" commits).
    pub fn positions(&self) -> Vec<(Partition, i64)> {
        let state = self.lock();
        let mut positions: Vec<_> =
            state.owned.iter().filter_map(|p| state.positions.get(p).map(|offset| (p.clone(), *offset))).collect();
        positions.sort();
        positions
    }

    /// The positions auto-commit has not committed yet, marked committed; `None`
    /// without auto-commit or with nothing new.
    fn auto_commit_due(&self, state: &mut State) -> Option<Vec<(Partition, i64)>> {
        if !self.config.auto_commit {
            return None;
        }
        let due: Vec<(Partition, i64)> = state
            .owned
            .iter()
            .filter_map(|p| state.positions.get(p).map(|offset| (p.clone(), *offset)))
            .filter(|(p, offset)| state.auto_committed.get(p) != Some(offset))
            .collect();
        if due.is_empty() {
            return None;
        }
        for (p, offset) in &due {
            state.auto_committed.insert(p.clone(), *offset);
        }
        Some(due)
    }

    /// Auto-commit before a read: what the previous reads returned, at most
    /// once per `auto.commit.interval.ms` (Kafka's default, 5 s), as a Kafka
    /// consumer's poll does; a rebalance and the instance's end commit regardless.
    pub async fn auto_commit(&self, broker: &Broker) {
        let due = {
            let mut state = self.lock();
            if state.last_auto_commit.is_some_and(|at| at.elapsed() < AUTO_COMMIT_INTERVAL) {
                return;
            }
            state.last_auto_commit = Some(Instant::now());
            self.auto_commit_due(&mut state)
        };
        if let Some(due) = due {
            if let Err(e) = self.commit(broker, due, None).await {
                tracing::debug!(group = %self.group, instance = %self.name, error = %e, "auto-commit failed");
            }
        }
    }

    /// Commits `offsets` (next offsets to read) for the instance's group: as
    /// the current generation's member when subscribed, else as a simple
    /// group's commit (generation -1), as Kafka's `commitSync` does.
    pub async fn commit(
        &self,
        broker: &Broker,
        offsets: Vec<(Partition, i64)>,
        metadata: Option<Vec<Option<String>>>,
    ) -> Result<(), RestError> {
        let (generation_id, member_id) = {
            let state = self.lock();
            match (&state.consuming, &state.membership) {
                (Consuming::Subscribed(_), Some(m)) => (m.generation_id, m.member_id.clone()),
                (Consuming::Subscribed(_), None) => {
                    return Err(RestError::Conflict(
                        "The group is rebalancing; commit again once the instance has its partitions".into(),
                    ))
                }
                _ => (-1, String::new()),
            }
        };
        commit_as(broker, &self.group, &Membership { generation_id, member_id }, offsets, metadata).await
    }

    /// The position a partition without one starts at: the committed offset,
    /// else `auto.offset.reset`.
    pub fn initial_position(&self, broker: &Broker, partition: &Partition) -> Result<i64, RestError> {
        let tp = TopicPartition { topic: partition.0.clone(), partition: partition.1 };
        let committed = broker.groups.offset_fetch(&self.group, Some(&[tp])).map_err(group_error)?;
        if let Some((_, Some(CommittedOffset { offset, .. }))) = committed.first() {
            if *offset >= 0 {
                return Ok(*offset);
            }
        }
        self.reset(broker, partition)
    }

    /// `auto.offset.reset` for a partition: also where a position that fell
    /// out of the log (retention) goes.
    pub fn reset(&self, broker: &Broker, partition: &Partition) -> Result<i64, RestError> {
        let log = partition_log(broker, partition)?;
        match self.config.offset_reset {
            OffsetReset::Earliest => Ok(log.start_offset()),
            OffsetReset::Latest => Ok(log.end_offset()),
            // Kafka's NoOffsetForPartitionException; the client's to resolve by seeking.
            OffsetReset::None => Err(RestError::Conflict(format!(
                "Undefined offset with no reset policy for partition: {}-{} (auto.offset.reset is none; seek with POST .../positions)",
                partition.0, partition.1
            ))),
            OffsetReset::ByDuration(duration) => {
                let since = crate::now_ms().saturating_sub(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX));
                match log.offset_for_timestamp(since) {
                    Ok(Some(found)) => Ok(found.offset),
                    Ok(None) => Ok(log.end_offset()),
                    Err(e) => Err(RestError::Kafka(format!("cannot look up offsets by time: {e}"))),
                }
            }
        }
    }

    /// Ends the instance: commits what was read if auto-commit is on, leaves
    /// the group. Idempotent.
    pub async fn close(&self, broker: &Broker) {
        {
            let mut state = self.lock();
            if state.closed {
                return;
            }
            state.closed = true;
        }
        self.unsubscribe(broker).await;
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

fn set_owned(state: &mut State, owned: BTreeSet<Partition>) {
    if state.owned != owned {
        state.positions.retain(|p, _| owned.contains(p));
        state.auto_committed.retain(|p, _| owned.contains(p));
        state.owned = owned;
        state.epoch += 1;
    }
}

/// A partition's log, or 404 (40401 topic, 40402 partition).
pub fn partition_log(broker: &Broker, partition: &Partition) -> Result<Arc<crate::log::Log>, RestError> {
    let topic = broker.topics.get(&partition.0).ok_or(RestError::TopicNotFound)?;
    topic.partition(partition.1).ok_or(RestError::PartitionNotFound)
}

/// Commits through the coordinator, so the offsets are the group's as any
/// Kafka client's commit would be (and lag shows in the metrics).
pub async fn commit_as(
    broker: &Broker,
    group: &str,
    membership: &Membership,
    offsets: Vec<(Partition, i64)>,
    metadata: Option<Vec<Option<String>>>,
) -> Result<(), RestError> {
    let now = crate::now_ms();
    let mut metadata = metadata.map(|m| m.into_iter());
    let offsets = offsets
        .into_iter()
        .map(|((topic, partition), offset)| {
            let metadata = metadata.as_mut().and_then(|m| m.next()).flatten();
            (
                TopicPartition { topic, partition },
                CommittedOffset { offset, leader_epoch: -1, metadata, commit_timestamp: now },
            )
        })
        .collect();
    broker
        .groups
        .commit(group, membership.generation_id, &membership.member_id, None, offsets)
        .await
        .map_err(group_error)
}

/// A group error as the REST client sees it.
pub fn group_error(e: group::Error) -> RestError {
    match e {
        group::Error::RebalanceInProgress | group::Error::IllegalGeneration | group::Error::UnknownMemberId => {
            RestError::Conflict(format!("Commit cannot be completed: {e}; the group rebalanced, retry"))
        }
        group::Error::Store { .. } | group::Error::Unavailable { .. } => RestError::KafkaRetriable(e.to_string()),
        other => RestError::Kafka(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::http::consumer::config::Format;

    fn instance(auto_commit: bool) -> Instance {
        let config = InstanceConfig {
            name: Some("c".into()),
            format: Format::Binary,
            offset_reset: OffsetReset::Earliest,
            auto_commit,
            request_timeout: None,
        };
        Instance::new("g".into(), "c".into(), config)
    }

    fn p(topic: &str, partition: i32) -> Partition {
        (topic.into(), partition)
    }

    /// Subscribes to `two`; returns the member task id the instance handed out.
    fn subscribe(instance: &Instance) -> u64 {
        let mut started = None;
        instance
            .subscribe(Subscription::Topics(vec!["two".into()]), |task, _feed| started = Some(task))
            .expect("subscribing an instance without an assignment");
        started.expect("the first subscription starts a member task")
    }

    fn membership(generation_id: i32) -> Membership {
        Membership { generation_id, member_id: "m".into() }
    }

    #[test]
    fn subscribing_and_assigning_by_hand_are_exclusive_as_in_kafka() {
        let assigned = instance(false);
        assigned.assign(BTreeSet::from([p("two", 0)])).unwrap();
        let refused = assigned.subscribe(Subscription::Topics(vec!["two".into()]), |_, _| panic!("no member task"));
        assert!(matches!(refused, Err(RestError::Conflict(_))));
        let subscribed = instance(false);
        subscribe(&subscribed);
        assert!(matches!(subscribed.assign(BTreeSet::from([p("two", 0)])), Err(RestError::Conflict(_))));
    }

    #[test]
    fn a_new_generation_keeps_the_positions_of_partitions_it_gives_back_and_drops_the_others() {
        let instance = instance(false);
        let task = subscribe(&instance);
        instance.assigned(task, membership(1), &BTreeMap::from([("two".into(), vec![0, 1])]));
        let snapshot = instance.snapshot();
        assert!(instance.advance(snapshot.epoch, &[(p("two", 0), 5), (p("two", 1), 7)]));
        assert_eq!(instance.positions(), vec![(p("two", 0), 5), (p("two", 1), 7)]);
        // A rebalance: nothing owned meanwhile, then partition 1 only.
        assert!(instance.rebalance_begins(task).is_none(), "no auto-commit without auto.commit.enable");
        assert!(instance.owned().is_empty());
        assert_eq!(instance.membership(), None);
        instance.assigned(task, membership(2), &BTreeMap::from([("two".into(), vec![1])]));
        assert_eq!(instance.owned(), BTreeSet::from([p("two", 1)]));
        assert_eq!(instance.membership(), Some(membership(2)));
        // Eager protocol: partition 1 was revoked in between, so it starts over too.
        assert_eq!(instance.positions(), vec![]);
    }

    #[test]
    fn a_read_that_raced_a_rebalance_does_not_move_positions() {
        let instance = instance(false);
        let task = subscribe(&instance);
        instance.assigned(task, membership(1), &BTreeMap::from([("two".into(), vec![0])]));
        let before = instance.snapshot();
        instance.assigned(task, membership(2), &BTreeMap::from([("two".into(), vec![0, 1])]));
        assert!(!instance.advance(before.epoch, &[(p("two", 0), 9)]));
        assert_eq!(instance.positions(), vec![]);
    }

    #[test]
    fn a_member_task_replaced_by_a_newer_subscription_changes_nothing() {
        let instance = instance(false);
        let old = subscribe(&instance);
        let mut rt_feed = None;
        // Unsubscribing drops the feed; subscribing again starts a new task.
        {
            let mut state = instance.lock();
            state.member = None;
            state.consuming = Consuming::Nothing;
        }
        instance
            .subscribe(Subscription::Topics(vec!["two".into()]), |task, feed| rt_feed = Some((task, feed)))
            .unwrap();
        let (new, _feed) = rt_feed.unwrap();
        assert_ne!(old, new);
        instance.assigned(old, membership(1), &BTreeMap::from([("two".into(), vec![0, 1])]));
        assert!(instance.owned().is_empty(), "the old task's generation is not the instance's");
        instance.assigned(new, membership(2), &BTreeMap::from([("two".into(), vec![0])]));
        assert_eq!(instance.owned(), BTreeSet::from([p("two", 0)]));
        assert!(instance.rebalance_begins(old).is_none());
        assert_eq!(instance.owned(), BTreeSet::from([p("two", 0)]));
    }

    #[test]
    fn seeking_needs_the_partition_owned_and_auto_commit_hands_over_only_what_moved() {
        let instance = instance(true);
        let task = subscribe(&instance);
        assert!(matches!(instance.seek(&[(p("two", 0), 3)]), Err(RestError::Conflict(_))));
        instance.assigned(task, membership(1), &BTreeMap::from([("two".into(), vec![0, 1])]));
        instance.seek(&[(p("two", 0), 3)]).unwrap();
        let (committing, due) = instance.rebalance_begins(task).expect("a position moved under auto-commit");
        assert_eq!((committing, due), (membership(1), vec![(p("two", 0), 3)]));
        instance.assigned(task, membership(2), &BTreeMap::from([("two".into(), vec![0, 1])]));
        assert!(instance.rebalance_begins(task).is_none(), "nothing moved since the last commit");
    }

    #[test]
    fn each_read_starts_at_the_next_partition() {
        let instance = instance(false);
        instance.assign(BTreeSet::from([p("a", 0), p("b", 0), p("c", 0)])).unwrap();
        let firsts: Vec<Partition> = (0..4).map(|_| instance.snapshot().partitions[0].0.clone()).collect();
        assert_eq!(firsts, vec![p("a", 0), p("b", 0), p("c", 0), p("a", 0)]);
    }
}
