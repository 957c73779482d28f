//! The part of .NET's `System.Uri` that subscriptions meet: binding a JSON string as
//! `UriKind.RelativeOrAbsolute`, the normalised `AbsoluteUri` production stores, the host it
//! classifies by (`DnsSafeHost`), the path it splits (`AbsolutePath`) and `IsBaseOf`, which
//! decides whether a source filter lets an event through (spec §1, §3.3, §7.3).
//!
//! This is an approximation of a large parser, kept to what a subscription can exercise:
//! scheme and host lower-cased, the scheme's default port dropped, an empty path made `/`,
//! `.` and `..` segments resolved, characters a URI may not hold percent-escaped.

/// A string as .NET's `Uri` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DotNetUri {
    /// No scheme: `""`, `skd/flyttemelding`, `platform.altinn.no/`.
    Relative(String),
    /// `scheme:…`, normalised.
    Absolute(AbsoluteUri),
}

/// An absolute URI in .NET's normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AbsoluteUri {
    /// Lower case.
    pub(crate) scheme: String,
    /// `user:pass@` without the `@`, as written.
    userinfo: Option<String>,
    /// Lower case; empty for URIs without an authority (`urn:…`).
    pub(crate) host: String,
    /// Only a port that is not the scheme's default.
    port: Option<u16>,
    /// Escaped, dot segments resolved; `/` at least when there is an authority.
    pub(crate) path: String,
    /// With its `?`, or empty.
    query: String,
    /// With its `#`, or empty.
    fragment: String,
    /// Whether the URI had `//` and an authority.
    has_authority: bool,
}

/// A string that `Uri.TryCreate(…, RelativeOrAbsolute)` refuses: System.Text.Json's binding
/// error for the property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotAUri;

impl DotNetUri {
    /// Reads `text` as ASP.NET Core binds a `Uri` property.
    pub(crate) fn parse(text: &str) -> Result<DotNetUri, NotAUri> {
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        match scheme_of(trimmed) {
            Some(scheme) => {
                AbsoluteUri::parse(scheme, &trimmed[scheme.len() + 1..]).map(DotNetUri::Absolute)
            }
            None => Ok(DotNetUri::Relative(text.to_owned())),
        }
    }

    /// The absolute URI, `None` for a relative one.
    pub(crate) fn absolute(&self) -> Option<&AbsoluteUri> {
        match self {
            DotNetUri::Absolute(uri) => Some(uri),
            DotNetUri::Relative(_) => None,
        }
    }

    /// What `ToString()` gives: the normalised text of an absolute URI, a relative one as
    /// written.
    pub(crate) fn text(&self) -> String {
        match self {
            DotNetUri::Absolute(uri) => uri.to_string(),
            DotNetUri::Relative(text) => text.clone(),
        }
    }
}

/// `scheme` of `scheme:rest`, if `text` starts with one (a letter, then letters, digits, `+`,
/// `-`, `.`), longer than one letter (`c:\x` is a DOS path, which a subscription never holds).
fn scheme_of(text: &str) -> Option<&str> {
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme.len() > 1;
    valid.then_some(scheme)
}

fn default_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        "sftp" | "ssh" => 22,
        _ => return None,
    })
}

impl AbsoluteUri {
    fn parse(scheme: &str, rest: &str) -> Result<AbsoluteUri, NotAUri> {
        let scheme = scheme.to_ascii_lowercase();
        // .NET reads `\` as `/` in the hierarchical part of http(s) URIs.
        let rest = if matches!(scheme.as_str(), "http" | "https") {
            rest.replace('\\', "/")
        } else {
            rest.to_owned()
        };
        let (before_fragment, fragment) = split_keep(&rest, '#');
        let (before_query, query) = split_keep(before_fragment, '?');
        let (has_authority, authority, raw_path) = match before_query.strip_prefix("//") {
            Some(after) => {
                let end = after.find('/').unwrap_or(after.len());
                (true, &after[..end], &after[end..])
            }
            None => (false, "", before_query),
        };
        let (userinfo, host, port) = if has_authority {
            parse_authority(authority)?
        } else if matches!(scheme.as_str(), "http" | "https") {
            // `https:foo` has no host, which .NET refuses for these schemes.
            return Err(NotAUri);
        } else {
            (None, String::new(), None)
        };
        let port = port.filter(|p| Some(*p) != default_port(&scheme));
        let mut path = escape(raw_path);
        if has_authority {
            path = remove_dot_segments(&path);
            if path.is_empty() {
                path.push('/');
            }
        }
        Ok(AbsoluteUri {
            scheme,
            userinfo,
            host,
            port,
            path,
            query: escape(query),
            fragment: escape(fragment),
            has_authority,
        })
    }

    /// `Uri.IsBaseOf(other)`: the same scheme, user, host and port, and this URI's path up to
    /// and including its last `/` a prefix of `other`'s path. **Quirk**: whatever follows the
    /// last `/` is ignored, so `https://ttd.apps.altinn.no/ttd/apps-test` is the base of
    /// everything under `https://ttd.apps.altinn.no/ttd/`.
    pub(crate) fn is_base_of(&self, other: &AbsoluteUri) -> bool {
        if self.scheme != other.scheme
            || self.host != other.host
            || self.port != other.port
            || self.userinfo != other.userinfo
        {
            return false;
        }
        let directory = match self.path.rfind('/') {
            Some(last) => &self.path[..=last],
            None => "",
        };
        other.path.starts_with(directory)
    }

