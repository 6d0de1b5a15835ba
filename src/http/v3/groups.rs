//! v3 consumer groups (read-only), as the REST Proxy's `ConsumerGroupsResource`,
//! `ConsumersResource`, `ConsumerLagsResource` and
//! `ConsumerGroupLagSummariesResource` answer, from the group coordinator
//! (`broker.groups`: membership, committed offsets) and the logs' end offsets.
//!
//! A partition's lag is its log end offset minus the group's committed offset,
//! for the partitions the group has committed (Kafka's
//! `kafka-consumer-groups --describe` LAG); its consumer is the member whose
//! `ConsumerProtocolAssignment` holds it, if any. Groups of the new consumer
//! protocol (KIP-848) do not exist on strand, so every group is CLASSIC.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use bytes::Buf;
use kafka_protocol::messages::ConsumerProtocolAssignment;
use kafka_protocol::protocol::Decodable;
use serde_json::{json, Value};

use super::Urls;
use crate::group::classic::{DescribedMember, GroupDescription, GroupState};
use crate::http::{Rest, RestError};

/// `GET /v3/clusters/{cluster}/consumer-groups`.
pub async fn list(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let data = rest
        .broker
        .groups
        .list()
        .into_iter()
        .filter_map(|g| Some(group_json(&rest, &urls, &g.group_id, &rest.broker.groups.describe(&g.group_id)?)))
        .collect();
    Ok(Json(urls.list("KafkaConsumerGroupList", "consumer-groups", data)))
}

/// `GET /v3/clusters/{cluster}/consumer-groups/{group}`.
pub async fn get(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, group)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let description = describe(&rest, &group)?;
    Ok(Json(group_json(&rest, &urls, &group, &description)))
}

fn describe(rest: &Rest, group: &str) -> Result<GroupDescription, RestError> {
    rest.broker.groups.describe(group).ok_or(RestError::GroupNotFound)
}

/// The REST Proxy's `ConsumerGroup.State` names.
fn state_name(state: GroupState) -> &'static str {
    match state {
        GroupState::Empty => "EMPTY",
        GroupState::PreparingRebalance => "PREPARING_REBALANCE",
        GroupState::CompletingRebalance => "COMPLETING_REBALANCE",
        GroupState::Stable => "STABLE",
    }
}

fn group_json(rest: &Rest, urls: &Urls, group: &str, description: &GroupDescription) -> Value {
    let path = format!("consumer-groups/{group}");
    let node = rest.broker.node_id();
    json!({
        "kind": "KafkaConsumerGroup",
        "metadata": urls.metadata(&path, &format!("consumer-group={group}")),
        "cluster_id": urls.cluster_id(),
        "consumer_group_id": group,
        // Kafka's "simple" groups are those with no protocol type: offsets only.
        "is_simple": description.protocol_type.is_empty(),
        "partition_assignor": description.protocol,
        "state": state_name(description.state),
        "type": "CLASSIC",
        "is_mixed_consumer_group": false,
        "coordinator": urls.related(&format!("brokers/{node}")),
        "consumers": urls.related(&format!("{path}/consumers")),
        "lag_summary": urls.related(&format!("{path}/lag-summary")),
    })
}

/// `GET /v3/clusters/{cluster}/consumer-groups/{group}/consumers`.
pub async fn consumers(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, group)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let description = describe(&rest, &group)?;
    let data = description.members.iter().map(|m| consumer_json(&urls, &group, m)).collect();
    Ok(Json(urls.list("KafkaConsumerList", &format!("consumer-groups/{group}/consumers"), data)))
}

/// `GET /v3/clusters/{cluster}/consumer-groups/{group}/consumers/{consumer}`.
pub async fn consumer(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, group, consumer)): Path<(String, String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let description = describe(&rest, &group)?;
    let member = description.members.iter().find(|m| m.member_id == consumer).ok_or(RestError::NotFound)?;
    Ok(Json(consumer_json(&urls, &group, member)))
}

fn consumer_json(urls: &Urls, group: &str, m: &DescribedMember) -> Value {
    let path = format!("consumer-groups/{group}/consumers/{}", m.member_id);
    json!({
        "kind": "KafkaConsumer",
        "metadata": urls.metadata(&path, &format!("consumer-group={group}/consumer={}", m.member_id)),
        "cluster_id": urls.cluster_id(),
        "consumer_group_id": group,
        "consumer_id": m.member_id,
        "instance_id": m.instance_id,
        "client_id": m.client_id,
        "assignments": urls.related(&format!("{path}/assignments")),
    })
}

/// One partition's lag in a group.
struct Lag<'a> {
    topic: String,
    partition: i32,
    current_offset: i64,
    log_end_offset: i64,
    consumer: Option<&'a DescribedMember>,
}

impl Lag<'_> {
    fn lag(&self) -> i64 {
        (self.log_end_offset - self.current_offset).max(0)
    }
}

