//! Loading events and parties from fixture files.
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

use crate::domain::event::Event;
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
    /// What is wrong.
    pub message: String,
}

/// Where in a fixture a [`FixtureError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FixtureLocation {
    /// The whole file (it cannot be read, or has the wrong shape).
    File,
    /// A JSON syntax error at this line and column (from 1).
    Position {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
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

/// Loads each path in order: a file, or a folder whose `.json` and `.ndjson` files load in
/// name order.
pub(crate) fn load(paths: &[PathBuf]) -> Result<Fixtures, FixtureError> {
    let mut all = Fixtures::default();
    for path in paths {
        for file in files_of(path)? {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| whole_file(&file, format!("cannot read: {e}")))?;
            let loaded = parse(&file, &text)?;
            all.events.extend(loaded.events);
            all.parties.extend(loaded.parties);
        }
    }
    Ok(all)
}

fn files_of(path: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let metadata =
        std::fs::metadata(path).map_err(|e| whole_file(path, format!("cannot open: {e}")))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| whole_file(path, format!("cannot list: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|file| {
            file.is_file() && matches!(extension(file).as_deref(), Some("json" | "ndjson"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(whole_file(
            path,
            "the folder holds no .json or .ndjson file".into(),
        ));
    }
    Ok(files)
}

fn extension(path: &Path) -> Option<String> {
    Some(path.extension()?.to_str()?.to_ascii_lowercase())
}

impl FixtureError {
    /// What is wrong at `location` in the fixture at `path` (an empty location: the whole file).
    fn at(path: &Path, location: FixtureLocation, message: impl Into<String>) -> FixtureError {
        FixtureError {
            path: path.to_owned(),
            location,
            message: message.into(),
        }
    }
}

fn whole_file(path: &Path, message: String) -> FixtureError {
    FixtureError::at(path, FixtureLocation::File, message)
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
    let error_at =
        |location: FixtureLocation, message: String| FixtureError::at(origin, location, message);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        error_at(
            FixtureLocation::Position {
                line: e.line(),
                column: e.column(),
            },
            format!("not valid JSON: {}", crate::domain::json::json_reason(&e)),
        )
    })?;
    match value {
        Value::Array(items) => Ok(Fixtures {
            events: events_from(items, FixtureLocation::Event, &error_at)?,
            parties: Vec::new(),
        }),
        Value::Object(mut object) if object.contains_key("events") || object.contains_key("parties") => {
            let events = match object.remove("events") {
                None => Vec::new(),
                Some(Value::Array(items)) => events_from(items, FixtureLocation::EventsEntry, &error_at)?,
                Some(_) => return Err(error_at(FixtureLocation::Key("events"), "must be an array of events".into())),
            };
            let parties = match object.remove("parties") {
                None => Vec::new(),
                Some(Value::Array(items)) => parties_from(items, &error_at)?,
                Some(_) => return Err(error_at(FixtureLocation::Key("parties"), "must be an array".into())),
            };
            if let Some(key) = object.keys().next() {
                return Err(error_at(FixtureLocation::File, format!("unknown key {key:?}: expected \"events\" and \"parties\"")));
            }
            Ok(Fixtures { events, parties })
        }
        Value::Object(_) => Ok(Fixtures {
            events: events_from(vec![value], FixtureLocation::Event, &error_at)?,
            parties: Vec::new(),
        }),
        _ => Err(error_at(
            FixtureLocation::File,
            "expected a JSON array of events, one event, or an object with \"events\" and \"parties\"".into(),
        )),
    }
}

fn events_from(
    items: Vec<Value>,
    name: impl Fn(usize) -> FixtureLocation,
    error_at: &impl Fn(FixtureLocation, String) -> FixtureError,
) -> Result<Vec<Event>, FixtureError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| Event::from_json(item).map_err(|e| error_at(name(i), e.to_string())))
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PartyEntry {
    party_id: u32,
    person: Option<String>,
    unit: Option<String>,
}

fn parties_from(
    items: Vec<Value>,
    error_at: &impl Fn(FixtureLocation, String) -> FixtureError,
) -> Result<Vec<Party>, FixtureError> {
    let all_digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let fail = |message: String| error_at(FixtureLocation::PartiesEntry(i), message);
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
        let fail =
            |location: FixtureLocation, message: String| FixtureError::at(path, location, message);
        let value: Value = serde_json::from_str(line).map_err(|e| {
            fail(
                FixtureLocation::Position {
                    line: line_number,
                    column: e.column(),
                },
                format!("not valid JSON: {}", crate::domain::json::json_reason(&e)),
            )
        })?;
        let event = Event::from_json(value)
            .map_err(|e| fail(FixtureLocation::Line(line_number), e.to_string()))?;
        events.push(event);
    }
    Ok(Fixtures {
        events,
        parties: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
