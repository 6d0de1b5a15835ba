//! `strand health`: the probe a container's HEALTHCHECK runs.
//!
//! Distroless images have no shell, curl or wget, so the binary probes itself:
//! one `GET /health` over a plain `TcpStream` to the metrics listener, HTTP/1.0
//! so the server closes the connection after answering and no chunked body can
//! come back. The whole exchange gets `TIMEOUT`; only a 200 counts as healthy.
//! The endpoint answers 503 while the log opens and while the broker shuts down.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Docker's default HEALTHCHECK timeout is 30 s; a probe that needs more than
/// this on a loopback connection has found a broker in trouble anyway.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// How much of the answer is kept for the message: the status line and a short body.
const MAX_RESPONSE: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("metrics address {addr:?}: {source}")]
    Resolve { addr: String, source: std::io::Error },
    #[error("metrics address {0:?} resolves to no address")]
    NoAddress(String),
    #[error("http://{addr}/health: {source}")]
    Io { addr: SocketAddr, source: std::io::Error },
    #[error("http://{addr}/health: no answer within {} s", TIMEOUT.as_secs())]
    Timeout { addr: SocketAddr },
    #[error("http://{addr}/health: not an HTTP response: {first_line:?}")]
    NotHttp { addr: SocketAddr, first_line: String },
    #[error("http://{addr}/health answered {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Unhealthy { addr: SocketAddr, status: String, body: String },
}

/// Probes `/health` on the metrics listener configured as `metrics_listen`.
/// Returns the status line of a 200 answer.
pub fn check(metrics_listen: &str) -> Result<String, Error> {
    let addr = probe_addr(metrics_listen)?;
    let deadline = Instant::now() + TIMEOUT;
    let io = |source: std::io::Error| {
        if matches!(source.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) {
            Error::Timeout { addr }
        } else {
            Error::Io { addr, source }
        }
    };

    let mut stream = TcpStream::connect_timeout(&addr, remaining(deadline, addr)?).map_err(io)?;
    stream.set_write_timeout(Some(remaining(deadline, addr)?)).map_err(io)?;
    stream.write_all(format!("GET /health HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes()).map_err(io)?;

    let mut response = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        stream.set_read_timeout(Some(remaining(deadline, addr)?)).map_err(io)?;
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // A server that keeps the connection open past its answer still answered.
            Err(e) if has_status_line(&response) && matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                break
            }
            Err(e) => return Err(io(e)),
        }
        if response.len() >= MAX_RESPONSE {
            break;
        }
    }
    interpret(addr, &response)
}

/// The address to connect to for a listener bound to `listen`: a wildcard host
/// (0.0.0.0, [::]) accepts on loopback too, and loopback is where the probe runs.
pub fn probe_addr(listen: &str) -> Result<SocketAddr, Error> {
    let mut addr = listen
        .to_socket_addrs()
        .map_err(|source| Error::Resolve { addr: listen.to_owned(), source })?
        .next()
        .ok_or_else(|| Error::NoAddress(listen.to_owned()))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    Ok(addr)
}

fn remaining(deadline: Instant, addr: SocketAddr) -> Result<Duration, Error> {
    // Zero would mean "no timeout" to set_read_timeout, and is refused by it anyway.
    deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()).ok_or(Error::Timeout { addr })
}

fn has_status_line(response: &[u8]) -> bool {
    response.windows(2).any(|w| w == b"\r\n")
}

fn interpret(addr: SocketAddr, response: &[u8]) -> Result<String, Error> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status_line = head.lines().next().unwrap_or("").trim().to_owned();
    let mut parts = status_line.split_whitespace();
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Err(Error::NotHttp { addr, first_line: status_line });
    };
    if !version.starts_with("HTTP/") || code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotHttp { addr, first_line: status_line });
    }
    if code != "200" {
        let status = status_line.split_once(' ').map_or(code, |(_, rest)| rest).to_owned();
        let body = body.trim().chars().take(200).collect();
        return Err(Error::Unhealthy { addr, status, body });
    }
    Ok(status_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        "127.0.0.1:9464".parse().unwrap()
    }

    #[test]
    fn a_wildcard_listener_is_probed_on_loopback() {
        assert_eq!(probe_addr("0.0.0.0:9464").unwrap(), addr());
        assert_eq!(probe_addr("[::]:9464").unwrap(), "[::1]:9464".parse().unwrap());
        assert_eq!(probe_addr("127.0.0.2:1").unwrap(), "127.0.0.2:1".parse().unwrap());
    }

    #[test]
    fn only_200_is_healthy() {
        assert_eq!(interpret(addr(), b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n").unwrap(), "HTTP/1.1 200 OK");
        let err = interpret(addr(), b"HTTP/1.1 503 Service Unavailable\r\n\r\nlog not open\n").unwrap_err();
        assert_eq!(err.to_string(), "http://127.0.0.1:9464/health answered 503 Service Unavailable: log not open");
        assert!(matches!(interpret(addr(), b"SSH-2.0-OpenSSH\r\n"), Err(Error::NotHttp { .. })));
        assert!(matches!(interpret(addr(), b""), Err(Error::NotHttp { .. })));
    }
}
