//! v3 records produce: `POST /v3/clusters/{cluster}/topics/{topic}/records`,
//! as the REST Proxy's `ProduceAction` serves it.
//!
//! The body is one JSON record or a stream of them, concatenated (whitespace or
//! newlines between them are fine):
//! `{"partition_id": 0, "headers": [{"name": "h", "value": "<base64>"}],
//!   "key": {"type": "BINARY"|"JSON"|"STRING", "data": ...}, "value": {...},
//!   "timestamp": "2021-02-05T19:14:42Z"}`, every field optional. A key or value
//! without a `type` is JSON (the REST Proxy would ask its schema registry; strand
//! has none, so the schema types AVRO, PROTOBUF, JSONSCHEMA and schema fields are
//! refused, 400).
//!
//! Each record is appended on its own as soon as it has arrived whole (its own
//! batch, partitioned as `http::produce` does), and answered with one JSON line:
//! `{"error_code": 200, "cluster_id", "topic_name", "partition_id", "offset",
//! "timestamp", "key": {"type", "size"}, "value": {...}}`, or
//! `{"error_code": 4xx/5xx, "message"}` for a record that failed, in order.
//! A chunked request is answered while it streams; a request with a length is
//! read whole (under `http_max_body_bytes`) and, when it holds one record,
//! answered with that record's object and its HTTP status, as the REST Proxy
//! does outside streaming mode. A body that stops being JSON ends the stream
//! after an error line (there is no record boundary to resume at); at most
//! `http_max_records_per_request` records per request, then a 422 line ends it.
//! A stream still open when the broker shuts down ends with a retriable error line.

use std::sync::Arc;

use axum::body::Body as HttpBody;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::header::{CONTENT_TYPE, TRANSFER_ENCODING};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{timestamp, Urls};
use crate::http::extract::{self, Body};
use crate::http::produce::{self, OutRecord};
use crate::http::{Rest, RestError};
use crate::topics::Topic;

/// Answer lines buffered ahead of a slow reader before the producing stops to wait.
const LINES_IN_FLIGHT: usize = 64;

#[derive(Deserialize)]
struct V3Record {
    #[serde(default)]
    partition_id: Option<i32>,
    #[serde(default)]
    headers: Option<Vec<V3Header>>,
    #[serde(default)]
    key: Option<V3Data>,
    #[serde(default)]
    value: Option<V3Data>,
    #[serde(default)]
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct V3Header {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct V3Data {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    subject: Option<Value>,
    #[serde(default)]
    subject_name_strategy: Option<Value>,
    #[serde(default)]
    schema_id: Option<Value>,
    #[serde(default)]
    schema_version: Option<Value>,
    #[serde(default)]
    schema: Option<Value>,
}

/// Everything one record's answer needs, shared by the lines of a stream.
struct Target {
    rest: Rest,
    urls: Urls,
    topic: Arc<Topic>,
}

/// `POST /v3/clusters/{cluster}/topics/{topic}/records`.
pub async fn produce(
    State(rest): State<Rest>,
    Path((cluster, topic)): Path<(String, String)>,
    request: Request,
) -> Result<Response, RestError> {
    let headers = request.headers().clone();
    let urls = Urls::new(&rest, &headers, &cluster)?;
    extract::require_media_type(&headers, &["application/json"])?;
    let topic = produce::topic(&rest.broker, &topic)?;
    let target = Target { rest, urls, topic };
    if is_chunked(&headers) {
        Ok(stream(target, request.into_body()))
    } else {
        let Body(body) = Body::from_request(request, &()).await?;
        whole(target, &body).await
    }
}

fn is_chunked(headers: &HeaderMap) -> bool {
    headers
        .get_all(TRANSFER_ENCODING)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.to_ascii_lowercase().contains("chunked")))
}

/// A body read whole: one record answers with its own status, several with a line each.
async fn whole(target: Target, body: &[u8]) -> Result<Response, RestError> {
    let limit = target.rest.broker.config.http_max_records_per_request as usize;
    let mut splitter = Splitter::new(usize::MAX);
    splitter.push(body);
    let mut answers = Vec::new();
    while let Some(next) = splitter.next(true) {
        let (answer, last) = answer_next(&target, next, answers.len(), limit).await;
        answers.push(answer);
        if last {
            break;
        }
    }
    match answers.len() {
        0 => Err(RestError::Unprocessable("the request body holds no record".into())),
        1 => {
            let (status, value) = answers.pop().expect("one answer");
            Ok((status, json_header(), value.to_string()).into_response())
        }
        _ => {
            let lines: String = answers.iter().map(|(_, v)| format!("{v}\n")).collect();
            Ok((StatusCode::OK, json_header(), lines).into_response())
        }
    }
}

