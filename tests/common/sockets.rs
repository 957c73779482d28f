//! Raw sockets for the tests about connections: what a client that misbehaves, or merely keeps
//! a connection, looks like from the server's side.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Everything the server sends on `stream` until it closes it, or `None` at `timeout`.
pub(crate) fn read_until_closed(stream: &mut TcpStream, timeout: Duration) -> Option<String> {
    stream.set_read_timeout(Some(timeout)).ok()?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received).ok()?;
    Some(String::from_utf8_lossy(&received).into_owned())
}

/// Sends `GET /_mock/health` on `stream` (kept alive) and reads its answer.
pub(crate) fn health_on(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&received).contains("}") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "closed early");
        received.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&received).into_owned()
}
