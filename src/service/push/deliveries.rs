//! The delivery queue and its journal: every attempt due on the server clock, who is sending
//! what right now, what each attempt did, and the dead letters.
//!
//! A failed attempt's next one is due its delay after the failure, counted on the server
//! clock from when the attempt was due plus how long it took — so when the clock jumps past
//! several due times, the attempts still follow production's schedule and run one after the
//! other before the clock call returns.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::Notify;

use super::records::{Delivery, DeliveryState};
use crate::domain::event::shift;
use crate::domain::push::schedule::DeliveryKind;

/// A delivery with attempts left.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) id: u64,
    pub(super) kind: DeliveryKind,
    pub(super) subscription_id: u64,
    pub(super) endpoint: String,
    /// The event's id and the body sent for it; a handshake makes a new event per attempt.
    pub(super) event: Option<(String, Bytes)>,
    /// Attempts made so far.
    pub(super) attempts: u32,
    pub(super) delays: Arc<[Duration]>,
    /// Which delay follows the next failure.
    pub(super) retry: usize,
    pub(super) due: DateTime<Utc>,
}

/// An attempt taken off the queue to be sent.
#[derive(Debug)]
pub(super) struct Claimed {
    epoch: u64,
    pub(super) pending: Pending,
}

/// What an attempt did, to be journaled.
#[derive(Debug, Clone)]
pub(super) struct Attempted {
    pub(super) event_id: String,
    pub(super) sent_at: DateTime<Utc>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Bytes,
    pub(super) status: Option<u16>,
    pub(super) error: Option<String>,
    pub(super) duration: Duration,
}

