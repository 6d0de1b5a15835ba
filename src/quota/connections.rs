//! Connection limits at accept, Kafka's `ConnectionQuotas` (kafka.network):
//! how many connections one IP address may hold and how fast new ones may come.
//!
//! For each connection the listener accepts, in Kafka's order:
//!
//! 1. `max_connection_creation_rate` (`max.connection.creation.rate`, KIP-612):
//!    the connection counts against the listener's creation rate, and when
//!    that rate is over the limit the listener waits the throttle time before
//!    it takes this connection or any other: excess connections are delayed,
//!    never refused. The wait is at most one quota window, as in Kafka.
//! 2. The IP's `connection_creation_rate` quota (KIP-612, `kafka-configs
//!    --entity-type ips`, the default ip entity too): a connection over it is
//!    taken back from both rates and closed once its throttle time has passed,
//!    unserved; the client sees the close only then, so it cannot retry in a
//!    tight loop.
//! 3. `max_connections_per_ip` and its per-host overrides
//!    (`max.connections.per.ip(.overrides)`): a connection past the limit is
//!    closed at once. It still counted in both rates above, as in Kafka.
//!
//! The rates are Kafka's sampled `Rate` over `quota.window.num` windows of
//! `quota.window.size.seconds` (`sensor`), so the first burst through a rate
//! may be up to `(samples - 1) x window x rate` connections. An IP's rate is
//! dropped after an hour without connections, as Kafka expires its sensors.
//!
//! An ip entity may name a host instead of an address. As Kafka does, the name
//! is resolved once, when the quota is applied (AlterClientQuotas, and the
//! start for the quotas already set), and the quota holds the address it
//! resolved to then (`IpNames`).
//!
//! Refusals are logged at most once a second per IP; the next line says how
//! many were left out meanwhile. `max.connections` (the listener waits for a
//! free slot, KIP-402) is the listener's own semaphore, in `server`. What
//! Kafka's broker also does and strand does not: per-listener limits (strand
//! has one listener).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use super::sensor::{self, Rate};
use super::{QuotaSet, IP};

/// The quota key of an ip entity.
pub const CONNECTION_CREATION_RATE: &str = "connection_creation_rate";

/// Kafka's "no limit" for every connection setting and quota here (Int.MAX_VALUE):
/// a `connection_creation_rate` quota set to it is no quota.
pub const UNLIMITED: u32 = i32::MAX as u32;

/// An IP's rate nobody connected from for this long is dropped (Kafka's
/// `InactiveSensorExpirationTimeSeconds`), and so is its log gate.
const IDLE_MS: i64 = 3_600_000;

/// At most one refusal line per IP in this time.
const LOG_EVERY_MS: i64 = 1000;

/// The limits the config sets.
#[derive(Debug, Clone)]
pub struct Limits {
    /// `max_connections_per_ip`.
    pub max_per_ip: u32,
    /// `max_connections_per_ip_overrides`, by resolved address.
    pub overrides: HashMap<IpAddr, u32>,
    /// `max_connection_creation_rate`; `None` = no limit.
    pub max_creation_rate: Option<u32>,
    /// `quota.window.num`.
    pub samples: u32,
    /// `quota.window.size.seconds`, in milliseconds.
    pub window_ms: i64,
}

/// Why a connection was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The IP already holds `max` connections: closed at once.
    TooMany { max: u32 },
    /// Over the IP's `connection_creation_rate`: closed after `delay_ms`.
    Throttled { delay_ms: u64 },
}

impl Refusal {
    /// The metric's reason label: the setting or quota that refused.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::TooMany { .. } => "max_connections_per_ip",
            Refusal::Throttled { .. } => "connection_creation_rate",
        }
    }
}

/// Connection counts and creation rates, shared by the listener and the
/// connections' slots.
pub struct ConnectionQuotas {
    limits: Limits,
    /// Short critical sections only (a count, a rate's arithmetic), never I/O.
    state: Mutex<State>,
}

struct State {
    counts: HashMap<IpAddr, u32>,
    /// The listener's rate; only kept with a `max_creation_rate`.
    listener_rate: Rate,
    ip_rates: HashMap<IpAddr, IpRate>,
    log_gates: HashMap<IpAddr, LogGate>,
}

