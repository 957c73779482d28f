//! `MockServer`: the fake embedded in Rust tests.
//!
//! Each server runs on a thread of its own with its own single-threaded tokio runtime, so the
//! same handle works from `#[tokio::test]` (either flavour), from other runtimes and from plain
//! `#[test]`, and dropping it can never wait on the runtime that dropped it. It binds
//! `127.0.0.1:0`, hands back the handle only once the port accepts, and on drop closes the port
//! for real (no pooling: a new test never gets an old server).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::auth::{AuthMode, TokenError, TokenRequest};
use crate::config::{ServerConfig, StartError};
use crate::event::{AppEventRequest, Event, EventError, PublishRejection};
use crate::http::{AppState, GRACE_PERIOD};
use crate::journal::JournalEntry;
use crate::store::{PartyIdentifier, StoredEvent};

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
    state: Arc<AppState>,
    url: String,
    stop: Option<oneshot::Sender<Duration>>,
    thread: Option<JoinHandle<()>>,
}

/// Configures a [`MockServer`] before it starts.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until started"]
pub struct MockServerBuilder {
    config: ServerConfig,
    events: Vec<Value>,
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

impl MockServerBuilder {
    /// Events to store at start, as CloudEvents JSON (checked at start).
    pub fn events(mut self, events: impl IntoIterator<Item = Value>) -> Self {
        self.events.extend(events);
        self
    }

    /// A fixture file or folder to load at start (see the README's fixture formats).
    pub fn fixture(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.fixtures.push(path.into());
        self
    }

    /// Party register pairs, e.g. `(1337, PartyIdentifier::Person("01038712345".into()))`.
    pub fn parties(mut self, parties: impl IntoIterator<Item = (i32, PartyIdentifier)>) -> Self {
        self.config
            .parties
            .extend(parties.into_iter().map(|(id, who)| (who, id)));
        self
    }

    /// How tokens are checked (default: strict, as production).
    pub fn auth(mut self, mode: AuthMode) -> Self {
        self.config.auth = mode;
        self
    }

    /// A PEM RSA public key whose tokens strict mode also accepts.
    pub fn jwt_public_key(mut self, pem: impl Into<String>) -> Self {
        self.config.jwt_public_key_pems.push(pem.into());
        self
    }

    /// Base of the `next` link (default: `http://` + the request's `Host`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Production's visibility lag (default: none; production: 30 s).
    pub fn visibility_lag(mut self, lag: Duration) -> Self {
        self.config.visibility_lag = lag;
        self
    }

    /// A bearer token `/_mock` requires over HTTP (the handle's own methods need none).
    pub fn admin_token(mut self, secret: impl Into<String>) -> Self {
        self.config.admin_token = Some(secret.into());
        self
    }

    /// How many requests the journal keeps (default 10 000).
    pub fn journal_cap(mut self, cap: usize) -> Self {
        self.config.journal_cap = cap;
        self
    }

    /// Starts the server; panics with the reason if it cannot (a bad fixture, say).
    pub async fn start(self) -> MockServer {
        self.try_start()
            .await
            .unwrap_or_else(|e| panic!("altinn-events-mock did not start: {e}"))
    }

    /// Starts the server, or says why it could not.
    pub async fn try_start(self) -> Result<MockServer, StartError> {
        let (ready, launched) = self.launch()?;
        let state = ready.await.map_err(|_| lost_thread())??;
        Ok(launched.into_server(state))
    }

    /// Starts the server from synchronous code (a plain `#[test]`); panics if it cannot.
    /// Inside an async runtime use [`MockServerBuilder::start`].
    pub fn start_blocking(self) -> MockServer {
        self.try_start_blocking()
            .unwrap_or_else(|e| panic!("altinn-events-mock did not start: {e}"))
    }

    /// [`MockServerBuilder::start_blocking`], or says why it could not start.
    pub fn try_start_blocking(self) -> Result<MockServer, StartError> {
        let (ready, launched) = self.launch()?;
        let state = ready.blocking_recv().map_err(|_| lost_thread())??;
        Ok(launched.into_server(state))
    }

    /// Starts the server's thread; the receiver reports once it accepts, or why it failed.
    fn launch(self) -> Result<(Ready, Launched), StartError> {
        let mut config = self.config;
        for (index, value) in self.events.into_iter().enumerate() {
            let event = Event::from_json(value)
                .map_err(|error| StartError::Config(InvalidEvent { index, error }.to_string()))?;
            config.events.push(event);
        }
        config.host = "127.0.0.1".into();
        config.port = 0;
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<Duration>();
        let thread = std::thread::Builder::new()
            .name("altinn-events-mock".into())
            .spawn(move || run_server(config, ready_tx, stop_rx))
            .map_err(|e| StartError::Config(format!("cannot start the server thread: {e}")))?;
        Ok((
            ready_rx,
            Launched {
                stop: stop_tx,
                thread,
            },
        ))
    }
}

/// Where the server thread reports that it accepts, or why it could not start.
type Ready = oneshot::Receiver<Result<Arc<AppState>, StartError>>;

/// A server thread that has not reported yet.
struct Launched {
    stop: oneshot::Sender<Duration>,
    thread: JoinHandle<()>,
}

impl Launched {
    fn into_server(self, state: Arc<AppState>) -> MockServer {
        MockServer {
            url: format!("http://{}", state.local_addr),
            state,
            stop: Some(self.stop),
            thread: Some(self.thread),
        }
    }
}

fn lost_thread() -> StartError {
    StartError::Config("the server thread ended before it started serving".into())
}

/// The server thread: its own runtime, bind, report, serve until told to stop.
fn run_server(
    config: ServerConfig,
    ready: oneshot::Sender<Result<Arc<AppState>, StartError>>,
    stop: oneshot::Receiver<Duration>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(StartError::Config(format!(
                "cannot start a runtime: {e}"
            ))));
            return;
        }
    };
    runtime.block_on(async move {
        let server = match config.bind().await {
            Ok(server) => server,
            Err(error) => {
                let _ = ready.send(Err(error));
                return;
            }
        };
        if ready.send(Ok(Arc::clone(server.state()))).is_err() {
            return;
        }
        // A dropped handle (or one that panicked) stops the server at once.
        server
            .serve_until(async move { stop.await.unwrap_or(Duration::ZERO) })
            .await;
    });
    // Dropping the runtime cancels every connection task, closing its socket.
    drop(runtime);
}

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
    pub fn events(&self) -> Vec<Arc<StoredEvent>> {
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
        let (done, waited) = oneshot::channel();
        let state = Arc::clone(&self.state);
        // The wait blocks a thread of its own, so no runtime's timer is needed.
        std::thread::spawn(move || {
            let _ = done.send(state.journal.wait_for_queries(count, timeout));
        });
        let arrived = waited.await.unwrap_or(Err(0));
        arrived.map(|_| ()).map_err(|arrived| WaitTimeout {
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
