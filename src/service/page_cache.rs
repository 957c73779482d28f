//! Rendered pages of the app owners' query, kept while they are exactly what the query would
//! answer again. A poller asks the same question over and over until something changes; a
//! kept page answers it without binding, selecting or rendering again, and without copying
//! its bytes (the body is shared).
//!
//! A page is a pure function of the request (the face's key: path, query string, `person`
//! header, caller's org, base URL), of the store and of production's visibility cut. So each
//! page is kept with a [`Stamp`]: the store's generation (every write lock on the store
//! advances it) and the sequence-number cut at the time. A later request is answered from
//! the page only when both are still the same; any change to the store or a cut that moved
//! with the clock makes the face run the query again. Nothing is ever stale: at worst a page
//! is recomputed that did not need to be.
//!
//! Bounded in entries and bytes: the oldest page goes first.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use foldhash::HashMap;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;

/// Pages bigger than this are not kept (a page of 1 000 large events); so are pages once the
/// kept ones would hold more than [`MAX_BYTES`].
const MAX_PAGE_BYTES: usize = 1 << 20;
const MAX_BYTES: usize = 16 << 20;
/// What an entry takes besides its key and page, counted against [`MAX_BYTES`] so that many
/// tiny pages (`[]`) stay within it too.
const ENTRY_OVERHEAD: usize = 128;

/// The pages kept by default (`--page-cache`).
pub(crate) const DEFAULT_PAGE_CACHE_ENTRIES: usize = 64;

/// What the store looked like when a page was selected: its generation and the visibility
/// cut. Equal stamps select equal pages for equal requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(super) generation: u64,
    pub(super) cut: Cut,
}

/// The visibility lag's part in a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// No lag: every event is visible.
    None,
    /// Events up to this sequence number are visible (`None`: production's quirk, no event is
    /// old enough and nothing is cut).
    Sequence(Option<u64>),
}

/// A page as the face answered it: its body, its `next` link and how many events it holds.
#[derive(Debug, Clone)]
pub(crate) struct KeptPage {
    pub(crate) body: Bytes,
    pub(crate) next: Option<Bytes>,
    pub(crate) events: usize,
}

#[derive(Debug)]
pub(super) struct PageCache {
    entries: Mutex<Entries>,
    capacity: usize,
    hasher: foldhash::fast::RandomState,
}

/// The pages by their key's hash: one lookup whatever `--page-cache` says. Two keys with
/// the same hash share a place, the later one keeping it (the key is compared on a lookup).
#[derive(Debug, Default)]
struct Entries {
    by_hash: HashMap<u64, Entry>,
    /// Hashes in the order their pages were kept, oldest first, each with the ticket it was
    /// kept under: one whose page was kept again since is stale and skipped.
    order: VecDeque<(u64, u64)>,
    next_ticket: u64,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    ticket: u64,
    key: Box<[u8]>,
    stamp: Stamp,
    page: KeptPage,
}

impl Entry {
    fn bytes(&self) -> usize {
        ENTRY_OVERHEAD
            + self.key.len()
            + self.page.body.len()
            + self.page.next.as_ref().map_or(0, Bytes::len)
    }
}