struct IpRate {
    rate: Rate,
    last_ms: i64,
}

struct LogGate {
    last_ms: i64,
    suppressed: u64,
}

/// One admitted connection's place in its IP's count, given back on drop.
pub struct Slot {
    quotas: Arc<ConnectionQuotas>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.quotas.lock();
        if let Some(count) = state.counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                state.counts.remove(&self.ip);
            }
        }
    }
}

impl ConnectionQuotas {
    pub fn new(limits: Limits) -> Arc<ConnectionQuotas> {
        let listener_rate = Rate::new(limits.samples, limits.window_ms);
        let state =
            State { counts: HashMap::new(), listener_rate, ip_rates: HashMap::new(), log_gates: HashMap::new() };
        Arc::new(ConnectionQuotas { limits, state: Mutex::new(state) })
    }

    /// Records a new connection against the listener's creation rate at
    /// `now_ms` and returns how long the listener must wait before taking it
    /// (Kafka's `waitForConnectionSlot`): 0 within the rate, at most one window.
    pub fn accept_delay_ms(&self, now_ms: i64) -> u64 {
        let Some(limit) = self.limits.max_creation_rate else { return 0 };
        let mut state = self.lock();
        state.listener_rate.record(1.0, now_ms);
        self.throttle_ms(&mut state.listener_rate, f64::from(limit), now_ms)
    }

    /// Admits a connection from `ip` at `now_ms`, whose IP quota (from
    /// `ip_connection_rate`) is `ip_rate`, or says why not (Kafka's `inc`).
    pub fn admit(self: &Arc<Self>, ip: IpAddr, ip_rate: Option<u32>, now_ms: i64) -> Result<Slot, Refusal> {
        let ip = ip.to_canonical();
        let mut state = self.lock();
        if let Some(limit) = ip_rate.filter(|&rate| rate != UNLIMITED) {
            let (samples, window_ms) = (self.limits.samples, self.limits.window_ms);
            let entry = state
                .ip_rates
                .entry(ip)
                .or_insert_with(|| IpRate { rate: Rate::new(samples, window_ms), last_ms: now_ms });
            entry.last_ms = now_ms;
            entry.rate.record(1.0, now_ms);
            let delay_ms = self.throttle_ms(&mut entry.rate, f64::from(limit), now_ms);
            if delay_ms > 0 {
                // Not accepted after all: taken back from both rates, as Kafka does.
                entry.rate.record(-1.0, now_ms);
                if self.limits.max_creation_rate.is_some() {
                    state.listener_rate.record(-1.0, now_ms);
                }
                return Err(Refusal::Throttled { delay_ms });
            }
        }
        let max = self.limits.overrides.get(&ip).copied().unwrap_or(self.limits.max_per_ip);
        let count = state.counts.entry(ip).or_insert(0);
        if *count >= max {
            if *count == 0 {
                state.counts.remove(&ip);
            }
            return Err(Refusal::TooMany { max });
        }
        *count += 1;
        Ok(Slot { quotas: self.clone(), ip })
    }

    /// Connections `ip` holds now.
    pub fn count(&self, ip: IpAddr) -> u32 {
        self.lock().counts.get(&ip.to_canonical()).copied().unwrap_or(0)
    }

    /// Whether a refusal of `ip` at `now_ms` gets a log line: `Some(n)` with
    /// the `n` refusals left out since the last line, `None` to leave this one
    /// out (at most one line a second per IP).
    pub fn log_refusal(&self, ip: IpAddr, now_ms: i64) -> Option<u64> {
        let mut state = self.lock();
        let gate = state.log_gates.entry(ip.to_canonical()).or_insert(LogGate { last_ms: i64::MIN, suppressed: 0 });
        if gate.last_ms != i64::MIN && now_ms - gate.last_ms < LOG_EVERY_MS {
            gate.suppressed += 1;
            return None;
        }
        gate.last_ms = now_ms;
        Some(std::mem::take(&mut gate.suppressed))
    }

    /// Drops the IP rates and log gates unused for an hour.
    pub fn expire_idle(&self, now_ms: i64) {
        let mut state = self.lock();
        state.ip_rates.retain(|_, ip_rate| now_ms - ip_rate.last_ms < IDLE_MS);
        state.log_gates.retain(|_, gate| now_ms - gate.last_ms < IDLE_MS);
    }

