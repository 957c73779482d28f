//! The fault-injection recipes of docs/fault-injection.md, written as Rust tests with
//! `MockServer`: a consumer that survives each failure, and the fault that proves it.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::feed::{Consumer, ids, server_with};

const EVENTS: usize = 220;
const SIZE: usize = 50;

/// GETs `url`, retrying 503 and 429 up to `attempts` times; waits what `Retry-After` asks
/// (one second without it) through `wait`, so a test can record the waits instead of sleeping.
async fn get_with_retry(
    consumer: &Consumer,
    url: &str,
    attempts: usize,
    mut wait: impl FnMut(Duration),
) -> reqwest::Response {
    for _ in 1..attempts {
        let response = consumer.get(url, None).await.expect("answered");
        if ![429, 503].contains(&response.status().as_u16()) {
            return response;
        }
        let seconds = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok()?.parse().ok())
            .unwrap_or(1);
        wait(Duration::from_secs(seconds));
    }
    consumer.get(url, None).await.expect("answered")
}

#[tokio::test]
async fn retry_with_backoff_honours_retry_after() {
    let server = server_with(EVENTS).await;
    let consumer = Consumer::new(&server);
    let _outage = server.fault("when=first:2,what=status:503,retry_after=1,route=query");
    let mut waits = Vec::new();
    let response = get_with_retry(&consumer, &consumer.first_page(3), 4, |d| waits.push(d)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        waits,
        [Duration::from_secs(1); 2],
        "waited what the server asked"
    );
    let statuses: Vec<u16> = server
        .received_requests()
        .iter()
        .map(|entry| entry.status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn resume_from_the_last_seen_id_after_a_failure_mid_traversal() {
    let server = server_with(EVENTS).await;
    let consumer = Consumer::new(&server);
    let _reset = server.fault("when=nth:3,what=reset,route=query");
    let mut url = Some(consumer.first_page(SIZE));
    let mut resume = consumer.first_page(SIZE);
    let (mut seen, mut failures) = (Vec::new(), 0);
    while let Some(current) = url.take() {
        let page = match consumer.get(&current, None).await {
            Ok(response) if response.status() == 200 => response,
            _ => {
                failures += 1;
                url = Some(resume.clone());
                continue;
            }
        };
        let next = page
            .headers()
            .get("next")
            .map(|v| v.to_str().unwrap().to_owned());
        let events: Vec<serde_json::Value> = page.json().await.unwrap();
        let page_ids: Vec<String> = events
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        if let Some(last) = page_ids.last() {
            resume = consumer.page_after(last, SIZE);
        }
        seen.extend(page_ids);
        url = next;
    }
    assert_eq!(failures, 1);
    assert_eq!(seen, ids(0..EVENTS), "every event once, in order");
}

#[tokio::test]
async fn tolerate_duplicates_after_stale_next() {
    let server = server_with(EVENTS).await;
    let consumer = Consumer::new(&server);
    let _stale = server.fault("when=nth:2,what=stale_next:3");
    let mut url = Some(consumer.first_page(SIZE));
    let (mut received, mut processed, mut done) = (0, Vec::new(), HashSet::new());
    while let Some(current) = url.take() {
        let (page, next) = consumer.page(&current, None).await;
        received += page.len();
        for id in page {
            if done.insert(id.clone()) {
                processed.push(id);
            }
        }
        url = next;
    }
    assert_eq!(received, EVENTS + 3);
    assert_eq!(processed, ids(0..EVENTS), "each event processed once");
}

#[tokio::test]
async fn survive_an_empty_page() {
    let server = server_with(EVENTS).await;
    let consumer = Consumer::new(&server);
    let _empty = server.fault("when=nth:2,what=empty_page");
    let mut url = consumer.first_page(SIZE);
    let mut resume = url.clone();
    let (mut seen, mut polls) = (Vec::new(), 0);
    // A page without next means "caught up for now": poll again later from the last event.
    while polls < 3 {
        let (page, next) = consumer.page(&url, None).await;
        if let Some(last) = page.last() {
            resume = consumer.page_after(last, SIZE);
        }
        seen.extend(page);
        url = next.unwrap_or_else(|| {
            polls += 1;
            resume.clone()
        });
    }
    assert_eq!(seen, ids(0..EVENTS));
    let first_stop = server
        .received_requests()
        .iter()
        .position(|entry| entry.fault.is_some())
        .expect("the empty page was served");
    assert_eq!(first_stop, 1, "the second query came back empty");
}
