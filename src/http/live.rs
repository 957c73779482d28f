//! The live feed: generated events keep arriving while the server serves, registered on the
//! server clock, so the visibility lag and `after` paging apply to them as to any event.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::task::AbortHandle;

use super::AppState;
use crate::generate::{Generator, GeneratorOptions};
use crate::units::Rate;

/// How often the feed wakes up to append what is due; at higher rates it appends in batches.
const TICK: Duration = Duration::from_millis(10);

/// The live feed's generator and the task that drives it.
#[derive(Debug)]
pub struct LiveFeed {
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

/// What `GET /_mock/live` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveStatus {
    /// Whether events are being appended.
    pub running: bool,
    /// The rate, e.g. `10/s`, while running.
    pub rate: Option<String>,
    /// How many events the feed appended since the server started.
    pub emitted: u64,
}

impl LiveFeed {
    /// A stopped feed that will generate with `options`, continuing `generator` if given.
    pub fn new(options: GeneratorOptions, generator: Option<Generator>) -> LiveFeed {
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

    /// Starts the feed at `rate` on `runtime` (replacing a running one).
    pub fn start(
        state: &Arc<AppState>,
        rate: Rate,
        runtime: &tokio::runtime::Handle,
    ) -> Result<(), String> {
        let mut inner = state.live.lock();
        if inner.closed {
            return Err("the server is shutting down".into());
        }
        if inner.generator.is_none() {
            inner.generator = Some(Generator::new(&inner.options)?);
        }
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.epoch += 1;
        let epoch = inner.epoch;
        // A weak reference: the feed must not keep a stopped server's state alive.
        let feed_state = Arc::downgrade(state);
        let task = runtime.spawn(async move {
            let started = tokio::time::Instant::now();
            let mut ticks = tokio::time::interval(TICK);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut appended = 0u64;
            loop {
                ticks.tick().await;
                let due = (started.elapsed().as_secs_f64() * rate.per_second()) as u64;
                if due > appended {
                    let Some(state) = feed_state.upgrade() else {
                        return;
                    };
                    state.live.append(&state, epoch, due - appended);
                    appended = due;
                }
            }
        });
        inner.task = Some(task.abort_handle());
        inner.rate = Some(rate);
        Ok(())
    }

    /// Stops the feed; the events it appended stay.
    pub fn stop(&self) {
        let mut inner = self.lock();
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        inner.rate = None;
        inner.epoch += 1;
    }

    /// Stops the feed for good: the server is shutting down.
    pub fn close(&self) {
        self.stop();
        self.lock().closed = true;
    }

    /// Goes back to the generator the server started with (a reset restores the startup
    /// events, so open instances must be the ones they left open).
    pub fn rewind(&self) {
        let mut inner = self.lock();
        // A running feed keeps its rate and goes on from there.
        inner.generator = inner.initial.clone();
        inner.emitted = 0;
    }

    /// Starts over with a fresh generator (every event was deleted, so no instance is open).
    pub fn restart_fresh(&self) {
        let mut inner = self.lock();
        inner.generator = Generator::new(&inner.options).ok();
        inner.emitted = 0;
    }

    /// Whether it runs, how fast, and how much it appended.
    pub fn status(&self) -> LiveStatus {
        let inner = self.lock();
        LiveStatus {
            running: inner.task.is_some(),
            rate: inner.rate.map(|rate| rate.to_string()),
            emitted: inner.emitted,
        }
    }

    /// Appends `count` events stamped with the server clock's now.
    fn append(&self, state: &AppState, epoch: u64, count: u64) {
        let mut inner = self.lock();
        if inner.epoch != epoch {
            return;
        }
        let Some(generator) = inner.generator.as_mut() else {
            return;
        };
        let now = state.clock.now();
        let events: Vec<_> = (0..count).map(|_| generator.next_event_at(now)).collect();
        state.store.append_now(events, &state.clock);
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