    /// `AbsolutePath`: the escaped path.
    pub(crate) fn absolute_path(&self) -> &str {
        &self.path
    }
}

impl std::fmt::Display for AbsoluteUri {
    /// `AbsoluteUri`, e.g. `https://webhook.site/` for `https://Webhook.site:443`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:", self.scheme)?;
        if self.has_authority {
            f.write_str("//")?;
            if let Some(userinfo) = &self.userinfo {
                write!(f, "{userinfo}@")?;
            }
            f.write_str(&self.host)?;
            if let Some(port) = self.port {
                write!(f, ":{port}")?;
            }
        }
        write!(f, "{}{}{}", self.path, self.query, self.fragment)
    }
}

/// `(before, from the separator on)`.
fn split_keep(text: &str, separator: char) -> (&str, &str) {
    match text.find(separator) {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    }
}

type Authority = (Option<String>, String, Option<u16>);

/// `[userinfo@]host[:port]`; a missing or malformed host, or a port that is no number up to
/// 65535, is what .NET refuses.
fn parse_authority(authority: &str) -> Result<Authority, NotAUri> {
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(at) => (Some(authority[..at].to_owned()), &authority[at + 1..]),
        None => (None, authority),
    };
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let end = bracketed.find(']').ok_or(NotAUri)?;
        let after = &bracketed[end + 1..];
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(NotAUri)?),
        };
        (format!("[{}]", &bracketed[..end]), port)
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (host_port.to_owned(), None),
        }
    };
    let valid_host = !host.is_empty()
        && host.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '%' | '[' | ']' | ':')
        });
    if !valid_host {
        return Err(NotAUri);
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse::<u16>().map_err(|_| NotAUri)?)
        }
        Some(_) => return Err(NotAUri),
    };
    Ok((userinfo, host.to_lowercase(), port))
}

/// Percent-escapes what a URI may not hold as it is: spaces, controls, `"<>\^`{|}` and
/// everything outside ASCII (as UTF-8), as `AbsoluteUri` shows them.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let must_escape = !c.is_ascii()
            || c.is_ascii_control()
            || matches!(
                c,
                ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'
            );
        if must_escape {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// RFC 3986 §5.2.4, as .NET applies it to hierarchical paths.
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    output.push("");
                }
            }
            ".." => {
                if output.len() > 1 {
                    output.pop();
                }
                if i == last {
                    output.push("");
                }
            }
            other => output.push(other),
        }
    }
    output.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn absolute(text: &str) -> AbsoluteUri {
        match DotNetUri::parse(text) {
            Ok(DotNetUri::Absolute(uri)) => uri,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn strings_without_a_scheme_bind_as_relative_uris() {
        for text in [
            "",
            "skd/flyttemelding",
            "altinn.no/ttd/apps-test/",
            "platform.altinn.no/",
        ] {
            assert_eq!(DotNetUri::parse(text), Ok(DotNetUri::Relative(text.into())));
        }
    }

    #[test]
    fn absolute_uri_lower_cases_scheme_and_host_drops_default_ports_and_adds_a_slash() {
        assert_eq!(
            absolute("https://Webhook.site").to_string(),
            "https://webhook.site/"
        );
        assert_eq!(
            absolute("HTTPS://Example.COM:443/A/b?X=1").to_string(),
            "https://example.com/A/b?X=1"
        );
        assert_eq!(
            absolute("http://127.0.0.1:8080/hook").to_string(),
            "http://127.0.0.1:8080/hook"
        );
        assert_eq!(
            absolute("https://a.no/x/../y/./z").to_string(),
            "https://a.no/y/z"
        );
        assert_eq!(
            absolute("https://a.no/a b").to_string(),
            "https://a.no/a%20b"
        );
        assert_eq!(absolute("sftp://altinn.no/ttd/").scheme, "sftp");
        assert_eq!(
            absolute("urn:altinn:resource:x").to_string(),
            "urn:altinn:resource:x"
        );
    }

    #[test]
    fn malformed_absolute_uris_do_not_bind() {
        for text in [
            "https://",
            "https:///x",
            "http://a b/",
            "https://a.no:99999/",
            "https:x",
        ] {
            assert_eq!(DotNetUri::parse(text), Err(NotAUri), "{text}");
        }
    }

    #[test]
    fn is_base_of_ignores_what_follows_the_last_slash() {
        let filter = absolute("https://ttd.apps.altinn.no/ttd/apps-test");
        let inside = absolute("https://ttd.apps.altinn.no/ttd/apps-test/instances/1/g");
        let sibling = absolute("https://ttd.apps.altinn.no/ttd/other-app/instances/1/g");
        assert!(filter.is_base_of(&inside));
        assert!(
            filter.is_base_of(&sibling),
            "the quirk: the app name is not compared"
        );
        assert!(!filter.is_base_of(&absolute("https://skd.apps.altinn.no/ttd/apps-test")));
        assert!(!filter.is_base_of(&absolute("http://ttd.apps.altinn.no/ttd/apps-test")));
        assert!(!filter.is_base_of(&absolute("https://ttd.apps.altinn.no/skd/apps-test")));
        let with_slash = absolute("https://ttd.apps.altinn.no/ttd/apps-test/");
        assert!(!with_slash.is_base_of(&sibling));
        assert!(with_slash.is_base_of(&inside));
    }
}
