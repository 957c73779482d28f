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
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;

/// Pages bigger than this are not kept (a page of 1 000 large events); so are pages once the
/// kept ones would hold more than [`MAX_BYTES`].
const MAX_PAGE_BYTES: usize = 1 << 20;
const MAX_BYTES: usize = 16 << 20;

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

#[derive(Debug, Default)]
struct Entries {
    /// Oldest first.
    kept: VecDeque<Entry>,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    hash: u64,
    key: Box<[u8]>,
    stamp: Stamp,
    page: KeptPage,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.key.len() + self.page.body.len() + self.page.next.as_ref().map_or(0, Bytes::len)
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
            .kept
            .iter()
            .rev()
            .find(|entry| entry.hash == hash && entry.stamp == stamp && *entry.key == *key)
            .map(|entry| entry.page.clone())
    }

    /// Keeps `page` for `key` as selected under `stamp`, in place of an older page for `key`.
    pub(super) fn keep(&self, key: &[u8], stamp: Stamp, page: KeptPage) {
        if self.capacity == 0 || page.body.len() > MAX_PAGE_BYTES {
            return;
        }
        let entry = Entry {
            hash: self.hasher.hash_one(key),
            key: key.into(),
            stamp,
            page,
        };
        let size = entry.bytes();
        let mut entries = self.lock();
        if let Some(at) = entries
            .kept
            .iter()
            .position(|kept| kept.hash == entry.hash && kept.key == entry.key)
            && let Some(old) = entries.kept.remove(at)
        {
            entries.bytes -= old.bytes();
        }
        while entries.kept.len() >= self.capacity || entries.bytes + size > MAX_BYTES {
            let Some(oldest) = entries.kept.pop_front() else {
                break;
            };
            entries.bytes -= oldest.bytes();
        }
        entries.bytes += size;
        entries.kept.push_back(entry);
    }

    /// Forgets every page (a reset: nothing kept may outlive it, even by its stamp).
    pub(super) fn clear(&self) {
        *self.lock() = Entries::default();
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
        assert_eq!(cache.lock().bytes, 2 * (1 + 3));
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
}
