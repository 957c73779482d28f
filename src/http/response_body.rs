//! The body every response carries: complete bytes, or — when a fault rule shapes the
//! answer — a script of pieces, pauses and a deliberate abort.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// A response body.
#[derive(Debug)]
pub(super) struct ResponseBody {
    state: State,
}

#[derive(Debug)]
enum State {
    /// All of it at once; `None` once sent (or when empty).
    Complete(Option<Bytes>),
    /// A fault's script.
    Scripted {
        steps: VecDeque<Step>,
        pause: Option<Pin<Box<Sleep>>>,
    },
}

/// One step of a scripted body.
#[derive(Debug)]
pub(super) enum Step {
    /// Send these bytes.
    Data(Bytes),
    /// Wait this long (the connection sends what it holds meanwhile).
    Pause(Duration),
    /// Give the connection one turn to send what it holds (the headers, say).
    Flush,
    /// Fail the body: the connection is closed without the rest.
    Abort,
}

/// A body cut short on purpose by a fault rule; hyper closes the connection when it sees it.
#[derive(Debug)]
pub(super) struct BodyAborted;

impl fmt::Display for BodyAborted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the response was cut short by a fault rule")
    }
}

impl std::error::Error for BodyAborted {}

impl ResponseBody {
    /// A body of these bytes.
    pub(super) fn complete(bytes: Bytes) -> ResponseBody {
        let bytes = (!bytes.is_empty()).then_some(bytes);
        ResponseBody {
            state: State::Complete(bytes),
        }
    }

    /// A body following `steps`.
    pub(super) fn scripted(steps: impl IntoIterator<Item = Step>) -> ResponseBody {
        ResponseBody {
            state: State::Scripted {
                steps: steps.into_iter().collect(),
                pause: None,
            },
        }
    }

    /// The bytes of a complete body not yet sent; `None` for a scripted one.
    pub(super) fn into_bytes(self) -> Option<Bytes> {
        match self.state {
            State::Complete(bytes) => Some(bytes.unwrap_or_default()),
            State::Scripted { .. } => None,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = BodyAborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyAborted>>> {
        let (steps, pause) = match &mut self.get_mut().state {
            State::Complete(bytes) => return Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            State::Scripted { steps, pause } => (steps, pause),
        };
        loop {
            if let Some(sleep) = pause {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *pause = None;
            }
            match steps.pop_front() {
                None => return Poll::Ready(None),
                Some(Step::Data(bytes)) => return Poll::Ready(Some(Ok(Frame::data(bytes)))),
                Some(Step::Pause(duration)) => {
                    *pause = Some(Box::pin(tokio::time::sleep(duration)))
                }
                Some(Step::Flush) => {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Some(Step::Abort) => return Poll::Ready(Some(Err(BodyAborted))),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.state {
            State::Complete(bytes) => bytes.is_none(),
            State::Scripted { steps, pause } => steps.is_empty() && pause.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.state {
            State::Complete(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            // The response carries its Content-Length header; the script sends less or later.
            State::Scripted { .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn a_script_sends_its_pieces_then_fails() {
        let mut body = ResponseBody::scripted([
            Step::Data(Bytes::from_static(b"ab")),
            Step::Flush,
            Step::Pause(Duration::from_millis(1)),
            Step::Data(Bytes::from_static(b"c")),
            Step::Abort,
        ]);
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!((&first[..], &second[..]), (&b"ab"[..], &b"c"[..]));
        assert!(body.frame().await.unwrap().is_err());
    }

    #[tokio::test]
    async fn a_complete_body_is_one_frame() {
        let body = ResponseBody::complete(Bytes::from_static(b"[]"));
        assert_eq!(body.size_hint().exact(), Some(2));
        assert_eq!(&body.collect().await.unwrap().to_bytes()[..], b"[]");
        assert!(ResponseBody::complete(Bytes::new()).is_end_stream());
    }
}
