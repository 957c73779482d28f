//! The core: one [`MockService`] per server owns every piece of mutable state — the store,
//! the clock, the journal, the fault rules, the live feed, the token memory, subscriptions and
//! webhook deliveries — behind private
//! fields, and offers verbs that keep its invariants in one place (a reset restores all of it
//! at once; deleting every event restarts the live feed; an event is registered at the
//! clock's now under the store's lock).
//!
//! The faces (`http`, `mock_server`, `cli`) call these verbs and render what comes back; they
//! never reach a field. The rules themselves are the domain's (`crate::domain`); this layer
//! only holds state, takes locks (never across an `.await`) and runs background tasks on the
//! server's runtime.

mod access;
mod auth;
mod clock;
mod error;
mod event_cap;
mod faults;
mod fixture_files;
mod journal;
mod live;
mod memory;
mod page_cache;
mod push;
mod queries;
mod settings;
mod startup_store;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use chrono::{DateTime, TimeDelta, Utc};

pub use error::StartError;
pub(crate) use event_cap::{EventCapReached, PublishRefused};
pub(crate) use faults::FaultId;
pub use journal::JournalEntry;
pub(crate) use journal::{DEFAULT_JOURNAL_CAP, RecordedRequest};
pub use live::{LiveError, LiveStatus};
pub(crate) use page_cache::DEFAULT_PAGE_CACHE_ENTRIES;
pub(crate) use page_cache::{KeptPage, Stamp};
pub(crate) use push::{Access, Settle};
pub use push::{
    Delivery, DeliveryState, Subscription, SubscriptionRejected, SubscriptionValidation,
};
pub(crate) use settings::Settings;

use crate::domain::auth::{AuthMode, Caller, TokenError, TokenRequest, Unauthenticated};
use crate::domain::event::{AppEventRequest, Event, PublishRejection, ReadAccess};
use crate::domain::fixtures::Fixtures;
use crate::domain::query::{BoundQuery, EventQuery, QueryError};
use crate::domain::store::{EventStore, Party, Registration, StoredEvent};
use crate::domain::units::Rate;
use auth::Authenticator;
use clock::Clock;
use journal::Journal;
use live::LiveFeed;

/// One fake Altinn Events: all of a server's state, and the verbs that change it.
#[derive(Debug)]
pub(crate) struct MockService {
    store: RwLock<EventStore>,
    /// Advances with every write lock on the store, so that a kept page can tell whether the
    /// store is still the one it was selected from.
    generation: AtomicU64,
    /// Pages of the app owners' query as answered, while they stay what it would answer.
    page_cache: page_cache::PageCache,
    /// What the server started with, which a reset restores.
    startup: Startup,
    clock: Clock,
    /// Production's visibility lag; zero hides nothing.
    visibility_lag: TimeDelta,
    /// The most events the store may hold (a namespace's cap; none for the default one).
    max_events: Option<usize>,
    auth: Authenticator,
    /// The authorization stand-ins: grants, and whether resources need them.
    access: access::AccessState,
    journal: Journal,
    faults: faults::Faults,
    /// The longest delay or slow body a fault rule may ask for.
    max_fault_duration: std::time::Duration,
    live: LiveFeed,
    /// Subscriptions, the delivery queue and its journal.
    push: push::Push,
    /// Where background work (the live feed, waits) runs: the server's own runtime.
    runtime: tokio::runtime::Handle,
    /// Handed to background tasks, which must not keep a stopped server alive.
    this: Weak<MockService>,
}

/// The events and parties a server started with.
#[derive(Debug, Default)]
struct Startup {
    events: Vec<Arc<Event>>,
    parties: Vec<Party>,
}

