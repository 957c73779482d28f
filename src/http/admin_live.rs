//! `/_mock/live`: the live feed's state; start it or change its rate; stop it.

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde::Deserialize;

use super::App;
use super::problem::{HttpResponse, Problem, json_response};
use super::router::AdminEndpoint;
use crate::domain::units::Rate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveChange {
    rate: String,
}

/// Answers an admitted request to `/_mock/live`.
pub(super) fn answer(
    app: &App,
    endpoint: &AdminEndpoint,
    method: &Method,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    match *method {
        Method::GET => {}
        Method::POST => start(app, body)?,
        Method::DELETE => app.service.stop_live(),
        _ => {
            return Err(Problem::MethodNotAllowed {
                allow: endpoint.allowed(),
            });
        }
    }
    Ok(json_response(StatusCode::OK, &app.service.live_status()))
}

/// `{"rate": "10/s"}`: starts the live feed, or changes its rate.
fn start(app: &App, body: &Bytes) -> Result<(), Problem> {
    let change: LiveChange = serde_json::from_slice(body)
        .map_err(|e| Problem::MockBadRequest(format!("expected {{\"rate\": \"10/s\"}}: {e}")))?;
    let rate: Rate = change.rate.parse().map_err(Problem::MockBadRequest)?;
    app.service
        .start_live(rate)
        .map_err(|error| Problem::MockBadRequest(error.to_string()))
}
