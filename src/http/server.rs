//! Binding, and the accept loop shared by the binary and the Rust helper.
//!
//! As in mini-redis, one `serve` takes a bound listener and a shutdown future; the binary
//! passes Ctrl-C/SIGTERM, the helper a channel that its handle's drop fires.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::connection::ResettableStream;
use super::eviction::{self, Eviction, Tenants};
use super::limits::ConnectionLimits;
use super::refusal;
use super::request_body::WatchedBody;
use super::watchdog::{Activity, Tracked, Watched};
use super::{App, HttpSettings, Namespaces};
use crate::service::{MockService, Settings, StartError};

/// How long in-flight requests get to finish once shutdown starts, unless
/// `--shutdown-timeout` says otherwise.
pub(crate) const GRACE_PERIOD: Duration = Duration::from_secs(5);

/// A bound listener, not yet accepting.
#[derive(Debug)]
pub(crate) struct Listener {
    listener: TcpListener,
    local_addr: SocketAddr,
    settings: HttpSettings,
}

impl Listener {
    /// Binds `settings.host:settings.port`.
    pub(crate) async fn bind(settings: HttpSettings) -> Result<Listener, StartError> {
        let address = format!("{}:{}", settings.host, settings.port);
        let bind_error = |source| StartError::Bind {
            address: address.clone(),
            source,
        };
        let listener = TcpListener::bind(&address).await.map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        Ok(Listener {
            listener,
            local_addr,
            settings,
        })
    }

    /// The address it accepts on (the real port when bound to port 0).
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The namespaces this listener will serve: the default one is `service`, and new ones
    /// start from `template`. On the server's runtime.
    pub(crate) fn namespaces(
        &self,
        service: Arc<MockService>,
        template: Settings,
    ) -> Arc<Namespaces> {
        Namespaces::start(service, template, self.settings.clone(), self.local_addr)
    }

    /// Serves HTTP/1.1 over `namespaces` until `shutdown` completes with the grace period
    /// in-flight requests get, then closes every connection and every namespace's background
    /// work. Past the connection cap the connection stalled longest on its own client makes
    /// room for the newcomer, and without one the newcomer is refused at once; each
    /// connection is watched for the limits in `settings.limits`.
    pub(crate) async fn serve(
        self,
        namespaces: Arc<Namespaces>,
        shutdown: impl Future<Output = Duration>,
    ) {
        let limits = self.settings.limits;
        let cap = limits.connection_cap();
        let app = Arc::clone(namespaces.root());
        let graceful = GracefulShutdown::new();
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new());
        // The watchdog keeps the header timeout, from a head's first byte as Kestrel counts
        // it; hyper's own would also end idle keep-alive connections after 30 s.
        builder.header_read_timeout(None);
        let slots = Arc::new(Semaphore::new(cap));
        let lingering = Arc::new(Semaphore::new(refusal::LINGERING_REFUSALS));
        let tenants = Tenants::default();
        tokio::pin!(shutdown);
        let grace = loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
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
            let slot = match Arc::clone(&slots).try_acquire_owned() {
                Ok(slot) => Some(slot),
                Err(_) => make_room(&slots, &tenants).await,
            };
            match slot {
                Some(slot) => {
                    let connection = Connection::new(stream, slot);
                    let eviction = tenants.admit(&connection.activity);
                    connection.spawn(&app, &builder, &graceful, limits, eviction);
                }
                None => {
                    tracing::debug!(cap, "connection refused: the cap is reached");
                    refusal::refuse(stream, cap, &lingering);
                }
            }
        };
        drop(self.listener);
        // No background work runs past the server, nor starts again during the grace period.
        namespaces.close();
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::debug!("connections still open after the grace period; closing them");
        }
    }
}

/// A slot for a newcomer at the cap: the one a connection stalled on its client gives up,
/// or `None` when no connection has been stalled for [`eviction::MIN_STALL`].
async fn make_room(slots: &Arc<Semaphore>, tenants: &Tenants) -> Option<OwnedSemaphorePermit> {
    tenants.evict_most_stalled(eviction::MIN_STALL)?;
    let handover = Arc::clone(slots).acquire_owned();
    tokio::time::timeout(eviction::HANDOVER, handover)
        .await
        .ok()?
        .ok()
}

/// An accepted connection holding one of the cap's slots.
struct Connection {
    stream: TcpStream,
    slot: OwnedSemaphorePermit,
    activity: Arc<Activity>,
}

impl Connection {
    fn new(stream: TcpStream, slot: OwnedSemaphorePermit) -> Connection {
        Connection {
            stream,
            slot,
            activity: Activity::new(),
        }
    }

    /// Serves the connection on a task of its own until it ends, the server shuts it down,
    /// its watchdog finds it past one of `limits`, or it is evicted for a newcomer.
    fn spawn(
        self,
        app: &Arc<App>,
        builder: &http1::Builder,
        graceful: &GracefulShutdown,
        limits: ConnectionLimits,
        eviction: Eviction,
    ) {
        let _ = self.stream.set_nodelay(true);
        let activity = self.activity;
        let (stream, reset) = ResettableStream::new(self.stream);
        let stream = Watched::new(stream, Arc::clone(&activity));
        let app = Arc::clone(app);
        let watched = Arc::clone(&activity);
        let service = service_fn(move |request| {
            let app = Arc::clone(&app);
            let reset = Arc::clone(&reset);
            let in_flight = watched.begin();
            let request = request.map(|body| WatchedBody::new(body, Arc::clone(&watched)));
            async move {
                let response = super::handle(app, &reset, request).await;
                Ok::<_, Infallible>(response.map(|body| Tracked::new(body, in_flight)))
            }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        let slot = self.slot;
        tokio::spawn(async move {
            let _slot = slot;
            tokio::select! {
                ended = connection => {
                    if let Err(error) = ended {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                }
                expiry = activity.until_expired(limits) => {
                    tracing::debug!(?expiry, "connection closed past a limit");
                }
                stall = eviction.evicted() => {
                    tracing::debug!(?stall, "connection closed at the cap: stalled on its client");
                }
            }
        });
    }
}
