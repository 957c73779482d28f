//! Fault rules from Rust: a rule per guard, removed when the guard drops.

use std::fmt;
use std::sync::{Arc, Weak};

use super::{MockServer, rule_or_panic};
use crate::domain::faults::{FaultRule, FaultStatus};
use crate::service::{FaultId, MockService};

/// A standing fault rule; dropping the guard removes it.
///
/// ```
/// use altinn_events_mock::MockServer;
///
/// let server = MockServer::start_blocking();
/// {
///     let _outage = server.fault("when=always,what=status:503,retry_after=1");
///     assert_eq!(server.faults().len(), 1);
/// }
/// // The guard is gone, and so is the rule.
/// assert!(server.faults().is_empty());
/// ```
#[must_use = "the rule is removed as soon as its guard is dropped"]
#[derive(Debug)]
pub struct FaultGuard {
    service: Weak<MockService>,
    fault: FaultId,
}

impl FaultGuard {
    /// The rule's id, as `GET /_mock/faults` and the journal show it.
    pub fn id(&self) -> u64 {
        self.fault.id
    }

    /// The rule's counters now; `None` once the server is gone or was reset.
    pub fn status(&self) -> Option<FaultStatus> {
        self.service.upgrade()?.fault_of(self.fault)
    }

    /// How many times the rule has fired so far.
    pub fn fired(&self) -> u64 {
        self.status().map_or(0, |status| status.fired)
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        if let Some(service) = self.service.upgrade() {
            service.remove_fault_of(self.fault);
        }
    }
}

impl MockServer {
    /// Adds `rule` after the standing ones, counting requests from now; it stands until the
    /// guard drops (or a reset). Give a [`FaultRule`] or its spelling,
    /// `"when=nth:3,what=status:503"`; a spelling that does not parse panics with the reason
    /// (parse it with `str::parse` to handle the error instead), and so does a delay or slow
    /// body past the server's cap ([`MockServerBuilder::max_fault_duration`]).
    ///
    /// [`MockServerBuilder::max_fault_duration`]: crate::MockServerBuilder::max_fault_duration
    pub fn fault<R>(&self, rule: R) -> FaultGuard
    where
        R: TryInto<FaultRule>,
        R::Error: fmt::Display,
    {
        let fault = self
            .service
            .add_fault(rule_or_panic(rule))
            .unwrap_or_else(|error| panic!("not a fault rule this server runs: {error}"));
        FaultGuard {
            fault,
            service: Arc::downgrade(&self.service),
        }
    }

    /// The standing fault rules, in evaluation order, with their counters.
    pub fn faults(&self) -> Vec<FaultStatus> {
        self.service.faults()
    }

    /// Removes every fault rule (guards of removed rules then remove nothing).
    pub fn clear_faults(&self) {
        self.service.clear_faults();
    }
}
