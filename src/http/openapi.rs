//! The OpenAPI 3.0 document of the REST listener, at `GET /openapi.json`: every
//! route `rest_router` serves (the REST Proxy API v2 and v3, strand's
//! `/strand/v1` query and stats, and this document), with the media types each
//! one takes and answers, so that a generator (schemathesis) can build both
//! valid and invalid requests from it.
//!
//! Request and response shapes are the Confluent REST Proxy's (kafka-rest's
//! `v2` and `v3` entities, as Redpanda's HTTP Proxy serves them too); errors are
//! its `{"error_code", "message"}` body (`http::error`). Response schemas list the
//! fields clients read and leave the rest open (`additionalProperties`), as the
//! REST Proxy adds fields between versions. The operators' `/metrics` and
//! `/health` are on the metrics listener, not here.
//!
//! Built in code rather than kept as a file so that limits come from the
//! broker's configuration (`http_max_records_per_request` is each produce
//! body's `maxItems`) and the compiler checks every piece is well-formed JSON.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::Rest;

/// The media types of the REST Proxy API v2 (kafka-rest's `Versions`).
const V2_JSON: &str = "application/vnd.kafka.v2+json";
const V2_BINARY_RECORDS: &str = "application/vnd.kafka.binary.v2+json";
const V2_JSON_RECORDS: &str = "application/vnd.kafka.json.v2+json";
const JSON: &str = "application/json";

pub fn router() -> Router<Rest> {
    Router::new().route("/openapi.json", get(openapi))
}

async fn openapi(State(rest): State<Rest>) -> impl IntoResponse {
    let max_records = rest.broker.config.http_max_records_per_request;
    ([(CONTENT_TYPE, JSON)], axum::Json(document(max_records)))
}

