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

/// Starts the binary with `args` and the environment variables `env`, and waits for its
/// `listening on` line.
pub(crate) async fn launch(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut command = Command::new(BIN);
    command.args(args).envs(env.iter().copied());
    launch_command(command).await
}

/// GET `url` from a binary started with the default admin settings; the answer is held to
/// the published OpenAPI document.
pub(crate) async fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let client = reqwest::Client::new();
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = super::send(request).await;
    (answer.status, answer.body)
}

/// The status of GET `url`, whatever the server's settings (`--no-admin` serves less than
/// the document describes).
pub(crate) async fn status_of(url: &str) -> u16 {
    let response = reqwest::get(url).await.expect("request");
    response.status().as_u16()
}

/// Runs the binary with `args`, which must stop it before it announces anything; its exit
/// code and stderr.
pub(crate) async fn failing_start(args: &[&str]) -> (i32, String) {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .expect("exits in time")
    .expect("runs");
    assert!(
        output.stdout.is_empty(),
        "nothing announced: {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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
