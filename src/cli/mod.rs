//! The command-line face: `serve` (the default), `token`, `generate` and `health`. Flags
//! become builder calls; every flag can also come from an environment variable
//! `ALTINN_EVENTS_MOCK_<FLAG>`.

mod exposure;
mod generate;
mod health;
mod log;
mod log_line;
mod namespaces;
mod push;
mod serve;
mod token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An in-memory fake of Altinn Events (GET /events/api/v1/app/{org}/{app}, GET
/// /events/api/v1/app/party, GET and POST /events/api/v1/events, POST /events/api/v1/app),
/// faithful to production down to its quirks.
#[derive(Debug, Parser)]
#[command(
    name = "altinn-events-mock",
    version,
    propagate_version = true,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: serve::ServeArgs,
}

#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once per process; boxing would only add noise"
)]
enum Command {
    /// Serve the API (the default when no command is given).
    Serve(serve::ServeArgs),
    /// Print a token signed with the built-in test key, which every altinn-events-mock accepts.
    Token(token::TokenArgs),
    /// Write synthetic events as a fixture: deterministic, realistic, with valid identity numbers.
    Generate(generate::GenerateArgs),
    /// Ask a running server whether it is up (GET /_mock/health): exit code 0 when it answers
    /// 200, 1 otherwise. For container health checks.
    Health(health::HealthArgs),
}

/// Runs the command line of this process; the process exits with the returned code.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Token(args)) => token::run(args),
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Generate(args)) => generate::run(args),
        Some(Command::Health(args)) => health::run(args),
        None => serve::run(cli.serve),
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
            (9, std::time::Duration::from_secs(2))
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
        assert!(matches!(cli.command, Some(Command::Token(_))));
        assert!(Cli::try_parse_from(["altinn-events-mock", "--auth", "none"]).is_err());
    }
}
