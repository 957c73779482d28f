//! Where production finds a request's token: `Authorization: Bearer …` (prefix in any
//! case), else the cookie `.ALTINNTOKEN`, else the cookie `AltinnStudioRuntime`.
//!
//! Production reads `Request.Headers["Authorization"]` as one string, and ASP.NET Core joins
//! repeated header values with `,`: two `Authorization` headers become
//! `Bearer A,Bearer B`, whose "token" `A,Bearer B` is no JWT, so the request is refused.

use std::borrow::Cow;

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, COOKIE, HeaderName};

/// `Authorization: Bearer …` (prefix in any case), else cookie `.ALTINNTOKEN`, else cookie
/// `AltinnStudioRuntime`. Borrowed from the request when it was sent once, as it nearly
/// always is: a token is about 1 KiB, and this runs for every request.
pub(super) fn token_from_headers(headers: &HeaderMap) -> Option<Cow<'_, str>> {
    // Where the token sits in the joined value: after the prefix, trimmed.
    let bearer = |value: &str| -> Option<std::ops::Range<usize>> {
        let prefix = value.get(..7)?;
        let token = value[7..].trim();
        let start = value.len() - value[7..].trim_start().len();
        (prefix.eq_ignore_ascii_case("bearer ") && !token.is_empty())
            .then_some(start..start + token.len())
    };
    if let Some(value) = joined(headers, &AUTHORIZATION)
        && let Some(token) = bearer(&value)
    {
        return Some(match value {
            Cow::Borrowed(value) => Cow::Borrowed(&value[token]),
            Cow::Owned(value) => Cow::Owned(value[token].to_owned()),
        });
    }
    [".ALTINNTOKEN", "AltinnStudioRuntime"]
        .into_iter()
        .find_map(|name| cookie(headers, name))
        .map(Cow::Owned)
}

/// Every value of header `name` joined with `,`, as ASP.NET Core reads a header as a string;
/// `None` without one, or when a value is not text.
fn joined<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<Cow<'a, str>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?.to_str().ok()?;
    let mut joined = Cow::Borrowed(first);
    for value in values {
        let joined = joined.to_mut();
        joined.push(',');
        joined.push_str(value.to_str().ok()?);
    }
    Some(joined)
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
