//! `strand offsets export|import`: copies committed consumer-group offsets between
//! offset stores, the explicit step that switching `offsets_store` takes (from the
//! data dir's `consumer-offsets.log` to Redis, or back). Kafka has no such store
//! switch; the nearest tool is `kafka-consumer-groups --reset-offsets --export`,
//! whose CSV holds offsets only. Here the document also carries each group's record
//! (protocol type, Empty since when), so offset expiry (`offsets.retention.minutes`)
//! carries on where it was, and the commit times go along unchanged.
//!
//! The document (version 1) is JSON, sorted by group, topic and partition so two
//! exports of the same state are byte-identical apart from `exported_at`:
//!
//! ```json
//! {"format": "strand-offsets", "version": 1, "exported_at": 1764680000000,
//!  "source": "redis://127.0.0.1:6379/0",
//!  "groups": [{"group": "billing",
//!              "record": {"protocol_type": "consumer", "empty_since": null},
//!              "offsets": [{"topic": "events", "partition": 0, "offset": 42,
//!                           "leader_epoch": -1, "metadata": "", "commit_timestamp": 1764680000000}]}]}
//! ```
//!
//! `record` is null for a group the store keeps offsets of but no record (nobody
//! ever joined it); `metadata` may be null.
//!
//! Import checks the whole document before it opens the store, so a bad document
//! writes nothing; then it writes everything as ONE `OffsetStore::apply`: one
//! MULTI/EXEC on Redis; on the file store one write and fsync, of one record for
//! all the offsets and one per group record or deleted group, each of which a
//! crash keeps whole or drops. Import is idempotent, so after a failure (exit 1)
//! running it again is the fix. It merges: an
//! offset or group record in the document overwrites the store's, everything else
//! in the store stays; `--replace` first deletes every group the store holds, in
//! the same `apply`. The broker reads its store once, at start, and then owns it,
//! so import runs while the broker is stopped; for a file store a process holding
//! the file open (seen through /proc, Linux) makes import refuse.
//!
//! Exit status: 0 done; 1 the store failed while writing, or the output could not be
//! written; 2 bad arguments or configuration, a store that cannot be opened
//! (unreachable Redis, wrong auth, no store in the data dir), a bad document, or a
//! running broker holding the file store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use strand::config::{Config, Overrides};
use strand::group::offset_store::{self, Change, CommittedOffset, GroupRecord, OffsetKey, OffsetStore, Spec};

/// What `format` says in every document.
const FORMAT: &str = "strand-offsets";
/// The document version this strand writes and reads.
const VERSION: u32 = 1;

#[derive(clap::Subcommand)]
pub enum Action {
    /// Write every committed offset and group record of a store as one JSON document
    ///
    /// Reads the store that --offsets-store names (with --data-dir for `file`), as
    /// the broker would with the same flags, STRAND_* env and config file. A file
    /// store is read from a copy, so exporting beside a running broker is safe
    /// (it shows what was durable when the copy was taken).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// Write the document here (whole or not at all) instead of to stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Write a document made by `export` into a store, atomically; stop the broker first
    ///
    /// The whole document is checked first (a bad one writes nothing, exit 2), then
    /// written as one change: one MULTI/EXEC on Redis, one write and fsync on a
    /// file store. Merges: offsets and group records in the document overwrite the
    /// store's, the rest of the store stays. Stop the broker that uses the store
    /// first: it reads the store only at start, and keeps writing its own view.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// Read the document from here instead of from stdin.
        #[arg(long, short)]
        input: Option<PathBuf>,
        /// Delete every group the store holds (offsets and record) before writing
        /// the document, in the same atomic change: the store ends up holding exactly it.
        #[arg(long)]
        replace: bool,
        /// Check the document and open the store, say what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Which store: the broker's own settings, which these flags override.
#[derive(clap::Args)]
pub struct StoreArgs {
    /// `file` (the data dir's consumer-offsets.log) or
    /// redis://[user:password@]host:port/db (rediss:// for TLS).
    #[arg(long)]
    offsets_store: Option<String>,
    /// The broker's data dir, where a file store lives.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// TOML config file to take offsets_store and data_dir from.
    #[arg(long, env = "STRAND_CONFIG")]
    config: Option<PathBuf>,
}

/// Why export or import stopped.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error("{0}")]
    Config(#[from] strand::config::Error),
    #[error("{0}")]
    Usage(String),
    /// `source` names the store (`offset store <where>: <why>`).
    #[error("cannot open the store: {source}")]
    Open { source: strand::group::Error },
    #[error("bad document: {0}")]
    Document(String),
    #[error("the offset store {store} failed: {source}")]
    Store { store: String, source: strand::group::Error },
    #[error("cannot write {target}: {source}")]
    Output { target: String, source: std::io::Error },
}

impl Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Store { .. } | Error::Output { .. } => 1,
            Error::Config(_) | Error::Usage(_) | Error::Open { .. } | Error::Document(_) => 2,
        }
    }
}

