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

/// A request as the handler hands it over: shared buffers, no text made yet. Entries are
/// rendered as text only when someone reads the journal, which keeps recording off the cost
/// of every request.
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

impl RecordedRequest {
    fn to_entry(&self, id: u64) -> JournalEntry {
        let latin1 = |bytes: &[u8]| bytes.iter().map(|&b| char::from(b)).collect::<String>();
        JournalEntry {
            id,
            received_at: self.received_at,
            method: self.method.to_string(),
            path: self.uri.path().to_owned(),
            query: self.uri.query().map(str::to_owned),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), latin1(value.as_bytes())))
                .collect(),
            route: self.route,
            status: self.status,
            events: self.events,
            next: self.next.as_ref().map(|value| latin1(value.as_bytes())),
            fault: self.fault.clone(),
        }
    }
}

/// Default number of entries kept.
pub(crate) const DEFAULT_JOURNAL_CAP: usize = 10_000;

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
    entries: VecDeque<(u64, RecordedRequest)>,
    cap: usize,
    next_id: u64,
    queries: u64,
    /// Threads blocked in `wait_for_queries`: only then is a wake-up (a syscall) worth it.
    waiters: usize,
}

impl Journal {
    /// A journal keeping at most `cap` entries (the oldest go first).
    pub(super) fn new(cap: usize) -> Journal {
        Journal {
            inner: Mutex::new(Inner {
                entries: VecDeque::new(),
                cap,
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
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        if request.route.serves_pages() {
            inner.queries += 1;
        }
        if inner.cap > 0 {
            if inner.entries.len() >= inner.cap {
                inner.entries.pop_front();
            }
            inner.entries.push_back((id, request));
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
            .map(|(id, request)| request.to_entry(*id))
            .collect()
    }

    /// How many query requests arrived since the start or the last clear.
    pub(super) fn query_count(&self) -> u64 {
        self.lock().queries
    }

    /// Forgets every entry and restarts the numbering and the query count.
    pub(super) fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
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

    /// Empties the journal and restarts its numbering and query count.
    pub(crate) fn clear_requests(&self) {
        self.journal.clear();
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
mod tests {
    use super::*;

    fn entry(route: Route) -> RecordedRequest {
        RecordedRequest {
            received_at: Utc::now(),
            method: Method::GET,
            uri: Uri::from_static("/"),
            headers: HeaderMap::new(),
            route,
            status: 200,
            events: None,
            next: None,
            fault: None,
        }
    }

    #[test]
    fn keeps_the_newest_entries_up_to_the_cap_and_numbers_them() {
        let journal = Journal::new(2);
        for _ in 0..3 {
            journal.record(entry(Route::Query));
        }
        let ids: Vec<u64> = journal.entries().iter().map(|e| e.id).collect();
        assert_eq!(ids, [2, 3]);
        assert_eq!(journal.query_count(), 3);
        journal.clear();
        assert!(journal.entries().is_empty());
        assert_eq!(journal.query_count(), 0);
    }

    #[test]
    fn waiting_returns_at_once_when_enough_queries_arrived_and_times_out_otherwise() {
        let journal = Journal::new(10);
        journal.record(entry(Route::Query));
        journal.record(entry(Route::Admin));
        assert_eq!(journal.wait_for_queries(1, Duration::ZERO), Ok(1));
        assert_eq!(
            journal.wait_for_queries(2, Duration::from_millis(1)),
            Err(1)
        );
    }

    #[test]
    fn a_waiter_wakes_when_a_query_arrives() {
        let journal = std::sync::Arc::new(Journal::new(10));
        let waiter = {
            let journal = journal.clone();
            std::thread::spawn(move || journal.wait_for_queries(1, Duration::from_secs(30)))
        };
        journal.record(entry(Route::Query));
        assert_eq!(waiter.join().unwrap(), Ok(1));
    }
}
