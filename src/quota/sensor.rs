//! The two measures Kafka's quotas are checked against, with Kafka's arithmetic
//! so that a client sees the throttle times a Kafka broker would give it.
//!
//! `Rate` is Kafka's sampled `Rate` (`SampledStat`): `samples` windows of
//! `window_ms` each; a value goes into the current window, a new window starts
//! when the current one is `window_ms` old, and a window older than
//! `samples x window_ms` counts for nothing. The rate is the sum over the windows
//! divided by the time they span, which is never taken as less than
//! `samples - 1` full windows: a client's first burst is spread over the whole
//! span instead of being measured against a few milliseconds. The byte-rate and
//! request-percentage quotas use it.
//!
//! `TokenBucket` is KIP-599's, for controller mutations: it holds up to
//! `quota x samples x window` tokens, refills at `quota` per second, and each
//! mutation takes its permits; the quota is exceeded while it is below zero.

/// Kafka's sampled rate, per second.
#[derive(Debug, Clone)]
pub struct Rate {
    samples: Vec<Sample>,
    current: usize,
    window_ms: i64,
    max_samples: usize,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    start_ms: i64,
    value: f64,
}

impl Rate {
    /// `samples` windows (`quota.window.num`) of `window_ms` (`quota.window.size.seconds`).
    pub fn new(samples: u32, window_ms: i64) -> Rate {
        Rate { samples: Vec::new(), current: 0, window_ms: window_ms.max(1), max_samples: samples.max(1) as usize }
    }

    /// Adds `value` (negative to take back what was recorded, as Kafka
    /// "unrecords" a throttled fetch's bytes) at `now_ms`.
    pub fn record(&mut self, value: f64, now_ms: i64) {
        if self.samples.is_empty() {
            self.samples.push(Sample { start_ms: now_ms, value: 0.0 });
            self.current = 0;
        }
        if now_ms - self.samples[self.current].start_ms >= self.window_ms {
            self.current = (self.current + 1) % self.max_samples;
            let fresh = Sample { start_ms: now_ms, value: 0.0 };
            match self.samples.get_mut(self.current) {
                Some(sample) => *sample = fresh,
                None => self.samples.push(fresh),
            }
        }
        self.samples[self.current].value += value;
    }

    /// The rate per second at `now_ms`.
    pub fn measure(&mut self, now_ms: i64) -> f64 {
        self.purge(now_ms);
        let total: f64 = self.samples.iter().map(|s| s.value).sum();
        total / (self.window_size(now_ms) as f64 / 1000.0)
    }

    /// The time the rate is taken over, in milliseconds (Kafka's
    /// `Rate.windowSize`): from the oldest window's start, at least
    /// `samples - 1` full windows, at least 1.
    pub fn window_size(&mut self, now_ms: i64) -> i64 {
        self.purge(now_ms);
        let oldest = self.samples.iter().map(|s| s.start_ms).min().unwrap_or(now_ms);
        let mut elapsed = now_ms - oldest;
        let full_windows = elapsed / self.window_ms;
        let min_full_windows = self.max_samples as i64 - 1;
        if full_windows < min_full_windows {
            elapsed += (min_full_windows - full_windows) * self.window_ms;
        }
        elapsed.max(1)
    }

    /// The last time anything was recorded.
    pub fn last_record_ms(&self) -> Option<i64> {
        self.samples.get(self.current).map(|s| s.start_ms)
    }

    /// Windows too old to count are emptied and restart at `now_ms`, as Kafka's
    /// `purgeObsoleteSamples` does.
    fn purge(&mut self, now_ms: i64) {
        let expire_after = self.max_samples as i64 * self.window_ms;
        for sample in &mut self.samples {
            if now_ms - sample.start_ms >= expire_after {
                *sample = Sample { start_ms: now_ms, value: 0.0 };
            }
        }
    }
}

/// How long a client that drove `rate` above `bound` waits for its rate to come
/// back down to the bound if it sends nothing more (Kafka's
/// `QuotaUtils.throttleTime`): the excess, as a share of the bound, of the
/// window the rate was taken over.
pub fn throttle_ms(rate: f64, bound: f64, window_ms: i64) -> u64 {
    if rate <= bound || bound <= 0.0 {
        return 0;
    }
    ((rate - bound) / bound * window_ms as f64).round().clamp(0.0, i32::MAX as f64) as u64
}

/// KIP-599's token bucket, in permits (partitions created or deleted).
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    last_ms: i64,
}

