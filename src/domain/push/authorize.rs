//! Who may subscribe to what, and which consumers may receive an event — production asks its
//! policy decision point (spec §4, §7.4); a fake has none, so these are **stand-ins**,
//! documented as such: explicit rules for what the standard policies make obvious, the grants
//! every stand-in shares (`domain::auth::Grant`) for the rest, and a permissive mode for
//! people who only test transport.

use std::str::FromStr;

use super::checks::Refusal;
use super::subscription::{Draft, StoredSubscription};
use crate::domain::auth::{Access, Who};
use crate::domain::event::{Event, parse_app_source};
use crate::domain::store::PartyIdentifier;

/// How subscriptions and deliveries are authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubscriptionAuthz {
    /// The stand-in rules of spec §4 and the grants; a generic resource as the resource
    /// access setting says (open by default: anyone identified).
    #[default]
    Rules,
    /// Everything permitted, for testing transport only.
    PermitAll,
}

impl FromStr for SubscriptionAuthz {
    type Err = String;

    fn from_str(text: &str) -> Result<SubscriptionAuthz, String> {
        match text.to_ascii_lowercase().as_str() {
            "rules" => Ok(SubscriptionAuthz::Rules),
            "permit-all" => Ok(SubscriptionAuthz::PermitAll),
            "strict" => Err(
                "strict is now --resource-access grants, which also covers GET and POST /events"
                    .into(),
            ),
            other => Err(format!(
                "unknown authorization mode {other:?}: expected rules or permit-all"
            )),
        }
    }
}

/// What a decision consults besides the mode.
pub(crate) struct Policy<'a> {
    pub(crate) mode: SubscriptionAuthz,
    pub(crate) access: &'a Access,
    pub(crate) lookup_party: &'a dyn Fn(&PartyIdentifier) -> Option<u32>,
}

const APP_PREFIX: &str = "urn:altinn:resource:app_";

/// The org of an app resource (`app_{org}_{app}` split on `_`); `Err` where production's
/// mapper throws because there is no third part.
fn app_resource_org(resource: &str) -> Option<Result<&str, Refusal>> {
    let name = resource.strip_prefix("urn:altinn:resource:")?;
    name.starts_with("app_").then(|| {
        let parts: Vec<&str> = name.split('_').collect();
        match parts.as_slice() {
            [_, org, _, ..] => Ok(*org),
            _ => Err(Refusal::UnmappableAppResource),
        }
    })
}