/// The whole document; `max_records` bounds every produce body's records.
pub fn document(max_records: u32) -> Value {
    let mut paths = Map::new();
    let mut add = |path: &str, method: &str, operation: Value| {
        let item = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        item[method] = operation;
    };

    // --- REST Proxy API v2: topics and produce ---
    add(
        "/topics",
        "get",
        op(
            "v2",
            "listTopics",
            "The names of every topic.",
            vec![],
            None,
            ok(v2_media(json!({"type": "array", "items": {"type": "string"}}))),
        ),
    );
    add(
        "/topics/{topic}",
        "get",
        op(
            "v2",
            "getTopic",
            "One topic: its configs and partitions.",
            vec![topic()],
            None,
            ok(v2_media(reference("V2Topic"))),
        ),
    );
    add(
        "/topics/{topic}/partitions",
        "get",
        op(
            "v2",
            "listPartitions",
            "The topic's partitions, leader and replicas.",
            vec![topic()],
            None,
            ok(v2_media(json!({"type": "array", "items": reference("V2Partition")}))),
        ),
    );
    add(
        "/topics/{topic}/partitions/{partition}",
        "get",
        op(
            "v2",
            "getPartition",
            "One partition: leader and replicas.",
            vec![topic(), partition("partition")],
            None,
            ok(v2_media(reference("V2Partition"))),
        ),
    );
    add(
        "/topics/{topic}",
        "post",
        op("v2", "produceToTopic", "Appends records to the topic: to the partition a record names, else by its key (Kafka's default partitioner), else as the broker chooses.", vec![topic()], Some(v2_produce_body(max_records, true)), ok(v2_media(reference("V2ProduceResponse")))),
    );
    add(
        "/topics/{topic}/partitions/{partition}",
        "post",
        op(
            "v2",
            "produceToPartition",
            "Appends records to one partition.",
            vec![topic(), partition("partition")],
            Some(v2_produce_body(max_records, false)),
            ok(v2_media(reference("V2ProduceResponse"))),
        ),
    );

    // --- REST Proxy API v2: consumers ---
    let group = || path_string("group", "The consumer group.");
    let instance = || path_string("instance", "The consumer instance's name.");
    let base = "/consumers/{group}/instances/{instance}";
    add(
        "/consumers/{group}",
        "post",
        op(
            "v2 consumers",
            "createConsumer",
            "Creates a consumer instance in the group (a real member of it once it subscribes); an empty body takes every default.",
            vec![group()],
            Some(optional(v2_body(reference("V2CreateConsumer")))),
            ok(v2_media(reference("V2ConsumerInstance"))),
        ),
    );
    add(
        base,
        "delete",
        op(
            "v2 consumers",
            "deleteConsumer",
            "Removes the instance; it leaves the group.",
            vec![group(), instance()],
            None,
            no_content(),
        ),
    );
    add(
        &format!("{base}/subscription"),
        "post",
        op(
            "v2 consumers",
            "subscribe",
            "Subscribes to a list of topics or a topic pattern.",
            vec![group(), instance()],
            Some(v2_body(reference("V2Subscription"))),
            no_content(),
        ),
    );
    add(
        &format!("{base}/subscription"),
        "get",
        op(
            "v2 consumers",
            "getSubscription",
            "The topics subscribed to.",
            vec![group(), instance()],
            None,
            ok(v2_media(
                json!({"type": "object", "properties": {"topics": {"type": "array", "items": {"type": "string"}}}}),
            )),
        ),
    );
    add(
        &format!("{base}/subscription"),
        "delete",
        op("v2 consumers", "unsubscribe", "Drops the subscription.", vec![group(), instance()], None, no_content()),
    );
    add(
        &format!("{base}/assignments"),
        "post",
        op(
            "v2 consumers",
            "assign",
            "Assigns partitions by hand.",
            vec![group(), instance()],
            Some(v2_body(reference("V2Partitions"))),
            no_content(),
        ),
    );
    add(
        &format!("{base}/assignments"),
        "get",
        op(
            "v2 consumers",
            "getAssignments",
            "The partitions assigned to the instance.",
            vec![group(), instance()],
            None,
            ok(v2_media(reference("V2Partitions"))),
        ),
    );
    add(
        &format!("{base}/offsets"),
        "post",
        op(
            "v2 consumers",
            "commitOffsets",
            "Commits the given offsets, or every fetched position when the body is empty or has no offsets.",
            vec![group(), instance()],
            Some(optional(v2_body(reference("V2Offsets")))),
            no_content(),
        ),
    );
    add(
        &format!("{base}/offsets"),
        "get",
        op(
            "v2 consumers",
            "getCommittedOffsets",
            "The group's committed offsets of the given partitions, or of every partition the instance owns when the body is empty.",
            vec![group(), instance()],
            Some(optional(v2_body(reference("V2Partitions")))),
            ok(v2_media(reference("V2CommittedOffsets"))),
        ),
    );
    add(
        &format!("{base}/positions"),
        "post",
        op(
            "v2 consumers",
            "seek",
            "Moves the instance's fetch positions: to offsets, or to the first records at or after timestamps.",
            vec![group(), instance()],
            Some(v2_body(reference("V2Seek"))),
            no_content(),
        ),
    );
    add(
        &format!("{base}/positions/beginning"),
        "post",
        op(
            "v2 consumers",
            "seekToBeginning",
            "Moves the positions to the partitions' log start.",
            vec![group(), instance()],
            Some(v2_body(reference("V2Partitions"))),
            no_content(),
        ),
    );
    add(
        &format!("{base}/positions/end"),
        "post",
        op(
            "v2 consumers",
            "seekToEnd",
            "Moves the positions to the partitions' log end.",
            vec![group(), instance()],
            Some(v2_body(reference("V2Partitions"))),
            no_content(),
        ),
    );
    add(&format!("{base}/records"), "get", v2_records_operation());

    // --- REST Proxy API v3 ---
    let cluster = || path_string("cluster_id", "The cluster id (the broker's).");
    let v3_topic = || path_param("topic_name", "The topic.", topic_name_schema());
    let group_id = || path_string("consumer_group_id", "The consumer group.");
    let v3 = |schema: &str| ok(media(JSON, reference(schema)));
    add("/v3/clusters", "get", op("v3", "listClusters", "The one cluster this broker is.", vec![], None, v3("V3List")));
    add(
        "/v3/clusters/{cluster_id}",
        "get",
        op("v3", "getCluster", "The cluster.", vec![cluster()], None, v3("V3Resource")),
    );
    let broker_id = || path_param("broker_id", "The broker's node id.", json!({"type": "integer", "format": "int32"}));
    add(
        "/v3/clusters/{cluster_id}/brokers",
        "get",
        op("v3", "listBrokers", "The cluster's brokers (this one).", vec![cluster()], None, v3("V3List")),
    );
    add(
        "/v3/clusters/{cluster_id}/brokers/{broker_id}",
        "get",
        op("v3", "getBroker", "One broker.", vec![cluster(), broker_id()], None, v3("V3Resource")),
    );
    add(
        "/v3/clusters/{cluster_id}/topics",
        "get",
        op("v3", "listTopicsV3", "The cluster's topics.", vec![cluster()], None, v3("V3List")),
    );
    add(
        "/v3/clusters/{cluster_id}/topics/{topic_name}",
        "get",
        op("v3", "getTopicV3", "One topic.", vec![cluster(), v3_topic()], None, v3("V3Resource")),
    );
    let config_name = || path_string("name", "The config's name.");
    add(
        "/v3/clusters/{cluster_id}/topics/{topic_name}/configs",
        "get",
        op(
            "v3",
            "listTopicConfigs",
            "The topic's configs, with sources and synonyms.",
            vec![cluster(), v3_topic()],
            None,
            v3("V3List"),
        ),
    );
    add(
        "/v3/clusters/{cluster_id}/topics/{topic_name}/configs/{name}",
        "get",
        op(
            "v3",
            "getTopicConfig",
            "One topic config.",
            vec![cluster(), v3_topic(), config_name()],
            None,
            v3("V3Resource"),
        ),
    );
    add(
        "/v3/clusters/{cluster_id}/topics/{topic_name}/partitions",
        "get",
        op("v3", "listPartitionsV3", "The topic's partitions.", vec![cluster(), v3_topic()], None, v3("V3List")),
    );
    add(
        "/v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}",
        "get",
        op(
            "v3",
            "getPartitionV3",
            "One partition.",
            vec![cluster(), v3_topic(), partition("partition_id")],
            None,
            v3("V3Resource"),
        ),
    );
    add(
        "/v3/clusters/{cluster_id}/consumer-groups",
        "get",
        op("v3", "listConsumerGroups", "The cluster's consumer groups.", vec![cluster()], None, v3("V3List")),
    );
    add(
        "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}",
        "get",
        op("v3", "getConsumerGroup", "One consumer group.", vec![cluster(), group_id()], None, v3("V3Resource")),
    );
    add(
        "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers",
        "get",
        op("v3", "listGroupConsumers", "The group's members.", vec![cluster(), group_id()], None, v3("V3List")),
    );
    add(
        "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}",
        "get",
        op(
            "v3",
            "getGroupConsumer",
            "One member of the group.",
            vec![cluster(), group_id(), path_string("consumer_id", "The member id.")],
            None,
            v3("V3Resource"),
        ),
    );
    add(
        "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags",
        "get",
        op(
            "v3",
            "listGroupLags",
            "The group's lag per committed partition.",
            vec![cluster(), group_id()],
            None,
            v3("V3List"),
        ),
    );
    add(
        "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary",
        "get",
        op(
            "v3",
            "getLagSummary",
            "The group's largest and total lag over its committed partitions.",
            vec![cluster(), group_id()],
            None,
            v3("V3LagSummary"),
        ),
    );
    add(
        "/v3/clusters/{cluster_id}/topics/{topic_name}/records",
        "post",
        v3_records_operation(vec![cluster(), v3_topic()]),
    );

    // --- strand's own ---
    add("/strand/v1/topics/{topic}/records", "get", query_operation());
    add(
        "/strand/v1/topics/{topic}/stats",
        "get",
        op("strand", "topicStats", "Record count, bytes, first and last timestamp, produce rate over the last minute, and produce and fetch latency percentiles.", vec![topic()], None, ok(media(JSON, reference("TopicStats")))),
    );
    add(
        "/openapi.json",
        "get",
        op(
            "strand",
            "openapi",
            "This document.",
            vec![],
            None,
            ok(media(JSON, json!({"type": "object", "required": ["openapi", "paths"]}))),
        ),
    );

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "strand HTTP API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Confluent REST Proxy API v2 and v3 (produce, consumers, read-only admin) and strand's /strand/v1 record query and topic stats, served by the broker itself. With SASL users configured every request needs HTTP Basic auth with one of them."
        },
        "tags": [
            {"name": "v2", "description": "REST Proxy API v2: topics and produce."},
            {"name": "v2 consumers", "description": "REST Proxy API v2: consumer instances, real members of their group."},
            {"name": "v3", "description": "REST Proxy API v3: clusters, topics, partitions, consumer groups, records produce."},
            {"name": "strand", "description": "strand's own query and stats, and this document."}
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic", "description": "Only when the broker has SASL users; then every request."}},
            "schemas": schemas(),
        }
    })
}

