//! A topic's recent traffic, for `GET /strand/v1/topics/{topic}/stats`: the
//! produce rate over the last minute and produce and fetch latency percentiles.
//! Kafka keeps the like per broker in its request metrics (`RequestMetrics`'
//! `TotalTimeMs` for Produce and FetchConsumer, `BrokerTopicMetrics`'
//! `MessagesInPerSec` and `BytesInPerSec` per topic); strand keeps them per topic
//! so that one topic's figures can be asked for by name.
//!
//! Recorded once per request and topic on the produce and fetch paths (Kafka
//! protocol and REST), so each record is one short critical section: a mutex per
//! direction, held for a few stores, never across I/O. Memory is fixed: 60
//! per-second counters and, allocated at a topic's first request, a ring of the
//! last `SAMPLES` latencies. The percentiles are over the samples of the last
//! `WINDOW_SECS` seconds in that ring, so a busy topic's are over its most recent
//! requests and an idle topic's go empty a minute after its last request.
//!
//! A fetch's latency is the whole request, a long poll's wait included, as
//! Kafka's FetchConsumer `TotalTimeMs` counts it: consumers waiting at the log
//! end show their `fetch.max.wait.ms`.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The window the rate and the percentiles are over, in seconds.
pub const WINDOW_SECS: i64 = 60;
/// Latency samples kept per direction.
const SAMPLES: usize = 512;

/// A topic's produce and fetch statistics.
#[derive(Default)]
pub struct TopicStats {
    produce: Mutex<Window>,
    fetch: Mutex<Window>,
}

/// What `snapshot` reads at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Records and bytes appended per second, averaged over the last `WINDOW_SECS`.
    pub records_per_second: f64,
    pub bytes_per_second: f64,
    pub produce_latency: Percentiles,
    pub fetch_latency: Percentiles,
}

/// Latency percentiles in milliseconds (nearest rank), `None` without samples.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Percentiles {
    pub samples: usize,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

impl TopicStats {
    /// One produce request's part for this topic: `records` and `bytes`
    /// appended (0 when refused) and the request's latency.
    pub fn record_produce(&self, records: u64, bytes: u64, latency: Duration) {
        lock(&self.produce).record(crate::now_ms(), records, bytes, latency);
    }

    /// One fetch request that asked for this topic, and its latency.
    pub fn record_fetch(&self, latency: Duration) {
        lock(&self.fetch).record(crate::now_ms(), 0, 0, latency);
    }

    pub fn snapshot(&self) -> Snapshot {
        self.snapshot_at(crate::now_ms())
    }

    fn snapshot_at(&self, now_ms: i64) -> Snapshot {
        let produce = lock(&self.produce);
        let (records, bytes) = produce.totals(now_ms);
        let produce_latency = produce.percentiles(now_ms);
        drop(produce);
        let fetch_latency = lock(&self.fetch).percentiles(now_ms);
        Snapshot {
            records_per_second: records as f64 / WINDOW_SECS as f64,
            bytes_per_second: bytes as f64 / WINDOW_SECS as f64,
            produce_latency,
            fetch_latency,
        }
    }
}

/// Statistics are advisory: a panic elsewhere while the lock was held leaves
/// counters that are still worth reading.
fn lock(window: &Mutex<Window>) -> MutexGuard<'_, Window> {
    window.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One direction's counters and samples.
struct Window {
    /// Indexed by the second modulo `WINDOW_SECS`; a slot from an older second
    /// is reset when its index comes round again.
    seconds: [Second; WINDOW_SECS as usize],
    samples: Vec<Sample>,
    /// Where the next sample goes once `samples` is full.
    next: usize,
}

impl Default for Window {
    fn default() -> Self {
        Window { seconds: [Second::default(); WINDOW_SECS as usize], samples: Vec::new(), next: 0 }
    }
}

#[derive(Clone, Copy, Default)]
struct Second {
    second: i64,
    records: u64,
    bytes: u64,
}

#[derive(Clone, Copy)]
struct Sample {
    /// When it was recorded, in seconds since the epoch.
    second: i64,
    micros: u64,
}

