//! A real `redis-server` for the tests of the Redis offset store: started on a
//! free loopback port in its own temporary directory, with the persistence an
//! operator who wants no acknowledged commit lost would pick (no RDB snapshots,
//! an append-only file fsynced on every write: `--appendonly yes --appendfsync
//! always`), so that a SIGKILL followed by `start_again` shows what Redis itself
//! guarantees. Tests stop, kill, restart and freeze it to play a Redis outage.
//!
//! The server comes from Debian's `redis-server` package; tests/run.sh installs it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = "redis-server";
const CLI: &str = "redis-cli";
/// How long a fresh or restarted server has to answer PING (it replays its AOF first).
const UP_WITHIN: Duration = Duration::from_secs(20);
/// How long a SIGTERM'd server has to exit (it fsyncs and closes the AOF).
const DOWN_WITHIN: Duration = Duration::from_secs(20);

/// A running `redis-server`. Dropping it kills the process and removes its directory.
pub struct Redis {
    child: Option<Child>,
    port: u16,
    password: Option<String>,
    extra_args: Vec<String>,
    dir: tempfile::TempDir,
}

impl Redis {
    /// A server with no password.
    pub fn start() -> Redis {
        Self::start_with(None, &[])
    }

    /// A server that wants `password` (`--requirepass`) from every client.
    pub fn start_with_password(password: &str) -> Redis {
        Self::start_with(Some(password), &[])
    }

    /// A server with extra `redis-server` arguments (`["--appendfsync", "everysec"]`
    /// overrides the default, the last one given wins).
    pub fn start_with(password: Option<&str>, args: &[&str]) -> Redis {
        let dir = tempfile::tempdir().expect("temp dir for redis-server");
        let mut redis = Redis {
            child: None,
            port: 0,
            password: password.map(str::to_owned),
            extra_args: args.iter().map(|s| s.to_string()).collect(),
            dir,
        };
        // The free port is found by binding port 0 and letting it go, so another
        // process may take it before redis-server binds it: try a few ports.
        let mut failures = Vec::new();
        for _ in 0..5 {
            redis.port = free_port();
            match redis.launch() {
                Ok(()) => return redis,
                Err(reason) => failures.push(format!("port {}: {reason}", redis.port)),
            }
        }
        panic!("redis-server did not start:\n{}", failures.join("\n"));
    }

    /// `redis://[:password@]127.0.0.1:port/0`, the `--offsets-store` for this server.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/0", self.port),
            None => format!("redis://127.0.0.1:{}/0", self.port),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's directory (its AOF lives in `appendonlydir/`, its log in `redis.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("redis-server is running").id()
    }

    /// SIGTERM and wait: a clean shutdown (Redis flushes the AOF and exits).
    pub fn stop(&mut self) {
        let mut child = self.child.take().expect("redis-server is running");
        signal(child.id(), "CONT"); // a paused server handles SIGTERM only once resumed
        signal(child.id(), "TERM");
        let deadline = Instant::now() + DOWN_WITHIN;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("redis-server did not exit within {DOWN_WITHIN:?} of SIGTERM");
                }
            }
        }
    }

    /// SIGKILL: Redis crashes; what survives is what its AOF already held.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("redis-server is running");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts the server again on the same port and directory (it replays its AOF);
    /// returns once it answers PING.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "start_again: redis-server is still running");
        // A port just let go may be taken by another test's ephemeral port for a
        // moment; Redis binds with SO_REUSEADDR, so only a live listener stops it.
        let deadline = Instant::now() + UP_WITHIN;
        loop {
            match self.launch() {
                Ok(()) => return,
                Err(reason) if Instant::now() < deadline => {
                    eprintln!("redis-server again on port {}: {reason}; retrying", self.port);
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(reason) => panic!("redis-server did not start again on port {}: {reason}", self.port),
            }
        }
    }

    /// SIGSTOP: the server holds its connections but answers nothing, as a
    /// server stalled by a slow disk or a long fork would.
    pub fn pause(&self) {
        signal(self.pid(), "STOP");
    }

    /// SIGCONT: a paused server goes on, answering what queued up meanwhile.
    pub fn resume(&self) {
        signal(self.pid(), "CONT");
    }

    /// Runs `redis-cli` against this server with `args` (a command and its
    /// arguments) and returns its stdout. With stdout not a terminal redis-cli
    /// prints raw replies: one line per element, HGETALL as field, value, field...
    pub fn cli(&self, args: &[&str]) -> String {
        let mut command = Command::new(CLI);
        command.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        if let Some(password) = &self.password {
            command.args(["-a", password, "--no-auth-warning"]);
        }
        let output = match command.args(args).stdin(Stdio::null()).output() {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                panic!("{CLI} not found: install redis-server (tests/run.sh does)")
            }
            Err(e) => panic!("running {CLI}: {e}"),
        };
        assert!(
            output.status.success(),
            "{CLI} {args:?}: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("redis-cli prints UTF-8")
    }

    /// `HGETALL key` as (field, value) pairs, in Redis' order.
    pub fn hgetall(&self, key: &str) -> Vec<(String, String)> {
        let out = self.cli(&["HGETALL", key]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len().is_multiple_of(2), "HGETALL {key} printed an odd number of lines: {out:?}");
        lines.chunks(2).map(|pair| (pair[0].to_owned(), pair[1].to_owned())).collect()
    }

    /// Starts redis-server on `self.port` and waits until it answers PING.
    fn launch(&mut self) -> Result<(), String> {
        let dir = self.dir.path();
        let mut command = Command::new(SERVER);
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(dir)
            .args(["--save", "", "--appendonly", "yes", "--appendfsync", "always"])
            .args(["--daemonize", "no", "--logfile", "redis.log"]);
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let mut child = match command.args(&self.extra_args).stdin(Stdio::null()).stdout(Stdio::null()).spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                panic!("{SERVER} not found: install redis-server (tests/run.sh does)")
            }
            Err(e) => panic!("spawning {SERVER}: {e}"),
        };
        let deadline = Instant::now() + UP_WITHIN;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited {status}: {}", log_tail(&dir.join("redis.log"))));
            }
            if answers_ping(self.port) {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no PING answer within {UP_WITHIN:?}: {}", log_tail(&dir.join("redis.log"))));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback port nobody listens on right now (for a `--tls-port`, say).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Whether a Redis listens on `port` and is ready: PING answers `+PONG`, or
/// `-NOAUTH` from a server with a password (`-LOADING` while it replays its AOF
/// is not ready yet).
fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 64];
    match stream.read(&mut reply) {
        Ok(n) => reply[..n].starts_with(b"+PONG") || reply[..n].starts_with(b"-NOAUTH"),
        Err(_) => false,
    }
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().expect("kill");
    assert!(status.success(), "kill -{name} {pid}: {status}");
}

/// The last lines of the server's log, for a failure message.
fn log_tail(path: &PathBuf) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n")
}
