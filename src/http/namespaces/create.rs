//! Making a namespace, and why one is refused: a bad name, one taken, the cap on namespaces or
//! on events, settings that do not load, a server shutting down. The cheap checks come before
//! anything loads, and the room is checked again under the lock that adds it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Entry, Namespaces, name, path_prefix};
use crate::http::App;
use crate::service::{MockService, Settings, StartError};

/// Why a namespace was not created.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The name is not one a path segment can carry as it is.
    BadName(String),
    /// Its settings or data did not load: the reason, as a start error gives it.
    BadSettings(StartError),
    /// The name is taken.
    Taken(String),
    /// The cap on namespaces is reached.
    TooMany { max: usize },
    /// Its data alone would pass the cap on events.
    TooManyEvents { events: usize, max: usize },
    /// The server is shutting down.
    Closed,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::BadName(reason) => f.write_str(reason),
            Refusal::BadSettings(error) => error.fmt(f),
            Refusal::Taken(name) => write!(
                f,
                "a namespace named {name:?} exists; DELETE /_mock/namespaces/{name} removes it"
            ),
            Refusal::TooMany { max } => write!(
                f,
                "the server holds {max} namespaces, as many as --max-namespaces allows; delete one first"
            ),
            Refusal::TooManyEvents { events, max } => write!(
                f,
                "the namespace would start with {events} events; one may hold at most {max} (--namespace-max-events)"
            ),
            Refusal::Closed => f.write_str("the server is shutting down"),
        }
    }
}

impl Namespaces {
    /// Creates namespace `name` (a generated one when `None`) from `settings`, which it loads
    /// here (reading files, generating events: call it off the async threads for big data).
    /// `held`: a Rust handle owns it, so it is never removed for being idle.
    pub(crate) fn create(
        &self,
        name: Option<String>,
        settings: Settings,
        held: bool,
    ) -> Result<(String, Arc<MockService>), Refusal> {
        let name = match name {
            Some(name) => {
                name::check(&name).map_err(Refusal::BadName)?;
                name
            }
            None => self.unused_name(),
        };
        self.check_room(&name)?;
        let service = self.start_core(&name, settings)?;
        self.register(&name, &service, held)?;
        Ok((name, service))
    }

    /// Loads and starts namespace `name`'s core from `settings`, unless its data would pass
    /// the cap on events. Started before the registry is locked: building a big store takes a
    /// while, and requests to every other namespace go on meanwhile.
    fn start_core(&self, name: &str, mut settings: Settings) -> Result<Arc<MockService>, Refusal> {
        let max_events = self.limits.max_events;
        let known = settings.events.len().saturating_add(settings.generate);
        if known > max_events {
            return Err(Refusal::TooManyEvents {
                events: known,
                max: max_events,
            });
        }
        settings.max_events = Some(max_events);
        if let Some(base) = &self.root.settings.base_url {
            // The handshake's `source` is `{ApiEventsEndpoint}subscriptions/{id}`.
            settings.push.events_endpoint = format!("{base}{}/events/api/v1/", path_prefix(name));
        }
        let loaded = settings.load().map_err(Refusal::BadSettings)?;
        if loaded.event_count() > max_events {
            return Err(Refusal::TooManyEvents {
                events: loaded.event_count(),
                max: max_events,
            });
        }
        let _on_the_server = self.runtime.enter();
        Ok(loaded.start())
    }

    /// Adds the started `service` as namespace `name`, unless the room went while it loaded:
    /// then it is closed again.
    fn register(&self, name: &str, service: &Arc<MockService>, held: bool) -> Result<(), Refusal> {
        let app = Arc::new(App {
            service: Arc::clone(service),
            settings: self.root.settings.clone(),
            local_addr: self.root.local_addr,
            prefix: path_prefix(name),
            namespaces: self.root.namespaces.clone(),
        });
        let entry = Entry {
            app,
            last_used: AtomicU64::new(self.millis()),
            held,
        };
        let mut named = self.write();
        if let Err(refusal) = self.check_room_in(&named, name) {
            drop(named);
            service.close();
            return Err(refusal);
        }
        named.insert(name.to_owned(), entry);
        Ok(())
    }

    /// A generated name no namespace has.
    fn unused_name(&self) -> String {
        let named = self.read();
        loop {
            let name = name::generated_name();
            if !named.contains_key(&name) {
                return name;
            }
        }
    }

    /// Refuses early, before loading anything, when the namespace could not be added.
    fn check_room(&self, name: &str) -> Result<(), Refusal> {
        self.check_room_in(&self.read(), name)
    }

    fn check_room_in(&self, named: &BTreeMap<String, Entry>, name: &str) -> Result<(), Refusal> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Refusal::Closed);
        }
        if named.contains_key(name) {
            return Err(Refusal::Taken(name.to_owned()));
        }
        if named.len() >= self.limits.max {
            return Err(Refusal::TooMany {
                max: self.limits.max,
            });
        }
        Ok(())
    }
}
