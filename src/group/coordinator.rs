//! The group coordinator: the shell around the classic group state machine
//! (`classic`) and the committed offsets (`offsets`).
//!
//! It keeps every group's `ClassicGroup` behind one lock that is only ever held
//! for in-memory work, parks a JoinGroup or SyncGroup that must wait on a oneshot
//! until the state machine returns its `Reply`, drives session and rebalance
//! timeouts from a background tick (see `tick`), and sends commits and deletes to
//! the offset writer, waiting for them to be durable without holding the lock.
//!
//! Membership lives in memory: after a broker restart members get
//! UNKNOWN_MEMBER_ID and rejoin, while committed offsets come back from the
//! offset store.
//!
//! Offset expiry follows Kafka's `GroupCoordinatorShard.cleanupGroupMetadata`,
//! run every `offsets.retention.check.interval.ms` (`expire_offsets`): a group's
//! offsets older than `offsets.retention.minutes` go, measured from when the group
//! became Empty (a group with a protocol type, such as a consumer group) or from
//! the commit (a group nobody ever joined; a Stable consumer group, for topics
//! none of its members subscribes to); other states keep everything. A group left
//! Empty with no offsets is deleted, which is also how a group created by a
//! JoinGroup answered MEMBER_ID_REQUIRED, whose member never came back, goes. The
//! time a group became Empty is kept in the offset store (`GroupRecord`), so a
//! restart does not move it; a group that had members when the broker stopped
//! counts as Empty from the restart, as its members are gone from then on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::classic::{
    Answer, ClassicGroup, GroupDescription, GroupState, JoinRequest, JoinResult, LeavingMember, Reply, SyncRequest,
    SyncResult,
};
use super::offset_store::{Change, CommittedOffset, GroupRecord, OffsetKey, OffsetStore, TopicPartition};
use super::offsets::Offsets;
use super::Error;

/// A group's size and committed offsets, as the metrics show them.
pub struct GroupSummary {
    pub group: String,
    pub members: usize,
    pub committed: Vec<(TopicPartition, i64)>,
}

/// A group as ListGroups shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupListing {
    pub group_id: String,
    pub protocol_type: String,
    pub state: GroupState,
}

/// A group's membership and the requests waiting on it.
struct Slot {
    group: ClassicGroup,
    joins: HashMap<String, oneshot::Sender<Result<JoinResult, Error>>>,
    syncs: HashMap<String, oneshot::Sender<Result<SyncResult, Error>>>,
    /// Wall-clock ms since which the group has been Empty (Kafka's
    /// `currentStateTimestamp` of an Empty group); `None` while it is not.
    empty_since: Option<i64>,
    /// The protocol type the store recorded, until a join gives the group one.
    loaded_protocol_type: Option<String>,
    /// What the store holds for this group, so a record is written only on change.
    recorded: Option<GroupRecord>,
    /// Set when a record write failed (Redis refused it, or went away before the
    /// store noticed): what the store holds is unknown then, so the next
    /// `observe` with the store available writes the record again.
    record_failed: Arc<AtomicBool>,
    /// Commits queued and not yet durable: expiry leaves the group alone meanwhile.
    commits_in_flight: usize,
}

impl Slot {
    fn new(initial_rebalance_delay: Duration) -> Self {
        Slot {
            group: ClassicGroup::with_initial_rebalance_delay(initial_rebalance_delay),
            joins: HashMap::new(),
            syncs: HashMap::new(),
            empty_since: None,
            loaded_protocol_type: None,
            recorded: None,
            record_failed: Arc::default(),
            commits_in_flight: 0,
        }
    }

    /// A group as the store left it: Empty since its record says, or, if it had
    /// members then, since `now_ms` (the members are gone from the restart on).
    fn loaded(record: Option<GroupRecord>, now_ms: i64) -> Self {
        let mut slot = Slot::new(Duration::ZERO);
        if let Some(record) = record {
            slot.empty_since = Some(record.empty_since.unwrap_or(now_ms));
            slot.loaded_protocol_type = Some(record.protocol_type.clone());
            slot.recorded = Some(record);
        }
        slot
    }

