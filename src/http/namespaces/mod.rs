//! Namespaces: one server, many isolated fakes. A namespace is a name mapped to a core of its
//! own (a [`MockService`] built the one way every core is built: `Settings` → `Loaded::start`),
//! served under `/ns/{name}`; the default namespace is the unprefixed server. A request under
//! the prefix reaches its namespace's core with the prefix taken off for routing and kept in
//! everything a client sees (`next` links, `Location`, OpenAPI's `servers`, the handshake's
//! `source`), so a client pointed at `{baseUrl}` works unchanged.
//!
//! Each namespace has its own store, party register, clock, journal, fault rules, live feed,
//! grants, subscriptions and deliveries: nothing is shared but the listener and the HTTP
//! settings. Caps keep a shared server alive: at most `max` namespaces (429), at most
//! `max_events` events in each (413), and one idle past the TTL — on real time, since the TTL
//! is about a forgotten test, not the server clock — is removed by a background sweeper.

mod create;
mod limits;
mod name;
mod request;
mod routing;
mod sweeper;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::{Duration, Instant};

use tokio::task::AbortHandle;

use super::{App, HttpSettings};
use crate::service::{MockService, Settings};

pub(crate) use create::Refusal;
pub(crate) use limits::{DEFAULT_MAX_NAMESPACES, DEFAULT_NAMESPACE_MAX_EVENTS, NamespaceLimits};
pub(super) use request::read as read_request;
pub(super) use routing::{no_such_path, resolve};

/// The path segment namespaces live under: `/ns/{name}/…`.
const SEGMENT: &str = "ns";

/// `/ns/{name}`: where namespace `name` is served.
pub(crate) fn path_prefix(name: &str) -> String {
    format!("/{SEGMENT}/{name}")
}

/// Every namespace of one server, the default one included.
#[derive(Debug)]
pub(crate) struct Namespaces {
    /// The default namespace: the unprefixed server.
    root: Arc<App>,
    named: RwLock<BTreeMap<String, Entry>>,
    /// What a namespace starts from: the server's configuration without its data.
    template: Settings,
    limits: NamespaceLimits,
    /// The server's runtime, where every namespace's background work runs.
    runtime: tokio::runtime::Handle,
    /// The origin of `Entry::last_used`.
    epoch: Instant,
    closed: AtomicBool,
    sweeper: Mutex<Option<AbortHandle>>,
}

/// One named namespace.
#[derive(Debug)]
struct Entry {
    app: Arc<App>,
    /// Milliseconds from `Namespaces::epoch` to the last request routed here.
    last_used: AtomicU64,
    /// Held by a Rust handle: removed when the handle drops, never for being idle.
    held: bool,
}

/// A namespace as `GET /_mock/namespaces` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listing {
    pub(crate) name: String,
    pub(crate) events: usize,
    /// Whole seconds since its last request (or its creation).
    pub(crate) idle_seconds: u64,
}

