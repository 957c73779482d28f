//! What production reads out of an event's `source` URI.
//!
//! Two places in production split the source path on `/`: deriving `resource` and
//! `resourceinstance` when an app publishes (`AbsolutePath`, more than five parts), and the
//! authorization filter (`PathAndQuery`, exactly six parts, org in the second). Both are
//! reproduced on the text with `.` and `..` resolved as .NET's `Uri` resolves them; other
//! normalisation (host case, default ports, escapes) does not touch the path split.

use std::borrow::Cow;

/// The org and instance parts of an app instance source,
/// `…/{org}/{app}/instances/{partyId}/{guid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppSource {
    pub org: String,
    pub app: String,
    pub party_id: String,
    pub instance_guid: String,
}

impl AppSource {
    /// `urn:altinn:resource:app_{org}_{app}`, the resource production derives.
    pub(crate) fn resource(&self) -> String {
        app_resource(&self.org, &self.app)
    }

    /// `{partyId}/{guid}`, the resource instance production derives.
    pub(crate) fn resource_instance(&self) -> String {
        format!("{}/{}", self.party_id, self.instance_guid)
    }
}

/// The resource name production gives the events of app `org/app`.
pub(crate) fn app_resource(org: &str, app: &str) -> String {
    format!("urn:altinn:resource:app_{org}_{app}")
}

/// Path and query of an absolute URI, or `None` for a relative reference.
struct UriTail<'a> {
    path: Cow<'a, str>,
    query: Option<&'a str>,
}

fn split_absolute_uri(uri: &str) -> Option<UriTail<'_>> {
    let colon = uri.find(':')?;
    let scheme = &uri[..colon];
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !starts_with_letter || !chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return None;
    }
    let mut rest = &uri[colon + 1..];
    if let Some(after_slashes) = rest.strip_prefix("//") {
        let authority_end = after_slashes
            .find(['/', '?', '#'])
            .unwrap_or(after_slashes.len());
        rest = &after_slashes[authority_end..];
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    // .NET's `Uri` resolves `.` and `..` in a hierarchical path.
    let path = if path.starts_with('/') {
        remove_dot_segments(path)
    } else {
        Cow::Borrowed(path)
    };
    Some(UriTail { path, query })
}

/// RFC 3986's dot-segment removal: `/ttd/x/../apps-test` is `/ttd/apps-test`.
fn remove_dot_segments(path: &str) -> Cow<'_, str> {
    let is_dot = |segment: &str| segment == "." || segment == "..";
    // Checked before collecting anything: nearly every source has no dot segment, and this
    // runs for every event stored.
    if !path.split('/').any(is_dot) {
        return Cow::Borrowed(path);
    }
    let segments: Vec<&str> = path.split('/').collect();
    let mut kept: Vec<&str> = Vec::new();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate().skip(1) {
        match *segment {
            "." | ".." => {
                if *segment == ".." {
                    kept.pop();
                }
                if i == last {
                    kept.push("");
                }
            }
            other => kept.push(other),
        }
    }
    Cow::Owned(format!("/{}", kept.join("/")))
}

/// The path of an absolute URI (`AbsolutePath`: `/` when empty), or `None` for a relative one.
pub(crate) fn absolute_path(uri: &str) -> Option<Cow<'_, str>> {
    let path = split_absolute_uri(uri)?.path;
    Some(if path.is_empty() {
        Cow::Borrowed("/")
    } else {
        path
    })
}

/// Reads `…/{org}/{app}/instances/{partyId}/{guid}` as production does when an app publishes:
/// the path split on `/` must have more than five parts (the literal `instances` is not checked).
pub(crate) fn parse_app_source(source: &str) -> Option<AppSource> {
    let tail = split_absolute_uri(source)?;
    // .NET's AbsolutePath is "/" for an authority with an empty path.
    let parts: Vec<&str> = tail.path.split('/').collect();
    if parts.len() <= 5 {
        return None;
    }
    Some(AppSource {
        org: parts[1].to_owned(),
        app: parts[2].to_owned(),
        party_id: parts[4].to_owned(),
        instance_guid: parts[5].to_owned(),
    })
}

/// The app of an instance source as production's authorization mapper reads it: the third
/// part of `PathAndQuery.Split("/")` (only asked of sources whose read access is an org).
pub(crate) fn instance_app(source: &str) -> Option<String> {
    let tail = split_absolute_uri(source)?;
    let path_and_query = match tail.query {
        Some(query) => format!("{}?{query}", tail.path),
        None => tail.path.into_owned(),
    };
    path_and_query.split('/').nth(2).map(str::to_owned)
}

