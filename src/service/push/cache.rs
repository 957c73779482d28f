//! Production's one-hour caches, reproduced on demand (`--subscription-cache 1h`; off by
//! default). Production keeps, per instance, the subscriptions matching a (resource, subject,
//! type) and each consumer's authorization for an app (or a resource), each for
//! `SubscriptionCachingLifetimeInSeconds` = 3600 from when it was first read: a new or newly
//! validated subscription may miss events for up to an hour, and a deleted one may go on
//! receiving them (altinn-studio-docs issue #2517). Expiry is on the server clock, so a test
//! moves the clock past it instead of waiting.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::event::shift;
use crate::domain::push::subscription::StoredSubscription;

/// (resource, subject, type) of an event: what production's subscription cache is keyed by.
pub(super) type ListKey = (Option<String>, Option<String>, String);

/// The caches, when on.
#[derive(Debug)]
pub(super) struct Caches {
    lifetime: Option<TimeDelta>,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    lists: HashMap<ListKey, (DateTime<Utc>, Vec<StoredSubscription>)>,
    decisions: HashMap<(String, String), (DateTime<Utc>, bool)>,
}

impl Caches {
    /// Caches keeping entries for `lifetime` (none: no caching).
    pub(super) fn new(lifetime: Option<TimeDelta>) -> Caches {
        Caches {
            lifetime,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The subscriptions for `key`: from the cache while fresh, else `read` (and kept).
    pub(super) fn list(
        &self,
        key: ListKey,
        now: DateTime<Utc>,
        read: impl FnOnce() -> Vec<StoredSubscription>,
    ) -> Vec<StoredSubscription> {
        let Some(lifetime) = self.lifetime else {
            return read();
        };
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((expires, list)) = inner.lists.get(&key)
            && now < *expires
        {
            return list.clone();
        }
        let list = read();
        inner
            .lists
            .insert(key, (shift(now, lifetime), list.clone()));
        list
    }

    /// The decision for (consumer, scope): from the cache while fresh, else `decide`.
    pub(super) fn decision(
        &self,
        key: (String, String),
        now: DateTime<Utc>,
        decide: impl FnOnce() -> bool,
    ) -> bool {
        let Some(lifetime) = self.lifetime else {
            return decide();
        };
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((expires, decision)) = inner.decisions.get(&key)
            && now < *expires
        {
            return *decision;
        }
        let decision = decide();
        inner
            .decisions
            .insert(key, (shift(now, lifetime), decision));
        decision
    }

    /// Forgets everything (a reset).
    pub(super) fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.lists.clear();
        inner.decisions.clear();
    }
}