impl Window {
    fn record(&mut self, now_ms: i64, records: u64, bytes: u64, latency: Duration) {
        let second = now_ms.div_euclid(1000);
        let slot = &mut self.seconds[second.rem_euclid(WINDOW_SECS) as usize];
        if slot.second != second {
            *slot = Second { second, records: 0, bytes: 0 };
        }
        slot.records = slot.records.saturating_add(records);
        slot.bytes = slot.bytes.saturating_add(bytes);

        let sample = Sample { second, micros: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX) };
        if self.samples.len() < SAMPLES {
            self.samples.push(sample);
        } else {
            self.samples[self.next] = sample;
        }
        self.next = (self.next + 1) % SAMPLES;
    }

    /// Whether `second` is one of the last `WINDOW_SECS` seconds up to `now_ms`'s.
    fn recent(now_ms: i64, second: i64) -> bool {
        let now = now_ms.div_euclid(1000);
        second <= now && now - second < WINDOW_SECS
    }

    /// Records and bytes over the window.
    fn totals(&self, now_ms: i64) -> (u64, u64) {
        self.seconds
            .iter()
            .filter(|s| s.records > 0 && Self::recent(now_ms, s.second))
            .fold((0, 0), |(r, b), s| (r.saturating_add(s.records), b.saturating_add(s.bytes)))
    }

    fn percentiles(&self, now_ms: i64) -> Percentiles {
        let mut micros: Vec<u64> =
            self.samples.iter().filter(|s| Self::recent(now_ms, s.second)).map(|s| s.micros).collect();
        micros.sort_unstable();
        let rank = |p: f64| nearest_rank(&micros, p).map(|us| us as f64 / 1000.0);
        Percentiles { samples: micros.len(), p50: rank(50.0), p95: rank(95.0), p99: rank(99.0) }
    }
}

/// The nearest-rank percentile of sorted `values`: the smallest value with at
/// least `p` percent of the values at or below it.
fn nearest_rank(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(nearest_rank(&values, 50.0), Some(50));
        assert_eq!(nearest_rank(&values, 95.0), Some(95));
        assert_eq!(nearest_rank(&values, 99.0), Some(99));
        assert_eq!(nearest_rank(&[7], 99.0), Some(7));
        assert_eq!(nearest_rank(&[], 50.0), None);
    }

    #[test]
    fn rate_is_over_the_last_minute() {
        let mut window = Window::default();
        window.record(T0, 600, 6_000, ms(1));
        window.record(T0 + 30_000, 600, 6_000, ms(1));
        assert_eq!(window.totals(T0 + 30_000), (1200, 12_000));
        // 60 s after the first second, only the second one counts.
        assert_eq!(window.totals(T0 + 60_000), (600, 6_000));
        assert_eq!(window.totals(T0 + 90_000), (0, 0));
    }

    #[test]
    fn a_slot_from_a_minute_ago_is_reset_not_added_to() {
        let mut window = Window::default();
        window.record(T0, 5, 50, ms(1));
        window.record(T0 + 60_000, 1, 10, ms(1));
        assert_eq!(window.totals(T0 + 60_000), (1, 10));
    }

    #[test]
    fn percentiles_are_over_recent_samples_only() {
        let mut window = Window::default();
        for i in 1..=100 {
            window.record(T0, 1, 1, ms(i));
        }
        let p = window.percentiles(T0 + 1_000);
        assert_eq!((p.samples, p.p50, p.p95, p.p99), (100, Some(50.0), Some(95.0), Some(99.0)));
        assert_eq!(window.percentiles(T0 + 61_000), Percentiles::default());
    }

    #[test]
    fn the_ring_keeps_the_latest_samples() {
        let mut window = Window::default();
        for _ in 0..SAMPLES {
            window.record(T0, 0, 0, ms(1000));
        }
        for _ in 0..SAMPLES {
            window.record(T0, 0, 0, ms(2));
        }
        let p = window.percentiles(T0);
        assert_eq!((p.samples, p.p99), (SAMPLES, Some(2.0)));
    }

    #[test]
    fn snapshot_reads_both_directions() {
        let stats = TopicStats::default();
        lock(&stats.produce).record(T0, 120, 1_200, ms(3));
        lock(&stats.fetch).record(T0, 0, 0, ms(500));
        let s = stats.snapshot_at(T0 + 500);
        assert_eq!((s.records_per_second, s.bytes_per_second), (2.0, 20.0));
        assert_eq!(s.produce_latency.p50, Some(3.0));
        assert_eq!(s.fetch_latency.p99, Some(500.0));
    }
}
