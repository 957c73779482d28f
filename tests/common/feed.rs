//! A feed of events in a `MockServer`, and a client that reads it as consumers do.

use altinn_events_mock::MockServer;
use serde_json::Value;

/// The org and app every event here belongs to.
pub(crate) const ORG: &str = "ttd";
pub(crate) const APP: &str = "apps-test";

/// Event `i` of the feed: id `ev-{i:03}`, an instance of its own, one minute after the one
/// before.
pub(crate) fn event(i: usize) -> Value {
    super::cloud_event(&format!("ev-{i:03}"))
        .with(
            "source",
            format!(
                "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/0b4b4c4e-aaaa-4bbb-8ccc-{i:012}"
            ),
        )
        .at(&format!("2024-03-01T{:02}:{:02}:00Z", i / 60, i % 60))
        .build()
}

/// The ids of events `range`.
pub(crate) fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("ev-{i:03}")).collect()
}

/// A server holding events 0..count of the feed.
pub(crate) async fn server_with(count: usize) -> MockServer {
    MockServer::builder()
        .events((0..count).map(event))
        .start()
        .await
}

/// A consumer of the feed: a client with the org's token.
pub(crate) struct Consumer {
    pub(crate) client: reqwest::Client,
    pub(crate) token: String,
    pub(crate) base: String,
}

impl Consumer {
    pub(crate) fn new(server: &MockServer) -> Consumer {
        Consumer {
            client: super::client(),
            token: server.token(ORG),
            base: server.events_url(ORG, APP),
        }
    }

    /// The first page's URL.
    pub(crate) fn first_page(&self, size: usize) -> String {
        format!("{}?after=0&size={size}", self.base)
    }

    /// The page after event `after`.
    pub(crate) fn page_after(&self, after: &str, size: usize) -> String {
        format!("{}?after={after}&size={size}", self.base)
    }

    /// A GET with the token, and `x-mock-fault` when given; the raw response, for the faults
    /// that break an answer on purpose (not held to the OpenAPI document).
    pub(crate) async fn get(
        &self,
        url: &str,
        fault: Option<&str>,
    ) -> reqwest::Result<reqwest::Response> {
        let mut request = self.client.get(url).bearer_auth(&self.token);
        if let Some(fault) = fault {
            request = request.header("x-mock-fault", fault);
        }
        request.send().await
    }

    /// A page's event ids and its `next`, failing on anything but a 200 with JSON; the
    /// answer is held to the OpenAPI document (page faults keep its shape).
    pub(crate) async fn page(
        &self,
        url: &str,
        fault: Option<&str>,
    ) -> (Vec<String>, Option<String>) {
        let mut request = self.client.get(url).bearer_auth(&self.token);
        if let Some(fault) = fault {
            request = request.header("x-mock-fault", fault);
        }
        let answer = super::send(request).await;
        assert_eq!(answer.status, 200, "{url}");
        let next = answer.header("next").map(str::to_owned);
        let events: Vec<Value> = serde_json::from_value(answer.json()).expect("JSON");
        let ids = events
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_owned())
            .collect();
        (ids, next)
    }
}
