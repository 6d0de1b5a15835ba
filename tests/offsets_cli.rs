//! `strand offsets export|import` against real stores: offsets committed by a
//! real client (librdkafka) into one store, moved into the other with the two
//! subcommands, and served by a broker on the new store with an EMPTY data dir,
//! as `committed()` reads them; a bad document, a running broker and an
//! unreachable store stop the tool with exit status 2 and nothing written.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::redis::Redis;
use common::Strand;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{json, Value};

/// The topic the offsets are committed on, with three partitions.
const TOPIC: &str = "moved";
const TOPIC_FLAG: &[&str] = &["--topic", "moved:3"];

/// (group, partition, offset, metadata) committed by simple (assign()) consumers.
const COMMITS: &[(&str, i32, i64, &str)] = &[
    ("billing", 0, 5, "checkpoint-a"),
    ("billing", 1, 7, ""),
    ("billing", 2, 11, "{\"app\":\"billing\"}"),
    ("audit", 0, 3, "é ünïcödé"),
];

/// Runs `strand offsets ARGS` with nothing from the test's environment, `stdin`
/// fed to it, and kills it if it has not exited within 30 s.
fn offsets(args: &[&str], stdin: &[u8]) -> Output {
    strand(&[&["offsets"][..], args].concat(), stdin)
}

/// Runs `strand ARGS` as `offsets` does.
fn strand(args: &[&str], stdin: &[u8]) -> Output {
    strand_in(Path::new("."), args, stdin)
}

