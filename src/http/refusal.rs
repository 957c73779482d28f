//! Refusing a connection past the cap, fast and cleanly: a `503 Service Unavailable` with
//! `Retry-After` and `Connection: close`, written once the request's head has arrived (an
//! HTTP client that reads an answer before it has sent its request takes it for a broken
//! connection, not a refusal) or after a second without one, then a short wait for the client's remaining bytes so closing
//! does not reset the connection (which could destroy the answer before the client reads it).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// How long a refused connection may take to send what it meant to before it is closed.
const LINGER: Duration = Duration::from_secs(3);

/// Refusals lingering at once; past this, a refused connection is just closed.
pub(super) const LINGERING_REFUSALS: usize = 64;

/// The answer, as bytes.
fn answer(cap: usize) -> Vec<u8> {
    let body = format!(
        "{{\"type\":\"https://tools.ietf.org/html/rfc9110#section-15.6.4\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"The server holds its maximum of {cap} connections (--max-connections); retry shortly.\"}}"
    );
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Refuses `stream`, on a task of its own while fewer than [`LINGERING_REFUSALS`] are being
/// refused; otherwise it is closed at once.
pub(super) fn refuse(stream: TcpStream, cap: usize, lingering: &Arc<Semaphore>) {
    let Ok(permit) = Arc::clone(lingering).try_acquire_owned() else {
        drop(stream);
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let _ = tokio::time::timeout(LINGER, answer_and_close(stream, cap)).await;
    });
}

/// Bytes read while waiting for the end of the request's head; past them it is answered anyway.
const HEAD_LIMIT: usize = 16 * 1024;

/// How long the answer waits for the request's head: a client that sends nothing (a raw probe)
/// still gets its 503, a little later.
const HEAD_WAIT: Duration = Duration::from_secs(1);

async fn answer_and_close(mut stream: TcpStream, cap: usize) -> std::io::Result<()> {
    let _ = tokio::time::timeout(HEAD_WAIT, read_head(&mut stream)).await;
    stream.write_all(&answer(cap)).await?;
    stream.shutdown().await?;
    let mut sink = [0u8; 4096];
    while stream.read(&mut sink).await? > 0 {}
    Ok(())
}

/// Reads until the end of a request's head, the end of the stream or [`HEAD_LIMIT`] bytes.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < HEAD_LIMIT {
        match stream.read(&mut buffer).await? {
            0 => break,
            read => head.extend_from_slice(&buffer[..read]),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_a_complete_503_that_closes_the_connection() {
        let text = String::from_utf8(answer(7)).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("connection: close"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["status"], 503);
        assert!(json["detail"].as_str().unwrap().contains("7 connections"));
    }
}
