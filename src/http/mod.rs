//! The HTTP face: hyper requests in, the core's verbs, responses out.
//!
//! Every endpoint is one face function (`app_events`, `party_events`, `generic_events`,
//! `publish`, `generic_publish`, `admin`, `admin_faults`, `admin_live`): it parses the request, calls a verb on the [`MockService`] or a pure domain
//! function, and returns a response or a [`Problem`], which `problem/` turns into bytes in
//! one place. Around them: the router, fault shaping, Kestrel's refusals, the journal and
//! one log line per request (`handle`), and the accept loop (`server.rs`).

mod admin;
mod admin_faults;
mod admin_grants;
mod admin_live;
mod admin_namespaces;
mod admin_paging;
mod admin_push;
mod app_events;
mod body;
mod connection;
mod credentials;
mod eviction;
mod fault_shaping;
mod generic_events;
mod generic_publish;
mod host;
mod kestrel;
mod limits;
mod media_type;
mod namespaces;
mod openapi;
mod page;
mod party_events;
mod problem;
mod publish;
mod refusal;
mod request_body;
mod response_body;
mod router;
mod server;
mod subscriptions;
mod trace;
mod watchdog;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, Request};

use crate::domain::faults::{Effect, Fired, PageFault};
use crate::domain::route::Route;
use crate::service::{MockService, RecordedRequest};
use connection::ResetSwitch;
use limits::ConnectionLimits;
use problem::{HttpResponse, Problem};
use request_body::RequestBody;
use router::Endpoint;
use trace::TraceContext;

pub(crate) use limits::{
    DEFAULT_MIN_DATA_RATE, MinDataRate, default_workers, raise_descriptor_limit,
};
pub(crate) use namespaces::{
    DEFAULT_MAX_NAMESPACES, DEFAULT_NAMESPACE_MAX_EVENTS, NamespaceLimits, Namespaces,
    Refusal as NamespaceRefusal, path_prefix,
};
pub(crate) use server::{GRACE_PERIOD, Listener};

/// How the HTTP face is set up: where it listens, and who may use `/_mock`.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    /// Address to listen on.
    pub(crate) host: String,
    /// Port to listen on; 0 picks a free one.
    pub(crate) port: u16,
    /// Base of the `next` link (no trailing slash); `http://` + `Host` when `None`.
    pub(crate) base_url: Option<String>,
    /// Serve the admin API under `/_mock` (token and health are served either way).
    pub(crate) admin: bool,
    /// A bearer token the admin API requires (not token and health).
    pub(crate) admin_token: Option<String>,
    /// The largest request body accepted, in bytes.
    pub(crate) max_body: usize,
    /// Timeouts, the minimum data rate and the connection cap.
    pub(crate) limits: ConnectionLimits,
    /// Log lines the process dropped because stderr could not take them (the CLI's
    /// logger counts them; `/_mock/health` reports them).
    pub(crate) dropped_log_lines: Arc<AtomicU64>,
    /// The caps on namespaces and their idle TTL.
    pub(crate) namespaces: NamespaceLimits,
}

/// Default `max_body`: 16 MiB.
pub(crate) const DEFAULT_MAX_BODY: usize = 16 << 20;

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            host: "127.0.0.1".into(),
            port: 0,
            base_url: None,
            admin: true,
            admin_token: None,
            max_body: DEFAULT_MAX_BODY,
            limits: ConnectionLimits::default(),
            dropped_log_lines: Arc::default(),
            namespaces: NamespaceLimits::default(),
        }
    }
}

/// What every request handler shares: the core of the namespace the request is for, and the
/// face's own settings.
#[derive(Debug)]
pub(crate) struct App {
    service: Arc<MockService>,
    settings: HttpSettings,
    /// The address the server listens on, for a `next` link when a request has no `Host`.
    local_addr: SocketAddr,
    /// `/ns/{name}` in a namespace; empty in the default one.
    prefix: String,
    /// Every namespace of the server (`/_mock/namespaces` is answered from it).
    namespaces: std::sync::Weak<Namespaces>,
}

