//! What a server is started with, and starting it: load everything, then bind.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use tokio::net::TcpListener;

use crate::auth::{AuthMode, Authenticator, KeyError};
use crate::clock::Clock;
use crate::event::Event;
use crate::faults::{FaultRule, FaultSet};
use crate::fixtures::{self, FixtureError};
use crate::generate::{Generator, GeneratorOptions};
use crate::http::{AdminSettings, AppState, LiveFeed, RunningServer, StartupData};
use crate::journal::{DEFAULT_JOURNAL_CAP, Journal};
use crate::store::{EventStore, PartyIdentifier};
use crate::units::Rate;

/// Everything a server is started with. [`ServerConfig::default`] is the binary's defaults
/// except the port (0: any free one) and the data (none).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// Fixture files or folders, loaded in order.
    pub fixtures: Vec<PathBuf>,
    /// Serve the built-in demo data set when `fixtures` is empty.
    pub demo_when_no_fixtures: bool,
    /// Base of the `next` link (no trailing slash); `http://` + `Host` when `None`.
    pub base_url: Option<String>,
    /// How tokens are checked.
    pub auth: AuthMode,
    /// Extra PEM public keys whose tokens `strict` accepts.
    pub jwt_public_keys: Vec<PathBuf>,
    /// PEM public keys given as text (the Rust builder's `jwt_public_key`).
    pub jwt_public_key_pems: Vec<String>,
    /// Production's visibility lag (production: 30 s).
    pub visibility_lag: Duration,
    /// Events to load after the fixtures.
    pub events: Vec<Event>,
    /// Explicit party register pairs, added after the fixtures'.
    pub parties: Vec<(PartyIdentifier, i32)>,
    /// Serve the admin API under `/_mock` (token and health are served either way).
    pub admin: bool,
    /// A bearer token the admin API requires (not token and health).
    pub admin_token: Option<String>,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// How many requests the journal keeps.
    pub journal_cap: usize,
    /// How many synthetic events to generate after the fixtures (`--generate`).
    pub generate: usize,
    /// How the generator makes them (and the live feed's events).
    pub generator: GeneratorOptions,
    /// Append generated events at this rate while serving (`--live`).
    pub live: Option<Rate>,
    /// Fault rules standing from the start (`--fault`, `--faults`); their probabilities and
    /// delay ranges draw from a generator seeded with `generator.seed` (`--seed`).
    pub faults: Vec<FaultRule>,
    /// JSON files of fault rules (`--faults`), standing after `faults`.
    pub fault_files: Vec<PathBuf>,
}

/// Default `max_body`: 16 MiB.
pub const DEFAULT_MAX_BODY: usize = 16 << 20;

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            host: "127.0.0.1".into(),
            port: 0,
            fixtures: Vec::new(),
            demo_when_no_fixtures: false,
            base_url: None,
            auth: AuthMode::Strict,
            jwt_public_keys: Vec::new(),
            jwt_public_key_pems: Vec::new(),
            visibility_lag: Duration::ZERO,
            events: Vec::new(),
            parties: Vec::new(),
            admin: true,
            admin_token: None,
            max_body: DEFAULT_MAX_BODY,
            journal_cap: DEFAULT_JOURNAL_CAP,
            generate: 0,
            generator: GeneratorOptions::default(),
            live: None,
            faults: Vec::new(),
            fault_files: Vec::new(),
        }
    }
}

/// Why a server did not start.
#[derive(Debug)]
pub enum StartError {
    /// A fixture is unreadable or invalid.
    Fixture(FixtureError),
    /// A `--jwt-public-key` file is unreadable or not a key.
    Key(String),
    /// A setting is out of range.
    Config(String),
    /// The address could not be bound.
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

impl StartError {
    /// The process exit code: 2 for bad input, 1 when the address is taken.
    pub fn exit_code(&self) -> i32 {
        match self {
            StartError::Bind { .. } => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Fixture(error) => error.fmt(f),
            StartError::Key(message) | StartError::Config(message) => f.write_str(message),
            StartError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<FixtureError> for StartError {
    fn from(error: FixtureError) -> StartError {
        StartError::Fixture(error)
    }
}

impl From<KeyError> for StartError {
    fn from(error: KeyError) -> StartError {
        StartError::Key(error.0)
    }
}

impl ServerConfig {
    /// Loads fixtures and keys, then binds. Nothing listens unless everything loaded.
    pub async fn bind(self) -> Result<RunningServer, StartError> {
        let mut public_keys = self.jwt_public_key_pems.clone();
        for path in &self.jwt_public_keys {
            let pem = std::fs::read_to_string(path).map_err(|e| {
                StartError::Key(format!("--jwt-public-key {}: {e}", path.display()))
            })?;
            public_keys.push(pem);
        }
        let auth = Authenticator::new(self.auth, &public_keys)?;
        let visibility_lag = TimeDelta::from_std(self.visibility_lag)
            .map_err(|_| StartError::Config("--visibility-lag is too large".into()))?;
        let mut data = if self.fixtures.is_empty() && self.demo_when_no_fixtures {
            fixtures::demo()?
        } else {
            fixtures::load(&self.fixtures)?
        };
        data.events.extend(self.events);
        data.parties.extend(self.parties);
        let live_generator = if self.generate > 0 {
            self.generator
                .check_for(self.generate)
                .map_err(|e| StartError::Config(format!("--generate: {e}")))?;
            let mut generator = Generator::new(&self.generator)
                .map_err(|e| StartError::Config(format!("--generate: {e}")))?;
            data.parties.extend(generator.party_pairs());
            data.events.reserve(self.generate);
            data.events.extend(generator.by_ref().take(self.generate));
            Some(generator)
        } else {
            if self.live.is_some() {
                Generator::new(&self.generator)
                    .map_err(|e| StartError::Config(format!("--live: {e}")))?;
            }
            None
        };
        let startup = StartupData {
            events: data.events.into_iter().map(Arc::new).collect(),
            parties: data.parties,
        };

        let addr = format!("{}:{}", self.host, self.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let local_addr: SocketAddr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let fault_seed = self.generator.seed;
        let mut faults = self.faults;
        for path in &self.fault_files {
            faults.extend(read_fault_file(path)?);
        }
        let state = AppState {
            store: EventStore::new(),
            auth,
            clock: Clock::system(),
            base_url: self
                .base_url
                .map(|url| url.trim_end_matches('/').to_owned()),
            visibility_lag,
            local_addr,
            journal: Journal::new(self.journal_cap),
            admin: AdminSettings {
                enabled: self.admin,
                token: self.admin_token,
            },
            max_body: self.max_body,
            startup,
            live: LiveFeed::new(self.generator, live_generator),
            live_at_start: self.live,
            faults: FaultSet::new(fault_seed, faults),
        };
        // Loading the startup data is a reset from nothing.
        state.reset();
        Ok(RunningServer {
            listener,
            state: Arc::new(state),
        })
    }
}

/// A `--faults` file: a JSON array of rules (objects, or strings in the rule spelling).
fn read_fault_file(path: &Path) -> Result<Vec<FaultRule>, StartError> {
    let place = format!("--faults {}", path.display());
    let text =
        std::fs::read_to_string(path).map_err(|e| StartError::Config(format!("{place}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| {
        StartError::Config(format!(
            "{place}: {e} (expected an array of rules like [{{\"when\": \"nth:3\", \"what\": \"status:503\"}}])"
        ))
    })
}
