//! A webhook receiver on `127.0.0.1:0`, on a thread and runtime of its own (so a test may
//! block on the mock's clock without starving it): it records every request and answers as
//! told — a status, a hang, a dropped connection, or a slow answer. Plain HTTP, or https
//! behind a certificate of the test's own ([`Receiver::https`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

/// One request as the receiver got it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) path: String,
    /// In the order sent, names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    Status(u16),
    /// Never answers (the sender's timeout ends it).
    Hang,
    /// Closes the connection without an answer.
    Drop,
    /// Answers after a while.
    Slow(Duration, u16),
    /// Answers this redirect status with `Location` set to this path.
    Redirect(u16, &'static str),
}

struct Shared {
    received: Mutex<Vec<Received>>,
    behaviour: Mutex<Behaviour>,
}

/// A running receiver; stopped when dropped.
pub(crate) struct Receiver {
    address: SocketAddr,
    /// `https` (by `localhost`) when it speaks TLS.
    tls: bool,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl Receiver {
    /// A receiver answering 200.
    pub(crate) fn start() -> Receiver {
        Receiver::answering(Behaviour::Status(200))
    }

    pub(crate) fn answering(behaviour: Behaviour) -> Receiver {
        Receiver::serving(behaviour, None)
    }

    /// A receiver answering 200 over TLS with `acceptor`'s certificate; its URL names
    /// `localhost`, as a certificate usually names a host.
    pub(crate) fn https(acceptor: TlsAcceptor) -> Receiver {
        Receiver::serving(Behaviour::Status(200), Some(acceptor))
    }

    fn serving(behaviour: Behaviour, tls: Option<TlsAcceptor>) -> Receiver {
        let https = tls.is_some();
        let shared = Arc::new(Shared {
            received: Mutex::new(Vec::new()),
            behaviour: Mutex::new(behaviour),
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let serving = Arc::clone(&shared);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                ready_tx
                    .send(listener.local_addr().expect("address"))
                    .expect("ready");
                tokio::pin!(stop_rx);
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => return,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let shared = Arc::clone(&serving);
                            let tls = tls.clone();
                            tokio::spawn(async move {
                                match tls {
                                    None => serve(stream, shared).await,
                                    // A client that refuses the certificate ends the handshake.
                                    Some(tls) => if let Ok(stream) = tls.accept(stream).await {
                                        serve(stream, shared).await;
                                    },
                                }
                            });
                        }
                    }
                }
            });
        });
        let address = ready_rx.recv().expect("the receiver starts");
        Receiver {
            address,
            tls: https,
            shared,
            stop: Some(stop_tx),
        }
    }

    /// `http://127.0.0.1:PORT{path}`, or `https://localhost:PORT{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        if self.tls {
            format!("https://localhost:{}{path}", self.address.port())
        } else {
            format!("http://{}{path}", self.address)
        }
    }

    pub(crate) fn answer(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    /// Everything received so far, oldest first.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Requests whose body has `"type":"…"` other than the handshake's.
    pub(crate) fn events(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| !r.body.contains("platform.events.validatesubscription"))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(stream: impl AsyncRead + AsyncWrite + Unpin + Send + 'static, shared: Arc<Shared>) {
    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    shared.received.lock().unwrap().push(Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let behaviour = *shared.behaviour.lock().unwrap();
    if let Behaviour::Redirect(status, location) = behaviour
        && parts.uri.path() != location
    {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = hyper::StatusCode::from_u16(status).expect("a status");
        response
            .headers_mut()
            .insert("location", location.parse().expect("a header value"));
        return Ok(response);
    }
    let status = match behaviour {
        Behaviour::Redirect(..) => 200,
        Behaviour::Status(status) => status,
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            200
        }
        Behaviour::Drop => return Err(std::io::Error::other("dropped on purpose")),
        Behaviour::Slow(delay, status) => {
            tokio::time::sleep(delay).await;
            status
        }
    };
    let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
    *response.status_mut() = hyper::StatusCode::from_u16(status).expect("a status");
    Ok(response)
}
