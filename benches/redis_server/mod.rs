//! A `redis-server` a benchmark starts on loopback, and the few RESP commands
//! the bench sends it itself (PING, CONFIG GET, HGET), over a plain socket.
//!
//! The bench owns this rather than using `tests/common/redis.rs`: benches and
//! tests are separate crates, and the bench needs only "start with these
//! persistence settings, answer a command, stop". Like the tests, it runs the
//! Debian `redis-server` from PATH (`tests/run.sh` installs it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long redis-server may take to answer its first PING.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Stopped with SIGTERM (Redis' clean shutdown) when dropped.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// Starts `redis-server` on a free 127.0.0.1 port with its files in `dir`,
    /// no RDB snapshots, and `args` added (e.g. the AOF settings under
    /// measurement), and waits until it answers PING.
    pub fn start(dir: &Path, args: &[&str]) -> RedisServer {
        // Port 0 is not something redis-server takes: ask the kernel for a free
        // port, release it, and hand it over (a race only another process on
        // this machine grabbing it in between would lose).
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start redis-server ({e}): install redis-server (tests/run.sh does)"));
        let mut server = RedisServer { child: Some(child), port };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(mut conn) = RedisConn::connect(port) {
                if conn.command(&["PING"]) == Reply::Simple("PONG".into()) {
                    return server;
                }
            }
            if let Some(status) = server.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("redis-server exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "redis-server did not answer PING within {START_TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The URL strand's `--offsets-store` takes.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A new connection for commands.
    pub fn conn(&self) -> RedisConn {
        RedisConn::connect(self.port).expect("connect to redis-server")
    }

    /// The installed server's version line, for the report.
    pub fn version() -> String {
        Command::new("redis-server")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|e| format!("redis-server --version: {e}"))
    }

    /// SIGTERM and wait.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One RESP reply, as far as this bench reads them.
#[derive(Debug, PartialEq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Option<String>),
    Array(Vec<Reply>),
}

/// A blocking RESP2 connection: one command, one reply.
pub struct RedisConn {
    reader: BufReader<TcpStream>,
}

impl RedisConn {
    fn connect(port: u16) -> std::io::Result<RedisConn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(RedisConn { reader: BufReader::new(stream) })
    }

    /// Sends `args` as a RESP array of bulk strings and reads the reply.
    pub fn command(&mut self, args: &[&str]) -> Reply {
        let mut out = format!("*{}\r\n", args.len());
        for arg in args {
            out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        self.reader.get_mut().write_all(out.as_bytes()).expect("send to redis-server");
        self.reply()
    }

    fn reply(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read from redis-server");
        let line = line.trim_end_matches("\r\n");
        let (kind, rest) = line.split_at(line.len().min(1));
        let number = || rest.parse::<i64>().unwrap_or_else(|_| panic!("a RESP length, got {line:?}"));
        match kind {
            "+" => Reply::Simple(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Integer(number()),
            "$" if number() < 0 => Reply::Bulk(None),
            "$" => {
                let mut data = vec![0u8; number() as usize + 2];
                self.reader.read_exact(&mut data).expect("read a bulk string");
                data.truncate(data.len() - 2);
                Reply::Bulk(Some(String::from_utf8_lossy(&data).into_owned()))
            }
            "*" => Reply::Array((0..number().max(0)).map(|_| self.reply()).collect()),
            _ => panic!("not a RESP reply: {line:?}"),
        }
    }
}
