//! Configuring a server, and starting it: on a thread of its own for [`MockServer`], or on
//! the caller's runtime for the binary. Every server starts here.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use super::MockServer;
use super::neighbours::grant_or_panic;
use crate::domain::auth::{AuthMode, Grant, ResourceAccess};
use crate::domain::event::Event;
use crate::domain::faults::FaultRule;
use crate::domain::generate::GeneratorOptions;
use crate::domain::push::authorize::SubscriptionAuthz;
use crate::domain::push::checks::WebhookHttp;
use crate::domain::push::schedule::RetryPlan;
use crate::domain::store::Party;
use crate::domain::units::Rate;
use crate::http::{GRACE_PERIOD, HttpSettings, Listener, MinDataRate, Namespaces};
use crate::service::{MockService, Settings, StartError, SubscriptionValidation};

/// Configures a server before it starts: its data, how it checks tokens, its fault rules.
///
/// ```
/// use altinn_events_mock::{AuthMode, MockServer, Party};
/// use std::time::Duration;
///
/// let server = MockServer::builder()
///     .demo_data()
///     .parties([Party::person(50001, "01038712345")])
///     .auth(AuthMode::Lenient)
///     .visibility_lag(Duration::from_secs(30))
///     .fault("when=nth:3,what=status:503,route=query")
///     .start_blocking();
/// assert_eq!(server.events().len(), 445);
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until started"]
pub struct MockServerBuilder {
    settings: Settings,
    http: HttpSettings,
    events: Vec<Value>,
    /// How long [`MockServer::shutdown`] lets requests in flight finish.
    shutdown_timeout: Option<Duration>,
}

impl MockServerBuilder {
    /// Events to store at start, as CloudEvents JSON (checked at start).
    pub fn events(mut self, events: impl IntoIterator<Item = Value>) -> Self {
        self.events.extend(events);
        self
    }

    /// A fixture file or folder to load at start (see `docs/fixtures.md` for the formats).
    pub fn fixture(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.fixtures.push(path.into());
        self
    }

    /// The built-in demo data set (445 events for `ttd/apps-test`, `ttd/endring-av-navn-v2`
    /// and `skd/mva-melding`), loaded before any fixture.
    pub fn demo_data(mut self) -> Self {
        self.settings.demo = true;
        self
    }

    /// Party register entries, which turn a query's `unit` and `person` into a party.
    pub fn parties(mut self, parties: impl IntoIterator<Item = Party>) -> Self {
        self.settings.parties.extend(parties);
        self
    }

    /// How tokens are checked (default: strict, as production).
    pub fn auth(mut self, mode: AuthMode) -> Self {
        self.settings.auth = mode;
        self
    }

    /// A PEM RSA public key whose tokens strict mode also accepts.
    pub fn jwt_public_key(mut self, pem: impl Into<String>) -> Self {
        self.settings.jwt_public_keys.push(pem.into());
        self
    }

