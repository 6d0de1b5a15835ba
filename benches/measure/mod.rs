//! What the benches that run a broker read from `/proc`: a process's CPU time,
//! its RSS, when it started, and which process listens on a port. Each bench
//! uses a part of it, hence no dead-code warnings for the rest.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// `/proc/PID/stat` counts CPU time in USER_HZ ticks, 100 per second on Linux.
pub const TICKS_PER_SECOND: f64 = 100.0;

/// The 1, 5 and 15 minute load averages: on a shared machine, how much else ran.
pub fn load_average() -> String {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// The process that listens on `addr`'s port: the socket's inode from
/// `/proc/net/tcp{,6}` (a JVM listens on an IPv6 socket even for 127.0.0.1),
/// then the process holding that inode among its file descriptors.
pub fn listener_pid(addr: &str) -> u32 {
    const LISTEN: &str = "0A";
    let port: u16 = addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("bootstrap address host:port");
    let suffix = format!(":{port:04X}");
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(table).unwrap_or_default().lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 9 && fields[1].ends_with(&suffix) && fields[3] == LISTEN {
                inodes.push(format!("socket:[{}]", fields[9]));
            }
        }
    }
    let processes = std::fs::read_dir("/proc").into_iter().flatten().flatten();
    for process in processes {
        let Some(pid) = process.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let fds = std::fs::read_dir(process.path().join("fd")).into_iter().flatten().flatten();
        for fd in fds {
            if std::fs::read_link(fd.path()).is_ok_and(|link| inodes.iter().any(|i| link.as_os_str() == i.as_str())) {
                return pid;
            }
        }
    }
    panic!("no process of ours listens on {addr}: set STRAND_LOAD_PID")
}

/// Seconds since boot.
pub fn uptime_s() -> f64 {
    let uptime = std::fs::read_to_string("/proc/uptime").unwrap_or_default();
    uptime.split_whitespace().next().and_then(|s| s.parse().ok()).expect("/proc/uptime")
}

/// When a process started, in seconds since boot (the 22nd field of its stat).
pub fn process_start_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    fields.get(19).and_then(|f| f.parse::<f64>().ok()).expect("/proc/PID/stat starttime") / TICKS_PER_SECOND
}

/// CPU time of a process's threads: each thread's `/proc/PID/task/TID/schedstat`
/// (nanoseconds), and utime + stime from `/proc/PID/stat` (10 ms ticks, too
/// coarse for a run that takes 50 ms of CPU) for where schedstat is missing.
/// Between two samples, a thread that started counts from zero; one that ended
/// loses its time since the first sample (neither the broker nor a live
/// librdkafka client ends threads during a run).
pub struct Cpu {
    threads: HashMap<String, u64>,
    stat: f64,
}

impl Cpu {
    pub fn of(pid: u32) -> Cpu {
        Self::sample(&format!("/proc/{pid}"))
    }

    pub fn of_self() -> Cpu {
        Self::sample("/proc/self")
    }

    fn sample(proc_dir: &str) -> Cpu {
        let threads = std::fs::read_dir(format!("{proc_dir}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| {
                let schedstat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
                let ns = schedstat.split_whitespace().next()?.parse::<u64>().ok()?;
                Some((task.file_name().to_string_lossy().into_owned(), ns))
            })
            .collect();
        Cpu { threads, stat: cpu_from_stat(&format!("{proc_dir}/stat")) }
    }

    /// Seconds of CPU from `earlier` to this sample.
    pub fn since(&self, earlier: &Cpu) -> f64 {
        if self.threads.values().all(|&ns| ns == 0) {
            return self.stat - earlier.stat;
        }
        let ns: u64 = self
            .threads
            .iter()
            .map(|(tid, &ns)| ns.saturating_sub(earlier.threads.get(tid).copied().unwrap_or(0)))
            .sum();
        ns as f64 / 1e9
    }
}

fn cpu_from_stat(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name may hold spaces; the fields after it are fixed: utime and
    // stime are the 14th and 15th, i.e. the 12th and 13th after the name.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / TICKS_PER_SECOND
}

/// (VmRSS, RssAnon) in KiB.
pub fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

/// Samples a process's RSS every 10 ms and keeps the peak.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<(u64, u64)>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = (0, 0);
            while !flag.load(Ordering::Relaxed) {
                let (rss, anon) = rss_kb(pid);
                peak = (peak.0.max(rss), peak.1.max(anon));
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        });
        Self { stop, thread }
    }

    pub fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("RSS sampler")
    }
}
