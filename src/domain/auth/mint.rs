//! Minting tokens shaped like Altinn's, signed with the built-in test key.

use std::fmt;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::domain::identity;

/// What a minted token should say. Either `org` (a service-owner token), `user_id` (a person
/// token, without the org claim), `app` (a `PlatformAccessToken`), or only `org_number` (an
/// organisation that is no service owner, as Maskinporten tokens of any enterprise are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRequest {
    /// `urn:altinn:org`, for a service-owner token.
    pub org: Option<String>,
    /// `urn:altinn:orgNumber`; a valid number is made up from the org when absent. Alone: an
    /// organisation token without `urn:altinn:org`.
    pub org_number: Option<String>,
    /// `urn:altinn:userid`, for a person token.
    pub user_id: Option<String>,
    /// `urn:altinn:partyid`, for a person token.
    pub party_id: Option<String>,
    /// `scope`; service-owner tokens default to `altinn:serviceowner/instances.read`.
    pub scope: Option<String>,
    /// `{org}/{app}`, for a `PlatformAccessToken` as an app sends it when it publishes
    /// (issuer `org`, claim `urn:altinn:app`).
    pub app: Option<String>,
    /// A system user's id (a GUID), for a system user token: `authorization_details` with
    /// `systemuser_id`, owned by `org_number`.
    pub system_user_id: Option<String>,
    /// Seconds until `exp`; negative gives an already expired token.
    pub expires_in: i64,
}

/// Why a token could not be minted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenError(String);

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TokenError {}

/// Default lifetime of a minted token, in seconds.
pub(super) const DEFAULT_EXPIRES_IN: i64 = 3600;
/// The longest lifetime either way: 100 years. A fixed bound, unlike "whatever does not
/// overflow now + expires_in", so the OpenAPI document can state it.
const MAX_EXPIRES_IN: i64 = 3_155_760_000;
const DEFAULT_SCOPE: &str = "altinn:serviceowner/instances.read";
const ISSUER: &str = "altinn-events-mock";
/// Digdir's organisation number, the owner of the test org `ttd`.
const TTD_ORG_NUMBER: &str = "991825827";

impl Default for TokenRequest {
    fn default() -> TokenRequest {
        TokenRequest {
            org: None,
            org_number: None,
            user_id: None,
            party_id: None,
            scope: None,
            app: None,
            system_user_id: None,
            expires_in: DEFAULT_EXPIRES_IN,
        }
    }
}

impl TokenRequest {
    /// A service-owner token for `org`.
    pub(crate) fn service_owner(org: &str) -> TokenRequest {
        TokenRequest {
            org: Some(org.to_owned()),
            ..TokenRequest::default()
        }
    }

    /// A service-owner token for `org` with `scope` (space-separated scopes).
    pub(crate) fn service_owner_with_scope(org: &str, scope: &str) -> TokenRequest {
        TokenRequest {
            scope: Some(scope.to_owned()),
            ..TokenRequest::service_owner(org)
        }
    }

    /// A token of the organisation with `org_number`, which is no service owner (no
    /// `urn:altinn:org`), with `scope` if given.
    pub(crate) fn organisation(org_number: &str, scope: Option<&str>) -> TokenRequest {
        TokenRequest {
            org_number: Some(org_number.to_owned()),
            scope: scope.map(str::to_owned),
            ..TokenRequest::default()
        }
    }

    /// A person token for user `user_id` acting as party `party_id`.
    pub(crate) fn person(user_id: u32, party_id: u32) -> TokenRequest {
        TokenRequest {
            user_id: Some(user_id.to_string()),
            party_id: Some(party_id.to_string()),
            ..TokenRequest::default()
        }
    }

    /// A `PlatformAccessToken` for app `org_app` (`ttd/apps-test`).
    pub(crate) fn platform_access(org_app: &str) -> TokenRequest {
        TokenRequest {
            app: Some(org_app.to_owned()),
            ..TokenRequest::default()
        }
    }

