//! A watch over each connection for the clients that hold one without using it: idle between
//! requests past the keep-alive timeout, a request head that takes longer than the header
//! timeout, a response the client stops taking. The stream reports its reads and writes,
//! the handler reports the requests in flight, and the connection's task ends the connection
//! when [`Activity::expired`] says so. At the connection cap, [`Activity::stall`] says
//! whether the connection waits on its own client, so that it may make room for a newcomer.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::limits::ConnectionLimits;

/// "Not now" in the time fields.
const NEVER: u64 = u64::MAX;

/// What one connection is doing, in milliseconds since it was accepted.
#[derive(Debug)]
pub(super) struct Activity {
    born: Instant,
    /// Requests handled or answering now (a response body still being sent counts).
    in_flight: AtomicUsize,
    /// Since when no request is in flight.
    idle_since: AtomicU64,
    /// Since when the head of the next request is arriving (its first byte), or `NEVER`.
    head_since: AtomicU64,
    /// Since when a write waits for the client to take bytes, or `NEVER`.
    write_blocked_since: AtomicU64,
    /// When the last byte arrived from the client.
    last_read: AtomicU64,
    /// Since when the handler waits for request body bytes, or `NEVER`.
    body_awaited_since: AtomicU64,
}

/// A connection waiting on its client, not on the server: what it waits for and how long
/// nothing has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stall {
    pub(super) awaiting: Awaiting,
    pub(super) lasted: Duration,
}

/// What a stalled connection still waits to receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Awaiting {
    /// The rest of a request's head.
    Head,
    /// More of a request body the handler is reading.
    Body,
}

/// Why a connection was ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expiry {
    /// No request within the keep-alive timeout.
    Idle,
    /// A request head that took longer than the header timeout.
    Head,
    /// A response the client took nothing of for the grace period.
    StalledWrite,
}

impl Activity {
    pub(super) fn new() -> Arc<Activity> {
        Arc::new(Activity {
            born: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            head_since: AtomicU64::new(NEVER),
            write_blocked_since: AtomicU64::new(NEVER),
            last_read: AtomicU64::new(0),
            body_awaited_since: AtomicU64::new(NEVER),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(NEVER - 1)
    }

    /// A request reached the handler; it is in flight until the guard drops (keep the guard
    /// with the response body, so a body being sent counts).
    pub(super) fn begin(self: &Arc<Activity>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(NEVER, Ordering::Release);
        InFlight(Arc::clone(self))
    }

    pub(super) fn read(&self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        let now = self.now();
        self.last_read.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0
            && self.head_since.load(Ordering::Acquire) == NEVER
        {
            self.head_since.store(now, Ordering::Release);
        }
    }

    /// The handler polled the request body and found nothing to take.
    pub(super) fn body_awaited(&self) {
        if self.body_awaited_since.load(Ordering::Relaxed) == NEVER {
            self.body_awaited_since.store(self.now(), Ordering::Relaxed);
        }
    }

    /// The handler got a piece of the body (or its end), or stopped reading it.
    pub(super) fn body_not_awaited(&self) {
        self.body_awaited_since.store(NEVER, Ordering::Relaxed);
    }

    /// Whether the connection waits on its client for a head or a body, and how long nothing
    /// has come. `None` while the server has the next move: a request being handled (however
    /// slowly, a `delay:` fault included) or answered, or an idle keep-alive connection.
    pub(super) fn stall(&self) -> Option<Stall> {
        if self.write_blocked_since.load(Ordering::Relaxed) != NEVER {
            return None;
        }
        let body = self.body_awaited_since.load(Ordering::Relaxed);
        let head = self.head_since.load(Ordering::Acquire);
        let (awaiting, since) = if body != NEVER {
            (Awaiting::Body, body)
        } else if head != NEVER && self.in_flight.load(Ordering::Acquire) == 0 {
            (Awaiting::Head, head)
        } else {
            return None;
        };
        // Bytes that did not yet make a frame (a chunk's size line) still show a live client.
        let since = since.max(self.last_read.load(Ordering::Relaxed));
        let lasted = Duration::from_millis(self.now().saturating_sub(since));
        Some(Stall { awaiting, lasted })
    }

    fn write_blocked(&self) {
        if self.write_blocked_since.load(Ordering::Relaxed) == NEVER {
            self.write_blocked_since
                .store(self.now(), Ordering::Relaxed);
        }
    }

    fn wrote(&self) {
        self.write_blocked_since.store(NEVER, Ordering::Relaxed);
    }

    /// Which limit the connection has passed, if any.
    pub(super) fn expired(&self, limits: &ConnectionLimits) -> Option<Expiry> {
        let now = self.now();
        let past = |since: u64, limit: Duration| {
            since != NEVER && u128::from(now.saturating_sub(since)) > limit.as_millis()
        };
        let grace = limits.min_data_rate.grace;
        if limits.min_data_rate.bytes_per_second > 0
            && past(self.write_blocked_since.load(Ordering::Relaxed), grace)
        {
            return Some(Expiry::StalledWrite);
        }
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let head_since = self.head_since.load(Ordering::Acquire);
        if head_since != NEVER {
            return past(head_since, limits.header_timeout).then_some(Expiry::Head);
        }
        let idle_since = self.idle_since.load(Ordering::Acquire);
        past(idle_since, limits.keep_alive_timeout).then_some(Expiry::Idle)
    }

    /// Completes when the connection passes one of `limits`.
    pub(super) async fn until_expired(&self, limits: ConnectionLimits) -> Expiry {
        let shortest = limits
            .keep_alive_timeout
            .min(limits.header_timeout)
            .min(limits.min_data_rate.grace);
        let tick = (shortest / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        loop {
            tokio::time::sleep(tick).await;
            if let Some(expiry) = self.expired(&limits) {
                return expiry;
            }
        }
    }
}

/// A request in flight; dropping it ends it.
#[derive(Debug)]
pub(super) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        if activity.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            activity.head_since.store(NEVER, Ordering::Release);
            activity.idle_since.store(activity.now(), Ordering::Release);
        }
    }
}

