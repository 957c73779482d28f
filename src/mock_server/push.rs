//! The push face from Rust: subscriptions, the delivery journal, and waiting for deliveries.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{MockServer, WaitTimeout};
use crate::domain::auth::TokenRequest;
use crate::service::{Delivery, Subscription, SubscriptionRejected};

impl MockServer {
    /// A token described as `GET /_mock/token` takes it: `org=ttd&scope=altinn:events.subscribe`
    /// (a service owner with the generic subscription scope), `userId=1337&partyId=50001` (a
    /// person), `orgNumber=950474084` (an organisation), `systemUserId=GUID&orgNumber=…` (a
    /// system user). Panics on a description that makes no token, as a test convenience.
    ///
    /// ```
    /// use altinn_events_mock::MockServer;
    ///
    /// let server = MockServer::start_blocking();
    /// let organisation = server.token_for("orgNumber=950474084&scope=altinn:events.subscribe");
    /// assert_eq!(organisation.split('.').count(), 3);
    /// ```
    pub fn token_for(&self, query: &str) -> String {
        let request = TokenRequest::from_query(query)
            .unwrap_or_else(|e| panic!("cannot mint that token: {e}"));
        self.mint(&request)
    }

    /// `{url}/events/api/v1/subscriptions`, where consumers create subscriptions.
    pub fn subscriptions_url(&self) -> String {
        format!("{}/events/api/v1/subscriptions", self.url)
    }

    /// Adds a subscription as `POST /_mock/subscriptions` does: the JSON a consumer POSTs
    /// (`endPoint`, `sourceFilter`, `resourceFilter`, `subjectFilter`, `typeFilter`, …) plus
    /// `consumer` (the entity it belongs to, e.g. `/org/ttd`) and optionally
    /// `"validated": true` to skip the handshake. Production's checks of the request apply;
    /// scope and authorization do not. An identical subscription is returned as it stands.
    ///
    /// ```
    /// use altinn_events_mock::MockServer;
    /// use serde_json::json;
    ///
    /// let server = MockServer::start_blocking();
    /// let subscription = server.subscribe(json!({
    ///     "consumer": "/org/ttd",
    ///     "endPoint": "http://127.0.0.1:9/hook",
    ///     "resourceFilter": "urn:altinn:resource:app_ttd_apps-test",
    ///     "validated": true,
    /// }))?;
    /// assert_eq!(subscription.id, 1);
    /// assert_eq!(server.subscriptions().len(), 1);
    /// # Ok::<(), altinn_events_mock::SubscriptionRejected>(())
    /// ```
    pub fn subscribe(&self, subscription: Value) -> Result<Subscription, SubscriptionRejected> {
        self.service
            .seed_subscription(&subscription)
            .map(|row| Subscription::from(&row))
    }

    /// Every subscription of every consumer, by ascending id.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.service
            .all_subscriptions()
            .iter()
            .map(Subscription::from)
            .collect()
    }

    /// Every delivery attempt journaled (capped like the request journal), oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        let mut deliveries = self.service.deliveries(None);
        deliveries.reverse();
        deliveries
    }

    /// Waits until `count` delivery attempts (handshakes included, whatever their outcome)
    /// have been made since the start or the last reset, then returns the journal, oldest
    /// first. Works under any async runtime.
    pub async fn wait_for_deliveries(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<Vec<Delivery>, WaitTimeout> {
        let waited = self
            .service
            .run_on_server(move |service| async move {
                service.wait_for_deliveries(count, timeout).await
            })
            .await
            .unwrap_or(Err(0));
        match waited {
            Ok(_) => Ok(self.deliveries()),
            Err(arrived) => Err(WaitTimeout {
                expected: count,
                arrived,
            }),
        }
    }

    /// [`MockServer::wait_for_deliveries`] for synchronous tests (it blocks the calling
    /// thread: a receiver must not run on it).
    pub fn wait_for_deliveries_blocking(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<Vec<Delivery>, WaitTimeout> {
        let service = Arc::clone(&self.service);
        let (tx, rx) = std::sync::mpsc::channel();
        self.service.spawn_on_server(async move {
            let _ = tx.send(service.wait_for_deliveries(count, timeout).await);
        });
        match rx.recv().unwrap_or(Err(0)) {
            Ok(_) => Ok(self.deliveries()),
            Err(arrived) => Err(WaitTimeout {
                expected: count,
                arrived,
            }),
        }
    }

    /// Returns once every delivery attempt due on the server clock has been made — after
    /// [`advance_clock`](MockServer::advance_clock) in a current-thread runtime (such as
    /// `#[tokio::test]`'s), where the clock cannot wait for attempts itself.
    pub async fn deliver_due(&self) {
        self.service
            .run_on_server(|service| async move { service.deliver_due().await })
            .await;
    }

    /// Waits for the attempts a clock move made due, where blocking is safe.
    pub(super) fn settle_blocking(&self, settle: Option<crate::service::Settle>) {
        if let Some(settle) = settle {
            let service = Arc::clone(&self.service);
            self.service
                .block_on_server(async move { service.settle(settle).await });
        }
    }
}
