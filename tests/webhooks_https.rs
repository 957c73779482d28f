//! Webhooks to `https` endpoints through the real binary, under production's rule
//! (`--webhook-http never`): a receiver whose certificate a private CA signed is reached once the
//! binary trusts that CA through `SSL_CERT_FILE`, and fails with `tls: …` in the delivery
//! journal while it does not. The binary, not a `MockServer`, because the roots are read from
//! the process's environment.

mod common;

use common::binary::{BIN, Running, launch_command};
use common::push::{APP_RESOURCE, INSTANCE};
use common::receiver::Receiver;
use common::tls::Authority;
use common::{poll_async, send};
use serde_json::{Value, json};
use tokio::process::Command;

/// Production's endpoint rule, and nothing retried, so one attempt is the whole story.
const ARGS: [&str; 8] = [
    "--port",
    "0",
    "--webhook-http",
    "never",
    "--webhook-retries",
    "none",
    "--validation-retries",
    "none",
];

/// The binary with `SSL_CERT_FILE` as given (or unset) and `SSL_CERT_DIR` unset, whatever the
/// environment running the tests says: either would add roots of its own.
async fn launch(ssl_cert_file: Option<&std::path::Path>) -> Running {
    let mut command = Command::new(BIN);
    command
        .args(ARGS)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(file) = ssl_cert_file {
        command.env("SSL_CERT_FILE", file);
    }
    launch_command(command).await
}

/// Subscribes `ttd` to app `apps-test` at `endpoint`, unvalidated: the handshake follows.
async fn subscribe(server: &Running, endpoint: &str) {
    let answer = send(
        reqwest::Client::new()
            .post(format!("{}/_mock/subscriptions", server.url))
            .json(&json!({"consumer": "/org/ttd", "endPoint": endpoint, "resourceFilter": APP_RESOURCE})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

/// The delivery journal, newest first.
async fn deliveries(server: &Running) -> Vec<Value> {
    let answer = send(reqwest::Client::new().get(format!("{}/_mock/deliveries", server.url))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_value(answer.json()).expect("an array")
}

/// Waits until the journal holds `count` attempts, and returns them oldest first.
async fn wait_for_deliveries(server: &Running, count: usize) -> Vec<Value> {
    poll_async(|| async { deliveries(server).await.len() >= count }).await;
    let mut journal = deliveries(server).await;
    journal.reverse();
    journal
}

#[tokio::test]
async fn an_https_endpoint_signed_by_a_ca_in_ssl_cert_file_gets_the_handshake_and_then_the_event() {
    let authority = Authority::new();
    let ca_file = authority.ca_file();
    let receiver = Receiver::https(authority.acceptor());
    let server = launch(Some(ca_file.path())).await;
    let endpoint = receiver.url("/hook");
    assert!(endpoint.starts_with("https://localhost:"), "{endpoint}");

    subscribe(&server, &endpoint).await;
    let handshake = wait_for_deliveries(&server, 1).await.remove(0);
    assert_eq!(
        (
            &handshake["kind"],
            &handshake["status"],
            &handshake["state"]
        ),
        (&json!("validation"), &json!(200), &json!("delivered")),
        "{handshake}"
    );
    assert_eq!(handshake["endpoint"], endpoint);
    assert_eq!(
        receiver.received()[0].json()["type"],
        "platform.events.validatesubscription"
    );

    let event = json!({"specversion": "1.0", "id": "over-tls", "type": "app.instance.created",
        "source": INSTANCE, "subject": "/party/1337", "time": "2024-03-01T12:00:00Z"});
    let published = send(
        reqwest::Client::new()
            .post(format!("{}/_mock/events", server.url))
            .json(&json!([event])),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.body);
    let delivery = wait_for_deliveries(&server, 2).await.remove(1);
    assert_eq!(
        (&delivery["kind"], &delivery["eventId"], &delivery["status"]),
        (&json!("event"), &json!("over-tls"), &json!(200)),
        "{delivery}"
    );
    assert_eq!(delivery["state"], "delivered");
    let events = receiver.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].path, "/hook");
    assert_eq!(events[0].json()["id"], "over-tls");
    assert_eq!(
        events[0].header("host"),
        Some(
            endpoint
                .trim_start_matches("https://")
                .trim_end_matches("/hook")
        )
    );
}

#[tokio::test]
async fn an_https_endpoint_whose_ca_the_binary_does_not_trust_is_a_tls_failure_in_the_journal() {
    let authority = Authority::new();
    let receiver = Receiver::https(authority.acceptor());
    let server = launch(None).await;

    subscribe(&server, &receiver.url("/hook")).await;
    let handshake = wait_for_deliveries(&server, 1).await.remove(0);
    assert_eq!(handshake["kind"], "validation");
    assert_eq!(handshake["status"], Value::Null, "{handshake}");
    // The wording docs/webhooks.md quotes.
    assert_eq!(
        handshake["error"], "tls: invalid peer certificate: UnknownIssuer",
        "{handshake}"
    );
    assert_eq!(handshake["state"], "dead-lettered");
    assert!(
        receiver.received().is_empty(),
        "no request gets past the handshake"
    );
}
