//! Shared by the integration tests: a real server on 127.0.0.1:0 and a real HTTP client.
#![allow(dead_code)] // each test binary uses its own part of this

pub mod feed;

use std::path::PathBuf;
use std::time::Duration;

use altinn_events_mock::auth::AuthMode;
use altinn_events_mock::{RunningServer, ServerConfig, ServerHandle};
use reqwest::header::HeaderMap;

/// The path of a checked-in fixture, e.g. `fixture("test/rules.json")`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The app whose events `fixtures/test/rules.json` is mostly about.
pub const APPS_TEST: &str = "/events/api/v1/app/ttd/apps-test";

/// A running server and a client for it.
pub struct TestServer {
    pub handle: ServerHandle,
    pub client: reqwest::Client,
}

/// Starts a server on a free port with `fixtures/test/rules.json` and strict auth.
pub async fn start() -> TestServer {
    start_with(ServerConfig {
        fixtures: vec![fixture("test/rules.json")],
        ..ServerConfig::default()
    })
    .await
}

/// Starts a server with `config`.
pub async fn start_with(config: ServerConfig) -> TestServer {
    serve(config.bind().await.expect("server starts"))
}

/// Serves an already bound server (one a test has put events into).
pub fn serve(server: RunningServer) -> TestServer {
    TestServer {
        handle: server.spawn(),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client builds"),
    }
}

/// A server with `rules.json` in the given auth mode.
pub async fn start_with_auth(auth: AuthMode) -> TestServer {
    start_with(ServerConfig {
        fixtures: vec![fixture("test/rules.json")],
        auth,
        ..ServerConfig::default()
    })
    .await
}

/// What a response said, read in full.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The ids of the events in a 200 body, each checked to be a valid CloudEvent by the
    /// CloudEvents Rust SDK.
    pub fn event_ids(&self) -> Vec<String> {
        assert_eq!(self.status, 200, "{}", self.body);
        let events: Vec<cloudevents::Event> = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not CloudEvents ({e}): {}", self.body));
        events
            .iter()
            .map(|e| cloudevents::AttributesReader::id(e).to_owned())
            .collect()
    }

    /// Asserts a 400 ProblemDetails with `detail`, as rules 1–7 give it.
    pub fn assert_bad_request(&self, detail: &str) {
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
pub fn assert_trace_id(value: &serde_json::Value) {
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
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.handle.url(), path_and_query)
    }

    /// A token for `org` from the server's own `/_mock/token`.
    pub async fn token(&self, query: &str) -> String {
        let answer = self
            .send(self.client.get(self.url(&format!("/_mock/token?{query}"))))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// GET `path_and_query` as org `ttd`.
    pub async fn get(&self, path_and_query: &str) -> Answer {
        let token = self.token("org=ttd").await;
        self.get_with(path_and_query, |request| request.bearer_auth(&token))
            .await
    }

    /// GET `path_and_query`, letting `build` add headers.
    pub async fn get_with(
        &self,
        path_and_query: &str,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Answer {
        self.send(build(self.client.get(self.url(path_and_query))))
            .await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request succeeds");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body reads");
        Answer {
            status,
            headers,
            body,
        }
    }
}