    /// The group's protocol type; `None` for a group nobody ever joined (Kafka's
    /// simple group, which only stores offsets).
    fn protocol_type(&self) -> Option<&str> {
        match self.group.protocol_type() {
            "" => self.loaded_protocol_type.as_deref(),
            joined => Some(joined),
        }
    }

    /// Notes when the group became Empty (or stopped being so) and returns the
    /// record to store when that changed what the store holds. With `storable`
    /// false (the store's backend is away) it only notes, and the record is
    /// returned on the first call once it is back.
    fn observe(&mut self, group_id: &str, now_ms: i64, storable: bool) -> Option<Change> {
        let empty = self.group.state() == GroupState::Empty;
        match (empty, self.empty_since) {
            (true, None) => self.empty_since = Some(now_ms),
            (false, Some(_)) => self.empty_since = None,
            _ => {}
        }
        if storable && self.record_failed.swap(false, Ordering::AcqRel) {
            self.recorded = None;
        }
        let record = GroupRecord { protocol_type: self.protocol_type()?.to_owned(), empty_since: self.empty_since };
        if self.recorded.as_ref() == Some(&record) || !storable {
            return None;
        }
        self.recorded = Some(record.clone());
        Some(Change::Group(group_id.to_owned(), record))
    }

    /// Parks the request of `answer`'s member, or hands back the answer; then
    /// delivers `replies` (which may include the answer just parked).
    fn settle<T>(
        &mut self,
        answer: Answer<T>,
        replies: Vec<Reply>,
        waiters: impl FnOnce(&mut Self) -> &mut HashMap<String, oneshot::Sender<Result<T, Error>>>,
    ) -> Waiting<T> {
        let waiting = match answer {
            Answer::Now(result) => Waiting::Done(result),
            Answer::Later { member_id } => {
                let (tx, rx) = oneshot::channel();
                // A member's earlier request still waiting is dropped: it gets UNKNOWN_MEMBER_ID.
                waiters(self).insert(member_id, tx);
                Waiting::On(rx)
            }
        };
        self.deliver(replies);
        waiting
    }

    fn deliver(&mut self, replies: Vec<Reply>) {
        for reply in replies {
            match reply {
                Reply::Join { member_id, result } => {
                    if let Some(waiter) = self.joins.remove(&member_id) {
                        let _ = waiter.send(result);
                    }
                }
                Reply::Sync { member_id, result } => {
                    if let Some(waiter) = self.syncs.remove(&member_id) {
                        let _ = waiter.send(result);
                    }
                }
            }
        }
    }
}

enum Waiting<T> {
    Done(Result<T, Error>),
    On(oneshot::Receiver<Result<T, Error>>),
}

impl<T> Waiting<T> {
    async fn outcome(self) -> Result<T, Error> {
        match self {
            Waiting::Done(result) => result,
            // The waiter was dropped: a newer request of the same member replaced it.
            Waiting::On(rx) => rx.await.unwrap_or(Err(Error::UnknownMemberId)),
        }
    }
}

pub struct Coordinator {
    /// Held only for in-memory work, never across I/O or an await.
    groups: Mutex<HashMap<String, Slot>>,
    offsets: Offsets,
    /// `group.initial.rebalance.delay.ms`, for every group.
    initial_rebalance_delay: Duration,
}

impl Coordinator {
    /// Loads every committed offset from `store`, which the offset writer owns
    /// from then on; groups that only have offsets start Empty, as in Kafka.
    pub fn new(store: Box<dyn OffsetStore>) -> Result<Self, Error> {
        let (offsets, stored) = Offsets::start(store)?;
        let now_ms = crate::now_ms();
        // Groups with a record and no offsets come back too, until expiry finds them Empty, as in Kafka.
        let groups = stored.into_iter().map(|(id, record)| (id, Slot::loaded(record, now_ms))).collect();
        Ok(Self { groups: Mutex::new(groups), offsets, initial_rebalance_delay: Duration::ZERO })
    }

