//! The binary, started as scripts and other languages' harnesses start it.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_altinn-events-mock");

pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) url: String,
}

/// Starts the binary and waits for its one stdout line.
pub(crate) async fn launch(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
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
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    Running {
        url: url.to_owned(),
        child,
    }
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
