//! `/_mock/faults`: list, add and remove fault rules over HTTP.

use bytes::Bytes;
use hyper::header::{HeaderValue, LOCATION};
use hyper::{Method, StatusCode};
use serde_json::json;

use super::App;
use super::problem::{HttpResponse, Problem, empty, json_response};
use super::router::AdminEndpoint;
use crate::domain::faults::FaultRule;

/// Answers an admitted request to `/_mock/faults` or `/_mock/faults/{id}`.
pub(super) fn answer(
    app: &App,
    endpoint: &AdminEndpoint,
    method: &Method,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let service = &app.service;
    match (endpoint, method) {
        (AdminEndpoint::Faults, &Method::GET) => {
            Ok(json_response(StatusCode::OK, &service.faults()))
        }
        (AdminEndpoint::Faults, &Method::POST) => add(app, body),
        (AdminEndpoint::Faults, &Method::DELETE) => {
            service.clear_faults();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (AdminEndpoint::Fault(id), &Method::GET) => standing_id(id)
            .and_then(|id| service.fault(id))
            .map(|status| json_response(StatusCode::OK, &status))
            .ok_or_else(|| Problem::NoSuchFault(id.clone())),
        (AdminEndpoint::Fault(id), &Method::DELETE) => {
            match standing_id(id).filter(|id| service.remove_fault(*id)) {
                Some(_) => Ok(empty(StatusCode::NO_CONTENT)),
                None => Err(Problem::NoSuchFault(id.clone())),
            }
        }
        _ => Err(Problem::MethodNotAllowed {
            allow: endpoint.allowed(),
        }),
    }
}

/// The id in `/_mock/faults/{id}`; a text that is not a number names no rule.
fn standing_id(text: &str) -> Option<u64> {
    text.parse().ok()
}

/// `POST /_mock/faults` with one rule, as a JSON object or a JSON string of its spelling:
/// 201 with `{"id", "rule"}` and a `Location`.
fn add(app: &App, body: &Bytes) -> Result<HttpResponse, Problem> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Problem::MockBadRequest(format!(
            "expected one rule like {{\"when\": \"nth:3\", \"what\": \"status:503\"}}: {e}"
        ))
    })?;
    let rule = FaultRule::from_json(&value).map_err(|e| Problem::MockBadRequest(e.to_string()))?;
    let spelling = rule.to_string();
    let id = app
        .service
        .add_fault(rule)
        .map_err(|e| Problem::MockBadRequest(e.to_string()))?
        .id;
    let mut response = json_response(StatusCode::CREATED, &json!({ "id": id, "rule": spelling }));
    if let Ok(location) = HeaderValue::from_str(&format!("{}/_mock/faults/{id}", app.prefix)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}
