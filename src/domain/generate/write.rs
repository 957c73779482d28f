//! Writing generated events as a fixture the server loads as is.

use std::io::{self, Write};

use super::Generator;
use crate::domain::event::render_app_parts;
use crate::domain::json::write_str;
use crate::domain::store::PartyIdentifier;

/// The layout of a generated fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum FixtureFormat {
    /// `{"events": [...], "parties": [...]}`, one event a line.
    #[default]
    Json,
    /// One event a line, nothing else (the server learns the parties from the events).
    Ndjson,
}

impl std::str::FromStr for FixtureFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<FixtureFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(FixtureFormat::Json),
            "ndjson" => Ok(FixtureFormat::Ndjson),
            other => Err(format!("unknown format {other:?}: expected json or ndjson")),
        }
    }
}

/// Writes the first `count` events of `generator` in `format`, streaming.
pub(crate) fn write_fixture(
    mut generator: Generator,
    count: usize,
    format: FixtureFormat,
    out: impl Write,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut line = Vec::with_capacity(1024);
    if format == FixtureFormat::Json {
        out.write_all(b"{\"events\": [\n")?;
    }
    for i in 0..count {
        line.clear();
        generator.with_next_iterated(|parts| render_app_parts(parts, &mut line));
        let separator: &[u8] = match (format, i + 1 == count) {
            (FixtureFormat::Json, false) => b",\n",
            _ => b"\n",
        };
        out.write_all(&line)?;
        out.write_all(separator)?;
    }
    if format == FixtureFormat::Json {
        out.write_all(b"],\n\"parties\": [\n")?;
        let parties = generator.party_register();
        for (i, party) in parties.iter().enumerate() {
            line.clear();
            let party_id = party.party_id();
            line.extend_from_slice(format!("{{\"partyId\":{party_id},").as_bytes());
            let (key, number) = match party.identifier() {
                PartyIdentifier::Person(number) => ("person", number),
                PartyIdentifier::Unit(number) => ("unit", number),
            };
            write_str(&mut line, key);
            line.push(b':');
            write_str(&mut line, number);
            line.push(b'}');
            line.extend_from_slice(if i + 1 == parties.len() {
                b"\n"
            } else {
                b",\n"
            });
            out.write_all(&line)?;
        }
        out.write_all(b"]}\n")?;
    }
    out.flush()
}
