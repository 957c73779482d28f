//! The ordered, append-only, in-memory event store.
//!
//! Sequence numbers start at 1 in registration order, as production's `sequenceno`. Indexes
//! keep every page away from a scan of the whole store: id → sequence numbers, and the ordered
//! sequence numbers per resource, subject and source (see `index`), where `after` and the
//! visibility lag are found by binary search. Plain data: the core keeps it behind a `std`
//! lock that readers hold only to copy out a page.

mod id_index;
mod index;
mod party;
mod postings;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use foldhash::HashMap;

pub(crate) use index::{Lane, Narrowing, TypeFilter};
pub use party::Party;
pub(crate) use party::{PartyIdentifier, PartyRegister};
pub(crate) use postings::TimeBounds;

use crate::domain::event::Event;
use id_index::IdIndex;
use index::{Indexes, with_entry};
use postings::{Cursor, Merged};

/// The most room a page is given up front; production's largest page is 1 000 events.
const MAX_PAGE_CAPACITY: usize = 1000;

/// When an event was registered, for production's visibility lag.
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

/// What a page is drawn from: production's `getappevents` or `getevents` before its `LIMIT`.
#[derive(Clone)]
pub(crate) struct Scan<'a> {
    /// The index lane: the equality filters every event must pass.
    pub(crate) lane: Lane<'a>,
    /// The `type` values selected (`LIKE ANY`); `None` for every type.
    pub(crate) types: Option<TypeFilter<'a>>,
    /// Events outside these are never selected: the scan may skip them unseen (the caller
    /// still checks each event it is handed).
    pub(crate) times: TimeBounds,
    /// Start after the first event with this id (any resource); an unknown id starts at the
    /// beginning.
    pub(crate) after: Option<&'a str>,
    /// Which recently registered events production still hides.
    pub(crate) visibility: Visibility,
    /// The most events to return.
    pub(crate) limit: usize,
}

impl std::fmt::Debug for Scan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("lane", &self.lane)
            .field("types", &self.types.map(|_| "…"))
            .field("times", &self.times)
            .field("after", &self.after)
            .field("visibility", &self.visibility)
            .field("limit", &self.limit)
            .finish()
    }
}

/// How production's visibility lag hides recently registered events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visibility {
    /// Nothing is hidden (no lag).
    All,
    /// The app queries' cut: events after the greatest sequence number registered at or before
    /// this instant are hidden — and nothing at all when no event is that old (a quirk).
    SequenceCut(DateTime<Utc>),
    /// The generic query's rule: each event registered after this instant is hidden.
    PerEvent(DateTime<Utc>),
}

/// The most events a store holds: its indexes keep sequence numbers as `u32`. Far more than
/// fits in memory (a stored event takes some 800 bytes); the core's event cap never allows
/// more, and past it [`EventStore::append_all`] stores nothing.
pub(crate) const STORE_CAPACITY: usize = u32::MAX as usize;

/// The events, their indexes and the party register.
#[derive(Debug, Default)]
pub(crate) struct EventStore {
    events: Vec<StoredEvent>,
    /// The first sequence number of each id; production's `after` looks up this one.
    first_by_id: IdIndex,
    /// Later sequence numbers of ids stored more than once (with another source): rare, so
    /// kept apart to spare every other id a vector.
    later_by_id: HashMap<String, Vec<u64>>,
    indexes: Indexes,
    /// Whether registration times never go down, so the visibility cut is a binary search.
    registration_ordered: bool,
    parties: PartyRegister,
}

impl EventStore {
    /// A store holding `parties`, then `events` registered before the start.
    pub(crate) fn with_startup(events: &[Arc<Event>], parties: &[Party]) -> EventStore {
        let mut store = EventStore::starting(parties, events.len());
        store.append_startup(events);
        store.finish_startup();
        store
    }