impl PageCache {
    /// A cache of at most `capacity` pages; 0 keeps none.
    pub(super) fn new(capacity: usize) -> PageCache {
        PageCache {
            entries: Mutex::default(),
            capacity,
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    pub(super) fn is_off(&self) -> bool {
        self.capacity == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Every change is a push or a pop of a whole entry: a poisoned cache is consistent.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The page kept for `key` under `stamp`. A page kept under another stamp can never be
    /// answered again (generations only grow) unless the cut moved back with the clock, so it
    /// stays until it is the oldest.
    pub(super) fn get(&self, key: &[u8], stamp: Stamp) -> Option<KeptPage> {
        let hash = self.hasher.hash_one(key);
        let entries = self.lock();
        entries
            .by_hash
            .get(&hash)
            .filter(|entry| entry.stamp == stamp && *entry.key == *key)
            .map(|entry| entry.page.clone())
    }

    /// Keeps `page` for `key` as selected under `stamp`, in place of an older page for `key`.
    pub(super) fn keep(&self, key: &[u8], stamp: Stamp, page: KeptPage) {
        if self.capacity == 0 || page.body.len() > MAX_PAGE_BYTES {
            return;
        }
        let hash = self.hasher.hash_one(key);
        let mut entries = self.lock();
        let ticket = entries.next_ticket;
        entries.next_ticket += 1;
        let entry = Entry {
            ticket,
            key: key.into(),
            stamp,
            page,
        };
        let size = entry.bytes();
        if let Some(old) = entries.by_hash.remove(&hash) {
            entries.bytes -= old.bytes();
        }
        while entries.by_hash.len() >= self.capacity || entries.bytes + size > MAX_BYTES {
            if !entries.evict_oldest() {
                break;
            }
        }
        entries.bytes += size;
        entries.by_hash.insert(hash, entry);
        entries.order.push_back((hash, ticket));
        // Stale tickets are skipped when they come up; past twice the pages, drop them all.
        if entries.order.len() > 2 * entries.by_hash.len() + 16 {
            let Entries { by_hash, order, .. } = &mut *entries;
            order.retain(|(hash, ticket)| by_hash.get(hash).is_some_and(|e| e.ticket == *ticket));
        }
    }

    /// Forgets every page (a reset: nothing kept may outlive it, even by its stamp).
    pub(super) fn clear(&self) {
        *self.lock() = Entries::default();
    }
}

impl Entries {
    /// Drops the oldest page; `false` when there is none.
    fn evict_oldest(&mut self) -> bool {
        while let Some((hash, ticket)) = self.order.pop_front() {
            if self
                .by_hash
                .get(&hash)
                .is_some_and(|entry| entry.ticket == ticket)
                && let Some(entry) = self.by_hash.remove(&hash)
            {
                self.bytes -= entry.bytes();
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &'static [u8]) -> KeptPage {
        KeptPage {
            body: Bytes::from_static(body),
            next: None,
            events: 1,
        }
    }

    const AT_1: Stamp = Stamp {
        generation: 1,
        cut: Cut::None,
    };

    #[test]
    fn a_page_is_answered_only_for_its_key_and_stamp() {
        let cache = PageCache::new(4);
        cache.keep(b"a", AT_1, page(b"[1]"));
        assert_eq!(cache.get(b"a", AT_1).unwrap().body, &b"[1]"[..]);
        assert!(cache.get(b"b", AT_1).is_none());
        let later = Stamp {
            generation: 2,
            ..AT_1
        };
        assert!(cache.get(b"a", later).is_none());
        let cut = Stamp {
            cut: Cut::Sequence(Some(3)),
            ..AT_1
        };
        assert!(cache.get(b"a", cut).is_none());
    }

    #[test]
    fn the_oldest_page_goes_first_and_a_key_is_kept_once() {
        let cache = PageCache::new(2);
        cache.keep(b"a", AT_1, page(b"[1]"));
        cache.keep(b"b", AT_1, page(b"[2]"));
        cache.keep(b"a", AT_1, page(b"[3]"));
        cache.keep(b"c", AT_1, page(b"[4]"));
        assert!(cache.get(b"b", AT_1).is_none());
        assert_eq!(cache.get(b"a", AT_1).unwrap().body, &b"[3]"[..]);
        assert_eq!(cache.get(b"c", AT_1).unwrap().body, &b"[4]"[..]);
        assert_eq!(cache.lock().bytes, 2 * (ENTRY_OVERHEAD + 1 + 3));
        assert_eq!(cache.lock().by_hash.len(), 2);
    }

    #[test]
    fn no_entries_keeps_nothing_and_big_pages_are_not_kept() {
        let off = PageCache::new(0);
        off.keep(b"a", AT_1, page(b"[1]"));
        assert!(off.get(b"a", AT_1).is_none());
        let cache = PageCache::new(4);
        let big = KeptPage {
            body: Bytes::from(vec![b' '; MAX_PAGE_BYTES + 1]),
            next: None,
            events: 0,
        };
        cache.keep(b"a", AT_1, big);
        assert!(cache.get(b"a", AT_1).is_none());
    }

    #[test]
    fn pages_kept_again_and_again_stay_within_their_bounds() {
        let cache = PageCache::new(3);
        for round in 0..1000u64 {
            let stamp = Stamp {
                generation: round,
                cut: Cut::None,
            };
            cache.keep(b"poller", stamp, page(b"[]"));
        }
        let entries = cache.lock();
        assert_eq!(entries.by_hash.len(), 1);
        assert!(entries.order.len() <= 2 + 16, "{}", entries.order.len());
        assert_eq!(entries.bytes, ENTRY_OVERHEAD + "poller".len() + 2);
    }

    #[test]
    fn the_cache_answers_as_a_list_of_the_latest_pages_would() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(11);
        let cache = PageCache::new(4);
        // The model: keys with their stamp, oldest first, a key kept again moving to the back.
        let mut model: VecDeque<(u8, u64)> = VecDeque::new();
        for _ in 0..20_000 {
            let key = rng.random_range(0..8u8);
            let generation = rng.random_range(0..3u64);
            let stamp = Stamp {
                generation,
                cut: Cut::None,
            };
            if rng.random_bool(0.5) {
                cache.keep(&[key], stamp, page(b"[1]"));
                model.retain(|(k, _)| *k != key);
                if model.len() == 4 {
                    model.pop_front();
                }
                model.push_back((key, generation));
            } else {
                let expected = model.contains(&(key, generation));
                assert_eq!(cache.get(&[key], stamp).is_some(), expected);
            }
        }
    }
}
