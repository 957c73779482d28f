//! The request path as production writes it back into the `next` link.
//!
//! ASP.NET Core's `Request.Path` is the path decoded (all but `%2F`), and turning it into a
//! string re-escapes only what may not stand in a path. So `apps%2Dtest` comes back as
//! `apps-test`, `%c3%a6` as `%C3%A6`, and an escape that stays escaped keeps its `%`.

use std::borrow::Cow;

use super::params::decode_path_segment;

/// `raw_path` decoded and re-escaped as `PathString.ToUriComponent()` writes it.
pub(crate) fn request_path(raw_path: &str) -> Cow<'_, str> {
    // Most paths have nothing to decode or escape: no work, no allocation.
    if raw_path.bytes().all(keeps) {
        return Cow::Borrowed(raw_path);
    }
    let decoded: Vec<String> = raw_path.split('/').map(decode_path_segment).collect();
    Cow::Owned(escape_path(&decoded.join("/")))
}

/// Characters a path keeps as they are: RFC 3986 unreserved and sub-delims, `:`, `@`, `/`.
fn keeps(byte: u8) -> bool {
    // A match, not a search of a list of bytes: this runs for every byte of every path.
    matches!(
        byte,
        b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@'
            | b'/'
    )
}

fn escape_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    for (i, &byte) in bytes.iter().enumerate() {
        let escape_follows = byte == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if keeps(byte) || escape_follows {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_need_not_be_escaped() {
        assert_eq!(
            request_path("/events/api/v1/app/ttd/apps%2Dtest"),
            "/events/api/v1/app/ttd/apps-test"
        );
        assert_eq!(
            request_path("/events/api/v1/app/%74td/x"),
            "/events/api/v1/app/ttd/x"
        );
    }

    #[test]
    fn re_escapes_what_must_be_escaped_in_upper_case() {
        assert_eq!(request_path("/app/%c3%a6/x%20y"), "/app/%C3%A6/x%20y");
        assert_eq!(request_path("/app/a%2fb"), "/app/a%2fb");
        assert_eq!(request_path("/app/%ff"), "/app/%FF");
    }

    #[test]
    fn keeps_an_ordinary_path_and_its_trailing_slash() {
        assert_eq!(
            request_path("/Events/API/v1/app/ttd/apps-test/"),
            "/Events/API/v1/app/ttd/apps-test/"
        );
    }
}
