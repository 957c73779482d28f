//! Reading request bodies without trusting their size.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::HeaderMap;
use hyper::body::Incoming;
use hyper::header::CONTENT_LENGTH;

use super::problem::Problem;

/// Reads the whole body, refusing it with 413 when it is larger than `max` bytes: at once
/// from `Content-Length`, or as soon as the streamed bytes pass the limit.
pub(super) async fn read_limited(
    body: Incoming,
    headers: &HeaderMap,
    max: usize,
) -> Result<Bytes, Problem> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return Err(Problem::PayloadTooLarge { max });
    }
    match Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            Err(Problem::PayloadTooLarge { max })
        }
        Err(error) => Err(Problem::MockBadRequest(format!(
            "the request body could not be read: {error}"
        ))),
    }
}
