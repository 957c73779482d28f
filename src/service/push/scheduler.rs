//! Delivery on the server clock. Stored events are matched against valid subscriptions and
//! queued; a dispatcher task on the server's runtime sleeps until the next attempt is due
//! (woken early by new work or a moved clock) and sends each due attempt as a task of its own,
//! so a slow endpoint delays nobody else. Moving the clock wakes it too, and the clock verbs
//! wait until every attempt that became due has been made ([`Settle`]).

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::client::WebhookClient;
use super::deliveries::{Attempted, Claimed};
use crate::domain::event::Event;
use crate::domain::push::authorize::Policy;
use crate::domain::push::matching::{authorization_scope, matches_stored_filters, source_matches};
use crate::domain::push::schedule::DeliveryKind;
use crate::domain::push::webhook::{body_for, validation_event};
use crate::domain::store::PartyIdentifier;
use crate::service::MockService;
use crate::service::journal::AbortOnDrop;

/// What a clock move waits for: every delivery up to `horizon` with nothing in flight and
/// nothing due by `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settle {
    horizon: u64,
    target: DateTime<Utc>,
}

/// The longest the dispatcher sleeps without looking again.
const IDLE: Duration = Duration::from_secs(3600);

impl MockService {
    /// Starts the dispatcher on the server's runtime (once, at start).
    pub(crate) fn start_dispatcher(&self) {
        let this = self.this.clone();
        let task = self.runtime.spawn(dispatch(this));
        *self
            .push
            .dispatcher
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(task.abort_handle());
    }

    /// Queues `events` for every valid subscription they match and whose consumer may
    /// receive them (spec §7). Called after the store's lock is released.
    pub(crate) fn push_stored(&self, events: &[Arc<Event>]) {
        if events.is_empty() || !self.push.may_deliver() {
            return;
        }
        let valid: Vec<_> = self
            .push
            .table()
            .rows
            .values()
            .filter(|r| r.validated)
            .cloned()
            .collect();
        let lookup = |identifier: &PartyIdentifier| self.lookup_party(identifier);
        // Held while deciding this batch; lookups take the store's read lock after it.
        let access = self.access.read();
        let policy = Policy {
            mode: self.push.settings.authz,
            access: &access,
            lookup_party: &lookup,
        };
        let delays: Arc<[Duration]> =
            Arc::from(self.push.settings.event_retries.delays(DeliveryKind::Event));
        let now = self.now();
        for event in events {
            let key = (
                event.resource().map(str::to_owned),
                event.subject().map(str::to_owned),
                event.event_type().to_owned(),
            );
            let candidates = self.push.caches.list(key, now, || {
                valid
                    .iter()
                    .filter(|row| matches_stored_filters(row, event))
                    .cloned()
                    .collect()
            });
            let scope = if event
                .resource()
                .is_some_and(|r| r.starts_with("urn:altinn:resource:app_"))
            {
                authorization_scope(event, &self.push.settings.apps_domains)
            } else {
                event.resource().unwrap_or_default().to_owned()
            };
            let mut webhook_json: Option<Vec<u8>> = None;
            for subscription in &candidates {
                if !source_matches(subscription, event) {
                    continue;
                }
                let key = (subscription.consumer.clone(), scope.clone());
                if !self
                    .push
                    .caches
                    .decision(key, now, || policy.may_receive(subscription, event))
                {
                    continue;
                }
                let json = webhook_json.get_or_insert_with(|| event.webhook_json());
                let endpoint = subscription.endpoint_text();
                let body = body_for(&endpoint, json);
                self.push.deliveries.enqueue(
                    DeliveryKind::Event,
                    subscription.id,
                    endpoint,
                    Some((event.id().to_owned(), body)),
                    Arc::clone(&delays),
                    now,
                );
            }
        }
    }

    /// What to wait for after the clock moved: the deliveries queued so far, up to now.
    pub(crate) fn settle_point(&self) -> Option<Settle> {
        if self.push.deliveries.is_idle() {
            return None;
        }
        self.push.deliveries.changed.notify_one();
        Some(Settle {
            horizon: self.push.deliveries.horizon(),
            target: self.now(),
        })
    }

    /// Waits until every attempt `settle` covers has been made.
    pub(crate) async fn settle(&self, settle: Settle) {
        loop {
            let progressed = self.push.deliveries.progressed.notified();
            tokio::pin!(progressed);
            progressed.as_mut().enable();
            if self.push.deliveries.settled(settle.horizon, settle.target) {
                return;
            }
            self.push.deliveries.changed.notify_one();
            progressed.await;
        }
    }

