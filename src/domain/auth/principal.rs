//! Who a token says is calling, as far as production's endpoints and its policy engine read
//! it: the service-owner org, the organisation number, the user and party of a person, and the
//! scopes.

use serde_json::{Map, Value};

/// The claims of an accepted token that production's endpoints look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Principal {
    /// `urn:altinn:org`: a service owner (the app owners' query requires it, rule C).
    pub(crate) org: Option<String>,
    /// `urn:altinn:orgNumber`: an organisation (a service owner or any enterprise).
    pub(crate) org_number: Option<String>,
    /// `urn:altinn:userid`: a person.
    pub(crate) user_id: Option<String>,
    /// `urn:altinn:partyid`: the party a person acts as.
    pub(crate) party_id: Option<u32>,
    /// `authorization_details`' system user id: a system user acting for an organisation.
    pub(crate) system_user: Option<String>,
    /// The scopes, as Altinn's `ScopeAccessHandler` reads them: `urn:altinn:scope` if the
    /// token has it, else `scope`, split on spaces.
    pub(crate) scopes: Vec<String>,
}

impl Principal {
    /// What the claims of a token say.
    pub(crate) fn from_claims(claims: &Map<String, Value>) -> Principal {
        let scope = claim_text(claims, "urn:altinn:scope").or_else(|| claim_text(claims, "scope"));
        Principal {
            org: claim_text(claims, ORG_CLAIM),
            org_number: claim_text(claims, "urn:altinn:orgNumber"),
            user_id: claim_text(claims, "urn:altinn:userid"),
            party_id: claim_text(claims, "urn:altinn:partyid").and_then(|id| id.parse().ok()),
            system_user: system_user_id(claims),
            scopes: scope
                .map(|scope| scope.split(' ').map(str::to_owned).collect())
                .unwrap_or_default(),
        }
    }

    /// Whether one of the token's scopes is exactly `scope` (compared case-sensitively, as
    /// Altinn's handler does).
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }
}

/// The claim production reads the caller's org from.
const ORG_CLAIM: &str = "urn:altinn:org";

/// A claim as .NET reads it: a string, or a number's text; empty counts as absent.
fn claim_text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `authorization_details`' `systemuser_id[0]`, when it is a GUID other than the empty one.
/// The claim may be an object, an array of objects (the first counts) or their JSON text.
pub(crate) fn system_user_id(claims: &Map<String, Value>) -> Option<String> {
    let details = match claims.get("authorization_details")? {
        Value::String(text) => serde_json::from_str(text).ok()?,
        other => other.clone(),
    };
    let details = match details {
        Value::Array(items) => items.into_iter().next()?,
        other => other,
    };
    let id = details
        .get("systemuser_id")?
        .as_array()?
        .first()?
        .as_str()?;
    let guid = uuid::Uuid::parse_str(id).ok().filter(|g| !g.is_nil())?;
    Some(guid.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn principal(claims: Value) -> Principal {
        Principal::from_claims(claims.as_object().unwrap())
    }

    #[test]
    fn reads_org_person_and_scope_claims() {
        let owner = principal(json!({
            "urn:altinn:org": "ttd", "urn:altinn:orgNumber": "991825827",
            "scope": "altinn:events.subscribe altinn:serviceowner/instances.read",
        }));
        assert_eq!(owner.org.as_deref(), Some("ttd"));
        assert!(owner.has_scope("altinn:events.subscribe"));
        assert!(!owner.has_scope("altinn:events"));
        let person = principal(json!({"urn:altinn:userid": 1337, "urn:altinn:partyid": "50001"}));
        assert_eq!(person.user_id.as_deref(), Some("1337"));
        assert_eq!(person.party_id, Some(50001));
        assert_eq!(person.org, None);
    }

    #[test]
    fn urn_altinn_scope_wins_over_scope() {
        let both = principal(json!({"urn:altinn:scope": "a", "scope": "altinn:events.subscribe"}));
        assert!(!both.has_scope("altinn:events.subscribe"));
        assert!(both.has_scope("a"));
    }
}
