//! Starting a configured server: on a thread of its own with its own runtime for
//! [`MockServer`], which hands back the handle once the port accepts, or bound on the caller's
//! runtime for the binary, which serves until a signal.

use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use super::MockServerBuilder;
use crate::domain::auth::AuthMode;
use crate::http::{GRACE_PERIOD, Listener, Namespaces};
use crate::mock_server::MockServer;
use crate::service::{MockService, StartError};

impl MockServerBuilder {
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
