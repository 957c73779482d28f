//! The live feed: generated events keep arriving while the server serves, registered on the
//! server clock, so the visibility lag and `after` paging apply to them as to any event.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::task::AbortHandle;

use super::MockService;
use crate::domain::event::Event;
use crate::domain::generate::{Generator, GeneratorError, GeneratorOptions};
use crate::domain::units::Rate;

/// How often the feed wakes up to append what is due; at higher rates it appends in batches.
const TICK: Duration = Duration::from_millis(10);

/// The live feed's generator and the task that drives it.
///
/// Lock order: the feed's lock, then the store's (a tick appends under both, so a feed that
/// was stopped or replaced meanwhile appends nothing).
#[derive(Debug)]
pub(crate) struct LiveFeed {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    options: GeneratorOptions,
    /// Created when first needed; it goes on with the instances of `--generate` when both are
    /// given.
    generator: Option<Generator>,
    /// The generator as the server started, which a reset goes back to.
    initial: Option<Generator>,
    /// The server has shut down: no feed may start again.
    closed: bool,
    task: Option<AbortHandle>,
    rate: Option<Rate>,
    emitted: u64,
    /// Which start the running task belongs to: a task that was replaced or stopped while it
    /// waited for the lock appends nothing.
    epoch: u64,
}

/// Whether the live feed runs: what `GET /_mock/live` and
/// [`MockServer::live_status`](crate::MockServer::live_status) answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveStatus {
    /// Whether events are being appended.
    pub running: bool,
    /// The rate (`"10/s"` in JSON), while running.
    pub rate: Option<Rate>,
    /// How many events the feed appended since the server started.
    pub emitted: u64,
}

/// Why the live feed did not start.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LiveError {
    /// The server is shutting down.
    ShuttingDown,
    /// The generator's options cannot make events.
    Generator(GeneratorError),
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::ShuttingDown => f.write_str("the server is shutting down"),
            LiveError::Generator(error) => write!(f, "the live feed cannot generate: {error}"),
        }
    }
}

impl std::error::Error for LiveError {}

impl LiveFeed {
    /// A stopped feed that will generate with `options`, continuing `generator` if given.
    pub(crate) fn new(options: GeneratorOptions, generator: Option<Generator>) -> LiveFeed {
        LiveFeed {
            inner: Mutex::new(Inner {
                options,
                initial: generator.clone(),
                closed: false,
                generator,
                task: None,
                rate: None,
                emitted: 0,
                epoch: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the feed at `rate` on `runtime` (replacing a running one); each tick appends
    /// through `service`, a weak reference so that the feed never keeps a stopped server alive.
    pub(super) fn start(
        &self,
        rate: Rate,
        service: Weak<MockService>,
        runtime: &tokio::runtime::Handle,
    ) -> Result<(), LiveError> {
        let mut inner = self.lock();
        if inner.closed {
            return Err(LiveError::ShuttingDown);
        }
        if inner.generator.is_none() {
            inner.generator = Some(Generator::new(&inner.options).map_err(LiveError::Generator)?);
        }
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.epoch += 1;
        let epoch = inner.epoch;
        let task = runtime.spawn(async move {
            let started = tokio::time::Instant::now();
            let mut ticks = tokio::time::interval(TICK);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut appended = 0u64;
            loop {
                ticks.tick().await;
                let due = (started.elapsed().as_secs_f64() * rate.per_second()) as u64;
                if due > appended {
                    let Some(service) = service.upgrade() else {
                        return;
                    };
                    service.append_live(epoch, due - appended);
                    appended = due;
                }
            }
        });
        inner.task = Some(task.abort_handle());
        inner.rate = Some(rate);
        Ok(())
    }

    /// Stops the feed; the events it appended stay.
    pub(super) fn stop(&self) {
        let mut inner = self.lock();
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.rate = None;
        inner.epoch += 1;
    }

    /// Stops the feed started as `epoch`, unless a later start replaced it.
    pub(super) fn stop_epoch(&self, epoch: u64) {
        if self.lock().epoch == epoch {
            self.stop();
        }
    }

    /// Stops the feed for good: the server is shutting down.
    pub(super) fn close(&self) {
        self.stop();
        self.lock().closed = true;
    }

    /// Goes back to the generator the server started with while `restore_store` puts the
    /// startup events back (so open instances are the ones they left open), under the feed's
    /// lock: no tick can append between the two. A running feed keeps its rate.
    pub(super) fn rewind_with(&self, restore_store: impl FnOnce()) {
        let mut inner = self.lock();
        restore_store();
        inner.generator = inner.initial.clone();
        inner.emitted = 0;
    }

    /// Starts over with a fresh generator while `clear_store` deletes every event (so no
    /// instance is open), under the feed's lock.
    pub(super) fn restart_fresh_with(&self, clear_store: impl FnOnce()) {
        let mut inner = self.lock();
        clear_store();
        inner.generator = Generator::new(&inner.options).ok();
        inner.emitted = 0;
    }

    /// Whether it runs, how fast, and how much it appended.
    pub(super) fn status(&self) -> LiveStatus {
        let inner = self.lock();
        LiveStatus {
            running: inner.task.is_some(),
            rate: inner.rate,
            emitted: inner.emitted,
        }
    }

    /// Makes `count` events stamped `now()` for the feed started as `epoch`, and hands them to
    /// `store` while the feed's lock is held; nothing if the feed was stopped or replaced.
    pub(super) fn emit(
        &self,
        epoch: u64,
        count: u64,
        now: impl FnOnce() -> DateTime<Utc>,
        store: impl FnOnce(Vec<Event>),
    ) {
        let mut inner = self.lock();
        if inner.epoch != epoch {
            return;
        }
        let Some(generator) = inner.generator.as_mut() else {
            return;
        };
        let now = now();
        let events: Vec<_> = (0..count).map(|_| generator.next_event_at(now)).collect();
        store(events);
        inner.emitted += count;
    }
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        if let Some(task) = self.lock().task.take() {
            task.abort();
        }
    }
}
