//! The push face's state: subscriptions, the delivery queue and its journal, and the
//! dispatcher that sends attempts when they are due on the server clock (spec
//! `subscriptions-and-webhooks.md`). The rules are the domain's (`crate::domain::push`);
//! this holds state behind locks never held across an `.await`, and runs the sends.

mod cache;
mod client;
mod deliveries;
mod records;
mod scheduler;
mod subscriptions;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::task::AbortHandle;

pub use records::{Delivery, DeliveryState, Subscription};
pub(crate) use scheduler::Settle;
pub(crate) use subscriptions::Access;
pub use subscriptions::SubscriptionRejected;

use crate::domain::push::authorize::SubscriptionAuthz;
use crate::domain::push::checks::WebhookHttp;
use crate::domain::push::schedule::RetryPlan;
use crate::domain::push::subscription::StoredSubscription;
use crate::domain::push::webhook::PRODUCTION_EVENTS_ENDPOINT;
use client::WebhookClient;
use deliveries::Deliveries;

/// How a new subscription becomes valid (`--subscription-validation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubscriptionValidation {
    /// Production's handshake: `platform.events.validatesubscription` POSTed, a 2xx validates.
    #[default]
    Webhook,
    /// Valid at once, nothing sent.
    Auto,
    /// Invalid until `POST /_mock/subscriptions/{id}/validate`.
    Manual,
}

impl FromStr for SubscriptionValidation {
    type Err = String;

    fn from_str(text: &str) -> Result<SubscriptionValidation, String> {
        match text.to_ascii_lowercase().as_str() {
            "webhook" => Ok(SubscriptionValidation::Webhook),
            "auto" => Ok(SubscriptionValidation::Auto),
            "manual" => Ok(SubscriptionValidation::Manual),
            other => Err(format!(
                "unknown validation mode {other:?}: expected webhook, auto or manual"
            )),
        }
    }
}

/// Every environment's apps domain: production, TT02 and the internal test environments.
pub(crate) const DEFAULT_APPS_DOMAINS: [&str; 6] = [
    "apps.altinn.no",
    "apps.tt02.altinn.no",
    "apps.at21.altinn.cloud",
    "apps.at22.altinn.cloud",
    "apps.at23.altinn.cloud",
    "apps.at24.altinn.cloud",
];

/// Production's webhook request timeout (`EventsOutboundSettings:RequestTimeout`).
pub(crate) const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(45);

/// How the push face is set up; the builder fills it in.
#[derive(Debug, Clone)]
pub(crate) struct PushSettings {
    pub(crate) apps_domains: Vec<String>,
    pub(crate) webhook_http: WebhookHttp,
    pub(crate) authz: SubscriptionAuthz,
    pub(crate) validation: SubscriptionValidation,
    pub(crate) event_retries: RetryPlan,
    pub(crate) validation_retries: RetryPlan,
    pub(crate) timeout: Duration,
    /// `PlatformSettings:ApiEventsEndpoint`, ending in `/`: the handshake's source.
    pub(crate) events_endpoint: String,
    /// Subscriptions standing from the start, and again after each reset (admin JSON form).
    pub(crate) subscriptions: Vec<Value>,
    /// Production's subscription and authorization caches, with this lifetime (none: off).
    pub(crate) cache: Option<Duration>,
}

impl Default for PushSettings {
    fn default() -> PushSettings {
        PushSettings {
            apps_domains: DEFAULT_APPS_DOMAINS
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
            webhook_http: WebhookHttp::default(),
            authz: SubscriptionAuthz::default(),
            validation: SubscriptionValidation::default(),
            event_retries: RetryPlan::default(),
            validation_retries: RetryPlan::default(),
            timeout: DEFAULT_WEBHOOK_TIMEOUT,
            events_endpoint: PRODUCTION_EVENTS_ENDPOINT.to_owned(),
            subscriptions: Vec::new(),
            cache: None,
        }
    }
}

/// Subscriptions and deliveries of one server.
#[derive(Debug)]
pub(crate) struct Push {
    settings: PushSettings,
    table: Mutex<Table>,
    deliveries: Deliveries,
    caches: cache::Caches,
    /// Made at the first send: reading the system's roots costs milliseconds.
    client: OnceLock<WebhookClient>,
    dispatcher: Mutex<Option<AbortHandle>>,
}

#[derive(Debug, Default)]
struct Table {
    rows: BTreeMap<u64, StoredSubscription>,
    next_id: u64,
}

impl Push {
    /// The push state `settings` describe, with `journal_cap` attempts journaled; startup
    /// subscriptions are added when the server starts.
    pub(crate) fn new(settings: PushSettings, journal_cap: usize) -> Push {
        let table = Table {
            rows: BTreeMap::new(),
            next_id: 1,
        };
        let lifetime = settings
            .cache
            .and_then(|lifetime| chrono::TimeDelta::from_std(lifetime).ok());
        Push {
            caches: cache::Caches::new(lifetime),
            settings,
            table: Mutex::new(table),
            deliveries: Deliveries::new(journal_cap),
            client: OnceLock::new(),
            dispatcher: Mutex::new(None),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn client(&self) -> &WebhookClient {
        self.client
            .get_or_init(|| WebhookClient::new(self.settings.timeout))
    }

    /// Whether events need matching: some subscription exists, or a cache may remember one.
    fn may_deliver(&self) -> bool {
        self.settings.cache.is_some() || !self.table().rows.is_empty()
    }

    /// Stops the dispatcher for good.
    pub(crate) fn close(&self) {
        if let Some(task) = self
            .dispatcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
    }
}

impl Drop for Push {
    fn drop(&mut self) {
        self.close();
    }
}
