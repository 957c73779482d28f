//! The authorization stand-ins' state: the grants and whether resources need them. Set at
//! start (builder, `--grant`, `--resource-access`), changed at runtime (`/_mock/grants`,
//! `MockServer::grant`), restored by a reset.

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use super::MockService;
use crate::domain::auth::{Access, Grant, ResourceAccess};

/// The stand-ins' current state and the one the server started with.
#[derive(Debug)]
pub(super) struct AccessState {
    current: RwLock<Access>,
    startup: Access,
}

impl AccessState {
    pub(super) fn new(startup: Access) -> AccessState {
        AccessState {
            current: RwLock::new(startup.clone()),
            startup,
        }
    }

    /// The current state, for one decision (readers hold it only while deciding a page).
    pub(super) fn read(&self) -> RwLockReadGuard<'_, Access> {
        self.current.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn change(&self, change: impl FnOnce(&mut Access)) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        change(&mut current);
    }

    pub(super) fn reset(&self) {
        let startup = self.startup.clone();
        self.change(|current| *current = startup);
    }
}

impl MockService {
    /// Adds grants (they stand until a reset).
    pub(crate) fn grant(&self, grants: impl IntoIterator<Item = Grant>) {
        self.access.change(|access| access.grants.extend(grants));
    }

    /// Removes every grant, those given at start too (a reset brings those back).
    pub(crate) fn revoke_grants(&self) {
        self.access.change(|access| access.grants.clear());
    }

    /// Sets whether subscribing to and publishing on resources needs a grant.
    pub(crate) fn set_resource_access(&self, mode: ResourceAccess) {
        self.access.change(|access| access.resources = mode);
    }

    /// The grants and the resource mode now.
    pub(crate) fn access(&self) -> Access {
        self.access.read().clone()
    }
}
