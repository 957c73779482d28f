//! What Kestrel, production's web server, refuses before any application code runs.
//!
//! Its defaults: a request line of at most 8 KiB (else 414), request headers of at most
//! 32 KiB in all (else 431), header values that are valid UTF-8 and one `Host` that is a
//! valid authority (else 400). Each answer has an empty body.

use hyper::http::request::Parts;

use super::problem::Problem;

/// Kestrel's `MaxRequestLineSize`.
const MAX_REQUEST_LINE: usize = 8 * 1024;
/// Kestrel's `MaxRequestHeadersTotalSize`.
const MAX_HEADERS_TOTAL: usize = 32 * 1024;

/// The answer Kestrel would give this request instead of passing it on, if any.
pub(super) fn refusal(parts: &Parts) -> Option<Problem> {
    let target = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path().len(), |pq| pq.as_str().len());
    // METHOD SP target SP HTTP/1.1 CRLF
    let request_line = parts.method.as_str().len() + 1 + target + 1 + "HTTP/1.1".len() + 2;
    if request_line > MAX_REQUEST_LINE {
        return Some(Problem::RequestLineTooLong);
    }
    // One pass: each header counts its name, ": ", its value and CRLF; and whether a value
    // is no UTF-8 (ASCII first: checked a word at a time, and nearly every value is).
    let mut headers = 0;
    let mut not_utf8 = false;
    for (name, value) in &parts.headers {
        headers += name.as_str().len() + 2 + value.len() + 2;
        let bytes = value.as_bytes();
        not_utf8 |= !bytes.is_ascii() && std::str::from_utf8(bytes).is_err();
    }
    if headers > MAX_HEADERS_TOTAL {
        return Some(Problem::HeadersTooLarge);
    }
    if not_utf8 {
        return Some(Problem::MalformedRequest);
    }
    if !super::host::is_acceptable(parts) {
        return Some(Problem::MalformedRequest);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Request;
    use hyper::header::HeaderValue;

    fn parts(uri: &str, header: Option<HeaderValue>) -> Parts {
        let mut request = Request::get(uri).header("host", "x").body(()).unwrap();
        if let Some(value) = header {
            request.headers_mut().insert("person", value);
        }
        request.into_parts().0
    }

    #[test]
    fn passes_ordinary_requests() {
        assert_eq!(
            refusal(&parts("/events/api/v1/app/ttd/a?after=x", None)),
            None
        );
        assert_eq!(
            refusal(&parts("/", Some(HeaderValue::from_static("01038712345")))),
            None
        );
    }

    #[test]
    fn refuses_long_request_lines_large_headers_and_invalid_utf8() {
        let long = format!("/x?{}", "a".repeat(8 * 1024));
        assert_eq!(
            refusal(&parts(&long, None)),
            Some(Problem::RequestLineTooLong)
        );
        let big = HeaderValue::from_str(&"1".repeat(33 * 1024)).unwrap();
        assert_eq!(
            refusal(&parts("/", Some(big))),
            Some(Problem::HeadersTooLarge)
        );
        let latin1 = HeaderValue::from_bytes(b"\xe6\xff").unwrap();
        assert_eq!(
            refusal(&parts("/", Some(latin1))),
            Some(Problem::MalformedRequest)
        );
    }
}
