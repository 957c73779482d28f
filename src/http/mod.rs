//! The thin HTTP shell: routing, the endpoints, the journal, and the accept loop.

mod admin;
mod admin_faults;
mod app_events;
mod body;
mod connection;
mod fault;
mod kestrel;
mod live;
mod problem;
mod publish;
mod response_body;
mod server;
mod trace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::TimeDelta;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request};

use connection::ResetSwitch;
pub use fault::FAULT_HEADER;
pub use live::{LiveFeed, LiveStatus};
pub use problem::{HttpResponse, Problem};
pub use response_body::{BodyAborted, ResponseBody};
pub use server::{GRACE_PERIOD, RunningServer, ServerHandle};
pub use trace::TraceContext;

use crate::auth::Authenticator;
use crate::clock::Clock;
use crate::event::Event;
use crate::faults::{Action, FaultSet, Fired};
use crate::journal::{Journal, RecordedRequest, RouteKind};
use crate::query::decode_path_segment;
use crate::store::{EventStore, PartyIdentifier};
use admin::MockRoute;

/// What every request handler shares.
#[derive(Debug)]
pub struct AppState {
    /// The events.
    pub store: EventStore,
    /// Token checks and minting.
    pub auth: Authenticator,
    /// The server clock.
    pub clock: Clock,
    /// Base of the `next` link; `http://` + `Host` when `None`.
    pub base_url: Option<String>,
    /// Production's visibility lag (spec §4.5).
    pub visibility_lag: TimeDelta,
    /// The address the server listens on, for a `next` link when a request has no `Host`.
    pub local_addr: SocketAddr,
    /// What clients asked.
    pub journal: Journal,
    /// Who may use `/_mock`.
    pub admin: AdminSettings,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// What the server started with, which a reset restores.
    pub startup: StartupData,
    /// The live feed of generated events.
    pub live: LiveFeed,
    /// The live feed's rate at start (`--live`).
    pub live_at_start: Option<crate::units::Rate>,
    /// Fault rules.
    pub faults: FaultSet,
}

/// Access to the admin API under `/_mock` (token and health are always open).
#[derive(Debug, Clone, Default)]
pub struct AdminSettings {
    /// `false` with `--no-admin`.
    pub enabled: bool,
    /// `--admin-token`: the bearer token `/_mock` requires.
    pub token: Option<String>,
}

/// The events and parties a server started with.
#[derive(Debug, Clone, Default)]
pub struct StartupData {
    /// Events, in load order.
    pub events: Vec<Arc<Event>>,
    /// Explicit party register pairs.
    pub parties: Vec<(PartyIdentifier, i32)>,
}

impl AppState {
    /// Back to how the server started: its startup events (renumbered from 1), the live
    /// feed's generator as it was then (a running feed keeps running), an empty journal,
    /// real time, and the startup fault rules with fresh counters.
    pub fn reset(&self) {
        self.store
            .reset_to(&self.startup.events, &self.startup.parties);
        self.live.rewind();
        self.journal.clear();
        self.clock.reset();
        self.faults.reset();
    }
}

/// The routes the server knows.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// `/events/api/v1/app/{org}/{app}`.
    AppEvents { org: String, app: String },
    /// `/events/api/v1/app`.
    Publish,
    /// `/_mock/…`.
    Mock(MockRoute),
    /// Anything else.
    Unknown,
}

impl Route {
    /// Matches `path` as ASP.NET Core routing does: literal segments in any case, route values
    /// decoded, one trailing slash allowed.
    fn of(path: &str) -> Route {
        let trimmed = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
        let literal = |i: usize, expected: &str| {
            segments
                .get(i)
                .is_some_and(|s| s.eq_ignore_ascii_case(expected))
        };
        let under_app =
            literal(0, "events") && literal(1, "api") && literal(2, "v1") && literal(3, "app");
        match segments.as_slice() {
            [_, _, _, _, org, app] if under_app && !org.is_empty() && !app.is_empty() => {
                Route::AppEvents {
                    org: decode_path_segment(org),
                    app: decode_path_segment(app),
                }
            }
            [_, _, _, _] if under_app => Route::Publish,
            ["_mock", name] => MockRoute::named(name).map_or(Route::Unknown, Route::Mock),
            ["_mock", "faults", id] => MockRoute::fault(id).map_or(Route::Unknown, Route::Mock),
            _ => Route::Unknown,
        }
    }

    fn kind(&self) -> RouteKind {
        match self {
            Route::AppEvents { .. } => RouteKind::Query,
            Route::Publish => RouteKind::Publish,
            Route::Mock(MockRoute::Token) => RouteKind::Token,
            Route::Mock(_) => RouteKind::Admin,
            Route::Unknown => RouteKind::Unknown,
        }
    }
}

/// A response, and for a query how many events it holds (for the journal).
type Answer = (HttpResponse, Option<usize>);

