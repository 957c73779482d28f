//! `MockServer`: the fake embedded in Rust tests.
//!
//! Each server runs on a thread of its own with its own single-threaded tokio runtime, so the
//! same handle works from `#[tokio::test]` (either flavour), from other runtimes and from plain
//! `#[test]`, and dropping it can never wait on the runtime that dropped it. It binds
//! `127.0.0.1:0`, hands back the handle only once the port accepts, and on drop closes the port
//! for real (no pooling: a new test never gets an old server).

mod builder;
mod faults;
mod namespaces;
mod neighbours;
mod push;

pub use builder::MockServerBuilder;
pub(crate) use builder::rule_or_panic;
pub use faults::FaultGuard;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::domain::auth::TokenRequest;
use crate::domain::event::{AppEventRequest, Event, InvalidEvent, PublishRejection};
use crate::domain::store::StoredEvent;
use crate::domain::units::Rate;
use crate::http::Namespaces;
use crate::service::{JournalEntry, LiveError, LiveStatus, MockService, PublishRefused};

/// A running fake on `127.0.0.1` with an empty store (no demo data); stopped when dropped.
///
/// ```
/// use altinn_events_mock::MockServer;
/// use serde_json::json;
///
/// let server = MockServer::start_blocking();
/// server.publish([json!({
///     "specversion": "1.0",
///     "id": "e1",
///     "type": "app.instance.created",
///     "source": "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/0b4b4c4e-aaaa-4bbb-8ccc-000000000001",
///     "subject": "/party/1337",
///     "time": "2024-03-01T12:00:00Z",
/// })])?;
/// assert_eq!(server.events().len(), 1);
/// assert!(server.events_url("ttd", "apps-test").ends_with("/events/api/v1/app/ttd/apps-test"));
/// # Ok::<(), altinn_events_mock::InvalidEvent>(())
/// ```
#[must_use = "the server stops when its handle is dropped"]
pub struct MockServer {
    service: Arc<MockService>,
    /// Every namespace of the server this handle's core lives in.
    namespaces: Arc<Namespaces>,
    /// The namespace this handle owns (removed when it drops); `None` for the server itself.
    namespace: Option<String>,
    url: String,
    address: SocketAddr,
    stop: Option<oneshot::Sender<Duration>>,
    thread: Option<JoinHandle<()>>,
    /// How long [`MockServer::shutdown`] lets requests finish.
    shutdown_timeout: Duration,
}

/// Fewer query requests (or delivery attempts) than awaited arrived before the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeout {
    /// How many were awaited.
    pub expected: u64,
    /// How many had arrived.
    pub arrived: u64,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "waited for {}, only {} arrived before the timeout",
            self.expected, self.arrived
        )
    }
}

impl std::error::Error for WaitTimeout {}

impl MockServer {
    /// A server with an empty store and production's strict auth.
    pub async fn start() -> MockServer {
        MockServer::builder().start().await
    }

    /// [`MockServer::start`] for synchronous tests.
    pub fn start_blocking() -> MockServer {
        MockServer::builder().start_blocking()
    }

    /// Configures a server before starting it.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`: use it where your client expects `https://platform.altinn.no`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on, `127.0.0.1:PORT`, for clients that want a socket.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The query endpoint of app `org`/`app`.
    pub fn events_url(&self, org: &str, app: &str) -> String {
        format!("{}/events/api/v1/app/{org}/{app}", self.url)
    }

    /// A service-owner token for `org`, accepted in every auth mode.
    pub fn token(&self, org: &str) -> String {
        self.mint(&TokenRequest::service_owner(org))
    }

    /// A person token for user `user_id` acting as party `party_id` (no org claim: the app
    /// owners' query answers it with 401; the party's query lets it read its own party).
    pub fn person_token(&self, user_id: u32, party_id: u32) -> String {
        self.mint(&TokenRequest::person(user_id, party_id))
    }

    /// A `PlatformAccessToken` for app `org_app` (`ttd/apps-test`), for publishing over HTTP;
    /// panics if `org_app` is not `ORG/APP`.
    pub fn platform_access_token(&self, org_app: &str) -> String {
        self.mint(&TokenRequest::platform_access(org_app))
    }

    fn mint(&self, request: &TokenRequest) -> String {
        self.service
            .mint(request)
            .unwrap_or_else(|e| panic!("cannot mint that token: {e}"))
    }

