//! A journaled request as the journal keeps it: every piece of text in one allocation.
//!
//! The journal records nearly every request and reads entries back only when someone asks, so
//! recording must be cheap. A `HeaderMap` of copied values took about ten allocations per
//! request (and as many frees when the entry left the journal); this keeps the URI, the
//! `next` header and every header name and value in one buffer, split again on reading.

use chrono::{DateTime, Utc};
use hyper::Method;

use crate::domain::faults::FaultRecord;
use crate::domain::route::Route;

use super::{JournalEntry, MAX_JOURNALED_VALUE, RecordedRequest};

/// What an entry takes beyond the bytes of its text (the structures holding it).
const ENTRY_OVERHEAD: usize = 160;

/// Each header's two lengths, written before its name and value.
const LENGTHS: usize = 8;

/// One journaled request.
#[derive(Debug)]
pub(super) struct Kept {
    received_at: DateTime<Utc>,
    method: Method,
    route: Route,
    status: u16,
    events: Option<usize>,
    fault: Option<FaultRecord>,
    /// The URI as sent, then the `next` header, then per header: the lengths of its name and
    /// value (little-endian `u32` each), its name and its value.
    text: Box<[u8]>,
    uri_len: usize,
    /// The length of the `next` header, when one was answered.
    next_len: Option<usize>,
}

impl Kept {
    /// The request as the journal keeps it (long header values cut to
    /// [`MAX_JOURNALED_VALUE`] bytes and marked), and the bytes it takes.
    pub(super) fn new(request: RecordedRequest) -> (Kept, usize) {
        let path = request.uri.path();
        let query = request.uri.query();
        let uri_len = path.len() + query.map_or(0, |query| query.len() + 1);
        let next = request.next.as_ref().map(|value| value.as_bytes());
        let headers_len: usize = request
            .headers
            .iter()
            .map(|(name, value)| {
                let kept = value.len().min(MAX_JOURNALED_VALUE);
                LENGTHS + name.as_str().len() + kept + truncation_mark(value.len()).len()
            })
            .sum();
        let mut text = Vec::with_capacity(uri_len + next.map_or(0, <[u8]>::len) + headers_len);
        text.extend_from_slice(path.as_bytes());
        if let Some(query) = query {
            text.push(b'?');
            text.extend_from_slice(query.as_bytes());
        }
        text.extend_from_slice(next.unwrap_or_default());
        for (name, value) in &request.headers {
            let kept = &value.as_bytes()[..value.len().min(MAX_JOURNALED_VALUE)];
            let mark = truncation_mark(value.len());
            text.extend_from_slice(&length(name.as_str().len()));
            text.extend_from_slice(&length(kept.len() + mark.len()));
            text.extend_from_slice(name.as_str().as_bytes());
            text.extend_from_slice(kept);
            text.extend_from_slice(mark.as_bytes());
        }
        // The method too: hyper takes method names of any length, each in its own allocation.
        let bytes = ENTRY_OVERHEAD + request.method.as_str().len() + text.len();
        let kept = Kept {
            received_at: request.received_at,
            method: request.method,
            route: request.route,
            status: request.status,
            events: request.events,
            fault: request.fault,
            text: text.into_boxed_slice(),
            uri_len,
            next_len: next.map(<[u8]>::len),
        };
        (kept, bytes)
    }

    /// The entry numbered `id`, as text.
    pub(super) fn to_entry(&self, id: u64) -> JournalEntry {
        // The URI is the path and the query as sent: a path never holds a `?`.
        let (uri, rest) = self.text.split_at(self.uri_len.min(self.text.len()));
        let (next, mut rest) = rest.split_at(self.next_len.unwrap_or(0).min(rest.len()));
        // The URI as sent is text (hyper takes UTF-8 in a request target); header values are
        // bytes shown as Latin-1.
        let uri = String::from_utf8(uri.to_vec()).unwrap_or_else(|_| latin1(uri));
        let (path, query) = match uri.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (uri, None),
        };
        let mut headers = Vec::new();
        while let Some((name, value, after)) = header_at(rest) {
            headers.push((latin1(name), latin1(value)));
            rest = after;
        }
        JournalEntry {
            id,
            received_at: self.received_at,
            method: self.method.to_string(),
            path,
            query,
            headers,
            route: self.route,
            status: self.status,
            events: self.events,
            next: self.next_len.map(|_| latin1(next)),
            fault: self.fault.clone(),
        }
    }
}

/// What follows a value cut to [`MAX_JOURNALED_VALUE`] bytes: how long it was. Empty for a
/// value kept whole (no allocation: nearly every value is).
fn truncation_mark(len: usize) -> std::borrow::Cow<'static, str> {
    if len <= MAX_JOURNALED_VALUE {
        return std::borrow::Cow::Borrowed("");
    }
    std::borrow::Cow::Owned(format!("...[truncated: {len} bytes in all]"))
}

fn length(len: usize) -> [u8; 4] {
    // Header names and values are far below 4 GiB: hyper refuses heads past 400 KiB.
    u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes()
}

/// The header written at the start of `text`: its name, its value and what follows it.
fn header_at(text: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let (lengths, rest) = text.split_at_checked(LENGTHS)?;
    let name_len = u32::from_le_bytes(lengths[..4].try_into().ok()?) as usize;
    let value_len = u32::from_le_bytes(lengths[4..].try_into().ok()?) as usize;
    let (name, rest) = rest.split_at_checked(name_len)?;
    let (value, rest) = rest.split_at_checked(value_len)?;
    Some((name, value, rest))
}

/// Header bytes as text, each byte a Latin-1 character (as the journal has always shown them).
fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => text.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}