    /// Base of the `next` link (default: `http://` + the request's `Host`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        let base = url.into().trim_end_matches('/').to_owned();
        // The handshake's `source` is `{ApiEventsEndpoint}subscriptions/{id}`.
        self.settings.push.events_endpoint = format!("{base}/events/api/v1/");
        self.http.base_url = Some(base);
        self
    }

    /// Production's visibility lag (default: none; production: 30 s).
    pub fn visibility_lag(mut self, lag: Duration) -> Self {
        self.settings.visibility_lag = lag;
        self
    }

    /// A fault rule standing from the start (and again after each reset), as a [`FaultRule`]
    /// or its spelling. A spelling that does not parse panics with the reason: this is a
    /// convenience for tests; parse it yourself to handle the error.
    pub fn fault<R>(mut self, rule: R) -> Self
    where
        R: TryInto<FaultRule>,
        R::Error: fmt::Display,
    {
        self.settings.faults.push(rule_or_panic(rule));
        self
    }

    /// A [`Grant`] (or its spelling) standing from the start, and again after each reset: a
    /// permission production's policy engine would give, which the fake cannot know. A
    /// spelling that does not parse panics with the reason.
    ///
    /// ```
    /// use altinn_events_mock::{MockServer, ResourceAccess};
    ///
    /// let server = MockServer::builder()
    ///     .grant("user:1337 read party:50001")
    ///     .grant("org:ttd subscribe urn:altinn:resource:ks-melding")
    ///     .resource_access(ResourceAccess::Grants)
    ///     .start_blocking();
    /// # drop(server);
    /// ```
    pub fn grant<G>(mut self, grant: G) -> Self
    where
        G: TryInto<Grant>,
        G::Error: fmt::Display,
    {
        self.settings.access.grants.push(grant_or_panic(grant));
        self
    }

    /// Whether subscribing to and publishing on resources needs a grant (default: open, as a
    /// fake that cannot know the Resource Registry's policies).
    pub fn resource_access(mut self, mode: ResourceAccess) -> Self {
        self.settings.access.resources = mode;
        self
    }

    /// Seed of the fault rules' probabilities and delay ranges, and of the generator
    /// (default: the generator's seed, 1). Given, it wins over the seed of
    /// [`generate`](Self::generate) and [`generator`](Self::generator), in any order.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = Some(seed);
        self
    }

    /// A bearer token `/_mock` requires over HTTP (the handle's own methods need none).
    pub fn admin_token(mut self, secret: impl Into<String>) -> Self {
        self.http.admin_token = Some(secret.into());
        self
    }

    /// How many requests the journal keeps (default 10 000).
    pub fn journal_cap(mut self, cap: usize) -> Self {
        self.settings.journal_cap = cap;
        self
    }

    /// `count` synthetic events from the generator with `seed` (its other options at their
    /// defaults: see [`MockServerBuilder::generator`]), stored after the other events.
    pub fn generate(mut self, count: usize, seed: u64) -> Self {
        self.settings.generate = count;
        self.settings.generator.seed = seed;
        self
    }

    /// The generator's options, for [`MockServerBuilder::generate`] and the live feed.
    pub fn generator(mut self, options: GeneratorOptions) -> Self {
        self.settings.generator = options;
        self
    }

    /// Keeps appending generated events at `rate` (`"10/s".parse()`) while the server runs.
    pub fn live(mut self, rate: Rate) -> Self {
        self.settings.live = Some(rate);
        self
    }

    /// A subscription standing from the start (and again after each reset), in the form of
    /// [`MockServer::subscribe`]; checked at start.
    pub fn subscription(mut self, subscription: Value) -> Self {
        self.settings.push.subscriptions.push(subscription);
        self
    }

    /// How new subscriptions become valid (default: the webhook handshake, as production).
    pub fn subscription_validation(mut self, mode: SubscriptionValidation) -> Self {
        self.settings.push.validation = mode;
        self
    }

    /// Who may subscribe to what, and receive which events (default: the documented
    /// stand-in rules).
    pub fn subscription_authz(mut self, mode: SubscriptionAuthz) -> Self {
        self.settings.push.authz = mode;
        self
    }

    /// Which plain-`http` webhook endpoints are allowed (default: loopback hosts; production
    /// allows `https` only).
    pub fn webhook_http(mut self, http: WebhookHttp) -> Self {
        self.settings.push.webhook_http = http;
        self
    }

    /// When failed event deliveries are tried again: `production` (12 attempts over ~35 h,
    /// the default), `legacy` (13 attempts), `none`, or delays like `10s,30s,1m`. Panics on
    /// another spelling, as a test convenience.
    pub fn webhook_retries(mut self, schedule: &str) -> Self {
        self.settings.push.event_retries = plan_or_panic(schedule);
        self
    }

    /// When a failed handshake is tried again: `production` (9 attempts over ~8 min, the
    /// default), `legacy`, `none`, or a list of delays. Panics on another spelling.
    pub fn validation_retries(mut self, schedule: &str) -> Self {
        self.settings.push.validation_retries = plan_or_panic(schedule);
        self
    }

    /// How long a webhook attempt may take (default 45 s, as production).
    pub fn webhook_timeout(mut self, timeout: Duration) -> Self {
        self.settings.push.timeout = timeout;
        self
    }

    /// Production's `AppsDomain` setting: a source filter whose host ends with one of these
    /// makes an app subscription (default: every Altinn environment's apps domain).
    pub fn apps_domains<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.settings.push.apps_domains = domains.into_iter().map(Into::into).collect();
        self
    }

    /// The retry schedules, already parsed (the CLI's flags).
    pub(crate) fn retry_plans(mut self, events: RetryPlan, validation: RetryPlan) -> Self {
        self.settings.push.event_retries = events;
        self.settings.push.validation_retries = validation;
        self
    }

    /// Reproduces production's subscription and authorization caches with this lifetime
    /// (production: one hour): new subscriptions may miss events and deleted ones go on
    /// receiving them until an entry expires on the server clock. Off by default.
    pub fn subscription_cache(mut self, lifetime: Duration) -> Self {
        self.settings.push.cache = (!lifetime.is_zero()).then_some(lifetime);
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
    /// file-descriptor limit allows, less a reserve; never more). Past it a client gets a
    /// `503` with `Retry-After: 1` as soon as its request has arrived (or after a second
    /// without one) and the connection closes: to test how a client
    /// copes with a server that is full.
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

    /// How many bytes the journal keeps (default 64 MiB); the oldest entries go first past
    /// it, as past [`journal_cap`](Self::journal_cap).
    pub fn journal_max_bytes(mut self, bytes: usize) -> Self {
        self.settings.journal_max_bytes = bytes;
        self
    }

    /// The longest delay or slow body a fault rule may ask for (default 10 minutes); a rule
    /// past it is refused wherever it comes from.
    pub fn max_fault_duration(mut self, cap: Duration) -> Self {
        self.settings.max_fault_duration = cap;
        self
    }

    /// How long [`MockServer::shutdown`] lets requests in flight finish before it closes
    /// their connections (default 5 s).
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

    /// Starts the server; panics with the reason if it cannot (a bad fixture, say).
    pub async fn start(self) -> MockServer {
        self.try_start()
            .await
            .unwrap_or_else(|e| panic!("altinn-events-mock did not start: {e}"))
    }

    /// Starts the server, or says why it could not.
    pub async fn try_start(self) -> Result<MockServer, StartError> {
        let (ready, launched) = self.launch()?;
        let started = ready.await.map_err(|_| lost_thread())??;
        Ok(launched.into_server(started))
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
        let started = ready.blocking_recv().map_err(|_| lost_thread())??;
        Ok(launched.into_server(started))
    }

    /// What the builder says about a core (data, auth, faults, …), its events read; not its
    /// HTTP side. For a namespace of a running server.
    pub(super) fn core_settings(self) -> Result<Settings, StartError> {
        let mut settings = self.settings;
        settings
            .events
            .extend(Event::all_from_json(self.events).map_err(StartError::Event)?);
        Ok(settings)
    }

    /// Loads and checks everything, then binds: nothing listens unless all of it loaded.
    /// Must run inside a tokio runtime, which the server's background work then uses.
    pub(crate) async fn bind(self) -> Result<Bound, StartError> {
        let http = self.http.clone();
        let settings = self.core_settings()?;
        let template = settings.for_namespace();
        let loaded = settings.load()?;
        let listener = Listener::bind(http).await?;
        let event_count = loaded.event_count();
        let service = loaded.start();
        let namespaces = listener.namespaces(Arc::clone(&service), template);
        Ok(Bound {
            event_count,
            service,
            namespaces,
            listener,
        })
    }

    /// Starts the server's thread; the receiver reports once it accepts, or why it failed.
    fn launch(self) -> Result<(Ready, Launched), StartError> {
        let shutdown_timeout = self.shutdown_timeout.unwrap_or(GRACE_PERIOD);
        let builder = self.listen("127.0.0.1".into(), 0);
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<Duration>();
        let thread = std::thread::Builder::new()
            .name("altinn-events-mock".into())
            .spawn(move || run_server(builder, ready_tx, stop_rx))
            .map_err(StartError::Runtime)?;
        Ok((
            ready_rx,
            Launched {
                stop: stop_tx,
                thread,
                shutdown_timeout,
            },
        ))
    }
}

