//! What the push face shows a test author: subscriptions as production writes them, and one
//! journal entry per delivery attempt.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::push::schedule::DeliveryKind;
use crate::domain::push::subscription::StoredSubscription;

/// A webhook subscription, as `GET /events/api/v1/subscriptions/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Subscription {
    /// From 1, ascending.
    pub id: u64,
    /// Where events are POSTed, normalised as production stores it.
    pub end_point: String,
    /// The source filter, normalised.
    pub source_filter: Option<String>,
    /// The resource filter, lower-cased.
    pub resource_filter: String,
    /// The subject filter.
    pub subject_filter: Option<String>,
    /// The type filter.
    pub type_filter: Option<String>,
    /// Who receives the events: `/org/ttd`, `/user/1337`, …
    pub consumer: String,
    /// Who created it (the same entity).
    pub created_by: String,
    /// When it was created, on the server clock.
    pub created: DateTime<Utc>,
    /// Whether the handshake succeeded: only validated subscriptions receive events.
    pub validated: bool,
    /// Whether events about subunits are included.
    pub include_subunits: bool,
}

impl From<&StoredSubscription> for Subscription {
    fn from(row: &StoredSubscription) -> Subscription {
        Subscription {
            id: row.id,
            end_point: row.end_point.to_string(),
            source_filter: row.source_filter.as_ref().map(ToString::to_string),
            resource_filter: row.resource_filter.clone(),
            subject_filter: row.subject_filter.clone(),
            type_filter: row.type_filter.clone(),
            consumer: row.consumer.clone(),
            created_by: row.created_by.clone(),
            created: row.created,
            validated: row.validated,
            include_subunits: row.include_subunits,
        }
    }
}

/// Where a delivery stands after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryState {
    /// The endpoint answered 2xx.
    Delivered,
    /// It failed; another attempt is due at `next_attempt_at`.
    Retrying,
    /// It failed and the schedule is used up: never tried again unless re-queued.
    DeadLettered,
}

impl DeliveryState {
    /// `delivered`, `retrying`, `dead-lettered`.
    pub(crate) fn parse(text: &str) -> Option<DeliveryState> {
        Some(match text {
            "delivered" => DeliveryState::Delivered,
            "retrying" => DeliveryState::Retrying,
            "dead-lettered" => DeliveryState::DeadLettered,
            _ => return None,
        })
    }
}

/// One delivery attempt: what was sent where, when, what came back, and what happens next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Delivery {
    /// The delivery, the same across its attempts.
    pub delivery_id: u64,
    /// The handshake or an event.
    pub kind: DeliveryKind,
    /// The subscription it is for.
    pub subscription_id: u64,
    /// The CloudEvent's `id` (for the handshake: a new one on every attempt).
    pub event_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the attempt was due, on the server clock.
    pub due_at: DateTime<Utc>,
    /// When the request left, on the server clock.
    pub sent_at: DateTime<Utc>,
    /// The URL POSTed to.
    pub endpoint: String,
    /// The request headers sent.
    pub request_headers: Vec<(String, String)>,
    /// The request body sent.
    pub request_body: String,
    /// The status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// Why there is no status: `timeout`, `connect: …`, `tls: …`, `io: …`.
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds (real time).
    pub duration_ms: u64,
    /// Delivered, retrying or dead-lettered after this attempt.
    pub state: DeliveryState,
    /// When the next attempt is due, while retrying.
    pub next_attempt_at: Option<DateTime<Utc>>,
}
