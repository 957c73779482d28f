//! The most events one core may hold. A namespace of a shared server has one
//! (`--namespace-max-events`), so a runaway test or a forgotten live feed cannot fill the
//! memory every other test shares; the default namespace has none. `store_now` checks it under
//! the store's lock, so concurrent publishes can never pass it together.

use std::fmt;

use crate::domain::store::STORE_CAPACITY;

/// Storing a batch would pass the core's event cap; nothing of it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventCapReached {
    /// The most events the core may hold.
    pub(crate) cap: usize,
    /// How many it holds.
    pub(crate) stored: usize,
    /// How many the refused batch held.
    pub(crate) incoming: usize,
}

impl EventCapReached {
    /// `Err` when `incoming` more events would pass `cap` (or the store's own capacity, with
    /// no cap or a greater one) with `stored` held. A duplicate (same `id` and `source`) counts
    /// too: the check runs before the store knows it is one.
    pub(crate) fn check(
        cap: Option<usize>,
        stored: usize,
        incoming: usize,
    ) -> Result<(), EventCapReached> {
        let cap = cap.map_or(STORE_CAPACITY, |cap| cap.min(STORE_CAPACITY));
        if stored.saturating_add(incoming) > cap {
            return Err(EventCapReached {
                cap,
                stored,
                incoming,
            });
        }
        Ok(())
    }
}

impl fmt::Display for EventCapReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = if self.cap == STORE_CAPACITY {
            "the store's capacity"
        } else {
            "--namespace-max-events"
        };
        write!(
            f,
            "this namespace holds {} events and may hold at most {} ({which}): {} more would pass it, so nothing was stored",
            self.stored, self.cap, self.incoming
        )
    }
}

impl std::error::Error for EventCapReached {}

/// Why the core did not store what an endpoint published: the endpoint's own rule `E`, or the
/// event cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublishRefused<E> {
    /// The endpoint's rule (production's answer).
    Rule(E),
    /// The namespace is full.
    Full(EventCapReached),
}

impl<E> From<EventCapReached> for PublishRefused<E> {
    fn from(full: EventCapReached) -> PublishRefused<E> {
        PublishRefused::Full(full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_that_would_pass_the_cap_is_refused_whole() {
        assert_eq!(EventCapReached::check(None, STORE_CAPACITY - 5, 5), Ok(()));
        assert!(EventCapReached::check(None, STORE_CAPACITY, 1).is_err());
        assert!(EventCapReached::check(Some(usize::MAX), STORE_CAPACITY, 1).is_err());
        assert_eq!(EventCapReached::check(Some(10), 5, 5), Ok(()));
        let refused = EventCapReached::check(Some(10), 5, 6).unwrap_err();
        assert_eq!(
            refused,
            EventCapReached {
                cap: 10,
                stored: 5,
                incoming: 6
            }
        );
        assert!(refused.to_string().contains("may hold at most 10"));
        assert!(EventCapReached::check(Some(0), 0, 1).is_err());
        assert!(EventCapReached::check(Some(3), usize::MAX, usize::MAX).is_err());
    }
}