    /// Reads `org`, `orgNumber`, `userId`, `partyId`, `scope`, `app` and `expires_in` from a query
    /// string (names in any case), as `GET /_mock/token` takes them.
    pub(crate) fn from_query(raw_query: &str) -> Result<TokenRequest, TokenError> {
        let mut request = TokenRequest::default();
        for (key, value) in form_urlencoded::parse(raw_query.as_bytes()) {
            let value = Some(value.into_owned()).filter(|v| !v.is_empty());
            match key.to_ascii_lowercase().as_str() {
                "org" => request.org = value,
                "orgnumber" => request.org_number = value,
                "userid" => request.user_id = value,
                "partyid" => request.party_id = value,
                "scope" => request.scope = value,
                "app" => request.app = value,
                "systemuserid" => request.system_user_id = value,
                "expires_in" => {
                    let text = value.unwrap_or_default();
                    request.expires_in = text.parse().map_err(|_| {
                        TokenError(format!(
                            "expires_in must be a whole number of seconds, not {text:?}"
                        ))
                    })?;
                }
                other => {
                    return Err(TokenError(format!(
                        "unknown parameter {other:?}: expected org, orgNumber, userId, partyId, systemUserId, scope, app or expires_in"
                    )));
                }
            }
        }
        Ok(request)
    }

    /// The claims this request stands for, issued at `now` (Unix seconds).
    pub(crate) fn claims(&self, now: i64) -> Result<Map<String, Value>, TokenError> {
        if !(-MAX_EXPIRES_IN..=MAX_EXPIRES_IN).contains(&self.expires_in) {
            return Err(TokenError(format!(
                "expires_in must be within 100 years either way ({MAX_EXPIRES_IN} seconds), not {}",
                self.expires_in
            )));
        }
        let exp = now.saturating_add(self.expires_in);
        // A value the chosen kind of token would not read is a mistake, not something to drop.
        if self.party_id.is_some() && self.user_id.is_none() {
            return Err(TokenError(
                "partyId goes with userId (a person token)".into(),
            ));
        }
        if self.org_number.is_some() && (self.user_id.is_some() || self.app.is_some()) {
            return Err(TokenError(
                "orgNumber goes with org, with systemUserId, or alone (an organisation)".into(),
            ));
        }
        let mut claims = match (&self.org, &self.user_id, &self.app, &self.system_user_id) {
            (Some(org), None, None, None) => self.service_owner_claims(org)?,
            (None, Some(user_id), None, None) => self.person_claims(user_id)?,
            (None, None, Some(app), None) => access_token_claims(app)?,
            (None, None, None, Some(id)) => self.system_user_claims(id)?,
            (None, None, None, None) if self.org_number.is_some() => self.enterprise_claims()?,
            (None, None, None, None) => {
                return Err(TokenError(
                    "give org=ORG for a service-owner token, orgNumber=N alone for another organisation, userId=ID&partyId=ID for a person token, systemUserId=GUID&orgNumber=N for a system user, or app=ORG/APP for a PlatformAccessToken".into(),
                ));
            }
            _ => {
                return Err(TokenError(
                    "give only one of org (a service-owner token), userId (a person token), systemUserId (a system user) and app (a PlatformAccessToken)".into(),
                ));
            }
        };
        claims.entry("iss").or_insert_with(|| json!(ISSUER));
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now));
        claims.insert("exp".into(), json!(exp));
        claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        Ok(claims)
    }

    fn service_owner_claims(&self, org: &str) -> Result<Map<String, Value>, TokenError> {
        let org_number = self
            .valid_org_number()?
            .unwrap_or_else(|| default_org_number(org));
        let mut claims = Map::new();
        claims.insert("urn:altinn:org".into(), json!(org));
        claims.insert("urn:altinn:orgNumber".into(), json!(org_number));
        claims.insert(
            "urn:altinn:authenticatemethod".into(),
            json!("maskinporten"),
        );
        claims.insert("urn:altinn:authlevel".into(), json!(3));
        claims.insert("client_id".into(), json!(ISSUER));
        claims.insert(
            "scope".into(),
            json!(self.scope.as_deref().unwrap_or(DEFAULT_SCOPE)),
        );
        Ok(claims)
    }

    fn person_claims(&self, user_id: &str) -> Result<Map<String, Value>, TokenError> {
        let numeric = |name: &str, value: &str| {
            value.parse::<u32>().map_err(|_| {
                TokenError(format!(
                    "{name} must be a positive whole number, not {value:?}"
                ))
            })
        };
        let mut claims = Map::new();
        claims.insert(
            "urn:altinn:userid".into(),
            json!(numeric("userId", user_id)?.to_string()),
        );
        if let Some(party_id) = &self.party_id {
            claims.insert(
                "urn:altinn:partyid".into(),
                json!(numeric("partyId", party_id)?.to_string()),
            );
        }
        claims.insert("urn:altinn:authenticatemethod".into(), json!("BankID"));
        claims.insert("urn:altinn:authlevel".into(), json!(3));
        if let Some(scope) = &self.scope {
            claims.insert("scope".into(), json!(scope));
        }
        Ok(claims)
    }

    /// An organisation's Maskinporten token (no org claim, so not a service owner): its
    /// `urn:altinn:orgNumber` and `scope`, as a subscriber's entity `/organisation/{number}`.
    fn enterprise_claims(&self) -> Result<Map<String, Value>, TokenError> {
        let number = self.valid_org_number()?.unwrap_or_default();
        let mut claims = Map::new();
        claims.insert("urn:altinn:orgNumber".into(), json!(number));
        claims.insert(
            "urn:altinn:authenticatemethod".into(),
            json!("maskinporten"),
        );
        claims.insert("urn:altinn:authlevel".into(), json!(3));
        claims.insert("client_id".into(), json!(ISSUER));
        claims.insert(
            "consumer".into(),
            json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{number}")}),
        );
        if let Some(scope) = &self.scope {
            claims.insert("scope".into(), json!(scope));
        }
        Ok(claims)
    }

    /// A system user's token: `authorization_details` naming the system user (entity
    /// `/systemuser/{id}`), owned by `orgNumber` when given.
    fn system_user_claims(&self, id: &str) -> Result<Map<String, Value>, TokenError> {
        let guid = uuid::Uuid::parse_str(id)
            .map_err(|_| TokenError(format!("systemUserId must be a GUID, not {id:?}")))?;
        let owner = self
            .valid_org_number()?
            .unwrap_or_else(|| TTD_ORG_NUMBER.to_owned());
        let mut claims = Map::new();
        claims.insert(
            "authorization_details".into(),
            json!([{
                "type": "urn:altinn:systemuser",
                "systemuser_id": [guid.to_string()],
                "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{owner}")},
                "system_id": "altinn-events-mock",
            }]),
        );
        claims.insert("urn:altinn:orgNumber".into(), json!(owner));
        claims.insert(
            "urn:altinn:authenticatemethod".into(),
            json!("maskinporten"),
        );
        if let Some(scope) = &self.scope {
            claims.insert("scope".into(), json!(scope));
        }
        Ok(claims)
    }

    /// `orgNumber` if given, checked to be 9 digits.
    fn valid_org_number(&self) -> Result<Option<String>, TokenError> {
        match &self.org_number {
            Some(number) if number.len() == 9 && number.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Some(number.clone()))
            }
            Some(number) => Err(TokenError(format!(
                "orgNumber must be 9 digits, not {number:?}"
            ))),
            None => Ok(None),
        }
    }

    /// The token issued at `now` (Unix seconds), signed with the built-in test key.
    pub(crate) fn mint_with_test_key(&self, now: i64) -> Result<String, TokenError> {
        let key = EncodingKey::from_rsa_pem(super::TEST_SIGNING_KEY_PEM.as_bytes())
            .map_err(|e| TokenError(format!("the built-in test key: {e}")))?;
        self.mint(&key, now)
    }

    /// The token issued at `now` (Unix seconds), signed with `key` (RS256).
    pub(crate) fn mint(&self, key: &EncodingKey, now: i64) -> Result<String, TokenError> {
        let claims = self.claims(now)?;
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, &claims, key)
            .map_err(|e| TokenError(format!("signing failed: {e}")))
    }
}

