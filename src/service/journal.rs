//! The request journal: what clients asked, newest kept, so tests can check their client's
//! traffic (`GET /_mock/requests`, `MockServer::received_requests`), and a count of queries
//! that waiters (`wait_for_requests`) block on.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hyper::header::HeaderValue;
use hyper::{HeaderMap, Method, Uri};
use serde::Serialize;

use crate::domain::faults::FaultRecord;
use crate::domain::route::Route;

use super::MockService;
use kept::Kept;

mod kept;

/// One request as the server saw and answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position in arrival order, from 1 (kept across the cap; restarts after a reset or
    /// after the journal is emptied).
    pub id: u64,
    /// When it arrived, on the server clock.
    pub received_at: DateTime<Utc>,
    /// The HTTP method.
    pub method: String,
    /// The path as sent.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Request headers in order, values as Latin-1 text.
    pub headers: Vec<(String, String)>,
    /// The endpoint it reached.
    pub route: Route,
    /// The status answered; 0 when a fault rule reset the connection instead.
    pub status: u16,
    /// How many events the answer held (the queries only: app owners', party, generic).
    pub events: Option<usize>,
    /// The `next` header answered (the queries only).
    pub next: Option<String>,
    /// The fault rule that fired on the request, if one did.
    pub fault: Option<FaultRecord>,
}

/// A request as the handler hands it over, no text made yet. Entries are rendered as text
/// only when someone reads the journal, which keeps recording off the cost of every request.
/// What the journal keeps is copied out of the connection's read buffer first ([`Kept`]): a
/// header value sliced from it would keep the whole buffer alive, many times the value's
/// size.
#[derive(Debug, Clone)]
pub(crate) struct RecordedRequest {
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) route: Route,
    pub(crate) status: u16,
    pub(crate) events: Option<usize>,
    pub(crate) next: Option<HeaderValue>,
    pub(crate) fault: Option<FaultRecord>,
}

/// Header values longer than this are journaled cut to it, with a mark saying how long they
/// were (a 31 KiB header on 10 000 requests would otherwise hold 300 MiB).
pub(crate) const MAX_JOURNALED_VALUE: usize = 4096;

/// Default number of entries kept.
pub(crate) const DEFAULT_JOURNAL_CAP: usize = 10_000;

/// Default bytes the journal may hold: the oldest entries go first past it.
pub(crate) const DEFAULT_JOURNAL_MAX_BYTES: usize = 64 << 20;

/// A capped journal with a counter of query requests that waiters can block on.
#[derive(Debug)]
pub(super) struct Journal {
    inner: Mutex<Inner>,
    arrived: Condvar,
    /// Wakes async waiters (a `Condvar` would block their runtime); nearly free without any.
    query_arrived: tokio::sync::Notify,
}

#[derive(Debug)]
struct Inner {
    /// Entries with their ids and sizes, oldest first.
    entries: VecDeque<(u64, Kept, usize)>,
    cap: usize,
    /// What the entries take, and the most they may.
    bytes: usize,
    max_bytes: usize,
    next_id: u64,
    queries: u64,
    /// Threads blocked in `wait_for_queries`: only then is a wake-up (a syscall) worth it.
    waiters: usize,
}

