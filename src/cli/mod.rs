//! The command line: `serve` (the default), `token` and `generate`.
//!
//! Every flag can also come from an environment variable `ALTINN_EVENTS_MOCK_<FLAG>`.

mod generate;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::{AuthMode, Authenticator, TokenRequest};
use crate::config::ServerConfig;
use crate::faults::FaultRule;
use crate::units::{Rate, parse_byte_size, parse_duration};

/// An in-memory fake of the Altinn Events query API for app owners
/// (GET /events/api/v1/app/{org}/{app}), faithful to production down to its quirks.
#[derive(Debug, Parser)]
#[command(
    name = "altinn-events-mock",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once per process; boxing would only add noise"
)]
enum Command {
    /// Serve the API (the default when no command is given).
    Serve(ServeArgs),
    /// Print a token signed with the built-in test key, which every altinn-events-mock accepts.
    Token(TokenArgs),
    /// Write synthetic events as a fixture: deterministic, realistic, with valid identity numbers.
    Generate(generate::GenerateArgs),
}

/// Flags of `serve`.
#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_HOST", default_value = "127.0.0.1")]
    host: String,

    /// Port to listen on; 0 picks any free port (the real one is printed).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_PORT", default_value_t = 5080)]
    port: u16,

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

    /// Remove the admin API under /_mock (except /_mock/token and /_mock/health).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_NO_ADMIN")]
    no_admin: bool,

    /// Require `Authorization: Bearer SECRET` on /_mock (except /_mock/token and /_mock/health).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_ADMIN_TOKEN", value_name = "SECRET")]
    admin_token: Option<String>,

    /// Largest request body accepted (POST /_mock/events, publishing): 16MiB, 512KiB, 1048576.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_MAX_BODY", default_value = "16MiB", value_parser = parse_byte_size)]
    max_body: usize,

    /// How many requests the journal (GET /_mock/requests) keeps.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_JOURNAL_CAP", default_value_t = crate::journal::DEFAULT_JOURNAL_CAP)]
    journal_cap: usize,

    /// Generate this many synthetic events after the fixtures (see the generator flags).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_GENERATE", default_value_t = 0)]
    generate: usize,

    /// Keep appending generated events while serving at this rate: 10/s, 600/m, 30/h.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_LIVE")]
    live: Option<Rate>,

    /// A fault rule standing from the start, e.g. when=nth:3,what=status:503,retry_after=2
    /// (README, "Fault injection"). Repeatable; the environment variable takes a ;-separated list.
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

    #[command(flatten)]
    generator: generate::GeneratorArgs,

    /// Log line format on stderr.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Flags of `token`.
#[derive(Debug, Clone, Args)]
struct TokenArgs {
    /// Service-owner token for this org (claim urn:altinn:org).
    #[arg(long, conflicts_with_all = ["user_id", "app"], required_unless_present_any = ["user_id", "app"])]
    org: Option<String>,
    /// PlatformAccessToken for app ORG/APP, as an app sends it when it publishes.
    #[arg(long, conflicts_with = "user_id")]
    app: Option<String>,
    /// The org's organisation number (default: a valid one; 991825827 for ttd).
    #[arg(long)]
    org_number: Option<String>,
    /// Person token for this user id (no org claim).
    #[arg(long)]
    user_id: Option<u32>,
    /// The person's party id.
    #[arg(long, requires = "user_id")]
    party_id: Option<u32>,
    /// The scope claim (service owners default to altinn:serviceowner/instances.read).
    #[arg(long)]
    scope: Option<String>,
    /// Seconds until the token expires; negative gives an expired token.
    #[arg(long, default_value_t = 3600, allow_hyphen_values = true)]
    expires_in: i64,
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

/// Runs the command line; the process exits with the returned code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Token(args)) => print_token(args),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Generate(args)) => generate::run(args),
        None => serve(cli.serve),
    }
}

