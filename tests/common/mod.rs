//! Shared by the integration tests: servers started the one way every server starts
//! ([`MockServer::builder`]), a real HTTP client whose every answer is checked against the
//! published OpenAPI document ([`contract`]), one CloudEvent builder and one raw-socket helper.
#![allow(dead_code)] // each test binary uses its own part of this

pub(crate) mod binary;
pub(crate) mod contract;
pub(crate) mod feed;
pub(crate) mod push;
pub(crate) mod receiver;
pub(crate) mod sockets;
pub(crate) mod tls;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use altinn_events_mock::{AuthMode, MockServer, MockServerBuilder};
use reqwest::header::HeaderMap;
use serde_json::{Map, Value, json};

/// The path of a checked-in fixture, e.g. `fixture("test/rules.json")`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The app whose events `fixtures/test/rules.json` is mostly about.
pub(crate) const APPS_TEST: &str = "/events/api/v1/app/ttd/apps-test";

/// The source of event `cloud_event` makes by default.
pub(crate) const SOURCE: &str = "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/0b4b4c4e-aaaa-4bbb-8ccc-000000000001";

/// A running server and a client for it.
pub(crate) struct TestServer {
    pub(crate) server: MockServer,
    pub(crate) client: reqwest::Client,
    /// Which part of the OpenAPI document the server serves, for the contract check.
    served: contract::Served,
}

/// A builder with `fixtures/test/rules.json` (strict auth, as production).
pub(crate) fn with_rules() -> MockServerBuilder {
    MockServer::builder().fixture(fixture("test/rules.json"))
}

/// Starts a server on a free port with `fixtures/test/rules.json` and strict auth.
pub(crate) async fn start() -> TestServer {
    start_with(with_rules()).await
}

/// Starts the server `builder` describes.
pub(crate) async fn start_with(builder: MockServerBuilder) -> TestServer {
    TestServer {
        server: builder.start().await,
        client: client(),
        served: contract::Served::Everything,
    }
}

/// Starts the server `builder` describes without the admin API (`--no-admin`): the contract
/// check then knows its `/_mock` paths (but token and health) are not served.
pub(crate) async fn start_without_admin(builder: MockServerBuilder) -> TestServer {
    TestServer {
        server: builder.admin_api(false).start().await,
        client: client(),
        served: contract::Served::WithoutAdmin,
    }
}

/// A server with `rules.json` in the given auth mode.
pub(crate) async fn start_with_auth(auth: AuthMode) -> TestServer {
    start_with(with_rules().auth(auth)).await
}

/// A client that gives up after 30 s, so a hung server fails a test instead of hanging it.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client builds")
}

/// A CloudEvent of app `ttd/apps-test` for party 1337, `app.instance.created` at
/// 2024-03-01T12:00:00Z; change what a test needs with the methods, then `.build()`.
#[derive(Debug, Clone)]
pub(crate) struct CloudEvent(Map<String, Value>);

/// The event with this id, as [`CloudEvent`] describes it.
pub(crate) fn cloud_event(id: &str) -> CloudEvent {
    let Value::Object(map) = json!({
        "specversion": "1.0",
        "id": id,
        "type": "app.instance.created",
        "source": SOURCE,
        "subject": "/party/1337",
        "time": "2024-03-01T12:00:00Z",
    }) else {
        unreachable!("a JSON object")
    };
    CloudEvent(map)
}

/// [`cloud_event`] as an app posts it to `POST /events/api/v1/app`: without the `id` and
/// `time` the server gives it.
pub(crate) fn app_event() -> CloudEvent {
    cloud_event("").without("id").without("time")
}

/// [`cloud_event`] as JSON, unchanged.
pub(crate) fn event(id: &str) -> Value {
    cloud_event(id).build()
}

impl CloudEvent {
    /// For app `org`/`app`: the source's host and path follow.
    pub(crate) fn app(self, org: &str, app: &str) -> CloudEvent {
        let party = self.party_id();
        self.with(
            "source",
            format!(
                "https://{org}.apps.tt02.altinn.no/{org}/{app}/instances/{party}/0b4b4c4e-aaaa-4bbb-8ccc-000000000001"
            ),
        )
    }

    /// Owned by party `party`: subject and source follow.
    pub(crate) fn party(self, party: u32) -> CloudEvent {
        let source = self.0["source"].as_str().unwrap_or(SOURCE).replace(
            &format!("/instances/{}/", self.party_id()),
            &format!("/instances/{party}/"),
        );
        self.with("subject", format!("/party/{party}"))
            .with("source", source)
    }

    /// Of this type.
    pub(crate) fn of_type(self, event_type: &str) -> CloudEvent {
        self.with("type", event_type)
    }

    /// At this time (RFC 3339).
    pub(crate) fn at(self, time: &str) -> CloudEvent {
        self.with("time", time)
    }

    /// With `alternativesubject` `/person/{ssn}`.
    pub(crate) fn person(self, ssn: &str) -> CloudEvent {
        self.with("alternativesubject", format!("/person/{ssn}"))
    }

    /// With attribute `key` set to `value`.
    pub(crate) fn with(mut self, key: &str, value: impl Into<Value>) -> CloudEvent {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    /// Without attribute `key`.
    pub(crate) fn without(mut self, key: &str) -> CloudEvent {
        self.0.remove(key);
        self
    }

    /// The JSON.
    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }

    fn party_id(&self) -> String {
        self.0["subject"]
            .as_str()
            .and_then(|s| s.strip_prefix("/party/"))
            .unwrap_or("1337")
            .to_owned()
    }
}