/// One operation: `responses` gets the error responses every route can give.
fn op(tag: &str, id: &str, summary: &str, parameters: Vec<Value>, body: Option<Value>, responses: Value) -> Value {
    let mut responses = responses;
    let error = json!({"description": "An error: 401 without valid credentials, 404 for an unknown topic, partition, group, instance or cluster, 413 for a body over http_max_body_bytes, 415 for a wrong media type, 422 for a body or query that does not parse, 429 over a limit.", "content": {JSON: {"schema": reference("Error")}}});
    responses["default"] = error;
    let mut operation = json!({
        "tags": [tag],
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(body) = body {
        operation["requestBody"] = body;
    }
    operation
}

fn ok(content: Value) -> Value {
    json!({"200": {"description": "OK", "content": content}})
}

fn no_content() -> Value {
    json!({"204": {"description": "Done; no body."}})
}

fn media(media_type: &str, schema: Value) -> Value {
    let mut content = Map::new();
    content.insert(media_type.to_owned(), json!({"schema": schema}));
    Value::Object(content)
}

/// A v2 answer: the REST Proxy answers `application/vnd.kafka.v2+json`; plain JSON is accepted too.
fn v2_media(schema: Value) -> Value {
    json!({V2_JSON: {"schema": schema.clone()}, JSON: {"schema": schema}})
}

/// A required v2 JSON body, in the media types kafka-rest takes for it.
fn v2_body(schema: Value) -> Value {
    json!({"required": true, "content": {
        V2_JSON: {"schema": schema.clone()},
        "application/vnd.kafka+json": {"schema": schema.clone()},
        JSON: {"schema": schema}
    }})
}

fn optional(mut body: Value) -> Value {
    body["required"] = json!(false);
    body
}

fn reference(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

/// Kafka's legal topic names (`Topic.validate`): 1 to 249 of `[a-zA-Z0-9._-]`.
fn topic_name_schema() -> Value {
    json!({"type": "string", "pattern": "^[a-zA-Z0-9._-]{1,249}$"})
}

fn topic() -> Value {
    path_param("topic", "The topic.", topic_name_schema())
}

fn partition(name: &str) -> Value {
    path_param(
        name,
        "The partition index.",
        json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": 2147483647}),
    )
}

fn path_string(name: &str, description: &str) -> Value {
    path_param(name, description, json!({"type": "string", "minLength": 1}))
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// `POST /topics/{topic}[/partitions/{partition}]` in both embedded formats; a
/// record names a partition only when posted to the topic.
fn v2_produce_body(max_records: u32, with_partition: bool) -> Value {
    let body = |data: Value| {
        let mut record = json!({
            "type": "object",
            "properties": {"key": data.clone(), "value": data}
        });
        if with_partition {
            record["properties"]["partition"] =
                json!({"type": "integer", "format": "int32", "minimum": 0, "maximum": 2147483647, "nullable": true});
        } else {
            record["description"] = json!("A `partition` here is ignored: the path names it.");
        }
        json!({
            "type": "object",
            "required": ["records"],
            "properties": {"records": {"type": "array", "minItems": 1, "maxItems": max_records, "items": record}},
            "description": "key_schema, value_schema and their ids are for the schema-registry formats, which strand does not serve."
        })
    };
    let binary = json!({"type": "string", "format": "byte", "nullable": true, "pattern": BASE64_PATTERN, "description": "base64; null for none"});
    let any = json!({"nullable": true, "description": "any JSON value; null for none"});
    json!({
        "required": true,
        "content": {
            V2_BINARY_RECORDS: {"schema": body(binary)},
            V2_JSON_RECORDS: {"schema": body(any)},
        }
    })
}

/// Standard base64 with padding, as kafka-rest decodes keys and values.
const BASE64_PATTERN: &str = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";

fn v2_records_operation() -> Value {
    let record = |data: Value| {
        json!({"type": "array", "items": {
            "type": "object",
            "properties": {
                "topic": {"type": "string"},
                "key": data.clone(),
                "value": data,
                "partition": {"type": "integer"},
                "offset": {"type": "integer", "format": "int64"}
            }
        }})
    };
    let mut operation = op(
        "v2 consumers",
        "consumeRecords",
        "Records from the instance's positions, waiting up to `timeout` ms for some; the Accept header names the instance's format.",
        vec![
            path_string("group", "The consumer group."),
            path_string("instance", "The consumer instance's name."),
            query_param("timeout", "Longest wait for records, in ms (capped by the broker).", json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})),
            query_param("max_bytes", "Most bytes of keys and values to answer with (capped by the broker).", json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})),
        ],
        None,
        json!({"200": {"description": "The records, base64 (binary format) or JSON (json format).", "content": {
            V2_BINARY_RECORDS: {"schema": record(json!({"type": "string", "format": "byte", "nullable": true}))},
            V2_JSON_RECORDS: {"schema": record(json!({"nullable": true}))},
        }}}),
    );
    operation["parameters"].as_array_mut().expect("op's parameters is the array it was given").push(json!({
        "name": "Accept", "in": "header", "required": false,
        "schema": {"type": "string", "enum": [V2_BINARY_RECORDS, V2_JSON_RECORDS]}
    }));
    operation
}

