//! Deterministic, realistic synthetic events: instances moving through their apps' lifecycle,
//! owned by parties with valid identity numbers.
//!
//! The same options (seed included) give the same events, byte for byte, on any machine: all
//! randomness comes from one seeded, portable generator (xoshiro256++), and time only from the
//! options (or, for the live feed, from the caller).

mod options;
mod parties;
mod write;

use std::io;

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

pub(crate) use options::parse_app_list;
pub use options::{Environment, GeneratorError, GeneratorOptions};
use parties::Owner;
pub(crate) use write::{FixtureFormat, write_fixture};

use crate::domain::event::{AppEventParts, Event, app_resource, truncate_to_ticks};
use crate::domain::store::{Party, PartyIdentifier};

const CREATED: &str = "app.instance.created";
const TASKS: [&str; 3] = [
    "app.instance.process.movedTo.Task_1",
    "app.instance.process.movedTo.Task_2",
    "app.instance.process.movedTo.Task_3",
];
const SUBSTATUS: &str = "app.instance.substatus.changed";
const COMPLETED: &str = "app.instance.process.completed";

/// Open instances kept at least / at most, so instances interleave without piling up.
const MIN_OPEN: usize = 8;
const MAX_OPEN: usize = 400;
/// Chance that an event starts a new instance when neither bound applies.
const NEW_INSTANCE_SHARE: f64 = 0.28;

/// An app events come from.
#[derive(Debug, Clone)]
struct App {
    org: String,
    app: String,
    host: String,
    resource: String,
}

/// An instance on its way through its app's process.
#[derive(Debug, Clone)]
struct Instance {
    party: usize,
    source: String,
    resource_instance: String,
    app: usize,
    steps: Vec<&'static str>,
    next: usize,
    /// The time of its last event: the next one is never earlier.
    last_time: Option<DateTime<Utc>>,
}

/// Makes events one at a time. As an iterator it spaces them by the options' mean spacing;
/// [`Generator::next_event_at`] stamps an event with a time the caller chooses (the live feed
/// uses the server clock).
#[derive(Debug, Clone)]
pub(crate) struct Generator {
    rng: Xoshiro256PlusPlus,
    apps: Vec<App>,
    parties: Vec<Owner>,
    open: Vec<Instance>,
    time: DateTime<Utc>,
    max_spacing_ticks: u64,
    started: bool,
}

impl Generator {
    /// A generator for `options`, or why the options cannot make events.
    pub(crate) fn new(options: &GeneratorOptions) -> Result<Generator, GeneratorError> {
        options.check()?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(options.seed);
        let parties = parties::make_parties(&mut rng, options.parties);
        let apps = options
            .app_list()
            .into_iter()
            .map(|(org, app)| App {
                host: options.environment.apps_host(&org),
                resource: app_resource(&org, &app),
                org,
                app,
            })
            .collect();
        Ok(Generator {
            rng,
            apps,
            parties,
            open: Vec::new(),
            time: truncate_to_ticks(options.start),
            max_spacing_ticks: u64::try_from(options.mean_spacing.as_nanos() / 100 * 2)
                .unwrap_or(u64::MAX)
                .max(1),
            started: false,
        })
    }

    /// The parties instances belong to, as party register entries.
    pub(crate) fn party_register(&self) -> Vec<Party> {
        self.parties
            .iter()
            .map(|owner| match &owner.identifier {
                PartyIdentifier::Person(number) => Party::person(owner.id, number.clone()),
                PartyIdentifier::Unit(number) => Party::organisation(owner.id, number.clone()),
            })
            .collect()
    }

    /// The parties instances belong to.
    #[cfg(test)]
    pub(crate) fn parties(&self) -> &[Owner] {
        &self.parties
    }

    /// The next event, stamped `time`.
    pub(crate) fn next_event_at(&mut self, time: DateTime<Utc>) -> Event {
        self.with_next(time, Event::from_app_parts)
    }

