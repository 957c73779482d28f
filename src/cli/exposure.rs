//! The warning a server reachable from the network prints: anyone who can reach it can mint
//! tokens, use the admin API and fault other clients' requests, unless `--admin-token`
//! guards the last two.

use std::net::SocketAddr;

/// The warning for a server listening on `address`, if it needs one: a non-loopback address
/// without an admin token.
pub(super) fn warning(address: SocketAddr, admin: bool, admin_token: bool) -> Option<String> {
    if address.ip().is_loopback() || admin_token {
        return None;
    }
    let reachable = if admin {
        "token minting (/_mock/token), the admin API (/_mock/...: events, journal, clock, reset, \
         fault rules) and the x-mock-fault header, which faults any client's requests"
    } else {
        "token minting (/_mock/token)"
    };
    Some(format!(
        "warning: listening on {address}, reachable from the network: {reachable} are open to \
         anyone who can connect. Set --admin-token SECRET, or bind 127.0.0.1 (docs/security.md)."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_for_every_non_loopback_address_without_an_admin_token() {
        for address in ["0.0.0.0:5080", "[::]:5080", "192.0.2.7:80"] {
            let warning = warning(address.parse().unwrap(), true, false).unwrap();
            assert!(warning.contains("x-mock-fault"), "{warning}");
            assert!(warning.contains("--admin-token"), "{warning}");
        }
        let no_admin = warning("0.0.0.0:1".parse().unwrap(), false, false).unwrap();
        assert!(!no_admin.contains("x-mock-fault"), "{no_admin}");
        for address in ["127.0.0.1:5080", "127.8.9.1:1", "[::1]:5080"] {
            assert_eq!(warning(address.parse().unwrap(), true, false), None);
        }
        assert_eq!(warning("0.0.0.0:1".parse().unwrap(), true, true), None);
    }
}
