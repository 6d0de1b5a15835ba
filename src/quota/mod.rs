//! Client quotas, Kafka's model: which quota applies to a request, and how far
//! over it the client is.
//!
//! A quota is set on an entity (`store`): a user, a client id, a user and a
//! client id, or the default of either level (`kafka-configs --entity-type
//! users|clients [--entity-default]`). For each quota type on its own, the
//! most specific entity that has that quota applies, in Kafka's order
//! (`ClientQuotaManager`):
//!
//! 1. user and client id, 2. user and default client id, 3. user,
//! 4. default user and client id, 5. default user and default client id,
//! 6. default user, 7. client id, 8. default client id,
//!
//! and then the broker-wide defaults the flags give (`--quota-producer-byte-rate`,
//! `--quota-consumer-byte-rate`), per client id, as Kafka's old
//! `quota.producer.default` was. Who shares a measure follows the level that
//! matched, as Kafka's metric tags do: at a user-only level (3, 6) every
//! client id of the user shares one rate, at a client-id-only level (7, 8, the
//! flags) every user of the client id does, otherwise each (user, client id)
//! pair has its own. A connection without SASL is the user `ANONYMOUS`, as in
//! Kafka.
//!
//! Byte rates and request percentage are measured with Kafka's sampled `Rate`
//! over `quota.window.num` windows of `quota.window.size.seconds`; controller
//! mutations with KIP-599's token bucket (`sensor`). This module measures and
//! answers with throttle times; the APIs apply them (`api`), the connection
//! mutes itself for them (`connection`).

pub mod connections;
pub mod sensor;
pub mod store;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use self::sensor::{Rate, TokenBucket};
pub use self::store::{Change, Entity, QuotaSet, Store, Values};

/// Kafka's principal name for a connection that did not authenticate.
pub const ANONYMOUS: &str = "ANONYMOUS";

/// Entity types as AlterClientQuotas and DescribeClientQuotas name them.
pub const USER: &str = "user";
pub const CLIENT_ID: &str = "client-id";
pub const IP: &str = "ip";

/// A sensor nobody recorded on for this long is dropped (Kafka's
/// `INACTIVE_SENSOR_EXPIRATION_TIME_SECONDS`).
const IDLE_SENSOR_MS: i64 = 3_600_000;

/// The quota types, each a quota key of Kafka's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `producer_byte_rate`: bytes of Produce requests per second.
    Produce,
    /// `consumer_byte_rate`: bytes of Fetch responses per second.
    Fetch,
    /// `request_percentage`: time spent handling the client's requests, in
    /// percent of one second per second (200 = two threads' worth).
    Request,
    /// `controller_mutation_rate`: partitions created or deleted per second
    /// (CreateTopics, CreatePartitions, DeleteTopics).
    ControllerMutation,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Produce, Kind::Fetch, Kind::Request, Kind::ControllerMutation];

    /// The quota key AlterClientQuotas sets.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Produce => "producer_byte_rate",
            Kind::Fetch => "consumer_byte_rate",
            Kind::Request => "request_percentage",
            Kind::ControllerMutation => "controller_mutation_rate",
        }
    }

    /// Kafka's name for the quota type (its quota metrics' group).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Produce => "Produce",
            Kind::Fetch => "Fetch",
            Kind::Request => "Request",
            Kind::ControllerMutation => "ControllerMutation",
        }
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// Who sent a request, as quotas see it.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// The SASL user, `ANONYMOUS` without SASL.
    pub user: &'a str,
    pub client_id: &'a str,
}

/// The quota settings of the broker's config.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// `quota.window.num`.
    pub samples: u32,
    /// `quota.window.size.seconds`, in milliseconds.
    pub window_ms: i64,
    /// `--quota-producer-byte-rate`; `None` = unlimited.
    pub producer_byte_rate: Option<f64>,
    /// `--quota-consumer-byte-rate`; `None` = unlimited.
    pub consumer_byte_rate: Option<f64>,
}

/// Whose measure a request counts against: the user and client id tags of
/// Kafka's quota metrics, empty where the matching level does not name one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub kind: Kind,
    pub user: String,
    pub client_id: String,
}

/// The quota that applies to a request and whose measure it counts against.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub key: Key,
    pub limit: f64,
}

enum Measure {
    Rate(Rate),
    Bucket(TokenBucket),
}

struct Sensor {
    measure: Measure,
    last_used_ms: i64,
}

