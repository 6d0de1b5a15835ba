//! One classic consumer group as a pure state machine, after Kafka's `ClassicGroup`.
//!
//! Groups move through Kafka's states: Empty -> PreparingRebalance (members join)
//! -> CompletingRebalance (the leader computes the assignment) -> Stable, and back
//! to PreparingRebalance whenever a member joins, leaves, changes its protocols or
//! misses its session timeout. The group elects a leader, picks the protocol every
//! member supports with the most first-choice votes, hands the leader all members'
//! metadata, and relays the leader's assignment: it never computes one. Member ids
//! are issued here (KIP-394, MEMBER_ID_REQUIRED from JoinGroup v4 on); static
//! members keep their place across restarts by group.instance.id (KIP-345).
//!
//! Nothing here does I/O, takes a lock or reads the clock: `now` is an argument.
//! A JoinGroup or SyncGroup that has to wait for the rest of the group gets
//! [`Answer::Later`]; whichever later call completes that step (another member's
//! join, the leader's sync, a timeout in `tick`) returns the waiting member's
//! answer as a [`Reply`]. The shell (`coordinator`) parks the waiting requests and
//! hands them their replies.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use bytes::Bytes;

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
}

impl GroupState {
    /// The names Kafka uses in DescribeGroups and ListGroups.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
        }
    }
}

/// One of the protocols (assignors, for consumers) a member offers, with the
/// metadata it carries for that protocol (for consumers, its subscription).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protocol {
    pub name: String,
    pub metadata: Bytes,
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
    pub protocols: Vec<Protocol>,
    /// JoinGroup v4+ clients accept MEMBER_ID_REQUIRED (KIP-394).
    pub require_known_member_id: bool,
    /// JoinGroup v9+ clients read `skip_assignment` (KIP-814).
    pub accepts_skip_assignment: bool,
}

impl JoinRequest {
    /// What Kafka refuses before it looks at the group at all.
    pub fn validate(&self) -> Result<(), Error> {
        if self.group_id.is_empty() {
            return Err(Error::InvalidGroupId);
        }
        if !(MIN_SESSION_TIMEOUT_MS..=MAX_SESSION_TIMEOUT_MS).contains(&self.session_timeout_ms) {
            return Err(Error::InvalidSessionTimeout(self.session_timeout_ms));
        }
        if self.protocol_type.is_empty() || self.protocols.is_empty() {
            return Err(Error::InconsistentGroupProtocol);
        }
        Ok(())
    }
}

/// A member as the leader sees it in its JoinGroup response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub metadata: Bytes,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JoinResult {
    pub generation_id: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader: String,
    pub member_id: String,
    /// Only the leader gets the members.
    pub members: Vec<JoinedMember>,
    /// KIP-814: the leader gets the members but must not compute an assignment
    /// (a restarted static leader of a Stable group).
    pub skip_assignment: bool,
}

/// The part of the leader's assignment meant for one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberAssignment {
    pub member_id: String,
    pub assignment: Bytes,
}

pub struct SyncRequest {
    pub group_id: String,
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignments: Vec<MemberAssignment>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncResult {
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignment: Bytes,
}

/// One member named in a LeaveGroup: by member id, or (static members, KIP-345)
/// by instance id with the member id possibly empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeavingMember {
    pub member_id: String,
    pub instance_id: Option<String>,
}

/// A group as DescribeGroups shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDescription {
    pub state: GroupState,
    pub protocol_type: String,
    pub protocol: String,
    pub members: Vec<DescribedMember>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    /// Empty until the group is Stable, as in Kafka.
    pub metadata: Bytes,
    /// The member's last assignment, kept while the group rebalances (Kafka's).
    pub assignment: Bytes,
}

/// The answer to a JoinGroup or SyncGroup: now, or later as a [`Reply`] to `member_id`.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer<T> {
    Now(Result<T, Error>),
    Later { member_id: String },
}

/// The answer to a member's JoinGroup or SyncGroup that waited for the group.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Join { member_id: String, result: Result<JoinResult, Error> },
    Sync { member_id: String, result: Result<SyncResult, Error> },
}

struct Member {
    instance_id: Option<String>,
    client_id: String,
    client_host: String,
    session_timeout: Duration,
    rebalance_timeout: Duration,
    protocol_type: String,
    protocols: Vec<Protocol>,
    assignment: Bytes,
    last_seen: Instant,
    /// A JoinGroup of this member waits for the join phase to end.
    awaiting_join: bool,
    /// A SyncGroup of this member waits for the leader's assignment.
    awaiting_sync: bool,
}

impl Member {
    fn metadata(&self, protocol: &str) -> Bytes {
        self.protocols.iter().find(|p| p.name == protocol).map(|p| p.metadata.clone()).unwrap_or_default()
    }

    fn offers(&self, protocol: &str) -> bool {
        self.protocols.iter().any(|p| p.name == protocol)
    }
}

pub struct ClassicGroup {
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
    /// Answers for waiting members produced by the call in progress.
    replies: Vec<Reply>,
    /// `group.initial.rebalance.delay.ms`: how long a rebalance out of Empty waits for more members.
    initial_rebalance_delay: Duration,
    /// Set while the group's first rebalance (out of Empty) waits out the initial delay.
    initial: Option<InitialDelay>,
    /// Members of this generation that have not sent their SyncGroup yet (Kafka's
    /// pending sync members), and when those left are dropped.
    pending_sync: HashSet<String>,
    sync_deadline: Option<Instant>,
}

/// Kafka's `InitialDelayedJoin`: the join of a rebalance out of Empty completes only
/// when its delay runs out; each delay in which a new member joined is followed by
/// another, until the rebalance timeout (less the first delay) is used up.
#[derive(Clone, Copy, Debug)]
struct InitialDelay {
    delay: Duration,
    remaining: Duration,
    new_member_added: bool,
}

impl Default for ClassicGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl ClassicGroup {
    pub fn new() -> Self {
        ClassicGroup {
            state: GroupState::Empty,
            generation: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            pending: HashMap::new(),
            static_members: HashMap::new(),
            rebalance_deadline: None,
            replies: Vec::new(),
            initial_rebalance_delay: Duration::ZERO,
            initial: None,
            pending_sync: HashSet::new(),
            sync_deadline: None,
        }
    }

    /// A group whose rebalances out of Empty wait `delay` for more members
    /// (`group.initial.rebalance.delay.ms`).
    pub fn with_initial_rebalance_delay(delay: Duration) -> Self {
        ClassicGroup { initial_rebalance_delay: delay, ..Self::new() }
    }

    /// Applies a new `group.initial.rebalance.delay.ms` to later rebalances.
    pub fn set_initial_rebalance_delay(&mut self, delay: Duration) {
        self.initial_rebalance_delay = delay;
    }

    pub fn state(&self) -> GroupState {
        self.state
    }

