//! Configuring a [`MockServer`] and starting its thread.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use super::{InvalidEvent, MockServer};
use crate::auth::AuthMode;
use crate::config::{ServerConfig, StartError};
use crate::event::Event;
use crate::faults::FaultRule;
use crate::generate::GeneratorOptions;
use crate::http::AppState;
use crate::store::PartyIdentifier;
use crate::units::Rate;

/// Configures a [`MockServer`] before it starts.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until started"]
pub struct MockServerBuilder {
    config: ServerConfig,
    events: Vec<Value>,
}

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

    /// A fault rule standing from the start (before any added later), e.g.
    /// `"when=nth:3,what=status:503".parse()?`.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.config.faults.push(rule);
        self
    }

    /// Seed of the fault rules' probabilities and delay ranges, and of the generator
    /// (default 1; [`generate`](Self::generate) sets it too).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.generator.seed = seed;
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

    /// `count` synthetic events from the generator with `seed` (its other options at their
    /// defaults: see [`MockServerBuilder::generator`]), stored after the other events.
    pub fn generate(mut self, count: usize, seed: u64) -> Self {
        self.config.generate = count;
        self.config.generator.seed = seed;
        self
    }

    /// The generator's options, for [`MockServerBuilder::generate`] and the live feed.
    pub fn generator(mut self, options: GeneratorOptions) -> Self {
        self.config.generator = options;
        self
    }

    /// Keeps appending generated events at `rate` (`"10/s".parse()`) while the server runs.
    pub fn live(mut self, rate: Rate) -> Self {
        self.config.live = Some(rate);
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
        let (state, runtime) = ready.await.map_err(|_| lost_thread())??;
        Ok(launched.into_server(state, runtime))
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
        let (state, runtime) = ready.blocking_recv().map_err(|_| lost_thread())??;
        Ok(launched.into_server(state, runtime))
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
type Ready = oneshot::Receiver<Result<(Arc<AppState>, tokio::runtime::Handle), StartError>>;

/// A server thread that has not reported yet.
struct Launched {
    stop: oneshot::Sender<Duration>,
    thread: JoinHandle<()>,
}

impl Launched {
    fn into_server(self, state: Arc<AppState>, runtime: tokio::runtime::Handle) -> MockServer {
        MockServer {
            runtime,
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
    ready: oneshot::Sender<Result<(Arc<AppState>, tokio::runtime::Handle), StartError>>,
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
        let started = (
            Arc::clone(server.state()),
            tokio::runtime::Handle::current(),
        );
        if ready.send(Ok(started)).is_err() {
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