/// An app's platform access token: issued by its org, naming the app.
fn access_token_claims(org_app: &str) -> Result<Map<String, Value>, TokenError> {
    let (org, app) = org_app
        .split_once('/')
        .filter(|(org, app)| !org.is_empty() && !app.is_empty() && !app.contains('/'))
        .ok_or_else(|| {
            TokenError(format!(
                "app must be ORG/APP, like ttd/apps-test, not {org_app:?}"
            ))
        })?;
    let mut claims = Map::new();
    claims.insert("urn:altinn:app".into(), json!(app));
    // `iss` is the org; `claims()` writes the mock's issuer only where none is set.
    claims.insert("iss".into(), json!(org));
    Ok(claims)
}

/// `ttd` gets Digdir's number; any other org a stable, valid made-up one.
fn default_org_number(org: &str) -> String {
    if org == "ttd" {
        return TTD_ORG_NUMBER.to_owned();
    }
    // FNV-1a: stable across runs and machines, unlike the std hasher.
    let hash = org.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let mut stem = 80_000_000 + hash % 20_000_000;
    loop {
        if let Some(number) = identity::org_number_from_stem(stem) {
            return number;
        }
        stem = 80_000_000 + (stem - 80_000_000 + 1) % 20_000_000;
    }
}

#[cfg(test)]
mod tests;
