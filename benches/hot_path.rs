//! Micro-benchmarks of the per-request work on the produce and fetch paths that
//! is not storage: decoding a Produce request, validating its batch, and encoding
//! a Fetch response. Log append and read have their own benchmarks in
//! `benches/log.rs`; `benches/load.rs` measures the whole broker.
//!
//! `cargo bench --bench hot_path` runs them all; a name filter runs some
//! (`-- decode`, `-- validate`, `-- encode`).

mod support;

use std::hint::black_box;
use std::time::Duration;
use support::make_batch;

use bytes::{BufMut, Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput};
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ApiKey, BrokerId, FetchResponse, ProduceRequest, RequestHeader, ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use strand::api::frame::FrameBuf;

/// Batches the size a librdkafka producer sends at linger 5 ms: a few records
/// (light load), and thousands of 100 B records (a producer at full speed).
fn batches() -> [(&'static str, usize, Bytes); 3] {
    [
        ("8x100B", 8, make_batch(8, 100)),
        ("1000x100B", 1000, make_batch(1000, 100)),
        ("500x1KiB", 500, make_batch(500, 1024)),
    ]
}

/// A Produce v9 request frame body (header + request) carrying `batch`.
fn produce_frame(batch: &Bytes) -> Bytes {
    const VERSION: i16 = 9;
    let request = ProduceRequest::default().with_acks(1).with_timeout_ms(30_000).with_topic_data(vec![
        TopicProduceData::default()
            .with_name(TopicName(StrBytes::from_static_str("events")))
            .with_partition_data(vec![PartitionProduceData::default().with_index(0).with_records(Some(batch.clone()))]),
    ]);
    let header = RequestHeader::default()
        .with_request_api_key(ApiKey::Produce as i16)
        .with_request_api_version(VERSION)
        .with_correlation_id(7)
        .with_client_id(Some(StrBytes::from_static_str("rdkafka")));
    let mut buf = BytesMut::new();
    header.encode(&mut buf, ApiKey::Produce.request_header_version(VERSION)).expect("header");
    request.encode(&mut buf, VERSION).expect("request");
    buf.freeze()
}

/// What the broker does with a Produce frame before it touches the log.
fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_produce");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for (name, records, batch) in batches() {
        let frame = produce_frame(&batch);
        group.throughput(Throughput::Elements(records as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &frame, |b, frame| {
            b.iter(|| {
                let mut frame = frame.clone();
                let header =
                    RequestHeader::decode(&mut frame, ApiKey::Produce.request_header_version(9)).expect("header");
                let request = ProduceRequest::decode(&mut frame, 9).expect("request");
                black_box((header, request))
            });
        });
    }
    group.finish();
}

fn validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate_batch");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for (name, records, batch) in batches() {
        group.throughput(Throughput::Elements(records as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &batch, |b, batch| {
            b.iter(|| black_box(strand::log::batch::validate(batch).expect("a valid batch").record_count()));
        });
    }
    group.finish();
}

/// A Fetch response carrying `records` for one partition, as `api::fetch` builds it.
fn fetch_response(records: Bytes) -> FetchResponse {
    let partition = PartitionData::default()
        .with_partition_index(0)
        .with_high_watermark(1_000_000)
        .with_last_stable_offset(1_000_000)
        .with_log_start_offset(0)
        .with_preferred_read_replica(BrokerId(-1))
        .with_records(Some(records));
    FetchResponse::default().with_responses(vec![FetchableTopicResponse::default()
        .with_topic(TopicName(StrBytes::from_static_str("events")))
        .with_partitions(vec![partition])])
}

/// The response frame as the connection writes it: size, header, body. `copy`
/// encodes into one buffer, as every other response is; `parts` is what the
/// broker does for Fetch (`strand::api::frame`), records referenced, not copied.
fn encode_fetch(c: &mut Criterion) {
    // librdkafka's default max.partition.fetch.bytes, and a tailing consumer's
    // fetch of one small batch.
    let sizes = [("1MiB", make_batch(1000, 1024)), ("1KiB", make_batch(8, 100))];
    let mut group = c.benchmark_group("encode_fetch_response");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for version in [11i16, 12] {
        for (name, records) in &sizes {
            group.throughput(Throughput::Bytes(records.len() as u64));
            let response = fetch_response(records.clone());
            group.bench_with_input(BenchmarkId::new(format!("copy/v{version}"), name), &response, |b, response| {
                b.iter(|| {
                    let mut buf = BytesMut::with_capacity(64);
                    buf.put_i32(0);
                    let header = ResponseHeader::default().with_correlation_id(7);
                    header.encode(&mut buf, ApiKey::Fetch.response_header_version(version)).expect("header");
                    response.encode(&mut buf, version).expect("response");
                    black_box(buf)
                });
            });
            group.bench_with_input(BenchmarkId::new(format!("parts/v{version}"), name), &response, |b, response| {
                b.iter(|| {
                    let records = [records.clone()];
                    let mut buf = FrameBuf::new(&records);
                    let header = ResponseHeader::default().with_correlation_id(7);
                    header.encode(&mut buf, ApiKey::Fetch.response_header_version(version)).expect("header");
                    response.encode(&mut buf, version).expect("response");
                    black_box(buf.finish())
                });
            });
        }
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    decode(&mut c);
    validate(&mut c);
    encode_fetch(&mut c);
    c.final_summary();
}
