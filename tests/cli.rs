//! The binary's command line beyond the broker: `strand inspect` on real data
//! dirs, `strand health` against a broker and against stand-in HTTP servers, and
//! configuration errors that exit with status 2.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{batch, RawClient, Strand, TOPIC};
use strand::log::records::Codec;
use strand::log::testing::compress;

/// Runs the binary with `args` and no STRAND_* from the test's environment,
/// killing it if it has not exited within 20 s (a config error that let the
/// broker start would otherwise hang the test).
fn run_strand(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strand"))
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn strand");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("strand {args:?} still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn inspect(path: &Path, flags: &[&str]) -> Output {
    let mut args = vec!["inspect", path.to_str().expect("UTF-8 temp path")];
    args.extend_from_slice(flags);
    run_strand(&args)
}

/// Produces one batch with acks=-1 and returns its base offset.
fn produce(client: &mut RawClient, records: Bytes) -> i64 {
    let (error_code, base_offset) = client.produce(records);
    assert_eq!(error_code, 0, "produce failed");
    base_offset
}

/// Three batches (offsets 0..=2, 3, 4..=5) in a stopped broker's data dir.
fn stopped_broker_with_three_batches() -> Strand {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    assert_eq!(produce(&mut client, batch(&[b"a", b"b", b"c"], 1000)), 0);
    assert_eq!(produce(&mut client, batch(&[b"d"], 2000)), 3);
    assert_eq!(produce(&mut client, batch(&[b"e", b"f"], 3000)), 4);
    assert!(strand.stop().success());
    strand
}

fn first_segment(strand: &Strand) -> std::path::PathBuf {
    strand.partition_dir().join("00000000000000000000.log")
}

#[test]
fn inspect_reports_batches_offsets_and_timestamps_of_a_data_dir() {
    let strand = stopped_broker_with_three_batches();
    let output = inspect(&strand.data_dir, &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(text.contains(&format!("partition {}", strand.partition_dir().display())), "{text}");
    assert!(text.contains("stopped cleanly"), "{text}");
    assert!(text.contains("segment 00000000000000000000.log: base offset 0"), "{text}");
    assert!(text.contains("3 batches, 6 records, offsets 0..=5, timestamps 1000..=3001"), "{text}");
    assert!(text.trim_end().ends_with("1 segment, 3 batches, 6 records: ok"), "{text}");
    assert!(!text.contains("PROBLEM"), "{text}");
}

#[test]
fn inspect_walks_every_topic_and_partition_in_order_and_checks_topic_ids() {
    let mut strand = Strand::start_with(&["--topic", "wide:12"]);
    assert!(strand.stop().success());
    // A deleted partition awaiting removal is not reported.
    std::fs::create_dir(strand.data_dir.join("gone-0.0123456789abcdef0123456789abcdef-delete")).unwrap();
    let output = inspect(&strand.data_dir, &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let partitions: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("partition "))
        .filter_map(|l| Some(Path::new(l.split(':').next()?).file_name()?.to_str()?.to_owned()))
        .collect();
    let mut expected = vec!["events-0".to_owned()];
    expected.extend((0..12).map(|p| format!("wide-{p}")));
    assert_eq!(partitions, expected, "{text}");

    // One partition that names another topic id: the broker would refuse to start.
    let metadata = strand.data_dir.join("wide-7/partition.metadata");
    std::fs::write(&metadata, "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n").unwrap();
    let output = inspect(&strand.data_dir, &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("PROBLEM topic id AAAAAAAAAAAAAAAAAAAAAA differs"), "{text}");
}

#[test]
fn inspect_batches_prints_one_line_per_batch() {
    let strand = stopped_broker_with_three_batches();
    let output = inspect(&strand.partition_dir(), &["--batches"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let batches: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with("batch ")).collect();
    assert_eq!(batches.len(), 3, "{text}");
    assert!(batches[0].contains("batch offsets 0..=2 records 3 position 0"), "{text}");
    assert!(batches[1].contains("batch offsets 3..=3 records 1"), "{text}");
    assert!(batches[2].contains("batch offsets 4..=5 records 2") && batches[2].contains("codec none"), "{text}");
}

#[test]
fn inspect_records_prints_keys_and_values() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, batch(&[b"hello", b"world"], 1000));
    produce(&mut client, batch(&[&[0xff, 0x00, 0x7f]], 5000));
    assert!(strand.stop().success());

    let output = inspect(&first_segment(&strand), &["--records"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains(r#"offset 0 timestamp 1000 key "k0" value "hello""#), "{text}");
    assert!(text.contains(r#"offset 1 timestamp 1001 key "k1" value "world""#), "{text}");
    assert!(text.contains(r#"offset 2 timestamp 5000 key "k0" value 0xff007f"#), "{text}");
}

#[test]
fn inspect_records_shows_a_compressed_batch_without_its_records() {
    let mut strand = Strand::start();
    let mut client = RawClient::connect(&strand.addr);
    produce(&mut client, compress(&batch(&[b"x"], 1000), Codec::Gzip));
    assert!(strand.stop().success());

    let output = inspect(&strand.data_dir, &["--records"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("batch offsets 0..=0 records 1") && text.contains("codec gzip"), "{text}");
    assert!(text.contains("compressed (gzip), records not shown"), "{text}");
}

#[test]
fn inspect_names_the_batch_whose_byte_was_corrupted() {
    let strand = stopped_broker_with_three_batches();
    let path = first_segment(&strand);
    let mut bytes = std::fs::read(&path).unwrap();
    let first_size = 12 + i32::from_be_bytes(bytes[8..12].try_into().unwrap()) as usize;
    // A byte inside the second batch's record (past its 61-byte header): only the CRC can tell.
    bytes[first_size + 65] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    let output = inspect(&strand.data_dir, &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let problems: Vec<&str> = text.lines().filter(|l| l.contains("PROBLEM")).collect();
    assert_eq!(
        problems,
        [format!("    PROBLEM batch at position {first_size}, offsets 3..=3: corrupt record batch: CRC32C mismatch")],
        "{text}"
    );
    assert!(text.trim_end().ends_with(": 1 problem"), "{text}");
}

#[test]
fn inspect_reports_a_torn_tail_and_the_index_entry_past_it() {
    let strand = Strand::start_with(&["--index-interval-bytes", "1"]);
    let mut client = RawClient::connect(&strand.addr);
    for i in 0..3 {
        produce(&mut client, batch(&[b"value"], 1000 + i));
    }
    let mut strand = strand;
    assert!(strand.stop().success());
    let path = first_segment(&strand);
    let size = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(size - 3).unwrap();

    let output = inspect(&path, &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("a torn write"), "{text}");
    assert!(text.contains("index entry 1 (offset 2, position") && text.contains("points at no batch start"), "{text}");
}

#[test]
fn inspect_leaves_a_running_brokers_files_as_they_were() {
    let strand = Strand::start_with(&["--index-interval-bytes", "1"]);
    let mut client = RawClient::connect(&strand.addr);
    for i in 0..4 {
        produce(&mut client, batch(&[b"v"], 1000 + i));
    }
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&strand.partition_dir());

    // The active segment's indexes are pre-allocated and zero-filled: not a problem.
    let output = inspect(&strand.data_dir, &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("no clean-shutdown marker"), "{text}");
    assert!(text.contains("pre-allocated"), "{text}");
    assert_eq!(snapshot(&strand.partition_dir()), before, "inspect changed the files");
    assert_eq!(produce(&mut client, batch(&[b"v"], 2000)), 4);
}

#[test]
fn inspect_of_a_path_that_is_not_a_log_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = inspect(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a data dir, a partition dir, or a segment file"), "{}", stderr(&output));
    let output = inspect(&dir.path().join("missing"), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("No such file"), "{}", stderr(&output));
}

/// A one-shot HTTP server on loopback that answers every connection with
/// `response`; returns its address.
fn http_stand_in(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    addr
}

#[test]
fn health_exits_0_for_a_running_broker_and_1_once_it_stopped() {
    let mut strand = Strand::start();
    let output = run_strand(&["health", "--metrics-listen", &strand.metrics_addr]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("200"), "{}", stdout(&output));

    assert!(strand.stop().success());
    let output = run_strand(&["health", "--metrics-listen", &strand.metrics_addr]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn health_exits_0_on_200_and_1_on_503() {
    let ok = http_stand_in("HTTP/1.0 200 OK\r\n\r\nok\n");
    let output = run_strand(&["health", "--metrics-listen", &ok]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let starting = http_stand_in("HTTP/1.0 503 Service Unavailable\r\n\r\nlog not open yet\n");
    let output = run_strand(&["health", "--metrics-listen", &starting]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("answered 503 Service Unavailable: log not open yet"), "{}", stderr(&output));
}

#[test]
fn health_probes_loopback_when_the_metrics_listener_binds_every_address() {
    let ok = http_stand_in("HTTP/1.0 200 OK\r\n\r\n");
    let port = ok.rsplit(':').next().unwrap();
    let output = run_strand(&["health", "--metrics-listen", &format!("0.0.0.0:{port}")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn health_reads_the_metrics_address_from_the_config_file() {
    let ok = http_stand_in("HTTP/1.0 200 OK\r\n\r\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("strand.toml");
    std::fs::write(&file, format!("metrics_listen = \"{ok}\"\n")).unwrap();
    let output = run_strand(&["health", "--config", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn health_exits_1_when_nothing_listens() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = run_strand(&["health", "--metrics-listen", &format!("127.0.0.1:{port}")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("unhealthy"), "{}", stderr(&output));
}

#[test]
fn health_gives_up_on_a_silent_server_within_its_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let started = Instant::now();
    let output = run_strand(&["health", "--metrics-listen", &addr]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no answer within 2 s"), "{}", stderr(&output));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    drop(listener);
}

#[test]
fn unknown_key_in_the_config_file_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("strand.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\ntopik = \"events\"\n").unwrap();
    let output = run_strand(&["--config", file.to_str().unwrap(), "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains(&file.display().to_string()) && message.contains("topik"), "{message}");
}

#[test]
fn bad_value_in_the_config_file_exits_2_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("strand.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nsegment_bytes = 5\n").unwrap();
    let output = run_strand(&["--config", file.to_str().unwrap(), "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid setting segment_bytes: must be between 14 and 2147483647"),
        "{}",
        stderr(&output)
    );

    std::fs::write(&file, "node_id = \"one\"\n").unwrap();
    let output = run_strand(&["--config", file.to_str().unwrap(), "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("node_id"), "{}", stderr(&output));
}

#[test]
fn bad_flag_value_exits_2_naming_the_flag() {
    let output = run_strand(&["--listen", "127.0.0.1:0", "--node-id", "one"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid value 'one' for '--node-id <NODE_ID>'"), "{}", stderr(&output));

    let dir = tempfile::tempdir().unwrap();
    let output =
        run_strand(&["--listen", "127.0.0.1:0", "--data-dir", dir.path().to_str().unwrap(), "--log-format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid setting log_format: must be text or json"), "{}", stderr(&output));
}

#[test]
fn the_sample_config_file_lists_every_setting_with_its_default() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/strand.toml");
    let mut from_file =
        strand::config::Config::load(Default::default(), Some(&path)).expect("config/strand.toml loads");
    let defaults = strand::config::Config::load(Default::default(), None).unwrap();
    // The file gives every setting (DescribeConfigs would call them STATIC_BROKER_CONFIG);
    // what is compared is the values.
    from_file.given.clear();
    assert_eq!(from_file, defaults, "config/strand.toml disagrees with the defaults in src/config.rs");
    let table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let mut in_file: Vec<&str> = table.keys().map(String::as_str).collect();
    let summary = defaults.summary();
    let mut settings: Vec<&str> = summary.split(' ').filter_map(|kv| kv.split_once('=').map(|(k, _)| k)).collect();
    in_file.sort_unstable();
    settings.sort_unstable();
    assert_eq!(in_file, settings, "config/strand.toml must list every setting");
}

/// An identity file that exists but cannot be read is a startup error naming it,
/// never a reason to write a new cluster or topic id over it. Tests run as root,
/// which chmod does not stop, so the unreadable file is a symlink that points at
/// itself: reading it fails with ELOOP, while a rename would replace it.
#[test]
fn an_unreadable_identity_file_stops_the_start_and_is_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let start = || {
        let data_dir = data_dir.to_str().unwrap();
        run_strand(&[
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
            "--topic",
            TOPIC,
            "--data-dir",
            data_dir,
        ])
    };
    let loop_at = |path: &Path| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(path.file_name().unwrap(), path).unwrap();
    };

    let meta = data_dir.join("meta.properties");
    loop_at(&meta);
    let output = start();
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr(&output).contains(&meta.display().to_string()), "{}", stderr(&output));
    assert_eq!(std::fs::read_link(&meta).unwrap(), Path::new("meta.properties"), "meta.properties was replaced");

    // The same for the partition's topic id, with a good meta.properties.
    let properties = "version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nnode.id=1\n";
    std::fs::remove_file(&meta).unwrap();
    std::fs::write(&meta, properties).unwrap();
    let partition_metadata = data_dir.join(format!("{TOPIC}-0")).join("partition.metadata");
    loop_at(&partition_metadata);
    let output = start();
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr(&output).contains(&partition_metadata.display().to_string()), "{}", stderr(&output));
    assert_eq!(std::fs::read_link(&partition_metadata).unwrap(), Path::new("partition.metadata"));
    assert_eq!(std::fs::read_to_string(&meta).unwrap(), properties);
}

/// SIGTERM the moment the broker says "listening" is a clean stop (exit 0, the
/// log closed cleanly), never the signal's default action. The handlers were
/// once installed only when the accept loop first polled them, so a stop that
/// came early enough killed the process by signal.
#[test]
fn sigterm_right_after_listening_is_a_clean_stop() {
    for _ in 0..20 {
        let mut strand = Strand::start();
        let status = strand.stop();
        assert!(status.success(), "an early SIGTERM ended the broker with {status}");
        assert!(
            strand.partition_dir().join(strand::log::layout::CLEAN_SHUTDOWN_FILE).exists(),
            "no clean-shutdown marker"
        );
    }
}