impl Namespaces {
    /// The registry of a server whose default namespace is `service`; namespaces start from
    /// `template`. Must run on the server's runtime: the idle sweeper starts on it.
    pub(crate) fn start(
        service: Arc<MockService>,
        template: Settings,
        settings: HttpSettings,
        local_addr: SocketAddr,
    ) -> Arc<Namespaces> {
        let limits = settings.namespaces;
        let namespaces = Arc::new_cyclic(|this: &Weak<Namespaces>| Namespaces {
            root: Arc::new(App {
                service,
                settings,
                local_addr,
                prefix: String::new(),
                namespaces: this.clone(),
            }),
            named: RwLock::new(BTreeMap::new()),
            template,
            limits,
            runtime: tokio::runtime::Handle::current(),
            epoch: Instant::now(),
            closed: AtomicBool::new(false),
            sweeper: Mutex::new(None),
        });
        if let Some(ttl) = limits.idle_ttl {
            let task = sweeper::spawn(Arc::downgrade(&namespaces), ttl);
            *namespaces
                .sweeper
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(task);
        }
        namespaces
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Entry>> {
        // Every change is one insert or remove: a panic elsewhere leaves the map whole.
        self.named.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Entry>> {
        self.named.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The default namespace.
    pub(crate) fn root(&self) -> &Arc<App> {
        &self.root
    }

    /// The configuration a namespace starts from (the server's, without its data).
    pub(crate) fn template(&self) -> &Settings {
        &self.template
    }

    /// The namespace `name`, marked as used now.
    pub(crate) fn enter(&self, name: &str) -> Option<Arc<App>> {
        let named = self.read();
        let entry = named.get(name)?;
        entry.last_used.store(self.millis(), Ordering::Relaxed);
        Some(Arc::clone(&entry.app))
    }

    /// Removes namespace `name` and stops its background work (live feed, webhook
    /// dispatcher); requests already inside it finish. Whether it existed.
    pub(crate) fn remove(&self, name: &str) -> bool {
        let removed = self.write().remove(name);
        match removed {
            Some(entry) => {
                entry.app.service.close();
                true
            }
            None => false,
        }
    }

    /// Removes namespace `name` if it is still the one `service` serves (a handle's own, not
    /// one that took its name after it was deleted).
    pub(crate) fn release(&self, name: &str, service: &Arc<MockService>) {
        let mut named = self.write();
        let own = named
            .get(name)
            .is_some_and(|entry| Arc::ptr_eq(&entry.app.service, service));
        if let Some(entry) = own.then(|| named.remove(name)).flatten() {
            drop(named);
            entry.app.service.close();
        }
    }

    /// Removes every namespace; how many there were.
    pub(crate) fn remove_all(&self) -> usize {
        let removed = std::mem::take(&mut *self.write());
        for entry in removed.values() {
            entry.app.service.close();
        }
        removed.len()
    }

    /// Removes the namespaces made over HTTP that went without a request for `ttl`.
    fn remove_idle(&self, ttl: Duration) {
        let now = self.millis();
        let ttl = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        let idle = |entry: &Entry| {
            !entry.held && now.saturating_sub(entry.last_used.load(Ordering::Relaxed)) >= ttl
        };
        let expired: Vec<String> = self
            .read()
            .iter()
            .filter(|(_, entry)| idle(entry))
            .map(|(name, _)| name.clone())
            .collect();
        for name in expired {
            let mut named = self.write();
            // A request may have come in between the two locks.
            if named.get(&name).is_some_and(idle)
                && let Some(entry) = named.remove(&name)
            {
                drop(named);
                entry.app.service.close();
                tracing::info!(namespace = %name, "removed after idling past the TTL");
            }
        }
    }

    /// Every namespace, by name.
    pub(crate) fn list(&self) -> Vec<Listing> {
        let now = self.millis();
        self.read()
            .iter()
            .map(|(name, entry)| listing(name, entry, now))
            .collect()
    }

    /// Namespace `name`, if it exists.
    pub(crate) fn get(&self, name: &str) -> Option<Listing> {
        let now = self.millis();
        self.read().get(name).map(|entry| listing(name, entry, now))
    }

    /// The server is shutting down: every namespace's background work stops, and none is
    /// created any more.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Some(task) = self
            .sweeper
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
        self.root.service.close();
        for entry in self.read().values() {
            entry.app.service.close();
        }
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl App {
    /// What this namespace's OpenAPI document says about namespaces.
    pub(in crate::http) fn openapi_served(&self) -> super::openapi::Served {
        super::openapi::Served {
            prefix: self.prefix.clone(),
            max_events: self.settings.namespaces.max_events,
        }
    }
}

fn listing(name: &str, entry: &Entry, now: u64) -> Listing {
    Listing {
        name: name.to_owned(),
        events: entry.app.service.event_count(),
        idle_seconds: now.saturating_sub(entry.last_used.load(Ordering::Relaxed)) / 1000,
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        if let Some(task) = self
            .sweeper
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
    }
}
