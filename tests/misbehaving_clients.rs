//! One misbehaving client cannot make the server refuse or stall a well-behaved one: bodies
//! that never finish, idle and silent connections, a flood past the file-descriptor limit,
//! and a harness that never reads the server's stderr.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::binary::{BIN, launch, launch_command};
use common::sockets::{health_on, read_until_closed};
use common::{APPS_TEST, client, start, start_with, with_rules};

/// Opens a connection and sends the head of a `POST /_mock/events` promising 1000 bytes, and
/// one of them.
fn unfinished_body(address: SocketAddr) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect(address)?;
    stream.write_all(
        b"POST /_mock/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[",
    )?;
    Ok(stream)
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_kestrel_s_408_and_others_are_served_meanwhile() {
    let server = start().await;
    let mut stalled = unfinished_body(server.address()).unwrap();
    // A well-behaved client meanwhile.
    let answer = server.get(&format!("{APPS_TEST}?after=e07")).await;
    assert_eq!(answer.status, 200);
    // Kestrel's minimum request body data rate: 240 bytes/s after a 5 s grace period.
    let started = Instant::now();
    let response = tokio::task::spawn_blocking(move || {
        read_until_closed(&mut stalled, Duration::from_secs(20))
    })
    .await
    .unwrap()
    .expect("the server answers and closes the connection");
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "{response}"
    );
    assert!(response.ends_with("\r\n\r\n"), "an empty body: {response}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test]
async fn a_flood_of_unfinished_bodies_past_the_descriptor_limit_cannot_starve_a_well_behaved_client()
 {
    // The server may hold at most 256 descriptors (soft and hard), and 300 connections each
    // send a body that never finishes.
    let mut command = tokio::process::Command::new("sh");
    command.args(["-c", "ulimit -n 256 && exec \"$0\" --port 0", BIN]);
    let server = launch_command(command).await;
    let address: SocketAddr = server.url["http://".len()..].parse().unwrap();
    let flooded = Instant::now();
    let flood = tokio::task::spawn_blocking(move || {
        (0..300)
            .filter_map(|_| unfinished_body(address).ok())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(flood.len() >= 290, "{} connections opened", flood.len());
    // A well-behaved client is answered within the timeouts: refused quickly while no
    // connection of the flood has stalled for long, then served in the place of one that has
    // — long before the flood's bodies get their 408 after Kestrel's 5 s grace.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let mut outcomes = Vec::new();
    loop {
        let outcome = client
            .get(format!("{}/_mock/health", server.url))
            .send()
            .await
            .map(|response| response.status().as_u16());
        let served = matches!(outcome, Ok(200));
        outcomes.push(outcome.map_err(|error| error.is_timeout()));
        if served || flooded.elapsed() > Duration::from_secs(4) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(outcomes.last(), Some(&Ok(200)), "{outcomes:?}");
    assert!(
        flooded.elapsed() < Duration::from_secs(4),
        "served while the flood holds its connections: {:?}",
        flooded.elapsed()
    );
    assert!(
        outcomes.iter().all(|outcome| *outcome != Err(true)),
        "no request hangs until its timeout: {outcomes:?}"
    );
    drop(flood);
}

#[tokio::test]
async fn a_harness_that_never_reads_stderr_does_not_freeze_the_server() {
    let mut server = launch(&["--port", "0"], &[]).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // Each request logs a line of ~1.2 KiB (the padded URI): 2,000 of them are far more than
    // a 64 KiB pipe and the server's 1 MiB log buffer hold.
    let pad = "p".repeat(1_000);
    let url = format!(
        "{}/events/api/v1/app/ttd/apps-test?after=x&pad={pad}",
        server.url
    );
    for i in 0..2_000 {
        let response = client.get(&url).send().await;
        let status = response.map(|r| r.status().as_u16());
        assert!(matches!(status, Ok(401)), "request {i}: {status:?}");
    }
    let health: serde_json::Value = client
        .get(format!("{}/_mock/health", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dropped = health["droppedLogLines"].as_u64().expect("a count");
    assert!(dropped > 0, "{health}");
    // Once someone reads, the server says how many lines it dropped.
    let mut stderr = server.stderr();
    let (notice, _) =
        common::binary::read_until(&mut stderr, "log lines dropped", Duration::from_secs(20)).await;
    assert!(notice.is_some(), "no notice of the dropped lines");
}

#[tokio::test]
async fn a_slow_but_steady_body_is_read_in_full() {
    let server = start_with(with_rules()).await;
    let address = server.address();
    let body = format!(
        "[{}]",
        serde_json::to_string(&common::event("slow-1")).unwrap()
    );
    let response = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        let head = format!(
            "POST /_mock/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        // In pieces, well above 240 bytes/s.
        for piece in body.as_bytes().chunks(40) {
            stream.write_all(piece).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        read_until_closed(&mut stream, Duration::from_secs(20))
    })
    .await
    .unwrap()
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
}

#[tokio::test]
async fn past_the_connection_cap_a_client_gets_a_fast_503_and_is_served_once_a_slot_frees() {
    let server = start_with(with_rules().max_connections(2)).await;
    let address = server.address();
    let held = tokio::task::spawn_blocking(move || {
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut stream = TcpStream::connect(address).unwrap();
            assert!(health_on(&mut stream).starts_with("HTTP/1.1 200 "));
            held.push(stream);
        }
        held
    })
    .await
    .unwrap();
    let started = Instant::now();
    // Refused before the request is read, like Kestrel's own refusals: outside the document.
    let refused = server
        .send_unchecked(client().get(server.url("/_mock/health")))
        .await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.header("connection"), Some("close"));
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("--max-connections")
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(held);
    let mut outcomes = Vec::new();
    for _ in 0..100 {
        // Still refused until the server sees the held connections close.
        let answer = server
            .send_unchecked(client().get(server.url("/_mock/health")))
            .await;
        outcomes.push(answer.status);
        if answer.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(outcomes.last(), Some(&200), "{outcomes:?}");
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_keep_alive_timeout() {
    let server = start_with(with_rules().keep_alive_timeout(Duration::from_millis(300))).await;
    let address = server.address();
    let closed = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        assert!(health_on(&mut stream).starts_with("HTTP/1.1 200 "));
        // Used again before the timeout, it still serves.
        assert!(health_on(&mut stream).starts_with("HTTP/1.1 200 "));
        read_until_closed(&mut stream, Duration::from_secs(10))
    })
    .await
    .unwrap();
    assert_eq!(closed.as_deref(), Some(""), "closed without another byte");
}

#[tokio::test]
async fn a_head_that_never_finishes_is_cut_at_the_header_timeout() {
    let server = launch(&["--port", "0", "--header-timeout", "1s"], &[]).await;
    let address: SocketAddr = server.url["http://".len()..].parse().unwrap();
    let closed = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let started = Instant::now();
        let closed = read_until_closed(&mut stream, Duration::from_secs(20));
        (closed, started.elapsed())
    })
    .await
    .unwrap();
    assert_eq!(closed.0.as_deref(), Some(""));
    assert!(closed.1 < Duration::from_secs(10), "{:?}", closed.1);
}

#[tokio::test]
async fn a_client_that_stops_reading_a_large_answer_cannot_hold_its_slot() {
    // One slot, and an answer far larger than the socket buffers.
    let server = launch(
        &[
            "--port",
            "0",
            "--max-connections",
            "1",
            "--min-data-rate-grace",
            "1s",
            "--generate",
            "40000",
        ],
        &[],
    )
    .await;
    let address: SocketAddr = server.url["http://".len()..].parse().unwrap();
    let mut stalled = TcpStream::connect(address).unwrap();
    stalled
        .write_all(b"GET /_mock/events?limit=40000 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let mut outcomes = Vec::new();
    for _ in 0..100 {
        let status = client
            .get(format!("{}/_mock/health", server.url))
            .send()
            .await
            .map(|response| response.status().as_u16())
            .map_err(|error| error.to_string());
        let served = status == Ok(200);
        outcomes.push(status);
        if served {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(outcomes.first(), Some(&Ok(503)), "{outcomes:?}");
    assert_eq!(outcomes.last(), Some(&Ok(200)), "{outcomes:?}");
    drop(stalled);
}