/// Runs `action`; `settings` and `config_file` are the flags given before the
/// subcommand (`strand --data-dir D offsets export`), which the subcommand's own
/// flags override.
pub fn run(action: Action, settings: Overrides, config_file: Option<PathBuf>) -> ExitCode {
    // The stores warn about what they skip (a Redis entry strand cannot read, a torn
    // tail of the file); an export that quietly left something out would mislead.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let (name, result) = match action {
        Action::Export { store, output } => ("export", export(store, settings, config_file, output.as_deref())),
        Action::Import { store, input, replace, dry_run } => {
            ("import", import(store, settings, config_file, input.as_deref(), Mode { replace, dry_run }))
        }
    };
    match result {
        Ok(summary) => {
            eprintln!("strand offsets {name}: {summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("strand offsets {name}: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[derive(Clone, Copy)]
struct Mode {
    replace: bool,
    dry_run: bool,
}

/// The store the broker would use with these settings, and what to call it in messages.
struct Target {
    spec: Spec,
    data_dir: PathBuf,
    fsync: bool,
    name: String,
}

fn target(args: StoreArgs, settings: Overrides, config_file: Option<PathBuf>) -> Result<Target, Error> {
    let settings = Overrides {
        offsets_store: args.offsets_store.or(settings.offsets_store),
        data_dir: args.data_dir.or(settings.data_dir),
        ..settings
    };
    let config = Config::load(settings, args.config.or(config_file).as_deref())?;
    let name = match &config.offsets_store {
        Spec::File => format!("file store {}", config.data_dir.join(offset_store::FILE_NAME).display()),
        spec => spec.to_string(),
    };
    Ok(Target { spec: config.offsets_store, data_dir: config.data_dir, fsync: config.offsets_fsync, name })
}

/// An opened store and the runtime its connections (Redis') run on, which must
/// outlive it. `apply` and `load` are called from this thread, outside the runtime.
struct Opened {
    store: Box<dyn OffsetStore>,
    _runtime: tokio::runtime::Runtime,
}

fn open(target: &Target, dir: &Path) -> Result<Opened, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    let store = runtime
        .block_on(offset_store::open(&target.spec, dir, target.fsync))
        .map_err(|source| Error::Open { source })?;
    Ok(Opened { store, _runtime: runtime })
}

fn export(
    args: StoreArgs,
    settings: Overrides,
    config_file: Option<PathBuf>,
    output: Option<&Path>,
) -> Result<String, Error> {
    let target = target(args, settings, config_file)?;
    // A file store is opened from a copy: opening cuts a torn tail, which must never
    // happen to a file a running broker is appending to.
    let copy = match target.spec {
        Spec::File => Some(ScratchDir::copy_of_file_store(&target.data_dir)?),
        _ => None,
    };
    let opened = open(&target, copy.as_ref().map_or(target.data_dir.as_path(), |c| c.path()))?;
    let store_error = |source| Error::Store { store: target.name.clone(), source };
    let offsets = opened.store.load().map_err(store_error)?;
    let groups = opened.store.load_groups().map_err(store_error)?;
    let source = match target.spec {
        Spec::File => format!("file:{}", target.data_dir.display()),
        ref spec => spec.to_string(),
    };
    let document = Document::of(offsets, groups, source, strand::now_ms());
    let mut text = serde_json::to_vec_pretty(&document).expect("a Document always serializes: strings and integers");
    text.push(b'\n');
    let destination = match output {
        Some(path) => {
            strand::durable::write_durably(path, &text)
                .map_err(|e| Error::Output { target: e.path.display().to_string(), source: e.source })?;
            path.display().to_string()
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&text)
                .and_then(|()| stdout.flush())
                .map_err(|source| Error::Output { target: "stdout".into(), source })?;
            "stdout".into()
        }
    };
    let (groups, offsets) = document.counts();
    Ok(format!("{offsets} offsets of {groups} groups from {} to {destination}", target.name))
}

fn import(
    args: StoreArgs,
    settings: Overrides,
    config_file: Option<PathBuf>,
    input: Option<&Path>,
    mode: Mode,
) -> Result<String, Error> {
    let text = match input {
        Some(path) => std::fs::read(path).map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?,
        None => {
            let mut text = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut text)
                .map_err(|e| Error::Usage(format!("cannot read stdin: {e}")))?;
            text
        }
    };
    let plan = Plan::of(&Document::parse(&text)?)?;
    let target = target(args, settings, config_file)?;
    if target.spec == Spec::File {
        std::fs::create_dir_all(&target.data_dir)
            .map_err(|e| Error::Usage(format!("cannot create the data dir {}: {e}", target.data_dir.display())))?;
        let file = target.data_dir.join(offset_store::FILE_NAME);
        if let Some(pid) = holders(&file).first() {
            return Err(Error::Usage(format!(
                "process {pid} has {} open (a running broker?): stop the broker first",
                file.display()
            )));
        }
    }
    let opened = open(&target, &target.data_dir)?;
    let store_error = |source| Error::Store { store: target.name.clone(), source };
    let existing = if mode.replace {
        let mut groups: BTreeSet<String> =
            opened.store.load().map_err(store_error)?.into_keys().map(|k| k.group).collect();
        groups.extend(opened.store.load_groups().map_err(store_error)?.into_keys());
        groups
    } else {
        BTreeSet::new()
    };
    let changes = plan.changes(&existing);
    let how = match (mode.replace, existing.len()) {
        (false, _) => "merged".to_string(),
        (true, n) => format!("replacing {n} groups"),
    };
    let summary = format!(
        "{} offsets and {} group records of {} groups into {} ({how})",
        plan.offsets.len(),
        plan.records.len(),
        plan.groups,
        target.name
    );
    if mode.dry_run {
        return Ok(format!("dry run, nothing written: would write {summary}"));
    }
    opened.store.apply(&changes).map_err(store_error)?;
    Ok(format!("wrote {summary}"))
}

