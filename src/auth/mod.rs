//! Authentication as production does it for the query endpoint (spec §3), with two relaxed
//! modes for local work.
//!
//! Production reads the token from `Authorization: Bearer` (prefix in any case), else the
//! cookie `.ALTINNTOKEN`, else the cookie `AltinnStudioRuntime`; it checks the RS256 signature
//! and `exp` with zero clock skew, and neither issuer, audience nor scope.

mod mint;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, COOKIE};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde_json::{Map, Value};

pub use mint::{TokenError, TokenRequest};

/// The built-in **test-only** private key (see `keys/README.md`): public knowledge, trusted by
/// nothing real.
pub const TEST_SIGNING_KEY_PEM: &str = include_str!("../../keys/test-only-signing-key.pem");
/// The public half of [`TEST_SIGNING_KEY_PEM`].
pub const TEST_PUBLIC_KEY_PEM: &str = include_str!("../../keys/test-only-public-key.pem");

/// The claim production reads the caller's org from.
pub const ORG_CLAIM: &str = "urn:altinn:org";

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

/// Who is calling, as far as the query endpoint cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A token was accepted; `org` is its `urn:altinn:org` claim, if any (rule C).
    Token { org: Option<String> },
    /// `--auth off` and no usable token: the caller acts as the route's org.
    RouteOrg,
}

/// The request was not authenticated: production's empty 401 (rule A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unauthenticated;

/// A public key file that could not be used.
#[derive(Debug)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// Checks tokens and mints them with the built-in test key.
#[derive(Clone)]
pub struct Authenticator {
    mode: AuthMode,
    trusted_keys: Vec<DecodingKey>,
    signing_key: EncodingKey,
    validation: Validation,
    verified: Arc<Mutex<HashMap<String, Arc<VerifiedToken>>>>,
}

/// What a signature check established about a token. Checking an RSA signature costs far more
/// than answering a page, and a client sends the same token for its whole session, so strict
/// mode remembers each good signature and re-checks only the lifetime, which can change.
#[derive(Debug)]
struct VerifiedToken {
    claims: Map<String, Value>,
    exp: i64,
    nbf: Option<i64>,
}

/// Tokens remembered at most; the memory is simply emptied when it is full.
const VERIFIED_TOKENS_KEPT: usize = 4096;

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("mode", &self.mode)
            .field("trusted_keys", &self.trusted_keys.len())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator in `mode` that trusts the built-in test key and each PEM public key
    /// (SPKI `BEGIN PUBLIC KEY` or PKCS#1 `BEGIN RSA PUBLIC KEY`) in `extra_public_keys`.
    pub fn new(mode: AuthMode, extra_public_keys: &[String]) -> Result<Authenticator, KeyError> {
        let builtin = DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY_PEM.as_bytes())
            .map_err(|e| KeyError(format!("built-in test public key: {e}")))?;
        let mut trusted_keys = vec![builtin];
        for (i, pem) in extra_public_keys.iter().enumerate() {
            let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
                KeyError(format!(
                    "public key #{} is not an RSA public key in PEM form ({e}); for a certificate, extract its key with `openssl x509 -pubkey -noout -in CERT`",
                    i + 1
                ))
            })?;
            trusted_keys.push(key);
        }
        let signing_key = EncodingKey::from_rsa_pem(TEST_SIGNING_KEY_PEM.as_bytes())
            .map_err(|e| KeyError(format!("built-in test signing key: {e}")))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        Ok(Authenticator {
            mode,
            trusted_keys,
            signing_key,
            validation,
            verified: Arc::default(),
        })
    }

    /// The mode this authenticator runs in.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// Decides who is calling from the request's headers.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, Unauthenticated> {
        let token = token_from_headers(headers);
        let org = match (self.mode, token) {
            (AuthMode::Strict, Some(token)) => self.verified_org(&token),
            (AuthMode::Lenient | AuthMode::Off, Some(token)) => {
                unverified_claims(&token).map(|claims| org_claim(&claims))
            }
            (_, None) => None,
        };
        match (self.mode, org) {
            (_, Some(org)) => Ok(Caller::Token { org }),
            (AuthMode::Off, None) => Ok(Caller::RouteOrg),
            (_, None) => Err(Unauthenticated),
        }
    }

    /// The org claim of a token signed by a trusted key and within its lifetime (zero
    /// leeway), or `None` for a token that fails either check.
    fn verified_org(&self, token: &str) -> Option<Option<String>> {
        self.verified_claims(token)
            .map(|known| org_claim(&known.claims))
    }

    /// Checks a `PlatformAccessToken` as strictly as `strict` checks tokens and returns what
    /// production keeps of it: `{issuer}/{urn:altinn:app}`, e.g. `ttd/apps-test`.
    pub fn verify_access_token(&self, token: &str) -> Option<String> {
        let known = self.verified_claims(token)?;
        let text = |name: &str| {
            known
                .claims
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Some(format!("{}/{}", text("iss"), text("urn:altinn:app")))
    }

    /// The claims of a token signed by a trusted key and within its lifetime, from memory when
    /// its signature was checked before.
    fn verified_claims(&self, token: &str) -> Option<Arc<VerifiedToken>> {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let remembered = self
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned();
        if let Some(known) = remembered {
            let alive = known.exp >= now && known.nbf.is_none_or(|nbf| nbf <= now);
            return alive.then_some(known);
        }
        let claims = self.trusted_keys.iter().find_map(|key| {
            jsonwebtoken::decode::<Map<String, Value>>(token, key, &self.validation)
                .ok()
                .map(|data| data.claims)
        })?;
        let known = Arc::new(VerifiedToken {
            exp: claims.get("exp").and_then(timestamp)?,
            nbf: claims.get("nbf").and_then(timestamp),
            claims,
        });
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= VERIFIED_TOKENS_KEPT {
            verified.clear();
        }
        verified.insert(token.to_owned(), Arc::clone(&known));
        Some(known)
    }

    /// Mints a token this server accepts in every mode.
    pub fn mint(&self, request: &TokenRequest) -> Result<String, TokenError> {
        request.mint(&self.signing_key)
    }
}

/// A NumericDate claim, which JSON may write as an integer or a float.
fn timestamp(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|seconds| seconds as i64))
}

/// A well-formed JWT's claims, nothing checked.
fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    jsonwebtoken::dangerous::insecure_decode_claims(token).ok()
}

/// `urn:altinn:org` as .NET reads a claim: a string, or a number's text.
fn org_claim(claims: &Map<String, Value>) -> Option<String> {
    match claims.get(ORG_CLAIM)? {
        Value::String(org) if !org.is_empty() => Some(org.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `Authorization: Bearer …` (prefix in any case), else cookie `.ALTINNTOKEN`, else cookie
/// `AltinnStudioRuntime`.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
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
mod tests;
