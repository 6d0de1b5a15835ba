//! The listener: binds, opens the broker state, accepts connections, and shuts
//! down gracefully.
//!
//! Shutdown (SIGINT/SIGTERM) stops accepting, tells every connection to stop after
//! the request it is serving (a waiting Fetch answers at once), waits for them, and
//! then closes the log cleanly so the next start skips recovery.
//!
//! Each accepted connection passes the connection limits first, in Kafka's
//! acceptor order (`quota::connections`): `max_connection_creation_rate` may
//! make the listener wait before taking it, so may `max_connections` (KIP-402:
//! at the limit the listener takes nothing more until a connection closes, and
//! the ones behind wait in the kernel's backlog), and then an IP's
//! `connection_creation_rate` quota or `max_connections_per_ip` may refuse it.
//!
//! The listener's security protocol follows the config: TLS files make it SSL,
//! SASL mechanisms make it SASL_PLAINTEXT, both SASL_SSL, neither PLAINTEXT.
//! `Security::load` is the one place the TLS and users files are read: `main`
//! calls it before the runtime starts and exits 2 when a file is bad.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::api::session::Sasl;
use crate::broker::{self, Broker};
use crate::config::{self, Config};
use crate::connection;
use crate::group::{self, offset_store};
use crate::http::{self, Health};
use crate::metrics::{self, Exporter};
use crate::quota::connections::{ip_connection_rate, ConnectionQuotas, Refusal};
use crate::sasl::{Users, UsersError};

