//! `serve`: flags to a builder, then bind, announce, and serve until a signal. The flags are
//! declared here (in the order `--help` lists them); what they make of a builder is in
//! `builder.rs`, the log subscriber they ask for in `logging.rs`.

mod builder;
mod logging;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use clap::builder::BoolishValueParser;

use super::exposure;
use super::generate::GeneratorArgs;
use super::namespaces::NamespaceArgs;
use super::push::PushArgs;
use crate::domain::auth::Grant;
use crate::domain::faults::FaultRule;
use crate::domain::units::{Rate, parse_byte_size, parse_duration};
use crate::http::{DEFAULT_MIN_DATA_RATE, default_workers, raise_descriptor_limit};
use crate::mock_server::MockServerBuilder;
use crate::service::{DEFAULT_JOURNAL_CAP, DEFAULT_PAGE_CACHE_ENTRIES};
use builder::FlagNames;
use logging::{LogFormat, LogLevel};

/// Flags of `serve`.
#[derive(Debug, Clone, Args)]
pub(super) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_HOST", default_value = "127.0.0.1")]
    host: String,

    /// Port to listen on; 0 picks any free port (the real one is printed).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_PORT", default_value_t = 5080)]
    pub(super) port: u16,

    /// Fixture file or folder (its .json/.ndjson files load in name order). Repeatable; the
    /// environment variable takes a comma-separated list. Without it the demo data set is served.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_FIXTURES", value_delimiter = ',')]
    fixtures: Vec<PathBuf>,

    /// Base of the `next` link, e.g. https://platform.tt02.altinn.no (default: http:// + the
    /// request's Host). A trailing slash is dropped.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_BASE_URL", value_parser = parse_base_url)]
    base_url: Option<String>,

    /// Token checks: strict (as production: RS256, trusted key, exp), lenient (any well-formed
    /// JWT) or off (no token needed).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_AUTH", default_value = "strict", value_parser = ["strict", "lenient", "off"])]
    auth: String,

    /// PEM public key (SPKI or PKCS#1) whose RS256 tokens `strict` also accepts. Repeatable;
    /// the environment variable takes a comma-separated list.
    #[arg(
        long = "jwt-public-key",
        env = "ALTINN_EVENTS_MOCK_JWT_PUBLIC_KEY",
        value_delimiter = ','
    )]
    jwt_public_keys: Vec<PathBuf>,

    /// Hide events registered less than this long ago, as production does (production: 30s).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_VISIBILITY_LAG", default_value = "0s", value_parser = parse_duration)]
    visibility_lag: Duration,

    /// Remove the admin API under /_mock (except /_mock/token and /_mock/health). The
    /// environment variable takes 1/0, true/false, yes/no or on/off, in any case.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_NO_ADMIN", value_parser = BoolishValueParser::new())]
    no_admin: bool,

    /// Require `Authorization: Bearer SECRET` on /_mock (except /_mock/token and /_mock/health).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_ADMIN_TOKEN", value_name = "SECRET")]
    admin_token: Option<String>,

    /// Largest request body accepted (POST /_mock/events, publishing): 16MiB, 512KiB, 1048576.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_MAX_BODY", default_value = "16MiB", value_parser = parse_byte_size)]
    max_body: usize,

    /// How many requests the journal (GET /_mock/requests) keeps.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_JOURNAL_CAP", default_value_t = DEFAULT_JOURNAL_CAP)]
    journal_cap: usize,

    /// Generate this many synthetic events after the fixtures (see the generator flags).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_GENERATE", default_value_t = 0)]
    generate: usize,

    /// Keep appending generated events while serving at this rate: 10/s, 600/m, 30/h.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_LIVE")]
    pub(super) live: Option<Rate>,

    /// A fault rule standing from the start, e.g. when=nth:3,what=status:503,retry_after=2
    /// (docs/fault-injection.md). Repeatable; the environment variable takes a ;-separated list.
    #[arg(
        long = "fault",
        env = "ALTINN_EVENTS_MOCK_FAULT",
        value_name = "RULE",
        value_delimiter = ';'
    )]
    faults: Vec<FaultRule>,

    /// A JSON file holding an array of fault rules, e.g. [{"when": "nth:3", "what": "status:503"}];
    /// they stand after the --fault ones. Repeatable.
    #[arg(
        long = "faults",
        env = "ALTINN_EVENTS_MOCK_FAULTS",
        value_name = "FILE.json",
        value_delimiter = ','
    )]
    fault_files: Vec<PathBuf>,

    /// A permission production's policy engine would give, e.g. 'user:1337 read party:50001',
    /// 'org:ttd subscribe urn:altinn:resource:x', 'orgno:991825827 publish urn:altinn:resource:x'
    /// (docs/party-events-api.md, docs/generic-events-api.md). Repeatable; the environment
    /// variable takes a ;-separated list.
    #[arg(
        long = "grant",
        env = "ALTINN_EVENTS_MOCK_GRANT",
        value_name = "GRANT",
        value_delimiter = ';'
    )]
    grants: Vec<Grant>,

    /// Whether subscribing to and publishing on a resource (GET/POST /events/api/v1/events)
    /// needs a --grant: open (everyone may) or grants.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_RESOURCE_ACCESS", default_value = "open", value_parser = ["open", "grants"])]
    resource_access: String,

    /// Bytes the journal keeps at most (the oldest entries go first); header values over
    /// 4 KiB are journaled truncated and marked.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_JOURNAL_MAX_BYTES", default_value = "64MiB", value_parser = parse_byte_size)]
    journal_max_bytes: usize,

    /// Answered pages of the app owners' query kept to answer the same request again while
    /// no event is stored or removed and the visibility cut stays where it was (0: none kept;
    /// every request runs the query).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_PAGE_CACHE", value_name = "PAGES", default_value_t = DEFAULT_PAGE_CACHE_ENTRIES)]
    page_cache: usize,

    /// Connections served at once; past it a newcomer takes the place of a connection whose
    /// client has sent nothing of its request head or body for a second, or else gets a 503
    /// at once (default: the file-descriptor limit, raised to its hard limit at start, less
    /// a reserve).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_MAX_CONNECTIONS", value_name = "N", value_parser = parse_positive_count)]
    max_connections: Option<usize>,

    /// Threads that serve requests (default: one less than the CPUs, at least one — the
    /// client under test usually shares the machine, and a server whose threads outnumber
    /// the cores left to it spends them preempting its own client).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_WORKERS", value_name = "N", value_parser = parse_positive_count)]
    workers: Option<usize>,

    /// How long a connection may wait for its next request (Kestrel's KeepAliveTimeout).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_KEEP_ALIVE_TIMEOUT", default_value = "130s", value_parser = parse_positive_duration)]
    keep_alive_timeout: Duration,

    /// How long a request's head may take from its first byte; the connection is then closed
    /// (Kestrel's RequestHeadersTimeout).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_HEADER_TIMEOUT", default_value = "30s", value_parser = parse_positive_duration)]
    header_timeout: Duration,

    /// Slowest a request body may arrive, in bytes/s, before a 408 (Kestrel's
    /// MinRequestBodyDataRate); a response the client takes nothing of for the grace period
    /// is aborted. 0 turns both checks off.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_MIN_DATA_RATE", value_name = "BYTES_PER_SECOND", default_value_t = DEFAULT_MIN_DATA_RATE.bytes_per_second)]
    min_data_rate: u64,

    /// How long before the minimum data rate is first checked.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_MIN_DATA_RATE_GRACE", default_value = "5s", value_parser = parse_positive_duration)]
    min_data_rate_grace: Duration,

    /// Longest delay or slow_body a fault rule may ask for; longer ones are refused.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_MAX_FAULT_DURATION", default_value = "10m", value_parser = parse_duration)]
    max_fault_duration: Duration,

    /// How long requests in flight may finish after Ctrl-C or SIGTERM before their
    /// connections are closed.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_SHUTDOWN_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    shutdown_timeout: Duration,

    #[command(flatten)]
    pub(super) generator: GeneratorArgs,

    #[command(flatten)]
    push: PushArgs,

    #[command(flatten)]
    namespaces: NamespaceArgs,

    /// Log line format on stderr.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// Which log lines are written: off, error, info (one line per request, the default) or
    /// debug (also connections and refusals).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_LOG_LEVEL", value_enum, default_value_t = LogLevel::Info)]
    log_level: LogLevel,
}

fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err(format!("{text:?} must be longer than zero")),
        duration => Ok(duration),
    }
}

fn parse_positive_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{text:?} is not a whole number from 1")),
    }
}

fn parse_base_url(text: &str) -> Result<String, String> {
    let url = text.trim_end_matches('/');
    let valid_scheme = url.starts_with("http://") || url.starts_with("https://");
    let valid_chars = url.bytes().all(|b| b.is_ascii_graphic());
    if valid_scheme && valid_chars && url.len() > "https://".len() - 1 {
        Ok(url.to_owned())
    } else {
        Err(format!("{text:?} is not an http:// or https:// URL"))
    }
}

/// Serves until Ctrl-C or SIGTERM: exit code 0 after a clean stop, 2 for bad input, 1 when
/// the address cannot be bound.
pub(super) fn run(args: ServeArgs) -> ExitCode {
    let dropped_log_lines = logging::init(args.log_format, args.log_level);
    // A flood of connections is refused by the cap, which follows this limit, instead of
    // running the process out of descriptors.
    raise_descriptor_limit();
    let grace = args.shutdown_timeout;
    let admin = AdminApi {
        served: !args.no_admin,
        guarded: args.admin_token.is_some(),
    };
    let workers = args.workers.unwrap_or_else(default_workers);
    let (builder, names) = match args.into_builder() {
        Ok((builder, names)) => (builder.dropped_log_lines(dropped_log_lines), names),
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(builder, &names, admin, grace))
}

