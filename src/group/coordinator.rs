//! The group coordinator for Kafka's classic consumer-group protocol.
//!
//! Groups move through Kafka's states: Empty -> PreparingRebalance (members join)
//! -> CompletingRebalance (the leader computes the assignment) -> Stable, and back
//! to PreparingRebalance whenever a member joins, leaves, changes its protocols or
//! misses its session timeout. The coordinator elects a leader, picks the protocol
//! every member supports with the most first-choice votes, hands the leader all
//! members' metadata, and relays the leader's assignment: it never computes one.
//! Member ids are issued by the broker (KIP-394, MEMBER_ID_REQUIRED from JoinGroup
//! v4 on); static members keep their place across restarts by group.instance.id
//! (KIP-345).
//!
//! Joins and syncs wait on oneshot channels that the coordinator completes when
//! the rebalance step ends; a background tick (see `tick`) enforces session and
//! rebalance timeouts. Membership lives in memory: after a broker restart members
//! get UNKNOWN_MEMBER_ID and rejoin, while committed offsets come back from the
//! offset store. Not done: `group.initial.rebalance.delay.ms` (Kafka's shipped
//! server.properties sets it to 0 for one node too), offset expiry.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::offset_store::{CommittedOffset, OffsetKey, OffsetStore};
use super::Error;

/// Kafka's `group.min.session.timeout.ms` and `group.max.session.timeout.ms`.
const MIN_SESSION_TIMEOUT_MS: i32 = 6_000;
const MAX_SESSION_TIMEOUT_MS: i32 = 1_800_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    /// The names Kafka uses in DescribeGroups and ListGroups.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

pub struct JoinRequest {
    pub group_id: String,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub protocol_type: String,
    pub protocols: Vec<(String, Bytes)>,
    /// JoinGroup v4+ clients accept MEMBER_ID_REQUIRED (KIP-394).
    pub require_known_member_id: bool,
}

#[derive(Clone, Debug, Default)]
pub struct JoinResult {
    pub generation_id: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader: String,
    pub member_id: String,
    /// Only the leader gets the members: (member id, instance id, metadata).
    pub members: Vec<(String, Option<String>, Bytes)>,
}

#[derive(Clone, Debug, Default)]
pub struct SyncResult {
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignment: Bytes,
}

pub struct SyncRequest {
    pub group_id: String,
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignments: Vec<(String, Bytes)>,
}

/// A group as DescribeGroups shows it.
pub struct GroupDescription {
    pub state: GroupState,
    pub protocol_type: String,
    pub protocol: String,
    /// (member id, instance id, client id, client host, metadata, assignment)
    pub members: Vec<(String, Option<String>, String, String, Bytes, Bytes)>,
}

struct Member {
    instance_id: Option<String>,
    client_id: String,
    client_host: String,
    session_timeout: Duration,
    rebalance_timeout: Duration,
    protocol_type: String,
    protocols: Vec<(String, Bytes)>,
    assignment: Bytes,
    last_seen: Instant,
    join_waiter: Option<oneshot::Sender<Result<JoinResult, Error>>>,
    sync_waiter: Option<oneshot::Sender<Result<SyncResult, Error>>>,
}

