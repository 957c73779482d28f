//! The HTTP side of fault injection: reading the `x-mock-fault` header, asking the core which
//! rule fires, and shaping the bytes of an answer as the fired rule says. The rules and the
//! decision are the domain's (`domain::faults`).

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::StatusCode;
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::http::request::Parts;

use super::response_body::{ResponseBody, Step};
use super::router::Endpoint;
use super::{App, HttpResponse, Problem};
use crate::domain::faults::{FaultRule, Fired, Shaping};

/// The header that faults the request carrying it.
const FAULT_HEADER: HeaderName = HeaderName::from_static("x-mock-fault");

/// Where a request carrying [`FAULT_HEADER`] shows the `--admin-token` secret (its
/// `Authorization` header belongs to the endpoint).
const ADMIN_TOKEN_HEADER: &str = "x-mock-admin-token";

/// How finely `slow_body` cuts its time: at most one piece per this long.
const SLOW_BODY_TICK: Duration = Duration::from_millis(50);

/// And into at most this many pieces, however long it takes.
const MAX_PIECES: usize = 10_000;

/// The fault for this request: its `x-mock-fault` header first, then the standing rules.
/// Nothing under `/_mock/faults` is ever faulted, so a rule can always be removed; the header
/// is honoured only while the admin API is on (`--no-admin` means "behave like production"),
/// and with `--admin-token` only from a request that shows the secret: a client on a shared
/// server must not be able to fault other clients' requests.
pub(super) fn decide(
    app: &App,
    endpoint: &Endpoint,
    parts: &Parts,
    now: DateTime<Utc>,
) -> Result<Option<Fired>, Problem> {
    if endpoint.is_fault_admin() {
        return Ok(None);
    }
    let route = endpoint.route();
    let header = match parts.headers.get(&FAULT_HEADER) {
        Some(value) if app.settings.admin => {
            admit_fault_header(app, parts)?;
            let text = value
                .to_str()
                .map_err(|_| Problem::BadFaultHeader("the value is not ASCII".into()))?;
            let rule = FaultRule::for_one_request(text)
                .map_err(|error| Problem::BadFaultHeader(error.to_string()))?;
            app.service
                .check_fault(&rule)
                .map_err(|error| Problem::BadFaultHeader(error.to_string()))?;
            if rule.what().is_page_action() && !route.serves_pages() {
                return Err(Problem::BadFaultHeader(format!(
                    "what={} changes a page of events: send it with a query",
                    rule.what()
                )));
            }
            Some(rule)
        }
        _ => None,
    };
    let path_values = match endpoint {
        Endpoint::AppEvents { org, app } => (Some(org.as_str()), Some(app.as_str())),
        _ => (None, None),
    };
    Ok(app
        .service
        .decide_fault(route, path_values, now, header.as_ref()))
}

/// With `--admin-token`, the secret must come with the fault header.
fn admit_fault_header(app: &App, parts: &Parts) -> Result<(), Problem> {
    let Some(secret) = &app.settings.admin_token else {
        return Ok(());
    };
    let shown = parts
        .headers
        .get(ADMIN_TOKEN_HEADER)
        .is_some_and(|value| value.as_bytes() == secret.as_bytes());
    if shown {
        Ok(())
    } else {
        Err(Problem::FaultHeaderUnauthorized)
    }
}

/// Shapes the endpoint's `response` as a fired rule says.
pub(super) fn shape(response: HttpResponse, shaping: Shaping) -> HttpResponse {
    let (mut parts, body) = response.into_parts();
    let Some(bytes) = body.into_bytes() else {
        return HttpResponse::from_parts(parts, ResponseBody::complete(Bytes::new()));
    };
    let full_length = HeaderValue::from(bytes.len());
    let body = match shaping {
        Shaping::CloseAfterHeaders | Shaping::Truncate(_) => {
            let keep = match shaping {
                Shaping::Truncate(keep) => keep.min(bytes.len()),
                _ => 0,
            };
            // The connection closes even when the cut is past the end and the body is whole.
            parts
                .headers
                .insert(CONNECTION, HeaderValue::from_static("close"));
            let kept = bytes.slice(..keep);
            ResponseBody::scripted([Step::Data(kept), Step::Flush, Step::Abort])
        }
        Shaping::SlowBody(duration) => ResponseBody::scripted(dribble(bytes, duration)),
        Shaping::Malformed => {
            if parts.status != StatusCode::OK {
                parts.status = StatusCode::OK;
                parts
                    .headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static(super::problem::JSON));
            }
            return HttpResponse::from_parts(parts, ResponseBody::complete(malformed(&bytes)));
        }
    };
    // The header promises the whole body, so a client notices what is missing.
    parts.headers.insert(CONTENT_LENGTH, full_length);
    HttpResponse::from_parts(parts, body)
}

/// Pieces of `bytes`, each after a pause, the pauses adding up to `duration`.
fn dribble(bytes: Bytes, duration: Duration) -> Vec<Step> {
    let ticks = (duration.as_millis() / SLOW_BODY_TICK.as_millis()).max(1);
    let pieces = usize::try_from(ticks)
        .unwrap_or(MAX_PIECES)
        .min(MAX_PIECES)
        .min(bytes.len())
        .max(1);
    let pause = duration / u32::try_from(pieces).unwrap_or(u32::MAX);
    let piece_length = bytes.len().div_ceil(pieces).max(1);
    let mut steps = Vec::with_capacity(pieces * 2);
    let mut start = 0;
    for _ in 0..pieces {
        steps.push(Step::Pause(pause));
        let end = (start + piece_length).min(bytes.len());
        if end > start {
            steps.push(Step::Data(bytes.slice(start..end)));
        }
        start = end;
    }
    steps
}

/// A body that is not JSON: the first half of the real one (a prefix of a JSON document is
/// never a whole one), or `[{` when there is too little of it to cut.
fn malformed(bytes: &Bytes) -> Bytes {
    if bytes.len() < 4 {
        return Bytes::from_static(b"[{");
    }
    bytes.slice(..bytes.len() / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dribbling_sends_every_byte_over_the_whole_duration() {
        let bytes = Bytes::from(vec![b'x'; 1000]);
        let steps = dribble(bytes, Duration::from_secs(1));
        let (mut sent, mut waited) = (0, Duration::ZERO);
        for step in &steps {
            match step {
                Step::Data(piece) => sent += piece.len(),
                Step::Pause(pause) => waited += *pause,
                _ => panic!("{step:?}"),
            }
        }
        assert_eq!(sent, 1000);
        assert_eq!(waited, Duration::from_secs(1));
        assert_eq!(steps.len(), 40);
        // Fewer bytes than ticks: one byte a piece.
        assert_eq!(
            dribble(Bytes::from_static(b"ab"), Duration::from_secs(1)).len(),
            4
        );
        // Nothing to send: one pause.
        assert_eq!(dribble(Bytes::new(), Duration::from_secs(1)).len(), 1);
    }

    #[test]
    fn malformed_bodies_do_not_parse() {
        for body in [
            &b"[]"[..],
            b"{\"status\":\"ok\",\"events\":445}",
            b"\"abc\"",
            b"",
        ] {
            let mangled = malformed(&Bytes::copy_from_slice(body));
            assert!(serde_json::from_slice::<serde_json::Value>(&mangled).is_err());
        }
    }
}
