//! The accept loop, shared by the binary and the tests.
//!
//! As in mini-redis, one `serve` function takes a bound listener and a shutdown future; the
//! binary passes Ctrl-C/SIGTERM, tests pass a channel that their handle's drop fires.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::AppState;
use super::connection::ResettableStream;

/// How long in-flight requests get to finish once shutdown starts.
pub const GRACE_PERIOD: Duration = Duration::from_secs(5);

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, then lets in-flight requests
/// finish (up to a grace period) and closes every connection.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) {
    let shutdown = async {
        shutdown.await;
        GRACE_PERIOD
    };
    serve_until(listener, state, shutdown).await;
}

/// [`serve`], where `shutdown` says how long in-flight requests may take to finish.
pub async fn serve_until(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = Duration>,
) {
    if let Some(rate) = state.live_at_start
        && let Err(error) = super::LiveFeed::start(&state, rate, &tokio::runtime::Handle::current())
    {
        tracing::warn!(%error, "the live feed did not start");
    }
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new());
    tokio::pin!(shutdown);
    let grace = loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            grace = &mut shutdown => break grace,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (stream, reset) = ResettableStream::new(stream);
        let state = Arc::clone(&state);
        let service = service_fn(move |request| {
            let state = Arc::clone(&state);
            let reset = Arc::clone(&reset);
            async move { Ok::<_, std::convert::Infallible>(super::handle(state, &reset, request).await) }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    };
    drop(listener);
    // No feed runs past the server, nor starts again during the grace period.
    state.live.close();
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("connections still open after the grace period; closing them");
    }
}

/// A server serving in the background of the current tokio runtime; dropping it stops it.
#[must_use = "dropping the handle stops the server"]
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// A bound listener with its state, ready to serve.
#[derive(Debug)]
pub struct RunningServer {
    pub(crate) listener: TcpListener,
    pub(crate) state: Arc<AppState>,
}

impl RunningServer {
    /// The address the server accepts on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.state.local_addr
    }

    /// The store the server answers from.
    pub fn store(&self) -> &crate::store::EventStore {
        &self.state.store
    }

    /// The server clock.
    pub fn clock(&self) -> &crate::Clock {
        &self.state.clock
    }

    /// How many events the server holds.
    pub fn event_count(&self) -> usize {
        self.state.store.len()
    }

    /// How tokens are checked.
    pub fn auth_mode(&self) -> crate::auth::AuthMode {
        self.state.auth.mode()
    }

    /// The shared state, for the spawn helper.
    pub(crate) fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Serves until `shutdown` completes, with the grace period it gives.
    pub(crate) async fn serve_until(self, shutdown: impl Future<Output = Duration>) {
        serve_until(self.listener, self.state, shutdown).await;
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        serve(self.listener, self.state, shutdown).await;
    }

    /// Serves in the background of the current tokio runtime.
    pub fn spawn(self) -> ServerHandle {
        let (stop, stopped) = oneshot::channel::<()>();
        let local_addr = self.local_addr();
        let task = tokio::spawn(self.serve(async move {
            let _ = stopped.await;
        }));
        ServerHandle {
            local_addr,
            stop: Some(stop),
            task: Some(task),
        }
    }
}

impl ServerHandle {
    /// The address the server accepts on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits until the port is closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
