//! The REST Proxy API v2 consumer endpoints, as the Confluent REST Proxy and
//! Redpanda's HTTP Proxy serve them:
//!
//! ```text
//! POST   /consumers/{group}                                   create an instance
//! DELETE /consumers/{group}/instances/{name}                  close it (commit, leave)
//! POST|GET|DELETE .../instances/{name}/subscription           subscribe (topics or topic_pattern)
//! POST|GET        .../instances/{name}/assignments            assign partitions by hand
//! POST|GET        .../instances/{name}/offsets                commit / committed offsets
//! POST            .../instances/{name}/positions[/beginning|/end]  seek
//! GET             .../instances/{name}/records?timeout=&max_bytes=
//! ```
//!
//! Request bodies are `application/vnd.kafka.v2+json` (also the older
//! `application/vnd.kafka+json` and plain `application/json`, which the REST
//! Proxy takes too); responses are `application/vnd.kafka.v2+json`, records in
//! the instance's embedded format (`application/vnd.kafka.{binary,json}.v2+json`;
//! an Accept naming the other format is 406, error 40601). A commit's offsets
//! are the last records consumed, committed as the next offset to read (the
//! REST Proxy's `offset + 1`); a commit without offsets commits the positions.
//! Not served: the Schema Registry formats (avro, jsonschema, protobuf).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::group::OFFSET_METADATA_MAX_BYTES;
use crate::http::consumer::instance::{group_error, partition_log, Consuming, Partition, Subscription};
use crate::http::consumer::iso8601::parse_instant_ms;
use crate::http::consumer::{member, read, Format, InstanceConfig};
use crate::http::extract::{json as parse_json, require_media_type, Body};
use crate::http::{Rest, RestError};

/// The longest `topic_pattern` taken: a topic name is at most 249 characters,
/// and a pattern for a few of them needs no more than this.
const MAX_PATTERN_LEN: usize = 4096;

/// The v2 API's own media type.
const V2_JSON: &str = "application/vnd.kafka.v2+json";
/// What the consumer endpoints take as a body.
const BODY_TYPES: &[&str] = &[V2_JSON, "application/vnd.kafka+json", "application/json"];

pub fn router() -> Router<Rest> {
    let instance = "/consumers/{group}/instances/{name}";
    Router::new()
        .route("/consumers/{group}", post(create))
        .route(instance, axum::routing::delete(delete_instance))
        .route(&format!("{instance}/subscription"), post(subscribe).get(subscription).delete(unsubscribe))
        .route(&format!("{instance}/assignments"), post(assign).get(assignments))
        .route(&format!("{instance}/offsets"), post(commit).get(committed))
        .route(&format!("{instance}/positions"), post(seek))
        .route(&format!("{instance}/positions/beginning"), post(seek_to_beginning))
        .route(&format!("{instance}/positions/end"), post(seek_to_end))
        .route(&format!("{instance}/records"), get(records))
}

/// A JSON answer in the v2 media type.
fn v2(value: Value) -> Response {
    let mut response = (StatusCode::OK, axum::Json(value)).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(V2_JSON));
    response
}

fn path<T>(path: Result<Path<T>, PathRejection>) -> Result<T, RestError> {
    path.map(|Path(p)| p).map_err(|e| RestError::BadRequest(e.body_text()))
}

/// The body parsed as `T` after the media type check; an empty body is `None`.
fn body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<Option<T>, RestError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    require_media_type(headers, BODY_TYPES)?;
    parse_json(bytes).map(Some)
}