/// A test convenience: the schedule, or a panic that says why it is not one.
fn plan_or_panic(schedule: &str) -> RetryPlan {
    RetryPlan::parse(schedule).unwrap_or_else(|error| panic!("not a retry schedule: {error}"))
}

/// A test convenience: the rule, or a panic that says why it is not one.
pub(crate) fn rule_or_panic<R>(rule: R) -> FaultRule
where
    R: TryInto<FaultRule>,
    R::Error: fmt::Display,
{
    rule.try_into()
        .unwrap_or_else(|error| panic!("not a fault rule: {error}"))
}

/// A server that is loaded and bound, not yet accepting.
#[derive(Debug)]
pub(crate) struct Bound {
    listener: Listener,
    service: Arc<MockService>,
    namespaces: Arc<Namespaces>,
    event_count: usize,
}

impl Bound {
    /// The address it accepts on.
    pub(crate) fn local_addr(&self) -> std::net::SocketAddr {
        self.listener.local_addr()
    }

    /// How many events it started with.
    pub(crate) fn event_count(&self) -> usize {
        self.event_count
    }

    /// How it checks tokens.
    pub(crate) fn auth_mode(&self) -> AuthMode {
        self.service.auth_mode()
    }

    /// Serves until `shutdown` completes with the grace period in-flight requests get.
    pub(crate) async fn serve(self, shutdown: impl Future<Output = Duration>) {
        self.listener.serve(self.namespaces, shutdown).await;
    }
}

