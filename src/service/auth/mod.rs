//! Checking tokens as production does (spec §3): RS256 signed by a trusted key, `exp` and
//! `nbf` with zero clock skew, neither issuer, audience nor scope — with two relaxed modes for
//! local work, and a memory of good signatures, since checking one costs far more than
//! answering a page and a client sends the same token for its whole session.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde_json::{Map, Value};

use crate::domain::auth::{
    AuthMode, Caller, Principal, TEST_PUBLIC_KEY_PEM, TEST_SIGNING_KEY_PEM, TokenError,
    TokenRequest, Unauthenticated, timestamp, unverified_claims,
};

/// A PEM public key that is not an RSA public key: which one (from 1, in the order given) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyError {
    pub(crate) index: usize,
    pub(crate) reason: String,
}

/// Checks tokens and mints them with the built-in test key.
#[derive(Clone)]
pub(crate) struct Authenticator {
    mode: AuthMode,
    trusted_keys: Vec<DecodingKey>,
    signing_key: EncodingKey,
    validation: Validation,
    verified: Arc<Mutex<Verified>>,
}

/// Good signatures remembered, bounded in bytes as well as in entries: a client that sends a
/// new 30 KiB token with every request must not grow the server without limit.
#[derive(Debug, Default)]
struct Verified {
    tokens: HashMap<String, Arc<VerifiedToken>, SignatureHash>,
    /// What the entries take, as [`entry_bytes`] estimates it.
    bytes: usize,
}

impl Verified {
    fn get(&self, token: &str) -> Option<Arc<VerifiedToken>> {
        self.tokens.get(token).cloned()
    }

    /// Remembers `known` for `token`; when it would not fit, everything remembered is
    /// forgotten first (a signature is checked again at a token's next use), and a token
    /// larger than the whole budget is not remembered at all.
    fn remember(&mut self, token: &str, known: Arc<VerifiedToken>) {
        let cost = entry_bytes(token);
        if cost > VERIFIED_BYTES_KEPT {
            return;
        }
        if self.tokens.len() >= VERIFIED_TOKENS_KEPT || self.bytes + cost > VERIFIED_BYTES_KEPT {
            self.tokens = HashMap::default();
            self.bytes = 0;
        }
        if self.tokens.insert(token.to_owned(), known).is_none() {
            self.bytes += cost;
        }
    }
}

/// Hashes a remembered token by its last bytes only: hashing the whole ~1 KiB token was the
/// largest single cost of answering a page. The tail of a JWT is its signature, which differs
/// between any two tokens a trusted key signed (and only those are remembered); keys are still
/// compared whole, so tokens sharing a tail cost a comparison, never a wrong answer.
#[derive(Debug, Default, Clone)]
struct SignatureHash(std::hash::RandomState);

/// How many of a token's last bytes are hashed (some 48 bytes of an RS256 signature).
const HASHED_TAIL: usize = 64;

