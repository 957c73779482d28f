//! A TCP stream a request handler can reset, for the `reset` fault.
//!
//! The handler cannot reach the socket (hyper owns it), so it raises a flag on the
//! connection's [`ResetSwitch`]; the next write sees it, sets `SO_LINGER` to zero and fails,
//! and hyper drops the connection — which the kernel then ends with a RST, not a FIN.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Asks for a connection's reset.
#[derive(Debug, Default)]
pub(super) struct ResetSwitch {
    requested: AtomicBool,
}

impl ResetSwitch {
    /// Resets the connection instead of sending anything more on it.
    pub(super) fn reset(&self) {
        self.requested.store(true, Ordering::Release);
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }
}

/// A TCP stream that resets itself when its switch is flipped.
#[derive(Debug)]
pub(super) struct ResettableStream {
    inner: TcpStream,
    switch: Arc<ResetSwitch>,
}

impl ResettableStream {
    /// Wraps `inner`; the returned switch resets it.
    pub(super) fn new(inner: TcpStream) -> (ResettableStream, Arc<ResetSwitch>) {
        let switch = Arc::new(ResetSwitch::default());
        let stream = ResettableStream {
            inner,
            switch: Arc::clone(&switch),
        };
        (stream, switch)
    }

    /// `Err` once a reset is asked for: the socket lingers no more, so dropping it sends RST.
    fn check(&self) -> io::Result<()> {
        if !self.switch.requested() {
            return Ok(());
        }
        self.inner.set_zero_linger()?;
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "reset by a fault rule",
        ))
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
