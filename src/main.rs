use std::process::ExitCode;

fn main() -> ExitCode {
    altinn_events_mock::run_cli()
}
