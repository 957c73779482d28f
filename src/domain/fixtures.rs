//! Reading events and parties from fixtures' text (the core reads the files).
//!
//! Three shapes, so a captured production response replays as is: a JSON array of CloudEvents
//! (what the API returns), NDJSON (`.ndjson`, one event a line), or an object
//! `{"events": [...], "parties": [{"partyId": 1337, "person": "01038712345"}]}`. Everything is
//! checked before anything is served; the first problem stops the load with the file, the
//! place in it, and what is wrong.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::domain::event::{Event, EventError};
use crate::domain::store::Party;

/// Events and explicit party register entries read from fixtures, in load order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Fixtures {
    /// The events, in file order.
    pub(crate) events: Vec<Event>,
    /// Explicit party register entries.
    pub(crate) parties: Vec<Party>,
}

/// Why a fixture could not be loaded: which file, where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    /// The file (or folder) concerned; `request body` for `POST /_mock/events`.
    pub path: PathBuf,
    /// Where in the file.
    pub location: FixtureLocation,
    /// What kind of problem it is.
    pub kind: FixtureErrorKind,
    /// What is wrong, in words.
    pub message: String,
}

/// What kind of problem a [`FixtureError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FixtureErrorKind {
    /// The file or folder cannot be read (or a folder holds no fixture).
    Unreadable,
    /// The text is not JSON (or a line of NDJSON is not).
    Syntax,
    /// The JSON is not shaped like a fixture (an array, an event, or `{"events", "parties"}`).
    Shape,
    /// An event the store refuses.
    Event(EventError),
    /// A party register entry that is not `{"partyId", "person"}` or `{"partyId", "unit"}`.
    Party,
}

/// Where in a fixture a [`FixtureError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FixtureLocation {
    /// The whole file (it cannot be read, or has the wrong shape).
    File,
    /// A JSON syntax error at this line (from 1) and column (from 1; 0 when the text ended
    /// early).
    Position {
        /// The line, from 1.
        line: usize,
        /// The column, from 1; 0 at the end of the text.
        column: usize,
    },
    /// Line N (from 1) of an NDJSON file.
    Line(usize),
    /// Event N (from 0) of a JSON array of events.
    Event(usize),
    /// Entry N (from 0) of the `events` of an object.
    EventsEntry(usize),
    /// Entry N (from 0) of the `parties` of an object.
    PartiesEntry(usize),
    /// The value of this key of an object.
    Key(&'static str),
}

impl fmt::Display for FixtureLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixtureLocation::File => f.write_str("the whole file"),
            FixtureLocation::Position { line, column } => {
                write!(f, "line {line}, column {column}")
            }
            FixtureLocation::Line(line) => write!(f, "line {line}"),
            FixtureLocation::Event(index) => write!(f, "event {index}"),
            FixtureLocation::EventsEntry(index) => write!(f, "events[{index}]"),
            FixtureLocation::PartiesEntry(index) => write!(f, "parties[{index}]"),
            FixtureLocation::Key(key) => f.write_str(key),
        }
    }
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fixture {}", self.path.display())?;
        if self.location != FixtureLocation::File {
            write!(f, ", {}", self.location)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FixtureError {}

/// The built-in demo data set (`fixtures/demo.json`), served when no fixture is given.
pub(crate) const DEMO_FIXTURE: &str = include_str!("../../fixtures/demo.json");

/// The built-in demo data set, parsed.
pub(crate) fn demo() -> Result<Fixtures, FixtureError> {
    parse(Path::new("fixtures/demo.json"), DEMO_FIXTURE)
}

pub(crate) fn extension(path: &Path) -> Option<String> {
    Some(path.extension()?.to_str()?.to_ascii_lowercase())
}

impl FixtureError {
    /// What is wrong at `location` in the fixture at `path`.
    fn at(
        path: &Path,
        location: FixtureLocation,
        kind: FixtureErrorKind,
        message: impl Into<String>,
    ) -> FixtureError {
        FixtureError {
            path: path.to_owned(),
            location,
            kind,
            message: message.into(),
        }
    }
}

/// The fixture at `path` cannot be read.
pub(crate) fn unreadable(path: &Path, message: String) -> FixtureError {
    FixtureError::at(
        path,
        FixtureLocation::File,
        FixtureErrorKind::Unreadable,
        message,
    )
}

/// How a fixture's text is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// One JSON document: an array of events, one event, or `{"events", "parties"}`.
    Json,
    /// One event per line.
    Ndjson,
}