/// Handles one request: route, fault, answer, journal, and log one line. `reset` resets the
/// connection the request came on.
pub(crate) async fn handle(
    state: Arc<AppState>,
    reset: &ResetSwitch,
    request: Request<Incoming>,
) -> HttpResponse {
    let started = Instant::now();
    let received_at = state.clock.now();
    let (parts, body) = request.into_parts();
    let trace = TraceContext::from_headers(&parts.headers);
    let route = Route::of(parts.uri.path());
    let kind = route.kind();
    let (answer, fired) = match fault::decide(&state, &route, &parts, received_at) {
        Ok(fired) => {
            let answer =
                answer_with(&state, route, &parts, body, fired.as_ref(), reset, &trace).await;
            (answer, fired)
        }
        Err(problem) => (Err(problem), None),
    };
    let (response, events) = answer.unwrap_or_else(|problem| (problem.into_response(&trace), None));
    let was_reset = fired.as_ref().is_some_and(|f| f.action == Action::Reset);
    // With a reset nothing is answered; the journal says 0.
    let status = if was_reset {
        0
    } else {
        response.status().as_u16()
    };
    if fired.is_some()
        || matches!(
            kind,
            RouteKind::Query | RouteKind::Publish | RouteKind::Unknown
        )
    {
        let fault = fired.map(|fired| fired.record);
        state.journal.record(RecordedRequest {
            received_at,
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            route: kind,
            status,
            events,
            next: response.headers().get("next").cloned(),
            fault,
        });
    }
    tracing::info!(
        method = %parts.method,
        uri = %parts.uri,
        status,
        micros = started.elapsed().as_micros() as u64,
        trace_id = trace.trace_id(),
        "request"
    );
    response
}

/// The answer to a request, as a fired fault rule changes it.
async fn answer_with(
    state: &Arc<AppState>,
    route: Route,
    parts: &Parts,
    body: Incoming,
    fired: Option<&Fired>,
    reset: &ResetSwitch,
    trace: &TraceContext,
) -> Result<Answer, Problem> {
    let Some(fired) = fired else {
        return dispatch(state, route, parts, body, None).await;
    };
    match fired.action {
        // A gateway's answer: the endpoint never sees the request.
        Action::Status(status) => Err(Problem::Injected {
            status: hyper::StatusCode::from_u16(status).map_err(|_| Problem::Unhandled)?,
            retry_after: fired.retry_after,
        }),
        // The connection dies on arrival: nothing is handled.
        Action::Reset => {
            reset.reset();
            Ok((problem::empty(hyper::StatusCode::OK), None))
        }
        // No lock is held while waiting: other requests go on at full speed.
        Action::Delay(delay) => {
            tokio::time::sleep(delay).await;
            dispatch(state, route, parts, body, None).await
        }
        // `FaultSet::decide` has already drawn a range into a `Delay`.
        Action::DelayBetween(..) => dispatch(state, route, parts, body, None).await,
        Action::DropNext | Action::StaleNext(_) | Action::EmptyPage => {
            dispatch(state, route, parts, body, Some(fired.action)).await
        }
        Action::CloseAfterHeaders
        | Action::Truncate(_)
        | Action::Malformed
        | Action::SlowBody(_) => {
            let (response, events) = dispatch(state, route, parts, body, None)
                .await
                .unwrap_or_else(|problem| (problem.into_response(trace), None));
            Ok((fault::shape(response, fired.action), events))
        }
    }
}

async fn dispatch(
    state: &Arc<AppState>,
    route: Route,
    parts: &Parts,
    body: Incoming,
    page_fault: Option<Action>,
) -> Result<Answer, Problem> {
    if let Some(refusal) = kestrel::refusal(parts) {
        return Err(refusal);
    }
    match route {
        Route::AppEvents { org, app } => {
            require(&parts.method, Method::GET)?;
            let (response, events) = app_events::query_app_events(
                state,
                &parts.uri,
                &parts.headers,
                (&org, &app),
                page_fault,
            )?;
            Ok((response, Some(events)))
        }
        Route::Publish => {
            require(&parts.method, Method::POST)?;
            let issuer_app = publish::authorize(state, &parts.headers)?;
            let body = body::read_limited(body, &parts.headers, state.max_body).await?;
            Ok((publish::publish(state, parts, issuer_app, &body)?, None))
        }
        Route::Mock(route) => {
            admin::admit(state, route, parts)?;
            let body = if admin::wants_body(route, &parts.method) {
                body::read_limited(body, &parts.headers, state.max_body).await?
            } else {
                Bytes::new()
            };
            Ok((admin::answer(state, route, parts, &body)?, None))
        }
        Route::Unknown => Err(Problem::NoSuchPath),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_like_aspnet_core() {
        let app_events = |org: &str, app: &str| Route::AppEvents {
            org: org.into(),
            app: app.into(),
        };
        assert_eq!(
            Route::of("/events/api/v1/app/ttd/apps-test"),
            app_events("ttd", "apps-test")
        );
        assert_eq!(
            Route::of("/EVENTS/Api/V1/APP/ttd/apps-test/"),
            app_events("ttd", "apps-test")
        );
        assert_eq!(
            Route::of("/events/api/v1/app/ttd/apps%2Dtest"),
            app_events("ttd", "apps-test")
        );
        assert_eq!(Route::of("/events/api/v1/app/ttd"), Route::Unknown);
        assert_eq!(Route::of("/events/api/v1/app//apps-test"), Route::Unknown);
        assert_eq!(
            Route::of("/events/api/v1/app/ttd/apps-test/x"),
            Route::Unknown
        );
        assert_eq!(
            Route::of("/events/api/v1/app/ttd/apps-test//"),
            Route::Unknown
        );
        assert_eq!(Route::of("/events/api/v1/app"), Route::Publish);
        assert_eq!(Route::of("/Events/api/v1/App/"), Route::Publish);
        assert_eq!(Route::of("/_mock/token"), Route::Mock(MockRoute::Token));
        assert_eq!(
            Route::of("/_mock/openapi.json"),
            Route::Mock(MockRoute::OpenApi)
        );
        assert_eq!(Route::of("/_mock/nothing"), Route::Unknown);
        assert_eq!(Route::of("/"), Route::Unknown);
    }
}
