//! Why a value is not an event the store accepts.

use std::fmt;

use serde_json::Value;

use super::Event;

/// Why a JSON value is not an event the store accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// The value is not a JSON object.
    NotAnObject,
    /// A required attribute is absent (or `null`, which CloudEvents reads as absent).
    Missing(&'static str),
    /// A required attribute is present but empty.
    Empty(&'static str),
    /// An attribute has a JSON type the CloudEvents SDK does not accept for it.
    WrongType {
        /// The attribute's name.
        attribute: String,
        /// The JSON type it must have, e.g. `a string`.
        expected: &'static str,
    },
    /// `specversion` is not `1.0`.
    UnsupportedSpecVersion(String),
    /// `time` does not parse as RFC 3339.
    BadTime(String),
    /// An attribute name is not lower-case letters and digits, as CloudEvents requires.
    BadAttributeName(String),
}

/// An event handed to the builder or to [`MockServer::publish`](crate::MockServer::publish)
/// that the store refuses: which one, and why. Nothing of that batch is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEvent {
    /// Its position in what was given, from 0.
    pub index: usize,
    /// What is wrong with it.
    pub error: EventError,
}

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "event {}: {}; nothing was stored",
            self.index, self.error
        )
    }
}

impl std::error::Error for InvalidEvent {}

impl Event {
    /// Each of `values` as an event, or the first that is not one.
    pub(crate) fn all_from_json(
        values: impl IntoIterator<Item = Value>,
    ) -> Result<Vec<Event>, InvalidEvent> {
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                Event::from_json(value).map_err(|error| InvalidEvent { index, error })
            })
            .collect()
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::NotAnObject => write!(f, "an event must be a JSON object"),
            EventError::Missing(name) => write!(f, "required attribute `{name}` is missing"),
            EventError::Empty(name) => write!(f, "required attribute `{name}` is empty"),
            EventError::WrongType {
                attribute,
                expected,
            } => {
                write!(f, "attribute `{attribute}` must be {expected}")
            }
            EventError::UnsupportedSpecVersion(v) => {
                write!(f, "`specversion` is {v:?}; only \"1.0\" is supported")
            }
            EventError::BadTime(reason) => f.write_str(reason),
            EventError::BadAttributeName(name) => write!(
                f,
                "attribute name {name:?} is not allowed: CloudEvents names are lower-case letters and digits"
            ),
        }
    }
}

impl std::error::Error for EventError {}
