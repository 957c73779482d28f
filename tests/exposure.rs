//! A server reachable from the network says so, and a network client cannot fault other
//! clients' requests on a server that guards its admin powers.

mod common;

use std::time::Duration;

use common::binary::{launch, read_until};
use common::{APPS_TEST, start_with, with_rules};

/// The warning, and everything logged before `ready`, for a server started with `args`.
async fn warning_of(args: &[&str]) -> (Option<String>, Vec<String>) {
    let mut server = launch(args, &[]).await;
    let mut stderr = server.stderr();
    let (ready, before) = read_until(&mut stderr, "ready", Duration::from_secs(10)).await;
    assert!(ready.is_some(), "{before:?}");
    let warning = before.iter().find(|line| line.contains("warning")).cloned();
    (warning, before)
}

#[tokio::test]
async fn binding_a_non_loopback_address_warns_what_becomes_reachable() {
    for host in ["0.0.0.0", "::"] {
        let (warning, before) = warning_of(&["--host", host, "--port", "0"]).await;
        let warning = warning.unwrap_or_else(|| panic!("{host}: no warning in {before:?}"));
        for named in ["/_mock/token", "admin API", "x-mock-fault", "--admin-token"] {
            assert!(
                warning.contains(named),
                "{host}: {named} missing: {warning}"
            );
        }
    }
}

#[tokio::test]
async fn loopback_binds_and_an_admin_token_need_no_warning() {
    for args in [
        &["--port", "0"][..],
        &["--host", "localhost", "--port", "0"],
        &[
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--admin-token",
            "s3cret",
        ],
    ] {
        let (warning, _) = warning_of(args).await;
        assert_eq!(warning, None, "{args:?}");
    }
}

#[tokio::test]
async fn with_an_admin_token_the_fault_header_needs_it_too() {
    let server = start_with(with_rules().admin_token("s3cret")).await;
    let token = server.token("org=ttd").await;
    let url = format!("{APPS_TEST}?after=e07");
    let refused = server
        .get_with(&url, |request| {
            request
                .bearer_auth(&token)
                .header("x-mock-fault", "what=status:503")
        })
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("x-mock-admin-token"), "{detail}");
    let honoured = server
        .get_with(&url, |request| {
            request
                .bearer_auth(&token)
                .header("x-mock-fault", "what=status:503")
                .header("x-mock-admin-token", "s3cret")
        })
        .await;
    assert_eq!(honoured.status, 503, "{}", honoured.body);
    // Without the header nothing changes for anyone.
    let plain = server.get(&url).await;
    assert_eq!(plain.status, 200);
}
