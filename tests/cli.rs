//! The binary as scripts and other languages' harnesses use it: the `listening on` line,
//! flags and environment variables, exit codes, the `token` command, and graceful shutdown.

mod common;

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use common::binary::{BIN, failing_start, get, launch};

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
async fn grants_and_resource_access_come_from_flags_and_environment_variables() {
    let server = launch(
        &[
            "--port",
            "0",
            "--grant",
            "user:1337 read party:50001",
            "--resource-access",
            "grants",
        ],
        &[(
            "ALTINN_EVENTS_MOCK_GRANT",
            "org:ttd subscribe urn:altinn:resource:x;orgno:991825827 publish urn:altinn:resource:x",
        )],
    )
    .await;
    let (status, body) = get(&format!("{}/_mock/grants", server.url), None).await;
    assert_eq!(status, 200);
    let listing: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listing["resourceAccess"], "grants");
    assert_eq!(
        listing["grants"],
        serde_json::json!(["user:1337 read party:50001"]),
        "a flag replaces its environment variable, as clap does"
    );
    let from_env = launch(
        &["--port", "0"],
        &[(
            "ALTINN_EVENTS_MOCK_GRANT",
            "org:ttd subscribe urn:altinn:resource:x;orgno:991825827 publish urn:altinn:resource:x",
        )],
    )
    .await;
    let (_, body) = get(&format!("{}/_mock/grants", from_env.url), None).await;
    let listing: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listing["grants"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(listing["resourceAccess"], "open");
    let (code, stderr) = failing_start(&["--port", "0", "--grant", "user:1 see party:2"]).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown action"), "{stderr}");
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
        "fixtures/test/broken/no-id.ndjson",
    ])
    .await;
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no-id.ndjson, line 2: required attribute `id` is missing"),
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
        &["--port", "0", "--workers", "0"],
        &["--port", "0", "--page-cache", "many"],
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
        let answer = common::send(client.get(&url).bearer_auth(&token)).await;
        seen.push((answer.status, answer.header("next").is_some()));
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

#[tokio::test]
async fn workers_and_page_cache_flags_serve_the_same_pages() {
    let mut bodies = Vec::new();
    for args in [
        &["--port", "0"][..],
        &["--port", "0", "--workers", "3"][..],
        &["--port", "0", "--page-cache", "0"][..],
    ] {
        let server = launch(args, &[]).await;
        let (_, token) = get(&format!("{}/_mock/token?org=ttd", server.url), None).await;
        let page = format!(
            "{}/events/api/v1/app/ttd/apps-test?from=2020-01-01Z&size=2",
            server.url
        );
        for _ in 0..2 {
            let (status, body) = get(&page, Some(&token)).await;
            assert_eq!(status, 200, "{args:?}: {body}");
            assert!(body.starts_with("[{"), "{args:?}: {body}");
            bodies.push(body);
        }
        server.terminate().await;
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
}