fn json_header() -> [(axum::http::HeaderName, &'static str); 1] {
    [(CONTENT_TYPE, "application/json")]
}

/// A chunked body: each record answered with a line as soon as it is appended,
/// while the rest of the body is still arriving.
fn stream(target: Target, body: HttpBody) -> Response {
    let (lines, receiver) = mpsc::channel::<Bytes>(LINES_IN_FLIGHT);
    tokio::spawn(async move {
        let limit = target.rest.broker.config.http_max_records_per_request as usize;
        let record_limit = usize::try_from(target.rest.broker.config.http_max_body_bytes).unwrap_or(usize::MAX);
        let mut chunks = body.into_data_stream();
        let mut splitter = Splitter::new(record_limit);
        let mut count = 0;
        let mut eof = false;
        let mut shutdown = target.rest.broker.shutdown.clone();
        loop {
            while let Some(next) = splitter.next(eof) {
                let ((_, answer), last) = answer_next(&target, next, count, limit).await;
                count += 1;
                // A client that went away gets no more answers, and no more appends.
                if lines.send(Bytes::from(format!("{answer}\n"))).await.is_err() || last {
                    return;
                }
            }
            if eof {
                return;
            }
            let next = tokio::select! {
                next = chunks.next() => Some(next),
                _ = shutdown.wait_for(|&stopping| stopping) => None,
            };
            let Some(next) = next else {
                let error = RestError::KafkaRetriable("the broker is shutting down".into());
                let _ = lines.send(Bytes::from(format!("{}\n", error_json(&error)))).await;
                return;
            };
            match next {
                Some(Ok(chunk)) => splitter.push(&chunk),
                Some(Err(e)) => {
                    let error = RestError::BadRequest(format!("reading the request body failed: {e}"));
                    let _ = lines.send(Bytes::from(format!("{}\n", error_json(&error)))).await;
                    return;
                }
                None => eof = true,
            }
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|line| (Ok::<_, std::convert::Infallible>(line), receiver))
    });
    (StatusCode::OK, json_header(), HttpBody::from_stream(body)).into_response()
}

/// The answer to the next item of the body (a record, or why there is none),
/// and whether it is the last the request gets.
async fn answer_next(
    target: &Target,
    next: Result<Value, RestError>,
    count: usize,
    limit: usize,
) -> ((StatusCode, Value), bool) {
    if count >= limit {
        let error = RestError::Unprocessable(format!(
            "more than {limit} records in one request; http_max_records_per_request is {limit}"
        ));
        return ((error.status_and_code().0, error_json(&error)), true);
    }
    match next {
        Ok(value) => match produce_one(target, value).await {
            Ok(answer) => ((StatusCode::OK, answer), false),
            Err(error) => ((error.status_and_code().0, error_json(&error)), false),
        },
        Err(error) => ((error.status_and_code().0, error_json(&error)), true),
    }
}

fn error_json(error: &RestError) -> Value {
    json!({ "error_code": error.status_and_code().1, "message": error.to_string() })
}

/// Appends one record and answers where it landed.
async fn produce_one(target: &Target, value: Value) -> Result<Value, RestError> {
    let record: V3Record =
        serde_json::from_value(value).map_err(|e| RestError::Unprocessable(format!("Invalid record: {e}")))?;
    let key = record.key.map(|d| serialize(d, "key")).transpose()?;
    let value = record.value.map(|d| serialize(d, "value")).transpose()?;
    let headers = record
        .headers
        .unwrap_or_default()
        .into_iter()
        .map(|h| {
            let value = h
                .value
                .map(|v| base64::engine::general_purpose::STANDARD.decode(v.as_bytes()).map(Bytes::from))
                .transpose()
                .map_err(|e| RestError::Unprocessable(format!("header {} is not valid base64: {e}", h.name)))?;
            Ok((h.name, value))
        })
        .collect::<Result<Vec<_>, RestError>>()?;
    let timestamp = record
        .timestamp
        .map(|t| match timestamp::parse(&t) {
            // The Java producer refuses negative timestamps (and -1 means "none" in a batch).
            Some(ms) if ms >= 0 => Ok(ms),
            Some(_) => Err(RestError::Unprocessable(format!("timestamp {t:?} is before 1970-01-01T00:00:00Z"))),
            None => Err(RestError::Unprocessable(format!("timestamp {t:?} is not RFC 3339"))),
        })
        .transpose()?;
    let out = OutRecord {
        partition: record.partition_id,
        key: key.as_ref().and_then(|(_, bytes)| bytes.clone()),
        value: value.as_ref().and_then(|(_, bytes)| bytes.clone()),
        headers,
        timestamp,
    };
    let placed =
        produce::produce(&target.rest.broker, &target.topic, vec![out]).await?.pop().expect("one result per record")?;
    let size = |data: &Option<(&'static str, Option<Bytes>)>| {
        data.as_ref().map(|(kind, bytes)| json!({ "type": kind, "size": bytes.as_ref().map_or(0, Bytes::len) }))
    };
    Ok(json!({
        "error_code": 200,
        "cluster_id": target.urls.cluster_id(),
        "topic_name": target.topic.name,
        "partition_id": placed.partition,
        "offset": placed.offset,
        "timestamp": timestamp::format(placed.timestamp),
        "key": size(&key),
        "value": size(&value),
    }))
}

/// A key or value's type and bytes: BINARY base64-decoded, STRING as UTF-8,
/// JSON (and no type) as compact JSON text; null data is a null key or value.
fn serialize(data: V3Data, what: &str) -> Result<(&'static str, Option<Bytes>), RestError> {
    let schema_fields =
        [&data.subject, &data.subject_name_strategy, &data.schema_id, &data.schema_version, &data.schema];
    if schema_fields.iter().any(|f| f.is_some()) {
        return Err(RestError::BadRequest(format!(
            "the record {what} names a schema, but strand has no schema registry"
        )));
    }
    let kind = match data.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("JSON") => "JSON",
        Some("BINARY") => "BINARY",
        Some("STRING") => "STRING",
        Some(other) => {
            return Err(RestError::BadRequest(format!(
                "the record {what} has type {other}; strand has no schema registry and takes BINARY, JSON or STRING"
            )))
        }
    };
    let Some(value) = data.data.filter(|v| !v.is_null()) else { return Ok((kind, None)) };
    let bytes = match (kind, value) {
        ("BINARY", Value::String(text)) => base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|e| RestError::Unprocessable(format!("the record {what} is not valid base64: {e}")))?,
        ("STRING", Value::String(text)) => text.into_bytes(),
        ("JSON", value) => value.to_string().into_bytes(),
        (kind, _) => return Err(RestError::Unprocessable(format!("a {kind} record {what} must be a string"))),
    };
    Ok((kind, Some(Bytes::from(bytes))))
}