/// Runs `strand ARGS` in the directory `cwd` as `offsets` does.
fn strand_in(cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strand"))
        .current_dir(cwd)
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strand");
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("strand {args:?} still running after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = feeder.join();
    child.wait_with_output().expect("output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `strand offsets ARGS` and expects exit status 0.
fn offsets_ok(args: &[&str], stdin: &[u8]) -> Output {
    let output = offsets(args, stdin);
    assert_eq!(output.status.code(), Some(0), "strand offsets {args:?}: {}", stderr(&output));
    output
}

/// Runs `strand offsets ARGS` and expects exit status 2; returns its stderr.
fn offsets_exit_2(args: &[&str], stdin: &[u8]) -> String {
    let output = offsets(args, stdin);
    assert_eq!(output.status.code(), Some(2), "strand offsets {args:?}: {}", stderr(&output));
    assert!(output.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&output.stdout));
    stderr(&output)
}

/// `strand offsets export` with these store flags, parsed.
fn export(store: &[&str]) -> Value {
    let mut args = vec!["export"];
    args.extend_from_slice(store);
    let output = offsets_ok(&args, b"");
    serde_json::from_slice(&output.stdout).expect("export prints JSON")
}

fn data_dir_flag(dir: &Path) -> Vec<&str> {
    vec!["--data-dir", dir.to_str().expect("UTF-8 temp path")]
}

fn consumer(strand: &Strand, group: &str) -> BaseConsumer {
    strand.manual_commit_config(group).create().expect("consumer")
}

/// Commits `COMMITS` with librdkafka, one simple consumer per group.
fn commit_all(strand: &Strand) {
    for group in ["billing", "audit"] {
        let mut tpl = TopicPartitionList::new();
        for &(_, partition, offset, metadata) in COMMITS.iter().filter(|c| c.0 == group) {
            let mut element = tpl.add_partition(TOPIC, partition);
            element.set_offset(Offset::Offset(offset)).expect("offset");
            element.set_metadata(metadata);
        }
        consumer(strand, group).commit(&tpl, CommitMode::Sync).expect("commit");
    }
}

/// What librdkafka's `committed()` reads of every partition in `COMMITS`.
fn committed_all(strand: &Strand) -> Vec<(String, i32, Offset, String)> {
    let mut seen = Vec::new();
    for group in ["billing", "audit"] {
        let mut tpl = TopicPartitionList::new();
        for &(_, partition, ..) in COMMITS.iter().filter(|c| c.0 == group) {
            tpl.add_partition(TOPIC, partition);
        }
        let committed = consumer(strand, group).committed_offsets(tpl, Duration::from_secs(30)).expect("committed");
        for element in committed.elements() {
            element.error().expect("no partition error");
            seen.push((group.to_owned(), element.partition(), element.offset(), element.metadata().to_owned()));
        }
    }
    seen
}

fn expected_committed() -> Vec<(String, i32, Offset, String)> {
    COMMITS.iter().map(|&(g, p, o, m)| (g.to_owned(), p, Offset::Offset(o), m.to_owned())).collect()
}

/// A consumer group that had a member and is Empty now: its group record (which
/// offset expiry reads) has `empty_since` set, and it has committed one offset.
fn group_with_a_record(strand: &Strand) {
    let member = consumer(strand, "members");
    member.subscribe(&[TOPIC]).expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(30);
    while member.assignment().expect("assignment").count() == 0 {
        assert!(Instant::now() < deadline, "no assignment within 30 s");
        let _ = member.poll(Duration::from_millis(100));
    }
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(TOPIC, 1, Offset::Offset(2)).expect("offset");
    member.commit(&tpl, CommitMode::Sync).expect("member commit");
    drop(member); // closes: LeaveGroup
    let lister = consumer(strand, "lister");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let groups = lister.fetch_group_list(Some("members"), Duration::from_secs(10)).expect("ListGroups");
        if groups.groups().iter().any(|g| g.state() == "Empty") {
            break;
        }
        assert!(Instant::now() < deadline, "the group did not become Empty within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The document's group entry named `group`.
fn group<'a>(document: &'a Value, group: &str) -> &'a Value {
    document["groups"].as_array().expect("groups").iter().find(|g| g["group"] == group).expect("the group is exported")
}

#[test]
fn a_file_store_exported_and_imported_into_redis_serves_the_same_offsets_with_an_empty_data_dir() {
    let mut old = Strand::start_with(TOPIC_FLAG);
    commit_all(&old);
    group_with_a_record(&old);
    assert!(old.stop().success());

    let document = export(&data_dir_flag(&old.data_dir));
    assert_eq!((&document["format"], &document["version"]), (&json!("strand-offsets"), &json!(1)));
    let billing = group(&document, "billing");
    assert_eq!(billing["offsets"][0]["offset"], 5);
    assert_eq!(billing["offsets"][0]["metadata"], "checkpoint-a");
    assert_eq!(billing["offsets"][2]["partition"], 2);
    let members = group(&document, "members");
    assert_eq!(members["record"]["protocol_type"], "consumer");
    assert!(members["record"]["empty_since"].as_i64().is_some_and(|t| t > 0), "{members}");

    let redis = Redis::start();
    let url = redis.url();
    let text = serde_json::to_vec(&document).expect("JSON");
    let imported = offsets_ok(&["import", "--offsets-store", &url], &text);
    assert!(stderr(&imported).contains("wrote 5 offsets and 1 group records of 3 groups"), "{}", stderr(&imported));
    // The layout the Redis store reads: one hash per group, a field per partition.
    let fields = redis.hgetall("strand:offsets:billing");
    let p0 = &fields.iter().find(|(f, _)| f == "moved:0").expect("moved:0 in Redis").1;
    let p0: Value = serde_json::from_str(p0).expect("JSON value");
    assert_eq!((&p0["offset"], &p0["metadata"]), (&json!(5), &json!("checkpoint-a")));
    // Exported back from Redis: the same groups, offsets, records and commit times.
    assert_eq!(export(&["--offsets-store", &url])["groups"], document["groups"]);

    let new = Strand::start_with(&[TOPIC_FLAG, &["--offsets-store", &url]].concat());
    assert!(!new.data_dir.join("consumer-offsets.log").exists(), "a broker on Redis keeps no offsets file");
    assert_eq!(committed_all(&new), expected_committed());
    let member = consumer(&new, "members");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(TOPIC, 1);
    let committed = member.committed_offsets(tpl, Duration::from_secs(30)).expect("committed");
    assert_eq!(committed.elements()[0].offset(), Offset::Offset(2));
}

#[test]
fn a_redis_store_exported_to_a_file_and_imported_into_a_new_data_dir_serves_the_same_offsets() {
    let redis = Redis::start();
    let url = redis.url();
    let mut old = Strand::start_with(&[TOPIC_FLAG, &["--offsets-store", &url]].concat());
    commit_all(&old);
    assert!(old.stop().success());

    let temp = tempfile::tempdir().expect("temp dir");
    let file = temp.path().join("offsets.json");
    let file_flag = file.to_str().expect("UTF-8 temp path");
    let exported = offsets_ok(&["export", "--offsets-store", &url, "--output", file_flag], b"");
    assert!(exported.stdout.is_empty(), "--output: nothing on stdout");
    assert!(stderr(&exported).contains("4 offsets of 2 groups"), "{}", stderr(&exported));
    let document: Value = serde_json::from_slice(&std::fs::read(&file).expect("output file")).expect("JSON");

    let data_dir = temp.path().join("data");
    let import = [&["import", "--input", file_flag][..], &data_dir_flag(&data_dir)].concat();
    offsets_ok(&import, b"");
    assert_eq!(export(&data_dir_flag(&data_dir))["groups"], document["groups"]);

    let new = Strand::start_at(data_dir, None, TOPIC_FLAG);
    assert_eq!(committed_all(&new), expected_committed());
}

fn document_of(groups: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"format": "strand-offsets", "version": 1, "groups": groups})).expect("JSON")
}

