//! The binary as a harness in another language runs it: started with its output piped,
//! waited for on its `listening on` line.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, Command};

/// The binary cargo built for these tests.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_altinn-events-mock");

/// A running binary; killed when dropped.
pub(crate) struct Running {
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT`, from its `listening on` line.
    pub(crate) url: String,
}

/// Starts `command` (stdout and stderr piped, neither read but for the first stdout line)
/// and waits for its `listening on` line.
pub(crate) async fn launch_command(mut command: Command) -> Running {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("announces in time")
        .expect("stdout readable")
        .expect("one line");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .to_owned();
    Running { child, url }
}

/// Starts the binary with `args` and waits for its `listening on` line.
pub(crate) async fn launch(args: &[&str]) -> Running {
    let mut command = Command::new(BIN);
    command.args(args);
    launch_command(command).await
}

impl Running {
    /// Sends SIGTERM.
    pub(crate) async fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(killed.success());
    }

    /// Its stderr, to read from.
    pub(crate) fn stderr(&mut self) -> BufReader<ChildStderr> {
        BufReader::new(self.child.stderr.take().expect("stderr not taken yet"))
    }
}

/// Reads lines from `stderr` until one contains `needle` (returned with the lines before
/// it), or `timeout` passes (`None`, with what was read).
pub(crate) async fn read_until(
    stderr: &mut BufReader<ChildStderr>,
    needle: &str,
    timeout: Duration,
) -> (Option<String>, Vec<String>) {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(timeout, async {
        let mut line = String::new();
        loop {
            line.clear();
            match stderr.read_line(&mut line).await {
                Ok(0) | Err(_) => return None,
                Ok(_) if line.contains(needle) => return Some(line.trim_end().to_owned()),
                Ok(_) => seen.push(line.trim_end().to_owned()),
            }
        }
    })
    .await
    .ok()
    .flatten();
    (found, seen)
}
