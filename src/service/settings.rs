//! What a server's core is started with, and loading it: fixtures, the demo data, generated
//! events and keys are all read and checked before anything listens.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use super::auth::Authenticator;
use super::clock::Clock;
use super::error::StartError;
use super::faults::Faults;
use super::journal::DEFAULT_JOURNAL_MAX_BYTES;
use super::journal::Journal;
use super::live::LiveFeed;
use super::push::{Push, PushSettings};
use super::startup_store::generate_and_store;
use super::{DEFAULT_JOURNAL_CAP, DEFAULT_PAGE_CACHE_ENTRIES, MockService, Startup};
use crate::domain::auth::{Access, AuthMode};
use crate::domain::event::Event;
use crate::domain::faults::{DEFAULT_MAX_FAULT_DURATION, FaultRule, FaultSet};
use crate::domain::fixtures;
use crate::domain::generate::{Generator, GeneratorOptions};
use crate::domain::store::{EventStore, Party};
use crate::domain::units::Rate;

/// Everything the core is started with. The builder is the only thing that fills it in.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Fixture files or folders, loaded in order.
    pub(crate) fixtures: Vec<PathBuf>,
    /// Load the built-in demo data set first.
    pub(crate) demo: bool,
    /// Events to load after the fixtures.
    pub(crate) events: Vec<Event>,
    /// Explicit party register entries, added after the fixtures'.
    pub(crate) parties: Vec<Party>,
    /// How many synthetic events to generate after the other events.
    pub(crate) generate: usize,
    /// How the generator makes them (and the live feed's events); its seed also seeds the
    /// fault rules' draws unless `seed` is given.
    pub(crate) generator: GeneratorOptions,
    /// The seed of the fault rules' draws and of the generator, over the generator's own.
    pub(crate) seed: Option<u64>,
    /// How tokens are checked.
    pub(crate) auth: AuthMode,
    /// PEM public keys whose tokens `strict` also accepts.
    pub(crate) jwt_public_keys: Vec<String>,
    /// Production's visibility lag (production: 30 s).
    pub(crate) visibility_lag: Duration,
    /// How many requests the journal keeps.
    pub(crate) journal_cap: usize,
    /// Append generated events at this rate from the start.
    pub(crate) live: Option<Rate>,
    /// Fault rules standing from the start, and again after each reset.
    pub(crate) faults: Vec<FaultRule>,
    /// Subscriptions and webhook delivery.
    pub(crate) push: PushSettings,
    /// The authorization stand-ins at the start, and again after each reset.
    pub(crate) access: Access,
    /// The longest delay or slow body a fault rule may ask for.
    pub(crate) max_fault_duration: Duration,
    /// Bytes the request journal may hold.
    pub(crate) journal_max_bytes: usize,
    /// The most events the store may hold (a namespace's cap; `None`: no cap).
    pub(crate) max_events: Option<usize>,
    /// How many answered pages of the app owners' query are kept (0: none).
    pub(crate) page_cache_entries: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            fixtures: Vec::new(),
            demo: false,
            events: Vec::new(),
            parties: Vec::new(),
            generate: 0,
            generator: GeneratorOptions::default(),
            seed: None,
            auth: AuthMode::Strict,
            jwt_public_keys: Vec::new(),
            visibility_lag: Duration::ZERO,
            journal_cap: DEFAULT_JOURNAL_CAP,
            live: None,
            faults: Vec::new(),
            push: PushSettings::default(),
            access: Access::default(),
            max_fault_duration: DEFAULT_MAX_FAULT_DURATION,
            journal_max_bytes: DEFAULT_JOURNAL_MAX_BYTES,
            max_events: None,
            page_cache_entries: DEFAULT_PAGE_CACHE_ENTRIES,
        }
    }
}

/// A core's data and settings, loaded and checked, not yet running.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The store holding the startup events, filled while they were loaded.
    store: EventStore,
    startup: Startup,
    auth: Authenticator,
    visibility_lag: TimeDelta,
    journal_cap: usize,
    journal_max_bytes: usize,
    live: LiveFeed,
    live_at_start: Option<Rate>,
    faults: FaultSet,
    push: Push,
    access: Access,
    max_fault_duration: Duration,
    max_events: Option<usize>,
    page_cache_entries: usize,
}

impl Settings {
    /// What a namespace of this server starts from: the same configuration (auth, keys,
    /// visibility lag, journal caps, generator options, the push face's settings, grants), none
    /// of the data (events, fixtures, generated events, live feed, fault rules, subscriptions).
    /// Each field is named, so a new one must be placed on one side or the other.
    pub(crate) fn for_namespace(&self) -> Settings {
        Settings {
            fixtures: Vec::new(),
            demo: false,
            events: Vec::new(),
            parties: Vec::new(),
            generate: 0,
            generator: self.generator.clone(),
            seed: self.seed,
            auth: self.auth,
            jwt_public_keys: self.jwt_public_keys.clone(),
            visibility_lag: self.visibility_lag,
            journal_cap: self.journal_cap,
            live: None,
            faults: Vec::new(),
            push: PushSettings {
                subscriptions: Vec::new(),
                ..self.push.clone()
            },
            access: self.access.clone(),
            max_fault_duration: self.max_fault_duration,
            journal_max_bytes: self.journal_max_bytes,
            max_events: self.max_events,
            page_cache_entries: self.page_cache_entries,
        }
    }

