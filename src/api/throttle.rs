//! Quota throttling of requests, as Kafka 2.0+ does it (KIP-219).
//!
//! After a request is handled its client's measures are recorded (`quota`): the
//! handler's time against `request_percentage` for every request the dispatch
//! serves (Kafka exempts only inter-broker requests, and SASL requests never
//! reach its request handlers), and in Produce and Fetch the bytes against the
//! byte rates. The largest throttle time goes into the response's
//! `throttle_time_ms` and the connection then reads nothing more from the client
//! for that long (`connection`). Every version is treated alike, as Kafka 2.0+
//! treats it: a client from before KIP-219 does not wait by itself, but the
//! mute holds its next request back all the same, and its response is never
//! delayed (a late Produce answer would make it retry and duplicate).
//!
//! Controller mutations (KIP-599) are checked by CreateTopics, CreatePartitions
//! and DeleteTopics themselves, topic by topic, through `Mutations`.

use std::future::Future;
use std::time::{Duration, Instant};

use kafka_protocol::messages::*;

use crate::broker::Broker;
use crate::quota::{self, Kind};

/// What the connection does about a request's throttle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Throttle {
    /// How long the connection stays muted after the response; 0 = not throttled.
    pub ms: u64,
}

impl Throttle {
    pub fn duration(self) -> Duration {
        Duration::from_millis(self.ms)
    }
}

/// A response with Kafka's `throttle_time_ms` field.
pub trait Throttled {
    fn set_throttle_time_ms(&mut self, ms: i32);
}

macro_rules! throttled {
    ($($response:ty),* $(,)?) => {
        $(impl Throttled for $response {
            fn set_throttle_time_ms(&mut self, ms: i32) {
                self.throttle_time_ms = ms;
            }
        })*
    };
}

throttled!(
    ProduceResponse,
    FetchResponse,
    ListOffsetsResponse,
    MetadataResponse,
    ApiVersionsResponse,
    CreateTopicsResponse,
    DeleteTopicsResponse,
    CreatePartitionsResponse,
    FindCoordinatorResponse,
    JoinGroupResponse,
    SyncGroupResponse,
    HeartbeatResponse,
    LeaveGroupResponse,
    OffsetCommitResponse,
    OffsetFetchResponse,
    DescribeGroupsResponse,
    ListGroupsResponse,
    DeleteGroupsResponse,
    OffsetDeleteResponse,
    InitProducerIdResponse,
    DeleteRecordsResponse,
    DescribeLogDirsResponse,
    DescribeUserScramCredentialsResponse,
    AlterUserScramCredentialsResponse,
    DescribeClusterResponse,
    DescribeTopicPartitionsResponse,
    ElectLeadersResponse,
    ListPartitionReassignmentsResponse,
    AlterPartitionReassignmentsResponse,
    DescribeAclsResponse,
    CreateAclsResponse,
    DeleteAclsResponse,
    ListTransactionsResponse,
    DescribeTransactionsResponse,
    DescribeClientQuotasResponse,
    AlterClientQuotasResponse,
    OffsetForLeaderEpochResponse,
    DescribeProducersResponse,
    DescribeConfigsResponse,
    AlterConfigsResponse,
    IncrementalAlterConfigsResponse,
);

/// Runs `handler` to its end and returns what it returned and the time it spent
/// in `poll`, on a worker thread: Kafka's request handler thread time, which a
/// long-polling Fetch or a JoinGroup waiting for its rebalance do not add to.
pub async fn timed<F: Future>(handler: F) -> (F::Output, Duration) {
    let mut handler = std::pin::pin!(handler);
    let mut busy = Duration::ZERO;
    let output = std::future::poll_fn(|cx| {
        let started = Instant::now();
        let poll = handler.as_mut().poll(cx);
        busy += started.elapsed();
        poll
    })
    .await;
    (output, busy)
}

/// `request_percentage` is time in percent of one second: a request that took
/// 10 ms records 1 (Kafka's `nanosToPercentage`).
fn percent(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 100.0
}

