//! REST Proxy v2 consumer instances: the registry of instances by group and
//! name, with its limits and idle expiry.
//!
//! - `config`: what `POST /consumers/{group}` sets (format, `auto.offset.reset`
//!   with KIP-1106's `by_duration`, `auto.commit.enable`);
//! - `iso8601`: the durations and instants those settings and seeks are written in;
//! - `instance`: one instance's subscription or assignment, positions, commits;
//! - `member`: the classic group member task a subscription runs, so Kafka
//!   clients in the same group share partitions with the REST consumer;
//! - `range`: the consumer protocol's metadata and Kafka's RangeAssignor;
//! - `read`: records from the positions, long-polled.
//!
//! As in the REST Proxy, an instance lives on the broker that created it and
//! goes after `consumer.instance.timeout.ms` without a request
//! (`consumer_instance_timeout_ms`), committing (with auto-commit) and leaving
//! its group; at most `http_max_consumer_instances` exist at once (429 beyond).
//! Instances are not persisted: a broker restart ends them, as a REST Proxy
//! restart does, while the group's committed offsets stay.

pub mod config;
pub mod instance;
pub mod iso8601;
pub mod member;
pub mod range;
pub mod read;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use crate::broker::Broker;
use crate::http::RestError;

pub use config::{Format, InstanceConfig};
pub use instance::Instance;

/// Every consumer instance on this broker, by (group, name).
pub struct Consumers {
    instances: Mutex<HashMap<(String, String), Arc<Instance>>>,
    max_instances: usize,
    timeout: Duration,
}

impl Consumers {
    /// The registry for `broker`'s limits, with its expiry task running until
    /// the registry is dropped or the broker shuts down.
    pub fn start(broker: &Arc<Broker>) -> Arc<Self> {
        let consumers = Arc::new(Consumers {
            instances: Mutex::new(HashMap::new()),
            max_instances: usize::try_from(broker.config.http_max_consumer_instances).unwrap_or(usize::MAX),
            timeout: Duration::from_millis(broker.config.consumer_instance_timeout_ms),
        });
        if tokio::runtime::Handle::try_current().is_ok() {
            tokio::spawn(expire_loop(Arc::downgrade(&consumers), broker.clone()));
        }
        consumers
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(String, String), Arc<Instance>>> {
        self.instances.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new instance in `group`: 409 (40902) when the name is taken, 429 at
    /// the instance limit.
    pub fn create(&self, group: &str, config: InstanceConfig) -> Result<Arc<Instance>, RestError> {
        let name = config.name.clone().unwrap_or_else(|| format!("rest-consumer-{}", uuid::Uuid::new_v4()));
        let mut instances = self.lock();
        let key = (group.to_owned(), name.clone());
        if instances.contains_key(&key) {
            return Err(RestError::ConsumerAlreadyExists);
        }
        if instances.len() >= self.max_instances {
            return Err(RestError::TooManyRequests(format!(
                "This broker already has {} consumer instances (http_max_consumer_instances); delete some or wait for idle ones to expire",
                instances.len()
            )));
        }
        let instance = Arc::new(Instance::new(group.to_owned(), name, config));
        instances.insert(key, instance.clone());
        Ok(instance)
    }

    /// The instance, marked used; 404 (40403) when there is none.
    pub fn get(&self, group: &str, name: &str) -> Result<Arc<Instance>, RestError> {
        let instance = self
            .lock()
            .get(&(group.to_owned(), name.to_owned()))
            .cloned()
            .ok_or(RestError::ConsumerInstanceNotFound)?;
        instance.touch();
        Ok(instance)
    }

    /// Removes the instance (the caller closes it); 404 (40403) when there is none.
    pub fn remove(&self, group: &str, name: &str) -> Result<Arc<Instance>, RestError> {
        self.lock().remove(&(group.to_owned(), name.to_owned())).ok_or(RestError::ConsumerInstanceNotFound)
    }

    /// Removes the instances idle for `timeout` as of `now`; returns them for closing.
    fn take_expired(&self, now: Instant) -> Vec<Arc<Instance>> {
        let mut instances = self.lock();
        let expired: Vec<(String, String)> =
            instances.iter().filter(|(_, i)| i.idle_for(now) >= self.timeout).map(|(k, _)| k.clone()).collect();
        expired.iter().filter_map(|key| instances.remove(key)).collect()
    }
}

/// How often idle instances are looked for: a tenth of the timeout, between
/// 100 ms and 5 s, so an instance goes at most that late.
fn expiry_interval(timeout: Duration) -> Duration {
    (timeout / 10).clamp(Duration::from_millis(100), Duration::from_secs(5))
}

async fn expire_loop(consumers: Weak<Consumers>, broker: Arc<Broker>) {
    let mut shutdown = broker.shutdown.clone();
    loop {
        let Some(interval) = consumers.upgrade().map(|c| expiry_interval(c.timeout)) else { return };
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
        let Some(registry) = consumers.upgrade() else { return };
        for instance in registry.take_expired(Instant::now()) {
            tracing::info!(group = %instance.group, instance = %instance.name, "REST consumer instance expired (consumer_instance_timeout_ms)");
            instance.close(&broker).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_instances_are_looked_for_often_enough_for_short_and_long_timeouts() {
        assert_eq!(expiry_interval(Duration::from_millis(300_000)), Duration::from_secs(5));
        assert_eq!(expiry_interval(Duration::from_millis(2_000)), Duration::from_millis(200));
        assert_eq!(expiry_interval(Duration::from_millis(10)), Duration::from_millis(100));
    }
}
