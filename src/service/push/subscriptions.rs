//! The subscription verbs: create (production's checks, authorization, de-duplication, the
//! handshake), read, list, delete, and the admin API's seeding, listing and grants.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::{Push, SubscriptionValidation};
use crate::domain::push::authorize::Policy;
use crate::domain::push::checks::{CheckContext, Refusal, check};
use crate::domain::push::identity::Subscriber;
use crate::domain::push::request::SubscriptionRequest;
use crate::domain::push::schedule::DeliveryKind;
use crate::domain::push::subscription::{Draft, StoredSubscription};
use crate::domain::store::PartyIdentifier;
use crate::service::MockService;

/// Why a subscription cannot be read or deleted (spec §5: existence before ownership).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// 404, empty.
    NotFound,
    /// 403, empty: another consumer's.
    Forbidden,
}

/// A subscription the server refused: the status and message production would answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscriptionRejected {
    /// 400 or 403 (500 for production's own failure on `urn:altinn:resource:app_{org}`).
    pub status: u16,
    /// Production's message, or what is wrong with the request.
    pub message: String,
}

impl fmt::Display for SubscriptionRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for SubscriptionRejected {}

impl From<Refusal> for SubscriptionRejected {
    fn from(refusal: Refusal) -> SubscriptionRejected {
        let status = match refusal {
            Refusal::MissingScope | Refusal::NotAuthorized(_) => 403,
            Refusal::UnmappableAppResource => 500,
            _ => 400,
        };
        let message = refusal.message().unwrap_or_else(|| match refusal {
            Refusal::MissingScope => {
                "a generic subscription needs the altinn:events.subscribe scope".into()
            }
            _ => "production fails to map an app resource without a second `_`".into(),
        });
        SubscriptionRejected { status, message }
    }
}

impl MockService {
    pub(crate) fn lookup_party(&self, identifier: &PartyIdentifier) -> Option<u32> {
        self.read_store().lookup_party(identifier)
    }

    fn check_context<'a>(
        &'a self,
        lookup: &'a dyn Fn(&PartyIdentifier) -> Option<u32>,
    ) -> CheckContext<'a> {
        CheckContext {
            apps_domains: &self.push.settings.apps_domains,
            webhook_http: self.push.settings.webhook_http,
            lookup_party: lookup,
        }
    }

    /// `POST /events/api/v1/subscriptions` after binding: rules 1–6, then the row — new or
    /// the existing duplicate — and a handshake either way.
    pub(crate) fn subscribe(
        &self,
        request: SubscriptionRequest,
        subscriber: &Subscriber,
    ) -> Result<StoredSubscription, Refusal> {
        let lookup = |identifier: &PartyIdentifier| self.lookup_party(identifier);
        let draft = check(request, subscriber, &self.check_context(&lookup))?;
        let access = self.access.read().clone();
        let policy = Policy {
            mode: self.push.settings.authz,
            access: &access,
            lookup_party: &lookup,
        };
        policy.may_subscribe(&draft)?;
        Ok(self.store_subscription(draft, false))
    }

    /// Inserts `draft` unless a duplicate stands, then validates as the mode says
    /// (`pre_validated`: at once, as a seed may ask).
    fn store_subscription(&self, draft: Draft, pre_validated: bool) -> StoredSubscription {
        let now = self.now();
        let auto = pre_validated || self.push.settings.validation == SubscriptionValidation::Auto;
        let mut table = self.push.table();
        let existing = table
            .rows
            .values_mut()
            .find(|row| draft.is_duplicate_of(row));
        let row = match existing {
            Some(row) => {
                row.validated |= auto;
                row.clone()
            }
            None => {
                let id = table.next_id;
                table.next_id += 1;
                let mut row = draft.into_subscription(id, now);
                row.validated = auto;
                table.rows.insert(id, row.clone());
                row
            }
        };
        drop(table);
        if !auto && self.push.settings.validation == SubscriptionValidation::Webhook {
            self.queue_handshake(&row);
        }
        row
    }

    fn queue_handshake(&self, row: &StoredSubscription) {
        let delays = self
            .push
            .settings
            .validation_retries
            .delays(DeliveryKind::Validation);
        self.push.deliveries.enqueue(
            DeliveryKind::Validation,
            row.id,
            row.endpoint_text(),
            None,
            Arc::from(delays),
            self.now(),
        );
    }

    /// `GET /subscriptions/{id}`: 404 before 403.
    pub(crate) fn subscription(
        &self,
        id: i64,
        entity: Option<&str>,
    ) -> Result<StoredSubscription, Access> {
        let table = self.push.table();
        let row = u64::try_from(id)
            .ok()
            .and_then(|id| table.rows.get(&id))
            .ok_or(Access::NotFound)?;
        if Some(row.created_by.as_str()) != entity {
            return Err(Access::Forbidden);
        }
        Ok(row.clone())
    }

    /// `GET /subscriptions`: the caller's, validated or not, by ascending id.
    pub(crate) fn subscriptions_of(&self, entity: Option<&str>) -> Vec<StoredSubscription> {
        let Some(entity) = entity else {
            return Vec::new();
        };
        self.push
            .table()
            .rows
            .values()
            .filter(|row| row.consumer == entity)
            .cloned()
            .collect()
    }

    /// `DELETE /subscriptions/{id}`: 404 before 403; deliveries under way go on.
    pub(crate) fn unsubscribe(&self, id: i64, entity: Option<&str>) -> Result<(), Access> {
        self.subscription(id, entity)?;
        self.push.table().rows.remove(&(id as u64));
        Ok(())
    }

    /// Every subscription of every consumer, by ascending id.
    pub(crate) fn all_subscriptions(&self) -> Vec<StoredSubscription> {
        self.push.table().rows.values().cloned().collect()
    }

    /// Adds a subscription as the admin API and the Rust helper do: the request's JSON with
    /// `consumer` (the entity, required) and `validated` (default `false`). Production's
    /// checks 1, 2, 4 and 5 apply; scope and authorization do not.
    pub(crate) fn seed_subscription(
        &self,
        seed: &Value,
    ) -> Result<StoredSubscription, SubscriptionRejected> {
        let lookup = |identifier: &PartyIdentifier| self.lookup_party(identifier);
        let (draft, validated) = parse_seed(seed, &self.check_context(&lookup))?;
        Ok(self.store_subscription(draft, validated))
    }

    /// Removes every subscription; deliveries under way go on.
    pub(crate) fn clear_subscriptions(&self) {
        let mut table = self.push.table();
        table.rows.clear();
    }

    /// Marks subscription `id` valid (the manual mode's handshake); `false` if there is none.
    pub(crate) fn validate_subscription(&self, id: u64) -> Option<StoredSubscription> {
        let mut table = self.push.table();
        let row = table.rows.get_mut(&id)?;
        row.validated = true;
        Some(row.clone())
    }

    /// Back to the start: the startup subscriptions (ids from 1), an empty queue and journal.
    pub(crate) fn reset_push(&self) {
        self.push.deliveries.reset();
        self.push.caches.clear();
        {
            let mut table = self.push.table();
            table.rows.clear();
            table.next_id = 1;
        }
        self.seed_startup_subscriptions();
    }

    /// Adds the startup subscriptions (checked when the server loaded).
    pub(crate) fn seed_startup_subscriptions(&self) {
        for seed in &self.push.settings.subscriptions {
            if let Err(error) = self.seed_subscription(seed) {
                tracing::warn!(%error, "a startup subscription was refused");
            }
        }
    }
}

