//! The key of the store's id → sequence number map: the stored event itself, hashed and
//! compared by its id. An owned copy of every id as the key cost a second allocation per
//! event (about 70 bytes with its `String`, some 70 MB at a million events); the event is
//! already shared, so the key is one pointer.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::domain::event::Event;

/// An event as the key of its id. Lookups go by `&str` (through [`Borrow`]), which hashes and
/// compares exactly as the id does.
pub(super) struct IdKey(pub(super) Arc<Event>);

impl std::fmt::Debug for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdKey").field(&self.0.id()).finish()
    }
}

impl Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.id().hash(state);
    }
}

impl PartialEq for IdKey {
    fn eq(&self, other: &IdKey) -> bool {
        self.0.id() == other.0.id()
    }
}

impl Eq for IdKey {}

impl Borrow<str> for IdKey {
    fn borrow(&self) -> &str {
        self.0.id()
    }
}
