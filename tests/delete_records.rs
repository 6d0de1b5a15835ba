//! DeleteRecords and DescribeLogDirs against the real `strand` binary: the log
//! start offset moves below, inside and at the high watermark and never past it,
//! segments wholly below it leave the disk, the start survives a clean restart
//! and a `kill -9` straight after the answer, a topic deleted and created again
//! starts afresh, Fetch, ListOffsets and a consumer resetting to earliest see
//! it, and DescribeLogDirs reports the partitions' files as they are.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{batch, batch_base_offsets, files_in, RawClient, Strand, TOPIC};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::delete_records_request::{DeleteRecordsPartition, DeleteRecordsTopic};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::describe_log_dirs_request::DescribableLogDirTopic;
use kafka_protocol::messages::fetch_request::FetchPartition;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::Message;

const NONE: i16 = 0;
const OFFSET_OUT_OF_RANGE: i16 = 1;
const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;

fn name(topic: &str) -> TopicName {
    TopicName(StrBytes::from_string(topic.to_owned()))
}

/// Recent timestamps: retention (7 days by default) must not take the segments
/// when a restart runs it.
fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Produces `batches` batches of five records to `topic`/`partition`: their base offsets.
fn produce(client: &mut RawClient, topic: &str, partition: i32, batches: usize) -> Vec<i64> {
    (0..batches)
        .map(|_| {
            let values: Vec<Vec<u8>> = (0..5).map(|i| format!("value-{i}-{}", "x".repeat(40)).into_bytes()).collect();
            let values: Vec<&[u8]> = values.iter().map(|v| v.as_slice()).collect();
            let data =
                PartitionProduceData::default().with_index(partition).with_records(Some(batch(&values, now_ms())));
            let request = ProduceRequest::default().with_acks(-1).with_timeout_ms(5000).with_topic_data(vec![
                TopicProduceData::default().with_name(name(topic)).with_partition_data(vec![data]),
            ]);
            let response = client.send(9, &request);
            let p = &response.responses[0].partition_responses[0];
            assert_eq!(p.error_code, NONE, "produce to {topic}/{partition}");
            p.base_offset
        })
        .collect()
}

/// DeleteRecords of (topic, [(partition, offset)]): each partition's (error code, low watermark), in order.
fn delete_records(
    client: &mut RawClient,
    version: i16,
    asked: &[(&str, &[(i32, i64)])],
) -> Vec<(String, i32, i16, i64)> {
    let topics = asked
        .iter()
        .map(|(topic, partitions)| {
            DeleteRecordsTopic::default().with_name(name(topic)).with_partitions(
                partitions
                    .iter()
                    .map(|&(p, offset)| DeleteRecordsPartition::default().with_partition_index(p).with_offset(offset))
                    .collect(),
            )
        })
        .collect();
    let response = client.send(version, &DeleteRecordsRequest::default().with_topics(topics).with_timeout_ms(5000));
    response
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(|p| (t.name.to_string(), p.partition_index, p.error_code, p.low_watermark))
        })
        .collect()
}

/// DeleteRecords of one partition of `TOPIC`: (error code, low watermark).
fn delete_to(client: &mut RawClient, offset: i64) -> (i16, i64) {
    let results = delete_records(client, 2, &[(TOPIC, &[(0, offset)])]);
    assert_eq!(results.len(), 1);
    (results[0].2, results[0].3)
}

/// ListOffsets of partition 0 of `topic` at `timestamp`: (error code, offset).
fn list_offset(client: &mut RawClient, topic: &str, timestamp: i64) -> (i16, i64) {
    let request =
        ListOffsetsRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![ListOffsetsTopic::default()
            .with_name(name(topic))
            .with_partitions(vec![ListOffsetsPartition::default().with_partition_index(0).with_timestamp(timestamp)])]);
    let response = client.send(7, &request);
    let p = &response.topics[0].partitions[0];
    (p.error_code, p.offset)
}

fn earliest(client: &mut RawClient, topic: &str) -> i64 {
    let (code, offset) = list_offset(client, topic, -2);
    assert_eq!(code, NONE);
    offset
}