    /// Sets `group.initial.rebalance.delay.ms` (none by default) for every group.
    pub fn with_initial_rebalance_delay(mut self, delay: Duration) -> Self {
        self.initial_rebalance_delay = delay;
        for slot in self.lock().values_mut() {
            slot.group.set_initial_rebalance_delay(delay);
        }
        self
    }

    /// Stores the group's new record, if it has one; queued behind what the
    /// caller queued before, not waited for (a crash before it is durable leaves
    /// the older record, as one before Kafka's write leaves the older one).
    fn record_state(&self, group_id: &str, slot: &mut Slot) {
        if let Some(change) = slot.observe(group_id, crate::now_ms(), self.offsets.available()) {
            let pending = self.offsets.queue(change);
            let group = group_id.to_owned();
            let failed = slot.record_failed.clone();
            // Awaited to have a failed write done again (by the next tick once
            // the store is available) and to log it; an outage is the store's
            // to log, once.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let result = pending.durable().await;
                    if result.is_err() {
                        failed.store(true, Ordering::Release);
                    }
                    match result {
                        Ok(()) | Err(Error::Unavailable { .. }) => {}
                        Err(e) => tracing::warn!(%group, error = %e, "could not store the group's state"),
                    }
                });
            }
        }
    }

    pub async fn join(&self, request: JoinRequest) -> Result<JoinResult, Error> {
        self.join_now(request, Instant::now()).outcome().await
    }

    fn join_now(&self, request: JoinRequest, now: Instant) -> Waiting<JoinResult> {
        if let Err(e) = request.validate() {
            return Waiting::Done(Err(e));
        }
        let mut groups = self.lock();
        if !request.member_id.is_empty() && !groups.contains_key(&request.group_id) {
            return Waiting::Done(Err(Error::UnknownMemberId));
        }
        let group_id = request.group_id.clone();
        let slot = groups.entry(group_id.clone()).or_insert_with(|| Slot::new(self.initial_rebalance_delay));
        let (answer, replies) = slot.group.join(request, now);
        let waiting = slot.settle(answer, replies, |slot| &mut slot.joins);
        self.record_state(&group_id, slot);
        waiting
    }

    pub async fn sync(&self, request: SyncRequest) -> Result<SyncResult, Error> {
        self.sync_now(request, Instant::now()).outcome().await
    }

    fn sync_now(&self, request: SyncRequest, now: Instant) -> Waiting<SyncResult> {
        let request_group = request.group_id.clone();
        let mut groups = self.lock();
        let Some(slot) = groups.get_mut(&request.group_id) else { return Waiting::Done(Err(Error::UnknownMemberId)) };
        let (answer, replies) = slot.group.sync(request, now);
        let waiting = slot.settle(answer, replies, |slot| &mut slot.syncs);
        self.record_state(&request_group, slot);
        waiting
    }

    pub fn heartbeat(
        &self,
        group_id: &str,
        generation_id: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<(), Error> {
        let mut groups = self.lock();
        let Some(slot) = groups.get_mut(group_id) else { return Err(Error::UnknownMemberId) };
        slot.group.heartbeat(generation_id, member_id, instance_id, Instant::now())
    }

    /// LeaveGroup: one result per member asked about, in order; every member of
    /// a group that does not exist is unknown (Kafka answers so, without a top-level error).
    pub fn leave(&self, group_id: &str, members: &[LeavingMember]) -> Vec<Result<(), Error>> {
        let mut groups = self.lock();
        let Some(slot) = groups.get_mut(group_id) else { return vec![Err(Error::UnknownMemberId); members.len()] };
        let (results, replies) = slot.group.leave(members, Instant::now());
        slot.deliver(replies);
        self.record_state(group_id, slot);
        results
    }

    /// Enforces session timeouts, rebalance timeouts and lapsed pending member ids.
    pub fn tick(&self, now: Instant) {
        for (id, slot) in self.lock().iter_mut() {
            let replies = slot.group.tick(now);
            slot.deliver(replies);
            self.record_state(id, slot);
        }
    }

    /// Kafka's periodic group metadata cleanup: deletes the offsets that have
    /// outlived `retention_ms` as of `now_ms`, then every Empty group with no
    /// offsets left. Returns the groups deleted.
    pub async fn expire_offsets(&self, now_ms: i64, retention_ms: i64) -> Vec<String> {
        // The next run deletes them, once the store can.
        if !self.offsets.available() {
            return Vec::new();
        }
        let (deleted, pending) = {
            let mut groups = self.lock();
            let mut changes = Vec::new();
            let mut deleted = Vec::new();
            for (id, slot) in groups.iter_mut() {
                if slot.commits_in_flight > 0 {
                    continue;
                }
                let offsets = self.offsets.committed(id, None);
                let Some(expired) = expired_offsets(slot, &offsets, now_ms, retention_ms) else { continue };
                if expired.len() == offsets.len() && slot.group.state() == GroupState::Empty {
                    deleted.push(id.clone());
                } else if !expired.is_empty() {
                    changes.push(Change::Delete(expired.iter().map(|tp| OffsetKey::new(id, tp)).collect()));
                }
                if !expired.is_empty() {
                    tracing::info!(group = %id, partitions = expired.len(), "committed offsets expired");
                }
            }
            let mut removed = Vec::new();
            for id in &deleted {
                if let Some(slot) = groups.remove(id) {
                    changes.push(Change::DeleteGroup(id.clone()));
                    removed.push((id.clone(), slot));
                }
            }
            let pending: Vec<_> = changes.into_iter().map(|change| self.offsets.queue(change)).collect();
            ((deleted, removed), pending)
        };
        let (deleted, removed) = deleted;
        let mut failed = false;
        for pending in pending {
            if let Err(e) = pending.durable().await {
                tracing::error!(error = %e, "could not delete expired offsets");
                failed = true;
            }
        }
        if failed {
            // What the store still holds is still there: so are its groups (unless recreated meanwhile).
            let mut groups = self.lock();
            for (id, slot) in removed {
                groups.entry(id).or_insert(slot);
            }
            return Vec::new();
        }
        if !deleted.is_empty() {
            tracing::info!(groups = ?deleted, "expired groups deleted");
        }
        deleted
    }

    /// OffsetCommit: the membership check, then the offsets made durable (and
    /// only then visible to OffsetFetch).
    pub async fn commit(
        &self,
        group_id: &str,
        generation_id: i32,
        member_id: &str,
        instance_id: Option<&str>,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
    ) -> Result<(), Error> {
        // An empty group id is a group like any other here, as in Kafka (old clients use it).
        let pending = {
            let mut groups = self.lock();
            if !groups.contains_key(group_id) {
                // A consumer using assign() keeps offsets in a group nobody joins.
                if generation_id >= 0 {
                    return Err(Error::IllegalGeneration);
                }
                groups.insert(group_id.to_owned(), Slot::new(self.initial_rebalance_delay));
            }
            let slot = groups.get_mut(group_id).expect("the group was found or inserted above");
            slot.group.check_commit(generation_id, member_id, instance_id, Instant::now())?;
            if offsets.is_empty() {
                return Ok(());
            }
            let records = offsets.into_iter().map(|(tp, offset)| (OffsetKey::new(group_id, &tp), offset)).collect();
            slot.commits_in_flight += 1;
            // Queued under the lock, so the group's commits keep the order they were accepted in.
            self.offsets.queue(Change::Commit(records))
        };
        let result = pending.durable().await;
        if let Some(slot) = self.lock().get_mut(group_id) {
            slot.commits_in_flight = slot.commits_in_flight.saturating_sub(1);
        }
        result
    }

    /// OffsetFetch: `committed`, refused while the offset store's backend is
    /// away (Redis), when what is held here may no longer be what it holds.
    pub fn offset_fetch(
        &self,
        group_id: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<Vec<(TopicPartition, Option<CommittedOffset>)>, Error> {
        if !self.offsets.available() {
            return Err(Error::Unavailable { store: self.offsets.store_name().into(), message: "unreachable".into() });
        }
        Ok(self.offsets.committed(group_id, partitions))
    }

    /// Committed offsets of a group: the asked partitions, or all when `None`.
    /// An unknown group has none (not an error).
    pub fn committed(
        &self,
        group_id: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> Vec<(TopicPartition, Option<CommittedOffset>)> {
        self.offsets.committed(group_id, partitions)
    }

    pub fn describe(&self, group_id: &str) -> Option<GroupDescription> {
        self.lock().get(group_id).map(|slot| {
            let mut description = slot.group.describe();
            // After a restart the protocol type comes from the store until someone joins.
            description.protocol_type = slot.protocol_type().unwrap_or_default().to_owned();
            description
        })
    }

    /// Every group, by id.
    pub fn list(&self) -> Vec<GroupListing> {
        let mut list: Vec<GroupListing> = self
            .lock()
            .iter()
            .map(|(id, slot)| GroupListing {
                group_id: id.clone(),
                protocol_type: slot.protocol_type().unwrap_or_default().to_owned(),
                state: slot.group.state(),
            })
            .collect();
        list.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        list
    }

    /// DeleteGroups: only a group without members can go; its offsets go with it.
    pub async fn delete_group(&self, group_id: &str) -> Result<(), Error> {
        let (slot, pending) = {
            let mut groups = self.lock();
            let slot = groups.get(group_id).ok_or(Error::GroupIdNotFound)?;
            if !slot.group.is_empty() {
                return Err(Error::NonEmptyGroup);
            }
            let slot = groups.remove(group_id).expect("the group was found above");
            (slot, self.offsets.queue(Change::DeleteGroup(group_id.to_owned())))
        };
        let result = pending.durable().await;
        if result.is_err() {
            // The offsets are still there, so the group is too (unless it was recreated meanwhile).
            self.lock().entry(group_id.to_owned()).or_insert(slot);
        }
        result
    }

    /// OffsetDelete: refused per topic while live members subscribe to it.
    pub async fn delete_offsets(
        &self,
        group_id: &str,
        partitions: &[TopicPartition],
    ) -> Result<Vec<Result<(), Error>>, Error> {
        let (results, pending) = {
            let groups = self.lock();
            let slot = groups.get(group_id).ok_or(Error::GroupIdNotFound)?;
            let subscribed = slot.group.subscribed_topics();
            let mut results = Vec::with_capacity(partitions.len());
            let mut keys = Vec::new();
            for tp in partitions {
                if subscribed.contains(&tp.topic) {
                    results.push(Err(Error::GroupSubscribedToTopic));
                } else {
                    keys.push(OffsetKey::new(group_id, tp));
                    results.push(Ok(()));
                }
            }
            (results, (!keys.is_empty()).then(|| self.offsets.queue(Change::Delete(keys))))
        };
        if let Some(pending) = pending {
            pending.durable().await?;
        }
        Ok(results)
    }

    /// (group, members, committed offset of `topic` partition 0) per group, for metrics.
    /// Each group's member count and committed offsets, for the metrics.
    pub fn summary(&self) -> Vec<GroupSummary> {
        let members: Vec<(String, usize)> =
            self.lock().iter().map(|(id, slot)| (id.clone(), slot.group.member_count())).collect();
        members
            .into_iter()
            .map(|(id, count)| {
                let committed = self.offsets.committed(&id, None);
                let committed = committed.into_iter().filter_map(|(tp, o)| Some((tp, o?.offset))).collect();
                GroupSummary { group: id, members: count, committed }
            })
            .collect()
    }

    /// Removes every group's committed offsets on `topic` (the topic was
    /// deleted, as Kafka's coordinator does on partition deletion).
    pub async fn remove_topic_offsets(&self, topic: &str) -> Result<(), Error> {
        let keys = self.offsets.keys_of_topic(topic);
        if keys.is_empty() {
            return Ok(());
        }
        self.offsets.queue(Change::Delete(keys)).durable().await
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.groups.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Kafka's `ClassicGroup.offsetExpirationCondition` and
/// `OffsetMetadataManager.cleanupExpiredOffsets` for one group: the partitions
/// whose offsets have expired, or `None` when the group's state keeps them all.
fn expired_offsets(
    slot: &Slot,
    offsets: &[(TopicPartition, Option<CommittedOffset>)],
    now_ms: i64,
    retention_ms: i64,
) -> Option<Vec<TopicPartition>> {
    let state = slot.group.state();
    // The retention runs from the state change (Some) or from each commit (None).
    let (since_state, subscribed) = match slot.protocol_type() {
        None => (None, Vec::new()),
        Some(_) if state == GroupState::Empty => (slot.empty_since, Vec::new()),
        Some("consumer") if state == GroupState::Stable => (None, slot.group.subscribed_topics()),
        Some(_) => return None,
    };
    let expired = offsets
        .iter()
        .filter(|(tp, _)| !subscribed.contains(&tp.topic))
        .filter_map(|(tp, offset)| {
            let base = since_state.or(offset.as_ref().map(|o| o.commit_timestamp))?;
            (now_ms - base >= retention_ms).then(|| tp.clone())
        })
        .collect();
    Some(expired)
}

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Arc};
    use std::time::Duration;

    use super::*;
    use crate::group::classic::Protocol;

    /// An offset store in memory whose commits can be held up: each `apply` with
    /// a commit says it started on `started`, then waits for a token on `release`
    /// (if gated).
    struct HeldStore {
        started: Mutex<mpsc::Sender<()>>,
        release: Option<Mutex<mpsc::Receiver<()>>>,
    }

    impl OffsetStore for HeldStore {
        fn name(&self) -> &'static str {
            "held"
        }
        fn load(&self) -> Result<HashMap<OffsetKey, CommittedOffset>, Error> {
            Ok(HashMap::new())
        }
        fn load_groups(&self) -> Result<HashMap<String, GroupRecord>, Error> {
            Ok(HashMap::new())
        }
        fn apply(&self, changes: &[Change]) -> Result<(), Error> {
            // Only commits are held: a group's state records pass.
            if !changes.iter().any(|c| matches!(c, Change::Commit(_))) {
                return Ok(());
            }
            let _ = self.started.lock().unwrap().send(());
            if let Some(release) = &self.release {
                release.lock().unwrap().recv().expect("the test releases the write");
            }
            Ok(())
        }
    }

    fn coordinator(gated: bool) -> (Arc<Coordinator>, mpsc::Receiver<()>, mpsc::Sender<()>) {
        let (started_tx, started) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let store = HeldStore { started: Mutex::new(started_tx), release: gated.then(|| Mutex::new(release_rx)) };
        (Arc::new(Coordinator::new(Box::new(store)).unwrap()), started, release)
    }

    fn tp(topic: &str) -> TopicPartition {
        TopicPartition { topic: topic.into(), partition: 0 }
    }

    fn offset(n: i64) -> CommittedOffset {
        CommittedOffset { offset: n, leader_epoch: -1, metadata: None, commit_timestamp: 0 }
    }

    /// A consumer subscribed to `events` joins `group` alone (no MEMBER_ID_REQUIRED
    /// round, as JoinGroup v3): returns its id; the group is CompletingRebalance.
    async fn join_alone(coordinator: &Coordinator, group: &str) -> String {
        let joined = coordinator.join(join_request(group)).await.unwrap();
        assert_eq!(joined.generation_id, 1);
        joined.member_id
    }

    fn join_request(group: &str) -> JoinRequest {
        use kafka_protocol::messages::ConsumerProtocolSubscription;
        use kafka_protocol::protocol::{Encodable, StrBytes};
        let mut metadata = bytes::BytesMut::new();
        metadata.extend_from_slice(&0i16.to_be_bytes());
        let subscription =
            ConsumerProtocolSubscription::default().with_topics(vec![StrBytes::from_static_str("events")]);
        subscription.encode(&mut metadata, 0).unwrap();
        JoinRequest {
            group_id: group.into(),
            member_id: String::new(),
            group_instance_id: None,
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 10_000,
            protocol_type: "consumer".into(),
            protocols: vec![Protocol { name: "range".into(), metadata: metadata.freeze() }],
            require_known_member_id: false,
            accepts_skip_assignment: true,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_waiting_for_the_disk_holds_up_no_other_group_and_shows_only_once_durable() {
        let (coordinator, started, release) = coordinator(true);
        let member = join_alone(&coordinator, "b").await;
        let committing = {
            let coordinator = coordinator.clone();
            tokio::spawn(async move { coordinator.commit("a", -1, "", None, vec![(tp("events"), offset(5))]).await })
        };
        tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(10)).expect("the write started"))
            .await
            .unwrap();
        // The write is stuck on the disk: group b carries on, the offset is not visible yet.
        assert_eq!(coordinator.heartbeat("b", 1, &member, None), Ok(()));
        let description = coordinator.describe("b").unwrap();
        assert_eq!(description.state, GroupState::CompletingRebalance);
        assert_eq!(coordinator.committed("a", Some(&[tp("events")])), vec![(tp("events"), None)]);
        assert!(!committing.is_finished());
        release.send(()).unwrap();
        assert_eq!(tokio::time::timeout(Duration::from_secs(10), committing).await.unwrap().unwrap(), Ok(()));
        assert_eq!(coordinator.committed("a", None), vec![(tp("events"), Some(offset(5)))]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn offset_delete_of_a_topic_a_member_subscribes_to_is_group_subscribed_to_topic() {
        let (coordinator, _started, _release) = coordinator(false);
        let offsets = vec![(tp("events"), offset(1)), (tp("other"), offset(2))];
        coordinator.commit("g", -1, "", None, offsets).await.unwrap();
        join_alone(&coordinator, "g").await;
        let results = coordinator.delete_offsets("g", &[tp("events"), tp("other")]).await.unwrap();
        assert_eq!(results, vec![Err(Error::GroupSubscribedToTopic), Ok(())]);
        assert_eq!(coordinator.committed("g", None), vec![(tp("events"), Some(offset(1)))]);
        assert_eq!(coordinator.delete_offsets("nobody", &[tp("events")]).await, Err(Error::GroupIdNotFound));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_with_members_cannot_be_deleted_an_empty_one_goes_with_its_offsets() {
        let (coordinator, _started, _release) = coordinator(false);
        coordinator.commit("empty", -1, "", None, vec![(tp("events"), offset(7))]).await.unwrap();
        join_alone(&coordinator, "busy").await;
        assert_eq!(coordinator.delete_group("busy").await, Err(Error::NonEmptyGroup));
        assert_eq!(coordinator.delete_group("empty").await, Ok(()));
        assert_eq!(coordinator.committed("empty", None), vec![]);
        assert!(coordinator.describe("empty").is_none());
        assert_eq!(coordinator.delete_group("empty").await, Err(Error::GroupIdNotFound));
        let listed: Vec<String> = coordinator.list().into_iter().map(|g| g.group_id).collect();
        assert_eq!(listed, vec!["busy".to_string()]);
    }

    fn offset_at(n: i64, commit_timestamp: i64) -> CommittedOffset {
        CommittedOffset { commit_timestamp, ..offset(n) }
    }

    const MINUTE: i64 = 60_000;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_simple_groups_offsets_expire_one_retention_after_their_commit_and_then_the_group() {
        let (coordinator, _started, _release) = coordinator(false);
        let offsets = vec![(tp("events"), offset_at(1, 1_000)), (tp("other"), offset_at(2, 5_000))];
        coordinator.commit("simple", -1, "", None, offsets).await.unwrap();
        assert!(coordinator.expire_offsets(1_000 + MINUTE - 1, MINUTE).await.is_empty());
        assert_eq!(coordinator.committed("simple", None).len(), 2);
        // One offset has expired: the group stays with the other.
        assert!(coordinator.expire_offsets(1_000 + MINUTE, MINUTE).await.is_empty());
        assert_eq!(coordinator.committed("simple", None), vec![(tp("other"), Some(offset_at(2, 5_000)))]);
        assert_eq!(coordinator.expire_offsets(5_000 + MINUTE, MINUTE).await, vec!["simple".to_string()]);
        assert_eq!(coordinator.committed("simple", None), vec![]);
        assert!(coordinator.list().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stable_consumer_group_keeps_the_offsets_of_what_it_subscribes_to() {
        let (coordinator, _started, _release) = coordinator(false);
        let member = join_alone(&coordinator, "g").await;
        let sync = SyncRequest {
            group_id: "g".into(),
            generation_id: 1,
            member_id: member.clone(),
            group_instance_id: None,
            protocol_type: None,
            protocol_name: None,
            assignments: vec![],
        };
        coordinator.sync(sync).await.unwrap();
        let offsets = vec![(tp("events"), offset_at(1, 0)), (tp("other"), offset_at(2, 0))];
        coordinator.commit("g", 1, &member, None, offsets).await.unwrap();
        assert!(coordinator.expire_offsets(10 * MINUTE, MINUTE).await.is_empty());
        assert_eq!(coordinator.committed("g", None), vec![(tp("events"), Some(offset_at(1, 0)))]);
        assert_eq!(coordinator.describe("g").unwrap().state, GroupState::Stable);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_between_states_keeps_its_offsets_and_an_empty_one_without_offsets_goes() {
        let (coordinator, _started, _release) = coordinator(false);
        // CompletingRebalance: nothing expires, the group stays.
        join_alone(&coordinator, "busy").await;
        // A JoinGroup answered MEMBER_ID_REQUIRED leaves an Empty group behind.
        let mut request = join_request("abandoned");
        request.require_known_member_id = true;
        assert!(matches!(coordinator.join(request).await, Err(Error::MemberIdRequired(_))));
        assert_eq!(coordinator.list().len(), 2);
        assert_eq!(coordinator.expire_offsets(0, MINUTE).await, vec!["abandoned".to_string()]);
        let listed: Vec<String> = coordinator.list().into_iter().map(|g| g.group_id).collect();
        assert_eq!(listed, vec!["busy".to_string()]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_still_in_flight_keeps_its_group_from_expiring() {
        let (coordinator, started, release) = coordinator(true);
        let committing = {
            let coordinator = coordinator.clone();
            tokio::spawn(async move { coordinator.commit("a", -1, "", None, vec![(tp("events"), offset(5))]).await })
        };
        tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(10)).expect("the write started"))
            .await
            .unwrap();
        // The group has no durable offset yet, but must not be deleted under the commit.
        assert!(coordinator.expire_offsets(0, MINUTE).await.is_empty());
        release.send(()).unwrap();
        assert_eq!(tokio::time::timeout(Duration::from_secs(10), committing).await.unwrap().unwrap(), Ok(()));
        assert_eq!(coordinator.committed("a", None), vec![(tp("events"), Some(offset(5)))]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_empty_consumer_groups_retention_runs_from_when_it_became_empty_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let open = || {
            let store = crate::group::offset_store::FileOffsetStore::open(dir.path(), false).unwrap();
            Coordinator::new(Box::new(store)).unwrap()
        };
        let coordinator = open();
        let member = join_alone(&coordinator, "g").await;
        // Committed long ago (as its timestamp says), Empty only now.
        let old = vec![(OffsetKey::new("g", &tp("events")), offset_at(3, 0))];
        coordinator.offsets.queue(Change::Commit(old)).durable().await.unwrap();
        let left = crate::now_ms();
        let leaving = LeavingMember { member_id: member, instance_id: None };
        assert_eq!(coordinator.leave("g", &[leaving]), vec![Ok(())]);
        assert!(coordinator.expire_offsets(left + MINUTE / 2, MINUTE).await.is_empty());
        // Changes are stored in queue order: once this one is, the group's record is too.
        coordinator.offsets.queue(Change::Delete(vec![])).durable().await.unwrap();
        drop(coordinator);
        let coordinator = open();
        let listed = coordinator.list();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].protocol_type.as_str(), listed[0].state), ("consumer", GroupState::Empty));
        assert_eq!(coordinator.describe("g").unwrap().protocol_type, "consumer");
        assert!(coordinator.expire_offsets(left + MINUTE - 1_000, MINUTE).await.is_empty());
        assert_eq!(coordinator.committed("g", None).len(), 1);
        assert_eq!(coordinator.expire_offsets(left + MINUTE + 1_000, MINUTE).await, vec!["g".to_string()]);
        drop(coordinator);
        assert!(open().list().is_empty());
    }
}