fn one_offset(group: &str, partition: i64, offset: i64) -> Value {
    json!({"group": group, "record": null, "offsets": [
        {"topic": "t", "partition": partition, "offset": offset, "leader_epoch": -1,
         "metadata": null, "commit_timestamp": 1_764_680_000_000i64}]})
}

#[test]
fn a_bad_document_exits_2_and_writes_nothing() {
    let redis = Redis::start();
    let url = redis.url();
    offsets_ok(&["import", "--offsets-store", &url], &document_of(json!([one_offset("kept", 0, 1)])));
    let before = redis.cli(&["--scan", "--pattern", "strand:*"]);
    let kept = redis.hgetall("strand:offsets:kept");

    // The first group is fine, the second is not: neither is written.
    let late_error = document_of(json!([one_offset("kept", 0, 99), one_offset("new", -1, 5)]));
    let version_2 = br#"{"format":"strand-offsets","version":2,"groups":[]}"#.to_vec();
    let typo = br#"{"format":"strand-offsets","version":1,"groups":[{"group":"new","ofsets":[]}]}"#.to_vec();
    let cases: [(&[u8], &str); 5] = [
        (b"", "not JSON"),
        (b"{\"format\": \"strand-offsets\", ", "not JSON"),
        (&version_2, "version 2"),
        (&typo, "unknown field `ofsets`"),
        (&late_error, "the partition is negative"),
    ];
    for (text, reason) in cases {
        let message = offsets_exit_2(&["import", "--offsets-store", &url], text);
        assert!(message.contains("bad document") && message.contains(reason), "{reason}: {message}");
    }
    assert_eq!(redis.cli(&["--scan", "--pattern", "strand:*"]), before);
    assert_eq!(redis.hgetall("strand:offsets:kept"), kept);

    // Into a file store: the store is not even created.
    let temp = tempfile::tempdir().expect("temp dir");
    let message = offsets_exit_2(&[&["import"][..], &data_dir_flag(temp.path())].concat(), &late_error);
    assert!(message.contains("the partition is negative"), "{message}");
    assert_eq!(std::fs::read_dir(temp.path()).expect("dir").count(), 0, "nothing written to the data dir");
}

#[test]
fn import_merges_by_default_and_replace_leaves_exactly_the_document() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = data_dir_flag(temp.path());
    let import = |extra: &[&str], document: &[u8]| offsets_ok(&[&["import"][..], &dir, extra].concat(), document);
    let first = json!([
        {"group": "a", "record": {"protocol_type": "consumer", "empty_since": 1000},
         "offsets": [{"topic": "t", "partition": 0, "offset": 1, "leader_epoch": 4,
                      "metadata": "x", "commit_timestamp": 10}]},
        {"group": "b", "record": null,
         "offsets": [{"topic": "t", "partition": 0, "offset": 2, "leader_epoch": -1,
                      "metadata": null, "commit_timestamp": 20},
                     {"topic": "t", "partition": 1, "offset": 3, "leader_epoch": -1,
                      "metadata": "", "commit_timestamp": 30}]}
    ]);
    import(&[], &document_of(first.clone()));
    assert_eq!(export(&dir)["groups"], first);

    let second = json!([one_offset("b", 0, 50), one_offset("c", 0, 60)]);
    let dry = import(&["--dry-run"], &document_of(second.clone()));
    assert!(stderr(&dry).contains("nothing written"), "{}", stderr(&dry));
    assert_eq!(export(&dir)["groups"], first);

    // Merge: b's partition 0 overwritten, its partition 1 and group a kept, c added.
    import(&[], &document_of(second.clone()));
    let merged = export(&dir);
    let names: Vec<_> = merged["groups"].as_array().expect("groups").iter().map(|g| g["group"].clone()).collect();
    assert_eq!(names, [json!("a"), json!("b"), json!("c")]);
    assert_eq!(group(&merged, "a"), &first[0]);
    let b: Vec<_> =
        group(&merged, "b")["offsets"].as_array().expect("offsets").iter().map(|o| o["offset"].clone()).collect();
    assert_eq!(b, [json!(50), json!(3)]);

    // Replace: exactly the document.
    let replaced = import(&["--replace"], &document_of(second.clone()));
    assert!(stderr(&replaced).contains("replacing 3 groups"), "{}", stderr(&replaced));
    assert_eq!(export(&dir)["groups"], second);
}

