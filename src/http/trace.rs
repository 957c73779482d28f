//! The W3C trace id production puts in every problem body as `traceId`.
//!
//! ASP.NET Core continues the trace of a valid incoming `traceparent` (same trace id, a new
//! span id, the caller's flags) and starts a new trace otherwise.

use hyper::HeaderMap;
use hyper::header::HeaderName;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// A constant: naming a header by a string parses the name on every lookup.
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The trace a request belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TraceContext {
    /// 32 lower-case hex digits, kept inline: one is made for every request.
    trace_id: [u8; 32],
    /// The caller's trace flags, two hex digits.
    flags: [u8; 2],
}

impl TraceContext {
    /// Continues the request's valid `traceparent`, or starts a new trace.
    pub(super) fn from_headers(headers: &HeaderMap) -> TraceContext {
        headers
            .get(&TRACEPARENT)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_traceparent)
            .unwrap_or_else(|| TraceContext {
                trace_id: random_trace_id(),
                flags: *b"00",
            })
    }

    /// The trace id (32 lower-case hex digits).
    pub(super) fn trace_id(&self) -> &str {
        // Only hex digits are ever stored.
        std::str::from_utf8(&self.trace_id).unwrap_or_default()
    }

    /// `00-{trace id}-{new span id}-{flags}`, as .NET's `Activity.Id` for this request.
    pub(super) fn activity_id(&self) -> String {
        let flags = std::str::from_utf8(&self.flags).unwrap_or("00");
        format!("00-{}-{}-{flags}", self.trace_id(), random_hex(8))
    }
}

/// `00-<32 hex>-<16 hex>-<2 hex>`, lower case, ids not all zero (W3C Trace Context, version 00).
fn parse_traceparent(value: &str) -> Option<TraceContext> {
    let mut parts = value.trim().split('-');
    let (version, trace_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let is_hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let all_zero = |s: &str| s.bytes().all(|b| b == b'0');
    let valid = version == "00"
        && parts.next().is_none()
        && is_hex(trace_id, 32)
        && !all_zero(trace_id)
        && is_hex(parent_id, 16)
        && !all_zero(parent_id)
        && is_hex(flags, 2);
    let flags = <[u8; 2]>::try_from(flags.as_bytes()).ok()?;
    let trace_id = <[u8; 32]>::try_from(trace_id.as_bytes()).ok()?;
    valid.then_some(TraceContext { trace_id, flags })
}

/// A random trace id: 16 random bytes as hex.
fn random_trace_id() -> [u8; 32] {
    let mut id = [0; 32];
    write_random_hex(&mut id);
    id
}

/// `bytes` random bytes as hex (at most 16).
fn random_hex(bytes: usize) -> String {
    let mut hex = [0; 32];
    let hex = &mut hex[..(bytes * 2).min(32)];
    write_random_hex(hex);
    String::from_utf8_lossy(hex).into_owned()
}

thread_local! {
    /// Ids need to be unpredictable enough not to collide, not secret: a small generator per
    /// thread, seeded once from the thread's cryptographic one (which showed up in profiles
    /// when drawn for every request, as an OS draw had before it).
    static IDS: std::cell::RefCell<Xoshiro256PlusPlus> = std::cell::RefCell::new(
        Xoshiro256PlusPlus::seed_from_u64(rand::rng().random()),
    );
}

/// Fills `out` (at most 32 bytes) with random lower-case hex digits: a trace id is drawn for
/// every request.
fn write_random_hex(out: &mut [u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let random = IDS
        .with(|ids| ids.borrow_mut().random::<u128>())
        .to_le_bytes();
    for (pair, byte) in out.chunks_mut(2).zip(random) {
        pair[0] = HEX[usize::from(byte >> 4)];
        if let Some(low) = pair.get_mut(1) {
            *low = HEX[usize::from(byte & 0xF)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn with_traceparent(value: &str) -> TraceContext {
        let mut headers = HeaderMap::new();
        headers.insert("traceparent", HeaderValue::from_str(value).unwrap());
        TraceContext::from_headers(&headers)
    }

    #[test]
    fn continues_a_valid_traceparent() {
        let trace = with_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assert_eq!(trace.trace_id(), "0af7651916cd43dd8448eb211c80319c");
        let id = trace.activity_id();
        assert!(id.starts_with("00-0af7651916cd43dd8448eb211c80319c-"));
        assert!(id.ends_with("-01"));
        assert_ne!(&id[36..52], "b7ad6b7169203331");
    }

    #[test]
    fn starts_a_new_trace_for_an_invalid_traceparent() {
        for bad in [
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "garbage",
        ] {
            let trace = with_traceparent(bad);
            assert_ne!(
                trace.trace_id(),
                "0af7651916cd43dd8448eb211c80319c",
                "{bad}"
            );
            assert_eq!(trace.activity_id().len(), 55);
        }
    }
}