/// Who may read an event, decided once when it is stored (spec §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadAccess {
    /// The source splits into six parts: the org in it may read the event.
    Org(String),
    /// The source does not split into six parts: production's filter always drops the event.
    Nobody,
    /// Production's filter throws on this event (a relative source, or an instance source whose
    /// subject has no third `/` part), so any page holding it answers 500.
    Fails,
}

impl ReadAccess {
    /// Reproduces the split of `source.PathAndQuery` and `subject.Split("/")[2]` in production's
    /// authorization mapper.
    pub(crate) fn of(source: &str, subject: Option<&str>) -> ReadAccess {
        let Some(tail) = split_absolute_uri(source) else {
            return ReadAccess::Fails;
        };
        let path = if tail.path.is_empty() {
            "/"
        } else {
            &tail.path
        };
        // `PathAndQuery.Split("/")`: the query's slashes count too.
        let path_slashes = count_slashes(path);
        let slashes = path_slashes + tail.query.map_or(0, count_slashes);
        if slashes != 5 {
            return ReadAccess::Nobody;
        }
        let subject_has_party = subject.is_some_and(|s| s.split('/').nth(2).is_some());
        if !subject_has_party {
            return ReadAccess::Fails;
        }
        // Five slashes in all and the path starts with one: the org is the path's first part,
        // unless the path has a single slash and the rest are in the query.
        let org = match path.split('/').nth(1) {
            Some(org) if path_slashes > 1 => org.to_owned(),
            _ => {
                let path_and_query = format!("{path}?{}", tail.query.unwrap_or_default());
                path_and_query
                    .split('/')
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned()
            }
        };
        ReadAccess::Org(org)
    }
}

/// How many `/` `text` holds (bytewise: quicker than a `char` pattern, and the same count).
fn count_slashes(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'/').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/50019855/f21e491f-f862-4776-b81f-725657ef0a18";

    #[test]
    fn derives_resource_and_instance_from_an_instance_source() {
        let parts = parse_app_source(SOURCE).unwrap();
        assert_eq!(parts.resource(), "urn:altinn:resource:app_ttd_apps-test");
        assert_eq!(
            parts.resource_instance(),
            "50019855/f21e491f-f862-4776-b81f-725657ef0a18"
        );
    }

    #[test]
    fn resolves_dot_segments_as_dotnet_does() {
        let source = "https://ttd.apps.altinn.no/ttd/x/../apps-test/./instances/1/g";
        assert_eq!(
            parse_app_source(source).unwrap().resource(),
            "urn:altinn:resource:app_ttd_apps-test"
        );
        assert_eq!(absolute_path("https://h/a/b/..").as_deref(), Some("/a/"));
        assert_eq!(absolute_path("https://h/../a").as_deref(), Some("/a"));
    }

    #[test]
    fn derives_nothing_from_a_short_or_relative_source() {
        assert_eq!(
            parse_app_source("https://ttd.apps.altinn.no/ttd/apps-test"),
            None
        );
        assert_eq!(parse_app_source("/ttd/apps-test/instances/1/2"), None);
    }

    #[test]
    fn an_instance_source_is_readable_by_its_org() {
        assert_eq!(
            ReadAccess::of(SOURCE, Some("/party/50019855")),
            ReadAccess::Org("ttd".into())
        );
    }

    #[test]
    fn the_app_is_the_third_part_of_the_path() {
        assert_eq!(instance_app(SOURCE).as_deref(), Some("apps-test"));
        assert_eq!(instance_app("/relative/x"), None);
    }

    #[test]
    fn other_sources_are_readable_by_nobody() {
        let trailing_slash = format!("{SOURCE}/");
        assert_eq!(
            ReadAccess::of(&trailing_slash, Some("/party/1")),
            ReadAccess::Nobody
        );
        assert_eq!(
            ReadAccess::of("urn:altinn:thing", Some("/party/1")),
            ReadAccess::Nobody
        );
        assert_eq!(
            ReadAccess::of("https://ttd.apps.altinn.no", Some("/party/1")),
            ReadAccess::Nobody
        );
    }

    #[test]
    fn production_fails_on_relative_sources_and_partyless_subjects() {
        assert_eq!(
            ReadAccess::of("/ttd/a/instances/1/2", Some("/party/1")),
            ReadAccess::Fails
        );
        assert_eq!(ReadAccess::of(SOURCE, None), ReadAccess::Fails);
        assert_eq!(ReadAccess::of(SOURCE, Some("party")), ReadAccess::Fails);
    }
}
