//! What the server keeps is bounded in bytes, and what it answers about it comes in pages:
//! long headers are journaled truncated and marked, the journal and the events are paged.

mod common;

use common::{APPS_TEST, event, start, start_with, with_rules};
use serde_json::Value;

#[tokio::test]
async fn long_header_values_are_journaled_truncated_and_marked() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let long = "a".repeat(31 * 1024);
    let answer = server
        .get_with(&format!("{APPS_TEST}?after=e07"), |request| {
            request.bearer_auth(&token).header("x-long", &long)
        })
        .await;
    assert_eq!(answer.status, 200);
    let journal = server.get_with("/_mock/requests", |request| request).await;
    let entries = journal.json();
    let headers = entries[0]["headers"].as_array().unwrap();
    let kept = headers
        .iter()
        .find(|pair| pair[0] == "x-long")
        .and_then(|pair| pair[1].as_str())
        .unwrap();
    assert!(kept.len() < 5 * 1024, "{} bytes kept", kept.len());
    assert!(kept.starts_with("aaaa"), "{kept}");
    assert!(
        kept.ends_with(&format!("[truncated: {} bytes in all]", long.len())),
        "{}",
        &kept[kept.len() - 60..]
    );
    // A value of ordinary length is kept as it was.
    let authorization = headers
        .iter()
        .find(|pair| pair[0] == "authorization")
        .and_then(|pair| pair[1].as_str())
        .unwrap();
    assert_eq!(authorization, format!("Bearer {token}"));
}

fn ids(answer: &common::Answer) -> Vec<u64> {
    answer
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_journal_is_paged_newest_first_with_limit_and_before() {
    let server = start().await;
    for _ in 0..5 {
        server.get_with("/nowhere", |request| request).await;
    }
    let all = server.get_with("/_mock/requests", |request| request).await;
    assert_eq!(ids(&all), [5, 4, 3, 2, 1]);
    let first = server
        .get_with("/_mock/requests?limit=2", |request| request)
        .await;
    assert_eq!(ids(&first), [5, 4]);
    let second = server
        .get_with("/_mock/requests?limit=2&before=4", |request| request)
        .await;
    assert_eq!(ids(&second), [3, 2]);
    let last = server
        .get_with("/_mock/requests?before=2", |request| request)
        .await;
    assert_eq!(ids(&last), [1]);
    let bad = server
        .get_with("/_mock/requests?limit=0", |request| request)
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

fn sequence_numbers(answer: &common::Answer) -> Vec<u64> {
    answer
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|entry: &Value| entry["sequenceNumber"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn stored_events_are_paged_with_after_and_limit() {
    let server = start_with(with_rules()).await;
    server
        .server
        .publish((0..5).map(|i| event(&format!("paged-{i}"))))
        .unwrap();
    let all = server.get_with("/_mock/events", |request| request).await;
    let every = sequence_numbers(&all);
    assert!(every.len() > 5);
    let total = every.len() as u64;
    let page = server
        .get_with("/_mock/events?after=2&limit=2", |request| request)
        .await;
    assert_eq!(sequence_numbers(&page), [3, 4]);
    let next = page.header("next").expect("a next link while more remain");
    assert!(next.ends_with("/_mock/events?after=4&limit=2"), "{next}");
    let tail = server
        .get_with(&format!("/_mock/events?after={}", total - 1), |request| {
            request
        })
        .await;
    assert_eq!(sequence_numbers(&tail), [total]);
    assert_eq!(tail.header("next"), None);
    let bad = server
        .get_with("/_mock/events?after=x", |request| request)
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}
