//! The generator's flags, shared by `generate` and `serve`, and the `generate` command.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::domain::generate::{
    Environment, FixtureFormat, GeneratorOptions, generate_to, parse_app_list,
};
use crate::domain::units::parse_duration;

/// How synthetic events are made (for `generate`, `serve --generate` and `serve --live`).
#[derive(Debug, Clone, Args)]
pub(super) struct GeneratorArgs {
    /// Seed of the generator (and of fault rules' probabilities and delay ranges): the same
    /// seed and options give the same events on any machine.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_SEED", default_value_t = 1)]
    seed: u64,
    /// Orgs whose apps publish, comma-separated.
    #[arg(
        long,
        env = "ALTINN_EVENTS_MOCK_ORGS",
        default_value = "ttd",
        value_delimiter = ','
    )]
    orgs: Vec<String>,
    /// Apps per org (named apps-test, endring-av-navn-v2, flyttemelding, …).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_APPS_PER_ORG", default_value_t = 3)]
    apps_per_org: usize,
    /// An explicit ORG/APP list instead of --orgs and --apps-per-org, e.g. ttd/apps-test,skd/mva-melding.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_APPS", value_delimiter = ',', value_parser = parse_org_app)]
    apps: Vec<OrgApp>,
    /// Environment in the sources' host: tt02, at22 or prod.
    #[arg(long = "env", env = "ALTINN_EVENTS_MOCK_ENV", default_value = "tt02")]
    environment: Environment,
    /// How many parties (persons and organisations) own instances.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_PARTIES", default_value_t = 100)]
    parties: usize,
    /// Time of the first generated event (RFC 3339).
    #[arg(
        long,
        env = "ALTINN_EVENTS_MOCK_START",
        default_value = "2026-01-05T07:00:00Z"
    )]
    start: DateTime<Utc>,
    /// Mean time between generated events.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_SPACING", default_value = "30s", value_parser = parse_duration)]
    spacing: Duration,
}

impl GeneratorArgs {
    /// The options these flags describe.
    pub(super) fn options(&self) -> GeneratorOptions {
        GeneratorOptions {
            seed: self.seed,
            orgs: self
                .orgs
                .iter()
                .map(|org| org.trim().to_owned())
                .filter(|org| !org.is_empty())
                .collect(),
            apps_per_org: self.apps_per_org,
            apps: self
                .apps
                .iter()
                .map(|OrgApp(org, app)| (org.clone(), app.clone()))
                .collect(),
            environment: self.environment,
            parties: self.parties,
            start: self.start,
            mean_spacing: self.spacing,
        }
    }
}

/// One `ORG/APP` of `--apps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OrgApp(String, String);

fn parse_org_app(text: &str) -> Result<OrgApp, String> {
    match parse_app_list(text)?.as_slice() {
        [(org, app)] => Ok(OrgApp(org.clone(), app.clone())),
        _ => Err(format!("{text:?} is not ORG/APP")),
    }
}

/// Flags of `generate`.
#[derive(Debug, Clone, Args)]
pub(super) struct GenerateArgs {
    /// How many events to write.
    #[arg(short = 'n', long = "count", env = "ALTINN_EVENTS_MOCK_COUNT")]
    count: usize,
    /// `json` (events and parties, loads with --fixtures) or `ndjson` (one event a line).
    /// Default: `ndjson` for an `-o` file ending in `.ndjson`, else `json`.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_FORMAT")]
    format: Option<FixtureFormat>,
    /// File to write (default: standard output).
    #[arg(short = 'o', long, env = "ALTINN_EVENTS_MOCK_OUTPUT")]
    output: Option<PathBuf>,
    #[command(flatten)]
    generator: GeneratorArgs,
}

/// Writes the fixture; exit code 2 for options that cannot make events, 1 for a write error.
pub(super) fn run(args: GenerateArgs) -> ExitCode {
    let options = args.generator.options();
    if let Err(message) = options.check_for(args.count) {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let by_extension = match args
        .output
        .as_ref()
        .and_then(|path| path.extension())
        .and_then(|e| e.to_str())
    {
        Some(extension) if extension.eq_ignore_ascii_case("ndjson") => FixtureFormat::Ndjson,
        _ => FixtureFormat::Json,
    };
    let format = args.format.unwrap_or(by_extension);
    if args.output.is_some() && format != by_extension {
        eprintln!(
            "warning: the server reads a .ndjson file as NDJSON and anything else as JSON; this file will not load as written"
        );
    }
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))
            .and_then(|file| {
                generate_to(&options, args.count, format, file).map_err(|e| e.to_string())
            }),
        None => {
            let stdout = std::io::stdout().lock();
            generate_to(&options, args.count, format, stdout).map_err(|e| e.to_string())
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(message) if message.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::FAILURE
        }
    }
}
