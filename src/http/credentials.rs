//! Where production finds a request's token: `Authorization: Bearer …` (prefix in any
//! case), else the cookie `.ALTINNTOKEN`, else the cookie `AltinnStudioRuntime`.

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, COOKIE};

/// `Authorization: Bearer …` (prefix in any case), else cookie `.ALTINNTOKEN`, else cookie
/// `AltinnStudioRuntime`.
pub(super) fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
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
}
