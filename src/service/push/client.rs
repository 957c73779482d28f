//! The webhook client: `POST` one CloudEvent, HTTP/1.1, with production's headers and timeout
//! (spec §8). hyper-util's pooled client over hyper-rustls — the hyper stack the server
//! already runs on, and TLS that trusts the system's roots as production's `HttpClient` does.
//! Redirects are followed as .NET's default handler follows them.
//!
//! At most [`PER_ENDPOINT`] attempts to one endpoint run at once (production runs 20
//! listeners per instance); a slow or dead endpoint holds only its own permits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::push::webhook::{CONTENT_TYPE as JSON_UTF8, traceparent};

/// Concurrent attempts per endpoint (scheme and authority).
pub(super) const PER_ENDPOINT: usize = 20;

/// How much of a receiver's answer is read (production reads it only to log it).
const ANSWER_LIMIT: usize = 64 << 10;

/// What an attempt got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Answer {
    pub(super) status: Option<u16>,
    pub(super) error: Option<String>,
}

/// The request as sent: its headers in order, for the journal.
pub(super) type SentHeaders = Vec<(String, String)>;

/// Sends webhook requests.
pub(super) struct WebhookClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    permits: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl std::fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookClient")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl WebhookClient {
    /// A client giving up on an attempt after `timeout` (production: 45 s).
    pub(super) fn new(timeout: Duration) -> WebhookClient {
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let with_roots = match builder.with_native_roots() {
            Ok(builder) => builder,
            Err(error) => {
                tracing::warn!(%error, "no system root certificates: https webhooks will fail");
                let config = rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
            }
        };
        let connector = with_roots.https_or_http().enable_http1().build();
        WebhookClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
            permits: Mutex::new(HashMap::new()),
        }
    }

    /// A permit to send to `url`'s endpoint; waits while [`PER_ENDPOINT`] attempts run there.
    pub(super) async fn permit(&self, url: &str) -> Option<OwnedSemaphorePermit> {
        let key = url
            .parse::<Uri>()
            .ok()
            .map(|uri| format!("{:?}://{:?}", uri.scheme(), uri.authority()))
            .unwrap_or_default();
        let semaphore = {
            let mut permits = self.permits.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                permits
                    .entry(key)
                    .or_insert_with(|| Arc::new(Semaphore::new(PER_ENDPOINT))),
            )
        };
        semaphore.acquire_owned().await.ok()
    }

    /// The headers an attempt to `url` with `body` carries, in the order they are sent.
    pub(super) fn headers(url: &str, body: &Bytes) -> SentHeaders {
        let host = url
            .parse::<Uri>()
            .ok()
            .and_then(|uri| uri.authority().map(|a| a.as_str().to_owned()))
            .unwrap_or_default();
        vec![
            ("host".into(), host),
            ("content-type".into(), JSON_UTF8.into()),
            ("content-length".into(), body.len().to_string()),
            (
                "traceparent".into(),
                traceparent(rand::random(), rand::random::<u64>().max(1)),
            ),
        ]
    }

    /// POSTs `body` to `url` with `headers`, following redirects as .NET's handler does;
    /// the final answer, or why there is none. The whole exchange is under the timeout.
    pub(super) async fn post(&self, url: &str, headers: &SentHeaders, body: Bytes) -> Answer {
        let failed = |error: String| Answer {
            status: None,
            error: Some(error),
        };
        let uri: Uri = match url.parse() {
            Ok(uri) => uri,
            Err(error) => return failed(format!("endpoint: {error}")),
        };
        match tokio::time::timeout(self.timeout, self.follow(uri, headers, body)).await {
            Ok(Ok(status)) => Answer {
                status: Some(status),
                error: None,
            },
            Ok(Err(error)) => failed(error),
            Err(_) => failed("timeout".into()),
        }
    }

    /// Sends, and follows up to [`MAX_REDIRECTS`] redirects: 301, 302 and 303 turn the POST
    /// into a GET without a body, 307 and 308 repeat it; from `https` to `http` is not
    /// followed, and the redirect itself is the answer.
    async fn follow(
        &self,
        mut uri: Uri,
        headers: &SentHeaders,
        body: Bytes,
    ) -> Result<u16, String> {
        let mut method = Method::POST;
        for _ in 0..=MAX_REDIRECTS {
            let content = if method == Method::POST {
                body.clone()
            } else {
                Bytes::new()
            };
            let request = build_request(&method, &uri, headers, content);
            let response = self.client.request(request).await.map_err(describe)?;
            let status = response.status().as_u16();
            let next = response
                .headers()
                .get(hyper::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|location| resolve(&uri, location));
            // Like `HttpClient`, the answer is read within the timeout; its content is ignored.
            let _ = Limited::new(response.into_body(), ANSWER_LIMIT)
                .collect()
                .await;
            let Some(next) = next.filter(|_| matches!(status, 301 | 302 | 303 | 307 | 308)) else {
                return Ok(status);
            };
            if uri.scheme_str() == Some("https") && next.scheme_str() == Some("http") {
                return Ok(status);
            }
            if matches!(status, 301..=303) {
                method = Method::GET;
            }
            uri = next;
        }
        Err("io: too many redirects".into())
    }
}

/// .NET's `HttpClientHandler.MaxAutomaticRedirections`.
const MAX_REDIRECTS: usize = 50;

fn build_request(
    method: &Method,
    uri: &Uri,
    headers: &SentHeaders,
    body: Bytes,
) -> Request<Full<Bytes>> {
    let has_body = !body.is_empty() || *method == Method::POST;
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri.clone();
    for (name, value) in headers {
        let Ok(value) = HeaderValue::from_str(value) else {
            continue;
        };
        match name.as_str() {
            // The client writes `Host` for the URI it is sending to.
            "host" => None,
            "content-type" | "content-length" if !has_body => None,
            "content-type" => request.headers_mut().insert(CONTENT_TYPE, value),
            "content-length" => request.headers_mut().insert(CONTENT_LENGTH, value),
            _ => match hyper::header::HeaderName::from_bytes(name.as_bytes()) {
                Ok(name) => request.headers_mut().insert(name, value),
                Err(_) => None,
            },
        };
    }
    if let Some(authority) = uri.authority()
        && let Ok(host) = HeaderValue::from_str(authority.as_str())
    {
        request.headers_mut().insert(HOST, host);
    }
    request
}

/// `location` against `base`: absolute as it is, or a path on the same scheme and authority.
fn resolve(base: &Uri, location: &str) -> Option<Uri> {
    if let Ok(uri) = location.parse::<Uri>()
        && uri.scheme().is_some()
    {
        return Some(uri);
    }
    let path = if location.starts_with('/') {
        location.to_owned()
    } else {
        let current = base.path();
        let directory = &current[..current.rfind('/').map_or(0, |i| i + 1)];
        format!("{directory}{location}")
    };
    format!("{}://{}{path}", base.scheme_str()?, base.authority()?)
        .parse()
        .ok()
}

/// `connect: …`, `tls: …` or `io: …`, with the innermost reason.
fn describe(error: hyper_util::client::legacy::Error) -> String {
    let mut innermost: &dyn std::error::Error = &error;
    let mut tls = false;
    while let Some(source) = innermost.source() {
        tls |= source.downcast_ref::<rustls::Error>().is_some();
        innermost = source;
    }
    tls |= innermost
        .to_string()
        .to_ascii_lowercase()
        .contains("certificate");
    let kind = if tls {
        "tls"
    } else if error.is_connect() {
        "connect"
    } else {
        "io"
    };
    format!("{kind}: {innermost}")
}
