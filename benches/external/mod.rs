//! The broker a bench measures beside strand (Apache Kafka, say): reached at a
//! bootstrap address or started and stopped by shell commands, as the `load`
//! bench's module doc describes (`STRAND_LOAD_BOOTSTRAP`, `STRAND_LOAD_PID`,
//! `STRAND_LOAD_START`, `STRAND_LOAD_STOP`, `STRAND_LOAD_LABEL`). Each bench
//! uses a part of it, hence no dead-code warnings for the rest.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::kafka_client::{Admin, TIMEOUT};
use crate::measure::{listener_pid, process_start_s, uptime_s};

/// How to reach (or start) the broker measured beside strand.
pub struct ExternalConfig {
    pub label: String,
    bootstrap: Option<String>,
    pid: Option<u32>,
    pub start: Option<String>,
    stop: Option<String>,
}

impl ExternalConfig {
    pub fn from_env() -> Option<ExternalConfig> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let config = ExternalConfig {
            label: var("STRAND_LOAD_LABEL").unwrap_or_else(|| "external".to_owned()),
            bootstrap: var("STRAND_LOAD_BOOTSTRAP"),
            pid: var("STRAND_LOAD_PID").map(|p| p.trim().parse().expect("STRAND_LOAD_PID is a process id")),
            start: var("STRAND_LOAD_START"),
            stop: var("STRAND_LOAD_STOP"),
        };
        if config.bootstrap.is_none() && config.start.is_none() {
            return None;
        }
        assert!(
            config.start.is_none() || (config.stop.is_some() && config.bootstrap.is_none()),
            "STRAND_LOAD_START needs STRAND_LOAD_STOP, and replaces STRAND_LOAD_BOOTSTRAP"
        );
        Some(config)
    }

    /// Starts the broker with the start command, or connects to the running one.
    pub fn open(&self) -> External {
        let (addr, started) = match &self.start {
            None => (self.bootstrap.clone().expect("a bootstrap address"), None),
            Some(start) => {
                let launched = Instant::now();
                let mut child = Command::new("sh")
                    .args(["-c", start])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap_or_else(|e| panic!("run `{start}`: {e}"));
                let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
                let addr = stdout
                    .lines()
                    .map_while(Result::ok)
                    .find_map(|line| line.strip_prefix("BOOTSTRAP=").map(|a| a.trim().to_owned()))
                    .unwrap_or_else(|| panic!("`{start}` printed no BOOTSTRAP=host:port"));
                let status = child.wait().expect("wait for the start command");
                assert!(status.success(), "`{start}` failed: {status}");
                (addr, Some(launched))
            }
        };
        let admin = Admin::new(&addr);
        // Ready: the first Metadata request that succeeds.
        let deadline = Instant::now() + TIMEOUT;
        while let Err(e) = admin.client.inner().fetch_metadata(None, Duration::from_secs(1)) {
            assert!(Instant::now() < deadline, "no Metadata from {addr}: {e}");
        }
        let (ready, uptime) = (Instant::now(), uptime_s());
        let pid = self.pid.filter(|_| self.start.is_none()).unwrap_or_else(|| listener_pid(&addr));
        let started = started.map(|launched| Started {
            from_command: ready - launched,
            from_process: Duration::from_secs_f64((uptime - process_start_s(pid)).max(0.0)),
        });
        External { addr, pid, admin, started, stop: self.stop.clone(), topics: AtomicU64::new(0), restarted: None }
    }
}

/// A broker this bench did not build.
pub struct External {
    pub addr: String,
    /// Its process, for CPU and RSS.
    pub pid: u32,
    pub admin: Admin,
    /// When the bench started it with its start command.
    pub started: Option<Started>,
    stop: Option<String>,
    topics: AtomicU64,
    /// The process `restart` ran, which the stop command does not know.
    restarted: Option<Child>,
}

pub struct Started {
    /// Launching the start command to the first successful Metadata.
    pub from_command: Duration,
    /// The broker process's start to the first successful Metadata.
    pub from_process: Duration,
}

impl External {
    /// `count` new empty topics of `partitions` partitions each, served when
    /// this returns; deleted when dropped.
    pub fn scratch_topics(&self, count: usize, partitions: i32) -> ScratchTopics<'_> {
        ScratchTopics { external: self, names: self.new_topics(count, partitions) }
    }

    /// `count` new empty topics of `partitions` partitions each, served when
    /// this returns: their names.
    pub fn new_topics(&self, count: usize, partitions: i32) -> Vec<String> {
        let run = self.topics.fetch_add(1, Ordering::Relaxed);
        let names: Vec<String> = (0..count).map(|i| format!("strand-bench-{}-{run}-{i}", std::process::id())).collect();
        self.admin.create_topics(&names, partitions);
        names
    }

    /// Stops the broker cleanly (SIGTERM, as its stop command would) and runs
    /// the same command line again, from the same directory with the same
    /// environment, as `/proc` shows them: a restart on the data it has. Returns
    /// when the new process was spawned; what "ready" means is the caller's.
    pub fn restart(&mut self) -> Instant {
        let read = |what: &str| {
            std::fs::read(format!("/proc/{}/{what}", self.pid)).unwrap_or_else(|e| panic!("/proc/PID/{what}: {e}"))
        };
        let split = |bytes: Vec<u8>| -> Vec<String> {
            bytes
                .split(|&b| b == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        };
        let argv = split(read("cmdline"));
        let environment = split(read("environ"));
        let cwd = std::fs::read_link(format!("/proc/{}/cwd", self.pid)).expect("/proc/PID/cwd");
        self.terminate();
        let (program, args) = argv.split_first().expect("a command line");
        let spawned = Instant::now();
        let child = Command::new(program)
            .args(args)
            .current_dir(cwd)
            .env_clear()
            .envs(environment.iter().filter_map(|kv| kv.split_once('=')))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("restart {program}: {e}"));
        self.pid = child.id();
        self.restarted = Some(child);
        spawned
    }

    /// SIGTERM, then wait (SIGKILL after a minute) until the process is gone.
    fn terminate(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(60);
        match self.restarted.take() {
            Some(mut child) => {
                while child.try_wait().ok().flatten().is_none() {
                    if Instant::now() > deadline {
                        let _ = child.kill();
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            // Not our child: gone once its /proc entry is, or it is a zombie.
            None => loop {
                let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
                let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
                if matches!(state, None | Some("Z")) {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = Command::new("kill").arg("-KILL").arg(self.pid.to_string()).status();
                }
                std::thread::sleep(Duration::from_millis(20));
            },
        }
    }
}

impl Drop for External {
    fn drop(&mut self) {
        if self.restarted.is_some() {
            self.terminate();
        }
        if let Some(stop) = &self.stop {
            match Command::new("sh").args(["-c", stop]).stdout(Stdio::null()).status() {
                Ok(status) if status.success() => {}
                outcome => eprintln!("`{stop}` failed: {outcome:?}"),
            }
        }
    }
}

pub struct ScratchTopics<'a> {
    external: &'a External,
    pub names: Vec<String>,
}

impl Drop for ScratchTopics<'_> {
    fn drop(&mut self) {
        self.external.admin.delete_topics(&self.names);
    }
}