fn print_token(args: TokenArgs) -> ExitCode {
    let request = TokenRequest {
        org: args.org,
        org_number: args.org_number,
        user_id: args.user_id.map(|id| id.to_string()),
        party_id: args.party_id.map(|id| id.to_string()),
        scope: args.scope,
        app: args.app,
        expires_in: args.expires_in,
    };
    let minted = Authenticator::new(AuthMode::Strict, &[])
        .map_err(|e| e.to_string())
        .and_then(|auth| auth.mint(&request).map_err(|e| e.to_string()));
    match minted {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_format);
    let config = ServerConfig {
        host: args.host,
        port: args.port,
        fixtures: args.fixtures,
        demo_when_no_fixtures: true,
        base_url: args.base_url,
        auth: args.auth.parse().unwrap_or_default(),
        jwt_public_keys: args.jwt_public_keys,
        visibility_lag: args.visibility_lag,
        admin: !args.no_admin,
        admin_token: args.admin_token,
        max_body: args.max_body,
        journal_cap: args.journal_cap,
        generate: args.generate,
        generator: args.generator.options(),
        live: args.live,
        faults: args.faults,
        fault_files: args.fault_files,
        ..ServerConfig::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match config.bind().await {
            Ok(server) => server,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1));
            }
        };
        let shutdown = match shutdown_signal() {
            Ok(shutdown) => shutdown,
            Err(error) => {
                eprintln!("error: cannot listen for signals: {error}");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(events = server.event_count(), auth = %server.auth_mode(), "ready");
        // Harnesses in any language wait for exactly this line on stdout.
        let mut stdout = std::io::stdout().lock();
        let announced = writeln!(stdout, "listening on http://{}", server.local_addr())
            .and_then(|()| stdout.flush());
        drop(stdout);
        if let Err(error) = announced {
            eprintln!("error: cannot write to stdout: {error}");
        }
        server.serve(shutdown).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(tracing::Level::INFO);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
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
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn base_urls_lose_their_trailing_slash_and_must_be_http() {
        assert_eq!(
            parse_base_url("https://platform.tt02.altinn.no/"),
            Ok("https://platform.tt02.altinn.no".into())
        );
        assert!(parse_base_url("platform.altinn.no").is_err());
        assert!(parse_base_url("http://bad host").is_err());
    }

    #[test]
    fn generator_flags_parse_into_options() {
        let cli = Cli::try_parse_from([
            "altinn-events-mock",
            "--generate",
            "10",
            "--live",
            "5/s",
            "--apps",
            "ttd/apps-test,skd/mva-melding",
            "--env",
            "prod",
            "--seed",
            "9",
            "--spacing",
            "2s",
            "--start",
            "2025-01-01T00:00:00Z",
        ])
        .unwrap();
        let options = cli.serve.generator.options();
        assert_eq!(options.app_list().len(), 2);
        assert_eq!(
            (options.seed, options.mean_spacing),
            (9, Duration::from_secs(2))
        );
        assert_eq!(cli.serve.live.unwrap().to_string(), "5/s");
        assert!(Cli::try_parse_from(["altinn-events-mock", "--apps", "ttd"]).is_err());
        let generate = Cli::try_parse_from([
            "altinn-events-mock",
            "generate",
            "-n",
            "5",
            "--orgs",
            "ttd,skd",
            "--format",
            "ndjson",
        ])
        .unwrap();
        assert!(matches!(generate.command, Some(Command::Generate(_))));
    }

    #[test]
    fn no_command_means_serve_with_its_flags() {
        let cli =
            Cli::try_parse_from(["altinn-events-mock", "--port", "0", "--auth", "off"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.port, 0);
        let cli = Cli::try_parse_from([
            "altinn-events-mock",
            "token",
            "--org",
            "ttd",
            "--expires-in",
            "-5",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Token(TokenArgs { expires_in: -5, .. }))
        ));
        assert!(Cli::try_parse_from(["altinn-events-mock", "--auth", "none"]).is_err());
    }
}
