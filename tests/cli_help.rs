//! The binary's flags as a user meets them: every flag in `--help` of every command, with its
//! environment variable; `--version` everywhere; yes/no variables; the `health` command.

mod common;

use std::collections::BTreeSet;

use common::binary::{BIN, launch, status_of};
use tokio::process::Command;

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
    "--page-cache",
    "--max-connections",
    "--workers",
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
    "--grant",
    "--resource-access",
    "--seed",
    "--orgs",
    "--apps-per-org",
    "--apps",
    "--env",
    "--parties",
    "--start",
    "--spacing",
    "--subscription-validation",
    "--subscription-authz",
    "--subscriptions",
    "--webhook-http",
    "--webhook-retries",
    "--validation-retries",
    "--webhook-timeout",
    "--subscription-cache",
    "--apps-domains",
    "--max-namespaces",
    "--namespace-max-events",
    "--namespace-ttl",
    "--log-format",
    "--log-level",
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

const HEALTH_FLAGS: &[&str] = &["--host", "--port", "--timeout", "--help"];

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
    let (help, _) = help_of(&[]).await;
    for named in ["--fault <RULE>", "--faults <FILE.json>"] {
        assert!(help.contains(named), "{named} missing from --help");
    }
    for (command, expected) in [
        (&[][..], SERVE_FLAGS),
        (&["serve"][..], SERVE_FLAGS),
        (&["token"][..], TOKEN_FLAGS),
        (&["generate"][..], GENERATE_FLAGS),
        (&["health"][..], HEALTH_FLAGS),
    ] {
        let (help, flags) = help_of(command).await;
        let with_version: Vec<&str> = expected.iter().copied().chain(["--version"]).collect();
        assert_same_flags(command, &flags, &with_version);
        // Every flag can come from the environment, named after it (`health --timeout` is
        // HEALTH_TIMEOUT: a container's variables are shared with `serve`).
        for flag in expected.iter().filter(|&&flag| flag != "--help") {
            let name = match (command, *flag) {
                (["health"], "--timeout") => "HEALTH_TIMEOUT".to_owned(),
                _ => flag[2..].to_uppercase().replace('-', "_"),
            };
            let variable = format!("ALTINN_EVENTS_MOCK_{name}=");
            assert!(
                help.contains(&variable),
                "{command:?}: {variable} missing from --help"
            );
        }
    }
}

#[tokio::test]
async fn every_command_answers_version() {
    for command in [&[][..], &["serve"], &["token"], &["generate"], &["health"]] {
        let output = Command::new(BIN)
            .args(command)
            .arg("--version")
            .output()
            .await
            .unwrap();
        assert!(output.status.success(), "{command:?} --version");
        let printed = String::from_utf8(output.stdout).unwrap();
        assert!(
            printed.starts_with("altinn-events-mock")
                && printed.contains(env!("CARGO_PKG_VERSION")),
            "{command:?}: {printed}"
        );
    }
}

#[tokio::test]
async fn the_health_command_says_whether_a_server_answers() {
    let server = launch(&["--port", "0"], &[]).await;
    let port = server.url.rsplit(':').next().unwrap();
    let healthy = Command::new(BIN)
        .args(["health", "--port", port])
        .output()
        .await
        .unwrap();
    assert_eq!(healthy.status.code(), Some(0), "{healthy:?}");
    // The image sets ALTINN_EVENTS_MOCK_HOST=0.0.0.0 for `serve`; `health` asks loopback.
    let unspecified = Command::new(BIN)
        .args(["health", "--port", port])
        .env("ALTINN_EVENTS_MOCK_HOST", "0.0.0.0")
        .output()
        .await
        .unwrap();
    assert_eq!(unspecified.status.code(), Some(0), "{unspecified:?}");
    drop(server);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free_port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let down = Command::new(BIN)
        .args(["health", "--port", &free_port])
        .output()
        .await
        .unwrap();
    assert_eq!(down.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&down.stderr).starts_with("unhealthy: "));
}

#[tokio::test]
async fn boolean_variables_take_1_0_true_false_yes_no_on_off_in_any_case() {
    for (value, admin_status) in [
        ("1", 404),
        ("TRUE", 404),
        ("yes", 404),
        ("On", 404),
        ("0", 200),
        ("false", 200),
        ("NO", 200),
        ("off", 200),
    ] {
        let server = launch(&["--port", "0"], &[("ALTINN_EVENTS_MOCK_NO_ADMIN", value)]).await;
        let status = status_of(&format!("{}/_mock/events", server.url)).await;
        assert_eq!(status, admin_status, "ALTINN_EVENTS_MOCK_NO_ADMIN={value}");
    }
    let output = Command::new(BIN)
        .args(["--port", "0"])
        .env("ALTINN_EVENTS_MOCK_NO_ADMIN", "maybe")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