/// Sends `request` as it is on a fresh connection to `address` and returns every byte that
/// came back before the server closed the connection (give `Connection: close`), or the
/// error that ended the read. Blocking: the server runs on its own thread, so async tests may
/// call it too.
pub(crate) fn raw_exchange(address: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.write_all(request)?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received)?;
    Ok(received)
}

/// `GET path` with `headers` and `Connection: close`, over [`raw_exchange`], as text.
pub(crate) fn raw_get(
    address: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<String> {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    let received = raw_exchange(address, request.as_bytes())?;
    Ok(String::from_utf8_lossy(&received).into_owned())
}

/// What a response said, read in full.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    pub(crate) fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The ids of the events in a 200 body, each checked to be a valid CloudEvent by the
    /// CloudEvents Rust SDK.
    pub(crate) fn event_ids(&self) -> Vec<String> {
        assert_eq!(self.status, 200, "{}", self.body);
        let events: Vec<cloudevents::Event> = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not CloudEvents ({e}): {}", self.body));
        events
            .iter()
            .map(|e| cloudevents::AttributesReader::id(e).to_owned())
            .collect()
    }

    /// Asserts a 400 ProblemDetails with `detail`, as rules 1–7 give it.
    pub(crate) fn assert_bad_request(&self, detail: &str) {
        assert_eq!(self.status, 400, "{}", self.body);
        assert_eq!(self.content_type(), Some("application/json; charset=utf-8"));
        let body = self.json();
        assert_eq!(
            body["type"],
            "https://tools.ietf.org/html/rfc9110#section-15.5.1"
        );
        assert_eq!(body["title"], "Bad Request");
        assert_eq!(body["status"], 400);
        assert_eq!(body["detail"], detail);
        assert_trace_id(&body["traceId"]);
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "no other properties: {}", self.body);
    }
}

/// `00-<32 hex>-<16 hex>-<2 hex>`.
pub(crate) fn assert_trace_id(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("traceId is {value}"));
    let parts: Vec<&str> = text.split('-').collect();
    assert_eq!(parts.len(), 4, "{text}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1].len(), 32, "{text}");
    assert_eq!(parts[2].len(), 16, "{text}");
    assert!(
        text.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()),
        "{text}"
    );
}

impl TestServer {
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.server.url(), path_and_query)
    }

    /// The address the server listens on, for raw sockets.
    pub(crate) fn address(&self) -> SocketAddr {
        self.server.address()
    }

    /// A token from the server's own `/_mock/token?{query}`.
    pub(crate) async fn token(&self, query: &str) -> String {
        let answer = self
            .send(self.client.get(self.url(&format!("/_mock/token?{query}"))))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// GET `path_and_query` as org `ttd`.
    pub(crate) async fn get(&self, path_and_query: &str) -> Answer {
        let token = self.token("org=ttd").await;
        self.get_with(path_and_query, |request| request.bearer_auth(&token))
            .await
    }

    /// GET `path_and_query`, letting `build` add headers.
    pub(crate) async fn get_with(
        &self,
        path_and_query: &str,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Answer {
        self.send(build(self.client.get(self.url(path_and_query))))
            .await
    }

    /// Sends `request` and reads the answer in full, then holds it to the OpenAPI document
    /// ([`send`]).
    pub(crate) async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        send_as(self.served, request).await
    }

    /// Sends `request` and reads the answer, without the contract check: for an answer the
    /// document puts outside itself (Kestrel's refusals) or a fault breaks on purpose
    /// (`malformed`, a `status:2xx` instead of a page).
    pub(crate) async fn send_unchecked(&self, request: reqwest::RequestBuilder) -> Answer {
        exchange(request).await.2
    }
}

/// Sends `request` to a server with the default settings (any [`MockServer`]), reads the
/// answer in full and holds it to the published OpenAPI document: an answer the document does
/// not describe fails the test.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Answer {
    send_as(contract::Served::Everything, request).await
}

/// Sends `request` to any server and reads the answer, without the contract check (for an
/// answer the document puts outside itself).
pub(crate) async fn send_unchecked(request: reqwest::RequestBuilder) -> Answer {
    exchange(request).await.2
}

/// How long [`poll`] waits for a condition before failing the test.
const POLL_BOUND: Duration = Duration::from_secs(20);

/// Waits until `condition` holds, checking every 20 ms; fails the test after 20 s. For work
/// that happens on the server's own time (a webhook attempt, a sweeper), never to decide an
/// outcome by time.
pub(crate) async fn poll(condition: impl Fn() -> bool) {
    poll_async(|| std::future::ready(condition())).await;
}

/// [`poll`] for a condition that needs to await (a request).
pub(crate) async fn poll_async<F: std::future::Future<Output = bool>>(condition: impl Fn() -> F) {
    let deadline = std::time::Instant::now() + POLL_BOUND;
    while !condition().await {
        assert!(
            std::time::Instant::now() < deadline,
            "the condition did not hold within {POLL_BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn send_as(served: contract::Served, request: reqwest::RequestBuilder) -> Answer {
    let (method, path, answer) = exchange(request).await;
    let seen = contract::Seen {
        method: &method,
        path: &path,
        status: answer.status,
        headers: &answer.headers,
        body: &answer.body,
    };
    if let Err(broken) = contract::check(served, &seen).await {
        panic!("the answer breaks the published contract (GET /_mock/openapi.json): {broken}");
    }
    answer
}

async fn exchange(request: reqwest::RequestBuilder) -> (String, String, Answer) {
    let (client, request) = request.build_split();
    let request = request.expect("the request builds");
    let (method, path) = (
        request.method().to_string(),
        request.url().path().to_owned(),
    );
    let response = client.execute(request).await.expect("request succeeds");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("body reads");
    let answer = Answer {
        status,
        headers,
        body,
    };
    (method, path, answer)
}
