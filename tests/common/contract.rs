//! The published contract, checked against every answer the tests see: the server's own
//! `GET /_mock/openapi.json` says, for a method, a path and a status, what the body and headers
//! are, and [`check`] holds an answer to it. `TestServer::send` calls it, so a test that gets an
//! answer the document does not describe fails, whatever it asserts itself.
//!
//! The document's conventions (base.json says them): a response without `content` has an
//! empty body and no content type, unless it lists `x-content-when-not-empty`; a method the
//! path does not serve is a 405 with an empty body and `Allow`; a path nothing is served at is
//! an empty 404.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use altinn_events_mock::MockServer;
use jsonschema::{Draft, Validator};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

/// The document, fetched once per test binary from a server with the default settings.
static DOCUMENT: OnceCell<Value> = OnceCell::const_new();

/// Compiled schemas by their JSON pointer into the document.
static VALIDATORS: OnceLock<Mutex<HashMap<String, std::sync::Arc<Validator>>>> = OnceLock::new();

/// What a server serves: all of the document, or (with `--no-admin`) all but the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Served {
    Everything,
    WithoutAdmin,
}

/// An answer, as the check reads it.
pub(crate) struct Seen<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) status: u16,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a str,
}

/// The document as a server with the default settings serves it.
pub(crate) async fn document() -> &'static Value {
    DOCUMENT
        .get_or_init(|| async {
            let server = MockServer::start().await;
            let url = format!("{}/_mock/openapi.json", server.url());
            let response = reqwest::get(&url).await.expect("the document is served");
            assert_eq!(response.status(), 200, "GET /_mock/openapi.json");
            response.json().await.expect("the document is JSON")
        })
        .await
}

/// Checks `seen` against the document; the error says what does not hold.
pub(crate) async fn check(served: Served, seen: &Seen<'_>) -> Result<(), String> {
    let document = document().await;
    // A namespace (`/ns/{name}/…`) serves the document under its prefix, without
    // `/_mock/namespaces`: namespaces do not nest.
    let (path, in_namespace) = match namespace_path(seen.path) {
        Some(rest) => (rest, true),
        None => (seen.path, false),
    };
    let Some((template, item)) = path_item(document, path, served, in_namespace) else {
        // A path nothing is served at.
        return expect_empty(seen, 404, "a path the document does not name");
    };
    let method = seen.method.to_ascii_lowercase();
    let Some(operation) = item.get(&method) else {
        expect_empty(seen, 405, "a method the path does not serve")?;
        let allow = allowed(item);
        return match seen.headers.get("allow").and_then(|v| v.to_str().ok()) {
            Some(header) if sorted(header) == sorted(&allow) => Ok(()),
            other => Err(format!("Allow is {other:?}, the document says {allow:?}")),
        };
    };
    let label = format!("{} {template} {}", seen.method, seen.status);
    let responses = &operation["responses"];
    let status = seen.status.to_string();
    let (key, response) = [status.as_str(), &format!("{}XX", &status[..1]), "default"]
        .into_iter()
        .find_map(|key| {
            responses
                .get(key)
                .map(|response| (key.to_owned(), response))
        })
        .ok_or_else(|| format!("{label}: the document lists no such status"))?;
    let pointer = format!(
        "/paths/{}/{method}/responses/{}",
        escape(template),
        escape(&key)
    );
    let (pointer, response) = resolve(document, pointer, response);
    check_headers(document, &pointer, response, seen).map_err(|e| format!("{label}: {e}"))?;
    check_body(document, &pointer, response, seen)
        .map_err(|e| format!("{label}: {e}\n{}", seen.body))
}

