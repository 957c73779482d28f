//! Fault durations are bounded: a delay or a slow body past the cap (10 minutes unless
//! raised) is refused wherever a rule comes from, with a 400 that names the cap.

mod common;

use std::time::Duration;

use common::binary::BIN;
use common::{APPS_TEST, start};

#[tokio::test]
async fn a_fault_header_past_the_cap_is_refused_with_the_cap_in_the_detail() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    for fault in [
        "what=delay:18446744073709551615s",
        "what=delay:11m",
        "what=delay:1s..2h",
        "what=slow_body:18446744073709551615s",
        "what=slow_body:601s",
    ] {
        let request = server
            .client
            .get(server.url(&format!("{APPS_TEST}?after=e07")))
            .bearer_auth(&token)
            .header("x-mock-fault", fault)
            .timeout(Duration::from_secs(5));
        let answer = server.send(request).await;
        assert_eq!(answer.status, 400, "{fault}: {}", answer.body);
        let detail = answer.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.contains("10m") && detail.contains("--max-fault-duration"),
            "{fault}: {detail}"
        );
    }
    // At the cap is allowed.
    let at_cap = server
        .client
        .get(server.url(&format!("{APPS_TEST}?after=e07")))
        .bearer_auth(&token)
        .header("x-mock-fault", "what=delay:10m")
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(at_cap.unwrap_err().is_timeout());
}

#[tokio::test]
async fn a_rule_past_the_cap_is_refused_by_the_admin_api() {
    let server = start().await;
    let answer = server
        .send(
            server
                .client
                .post(server.url("/_mock/faults"))
                .json(&serde_json::json!({"when": "always", "what": "slow_body:1h"})),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body.contains("--max-fault-duration"),
        "{}",
        answer.body
    );
    let listed = server.get_with("/_mock/faults", |request| request).await;
    assert_eq!(listed.json(), serde_json::json!([]));
}

#[tokio::test]
async fn a_start_with_a_rule_past_the_cap_exits_with_code_2_unless_the_cap_is_raised() {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(BIN)
            .args(["--port", "0", "--fault", "when=always,what=delay:1h"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("refuses to start instead of serving")
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--max-fault-duration"), "{stderr}");
    let mut raised = common::binary::launch(
        &[
            "--port",
            "0",
            "--fault",
            "when=always,what=delay:1h,route=query",
            "--max-fault-duration",
            "2h",
        ],
        &[],
    )
    .await;
    raised.terminate().await;
    let exit = raised.child.wait().await.unwrap();
    assert!(exit.success());
}
