//! At the connection cap a newcomer takes the place of a connection stalled on its own
//! client, and only of such a one: a request the server is handling and an idle keep-alive
//! connection keep their slots, and with nothing stalled the newcomer gets the 503 as before.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::sockets::{health_on, read_until_closed};
use common::{TestServer, client, start_with, with_rules};

/// Longer than the server's minimum stall (1 s) before it evicts anyone. These tests are about
/// what happens once a connection is old enough to qualify, so they wait this long on purpose.
const PAST_THE_MINIMUM_STALL: Duration = Duration::from_millis(1_500);

/// A server with room for one connection.
async fn one_slot() -> TestServer {
    start_with(with_rules().max_connections(1)).await
}

/// `GET /_mock/health` from a newcomer, and its status.
async fn newcomer(server: &TestServer) -> u16 {
    let answer = server
        .send_unchecked(client().get(server.url("/_mock/health")))
        .await;
    answer.status
}

#[tokio::test]
async fn a_newcomer_at_the_cap_takes_the_place_of_a_head_that_stopped_arriving() {
    let server = one_slot().await;
    let mut stalled = TcpStream::connect(server.address()).unwrap();
    stalled
        .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    tokio::time::sleep(PAST_THE_MINIMUM_STALL).await;
    assert_eq!(newcomer(&server).await, 200);
    let closed = tokio::task::spawn_blocking(move || {
        read_until_closed(&mut stalled, Duration::from_secs(10))
    })
    .await
    .unwrap();
    assert_eq!(closed.as_deref(), Some(""), "closed without an answer");
}

#[tokio::test]
async fn a_head_stalled_for_less_than_the_minimum_keeps_its_slot() {
    let server = one_slot().await;
    let mut slow = TcpStream::connect(server.address()).unwrap();
    slow.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    assert_eq!(newcomer(&server).await, 503);
    // The rest of the head comes, and the request is served.
    let answer = tokio::task::spawn_blocking(move || {
        slow.write_all(b"Connection: close\r\n\r\n").unwrap();
        read_until_closed(&mut slow, Duration::from_secs(10))
    })
    .await
    .unwrap()
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[tokio::test]
async fn a_request_under_a_delay_fault_is_not_evicted_at_the_cap() {
    let server = one_slot().await;
    let mut delayed = TcpStream::connect(server.address()).unwrap();
    delayed
        .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nx-mock-fault: what=delay:5s\r\nConnection: close\r\n\r\n")
        .unwrap();
    tokio::time::sleep(PAST_THE_MINIMUM_STALL).await;
    assert_eq!(newcomer(&server).await, 503, "the server has the move");
    let answer = tokio::task::spawn_blocking(move || {
        read_until_closed(&mut delayed, Duration::from_secs(20))
    })
    .await
    .unwrap()
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_not_evicted_at_the_cap() {
    let server = one_slot().await;
    let address = server.address();
    let mut pooled = tokio::task::spawn_blocking(move || {
        let mut pooled = TcpStream::connect(address).unwrap();
        assert!(health_on(&mut pooled).starts_with("HTTP/1.1 200 "));
        pooled
    })
    .await
    .unwrap();
    tokio::time::sleep(PAST_THE_MINIMUM_STALL).await;
    assert_eq!(newcomer(&server).await, 503, "nothing stalled: refused");
    let again = tokio::task::spawn_blocking(move || health_on(&mut pooled))
        .await
        .unwrap();
    assert!(again.starts_with("HTTP/1.1 200 "), "{again}");
}
