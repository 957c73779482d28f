//! The ordered, append-only, in-memory event store.
//!
//! Sequence numbers start at 1 in registration order, as production's `sequenceno`. Indexes
//! keep every page away from a scan of the whole store: id → sequence numbers, and per resource
//! (and per resource + subject) the ordered sequence numbers, where `after` and the visibility
//! cut are found by binary search. A `std` lock guards it: readers copy out `Arc`s and release
//! it before any I/O, and an append holds it only to push, so nobody waits long.

mod party;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

pub use party::{PartyIdentifier, PartyRegister};

use crate::clock::Clock;
use crate::event::Event;

/// When an event was registered, for production's visibility lag (spec §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Registration {
    /// Loaded before the server started: always older than any lag.
    BeforeStart,
    /// Registered at this time on the server clock.
    At(DateTime<Utc>),
}

/// An event with the sequence number and registration time the store gave it; cheap to
/// clone (the event is shared).
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// Position in registration order, from 1.
    pub sequence_number: u64,
    /// When the event was registered.
    pub registered: Registration,
    /// The event (shared with the startup data it may have come from).
    pub event: Arc<Event>,
}

/// What a page is drawn from: production's `getappevents` before its `LIMIT`.
#[derive(Debug, Clone)]
pub struct Scan<'a> {
    /// The resource every event must carry.
    pub resource: &'a str,
    /// The subject every event must carry, when a party was selected.
    pub subject: Option<&'a str>,
    /// Start after the first event with this id (any resource); an unknown id starts at the
    /// beginning.
    pub after: Option<&'a str>,
    /// Hide events registered after this instant, unless none was registered before it;
    /// `None` hides nothing (no visibility lag).
    pub registered_by: Option<DateTime<Utc>>,
    /// The most events to return.
    pub limit: usize,
}

/// The shared, cheaply cloned handle to the store.
#[derive(Debug, Clone, Default)]
pub struct EventStore {
    shared: Arc<RwLock<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    events: Vec<StoredEvent>,
    /// The first sequence number of each id; production's `after` looks up this one.
    first_by_id: HashMap<String, u64>,
    /// Later sequence numbers of ids stored more than once (with another source): rare, so
    /// kept apart to spare every other id a vector.
    later_by_id: HashMap<String, Vec<u64>>,
    by_resource: HashMap<String, ResourceIndex>,
    /// Whether registration times never go down, so the visibility cut is a binary search.
    registration_ordered: bool,
    parties: PartyRegister,
}

#[derive(Debug, Default)]
struct ResourceIndex {
    all: Vec<u64>,
    by_subject: HashMap<String, Vec<u64>>,
}