/// How long shutdown waits for connections to finish their current request.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error(transparent)]
    Broker(#[from] broker::Error),
    #[error(transparent)]
    Metrics(#[from] metrics::Error),
    #[error(transparent)]
    Http(#[from] http::Error),
    /// The offset store could not be opened.
    #[error(transparent)]
    OffsetStore(group::Error),
}

impl Error {
    /// Whether the configuration is at fault (exit 2, as for any bad setting):
    /// a Redis offset store that cannot be reached or refuses the credentials.
    pub fn is_bad_setting(&self) -> bool {
        matches!(self, Error::OffsetStore(group::Error::Unavailable { .. }))
    }
}

/// How the listener secures connections: TLS and SASL, each when configured.
pub struct Security {
    tls: Option<TlsAcceptor>,
    sasl: Option<Arc<Sasl>>,
    /// The SASL users (none without SASL): the SCRAM credentials stored in the
    /// data dir apply to them once the broker opens it.
    users: Arc<Users>,
}

impl Security {
    /// Reads and checks the files the security settings name, once, at startup:
    /// the TLS certificate chain, key and client CA, and the users file, whose
    /// SCRAM credentials get their random salts here (so they differ from one
    /// start to the next). A bad file is an invalid setting, named.
    pub fn load(config: &Config) -> Result<Security, config::Error> {
        let invalid = |name, reason: String| config::Error::Invalid { name, reason };
        let tls = match config.tls_files() {
            Some((cert, key, client_ca)) => {
                Some(crate::tls::acceptor(cert, key, client_ca).map_err(|(name, e)| invalid(name, e.to_string()))?)
            }
            None => None,
        };
        let mechanisms = &config.sasl_mechanisms;
        let (sasl, users) = if mechanisms.is_empty() {
            let none = Users::from_passwords([], mechanisms).map_err(|e| invalid("users_file", e.to_string()))?;
            (None, Arc::new(none))
        } else {
            let users = Users::load(&config.users_file, mechanisms).map_err(|e| {
                let path = config.users_file.display();
                match e {
                    UsersError::Read { source, .. } => invalid("users_file", format!("cannot read {path}: {source}")),
                    UsersError::Syntax { line, reason, .. } => {
                        invalid("users_file", format!("{path}, line {line}: {reason}"))
                    }
                    UsersError::Empty { .. } => invalid("users_file", format!("{path} has no users")),
                    UsersError::Random(_) => invalid("users_file", e.to_string()),
                }
            })?;
            let users = Arc::new(users);
            (Some(Arc::new(Sasl { mechanisms: mechanisms.clone(), users: users.clone() })), users)
        };
        Ok(Security { tls, sasl, users })
    }
}

/// Serves the listener until `shutdown_signal`; `security` is what
/// `Security::load` made of the same config.
pub async fn run(config: Config, security: Security, shutdown_signal: impl Future<Output = ()>) -> Result<(), Error> {
    if let Some(sasl) = &security.sasl {
        let names: Vec<&str> = sasl.mechanisms.iter().map(|m| m.name()).collect();
        tracing::info!(mechanisms = names.join(","), users = sasl.users.len(), "SASL enabled");
    }
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|source| Error::Bind { addr: config.listen.clone(), source })?;
    let bound = listener.local_addr().map_err(|source| Error::Bind { addr: config.listen.clone(), source })?;
    // Up before the log opens, so /health can say 503 while it does.
    let health = Arc::new(Health::default());
    let exporter = Exporter::install()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let ops = http::ops::router(exporter.clone(), health.clone());
    // /health answers 503 while shutting down, so this one stops with the process.
    let (_ops_running, ops_stop) = watch::channel(false);
    let metrics_addr =
        http::serve(&config.metrics_listen, ops, None, config.max_connections as usize, ops_stop).await?;
    tracing::info!(addr = %metrics_addr, "serving metrics and health");

    let offsets = offset_store::open(&config.offsets_store, &config.data_dir, config.offsets_fsync)
        .await
        .map_err(Error::OffsetStore)?;
    let broker = Arc::new(Broker::open(config, bound, shutdown_rx.clone(), security.users.clone(), offsets)?);
    if !broker.config.http_listen.is_empty() {
        let users = security.sasl.as_ref().map(|_| security.users.clone());
        let router = http::rest_router(http::Rest::new(broker.clone()), users);
        let max_connections = broker.config.max_connections as usize;
        let addr =
            http::serve(&broker.config.http_listen, router, security.tls.clone(), max_connections, shutdown_rx.clone())
                .await?;
        let scheme = if security.tls.is_some() { "https" } else { "http" };
        tracing::info!(addr = %addr, scheme, basic_auth = security.sasl.is_some(), "serving REST");
    }
    let source = broker.clone();
    exporter.set_source(move || source.metrics_snapshot());
    let housekeeping = tokio::spawn(housekeeping(broker.clone(), shutdown_rx));
    // Ready before the "listening" line: tests and operators take that line to
    // mean /health answers 200. The socket already queues connections.
    health.set_ready(true);
    tracing::info!(
        addr = %bound,
        advertised = format!("{}:{}", broker.advertised_host, broker.advertised_port),
        topics = broker.topics.all().len(),
        security_protocol = broker.config.security_protocol(),
        "listening"
    );

    let mut connections = JoinSet::new();
    // A permit per connection; with none left the listener waits for one.
    let slots = Arc::new(Semaphore::new(broker.config.max_connections as usize));
    let mut last_full_log: Option<Instant> = None;
    let limits = ConnectionQuotas::new(broker.config.connection_limits());
    let mut expire_limits = tokio::time::interval(EXPIRE_LIMITS_EVERY);
    tokio::pin!(shutdown_signal);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Kafka's acceptor waits out max_connection_creation_rate
                    // before it takes this connection or the next.
                    let delay_ms = limits.accept_delay_ms(crate::now_ms());
                    if delay_ms > 0 {
                        metrics::connection_accept_throttled(delay_ms as f64 / 1000.0);
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_millis(delay_ms)) => {}
                            _ = &mut shutdown_signal => break,
                        }
                    }
                    let permit = match slots.clone().try_acquire_owned() {
                        Ok(permit) => permit,
                        Err(_) => {
                            let blocked = Instant::now();
                            if last_full_log.is_none_or(|at| at.elapsed() >= FULL_LOG_EVERY) {
                                last_full_log = Some(blocked);
                                tracing::warn!(
                                    max_connections = broker.config.max_connections,
                                    "max_connections reached: accepting again when a connection closes"
                                );
                            }
                            let acquired = tokio::select! {
                                acquired = slots.clone().acquire_owned() => acquired,
                                _ = &mut shutdown_signal => break,
                            };
                            // The semaphore is never closed; a closed one would stop the listener.
                            let Ok(permit) = acquired else { break };
                            metrics::connection_accept_blocked(blocked.elapsed().as_secs_f64());
                            permit
                        }
                    };
                    let ip_rate = ip_connection_rate(&broker.quotas.store().get(), broker.quotas.ip_names(), peer.ip());
                    let limit = match limits.admit(peer.ip(), ip_rate, crate::now_ms()) {
                        Ok(limit) => limit,
                        Err(refusal) => {
                            refuse(&limits, stream, peer, refusal, broker.shutdown.clone());
                            continue;
                        }
                    };
                    let (broker, tls, sasl) = (broker.clone(), security.tls.clone(), security.sasl.clone());
                    connections.spawn(async move {
                        connection::serve(stream, peer, broker, tls, sasl).await;
                        drop((permit, limit));
                    });
                }
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = expire_limits.tick() => limits.expire_idle(crate::now_ms()),
            _ = &mut shutdown_signal => break,
        }
        while connections.try_join_next().is_some() {}
    }

    health.set_ready(false);
    tracing::info!(connections = connections.len(), "shutting down");
    drop(listener);
    let _ = shutdown_tx.send(true);
    if tokio::time::timeout(DRAIN_TIMEOUT, async { while connections.join_next().await.is_some() {} }).await.is_err() {
        tracing::warn!("connections still busy after the drain timeout; closing anyway");
        connections.abort_all();
    }
    let _ = housekeeping.await;
    broker.topics.close().map_err(broker::Error::from)?;
    tracing::info!("logs closed cleanly");
    Ok(())
}

