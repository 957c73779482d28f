//! What production's `[Consumes("application/json")]` lets through.

use hyper::HeaderMap;
use hyper::header::CONTENT_TYPE;

/// No `Content-Type`, or `application/json`, or `application/*+json` (ASP.NET Core's subset
/// test against the action's `[Consumes("application/json")]`).
pub(super) fn content_type_is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return true;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    if text.trim().is_empty() {
        return true;
    }
    let media_type = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media_type.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn json(content_type: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        content_type_is_json(&headers)
    }

    #[test]
    fn json_content_types_pass_the_consumes_filter() {
        assert!(content_type_is_json(&HeaderMap::new()));
        assert!(json("application/json"));
        assert!(json("Application/JSON; charset=utf-8"));
        assert!(json("application/cloudevents+json"));
        assert!(!json("text/plain"));
        assert!(!json("text/json"));
        assert!(!json("application/xml"));
        assert!(!json("*/*"));
        assert!(!json("garbage"));
    }
}
