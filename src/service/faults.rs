//! The server's fault rules behind their lock, and the verbs over them. A count of standing
//! rules is kept beside the lock, so a server without rules decides every request without
//! taking it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use super::MockService;
use crate::domain::faults::{FaultRule, FaultRuleError, FaultSet, FaultStatus, Fired};
use crate::domain::route::Route;

/// A rule's id within the reset it was added in: after a reset, ids start at 1 again, and an
/// id from before names nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FaultId {
    pub(crate) generation: u64,
    pub(crate) id: u64,
}

#[derive(Debug)]
pub(super) struct Faults {
    set: Mutex<FaultSet>,
    standing: AtomicUsize,
}

impl Faults {
    pub(super) fn new(set: FaultSet) -> Faults {
        Faults {
            standing: AtomicUsize::new(set.len()),
            set: Mutex::new(set),
        }
    }

    /// Runs `change` on the set and updates the count of standing rules.
    fn with<T>(&self, change: impl FnOnce(&mut FaultSet) -> T) -> T {
        let mut set = self.lock();
        let result = change(&mut set);
        self.standing.store(set.len(), Ordering::Release);
        result
    }

    fn lock(&self) -> MutexGuard<'_, FaultSet> {
        self.set.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn reset(&self) {
        self.with(FaultSet::reset);
    }
}

impl MockService {
    /// Refuses a rule this server does not run: a delay or slow body past
    /// `--max-fault-duration`.
    pub(crate) fn check_fault(&self, rule: &FaultRule) -> Result<(), FaultRuleError> {
        rule.check_within(self.max_fault_duration)
    }

    /// Adds `rule` after the standing ones, counting requests from now; refused past the
    /// duration cap.
    pub(crate) fn add_fault(&self, rule: FaultRule) -> Result<FaultId, FaultRuleError> {
        self.check_fault(&rule)?;
        Ok(self.faults.with(|set| FaultId {
            id: set.add(rule),
            generation: set.generation(),
        }))
    }

    /// Removes rule `id`; `false` if none stands.
    pub(crate) fn remove_fault(&self, id: u64) -> bool {
        self.faults.with(|set| set.remove(id))
    }

    /// Removes the rule a guard holds, unless a reset already did (its id may now name
    /// another rule).
    pub(crate) fn remove_fault_of(&self, fault: FaultId) {
        self.faults.with(|set| {
            if set.generation() == fault.generation {
                set.remove(fault.id);
            }
        });
    }

    /// Removes every rule.
    pub(crate) fn clear_faults(&self) {
        self.faults.with(FaultSet::clear);
    }

    /// The standing rules in evaluation order, with their counters.
    pub(crate) fn faults(&self) -> Vec<FaultStatus> {
        self.faults.lock().list()
    }

    /// Rule `id`, if it stands.
    pub(crate) fn fault(&self, id: u64) -> Option<FaultStatus> {
        self.faults.lock().get(id)
    }

    /// The rule a guard holds, if it still stands in the same reset.
    pub(crate) fn fault_of(&self, fault: FaultId) -> Option<FaultStatus> {
        let set = self.faults.lock();
        (set.generation() == fault.generation)
            .then(|| set.get(fault.id))
            .flatten()
    }

    /// Decides the fault for one request to `route` (a query's `org`/`app` from its path)
    /// arriving at `now`; `header` is the request's own `x-mock-fault` rule.
    pub(crate) fn decide_fault(
        &self,
        route: Route,
        (org, app): (Option<&str>, Option<&str>),
        now: DateTime<Utc>,
        header: Option<&FaultRule>,
    ) -> Option<Fired> {
        if header.is_none() && self.faults.standing.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.faults
            .with(|set| set.decide(route, org, app, now, header))
    }
}
