//! Tokens as production reads them (spec §3): the modes, who a token says is calling, its
//! claims, and minting tokens shaped like Altinn's with the built-in test key. Checking a
//! signature (and remembering the ones checked) is the core's `Authenticator`; finding the
//! token in a request's headers is the HTTP face's.

mod grants;
mod mint;
mod principal;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Map, Value};

pub(crate) use grants::{Access, Who};
pub use grants::{Grant, GrantError, ResourceAccess};
pub(crate) use mint::{TokenError, TokenRequest};
pub(crate) use principal::{Principal, system_user_id};

/// The built-in **test-only** private key (see `keys/README.md`): public knowledge, trusted by
/// nothing real.
pub(crate) const TEST_SIGNING_KEY_PEM: &str =
    include_str!("../../../keys/test-only-signing-key.pem");
/// The public half of [`TEST_SIGNING_KEY_PEM`].
pub(crate) const TEST_PUBLIC_KEY_PEM: &str = include_str!("../../../keys/test-only-public-key.pem");

/// How strictly tokens are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// As production: RS256 signed by a trusted key, `exp` required, zero leeway.
    #[default]
    Strict,
    /// Any well-formed JWT; signature and lifetime unchecked; its claims still decide.
    Lenient,
    /// No token needed: a request without a usable one acts as the route's org.
    Off,
}

impl FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<AuthMode, String> {
        match s.to_ascii_lowercase().as_str() {
            "strict" => Ok(AuthMode::Strict),
            "lenient" => Ok(AuthMode::Lenient),
            "off" => Ok(AuthMode::Off),
            other => Err(format!(
                "unknown auth mode {other:?}: expected strict, lenient or off"
            )),
        }
    }
}

impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthMode::Strict => "strict",
            AuthMode::Lenient => "lenient",
            AuthMode::Off => "off",
        })
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A token was accepted; what its claims say (shared with the memory of verified
    /// tokens, which works it out once per token).
    Token(Arc<Principal>),
    /// `--auth off` and no usable token: no authorization check applies (the app owners'
    /// query acts as the route's org).
    Anonymous,
}

/// The request was not authenticated: production's empty 401 (rule A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unauthenticated;

/// A NumericDate claim, which JSON may write as an integer or a float. Production reads it
/// as a 64-bit number of seconds and refuses a token whose value does not fit (`2^63 + 5`,
/// `1e300`): so does this, instead of saturating it to the largest lifetime.
pub(crate) fn timestamp(value: &Value) -> Option<i64> {
    /// 2^63 as a float: every float below it (and at or above -2^63) fits an `i64`.
    const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;
    if let Some(seconds) = value.as_i64() {
        return Some(seconds);
    }
    let seconds = value.as_f64().filter(|s| s.is_finite())?;
    (-TWO_TO_63..TWO_TO_63)
        .contains(&seconds)
        .then_some(seconds as i64)
}

/// A well-formed JWT's claims, nothing checked.
pub(crate) fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    jsonwebtoken::dangerous::insecure_decode_claims(token).ok()
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_timestamp_must_fit_64_bits() {
        assert_eq!(timestamp(&json!(1_700_000_000)), Some(1_700_000_000));
        assert_eq!(timestamp(&json!(1.7e9)), Some(1_700_000_000));
        assert_eq!(timestamp(&json!(i64::MAX)), Some(i64::MAX));
        assert_eq!(timestamp(&json!(9_223_372_036_854_775_813_u64)), None);
        assert_eq!(timestamp(&json!(1e300)), None);
        assert_eq!(timestamp(&json!(-1e300)), None);
        assert_eq!(timestamp(&json!("1700000000")), None);
    }
}