impl EventStore {
    /// An empty store.
    pub fn new() -> EventStore {
        EventStore::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        // No code path panics while holding the lock, but a poisoned lock must not take the
        // server down with it: the data is append-only and stays consistent.
        self.shared.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.shared.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `events` in order, all under one lock so no reader sees half a batch.
    /// Returns each event's sequence number, or `None` where the same `id` + `source` was
    /// already stored (a silent no-op, as in production).
    pub fn append(&self, events: Vec<Event>, registered: Registration) -> Vec<Option<u64>> {
        self.append_shared(events.into_iter().map(Arc::new).collect(), registered)
    }

    /// [`EventStore::append`] for events that are also kept elsewhere (the startup data a
    /// reset restores), without copying them.
    pub fn append_shared(
        &self,
        events: Vec<Arc<Event>>,
        registered: Registration,
    ) -> Vec<Option<u64>> {
        let mut inner = self.write();
        inner.reserve(events.len());
        events
            .into_iter()
            .map(|event| inner.append(event, registered))
            .collect()
    }

    /// Appends `events` registered at the clock's now, read under the lock so that
    /// registration times rise with sequence numbers even with concurrent publishers.
    pub fn append_now(&self, events: Vec<Event>, clock: &Clock) -> Vec<Option<u64>> {
        let mut inner = self.write();
        let registered = Registration::At(clock.now());
        events
            .into_iter()
            .map(|event| inner.append(Arc::new(event), registered))
            .collect()
    }

    /// Registers a party explicitly (a fixture's `parties`).
    pub fn add_party(&self, identifier: PartyIdentifier, party_id: i32) {
        self.write().parties.insert(identifier, party_id);
    }

    /// The party id the register knows for `identifier`.
    pub fn lookup_party(&self, identifier: &PartyIdentifier) -> Option<i32> {
        self.read().parties.lookup(identifier)
    }

    /// How many events are stored.
    pub fn len(&self) -> usize {
        self.read().events.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All stored events in sequence order.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.read().events.clone()
    }

    /// Replaces everything with `events` and `parties`, registered before the start, under one
    /// lock: no reader sees the store half reset, and no writer slips in between.
    pub fn reset_to(&self, events: &[Arc<Event>], parties: &[(PartyIdentifier, i32)]) {
        let mut inner = self.write();
        *inner = Inner::default();
        inner.reserve(events.len());
        for (identifier, party_id) in parties {
            inner.parties.insert(identifier.clone(), *party_id);
        }
        for event in events {
            inner.append(Arc::clone(event), Registration::BeforeStart);
        }
    }

    /// Removes every event and what was learned from them; explicit parties stay.
    pub fn clear(&self) {
        let mut inner = self.write();
        let parties = std::mem::take(&mut inner.parties);
        *inner = Inner::default();
        inner.parties = parties;
        inner.parties.forget_learned();
    }

    /// The events `scan` selects that `keep` accepts, in sequence order, at most `scan.limit`.
    pub fn scan(&self, scan: &Scan<'_>, mut keep: impl FnMut(&Event) -> bool) -> Vec<StoredEvent> {
        let inner = self.read();
        let Some(candidates) = inner.candidates(scan.resource, scan.subject) else {
            return Vec::new();
        };
        let start = match scan.after {
            Some(id) => {
                let first = inner.first_sequence_number(id).unwrap_or(0);
                candidates.partition_point(|&seq| seq <= first)
            }
            None => 0,
        };
        let end = match scan.registered_by.and_then(|by| inner.visibility_cut(by)) {
            Some(cut) => candidates.partition_point(|&seq| seq <= cut),
            None => candidates.len(),
        };
        let mut page = Vec::new();
        for &seq in candidates.get(start..end).unwrap_or_default() {
            if page.len() >= scan.limit {
                break;
            }
            let Some(stored) = inner.get(seq) else {
                continue;
            };
            if keep(&stored.event) {
                page.push(stored.clone());
            }
        }
        page
    }
}

impl Inner {
    fn append(&mut self, event: Arc<Event>, registered: Registration) -> Option<u64> {
        let first = self.first_by_id.get(event.id()).copied();
        let later = self
            .later_by_id
            .get(event.id())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let already_stored = first
            .into_iter()
            .chain(later.iter().copied())
            .filter_map(|seq| self.get(seq))
            .any(|stored| stored.event.source() == event.source());
        if already_stored {
            return None;
        }

        let sequence_number = self.events.len() as u64 + 1;
        if let Some(last) = self.events.last() {
            if registered < last.registered {
                self.registration_ordered = false;
            }
        } else {
            self.registration_ordered = true;
        }
        self.parties
            .learn(event.subject(), event.alternative_subject());
        if first.is_none() {
            self.first_by_id
                .insert(event.id().to_owned(), sequence_number);
        } else {
            push_under(&mut self.later_by_id, event.id(), sequence_number);
        }
        if let Some(resource) = event.resource() {
            // Look up before inserting, so a key is only copied the first time it is seen.
            if !self.by_resource.contains_key(resource) {
                self.by_resource
                    .insert(resource.to_owned(), ResourceIndex::default());
            }
            if let Some(index) = self.by_resource.get_mut(resource) {
                index.all.push(sequence_number);
                if let Some(subject) = event.subject() {
                    push_under(&mut index.by_subject, subject, sequence_number);
                }
            }
        }
        self.events.push(StoredEvent {
            sequence_number,
            registered,
            event,
        });
        Some(sequence_number)
    }

    /// Makes room for `additional` events at once instead of growing step by step.
    fn reserve(&mut self, additional: usize) {
        self.events.reserve(additional);
        self.first_by_id.reserve(additional);
    }

    fn get(&self, sequence_number: u64) -> Option<&StoredEvent> {
        let index = usize::try_from(sequence_number.checked_sub(1)?).ok()?;
        self.events.get(index)
    }

    fn candidates(&self, resource: &str, subject: Option<&str>) -> Option<&[u64]> {
        let index = self.by_resource.get(resource)?;
        match subject {
            Some(subject) => index.by_subject.get(subject).map(Vec::as_slice),
            None => Some(&index.all),
        }
    }

    fn first_sequence_number(&self, id: &str) -> Option<u64> {
        self.first_by_id.get(id).copied()
    }

    /// Production's cut: the greatest sequence number registered at or before `registered_by`;
    /// `None` (no cut at all) when no event is that old — a quirk reproduced on purpose.
    fn visibility_cut(&self, registered_by: DateTime<Utc>) -> Option<u64> {
        let old_enough = |stored: &StoredEvent| match stored.registered {
            Registration::BeforeStart => true,
            Registration::At(time) => time <= registered_by,
        };
        if self.registration_ordered {
            let count = self.events.partition_point(old_enough);
            (count > 0).then_some(count as u64)
        } else {
            self.events
                .iter()
                .rev()
                .find(|stored| old_enough(stored))
                .map(|stored| stored.sequence_number)
        }
    }
}

/// Appends `sequence_number` to the list under `key`, copying the key only when it is new.
fn push_under(map: &mut HashMap<String, Vec<u64>>, key: &str, sequence_number: u64) {
    match map.get_mut(key) {
        Some(list) => list.push(sequence_number),
        None => {
            map.insert(key.to_owned(), vec![sequence_number]);
        }
    }
}

#[cfg(test)]
mod tests;
