//! Where an event keeps its text: one allocation holding the rendered JSON and, behind it, the
//! rare attribute value that had to be escaped in the JSON. The attributes the store and the
//! queries read (`id`, `source`, `type`, `subject`, `alternativesubject`, `resource`) are
//! spans of it: 8 bytes each instead of a `String`'s 24 and its allocation, which with a
//! million events in a store is most of the memory and the time to load them. The text is a
//! `str`, checked as UTF-8 once when the event is made, so reading a span checks nothing.

use std::num::NonZeroU32;

use crate::domain::json;

/// A range of an event's text. `end` is never 0 (the JSON opens with `{`), so an
/// `Option<Span>` is as small as a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    start: u32,
    end: NonZeroU32,
}

impl Span {
    /// An empty span, for text past 4 GiB (no request or fixture carries an event that large).
    const EMPTY: Span = Span {
        start: 1,
        end: NonZeroU32::MIN,
    };

    fn new(start: usize, end: usize) -> Span {
        match (
            u32::try_from(start),
            u32::try_from(end).ok().and_then(NonZeroU32::new),
        ) {
            (Ok(start), Some(end)) => Span { start, end },
            _ => Span::EMPTY,
        }
    }

    /// The span's text in `text`.
    pub(super) fn get(self, text: &str) -> &str {
        text.get(self.start as usize..self.end.get() as usize)
            .unwrap_or_default()
    }
}

/// Where rendering left a kept value: in the JSON as it is, or escaped there, so that the
/// value itself goes behind the JSON.
#[derive(Debug, Clone, Copy)]
pub(super) enum Placed<'a> {
    InJson { start: usize, end: usize },
    Escaped(&'a str),
}

/// Writes `value` as a JSON string into `out` and says where to find it again.
pub(super) fn write_text<'a>(out: &mut Vec<u8>, value: &'a str) -> Placed<'a> {
    let start = out.len() + 1;
    if json::write_str(out, value) {
        Placed::InJson {
            start,
            end: out.len() - 1,
        }
    } else {
        Placed::Escaped(value)
    }
}

/// The kept values as rendering placed them.
#[derive(Debug, Default)]
pub(super) struct Texts<'a> {
    pub(super) id: Option<Placed<'a>>,
    pub(super) source: Option<Placed<'a>>,
    pub(super) event_type: Option<Placed<'a>>,
    pub(super) subject: Option<Placed<'a>>,
    pub(super) alternative_subject: Option<Placed<'a>>,
    pub(super) resource: Option<Placed<'a>>,
}

impl<'a> Texts<'a> {
    /// The slot of `attribute`, if it is one of the kept ones.
    pub(super) fn slot(&mut self, attribute: &str) -> Option<&mut Option<Placed<'a>>> {
        Some(match attribute {
            "id" => &mut self.id,
            "source" => &mut self.source,
            "type" => &mut self.event_type,
            "subject" => &mut self.subject,
            "alternativesubject" => &mut self.alternative_subject,
            "resource" => &mut self.resource,
            _ => return None,
        })
    }
}

/// The kept values' spans.
#[derive(Debug, Clone, Copy)]
pub(super) struct Spans {
    pub(super) id: Span,
    pub(super) source: Span,
    pub(super) event_type: Span,
    pub(super) subject: Option<Span>,
    pub(super) alternative_subject: Option<Span>,
    pub(super) resource: Option<Span>,
}

/// An event's text and where its parts are.
#[derive(Debug)]
pub(super) struct Settled {
    pub(super) text: Box<str>,
    pub(super) json_len: usize,
    pub(super) spans: Spans,
}

/// Settles rendered JSON `out` and its kept values `texts` into one text. A required value
/// rendering did not see (never: it is validated first) is `required`'s.
pub(super) fn settle(mut out: Vec<u8>, texts: Texts<'_>, required: [&str; 3]) -> Settled {
    let json_len = out.len();
    let mut span = |placed: Placed<'_>| match placed {
        Placed::InJson { start, end } => Span::new(start, end),
        Placed::Escaped(value) => {
            let start = out.len();
            out.extend_from_slice(value.as_bytes());
            Span::new(start, out.len())
        }
    };
    let [id, source, event_type] = required;
    let spans = Spans {
        id: span(texts.id.unwrap_or(Placed::Escaped(id))),
        source: span(texts.source.unwrap_or(Placed::Escaped(source))),
        event_type: span(texts.event_type.unwrap_or(Placed::Escaped(event_type))),
        subject: texts.subject.map(&mut span),
        alternative_subject: texts.alternative_subject.map(&mut span),
        resource: texts.resource.map(&mut span),
    };
    // Rendering writes ASCII (see `json::write_str`) and the values behind it are `str`s:
    // never lossy. `into_boxed_str` drops the spare capacity, which would otherwise stay
    // unused for as long as the event is stored.
    let text = match String::from_utf8(out) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    };
    Settled {
        text: text.into_boxed_str(),
        json_len,
        spans,
    }
}