    /// Builds the next event's parts at `time` and hands them to `use_parts`.
    pub(crate) fn with_next<R>(
        &mut self,
        time: DateTime<Utc>,
        use_parts: impl FnOnce(&AppEventParts<'_>) -> R,
    ) -> R {
        let index = self.pick_instance();
        let id = uuid::Builder::from_random_bytes(self.rng.random::<[u8; 16]>())
            .into_uuid()
            .to_string();
        let instance = &mut self.open[index];
        let event_type = instance.steps[instance.next];
        instance.next += 1;
        // A step follows the one before it, even when the caller's clock says otherwise (the
        // live feed's clock can be moved back, and `--generate` may run into the future).
        let time = match instance.last_time {
            Some(last) if time <= last => {
                crate::domain::event::shift(last, TimeDelta::nanoseconds(100))
            }
            _ => time,
        };
        instance.last_time = Some(time);
        let finished = instance.next == instance.steps.len();
        let instance = &self.open[index];
        let party = &self.parties[instance.party];
        let parts = AppEventParts {
            id: &id,
            time,
            event_type,
            source: &instance.source,
            subject: &party.subject,
            resource: &self.apps[instance.app].resource,
            resource_instance: &instance.resource_instance,
            alternative_subject: Some(&party.alternative_subject),
        };
        let result = use_parts(&parts);
        if finished {
            self.open.swap_remove(index);
        }
        result
    }

    /// Starts a new instance or picks an open one to move on; returns its index in `open`.
    fn pick_instance(&mut self) -> usize {
        let start_new = self.open.len() < MIN_OPEN
            || (self.open.len() < MAX_OPEN && self.rng.random_bool(NEW_INSTANCE_SHARE));
        if !start_new {
            return self.rng.random_range(0..self.open.len());
        }
        let party = self.rng.random_range(0..self.parties.len());
        let app = self.rng.random_range(0..self.apps.len());
        let guid = uuid::Builder::from_random_bytes(self.rng.random::<[u8; 16]>()).into_uuid();
        let party_id = self.parties[party].id;
        let App {
            org,
            app: name,
            host,
            ..
        } = &self.apps[app];
        let instance = Instance {
            party,
            source: format!("{host}/{org}/{name}/instances/{party_id}/{guid}"),
            resource_instance: format!("{party_id}/{guid}"),
            app,
            steps: self.lifecycle(),
            next: 0,
            last_time: None,
        };
        self.open.push(instance);
        self.open.len() - 1
    }

    /// Created, one to three tasks, now and then a substatus change, completed.
    fn lifecycle(&mut self) -> Vec<&'static str> {
        let tasks =
            1 + usize::from(self.rng.random_bool(0.5)) + usize::from(self.rng.random_bool(0.3));
        let mut steps = Vec::with_capacity(tasks + 3);
        steps.push(CREATED);
        steps.extend(&TASKS[..tasks]);
        if self.rng.random_bool(0.3) {
            let after_task = self.rng.random_range(2..=tasks + 1);
            steps.insert(after_task, SUBSTATUS);
        }
        steps.push(COMPLETED);
        steps
    }

    /// The time of the next iterated event: spaced uniformly between one tick and twice the
    /// mean. Integer arithmetic only, so every platform computes the same times (a
    /// logarithm for exponential spacing could differ in its last bit between math libraries).
    fn advance_time(&mut self) -> DateTime<Utc> {
        let ticks = self.rng.random_range(1..=self.max_spacing_ticks);
        let step =
            TimeDelta::nanoseconds(i64::try_from(ticks.saturating_mul(100)).unwrap_or(i64::MAX));
        self.time =
            crate::domain::event::shift(self.time, step).min(crate::domain::event::latest());
        self.time
    }

    /// The next iterated event's parts, handed to `use_parts`.
    pub(crate) fn with_next_iterated<R>(
        &mut self,
        use_parts: impl FnOnce(&AppEventParts<'_>) -> R,
    ) -> R {
        // The first event is at `start`; each later one a random step after the one before.
        let time = if self.started {
            self.advance_time()
        } else {
            self.time
        };
        self.started = true;
        self.with_next(time, use_parts)
    }
}

impl Iterator for Generator {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        Some(self.with_next_iterated(Event::from_app_parts))
    }
}

/// Generated events with the party register pairs of their parties.
pub(crate) type Generated = (Vec<Event>, Vec<Party>);

/// `count` events for `options`, with their parties: what `serve --generate` loads.
pub(crate) fn generate(
    options: &GeneratorOptions,
    count: usize,
) -> Result<Generated, GeneratorError> {
    options.check_for(count)?;
    let mut generator = Generator::new(options)?;
    let parties = generator.party_register();
    let mut events = Vec::with_capacity(count);
    events.extend(generator.by_ref().take(count));
    Ok((events, parties))
}

/// Writes `count` events as a fixture, streaming: memory stays flat whatever the count.
pub(crate) fn generate_to(
    options: &GeneratorOptions,
    count: usize,
    format: FixtureFormat,
    out: impl io::Write,
) -> io::Result<()> {
    options.check_for(count).map_err(io::Error::other)?;
    let generator = Generator::new(options).map_err(io::Error::other)?;
    write_fixture(generator, count, format, out)
}

#[cfg(test)]
mod tests;