impl Journal {
    /// A journal keeping at most `cap` entries taking at most `max_bytes` (the oldest go
    /// first).
    pub(super) fn new(cap: usize, max_bytes: usize) -> Journal {
        Journal {
            inner: Mutex::new(Inner {
                entries: VecDeque::new(),
                cap,
                bytes: 0,
                max_bytes,
                next_id: 1,
                queries: 0,
                waiters: 0,
            }),
            arrived: Condvar::new(),
            query_arrived: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records `request`, numbering it.
    pub(super) fn record(&self, request: RecordedRequest) {
        let is_query = request.route.serves_pages();
        // Copied before the lock is taken: other requests do not wait for it.
        let (request, size) = Kept::new(request);
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        if is_query {
            inner.queries += 1;
        }
        if inner.cap > 0 {
            inner.entries.push_back((id, request, size));
            inner.bytes += size;
            while inner.entries.len() > inner.cap || inner.bytes > inner.max_bytes {
                let Some((_, _, dropped)) = inner.entries.pop_front() else {
                    break;
                };
                inner.bytes -= dropped;
            }
        }
        let wake = inner.waiters > 0;
        drop(inner);
        if wake {
            self.arrived.notify_all();
        }
        self.query_arrived.notify_waiters();
    }

    /// The kept entries, oldest first.
    pub(super) fn entries(&self) -> Vec<JournalEntry> {
        self.lock()
            .entries
            .iter()
            .map(|(id, request, _)| request.to_entry(*id))
            .collect()
    }

    /// Up to `limit` kept entries older than `before` (any, without it), newest first.
    pub(super) fn page(&self, limit: usize, before: Option<u64>) -> Vec<JournalEntry> {
        self.lock()
            .entries
            .iter()
            .rev()
            .filter(|(id, _, _)| before.is_none_or(|before| *id < before))
            .take(limit)
            .map(|(id, request, _)| request.to_entry(*id))
            .collect()
    }

    /// What the kept entries take, in bytes.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// How many query requests arrived since the start or the last clear.
    pub(super) fn query_count(&self) -> u64 {
        self.lock().queries
    }

    /// Forgets every entry and restarts the numbering and the query count.
    pub(super) fn clear(&self) {
        let mut inner = self.lock();
        // A new deque: the old one's room for 10 000 entries goes back too.
        inner.entries = VecDeque::new();
        inner.bytes = 0;
        inner.next_id = 1;
        inner.queries = 0;
    }

    /// Completes once `count` query requests have arrived, without blocking a thread.
    pub(super) async fn until_queries(&self, count: u64) {
        loop {
            let arrived = self.query_arrived.notified();
            tokio::pin!(arrived);
            // Registered before the check, so an arrival in between is not missed.
            arrived.as_mut().enable();
            if self.query_count() >= count {
                return;
            }
            arrived.await;
        }
    }

    /// Blocks until `count` query requests have arrived, or `timeout` passes; returns how
    /// many had arrived.
    pub(super) fn wait_for_queries(&self, count: u64, timeout: Duration) -> Result<u64, u64> {
        // A timeout too long to add to now means: wait as long as it takes.
        let deadline = Instant::now().checked_add(timeout);
        let mut inner = self.lock();
        while inner.queries < count {
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return Err(inner.queries);
            }
            inner.waiters += 1;
            inner = self
                .arrived
                .wait_timeout(inner, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            inner.waiters -= 1;
        }
        Ok(inner.queries)
    }
}

impl MockService {
    /// Records a request in the journal.
    pub(crate) fn record(&self, request: RecordedRequest) {
        self.journal.record(request);
    }

    /// The journal's entries, oldest first.
    pub(crate) fn requests(&self) -> Vec<JournalEntry> {
        self.journal.entries()
    }

    /// Up to `limit` journal entries older than entry `before` (any, without it), newest
    /// first.
    pub(crate) fn requests_page(&self, limit: usize, before: Option<u64>) -> Vec<JournalEntry> {
        self.journal.page(limit, before)
    }

    /// Empties the journal and restarts its numbering and query count; the memory it took
    /// goes back to the operating system.
    pub(crate) fn clear_requests(&self) {
        self.journal.clear();
        super::memory::release_freed();
    }

    /// How many query requests arrived since the start or the last reset.
    pub(crate) fn query_count(&self) -> u64 {
        self.journal.query_count()
    }

    /// Completes once `count` query requests have arrived, or with how many had at
    /// `timeout`. The timer runs on the server's own runtime, so the caller's needs none, and
    /// the wait is abandoned when the returned future is dropped.
    pub(crate) fn wait_for_queries(
        &self,
        count: u64,
        timeout: Duration,
    ) -> impl Future<Output = Result<u64, u64>> + Send + 'static {
        let service = self.this.clone();
        let waiting = AbortOnDrop(self.runtime.spawn(async move {
            let Some(service) = service.upgrade() else {
                return Err(0);
            };
            let journal = &service.journal;
            match tokio::time::timeout(timeout, journal.until_queries(count)).await {
                Ok(()) => Ok(journal.query_count()),
                Err(_) => Err(journal.query_count()),
            }
        }));
        let service = self.this.clone();
        async move {
            waiting.await.unwrap_or_else(|_| {
                Err(service.upgrade().map_or(0, |service| service.query_count()))
            })
        }
    }

    /// Blocks the calling thread until `count` query requests have arrived, or `timeout`
    /// passes; returns how many had arrived.
    pub(crate) fn wait_for_queries_blocking(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<u64, u64> {
        self.journal.wait_for_queries(count, timeout)
    }
}

/// A task on the server's runtime that is cancelled when the future awaiting it is dropped.
pub(super) struct AbortOnDrop<T>(pub(super) tokio::task::JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests;