fn v3_records_operation(parameters: Vec<Value>) -> Value {
    let body = json!({
        "required": true,
        "description": "One record, or a stream of records (concatenated JSON objects, e.g. a chunked body), each answered with one result line.",
        "content": {JSON: {"schema": reference("V3ProduceRequest")}}
    });
    op(
        "v3",
        "produceRecordsV3",
        "Appends one record, or a stream of them, answering one result per record as each completes.",
        parameters,
        Some(body),
        ok(media(JSON, reference("V3ProduceResult"))),
    )
}

fn query_operation() -> Value {
    let int64 =
        |description: &str| json!({"type": "integer", "format": "int64", "minimum": 0, "description": description});
    op(
        "strand",
        "queryRecords",
        "Records of the topic: sought with the time index, filtered on the server, one page at a time. Records come by partition, then offset; pass `next_cursor` back as `cursor` (with the same filters) for the next page, until it is null.",
        vec![
            topic(),
            query_param("partition", "Only this partition (default: every partition).", json!({"type": "integer", "format": "int32", "minimum": 0})),
            query_param("from_offset", "Start at this offset in each partition (default: the log start).", int64("offset")),
            query_param("from_time", "Start at each partition's first record with a timestamp at or after this (ms since the epoch); earlier records after it are left out.", int64("ms since the epoch")),
            query_param("to_time", "Stop each partition at its first record with a timestamp after this (ms since the epoch).", int64("ms since the epoch")),
            query_param("key", "Only records whose key is exactly this text.", json!({"type": "string"})),
            query_param("header", "Only records with a header NAME whose value is VALUE (`NAME:VALUE`), or with a header NAME at all (`NAME`).", json!({"type": "string", "minLength": 1})),
            query_param("contains", "Only records whose value is UTF-8 text containing this.", json!({"type": "string", "minLength": 1})),
            query_param("limit", "Most records in the page.", json!({"type": "integer", "minimum": 1, "maximum": super::query::MAX_LIMIT, "default": super::query::DEFAULT_LIMIT})),
            query_param("cursor", "The `next_cursor` of the previous page.", json!({"type": "string", "pattern": "^[A-Za-z0-9_-]+$"})),
        ],
        None,
        ok(media(JSON, reference("QueryPage"))),
    )
}