impl MockService {
    fn read_store(&self) -> RwLockReadGuard<'_, EventStore> {
        // A poisoned lock must not take the server down with it: every change to the store
        // is a push or a whole replacement, so it stays consistent.
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store to change; whatever is done with it, pages kept before are not answered again.
    fn write_store(&self) -> RwLockWriteGuard<'_, EventStore> {
        let store = self.store.write().unwrap_or_else(PoisonError::into_inner);
        // Under the write lock: a reader holding the read lock sees the generation of the
        // store it reads.
        self.generation.fetch_add(1, Ordering::Relaxed);
        store
    }

    // ---- events ----

    /// Stores `events` now. Returns each one's sequence number, `None` where the same `id` +
    /// `source` was stored before (a no-op, as in production).
    pub(crate) fn publish(&self, events: Vec<Event>) -> Result<Vec<Option<u64>>, EventCapReached> {
        self.store_now(&[], events)
    }

    /// Registers the fixture's parties, then stores its events now, atomically.
    pub(crate) fn publish_fixtures(
        &self,
        fixtures: Fixtures,
    ) -> Result<Vec<Option<u64>>, EventCapReached> {
        self.store_now(&fixtures.parties, fixtures.events)
    }

    /// Every event stored while the server runs passes here — the publish endpoint, the admin
    /// API, the live feed, the Rust helper — so this is where something that must see each new
    /// event (a webhook delivery, say) hooks in. One lock for the batch: no reader sees half of
    /// it, registration times rise with sequence numbers, and the event cap holds.
    fn store_now(
        &self,
        parties: &[Party],
        events: Vec<Event>,
    ) -> Result<Vec<Option<u64>>, EventCapReached> {
        let events: Vec<Arc<Event>> = events.into_iter().map(Arc::new).collect();
        let numbers = {
            let mut store = self.write_store();
            EventCapReached::check(self.max_events, store.len(), events.len())?;
            store.add_parties(parties);
            let registered = Registration::At(self.clock.now());
            store.append_all(events.iter().cloned(), registered)
        };
        // Every event goes out, a re-published duplicate too: production's registration
        // handler sends an event on even where the database ignored it (spec §7).
        self.push_stored(&events);
        Ok(numbers)
    }

    /// Publishes as an app does: a new id, the clock's time, `resource` derived from the
    /// source. Returns the id.
    pub(crate) fn publish_app_event(
        &self,
        request: AppEventRequest,
    ) -> Result<String, PublishRefused<PublishRejection>> {
        let id = uuid::Uuid::new_v4().to_string();
        let event = request
            .into_event(&id, self.clock.now())
            .map_err(PublishRefused::Rule)?;
        self.publish(vec![event])?;
        Ok(id)
    }

    /// Every stored event, in sequence order.
    pub(crate) fn events(&self) -> Vec<StoredEvent> {
        self.read_store().events().to_vec()
    }

    /// Up to `limit` stored events after sequence number `after`, in sequence order, and
    /// whether more follow them.
    pub(crate) fn events_page(&self, after: u64, limit: usize) -> (Vec<StoredEvent>, bool) {
        let store = self.read_store();
        let events = store.events();
        let start = events.partition_point(|stored| stored.sequence_number <= after);
        let page = &events[start..];
        let taken = page.len().min(limit);
        (page[..taken].to_vec(), page.len() > taken)
    }

    /// How many events are stored.
    pub(crate) fn event_count(&self) -> usize {
        self.read_store().len()
    }

    /// Removes every event (explicit parties stay); the live feed starts afresh, since no
    /// instance it had open exists any more.
    pub(crate) fn clear_events(&self) {
        self.live.restart_fresh_with(|| self.write_store().clear());
        self.page_cache.clear();
        memory::release_freed();
    }

    /// Back to how the server started: its startup events (renumbered from 1) and parties,
    /// the live feed's generator as it was then (a running feed keeps running), an empty
    /// journal, real time, the startup fault rules with fresh counters and ids, and the
    /// startup grants and resource access.
    pub(crate) fn reset(&self) {
        self.live.rewind_with(|| {
            *self.write_store() =
                EventStore::with_startup(&self.startup.events, &self.startup.parties);
        });
        self.page_cache.clear();
        self.journal.clear();
        self.clock.reset();
        self.faults.reset();
        self.reset_push();
        self.access.reset();
        memory::release_freed();
    }

    // ---- queries ----

    /// A page of app `org`/`app`'s events for `caller_org`, as production selects it:
    /// rules 1–9, the database's refusals, `LIMIT`, the visibility lag and the authorization
    /// filter.
    pub(crate) fn app_events(
        &self,
        (org, app): (&str, &str),
        bound: &BoundQuery,
        caller_org: &str,
    ) -> Result<(Vec<StoredEvent>, Stamp), QueryError> {
        let registered_by = self.registered_by();
        let store = self.read_store();
        let query = EventQuery::plan(org, app, bound, &store)?;
        let page = query.run(&store, registered_by, |stored| {
            matches!(stored.event.read_access(), ReadAccess::Org(org) if org == caller_org)
        })?;
        Ok((page, self.stamp(&store, registered_by)))
    }

    /// The page kept for the face's `key` (see [`keep_app_page`](Self::keep_app_page)) if the
    /// store and the visibility cut are still those it was selected under.
    pub(crate) fn kept_app_page(&self, key: &[u8]) -> Option<KeptPage> {
        if self.page_cache.is_off() {
            return None;
        }
        let stamp = self.stamp(&self.read_store(), self.registered_by());
        self.page_cache.get(key, stamp)
    }

    /// Keeps the page answered for `key` — everything of the request the answer depends on
    /// besides the store — as selected under `stamp` (from [`app_events`](Self::app_events)).
    pub(crate) fn keep_app_page(&self, key: &[u8], stamp: Stamp, page: KeptPage) {
        self.page_cache.keep(key, stamp, page);
    }

    /// Whether pages are kept at all (`--page-cache 0` keeps none).
    pub(crate) fn keeps_pages(&self) -> bool {
        !self.page_cache.is_off()
    }

    /// What a selection from `store` at `registered_by` depends on besides the request.
    fn stamp(&self, store: &EventStore, registered_by: Option<DateTime<Utc>>) -> Stamp {
        Stamp {
            generation: self.generation.load(Ordering::Relaxed),
            cut: match registered_by {
                None => page_cache::Cut::None,
                Some(by) => page_cache::Cut::Sequence(store.visibility_cut(by)),
            },
        }
    }

    // ---- tokens ----

    /// Who is calling, from the request's token (none: `None`).
    pub(crate) fn authenticate(&self, token: Option<&str>) -> Result<Caller, Unauthenticated> {
        self.auth.authenticate(token)
    }

    /// Every claim of the request's token (none under `--auth off` without one).
    pub(crate) fn claims(
        &self,
        token: Option<&str>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Unauthenticated> {
        self.auth.claims(token)
    }

    /// A `PlatformAccessToken`'s `{org}/{app}`, if strict checks accept it.
    pub(crate) fn verify_access_token(&self, token: &str) -> Option<String> {
        self.auth.verify_access_token(token)
    }

    /// A token this server accepts in every mode.
    pub(crate) fn mint(&self, request: &TokenRequest) -> Result<String, TokenError> {
        self.auth.mint(request)
    }

    /// How tokens are checked.
    pub(crate) fn auth_mode(&self) -> AuthMode {
        self.auth.mode()
    }

    // ---- the clock ----

    /// The server clock's now.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Moves the clock by `by` (back for a negative one); it keeps running from there. Webhook
    /// attempts that became due start; the answer says what to [`settle`](Self::settle) for.
    pub(crate) fn advance_clock(&self, by: TimeDelta) -> Option<Settle> {
        self.clock.advance(by);
        self.settle_point()
    }

    /// Sets the clock to `now`, which must lie in years 1 to 9999 (what production can hold);
    /// as [`advance_clock`](Self::advance_clock) for webhook attempts.
    pub(crate) fn set_clock(&self, now: DateTime<Utc>) -> Result<Option<Settle>, ClockOutOfRange> {
        if !(crate::domain::event::earliest()..=crate::domain::event::latest()).contains(&now) {
            return Err(ClockOutOfRange(now));
        }
        self.clock.set(now);
        Ok(self.settle_point())
    }

    // ---- the live feed ----

    /// Starts the live feed at `rate`, or changes its rate.
    pub(crate) fn start_live(&self, rate: Rate) -> Result<(), LiveError> {
        self.live.start(rate, self.this.clone(), &self.runtime)
    }

    /// Stops the live feed; what it appended stays.
    pub(crate) fn stop_live(&self) {
        self.live.stop();
    }

    /// Whether the live feed runs, its rate, and how many events it appended.
    pub(crate) fn live_status(&self) -> LiveStatus {
        self.live.status()
    }

    /// One tick of the feed started as `epoch`: `count` events stamped and registered now.
    /// At the event cap the feed stops (what it appended stays), rather than make events only
    /// to drop them.
    fn append_live(&self, epoch: u64, count: u64) {
        let mut full = None;
        self.live.emit(
            epoch,
            count,
            || self.clock.now(),
            |events| full = self.publish(events).err(),
        );
        if let Some(full) = full {
            tracing::warn!(%full, "the live feed stopped");
            self.live.stop_epoch(epoch);
        }
    }

    /// The server is shutting down: no background work runs past it or starts again.
    pub(crate) fn close(&self) {
        self.live.close();
        self.push.close();
    }
}

/// A clock setting outside years 1 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClockOutOfRange(pub(crate) DateTime<Utc>);

impl std::fmt::Display for ClockOutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is outside what production can hold (years 1 to 9999)",
            crate::domain::event::format_rfc3339(self.0)
        )
    }
}
