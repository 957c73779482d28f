//! The request body as the watchdog sees it: whether the handler is waiting for bytes the
//! client has not sent. A read pending on the socket says nothing of the kind (hyper reads
//! ahead even while a request without a body is being handled), so the body itself reports
//! when it is polled in vain.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::watchdog::Activity;

/// The body handed to every request handler.
pub(super) type RequestBody = WatchedBody<Incoming>;

/// A request body that tells its connection's [`Activity`] while it waits for the client.
#[derive(Debug)]
pub(super) struct WatchedBody<B> {
    body: B,
    activity: Arc<Activity>,
}

impl<B> WatchedBody<B> {
    pub(super) fn new(body: B, activity: Arc<Activity>) -> WatchedBody<B> {
        WatchedBody { body, activity }
    }
}

impl<B: Body + Unpin> Body for WatchedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match polled {
            Poll::Pending => self.activity.body_awaited(),
            Poll::Ready(_) => self.activity.body_not_awaited(),
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl<B> Drop for WatchedBody<B> {
    /// A handler that gives up on a body (a 408, a 413) waits for it no more.
    fn drop(&mut self) {
        self.activity.body_not_awaited();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::convert::Infallible;

    /// A body with nothing to give until `ready`, then one frame.
    struct Gate {
        ready: bool,
    }

    impl Body for Gate {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            match self.ready {
                true => Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"x"))))),
                false => Poll::Pending,
            }
        }
    }

    fn poll(body: &mut WatchedBody<Gate>) -> bool {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        Pin::new(body).poll_frame(&mut cx).is_ready()
    }

    #[test]
    fn a_body_polled_in_vain_is_awaited_until_a_frame_comes() {
        let activity = Activity::new();
        let _in_flight = activity.begin();
        let mut body = WatchedBody::new(Gate { ready: false }, Arc::clone(&activity));
        assert!(
            activity.stall().is_none(),
            "not polled: the handler has the move"
        );
        assert!(!poll(&mut body));
        assert!(activity.stall().is_some());
        body.body.ready = true;
        assert!(poll(&mut body));
        assert!(activity.stall().is_none());
    }

    #[test]
    fn a_body_given_up_on_is_awaited_no_more() {
        let activity = Activity::new();
        let _in_flight = activity.begin();
        let mut body = WatchedBody::new(Gate { ready: false }, Arc::clone(&activity));
        assert!(!poll(&mut body));
        drop(body);
        assert!(activity.stall().is_none());
    }
}
