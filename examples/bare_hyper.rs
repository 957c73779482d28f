//! The physical limit of this stack on this machine, for `scripts/bench-compare.sh`: a bare
//! hyper 1 server (tokio's multi-threaded runtime with as many workers as altinn-events-mock
//! takes — `ALTINN_EVENTS_MOCK_WORKERS`, or one less than the CPUs — HTTP/1.1, as
//! altinn-events-mock serves)
//! answering every request with the same status, headers and body — bytes fetched from
//! altinn-events-mock for one URL, so that both send exactly the same response.
//!
//! ```text
//! cargo run --release --example bare_hyper -- BODY_FILE [HEADER_LINE…]
//! ```
//!
//! `HEADER_LINE` is `name: value` (`content-type: …`, `next: …`); hyper adds `content-length`
//! and `date` as it does for altinn-events-mock. Listens on 127.0.0.1, port 0, and prints
//! `listening on http://ADDRESS` as altinn-events-mock does.

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The one response every request gets.
struct Canned {
    headers: HeaderMap,
    body: Bytes,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let body_file = args
        .next()
        .ok_or("usage: bare_hyper BODY_FILE [HEADER_LINE…]")?;
    let mut headers = HeaderMap::new();
    for line in args {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("{line:?} is not `name: value`"))?;
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes())?,
            HeaderValue::from_str(value.trim())?,
        );
    }
    let canned = Arc::new(Canned {
        headers,
        body: Bytes::from(std::fs::read(&body_file)?),
    });
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()?
        .block_on(serve(canned))
}

/// The worker threads altinn-events-mock would take on this machine.
fn workers() -> usize {
    std::env::var("ALTINN_EVENTS_MOCK_WORKERS")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(altinn_events_mock::bench_support::default_workers)
}

async fn serve(canned: Arc<Canned>) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let canned = Arc::clone(&canned);
        tokio::spawn(async move {
            let service = service_fn(move |_request| {
                let mut response = Response::new(Full::new(canned.body.clone()));
                *response.headers_mut() = canned.headers.clone();
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
