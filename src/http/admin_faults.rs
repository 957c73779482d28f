//! `/_mock/faults`: list, add and remove fault rules over HTTP.

use bytes::Bytes;
use hyper::header::{HeaderValue, LOCATION};
use hyper::{Method, StatusCode};
use serde_json::json;

use super::AppState;
use super::admin::{MockRoute, json_response};
use super::problem::{HttpResponse, Problem, empty};
use crate::faults::FaultRule;

/// Answers an admitted request to `/_mock/faults` or `/_mock/faults/{id}`.
pub fn answer(
    state: &AppState,
    route: MockRoute,
    method: &Method,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    match (route, method) {
        (MockRoute::Faults, &Method::GET) => {
            Ok(json_response(StatusCode::OK, &state.faults.list()))
        }
        (MockRoute::Faults, &Method::POST) => add(state, body),
        (MockRoute::Faults, &Method::DELETE) => {
            state.faults.clear();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (MockRoute::Fault(id), &Method::GET) => state
            .faults
            .get(id)
            .map(|status| json_response(StatusCode::OK, &status))
            .ok_or(Problem::NoSuchFault(id)),
        (MockRoute::Fault(id), &Method::DELETE) => {
            if state.faults.remove(id) {
                Ok(empty(StatusCode::NO_CONTENT))
            } else {
                Err(Problem::NoSuchFault(id))
            }
        }
        _ => Err(Problem::MethodNotAllowed {
            allow: route.allowed(),
        }),
    }
}

/// `POST /_mock/faults` with one rule, as a JSON object or a JSON string of its spelling:
/// 201 with `{"id", "rule"}` and a `Location`.
fn add(state: &AppState, body: &Bytes) -> Result<HttpResponse, Problem> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Problem::MockBadRequest(format!(
            "expected one rule like {{\"when\": \"nth:3\", \"what\": \"status:503\"}}: {e}"
        ))
    })?;
    let rule = FaultRule::from_json(&value).map_err(|e| Problem::MockBadRequest(e.0))?;
    let spelling = rule.to_string();
    let id = state.faults.add(rule);
    let mut response = json_response(StatusCode::CREATED, &json!({ "id": id, "rule": spelling }));
    if let Ok(location) = HeaderValue::from_str(&format!("/_mock/faults/{id}")) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}