/// A seed's draft and whether it comes validated.
fn parse_seed(
    seed: &Value,
    context: &CheckContext<'_>,
) -> Result<(Draft, bool), SubscriptionRejected> {
    let rejected = |message: String| SubscriptionRejected {
        status: 400,
        message,
    };
    let object = seed
        .as_object()
        .ok_or_else(|| rejected("a subscription is a JSON object".into()))?;
    let consumer = object
        .get("consumer")
        .and_then(Value::as_str)
        .filter(|c| c.starts_with('/'))
        .ok_or_else(|| {
            rejected(
                "\"consumer\" must name the entity, like \"/org/ttd\" or \"/user/1337\"".into(),
            )
        })?;
    let validated = match object.get("validated") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(rejected("\"validated\" must be true or false".into())),
    };
    let body = serde_json::to_vec(seed).unwrap_or_default();
    let request = SubscriptionRequest::bind(&body)
        .map_err(|error| rejected(format!("{}: {}", error.key, error.message)))?;
    let subscriber = Subscriber {
        entity: Some(consumer.to_owned()),
        org: consumer.strip_prefix("/org/").map(str::to_owned),
        party_id: None,
        can_subscribe: true,
    };
    let draft = check(request, &subscriber, context)?;
    Ok((draft, validated))
}

impl Push {
    /// Checks the startup subscriptions without storing them (the register is not consulted),
    /// so a bad one stops the start: which one (from 0) and why.
    pub(crate) fn check_seeds(&self) -> Result<(), (usize, SubscriptionRejected)> {
        let nobody = |_: &PartyIdentifier| None;
        let context = CheckContext {
            apps_domains: &self.settings.apps_domains,
            webhook_http: self.settings.webhook_http,
            lookup_party: &nobody,
        };
        for (index, seed) in self.settings.subscriptions.iter().enumerate() {
            parse_seed(seed, &context).map_err(|error| (index, error))?;
        }
        Ok(())
    }
}

impl MockService {
    /// The delivery journal, newest first; only entries in `state` if given.
    pub(crate) fn deliveries(&self, state: Option<super::DeliveryState>) -> Vec<super::Delivery> {
        self.push.deliveries.journal(state)
    }

    /// Forgets the delivery journal and the dead letters; queued attempts go on.
    pub(crate) fn clear_deliveries(&self) {
        self.push.deliveries.clear_journal();
    }

    /// Puts dead-lettered delivery `id` back on the queue, due now; `false` if there is none.
    pub(crate) fn requeue_delivery(&self, id: u64) -> bool {
        self.push.deliveries.requeue(id, self.now())
    }
}
