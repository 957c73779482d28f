//! What the document says differently per server and per namespace: the cap on a namespace's
//! events is a flag, so `POST /_mock/namespaces`'s `generate` states this server's; inside a
//! namespace there is no `/_mock/namespaces` (namespaces do not nest), and a `Location`
//! pattern (a path from the host's root) carries the namespace's prefix.

use serde_json::Value;

/// Who serves the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::http) struct Served {
    /// `/ns/{name}` inside a namespace; empty in the default one.
    pub(in crate::http) prefix: String,
    /// The server's `--namespace-max-events`.
    pub(in crate::http) max_events: usize,
}

/// Where `generate`'s maximum sits in the merged document.
const GENERATE_MAXIMUM: &str = "/paths/~1_mock~1namespaces/post/requestBody/content/application~1json/schema/properties/generate/maximum";

/// `document` as `served` serves it.
pub(super) fn adjust(document: &mut Value, served: &Served) {
    if served.prefix.is_empty() {
        if let Some(maximum) = document.pointer_mut(GENERATE_MAXIMUM) {
            *maximum = Value::from(served.max_events);
        }
        return;
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    paths.retain(|path, _| !path.starts_with("/_mock/namespaces"));
    let prefix = escape_regex(&served.prefix);
    for operation in paths.values_mut().filter_map(Value::as_object_mut) {
        for responses in operation
            .values_mut()
            .filter_map(|o| o.get_mut("responses"))
        {
            for response in responses
                .as_object_mut()
                .into_iter()
                .flat_map(|r| r.values_mut())
            {
                let pattern = response.pointer_mut("/headers/Location/schema/pattern");
                if let Some(Value::String(pattern)) = pattern
                    && let Some(rest) = pattern.strip_prefix("^/")
                {
                    *pattern = format!("^{prefix}/{rest}");
                }
            }
        }
    }
}

/// `text` matched literally by a regular expression (a name's `.` is the only special
/// character a prefix can hold, but escape them all).
fn escape_regex(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(prefix: &str) -> Served {
        Served {
            prefix: prefix.into(),
            max_events: 1234,
        }
    }

    #[test]
    fn the_default_namespace_states_its_cap() {
        let mut document = super::super::merge_parts().unwrap();
        adjust(&mut document, &served(""));
        assert_eq!(document.pointer(GENERATE_MAXIMUM), Some(&Value::from(1234)));
        assert!(document["paths"].get("/_mock/namespaces").is_some());
    }

    #[test]
    fn a_namespace_has_no_namespaces_and_its_locations_carry_its_prefix() {
        let mut document = super::super::merge_parts().unwrap();
        adjust(&mut document, &served("/ns/a.b"));
        assert!(document["paths"].get("/_mock/namespaces").is_none());
        assert!(document["paths"].get("/_mock/namespaces/{name}").is_none());
        let location = "/paths/~1_mock~1faults/post/responses/201/headers/Location/schema/pattern";
        assert_eq!(
            document.pointer(location),
            Some(&Value::from("^/ns/a\\.b/_mock/faults/[1-9][0-9]*$"))
        );
    }
}