impl App {
    /// Where the namespace is reached: `--base-url`, or `http://` + the request's `Host` (the
    /// listening address without one), then the namespace's prefix. The base of `next` links
    /// and of OpenAPI's `servers`.
    fn base_url(&self, headers: &hyper::HeaderMap) -> String {
        let mut url = self.server_url(headers);
        url.push_str(&self.prefix);
        url
    }

    /// Where the server is reached: `--base-url`, or `http://` + the request's `Host`.
    fn server_url(&self, headers: &hyper::HeaderMap) -> String {
        if let Some(base) = &self.settings.base_url {
            return base.clone();
        }
        // Written in place with room for the namespace's prefix: this runs for every page.
        let host = headers
            .get(hyper::header::HOST)
            .and_then(|value| value.to_str().ok());
        let mut url = String::with_capacity(7 + host.map_or(21, str::len) + self.prefix.len());
        url.push_str("http://");
        match host {
            Some(host) => url.push_str(host),
            None => {
                use std::fmt::Write;
                let _ = write!(url, "{}", self.local_addr);
            }
        }
        url
    }
}

/// A response, and for a query how many events it holds (for the journal).
type Answer = (HttpResponse, Option<usize>);

/// The request target as `Uri`'s `Display` writes it: for the usual origin form, the path and
/// query as received, without formatting them piece by piece on every request.
fn target_text(uri: &hyper::Uri) -> std::borrow::Cow<'_, str> {
    match uri.path_and_query() {
        Some(target) if uri.scheme().is_none() && uri.authority().is_none() => {
            target.as_str().into()
        }
        _ => uri.to_string().into(),
    }
}

/// Handles one request: route, fault, answer, journal, and log one line. `reset` resets the
/// connection the request came on.
async fn handle(app: Arc<App>, reset: &ResetSwitch, request: Request<RequestBody>) -> HttpResponse {
    let started = Instant::now();
    let (app, request, sent_uri) = namespaces::resolve(app, request);
    let received_at = app.service.now();
    let (mut parts, body) = request.into_parts();
    // The journal and the log show the URI as sent, a namespace's prefix included.
    let sent_uri = sent_uri.as_ref().unwrap_or(&parts.uri);
    let trace = TraceContext::from_headers(&parts.headers);
    let endpoint = Endpoint::of(parts.uri.path()).for_method(&parts.method);
    let route = endpoint.route();
    let (answer, fired) = match fault_shaping::decide(&app, &endpoint, &parts, received_at) {
        Ok(fired) => {
            let answer =
                answer_with(&app, endpoint, &parts, body, fired.as_ref(), reset, &trace).await;
            (answer, fired)
        }
        Err(problem) => (Err(problem), None),
    };
    let (response, events) = answer.unwrap_or_else(|problem| (problem.into_response(&trace), None));
    let was_reset = fired.as_ref().is_some_and(|f| f.effect == Effect::Reset);
    // With a reset nothing is answered; the journal says 0.
    let status = if was_reset {
        0
    } else {
        response.status().as_u16()
    };
    let journaled = route.serves_pages()
        || matches!(
            route,
            Route::Publish | Route::GenericPublish | Route::Subscriptions | Route::Unknown
        );
    if fired.is_some() || journaled {
        app.service.record(RecordedRequest {
            received_at,
            method: parts.method.clone(),
            uri: sent_uri.clone(),
            // Taken, not copied: the journal copies each value out of the read buffer anyway.
            headers: std::mem::take(&mut parts.headers),
            route,
            status,
            events,
            next: response.headers().get(page::NEXT).cloned(),
            fault: fired.map(|fired| fired.record),
        });
    }
    tracing::info!(
        method = %parts.method,
        uri = %target_text(sent_uri),
        status,
        micros = started.elapsed().as_micros() as u64,
        trace_id = trace.trace_id(),
        "request"
    );
    response
}