/// Fetch of partition 0 of `TOPIC` at `offset`: (error code, log start offset, base offsets of the batches).
fn fetch(client: &mut RawClient, offset: i64) -> (i16, i64, Vec<i64>) {
    let p = client.fetch(FetchPartition::default().with_fetch_offset(offset));
    (p.error_code, p.log_start_offset, batch_base_offsets(p.records.unwrap_or_default()))
}

fn create_topic(client: &mut RawClient, topic: &str, partitions: i32) {
    let request = CreateTopicsRequest::default().with_timeout_ms(5000).with_topics(vec![CreatableTopic::default()
        .with_name(name(topic))
        .with_num_partitions(partitions)
        .with_replication_factor(-1)]);
    let response = client.send(7, &request);
    assert_eq!(response.topics[0].error_code, NONE, "create {topic}");
}

fn delete_topic(client: &mut RawClient, topic: &str) {
    let request = DeleteTopicsRequest::default()
        .with_timeout_ms(5000)
        .with_topics(vec![DeleteTopicState::default().with_name(Some(name(topic)))]);
    let response = client.send(6, &request);
    assert_eq!(response.responses[0].error_code, NONE, "delete {topic}");
}

fn checkpoint(strand: &Strand) -> String {
    std::fs::read_to_string(strand.data_dir.join("log-start-offset-checkpoint")).unwrap_or_default()
}

fn log_bases(dir: &Path) -> Vec<i64> {
    files_in(dir, "log").iter().map(|p| p.file_stem().unwrap().to_str().unwrap().parse().unwrap()).collect()
}

#[test]
fn delete_records_moves_the_start_below_inside_and_at_the_high_watermark_and_never_back() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(delete_to(&mut client, 0), (NONE, 0), "empty log, offset 0");
    assert_eq!(delete_to(&mut client, -1), (NONE, 0), "empty log, the high watermark");
    assert_eq!(delete_to(&mut client, 1), (OFFSET_OUT_OF_RANGE, -1), "empty log, past the high watermark");
    assert_eq!(produce(&mut client, TOPIC, 0, 3), vec![0, 5, 10]);

    assert_eq!(delete_to(&mut client, 3), (NONE, 3));
    assert_eq!(earliest(&mut client, TOPIC), 3);
    assert_eq!(fetch(&mut client, 2).0, OFFSET_OUT_OF_RANGE);
    // A fetch at the start gets the whole batch that holds it, as from Kafka.
    assert_eq!(fetch(&mut client, 3), (NONE, 3, vec![0, 5, 10]));
    assert_eq!(delete_to(&mut client, 2), (NONE, 3), "below the start: nothing moves");
    assert_eq!(delete_to(&mut client, 16), (OFFSET_OUT_OF_RANGE, -1), "past the high watermark");
    assert_eq!(delete_to(&mut client, -2), (OFFSET_OUT_OF_RANGE, -1));
    assert_eq!(delete_to(&mut client, i64::MIN), (OFFSET_OUT_OF_RANGE, -1));
    assert_eq!(earliest(&mut client, TOPIC), 3);

    for (version, offset) in [(0, 7), (1, 8)] {
        let results = delete_records(&mut client, version, &[(TOPIC, &[(0, offset)])]);
        assert_eq!(results, vec![(TOPIC.to_owned(), 0, NONE, offset)], "v{version}");
    }
    assert_eq!(delete_to(&mut client, -1), (NONE, 15), "-1 is the high watermark");
    assert_eq!(list_offset(&mut client, TOPIC, -2), (NONE, 15));
    assert_eq!(list_offset(&mut client, TOPIC, -1), (NONE, 15));
    assert_eq!(list_offset(&mut client, TOPIC, 0), (NONE, -1), "no record left to find by time");
    assert_eq!(fetch(&mut client, 14).0, OFFSET_OUT_OF_RANGE);
    assert_eq!(fetch(&mut client, 15), (NONE, 15, vec![]));
    assert_eq!(produce(&mut client, TOPIC, 0, 1), vec![15]);
    assert_eq!(fetch(&mut client, 15), (NONE, 15, vec![15]));
}

