//! Configuring a server: [`MockServerBuilder`], and what it says about the fake itself (its
//! data, how it checks tokens, fault rules, grants, the generator, the journal). What it says
//! about the HTTP face is in `http.rs`, about webhooks in `push.rs`; `start.rs` starts the
//! server, on a thread of its own for `MockServer` or on the caller's runtime for the binary.
//! Every server starts here.

mod http;
mod push;
mod start;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::neighbours::grant_or_panic;
use crate::domain::auth::{AuthMode, Grant, ResourceAccess};
use crate::domain::event::Event;
use crate::domain::faults::FaultRule;
use crate::domain::generate::GeneratorOptions;
use crate::domain::store::Party;
use crate::domain::units::Rate;
use crate::http::HttpSettings;
use crate::service::{Settings, StartError};

/// Configures a server before it starts: its data, how it checks tokens, its fault rules.
///
/// ```
/// use altinn_events_mock::{AuthMode, MockServer, Party};
/// use std::time::Duration;
///
/// let server = MockServer::builder()
///     .demo_data()
///     .parties([Party::person(50001, "01038712345")])
///     .auth(AuthMode::Lenient)
///     .visibility_lag(Duration::from_secs(30))
///     .fault("when=nth:3,what=status:503,route=query")
///     .start_blocking();
/// assert_eq!(server.events().len(), 445);
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until started"]
pub struct MockServerBuilder {
    settings: Settings,
    http: HttpSettings,
    events: Vec<Value>,
    /// How long [`MockServer::shutdown`](crate::MockServer::shutdown) lets requests in flight
    /// finish.
    shutdown_timeout: Option<Duration>,
}

impl MockServerBuilder {
    /// Events to store at start, as CloudEvents JSON (checked at start).
    pub fn events(mut self, events: impl IntoIterator<Item = Value>) -> Self {
        self.events.extend(events);
        self
    }

    /// A fixture file or folder to load at start (see `docs/fixtures.md` for the formats).
    pub fn fixture(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.fixtures.push(path.into());
        self
    }

    /// The built-in demo data set (445 events for `ttd/apps-test`, `ttd/endring-av-navn-v2`
    /// and `skd/mva-melding`), loaded before any fixture.
    pub fn demo_data(mut self) -> Self {
        self.settings.demo = true;
        self
    }

    /// Party register entries, which turn a query's `unit` and `person` into a party.
    pub fn parties(mut self, parties: impl IntoIterator<Item = Party>) -> Self {
        self.settings.parties.extend(parties);
        self
    }

    /// How tokens are checked (default: strict, as production).
    pub fn auth(mut self, mode: AuthMode) -> Self {
        self.settings.auth = mode;
        self
    }

    /// A PEM RSA public key whose tokens strict mode also accepts.
    pub fn jwt_public_key(mut self, pem: impl Into<String>) -> Self {
        self.settings.jwt_public_keys.push(pem.into());
        self
    }

    /// Production's visibility lag (default: none; production: 30 s).
    pub fn visibility_lag(mut self, lag: Duration) -> Self {
        self.settings.visibility_lag = lag;
        self
    }

    /// A fault rule standing from the start (and again after each reset), as a [`FaultRule`]
    /// or its spelling. A spelling that does not parse panics with the reason: this is a
    /// convenience for tests; parse it yourself to handle the error.
    pub fn fault<R>(mut self, rule: R) -> Self
    where
        R: TryInto<FaultRule>,
        R::Error: fmt::Display,
    {
        self.settings.faults.push(rule_or_panic(rule));
        self
    }

    /// A [`Grant`] (or its spelling) standing from the start, and again after each reset: a
    /// permission production's policy engine would give, which the fake cannot know. A
    /// spelling that does not parse panics with the reason.
    ///
    /// ```
    /// use altinn_events_mock::{MockServer, ResourceAccess};
    ///
    /// let server = MockServer::builder()
    ///     .grant("user:1337 read party:50001")
    ///     .grant("org:ttd subscribe urn:altinn:resource:ks-melding")
    ///     .resource_access(ResourceAccess::Grants)
    ///     .start_blocking();
    /// # drop(server);
    /// ```
    pub fn grant<G>(mut self, grant: G) -> Self
    where
        G: TryInto<Grant>,
        G::Error: fmt::Display,
    {
        self.settings.access.grants.push(grant_or_panic(grant));
        self
    }

    /// Whether subscribing to and publishing on resources needs a grant (default: open, as a
    /// fake that cannot know the Resource Registry's policies).
    pub fn resource_access(mut self, mode: ResourceAccess) -> Self {
        self.settings.access.resources = mode;
        self
    }

    /// Seed of the fault rules' probabilities and delay ranges, and of the generator
    /// (default: the generator's seed, 1). Given, it wins over the seed of
    /// [`generate`](Self::generate) and [`generator`](Self::generator), in any order.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = Some(seed);
        self
    }

    /// How many requests the journal keeps (default 10 000).
    pub fn journal_cap(mut self, cap: usize) -> Self {
        self.settings.journal_cap = cap;
        self
    }

    /// `count` synthetic events from the generator with `seed` (its other options at their
    /// defaults: see [`MockServerBuilder::generator`]), stored after the other events.
    pub fn generate(mut self, count: usize, seed: u64) -> Self {
        self.settings.generate = count;
        self.settings.generator.seed = seed;
        self
    }

    /// The generator's options, for [`MockServerBuilder::generate`] and the live feed.
    pub fn generator(mut self, options: GeneratorOptions) -> Self {
        self.settings.generator = options;
        self
    }

    /// Keeps appending generated events at `rate` (`"10/s".parse()`) while the server runs.
    pub fn live(mut self, rate: Rate) -> Self {
        self.settings.live = Some(rate);
        self
    }

    /// How many bytes the journal keeps (default 64 MiB); the oldest entries go first past
    /// it, as past [`journal_cap`](Self::journal_cap).
    pub fn journal_max_bytes(mut self, bytes: usize) -> Self {
        self.settings.journal_max_bytes = bytes;
        self
    }

    /// How many answered pages of the app owners' query are kept (default 64) to answer the
    /// same request again without running it, for as long as no event is stored or removed
    /// and the visibility cut stays where it was — so a kept page is always what the query
    /// would answer. 0 keeps none.
    pub fn page_cache(mut self, pages: usize) -> Self {
        self.settings.page_cache_entries = pages;
        self
    }

    /// The longest delay or slow body a fault rule may ask for (default 10 minutes); a rule
    /// past it is refused wherever it comes from.
    pub fn max_fault_duration(mut self, cap: Duration) -> Self {
        self.settings.max_fault_duration = cap;
        self
    }

    /// What the builder says about a core (data, auth, faults, …), its events read; not its
    /// HTTP side. For a namespace of a running server.
    pub(super) fn core_settings(self) -> Result<Settings, StartError> {
        let mut settings = self.settings;
        settings
            .events
            .extend(Event::all_from_json(self.events).map_err(StartError::Event)?);
        Ok(settings)
    }
}

/// A test convenience: the rule, or a panic that says why it is not one.
pub(crate) fn rule_or_panic<R>(rule: R) -> FaultRule
where
    R: TryInto<FaultRule>,
    R::Error: fmt::Display,
{
    rule.try_into()
        .unwrap_or_else(|error| panic!("not a fault rule: {error}"))
}
