//! The `altinn-events-mock` binary: the command-line face (`src/cli`) over the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    altinn_events_mock::run_cli()
}
