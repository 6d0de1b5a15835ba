//! v3 clusters, brokers, topics and partitions (read-only), as the REST Proxy's
//! `ClustersResource`, `BrokersResource`, `TopicsResource` and
//! `PartitionsResource` and `TopicConfigsResource` answer. One broker, replication factor 1: each
//! partition's leader and only replica is this node.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::Urls;
use crate::config::kafka::ConfigSource;
use crate::http::{produce, Rest, RestError};
use crate::topics::Topic;

/// `GET /v3/clusters`: this one cluster.
pub async fn list(State(rest): State<Rest>, headers: HeaderMap) -> Json<Value> {
    let urls = Urls::of(&rest, &headers);
    Json(urls.list("KafkaClusterList", "", vec![cluster(&rest, &urls)]))
}

/// `GET /v3/clusters/{cluster}`.
pub async fn get(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    Ok(Json(cluster(&rest, &urls)))
}

fn cluster(rest: &Rest, urls: &Urls) -> Value {
    let node = rest.broker.node_id();
    json!({
        "kind": "KafkaCluster",
        "metadata": urls.metadata("", ""),
        "cluster_id": urls.cluster_id(),
        "controller": urls.related(&format!("brokers/{node}")),
        "acls": urls.related("acls"),
        "brokers": urls.related("brokers"),
        "broker_configs": urls.related("broker-configs"),
        "consumer_groups": urls.related("consumer-groups"),
        "topics": urls.related("topics"),
        "partition_reassignments": urls.related("topics/-/partitions/-/reassignment"),
    })
}

/// `GET /v3/clusters/{cluster}/brokers`: this one broker.
pub async fn brokers(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    Ok(Json(urls.list("KafkaBrokerList", "brokers", vec![broker_json(&rest, &urls)])))
}

/// `GET /v3/clusters/{cluster}/brokers/{broker}`.
pub async fn broker(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, broker)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    if broker.parse::<i32>().ok() != Some(rest.broker.node_id()) {
        return Err(RestError::NotFound);
    }
    Ok(Json(broker_json(&rest, &urls)))
}

fn broker_json(rest: &Rest, urls: &Urls) -> Value {
    let node = rest.broker.node_id();
    json!({
        "kind": "KafkaBroker",
        "metadata": urls.metadata(&format!("brokers/{node}"), &format!("broker={node}")),
        "cluster_id": urls.cluster_id(),
        "broker_id": node,
        "host": rest.broker.advertised_host,
        "port": rest.broker.advertised_port,
        "rack": null,
        "configs": urls.related(&format!("brokers/{node}/configs")),
        "partition_replicas": urls.related(&format!("brokers/{node}/partition-replicas")),
    })
}

/// `GET /v3/clusters/{cluster}/topics`: every topic, by name.
pub async fn topics(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let mut topics = rest.broker.topics.all();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    let data = topics.iter().map(|t| topic_json(&urls, t)).collect();
    Ok(Json(urls.list("KafkaTopicList", "topics", data)))
}

/// `GET /v3/clusters/{cluster}/topics/{topic}`.
pub async fn topic(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let topic = produce::topic(&rest.broker, &name)?;
    Ok(Json(topic_json(&urls, &topic)))
}

fn topic_json(urls: &Urls, topic: &Topic) -> Value {
    let path = format!("topics/{}", topic.name);
    json!({
        "kind": "KafkaTopic",
        "metadata": urls.metadata(&path, &format!("topic={}", topic.name)),
        "cluster_id": urls.cluster_id(),
        "topic_name": topic.name,
        "topic_id": topic.id.to_string(),
        "is_internal": false,
        "replication_factor": 1,
        "partitions_count": topic.partition_count(),
        "partitions": urls.related(&format!("{path}/partitions")),
        "configs": urls.related(&format!("{path}/configs")),
        "partition_reassignments": urls.related(&format!("{path}/partitions/-/reassignment")),
        "authorized_operations": [],
    })
}

