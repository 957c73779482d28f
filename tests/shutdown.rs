//! `--shutdown-timeout`: requests in flight when SIGTERM arrives may finish within it; one
//! that takes longer gets a closed connection, and the process still exits 0.

mod common;

use std::time::{Duration, Instant};

use common::binary::launch;

/// Starts a query that the server delays by `delay`, then SIGTERM; returns how the client
/// fared and how long the process took to exit.
async fn shutdown_during(timeout: &str, delay: &str) -> (Result<u16, String>, Duration) {
    let rule = format!("when=first:1,what=delay:{delay},route=query");
    let mut server = launch(
        &[
            "--port",
            "0",
            "--shutdown-timeout",
            timeout,
            "--fault",
            &rule,
        ],
        &[],
    )
    .await;
    let client = reqwest::Client::new();
    let token = client
        .get(format!("{}/_mock/token?org=ttd", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request = client
        .get(format!(
            "{}/events/api/v1/app/ttd/apps-test?after=0",
            server.url
        ))
        .bearer_auth(token)
        .timeout(Duration::from_secs(30))
        .send();
    let in_flight = tokio::spawn(async move {
        request
            .await
            .map(|response| response.status().as_u16())
            .map_err(|error| error.to_string())
    });
    // The request is being delayed once the rule has fired.
    let faults = format!("{}/_mock/faults", server.url);
    for _ in 0..500 {
        let listed: serde_json::Value = client
            .get(&faults)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if listed[0]["fired"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    server.terminate().await;
    let exit = tokio::time::timeout(Duration::from_secs(30), server.child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    (in_flight.await.unwrap(), started.elapsed())
}

#[tokio::test]
async fn a_request_shorter_than_the_shutdown_timeout_completes() {
    let (outcome, took) = shutdown_during("20s", "1s").await;
    assert_eq!(outcome, Ok(200));
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[tokio::test]
async fn a_request_longer_than_the_shutdown_timeout_gets_a_closed_connection() {
    let (outcome, took) = shutdown_during("1s", "20s").await;
    assert!(outcome.is_err(), "{outcome:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn mock_server_shutdown_waits_for_its_shutdown_timeout_then_closes() {
    let server = common::with_rules()
        .shutdown_timeout(Duration::from_millis(300))
        .start()
        .await;
    let delayed = server.fault("when=first:1,what=delay:10m,route=query");
    let url = format!("{}?after=e07", server.events_url("ttd", "apps-test"));
    let in_flight = tokio::spawn(
        reqwest::Client::new()
            .get(url)
            .bearer_auth(server.token("ttd"))
            .timeout(Duration::from_secs(30))
            .send(),
    );
    // Polled only to know the request arrived; the bound turns a hang into a failure.
    let deadline = Instant::now() + Duration::from_secs(30);
    while delayed.fired() == 0 {
        assert!(Instant::now() < deadline, "the request never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    tokio::task::spawn_blocking(move || server.shutdown())
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        in_flight.await.unwrap().is_err(),
        "the connection was closed"
    );
}