/// The "max_connections reached" warning comes at most this often.
const FULL_LOG_EVERY: Duration = Duration::from_secs(1);

/// How often idle per-IP connection rates are dropped.
const EXPIRE_LIMITS_EVERY: Duration = Duration::from_secs(60);

/// Closes a connection the limits refused: at once past `max_connections_per_ip`,
/// after the throttle time over the IP's `connection_creation_rate` (or at
/// shutdown, whichever comes first), unserved either way. Counted, and logged
/// at most once a second per IP.
fn refuse(
    limits: &ConnectionQuotas,
    stream: TcpStream,
    peer: SocketAddr,
    refusal: Refusal,
    mut shutdown: watch::Receiver<bool>,
) {
    metrics::connection_refused(refusal.reason());
    if let Some(suppressed) = limits.log_refusal(peer.ip(), crate::now_ms()) {
        let ip = peer.ip();
        match refusal {
            Refusal::TooMany { max } => tracing::info!(
                %peer,
                max_connections_per_ip = max,
                suppressed,
                "refused connection from {ip}: the address already has the configured maximum of {max} connections"
            ),
            Refusal::Throttled { delay_ms } => tracing::info!(
                %peer,
                delay_ms,
                suppressed,
                "refused connection from {ip}: over its connection_creation_rate quota, closing in {delay_ms} ms"
            ),
        }
    }
    if let Refusal::Throttled { delay_ms } = refusal {
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(delay_ms)) => {}
                _ = shutdown.wait_for(|stopping| *stopping) => {}
            }
            drop(stream);
        });
    }
}

/// How often the quota measures nobody used for an hour are dropped.
const QUOTA_EXPIRY_TICK: Duration = Duration::from_secs(60);

/// How often group session and rebalance timeouts are checked.
const GROUP_TICK: Duration = Duration::from_millis(100);

/// Retention every `retention_check_interval_ms`, the `flush_interval_ms` flush,
/// the group coordinator's timeouts, and offset expiry every
/// `offsets_retention_check_interval_ms`, and the expiry of idle quota measures.
async fn housekeeping(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    let config = &broker.config;
    let mut retention = tokio::time::interval(Duration::from_millis(config.retention_check_interval_ms));
    // A topic may set its own flush.ms, so the check runs at least once a second.
    let flush_every = Duration::from_millis(config.flush_interval_ms.map_or(1000, |ms| ms.clamp(10, 1000)));
    let mut flush = tokio::time::interval(flush_every);
    let mut groups = tokio::time::interval(GROUP_TICK);
    let mut quotas = tokio::time::interval(QUOTA_EXPIRY_TICK);
    // As Kafka, the first offset expiry runs one interval after start.
    let every = Duration::from_millis(config.offsets_retention_check_interval_ms);
    let mut offsets_expiry = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let offsets_retention_ms =
        i64::try_from(config.offsets_retention_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX);
    loop {
        tokio::select! {
            _ = groups.tick() => broker.groups.tick(std::time::Instant::now()),
            _ = quotas.tick() => broker.quotas.expire_idle(crate::now_ms()),
            _ = offsets_expiry.tick() => {
                broker.groups.expire_offsets(crate::now_ms(), offsets_retention_ms).await;
            }
            _ = retention.tick() => for_each_partition(&broker, |topic, partition, log| {
                match log.apply_retention(crate::now_ms()) {
                    Ok(deleted) if !deleted.is_empty() => tracing::info!(topic, partition, segments = ?deleted, log_start_offset = log.start_offset(), "retention deleted segments"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(topic, partition, error = %e, "retention failed"),
                }
            }),
            _ = flush.tick() => for_each_partition(&broker, |topic, partition, log| {
                if let Err(e) = log.flush_if_due(crate::now_ms()) {
                    tracing::error!(topic, partition, error = %e, "scheduled flush failed");
                }
            }),
            _ = shutdown.changed() => return,
        }
    }
}

/// Runs `work` on every partition, each on its own: retention or a flush on one
/// never waits for another's. It may delete files or fsync, so it runs as
/// blocking work.
fn for_each_partition(broker: &Broker, work: impl Fn(&str, usize, &crate::log::Log)) {
    tokio::task::block_in_place(|| {
        for topic in broker.topics.all() {
            for (partition, log) in topic.partitions().iter().enumerate() {
                work(&topic.name, partition, log);
            }
        }
    });
}
