//! Shared by the webhook tests: a server with a short webhook timeout, a validated
//! subscription to a receiver, and moving the clock over HTTP (which waits for due attempts).

use std::time::Duration;

use altinn_events_mock::{MockServer, MockServerBuilder};
use serde_json::json;

use super::receiver::Receiver;

pub(crate) const APP_RESOURCE: &str = "urn:altinn:resource:app_ttd_apps-test";
pub(crate) const INSTANCE: &str = "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/6c8f1b6e-3c38-4a6b-9a0e-2f1d7c5b9e41";
pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn builder() -> MockServerBuilder {
    MockServer::builder().webhook_timeout(Duration::from_secs(2))
}

/// A validated subscription of `ttd` to app `apps-test`, delivering to `receiver`.
pub(crate) fn subscribe(server: &MockServer, receiver: &Receiver) -> u64 {
    server
        .subscribe(json!({
            "consumer": "/org/ttd",
            "endPoint": receiver.url("/hook"),
            "resourceFilter": APP_RESOURCE,
            "validated": true,
        }))
        .expect("subscribed")
        .id
}

pub(crate) async fn move_clock(server: &MockServer, advance: &str) {
    let answer = reqwest::Client::new()
        .post(format!("{}/_mock/clock", server.url()))
        .json(&json!({ "advance": advance }))
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200);
}