/// The quotas in force and every client's measures.
pub struct Quotas {
    settings: Settings,
    store: Store,
    ip_names: Arc<connections::IpNames>,
    /// Short critical sections only (arithmetic on one sensor), never I/O.
    sensors: Mutex<HashMap<Key, Sensor>>,
}

impl Quotas {
    /// Opens the quota store in `data_dir` (see `store`) and resolves the host
    /// names its ip entities hold (waiting for them a few seconds at most).
    pub fn open(data_dir: &Path, settings: Settings) -> Result<Quotas, store::Error> {
        let store = Store::open(data_dir)?;
        let ip_names = connections::IpNames::resolve_all(&store.get());
        Ok(Quotas { settings, store, ip_names, sensors: Mutex::new(HashMap::new()) })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The quotas AlterClientQuotas set; change them through it too.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where the ip entities named by host point; AlterClientQuotas adds to it.
    pub fn ip_names(&self) -> &connections::IpNames {
        &self.ip_names
    }

    /// The quota of `kind` that applies to `client`, if any (see the module doc).
    pub fn applied(&self, kind: Kind, client: Client<'_>) -> Option<Applied> {
        applied(&self.store.get(), &self.settings, kind, client)
    }

    /// Records `value` (bytes, or percent for `Kind::Request`) against
    /// `client`'s measure at `now_ms`, and returns how long the client must
    /// wait, in milliseconds, for its rate to come back within the quota: 0
    /// when it is within it or has none. A request-percentage throttle is at
    /// most one window, as Kafka caps it.
    pub fn record(&self, kind: Kind, client: Client<'_>, value: f64, now_ms: i64) -> u64 {
        self.record_keyed(kind, client, value, now_ms).0
    }

    /// `record`, and the measure it recorded on (`None` without a quota): what
    /// `unrecord` takes the value back from, whatever the quotas are by then.
    pub fn record_keyed(&self, kind: Kind, client: Client<'_>, value: f64, now_ms: i64) -> (u64, Option<Key>) {
        let Some(applied) = self.applied(kind, client) else { return (0, None) };
        let Settings { samples, window_ms, .. } = self.settings;
        let throttle = self.with_sensor(
            applied.key.clone(),
            now_ms,
            |measure| {
                let Measure::Rate(rate) = measure else { return 0 };
                rate.record(value, now_ms);
                let measured = rate.measure(now_ms);
                let throttle = sensor::throttle_ms(measured, applied.limit, rate.window_size(now_ms));
                match kind {
                    Kind::Request => throttle.min(window_ms as u64),
                    _ => throttle,
                }
            },
            || Measure::Rate(Rate::new(samples, window_ms)),
        );
        (throttle, Some(applied.key))
    }

    /// Takes back `value` that `record_keyed` recorded on `key`, for a request
    /// that was throttled instead of served (Kafka "unrecords" the bytes of a
    /// Fetch it answers empty). The measure is the one recorded on even if the
    /// quota that applies has changed since; gone (expired), nothing to undo.
    pub fn unrecord(&self, key: &Key, value: f64, now_ms: i64) {
        if let Some(sensor) = self.lock().get_mut(key) {
            sensor.last_used_ms = now_ms;
            if let Measure::Rate(rate) = &mut sensor.measure {
                rate.record(-value, now_ms);
            }
        }
    }

    /// The most `client` could record of `kind` in one go without being
    /// throttled for certain (Kafka's `maxValueInQuotaWindow`): what bounds a
    /// Fetch response's size under a consumer quota. `None` without a quota.
    pub fn max_value_in_window(&self, kind: Kind, client: Client<'_>) -> Option<f64> {
        let applied = self.applied(kind, client)?;
        let Settings { samples, window_ms, .. } = self.settings;
        Some(applied.limit * f64::from(samples.saturating_sub(1)) * (window_ms as f64 / 1000.0))
    }

    /// KIP-599's strict mode for one topic: refuses the mutation with
    /// `Err(throttle_ms)` when `client`'s controller mutation quota is used
    /// up, else takes its `permits`, both under one lock, as Kafka's
    /// `StrictControllerMutationQuota.record` does, so that concurrent
    /// requests cannot all pass the check on the same permits. A granted
    /// mutation may overdraw the bucket; the next one is refused.
    pub fn take_strict(&self, client: Client<'_>, permits: f64, now_ms: i64) -> Result<(), u64> {
        let Some(applied) = self.applied(Kind::ControllerMutation, client) else { return Ok(()) };
        let Settings { samples, window_ms, .. } = self.settings;
        let limit = applied.limit;
        self.with_sensor(
            applied.key,
            now_ms,
            |measure| match measure {
                Measure::Bucket(bucket) => {
                    let tokens = bucket.tokens(limit, samples, window_ms, now_ms);
                    match sensor::bucket_throttle_ms(tokens, limit) {
                        0 => {
                            bucket.take(permits, limit, samples, window_ms, now_ms);
                            Ok(())
                        }
                        throttle => Err(throttle),
                    }
                }
                Measure::Rate(_) => Ok(()),
            },
            || Measure::Bucket(TokenBucket::new(limit, samples, window_ms, now_ms)),
        )
    }

    /// Takes `permits` (partitions) from `client`'s controller mutation quota
    /// and returns the throttle time that leaves it with (0 within it).
    pub fn record_mutation(&self, client: Client<'_>, permits: f64, now_ms: i64) -> u64 {
        let Some(applied) = self.applied(Kind::ControllerMutation, client) else { return 0 };
        let Settings { samples, window_ms, .. } = self.settings;
        let limit = applied.limit;
        self.with_sensor(
            applied.key,
            now_ms,
            |measure| match measure {
                Measure::Bucket(bucket) => {
                    bucket.take(permits, limit, samples, window_ms, now_ms);
                    sensor::bucket_throttle_ms(bucket.tokens(limit, samples, window_ms, now_ms), limit)
                }
                Measure::Rate(_) => 0,
            },
            || Measure::Bucket(TokenBucket::new(limit, samples, window_ms, now_ms)),
        )
    }

    /// Drops the measures nobody used for an hour, as Kafka expires its
    /// quota sensors; called from the broker's housekeeping.
    pub fn expire_idle(&self, now_ms: i64) {
        self.lock().retain(|_, sensor| now_ms - sensor.last_used_ms < IDLE_SENSOR_MS);
    }

    fn with_sensor<T>(
        &self,
        key: Key,
        now_ms: i64,
        work: impl FnOnce(&mut Measure) -> T,
        new: impl FnOnce() -> Measure,
    ) -> T {
        let mut sensors = self.lock();
        let sensor = sensors.entry(key).or_insert_with(|| Sensor { measure: new(), last_used_ms: now_ms });
        sensor.last_used_ms = now_ms;
        work(&mut sensor.measure)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Sensor>> {
        // A panic mid-update leaves at worst one sensor's arithmetic half done.
        self.sensors.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How one entity type figures in a level of Kafka's precedence.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Absent,
    Default,
    Named,
}

impl Part {
    fn add(self, entity: &mut Entity, kind: &str, name: &str) {
        match self {
            Part::Absent => {}
            Part::Default => {
                entity.insert(kind.to_owned(), None);
            }
            Part::Named => {
                entity.insert(kind.to_owned(), Some(name.to_owned()));
            }
        }
    }
}

/// Kafka's precedence over `set` (see the module doc), then the flags.
fn applied(set: &QuotaSet, settings: &Settings, kind: Kind, client: Client<'_>) -> Option<Applied> {
    let quota_key = kind.key();
    let flag = match kind {
        Kind::Produce => settings.producer_byte_rate,
        Kind::Fetch => settings.consumer_byte_rate,
        Kind::Request | Kind::ControllerMutation => None,
    };
    let (user, client_id) = (client.user, client.client_id);
    let make = |tag_user: &str, tag_client: &str, limit: f64| Applied {
        key: Key { kind, user: tag_user.to_owned(), client_id: tag_client.to_owned() },
        limit,
    };
    // Most entity sets hold no quota of this kind at all: skip the lookups.
    if set.values().any(|values| values.contains_key(quota_key)) {
        use Part::{Absent, Default, Named};
        const LEVELS: [(Part, Part); 8] = [
            (Named, Named),
            (Named, Default),
            (Named, Absent),
            (Default, Named),
            (Default, Default),
            (Default, Absent),
            (Absent, Named),
            (Absent, Default),
        ];
        for (user_part, client_part) in LEVELS {
            let mut entity = Entity::new();
            user_part.add(&mut entity, USER, user);
            client_part.add(&mut entity, CLIENT_ID, client_id);
            if let Some(limit) = set.get(&entity).and_then(|values| values.get(quota_key)) {
                // A user-only level is shared by the user's client ids, a
                // client-id-only level by the client id's users.
                let tag_user = if user_part == Absent { "" } else { user };
                let tag_client = if client_part == Absent { "" } else { client_id };
                return Some(make(tag_user, tag_client, *limit));
            }
        }
    }
    flag.map(|limit| make("", client_id, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: Settings =
        Settings { samples: 11, window_ms: 1000, producer_byte_rate: None, consumer_byte_rate: None };

    /// (entity as (type, name) pairs, quota key, value).
    type Entry<'a> = (&'a [(&'a str, Option<&'a str>)], &'a str, f64);

    fn set(entries: &[Entry<'_>]) -> QuotaSet {
        let mut set = QuotaSet::new();
        for (entity, key, value) in entries {
            let entity: Entity = entity.iter().map(|(k, n)| (k.to_string(), n.map(str::to_owned))).collect();
            set.entry(entity).or_default().insert(key.to_string(), *value);
        }
        set
    }

    fn who(user: &str, client_id: &str) -> Client<'static> {
        Client { user: Box::leak(user.into()), client_id: Box::leak(client_id.into()) }
    }

    #[test]
    fn the_most_specific_level_wins_and_decides_who_shares() {
        let set = set(&[
            (&[("client-id", None)], "producer_byte_rate", 8.0),
            (&[("client-id", Some("app"))], "producer_byte_rate", 7.0),
            (&[("user", None)], "producer_byte_rate", 6.0),
            (&[("user", Some("alice"))], "producer_byte_rate", 3.0),
            (&[("user", Some("alice")), ("client-id", Some("app"))], "producer_byte_rate", 1.0),
            (&[("user", Some("bob")), ("client-id", None)], "consumer_byte_rate", 2.0),
        ]);
        let at = |user, client| {
            applied(&set, &SETTINGS, Kind::Produce, who(user, client)).map(|a| (a.key.user, a.key.client_id, a.limit))
        };
        assert_eq!(at("alice", "app"), Some(("alice".into(), "app".into(), 1.0)));
        assert_eq!(at("alice", "other"), Some(("alice".into(), "".into(), 3.0)));
        assert_eq!(at("bob", "app"), Some(("bob".into(), "".into(), 6.0)));
        let consumer = applied(&set, &SETTINGS, Kind::Fetch, who("bob", "x")).unwrap();
        assert_eq!((consumer.key.user.as_str(), consumer.key.client_id.as_str(), consumer.limit), ("bob", "x", 2.0));
        assert_eq!(applied(&set, &SETTINGS, Kind::Fetch, who("carol", "x")), None);

        let clients_only = self::set(&[
            (&[("client-id", None)], "producer_byte_rate", 8.0),
            (&[("client-id", Some("app"))], "producer_byte_rate", 7.0),
        ]);
        let at = |client| {
            applied(&clients_only, &SETTINGS, Kind::Produce, who(ANONYMOUS, client)).map(|a| (a.key.user, a.limit))
        };
        assert_eq!(at("app"), Some(("".into(), 7.0)));
        assert_eq!(at("other"), Some(("".into(), 8.0)));
    }

    #[test]
    fn the_flags_apply_per_client_id_below_every_entity() {
        let settings = Settings { producer_byte_rate: Some(100.0), ..SETTINGS };
        let none = QuotaSet::new();
        let applied_to = applied(&none, &settings, Kind::Produce, who("u", "c")).unwrap();
        assert_eq!((applied_to.key.client_id.as_str(), applied_to.limit), ("c", 100.0));
        assert_eq!(applied(&none, &settings, Kind::Fetch, who("u", "c")), None);
        let set = set(&[(&[("client-id", None)], "producer_byte_rate", 5.0)]);
        assert_eq!(applied(&set, &settings, Kind::Produce, who("u", "c")).unwrap().limit, 5.0);
    }

    #[tokio::test]
    async fn a_client_over_its_byte_rate_is_throttled_by_the_excess() {
        let dir = tempfile::tempdir().unwrap();
        let quotas = Quotas::open(dir.path(), Settings { producer_byte_rate: Some(1000.0), ..SETTINGS }).unwrap();
        let client = who(ANONYMOUS, "c");
        // 10 s of quota in one go: exactly at the bound.
        assert_eq!(quotas.record(Kind::Produce, client, 10_000.0, 0), 0);
        // 5000 more: 15000 over 10 s is 1500/s, 50% over: half the 10 s window.
        assert_eq!(quotas.record(Kind::Produce, client, 5_000.0, 0), 5_000);
        // Another client id has its own measure.
        assert_eq!(quotas.record(Kind::Produce, who(ANONYMOUS, "d"), 10.0, 0), 0);
        assert_eq!(quotas.max_value_in_window(Kind::Produce, client), Some(10_000.0));
        assert_eq!(quotas.max_value_in_window(Kind::Fetch, client), None);
        // Taken back from the measure it was recorded on, even once another
        // quota (the user's, another measure) applies to the client.
        let (throttle, key) = quotas.record_keyed(Kind::Produce, client, 5_000.0, 0);
        assert_eq!(throttle, 10_000);
        let entity: Entity = [(USER.to_owned(), Some(ANONYMOUS.to_owned()))].into();
        quotas
            .store()
            .alter(vec![Change { entity, ops: vec![("producer_byte_rate".into(), Some(1000.0))] }])
            .await
            .unwrap();
        quotas.unrecord(&key.unwrap(), 5_000.0, 0);
        // The entity's own measure is fresh: 10 s of quota pass.
        assert_eq!(quotas.record(Kind::Produce, client, 10_000.0, 0), 0);
        let entity: Entity = [(USER.to_owned(), Some(ANONYMOUS.to_owned()))].into();
        quotas.store().alter(vec![Change { entity, ops: vec![("producer_byte_rate".into(), None)] }]).await.unwrap();
        // Back on the flag's measure, which holds 15000 again.
        assert_eq!(quotas.record(Kind::Produce, client, 0.0, 0), 5_000);
        quotas.expire_idle(IDLE_SENSOR_MS);
        assert_eq!(quotas.record(Kind::Produce, client, 1.0, IDLE_SENSOR_MS), 0);
    }

    /// Quotas with a `controller_mutation_rate` of 1 partition/s for client id `admin`.
    async fn admin_quotas(dir: &Path) -> Quotas {
        let quotas = Quotas::open(dir, SETTINGS).unwrap();
        let entity: Entity = [(CLIENT_ID.to_owned(), Some("admin".to_owned()))].into();
        quotas
            .store()
            .alter(vec![Change { entity, ops: vec![("controller_mutation_rate".into(), Some(1.0))] }])
            .await
            .unwrap();
        quotas
    }

    #[tokio::test]
    async fn a_permissive_mutation_is_taken_and_throttled_by_the_overdraft() {
        let dir = tempfile::tempdir().unwrap();
        let quotas = admin_quotas(dir.path()).await;
        let admin = who(ANONYMOUS, "admin");
        // A burst of 11 permits; taking 15 leaves -4: 4 s to refill.
        assert_eq!(quotas.record_mutation(admin, 15.0, 0), 4000);
        assert_eq!(quotas.record_mutation(admin, 0.0, 1000), 3000);
        assert_eq!(quotas.record_mutation(admin, 0.0, 4000), 0);
        assert_eq!(quotas.record_mutation(who(ANONYMOUS, "other"), 100.0, 0), 0);
    }

    #[tokio::test]
    async fn a_strict_mutation_is_checked_and_taken_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let quotas = admin_quotas(dir.path()).await;
        let admin = who(ANONYMOUS, "admin");
        // 11 permits: the first take overdraws to -4, the second is refused
        // (and takes nothing: 4 s to refill, not more).
        assert_eq!(quotas.take_strict(admin, 15.0, 0), Ok(()));
        assert_eq!(quotas.take_strict(admin, 1.0, 0), Err(4000));
        assert_eq!(quotas.take_strict(admin, 1.0, 1000), Err(3000));
        assert_eq!(quotas.take_strict(admin, 1.0, 4000), Ok(()));
        assert_eq!(quotas.take_strict(admin, 1.0, 4000), Err(1000));
        // Without a quota nothing is refused.
        assert_eq!(quotas.take_strict(who(ANONYMOUS, "other"), 100.0, 0), Ok(()));

        // Many threads at once on a full bucket of 11: each take is 12 and
        // overdraws it, so exactly one passes the check; with a check and a
        // take apart, more could.
        let quotas = std::sync::Arc::new(quotas);
        for round in 0..20i64 {
            let now = 1_000_000 * (round + 1);
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let granted: usize = (0..8)
                .map(|_| {
                    let (quotas, barrier) = (quotas.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        quotas.take_strict(who(ANONYMOUS, "admin"), 12.0, now).is_ok() as usize
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .sum();
            assert_eq!(granted, 1, "round {round}");
        }
    }
}
