//! The log subscriber: each event becomes one line of text or JSON, written into the
//! [`LogPipe`](super::log::LogPipe) (or straight to stderr).
//!
//! Why not `tracing-subscriber`'s `fmt`: the server writes a line for every request, and its
//! general machinery (a span registry looked up per event, a formatter per field, the time
//! formatted from scratch, ANSI styles applied even with colours off) was about a tenth of the
//! server's own time per request. The server opens no spans, so a subscriber that only formats
//! events needs little: the lines keep `fmt`'s shapes —
//! `2026-11-30T23:44:51.378968Z  INFO request method=GET … trace_id="…"` and
//! `{"timestamp":"…","level":"INFO","fields":{"message":"request",…}}`.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Write as _;

use chrono::{DateTime, Timelike, Utc};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use super::log::LogPipe;

/// Where lines go.
#[derive(Debug)]
pub(super) enum Sink {
    /// Through the buffer that never makes a request wait.
    Pipe(LogPipe),
    /// Straight to stderr (when the pipe's thread could not start).
    Stderr,
    /// Into memory, for tests.
    #[cfg(test)]
    Memory(std::sync::Arc<std::sync::Mutex<Vec<u8>>>),
}

/// A line's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `fmt`'s full text format, coloured when `ansi`.
    Text { ansi: bool },
    /// `fmt`'s JSON format.
    Json,
}

/// Writes each event at or above `level` as one line.
#[derive(Debug)]
pub(super) struct LineSubscriber {
    sink: Sink,
    shape: Shape,
    level: LevelFilter,
}

impl LineSubscriber {
    pub(super) fn new(sink: Sink, shape: Shape, level: LevelFilter) -> LineSubscriber {
        LineSubscriber { sink, shape, level }
    }

    fn write(&self, line: &[u8]) {
        match &self.sink {
            Sink::Pipe(pipe) => pipe.push(line),
            Sink::Stderr => {
                let _ = std::io::stderr().write_all(line);
            }
            #[cfg(test)]
            Sink::Memory(memory) => memory.lock().unwrap().extend_from_slice(line),
        }
    }
}

thread_local! {
    /// The line being written, and the timestamp's text up to the second with the second it
    /// stands for: both reused from one line to the next.
    static SCRATCH: RefCell<(String, Option<(i64, String)>)> = const { RefCell::new((String::new(), None)) };
}

impl Subscriber for LineSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.level
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.level)
    }

    fn event(&self, event: &Event<'_>) {
        SCRATCH.with(|scratch| {
            let Ok(mut scratch) = scratch.try_borrow_mut() else {
                return;
            };
            let (line, second) = &mut *scratch;
            line.clear();
            format_line(line, second, Utc::now(), self.shape, event);
            self.write(line.as_bytes());
            // A line far larger than usual does not stay allocated on this thread.
            line.shrink_to(4096);
        });
    }

    // No spans are ever opened: they are accepted and ignored.
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Writes `event` as one line (ending in `\n`) at time `now` into `line`; `second` caches the
/// timestamp's text up to the second.
fn format_line(
    line: &mut String,
    second: &mut Option<(i64, String)>,
    now: DateTime<Utc>,
    shape: Shape,
    event: &Event<'_>,
) {
    let seconds = now.timestamp();
    if second.as_ref().is_none_or(|(cached, _)| *cached != seconds) {
        *second = Some((seconds, now.format("%Y-%m-%dT%H:%M:%S").to_string()));
    }
    let prefix = second.as_ref().map_or("", |(_, text)| text.as_str());
    let micros = now.nanosecond() % 1_000_000_000 / 1000;
    let level = *event.metadata().level();
    // Written piece by piece rather than through `write!`: this runs for every request.
    let timestamp = |line: &mut String| {
        line.push_str(prefix);
        line.push('.');
        push_padded(line, micros, 6);
        line.push('Z');
    };
    match shape {
        Shape::Text { ansi } => {
            let (dim, colour, reset) = match ansi {
                true => ("\x1b[2m", level_colour(level), "\x1b[0m"),
                false => ("", "", ""),
            };
            line.push_str(dim);
            timestamp(line);
            line.push_str(reset);
            line.push(' ');
            line.push_str(colour);
            line.push_str(padded_level(level));
            line.push_str(reset);
            line.push(' ');
            event.record(&mut Fields {
                line,
                shape,
                first: true,
            });
        }
        Shape::Json => {
            line.push_str("{\"timestamp\":\"");
            timestamp(line);
            line.push_str("\",\"level\":\"");
            line.push_str(level.as_str());
            line.push_str("\",\"fields\":{");
            event.record(&mut Fields {
                line,
                shape,
                first: true,
            });
            line.push_str("}}");
        }
    }
    line.push('\n');
}

