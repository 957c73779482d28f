//! Kestrel's check of the `Host` header (RFC 9112 §3.2): an HTTP/1.1 request needs exactly
//! one, and its value must be a valid authority — a name of Http.Sys's characters or a
//! bracketed IPv6 address, and an optional numeric port. Anything else is its empty 400.

use hyper::Version;
use hyper::header::HOST;
use hyper::http::request::Parts;

/// Whether Kestrel lets the request's `Host` through.
pub(super) fn is_acceptable(parts: &Parts) -> bool {
    let mut hosts = parts.headers.get_all(HOST).iter();
    let (first, second) = (hosts.next(), hosts.next());
    match (first, second) {
        (_, Some(_)) => false,
        // HTTP/1.0 may leave it out; HTTP/1.1 may not.
        (None, None) => parts.version == Version::HTTP_10,
        (Some(host), None) => {
            let Ok(host) = host.to_str() else {
                return false;
            };
            let matches_target = parts
                .uri
                .authority()
                .is_none_or(|authority| authority.as_str() == host);
            matches_target && is_valid_authority(host)
        }
    }
}

/// Kestrel's `IsHostHeaderValid`: empty, a host name, or a bracketed IPv6 address, each with
/// an optional `:digits` port.
fn is_valid_authority(host: &str) -> bool {
    let bytes = host.as_bytes();
    match bytes.first() {
        None => true,
        Some(b':') => false,
        Some(b'[') => match host.find(']') {
            // `[::1]` is the shortest address.
            Some(end) if end >= 4 => {
                let address_ok = bytes[1..end]
                    .iter()
                    .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
                address_ok && is_port(&host[end + 1..])
            }
            _ => false,
        },
        Some(_) => {
            let name_end = bytes
                .iter()
                .position(|&b| !is_host_char(b))
                .unwrap_or(bytes.len());
            is_port(&host[name_end..])
        }
    }
}

/// Nothing, or `:` and at least one digit.
fn is_port(rest: &str) -> bool {
    match rest.strip_prefix(':') {
        None => rest.is_empty(),
        Some(digits) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// The characters Kestrel (matching Http.Sys) allows in a host name: letters, digits and
/// `!$&'()-._~`.
fn is_host_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!$&'()-._~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_addresses_and_ports_as_kestrel_does() {
        for host in [
            "",
            "example.com",
            "example.com:5080",
            "127.0.0.1:0",
            "[::1]",
            "[::1]:5080",
            "[fe80::1.2.3.4]",
            "my_host-1.local",
            "a!$&'()~",
        ] {
            assert!(is_valid_authority(host), "{host:?}");
        }
    }

    #[test]
    fn refuses_what_kestrel_refuses() {
        for host in [
            ":80",
            "a/b?c#d",
            "a b",
            "example.com:",
            "example.com:8o",
            "user@example.com",
            "[::1",
            "[:1]",
            "[::1]x",
            "[::1]:",
            "[::g]",
            "a,b",
            "a%20b",
        ] {
            assert!(!is_valid_authority(host), "{host:?}");
        }
    }
}
