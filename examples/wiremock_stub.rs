//! The closest peer, for `scripts/bench-compare.sh`: wiremock-rs serving one URL's bytes as
//! a static stub — the same status, headers and body altinn-events-mock answered for it — as
//! a test author would set it up (defaults, request recording on).
//!
//! ```text
//! cargo run --release --example wiremock_stub -- BODY_FILE [HEADER_LINE…]
//! ```
//!
//! `HEADER_LINE` is `name: value`; a `content-type` line sets the body's type. Listens on
//! 127.0.0.1, port 0, prints `listening on http://ADDRESS` and serves until killed.

use std::io::Write;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let body_file = args
        .next()
        .ok_or("usage: wiremock_stub BODY_FILE [HEADER_LINE…]")?;
    let body = std::fs::read(&body_file)?;
    let mut content_type = String::from("application/octet-stream");
    let mut template = ResponseTemplate::new(200);
    for line in args {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("{line:?} is not `name: value`"))?;
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-type") {
            content_type = value.to_owned();
        } else {
            template = template.insert_header(name, value);
        }
    }
    let template = template.set_body_raw(body, &content_type);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{address}")?;
    stdout.flush()?;
    std::future::pending::<()>().await;
    Ok(())
}