/// `GET /v3/clusters/{cluster}/topics/{topic}/partitions`.
pub async fn partitions(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let topic = produce::topic(&rest.broker, &name)?;
    let node = rest.broker.node_id();
    let data = (0..topic.partition_count() as i32).map(|p| partition_json(&urls, &topic.name, p, node)).collect();
    Ok(Json(urls.list("KafkaPartitionList", &format!("topics/{}/partitions", topic.name), data)))
}

/// `GET /v3/clusters/{cluster}/topics/{topic}/partitions/{partition}`.
pub async fn partition(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, name, partition)): Path<(String, String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let topic = produce::topic(&rest.broker, &name)?;
    let index = crate::http::v2::topics::parse_partition(&topic, &partition)?;
    Ok(Json(partition_json(&urls, &topic.name, index, rest.broker.node_id())))
}

fn partition_json(urls: &Urls, topic: &str, partition: i32, node: i32) -> Value {
    let path = format!("topics/{topic}/partitions/{partition}");
    json!({
        "kind": "KafkaPartition",
        "metadata": urls.metadata(&path, &format!("topic={topic}/partition={partition}")),
        "cluster_id": urls.cluster_id(),
        "topic_name": topic,
        "partition_id": partition,
        "leader": urls.related(&format!("{path}/replicas/{node}")),
        "replicas": urls.related(&format!("{path}/replicas")),
        "reassignment": urls.related(&format!("{path}/reassignment")),
    })
}

/// `GET /v3/clusters/{cluster}/topics/{topic}/configs`: every topic config's
/// effective value and where it comes from, as DescribeConfigs reports them.
pub async fn topic_configs(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let topic = produce::topic(&rest.broker, &name)?;
    let data = described(&rest, &topic).iter().map(|c| config_json(&urls, &topic.name, c)).collect();
    Ok(Json(urls.list("KafkaTopicConfigList", &format!("topics/{}/configs", topic.name), data)))
}

/// `GET /v3/clusters/{cluster}/topics/{topic}/configs/{name}`.
pub async fn topic_config(
    State(rest): State<Rest>,
    headers: HeaderMap,
    Path((id, name, config)): Path<(String, String, String)>,
) -> Result<Json<Value>, RestError> {
    let urls = Urls::new(&rest, &headers, &id)?;
    let topic = produce::topic(&rest.broker, &name)?;
    let described = described(&rest, &topic);
    let config = described.iter().find(|c| c.name == config).ok_or(RestError::NotFound)?;
    Ok(Json(config_json(&urls, &topic.name, config)))
}

fn described(rest: &Rest, topic: &Topic) -> Vec<crate::topics::config::Described> {
    let brokers = crate::config::kafka::broker_configs(&rest.broker.config);
    crate::topics::config::describe(&topic.overrides(), &rest.broker.config, &brokers)
}

/// The REST Proxy's names of Kafka's `ConfigSource`s.
fn source_name(source: ConfigSource) -> &'static str {
    match source {
        ConfigSource::DynamicTopic => "DYNAMIC_TOPIC_CONFIG",
        ConfigSource::StaticBroker => "STATIC_BROKER_CONFIG",
        ConfigSource::Default => "DEFAULT_CONFIG",
        ConfigSource::DynamicBrokerLogger => "DYNAMIC_BROKER_LOGGER_CONFIG",
    }
}

fn config_json(urls: &Urls, topic: &str, config: &crate::topics::config::Described) -> Value {
    let synonyms: Vec<Value> = config
        .synonyms
        .iter()
        .map(|s| json!({ "name": s.name, "value": s.value, "source": source_name(s.source) }))
        .collect();
    json!({
        "kind": "KafkaTopicConfig",
        "metadata": urls.metadata(
            &format!("topics/{topic}/configs/{}", config.name),
            &format!("topic={topic}/config={}", config.name),
        ),
        "cluster_id": urls.cluster_id(),
        "topic_name": topic,
        "name": config.name,
        "value": config.value,
        "is_default": config.source == ConfigSource::Default,
        "is_read_only": false,
        "is_sensitive": false,
        "source": source_name(config.source),
        "synonyms": synonyms,
    })
}
