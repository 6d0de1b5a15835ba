//! `strand`: with no subcommand, parse flags, env and the config file into one
//! `Config`, set up logging, and run the broker until SIGINT or SIGTERM. The
//! subcommands are tools beside it: `inspect` checks segment files on disk,
//! `health` probes a running broker (a container's HEALTHCHECK), `offsets
//! export|import` copies committed offsets between offset stores.
//!
//! Exit status: 0 fine; 1 failed (broker error, corrupt files, unhealthy);
//! 2 usage or configuration error (an offset store that cannot be reached
//! included), except for `health`, see `health_check`.

mod health;
mod offsets_transfer;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use strand::config::{Config, LogFormat, Overrides};
use strand::inspect;
use strand::server::Security;
use tracing_subscriber::EnvFilter;

/// A single-binary message broker that speaks the Apache Kafka wire protocol.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// TOML config file; flags and STRAND_* env vars override what it says.
    #[arg(long, env = "STRAND_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Overrides,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check and describe the log on disk, like Kafka's kafka-dump-log
    ///
    /// PATH is a data dir, a partition dir or one .log/.index/.timeindex file; files
    /// are opened read-only. Every batch's length, CRC32C and offsets are checked,
    /// and every index entry against the log. Exits 0 when all is well, 1 when
    /// something is corrupt (each problem is a PROBLEM line), 2 when PATH cannot
    /// be inspected.
    Inspect {
        /// Data dir, partition dir (<topic>-0) or segment file.
        path: PathBuf,
        /// Print one line per batch.
        #[arg(long)]
        batches: bool,
        /// Print every record of uncompressed batches (offset, timestamp, key, value).
        #[arg(long)]
        records: bool,
    },
    /// Probe a running broker's /health (for a container HEALTHCHECK)
    ///
    /// GETs /health from the metrics listener that flags, STRAND_* env or the
    /// config file name, as the broker itself reads them (a 0.0.0.0 or [::] host is
    /// probed on loopback), with a 2 s timeout. Exits 0 when it answers 200, else 1.
    Health {
        /// TOML config file to take metrics_listen from.
        #[arg(long, env = "STRAND_CONFIG")]
        config: Option<PathBuf>,
        /// The broker's metrics listener address.
        #[arg(long, env = "STRAND_METRICS_LISTEN")]
        metrics_listen: Option<String>,
    },
    /// Copy committed consumer-group offsets out of or into an offset store
    ///
    /// `export` writes every committed offset and group record of a store (file or
    /// Redis) as one JSON document; `import` writes such a document into a store in
    /// one atomic change, merging. Switching `offsets_store` is: stop the broker,
    /// export from the old store, import into the new one, start the broker on it.
    /// Exits 0 when done, 1 when the store or the output failed midway, 2 on bad
    /// arguments, an unreachable store, a bad document or a running broker.
    #[command(subcommand)]
    Offsets(offsets_transfer::Action),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run_broker(cli.settings, cli.config.as_deref()),
        Some(Command::Inspect { path, batches, records }) => inspect_path(&path, inspect::Options { batches, records }),
        Some(Command::Health { config, metrics_listen }) => {
            // `strand --metrics-listen X health` and `strand health --metrics-listen X` both work.
            let settings =
                Overrides { metrics_listen: metrics_listen.or(cli.settings.metrics_listen.clone()), ..cli.settings };
            health_check(settings, config.or(cli.config).as_deref())
        }
        Some(Command::Offsets(action)) => offsets_transfer::run(action, cli.settings, cli.config),
    }
}

fn run_broker(settings: Overrides, config_file: Option<&Path>) -> ExitCode {
    let config = match Config::load(settings, config_file) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("strand: {e}");
            return ExitCode::from(2);
        }
    };
    let security = match Security::load(&config) {
        Ok(security) => security,
        Err(e) => {
            eprintln!("strand: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&config.log_level));
    let filter = match filter {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("strand: invalid log_level {:?}: {e}", config.log_level);
            return ExitCode::from(2);
        }
    };
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == LogFormat::Json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), config = %config.summary(), "starting strand");
    raise_open_file_limit();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("strand: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = {
        let _context = runtime.enter();
        shutdown_signal()
    };
    let shutdown = match shutdown {
        Ok(shutdown) => shutdown,
        Err(e) => {
            eprintln!("strand: cannot install the SIGINT/SIGTERM handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(strand::server::run(config, security, shutdown)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "strand stopped");
            eprintln!("strand: {e}");
            if e.is_bad_setting() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Raises the soft limit on open files to the hard limit, as the JVM does for
/// Kafka (HotSpot's `MaxFDLimit`, on by default): a shell's soft limit (often
/// 1024) is below what one descriptor per partition, the sealed-segment cache
/// and the client connections can need. Failing to raise it is not fatal: the
/// broker runs within the limit it has.
fn raise_open_file_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return;
    }
    let show = |n: Option<u64>| n.map_or_else(|| "unlimited".to_owned(), |n| n.to_string());
    let (from, to) = (show(limit.current), show(limit.maximum));
    match setrlimit(Resource::Nofile, Rlimit { current: limit.maximum, maximum: limit.maximum }) {
        Ok(()) => tracing::info!(%from, %to, "raised the open-file soft limit"),
        Err(e) => tracing::warn!(error = %e, soft = %from, hard = %to, "cannot raise the open-file soft limit"),
    }
}

fn inspect_path(path: &Path, options: inspect::Options) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = inspect::run(path, options, &mut out).and_then(|summary| {
        out.flush().map_err(inspect::Error::Output)?;
        Ok(summary)
    });
    match result {
        Ok(summary) if summary.problems == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        // `strand inspect DIR | head` closing the pipe early is not worth a message.
        Err(inspect::Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("strand inspect: {e}");
            ExitCode::from(2)
        }
    }
}

/// Exits 0 or 1 only, a bad configuration included: Docker reserves a
/// HEALTHCHECK's exit status 2.
fn health_check(settings: Overrides, config_file: Option<&Path>) -> ExitCode {
    let config = match Config::load(settings, config_file) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("strand health: {e}");
            return ExitCode::FAILURE;
        }
    };
    match health::check(&config.metrics_listen) {
        Ok(status) => {
            println!("strand health: {status}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("strand health: unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A future that resolves on SIGINT (Ctrl-C) or SIGTERM (docker stop, systemd).
/// The handlers are installed here, before the server starts, not when the
/// future is first polled: a SIGTERM that arrives between the "listening" line
/// and that first poll would otherwise take the default action and kill the
/// process uncleanly. Needs a runtime context (`Runtime::enter`).
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
