//! The OpenAPI 3.1 description of every endpoint, faked and admin, served at
//! `GET /_mock/openapi.json`. One JSON part per face in `openapi/`, merged once; `servers`
//! names the URL the request reached the server at.

mod namespaced;

pub(super) use namespaced::Served;

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

/// The parts: `base.json` holds the document's frame and the shared schemas, each other part
/// the paths and schemas of one face. A new face adds its part here.
const PARTS: [(&str, &str); 10] = [
    ("base.json", include_str!("openapi/base.json")),
    ("app-events.json", include_str!("openapi/app-events.json")),
    (
        "party-events.json",
        include_str!("openapi/party-events.json"),
    ),
    (
        "generic-events.json",
        include_str!("openapi/generic-events.json"),
    ),
    ("admin.json", include_str!("openapi/admin.json")),
    ("faults.json", include_str!("openapi/faults.json")),
    (
        "subscriptions.json",
        include_str!("openapi/subscriptions.json"),
    ),
    ("push-admin.json", include_str!("openapi/push-admin.json")),
    ("grants.json", include_str!("openapi/grants.json")),
    ("namespaces.json", include_str!("openapi/namespaces.json")),
];

/// The document for a server reached at `base_url` (`http://127.0.0.1:5080`, or `--base-url`).
#[cfg(test)]
fn document(base_url: &str) -> Vec<u8> {
    with_servers(merged().clone(), base_url)
}

/// The document as a namespace serves it ([`namespaced`]): `servers` is `base_url`, which
/// carries a namespace's prefix.
pub(super) fn document_for(base_url: &str, served: &Served) -> Vec<u8> {
    let mut document = merged().clone();
    namespaced::adjust(&mut document, served);
    with_servers(document, base_url)
}

fn merged() -> &'static Value {
    static MERGED: OnceLock<Value> = OnceLock::new();
    MERGED.get_or_init(|| merge_parts().unwrap_or_else(|collision| json!({ "error": collision })))
}

fn with_servers(mut document: Value, base_url: &str) -> Vec<u8> {
    if let Some(object) = document.as_object_mut() {
        object.insert("servers".into(), json!([{ "url": base_url }]));
    }
    serde_json::to_vec_pretty(&document).unwrap_or_default()
}

/// The parts merged: their `paths` and `components` joined key by key. Two parts naming the
/// same path or schema is a mistake in this crate (a unit test checks there is none).
fn merge_parts() -> Result<Value, String> {
    let mut merged = Map::new();
    for (name, text) in PARTS {
        let part: Value = serde_json::from_str(text).map_err(|e| format!("openapi/{name}: {e}"))?;
        let Value::Object(part) = part else {
            return Err(format!("openapi/{name} is not an object"));
        };
        merge_into(&mut merged, part, name, "")?;
    }
    Ok(Value::Object(merged))
}

/// Joins `part` into `into`: objects key by key, anything else must be new.
fn merge_into(
    into: &mut Map<String, Value>,
    part: Map<String, Value>,
    name: &str,
    at: &str,
) -> Result<(), String> {
    for (key, value) in part {
        let here = format!("{at}/{key}");
        match (into.get_mut(&key), value) {
            (None, value) => {
                into.insert(key, value);
            }
            // Sections are joined; a path or a schema is one part's alone.
            (Some(Value::Object(existing)), Value::Object(more))
                if here.matches('/').count() <= 2 =>
            {
                merge_into(existing, more, name, &here)?;
            }
            (Some(_), _) => return Err(format!("openapi/{name} repeats {here}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_merge_without_repeating_a_path_or_a_schema() {
        let merged = merge_parts().unwrap();
        assert_eq!(merged["openapi"], "3.1.0");
        assert!(merged["paths"]["/events/api/v1/app/{org}/{app}"].is_object());
        assert!(merged["paths"]["/_mock/faults/{id}"].is_object());
        assert!(merged["paths"]["/events/api/v1/app/party"]["get"].is_object());
        assert!(merged["paths"]["/events/api/v1/events"]["get"].is_object());
        assert!(merged["paths"]["/events/api/v1/events"]["post"].is_object());
        assert!(merged["paths"]["/_mock/grants"]["post"].is_object());
        assert!(merged["components"]["schemas"]["PublishedCloudEvent"].is_object());
        assert!(merged["components"]["schemas"]["CloudEvent"].is_object());
        assert!(merged["components"]["schemas"]["FaultStatus"].is_object());
        assert!(merged["paths"]["/events/api/v1/subscriptions/{id}"].is_object());
        assert!(merged["components"]["schemas"]["Delivery"].is_object());
    }

    #[test]
    fn a_repeated_schema_is_refused() {
        let mut into = Map::new();
        let part = |text: &str| match serde_json::from_str(text).unwrap() {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        merge_into(
            &mut into,
            part(r#"{"components": {"schemas": {"A": {}}}}"#),
            "a",
            "",
        )
        .unwrap();
        let error = merge_into(
            &mut into,
            part(r#"{"components": {"schemas": {"A": {}}}}"#),
            "b",
            "",
        )
        .unwrap_err();
        assert_eq!(error, "openapi/b repeats /components/schemas/A");
    }

    #[test]
    fn servers_name_the_url_the_server_was_reached_at() {
        let document: Value = serde_json::from_slice(&document("http://127.0.0.1:41234")).unwrap();
        assert_eq!(
            document["servers"],
            json!([{ "url": "http://127.0.0.1:41234" }])
        );
    }
}
