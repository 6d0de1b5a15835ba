//! A strand process a benchmark starts on loopback: what `load` and
//! `group_commit` share (the other benches never start a broker). Each uses a
//! part of it, hence no dead-code warnings for the rest.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The command line that runs the broker under measurement: this build's
/// binary or `STRAND_LOAD_BIN` (another build, e.g. one from before a change),
/// behind `STRAND_LOAD_WRAP`, a profiler or tracer to run it under, e.g. `perf
/// record -g -o strand-{}.data --` ({} numbers the brokers started; the CPU and
/// RSS figures are then the wrapper's).
pub fn command() -> Vec<String> {
    static STARTED: AtomicU64 = AtomicU64::new(0);
    let n = STARTED.fetch_add(1, Ordering::Relaxed);
    let wrap = std::env::var("STRAND_LOAD_WRAP").unwrap_or_default().replace("{}", &n.to_string());
    let binary = std::env::var("STRAND_LOAD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_strand").to_owned());
    wrap.split_whitespace().map(str::to_owned).chain([binary]).collect()
}

/// Stopped with SIGTERM (a clean shutdown) when dropped.
pub struct StrandProcess {
    child: Option<Child>,
    /// The Kafka listener, as its `listening` log line gives it.
    pub addr: String,
    /// The metrics listener (`/metrics`), as its `serving metrics` line gives it.
    pub metrics_addr: String,
    pub pid: u32,
    /// When the `listening` line was read: the listener accepts from then on.
    pub listening_at: Instant,
}

impl StrandProcess {
    /// Runs `command` (the binary, possibly behind a wrapper such as a profiler)
    /// serving `topic` from `data_dir`, and waits for its `listening` line.
    pub fn start(command: &[&str], topic: &str, data_dir: &Path) -> StrandProcess {
        let (program, wrapper_args) = command.split_first().expect("a program to run");
        let mut child = Command::new(program)
            .args(wrapper_args)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--metrics-listen",
                "127.0.0.1:0",
                "--http-listen",
                "127.0.0.1:0",
                "--topic",
                topic,
            ])
            .args(["--log-level", "info", "--log-format", "text"])
            .arg("--data-dir")
            .arg(data_dir)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn strand");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // Drain stderr for the life of the process so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let addr_in =
                |line: &str| line.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()).map(str::to_owned);
            // The metrics listener is bound before the Kafka one.
            let mut metrics_addr = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("serving metrics") {
                    metrics_addr = addr_in(&line).unwrap_or_default();
                } else if line.contains("listening") && !line.contains("metrics") {
                    if let Some(addr) = addr_in(&line) {
                        let _ = tx.send((addr, metrics_addr.clone(), Instant::now()));
                    }
                }
            }
        });
        let (addr, metrics_addr, listening_at) =
            rx.recv_timeout(Duration::from_secs(60)).expect("strand did not report listening");
        StrandProcess { pid: child.id(), child: Some(child), addr, metrics_addr, listening_at }
    }

    /// SIGTERM and wait: a clean shutdown.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().expect("kill -TERM");
            child.wait().expect("wait for strand");
        }
    }

    /// SIGKILL: a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for StrandProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