#[test]
fn unknown_topics_and_partitions_are_unknown_and_a_partition_named_twice_takes_the_later_offset() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    create_topic(&mut client, "two", 2);
    produce(&mut client, "two", 0, 2);
    produce(&mut client, "two", 1, 2);
    let mut results = delete_records(
        &mut client,
        2,
        &[("two", &[(0, 2), (1, -1), (0, 3), (5, 0)]), ("nope", &[(0, 0)]), ("two", &[(1, 1)])],
    );
    results.sort();
    assert_eq!(
        results,
        vec![
            ("nope".to_owned(), 0, UNKNOWN_TOPIC_OR_PARTITION, -1),
            ("two".to_owned(), 0, NONE, 3),
            ("two".to_owned(), 1, NONE, 1),
            ("two".to_owned(), 5, UNKNOWN_TOPIC_OR_PARTITION, -1),
        ]
    );
    assert_eq!(earliest(&mut client, "two"), 3);
}

#[test]
fn segments_wholly_below_the_start_leave_the_disk_and_the_one_holding_it_stays() {
    let strand = Strand::start_with(&["--segment-bytes", "1024"]);
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, 12);
    let dir = strand.partition_dir();
    let bases = log_bases(&dir);
    assert!(bases.len() >= 4, "segments: {bases:?}");
    // Inside the third segment.
    let start = bases[2] + 2;
    assert_eq!(delete_to(&mut client, start), (NONE, start));
    assert_eq!(log_bases(&dir), bases[2..].to_vec());
    for base in &bases[..2] {
        for extension in ["log", "index", "timeindex"] {
            assert!(!dir.join(format!("{base:020}.{extension}")).exists(), "{base}.{extension} is still there");
        }
    }
    assert_eq!(earliest(&mut client, TOPIC), start);
    assert_eq!(checkpoint(&strand), format!("0\n1\n{TOPIC} 0 {start}\n"));
    // At the high watermark: every sealed segment goes, the active one stays.
    let (code, end) = delete_to(&mut client, -1);
    assert_eq!(code, NONE);
    assert_eq!(log_bases(&dir), vec![*bases.last().unwrap()]);
    assert_eq!(earliest(&mut client, TOPIC), end);
}

#[test]
fn the_start_survives_a_kill_straight_after_the_answer_and_a_clean_restart() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, 4);
    assert_eq!(delete_to(&mut client, 7), (NONE, 7));
    strand.kill();
    assert_eq!(checkpoint(&strand), format!("0\n1\n{TOPIC} 0 7\n"));
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(earliest(&mut client, TOPIC), 7);
    assert_eq!(fetch(&mut client, 6).0, OFFSET_OUT_OF_RANGE);
    assert_eq!(fetch(&mut client, 7), (NONE, 7, vec![5, 10, 15]));
    assert_eq!(delete_to(&mut client, 12), (NONE, 12));
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(earliest(&mut client, TOPIC), 12);
    assert_eq!(list_offset(&mut client, TOPIC, -1), (NONE, 20));
    assert_eq!(produce(&mut client, TOPIC, 0, 1), vec![20]);
}

#[test]
fn a_topic_deleted_and_created_again_does_not_inherit_the_old_start() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    create_topic(&mut client, "again", 1);
    produce(&mut client, "again", 0, 2);
    assert_eq!(delete_records(&mut client, 2, &[("again", &[(0, 6)])]), vec![("again".to_owned(), 0, NONE, 6)]);
    assert!(checkpoint(&strand).contains("again 0 6"));
    delete_topic(&mut client, "again");
    assert_eq!(checkpoint(&strand), "0\n0\n");
    create_topic(&mut client, "again", 1);
    assert_eq!(produce(&mut client, "again", 0, 1), vec![0]);
    assert_eq!(earliest(&mut client, "again"), 0);
    strand.restart();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(earliest(&mut client, "again"), 0);
}

#[test]
fn a_consumer_resetting_to_earliest_starts_at_the_log_start() {
    let strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, 3);
    assert_eq!(delete_to(&mut client, 3), (NONE, 3));
    let consumer: BaseConsumer = strand
        .client_config()
        .set("group.id", "delete-records")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "100")
        .create()
        .expect("consumer");
    consumer.subscribe(&[TOPIC]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut offsets = Vec::new();
    while offsets.len() < 12 {
        assert!(Instant::now() < deadline, "only {offsets:?} arrived");
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => offsets.push(m.offset()),
            Some(Err(e)) => panic!("consume error: {e}"),
            None => {}
        }
    }
    assert_eq!(offsets, (3..15).collect::<Vec<i64>>());
    let (low, high) = consumer.fetch_watermarks(TOPIC, 0, Duration::from_secs(10)).unwrap();
    assert_eq!((low, high), (3, 15));
}