/// `value` in decimal, as `Display` writes it.
fn push_decimal(line: &mut String, value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    line.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// `value` in decimal, zero-padded to `width` digits.
fn push_padded(line: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width.saturating_sub(1));
    while divisor > 0 {
        line.push(char::from(b'0' + (value / divisor % 10) as u8));
        divisor /= 10;
    }
}

/// The level right-aligned in five columns, as `fmt` writes it.
fn padded_level(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => " WARN",
        Level::INFO => " INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

fn level_colour(level: Level) -> &'static str {
    match level {
        Level::ERROR => "\x1b[31m",
        Level::WARN => "\x1b[33m",
        Level::INFO => "\x1b[32m",
        Level::DEBUG => "\x1b[34m",
        Level::TRACE => "\x1b[35m",
    }
}

/// A field's name as written: a raw identifier without its `r#`.
fn name(field: &Field) -> &str {
    let name = field.name();
    name.strip_prefix("r#").unwrap_or(name)
}

/// An event's fields as `fmt` writes them. Text: the message as it is, then `name=value` for
/// each other field, text values quoted and escaped as Rust's `Debug` writes them. JSON:
/// `"name":value`, numbers and booleans as they are, everything else as a string.
struct Fields<'a> {
    line: &'a mut String,
    shape: Shape,
    first: bool,
}

impl Fields<'_> {
    fn key(&mut self, field: &Field) {
        let first = std::mem::take(&mut self.first);
        match self.shape {
            Shape::Text { ansi } => {
                if !first {
                    self.line.push(' ');
                }
                // The message is written without its name.
                if field.name() != "message" {
                    if ansi {
                        let _ = write!(self.line, "\x1b[3m{}\x1b[0m\x1b[2m=\x1b[0m", name(field));
                    } else {
                        self.line.push_str(name(field));
                        self.line.push('=');
                    }
                }
            }
            Shape::Json => {
                if !first {
                    self.line.push(',');
                }
                json_string(self.line, name(field));
                self.line.push(':');
            }
        }
    }

    /// A number or a boolean: written as it is in both shapes.
    fn plain(&mut self, field: &Field, value: impl fmt::Display) {
        self.key(field);
        let _ = write!(self.line, "{value}");
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        match self.shape {
            Shape::Json => json_string(self.line, value),
            Shape::Text { .. } if field.name() == "message" => self.line.push_str(value),
            Shape::Text { .. }
                if value
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') =>
            {
                // What `Debug` would write, without its escaping machinery (a trace id, say).
                self.line.push('"');
                self.line.push_str(value);
                self.line.push('"');
            }
            Shape::Text { .. } => {
                let _ = write!(self.line, "{value:?}");
            }
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        // Every request line has two (status, micros): digits without `write!`.
        self.key(field);
        push_decimal(self.line, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.plain(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.plain(field, value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // A number in JSON when it is one (not NaN or infinite), as `fmt` writes it.
        match self.shape {
            Shape::Json if !value.is_finite() => self.record_debug(field, &value),
            _ => self.plain(field, value),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field);
        match self.shape {
            Shape::Text { .. } => {
                let _ = write!(self.line, "{value:?}");
            }
            Shape::Json => {
                self.line.push('"');
                let _ = write!(JsonEscaped(self.line), "{value:?}");
                self.line.push('"');
            }
        }
    }
}

/// `text` as a JSON string.
fn json_string(line: &mut String, text: &str) {
    line.push('"');
    let _ = JsonEscaped(line).write_str(text);
    line.push('"');
}

/// Writes text into a line escaped for the inside of a JSON string, as it is formatted: no
/// copy of the value is made first.
struct JsonEscaped<'a>(&'a mut String);

impl fmt::Write for JsonEscaped<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let line = &mut *self.0;
        for c in text.chars() {
            match c {
                '"' => line.push_str("\\\""),
                '\\' => line.push_str("\\\\"),
                '\n' => line.push_str("\\n"),
                '\r' => line.push_str("\\r"),
                '\t' => line.push_str("\\t"),
                '\u{8}' => line.push_str("\\b"),
                '\u{c}' => line.push_str("\\f"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(line, "\\u{:04x}", u32::from(c));
                }
                c => line.push(c),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