fn required<T>(value: Option<T>) -> Result<T, RestError> {
    value.ok_or_else(|| RestError::Unprocessable("Request body is empty".into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicPartitionBody {
    topic: String,
    partition: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartitionsBody {
    partitions: Vec<TopicPartitionBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OffsetBody {
    topic: String,
    partition: i32,
    offset: i64,
    #[serde(default)]
    metadata: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OffsetsBody {
    offsets: Vec<OffsetBody>,
}

/// `POST .../positions`: offsets, or timestamps (ISO-8601 instants) to seek by.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeekBody {
    #[serde(default)]
    offsets: Vec<OffsetBody>,
    #[serde(default)]
    timestamps: Vec<TimestampBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimestampBody {
    topic: String,
    partition: i32,
    timestamp: String,
    #[serde(default)]
    #[allow(dead_code)]
    metadata: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionBody {
    #[serde(default)]
    topics: Option<Vec<String>>,
    #[serde(default)]
    topic_pattern: Option<String>,
}

/// Each partition checked to exist: 404 40401 for a topic, 40402 for a partition.
fn existing(rest: &Rest, partitions: Vec<TopicPartitionBody>) -> Result<Vec<Partition>, RestError> {
    partitions
        .into_iter()
        .map(|p| {
            let partition = (p.topic, p.partition);
            partition_log(&rest.broker, &partition)?;
            Ok(partition)
        })
        .collect()
}

fn offset_checked(offset: i64) -> Result<i64, RestError> {
    if offset < 0 {
        return Err(RestError::Unprocessable(format!("Invalid offset {offset}: offsets are >= 0")));
    }
    Ok(offset)
}

/// `POST /consumers/{group}`: `{"instance_id", "base_uri"}`.
async fn create(
    State(rest): State<Rest>,
    group: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<Response, RestError> {
    let group = path(group)?;
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        require_media_type(&headers, BODY_TYPES)?;
    }
    let config = InstanceConfig::parse(&bytes)?;
    let instance = rest.consumers.create(&group, config)?;
    let scheme = if rest.broker.config.tls_files().is_some() { "https" } else { "http" };
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or(&rest.broker.config.http_listen);
    let base_uri = format!("{scheme}://{host}/consumers/{}/instances/{}", escape(&group), escape(&instance.name));
    Ok(v2(json!({ "instance_id": instance.name, "base_uri": base_uri })))
}

/// Percent-encodes all but RFC 3986's unreserved characters, for a path segment.
fn escape(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `DELETE .../instances/{name}`: commits (with auto-commit), leaves the group, 204.
async fn delete_instance(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.remove(&group, &name)?;
    instance.close(&rest.broker).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../subscription`: `{"topics": [...]}` or `{"topic_pattern": "regex"}`, 204.
async fn subscribe(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<StatusCode, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let request: SubscriptionBody = required(body(&headers, &bytes)?)?;
    let subscription = match (request.topics, request.topic_pattern) {
        (Some(topics), None) if !topics.is_empty() => {
            // Kafka's consumer refuses invalid names (InvalidTopicException); they
            // also could not be carried in the group's subscription metadata.
            if let Some(reason) = topics.iter().find_map(|t| crate::topics::name::validate(t).err()) {
                return Err(RestError::Unprocessable(reason));
            }
            let mut topics = topics;
            topics.sort();
            topics.dedup();
            Subscription::Topics(topics)
        }
        (None, Some(pattern)) => {
            if pattern.len() > MAX_PATTERN_LEN {
                return Err(RestError::Unprocessable(format!("topic_pattern is longer than {MAX_PATTERN_LEN} bytes")));
            }
            let anchored = format!("^(?:{pattern})$");
            // Bounded, as each instance keeps its compiled pattern and matches it every few seconds.
            let regex = regex::RegexBuilder::new(&anchored)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| RestError::Unprocessable(format!("Invalid topic_pattern {pattern:?}: {e}")))?;
            Subscription::Pattern(regex)
        }
        _ => {
            return Err(RestError::Unprocessable(
                "A subscription needs either a non-empty list of topics or a topic_pattern".into(),
            ))
        }
    };
    let broker = rest.broker.clone();
    let running = instance.clone();
    instance.subscribe(subscription, move |task, feed| {
        tokio::spawn(member::run(broker, running, task, feed));
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET .../subscription`: `{"topics": [...]}` (a pattern's current matches).
async fn subscription(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let topics = match instance.consuming() {
        Consuming::Subscribed(subscription) => subscription.topics(&rest.broker),
        _ => Vec::new(),
    };
    Ok(v2(json!({ "topics": topics })))
}

/// `DELETE .../subscription`: commits (with auto-commit) and leaves the group, 204.
async fn unsubscribe(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    instance.unsubscribe(&rest.broker).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../assignments`: `{"partitions": [{"topic", "partition"}]}`, 204.
async fn assign(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<StatusCode, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let request: PartitionsBody = required(body(&headers, &bytes)?)?;
    let partitions: BTreeSet<Partition> = existing(&rest, request.partitions)?.into_iter().collect();
    instance.assign(partitions)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET .../assignments`: the partitions the instance owns now, by hand or
/// from its group (Kafka's `assignment()`).
async fn assignments(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let partitions: Vec<Value> = instance
        .owned()
        .into_iter()
        .map(|(topic, partition)| json!({"topic": topic, "partition": partition}))
        .collect();
    Ok(v2(json!({ "partitions": partitions })))
}

/// `POST .../offsets`: commits `{"offsets": [{"topic", "partition", "offset", "metadata"}]}`
/// (each as offset + 1), or every position when the body is empty; 204.
async fn commit(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<StatusCode, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let request: Option<OffsetsBody> = body(&headers, &bytes)?;
    match request {
        None => instance.commit(&rest.broker, instance.positions(), None).await?,
        Some(request) => {
            let mut offsets = Vec::with_capacity(request.offsets.len());
            let mut metadata = Vec::with_capacity(request.offsets.len());
            for entry in request.offsets {
                let partition = (entry.topic, entry.partition);
                partition_log(&rest.broker, &partition)?;
                let next = offset_checked(entry.offset)?.saturating_add(1);
                if entry.metadata.as_ref().is_some_and(|m| m.encode_utf16().count() > OFFSET_METADATA_MAX_BYTES) {
                    return Err(RestError::Unprocessable(format!(
                        "Offset metadata is longer than {OFFSET_METADATA_MAX_BYTES} characters (offset.metadata.max.bytes)"
                    )));
                }
                offsets.push((partition, next));
                metadata.push(entry.metadata);
            }
            instance.commit(&rest.broker, offsets, Some(metadata)).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET .../offsets` with `{"partitions": [...]}` (the owned partitions when
/// the body is empty): `{"offsets": [{"topic", "partition", "offset", "metadata"}]}`
/// for those with a committed offset, as the REST Proxy answers.
async fn committed(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<Response, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let request: Option<PartitionsBody> = body(&headers, &bytes)?;
    let partitions: Vec<Partition> = match request {
        Some(request) => existing(&rest, request.partitions)?,
        None => instance.owned().into_iter().collect(),
    };
    let asked: Vec<crate::group::TopicPartition> =
        partitions.into_iter().map(|(topic, partition)| crate::group::TopicPartition { topic, partition }).collect();
    let offsets: Vec<Value> = rest
        .broker
        .groups
        .offset_fetch(&instance.group, Some(&asked))
        .map_err(group_error)?
        .into_iter()
        .filter_map(|(tp, offset)| {
            let offset = offset?;
            Some(json!({
                "topic": tp.topic,
                "partition": tp.partition,
                "offset": offset.offset,
                "metadata": offset.metadata.unwrap_or_default(),
            }))
        })
        .collect();
    Ok(v2(json!({ "offsets": offsets })))
}

/// `POST .../positions`: `{"offsets": [{"topic", "partition", "offset"}]}`, the
/// next offsets to read, and/or `{"timestamps": [{"topic", "partition",
/// "timestamp"}]}`, the first record at or after an ISO-8601 instant (the log
/// end when there is none, where the next record will be); only owned
/// partitions (409 otherwise); 204.
async fn seek(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<StatusCode, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let request: SeekBody = required(body(&headers, &bytes)?)?;
    let mut positions = Vec::with_capacity(request.offsets.len() + request.timestamps.len());
    for entry in request.offsets {
        let partition = (entry.topic, entry.partition);
        partition_log(&rest.broker, &partition)?;
        positions.push((partition, offset_checked(entry.offset)?));
    }
    for entry in request.timestamps {
        let partition = (entry.topic, entry.partition);
        let log = partition_log(&rest.broker, &partition)?;
        let at = parse_instant_ms(&entry.timestamp).map_err(RestError::Unprocessable)?;
        // The time index lookup reads (and may decompress) a batch from disk.
        let offset = match crate::blocking(|| log.offset_for_timestamp(at)) {
            Ok(Some(found)) => found.offset,
            Ok(None) => log.end_offset(),
            Err(e) => return Err(RestError::Kafka(format!("cannot look up offsets by time: {e}"))),
        };
        positions.push((partition, offset));
    }
    instance.seek(&positions)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which end of the log `seek_to` goes to.
#[derive(Clone, Copy)]
enum End {
    Beginning,
    End,
}

async fn seek_to(
    rest: Rest,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    bytes: &[u8],
    end: End,
) -> Result<StatusCode, RestError> {
    let (group, name) = path(names)?;
    let instance = rest.consumers.get(&group, &name)?;
    let request: PartitionsBody = required(body(&headers, bytes)?)?;
    let mut positions = Vec::with_capacity(request.partitions.len());
    for partition in existing(&rest, request.partitions)? {
        let log = partition_log(&rest.broker, &partition)?;
        let offset = match end {
            End::Beginning => log.start_offset(),
            End::End => log.end_offset(),
        };
        positions.push((partition, offset));
    }
    instance.seek(&positions)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../positions/beginning`: `{"partitions": [...]}` to their log start offsets, 204.
async fn seek_to_beginning(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<StatusCode, RestError> {
    seek_to(rest, names, headers, &bytes, End::Beginning).await
}

/// `POST .../positions/end`: `{"partitions": [...]}` to their log end offsets, 204.
async fn seek_to_end(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    Body(bytes): Body,
) -> Result<StatusCode, RestError> {
    seek_to(rest, names, headers, &bytes, End::End).await
}

/// The format an Accept header asks for: `Some` when it names one of the
/// embedded-format media types, `None` when it leaves the choice to the
/// instance (absent, `*/*`, `application/vnd.kafka.v2+json`, `application/json`).
fn accepted_format(headers: &HeaderMap) -> Option<Result<Format, ()>> {
    let accept = headers.get(ACCEPT)?.to_str().ok()?;
    let mut asked = None;
    for item in accept.split(',') {
        let media = item.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match media.as_str() {
            "application/vnd.kafka.binary.v2+json" => return Some(Ok(Format::Binary)),
            "application/vnd.kafka.json.v2+json" => return Some(Ok(Format::Json)),
            m if m.starts_with("application/vnd.kafka.") && m.ends_with(".v2+json") && m != V2_JSON => {
                asked = Some(Err(()))
            }
            _ => {}
        }
    }
    asked
}

/// `GET .../records?timeout=&max_bytes=`: the records after the positions, a JSON array.
async fn records(
    State(rest): State<Rest>,
    names: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let (group, name) = path(names)?;
    let Query(query) = query.map_err(|e| RestError::BadRequest(e.body_text()))?;
    let instance = rest.consumers.get(&group, &name)?;
    if let Some(asked) = accepted_format(&headers) {
        if asked != Ok(instance.config.format) {
            return Err(RestError::ConsumerFormatMismatch);
        }
    }
    let number = |name: &str| -> Result<Option<u64>, RestError> {
        query
            .get(name)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    RestError::Unprocessable(format!("Invalid {name} {v:?}: expected a non-negative integer"))
                })
            })
            .transpose()
    };
    let timeout = match number("timeout")? {
        Some(ms) => Duration::from_millis(ms),
        None => instance.config.request_timeout.unwrap_or(read::DEFAULT_TIMEOUT),
    }
    .min(read::MAX_TIMEOUT);
    let max_bytes = number("max_bytes")?.unwrap_or(read::MAX_BYTES).clamp(1, read::MAX_BYTES);
    let found = read::records(&rest.broker, &instance, timeout, max_bytes).await;
    instance.touch();
    let mut response = (StatusCode::OK, axum::Json(Value::Array(found?))).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(instance.config.format.media_type()));
    Ok(response)
}