/// Records the handler's time against the client's request quota; the
/// throttle time that gives (0 without a request quota).
pub fn request(broker: &Broker, client: quota::Client<'_>, elapsed: Duration) -> u64 {
    broker.quotas.record(Kind::Request, client, percent(elapsed), crate::now_ms())
}

/// The request and bandwidth throttles of one request: the larger is the
/// response's throttle time, and the quota type it is counted under.
pub fn larger(bandwidth: (Kind, u64), request: u64) -> (Kind, u64) {
    if bandwidth.1 > request {
        bandwidth
    } else {
        (Kind::Request, request)
    }
}

/// Sets `throttle_time_ms`, counts the throttle, and says what the connection does.
pub fn apply<R: Throttled>(response: &mut R, (kind, ms): (Kind, u64)) -> Throttle {
    response.set_throttle_time_ms(ms.min(i32::MAX as u64) as i32);
    decide(kind, ms)
}

/// Counts a throttle of `ms` under `kind` and says what the connection does.
pub fn decide(kind: Kind, ms: u64) -> Throttle {
    if ms == 0 {
        return Throttle::default();
    }
    crate::metrics::quota_throttled(kind.name(), ms);
    tracing::debug!(quota = kind.name(), throttle_ms = ms, "request throttled");
    Throttle { ms }
}

/// Fetch under a consumer quota (Kafka's `KafkaApis.handleFetchRequest`): the
/// response may hold at most what the quota window holds, and `min_bytes` no
/// more than that.
pub fn cap_fetch(broker: &Broker, client: quota::Client<'_>, request: &mut FetchRequest) {
    let Some(window) = broker.quotas.max_value_in_window(Kind::Fetch, client) else { return };
    let window = window.clamp(0.0, i32::MAX as f64) as i32;
    request.max_bytes = request.max_bytes.min(window);
    request.min_bytes = request.min_bytes.min(request.max_bytes);
}

/// KIP-599's controller mutation quota for one CreateTopics, CreatePartitions
/// or DeleteTopics request. In strict mode (the versions Kafka gives it:
/// CreateTopics v6+, CreatePartitions v3+, DeleteTopics v5+) a topic that
/// comes when the quota is used up fails with THROTTLING_QUOTA_EXCEEDED;
/// older versions are permissive: every topic goes through and the response
/// is throttled.
pub struct Mutations<'a> {
    broker: &'a Broker,
    client: quota::Client<'a>,
    strict: bool,
    /// The throttle time the last check or record gave.
    throttle_ms: u64,
}

impl<'a> Mutations<'a> {
    pub fn new(broker: &'a Broker, client: quota::Client<'a>, api: ApiKey, version: i16) -> Mutations<'a> {
        let strict_since = match api {
            ApiKey::CreateTopics => 6,
            ApiKey::DeleteTopics => 5,
            _ => 3,
        };
        Mutations { broker, client, strict: version >= strict_since, throttle_ms: 0 }
    }

    /// Takes `partitions` permits for a topic whose checks passed, just before
    /// it is changed, as Kafka's controller does (`applyPartitionChangeQuota`,
    /// `validate_only` included); `Err` when strict mode refuses the topic.
    pub fn apply(&mut self, partitions: usize) -> Result<(), super::Error> {
        let now = crate::now_ms();
        if self.strict {
            // Checked and taken at once, so that two requests of the client
            // cannot both pass the check; Kafka's strict quota throttles only
            // on a refusal, what a granted mutation overdraws is refused to
            // the next one.
            return self.broker.quotas.take_strict(self.client, partitions as f64, now).map_err(|ms| {
                self.throttle_ms = self.throttle_ms.max(ms);
                super::Error::ThrottlingQuotaExceeded
            });
        }
        let ms = self.broker.quotas.record_mutation(self.client, partitions as f64, now);
        self.throttle_ms = self.throttle_ms.max(ms);
        Ok(())
    }

    /// The response's controller mutation throttle.
    pub fn throttle_ms(&self) -> u64 {
        self.throttle_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_time_is_a_percentage_of_one_second() {
        assert_eq!(percent(Duration::from_millis(10)), 1.0);
    }
}