impl Attempted {
    fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// The queue, the in-flight attempts, the journal and the dead letters.
#[derive(Debug)]
pub(super) struct Deliveries {
    inner: Mutex<Inner>,
    /// New work or a moved clock: the dispatcher looks again.
    pub(super) changed: Notify,
    /// An attempt finished: waiters look again.
    pub(super) progressed: Notify,
}

#[derive(Debug)]
struct Inner {
    /// Bumped by a reset: attempts in flight from before it are not journaled.
    epoch: u64,
    next_id: u64,
    queue: BTreeSet<(DateTime<Utc>, u64)>,
    waiting: HashMap<u64, Pending>,
    in_flight: HashMap<u64, DateTime<Utc>>,
    dead: BTreeMap<u64, Pending>,
    journal: VecDeque<Delivery>,
    cap: usize,
    /// Attempts finished since the start or the last clear.
    attempts: u64,
}

impl Deliveries {
    pub(super) fn new(cap: usize) -> Deliveries {
        Deliveries {
            inner: Mutex::new(Inner {
                epoch: 0,
                next_id: 1,
                queue: BTreeSet::new(),
                waiting: HashMap::new(),
                in_flight: HashMap::new(),
                dead: BTreeMap::new(),
                journal: VecDeque::new(),
                cap,
                attempts: 0,
            }),
            changed: Notify::new(),
            progressed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a new delivery, its first attempt due at `due`.
    pub(super) fn enqueue(
        &self,
        kind: DeliveryKind,
        subscription_id: u64,
        endpoint: String,
        event: Option<(String, Bytes)>,
        delays: Arc<[Duration]>,
        due: DateTime<Utc>,
    ) {
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.queue.insert((due, id));
        inner.waiting.insert(
            id,
            Pending {
                id,
                kind,
                subscription_id,
                endpoint,
                event,
                attempts: 0,
                delays,
                retry: 0,
                due,
            },
        );
        drop(inner);
        self.changed.notify_one();
    }

    /// Takes every attempt due by `now` off the queue, earliest first.
    pub(super) fn claim_due(&self, now: DateTime<Utc>) -> Vec<Claimed> {
        let mut inner = self.lock();
        let mut claimed = Vec::new();
        while let Some(&(due, id)) = inner.queue.first() {
            if due > now {
                break;
            }
            inner.queue.pop_first();
            if let Some(pending) = inner.waiting.remove(&id) {
                inner.in_flight.insert(id, due);
                claimed.push(Claimed {
                    epoch: inner.epoch,
                    pending,
                });
            }
        }
        claimed
    }

    /// When the earliest queued attempt is due.
    pub(super) fn next_due(&self) -> Option<DateTime<Utc>> {
        self.lock().queue.first().map(|(due, _)| *due)
    }

    /// The highest delivery id given so far: what a clock move waits for.
    pub(super) fn horizon(&self) -> u64 {
        self.lock().next_id - 1
    }

    /// Whether anything is queued or in flight at all.
    pub(super) fn is_idle(&self) -> bool {
        let inner = self.lock();
        inner.queue.is_empty() && inner.in_flight.is_empty()
    }

    /// Whether no delivery up to `horizon` has an attempt in flight or due by `target`.
    pub(super) fn settled(&self, horizon: u64, target: DateTime<Utc>) -> bool {
        let inner = self.lock();
        let flying = inner.in_flight.keys().any(|id| *id <= horizon);
        let due = inner
            .queue
            .iter()
            .take_while(|(due, _)| *due <= target)
            .any(|(_, id)| *id <= horizon);
        !flying && !due
    }

    /// Records what `claimed`'s attempt did and decides what follows: delivered, the next
    /// attempt, or the dead letter. Returns whether it was delivered (`None`: the deliveries
    /// were reset meanwhile, so nothing is recorded).
    pub(super) fn complete(&self, claimed: Claimed, attempted: Attempted) -> Option<bool> {
        let mut inner = self.lock();
        if claimed.epoch != inner.epoch {
            return None;
        }
        let mut pending = claimed.pending;
        inner.in_flight.remove(&pending.id);
        pending.attempts += 1;
        let delivered = attempted.succeeded();
        let due_at = pending.due;
        let (state, next) = if delivered {
            (DeliveryState::Delivered, None)
        } else if let Some(delay) = pending.delays.get(pending.retry).copied() {
            let failed_at = shift(due_at, delta(attempted.duration));
            (
                DeliveryState::Retrying,
                Some(shift(failed_at, delta(delay))),
            )
        } else {
            (DeliveryState::DeadLettered, None)
        };
        let entry = Delivery {
            delivery_id: pending.id,
            kind: pending.kind,
            subscription_id: pending.subscription_id,
            event_id: attempted.event_id,
            attempt: pending.attempts,
            due_at,
            sent_at: attempted.sent_at,
            endpoint: pending.endpoint.clone(),
            request_headers: attempted.headers,
            request_body: String::from_utf8_lossy(&attempted.body).into_owned(),
            status: attempted.status,
            error: attempted.error,
            duration_ms: attempted.duration.as_millis() as u64,
            state,
            next_attempt_at: next,
        };
        if inner.cap > 0 {
            if inner.journal.len() >= inner.cap {
                inner.journal.pop_front();
            }
            inner.journal.push_back(entry);
        }
        inner.attempts += 1;
        match (state, next) {
            (DeliveryState::Retrying, Some(next)) => {
                pending.retry += 1;
                pending.due = next;
                inner.queue.insert((next, pending.id));
                inner.waiting.insert(pending.id, pending);
            }
            (DeliveryState::DeadLettered, _) => {
                if inner.dead.len() >= inner.cap.max(1) {
                    inner.dead.pop_first();
                }
                inner.dead.insert(pending.id, pending);
            }
            _ => {}
        }
        drop(inner);
        self.changed.notify_one();
        self.progressed.notify_waiters();
        Some(delivered)
    }

    /// Puts dead-lettered delivery `id` back on the queue, due `now`, with the whole schedule
    /// ahead of it again (as a message resubmitted from a dead-letter queue).
    pub(super) fn requeue(&self, id: u64, now: DateTime<Utc>) -> bool {
        let mut inner = self.lock();
        let Some(mut pending) = inner.dead.remove(&id) else {
            return false;
        };
        pending.retry = 0;
        pending.due = now;
        inner.queue.insert((now, id));
        inner.waiting.insert(id, pending);
        drop(inner);
        self.changed.notify_one();
        true
    }

    /// The journal, newest first, optionally only entries in `state`.
    pub(super) fn journal(&self, state: Option<DeliveryState>) -> Vec<Delivery> {
        self.lock()
            .journal
            .iter()
            .rev()
            .filter(|entry| state.is_none_or(|state| entry.state == state))
            .cloned()
            .collect()
    }

    /// How many attempts finished since the start or the last clear.
    pub(super) fn attempts(&self) -> u64 {
        self.lock().attempts
    }

    /// Forgets the journal, the dead letters and the attempt count; queued attempts go on.
    pub(super) fn clear_journal(&self) {
        let mut inner = self.lock();
        inner.journal.clear();
        inner.dead.clear();
        inner.attempts = 0;
    }

    /// Forgets everything; attempts in flight finish unrecorded.
    pub(super) fn reset(&self) {
        let mut inner = self.lock();
        inner.epoch += 1;
        inner.next_id = 1;
        inner.queue.clear();
        inner.waiting.clear();
        inner.in_flight.clear();
        inner.dead.clear();
        inner.journal.clear();
        inner.attempts = 0;
        drop(inner);
        self.progressed.notify_waiters();
    }
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}