/// `[{"topic", "partition", "offset", "metadata"}]`, as commits and seeks take them.
fn offset_entries() -> Value {
    json!({"type": "array", "items": {
        "type": "object",
        "required": ["topic", "partition", "offset"],
        "properties": {
            "topic": topic_name_schema(),
            "partition": {"type": "integer", "format": "int32", "minimum": 0},
            "offset": {"type": "integer", "format": "int64", "minimum": 0},
            "metadata": {"type": "string", "nullable": true}
        },
        "additionalProperties": false
    }})
}

fn schemas() -> Value {
    let nullable_string = json!({"type": "string", "nullable": true});
    let encoding = json!({"type": "string", "enum": ["utf8", "base64", null], "nullable": true, "description": "How the text beside it encodes the bytes: as UTF-8 itself, or base64 (not valid UTF-8); null when the bytes are null."});
    let latency = json!({
        "type": "object",
        "required": ["samples", "p50", "p95", "p99"],
        "properties": {
            "samples": {"type": "integer", "description": "Requests in the window the percentiles are over."},
            "p50": {"type": "number", "nullable": true},
            "p95": {"type": "number", "nullable": true},
            "p99": {"type": "number", "nullable": true}
        }
    });
    json!({
        "Error": {
            "type": "object",
            "required": ["error_code", "message"],
            "properties": {"error_code": {"type": "integer"}, "message": {"type": "string"}}
        },
        "V2Replica": {
            "type": "object",
            "properties": {"broker": {"type": "integer"}, "leader": {"type": "boolean"}, "in_sync": {"type": "boolean"}}
        },
        "V2Partition": {
            "type": "object",
            "required": ["partition", "leader", "replicas"],
            "properties": {
                "partition": {"type": "integer"},
                "leader": {"type": "integer"},
                "replicas": {"type": "array", "items": reference("V2Replica")}
            }
        },
        "V2Topic": {
            "type": "object",
            "required": ["name", "partitions"],
            "properties": {
                "name": {"type": "string"},
                "configs": {"type": "object", "additionalProperties": {"type": "string", "nullable": true}},
                "partitions": {"type": "array", "items": reference("V2Partition")}
            }
        },
        "V2ProduceResponse": {
            "type": "object",
            "required": ["offsets"],
            "properties": {
                "key_schema_id": {"type": "integer", "nullable": true},
                "value_schema_id": {"type": "integer", "nullable": true},
                "offsets": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "partition": {"type": "integer", "nullable": true},
                        "offset": {"type": "integer", "format": "int64", "nullable": true},
                        "error_code": {"type": "integer", "nullable": true},
                        "error": {"type": "string", "nullable": true}
                    }
                }}
            }
        },
        "V2CreateConsumer": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "nullable": true, "pattern": "^[a-zA-Z0-9._-]{1,255}$", "description": "The instance's name (null or absent: generated)."},
                "format": {"type": "string", "nullable": true, "enum": ["binary", "json", null], "default": "binary"},
                "auto.offset.reset": {"type": "string", "nullable": true, "pattern": "^(earliest|latest|smallest|largest|none|by_duration:P([0-9]{1,5}D)?T[0-9]{1,5}[HMS])$", "description": "earliest, latest, none, or by_duration:<ISO-8601 duration> (KIP-1106); default latest."},
                "auto.commit.enable": {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}], "nullable": true, "description": "default true"},
                "fetch.min.bytes": {"description": "Accepted and ignored: a records request answers what it has when its timeout ends."},
                "consumer.request.timeout.ms": {"oneOf": [{"type": "integer", "minimum": 0, "maximum": u64::MAX}, {"type": "string", "pattern": "^[0-9]{1,19}$"}], "nullable": true, "description": "ms a records request waits when it names no timeout (capped by the broker)."}
            }
        },
        "V2ConsumerInstance": {
            "type": "object",
            "required": ["instance_id", "base_uri"],
            "properties": {"instance_id": {"type": "string"}, "base_uri": {"type": "string"}}
        },
        "V2Subscription": {
            "description": "A non-empty list of topics, or a pattern (the whole topic name must match), not both.",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["topics"],
                    "properties": {"topics": {"type": "array", "minItems": 1, "items": topic_name_schema()}},
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "required": ["topic_pattern"],
                    "properties": {"topic_pattern": {"type": "string", "pattern": "^[a-zA-Z0-9._-]+$"}},
                    "additionalProperties": false
                }
            ]
        },
        "V2TopicPartition": {
            "type": "object",
            "required": ["topic", "partition"],
            "properties": {"topic": topic_name_schema(), "partition": {"type": "integer", "format": "int32", "minimum": 0}},
            "additionalProperties": false
        },
        "V2Partitions": {
            "type": "object",
            "required": ["partitions"],
            "properties": {"partitions": {"type": "array", "items": reference("V2TopicPartition")}},
            "additionalProperties": false
        },
        "V2Offsets": {
            "type": "object",
            "required": ["offsets"],
            "properties": {"offsets": offset_entries()},
            "additionalProperties": false
        },
        "V2Seek": {
            "type": "object",
            "properties": {
                "offsets": offset_entries(),
                "timestamps": {"type": "array", "items": {
                    "type": "object",
                    "required": ["topic", "partition", "timestamp"],
                    "properties": {
                        "topic": topic_name_schema(),
                        "partition": {"type": "integer", "format": "int32", "minimum": 0},
                        "timestamp": {"type": "string", "format": "date-time"},
                        "metadata": {"type": "string", "nullable": true}
                    },
                    "additionalProperties": false
                }}
            },
            "additionalProperties": false
        },
        "V2CommittedOffsets": {
            "type": "object",
            "required": ["offsets"],
            "properties": {"offsets": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "topic": {"type": "string"},
                    "partition": {"type": "integer"},
                    "offset": {"type": "integer", "format": "int64"},
                    "metadata": {"type": "string", "nullable": true}
                }
            }}}
        },
        "V3Metadata": {
            "type": "object",
            "properties": {"self": {"type": "string"}, "resource_name": {"type": "string", "nullable": true}, "next": {"type": "string", "nullable": true}}
        },
        "V3Resource": {
            "type": "object",
            "required": ["kind", "metadata"],
            "properties": {"kind": {"type": "string"}, "metadata": reference("V3Metadata")}
        },
        "V3List": {
            "type": "object",
            "required": ["kind", "metadata", "data"],
            "properties": {
                "kind": {"type": "string"},
                "metadata": reference("V3Metadata"),
                "data": {"type": "array", "items": reference("V3Resource")}
            }
        },
        "V3LagSummary": {
            "type": "object",
            "required": ["kind", "metadata"],
            "properties": {
                "kind": {"type": "string"},
                "metadata": reference("V3Metadata"),
                "cluster_id": {"type": "string"},
                "consumer_group_id": {"type": "string"},
                "max_lag": {"type": "integer", "format": "int64"},
                "total_lag": {"type": "integer", "format": "int64"},
                "max_lag_consumer_id": {"type": "string", "nullable": true},
                "max_lag_instance_id": {"type": "string", "nullable": true},
                "max_lag_client_id": {"type": "string", "nullable": true},
                "max_lag_topic_name": {"type": "string", "nullable": true, "description": "null when the group has no committed offsets"},
                "max_lag_partition_id": {"type": "integer", "nullable": true}
            }
        },
        "V3ProduceData": {
            "type": "object",
            "description": "A key or value: `data` as `type` says (BINARY: base64, JSON: any JSON, STRING: text).",
            "properties": {
                "type": {"type": "string", "enum": ["BINARY", "JSON", "STRING"]},
                "data": {"nullable": true}
            }
        },
        "V3ProduceRequest": {
            "type": "object",
            "properties": {
                "partition_id": {"type": "integer", "format": "int32", "minimum": 0, "nullable": true},
                "headers": {"type": "array", "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "value": {"type": "string", "format": "byte", "nullable": true, "pattern": BASE64_PATTERN}}
                }},
                "key": reference("V3ProduceData"),
                "value": reference("V3ProduceData"),
                "timestamp": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": true,
                    "pattern": "^(197[1-9]|19[89][0-9]|20[01][0-9]|202[0-5])-",
                    "description": "RFC 3339. The broker refuses times before 1970 and, as Kafka, CreateTime more than message.timestamp.after.max.ms ahead of its clock; the pattern keeps generated times in 1971-2025."
                }
            }
        },
        "V3ProduceResult": {
            "type": "object",
            "required": ["error_code"],
            "properties": {
                "error_code": {"type": "integer"},
                "message": {"type": "string"},
                "cluster_id": {"type": "string"},
                "topic_name": {"type": "string"},
                "partition_id": {"type": "integer"},
                "offset": {"type": "integer", "format": "int64"},
                "timestamp": {"type": "string", "nullable": true},
                "key": {"type": "object", "nullable": true},
                "value": {"type": "object", "nullable": true}
            }
        },
        "QueryRecord": {
            "type": "object",
            "required": ["partition", "offset", "timestamp", "key", "key_encoding", "value", "value_encoding", "headers"],
            "properties": {
                "partition": {"type": "integer"},
                "offset": {"type": "integer", "format": "int64"},
                "timestamp": {"type": "integer", "format": "int64", "description": "ms since the epoch (CreateTime or LogAppendTime, as the topic says)."},
                "key": nullable_string.clone(),
                "key_encoding": encoding.clone(),
                "value": nullable_string.clone(),
                "value_encoding": encoding.clone(),
                "headers": {"type": "array", "items": {
                    "type": "object",
                    "required": ["name", "value", "value_encoding"],
                    "properties": {"name": {"type": "string"}, "value": nullable_string, "value_encoding": encoding}
                }}
            }
        },
        "QueryPage": {
            "type": "object",
            "required": ["records", "next_cursor"],
            "properties": {
                "records": {"type": "array", "items": reference("QueryRecord")},
                "next_cursor": {"type": "string", "nullable": true, "description": "null once every partition asked for was read to its end (or to to_time)."}
            }
        },
        "TopicStats": {
            "type": "object",
            "required": ["topic", "partitions", "record_count", "bytes", "first_timestamp", "last_timestamp", "produce_rate", "produce_latency_ms", "fetch_latency_ms"],
            "properties": {
                "topic": {"type": "string"},
                "partitions": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "partition": {"type": "integer"},
                        "start_offset": {"type": "integer", "format": "int64"},
                        "end_offset": {"type": "integer", "format": "int64"},
                        "bytes": {"type": "integer", "format": "int64"}
                    }
                }},
                "record_count": {"type": "integer", "format": "int64", "description": "Sum of end offset minus log start offset."},
                "bytes": {"type": "integer", "format": "int64", "description": "Bytes of the partitions' segments."},
                "first_timestamp": {"type": "integer", "format": "int64", "nullable": true, "description": "Earliest timestamp of a partition's first record."},
                "last_timestamp": {"type": "integer", "format": "int64", "nullable": true, "description": "Largest record timestamp in the topic."},
                "produce_rate": {
                    "type": "object",
                    "required": ["window_seconds", "records_per_second", "bytes_per_second"],
                    "properties": {
                        "window_seconds": {"type": "integer"},
                        "records_per_second": {"type": "number"},
                        "bytes_per_second": {"type": "number"}
                    }
                },
                "produce_latency_ms": latency.clone(),
                "fetch_latency_ms": latency
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` in `value` names a schema the document defines.
    fn refs_resolve(value: &Value, schemas: &Map<String, Value>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let name = target.strip_prefix("#/components/schemas/").expect("only component refs");
                    assert!(schemas.contains_key(name), "dangling $ref {target}");
                }
                map.values().for_each(|v| refs_resolve(v, schemas));
            }
            Value::Array(items) => items.iter().for_each(|v| refs_resolve(v, schemas)),
            _ => {}
        }
    }

    #[test]
    fn every_ref_resolves_and_every_operation_is_complete() {
        let doc = document(10_000);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        refs_resolve(&doc, schemas);
        let mut ids = std::collections::HashSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                assert!(
                    ids.insert(operation["operationId"].as_str().unwrap().to_owned()),
                    "{method} {path}: duplicate id"
                );
                assert!(operation["responses"]["default"].is_object(), "{method} {path}: no error response");
                // Every {name} in the path is a declared path parameter, and no other.
                let declared: Vec<&str> = operation["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect();
                let in_path: Vec<&str> =
                    path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
                assert_eq!(declared, in_path, "{method} {path}");
            }
        }
    }

    #[test]
    fn produce_bodies_carry_the_records_limit() {
        let doc = document(7);
        let body = &doc["paths"]["/topics/{topic}"]["post"]["requestBody"]["content"][V2_BINARY_RECORDS]["schema"];
        assert_eq!(body["properties"]["records"]["maxItems"], 7);
    }
}