/// DescribeLogDirs at `version`: the one result's (error, dir, total, usable) and
/// each partition's (topic, partition, size, lag, future), sorted.
#[allow(clippy::type_complexity)]
fn describe_log_dirs(
    client: &mut RawClient,
    version: i16,
    topics: Option<Vec<(&str, Vec<i32>)>>,
) -> ((i16, String, i64, i64), Vec<(String, i32, i64, i64, bool)>) {
    let topics = topics.map(|ts| {
        ts.into_iter()
            .map(|(t, ps)| DescribableLogDirTopic::default().with_topic(name(t)).with_partitions(ps))
            .collect()
    });
    let response = client.send(version, &DescribeLogDirsRequest::default().with_topics(topics));
    assert_eq!(response.error_code, NONE);
    assert_eq!(response.results.len(), 1, "one log dir");
    let dir = &response.results[0];
    let mut partitions: Vec<_> = dir
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| (t.name.to_string(), p.partition_index, p.partition_size, p.offset_lag, p.is_future_key))
        })
        .collect();
    partitions.sort();
    ((dir.error_code, dir.log_dir.to_string(), dir.total_bytes, dir.usable_bytes), partitions)
}

fn size_on_disk(dir: &Path) -> i64 {
    files_in(dir, "log").iter().map(|p| std::fs::metadata(p).unwrap().len() as i64).sum()
}

#[test]
fn describe_log_dirs_reports_the_data_dir_and_each_partitions_log_files() {
    let strand = Strand::start_with(&["--segment-bytes", "1024"]);
    let mut client = RawClient::connect(&strand.addr);
    create_topic(&mut client, "two", 2);
    produce(&mut client, TOPIC, 0, 6);
    produce(&mut client, "two", 1, 1);
    let sizes = |strand: &Strand| {
        vec![
            ("events".to_owned(), 0, size_on_disk(&strand.partition_dir()), 0, false),
            ("two".to_owned(), 0, 0, 0, false),
            ("two".to_owned(), 1, size_on_disk(&strand.data_dir.join("two-1")), 0, false),
        ]
    };
    assert!(files_in(&strand.partition_dir(), "log").len() > 1, "several segments");

    let ((error, dir, total, usable), partitions) = describe_log_dirs(&mut client, 4, None);
    assert_eq!(error, NONE);
    assert_eq!(Path::new(&dir), strand.data_dir.canonicalize().unwrap(), "the absolute data dir");
    assert!(total > 0 && (0..=total).contains(&usable), "total {total}, usable {usable}");
    assert_eq!(partitions, sizes(&strand));

    // Before v4 there are no volume sizes.
    let ((_, _, total, usable), partitions) = describe_log_dirs(&mut client, 1, None);
    assert_eq!((total, usable), (-1, -1));
    assert_eq!(partitions, sizes(&strand));

    // Named partitions only; unknown topics and partitions are left out, a topic
    // with none asked is not listed.
    let asked = vec![("two", vec![1, 7]), ("nope", vec![0]), (TOPIC, vec![])];
    let (_, partitions) = describe_log_dirs(&mut client, 4, Some(asked));
    assert_eq!(partitions, sizes(&strand)[2..].to_vec());
    let (_, partitions) = describe_log_dirs(&mut client, 4, Some(vec![]));
    assert_eq!(partitions, vec![]);

    // DeleteRecords shrinks the partition by the segments it deleted.
    delete_to(&mut client, -1);
    let (_, partitions) = describe_log_dirs(&mut client, 3, Some(vec![(TOPIC, vec![0])]));
    assert_eq!(partitions, sizes(&strand)[..1].to_vec());
    assert!(files_in(&strand.partition_dir(), "log").len() == 1);
}

#[test]
fn inspect_shows_a_log_start_inside_the_first_segment() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, TOPIC, 0, 2);
    delete_to(&mut client, 3);
    assert!(strand.stop().success());
    let output = Command::new(env!("CARGO_BIN_EXE_strand")).arg("inspect").arg(&strand.data_dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("log start offset 3 (DeleteRecords)"), "{stdout}");
}