    /// Waits until every attempt due on the server clock now has been made.
    pub(crate) async fn deliver_due(&self) {
        if let Some(settle) = self.settle_point() {
            self.settle(settle).await;
        }
    }

    /// Waits until `count` attempts have been made since the start (or the last clear);
    /// `Err` with how many were made when `timeout` passes first.
    pub(crate) async fn wait_for_deliveries(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<u64, u64> {
        let deliveries = &self.push.deliveries;
        let until = async {
            loop {
                let progressed = deliveries.progressed.notified();
                tokio::pin!(progressed);
                progressed.as_mut().enable();
                if deliveries.attempts() >= count {
                    return;
                }
                progressed.await;
            }
        };
        match tokio::time::timeout(timeout, until).await {
            Ok(()) => Ok(deliveries.attempts()),
            Err(_) => Err(deliveries.attempts()),
        }
    }

    /// Runs what `make` makes on the server's runtime: the returned future needs no runtime
    /// of its own, and dropping it cancels the work. `None` if the server is gone.
    pub(crate) fn run_on_server<T, F>(
        &self,
        make: impl FnOnce(Arc<MockService>) -> F + Send + 'static,
    ) -> impl Future<Output = Option<T>> + Send + 'static
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let service = self.this.clone();
        let task = AbortOnDrop(self.runtime.spawn(async move {
            let service = service.upgrade()?;
            Some(make(service).await)
        }));
        async move { task.await.ok().flatten() }
    }

    /// Runs `future` on the server's runtime, unawaited.
    pub(crate) fn spawn_on_server(&self, future: impl Future<Output = ()> + Send + 'static) {
        self.runtime.spawn(future);
    }

    /// Runs `future` on the server's runtime and blocks this thread until it is done; `None`
    /// where blocking could stall the caller's own runtime (a current-thread one, where a
    /// test's webhook receiver may run): there it runs on without being waited for.
    pub(crate) fn block_on_server<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.runtime.spawn(async move {
            let _ = tx.send(future.await);
        });
        match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Err(_) => rx.recv().ok(),
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => {
                tokio::task::block_in_place(|| rx.recv().ok())
            }
            Ok(_) => None,
        }
    }

    /// Sends one claimed attempt and records what happened.
    async fn attempt(self: Arc<Self>, claimed: Claimed) {
        let client = self.push.client();
        let pending = &claimed.pending;
        let _permit = client.permit(&pending.endpoint).await;
        let (event_id, body) = match &pending.event {
            Some((id, body)) => (id.clone(), body.clone()),
            None => {
                // The handshake is made afresh on every attempt, with a new id.
                let id = uuid::Uuid::new_v4().to_string();
                let event = validation_event(
                    &id,
                    &self.push.settings.events_endpoint,
                    pending.subscription_id,
                );
                (id, body_for(&pending.endpoint, &event))
            }
        };
        let headers = WebhookClient::headers(&pending.endpoint, &body);
        let sent_at = self.now();
        let started = Instant::now();
        let answer = client.post(&pending.endpoint, &headers, body.clone()).await;
        let attempted = Attempted {
            event_id,
            sent_at,
            headers,
            body,
            status: answer.status,
            error: answer.error,
            duration: started.elapsed(),
        };
        let kind = pending.kind;
        let subscription_id = pending.subscription_id;
        let delivered = self.push.deliveries.complete(claimed, attempted);
        if kind == DeliveryKind::Validation && delivered == Some(true) {
            // A subscription deleted meanwhile stays deleted (production logs an error).
            self.validate_subscription(subscription_id);
        }
    }
}

/// The dispatcher: claims what is due, sends each attempt as its own task, sleeps until the
/// next due time or a wake-up.
async fn dispatch(service: Weak<MockService>) {
    loop {
        let Some(this) = service.upgrade() else {
            return;
        };
        let deliveries = &this.push.deliveries;
        let woken = deliveries.changed.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let now = this.now();
        for claimed in deliveries.claim_due(now) {
            this.runtime.spawn(Arc::clone(&this).attempt(claimed));
        }
        let sleep = deliveries.next_due().map_or(IDLE, |due| {
            (due - now).to_std().unwrap_or_default().min(IDLE)
        });
        // The task is aborted when the server closes, so holding the core while asleep keeps
        // nothing alive past its server.
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = &mut woken => {}
        }
    }
}