impl std::hash::BuildHasher for SignatureHash {
    type Hasher = TailHasher;

    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

/// Feeds the inner hasher the last [`HASHED_TAIL`] bytes of each write.
struct TailHasher(std::hash::DefaultHasher);

impl std::hash::Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0
            .write(&bytes[bytes.len().saturating_sub(HASHED_TAIL)..]);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// What remembering `token` costs: the key, and its claims, which take about as much as the
/// token's text again, plus the bookkeeping.
fn entry_bytes(token: &str) -> usize {
    2 * token.len() + 256
}

/// What a signature check established about a token. Checking an RSA signature costs far more
/// than answering a page, and a client sends the same token for its whole session, so strict
/// mode remembers each good signature and re-checks only the lifetime, which can change.
#[derive(Debug)]
struct VerifiedToken {
    claims: Map<String, Value>,
    /// What the claims say, worked out once per token rather than once per request.
    principal: Arc<Principal>,
    exp: i64,
    nbf: Option<i64>,
}

/// Tokens remembered at most; the memory is simply emptied when it is full.
const VERIFIED_TOKENS_KEPT: usize = 4096;

/// Bytes the remembered tokens may take (an Altinn token is about 1 KiB: 4096 of them fit).
const VERIFIED_BYTES_KEPT: usize = 16 << 20;

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
    pub(crate) fn new(
        mode: AuthMode,
        extra_public_keys: &[String],
    ) -> Result<Authenticator, KeyError> {
        let refused = |index: usize, e: jsonwebtoken::errors::Error| KeyError {
            index,
            reason: format!(
                "not an RSA public key in PEM form ({e}); for a certificate, extract its key with `openssl x509 -pubkey -noout -in CERT`"
            ),
        };
        // The built-in keys are checked in by the project; they are key 0.
        let builtin =
            DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY_PEM.as_bytes()).map_err(|e| refused(0, e))?;
        let mut trusted_keys = vec![builtin];
        for (i, pem) in extra_public_keys.iter().enumerate() {
            let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| refused(i + 1, e))?;
            trusted_keys.push(key);
        }
        let signing_key = EncodingKey::from_rsa_pem(TEST_SIGNING_KEY_PEM.as_bytes())
            .map_err(|e| refused(0, e))?;
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
    pub(crate) fn mode(&self) -> AuthMode {
        self.mode
    }

    /// Decides who is calling from the request's token (see `http::credentials`).
    pub(crate) fn authenticate(&self, token: Option<&str>) -> Result<Caller, Unauthenticated> {
        let principal = match (self.mode, token) {
            (AuthMode::Strict, Some(token)) => self
                .verified_claims(token)
                .map(|known| Arc::clone(&known.principal)),
            (AuthMode::Lenient | AuthMode::Off, Some(token)) => {
                unverified_claims(token).map(|claims| Arc::new(Principal::from_claims(&claims)))
            }
            (_, None) => None,
        };
        match (self.mode, principal) {
            (_, Some(principal)) => Ok(Caller::Token(principal)),
            (AuthMode::Off, None) => Ok(Caller::Anonymous),
            (_, None) => Err(Unauthenticated),
        }
    }

    /// Every claim of the request's token, checked as [`authenticate`](Self::authenticate)
    /// checks it; `--auth off` without a usable token gives no claims (nobody in particular).
    pub(crate) fn claims(
        &self,
        token: Option<&str>,
    ) -> Result<Map<String, Value>, Unauthenticated> {
        let claims = match (self.mode, token) {
            (AuthMode::Strict, Some(token)) => self
                .verified_claims(token)
                .map(|known| known.claims.clone()),
            (AuthMode::Lenient | AuthMode::Off, Some(token)) => unverified_claims(token),
            (_, None) => None,
        };
        match (self.mode, claims) {
            (_, Some(claims)) => Ok(claims),
            (AuthMode::Off, None) => Ok(Map::new()),
            (_, None) => Err(Unauthenticated),
        }
    }

    /// Checks a `PlatformAccessToken` as strictly as `strict` checks tokens and returns what
    /// production keeps of it: `{issuer}/{urn:altinn:app}`, e.g. `ttd/apps-test`.
    pub(crate) fn verify_access_token(&self, token: &str) -> Option<String> {
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

    /// Whether a `PlatformAccessToken` passes: strictly checked in `strict` mode, any
    /// well-formed JWT otherwise (the relaxed modes check no signatures).
    pub(crate) fn accepts_access_token(&self, token: &str) -> bool {
        match self.mode {
            AuthMode::Strict => self.verified_claims(token).is_some(),
            AuthMode::Lenient | AuthMode::Off => unverified_claims(token).is_some(),
        }
    }

    /// The claims of a token signed by a trusted key and within its lifetime, from memory when
    /// its signature was checked before.
    fn verified_claims(&self, token: &str) -> Option<Arc<VerifiedToken>> {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let remembered = self
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token);
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
            principal: Arc::new(Principal::from_claims(&claims)),
            claims,
        });
        self.verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remember(token, Arc::clone(&known));
        Some(known)
    }

    /// Mints a token this server accepts in every mode.
    pub(crate) fn mint(&self, request: &TokenRequest) -> Result<String, TokenError> {
        // Tokens live in real time, as production's do; the server clock is for events.
        request.mint(&self.signing_key, chrono::Utc::now().timestamp())
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "public key #{}: {}", self.index, self.reason)
    }
}

#[cfg(test)]
mod tests;
