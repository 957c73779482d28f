//! The core's verbs for the neighbours of the app owners' query: the party's query, the generic
//! query and generic publishing. Each reads the store once under its read lock; publishing
//! stores through `store_now` like every other runtime event.

use chrono::{DateTime, Utc};

use super::{MockService, PublishRefused};
use crate::domain::auth::{Caller, Principal, Who};
use crate::domain::event::{
    GenericPublishError, Handled, ReadAccess, StructuredAttributes, can_register, check_generic,
    handle_registration, shift,
};
use crate::domain::query::{BoundQuery, EventQuery, GenericQuery, PartyReader, QueryError};
use crate::domain::store::{EventStore, PartyIdentifier, StoredEvent};

impl MockService {
    /// The instant before which events are old enough for production's visibility lag, or
    /// `None` with no lag (then nothing is hidden, even after the clock was set back).
    pub(super) fn registered_by(&self) -> Option<DateTime<Utc>> {
        (!self.visibility_lag.is_zero()).then(|| shift(self.clock.now(), -self.visibility_lag))
    }

    /// A page of `GET /events/api/v1/app/party` for `caller`: rules 1–10, selection by
    /// subject (any app), the sequence-number visibility cut, `LIMIT`, then the stand-in for
    /// production's policy decisions (`--auth off` without a token keeps every instance event).
    pub(crate) fn party_events(
        &self,
        bound: &BoundQuery,
        caller: &Caller,
    ) -> Result<Vec<StoredEvent>, QueryError> {
        let registered_by = self.registered_by();
        let store = self.read_store();
        let query = EventQuery::plan_for_party(bound, &store)?;
        match caller {
            Caller::Anonymous => query.run(&store, registered_by, |stored| {
                matches!(stored.event.read_access(), ReadAccess::Org(_))
            }),
            Caller::Token(principal) => {
                let access = self.access.read();
                let reader = PartyReader {
                    caller: principal,
                    own_party: own_party(principal, &store),
                    access: &access,
                };
                query.run(&store, registered_by, |stored| reader.permits(stored))
            }
        }
    }

    /// A page of `GET /events/api/v1/events` for `caller` (the query checked already):
    /// selection, the per-event visibility lag, `LIMIT`, then the subscribe stand-in.
    pub(crate) fn generic_events(&self, query: &GenericQuery, caller: &Caller) -> Vec<StoredEvent> {
        let registered_by = self.registered_by();
        let store = self.read_store();
        let access = self.access.read();
        query.run(&store, registered_by, |stored| match caller {
            Caller::Anonymous => true,
            Caller::Token(principal) => access.may_subscribe(
                Who::Caller(principal),
                query.resource(),
                stored.event.subject(),
            ),
        })
    }

    /// Whether a `PlatformAccessToken` satisfies the generic publish's policy (`strict`: signed
    /// by a trusted key and alive; the relaxed modes: any well-formed JWT).
    pub(crate) fn accepts_access_token(&self, token: &str) -> bool {
        self.auth.accepts_access_token(token)
    }

    /// `POST /events/api/v1/events` after the SDK read the body: rules 1–2, the publish
    /// stand-in (rule 3), production's serialization for its queue, then the event stored as
    /// production's handler stores it (or, where that handler throws, acknowledged and lost).
    pub(crate) fn publish_generic(
        &self,
        attributes: StructuredAttributes,
        caller: &Caller,
    ) -> Result<(), PublishRefused<GenericPublishError>> {
        let refuse = |error| Err(PublishRefused::Rule(error));
        if let Err(rejection) = check_generic(&attributes) {
            return refuse(GenericPublishError::Invalid(rejection));
        }
        if let Caller::Token(principal) = caller {
            let resource = attributes
                .get("resource")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            if !self.access.read().may_publish(principal, resource) {
                return refuse(GenericPublishError::Forbidden);
            }
        }
        if !can_register(&attributes) {
            return refuse(GenericPublishError::Unhandled(
                "the SDK cannot serialize data of that content type",
            ));
        }
        match handle_registration(attributes) {
            Handled::Stored(event) => {
                self.store_now(&[], vec![event])?;
            }
            Handled::Lost(reason) => {
                tracing::warn!(
                    reason,
                    "accepted, but production's handler would not store it"
                );
            }
        }
        Ok(())
    }
}

/// The party a caller acts as: a person's `urn:altinn:partyid`, else the party the register
/// gives an organisation's number.
fn own_party(principal: &Principal, store: &EventStore) -> Option<u32> {
    principal.party_id.or_else(|| {
        let number = principal.org_number.clone()?;
        store.lookup_party(&PartyIdentifier::Unit(number))
    })
}