impl Policy<'_> {
    /// Rule 6: may the caller create `draft`?
    pub(crate) fn may_subscribe(&self, draft: &Draft) -> Result<(), Refusal> {
        let refused = || Refusal::NotAuthorized(draft.resource_filter.clone());
        // Production's mapper splits the resource before asking anyone (case-sensitive prefix).
        let app_org = if draft.resource_filter.starts_with(APP_PREFIX) {
            app_resource_org(&draft.resource_filter).transpose()?
        } else {
            None
        };
        if draft.consumer.is_empty() {
            return Err(refused());
        }
        let subject = draft.subject_filter.as_deref();
        let permitted = match (self.mode, app_org) {
            (SubscriptionAuthz::PermitAll, _) => true,
            (_, Some(org)) => self.app_permits(
                &draft.consumer,
                org,
                subject,
                draft.owner_party,
                &draft.resource_filter,
            ),
            (SubscriptionAuthz::Rules, None) => self.access.may_subscribe(
                Who::Entity(&draft.consumer),
                &draft.resource_filter,
                subject,
            ),
        };
        if permitted { Ok(()) } else { Err(refused()) }
    }

    /// §7.4: may `subscription`'s consumer receive `event`? Evaluated per event.
    pub(crate) fn may_receive(&self, subscription: &StoredSubscription, event: &Event) -> bool {
        let resource = event.resource().unwrap_or_default();
        let consumer = subscription.consumer.as_str();
        let subject = event.subject();
        match self.mode {
            SubscriptionAuthz::PermitAll => true,
            _ if resource.starts_with(APP_PREFIX) => {
                // The org of an `app.*` event comes from its source, of others from the resource.
                let from_source = event
                    .event_type()
                    .starts_with("app.")
                    .then(|| parse_app_source(event.source()).map(|app| app.org))
                    .flatten();
                let org = from_source.or_else(|| {
                    app_resource_org(resource)
                        .and_then(Result::ok)
                        .map(str::to_owned)
                });
                org.is_some_and(|org| {
                    self.app_permits(consumer, &org, subject, subscription.owner_party, resource)
                })
            }
            SubscriptionAuthz::Rules => {
                self.access
                    .may_subscribe(Who::Entity(consumer), resource, subject)
            }
        }
    }

    /// The app rules: a service owner reads its own apps' events; a person its own party's;
    /// an organisation its own party's (from the register); anyone what a grant gives.
    fn app_permits(
        &self,
        consumer: &str,
        org: &str,
        subject: Option<&str>,
        owner_party: Option<u32>,
        resource: &str,
    ) -> bool {
        let own_party = |party: Option<u32>| {
            party.is_some_and(|p| subject == Some(format!("/party/{p}").as_str()))
        };
        let by_rule = if let Some(consumer_org) = consumer.strip_prefix("/org/") {
            consumer_org == org
        } else if consumer.starts_with("/user/") {
            own_party(owner_party)
        } else if let Some(number) = consumer.strip_prefix("/organisation/") {
            own_party((self.lookup_party)(&PartyIdentifier::Unit(
                number.to_owned(),
            )))
        } else {
            false
        };
        by_rule || self.party_granted(consumer, subject, resource)
    }

    /// Whether a `read party:` grant lets `consumer` read the events of `subject`'s party in
    /// the app `resource` names.
    fn party_granted(&self, consumer: &str, subject: Option<&str>, resource: &str) -> bool {
        let party = subject
            .and_then(|s| s.strip_prefix("/party/"))
            .and_then(|id| id.parse::<u32>().ok());
        let app = resource
            .strip_prefix(APP_PREFIX)
            .and_then(|name| name.split_once('_'));
        match (party, app) {
            (Some(party), Some(app)) => {
                self.access
                    .may_read_party(Who::Entity(consumer), party, app)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::auth::ResourceAccess;
    use crate::domain::push::uri::DotNetUri;

    fn draft(consumer: &str, resource: &str, subject: Option<&str>) -> Draft {
        Draft {
            end_point: DotNetUri::parse("https://a.no/")
                .unwrap()
                .absolute()
                .unwrap()
                .clone(),
            source_filter: None,
            resource_filter: resource.into(),
            subject_filter: subject.map(str::to_owned),
            type_filter: None,
            include_subunits: false,
            consumer: consumer.into(),
            owner_party: Some(50001),
        }
    }

    fn lookup(identifier: &PartyIdentifier) -> Option<u32> {
        (identifier == &PartyIdentifier::Unit("950474084".into())).then_some(50100)
    }

    fn access(grants: &[&str], resources: ResourceAccess) -> Access {
        Access {
            resources,
            grants: grants.iter().map(|text| text.parse().unwrap()).collect(),
        }
    }

    fn policy(mode: SubscriptionAuthz, access: &Access) -> Policy<'_> {
        Policy {
            mode,
            access,
            lookup_party: &lookup,
        }
    }

    const GUID: &str = "f5e4b0a4-3c3e-4e8b-9a61-0d0b8c6b1e2f";

    const APP: &str = "urn:altinn:resource:app_ttd_apps-test";

    #[test]
    fn service_owners_may_subscribe_to_their_own_apps_only() {
        let open = access(&[], ResourceAccess::Open);
        let rules = policy(SubscriptionAuthz::Rules, &open);
        assert!(rules.may_subscribe(&draft("/org/ttd", APP, None)).is_ok());
        assert_eq!(
            rules.may_subscribe(&draft("/org/skd", APP, None)),
            Err(Refusal::NotAuthorized(APP.into()))
        );
    }

    #[test]
    fn people_and_organisations_may_subscribe_to_their_own_party_or_a_granted_one() {
        let grants = access(
            &[&format!("systemuser:{GUID} read party:7 app:ttd/apps-test")],
            ResourceAccess::Open,
        );
        let rules = policy(SubscriptionAuthz::Rules, &grants);
        let system_user = format!("/systemuser/{GUID}");
        assert!(
            rules
                .may_subscribe(&draft("/user/1", APP, Some("/party/50001")))
                .is_ok()
        );
        assert!(
            rules
                .may_subscribe(&draft("/user/1", APP, Some("/party/2")))
                .is_err()
        );
        let organisation = draft("/organisation/950474084", APP, Some("/party/50100"));
        assert!(rules.may_subscribe(&organisation).is_ok());
        assert!(
            rules
                .may_subscribe(&draft(&system_user, APP, Some("/party/7")))
                .is_ok()
        );
        assert!(
            rules
                .may_subscribe(&draft(&system_user, APP, Some("/party/8")))
                .is_err()
        );
    }

    #[test]
    fn generic_resources_are_open_unless_resource_access_asks_for_grants() {
        let generic = draft("/org/ttd", "urn:altinn:resource:ttd-test", None);
        let open = access(&[], ResourceAccess::Open);
        assert!(
            policy(SubscriptionAuthz::Rules, &open)
                .may_subscribe(&generic)
                .is_ok()
        );
        let closed = access(&[], ResourceAccess::Grants);
        assert!(
            policy(SubscriptionAuthz::Rules, &closed)
                .may_subscribe(&generic)
                .is_err()
        );
        let granted = access(
            &["org:ttd subscribe urn:altinn:resource:ttd-test"],
            ResourceAccess::Grants,
        );
        assert!(
            policy(SubscriptionAuthz::Rules, &granted)
                .may_subscribe(&generic)
                .is_ok()
        );
        let nobody = draft("", "urn:altinn:resource:ttd-test", None);
        assert!(
            policy(SubscriptionAuthz::PermitAll, &open)
                .may_subscribe(&nobody)
                .is_err()
        );
    }

    #[test]
    fn an_app_resource_without_a_second_underscore_breaks_the_mapper() {
        let broken = draft("/org/ttd", "urn:altinn:resource:app_ttd", None);
        let open = access(&[], ResourceAccess::Open);
        for mode in [SubscriptionAuthz::Rules, SubscriptionAuthz::PermitAll] {
            assert_eq!(
                policy(mode, &open).may_subscribe(&broken),
                Err(Refusal::UnmappableAppResource)
            );
        }
    }
}