/// The path item whose template `path` fills, and the template: literal segments in any case
/// (ASP.NET Core routing), a template segment any non-empty one, one trailing slash allowed.
fn path_item<'d>(
    document: &'d Value,
    path: &str,
    served: Served,
    in_namespace: bool,
) -> Option<(&'d str, &'d Value)> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let open = ["/_mock/token", "/_mock/health"];
    document["paths"]
        .as_object()?
        .iter()
        .filter(|(template, _)| {
            served == Served::Everything
                || !template.starts_with("/_mock/")
                || open.contains(&template.as_str())
        })
        .filter(|(template, _)| !(in_namespace && template.starts_with("/_mock/namespaces")))
        .find(|(template, _)| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(part, segment)| {
                    if part.starts_with('{') {
                        !segment.is_empty()
                    } else {
                        part.eq_ignore_ascii_case(segment)
                    }
                })
        })
        .map(|(template, item)| (template.as_str(), item))
}

/// The path inside a namespace: `/events/…` for `/ns/{name}/events/…` (`/` for `/ns/{name}`).
fn namespace_path(path: &str) -> Option<&str> {
    let prefix = namespace_prefix(path)?;
    let rest = &path[prefix.len()..];
    Some(if rest.is_empty() { "/" } else { rest })
}

/// `/ns/{name}` of a path in a namespace.
fn namespace_prefix(path: &str) -> Option<&str> {
    let after = path.strip_prefix("/ns/")?;
    let name_len = after.find('/').unwrap_or(after.len());
    (name_len > 0).then(|| &path[.."/ns/".len() + name_len])
}

fn allowed(item: &Value) -> String {
    let methods = ["get", "post", "put", "patch", "delete", "head", "options"];
    methods
        .iter()
        .filter(|m| item.get(**m).is_some())
        .map(|m| m.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

fn sorted(list: &str) -> Vec<String> {
    let mut items: Vec<String> = list.split(',').map(|m| m.trim().to_owned()).collect();
    items.sort();
    items
}

fn expect_empty(seen: &Seen<'_>, status: u16, what: &str) -> Result<(), String> {
    if seen.status != status || !seen.body.is_empty() || seen.headers.contains_key("content-type") {
        return Err(format!(
            "{} {} ({what}) answered {} {:?}: the document's convention is an empty {status}",
            seen.method, seen.path, seen.status, seen.body
        ));
    }
    Ok(())
}

/// A response object behind its `$ref`, with the pointer to where it is written.
fn resolve<'d>(document: &'d Value, pointer: String, response: &'d Value) -> (String, &'d Value) {
    match response["$ref"].as_str() {
        Some(target) => {
            let target = target.trim_start_matches('#');
            let resolved = document.pointer(target).expect("a $ref the document holds");
            (target.to_owned(), resolved)
        }
        None => (pointer, response),
    }
}

fn check_headers(
    document: &Value,
    pointer: &str,
    response: &Value,
    seen: &Seen<'_>,
) -> Result<(), String> {
    let Some(headers) = response["headers"].as_object() else {
        return Ok(());
    };
    for (name, header) in headers {
        let Some(value) = seen.headers.get(name.as_str()) else {
            if header["required"] == true {
                return Err(format!("header {name} is missing"));
            }
            continue;
        };
        let text = value
            .to_str()
            .map_err(|_| format!("header {name} is not ASCII"))?;
        // In a namespace a Location (a path from the root) carries its prefix, which the
        // namespace's own document states; this one is the default namespace's.
        let text = match namespace_prefix(seen.path) {
            Some(prefix) if name.eq_ignore_ascii_case("location") => {
                text.strip_prefix(prefix).unwrap_or(text)
            }
            _ => text,
        };
        let schema_pointer = format!("{pointer}/headers/{}/schema", escape(name));
        let schema = document.pointer(&schema_pointer).unwrap_or(&Value::Null);
        // A header is text on the wire; its schema's type says how to read it.
        let instance = match schema["type"].as_str() {
            Some("integer") => text
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("header {name}: {text:?} is not an integer"))?,
            _ => Value::String(text.to_owned()),
        };
        validate(document, &schema_pointer, &instance)
            .map_err(|e| format!("header {name}: {e}"))?;
    }
    Ok(())
}

