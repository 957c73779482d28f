//! What the builder says about webhook subscriptions: those standing from the start, how a
//! new one becomes valid, who may subscribe, and when deliveries are tried again.

use std::time::Duration;

use serde_json::Value;

use super::MockServerBuilder;
use crate::domain::push::authorize::SubscriptionAuthz;
use crate::domain::push::checks::WebhookHttp;
use crate::domain::push::schedule::RetryPlan;
use crate::service::SubscriptionValidation;

impl MockServerBuilder {
    /// A subscription standing from the start (and again after each reset), in the form of
    /// [`MockServer::subscribe`](crate::MockServer::subscribe); checked at start.
    pub fn subscription(mut self, subscription: Value) -> Self {
        self.settings.push.subscriptions.push(subscription);
        self
    }

    /// How new subscriptions become valid (default: the webhook handshake, as production).
    pub fn subscription_validation(mut self, mode: SubscriptionValidation) -> Self {
        self.settings.push.validation = mode;
        self
    }

    /// Who may subscribe to what, and receive which events (default: the documented
    /// stand-in rules).
    pub fn subscription_authz(mut self, mode: SubscriptionAuthz) -> Self {
        self.settings.push.authz = mode;
        self
    }

    /// Which plain-`http` webhook endpoints are allowed (default: loopback hosts; production
    /// allows `https` only).
    pub fn webhook_http(mut self, http: WebhookHttp) -> Self {
        self.settings.push.webhook_http = http;
        self
    }

    /// When failed event deliveries are tried again: `production` (12 attempts over ~35 h,
    /// the default), `legacy` (13 attempts), `none`, or delays like `10s,30s,1m`. Panics on
    /// another spelling, as a test convenience.
    pub fn webhook_retries(mut self, schedule: &str) -> Self {
        self.settings.push.event_retries = plan_or_panic(schedule);
        self
    }

    /// When a failed handshake is tried again: `production` (9 attempts over ~8 min, the
    /// default), `legacy`, `none`, or a list of delays. Panics on another spelling.
    pub fn validation_retries(mut self, schedule: &str) -> Self {
        self.settings.push.validation_retries = plan_or_panic(schedule);
        self
    }

    /// How long a webhook attempt may take (default 45 s, as production).
    pub fn webhook_timeout(mut self, timeout: Duration) -> Self {
        self.settings.push.timeout = timeout;
        self
    }

    /// Production's `AppsDomain` setting: a source filter whose host ends with one of these
    /// makes an app subscription (default: every Altinn environment's apps domain).
    pub fn apps_domains<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.settings.push.apps_domains = domains.into_iter().map(Into::into).collect();
        self
    }

    /// The retry schedules, already parsed (the CLI's flags).
    pub(crate) fn retry_plans(mut self, events: RetryPlan, validation: RetryPlan) -> Self {
        self.settings.push.event_retries = events;
        self.settings.push.validation_retries = validation;
        self
    }

    /// Reproduces production's subscription and authorization caches with this lifetime
    /// (production: one hour): new subscriptions may miss events and deleted ones go on
    /// receiving them until an entry expires on the server clock. Off by default.
    pub fn subscription_cache(mut self, lifetime: Duration) -> Self {
        self.settings.push.cache = (!lifetime.is_zero()).then_some(lifetime);
        self
    }
}

/// A test convenience: the schedule, or a panic that says why it is not one.
fn plan_or_panic(schedule: &str) -> RetryPlan {
    RetryPlan::parse(schedule).unwrap_or_else(|error| panic!("not a retry schedule: {error}"))
}
