//! `MockServer`: the fake embedded in Rust tests.
//!
//! Each server runs on a thread of its own with its own single-threaded tokio runtime, so the
//! same handle works from `#[tokio::test]` (either flavour), from other runtimes and from plain
//! `#[test]`, and dropping it can never wait on the runtime that dropped it. It binds
//! `127.0.0.1:0`, hands back the handle only once the port accepts, and on drop closes the port
//! for real (no pooling: a new test never gets an old server).

mod builder;
mod faults;

pub use builder::MockServerBuilder;
pub use faults::FaultGuard;

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::auth::{TokenError, TokenRequest};
use crate::event::{AppEventRequest, Event, EventError, PublishRejection};
use crate::http::{AppState, GRACE_PERIOD, LiveFeed, LiveStatus};
use crate::journal::JournalEntry;
use crate::store::StoredEvent;
use crate::units::Rate;

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
    pub(crate) state: Arc<AppState>,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) url: String,
    pub(crate) stop: Option<oneshot::Sender<Duration>>,
    pub(crate) thread: Option<JoinHandle<()>>,
}

/// An event handed to the helper that the store refuses: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEvent {
    /// Its position in what was given, from 0.
    pub index: usize,
    /// What is wrong with it.
    pub error: EventError,
}

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "event {}: {}; nothing was stored",
            self.index, self.error
        )
    }
}

impl std::error::Error for InvalidEvent {}

/// Fewer query requests arrived than awaited before the timeout.
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
            "waited for {} query requests, {} arrived",
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

    /// The query endpoint of app `org`/`app`.
    pub fn events_url(&self, org: &str, app: &str) -> String {
        format!("{}/events/api/v1/app/{org}/{app}", self.url)
    }

    /// A service-owner token for `org`, accepted in every auth mode.
    pub fn token(&self, org: &str) -> String {
        self.mint(&TokenRequest::service_owner(org))
    }

    /// A person token (no org claim: the query endpoint answers it with 401).
    pub fn person_token(&self, user_id: u32, party_id: u32) -> String {
        self.mint(&TokenRequest::person(user_id, party_id))
    }

    /// A `PlatformAccessToken` for app `org_app` (`ttd/apps-test`), for publishing over HTTP.
    pub fn platform_access_token(&self, org_app: &str) -> Result<String, TokenError> {
        self.state
            .auth
            .mint(&TokenRequest::platform_access(org_app))
    }

    fn mint(&self, request: &TokenRequest) -> String {
        // These requests are always well-formed; signing with the built-in key cannot fail.
        self.state
            .auth
            .mint(request)
            .unwrap_or_else(|e| panic!("minting failed: {e}"))
    }

    /// Stores `events` now, all or none; returns each one's sequence number (`None` where
    /// the same `id` and `source` was stored before, a no-op as in production).
    pub fn publish(
        &self,
        events: impl IntoIterator<Item = Value>,
    ) -> Result<Vec<Option<u64>>, InvalidEvent> {
        let events = events
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                Event::from_json(value).map_err(|error| InvalidEvent { index, error })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.state.store.append_now(events, &self.state.clock))
    }

    /// Publishes as an app does with `POST /events/api/v1/app`: the server gives the event a
    /// new id and its clock's time, derives `resource` and `resourceinstance`; returns the id.
    pub fn publish_app_event(&self, request: AppEventRequest) -> Result<String, PublishRejection> {
        let id = uuid::Uuid::new_v4().to_string();
        let event = request.into_event(&id, self.state.clock.now())?;
        self.state.store.append_now(vec![event], &self.state.clock);
        Ok(id)
    }

    /// Every stored event with its sequence number and registration time.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.state.store.events()
    }

    /// Back to how the server started: its startup events, an empty journal, real time.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// The requests clients made (the query and publish endpoints and unknown paths, not
    /// `/_mock`), oldest first.
    pub fn received_requests(&self) -> Vec<JournalEntry> {
        self.state.journal.entries()
    }

    /// Waits until `count` requests to the query endpoint have arrived since the start (or the
    /// last reset), or fails at `timeout`. Works under any async runtime.
    pub async fn wait_for_requests(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        let state = Arc::clone(&self.state);
        // The timer runs on the server's own runtime, so the caller's runtime needs none; the
        // task ends with the wait, or is aborted if this future is dropped first.
        let waiting = AbortOnDrop(self.runtime.spawn(async move {
            let journal = &state.journal;
            match tokio::time::timeout(timeout, journal.until_queries(count)).await {
                Ok(()) => Ok(()),
                Err(_) => Err(journal.query_count()),
            }
        }));
        let arrived = waiting
            .await
            .unwrap_or_else(|_| Err(self.state.journal.query_count()));
        arrived.map_err(|arrived| WaitTimeout {
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
        self.state
            .journal
            .wait_for_queries(count, timeout)
            .map(|_| ())
            .map_err(|arrived| WaitTimeout {
                expected: count,
                arrived,
            })
    }

    /// Starts the live feed of generated events at `rate`, or changes its rate.
    pub fn start_live(&self, rate: Rate) -> Result<(), String> {
        LiveFeed::start(&self.state, rate, &self.runtime)
    }

    /// Stops the live feed; what it appended stays.
    pub fn stop_live(&self) {
        self.state.live.stop();
    }

    /// Whether the live feed runs, its rate, and how many events it appended.
    pub fn live_status(&self) -> LiveStatus {
        self.state.live.status()
    }

    /// Moves the server clock forward by `by` (it keeps running from there).
    pub fn advance_clock(&self, by: Duration) {
        self.state
            .clock
            .advance(TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX));
    }

    /// Sets the server clock to `now` (it keeps running from there).
    pub fn set_clock(&self, now: DateTime<Utc>) {
        self.state.clock.set(now);
    }

    /// The server clock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Stops the server: in-flight requests may finish (up to a few seconds), then the port
    /// is closed. Dropping the handle does the same without waiting for requests.
    pub fn shutdown(mut self) {
        self.stop_with(GRACE_PERIOD);
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

/// A task on the server's runtime that is cancelled when the future awaiting it is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> std::future::Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop_with(Duration::ZERO);
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}
