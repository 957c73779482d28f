//! `/_mock/subscriptions` and `/_mock/deliveries`: seed, list and clear
//! subscriptions (all consumers), validate one by hand, read the delivery journal (one entry
//! per attempt, newest first, `?state=` to filter: `dead-lettered` is the dead-letter queue),
//! re-queue a dead letter.

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::Value;

use super::App;
use super::problem::{HttpResponse, Problem, empty, json_response, with_body};
use super::router::AdminEndpoint;
use crate::domain::push::subscription::StoredSubscription;
use crate::service::DeliveryState;

const JSON: &str = "application/json; charset=utf-8";

/// Answers an admitted request to one of the push face's admin endpoints.
pub(super) fn answer(
    app: &App,
    endpoint: &AdminEndpoint,
    parts: &Parts,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let service = &app.service;
    match (endpoint, &parts.method) {
        (AdminEndpoint::Subscriptions, &Method::GET) => Ok(with_body(
            StatusCode::OK,
            JSON,
            array(&service.all_subscriptions()),
        )),
        (AdminEndpoint::Subscriptions, &Method::POST) => seed(app, body),
        (AdminEndpoint::Subscriptions, &Method::DELETE) => {
            service.clear_subscriptions();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (AdminEndpoint::ValidateSubscription(id), &Method::POST) => {
            let row = id
                .parse()
                .ok()
                .and_then(|id| service.validate_subscription(id))
                .ok_or_else(|| no_such("subscription", id))?;
            Ok(with_body(StatusCode::OK, JSON, row.to_json()))
        }
        (AdminEndpoint::Deliveries, &Method::GET) => {
            let state = state_filter(parts.uri.query().unwrap_or_default())?;
            Ok(json_response(StatusCode::OK, &service.deliveries(state)))
        }
        (AdminEndpoint::Deliveries, &Method::DELETE) => {
            service.clear_deliveries();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (AdminEndpoint::RetryDelivery(id), &Method::POST) => {
            let queued = id.parse().is_ok_and(|id| service.requeue_delivery(id));
            if !queued {
                return Err(Problem::MockNotFound(format!(
                    "there is no dead-lettered delivery {id} (GET /_mock/deliveries?state=dead-lettered lists them)"
                )));
            }
            Ok(empty(StatusCode::ACCEPTED))
        }
        _ => Err(Problem::MethodNotAllowed {
            allow: endpoint.allowed(),
        }),
    }
}

fn no_such(what: &str, id: &str) -> Problem {
    Problem::MockNotFound(format!("there is no {what} {id}"))
}

/// Subscriptions as production writes each one, in an array.
fn array(rows: &[StoredSubscription]) -> Vec<u8> {
    let mut out = vec![b'['];
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&row.to_json());
    }
    out.push(b']');
    out
}

/// `POST /_mock/subscriptions`: one subscription or an array, each with `consumer` and
/// optionally `validated`; all added or, at the first refusal, none after it.
fn seed(app: &App, body: &Bytes) -> Result<HttpResponse, Problem> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Problem::MockBadRequest(format!("the body is not JSON: {e}")))?;
    let (seeds, single) = match value {
        Value::Array(items) => (items, false),
        other => (vec![other], true),
    };
    let mut created = Vec::with_capacity(seeds.len());
    for (index, seed) in seeds.iter().enumerate() {
        let row = app.service.seed_subscription(seed).map_err(|error| {
            let place = if single {
                String::new()
            } else {
                format!("subscription #{}: ", index + 1)
            };
            Problem::MockBadRequest(format!("{place}{} ({})", error.message, error.status))
        })?;
        created.push(row);
    }
    let body = match (single, created.first()) {
        (true, Some(row)) => row.to_json(),
        _ => array(&created),
    };
    Ok(with_body(StatusCode::CREATED, JSON, body))
}

/// `?state=delivered|retrying|dead-lettered`.
fn state_filter(query: &str) -> Result<Option<DeliveryState>, Problem> {
    let mut state = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key != "state" {
            return Err(Problem::MockBadRequest(format!(
                "unknown parameter {key:?}: expected state"
            )));
        }
        state = Some(DeliveryState::parse(&value).ok_or_else(|| {
            Problem::MockBadRequest(format!(
                "unknown state {value:?}: expected delivered, retrying or dead-lettered"
            ))
        })?);
    }
    Ok(state)
}