/// The exchange document; see the module doc.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Document {
    pub format: String,
    pub version: u32,
    /// When it was exported, ms since the epoch; informational.
    #[serde(default)]
    pub exported_at: Option<i64>,
    /// Which store it was exported from (a Redis password redacted); informational.
    #[serde(default)]
    pub source: Option<String>,
    pub groups: Vec<GroupEntry>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct GroupEntry {
    pub group: String,
    /// The group's record (what offset expiry reads); null when the store has none.
    #[serde(default)]
    pub record: Option<RecordEntry>,
    #[serde(default)]
    pub offsets: Vec<OffsetEntry>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct RecordEntry {
    pub protocol_type: String,
    /// Ms since the epoch since which the group has had no members; null while it has some.
    pub empty_since: Option<i64>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct OffsetEntry {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    #[serde(default = "no_leader_epoch")]
    pub leader_epoch: i32,
    #[serde(default)]
    pub metadata: Option<String>,
    pub commit_timestamp: i64,
}

fn no_leader_epoch() -> i32 {
    -1
}

impl Document {
    /// A store's contents as a document, sorted by group, topic, partition.
    fn of(
        offsets: HashMap<OffsetKey, CommittedOffset>,
        records: HashMap<String, GroupRecord>,
        source: String,
        now_ms: i64,
    ) -> Document {
        fn entry(groups: &mut BTreeMap<String, GroupEntry>, group: String) -> &mut GroupEntry {
            groups.entry(group.clone()).or_insert_with(|| GroupEntry { group, record: None, offsets: Vec::new() })
        }
        let mut groups: BTreeMap<String, GroupEntry> = BTreeMap::new();
        for (group, record) in records {
            entry(&mut groups, group).record =
                Some(RecordEntry { protocol_type: record.protocol_type, empty_since: record.empty_since });
        }
        let mut offsets: Vec<_> = offsets.into_iter().collect();
        offsets.sort_by(|(a, _), (b, _)| a.cmp(b));
        for (key, committed) in offsets {
            entry(&mut groups, key.group).offsets.push(OffsetEntry {
                topic: key.topic,
                partition: key.partition,
                offset: committed.offset,
                leader_epoch: committed.leader_epoch,
                metadata: committed.metadata,
                commit_timestamp: committed.commit_timestamp,
            });
        }
        Document {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: Some(now_ms),
            source: Some(source),
            groups: groups.into_values().collect(),
        }
    }

    /// Parses a document, checking first that it is one of ours, of a version this
    /// strand reads (so a newer document is refused as such, not as a typo).
    fn parse(text: &[u8]) -> Result<Document, Error> {
        let value: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| Error::Document(format!("not JSON: {e}")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => return Err(Error::Document(format!("format is {other:?}, not {FORMAT:?}"))),
            None => return Err(Error::Document(format!("no \"format\": {FORMAT:?} (not an offsets export?)"))),
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => return Err(Error::Document(format!("version {v}; this strand reads version {VERSION}"))),
            None => return Err(Error::Document("no integer \"version\"".into())),
        }
        serde_json::from_value(value).map_err(|e| Error::Document(e.to_string()))
    }

    /// (groups, offsets).
    fn counts(&self) -> (usize, usize) {
        (self.groups.len(), self.groups.iter().map(|g| g.offsets.len()).sum())
    }
}

/// A checked document, as the changes it makes.
#[derive(Debug, PartialEq)]
struct Plan {
    offsets: Vec<(OffsetKey, CommittedOffset)>,
    records: Vec<(String, GroupRecord)>,
    groups: usize,
}

impl Plan {
    /// Checks what the broker itself would have refused to store: an empty
    /// topic, a negative partition, metadata over Kafka's
    /// `offset.metadata.max.bytes`, a negative time, and a group or partition named
    /// twice (which of the two would be meant?).
    fn of(document: &Document) -> Result<Plan, Error> {
        let bad = |what: String| Err(Error::Document(what));
        let mut seen_groups = BTreeSet::new();
        let mut plan = Plan { offsets: Vec::new(), records: Vec::new(), groups: document.groups.len() };
        for (i, entry) in document.groups.iter().enumerate() {
            // An empty group id is a group like any other, as OffsetCommit takes it.
            let group = &entry.group;
            if !seen_groups.insert(group) {
                return bad(format!("groups[{i}]: group {group:?} appears twice"));
            }
            if let Some(record) = &entry.record {
                if record.protocol_type.is_empty() {
                    return bad(format!("group {group:?}: the record's protocol_type is empty"));
                }
                if record.empty_since.is_some_and(|t| t < 0) {
                    return bad(format!("group {group:?}: empty_since is negative"));
                }
                plan.records.push((
                    group.clone(),
                    GroupRecord { protocol_type: record.protocol_type.clone(), empty_since: record.empty_since },
                ));
            }
            let mut seen = BTreeSet::new();
            for o in &entry.offsets {
                let at = format!("group {group:?}, {}:{}", o.topic, o.partition);
                if o.topic.is_empty() {
                    return bad(format!("group {group:?}: an offset with an empty topic"));
                }
                if o.partition < 0 {
                    return bad(format!("{at}: the partition is negative"));
                }
                if !seen.insert((&o.topic, o.partition)) {
                    return bad(format!("{at}: appears twice"));
                }
                if o.commit_timestamp < 0 {
                    return bad(format!("{at}: commit_timestamp is negative"));
                }
                if o.metadata
                    .as_ref()
                    .is_some_and(|m| m.encode_utf16().count() > strand::group::OFFSET_METADATA_MAX_BYTES)
                {
                    return bad(format!(
                        "{at}: metadata is longer than {} (offset.metadata.max.bytes)",
                        strand::group::OFFSET_METADATA_MAX_BYTES
                    ));
                }
                plan.offsets.push((
                    OffsetKey { group: group.clone(), topic: o.topic.clone(), partition: o.partition },
                    CommittedOffset {
                        offset: o.offset,
                        leader_epoch: o.leader_epoch,
                        metadata: o.metadata.clone(),
                        commit_timestamp: o.commit_timestamp,
                    },
                ));
            }
        }
        Ok(plan)
    }

    /// The one batch import applies: the `replaced` groups deleted first, then the
    /// document's offsets (one change) and group records.
    fn changes(&self, replaced: &BTreeSet<String>) -> Vec<Change> {
        let mut changes: Vec<Change> = replaced.iter().map(|g| Change::DeleteGroup(g.clone())).collect();
        if !self.offsets.is_empty() {
            changes.push(Change::Commit(self.offsets.clone()));
        }
        changes.extend(self.records.iter().map(|(group, record)| Change::Group(group.clone(), record.clone())));
        changes
    }
}

/// A private directory holding a copy of a data dir's file store, removed on drop.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn copy_of_file_store(data_dir: &Path) -> Result<ScratchDir, Error> {
        let file = data_dir.join(offset_store::FILE_NAME);
        if !file.is_file() {
            return Err(Error::Usage(format!(
                "{} does not exist: is {} the broker's data dir?",
                file.display(),
                data_dir.display()
            )));
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("strand-offsets-export-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)
            .map_err(|e| Error::Usage(format!("cannot create a scratch dir {}: {e}", dir.display())))?;
        let scratch = ScratchDir(dir);
        std::fs::copy(&file, scratch.0.join(offset_store::FILE_NAME))
            .map_err(|e| Error::Usage(format!("cannot copy {}: {e}", file.display())))?;
        Ok(scratch)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The other processes that have `path` open, from /proc/<pid>/fd (Linux; only
/// the processes this user may look into; none elsewhere). The broker holds its
/// file store open from start to stop.
fn holders(path: &Path) -> Vec<u32> {
    let Ok(target) = path.canonicalize() else { return Vec::new() };
    let Ok(processes) = std::fs::read_dir("/proc") else { return Vec::new() };
    let me = std::process::id();
    let has_open = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|fds| fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|link| link == target)))
            .unwrap_or(false)
    };
    let mut pids: Vec<u32> = processes
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter(|&pid| pid != me && has_open(pid))
        .collect();
    pids.sort_unstable();
    pids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(group: &str, topic: &str, partition: i32) -> OffsetKey {
        OffsetKey { group: group.into(), topic: topic.into(), partition }
    }

    fn committed(offset: i64, metadata: Option<&str>) -> CommittedOffset {
        CommittedOffset {
            offset,
            leader_epoch: 3,
            metadata: metadata.map(str::to_owned),
            commit_timestamp: 1_000 + offset,
        }
    }

    fn store_contents() -> (HashMap<OffsetKey, CommittedOffset>, HashMap<String, GroupRecord>) {
        let offsets = HashMap::from([
            (key("b", "events", 1), committed(7, Some("m"))),
            (key("b", "events", 0), committed(5, None)),
            (key("a", "audit", 2), committed(9, Some(""))),
        ]);
        let records = HashMap::from([
            ("b".to_string(), GroupRecord { protocol_type: "consumer".into(), empty_since: Some(500) }),
            ("c".to_string(), GroupRecord { protocol_type: "consumer".into(), empty_since: None }),
        ]);
        (offsets, records)
    }

    #[test]
    fn export_is_sorted_and_every_group_appears_once_with_offsets_and_record() {
        let (offsets, records) = store_contents();
        let document = Document::of(offsets, records, "file:/d".into(), 42);
        let names: Vec<_> = document.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(document.groups[0].record, None);
        assert_eq!(document.groups[2].offsets, vec![]);
        let b: Vec<_> = document.groups[1].offsets.iter().map(|o| (o.partition, o.offset)).collect();
        assert_eq!(b, [(0, 5), (1, 7)]);
        assert_eq!(
            document.groups[1].record,
            Some(RecordEntry { protocol_type: "consumer".into(), empty_since: Some(500) })
        );
        assert_eq!((document.exported_at, document.version, document.format.as_str()), (Some(42), 1, FORMAT));
    }

    #[test]
    fn a_document_round_trips_through_json_into_the_same_offsets_and_records() {
        let (offsets, records) = store_contents();
        let document = Document::of(offsets.clone(), records.clone(), "redis://h:1/0".into(), 42);
        let text = serde_json::to_vec_pretty(&document).unwrap();
        let parsed = Document::parse(&text).unwrap();
        assert_eq!(parsed, document);
        let plan = Plan::of(&parsed).unwrap();
        assert_eq!(plan.offsets.into_iter().collect::<HashMap<_, _>>(), offsets);
        assert_eq!(plan.records.into_iter().collect::<HashMap<_, _>>(), records);
        assert_eq!(plan.groups, 3);
    }

    #[test]
    fn merge_writes_one_commit_and_the_records_and_replace_deletes_every_stored_group_first() {
        let (offsets, records) = store_contents();
        let plan = Plan::of(&Document::of(offsets, records, String::new(), 0)).unwrap();
        let merged = plan.changes(&BTreeSet::new());
        assert_eq!(merged.len(), 3, "{merged:?}");
        assert!(matches!(&merged[0], Change::Commit(o) if o.len() == 3));
        assert!(matches!(&merged[1], Change::Group(g, _) if g == "b"));
        assert!(matches!(&merged[2], Change::Group(g, _) if g == "c"));
        let replaced = plan.changes(&BTreeSet::from(["old".to_string(), "b".to_string()]));
        assert_eq!(replaced[..2], [Change::DeleteGroup("b".into()), Change::DeleteGroup("old".into())]);
        assert_eq!(replaced[2..], merged[..]);
    }

    #[test]
    fn a_hand_written_document_may_leave_out_the_informational_and_defaulted_fields() {
        let text = br#"{"format":"strand-offsets","version":1,"groups":[
            {"group":"g","offsets":[{"topic":"t","partition":0,"offset":4,"commit_timestamp":1}]}]}"#;
        let plan = Plan::of(&Document::parse(text).unwrap()).unwrap();
        assert_eq!(
            plan.offsets,
            [(key("g", "t", 0), CommittedOffset { offset: 4, leader_epoch: -1, metadata: None, commit_timestamp: 1 })]
        );
        assert!(plan.records.is_empty());
    }

    fn refused(text: &str) -> String {
        let checked = Document::parse(text.as_bytes()).and_then(|d| Plan::of(&d));
        match checked {
            Err(Error::Document(reason)) => reason,
            other => panic!("{text} was not refused as a bad document: {other:?}"),
        }
    }

    fn with_groups(groups: &str) -> String {
        format!(r#"{{"format":"strand-offsets","version":1,"groups":{groups}}}"#)
    }

    #[test]
    fn documents_that_are_not_ours_or_not_this_version_are_refused_as_such() {
        assert!(refused("{\"format\":").starts_with("not JSON"));
        assert!(refused("[1,2]").contains("no \"format\""));
        assert!(refused(r#"{"format":"kafka-offsets","version":1,"groups":[]}"#).contains("\"kafka-offsets\""));
        assert!(refused(r#"{"format":"strand-offsets","version":2,"groups":[]}"#).contains("version 2"));
        assert!(refused(r#"{"format":"strand-offsets","groups":[]}"#).contains("version"));
        assert!(refused(r#"{"format":"strand-offsets","version":1}"#).contains("groups"));
    }

    #[test]
    fn entries_the_broker_would_not_have_stored_are_refused_with_where_they_are() {
        let offset = |fields: &str| with_groups(&format!(r#"[{{"group":"g","offsets":[{{{fields}}}]}}]"#));
        let base = r#""topic":"t","partition":0,"offset":1,"commit_timestamp":1"#;
        assert!(Plan::of(&Document::parse(with_groups(r#"[{"group":""}]"#).as_bytes()).unwrap()).is_ok());
        assert!(refused(&with_groups(r#"[{"group":"g"},{"group":"g"}]"#)).contains("appears twice"));
        let twice = with_groups(&format!(r#"[{{"group":"g","offsets":[{{{base}}},{{{base}}}]}}]"#));
        assert!(refused(&twice).contains("t:0: appears twice"));
        assert!(refused(&offset(r#""topic":"","partition":0,"offset":1,"commit_timestamp":1"#)).contains("empty topic"));
        assert!(refused(&offset(r#""topic":"t","partition":-1,"offset":1,"commit_timestamp":1"#)).contains("negative"));
        assert!(refused(&offset(r#""topic":"t","partition":0,"offset":1,"commit_timestamp":-5"#))
            .contains("commit_timestamp"));
        assert!(
            refused(&offset(r#""topic":"t","partition":0,"offset":"1","commit_timestamp":1"#)).contains("invalid type")
        );
        assert!(
            refused(&offset(r#""topic":"t","partition":0,"commit_timestamp":1"#)).contains("missing field `offset`")
        );
        assert!(refused(&offset(&format!(r#"{base},"ofset":2"#))).contains("unknown field `ofset`"));
        let long = "é".repeat(strand::group::OFFSET_METADATA_MAX_BYTES + 1);
        assert!(refused(&offset(&format!(r#"{base},"metadata":"{long}""#))).contains("offset.metadata.max.bytes"));
        let record = |r: &str| with_groups(&format!(r#"[{{"group":"g","record":{r}}}]"#));
        assert!(refused(&record(r#"{"protocol_type":"","empty_since":null}"#)).contains("protocol_type"));
        assert!(refused(&record(r#"{"protocol_type":"consumer","empty_since":-1}"#)).contains("empty_since"));
    }

    #[test]
    fn metadata_at_the_limit_in_utf16_units_is_taken() {
        // 4096 'é' are 8192 UTF-8 bytes but 4096 UTF-16 units, as Java's String.length() counts.
        let long = "é".repeat(strand::group::OFFSET_METADATA_MAX_BYTES);
        let text = with_groups(&format!(
            r#"[{{"group":"g","offsets":[{{"topic":"t","partition":0,"offset":1,"commit_timestamp":1,"metadata":"{long}"}}]}}]"#
        ));
        assert_eq!(Plan::of(&Document::parse(text.as_bytes()).unwrap()).unwrap().offsets.len(), 1);
    }

    #[test]
    fn holders_finds_another_process_with_the_file_open_and_not_ourselves() {
        let dir = std::env::temp_dir().join(format!("strand-holders-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(offset_store::FILE_NAME);
        let _ours = std::fs::File::create(&path).unwrap();
        assert_eq!(holders(&path), Vec::<u32>::new(), "this process is not counted");
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .stdin(std::fs::File::open(&path).unwrap())
            .spawn()
            .expect("spawn sleep");
        let found = holders(&path);
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(found, vec![child.id()]);
    }
}