    /// Kafka's `QuotaUtils.boundedThrottleTime`: the time for `rate` to come
    /// back to `limit`, at most one window.
    fn throttle_ms(&self, rate: &mut Rate, limit: f64, now_ms: i64) -> u64 {
        let measured = rate.measure(now_ms);
        sensor::throttle_ms(measured, limit, rate.window_size(now_ms)).min(self.limits.window_ms as u64)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic mid-update leaves at worst one count or rate half done.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The `connection_creation_rate` quota of `ip` in `set`: its own ip entity's,
/// else the default ip entity's, as whole connections per second (Kafka keeps
/// the quota as an int). `None` without one. An entity named by a host holds
/// the address `names` has for it.
pub fn ip_connection_rate(set: &QuotaSet, names: &IpNames, ip: IpAddr) -> Option<u32> {
    let ip = ip.to_canonical();
    let mut default = None;
    for (entity, values) in set {
        let Some(value) = values.get(CONNECTION_CREATION_RATE) else { continue };
        let (Some(name), 1) = (entity.get(IP), entity.len()) else { continue };
        // Kafka's double-to-int conversion: truncated, clamped to the int range.
        let rate = value.clamp(0.0, f64::from(UNLIMITED)) as u32;
        match name {
            Some(name) if parse_ip(name).or_else(|| names.get(name)) == Some(ip) => return Some(rate),
            Some(_) => {}
            None => default = Some(rate),
        }
    }
    default
}

/// An ip entity's name as an address, if it is one (IPv6 in brackets or not).
pub fn parse_ip(name: &str) -> Option<IpAddr> {
    let bare = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    bare.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// The address Java's `InetAddress.getByName` would give for `host` among the
/// ones the resolver found: the first IPv4 one (Java prefers IPv4), else the first.
pub fn preferred_address(addresses: impl IntoIterator<Item = IpAddr>) -> Option<IpAddr> {
    let addresses: Vec<IpAddr> = addresses.into_iter().map(|a| a.to_canonical()).collect();
    addresses.iter().find(|a| a.is_ipv4()).or(addresses.first()).copied()
}

/// `host` as an address: itself if it is one, else what the system resolver
/// gives for it (`preferred_address`). Blocks on the lookup.
pub fn resolve_host(host: &str) -> Result<IpAddr, String> {
    use std::net::ToSocketAddrs;
    if let Some(address) = parse_ip(host) {
        return Ok(address);
    }
    let found = (host, 0).to_socket_addrs().map_err(|e| format!("cannot resolve {host}: {e}"))?;
    preferred_address(found.map(|a| a.ip())).ok_or_else(|| format!("{host} resolves to no address"))
}

/// How long the start waits for the host names of ip quotas to resolve, all
/// together; a name resolved later applies from then on.
const RESOLVE_AT_START: Duration = Duration::from_secs(5);

/// The addresses the ip entities named by host resolved to when their quotas
/// were applied.
#[derive(Default)]
pub struct IpNames {
    resolved: RwLock<HashMap<String, IpAddr>>,
}

impl IpNames {
    /// Resolves the host names among `set`'s ip entities, as Kafka does for
    /// the quotas it replays at start. The lookups run on a thread of their
    /// own, one after another; the start waits for them at most
    /// `RESOLVE_AT_START`, so a resolver that does not answer delays it by
    /// that much and no more. A name that does not resolve leaves its quota
    /// unapplied, with a warning.
    pub fn resolve_all(set: &QuotaSet) -> Arc<IpNames> {
        let names = Arc::new(IpNames::default());
        let hosts: Vec<String> = set
            .keys()
            .filter_map(|entity| entity.get(IP).cloned().flatten())
            .filter(|name| parse_ip(name).is_none())
            .collect();
        if hosts.is_empty() {
            return names;
        }
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let filling = names.clone();
        let spawned = std::thread::Builder::new().name("ip-quota-hosts".into()).spawn(move || {
            for host in hosts {
                match resolve_host(&host) {
                    Ok(address) => filling.insert(host, address),
                    Err(reason) => tracing::warn!(host, %reason, "ip quota not applied: its host does not resolve"),
                }
            }
            let _ = done_tx.send(());
        });
        match spawned {
            Ok(_) => {
                if done_rx.recv_timeout(RESOLVE_AT_START).is_err() {
                    tracing::warn!(
                        "host names of ip quotas still resolving; each quota applies once its name resolves"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "ip quotas named by host not applied: no thread to resolve them"),
        }
        names
    }

    pub fn get(&self, name: &str) -> Option<IpAddr> {
        let resolved = self.resolved.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        resolved.get(name).copied()
    }

    pub fn insert(&self, name: String, address: IpAddr) {
        let mut resolved = self.resolved.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        resolved.insert(name, address.to_canonical());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::Entity;

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 7));

    fn limits(max_per_ip: u32, max_creation_rate: Option<u32>) -> Limits {
        Limits { max_per_ip, overrides: HashMap::new(), max_creation_rate, samples: 2, window_ms: 1000 }
    }

    #[test]
    fn past_the_per_ip_limit_a_connection_is_refused_until_one_closes() {
        let quotas = ConnectionQuotas::new(limits(2, None));
        let first = quotas.admit(LOCAL, None, 0).unwrap();
        let _second = quotas.admit(LOCAL, None, 0).unwrap();
        assert_eq!(quotas.admit(LOCAL, None, 0).err(), Some(Refusal::TooMany { max: 2 }));
        // Another address has its own count.
        let _other = quotas.admit(OTHER, None, 0).unwrap();
        assert_eq!(quotas.count(LOCAL), 2);
        drop(first);
        assert_eq!(quotas.count(LOCAL), 1);
        assert!(quotas.admit(LOCAL, None, 0).is_ok());
    }

    #[test]
    fn an_override_replaces_the_limit_for_its_address_only() {
        let mut limits = limits(1, None);
        limits.overrides.insert(LOCAL, 3);
        limits.overrides.insert(OTHER, 0);
        let quotas = ConnectionQuotas::new(limits);
        let held: Vec<Slot> = (0..3).map(|_| quotas.admit(LOCAL, None, 0).unwrap()).collect();
        assert_eq!(quotas.admit(LOCAL, None, 0).err(), Some(Refusal::TooMany { max: 3 }));
        assert_eq!(quotas.admit(OTHER, None, 0).err(), Some(Refusal::TooMany { max: 0 }));
        assert_eq!(quotas.count(OTHER), 0);
        // An IPv4 client seen through an IPv6 socket is the same address.
        let mapped = IpAddr::V6(std::net::Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        assert_eq!(quotas.admit(mapped, None, 0).err(), Some(Refusal::TooMany { max: 3 }));
        drop(held);
    }

    #[test]
    fn the_creation_rate_delays_past_its_first_burst_by_at_most_a_window() {
        // 5/s over 2 windows of 1 s: the rate is taken over at least 1 s, so 5
        // connections at once pass, the 6th waits (6 - 5) / 5 of a second.
        let quotas = ConnectionQuotas::new(limits(UNLIMITED, Some(5)));
        let delays: Vec<u64> = (0..6).map(|_| quotas.accept_delay_ms(0)).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 200]);
        // Far over the rate, the wait stays at one window.
        let delays: Vec<u64> = (0..20).map(|_| quotas.accept_delay_ms(0)).collect();
        assert_eq!(delays.last(), Some(&1000));
    }

    #[test]
    fn a_listener_that_waits_as_told_holds_the_creation_rate() {
        // The listener's clock advances by each wait, as the accept loop's does.
        let quotas = ConnectionQuotas::new(limits(UNLIMITED, Some(5)));
        let mut now = 0;
        for _ in 0..40 {
            now += quotas.accept_delay_ms(now) as i64;
        }
        // 40 connections at 5/s with a first burst of 5: at least 7 s.
        assert!(now >= 7000, "40 connections took {now} ms");
        // However long the listener takes between accepts besides (the
        // integration test's lower bound relies on this), never less.
        for seed in 1..200u64 {
            let quotas = ConnectionQuotas::new(limits(UNLIMITED, Some(5)));
            let (mut now, mut state) = (0, seed);
            for _ in 0..40 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                now += (state % 300) as i64;
                now += quotas.accept_delay_ms(now) as i64;
            }
            assert!(now >= 7000, "seed {seed}: 40 connections took {now} ms");
        }
    }

    #[test]
    fn a_connection_over_its_ip_rate_is_refused_and_taken_back() {
        let quotas = ConnectionQuotas::new(limits(UNLIMITED, Some(100)));
        let _a = quotas.admit(LOCAL, Some(2), 0).unwrap();
        let _b = quotas.admit(LOCAL, Some(2), 0).unwrap();
        // 3 over at least 1 s against 2/s: half a window.
        assert_eq!(quotas.admit(LOCAL, Some(2), 0).err(), Some(Refusal::Throttled { delay_ms: 500 }));
        // Taken back: the same again, not worse.
        assert_eq!(quotas.admit(LOCAL, Some(2), 0).err(), Some(Refusal::Throttled { delay_ms: 500 }));
        // Int.MAX_VALUE is no quota, and other addresses are not affected.
        assert!(quotas.admit(LOCAL, Some(UNLIMITED), 0).is_ok());
        assert!(quotas.admit(OTHER, Some(2), 0).is_ok());
        // Once the rate has room again, it passes.
        assert!(quotas.admit(LOCAL, Some(2), 2500).is_ok());
    }

    #[test]
    fn refusal_lines_come_at_most_once_a_second_per_ip_and_count_the_rest() {
        let quotas = ConnectionQuotas::new(limits(1, None));
        assert_eq!(quotas.log_refusal(LOCAL, 0), Some(0));
        assert_eq!(quotas.log_refusal(LOCAL, 10), None);
        assert_eq!(quotas.log_refusal(LOCAL, 999), None);
        assert_eq!(quotas.log_refusal(OTHER, 500), Some(0));
        assert_eq!(quotas.log_refusal(LOCAL, 1000), Some(2));
        assert_eq!(quotas.log_refusal(LOCAL, 2500), Some(0));
    }

    #[test]
    fn the_ip_quota_is_the_address_own_else_the_default_ip_entity() {
        let entity = |name: Option<&str>| -> Entity { [(IP.to_owned(), name.map(str::to_owned))].into() };
        let values = |rate: f64| [(CONNECTION_CREATION_RATE.to_owned(), rate)].into();
        let names = IpNames::default();
        let mut set = QuotaSet::new();
        assert_eq!(ip_connection_rate(&set, &names, LOCAL), None);
        set.insert(entity(None), values(10.0));
        assert_eq!(ip_connection_rate(&set, &names, LOCAL), Some(10));
        set.insert(entity(Some("127.0.0.1")), values(3.7));
        assert_eq!(ip_connection_rate(&set, &names, LOCAL), Some(3));
        assert_eq!(ip_connection_rate(&set, &names, OTHER), Some(10));
        // A user's quotas are not an IP's.
        let user: Entity = [("user".to_owned(), None)].into();
        let mut only_user = QuotaSet::new();
        only_user.insert(user, values(1.0));
        assert_eq!(ip_connection_rate(&only_user, &names, LOCAL), None);
    }

    #[test]
    fn an_ip_entity_named_by_host_holds_the_address_it_resolved_to() {
        let entity: Entity = [(IP.to_owned(), Some("app.internal".to_owned()))].into();
        let set: QuotaSet = [(entity, [(CONNECTION_CREATION_RATE.to_owned(), 4.0)].into())].into();
        let names = IpNames::default();
        assert_eq!(ip_connection_rate(&set, &names, OTHER), None, "an unresolved name holds no address");
        names.insert("app.internal".into(), OTHER);
        assert_eq!(ip_connection_rate(&set, &names, OTHER), Some(4));
        assert_eq!(ip_connection_rate(&set, &names, LOCAL), None);
    }

    #[test]
    fn a_host_resolves_as_java_would_pick() {
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(preferred_address([v6, LOCAL]), Some(LOCAL));
        assert_eq!(preferred_address([v6]), Some(v6));
        assert_eq!(preferred_address([]), None);
        assert_eq!(resolve_host("[::1]"), Ok(v6));
        assert_eq!(resolve_host("localhost"), Ok(LOCAL));
        assert_eq!(parse_ip("::ffff:10.0.0.7"), Some(OTHER));
    }
}
