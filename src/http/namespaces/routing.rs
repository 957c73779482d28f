//! Which namespace a request is for: `/ns/{name}/…` reaches namespace `name` with the prefix
//! taken off its URI, anything else the default namespace as it came.

use std::sync::Arc;

use hyper::http::request::Parts;
use hyper::http::uri::PathAndQuery;
use hyper::{Request, Uri};

use super::SEGMENT;
use crate::http::App;
use crate::http::problem::Problem;

/// The namespace `request` is for, the request as that namespace routes it, and the URI as
/// the client sent it when the prefix was taken off (`None`: unchanged). A path under an
/// unknown namespace goes to the default one unchanged, which answers it 404.
pub(in crate::http) fn resolve<B>(
    root: Arc<App>,
    request: Request<B>,
) -> (Arc<App>, Request<B>, Option<Uri>) {
    let Some((name, rest)) = split(request.uri().path()) else {
        return (root, request, None);
    };
    let Some(app) = root
        .namespaces
        .upgrade()
        .and_then(|namespaces| namespaces.enter(name))
    else {
        return (root, request, None);
    };
    let Some(inner) = without_prefix(request.uri(), rest.len()) else {
        return (root, request, None);
    };
    let (mut parts, body) = request.into_parts();
    let sent = std::mem::replace(&mut parts.uri, inner);
    (app, Request::from_parts(parts, body), Some(sent))
}

/// `("alpha", "/events/…")` for `/ns/alpha/events/…`; the rest is empty for `/ns/alpha`.
fn split(path: &str) -> Option<(&str, &str)> {
    let after = path
        .strip_prefix('/')?
        .strip_prefix(SEGMENT)?
        .strip_prefix('/')?;
    let (name, rest) = after.split_at(after.find('/').unwrap_or(after.len()));
    (!name.is_empty()).then_some((name, rest))
}

/// `uri` with its path cut to the last `rest_len` bytes (`/` when nothing is left), its query
/// and authority kept.
fn without_prefix(uri: &Uri, rest_len: usize) -> Option<Uri> {
    let path = uri.path();
    let rest = path
        .get(path.len().saturating_sub(rest_len)..)
        .filter(|r| !r.is_empty());
    let rest = rest.unwrap_or("/");
    let path_and_query = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

/// The answer to a path nothing is served at: production's empty 404, except under `/ns/`
/// of a server with the admin API, where a ProblemDetails says the namespace does not exist
/// (deleted, or removed after idling past the TTL) rather than leave a test guessing.
pub(in crate::http) fn no_such_path(app: &App, parts: &Parts) -> Problem {
    let unknown_namespace = app.prefix.is_empty() && app.settings.admin;
    match split(parts.uri.path()) {
        Some((name, _)) if unknown_namespace => Problem::MockNotFound(format!(
            "there is no namespace {name:?} (GET /_mock/namespaces lists them): it was never created, was deleted, or was removed after going longer than --namespace-ttl without a request"
        )),
        _ => Problem::NoSuchPath,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_two_segments_name_the_namespace() {
        assert_eq!(
            split("/ns/alpha/events/api/v1/app"),
            Some(("alpha", "/events/api/v1/app"))
        );
        assert_eq!(split("/ns/alpha"), Some(("alpha", "")));
        assert_eq!(split("/ns/alpha/"), Some(("alpha", "/")));
        assert_eq!(split("/ns/"), None);
        assert_eq!(split("/ns"), None);
        assert_eq!(split("/NS/alpha/x"), None);
        assert_eq!(split("/nsx/alpha"), None);
        assert_eq!(split("/events/api/v1/app"), None);
    }

    #[test]
    fn the_prefix_comes_off_and_the_query_and_authority_stay() {
        let uri: Uri = "/ns/a/events/api/v1/app/ttd/x?after=1&size=2"
            .parse()
            .unwrap();
        let rest = split(uri.path()).unwrap().1.len();
        assert_eq!(
            without_prefix(&uri, rest).unwrap(),
            "/events/api/v1/app/ttd/x?after=1&size=2"
        );
        let uri: Uri = "http://h:1/ns/a?x=1".parse().unwrap();
        assert_eq!(without_prefix(&uri, 0).unwrap(), "http://h:1/?x=1");
    }
}
