//! Production's authorization step on a selected page, and the fake's stand-in for the policy
//! decisions it cannot know on the party's query (contract §5).

use crate::domain::auth::{Access, Principal, Who};
use crate::domain::event::{ReadAccess, instance_app};
use crate::domain::store::{EventStore, StoredEvent};

/// The events of `page` that `permitted` accepts, mapped back as production maps its policy
/// engine's answers (`FilterAuthorizedRequests`): each permitted decision takes the **first**
/// event of the page with that id (`First(e => e.Id == id)`). So two events with one id on a
/// page come back as the first one twice (a quirk) — even when only the second was permitted.
///
/// An id can repeat only where `store` holds it more than once (rare): only those are looked
/// up on the page, so a page costs no more than its length.
pub(super) fn keep_authorized(
    mut page: Vec<StoredEvent>,
    store: &EventStore,
    permitted: impl Fn(&StoredEvent) -> bool,
) -> Vec<StoredEvent> {
    let repeats = store.has_repeated_ids()
        && page
            .iter()
            .any(|stored| store.id_is_repeated(stored.event.id()));
    if !repeats {
        page.retain(|stored| permitted(stored));
        return page;
    }
    page.iter()
        .filter(|stored| permitted(stored))
        .filter_map(|stored| {
            page.iter()
                .find(|first| first.event.id() == stored.event.id())
                .cloned()
        })
        .collect()
}

/// A caller of `GET /events/api/v1/app/party`, and what the stand-in for production's policy
/// engine lets them read. Production asks each app's XACML policy with the caller's roles for
/// the party; the fake keeps an app instance event when the caller owns the app (its
/// `urn:altinn:org` is the source's org), acts as the event's party (a person's
/// `urn:altinn:partyid`, or the party the register gives an organisation's number), or holds
/// a grant for the party (and app).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PartyReader<'a> {
    /// The token's claims.
    pub(crate) caller: &'a Principal,
    /// The party the caller acts as, if any.
    pub(crate) own_party: Option<u32>,
    /// The grants.
    pub(crate) access: &'a Access,
}

impl PartyReader<'_> {
    /// Whether the stand-in permits `stored` (an event the filter did not throw on).
    pub(crate) fn permits(&self, stored: &StoredEvent) -> bool {
        // Sources that do not split into six parts never reach the policy engine.
        let ReadAccess::Org(org) = stored.event.read_access() else {
            return false;
        };
        if self.caller.org.as_deref() == Some(org.as_str()) {
            return true;
        }
        let Some(party) = party_of(stored.event.subject()) else {
            return false;
        };
        if self.own_party == Some(party) {
            return true;
        }
        let app = instance_app(stored.event.source()).unwrap_or_default();
        self.access
            .may_read_party(Who::Caller(self.caller), party, (org, &app))
    }
}

/// The party id of subject `/party/{id}`.
fn party_of(subject: Option<&str>) -> Option<u32> {
    subject?.strip_prefix("/party/")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::domain::auth::Grant;
    use crate::domain::event::Event;
    use crate::domain::store::Registration;

    fn stored(id: &str, org: &str, party: u32) -> StoredEvent {
        let event = Event::from_json(json!({
            "specversion": "1.0", "id": id, "type": "app.instance.created",
            "source": format!("https://{org}.apps.altinn.no/{org}/apps-test/instances/{party}/g"),
            "subject": format!("/party/{party}"),
        }))
        .unwrap();
        StoredEvent {
            sequence_number: 1,
            registered: Registration::BeforeStart,
            event: Arc::new(event),
        }
    }

    fn ids(page: &[StoredEvent]) -> Vec<(&str, &str)> {
        page.iter()
            .map(|s| (s.event.id(), s.event.source()))
            .collect()
    }

    #[test]
    fn a_permitted_id_maps_back_to_the_first_event_with_it() {
        let page = vec![
            stored("x", "ttd", 1),
            stored("x", "skd", 1),
            stored("y", "ttd", 1),
        ];
        let first = page[0].event.source().to_owned();
        let mut store = EventStore::default();
        store.append_all(
            page.iter().map(|stored| Arc::clone(&stored.event)),
            Registration::BeforeStart,
        );
        let kept = keep_authorized(page, &store, |s| s.event.source().contains("skd"));
        assert_eq!(ids(&kept), [("x", first.as_str())]);
    }

    #[test]
    fn parties_read_their_own_the_owner_reads_its_apps_and_grants_add_more() {
        let access = Access {
            grants: vec![
                "user:7 read party:3 app:ttd/apps-test"
                    .parse::<Grant>()
                    .unwrap(),
            ],
            ..Access::default()
        };
        let person = Principal {
            user_id: Some("7".into()),
            party_id: Some(1),
            ..Principal::default()
        };
        let reader = PartyReader {
            caller: &person,
            own_party: Some(1),
            access: &access,
        };
        assert!(reader.permits(&stored("a", "ttd", 1)));
        assert!(!reader.permits(&stored("b", "ttd", 2)));
        assert!(reader.permits(&stored("c", "ttd", 3)));
        assert!(
            !reader.permits(&stored("d", "skd", 3)),
            "the grant names ttd's app"
        );
        let owner = Principal {
            org: Some("skd".into()),
            ..Principal::default()
        };
        let reader = PartyReader {
            caller: &owner,
            own_party: None,
            access: &access,
        };
        assert!(reader.permits(&stored("e", "skd", 9)));
        assert!(!reader.permits(&stored("f", "ttd", 9)));
    }
}
