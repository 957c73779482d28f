//! Reading request bodies without trusting their size or their pace.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Limited};
use hyper::HeaderMap;
use hyper::header::CONTENT_LENGTH;

use super::HttpSettings;
use super::problem::Problem;
use super::request_body::RequestBody;

/// Reads the whole body, refusing it with 413 when it is larger than `--max-body`: at once
/// from `Content-Length`, or as soon as the streamed bytes pass the limit. A body that
/// arrives slower than the minimum data rate (after its grace period) gets Kestrel's 408.
pub(super) async fn read_limited(
    body: RequestBody,
    headers: &HeaderMap,
    settings: &HttpSettings,
) -> Result<Bytes, Problem> {
    let max = settings.max_body;
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return Err(Problem::PayloadTooLarge { max });
    }
    let rate = settings.limits.min_data_rate;
    let started = Instant::now();
    let mut body = Limited::new(body, max);
    let mut received = BytesMut::new();
    loop {
        let next = body.frame();
        let frame = match rate.deadline(started, received.len() as u64) {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), next)
                .await
                .map_err(|_| Problem::RequestBodyTimeout)?,
            None => next.await,
        };
        match frame {
            None => return Ok(received.freeze()),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    received.extend_from_slice(&data);
                }
            }
            Some(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
                return Err(Problem::PayloadTooLarge { max });
            }
            Some(Err(error)) => {
                return Err(Problem::MockBadRequest(format!(
                    "the request body could not be read: {error}"
                )));
            }
        }
    }
}
