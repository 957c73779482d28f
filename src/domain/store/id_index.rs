//! The store's id → first sequence number index: a hash table of positions in the store's
//! event list, hashed and compared by the id of the event at each position. An owned copy of
//! every id as the key cost a second allocation per event, and even the shared event as the
//! key (a pointer) with its sequence number took 16 bytes a slot; a position is 4, which at a
//! million events (two million slots) is some 24 MB less.

use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use super::StoredEvent;

/// Positions (sequence number − 1) of the first event with each id. The hasher is randomly
/// seeded: ids come from clients.
#[derive(Debug, Default)]
pub(super) struct IdIndex {
    table: HashTable<u32>,
    hasher: RandomState,
}

impl IdIndex {
    /// Makes room for `additional` more ids; `events` are the store's.
    pub(super) fn reserve(&mut self, additional: usize, events: &[StoredEvent]) {
        let hasher = &self.hasher;
        self.table
            .reserve(additional, |&at| hasher.hash_one(id_at(events, at)));
    }

    /// The first sequence number of an event with id `id` in `events`.
    pub(super) fn first(&self, id: &str, events: &[StoredEvent]) -> Option<u64> {
        self.table
            .find(self.hasher.hash_one(id), |&at| id_at(events, at) == id)
            .map(|&at| u64::from(at) + 1)
    }

    /// Records that the event with `id` about to be appended to `events` (as the last) is the
    /// first with that id; or, if one is stored already, gives its sequence number.
    pub(super) fn insert_new(&mut self, id: &str, events: &[StoredEvent]) -> Result<(), u64> {
        let Ok(at) = u32::try_from(events.len()) else {
            // Past the store's capacity, which `append` never reaches.
            return Ok(());
        };
        let hasher = &self.hasher;
        let entry = self.table.entry(
            hasher.hash_one(id),
            |&stored| id_at(events, stored) == id,
            |&stored| hasher.hash_one(id_at(events, stored)),
        );
        match entry {
            Entry::Occupied(first) => Err(u64::from(*first.get()) + 1),
            Entry::Vacant(slot) => {
                slot.insert(at);
                Ok(())
            }
        }
    }
}

/// The id of the event at position `at` of `events` (none past the end: never asked).
fn id_at(events: &[StoredEvent], at: u32) -> &str {
    events
        .get(at as usize)
        .map_or("", |stored| stored.event.id())
}
