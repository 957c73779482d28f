//! `/_mock/namespaces`: create, list and remove the isolated fakes of a shared server. Served
//! by the default namespace only: namespaces do not nest.

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderValue, LOCATION};
use hyper::http::request::Parts;
use hyper::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use super::App;
use super::namespaces::{self, Listing, Namespaces, Refusal};
use super::problem::{HttpResponse, Problem, empty, json_response};
use super::router::AdminEndpoint;

/// Answers an admitted request to `/_mock/namespaces` or `/_mock/namespaces/{name}`.
pub(super) async fn answer(
    app: &App,
    endpoint: &AdminEndpoint,
    parts: &Parts,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let registry = match app.namespaces.upgrade() {
        Some(registry) if app.prefix.is_empty() => registry,
        _ => return Err(Problem::NoSuchPath),
    };
    let headers = &parts.headers;
    match (endpoint, &parts.method) {
        (AdminEndpoint::Namespaces, &Method::POST) => create(app, registry, headers, body).await,
        (AdminEndpoint::Namespaces, &Method::GET) => {
            let listed: Vec<Value> = registry
                .list()
                .iter()
                .map(|listing| render(app, headers, listing))
                .collect();
            Ok(json_response(StatusCode::OK, &listed))
        }
        (AdminEndpoint::Namespaces, &Method::DELETE) => {
            registry.remove_all();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (AdminEndpoint::Namespace(name), &Method::GET) => match registry.get(name) {
            Some(listing) => Ok(json_response(
                StatusCode::OK,
                &render(app, headers, &listing),
            )),
            None => Err(not_found(name)),
        },
        (AdminEndpoint::Namespace(name), &Method::DELETE) => match registry.remove(name) {
            true => Ok(empty(StatusCode::NO_CONTENT)),
            false => Err(not_found(name)),
        },
        _ => Err(Problem::MethodNotAllowed {
            allow: endpoint.allowed(),
        }),
    }
}

/// `POST /_mock/namespaces`: 201 with `{"name", "baseUrl"}` and a `Location`. Loading (files
/// of the body, generated events) runs off the async threads, so a big namespace never holds
/// up other requests.
async fn create(
    app: &App,
    registry: Arc<Namespaces>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<HttpResponse, Problem> {
    let max_events = app.settings.namespaces.max_events;
    let (name, settings) = namespaces::read_request(body, registry.template(), max_events)
        .map_err(Problem::MockBadRequest)?;
    let created = tokio::task::spawn_blocking(move || registry.create(name, settings, false))
        .await
        .map_err(|e| Problem::Unhandled(format!("creating the namespace failed: {e}").into()))?;
    let (name, _) = created.map_err(refusal_problem)?;
    let base_url = base_url(app, headers, &name);
    let mut response = json_response(
        StatusCode::CREATED,
        &json!({ "name": name, "baseUrl": base_url }),
    );
    if let Ok(location) = HeaderValue::from_str(&format!("/_mock/namespaces/{name}")) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

fn refusal_problem(refusal: Refusal) -> Problem {
    let detail = refusal.to_string();
    let status = match refusal {
        Refusal::BadName(_) | Refusal::BadSettings(_) => {
            return Problem::MockBadRequest(detail);
        }
        Refusal::Taken(_) => StatusCode::CONFLICT,
        Refusal::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
        Refusal::TooManyEvents { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Refusal::Closed => StatusCode::SERVICE_UNAVAILABLE,
    };
    Problem::MockRefused { status, detail }
}

/// Where namespace `name` is reached by whoever asked.
fn base_url(app: &App, headers: &HeaderMap, name: &str) -> String {
    format!(
        "{}{}",
        app.server_url(headers),
        namespaces::path_prefix(name)
    )
}

fn render(app: &App, headers: &HeaderMap, listing: &Listing) -> Value {
    json!({
        "name": listing.name,
        "baseUrl": base_url(app, headers, &listing.name),
        "events": listing.events,
        "idleSeconds": listing.idle_seconds,
    })
}

fn not_found(name: &str) -> Problem {
    Problem::MockNotFound(format!(
        "there is no namespace {name:?} (GET /_mock/namespaces lists them)"
    ))
}