fn check_body(
    document: &Value,
    pointer: &str,
    response: &Value,
    seen: &Seen<'_>,
) -> Result<(), String> {
    let content_type = seen
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    let (content_key, content) = match (&response["content"], content_type) {
        (Value::Object(content), _) => ("content", content),
        (_, None) if seen.body.is_empty() => return Ok(()),
        (_, _) => match &response["x-content-when-not-empty"] {
            Value::Object(content) => ("x-content-when-not-empty", content),
            _ => {
                return Err(format!(
                    "the document says the body is empty, not {content_type:?}"
                ));
            }
        },
    };
    let content_type = content_type.ok_or("no Content-Type, the document names one")?;
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if !content.contains_key(&media_type) {
        return Err(format!(
            "Content-Type {content_type}, the document names {:?}",
            content.keys().collect::<Vec<_>>()
        ));
    }
    let instance = if media_type == "application/json" || media_type.ends_with("+json") {
        serde_json::from_str(seen.body).map_err(|e| format!("the body is not JSON: {e}"))?
    } else {
        Value::String(seen.body.to_owned())
    };
    let schema_pointer = format!("{pointer}/{content_key}/{}/schema", escape(&media_type));
    validate(document, &schema_pointer, &instance)
}

/// Whether `value` is valid for the schema at `pointer` in the document (`validate`'s message
/// where it is not).
pub(crate) async fn schema_accepts(pointer: &str, value: &Value) -> Result<(), String> {
    validate(document().await, pointer, value)
}

/// The pointer to the schema of the request body of `method template` in `media_type`.
pub(crate) fn request_body(method: &str, template: &str, media_type: &str) -> String {
    format!(
        "/paths/{}/{}/requestBody/content/{}/schema",
        escape(template),
        method.to_ascii_lowercase(),
        escape(media_type)
    )
}

/// The pointer to `method template`'s `x-parameters-schema`.
pub(crate) fn parameters_schema(method: &str, template: &str) -> String {
    format!(
        "/paths/{}/{}/x-parameters-schema",
        escape(template),
        method.to_ascii_lowercase()
    )
}

/// The pointer to the schema of parameter `name` of `method template`, through a `$ref`:
/// the operation's own, or one its path item gives all its operations.
pub(crate) async fn parameter(method: &str, template: &str, name: &str) -> String {
    let document = document().await;
    let item = format!("/paths/{}", escape(template));
    let operation = format!("{item}/{}", method.to_ascii_lowercase());
    for owner in [operation, item] {
        let Some(parameters) = document
            .pointer(&format!("{owner}/parameters"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for (i, parameter) in parameters.iter().enumerate() {
            let (pointer, parameter) =
                resolve(document, format!("{owner}/parameters/{i}"), parameter);
            if parameter["name"] == name {
                return format!("{pointer}/schema");
            }
        }
    }
    panic!("{method} {template} has no parameter {name}")
}

/// Validates `instance` against the schema at `pointer`, compiled once with the whole
/// document as its root, so that the schema's `$ref`s resolve where they point.
fn validate(document: &Value, pointer: &str, instance: &Value) -> Result<(), String> {
    let validator = {
        let cache = VALIDATORS.get_or_init(Default::default);
        let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
        match cache.get(pointer) {
            Some(validator) => validator.clone(),
            None => {
                let mut root = document.clone();
                root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
                root["$ref"] = json!(format!("#{}", fragment(pointer)));
                let validator = jsonschema::options()
                    .with_draft(Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&root)
                    .map_err(|e| format!("the schema at {pointer} does not compile: {e}"))?;
                let validator = std::sync::Arc::new(validator);
                cache.insert(pointer.to_owned(), validator.clone());
                validator
            }
        }
    };
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the body does not match {pointer}: {}",
            errors.join("; ")
        ))
    }
}

/// A JSON pointer as a URI fragment: what a URI does not allow there, percent-encoded.
fn fragment(pointer: &str) -> String {
    pointer
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b'+' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
