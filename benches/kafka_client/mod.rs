//! The librdkafka side of the benches that run a broker: client settings, a
//! producer that counts its deliveries, and an admin client that creates topics
//! and waits until the broker serves them. The same code talks to strand and to
//! the broker measured beside it. Each bench uses a part of it, hence no
//! dead-code warnings for the rest.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::BaseConsumer;
use rdkafka::error::KafkaError;
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;
use rdkafka::Message;

/// How long any one step (a flush, topics becoming served) may take before the
/// bench gives up: far beyond what either broker needs, short of hanging forever.
pub const TIMEOUT: Duration = Duration::from_secs(120);

pub fn client_config(addr: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", addr).set("allow.auto.create.topics", "false");
    config
}

/// Counts deliveries, so a run that silently lost messages does not report a rate.
#[derive(Default)]
pub struct Deliveries {
    pub ok: AtomicU64,
    pub failed: AtomicU64,
}

pub struct Counting(Arc<Deliveries>);

impl ClientContext for Counting {}

impl ProducerContext for Counting {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let counter = if result.is_ok() { &self.0.ok } else { &self.0.failed };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A producer with room for a whole run in its queue; `settings` come last.
pub fn producer(addr: &str, settings: &[(&str, &str)]) -> (BaseProducer<Counting>, Arc<Deliveries>) {
    let deliveries = Arc::new(Deliveries::default());
    let mut config = client_config(addr);
    config.set("message.timeout.ms", "60000").set("queue.buffering.max.messages", "1000000");
    for (key, value) in settings {
        config.set(*key, *value);
    }
    let producer = config.create_with_context(Counting(deliveries.clone())).expect("producer");
    (producer, deliveries)
}

/// Sends `record`, waiting for room when librdkafka's queue is full.
pub fn send(producer: &BaseProducer<Counting>, mut record: BaseRecord<'_, [u8], [u8]>) {
    loop {
        match producer.send(record) {
            Ok(()) => return,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                producer.poll(Duration::from_millis(1));
            }
            Err((e, _)) => panic!("send failed: {e}"),
        }
    }
}

/// Sends `count` records, record `i` as `record(i)` makes it, serving delivery
/// reports as it goes, and waits until every one is acknowledged or failed.
pub fn send_all<'a>(
    producer: &BaseProducer<Counting>,
    count: usize,
    record: impl Fn(usize) -> BaseRecord<'a, [u8], [u8]>,
) {
    for i in 0..count {
        send(producer, record(i));
        if i % 1024 == 0 {
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(TIMEOUT).expect("flush");
}

/// Creates and deletes topics through the admin API (CreateTopics,
/// DeleteTopics), so the same code works on any broker that serves them.
pub struct Admin {
    pub client: AdminClient<DefaultClientContext>,
    runtime: tokio::runtime::Runtime,
}

impl Admin {
    pub fn new(addr: &str) -> Admin {
        let client = client_config(addr).create().expect("admin client");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        Admin { client, runtime }
    }

    /// Creates `names` with `partitions` partitions each (replication factor 1,
    /// in one CreateTopics request), then waits until every partition has a
    /// leader in Metadata and that leader answers ListOffsets for the first and
    /// last partition of the first and last topic: created is not yet served.
    pub fn create_topics(&self, names: &[String], partitions: i32) {
        let topics: Vec<NewTopic> =
            names.iter().map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1))).collect();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(60)));
        let created = self.runtime.block_on(self.client.create_topics(&topics, &options)).expect("CreateTopics");
        for result in created {
            result.unwrap_or_else(|(topic, code)| panic!("create topic {topic}: {code}"));
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let led = self.led_partitions(names);
            let offsets = || {
                let ends = [names.first(), names.last()].into_iter().flatten();
                ends.flat_map(|t| [(t, 0), (t, partitions - 1)])
                    .map(|(t, p)| self.client.inner().fetch_watermarks(t, p, Duration::from_secs(5)))
                    .collect::<Result<Vec<_>, _>>()
            };
            let served = led == names.len() * partitions as usize && offsets().is_ok();
            if served {
                return;
            }
            assert!(Instant::now() < deadline, "topics not served: {led} partitions led");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// How many partitions of `names` Metadata shows with a leader.
    fn led_partitions(&self, names: &[String]) -> usize {
        let Ok(metadata) = self.client.inner().fetch_metadata(None, Duration::from_secs(5)) else { return 0 };
        let ours = metadata.topics().iter().filter(|t| t.error().is_none() && names.iter().any(|n| n == t.name()));
        ours.map(|t| t.partitions().iter().filter(|p| p.leader() >= 0).count()).sum()
    }

    /// Deletes `names`. Only frees the broker's disk: a failure is reported,
    /// and costs nothing measured.
    pub fn delete_topics(&self, names: &[String]) {
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match self.runtime.block_on(self.client.delete_topics(&names, &options)) {
            Ok(results) => {
                for (topic, code) in results.into_iter().filter_map(Result::err) {
                    eprintln!("delete topic {topic}: {code}");
                }
            }
            Err(e) => eprintln!("delete topics: {e}"),
        }
    }
}

/// Polls `consumer` until `count` messages of `size` bytes each have arrived,
/// failing the run past `TIMEOUT` from `started`; returns when the first one
/// came, which separates setup (join, metadata, offset lookup) from throughput.
pub fn read_all(consumer: &BaseConsumer, count: usize, size: usize, started: Instant) -> Instant {
    let (mut seen, mut first) = (0, None);
    while seen < count {
        assert!(started.elapsed() < TIMEOUT, "only {seen} of {count} messages arrived");
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                assert_eq!(m.payload().map_or(0, <[u8]>::len), size);
                first.get_or_insert_with(Instant::now);
                seen += 1;
            }
            Some(Err(e)) => panic!("consume failed: {e}"),
            None => {}
        }
    }
    first.expect("at least one message")
}