impl TokenBucket {
    /// A full bucket for `rate` per second over `samples x window_ms`.
    pub fn new(rate: f64, samples: u32, window_ms: i64, now_ms: i64) -> TokenBucket {
        TokenBucket { tokens: burst(rate, samples, window_ms), last_ms: now_ms }
    }

    /// The tokens left at `now_ms`, after refilling at `rate` per second.
    pub fn tokens(&mut self, rate: f64, samples: u32, window_ms: i64, now_ms: i64) -> f64 {
        let elapsed_s = (now_ms - self.last_ms).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + rate * elapsed_s).min(burst(rate, samples, window_ms));
        self.last_ms = now_ms.max(self.last_ms);
        self.tokens
    }

    /// Takes `permits` at `now_ms` (possibly below zero).
    pub fn take(&mut self, permits: f64, rate: f64, samples: u32, window_ms: i64, now_ms: i64) {
        self.tokens(rate, samples, window_ms, now_ms);
        self.tokens -= permits;
    }
}

fn burst(rate: f64, samples: u32, window_ms: i64) -> f64 {
    rate * f64::from(samples) * (window_ms as f64 / 1000.0)
}

/// How long until a bucket `tokens` below zero is back at zero (Kafka's
/// `ControllerMutationQuotaManager.throttleTimeMs`).
pub fn bucket_throttle_ms(tokens: f64, rate: f64) -> u64 {
    if tokens >= 0.0 || rate <= 0.0 {
        return 0;
    }
    (-tokens / rate * 1000.0).round().clamp(0.0, i32::MAX as f64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_burst_is_spread_over_the_whole_window() {
        // 11 windows of 1 s: the first record counts against 10 s.
        let mut rate = Rate::new(11, 1000);
        rate.record(10_000.0, 0);
        assert_eq!(rate.window_size(0), 10_000);
        assert!((rate.measure(0) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn the_span_grows_past_the_minimum_and_old_windows_expire() {
        let mut rate = Rate::new(3, 1000);
        rate.record(100.0, 0);
        rate.record(100.0, 1500);
        // Oldest window starts at 0: 2500 ms elapsed, more than 2 full windows.
        assert_eq!(rate.window_size(2500), 2500);
        assert!((rate.measure(2500) - 80.0).abs() < 1e-9);
        // At 3000 the first window is 3 windows old and no longer counts: 100
        // over the 1500 ms since the second began, stretched to 2 full windows.
        assert!((rate.measure(3000) - 40.0).abs() < 1e-9);
        // Long after, nothing counts.
        assert_eq!(rate.measure(60_000), 0.0);
    }

    #[test]
    fn windows_are_reused_in_a_ring() {
        let mut rate = Rate::new(2, 1000);
        rate.record(1.0, 0);
        rate.record(2.0, 1000);
        rate.record(4.0, 2000);
        // Window [0] was reused at 2000: 2 + 4 over max(1000 elapsed, 1 window).
        assert!((rate.measure(2000) - 6.0).abs() < 1e-9);
    }

    #[test]
    fn unrecording_takes_a_value_back() {
        let mut rate = Rate::new(11, 1000);
        rate.record(500.0, 0);
        rate.record(-500.0, 10);
        assert_eq!(rate.measure(10), 0.0);
    }

    #[test]
    fn throttle_time_is_the_excess_share_of_the_window() {
        assert_eq!(throttle_ms(150.0, 100.0, 10_000), 5000);
        assert_eq!(throttle_ms(100.0, 100.0, 10_000), 0);
        assert_eq!(throttle_ms(f64::MAX, 1.0, 10_000), i32::MAX as u64);
    }

    #[test]
    fn the_bucket_refills_at_the_rate_up_to_its_burst() {
        // 2 permits/s over 11 x 1 s: a burst of 22.
        let mut bucket = TokenBucket::new(2.0, 11, 1000, 0);
        assert_eq!(bucket.tokens(2.0, 11, 1000, 0), 22.0);
        bucket.take(30.0, 2.0, 11, 1000, 0);
        assert_eq!(bucket.tokens(2.0, 11, 1000, 0), -8.0);
        assert_eq!(bucket_throttle_ms(-8.0, 2.0), 4000);
        assert_eq!(bucket.tokens(2.0, 11, 1000, 4000), 0.0);
        assert_eq!(bucket.tokens(2.0, 11, 1000, 1_000_000), 22.0);
    }
}