    /// A store holding `parties`, with room for `events` startup events: give them with
    /// [`append_startup`](Self::append_startup) (in as many batches as they come), then call
    /// [`finish_startup`](Self::finish_startup).
    pub(crate) fn starting(parties: &[Party], events: usize) -> EventStore {
        let mut store = EventStore::default();
        store.add_parties(parties);
        store.reserve(events);
        store
    }

    /// Appends `events`, registered before the start.
    pub(crate) fn append_startup(&mut self, events: &[Arc<Event>]) {
        for event in events {
            self.append(Arc::clone(event), Registration::BeforeStart);
        }
    }

    /// Gives back the room the indexes grew into while loading (up to half of each list).
    pub(crate) fn finish_startup(&mut self) {
        self.indexes.shrink_to_fit();
    }

    /// Appends `events` in order, registered `registered`. Returns each event's sequence
    /// number, or `None` where the same `id` + `source` was already stored (a silent no-op,
    /// as in production).
    pub(crate) fn append_all(
        &mut self,
        events: impl IntoIterator<Item = Arc<Event>>,
        registered: Registration,
    ) -> Vec<Option<u64>> {
        events
            .into_iter()
            .map(|event| self.append(event, registered))
            .collect()
    }

    /// Registers parties explicitly (a fixture's `parties`); they win over learned ones.
    pub(crate) fn add_parties(&mut self, parties: &[Party]) {
        for party in parties {
            self.parties.insert(party.clone());
        }
    }

    /// The party id the register knows for `identifier`.
    pub(crate) fn lookup_party(&self, identifier: &PartyIdentifier) -> Option<u32> {
        self.parties.lookup(identifier)
    }

    /// Whether some id is stored more than once (with different sources).
    pub(crate) fn has_repeated_ids(&self) -> bool {
        !self.later_by_id.is_empty()
    }

    /// Whether more than one stored event has id `id` (with different sources).
    pub(crate) fn id_is_repeated(&self, id: &str) -> bool {
        self.later_by_id.contains_key(id)
    }

    /// How many events are stored.
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// All stored events in sequence order.
    pub(crate) fn events(&self) -> &[StoredEvent] {
        &self.events
    }

    /// Removes every event and what was learned from them; explicit parties stay.
    pub(crate) fn clear(&mut self) {
        let mut parties = std::mem::take(&mut self.parties);
        parties.forget_learned();
        *self = EventStore {
            parties,
            ..EventStore::default()
        };
    }

    /// The events `scan` selects that `keep` accepts, in sequence order, at most `scan.limit`.
    pub(crate) fn scan(
        &self,
        scan: &Scan<'_>,
        mut keep: impl FnMut(&Event) -> bool,
    ) -> Vec<StoredEvent> {
        let start_after = scan
            .after
            .map_or(0, |id| self.first_sequence_number(id).unwrap_or(0));
        let cut = match scan.visibility {
            Visibility::SequenceCut(by) => self.visibility_cut(by),
            _ => None,
        };
        let candidates = self.indexes.candidates(&scan.lane, scan.types);
        let cursors = candidates
            .lists
            .iter()
            .map(|postings| {
                let window = self.window(postings.seqs(), start_after, cut, scan.visibility);
                Cursor::new(postings, window)
            })
            .collect();
        let narrowing = match scan.lane {
            Lane::Resource { narrowed, .. } if candidates.check_narrowing => narrowed,
            _ => None,
        };
        let type_filter = scan.types.filter(|_| candidates.check_type);
        let selected = |event: &Event| {
            narrowing.is_none_or(|narrowing| narrowing.admits(event))
                && type_filter.is_none_or(|types| types(event.event_type()))
        };
        // Sized for a full page at once (the limit is a page size, at most 1 000): growing it
        // push by push cost five reallocations on every page of 50.
        let mut page = Vec::with_capacity(scan.limit.min(MAX_PAGE_CAPACITY));
        for seq in Merged::new(cursors, scan.times) {
            if page.len() >= scan.limit {
                break;
            }
            let Some(stored) = self.get(seq) else {
                continue;
            };
            let hidden = match scan.visibility {
                Visibility::PerEvent(by) => !registered_by(stored, by),
                _ => false,
            };
            if !hidden && selected(&stored.event) && keep(&stored.event) {
                page.push(stored.clone());
            }
        }
        page
    }

