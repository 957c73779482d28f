//! A consumer's polling loop, tested against the spawn helper while an app keeps publishing.
//!
//! The consumer does what a well-behaved Altinn Events client does: it starts from a time,
//! follows `next` until a page comes back empty, remembers the id of the last event it saw,
//! and on its next round asks for what came `after` it. Run with
//! `cargo run --example polling_client`.

use std::time::Duration;

use altinn_events_mock::{AppEventRequest, MockServer};
use serde_json::Value;

/// The client under test.
struct EventPoller {
    client: reqwest::Client,
    events_url: String,
    token: String,
    last_id: Option<String>,
}

impl EventPoller {
    /// One round: every event since the last one seen, following `next` to the end.
    async fn poll(&mut self) -> Result<Vec<Value>, reqwest::Error> {
        let mut url = match &self.last_id {
            Some(id) => format!("{}?after={id}&size=20", self.events_url),
            None => format!("{}?from=2000-01-01Z&size=20", self.events_url),
        };
        let mut events = Vec::new();
        loop {
            let response = self
                .client
                .get(&url)
                .bearer_auth(&self.token)
                .send()
                .await?
                .error_for_status()?;
            let next = response
                .headers()
                .get("next")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let page: Vec<Value> = response.json().await?;
            if let Some(id) = page.last().and_then(|event| event["id"].as_str()) {
                self.last_id = Some(id.to_owned());
            }
            events.extend(page);
            match next {
                Some(next) => url = next,
                None => return Ok(events),
            }
        }
    }
}

const INSTANCES: usize = 40;
const STEPS: [&str; 3] = [
    "app.instance.created",
    "app.instance.process.movedTo.Task_1",
    "app.instance.process.completed",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::sync::Arc::new(MockServer::start().await);
    let mut poller = EventPoller {
        client: reqwest::Client::new(),
        events_url: server.events_url("ttd", "apps-test"),
        token: server.token("ttd"),
        last_id: None,
    };

    // An app publishes in the background, as production's apps do.
    let publisher = {
        let server = std::sync::Arc::clone(&server);
        std::thread::spawn(move || {
            for instance in 0..INSTANCES {
                let source = format!(
                    "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/50001337/00000000-0000-4000-8000-{instance:012}"
                );
                for step in STEPS {
                    let request = AppEventRequest::new(&source, "/party/50001337", step)
                        .with_alternative_subject("/person/16035001577");
                    server.publish_app_event(request).expect("a valid event");
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };

    let mut seen = Vec::new();
    let mut rounds = 0;
    while seen.len() < INSTANCES * STEPS.len() {
        seen.extend(poller.poll().await?);
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    publisher.join().expect("publisher finished");

    let published: Vec<String> = server
        .events()
        .iter()
        .map(|e| e.event.id().to_owned())
        .collect();
    let received: Vec<String> = seen
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(received, published, "every event once, in order");
    println!(
        "received {} events in {rounds} polling rounds, {} requests, each event once and in order",
        received.len(),
        server.received_requests().len()
    );
    Ok(())
}
