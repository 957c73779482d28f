//! An in-memory fake of the Altinn Events query API for app owners.

pub mod event;
mod json;
pub mod query;
pub mod store;

pub use event::{Event, EventError};
pub use store::{EventStore, Registration};
