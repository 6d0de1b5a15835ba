//! REST Proxy v2 topic metadata: `GET /topics`, `GET /topics/{topic}`,
//! `GET /topics/{topic}/partitions` and `GET /topics/{topic}/partitions/{partition}`,
//! in the Confluent REST Proxy's shapes (its `v2.GetTopicResponse`,
//! `GetPartitionResponse`). strand is one broker holding every partition's one
//! replica, so each partition's leader and only in-sync replica is this node.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::V2_JSON;
use crate::http::{produce, Rest, RestError};
use crate::topics::config;
use crate::topics::Topic;

/// `GET /topics`: every topic's name, sorted.
pub async fn list(State(rest): State<Rest>) -> Response {
    let mut names: Vec<String> = rest.broker.topics.all().iter().map(|t| t.name.clone()).collect();
    names.sort();
    v2_json(json!(names))
}

/// `GET /topics/{topic}`: name, configs (every topic config's effective value) and partitions.
pub async fn get(State(rest): State<Rest>, Path(name): Path<String>) -> Result<Response, RestError> {
    let topic = produce::topic(&rest.broker, &name)?;
    let brokers = crate::config::kafka::broker_configs(&rest.broker.config);
    let configs: serde_json::Map<String, Value> = config::describe(&topic.overrides(), &rest.broker.config, &brokers)
        .into_iter()
        .map(|c| (c.name.to_owned(), c.value.map_or(Value::Null, Value::String)))
        .collect();
    let node = rest.broker.node_id();
    Ok(v2_json(json!({
        "name": topic.name,
        "configs": configs,
        "partitions": partitions(&topic, node),
    })))
}

/// `GET /topics/{topic}/partitions`.
pub async fn partitions_of(State(rest): State<Rest>, Path(name): Path<String>) -> Result<Response, RestError> {
    let topic = produce::topic(&rest.broker, &name)?;
    Ok(v2_json(Value::Array(partitions(&topic, rest.broker.node_id()))))
}

/// `GET /topics/{topic}/partitions/{partition}`.
pub async fn partition(
    State(rest): State<Rest>,
    Path((name, partition)): Path<(String, String)>,
) -> Result<Response, RestError> {
    let topic = produce::topic(&rest.broker, &name)?;
    let index = parse_partition(&topic, &partition)?;
    Ok(v2_json(partition_json(index, rest.broker.node_id())))
}

/// A partition index from the path that the topic has, or 404 40402.
pub fn parse_partition(topic: &Topic, text: &str) -> Result<i32, RestError> {
    match text.parse::<i32>() {
        Ok(p) if p >= 0 && (p as usize) < topic.partition_count() => Ok(p),
        _ => Err(RestError::PartitionNotFound),
    }
}

fn partitions(topic: &Topic, node: i32) -> Vec<Value> {
    (0..topic.partition_count() as i32).map(|p| partition_json(p, node)).collect()
}

fn partition_json(partition: i32, node: i32) -> Value {
    json!({
        "partition": partition,
        "leader": node,
        "replicas": [{ "broker": node, "leader": true, "in_sync": true }],
    })
}

/// A v2 answer: JSON with the REST Proxy's v2 media type.
pub fn v2_json(body: Value) -> Response {
    ([(axum::http::header::CONTENT_TYPE, V2_JSON)], Json(body)).into_response()
}
