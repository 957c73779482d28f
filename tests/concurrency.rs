//! Exactly once, in order: pollers following `next` while publishers append each see every
//! event once, in sequence order.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use altinn_events_mock::MockServer;
use common::{app_event, cloud_event};
use serde_json::Value;

const PUBLISHERS: usize = 4;
const EVENTS_PER_PUBLISHER: usize = 750;
const POLLERS: usize = 4;
const TOTAL: usize = PUBLISHERS * EVENTS_PER_PUBLISHER;

fn source(publisher: usize, n: usize) -> String {
    format!(
        "https://ttd.apps.tt02.altinn.no/ttd/busy-app/instances/{publisher}/00000000-0000-4000-8000-{n:012}"
    )
}

/// Half the publishers append through the helper in batches, half post one event at a time
/// as an app does.
async fn publish(server_url: String, handle: &MockServer, publisher: usize) {
    let client = reqwest::Client::new();
    let token = handle.token("ttd");
    let access_token = handle.platform_access_token("ttd/busy-app");
    let mut n = 0;
    while n < EVENTS_PER_PUBLISHER {
        if publisher.is_multiple_of(2) {
            let batch = (1 + n % 7).min(EVENTS_PER_PUBLISHER - n);
            let events: Vec<Value> = (n..n + batch)
                .map(|i| {
                    cloud_event(&format!("p{publisher}-{i}"))
                        .party(publisher as u32)
                        .with("source", source(publisher, i))
                        .build()
                })
                .collect();
            handle.publish(events).expect("valid events");
            n += batch;
        } else {
            let body = app_event()
                .party(publisher as u32)
                .with("source", source(publisher, n))
                .build();
            let response = common::send(
                client
                    .post(format!("{server_url}/events/api/v1/app"))
                    .bearer_auth(&token)
                    .header("PlatformAccessToken", &access_token)
                    .json(&body),
            )
            .await;
            assert_eq!(response.status, 201);
            n += 1;
        }
        tokio::task::yield_now().await;
    }
}

/// Follows `next` from the beginning; on an empty page waits a moment and asks again after the
/// last id seen, until every event arrived or the deadline passes.
async fn poll(events_url: String, token: String, page_size: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen: Vec<String> = Vec::new();
    let mut url = format!("{events_url}?from=2000-01-01Z&size={page_size}");
    while seen.len() < TOTAL && Instant::now() < deadline {
        let response = common::send(client.get(&url).bearer_auth(&token)).await;
        assert_eq!(response.status, 200);
        let next = response.header("next").map(str::to_owned);
        let page: Vec<Value> = serde_json::from_value(response.json()).expect("JSON page");
        seen.extend(page.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        url = match (next, seen.last()) {
            (Some(next), _) => next,
            (None, Some(last)) => {
                tokio::time::sleep(Duration::from_millis(2)).await;
                format!("{events_url}?after={last}&size={page_size}")
            }
            (None, None) => {
                tokio::time::sleep(Duration::from_millis(2)).await;
                url
            }
        };
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pollers_see_every_event_exactly_once_in_order_while_publishers_append() {
    run(MockServer::builder().start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_holds_behind_a_visibility_lag() {
    run(MockServer::builder()
        .visibility_lag(Duration::from_millis(200))
        .start()
        .await)
    .await;
}

/// Strict auth throughout: pollers with service-owner tokens, apps with access tokens.
async fn run(server: MockServer) {
    let server = std::sync::Arc::new(server);
    let events_url = server.events_url("ttd", "busy-app");
    let pollers: Vec<_> = (0..POLLERS)
        .map(|i| {
            tokio::spawn(poll(
                events_url.clone(),
                server.token("ttd"),
                [1, 13, 50, 333][i % 4],
            ))
        })
        .collect();
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|p| {
            let server = std::sync::Arc::clone(&server);
            tokio::spawn(async move { publish(server.url().to_owned(), &server, p).await })
        })
        .collect();
    for publisher in publishers {
        publisher.await.expect("publisher");
    }
    let in_sequence_order: Vec<String> = server
        .events()
        .iter()
        .map(|e| e.event.id().to_owned())
        .collect();
    assert_eq!(in_sequence_order.len(), TOTAL);
    for poller in pollers {
        let seen = poller.await.expect("poller");
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no event twice");
        assert_eq!(seen.len(), TOTAL, "every event");
        assert!(seen == in_sequence_order, "in sequence order");
    }
}