impl Member {
    fn metadata(&self, protocol: &str) -> Bytes {
        self.protocols.iter().find(|(name, _)| name == protocol).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

struct Group {
    state: GroupState,
    generation: i32,
    protocol_type: Option<String>,
    protocol: Option<String>,
    leader: Option<String>,
    members: BTreeMap<String, Member>,
    /// KIP-394 member ids handed out and not yet used, with when they lapse.
    pending: HashMap<String, Instant>,
    /// group.instance.id -> member id, for static members (KIP-345).
    static_members: HashMap<String, String>,
    rebalance_deadline: Option<Instant>,
    offsets: BTreeMap<(String, i32), CommittedOffset>,
}

impl Group {
    fn new() -> Self {
        Group {
            state: GroupState::Empty,
            generation: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            pending: HashMap::new(),
            static_members: HashMap::new(),
            rebalance_deadline: None,
            offsets: BTreeMap::new(),
        }
    }

    /// A joiner fits when its protocol type matches and it shares at least one
    /// protocol with every current member.
    fn accepts(&self, protocol_type: &str, protocols: &[(String, Bytes)], except: Option<&str>) -> bool {
        let others: Vec<&Member> =
            self.members.iter().filter(|(id, _)| Some(id.as_str()) != except).map(|(_, m)| m).collect();
        if others.is_empty() {
            return true;
        }
        others.iter().all(|m| m.protocol_type == protocol_type)
            && protocols.iter().any(|(name, _)| others.iter().all(|m| m.protocols.iter().any(|(n, _)| n == name)))
    }

    /// Kafka's `selectProtocol`: among protocols every member supports, each member
    /// votes for the first it lists; most votes wins, ties to the earlier candidate.
    fn select_protocol(&self) -> Option<String> {
        let first = self.members.values().next()?;
        let candidates: Vec<&String> = first
            .protocols
            .iter()
            .map(|(name, _)| name)
            .filter(|name| self.members.values().all(|m| m.protocols.iter().any(|(n, _)| n == *name)))
            .collect();
        let votes = |candidate: &String| {
            self.members
                .values()
                .filter(|m| m.protocols.iter().map(|(n, _)| n).find(|n| candidates.contains(n)) == Some(candidate))
                .count()
        };
        let mut best: Option<(&String, usize)> = None;
        for candidate in &candidates {
            let n = votes(candidate);
            if best.is_none_or(|(_, most)| n > most) {
                best = Some((candidate, n));
            }
        }
        best.map(|(name, _)| name.clone())
    }

    fn prepare_rebalance(&mut self, now: Instant) {
        if self.state == GroupState::CompletingRebalance {
            for member in self.members.values_mut() {
                member.assignment = Bytes::new();
                if let Some(waiter) = member.sync_waiter.take() {
                    let _ = waiter.send(Err(Error::RebalanceInProgress));
                }
            }
        }
        if self.state != GroupState::PreparingRebalance {
            let timeout = self.members.values().map(|m| m.rebalance_timeout).max().unwrap_or_default();
            self.rebalance_deadline = Some(now + timeout);
            self.state = GroupState::PreparingRebalance;
        }
    }

    fn maybe_complete_join(&mut self, now: Instant) {
        if self.state == GroupState::PreparingRebalance && self.members.values().all(|m| m.join_waiter.is_some()) {
            self.complete_join(now);
        }
    }

    /// Ends the join phase: drops members that did not rejoin, starts the next
    /// generation and answers every waiting JoinGroup.
    fn complete_join(&mut self, now: Instant) {
        let gone: Vec<String> =
            self.members.iter().filter(|(_, m)| m.join_waiter.is_none()).map(|(id, _)| id.clone()).collect();
        for id in gone {
            self.remove_member(&id);
        }
        self.generation += 1;
        if self.members.is_empty() {
            // Kafka keeps the protocol type of an emptied group ("consumer"), which
            // tools read to tell consumer groups from simple offset stores.
            self.state = GroupState::Empty;
            self.protocol = None;
            self.leader = None;
            self.rebalance_deadline = None;
            return;
        }
        self.protocol = self.select_protocol();
        self.protocol_type = self.members.values().next().map(|m| m.protocol_type.clone());
        if !self.leader.as_ref().is_some_and(|l| self.members.contains_key(l)) {
            self.leader = self.members.keys().next().cloned();
        }
        self.state = GroupState::CompletingRebalance;
        let timeout = self.members.values().map(|m| m.rebalance_timeout).max().unwrap_or_default();
        self.rebalance_deadline = Some(now + timeout);
        let protocol = self.protocol.clone().unwrap_or_default();
        let all: Vec<(String, Option<String>, Bytes)> =
            self.members.iter().map(|(id, m)| (id.clone(), m.instance_id.clone(), m.metadata(&protocol))).collect();
        let leader = self.leader.clone().unwrap_or_default();
        tracing::debug!(generation = self.generation, %leader, %protocol, members = self.members.len(), "group rebalanced");
        for (id, member) in self.members.iter_mut() {
            member.last_seen = now;
            if let Some(waiter) = member.join_waiter.take() {
                let _ = waiter.send(Ok(JoinResult {
                    generation_id: self.generation,
                    protocol_type: self.protocol_type.clone(),
                    protocol_name: self.protocol.clone(),
                    leader: leader.clone(),
                    member_id: id.clone(),
                    members: if *id == leader { all.clone() } else { Vec::new() },
                }));
            }
        }
    }

    /// The answer a member rejoining without change gets: the current generation.
    fn current_join(&self, member_id: &str) -> JoinResult {
        let protocol = self.protocol.clone().unwrap_or_default();
        let leader = self.leader.clone().unwrap_or_default();
        JoinResult {
            generation_id: self.generation,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol.clone(),
            leader: leader.clone(),
            member_id: member_id.to_owned(),
            members: if member_id == leader {
                self.members.iter().map(|(id, m)| (id.clone(), m.instance_id.clone(), m.metadata(&protocol))).collect()
            } else {
                Vec::new()
            },
        }
    }

    fn remove_member(&mut self, id: &str) {
        if let Some(member) = self.members.remove(id) {
            if let Some(instance) = &member.instance_id {
                if self.static_members.get(instance).map(String::as_str) == Some(id) {
                    self.static_members.remove(instance);
                }
            }
            if let Some(waiter) = member.join_waiter {
                let _ = waiter.send(Err(Error::UnknownMemberId));
            }
            if let Some(waiter) = member.sync_waiter {
                let _ = waiter.send(Err(Error::UnknownMemberId));
            }
        }
        if self.leader.as_deref() == Some(id) {
            self.leader = None;
        }
    }

    /// After members left or expired: rebalance the rest (or become Empty).
    fn on_members_removed(&mut self, now: Instant) {
        if matches!(self.state, GroupState::Stable | GroupState::CompletingRebalance) {
            self.prepare_rebalance(now);
        }
        self.maybe_complete_join(now);
    }

    fn check_member(&self, member_id: &str, instance_id: Option<&str>) -> Result<(), Error> {
        if !self.members.contains_key(member_id) {
            return Err(Error::UnknownMemberId);
        }
        if let Some(instance) = instance_id {
            if self.static_members.get(instance).map(String::as_str) != Some(member_id) {
                return Err(Error::FencedInstanceId);
            }
        }
        Ok(())
    }
}

enum Step<T> {
    Done(Result<T, Error>),
    Wait(oneshot::Receiver<Result<T, Error>>),
}

impl<T> Step<T> {
    async fn outcome(self) -> Result<T, Error> {
        match self {
            Step::Done(result) => result,
            // The coordinator dropped the waiter: the member was removed meanwhile.
            Step::Wait(rx) => rx.await.unwrap_or(Err(Error::UnknownMemberId)),
        }
    }
}

pub struct Coordinator {
    groups: Mutex<HashMap<String, Group>>,
    store: Box<dyn OffsetStore>,
}

impl Coordinator {
    /// Loads every committed offset from `store`; groups that only have offsets
    /// start Empty, as in Kafka.
    pub fn new(store: Box<dyn OffsetStore>) -> Result<Self, Error> {
        let mut groups: HashMap<String, Group> = HashMap::new();
        for ((group, topic, partition), offset) in store.load()? {
            groups.entry(group).or_insert_with(Group::new).offsets.insert((topic, partition), offset);
        }
        Ok(Self { groups: Mutex::new(groups), store })
    }

    pub async fn join(&self, request: JoinRequest) -> Result<JoinResult, Error> {
        self.join_step(request, Instant::now()).outcome().await
    }

    fn join_step(&self, request: JoinRequest, now: Instant) -> Step<JoinResult> {
        if request.group_id.is_empty() {
            return Step::Done(Err(Error::InvalidGroupId));
        }
        if !(MIN_SESSION_TIMEOUT_MS..=MAX_SESSION_TIMEOUT_MS).contains(&request.session_timeout_ms) {
            return Step::Done(Err(Error::InvalidSessionTimeout(request.session_timeout_ms)));
        }
        if request.protocol_type.is_empty() || request.protocols.is_empty() {
            return Step::Done(Err(Error::InconsistentGroupProtocol));
        }
        let mut groups = self.lock();
        if !request.member_id.is_empty() && !groups.contains_key(&request.group_id) {
            return Step::Done(Err(Error::UnknownMemberId));
        }
        let group = groups.entry(request.group_id.clone()).or_insert_with(Group::new);
        if group.state == GroupState::Dead {
            return Step::Done(Err(Error::CoordinatorNotAvailable));
        }
        let known = !request.member_id.is_empty() && group.members.contains_key(&request.member_id);
        let except = known.then_some(request.member_id.as_str());
        if !group.accepts(&request.protocol_type, &request.protocols, except) {
            return Step::Done(Err(Error::InconsistentGroupProtocol));
        }

        let member_id = if request.member_id.is_empty() {
            let fresh = format!(
                "{}-{}",
                request.group_instance_id.as_deref().unwrap_or(&request.client_id),
                uuid::Uuid::new_v4()
            );
            match &request.group_instance_id {
                Some(instance) => {
                    if let Some(old) = group.static_members.get(instance).cloned() {
                        return Step::Done(Ok(replace_static_member(group, &old, fresh, request, now)));
                    }
                    group.static_members.insert(instance.clone(), fresh.clone());
                }
                None if request.require_known_member_id => {
                    let lapse = now + Duration::from_millis(request.session_timeout_ms as u64);
                    group.pending.insert(fresh.clone(), lapse);
                    return Step::Done(Err(Error::MemberIdRequired(fresh)));
                }
                None => {}
            }
            fresh
        } else if group.pending.remove(&request.member_id).is_some() {
            request.member_id.clone()
        } else {
            if let Err(e) = group.check_member(&request.member_id, request.group_instance_id.as_deref()) {
                return Step::Done(Err(e));
            }
            request.member_id.clone()
        };

        let (tx, rx) = oneshot::channel();
        if let Some(member) = group.members.get_mut(&member_id) {
            let unchanged = member.protocols == request.protocols;
            member.last_seen = now;
            member.session_timeout = Duration::from_millis(request.session_timeout_ms as u64);
            member.rebalance_timeout = Duration::from_millis(request.rebalance_timeout_ms.max(0) as u64);
            member.protocols = request.protocols;
            let is_leader = group.leader.as_deref() == Some(member_id.as_str());
            match group.state {
                GroupState::CompletingRebalance if unchanged => return Step::Done(Ok(group.current_join(&member_id))),
                GroupState::Stable if unchanged && !is_leader => return Step::Done(Ok(group.current_join(&member_id))),
                _ => {}
            }
            if let Some(member) = group.members.get_mut(&member_id) {
                member.join_waiter = Some(tx);
            }
        } else {
            group.members.insert(
                member_id.clone(),
                Member {
                    instance_id: request.group_instance_id,
                    client_id: request.client_id,
                    client_host: request.client_host,
                    session_timeout: Duration::from_millis(request.session_timeout_ms as u64),
                    rebalance_timeout: Duration::from_millis(request.rebalance_timeout_ms.max(0) as u64),
                    protocol_type: request.protocol_type,
                    protocols: request.protocols,
                    assignment: Bytes::new(),
                    last_seen: now,
                    join_waiter: Some(tx),
                    sync_waiter: None,
                },
            );
        }
        group.prepare_rebalance(now);
        group.maybe_complete_join(now);
        Step::Wait(rx)
    }

    pub async fn sync(&self, request: SyncRequest) -> Result<SyncResult, Error> {
        self.sync_step(request, Instant::now()).outcome().await
    }

    fn sync_step(&self, request: SyncRequest, now: Instant) -> Step<SyncResult> {
        let mut groups = self.lock();
        let Some(group) = groups.get_mut(&request.group_id) else { return Step::Done(Err(Error::UnknownMemberId)) };
        if group.state == GroupState::Dead {
            return Step::Done(Err(Error::CoordinatorNotAvailable));
        }
        if let Err(e) = group.check_member(&request.member_id, request.group_instance_id.as_deref()) {
            return Step::Done(Err(e));
        }
        if request.generation_id != group.generation {
            return Step::Done(Err(Error::IllegalGeneration));
        }
        let mismatch = |asked: &Option<String>, ours: &Option<String>| asked.is_some() && asked != ours;
        if mismatch(&request.protocol_type, &group.protocol_type) || mismatch(&request.protocol_name, &group.protocol) {
            return Step::Done(Err(Error::InconsistentGroupProtocol));
        }
        let result = |group: &Group, assignment: Bytes| SyncResult {
            protocol_type: group.protocol_type.clone(),
            protocol_name: group.protocol.clone(),
            assignment,
        };
        match group.state {
            GroupState::PreparingRebalance => Step::Done(Err(Error::RebalanceInProgress)),
            GroupState::Stable => {
                let member = &group.members[&request.member_id];
                Step::Done(Ok(result(group, member.assignment.clone())))
            }
            GroupState::Empty | GroupState::Dead => Step::Done(Err(Error::UnknownMemberId)),
            GroupState::CompletingRebalance => {
                let (tx, rx) = oneshot::channel();
                if let Some(member) = group.members.get_mut(&request.member_id) {
                    member.sync_waiter = Some(tx);
                    member.last_seen = now;
                }
                if group.leader.as_deref() == Some(request.member_id.as_str()) {
                    let mut assignments: HashMap<String, Bytes> = request.assignments.into_iter().collect();
                    for (id, member) in group.members.iter_mut() {
                        member.assignment = assignments.remove(id).unwrap_or_default();
                    }
                    group.state = GroupState::Stable;
                    group.rebalance_deadline = None;
                    let answers: Vec<_> = group
                        .members
                        .values_mut()
                        .filter_map(|m| m.sync_waiter.take().map(|w| (w, m.assignment.clone())))
                        .collect();
                    for (waiter, assignment) in answers {
                        let _ = waiter.send(Ok(result(group, assignment)));
                    }
                }
                Step::Wait(rx)
            }
        }
    }

    pub fn heartbeat(
        &self,
        group_id: &str,
        generation_id: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<(), Error> {
        let mut groups = self.lock();
        let Some(group) = groups.get_mut(group_id) else { return Err(Error::UnknownMemberId) };
        match group.state {
            GroupState::Dead => return Err(Error::CoordinatorNotAvailable),
            GroupState::Empty => return Err(Error::UnknownMemberId),
            _ => {}
        }
        group.check_member(member_id, instance_id)?;
        if generation_id != group.generation {
            return Err(Error::IllegalGeneration);
        }
        if let Some(member) = group.members.get_mut(member_id) {
            member.last_seen = Instant::now();
        }
        if group.state == GroupState::PreparingRebalance {
            return Err(Error::RebalanceInProgress);
        }
        Ok(())
    }

    /// Removes members (by member id, or by instance id for static members);
    /// returns one result per member asked about, in order.
    pub fn leave(&self, group_id: &str, members: &[(String, Option<String>)]) -> Result<Vec<Result<(), Error>>, Error> {
        let mut groups = self.lock();
        let Some(group) = groups.get_mut(group_id) else { return Err(Error::UnknownMemberId) };
        let now = Instant::now();
        let mut results = Vec::with_capacity(members.len());
        let mut removed = false;
        for (member_id, instance_id) in members {
            let resolved = match instance_id {
                Some(instance) => match group.static_members.get(instance) {
                    Some(id) if member_id.is_empty() || id == member_id => Ok(id.clone()),
                    Some(_) => Err(Error::FencedInstanceId),
                    None => Err(Error::UnknownMemberId),
                },
                None if group.members.contains_key(member_id) => Ok(member_id.clone()),
                None => Err(Error::UnknownMemberId),
            };
            results.push(resolved.map(|id| {
                group.remove_member(&id);
                removed = true;
            }));
        }
        if removed {
            group.on_members_removed(now);
        }
        Ok(results)
    }

    /// Enforces session timeouts, rebalance timeouts and lapsed pending member ids.
    pub fn tick(&self, now: Instant) {
        let mut groups = self.lock();
        for group in groups.values_mut() {
            group.pending.retain(|_, lapse| *lapse > now);
            let expired: Vec<String> = group
                .members
                .iter()
                .filter(|(_, m)| {
                    m.join_waiter.is_none()
                        && m.sync_waiter.is_none()
                        && now.duration_since(m.last_seen) > m.session_timeout
                })
                .map(|(id, _)| id.clone())
                .collect();
            if !expired.is_empty() {
                tracing::info!(members = ?expired, "group members missed their session timeout");
                for id in &expired {
                    group.remove_member(id);
                }
                group.on_members_removed(now);
            }
            if group.rebalance_deadline.is_some_and(|deadline| now >= deadline) {
                match group.state {
                    GroupState::PreparingRebalance => group.complete_join(now),
                    GroupState::CompletingRebalance => {
                        // Members that never synced (often the leader) are dropped; the rest rebalance.
                        let stragglers: Vec<String> = group
                            .members
                            .iter()
                            .filter(|(_, m)| m.sync_waiter.is_none())
                            .map(|(id, _)| id.clone())
                            .collect();
                        for id in &stragglers {
                            group.remove_member(id);
                        }
                        group.prepare_rebalance(now);
                        group.rebalance_deadline = Some(now);
                        group.maybe_complete_join(now);
                    }
                    _ => group.rebalance_deadline = None,
                }
            }
        }
    }

    /// OffsetCommit's membership check, then the commit made durable.
    pub fn commit(
        &self,
        group_id: &str,
        generation_id: i32,
        member_id: &str,
        instance_id: Option<&str>,
        offsets: Vec<((String, i32), CommittedOffset)>,
    ) -> Result<(), Error> {
        if group_id.is_empty() {
            return Err(Error::InvalidGroupId);
        }
        let mut groups = self.lock();
        let group = match groups.get_mut(group_id) {
            Some(group) => group,
            // A consumer using assign() keeps offsets in a group nobody joins.
            None if generation_id < 0 => groups.entry(group_id.to_owned()).or_insert_with(Group::new),
            None => return Err(Error::IllegalGeneration),
        };
        match group.state {
            GroupState::Dead => return Err(Error::CoordinatorNotAvailable),
            GroupState::Empty if generation_id < 0 => {}
            GroupState::CompletingRebalance => return Err(Error::RebalanceInProgress),
            _ => {
                group.check_member(member_id, instance_id)?;
                if generation_id != group.generation {
                    return Err(Error::IllegalGeneration);
                }
            }
        }
        let records: Vec<(OffsetKey, CommittedOffset)> = offsets
            .iter()
            .map(|((topic, partition), offset)| ((group_id.to_owned(), topic.clone(), *partition), offset.clone()))
            .collect();
        self.store.commit(&records)?;
        if let Some(member) = group.members.get_mut(member_id) {
            member.last_seen = Instant::now();
        }
        group.offsets.extend(offsets);
        Ok(())
    }

    /// Committed offsets of a group: the asked partitions, or all when `None`.
    /// An unknown group has none (not an error).
    pub fn committed(
        &self,
        group_id: &str,
        partitions: Option<&[(String, i32)]>,
    ) -> Vec<((String, i32), Option<CommittedOffset>)> {
        let groups = self.lock();
        let offsets = groups.get(group_id).map(|g| &g.offsets);
        match partitions {
            Some(asked) => asked.iter().map(|key| (key.clone(), offsets.and_then(|o| o.get(key)).cloned())).collect(),
            None => offsets.map(|o| o.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect()).unwrap_or_default(),
        }
    }

    pub fn describe(&self, group_id: &str) -> Option<GroupDescription> {
        let groups = self.lock();
        let group = groups.get(group_id)?;
        let protocol = group.protocol.clone().unwrap_or_default();
        // Kafka shows member metadata and assignments only once the group is Stable.
        let stable = group.state == GroupState::Stable;
        let members = group
            .members
            .iter()
            .map(|(id, m)| {
                let (metadata, assignment) =
                    if stable { (m.metadata(&protocol), m.assignment.clone()) } else { Default::default() };
                (id.clone(), m.instance_id.clone(), m.client_id.clone(), m.client_host.clone(), metadata, assignment)
            })
            .collect();
        Some(GroupDescription {
            state: group.state,
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            protocol,
            members,
        })
    }

    /// (group id, protocol type, state) of every group.
    pub fn list(&self) -> Vec<(String, String, GroupState)> {
        let groups = self.lock();
        let mut list: Vec<_> =
            groups.iter().map(|(id, g)| (id.clone(), g.protocol_type.clone().unwrap_or_default(), g.state)).collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }

    /// DeleteGroups: only a group without members can go; its offsets go with it.
    pub fn delete_group(&self, group_id: &str) -> Result<(), Error> {
        let mut groups = self.lock();
        let group = groups.get(group_id).ok_or(Error::GroupIdNotFound)?;
        if !group.members.is_empty() || group.state != GroupState::Empty {
            return Err(Error::NonEmptyGroup);
        }
        let keys: Vec<OffsetKey> = group.offsets.keys().map(|(t, p)| (group_id.to_owned(), t.clone(), *p)).collect();
        self.store.delete(&keys)?;
        groups.remove(group_id);
        Ok(())
    }

    /// OffsetDelete: refused per topic while live members subscribe to it.
    pub fn delete_offsets(
        &self,
        group_id: &str,
        partitions: &[(String, i32)],
    ) -> Result<Vec<Result<(), Error>>, Error> {
        let mut groups = self.lock();
        let group = groups.get_mut(group_id).ok_or(Error::GroupIdNotFound)?;
        let subscribed = subscribed_topics(group);
        let mut results = Vec::with_capacity(partitions.len());
        let mut keys = Vec::new();
        for (topic, partition) in partitions {
            if subscribed.iter().any(|t| t == topic) {
                results.push(Err(Error::GroupSubscribedToTopic));
            } else {
                keys.push((group_id.to_owned(), topic.clone(), *partition));
                results.push(Ok(()));
            }
        }
        self.store.delete(&keys)?;
        for (_, topic, partition) in keys {
            group.offsets.remove(&(topic, partition));
        }
        Ok(results)
    }

    /// (group, members, committed offset of `topic` partition 0) per group, for metrics.
    pub fn summary(&self, topic: &str) -> Vec<(String, usize, Option<i64>)> {
        let key = (topic.to_owned(), 0);
        self.lock().iter().map(|(id, g)| (id.clone(), g.members.len(), g.offsets.get(&key).map(|o| o.offset))).collect()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Group>> {
        self.groups.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A known static member rejoining with a fresh member id (a restarted process):
/// it takes the old member's place; the old id is fenced. With unchanged
/// protocols in a Stable group no rebalance is needed (KIP-345).
fn replace_static_member(
    group: &mut Group,
    old: &str,
    fresh: String,
    request: JoinRequest,
    now: Instant,
) -> JoinResult {
    let Some(mut member) = group.members.remove(old) else { return group.current_join(&fresh) };
    if let Some(waiter) = member.join_waiter.take() {
        let _ = waiter.send(Err(Error::FencedInstanceId));
    }
    if let Some(waiter) = member.sync_waiter.take() {
        let _ = waiter.send(Err(Error::FencedInstanceId));
    }
    let unchanged = member.protocols == request.protocols;
    member.protocols = request.protocols;
    member.last_seen = now;
    member.session_timeout = Duration::from_millis(request.session_timeout_ms as u64);
    member.client_id = request.client_id;
    member.client_host = request.client_host;
    if let Some(instance) = &request.group_instance_id {
        group.static_members.insert(instance.clone(), fresh.clone());
    }
    if group.leader.as_deref() == Some(old) {
        group.leader = Some(fresh.clone());
    }
    group.members.insert(fresh.clone(), member);
    if !(unchanged && group.state == GroupState::Stable) {
        group.prepare_rebalance(now);
    }
    group.current_join(&fresh)
}

/// Topics the members of a "consumer" group subscribe to, from their
/// ConsumerProtocolSubscription metadata.
fn subscribed_topics(group: &Group) -> Vec<String> {
    use kafka_protocol::messages::ConsumerProtocolSubscription;
    use kafka_protocol::protocol::Decodable;
    if group.protocol_type.as_deref() != Some("consumer") {
        return Vec::new();
    }
    let protocol = group.protocol.clone().unwrap_or_default();
    let mut topics = Vec::new();
    for member in group.members.values() {
        let mut metadata = member.metadata(&protocol);
        if metadata.len() < 2 {
            continue;
        }
        let version = i16::from_be_bytes([metadata[0], metadata[1]]);
        let _ = bytes::Buf::get_i16(&mut metadata);
        if let Ok(subscription) = ConsumerProtocolSubscription::decode(&mut metadata, version) {
            topics.extend(subscription.topics.iter().map(|t| t.to_string()));
        }
    }
    topics
}