/// What the server thread reports once it accepts.
struct Started {
    service: Arc<MockService>,
    namespaces: Arc<Namespaces>,
    address: std::net::SocketAddr,
}

/// Where the server thread reports that it accepts, or why it could not start.
type Ready = oneshot::Receiver<Result<Started, StartError>>;

/// A server thread that has not reported yet.
struct Launched {
    stop: oneshot::Sender<Duration>,
    thread: JoinHandle<()>,
    shutdown_timeout: Duration,
}

impl Launched {
    fn into_server(self, started: Started) -> MockServer {
        MockServer {
            url: format!("http://{}", started.address),
            address: started.address,
            service: started.service,
            namespaces: started.namespaces,
            namespace: None,
            stop: Some(self.stop),
            thread: Some(self.thread),
            shutdown_timeout: self.shutdown_timeout,
        }
    }
}

fn lost_thread() -> StartError {
    StartError::Runtime(std::io::Error::other(
        "the server thread ended before it started serving",
    ))
}

/// The server thread: its own runtime, load and bind, report, serve until told to stop.
fn run_server(
    builder: MockServerBuilder,
    ready: oneshot::Sender<Result<Started, StartError>>,
    stop: oneshot::Receiver<Duration>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = ready.send(Err(StartError::Runtime(error)));
            return;
        }
    };
    runtime.block_on(async move {
        let bound = match builder.bind().await {
            Ok(bound) => bound,
            Err(error) => {
                let _ = ready.send(Err(error));
                return;
            }
        };
        let started = Started {
            service: Arc::clone(&bound.service),
            namespaces: Arc::clone(&bound.namespaces),
            address: bound.local_addr(),
        };
        if ready.send(Ok(started)).is_err() {
            return;
        }
        // A dropped handle (or one that panicked) stops the server at once.
        bound
            .serve(async move { stop.await.unwrap_or(Duration::ZERO) })
            .await;
    });
    // Dropping the runtime cancels every connection task, closing its socket.
    drop(runtime);
}
