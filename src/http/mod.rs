//! The thin HTTP shell: routing, the endpoints, and the accept loop.

mod app_events;
mod problem;
mod server;
mod trace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use chrono::TimeDelta;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, StatusCode};

pub use problem::{HttpResponse, Problem};
pub use server::{RunningServer, ServerHandle};
pub use trace::TraceContext;

use crate::auth::{Authenticator, TokenRequest};
use crate::clock::Clock;
use crate::query::decode_path_segment;
use crate::store::EventStore;

/// What every request handler shares.
#[derive(Debug, Clone)]
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
}

/// The routes the server knows.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// `/events/api/v1/app/{org}/{app}`.
    AppEvents { org: String, app: String },
    /// `/_mock/token`.
    MockToken,
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
        match segments.as_slice() {
            [_, _, _, _, org, app]
                if literal(0, "events")
                    && literal(1, "api")
                    && literal(2, "v1")
                    && literal(3, "app")
                    && !org.is_empty()
                    && !app.is_empty() =>
            {
                Route::AppEvents {
                    org: decode_path_segment(org),
                    app: decode_path_segment(app),
                }
            }
            [_, _] if literal(0, "_mock") && literal(1, "token") => Route::MockToken,
            _ => Route::Unknown,
        }
    }
}

/// Handles one request: route, answer, and log one line.
pub(crate) async fn handle(state: Arc<AppState>, request: Request<Incoming>) -> HttpResponse {
    let started = Instant::now();
    let (parts, _body) = request.into_parts();
    let trace = TraceContext::from_headers(&parts.headers);
    let response = dispatch(&state, &parts).unwrap_or_else(|problem| problem.into_response(&trace));
    tracing::info!(
        method = %parts.method,
        uri = %parts.uri,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        trace_id = trace.trace_id(),
        "request"
    );
    response
}

fn dispatch(state: &AppState, parts: &Parts) -> Result<HttpResponse, Problem> {
    match Route::of(parts.uri.path()) {
        Route::AppEvents { org, app } => {
            require_get(&parts.method)?;
            app_events::query_app_events(state, &parts.uri, &parts.headers, &org, &app)
        }
        Route::MockToken => {
            require_get(&parts.method)?;
            mint_token(state, parts.uri.query().unwrap_or_default())
        }
        Route::Unknown => Err(Problem::NoSuchPath),
    }
}

fn require_get(method: &Method) -> Result<(), Problem> {
    if method == Method::GET {
        Ok(())
    } else {
        Err(Problem::MethodNotAllowed { allow: "GET" })
    }
}

/// `GET /_mock/token`: a token this server accepts, as `text/plain`.
fn mint_token(state: &AppState, raw_query: &str) -> Result<HttpResponse, Problem> {
    let request = TokenRequest::from_query(raw_query).map_err(|e| Problem::MockBadRequest(e.0))?;
    let token = state
        .auth
        .mint(&request)
        .map_err(|e| Problem::MockBadRequest(e.0))?;
    Ok(problem::with_body(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        token,
    ))
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
        assert_eq!(Route::of("/_mock/token"), Route::MockToken);
        assert_eq!(Route::of("/"), Route::Unknown);
    }
}
