use std::process::ExitCode;

use altinn_events_mock::cli::{Cli, run};
use clap::Parser;

fn main() -> ExitCode {
    run(Cli::parse())
}