/// The lag of every partition the group committed, by topic and partition.
fn partition_lags<'a>(rest: &Rest, group: &str, description: &'a GroupDescription) -> Vec<Lag<'a>> {
    let owners: Vec<(&DescribedMember, ConsumerProtocolAssignment)> =
        description.members.iter().filter_map(|m| Some((m, assignment(&m.assignment)?))).collect();
    let mut lags: Vec<Lag<'a>> = rest
        .broker
        .groups
        .committed(group, None)
        .into_iter()
        .filter_map(|(tp, committed)| {
            let committed = committed?;
            let log = rest.broker.topics.get(&tp.topic)?.partition(tp.partition)?;
            let consumer = owners
                .iter()
                .find(|(_, a)| {
                    a.assigned_partitions
                        .iter()
                        .any(|t| t.topic.as_str() == tp.topic && t.partitions.contains(&tp.partition))
                })
                .map(|(m, _)| *m);
            Some(Lag {
                topic: tp.topic,
                partition: tp.partition,
                current_offset: committed.offset,
                log_end_offset: log.end_offset(),
                consumer,
            })
        })
        .collect();
    lags.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    lags
}

/// A consumer member's assignment (`ConsumerProtocolAssignment`, version-prefixed);
/// None for other protocols' members and while there is none.
fn assignment(bytes: &[u8]) -> Option<ConsumerProtocolAssignment> {
    let mut buf = bytes::Bytes::copy_from_slice(bytes);
    if buf.remaining() < 2 {
        return None;
    }
    let version = buf.get_i16();
    ConsumerProtocolAssignment::decode(&mut buf, version.clamp(0, 3)).ok()
}

/// The lags answer: every committed partition of the group, with its consumer.
fn lags_list(rest: &Rest, urls: &Urls, group: &str) -> Result<Value, RestError> {
    let description = describe(rest, group)?;
    let data = partition_lags(rest, group, &description)
        .iter()
        .map(|l| {
            let path = format!("consumer-groups/{group}/lags/{}/partitions/{}", l.topic, l.partition);
            json!({
                "kind": "KafkaConsumerLag",
                "metadata": urls.metadata(&path, &format!("consumer-group={group}/lag={}/partition={}", l.topic, l.partition)),
                "cluster_id": urls.cluster_id(),
                "consumer_group_id": group,
                "topic_name": l.topic,
                "partition_id": l.partition,
                "current_offset": l.current_offset,
                "log_end_offset": l.log_end_offset,
                "lag": l.lag(),
                "consumer_id": l.consumer.map_or("", |m| m.member_id.as_str()),
                "instance_id": l.consumer.and_then(|m| m.instance_id.as_deref()),
                "client_id": l.consumer.map_or("", |m| m.client_id.as_str()),
            })
        })
        .collect();
    Ok(urls.list("KafkaConsumerLagList", &format!("consumer-groups/{group}/lags"), data))
}

/// `GET /v3/clusters/{cluster}/consumer-groups/{group}/lags`.
pub async fn lags(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, group)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    Ok(Json(lags_list(&rest, &urls, &group)?))
}

/// `GET /v3/clusters/{cluster}/consumer-groups/{group}/lag-summary`: the largest
/// partition lag (with its partition and consumer) and the sum of all; a group
/// without committed offsets has lag 0 and nulls for the max-lag partition.
pub async fn lag_summary(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, group)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let description = describe(&rest, &group)?;
    let lags = partition_lags(&rest, &group, &description);
    let total: i64 = lags.iter().map(Lag::lag).sum();
    // The first partition with the largest lag, in topic/partition order.
    let max = lags.iter().fold(None::<&Lag>, |best, l| match best {
        Some(b) if b.lag() >= l.lag() => Some(b),
        _ => Some(l),
    });
    let path = format!("consumer-groups/{group}");
    let consumer = max.and_then(|l| l.consumer);
    Ok(Json(json!({
        "kind": "KafkaConsumerGroupLagSummary",
        "metadata": urls.metadata(&format!("{path}/lag-summary"), &format!("consumer-group={group}/lag-summary")),
        "cluster_id": urls.cluster_id(),
        "consumer_group_id": group,
        "max_lag_consumer_id": consumer.map(|m| m.member_id.as_str()),
        "max_lag_instance_id": consumer.and_then(|m| m.instance_id.as_deref()),
        "max_lag_client_id": consumer.map(|m| m.client_id.as_str()),
        "max_lag_topic_name": max.map(|l| l.topic.as_str()),
        "max_lag_partition_id": max.map(|l| l.partition),
        "max_lag": max.map_or(0, Lag::lag),
        "total_lag": total,
        "max_lag_consumer": consumer.map(|m| urls.related(&format!("{path}/consumers/{}", m.member_id))),
        "max_lag_partition": max.map(|l| urls.related(&format!("topics/{}/partitions/{}", l.topic, l.partition))),
    })))
}