/// Whether the admin API is served, and guarded by a secret: what the exposure warning weighs.
#[derive(Debug, Clone, Copy)]
struct AdminApi {
    served: bool,
    guarded: bool,
}

/// Binds, announces the address, and serves until a signal; `grace` is how long requests in
/// flight may then finish.
async fn serve(
    builder: MockServerBuilder,
    names: &FlagNames,
    admin: AdminApi,
    grace: Duration,
) -> ExitCode {
    let server = match builder.bind().await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: {}", names.describe(&error));
            return ExitCode::from(error.exit_code());
        }
    };
    let shutdown = match shutdown_signal() {
        Ok(shutdown) => shutdown,
        Err(error) => {
            eprintln!("error: cannot listen for signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(warning) = exposure::warning(server.local_addr(), admin.served, admin.guarded) {
        eprintln!("{warning}");
    }
    tracing::info!(events = server.event_count(), auth = %server.auth_mode(), "ready");
    // Harnesses in any language wait for exactly this line on stdout.
    let mut stdout = std::io::stdout().lock();
    let announced = writeln!(stdout, "listening on http://{}", server.local_addr())
        .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = announced {
        eprintln!("error: cannot write to stdout: {error}");
    }
    server
        .serve(async move {
            shutdown.await;
            grace
        })
        .await;
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the future
/// is first polled, so a signal that comes right after the `listening on` line still shuts the
/// server down cleanly instead of killing it.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_lose_their_trailing_slash_and_must_be_http() {
        assert_eq!(
            parse_base_url("https://platform.tt02.altinn.no/"),
            Ok("https://platform.tt02.altinn.no".into())
        );
        assert!(parse_base_url("platform.altinn.no").is_err());
        assert!(parse_base_url("http://bad host").is_err());
    }
}