    /// The positions of `list` after sequence number `start_after` that `visibility` may
    /// show, up to the sequence-number `cut` where there is one (per-event visibility is also
    /// checked event by event, for a clock that went back).
    fn window(
        &self,
        list: &[u32],
        start_after: u64,
        cut: Option<u64>,
        visibility: Visibility,
    ) -> std::ops::Range<usize> {
        let start = list.partition_point(|&seq| u64::from(seq) <= start_after);
        let end = match visibility {
            Visibility::SequenceCut(_) => match cut {
                Some(cut) => list.partition_point(|&seq| u64::from(seq) <= cut),
                None => list.len(),
            },
            Visibility::PerEvent(by) if self.registration_ordered => list.partition_point(|&seq| {
                self.get(seq.into())
                    .is_some_and(|stored| registered_by(stored, by))
            }),
            Visibility::All | Visibility::PerEvent(_) => list.len(),
        };
        start..end.max(start)
    }

    fn append(&mut self, event: Arc<Event>, registered: Registration) -> Option<u64> {
        let sequence_number = u32::try_from(self.events.len() + 1).ok()?;
        // One lookup of the id, inserting where it is new (nearly always).
        if let Err(first) = self.first_by_id.insert_new(event.id(), &self.events) {
            let later = self
                .later_by_id
                .get(event.id())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let events = &self.events;
            let already_stored = std::iter::once(first)
                .chain(later.iter().copied())
                .filter_map(|seq| get(events, seq))
                .any(|stored| stored.event.source() == event.source());
            if already_stored {
                return None;
            }
            with_entry(&mut self.later_by_id, event.id(), |list| {
                list.push(u64::from(sequence_number));
            });
        }

        if let Some(last) = self.events.last() {
            if registered < last.registered {
                self.registration_ordered = false;
            }
        } else {
            self.registration_ordered = true;
        }
        self.parties
            .learn(event.subject(), event.alternative_subject());
        self.indexes.add(&event, sequence_number);
        self.events.push(StoredEvent {
            sequence_number: u64::from(sequence_number),
            registered,
            event,
        });
        Some(u64::from(sequence_number))
    }

    /// Makes room for `additional` events at once instead of growing step by step.
    fn reserve(&mut self, additional: usize) {
        self.events.reserve(additional);
        self.first_by_id.reserve(additional, &self.events);
    }

    fn get(&self, sequence_number: u64) -> Option<&StoredEvent> {
        get(&self.events, sequence_number)
    }

    fn first_sequence_number(&self, id: &str) -> Option<u64> {
        self.first_by_id.first(id, &self.events)
    }

    /// Production's cut: the greatest sequence number registered at or before `instant`;
    /// `None` (no cut at all) when no event is that old — a quirk reproduced on purpose.
    pub(crate) fn visibility_cut(&self, instant: DateTime<Utc>) -> Option<u64> {
        let old_enough = |stored: &StoredEvent| registered_by(stored, instant);
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

/// The event of `events` with `sequence_number`.
fn get(events: &[StoredEvent], sequence_number: u64) -> Option<&StoredEvent> {
    let index = usize::try_from(sequence_number.checked_sub(1)?).ok()?;
    events.get(index)
}

/// Whether `stored` was registered at or before `instant` (startup events always were).
fn registered_by(stored: &StoredEvent, instant: DateTime<Utc>) -> bool {
    match stored.registered {
        Registration::BeforeStart => true,
        Registration::At(time) => time <= instant,
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_indexed;
