//! Where production finds a request's token: `Authorization: Bearer …` (prefix in any
//! case), else the cookie `.ALTINNTOKEN`, else the cookie `AltinnStudioRuntime`.
//!
//! Production reads `Request.Headers["Authorization"]` as one string, and ASP.NET Core joins
//! repeated header values with `,`: two `Authorization` headers become
//! `Bearer A,Bearer B`, whose "token" `A,Bearer B` is no JWT, so the request is refused.

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, COOKIE};

/// `Authorization: Bearer …` (prefix in any case), else cookie `.ALTINNTOKEN`, else cookie
/// `AltinnStudioRuntime`.
pub(super) fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    let authorization = joined(headers, AUTHORIZATION.as_str());
    let bearer = authorization
        .as_deref()
        .and_then(|value| {
            let prefix = value.get(..7)?;
            prefix
                .eq_ignore_ascii_case("bearer ")
                .then(|| value[7..].trim())
        })
        .filter(|token| !token.is_empty());
    if let Some(token) = bearer {
        return Some(token.to_owned());
    }
    [".ALTINNTOKEN", "AltinnStudioRuntime"]
        .into_iter()
        .find_map(|name| cookie(headers, name))
}

/// Every value of header `name` joined with `,`, as ASP.NET Core reads a header as a string;
/// `None` without one, or when a value is not text.
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Option<Vec<&str>> = headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().ok())
        .collect();
    values
        .filter(|values| !values.is_empty())
        .map(|values| values.join(","))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn reads_the_token_from_a_lower_case_bearer_or_either_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bEaReR   a.b.c "));
        assert_eq!(token_from_headers(&headers).as_deref(), Some("a.b.c"));
        for cookie in [".ALTINNTOKEN", "AltinnStudioRuntime"] {
            let mut headers = HeaderMap::new();
            headers.insert(
                COOKIE,
                HeaderValue::from_str(&format!("other=1; {cookie}=a.b.c")).unwrap(),
            );
            assert_eq!(
                token_from_headers(&headers).as_deref(),
                Some("a.b.c"),
                "{cookie}"
            );
        }
        let mut basic = HeaderMap::new();
        basic.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcjpwYXNz"),
        );
        assert_eq!(token_from_headers(&basic), None);
    }

    #[test]
    fn repeated_authorization_headers_are_read_joined() {
        let mut headers = HeaderMap::new();
        headers.append(AUTHORIZATION, HeaderValue::from_static("Bearer a.b.c"));
        headers.append(AUTHORIZATION, HeaderValue::from_static("garbage"));
        assert_eq!(
            token_from_headers(&headers).as_deref(),
            Some("a.b.c,garbage")
        );
        let mut basic_first = HeaderMap::new();
        basic_first.append(AUTHORIZATION, HeaderValue::from_static("Basic x"));
        basic_first.append(AUTHORIZATION, HeaderValue::from_static("Bearer a.b.c"));
        assert_eq!(token_from_headers(&basic_first), None);
    }
}
