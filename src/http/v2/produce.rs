//! REST Proxy v2 produce: `POST /topics/{topic}` and
//! `POST /topics/{topic}/partitions/{partition}` with
//! `application/vnd.kafka.binary.v2+json` (keys and values base64) or
//! `application/vnd.kafka.json.v2+json` (keys and values any JSON, stored as
//! their compact JSON text with object members in the order sent, as the REST
//! Proxy's JSON serializer writes them: serde_json's `preserve_order`).
//!
//! Body: `{"records": [{"key": ..., "value": ..., "partition": n}, ...]}`; the
//! schema fields of the Avro/Protobuf formats are ignored (those formats need a
//! schema registry strand does not have: 415). Answer, in record order:
//! `{"key_schema_id": null, "value_schema_id": null, "offsets": [{"partition",
//! "offset", "error_code", "error"}]}`. Partitioning, limits and the
//! all-or-nothing rule per partition are `http::produce`'s.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::topics::{parse_partition, v2_json};
use crate::http::extract::{self, Body};
use crate::http::produce::{self, OutRecord};
use crate::http::{Rest, RestError};

const BINARY: &str = "application/vnd.kafka.binary.v2+json";
const JSON: &str = "application/vnd.kafka.json.v2+json";

#[derive(Deserialize)]
struct ProduceRequest {
    records: Vec<V2Record>,
}

/// A record is a JSON object, as the REST Proxy's Jackson binding reads it; a
/// derived `Deserialize` would also take a positional array (`[key, value]`).
#[derive(Deserialize)]
#[serde(try_from = "serde_json::Map<String, Value>")]
struct V2Record {
    key: Option<Value>,
    value: Option<Value>,
    partition: Option<i32>,
}

impl TryFrom<serde_json::Map<String, Value>> for V2Record {
    type Error = String;

    fn try_from(mut fields: serde_json::Map<String, Value>) -> Result<Self, String> {
        let partition = match fields.remove("partition") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                p.as_i64()
                    .and_then(|p| i32::try_from(p).ok())
                    .ok_or_else(|| format!("a record's partition must be a 32-bit integer, not {p}"))?,
            ),
        };
        let mut take = |name| fields.remove(name).filter(|v: &Value| !v.is_null());
        Ok(V2Record { key: take("key"), value: take("value"), partition })
    }
}

/// The embedded format of a produce body.
#[derive(Clone, Copy)]
enum Format {
    Binary,
    Json,
}

/// `POST /topics/{topic}`: each record to its own partition, or the partitioner's.
pub async fn to_topic(
    State(rest): State<Rest>,
    Path(topic): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, RestError> {
    handle(rest, &topic, None, &headers, body).await
}

/// `POST /topics/{topic}/partitions/{partition}`: every record to that partition.
pub async fn to_partition(
    State(rest): State<Rest>,
    Path((topic, partition)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, RestError> {
    handle(rest, &topic, Some(partition), &headers, body).await
}

async fn handle(
    rest: Rest,
    topic: &str,
    partition: Option<String>,
    headers: &HeaderMap,
    Body(body): Body,
) -> Result<Response, RestError> {
    let format = match extract::require_media_type(headers, &[BINARY, JSON])?.as_str() {
        BINARY => Format::Binary,
        _ => Format::Json,
    };
    let topic = produce::topic(&rest.broker, topic)?;
    let partition = partition.map(|p| parse_partition(&topic, &p)).transpose()?;
    let request: ProduceRequest = extract::json(&body)?;
    let records = request
        .records
        .into_iter()
        .map(|r| {
            Ok(OutRecord {
                partition: partition.or(r.partition),
                key: serialize(format, r.key, "key")?,
                value: serialize(format, r.value, "value")?,
                headers: Vec::new(),
                timestamp: None,
            })
        })
        .collect::<Result<Vec<_>, RestError>>()?;
    let placed = produce::produce(&rest.broker, &topic, records).await?;
    let offsets: Vec<Value> = placed
        .into_iter()
        .map(|result| match result {
            Ok(p) => json!({ "partition": p.partition, "offset": p.offset, "error_code": null, "error": null }),
            Err(e) => {
                let (_, code) = e.status_and_code();
                json!({ "partition": null, "offset": null, "error_code": code, "error": e.to_string() })
            }
        })
        .collect();
    Ok(v2_json(json!({ "key_schema_id": null, "value_schema_id": null, "offsets": offsets })))
}

/// A key or value's bytes: base64-decoded for binary, compact JSON text for json; null stays null.
fn serialize(format: Format, value: Option<Value>, what: &str) -> Result<Option<Bytes>, RestError> {
    let Some(value) = value else { return Ok(None) };
    match format {
        Format::Json => serde_json::to_vec(&value)
            .map(|v| Some(Bytes::from(v)))
            .map_err(|e| RestError::Unprocessable(format!("cannot serialize the record {what}: {e}"))),
        Format::Binary => {
            let Value::String(text) = value else {
                return Err(RestError::Unprocessable(format!("a binary record {what} must be a base64 string")));
            };
            base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map(|v| Some(Bytes::from(v)))
                .map_err(|e| RestError::Unprocessable(format!("the record {what} is not valid base64: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_an_object_with_an_integer_partition() {
        let parse = |body: &str| serde_json::from_str::<ProduceRequest>(body).map(|r| r.records.len());
        assert_eq!(
            parse(r#"{"records":[{"value":1},{"key":null,"value":null,"partition":0,"other":1}]}"#).ok(),
            Some(2)
        );
        assert!(parse(r#"{"records":[[null,null]]}"#).is_err());
        assert!(parse(r#"{"records":[{"value":1,"partition":"0"}]}"#).is_err());
        assert!(parse(r#"{"records":[{"value":1,"partition":4294967296}]}"#).is_err());
        let request: ProduceRequest =
            serde_json::from_str(r#"{"records":[{"key":null,"value":{"a":1},"partition":1}]}"#).unwrap();
        let record = &request.records[0];
        assert_eq!(
            (record.key.is_none(), record.value.clone(), record.partition),
            (true, Some(json!({"a": 1})), Some(1))
        );
    }
}
