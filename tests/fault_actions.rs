//! Every fault action, observed from the client's side as a real client observes it.

mod common;

use std::error::Error as _;
use std::io::ErrorKind;
use std::time::{Duration, Instant};

use altinn_events_mock::MockServer;
use common::feed::{Consumer, ids, server_with};
use common::{cloud_event, raw_exchange};
use serde_json::Value;

/// Whether `error` (or anything under it) is a connection reset.
fn is_reset(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>()
            && io.kind() == ErrorKind::ConnectionReset
        {
            return true;
        }
        source = inner.source();
    }
    false
}

/// A GET of `url` with `fault` over a plain socket, without `Connection: close`: what
/// arrived before the server closed, or the read error.
fn raw_faulted_get(
    server: &MockServer,
    url: &str,
    token: &str,
    fault: &str,
) -> std::io::Result<Vec<u8>> {
    let path = url
        .strip_prefix(server.url())
        .expect("a URL of this server");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nx-mock-fault: {fault}\r\n\r\n",
        server.address()
    );
    raw_exchange(server.address(), request.as_bytes())
}

/// The head's `Content-Length` and the body bytes after it.
fn split_response(received: &[u8]) -> (usize, &[u8]) {
    let end = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head")
        + 4;
    let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .expect("content-length")
        .trim()
        .parse()
        .expect("a number");
    (length, &received[end..])
}

#[tokio::test]
async fn status_answers_as_aspnet_core_with_retry_after() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(2);
    let response = consumer
        .get(&url, Some("what=status:503,retry_after=2"))
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json; charset=utf-8"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["type"],
        "https://tools.ietf.org/html/rfc9110#section-15.6.4"
    );
    assert_eq!(body["title"], "Service Unavailable");
    assert_eq!(body["status"], 503);
    assert!(body["traceId"].as_str().unwrap().starts_with("00-"));

    // A status ASP.NET Core has no defaults for gets only its status; no Retry-After unasked.
    let response = consumer.get(&url, Some("what=status:429")).await.unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 429);
    assert!(body.get("type").is_none() && body.get("title").is_none());

    // 2xx and 3xx carry no body.
    let response = consumer.get(&url, Some("what=status:204")).await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_status_fault_answers_before_the_endpoint_runs() {
    let server = server_with(0).await;
    let client = reqwest::Client::new();
    let token = server.token("ttd");
    let access = server.platform_access_token("ttd/apps-test");
    let body = cloud_event("kept-out").without("time").build();
    let response = client
        .post(format!("{}/events/api/v1/app", server.url()))
        .bearer_auth(&token)
        .header("PlatformAccessToken", access)
        .header("x-mock-fault", "what=status:500")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(server.events().is_empty(), "the event must not be stored");
}

#[tokio::test]
async fn reset_is_a_connection_reset() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(2);
    let error = consumer
        .get(&url, Some("what=reset"))
        .await
        .expect_err("no answer");
    assert!(is_reset(&error), "{error:?}");

    let read = raw_faulted_get(&server, &url, &consumer.token, "what=reset");
    assert_eq!(read.unwrap_err().kind(), ErrorKind::ConnectionReset);

    // The server itself is fine.
    let (page, _) = consumer.page(&url, None).await;
    assert_eq!(page, ids(0..2));
}

#[tokio::test]
async fn close_after_headers_gives_a_head_and_a_broken_body() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let response = consumer
        .get(&consumer.first_page(2), Some("what=close_after_headers"))
        .await
        .expect("the head arrives");
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("next"));
    let error = response.bytes().await.expect_err("the body breaks");
    assert!(error.is_body() || error.is_decode(), "{error:?}");
}

#[tokio::test]
async fn truncate_sends_exactly_that_many_bytes_then_closes() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(2);
    let error = consumer
        .get(&url, Some("what=truncate:10"))
        .await
        .unwrap()
        .bytes()
        .await
        .expect_err("the body breaks");
    assert!(error.is_body() || error.is_decode(), "{error:?}");

    let received = raw_faulted_get(&server, &url, &consumer.token, "what=truncate:10")
        .expect("a closed connection, not a reset");
    let (length, body) = split_response(&received);
    assert_eq!(body, b"[{\"specver");
    assert!(
        length > 100,
        "Content-Length {length} promises the whole page"
    );
}

#[tokio::test]
async fn truncate_past_the_end_sends_the_whole_body_and_still_closes() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(2);
    // The exchange ends only because the server closed the connection.
    let received = raw_faulted_get(&server, &url, &consumer.token, "what=truncate:100000")
        .expect("a closed connection");
    let (length, body) = split_response(&received);
    assert_eq!(body.len(), length);
}

#[tokio::test]
async fn malformed_is_a_200_that_is_not_json() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let response = consumer
        .get(&consumer.first_page(2), Some("what=malformed"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let error = response.json::<Value>().await.expect_err("not JSON");
    assert!(error.is_decode(), "{error:?}");
}

#[tokio::test]
async fn slow_body_dribbles_the_whole_body_over_the_duration() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(3);
    let whole = consumer
        .get(&url, None)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let started = Instant::now();
    let mut response = consumer
        .get(&url, Some("what=slow_body:500ms"))
        .await
        .unwrap();
    let (mut body, mut pieces) = (Vec::new(), 0);
    while let Some(piece) = response.chunk().await.unwrap() {
        body.extend_from_slice(&piece);
        pieces += 1;
    }
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(body, whole);
    assert!(pieces >= 2, "{pieces} pieces");
}

