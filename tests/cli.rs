//! The binary as scripts and other languages' harnesses use it: the `listening on` line,
//! flags and environment variables, exit codes, the `token` command, and graceful shutdown.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_altinn-events-mock");

struct Running {
    child: Child,
    url: String,
}

/// Starts the binary and waits for its one stdout line.
async fn launch(args: &[&str], env: &[(&str, &str)]) -> Running {
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

async fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let client = reqwest::Client::new();
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    (
        response.status().as_u16(),
        response.text().await.expect("body"),
    )
}

async fn failing_start(args: &[&str]) -> (i32, String) {
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

#[tokio::test]
async fn serves_the_demo_data_with_a_token_from_the_mock_endpoint() {
    let server = launch(&["--port", "0"], &[]).await;
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let (status, token) = get(&format!("{}/_mock/token?org=ttd", server.url), None).await;
    assert_eq!(status, 200);
    let (status, body) = get(
        &format!(
            "{}/events/api/v1/app/ttd/apps-test?from=2000-01-01Z&size=1000",
            server.url
        ),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);
    let events: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert!(events.len() >= 200, "{}", events.len());
}

#[tokio::test]
async fn the_token_command_prints_one_line_the_server_accepts() {
    let output = Command::new(BIN)
        .args(["token", "--org", "ttd"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let server = launch(
        &["--port", "0", "--fixtures", "fixtures/test/rules.json"],
        &[],
    )
    .await;
    let (status, body) = get(
        &format!("{}/events/api/v1/app/ttd/apps-test?after=e07", server.url),
        Some(text.trim()),
    )
    .await;
    assert_eq!((status, body.contains("shared-id")), (200, true), "{body}");
}

#[tokio::test]
async fn flags_also_come_from_environment_variables() {
    let server = launch(
        &[],
        &[
            ("ALTINN_EVENTS_MOCK_PORT", "0"),
            ("ALTINN_EVENTS_MOCK_AUTH", "off"),
            ("ALTINN_EVENTS_MOCK_FIXTURES", "fixtures/test/rules.json"),
            (
                "ALTINN_EVENTS_MOCK_BASE_URL",
                "https://platform.tt02.altinn.no/",
            ),
        ],
    )
    .await;
    let response = reqwest::get(format!(
        "{}/events/api/v1/app/ttd/apps-test?after=e07",
        server.url
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let next = response.headers()["next"].to_str().unwrap().to_owned();
    assert_eq!(
        next,
        "https://platform.tt02.altinn.no/events/api/v1/app/ttd/apps-test?after=shared-id"
    );
}

#[tokio::test]
async fn a_folder_of_fixtures_loads_in_name_order() {
    let server = launch(
        &[
            "--port",
            "0",
            "--auth",
            "off",
            "--fixtures",
            "fixtures/test/folder",
        ],
        &[],
    )
    .await;
    let (status, body) = get(
        &format!(
            "{}/events/api/v1/app/ttd/folder-app?from=2000-01-01Z",
            server.url
        ),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let first = body.find("\"first\"").expect("first");
    let second = body.find("\"second\"").expect("second");
    assert!(first < second, "{body}");
}

#[tokio::test]
async fn a_fixture_that_is_not_json_stops_the_start_with_exit_code_2() {
    let (code, stderr) = failing_start(&[
        "--port",
        "0",
        "--fixtures",
        "fixtures/test/broken/not-json.json",
    ])
    .await;
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("fixtures/test/broken/not-json.json, line 3, column 0: not valid JSON"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_event_without_time_names_its_line() {
    let (code, stderr) = failing_start(&[
        "--port",
        "0",
        "--fixtures",
        "fixtures/test/broken/no-time.ndjson",
    ])
    .await;
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no-time.ndjson, line 2: required attribute `time` is missing"),
        "{stderr}"
    );
}

#[tokio::test]
async fn bad_flags_and_missing_files_exit_with_code_2() {
    for args in [
        &[
            "--port",
            "0",
            "--fixtures",
            "fixtures/test/nothing-here.json",
        ][..],
        &["--port", "0", "--auth", "maybe"],
        &["--port", "0", "--visibility-lag", "soon"],
        &["--port", "0", "--base-url", "platform.altinn.no"],
        &["--port", "0", "--fault", "when=nth:0,what=reset"],
        &["--port", "0", "--fault", "what=reset"],
        &[
            "--port",
            "0",
            "--faults",
            "fixtures/test/no-faults-here.json",
        ],
        &["--port", "0", "--faults", "fixtures/test/rules.json"],
        &["--port", "0", "--jwt-public-key", "tests/keys/missing.pem"],
        &[
            "--port",
            "0",
            "--jwt-public-key",
            "fixtures/test/rules.json",
        ],
    ] {
        let (code, stderr) = failing_start(args).await;
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn a_port_in_use_exits_with_code_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, stderr) = failing_start(&["--port", &port]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
}

#[tokio::test]
async fn logs_one_line_per_request_on_stderr_and_stops_cleanly_on_sigterm() {
    let mut server = launch(&["--port", "0", "--log-format", "json"], &[]).await;
    let (status, _) = get(&format!("{}/nope", server.url), None).await;
    assert_eq!(status, 404);
    let pid = server.child.id().expect("running").to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .expect("stops")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut stderr = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    let requests: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .filter(|entry: &serde_json::Value| entry["fields"]["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 1, "{stderr}");
    assert_eq!(requests[0]["fields"]["status"], 404);
}

/// The flags of `serve` (and of the command line without a subcommand); `--version` only
/// without one.
const SERVE_FLAGS: &[&str] = &[
    "--host",
    "--port",
    "--fixtures",
    "--base-url",
    "--auth",
    "--jwt-public-key",
    "--visibility-lag",
    "--no-admin",
    "--admin-token",
    "--max-body",
    "--journal-cap",
    "--journal-max-bytes",
    "--max-connections",
    "--keep-alive-timeout",
    "--header-timeout",
    "--min-data-rate",
    "--min-data-rate-grace",
    "--max-fault-duration",
    "--shutdown-timeout",
    "--generate",
    "--live",
    "--fault",
    "--faults",
    "--seed",
    "--orgs",
    "--apps-per-org",
    "--apps",
    "--env",
    "--parties",
    "--start",
    "--spacing",
    "--log-format",
    "--help",
];

const TOKEN_FLAGS: &[&str] = &[
    "--org",
    "--app",
    "--org-number",
    "--user-id",
    "--party-id",
    "--scope",
    "--expires-in",
    "--help",
];

const GENERATE_FLAGS: &[&str] = &[
    "--count",
    "--format",
    "--output",
    "--seed",
    "--orgs",
    "--apps-per-org",
    "--apps",
    "--env",
    "--parties",
    "--start",
    "--spacing",
    "--help",
];

/// `altinn-events-mock {command} --help`, and the long flags its options list.
async fn help_of(command: &[&str]) -> (String, Vec<String>) {
    let output = Command::new(BIN)
        .args(command)
        .arg("--help")
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{command:?} --help");
    let help = String::from_utf8(output.stdout).unwrap();
    let flags = help
        .lines()
        .filter_map(|line| {
            // An option starts at column 2 (`-n, --count`) or 6 (`--seed`); the wrapped lines
            // of its description, which name other flags too, start further in.
            let flag = line.strip_prefix("      --").or_else(|| {
                let short = line.strip_prefix("  -")?;
                Some(short.split_once(", --")?.1)
            })?;
            Some(format!("--{}", flag.split(' ').next()?))
        })
        .collect();
    (help, flags)
}

/// Fails unless `printed` holds each of `expected` once and nothing else.
fn assert_same_flags(command: &[&str], printed: &[String], expected: &[&str]) {
    let printed_set: BTreeSet<&str> = printed.iter().map(String::as_str).collect();
    let expected_set: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(printed_set.len(), printed.len(), "{command:?}: {printed:?}");
    let unlisted: Vec<&&str> = printed_set.difference(&expected_set).collect();
    let missing: Vec<&&str> = expected_set.difference(&printed_set).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "`{}` lists flags the test does not: {unlisted:?}; \
         the test lists flags it does not: {missing:?}",
        [&["altinn-events-mock"], command, &["--help"]]
            .concat()
            .join(" ")
    );
}

#[tokio::test]
async fn help_lists_every_flag() {
    let (help, flags) = help_of(&[]).await;
    let with_version: Vec<&str> = SERVE_FLAGS.iter().copied().chain(["--version"]).collect();
    assert_same_flags(&[], &flags, &with_version);
    // Every serve flag can come from the environment, named after it.
    for flag in SERVE_FLAGS.iter().filter(|&&flag| flag != "--help") {
        let variable = format!(
            "ALTINN_EVENTS_MOCK_{}=",
            flag[2..].to_uppercase().replace('-', "_")
        );
        assert!(help.contains(&variable), "{variable} missing from --help");
    }
    for named in ["--fault <RULE>", "--faults <FILE.json>"] {
        assert!(help.contains(named), "{named} missing from --help");
    }
    for (command, expected) in [
        ("serve", SERVE_FLAGS),
        ("token", TOKEN_FLAGS),
        ("generate", GENERATE_FLAGS),
    ] {
        let (_, flags) = help_of(&[command]).await;
        assert_same_flags(&[command], &flags, expected);
    }
}

#[tokio::test]
async fn a_sigterm_right_after_the_listening_line_still_stops_cleanly() {
    for _ in 0..5 {
        let mut server = launch(&["--port", "0"], &[]).await;
        let pid = server.child.id().expect("running").to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        let exit = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
            .await
            .expect("stops")
            .unwrap();
        assert!(exit.success(), "{exit:?}");
    }
}

#[tokio::test]
async fn fault_rules_come_from_flags_files_and_the_environment() {
    let server = launch(
        &[
            "--port",
            "0",
            "--fault",
            "when=first:1,what=status:429,route=query",
            "--faults",
            "fixtures/test/faults.json",
        ],
        &[],
    )
    .await;
    let (_, token) = get(&format!("{}/_mock/token?org=ttd", server.url), None).await;
    let url = format!(
        "{}/events/api/v1/app/ttd/apps-test?after=0&size=1",
        server.url
    );
    let client = reqwest::Client::new();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
        seen.push((
            response.status().as_u16(),
            response.headers().contains_key("next"),
        ));
    }
    // --fault first, then the file's rules in order: 429, then 503, then drop_next.
    assert_eq!(seen, [(429, false), (503, false), (200, false)]);

    let listed = |url: String| async move {
        let (_, listed) = get(&format!("{url}/_mock/faults"), None).await;
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| rule["rule"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let from_env = launch(
        &["--port", "0"],
        &[(
            "ALTINN_EVENTS_MOCK_FAULT",
            "when=nth:9,what=reset;when=nth:10,what=malformed",
        )],
    )
    .await;
    assert_eq!(
        listed(from_env.url.clone()).await,
        ["when=nth:9,what=reset", "when=nth:10,what=malformed"]
    );
}
