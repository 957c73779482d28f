//! Who a subscriber is (spec §2): the *entity* production stores as `consumer` and
//! `createdBy` and compares on read and delete, and whether the token carries the scope that
//! generic subscriptions need.

use serde_json::{Map, Value};

use crate::domain::auth::system_user_id;

/// The scope a generic subscription needs (rule 3).
pub(crate) const SUBSCRIBE_SCOPE: &str = "altinn:events.subscribe";

/// What a subscriber's token says, as far as subscriptions care.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Subscriber {
    /// `/org/ttd`, `/user/1337`, `/systemuser/{guid}`, `/organisation/950474084`, or none.
    pub(crate) entity: Option<String>,
    /// `urn:altinn:org`: a service owner (app rule a lets it subscribe without a subject).
    pub(crate) org: Option<String>,
    /// `urn:altinn:partyid`: a person's own party (the stand-in authorization's rule).
    pub(crate) party_id: Option<u32>,
    /// Whether the token has `altinn:events.subscribe` (rule 3).
    pub(crate) can_subscribe: bool,
}

impl Subscriber {
    /// Reads a token's claims as `GetEntityFromPrincipal` and `HasRequiredScope` do.
    pub(crate) fn from_claims(claims: &Map<String, Value>) -> Subscriber {
        let org = claim_text(claims, "urn:altinn:org").filter(|org| !org.is_empty());
        let entity = if let Some(org) = &org {
            Some(format!("/org/{org}"))
        } else if let Some(user) = claim_text(claims, "urn:altinn:userid") {
            Some(format!("/user/{user}"))
        } else if let Some(system_user) = system_user_id(claims) {
            Some(format!("/systemuser/{system_user}"))
        } else {
            claim_text(claims, "urn:altinn:orgNumber")
                .filter(|number| !number.is_empty())
                .map(|number| format!("/organisation/{number}"))
        };
        Subscriber {
            entity,
            org,
            party_id: claim_text(claims, "urn:altinn:partyid").and_then(|p| p.parse().ok()),
            can_subscribe: has_scope(claims, SUBSCRIBE_SCOPE),
        }
    }
}

/// A claim's value as .NET reads it: a string, a number's or boolean's text, the first
/// element of an array (a JSON array claim becomes one claim per element).
fn claim_text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Array(items) => items.first().map(|first| match first {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }),
        Value::Object(_) | Value::Null => None,
    }
}

/// `HasRequiredScope`: the first `urn:altinn:scope` claim if there is one, **else** `scope`
/// (quirk: with a `urn:altinn:scope` claim, `scope` is never read), split on spaces, compared
/// ignoring case.
fn has_scope(claims: &Map<String, Value>, wanted: &str) -> bool {
    let scopes = claim_text(claims, "urn:altinn:scope").or_else(|| claim_text(claims, "scope"));
    scopes.is_some_and(|text| text.split(' ').any(|s| s.eq_ignore_ascii_case(wanted)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subscriber(claims: Value) -> Subscriber {
        Subscriber::from_claims(claims.as_object().unwrap())
    }

    #[test]
    fn the_entity_is_the_first_of_org_user_system_user_and_organisation() {
        let all = json!({
            "urn:altinn:org": "ttd",
            "urn:altinn:userid": "1337",
            "urn:altinn:orgNumber": "950474084",
        });
        assert_eq!(subscriber(all).entity.as_deref(), Some("/org/ttd"));
        let person = json!({"urn:altinn:userid": 1337, "urn:altinn:partyid": "50001"});
        let person = subscriber(person);
        assert_eq!(person.entity.as_deref(), Some("/user/1337"));
        assert_eq!(person.party_id, Some(50001));
        let system_user = json!({
            "authorization_details": [{"type": "urn:altinn:systemuser", "systemuser_id": ["F5E4B0A4-3C3E-4E8B-9A61-0D0B8C6B1E2F"]}],
            "urn:altinn:orgNumber": "950474084",
        });
        assert_eq!(
            subscriber(system_user).entity.as_deref(),
            Some("/systemuser/f5e4b0a4-3c3e-4e8b-9a61-0d0b8c6b1e2f")
        );
        let empty_guid = json!({
            "authorization_details": {"systemuser_id": ["00000000-0000-0000-0000-000000000000"]},
            "urn:altinn:orgNumber": "950474084",
        });
        assert_eq!(
            subscriber(empty_guid).entity.as_deref(),
            Some("/organisation/950474084")
        );
        assert_eq!(subscriber(json!({"scope": "x"})).entity, None);
    }

    #[test]
    fn a_urn_altinn_scope_claim_hides_the_scope_claim() {
        assert!(subscriber(json!({"scope": "a ALTINN:EVENTS.SUBSCRIBE"})).can_subscribe);
        assert!(!subscriber(json!({"scope": "altinn:events.subscribe.x"})).can_subscribe);
        let both = json!({"urn:altinn:scope": "altinn:x", "scope": "altinn:events.subscribe"});
        assert!(!subscriber(both).can_subscribe);
        assert!(subscriber(json!({"urn:altinn:scope": "altinn:events.subscribe"})).can_subscribe);
    }
}
