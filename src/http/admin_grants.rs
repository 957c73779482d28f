//! `/_mock/grants`: the authorization stand-ins over HTTP — list the grants and the resource
//! access mode, add grants or switch the mode, remove every grant.

use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::App;
use super::problem::{HttpResponse, Problem, empty, json_response};
use super::router::AdminEndpoint;
use crate::domain::auth::{Grant, ResourceAccess};

/// Answers an admitted request to `/_mock/grants`.
pub(super) fn answer(app: &App, method: &Method, body: &Bytes) -> Result<HttpResponse, Problem> {
    match *method {
        Method::GET => Ok(listing(app)),
        Method::POST => change(app, body),
        Method::DELETE => {
            app.service.revoke_grants();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(Problem::MethodNotAllowed {
            allow: AdminEndpoint::Grants.allowed(),
        }),
    }
}

/// `{"resourceAccess": "open", "grants": ["user:1337 read party:50001", …]}`.
fn listing(app: &App) -> HttpResponse {
    let access = app.service.access();
    let grants: Vec<String> = access.grants.iter().map(Grant::to_string).collect();
    json_response(
        StatusCode::OK,
        &json!({ "resourceAccess": access.resources.to_string(), "grants": grants }),
    )
}

/// What `POST /_mock/grants` takes: one grant's spelling, a list of them, or an object that
/// may also switch the resource access mode.
#[derive(Deserialize)]
#[serde(untagged)]
enum Change {
    One(String),
    Many(Vec<String>),
    Object(ChangeObject),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ChangeObject {
    #[serde(default)]
    grants: Vec<String>,
    resource_access: Option<String>,
}

const EXPECTED: &str = "expected a grant like \"user:1337 read party:50001\", a list of them, \
     or {\"grants\": [...], \"resourceAccess\": \"open\" or \"grants\"}";

/// Adds every grant and sets the mode, or changes nothing when one of them is wrong; answers
/// the new listing.
fn change(app: &App, body: &Bytes) -> Result<HttpResponse, Problem> {
    let change: Change = serde_json::from_slice(body)
        .map_err(|e| Problem::MockBadRequest(format!("{EXPECTED}: {e}")))?;
    let (spellings, mode) = match change {
        Change::One(grant) => (vec![grant], None),
        Change::Many(grants) => (grants, None),
        Change::Object(object) => (object.grants, object.resource_access),
    };
    let grants = spellings
        .iter()
        .map(|spelling| spelling.parse::<Grant>())
        .collect::<Result<Vec<Grant>, _>>()
        .map_err(|e| Problem::MockBadRequest(e.to_string()))?;
    let mode = mode
        .map(|text| text.parse::<ResourceAccess>())
        .transpose()
        .map_err(Problem::MockBadRequest)?;
    app.service.grant(grants);
    if let Some(mode) = mode {
        app.service.set_resource_access(mode);
    }
    Ok(listing(app))
}
