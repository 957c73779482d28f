//! Time from `MockServer::start().await` (and `start_blocking()`) to the first answered
//! request, and to a dropped (closed) server. Run with `cargo bench --bench startup`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use altinn_events_mock::MockServer;

fn main() {
    divan::main();
}

/// One `GET /_mock/health` over a fresh connection, read to the end.
fn first_request(addr: SocketAddr) -> usize {
    let mut stream = TcpStream::connect(addr).expect("connects");
    let request =
        format!("GET /_mock/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("writes");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("reads");
    assert!(response.starts_with(b"HTTP/1.1 200"));
    response.len()
}

#[divan::bench(sample_count = 200)]
fn start_to_first_answered_request(bencher: divan::Bencher) {
    // The server is dropped outside the timed part.
    bencher.with_inputs(|| ()).bench_local_values(|()| {
        let server = MockServer::start_blocking();
        first_request(server.address());
        server
    });
}

#[divan::bench(sample_count = 200)]
fn start_answer_and_drop(bencher: divan::Bencher) {
    bencher.bench_local(|| {
        let server = MockServer::start_blocking();
        first_request(server.address());
        drop(server);
    });
}

#[divan::bench(sample_count = 200)]
fn start_await_to_first_answered_request(bencher: divan::Bencher) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    bencher.bench_local(|| {
        runtime.block_on(async {
            let server = MockServer::start().await;
            first_request(server.address());
            server
        })
    });
}