    /// Reads and checks everything: keys, fixtures, the demo data, generated events.
    pub(crate) fn load(mut self) -> Result<Loaded, StartError> {
        if let Some(seed) = self.seed {
            self.generator.seed = seed;
        }
        let auth = Authenticator::new(self.auth, &self.jwt_public_keys).map_err(|error| {
            StartError::PublicKey {
                index: error.index,
                reason: error.reason,
            }
        })?;
        let visibility_lag =
            TimeDelta::from_std(self.visibility_lag).map_err(|_| StartError::Setting {
                name: "visibility lag",
                reason: format!("{:?} is too large", self.visibility_lag),
            })?;
        for rule in &self.faults {
            rule.check_within(self.max_fault_duration)
                .map_err(|error| StartError::Setting {
                    name: "fault rule",
                    reason: format!("{rule}: {error}"),
                })?;
        }
        let mut data = if self.demo {
            fixtures::demo()?
        } else {
            fixtures::Fixtures::default()
        };
        let loaded = super::fixture_files::load(&self.fixtures)?;
        data.events.extend(loaded.events);
        data.parties.extend(loaded.parties);
        data.events.extend(self.events);
        data.parties.extend(self.parties);
        // Shared from the start: collecting a `Vec<Event>` into `Arc`s reuses its allocation
        // in place and keeps all of it (some 200 MB at a million events, each page touched)
        // for as long as the server runs.
        let mut events: Vec<Arc<Event>> = Vec::with_capacity(data.events.len());
        events.extend(data.events.into_iter().map(Arc::new));
        let (live_generator, store) = if self.generate > 0 {
            self.generator
                .check_for(self.generate)
                .map_err(StartError::Generator)?;
            let mut generator = Generator::new(&self.generator).map_err(StartError::Generator)?;
            data.parties.extend(generator.party_register());
            // `check_for` bounds the count.
            events.reserve(self.generate);
            let store =
                generate_and_store(&mut generator, self.generate, &mut events, &data.parties);
            (Some(generator), store)
        } else {
            if self.live.is_some() {
                self.generator.check().map_err(StartError::Generator)?;
            }
            (None, EventStore::with_startup(&events, &data.parties))
        };
        let push = Push::new(self.push, self.journal_cap);
        push.check_seeds()
            .map_err(|(index, error)| StartError::Setting {
                name: "subscription",
                reason: format!("subscription #{}: {}", index + 1, error.message),
            })?;
        Ok(Loaded {
            push,
            store,
            startup: Startup {
                events,
                parties: data.parties,
            },
            auth,
            visibility_lag,
            journal_cap: self.journal_cap,
            journal_max_bytes: self.journal_max_bytes,
            live: LiveFeed::new(self.generator.clone(), live_generator),
            live_at_start: self.live,
            faults: FaultSet::new(self.generator.seed, self.faults),
            access: self.access,
            max_fault_duration: self.max_fault_duration,
            max_events: self.max_events,
            page_cache_entries: self.page_cache_entries,
        })
    }
}

impl Loaded {
    /// How many events the server starts with.
    pub(crate) fn event_count(&self) -> usize {
        self.startup.events.len()
    }

    /// The running core, its background work on the current tokio runtime (the live feed,
    /// if asked for, starts now).
    pub(crate) fn start(self) -> Arc<MockService> {
        let service = Arc::new_cyclic(|this| MockService {
            store: std::sync::RwLock::new(self.store),
            generation: std::sync::atomic::AtomicU64::new(0),
            page_cache: super::page_cache::PageCache::new(self.page_cache_entries),
            startup: self.startup,
            clock: Clock::system(),
            visibility_lag: self.visibility_lag,
            max_events: self.max_events,
            auth: self.auth,
            access: super::access::AccessState::new(self.access),
            journal: Journal::new(self.journal_cap, self.journal_max_bytes),
            faults: Faults::new(self.faults),
            max_fault_duration: self.max_fault_duration,
            live: self.live,
            push: self.push,
            runtime: tokio::runtime::Handle::current(),
            this: this.clone(),
        });
        service.start_dispatcher();
        service.seed_startup_subscriptions();
        if let Some(rate) = self.live_at_start
            && let Err(error) = service.start_live(rate)
        {
            // Checked at load; only a shutdown could refuse it, and none has begun.
            tracing::warn!(%error, "the live feed did not start");
        }
        service
    }
}
