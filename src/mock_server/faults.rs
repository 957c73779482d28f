//! Fault rules from Rust: a rule per guard, removed when the guard drops.

use std::sync::{Arc, Weak};

use super::MockServer;
use crate::faults::{FaultRule, FaultStatus};
use crate::http::AppState;

/// A standing fault rule; dropping the guard removes it.
///
/// ```
/// use altinn_events_mock::MockServer;
///
/// let server = MockServer::start_blocking();
/// let url = server.events_url("ttd", "apps-test");
/// {
///     let _outage = server.fault("when=always,what=status:503,retry_after=1".parse().unwrap());
///     assert_eq!(server.faults().len(), 1);
/// }
/// // The guard is gone, and so is the rule.
/// assert!(server.faults().is_empty());
/// ```
#[must_use = "the rule is removed as soon as its guard is dropped"]
#[derive(Debug)]
pub struct FaultGuard {
    state: Weak<AppState>,
    id: u64,
}

impl FaultGuard {
    /// The rule's id, as `GET /_mock/faults` and the journal show it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The rule's counters now; `None` once the server is gone or was reset.
    pub fn status(&self) -> Option<FaultStatus> {
        self.state.upgrade()?.faults.get(self.id)
    }

    /// How many times the rule has fired so far.
    pub fn fired(&self) -> u64 {
        self.status().map_or(0, |status| status.fired)
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        if let Some(state) = self.state.upgrade() {
            state.faults.remove(self.id);
        }
    }
}

impl MockServer {
    /// Adds `rule` after the standing ones, counting requests from now; it stands until the
    /// guard drops. Rules parse from the spelling the CLI and the admin API use:
    /// `"when=nth:3,what=status:503".parse()`.
    pub fn fault(&self, rule: FaultRule) -> FaultGuard {
        FaultGuard {
            id: self.state.faults.add(rule),
            state: Arc::downgrade(&self.state),
        }
    }

    /// The standing fault rules, in evaluation order, with their counters.
    pub fn faults(&self) -> Vec<FaultStatus> {
        self.state.faults.list()
    }

    /// Removes every fault rule (guards of removed rules then remove nothing).
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }
}