/// The answer to a request, as a fired fault rule changes it.
async fn answer_with(
    app: &App,
    endpoint: Endpoint,
    parts: &Parts,
    body: RequestBody,
    fired: Option<&Fired>,
    reset: &ResetSwitch,
    trace: &TraceContext,
) -> Result<Answer, Problem> {
    let Some(fired) = fired else {
        return dispatch(app, endpoint, parts, body, None).await;
    };
    match fired.effect {
        // A gateway's answer: the endpoint never sees the request.
        Effect::Status {
            status,
            retry_after,
        } => Err(Problem::Injected {
            status,
            retry_after,
        }),
        // The connection dies on arrival: nothing is handled.
        Effect::Reset => {
            reset.reset();
            Ok((problem::empty(hyper::StatusCode::OK), None))
        }
        // No lock is held while waiting: other requests go on at full speed.
        Effect::Delay(delay) => {
            tokio::time::sleep(delay).await;
            dispatch(app, endpoint, parts, body, None).await
        }
        Effect::Page(page) => dispatch(app, endpoint, parts, body, Some(page)).await,
        Effect::Shape(shaping) => {
            let (response, events) = dispatch(app, endpoint, parts, body, None)
                .await
                .unwrap_or_else(|problem| (problem.into_response(trace), None));
            Ok((fault_shaping::shape(response, shaping), events))
        }
    }
}

/// Kestrel's refusals, then the endpoint.
async fn dispatch(
    app: &App,
    endpoint: Endpoint,
    parts: &Parts,
    body: RequestBody,
    page_fault: Option<PageFault>,
) -> Result<Answer, Problem> {
    if let Some(refusal) = kestrel::refusal(parts) {
        return Err(refusal);
    }
    match endpoint {
        Endpoint::AppEvents { org, app: name } => {
            require(&parts.method, Method::GET)?;
            let (response, events) = app_events::query(app, parts, (&org, &name), page_fault)?;
            Ok((response, Some(events)))
        }
        Endpoint::Publish => {
            require(&parts.method, Method::POST)?;
            let issuer_app = publish::authorize(app, &parts.headers)?;
            let body = body::read_limited(body, &parts.headers, &app.settings).await?;
            Ok((publish::publish(app, issuer_app, &body)?, None))
        }
        Endpoint::Subscriptions => match parts.method {
            Method::GET => Ok((subscriptions::list(app, &parts.headers)?, None)),
            Method::POST => {
                let subscriber = subscriptions::admit_post(app, &parts.headers)?;
                let body = body::read_limited(body, &parts.headers, &app.settings).await?;
                Ok((subscriptions::create(app, &subscriber, &body)?, None))
            }
            _ => Err(Problem::MethodNotAllowed { allow: "GET, POST" }),
        },
        Endpoint::Subscription(id) => match parts.method {
            Method::GET | Method::DELETE => Ok((subscriptions::item(app, parts, &id)?, None)),
            _ => Err(Problem::MethodNotAllowed {
                allow: "GET, DELETE",
            }),
        },
        Endpoint::PartyEvents => {
            require(&parts.method, Method::GET)?;
            let (response, events) = party_events::query(app, parts, page_fault)?;
            Ok((response, Some(events)))
        }
        Endpoint::GenericEvents => {
            if parts.method != Method::GET {
                return Err(Problem::MethodNotAllowed { allow: "GET, POST" });
            }
            let (response, events) = generic_events::query(app, parts, page_fault)?;
            Ok((response, Some(events)))
        }
        Endpoint::GenericPublish => {
            let caller = generic_publish::authorize(app, &parts.headers)?;
            let body = body::read_limited(body, &parts.headers, &app.settings).await?;
            Ok((generic_publish::publish(app, &caller, &body)?, None))
        }
        Endpoint::Admin(endpoint) => {
            admin::admit(app, &endpoint, parts)?;
            let body = if admin::wants_body(&endpoint, &parts.method) {
                body::read_limited(body, &parts.headers, &app.settings).await?
            } else {
                Bytes::new()
            };
            Ok((admin::answer(app, endpoint, parts, &body).await?, None))
        }
        Endpoint::Unknown => Err(namespaces::no_such_path(app, parts)),
    }
}

fn require(method: &Method, allowed: Method) -> Result<(), Problem> {
    if *method == allowed {
        return Ok(());
    }
    let allow = if allowed == Method::POST {
        "POST"
    } else {
        "GET"
    };
    Err(Problem::MethodNotAllowed { allow })
}
