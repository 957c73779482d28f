//! What the builder says about the HTTP face: where it listens and the URL it names itself
//! by, the admin API, the limits Kestrel enforces in production, the namespaces' caps, and how
//! long a shutdown waits.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use super::MockServerBuilder;
use crate::http::MinDataRate;

impl MockServerBuilder {
    /// Base of the `next` link (default: `http://` + the request's `Host`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        let base = url.into().trim_end_matches('/').to_owned();
        // The handshake's `source` is `{ApiEventsEndpoint}subscriptions/{id}`.
        self.settings.push.events_endpoint = format!("{base}/events/api/v1/");
        self.http.base_url = Some(base);
        self
    }

    /// A bearer token `/_mock` requires over HTTP (the handle's own methods need none).
    pub fn admin_token(mut self, secret: impl Into<String>) -> Self {
        self.http.admin_token = Some(secret.into());
        self
    }

    /// Where to listen (the Rust helper always takes `127.0.0.1:0`).
    pub(crate) fn listen(mut self, host: String, port: u16) -> Self {
        self.http.host = host;
        self.http.port = port;
        self
    }

    /// Whether the admin API under `/_mock` is served and the `x-mock-fault` header honoured
    /// (default: yes). `false` behaves like production, as `--no-admin` does; `/_mock/token`
    /// and `/_mock/health` stay, and the handle's own methods work either way.
    pub fn admin_api(mut self, enabled: bool) -> Self {
        self.http.admin = enabled;
        self
    }

    /// The largest request body accepted, in bytes (default 16 MiB); larger ones get a 413.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.http.max_body = bytes;
        self
    }

    /// How many connections the server serves at once (default: as many as the process's
    /// file-descriptor limit allows, less a reserve; never more): to test how a client copes
    /// with a server that is full. Past it, a newcomer is served in the place of the
    /// connection stalled longest on its own client — a request head or body of which
    /// nothing has arrived for a second — which is closed. Without such a connection (every
    /// one idle between requests, or with a request being handled or answered, however
    /// slowly) the newcomer gets a `503` with `Retry-After: 1` as soon as its request has
    /// arrived (or after a second without one) and its connection closes.
    ///
    /// ```
    /// use altinn_events_mock::MockServer;
    /// use std::io::{Read, Write};
    ///
    /// let server = MockServer::builder().max_connections(1).start_blocking();
    /// let mut first = std::net::TcpStream::connect(server.address())?;
    /// first.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")?;
    /// first.read(&mut [0; 512])?; // served, and kept open
    /// let mut second = std::net::TcpStream::connect(server.address())?;
    /// second.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")?;
    /// let mut answer = String::new();
    /// second.read_to_string(&mut answer)?;
    /// assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.http.limits.max_connections = Some(connections);
        self
    }

    /// How long a connection may wait for its next request before the server closes it
    /// (default 130 s, Kestrel's): to test a client's pool against connections closed
    /// under it.
    pub fn keep_alive_timeout(mut self, timeout: Duration) -> Self {
        self.http.limits.keep_alive_timeout = timeout;
        self
    }

    /// How long a request's head may take from its first byte (default 30 s, Kestrel's).
    pub(crate) fn header_timeout(mut self, timeout: Duration) -> Self {
        self.http.limits.header_timeout = timeout;
        self
    }

    /// The slowest a request body may arrive or a response be taken (default: Kestrel's 240
    /// bytes/s after 5 s).
    pub(crate) fn min_data_rate(mut self, rate: MinDataRate) -> Self {
        self.http.limits.min_data_rate = rate;
        self
    }

    /// Where the process counts log lines it dropped, for `/_mock/health`.
    pub(crate) fn dropped_log_lines(mut self, counter: Arc<AtomicU64>) -> Self {
        self.http.dropped_log_lines = counter;
        self
    }

    /// How long [`MockServer::shutdown`](crate::MockServer::shutdown) lets requests in flight
    /// finish before it closes their connections (default 5 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// The most namespaces the server holds at once (default 1 000); past it `POST
    /// /_mock/namespaces` answers 429 and [`start_in`](Self::start_in) fails.
    pub fn max_namespaces(mut self, max: usize) -> Self {
        self.http.namespaces.max = max;
        self
    }

    /// The most events one namespace may hold (default 100 000); a publish past it answers 413.
    /// The default namespace has no cap.
    pub fn namespace_max_events(mut self, max: usize) -> Self {
        self.http.namespaces.max_events = max;
        self
    }

    /// How long a namespace made over HTTP may go without a request before it is removed
    /// (default an hour; zero keeps them until deleted). Namespaces made with
    /// [`start_in`](Self::start_in) live as long as their handle instead.
    pub fn namespace_ttl(mut self, ttl: Duration) -> Self {
        self.http.namespaces.idle_ttl = (!ttl.is_zero()).then_some(ttl);
        self
    }
}