/// A response body that keeps its request in flight until it is sent (or dropped).
#[derive(Debug)]
pub(super) struct Tracked<B> {
    body: B,
    _in_flight: InFlight,
}

impl<B> Tracked<B> {
    pub(super) fn new(body: B, in_flight: InFlight) -> Tracked<B> {
        Tracked {
            body,
            _in_flight: in_flight,
        }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A stream that reports its reads and writes to an [`Activity`].
#[derive(Debug)]
pub(super) struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Watched<S> {
    pub(super) fn new(inner: S, activity: Arc<Activity>) -> Watched<S> {
        Watched { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            self.activity.read(buf.filled().len() - before);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> Watched<S> {
    fn note(&self, polled: &Poll<io::Result<usize>>) {
        match polled {
            Poll::Pending => self.activity.write_blocked(),
            Poll::Ready(_) => self.activity.wrote(),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.note(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.note(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::limits::MinDataRate;

    fn limits(millis: u64) -> ConnectionLimits {
        let limit = Duration::from_millis(millis);
        ConnectionLimits {
            max_connections: None,
            keep_alive_timeout: limit,
            header_timeout: limit,
            min_data_rate: MinDataRate {
                bytes_per_second: 240,
                grace: limit,
            },
        }
    }

    #[test]
    fn a_connection_with_a_request_in_flight_never_idles_out() {
        let activity = Activity::new();
        let guard = activity.begin();
        activity.idle_since.store(0, Ordering::Release);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(activity.expired(&limits(1)), None);
        drop(guard);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(activity.expired(&limits(1)), Some(Expiry::Idle));
        assert_eq!(activity.expired(&limits(60_000)), None);
    }

    #[test]
    fn the_first_byte_of_a_head_starts_the_header_timeout() {
        let activity = Activity::new();
        activity.read(10);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(activity.expired(&limits(1)), Some(Expiry::Head));
        let _guard = activity.begin();
        assert_eq!(activity.expired(&limits(1)), None);
    }

    #[test]
    fn a_head_or_an_awaited_body_is_a_stall_and_a_handled_request_is_not() {
        let activity = Activity::new();
        assert_eq!(activity.stall(), None, "idle keep-alive");
        activity.read(10);
        assert_eq!(activity.stall().map(|s| s.awaiting), Some(Awaiting::Head));
        let in_flight = activity.begin();
        assert_eq!(activity.stall(), None, "handled, a delay: fault included");
        activity.body_awaited();
        assert_eq!(activity.stall().map(|s| s.awaiting), Some(Awaiting::Body));
        activity.body_not_awaited();
        activity.write_blocked();
        assert_eq!(activity.stall(), None, "answering");
        drop(in_flight);
    }

    #[test]
    fn a_stall_lasts_from_the_last_byte_received() {
        let activity = Activity::new();
        activity.read(10);
        std::thread::sleep(Duration::from_millis(50));
        let before = activity.stall().unwrap().lasted;
        assert!(before >= Duration::from_millis(50));
        activity.read(1);
        assert!(activity.stall().unwrap().lasted < before);
    }

    #[test]
    fn a_write_the_client_does_not_take_expires_after_the_grace() {
        let activity = Activity::new();
        let _guard = activity.begin();
        activity.write_blocked();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(activity.expired(&limits(1)), Some(Expiry::StalledWrite));
        activity.wrote();
        assert_eq!(activity.expired(&limits(1)), None);
    }
}