#[tokio::test]
async fn delay_holds_the_answer_at_least_that_long() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(2);
    for (fault, at_least) in [("what=delay:300ms", 300), ("what=delay:200ms..400ms", 200)] {
        let started = Instant::now();
        let (page, _) = consumer.page(&url, Some(fault)).await;
        assert!(
            started.elapsed() >= Duration::from_millis(at_least),
            "{fault}"
        );
        assert_eq!(page, ids(0..2));
    }
}

#[tokio::test]
async fn drop_next_serves_the_page_without_its_link() {
    let server = server_with(5).await;
    let consumer = Consumer::new(&server);
    let (page, next) = consumer
        .page(&consumer.first_page(2), Some("what=drop_next"))
        .await;
    assert_eq!((page, next), (ids(0..2), None));
}

#[tokio::test]
async fn stale_next_makes_the_following_page_repeat_k_events() {
    let server = server_with(10).await;
    let consumer = Consumer::new(&server);
    let (page, next) = consumer
        .page(&consumer.first_page(4), Some("what=stale_next:2"))
        .await;
    assert_eq!(page, ids(0..4));
    let next = next.expect("a next link");
    assert!(next.contains("after=ev-001&"), "{next}");
    let (following, _) = consumer.page(&next, None).await;
    assert_eq!(following, ids(2..6));

    // K beyond the first page: the link is the first request's own, without `after`.
    let first = format!("{}?from=2020-01-01Z&size=3", consumer.base);
    let (_, next) = consumer.page(&first, Some("what=stale_next:3")).await;
    assert_eq!(next.as_deref(), Some(first.as_str()));

    // K beyond the page points where the page began: all of it comes again.
    let url = consumer.page_after("ev-003", 2);
    let (_, next) = consumer.page(&url, Some("what=stale_next:5")).await;
    let (again, _) = consumer.page(&next.expect("a next link"), None).await;
    assert_eq!(again, ids(4..6));
}

#[tokio::test]
async fn empty_page_is_an_empty_array_without_next() {
    let server = server_with(5).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(2);
    let (page, next) = consumer.page(&url, Some("what=empty_page")).await;
    assert_eq!((page, next), (Vec::<String>::new(), None));
    let (page, next) = consumer.page(&url, None).await;
    assert_eq!(page, ids(0..2));
    assert!(next.is_some());
}

#[tokio::test]
async fn page_faults_leave_errors_alone() {
    let server = server_with(5).await;
    let consumer = Consumer::new(&server);
    let response = consumer
        .client
        .get(consumer.first_page(2))
        .header("x-mock-fault", "what=empty_page")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no token is still a 401");
}

#[tokio::test]
async fn a_bad_fault_header_is_a_400_that_says_why() {
    let server = server_with(1).await;
    let consumer = Consumer::new(&server);
    for (fault, expected) in [
        ("what=explode", "unknown action"),
        ("when=nth:2,what=reset", "its own request"),
        ("what=empty_page", "send it with a query"),
    ] {
        let url = if fault == "what=empty_page" {
            format!("{}/_mock/health", server.url())
        } else {
            consumer.first_page(2)
        };
        let response = consumer.get(&url, Some(fault)).await.unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("x-mock-fault: ") && detail.contains(expected),
            "{detail}"
        );
    }
}

#[tokio::test]
async fn slow_and_delayed_answers_do_not_hold_up_other_clients() {
    let server = server_with(5).await;
    let consumer = Consumer::new(&server);
    let url = consumer.first_page(2);
    let delayed = server.fault("when=first:1,what=delay:10m");
    let get = |fault: Option<&'static str>| {
        let (client, token, url) = (consumer.client.clone(), consumer.token.clone(), url.clone());
        async move {
            let mut request = client.get(url).bearer_auth(token);
            if let Some(fault) = fault {
                request = request.header("x-mock-fault", fault);
            }
            request.send().await
        }
    };
    let stuck_in_delay = tokio::spawn(get(None));
    // Wait (not for timing, only for arrival) until the delayed request is in the server; the
    // deadline only turns a broken server into a failure instead of a hang. The dribbling
    // request goes after it: a header-faulted request counts towards `first:1` too, so were it
    // first, the delay would never fire.
    let deadline = Instant::now() + Duration::from_secs(120);
    while delayed.fired() == 0 {
        assert!(
            Instant::now() < deadline,
            "the delayed request never arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The dribbling answer's head arrives at once; its body takes ten minutes (the cap).
    let dribbling = get(Some("what=slow_body:10m")).await.unwrap();
    let stuck_in_body = tokio::spawn(dribbling.bytes());
    for _ in 0..100 {
        let (page, _) = consumer.page(&url, None).await;
        assert_eq!(page, ids(0..2));
    }
    assert!(!stuck_in_delay.is_finished() && !stuck_in_body.is_finished());
    stuck_in_delay.abort();
    stuck_in_body.abort();
}

#[tokio::test]
async fn the_journal_says_which_rule_fired() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let guard = server.fault("when=nth:2,what=status:503");
    let url = consumer.first_page(2);
    for _ in 0..2 {
        consumer.get(&url, None).await.unwrap();
    }
    consumer.get(&url, Some("what=reset")).await.unwrap_err();
    let journal = server.received_requests();
    let faults: Vec<_> = journal
        .iter()
        .map(|entry| (entry.status, entry.fault.clone().map(|f| (f.id, f.rule))))
        .collect();
    assert_eq!(
        faults,
        [
            (200, None),
            (
                503,
                Some((Some(guard.id()), "when=nth:2,what=status:503".to_owned()))
            ),
            (0, Some((None, "what=reset".to_owned()))),
        ]
    );
}