#[test]
fn import_into_the_data_dir_of_a_running_broker_is_refused() {
    let strand = Strand::start_with(TOPIC_FLAG);
    commit_all(&strand);
    let message =
        offsets_exit_2(&[&["import"][..], &data_dir_flag(&strand.data_dir)].concat(), &document_of(json!([])));
    assert!(message.contains("stop the broker first"), "{message}");
    assert!(message.contains(&strand.pid().to_string()), "names the process: {message}");
    // Export beside a running broker reads a copy and leaves the broker's file alone.
    let document = export(&data_dir_flag(&strand.data_dir));
    assert_eq!(group(&document, "billing")["offsets"].as_array().map(Vec::len), Some(3));
    assert_eq!(committed_all(&strand), expected_committed());
}

#[test]
fn an_unusable_store_exits_2_with_the_reason() {
    // Nothing listens on the port a just-closed listener had.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let url = format!("redis://127.0.0.1:{port}/0");
    let started = Instant::now();
    let message = offsets_exit_2(&["export", "--offsets-store", &url], b"");
    assert!(message.contains("cannot open the store: offset store") && message.contains(&url), "{message}");
    assert!(started.elapsed() < Duration::from_secs(20), "gave up within a bounded time");
    let message = offsets_exit_2(&["import", "--offsets-store", &url], &document_of(json!([])));
    assert!(message.contains("cannot open the store"), "{message}");

    let redis = Redis::start_with_password("s3cret");
    let wrong = redis.url().replace("s3cret", "wrong");
    let message = offsets_exit_2(&["export", "--offsets-store", &wrong], b"");
    assert!(message.contains("cannot open the store") && message.contains("AuthenticationFailed"), "{message}");
    assert!(!message.contains("wrong@"), "the password is not printed: {message}");

    let message = offsets_exit_2(&["export", "--offsets-store", "memcached://127.0.0.1:1"], b"");
    assert!(message.contains("offsets_store"), "{message}");
    let temp = tempfile::tempdir().expect("temp dir");
    let message = offsets_exit_2(&[&["export"][..], &data_dir_flag(&temp.path().join("nowhere"))].concat(), b"");
    assert!(message.contains("consumer-offsets.log does not exist"), "{message}");
}

/// The tool names the store as the broker does: its config file, and flags given
/// before the subcommand (`strand --data-dir D offsets export`).
#[test]
fn the_store_comes_from_the_config_file_and_the_flags_before_the_subcommand() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("data");
    let config = temp.path().join("strand.toml");
    std::fs::write(&config, format!("data_dir = {:?}\noffsets_store = \"file\"\n", data_dir)).expect("config");
    let document = document_of(json!([one_offset("from-config", 0, 8)]));
    offsets_ok(&["import", "--config", config.to_str().expect("UTF-8 temp path")], &document);

    let output = strand(&["--data-dir", data_dir.to_str().expect("UTF-8 temp path"), "offsets", "export"], b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let exported: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(exported["groups"], json!([one_offset("from-config", 0, 8)]));
}

/// `--output NAME` with no directory writes NAME in the current directory.
#[test]
fn export_to_a_bare_file_name_writes_it_in_the_current_directory() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("data");
    let document = document_of(json!([one_offset("here", 0, 1)]));
    offsets_ok(&[&["import"][..], &data_dir_flag(&data_dir)].concat(), &document);
    let output = strand_in(temp.path(), &["offsets", "export", "--data-dir", "data", "--output", "offsets.json"], b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written: Value =
        serde_json::from_slice(&std::fs::read(temp.path().join("offsets.json")).expect("offsets.json")).expect("JSON");
    assert_eq!(written["groups"], json!([one_offset("here", 0, 1)]));
}