    /// Stores `events` now, all or none; returns each one's sequence number (`None` where
    /// the same `id` and `source` was stored before, a no-op as in production).
    ///
    /// # Panics
    ///
    /// In a namespace ([`MockServerBuilder::start_in`]), when the events would pass the
    /// server's [`namespace_max_events`](MockServerBuilder::namespace_max_events).
    pub fn publish(
        &self,
        events: impl IntoIterator<Item = Value>,
    ) -> Result<Vec<Option<u64>>, InvalidEvent> {
        let events = Event::all_from_json(events)?;
        Ok(self
            .service
            .publish(events)
            .unwrap_or_else(|full| panic!("{full}")))
    }

    /// Publishes as an app does with `POST /events/api/v1/app`: the server gives the event a
    /// new id and its clock's time, derives `resource` and `resourceinstance`; returns the id.
    /// Panics as [`publish`](Self::publish) does in a full namespace.
    pub fn publish_app_event(&self, request: AppEventRequest) -> Result<String, PublishRejection> {
        self.service
            .publish_app_event(request)
            .map_err(|refused| match refused {
                PublishRefused::Rule(rejection) => rejection,
                PublishRefused::Full(full) => panic!("{full}"),
            })
    }

    /// Every stored event with its sequence number and registration time.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.service.events()
    }

    /// Removes every event (the party register's explicit entries stay), as
    /// `DELETE /_mock/events` does; the live feed starts afresh.
    pub fn clear_events(&self) {
        self.service.clear_events();
    }

    /// Empties the request journal and restarts its numbering and query count, as
    /// `DELETE /_mock/requests` does.
    pub fn clear_requests(&self) {
        self.service.clear_requests();
    }

    /// Back to how the server started: its startup events, an empty journal, real time, the
    /// startup fault rules, the startup subscriptions and grants, no deliveries.
    pub fn reset(&self) {
        self.service.reset();
    }

    /// The requests clients made (the query and publish endpoints and unknown paths, not
    /// `/_mock`, unless a fault rule fired on them), oldest first; [`JournalEntry::route`]
    /// says which endpoint each reached.
    pub fn received_requests(&self) -> Vec<JournalEntry> {
        self.service.requests()
    }

    /// Waits until `count` requests to the query endpoints (the app owners', the party's and
    /// the generic query) have arrived since the start (or the last reset, or the last
    /// [`clear_requests`](Self::clear_requests)), or fails at
    /// `timeout`. Works under any async runtime.
    pub async fn wait_for_requests(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        self.service
            .wait_for_queries(count, timeout)
            .await
            .map(|_| ())
            .map_err(|arrived| WaitTimeout {
                expected: count,
                arrived,
            })
    }

    /// [`MockServer::wait_for_requests`] for synchronous tests.
    pub fn wait_for_requests_blocking(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        self.service
            .wait_for_queries_blocking(count, timeout)
            .map(|_| ())
            .map_err(|arrived| WaitTimeout {
                expected: count,
                arrived,
            })
    }

    /// Starts the live feed of generated events at `rate`, or changes its rate.
    pub fn start_live(&self, rate: Rate) -> Result<(), LiveError> {
        self.service.start_live(rate)
    }

    /// Stops the live feed; what it appended stays.
    pub fn stop_live(&self) {
        self.service.stop_live();
    }

    /// Whether the live feed runs, its rate, and how many events it appended.
    pub fn live_status(&self) -> LiveStatus {
        self.service.live_status()
    }

    /// Moves the server clock forward by `by` (it keeps running from there), and makes every
    /// webhook attempt that became due, in order, before it returns — except in a
    /// current-thread async runtime (`#[tokio::test]`'s), whose thread may be serving your
    /// receiver: there the attempts run on, and [`deliver_due`](MockServer::deliver_due)
    /// awaits them.
    pub fn advance_clock(&self, by: Duration) {
        let settle = self
            .service
            .advance_clock(TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX));
        self.settle_blocking(settle);
    }

    /// Sets the server clock to `now` (it keeps running from there), making due webhook
    /// attempts as [`advance_clock`](MockServer::advance_clock) does; panics outside years 1
    /// to 9999, which production cannot hold.
    pub fn set_clock(&self, now: DateTime<Utc>) {
        let settle = self
            .service
            .set_clock(now)
            .unwrap_or_else(|error| panic!("cannot set the clock: {error}"));
        self.settle_blocking(settle);
    }

    /// The server clock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.service.now()
    }

    /// Stops the server: in-flight requests may finish (up to 5 s, or
    /// [`MockServerBuilder::shutdown_timeout`]), then the port is closed and the connections
    /// still open are closed. Dropping the handle does the same without waiting for requests.
    pub fn shutdown(mut self) {
        let grace = self.shutdown_timeout;
        self.stop_with(grace);
    }

    fn stop_with(&mut self, grace: Duration) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(grace);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop_with(Duration::ZERO);
        if let Some(name) = self.namespace.take() {
            self.namespaces.release(&name, &self.service);
        }
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}
