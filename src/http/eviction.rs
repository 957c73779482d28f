//! Making room at the connection cap. Refusing every newcomer while the cap is full lets one
//! client that opens connections and then sends nothing more keep everyone else out until
//! Kestrel's timeouts end its connections. So before refusing, the server closes the
//! connection that has waited longest on its own client — a request head or body that stopped
//! arriving — and serves the newcomer in its place. A connection the server itself is busy
//! with (a request being handled or answered) or an idle keep-alive one is never closed.
//!
//! Every connection is registered with its [`Activity`] and the sending half of a oneshot
//! its task selects on. Registering is a push under an uncontended lock; only the rare
//! newcomer at the cap scans the registry.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::oneshot;

use super::watchdog::{Activity, Stall};

/// How long a connection must have received nothing before it may be closed for a newcomer.
/// A well-behaved client sends a head and its body back to back, so a second without a byte
/// means the client itself has stopped; and a second is well inside Kestrel's 5 s grace for
/// bodies and 30 s header timeout, so a flood holds the door for a second, not for those.
pub(super) const MIN_STALL: Duration = Duration::from_secs(1);

/// How long the accept loop waits for an evicted connection's task to give its slot back: it
/// only has to wake and drop the connection, so this is a bound against a wedged runtime,
/// not a wait anyone should see.
pub(super) const HANDOVER: Duration = Duration::from_millis(250);

/// Every connection holding a slot, to pick one to close at the cap.
#[derive(Debug, Default)]
pub(super) struct Tenants {
    registry: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    tenants: Vec<Tenant>,
    /// The length at which ended connections are swept out: twice the live ones at the last
    /// sweep, so that sweeping costs O(1) per connection.
    sweep_at: usize,
}

#[derive(Debug)]
struct Tenant {
    activity: Weak<Activity>,
    evict: oneshot::Sender<Stall>,
}

impl Tenant {
    fn ended(&self) -> bool {
        self.evict.is_closed()
    }
}

/// A connection's side of its registration: completes if it is evicted.
#[derive(Debug)]
pub(super) struct Eviction(oneshot::Receiver<Stall>);

impl Eviction {
    /// The stall the connection was closed for; pending forever if it never is.
    pub(super) async fn evicted(self) -> Stall {
        match self.0.await {
            Ok(stall) => stall,
            // The server's registry went away first (it is shutting down): nobody evicts.
            Err(_) => std::future::pending().await,
        }
    }
}

impl Tenants {
    /// Registers a connection just given a slot.
    pub(super) fn admit(&self, activity: &Arc<Activity>) -> Eviction {
        let (evict, evicted) = oneshot::channel();
        let mut registry = self.lock();
        if registry.tenants.len() >= registry.sweep_at {
            registry.tenants.retain(|tenant| !tenant.ended());
            registry.sweep_at = (registry.tenants.len() * 2).max(64);
        }
        registry.tenants.push(Tenant {
            activity: Arc::downgrade(activity),
            evict,
        });
        Eviction(evicted)
    }

    /// Closes the connection stalled longest on its client, if one has been for at least
    /// `min_stall`; returns its stall. The connection frees its slot once its task sees this.
    pub(super) fn evict_most_stalled(&self, min_stall: Duration) -> Option<Stall> {
        let mut registry = self.lock();
        registry.tenants.retain(|tenant| !tenant.ended());
        let (index, stall) = registry
            .tenants
            .iter()
            .enumerate()
            .filter_map(|(index, tenant)| Some((index, tenant.activity.upgrade()?.stall()?)))
            .filter(|(_, stall)| stall.lasted >= min_stall)
            .max_by_key(|(_, stall)| stall.lasted)?;
        // Out of the registry, so that the next newcomer picks another one.
        let tenant = registry.tenants.swap_remove(index);
        drop(registry);
        tenant.evict.send(stall).ok()?;
        Some(stall)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // The registry holds no invariant a panic could break halfway.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::watchdog::Awaiting;

    /// A connection whose client sent part of a head and stopped.
    fn stalled_head() -> Arc<Activity> {
        let activity = Activity::new();
        activity.read(10);
        activity
    }

    #[tokio::test]
    async fn the_connection_stalled_longest_is_evicted_and_only_once() {
        let tenants = Tenants::default();
        let older = stalled_head();
        let older_eviction = tenants.admit(&older);
        std::thread::sleep(Duration::from_millis(20));
        let newer = stalled_head();
        let newer_eviction = tenants.admit(&newer);
        let stall = tenants.evict_most_stalled(Duration::ZERO).unwrap();
        assert_eq!(stall.awaiting, Awaiting::Head);
        assert!(stall.lasted >= Duration::from_millis(20));
        assert_eq!(older_eviction.evicted().await, stall);
        // The next newcomer gets the newer one, not the same twice.
        let next = tenants.evict_most_stalled(Duration::ZERO).unwrap();
        assert_eq!(newer_eviction.evicted().await, next);
    }

    #[test]
    fn nothing_is_evicted_below_the_minimum_stall_or_while_the_server_has_the_move() {
        let tenants = Tenants::default();
        let handled = stalled_head();
        let _in_flight = handled.begin();
        let idle = Activity::new();
        let young = stalled_head();
        let _evictions = [&handled, &idle, &young].map(|activity| tenants.admit(activity));
        assert_eq!(tenants.evict_most_stalled(Duration::from_secs(60)), None);
        std::thread::sleep(Duration::from_millis(5));
        let evicted = tenants.evict_most_stalled(Duration::from_millis(1));
        assert!(evicted.is_some(), "only the stalled head qualifies");
        assert_eq!(tenants.evict_most_stalled(Duration::ZERO), None);
    }

    #[test]
    fn ended_connections_are_swept_out() {
        let tenants = Tenants::default();
        for _ in 0..1_000 {
            drop(tenants.admit(&Activity::new()));
        }
        assert!(tenants.lock().tenants.len() <= 64);
    }
}