/// Parses one fixture file's text; `.ndjson` files are read a line at a time.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Fixtures, FixtureError> {
    let format = if extension(path).as_deref() == Some("ndjson") {
        Format::Ndjson
    } else {
        Format::Json
    };
    parse_as(path, text, format)
}

/// Parses `text` laid out as `format`; `origin` names it in errors.
pub(crate) fn parse_as(
    origin: &Path,
    text: &str,
    format: Format,
) -> Result<Fixtures, FixtureError> {
    if format == Format::Ndjson {
        return parse_ndjson(origin, text);
    }
    let shape = |location: FixtureLocation, message: String| {
        FixtureError::at(origin, location, FixtureErrorKind::Shape, message)
    };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        FixtureError::at(
            origin,
            FixtureLocation::Position {
                line: e.line(),
                column: e.column(),
            },
            FixtureErrorKind::Syntax,
            format!("not valid JSON: {}", crate::domain::json::json_reason(&e)),
        )
    })?;
    match value {
        Value::Array(items) => Ok(Fixtures {
            events: events_from(origin, items, FixtureLocation::Event)?,
            parties: Vec::new(),
        }),
        Value::Object(mut object) if object.contains_key("events") || object.contains_key("parties") => {
            let events = match object.remove("events") {
                None => Vec::new(),
                Some(Value::Array(items)) => events_from(origin, items, FixtureLocation::EventsEntry)?,
                Some(_) => return Err(shape(FixtureLocation::Key("events"), "must be an array of events".into())),
            };
            let parties = match object.remove("parties") {
                None => Vec::new(),
                Some(Value::Array(items)) => parties_from(origin, items)?,
                Some(_) => return Err(shape(FixtureLocation::Key("parties"), "must be an array".into())),
            };
            if let Some(key) = object.keys().next() {
                return Err(shape(FixtureLocation::File, format!("unknown key {key:?}: expected \"events\" and \"parties\"")));
            }
            Ok(Fixtures { events, parties })
        }
        Value::Object(_) => Ok(Fixtures {
            events: events_from(origin, vec![value], FixtureLocation::Event)?,
            parties: Vec::new(),
        }),
        _ => Err(shape(
            FixtureLocation::File,
            "expected a JSON array of events, one event, or an object with \"events\" and \"parties\"".into(),
        )),
    }
}

fn events_from(
    origin: &Path,
    items: Vec<Value>,
    name: impl Fn(usize) -> FixtureLocation,
) -> Result<Vec<Event>, FixtureError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| Event::from_json(item).map_err(|e| refused(origin, name(i), e)))
        .collect()
}

/// An event the store refuses, at `location`.
fn refused(origin: &Path, location: FixtureLocation, error: EventError) -> FixtureError {
    let message = error.to_string();
    FixtureError::at(origin, location, FixtureErrorKind::Event(error), message)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PartyEntry {
    party_id: u32,
    person: Option<String>,
    unit: Option<String>,
}

fn parties_from(origin: &Path, items: Vec<Value>) -> Result<Vec<Party>, FixtureError> {
    let all_digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let fail = |message: String| {
                FixtureError::at(
                    origin,
                    FixtureLocation::PartiesEntry(i),
                    FixtureErrorKind::Party,
                    message,
                )
            };
            let entry: PartyEntry =
                serde_json::from_value(item).map_err(|e| fail(e.to_string()))?;
            let party = match (entry.person, entry.unit) {
                (Some(person), None) if all_digits(&person, 11) => {
                    Party::person(entry.party_id, person)
                }
                (None, Some(unit)) if all_digits(&unit, 9) => {
                    Party::organisation(entry.party_id, unit)
                }
                (Some(person), None) => {
                    return Err(fail(format!("person must be 11 digits, not {person:?}")));
                }
                (None, Some(unit)) => {
                    return Err(fail(format!("unit must be 9 digits, not {unit:?}")));
                }
                _ => return Err(fail("give exactly one of \"person\" and \"unit\"".into())),
            };
            Ok(party)
        })
        .collect()
}

fn parse_ndjson(path: &Path, text: &str) -> Result<Fixtures, FixtureError> {
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_number = i + 1;
        let value: Value = serde_json::from_str(line).map_err(|e| {
            FixtureError::at(
                path,
                FixtureLocation::Position {
                    line: line_number,
                    column: e.column(),
                },
                FixtureErrorKind::Syntax,
                format!("not valid JSON: {}", crate::domain::json::json_reason(&e)),
            )
        })?;
        let event = Event::from_json(value)
            .map_err(|e| refused(path, FixtureLocation::Line(line_number), e))?;
        events.push(event);
    }
    Ok(Fixtures {
        events,
        parties: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