/// Cuts concatenated JSON values out of a body that arrives in pieces.
///
/// Each byte is looked at once: the scan that finds where the value at the
/// front of the buffer ends (its closing bracket or quote, outside strings, or
/// the delimiter after a number or literal) resumes where the last chunk left
/// it, and only a value known to be whole is parsed. Parsing the buffer again on
/// every chunk instead would cost time quadratic in a record's size, which one
/// client sending a large record in small chunks could turn into minutes of CPU.
struct Splitter {
    buf: Vec<u8>,
    /// Where the value being cut out starts in `buf`: what is before it was
    /// handed out, and is dropped on the next push (dropping it after each
    /// value would move the rest of a large body once per value).
    start: usize,
    /// The most bytes one value may take, whole or not.
    limit: usize,
    /// How much of the value at the front of `buf` has been scanned.
    scanned: usize,
    /// Open brackets at `scanned`, and whether it is inside a string (just after a backslash).
    depth: usize,
    in_string: bool,
    escaped: bool,
    failed: bool,
}

impl Splitter {
    fn new(limit: usize) -> Self {
        Self { buf: Vec::new(), start: 0, limit, scanned: 0, depth: 0, in_string: false, escaped: false, failed: false }
    }

    fn push(&mut self, chunk: &[u8]) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend_from_slice(chunk);
    }

    /// The next whole value; None when more bytes are needed (or, at `eof`, when
    /// only whitespace is left). An error is the last item.
    fn next(&mut self, eof: bool) -> Option<Result<Value, RestError>> {
        if self.failed {
            return None;
        }
        if self.scanned == 0 {
            let Some(skip) = self.buf[self.start..].iter().position(|b| !b.is_ascii_whitespace()) else {
                self.start = self.buf.len();
                return None;
            };
            self.start += skip;
        }
        let pending = self.buf.len() - self.start;
        let end = match self.find_end(eof) {
            Some(end) => end,
            None if eof => pending,
            None if pending > self.limit => return self.fail(RestError::BodyTooLarge),
            None => return None,
        };
        if end > self.limit {
            return self.fail(RestError::BodyTooLarge);
        }
        let parsed = serde_json::from_slice::<Value>(&self.buf[self.start..self.start + end]);
        self.start += end;
        (self.scanned, self.depth, self.in_string, self.escaped) = (0, 0, false, false);
        match parsed {
            Ok(value) => Some(Ok(value)),
            Err(e) => self.fail(RestError::Unprocessable(format!("Invalid request body: {e}"))),
        }
    }

    fn fail(&mut self, error: RestError) -> Option<Result<Value, RestError>> {
        self.failed = true;
        Some(Err(error))
    }

    /// Where the value at `start` ends, relative to `start`, if its end has arrived.
    fn find_end(&mut self, eof: bool) -> Option<usize> {
        let value = &self.buf[self.start..];
        let first = *value.first()?;
        let bracketed = matches!(first, b'{' | b'[' | b'"');
        while self.scanned < value.len() {
            let (i, b) = (self.scanned, value[self.scanned]);
            self.scanned += 1;
            if !bracketed {
                // A number or literal ends where something else starts.
                if i > 0 && (b.is_ascii_whitespace() || b"{}[],:\"".contains(&b)) {
                    self.scanned = i;
                    return Some(i);
                }
            } else if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.saturating_sub(1);
                        if self.depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
        }
        (eof && !bracketed).then_some(value.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(splitter: &mut Splitter, eof: bool) -> Vec<Result<Value, u32>> {
        std::iter::from_fn(|| splitter.next(eof)).map(|r| r.map_err(|e| e.status_and_code().1)).collect()
    }

    #[test]
    fn the_splitter_cuts_records_wherever_the_chunks_end() {
        let body = br#"{"value":{"data":1}} {"value":{"data":"}"}}
{"key":{"type":"STRING","data":"k"}}"#;
        for cut in 0..body.len() {
            let mut splitter = Splitter::new(usize::MAX);
            splitter.push(&body[..cut]);
            let mut got = drain(&mut splitter, false);
            splitter.push(&body[cut..]);
            got.extend(drain(&mut splitter, false));
            got.extend(drain(&mut splitter, true));
            assert_eq!(got.len(), 3, "cut at {cut}: {got:?}");
            assert!(got.iter().all(Result::is_ok), "cut at {cut}: {got:?}");
        }
    }

    #[test]
    fn the_splitter_reads_a_body_fed_one_byte_at_a_time() {
        let body = br#" {"a":[{"b":"x\"}]{"}],"c":{}} 12 "s\\" true[1,[2]]null"#;
        let mut splitter = Splitter::new(usize::MAX);
        let mut got = Vec::new();
        for byte in body {
            splitter.push(&[*byte]);
            got.extend(drain(&mut splitter, false));
        }
        got.extend(drain(&mut splitter, true));
        let expected = [
            json!({"a": [{"b": "x\"}]{"}], "c": {}}),
            json!(12),
            json!("s\\"),
            json!(true),
            json!([1, [2]]),
            json!(null),
        ];
        assert_eq!(got, expected.into_iter().map(Ok).collect::<Vec<_>>());
    }

    #[test]
    fn the_splitter_ends_at_the_first_bad_byte_and_at_its_limit() {
        let mut splitter = Splitter::new(usize::MAX);
        splitter.push(b"{\"value\":null} ]{\"value\":null}");
        assert_eq!(drain(&mut splitter, true), vec![Ok(json!({"value": null})), Err(422)]);

        // The limit holds for a value that arrives whole as for one still arriving.
        let mut splitter = Splitter::new(16);
        splitter.push(b"{\"value\": 1}");
        splitter.push(b"{\"value\": \"0123456789\"}");
        assert_eq!(drain(&mut splitter, false), vec![Ok(json!({"value": 1})), Err(413)]);
        let mut splitter = Splitter::new(16);
        splitter.push(b"{\"value\": \"0123456789\", \"x\": {}");
        assert_eq!(drain(&mut splitter, false), vec![Err(413)]);

        let mut splitter = Splitter::new(usize::MAX);
        splitter.push(b"{\"value\": 1");
        assert_eq!(drain(&mut splitter, false), vec![]);
        assert_eq!(drain(&mut splitter, true), vec![Err(422)]);
    }

    #[test]
    fn keys_and_values_serialize_by_type() {
        let data = |v: Value| serde_json::from_value::<V3Data>(v).unwrap();
        let bytes = |r: Result<(&'static str, Option<Bytes>), RestError>| r.map(|(k, b)| (k, b.map(|b| b.to_vec())));
        assert_eq!(
            bytes(serialize(data(json!({"type": "BINARY", "data": "AAE="})), "key")).unwrap(),
            ("BINARY", Some(vec![0, 1]))
        );
        assert_eq!(
            bytes(serialize(data(json!({"type": "STRING", "data": "é"})), "key")).unwrap(),
            ("STRING", Some("é".into()))
        );
        assert_eq!(
            bytes(serialize(data(json!({"data": {"a": [1]}})), "key")).unwrap(),
            ("JSON", Some(br#"{"a":[1]}"#.to_vec()))
        );
        assert_eq!(bytes(serialize(data(json!({"type": "JSON"})), "key")).unwrap(), ("JSON", None));
        assert!(serialize(data(json!({"type": "AVRO", "data": 1})), "key").is_err());
        assert!(serialize(data(json!({"schema_id": 1, "data": 1})), "key").is_err());
        assert!(serialize(data(json!({"type": "BINARY", "data": "not base64!"})), "key").is_err());
        assert!(serialize(data(json!({"type": "STRING", "data": 5})), "key").is_err());
    }
}