    /// The group's protocol type ("consumer" for consumer groups), empty before any join.
    pub fn protocol_type(&self) -> &str {
        self.protocol_type.as_deref().unwrap_or_default()
    }

    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// DeleteGroups may remove only a group without members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.state == GroupState::Empty
    }

    /// JoinGroup. A request Kafka refuses up front (`JoinRequest::validate`) is the
    /// caller's to refuse; so is a known member id for a group that does not exist.
    pub fn join(&mut self, request: JoinRequest, now: Instant) -> (Answer<JoinResult>, Vec<Reply>) {
        let answer = self.join_step(request, now);
        (answer, std::mem::take(&mut self.replies))
    }

    fn join_step(&mut self, request: JoinRequest, now: Instant) -> Answer<JoinResult> {
        let known = !request.member_id.is_empty() && self.members.contains_key(&request.member_id);
        let except = known.then_some(request.member_id.as_str());
        if !self.accepts(&request.protocol_type, &request.protocols, except) {
            return Answer::Now(Err(Error::InconsistentGroupProtocol));
        }

        let member_id = if request.member_id.is_empty() {
            let fresh = format!(
                "{}-{}",
                request.group_instance_id.as_deref().unwrap_or(&request.client_id),
                uuid::Uuid::new_v4()
            );
            match &request.group_instance_id {
                Some(instance) => {
                    let old = self.static_members.get(instance).cloned().unwrap_or_default();
                    if let Some(member) = self.members.remove(&old) {
                        return self.replace_static_member(&old, member, fresh, request, now);
                    }
                    self.static_members.insert(instance.clone(), fresh.clone());
                }
                None if request.require_known_member_id => {
                    let lapse = now + Duration::from_millis(request.session_timeout_ms as u64);
                    self.pending.insert(fresh.clone(), lapse);
                    return Answer::Now(Err(Error::MemberIdRequired(fresh)));
                }
                None => {}
            }
            fresh
        } else if self.pending.remove(&request.member_id).is_some() {
            request.member_id.clone()
        } else {
            if let Err(e) = self.check_member(&request.member_id, request.group_instance_id.as_deref()) {
                return Answer::Now(Err(e));
            }
            request.member_id.clone()
        };

        let is_leader = self.leader.as_deref() == Some(member_id.as_str());
        if let Some(member) = self.members.get_mut(&member_id) {
            let unchanged = member.protocols == request.protocols;
            member.last_seen = now;
            member.session_timeout = Duration::from_millis(request.session_timeout_ms as u64);
            member.rebalance_timeout = Duration::from_millis(request.rebalance_timeout_ms.max(0) as u64);
            member.protocols = request.protocols;
            // A member rejoining without change mid-rebalance (or a follower in a
            // Stable group) gets the current generation instead of a new rebalance.
            match self.state {
                GroupState::CompletingRebalance if unchanged => return Answer::Now(Ok(self.current_join(&member_id))),
                GroupState::Stable if unchanged && !is_leader => return Answer::Now(Ok(self.current_join(&member_id))),
                _ => {}
            }
            member.awaiting_join = true;
        } else {
            // A member joining while the first rebalance waits earns the group another delay.
            if let Some(initial) = self.initial.as_mut().filter(|_| self.state == GroupState::PreparingRebalance) {
                initial.new_member_added = true;
            }
            self.members.insert(
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
                    awaiting_join: true,
                    awaiting_sync: false,
                },
            );
        }
        self.prepare_rebalance(now);
        self.maybe_complete_join(now);
        // With no initial delay the first rebalance's join completes at once, as
        // Kafka's zero-delay timer does.
        self.expire_join(now);
        Answer::Later { member_id }
    }

    /// SyncGroup. Followers wait for the leader; the leader's assignment answers everyone.
    pub fn sync(&mut self, request: SyncRequest, now: Instant) -> (Answer<SyncResult>, Vec<Reply>) {
        let answer = self.sync_step(request, now);
        (answer, std::mem::take(&mut self.replies))
    }

    fn sync_step(&mut self, request: SyncRequest, now: Instant) -> Answer<SyncResult> {
        if let Err(e) = self.check_member(&request.member_id, request.group_instance_id.as_deref()) {
            return Answer::Now(Err(e));
        }
        if request.generation_id != self.generation {
            return Answer::Now(Err(Error::IllegalGeneration));
        }
        let mismatch = |asked: &Option<String>, ours: &Option<String>| asked.is_some() && asked != ours;
        if mismatch(&request.protocol_type, &self.protocol_type) || mismatch(&request.protocol_name, &self.protocol) {
            return Answer::Now(Err(Error::InconsistentGroupProtocol));
        }
        match self.state {
            GroupState::PreparingRebalance => Answer::Now(Err(Error::RebalanceInProgress)),
            GroupState::Stable => {
                self.synced(&request.member_id);
                let assignment = self.members.get(&request.member_id).map(|m| m.assignment.clone()).unwrap_or_default();
                Answer::Now(Ok(self.sync_result(assignment)))
            }
            GroupState::Empty => Answer::Now(Err(Error::UnknownMemberId)),
            GroupState::CompletingRebalance => {
                self.synced(&request.member_id);
                if let Some(member) = self.members.get_mut(&request.member_id) {
                    member.awaiting_sync = true;
                    member.last_seen = now;
                }
                if self.leader.as_deref() == Some(request.member_id.as_str()) {
                    let mut assignments: HashMap<String, Bytes> =
                        request.assignments.into_iter().map(|a| (a.member_id, a.assignment)).collect();
                    for (id, member) in self.members.iter_mut() {
                        member.assignment = assignments.remove(id).unwrap_or_default();
                    }
                    self.state = GroupState::Stable;
                    self.rebalance_deadline = None;
                    let mut answers = Vec::new();
                    for (id, member) in self.members.iter_mut() {
                        if std::mem::take(&mut member.awaiting_sync) {
                            answers.push((id.clone(), member.assignment.clone()));
                        }
                    }
                    for (member_id, assignment) in answers {
                        let result = Ok(self.sync_result(assignment));
                        self.replies.push(Reply::Sync { member_id, result });
                    }
                }
                Answer::Later { member_id: request.member_id }
            }
        }
    }

    /// Heartbeat: keeps the session alive; REBALANCE_IN_PROGRESS tells the member to rejoin.
    pub fn heartbeat(
        &mut self,
        generation_id: i32,
        member_id: &str,
        instance_id: Option<&str>,
        now: Instant,
    ) -> Result<(), Error> {
        if self.state == GroupState::Empty {
            return Err(Error::UnknownMemberId);
        }
        self.check_member(member_id, instance_id)?;
        if generation_id != self.generation {
            return Err(Error::IllegalGeneration);
        }
        if let Some(member) = self.members.get_mut(member_id) {
            member.last_seen = now;
        }
        if self.state == GroupState::PreparingRebalance {
            return Err(Error::RebalanceInProgress);
        }
        Ok(())
    }

    /// LeaveGroup: removes members (by member id, or by instance id for static
    /// members); one result per member asked about, in order.
    pub fn leave(&mut self, members: &[LeavingMember], now: Instant) -> (Vec<Result<(), Error>>, Vec<Reply>) {
        let mut results = Vec::with_capacity(members.len());
        let mut removed = false;
        for LeavingMember { member_id, instance_id } in members {
            // A member id handed out with MEMBER_ID_REQUIRED and not used yet may
            // leave too; as in Kafka, that counts as a member leaving.
            if !member_id.is_empty() && self.pending.remove(member_id).is_some() {
                results.push(Ok(()));
                removed = true;
                continue;
            }
            let resolved = match instance_id {
                Some(instance) => match self.static_members.get(instance) {
                    Some(id) if member_id.is_empty() || id == member_id => Ok(id.clone()),
                    Some(_) => Err(Error::FencedInstanceId),
                    None => Err(Error::UnknownMemberId),
                },
                None if self.members.contains_key(member_id) => Ok(member_id.clone()),
                None => Err(Error::UnknownMemberId),
            };
            results.push(resolved.map(|id| {
                self.remove_member(&id);
                removed = true;
            }));
        }
        if removed {
            self.on_members_removed(now);
        }
        (results, std::mem::take(&mut self.replies))
    }

    /// OffsetCommit's membership check (the commit itself is the offset store's).
    /// A group nobody joined takes commits with generation -1 (`assign()` consumers).
    pub fn check_commit(
        &mut self,
        generation_id: i32,
        member_id: &str,
        instance_id: Option<&str>,
        now: Instant,
    ) -> Result<(), Error> {
        if !(self.state == GroupState::Empty && generation_id < 0) {
            self.check_member(member_id, instance_id)?;
            if generation_id != self.generation {
                return Err(Error::IllegalGeneration);
            }
            // A member of the current generation that has not synced yet: Kafka checks
            // who it is first, then says the rebalance is not finished.
            if self.state == GroupState::CompletingRebalance {
                return Err(Error::RebalanceInProgress);
            }
        }
        if let Some(member) = self.members.get_mut(member_id) {
            member.last_seen = now;
        }
        Ok(())
    }

    /// Enforces session timeouts, rebalance timeouts and lapsed pending member ids.
    pub fn tick(&mut self, now: Instant) -> Vec<Reply> {
        let pending = self.pending.len();
        self.pending.retain(|_, lapse| *lapse > now);
        if self.pending.len() < pending {
            // Kafka completes a join that only waited for the lapsed ids, even in the initial delay.
            self.complete_join_if_all_joined(now);
        }
        // A member waiting in JoinGroup or SyncGroup is alive: its request is the heartbeat.
        let expired: Vec<String> = self
            .members
            .iter()
            .filter(|(_, m)| {
                !m.awaiting_join && !m.awaiting_sync && now.duration_since(m.last_seen) > m.session_timeout
            })
            .map(|(id, _)| id.clone())
            .collect();
        if !expired.is_empty() {
            tracing::info!(members = ?expired, "group members missed their session timeout");
            for id in &expired {
                self.remove_member(id);
            }
            self.on_members_removed(now);
            self.complete_join_if_all_joined(now);
        }
        self.expire_join(now);
        self.expire_pending_sync(now);
        std::mem::take(&mut self.replies)
    }

    /// The join phase's deadline: the end of an initial delay (another delay if a
    /// member joined in this one and time is left), else the rebalance timeout,
    /// when the join completes with whoever rejoined.
    fn expire_join(&mut self, now: Instant) {
        if self.state != GroupState::PreparingRebalance || self.rebalance_deadline.is_none_or(|d| now < d) {
            return;
        }
        match self.initial {
            Some(initial) if initial.new_member_added && !initial.remaining.is_zero() => {
                let delay = self.initial_rebalance_delay.min(initial.remaining);
                // As Kafka's InitialDelayedJoin counts: the time left shrinks by the delay just ended.
                let remaining = initial.remaining.saturating_sub(initial.delay);
                self.initial = Some(InitialDelay { delay, remaining, new_member_added: false });
                self.rebalance_deadline = Some(now + delay);
            }
            _ => self.complete_join(now),
        }
    }

    /// The rebalance timeout after a join completed: members that have still not
    /// sent their SyncGroup (the leader's may never come) are dropped and the rest
    /// rebalance, with the full rebalance timeout to rejoin.
    fn expire_pending_sync(&mut self, now: Instant) {
        if self.sync_deadline.is_none_or(|d| now < d) {
            return;
        }
        self.sync_deadline = None;
        let stragglers: Vec<String> =
            std::mem::take(&mut self.pending_sync).into_iter().filter(|id| self.members.contains_key(id)).collect();
        if stragglers.is_empty() || !matches!(self.state, GroupState::CompletingRebalance | GroupState::Stable) {
            return;
        }
        tracing::info!(members = ?stragglers, "group members did not sync within the rebalance timeout");
        for id in &stragglers {
            self.remove_member(id);
        }
        self.prepare_rebalance(now);
        self.maybe_complete_join(now);
    }

    /// A SyncGroup of this generation arrived from `member_id`.
    fn synced(&mut self, member_id: &str) {
        self.pending_sync.remove(member_id);
        if self.pending_sync.is_empty() {
            self.sync_deadline = None;
        }
    }

    /// Everyone rejoined and no handed-out member id is outstanding (Kafka's hasAllMembersJoined).
    fn all_joined(&self) -> bool {
        self.members.values().all(|m| m.awaiting_join) && self.pending.is_empty()
    }

    /// Kafka completes the join when a departure leaves only joined members, even
    /// during the initial delay.
    fn complete_join_if_all_joined(&mut self, now: Instant) {
        if self.state == GroupState::PreparingRebalance && self.all_joined() {
            self.complete_join(now);
        }
    }

    pub fn describe(&self) -> GroupDescription {
        let protocol = self.protocol.clone().unwrap_or_default();
        // Kafka shows member metadata only once the group is Stable; the assignment
        // always, the last one handed out while a rebalance runs (none once a join
        // phase was cut short).
        let stable = self.state == GroupState::Stable;
        let members = self
            .members
            .iter()
            .map(|(id, m)| {
                let metadata = if stable { m.metadata(&protocol) } else { Bytes::new() };
                let assignment = m.assignment.clone();
                DescribedMember {
                    member_id: id.clone(),
                    instance_id: m.instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    metadata,
                    assignment,
                }
            })
            .collect();
        // So is the protocol: Kafka leaves it empty while the group rebalances.
        let protocol = if stable { protocol } else { String::new() };
        GroupDescription { state: self.state, protocol_type: self.protocol_type().to_owned(), protocol, members }
    }

    /// Topics the members of a "consumer" group subscribe to, from their
    /// ConsumerProtocolSubscription metadata: OffsetDelete refuses these
    /// (GROUP_SUBSCRIBED_TO_TOPIC).
    pub fn subscribed_topics(&self) -> Vec<String> {
        use kafka_protocol::messages::ConsumerProtocolSubscription;
        use kafka_protocol::protocol::Decodable;
        if self.protocol_type.as_deref() != Some("consumer") {
            return Vec::new();
        }
        let protocol = self.protocol.clone().unwrap_or_default();
        let mut topics = Vec::new();
        for member in self.members.values() {
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

    /// A joiner fits when its protocol type matches and it shares at least one
    /// protocol with every current member.
    fn accepts(&self, protocol_type: &str, protocols: &[Protocol], except: Option<&str>) -> bool {
        let others: Vec<&Member> =
            self.members.iter().filter(|(id, _)| Some(id.as_str()) != except).map(|(_, m)| m).collect();
        if others.is_empty() {
            return true;
        }
        others.iter().all(|m| m.protocol_type == protocol_type)
            && protocols.iter().any(|p| others.iter().all(|m| m.offers(&p.name)))
    }

    /// Kafka's `selectProtocol`: among protocols every member supports, each member
    /// votes for the first it lists; most votes wins, ties to the earlier candidate.
    fn select_protocol(&self) -> Option<String> {
        let first = self.members.values().next()?;
        let candidates: Vec<&String> = first
            .protocols
            .iter()
            .map(|p| &p.name)
            .filter(|name| self.members.values().all(|m| m.offers(name)))
            .collect();
        let votes = |candidate: &String| {
            self.members
                .values()
                .filter(|m| m.protocols.iter().map(|p| &p.name).find(|n| candidates.contains(n)) == Some(candidate))
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
            for (id, member) in self.members.iter_mut() {
                member.assignment = Bytes::new();
                if std::mem::take(&mut member.awaiting_sync) {
                    // It was alive while it waited; its session runs from now.
                    member.last_seen = now;
                    self.replies.push(Reply::Sync { member_id: id.clone(), result: Err(Error::RebalanceInProgress) });
                }
            }
        }
        self.pending_sync.clear();
        self.sync_deadline = None;
        match self.state {
            GroupState::PreparingRebalance => {}
            GroupState::Empty => {
                // The group's first rebalance: give more members time to join.
                let delay = self.initial_rebalance_delay;
                let remaining = self.rebalance_timeout().saturating_sub(delay);
                self.initial = Some(InitialDelay { delay, remaining, new_member_added: false });
                self.rebalance_deadline = Some(now + delay);
                self.state = GroupState::PreparingRebalance;
            }
            _ => {
                self.rebalance_deadline = Some(now + self.rebalance_timeout());
                self.state = GroupState::PreparingRebalance;
            }
        }
    }

    /// The longest rebalance timeout among the members: how long a step may take.
    fn rebalance_timeout(&self) -> Duration {
        self.members.values().map(|m| m.rebalance_timeout).max().unwrap_or_default()
    }

    /// Completes the join once every member rejoined and every member id handed out
    /// with MEMBER_ID_REQUIRED was used (or lapsed); a first rebalance out of Empty
    /// completes only when its initial delay runs out.
    fn maybe_complete_join(&mut self, now: Instant) {
        if self.initial.is_none() {
            self.complete_join_if_all_joined(now);
        }
    }

    /// Ends the join phase: drops dynamic members that did not rejoin, starts the
    /// next generation and answers every waiting JoinGroup. Static members that did
    /// not rejoin stay, with their instance id, until their session times out
    /// (KIP-345), and the leader assigns to them too. A leader that did not rejoin
    /// hands over to a member that did; if no one rejoined, the join phase waits
    /// another rebalance timeout for the static members (Kafka's
    /// `completeClassicGroupJoin`).
    fn complete_join(&mut self, now: Instant) {
        let gone: Vec<String> = self
            .members
            .iter()
            .filter(|(_, m)| !m.awaiting_join && m.instance_id.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            self.remove_member(&id);
        }
        let leader_rejoined = self.leader.as_ref().and_then(|l| self.members.get(l)).is_some_and(|m| m.awaiting_join);
        if !leader_rejoined {
            match self.members.iter().find(|(_, m)| m.awaiting_join) {
                Some((id, _)) => self.leader = Some(id.clone()),
                None if !self.members.is_empty() => {
                    tracing::warn!(
                        members = self.members.len(),
                        "no group member rejoined; waiting for the static ones"
                    );
                    self.rebalance_deadline = Some(now + self.rebalance_timeout());
                    return;
                }
                None => {}
            }
        }
        self.generation += 1;
        if self.members.is_empty() {
            // Kafka keeps the protocol type of an emptied group ("consumer"), which
            // tools read to tell consumer groups from simple offset stores.
            self.state = GroupState::Empty;
            self.protocol = None;
            self.leader = None;
            self.rebalance_deadline = None;
            self.initial = None;
            return;
        }
        self.protocol = self.select_protocol();
        self.protocol_type = self.members.values().next().map(|m| m.protocol_type.clone());
        self.state = GroupState::CompletingRebalance;
        self.rebalance_deadline = None;
        self.initial = None;
        // Every member has the rebalance timeout to send its SyncGroup (Kafka's pending sync).
        self.pending_sync = self.members.keys().cloned().collect();
        self.sync_deadline = Some(now + self.rebalance_timeout());
        let leader = self.leader.clone().unwrap_or_default();
        let protocol = self.protocol.clone().unwrap_or_default();
        tracing::debug!(generation = self.generation, %leader, %protocol, members = self.members.len(), "group rebalanced");
        let mut joined = Vec::new();
        for (id, member) in self.members.iter_mut() {
            member.last_seen = now;
            if std::mem::take(&mut member.awaiting_join) {
                joined.push(id.clone());
            }
        }
        for member_id in joined {
            let result = Ok(self.current_join(&member_id));
            self.replies.push(Reply::Join { member_id, result });
        }
    }

    /// The current generation as `member_id` sees it; only the leader gets the members.
    fn current_join(&self, member_id: &str) -> JoinResult {
        let protocol = self.protocol.clone().unwrap_or_default();
        let leader = self.leader.clone().unwrap_or_default();
        let members = if member_id == leader {
            self.members
                .iter()
                .map(|(id, m)| JoinedMember {
                    member_id: id.clone(),
                    instance_id: m.instance_id.clone(),
                    metadata: m.metadata(&protocol),
                })
                .collect()
        } else {
            Vec::new()
        };
        JoinResult {
            generation_id: self.generation,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol.clone(),
            leader,
            member_id: member_id.to_owned(),
            members,
            skip_assignment: false,
        }
    }

    fn sync_result(&self, assignment: Bytes) -> SyncResult {
        SyncResult { protocol_type: self.protocol_type.clone(), protocol_name: self.protocol.clone(), assignment }
    }

    fn remove_member(&mut self, id: &str) {
        self.pending_sync.remove(id);
        if let Some(member) = self.members.remove(id) {
            if let Some(instance) = &member.instance_id {
                if self.static_members.get(instance).map(String::as_str) == Some(id) {
                    self.static_members.remove(instance);
                }
            }
            if member.awaiting_join {
                self.replies.push(Reply::Join { member_id: id.to_owned(), result: Err(Error::UnknownMemberId) });
            }
            if member.awaiting_sync {
                self.replies.push(Reply::Sync { member_id: id.to_owned(), result: Err(Error::UnknownMemberId) });
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

    /// Kafka's `validateMember`: the instance id first, so that a replaced static
    /// member (a zombie with the old member id) is FENCED_INSTANCE_ID, which clients
    /// treat as fatal, not UNKNOWN_MEMBER_ID, on which they would rejoin and take
    /// the instance back.
    fn check_member(&self, member_id: &str, instance_id: Option<&str>) -> Result<(), Error> {
        if let Some(instance) = instance_id {
            match self.static_members.get(instance) {
                None => return Err(Error::UnknownMemberId),
                Some(holder) if holder != member_id => return Err(Error::FencedInstanceId),
                Some(_) => {}
            }
        }
        if !self.members.contains_key(member_id) {
            return Err(Error::UnknownMemberId);
        }
        Ok(())
    }

    /// A known static member rejoining with a fresh member id (a restarted process),
    /// as Kafka's `updateStaticMemberThenRebalanceOrCompleteJoin`: the new id takes
    /// the old member's place (its client id and host, its assignment, the
    /// leadership) and the old id is fenced. A Stable group whose selected protocol
    /// would stay the same does not rebalance: the member gets the current
    /// generation back at once (a restarted Java consumer's subscription carries its
    /// owned partitions and generation, so comparing the metadata bytes would make
    /// every restart rebalance).
    fn replace_static_member(
        &mut self,
        old: &str,
        mut member: Member,
        fresh: String,
        request: JoinRequest,
        now: Instant,
    ) -> Answer<JoinResult> {
        if std::mem::take(&mut member.awaiting_join) {
            self.replies.push(Reply::Join { member_id: old.to_owned(), result: Err(Error::FencedInstanceId) });
        }
        if std::mem::take(&mut member.awaiting_sync) {
            self.replies.push(Reply::Sync { member_id: old.to_owned(), result: Err(Error::FencedInstanceId) });
        }
        member.protocols = request.protocols;
        member.last_seen = now;
        member.session_timeout = Duration::from_millis(request.session_timeout_ms as u64);
        member.rebalance_timeout = Duration::from_millis(request.rebalance_timeout_ms.max(0) as u64);
        if let Some(instance) = &request.group_instance_id {
            self.static_members.insert(instance.clone(), fresh.clone());
        }
        let old_leader = self.leader.clone();
        if old_leader.as_deref() == Some(old) {
            self.leader = Some(fresh.clone());
        }
        self.members.insert(fresh.clone(), member);
        if self.state == GroupState::Stable && self.select_protocol() == self.protocol {
            let mut result = self.current_join(&fresh);
            if request.accepts_skip_assignment {
                // KIP-814: the leader learns the members but keeps the current assignment.
                result.skip_assignment = result.leader == fresh;
            } else {
                // Older clients would reassign if told they lead: they are not told,
                // the leader named is the one before the restart, as in Kafka.
                result.members.clear();
                result.leader = old_leader.unwrap_or_default();
            }
            return Answer::Now(Ok(result));
        }
        if let Some(member) = self.members.get_mut(&fresh) {
            member.awaiting_join = true;
        }
        // In CompletingRebalance the leader may have assigned the old member id:
        // rebalance again so the new id gets an assignment.
        self.prepare_rebalance(now);
        self.maybe_complete_join(now);
        Answer::Later { member_id: fresh }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::ConsumerProtocolSubscription;
    use kafka_protocol::protocol::{Encodable, StrBytes};

    const SESSION_MS: i32 = 10_000;
    const REBALANCE_MS: i32 = 30_000;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    /// ConsumerProtocolSubscription v0 with its version prefix, as a consumer sends it.
    fn subscription(topics: &[&str]) -> Bytes {
        let subscription = ConsumerProtocolSubscription::default()
            .with_topics(topics.iter().map(|t| StrBytes::from_string(t.to_string())).collect());
        let mut out = bytes::BytesMut::new();
        out.extend_from_slice(&0i16.to_be_bytes());
        subscription.encode(&mut out, 0).unwrap();
        out.freeze()
    }

    fn request(member_id: &str, instance_id: Option<&str>) -> JoinRequest {
        JoinRequest {
            group_id: "g".into(),
            member_id: member_id.into(),
            group_instance_id: instance_id.map(String::from),
            client_id: "client".into(),
            client_host: "/127.0.0.1".into(),
            session_timeout_ms: SESSION_MS,
            rebalance_timeout_ms: REBALANCE_MS,
            protocol_type: "consumer".into(),
            protocols: vec![Protocol { name: "range".into(), metadata: subscription(&["events"]) }],
            require_known_member_id: true,
            accepts_skip_assignment: true,
        }
    }

    fn sync_request(member_id: &str, generation_id: i32, assignments: &[(&str, &'static [u8])]) -> SyncRequest {
        SyncRequest {
            group_id: "g".into(),
            generation_id,
            member_id: member_id.into(),
            group_instance_id: None,
            protocol_type: Some("consumer".into()),
            protocol_name: Some("range".into()),
            assignments: assignments
                .iter()
                .map(|(id, a)| MemberAssignment { member_id: id.to_string(), assignment: Bytes::from_static(a) })
                .collect(),
        }
    }

    /// The join answers in `replies`, by member id.
    fn joined(replies: &[Reply]) -> BTreeMap<String, JoinResult> {
        replies
            .iter()
            .filter_map(|r| match r {
                Reply::Join { member_id, result: Ok(result) } => Some((member_id.clone(), result.clone())),
                _ => None,
            })
            .collect()
    }

    /// A dynamic member through MEMBER_ID_REQUIRED: returns its id and the join's answer.
    fn join_new(group: &mut ClassicGroup, now: Instant) -> (String, Answer<JoinResult>, Vec<Reply>) {
        let (first, replies) = group.join(request("", None), now);
        assert!(replies.is_empty());
        let Answer::Now(Err(Error::MemberIdRequired(id))) = first else { panic!("not MEMBER_ID_REQUIRED: {first:?}") };
        let (answer, replies) = group.join(request(&id, None), now);
        (id, answer, replies)
    }

    /// A Stable group of two dynamic members, generation 2, the first one leading
    /// and assigned "a", the second assigned "b".
    fn stable_pair(now: Instant) -> (ClassicGroup, String, String) {
        let mut group = ClassicGroup::new();
        let (a, _, _) = join_new(&mut group, now);
        group.sync(sync_request(&a, 1, &[(&a, b"a")]), now);
        let (b, answer, replies) = join_new(&mut group, now);
        assert_eq!(answer, Answer::Later { member_id: b.clone() });
        assert!(replies.is_empty(), "b waits for a to rejoin");
        assert_eq!(group.heartbeat(1, &a, None, now), Err(Error::RebalanceInProgress));
        let (answer, replies) = group.join(request(&a, None), now);
        assert_eq!(answer, Answer::Later { member_id: a.clone() });
        assert_eq!(joined(&replies).len(), 2, "a's rejoin completes the join for both");
        let (answer, replies) = group.sync(sync_request(&b, 2, &[]), now);
        assert_eq!(answer, Answer::Later { member_id: b.clone() });
        assert!(replies.is_empty(), "the follower waits for the leader");
        let assignments: &[(&str, &'static [u8])] = &[(&a, b"a"), (&b, b"b")];
        let (_, replies) = group.sync(sync_request(&a, 2, assignments), now);
        assert_eq!(replies.len(), 2);
        assert_eq!(group.state(), GroupState::Stable);
        (group, a, b)
    }

    #[test]
    fn join_without_member_id_is_member_id_required_then_the_rejoin_leads_generation_1() {
        let now = Instant::now();
        let mut group = ClassicGroup::new();
        let (id, answer, replies) = join_new(&mut group, now);
        assert_eq!(answer, Answer::Later { member_id: id.clone() });
        let answers = joined(&replies);
        let result = &answers[&id];
        assert_eq!(result.generation_id, 1);
        assert_eq!(result.leader, id);
        assert_eq!(result.protocol_name.as_deref(), Some("range"));
        assert_eq!(
            result.members,
            vec![JoinedMember { member_id: id.clone(), instance_id: None, metadata: subscription(&["events"]) }]
        );
        assert_eq!(group.state(), GroupState::CompletingRebalance);
    }

    #[test]
    fn a_handed_out_member_id_lapses_after_the_session_timeout() {
        let now = Instant::now();
        let mut group = ClassicGroup::new();
        let (first, _) = group.join(request("", None), now);
        let Answer::Now(Err(Error::MemberIdRequired(id))) = first else { panic!("{first:?}") };
        group.tick(now + secs(11));
        let (answer, _) = group.join(request(&id, None), now + secs(11));
        assert_eq!(answer, Answer::Now(Err(Error::UnknownMemberId)));
    }

    #[test]
    fn a_join_with_another_protocol_type_is_inconsistent() {
        let now = Instant::now();
        let mut group = ClassicGroup::new();
        join_new(&mut group, now);
        let mut other = request("", None);
        other.protocol_type = "connect".into();
        assert_eq!(group.join(other, now).0, Answer::Now(Err(Error::InconsistentGroupProtocol)));
    }

    #[test]
    fn the_leaders_sync_answers_the_waiting_follower_and_makes_the_group_stable() {
        let now = Instant::now();
        let (mut group, a, b) = stable_pair(now);
        // Later syncs of the same generation get their assignment straight away.
        let (answer, _) = group.sync(sync_request(&b, 2, &[]), now);
        let Answer::Now(Ok(result)) = answer else { panic!("{answer:?}") };
        assert_eq!(result.assignment, Bytes::from_static(b"b"));
        assert_eq!(group.sync(sync_request(&a, 1, &[]), now).0, Answer::Now(Err(Error::IllegalGeneration)));
        assert_eq!(group.heartbeat(2, &a, None, now), Ok(()));
        assert_eq!(group.heartbeat(1, &a, None, now), Err(Error::IllegalGeneration));
        assert_eq!(group.heartbeat(2, "nobody", None, now), Err(Error::UnknownMemberId));
        let description = group.describe();
        assert_eq!(description.state, GroupState::Stable);
        let assignments: Vec<&[u8]> = description.members.iter().map(|m| m.assignment.as_ref()).collect();
        assert_eq!(assignments.len(), 2);
    }

    #[test]
    fn sync_while_preparing_a_rebalance_is_rebalance_in_progress() {
        let now = Instant::now();
        let (mut group, a, _) = stable_pair(now);
        join_new(&mut group, now);
        assert_eq!(group.state(), GroupState::PreparingRebalance);
        assert_eq!(group.sync(sync_request(&a, 2, &[]), now).0, Answer::Now(Err(Error::RebalanceInProgress)));
    }

    #[test]
    fn a_member_that_misses_its_session_timeout_is_removed_and_the_rest_rebalance() {
        let t0 = Instant::now();
        let (mut group, a, b) = stable_pair(t0);
        assert_eq!(group.heartbeat(2, &a, None, t0 + secs(8)), Ok(()));
        // At 10 s nobody has missed 10 s yet; b misses it just after.
        assert!(group.tick(t0 + secs(10)).is_empty());
        assert_eq!(group.state(), GroupState::Stable);
        group.tick(t0 + secs(12));
        assert_eq!(group.member_count(), 1);
        assert_eq!(group.state(), GroupState::PreparingRebalance);
        assert_eq!(group.heartbeat(2, &b, None, t0 + secs(12)), Err(Error::UnknownMemberId));
        assert_eq!(group.heartbeat(2, &a, None, t0 + secs(12)), Err(Error::RebalanceInProgress));
        let (_, replies) = group.join(request(&a, None), t0 + secs(12));
        assert_eq!(joined(&replies)[&a].generation_id, 3);
    }

    #[test]
    fn a_waiting_join_keeps_its_member_alive_past_the_session_timeout() {
        let t0 = Instant::now();
        let (mut group, a, b) = stable_pair(t0);
        let (c, _, _) = join_new(&mut group, t0);
        // c waits in JoinGroup; a and b keep heartbeating (REBALANCE_IN_PROGRESS).
        for at in [5, 10, 15] {
            assert_eq!(group.heartbeat(2, &a, None, t0 + secs(at)), Err(Error::RebalanceInProgress));
            assert_eq!(group.heartbeat(2, &b, None, t0 + secs(at)), Err(Error::RebalanceInProgress));
            group.tick(t0 + secs(at) + Duration::from_millis(100));
        }
        assert_eq!(group.member_count(), 3, "c is not expired while it waits");
        assert!(group.describe().members.iter().any(|m| m.member_id == c));
    }

    #[test]
    fn the_rebalance_timeout_drops_members_that_did_not_rejoin() {
        let t0 = Instant::now();
        let (mut group, a, b) = stable_pair(t0);
        let (c, _, _) = join_new(&mut group, t0);
        group.join(request(&a, None), t0 + secs(1));
        // b stays alive by heartbeat but never rejoins.
        for at in [9, 18, 27] {
            assert_eq!(group.heartbeat(2, &b, None, t0 + secs(at)), Err(Error::RebalanceInProgress));
        }
        assert!(group.tick(t0 + secs(29)).is_empty(), "the deadline is 30 s after the rebalance began");
        let replies = group.tick(t0 + secs(30));
        let answers = joined(&replies);
        assert_eq!(answers.keys().cloned().collect::<Vec<_>>(), {
            let mut ids = vec![a.clone(), c.clone()];
            ids.sort();
            ids
        });
        assert_eq!(answers[&a].generation_id, 3);
        assert_eq!(answers[&a].leader, a, "the leader stays the leader");
        assert_eq!(answers[&a].members.len(), 2);
        assert_eq!(group.heartbeat(3, &b, None, t0 + secs(30)), Err(Error::UnknownMemberId));
    }

    #[test]
    fn the_rebalance_timeout_drops_a_leader_that_never_syncs_and_the_waiting_follower_rejoins() {
        let t0 = Instant::now();
        let mut group = ClassicGroup::new();
        let (a, _, _) = join_new(&mut group, t0);
        group.sync(sync_request(&a, 1, &[]), t0);
        let (b, _, _) = join_new(&mut group, t0);
        group.join(request(&a, None), t0);
        assert_eq!(group.state(), GroupState::CompletingRebalance);
        assert_eq!(group.sync(sync_request(&b, 2, &[]), t0).0, Answer::Later { member_id: b.clone() });
        // a (the leader) never sends its SyncGroup.
        let replies = group.tick(t0 + secs(30));
        assert_eq!(replies, vec![Reply::Sync { member_id: b.clone(), result: Err(Error::RebalanceInProgress) }]);
        assert_eq!(group.member_count(), 1);
        let (_, replies) = group.join(request(&b, None), t0 + secs(30));
        let answers = joined(&replies);
        assert_eq!(answers[&b].generation_id, 3);
        assert_eq!(answers[&b].leader, b);
    }

    #[test]
    fn leave_removes_the_member_and_the_rest_rebalance() {
        let now = Instant::now();
        let (mut group, a, b) = stable_pair(now);
        let leaving = [
            LeavingMember { member_id: b.clone(), instance_id: None },
            LeavingMember { member_id: "nobody".into(), instance_id: None },
        ];
        let (results, _) = group.leave(&leaving, now);
        assert_eq!(results, vec![Ok(()), Err(Error::UnknownMemberId)]);
        assert_eq!(group.state(), GroupState::PreparingRebalance);
        assert_eq!(group.heartbeat(2, &a, None, now), Err(Error::RebalanceInProgress));
        // The last member leaving empties the group; it keeps its protocol type.
        let (results, _) = group.leave(&[LeavingMember { member_id: a.clone(), instance_id: None }], now);
        assert_eq!(results, vec![Ok(())]);
        assert_eq!(group.state(), GroupState::Empty);
        assert!(group.is_empty());
        assert_eq!(group.protocol_type(), "consumer");
    }

    #[test]
    fn a_waiting_join_of_a_member_that_leaves_is_unknown_member_id() {
        let now = Instant::now();
        let (mut group, a, b) = stable_pair(now);
        // The leader rejoining starts a rebalance; b has not rejoined, so a waits.
        assert_eq!(group.join(request(&a, None), now).0, Answer::Later { member_id: a.clone() });
        assert_eq!(group.heartbeat(2, &b, None, now), Err(Error::RebalanceInProgress));
        let (results, replies) = group.leave(&[LeavingMember { member_id: a.clone(), instance_id: None }], now);
        assert_eq!(results, vec![Ok(())]);
        assert!(replies.contains(&Reply::Join { member_id: a.clone(), result: Err(Error::UnknownMemberId) }));
    }

    /// Two static members "i-a" and "i-b", Stable at generation 2, "i-a" leading,
    /// assigned "a" and "b".
    fn static_pair(now: Instant) -> (ClassicGroup, String, String) {
        static_pair_offering(now, &["range"])
    }

    /// `request` for a static member offering `protocols` (each with the same subscription).
    fn offering(member_id: &str, instance_id: &str, protocols: &[&str]) -> JoinRequest {
        JoinRequest {
            protocols: protocols
                .iter()
                .map(|name| Protocol { name: name.to_string(), metadata: subscription(&["events"]) })
                .collect(),
            ..request(member_id, Some(instance_id))
        }
    }

    fn static_pair_offering(now: Instant, protocols: &[&str]) -> (ClassicGroup, String, String) {
        let mut group = ClassicGroup::new();
        // Static members get their id on the first join; no MEMBER_ID_REQUIRED round.
        let (answer, replies) = group.join(offering("", "i-a", protocols), now);
        let Answer::Later { member_id: a } = answer else { panic!("{answer:?}") };
        assert_eq!(joined(&replies)[&a].generation_id, 1);
        group.sync(sync_request(&a, 1, &[]), now);
        let (answer, _) = group.join(offering("", "i-b", protocols), now);
        let Answer::Later { member_id: b } = answer else { panic!("{answer:?}") };
        group.join(offering(&a, "i-a", protocols), now);
        group.sync(sync_request(&b, 2, &[]), now);
        let assignments: &[(&str, &'static [u8])] = &[(&a, b"a"), (&b, b"b")];
        group.sync(sync_request(&a, 2, assignments), now);
        assert_eq!(group.state(), GroupState::Stable);
        (group, a, b)
    }

    /// `member_id` of instance `instance_id` heartbeats through a rebalance every 9 s of `seconds`.
    fn keep_alive(group: &mut ClassicGroup, t0: Instant, member_id: &str, instance_id: &str, seconds: [u64; 2]) {
        for at in (seconds[0]..=seconds[1]).step_by(9) {
            assert_eq!(
                group.heartbeat(2, member_id, Some(instance_id), t0 + secs(at)),
                Err(Error::RebalanceInProgress)
            );
        }
    }

    fn static_sync(member_id: &str, instance_id: &str, generation_id: i32) -> SyncRequest {
        SyncRequest { group_instance_id: Some(instance_id.into()), ..sync_request(member_id, generation_id, &[]) }
    }

    #[test]
    fn a_restarted_static_leader_keeps_its_slot_and_assignment_without_a_rebalance_and_skips_assignment() {
        let now = Instant::now();
        let (mut group, a, b) = static_pair(now);
        // "i-a" restarts: a new process, no member id, the same instance id and protocols.
        let restarted = JoinRequest { client_id: "restarted".into(), ..request("", Some("i-a")) };
        let (answer, replies) = group.join(restarted, now + secs(3));
        assert!(replies.is_empty());
        let Answer::Now(Ok(result)) = answer else { panic!("{answer:?}") };
        let fresh = result.member_id.clone();
        assert_ne!(fresh, a);
        assert_eq!(result.generation_id, 2, "same generation: no rebalance");
        assert_eq!(result.leader, fresh, "it keeps the leadership");
        assert!(result.skip_assignment, "KIP-814: the leader must not reassign");
        let mut listed: Vec<&str> = result.members.iter().map(|m| m.member_id.as_str()).collect();
        listed.sort();
        let mut expected = vec![fresh.as_str(), b.as_str()];
        expected.sort();
        assert_eq!(listed, expected);
        assert_eq!(group.state(), GroupState::Stable);
        assert_eq!(group.heartbeat(2, &b, Some("i-b"), now + secs(3)), Ok(()), "b notices nothing");
        let (answer, _) = group.sync(static_sync(&fresh, "i-a", 2), now + secs(3));
        let Answer::Now(Ok(synced)) = answer else { panic!("{answer:?}") };
        assert_eq!(synced.assignment, Bytes::from_static(b"a"), "the old member's assignment");
        assert_eq!(group.member_count(), 2);
        // Kafka keeps the replaced member's client id and host for the new member id.
        let described = group.describe().members.into_iter().find(|m| m.member_id == fresh).unwrap();
        assert_eq!(described.client_id, "client");
        assert_eq!(described.instance_id.as_deref(), Some("i-a"));
    }

    #[test]
    fn a_restarted_static_follower_gets_the_current_generation_and_no_members() {
        let now = Instant::now();
        let (mut group, a, _) = static_pair(now);
        let (answer, replies) = group.join(request("", Some("i-b")), now);
        assert!(replies.is_empty());
        let Answer::Now(Ok(result)) = answer else { panic!("{answer:?}") };
        assert_eq!((result.generation_id, result.leader.as_str(), result.skip_assignment), (2, a.as_str(), false));
        assert!(result.members.is_empty());
        let (answer, _) = group.sync(static_sync(&result.member_id, "i-b", 2), now);
        let Answer::Now(Ok(synced)) = answer else { panic!("{answer:?}") };
        assert_eq!(synced.assignment, Bytes::from_static(b"b"));
    }

    #[test]
    fn before_join_group_v9_a_restarted_static_leader_is_told_the_old_leader_id() {
        let now = Instant::now();
        let (mut group, a, _) = static_pair(now);
        let old = JoinRequest { accepts_skip_assignment: false, ..request("", Some("i-a")) };
        let (answer, _) = group.join(old, now);
        let Answer::Now(Ok(result)) = answer else { panic!("{answer:?}") };
        // A client without skip_assignment would reassign if it knew it leads.
        assert_eq!((result.generation_id, result.leader.as_str(), result.skip_assignment), (2, a.as_str(), false));
        assert!(result.members.is_empty());
        // The group knows the new id as its leader all the same: its rejoin rebalances.
        let fresh = result.member_id;
        assert_eq!(group.join(request(&fresh, Some("i-a")), now).0, Answer::Later { member_id: fresh.clone() });
        assert_eq!(group.state(), GroupState::PreparingRebalance);
    }

    #[test]
    fn a_static_member_restarting_with_another_subscription_of_the_same_protocol_does_not_rebalance() {
        let now = Instant::now();
        let (mut group, _, _) = static_pair(now);
        let mut changed = request("", Some("i-b"));
        changed.protocols = vec![Protocol { name: "range".into(), metadata: subscription(&["events", "more"]) }];
        let (answer, _) = group.join(changed, now);
        let Answer::Now(Ok(result)) = answer else { panic!("{answer:?}") };
        assert_eq!(result.generation_id, 2);
        assert_eq!(group.state(), GroupState::Stable);
    }

    #[test]
    fn a_static_member_restarting_with_a_protocol_that_changes_the_selection_rebalances_and_waits() {
        let now = Instant::now();
        let (mut group, a, b) = static_pair_offering(now, &["range", "roundrobin"]);
        assert_eq!(group.describe().protocol, "range");
        let (answer, replies) = group.join(offering("", "i-b", &["roundrobin"]), now);
        let Answer::Later { member_id: fresh } = answer else { panic!("{answer:?}") };
        assert!(replies.is_empty());
        assert_ne!(fresh, b);
        assert_eq!(group.state(), GroupState::PreparingRebalance);
        assert_eq!(group.heartbeat(2, &a, Some("i-a"), now), Err(Error::RebalanceInProgress));
        assert_eq!(group.heartbeat(2, &b, Some("i-b"), now), Err(Error::FencedInstanceId));
        let (_, replies) = group.join(offering(&a, "i-a", &["range", "roundrobin"]), now);
        let answers = joined(&replies);
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[&fresh].generation_id, 3);
        assert_eq!(answers[&fresh].protocol_name.as_deref(), Some("roundrobin"));
        assert_eq!(answers[&a].leader, a);
    }

    #[test]
    fn a_replaced_static_member_is_fenced_on_join_sync_heartbeat_commit_and_leave() {
        let now = Instant::now();
        let (mut group, a, _) = static_pair(now);
        let Answer::Now(Ok(result)) = group.join(request("", Some("i-a")), now).0 else { panic!() };
        // The old process (a zombie) still uses the old member id with its instance id.
        assert_eq!(group.join(request(&a, Some("i-a")), now).0, Answer::Now(Err(Error::FencedInstanceId)));
        assert_eq!(group.sync(static_sync(&a, "i-a", 2), now).0, Answer::Now(Err(Error::FencedInstanceId)));
        assert_eq!(group.heartbeat(2, &a, Some("i-a"), now), Err(Error::FencedInstanceId));
        assert_eq!(group.check_commit(2, &a, Some("i-a"), now), Err(Error::FencedInstanceId));
        let zombie = LeavingMember { member_id: a.clone(), instance_id: Some("i-a".into()) };
        assert_eq!(group.leave(&[zombie], now).0, vec![Err(Error::FencedInstanceId)]);
        // Without its instance id it is just unknown.
        assert_eq!(group.heartbeat(2, &a, None, now), Err(Error::UnknownMemberId));
        // An instance id the group does not know is UNKNOWN_MEMBER_ID, even for a member.
        assert_eq!(group.heartbeat(2, &result.member_id, Some("i-z"), now), Err(Error::UnknownMemberId));
        // A member using another member's instance id is fenced.
        assert_eq!(group.heartbeat(2, &result.member_id, Some("i-b"), now), Err(Error::FencedInstanceId));
        assert_eq!(group.heartbeat(2, &result.member_id, Some("i-a"), now), Ok(()));
        assert_eq!(group.state(), GroupState::Stable);
    }

    #[test]
    fn a_static_member_restarting_mid_rebalance_fences_the_old_waiting_join_and_waits_itself() {
        let now = Instant::now();
        let (mut group, a, b) = static_pair(now);
        let (c, _, _) = join_new(&mut group, now);
        assert_eq!(group.join(request(&b, Some("i-b")), now).0, Answer::Later { member_id: b.clone() });
        let (answer, replies) = group.join(request("", Some("i-b")), now);
        let Answer::Later { member_id: fresh } = answer else { panic!("{answer:?}") };
        assert_eq!(replies, vec![Reply::Join { member_id: b.clone(), result: Err(Error::FencedInstanceId) }]);
        let (_, replies) = group.join(request(&a, Some("i-a")), now);
        let answers = joined(&replies);
        assert_eq!(answers.keys().cloned().collect::<std::collections::BTreeSet<_>>(), [a.clone(), c, fresh].into());
        assert!(answers.values().all(|r| r.generation_id == 3));
    }

    #[test]
    fn completing_a_join_keeps_the_static_members_that_did_not_rejoin() {
        let t0 = Instant::now();
        let (mut group, a, b) = static_pair(t0);
        let (c, _, _) = join_new(&mut group, t0);
        group.join(request(&a, Some("i-a")), t0);
        // b (static) stays alive but does not rejoin; the join completes at the rebalance timeout without it.
        keep_alive(&mut group, t0, &b, "i-b", [9, 27]);
        let replies = group.tick(t0 + secs(30));
        let answers = joined(&replies);
        assert_eq!(answers.len(), 2, "a and c are answered");
        assert_eq!(answers[&a].generation_id, 3);
        assert_eq!(answers[&a].leader, a);
        let listed: Vec<&str> = answers[&a].members.iter().map(|m| m.member_id.as_str()).collect();
        assert!(listed.contains(&b.as_str()), "the leader assigns to b too: {listed:?}");
        assert_eq!(group.member_count(), 3);
        assert_eq!(group.state(), GroupState::CompletingRebalance);
        // b comes back: its old generation is illegal, its rejoin gets generation 3 at once.
        assert_eq!(group.heartbeat(2, &b, Some("i-b"), t0 + secs(31)), Err(Error::IllegalGeneration));
        let (answer, _) = group.join(request(&b, Some("i-b")), t0 + secs(31));
        let Answer::Now(Ok(result)) = answer else { panic!("{answer:?}") };
        assert_eq!((result.generation_id, result.leader.as_str()), (3, a.as_str()));
        assert_eq!(group.sync(static_sync(&b, "i-b", 3), t0 + secs(31)).0, Answer::Later { member_id: b.clone() });
        let assignments: &[(&str, &'static [u8])] = &[(&a, b"a"), (&b, b"b"), (&c, b"c")];
        let (_, replies) = group.sync(sync_request(&a, 3, assignments), t0 + secs(31));
        assert!(replies.iter().any(|r| matches!(r, Reply::Sync { member_id, result: Ok(s) }
            if *member_id == b && s.assignment == Bytes::from_static(b"b"))));
        assert_eq!(group.state(), GroupState::Stable);
    }

    #[test]
    fn a_static_member_that_did_not_rejoin_goes_when_its_session_times_out() {
        let t0 = Instant::now();
        let (mut group, a, b) = static_pair(t0);
        let (c, _, _) = join_new(&mut group, t0);
        group.join(request(&a, Some("i-a")), t0);
        keep_alive(&mut group, t0, &b, "i-b", [9, 27]);
        group.tick(t0 + secs(30));
        group.sync(sync_request(&c, 3, &[]), t0 + secs(30));
        group.sync(sync_request(&a, 3, &[]), t0 + secs(30));
        assert_eq!(group.state(), GroupState::Stable);
        for at in [38, 46] {
            assert_eq!(group.heartbeat(3, &a, None, t0 + secs(at)), Ok(()));
            assert_eq!(group.heartbeat(3, &c, None, t0 + secs(at)), Ok(()));
        }
        assert!(group.tick(t0 + secs(40)).is_empty());
        assert_eq!(group.member_count(), 3, "b's session (10 s from the join's end) still runs");
        group.tick(t0 + secs(41));
        assert_eq!(group.member_count(), 2);
        assert_eq!(group.state(), GroupState::PreparingRebalance);
        assert_eq!(group.heartbeat(3, &b, Some("i-b"), t0 + secs(41)), Err(Error::UnknownMemberId));
    }

    #[test]
    fn a_static_leader_that_did_not_rejoin_hands_the_leadership_to_a_member_that_did() {
        let t0 = Instant::now();
        let (mut group, a, b) = static_pair(t0);
        let (c, _, _) = join_new(&mut group, t0);
        group.join(request(&b, Some("i-b")), t0);
        keep_alive(&mut group, t0, &a, "i-a", [9, 27]);
        let replies = group.tick(t0 + secs(30));
        let answers = joined(&replies);
        assert_eq!(answers.len(), 2);
        let leader = &answers[&b].leader;
        assert!(*leader == b || *leader == c, "{leader} is one of the members that rejoined");
        assert_ne!(*leader, a);
        assert_eq!(answers[leader].members.len(), 3, "a stays in the group");
    }

    #[test]
    fn when_no_member_rejoins_the_join_waits_another_rebalance_timeout_for_the_static_ones() {
        let t0 = Instant::now();
        let (mut group, a, b) = static_pair(t0);
        // A newcomer starts a rebalance, then leaves before anyone rejoined.
        let (c, _, _) = join_new(&mut group, t0);
        group.leave(&[LeavingMember { member_id: c, instance_id: None }], t0);
        assert_eq!(group.state(), GroupState::PreparingRebalance);
        keep_alive(&mut group, t0, &a, "i-a", [9, 27]);
        keep_alive(&mut group, t0, &b, "i-b", [9, 27]);
        assert!(group.tick(t0 + secs(30)).is_empty());
        assert_eq!(group.state(), GroupState::PreparingRebalance, "no generation without a member");
        assert_eq!(group.member_count(), 2);
        assert_eq!(group.join(request(&a, Some("i-a")), t0 + secs(31)).0, Answer::Later { member_id: a.clone() });
        keep_alive(&mut group, t0, &b, "i-b", [36, 54]);
        let answers = joined(&group.tick(t0 + secs(60)));
        assert_eq!(answers[&a].generation_id, 3);
        assert_eq!(answers[&a].members.len(), 2);
    }

    #[test]
    fn a_static_member_leaves_by_instance_id_alone() {
        let now = Instant::now();
        let (mut group, _, _) = static_pair(now);
        let leaving = LeavingMember { member_id: String::new(), instance_id: Some("i-b".into()) };
        assert_eq!(group.leave(std::slice::from_ref(&leaving), now).0, vec![Ok(())]);
        assert_eq!(group.leave(&[leaving], now).0, vec![Err(Error::UnknownMemberId)]);
        assert_eq!(group.member_count(), 1);
    }

    #[test]
    fn commits_need_the_current_generation_except_into_a_group_nobody_joined() {
        let now = Instant::now();
        let mut empty = ClassicGroup::new();
        assert_eq!(empty.check_commit(-1, "", None, now), Ok(()));
        assert_eq!(empty.check_commit(1, "m", None, now), Err(Error::UnknownMemberId));
        let mut group = ClassicGroup::new();
        let (a, _, _) = join_new(&mut group, now);
        assert_eq!(group.check_commit(1, &a, None, now), Err(Error::RebalanceInProgress), "CompletingRebalance");
        group.sync(sync_request(&a, 1, &[]), now);
        assert_eq!(group.check_commit(1, &a, None, now), Ok(()));
        assert_eq!(group.check_commit(0, &a, None, now), Err(Error::IllegalGeneration));
        assert_eq!(group.check_commit(-1, "", None, now), Err(Error::UnknownMemberId));
    }

    #[test]
    fn the_topics_a_consumer_group_subscribes_to_are_what_offset_delete_refuses() {
        let now = Instant::now();
        let (group, _, _) = stable_pair(now);
        assert_eq!(group.subscribed_topics(), vec!["events".to_string(), "events".to_string()]);
        // Not a consumer group: the metadata means nothing to the broker.
        let mut other = ClassicGroup::new();
        let mut connect = request("", None);
        connect.protocol_type = "connect".into();
        connect.require_known_member_id = false;
        other.join(connect, now);
        assert!(other.subscribed_topics().is_empty());
        assert!(ClassicGroup::new().subscribed_topics().is_empty());
    }

    #[test]
    fn protocol_selection_is_the_most_first_choices_among_the_common_ones() {
        let now = Instant::now();
        let mut group = ClassicGroup::new();
        let offer = |names: &[&str]| {
            let mut r = request("", None);
            r.require_known_member_id = false;
            r.protocols = names.iter().map(|n| Protocol { name: n.to_string(), metadata: Bytes::new() }).collect();
            r
        };
        let (first, _) = group.join(offer(&["range", "roundrobin", "sticky"]), now);
        let Answer::Later { member_id: a } = first else { panic!("{first:?}") };
        group.sync(sync_request(&a, 1, &[]), now);
        group.join(offer(&["roundrobin", "sticky"]), now);
        // c's first choice is one b lacks: its vote goes to its first common one.
        group.join(offer(&["range", "roundrobin", "sticky"]), now);
        let (_, replies) = group.join(JoinRequest { member_id: a.clone(), ..offer(&["sticky", "roundrobin"]) }, now);
        // Votes among {roundrobin, sticky}: a sticky, b roundrobin, c roundrobin.
        assert_eq!(joined(&replies)[&a].protocol_name.as_deref(), Some("roundrobin"));
        assert_eq!(joined(&replies).len(), 3);
    }

    /// A group of `a` alone, Stable at generation 1.
    fn stable_one(now: Instant) -> (ClassicGroup, String) {
        let mut group = ClassicGroup::new();
        let (a, _, _) = join_new(&mut group, now);
        group.sync(sync_request(&a, 1, &[(&a, b"a")]), now);
        assert_eq!(group.state(), GroupState::Stable);
        (group, a)
    }

    /// The member id a join without one is handed (MEMBER_ID_REQUIRED).
    fn handed_id(group: &mut ClassicGroup, now: Instant) -> String {
        let (answer, _) = group.join(request("", None), now);
        let Answer::Now(Err(Error::MemberIdRequired(id))) = answer else { panic!("{answer:?}") };
        id
    }

    #[test]
    fn a_rebalance_waits_for_the_members_sent_member_id_required() {
        let t0 = Instant::now();
        let (mut group, a) = stable_one(t0);
        let b = handed_id(&mut group, t0);
        let c = handed_id(&mut group, t0);
        assert_eq!(group.state(), GroupState::Stable, "handing out ids starts no rebalance");
        assert_eq!(group.join(request(&b, None), t0).0, Answer::Later { member_id: b.clone() });
        let (_, replies) = group.join(request(&a, None), t0);
        assert!(replies.is_empty(), "c holds the join up: {replies:?}");
        assert!(group.tick(t0 + secs(2)).is_empty());
        let (_, replies) = group.join(request(&c, None), t0 + secs(2));
        let answers = joined(&replies);
        assert_eq!(answers.len(), 3);
        assert!(answers.values().all(|r| r.generation_id == 2));
        assert_eq!(answers[&a].members.len(), 3);
    }

    #[test]
    fn a_member_sent_member_id_required_that_never_rejoins_holds_the_join_until_its_id_lapses() {
        let t0 = Instant::now();
        let (mut group, a) = stable_one(t0);
        let b = handed_id(&mut group, t0);
        handed_id(&mut group, t0);
        group.join(request(&b, None), t0);
        group.join(request(&a, None), t0);
        assert!(group.tick(t0 + Duration::from_millis(9900)).is_empty(), "the id lapses after its session timeout");
        let answers = joined(&group.tick(t0 + secs(10)));
        assert_eq!(answers.keys().cloned().collect::<HashSet<_>>(), HashSet::from([a.clone(), b.clone()]));
        assert_eq!(answers[&a].generation_id, 2);
    }

    #[test]
    fn a_new_groups_first_join_does_not_wait_for_members_sent_member_id_required() {
        let now = Instant::now();
        let mut group = ClassicGroup::new();
        let a = handed_id(&mut group, now);
        handed_id(&mut group, now);
        let (_, replies) = group.join(request(&a, None), now);
        assert_eq!(joined(&replies)[&a].generation_id, 1, "as Kafka: the initial join ends with its delay");
    }

    #[test]
    fn a_member_id_handed_out_may_leave_and_a_stable_group_then_rebalances() {
        let now = Instant::now();
        let (mut group, a) = stable_one(now);
        let b = handed_id(&mut group, now);
        let leaving = LeavingMember { member_id: b.clone(), instance_id: None };
        assert_eq!(group.leave(std::slice::from_ref(&leaving), now).0, vec![Ok(())]);
        assert_eq!(group.state(), GroupState::PreparingRebalance);
        assert_eq!(group.leave(&[leaving], now).0, vec![Err(Error::UnknownMemberId)]);
        assert_eq!(joined(&group.join(request(&a, None), now).1)[&a].generation_id, 2);
    }

    fn delayed(delay: u64) -> ClassicGroup {
        ClassicGroup::with_initial_rebalance_delay(secs(delay))
    }

    #[test]
    fn the_initial_delay_holds_the_first_join_and_one_more_delay_follows_a_member_joining() {
        let t0 = Instant::now();
        let mut group = delayed(3);
        let a = handed_id(&mut group, t0);
        assert!(group.join(request(&a, None), t0).1.is_empty());
        let b = handed_id(&mut group, t0 + secs(1));
        assert!(group.join(request(&b, None), t0 + secs(1)).1.is_empty());
        assert!(group.tick(t0 + Duration::from_millis(2900)).is_empty());
        assert!(group.tick(t0 + secs(3)).is_empty(), "b joined in the first delay: a second one");
        assert!(group.tick(t0 + Duration::from_millis(5900)).is_empty());
        let answers = joined(&group.tick(t0 + secs(6)));
        assert_eq!(answers.len(), 2);
        assert!(answers.values().all(|r| r.generation_id == 1));
        assert_eq!(answers[&answers[&a].leader].members.len(), 2);
    }

    #[test]
    fn without_new_members_the_initial_delay_ends_after_one_delay() {
        let t0 = Instant::now();
        let mut group = delayed(3);
        let a = handed_id(&mut group, t0);
        group.join(request(&a, None), t0);
        // A rejoin of a known member is no new member.
        group.join(request(&a, None), t0 + secs(1));
        assert_eq!(joined(&group.tick(t0 + secs(3)))[&a].generation_id, 1);
    }

    #[test]
    fn the_initial_delay_ends_by_the_rebalance_timeout_however_many_members_join() {
        let t0 = Instant::now();
        let mut group = delayed(3);
        let rebalance_in_7s = |id: &str| JoinRequest { rebalance_timeout_ms: 7_000, ..request(id, None) };
        let mut at = t0;
        let mut replies = Vec::new();
        // A member joins every second; Kafka's delays: 3 s, 3 s, then what is left (1 s).
        for n in 0..8 {
            at = t0 + secs(n);
            replies.extend(group.tick(at));
            if !replies.is_empty() {
                break;
            }
            let id = handed_id(&mut group, at);
            group.join(rebalance_in_7s(&id), at);
        }
        assert_eq!(at, t0 + secs(7), "completed at the rebalance timeout");
        assert_eq!(joined(&replies).len(), 7);
    }

    #[test]
    fn a_later_rebalance_out_of_empty_waits_the_initial_delay_again() {
        let t0 = Instant::now();
        let mut group = delayed(3);
        let a = handed_id(&mut group, t0);
        group.join(request(&a, None), t0);
        group.tick(t0 + secs(3));
        group.leave(&[LeavingMember { member_id: a.clone(), instance_id: None }], t0 + secs(4));
        assert_eq!(group.state(), GroupState::Empty);
        let b = handed_id(&mut group, t0 + secs(5));
        assert!(group.join(request(&b, None), t0 + secs(5)).1.is_empty());
        assert_eq!(joined(&group.tick(t0 + secs(8)))[&b].generation_id, 3);
    }

    #[test]
    fn a_follower_that_never_syncs_is_dropped_after_the_rebalance_timeout_though_it_heartbeats() {
        let t0 = Instant::now();
        let mut group = ClassicGroup::new();
        let (a, _, _) = join_new(&mut group, t0);
        group.sync(sync_request(&a, 1, &[]), t0);
        let (b, _, _) = join_new(&mut group, t0);
        group.join(request(&a, None), t0);
        let assignments: &[(&str, &'static [u8])] = &[(&a, b"a"), (&b, b"b")];
        group.sync(sync_request(&a, 2, assignments), t0);
        assert_eq!(group.state(), GroupState::Stable);
        for at in [5, 10, 15, 20, 25, 29] {
            assert_eq!(group.heartbeat(2, &a, None, t0 + secs(at)), Ok(()));
            assert_eq!(group.heartbeat(2, &b, None, t0 + secs(at)), Ok(()));
            assert!(group.tick(t0 + secs(at)).is_empty());
        }
        group.tick(t0 + secs(30));
        assert_eq!(group.member_count(), 1);
        assert_eq!(group.heartbeat(2, &b, None, t0 + secs(30)), Err(Error::UnknownMemberId));
        assert_eq!(group.heartbeat(2, &a, None, t0 + secs(30)), Err(Error::RebalanceInProgress));
    }

    #[test]
    fn a_sync_in_time_keeps_the_member() {
        let t0 = Instant::now();
        let (mut group, a, b) = stable_pair(t0);
        for at in [5, 10, 15, 20, 25, 30] {
            assert_eq!(group.heartbeat(2, &a, None, t0 + secs(at)), Ok(()));
            assert_eq!(group.heartbeat(2, &b, None, t0 + secs(at)), Ok(()));
        }
        assert!(group.tick(t0 + secs(31)).is_empty());
        assert_eq!(group.member_count(), 2);
        assert_eq!(group.heartbeat(2, &a, None, t0 + secs(31)), Ok(()));
        assert_eq!(group.heartbeat(2, &b, None, t0 + secs(31)), Ok(()));
    }

    #[test]
    fn after_the_sync_timeout_the_members_left_have_a_full_rebalance_timeout_to_rejoin() {
        let t0 = Instant::now();
        let mut group = ClassicGroup::new();
        let (a, _, _) = join_new(&mut group, t0);
        group.sync(sync_request(&a, 1, &[]), t0);
        let (b, _, _) = join_new(&mut group, t0);
        group.join(request(&a, None), t0);
        group.sync(sync_request(&b, 2, &[]), t0);
        // The leader a never syncs: b's SyncGroup is answered at the timeout.
        let replies = group.tick(t0 + secs(30));
        assert_eq!(replies, vec![Reply::Sync { member_id: b.clone(), result: Err(Error::RebalanceInProgress) }]);
        for at in [31, 38, 45, 52, 59] {
            assert!(group.tick(t0 + secs(at)).is_empty());
            assert_eq!(group.member_count(), 1, "b is still a member at {at} s");
            assert_eq!(group.heartbeat(2, &b, None, t0 + secs(at)), Err(Error::RebalanceInProgress));
        }
        let (_, replies) = group.join(request(&b, None), t0 + secs(59));
        assert_eq!(joined(&replies)[&b].generation_id, 3);
    }

    #[test]
    fn offset_commit_while_completing_a_rebalance_checks_the_member_and_generation_first() {
        let now = Instant::now();
        let (mut group, a) = stable_one(now);
        let (b, _, _) = join_new(&mut group, now);
        group.join(request(&a, None), now);
        assert_eq!(group.state(), GroupState::CompletingRebalance);
        assert_eq!(group.check_commit(1, &a, None, now), Err(Error::IllegalGeneration));
        assert_eq!(group.check_commit(2, "nobody", None, now), Err(Error::UnknownMemberId));
        assert_eq!(group.check_commit(-1, "", None, now), Err(Error::UnknownMemberId));
        assert_eq!(group.check_commit(2, &b, None, now), Err(Error::RebalanceInProgress));
    }

    #[test]
    fn describe_shows_the_protocol_only_when_stable_and_the_last_assignments_meanwhile() {
        let now = Instant::now();
        let (mut group, a) = stable_one(now);
        let described = group.describe();
        assert_eq!((described.state, described.protocol.as_str()), (GroupState::Stable, "range"));
        join_new(&mut group, now);
        let described = group.describe();
        assert_eq!((described.state, described.protocol.as_str()), (GroupState::PreparingRebalance, ""));
        let of_a = described.members.iter().find(|m| m.member_id == a).unwrap();
        assert_eq!((of_a.metadata.as_ref(), of_a.assignment.as_ref()), (&b""[..], &b"a"[..]));
        group.join(request(&a, None), now);
        let described = group.describe();
        assert_eq!((described.state, described.protocol.as_str()), (GroupState::CompletingRebalance, ""));
    }
}
