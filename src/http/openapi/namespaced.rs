//! What the document says differently per server and per namespace: the cap on a namespace's
//! events is a flag, so `POST /_mock/namespaces`'s `generate` states this server's; and inside
//! a namespace there is no `/_mock/namespaces` (namespaces do not nest).

use serde_json::Value;

/// Who serves the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::http) struct Served {
    /// Served inside a namespace (not the default one).
    pub(in crate::http) in_namespace: bool,
    /// The server's `--namespace-max-events`.
    pub(in crate::http) max_events: usize,
}

/// Where `generate`'s maximum sits in the merged document.
const GENERATE_MAXIMUM: &str = "/paths/~1_mock~1namespaces/post/requestBody/content/application~1json/schema/properties/generate/maximum";

/// `document` as `served` serves it.
pub(super) fn adjust(document: &mut Value, served: Served) {
    if served.in_namespace {
        if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
            paths.retain(|path, _| !path.starts_with("/_mock/namespaces"));
        }
    } else if let Some(maximum) = document.pointer_mut(GENERATE_MAXIMUM) {
        *maximum = Value::from(served.max_events);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_namespace_states_its_cap_and_a_namespace_has_no_namespaces() {
        let merged = super::super::merge_parts().unwrap();
        let mut default = merged.clone();
        adjust(
            &mut default,
            Served {
                in_namespace: false,
                max_events: 1234,
            },
        );
        assert_eq!(default.pointer(GENERATE_MAXIMUM), Some(&Value::from(1234)));
        let mut inside = merged;
        adjust(
            &mut inside,
            Served {
                in_namespace: true,
                max_events: 1234,
            },
        );
        assert!(inside["paths"].get("/_mock/namespaces").is_none());
        assert!(inside["paths"].get("/_mock/namespaces/{name}").is_none());
        assert!(inside["paths"].get("/_mock/events").is_some());
    }
}
