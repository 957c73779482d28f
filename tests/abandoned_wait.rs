//! An abandoned `wait_for_requests` costs nothing: the task it started on the server is
//! cancelled with it. Measured as heap bytes still held after many abandoned waits, which is
//! why this test has a binary of its own: the allocator counts the whole process, and no other
//! test may allocate while it counts.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::task::{Context, Waker};
use std::time::Duration;

use altinn_events_mock::MockServer;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static ALLOCATED: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call goes to the system allocator unchanged; only a counter is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            ALLOCATED.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(pointer, layout) };
        ALLOCATED.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            ALLOCATED.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        moved
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const ABANDONED: usize = 10_000;

/// Starts `count` waits for more requests than will ever come, polls each once (so it is
/// waiting on the server) and drops it; on a thread of its own, so that a wait that blocks
/// its caller fails the test instead of hanging it.
fn abandon(server: &MockServer, count: usize) {
    std::thread::scope(|scope| {
        let (done, finished) = std::sync::mpsc::channel();
        scope.spawn(move || {
            for _ in 0..count {
                let mut wait = pin!(server.wait_for_requests(u64::MAX, Duration::MAX));
                let polled = wait.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                assert!(polled.is_pending(), "no request came");
            }
            let _ = done.send(());
        });
        finished
            .recv_timeout(Duration::from_secs(60))
            .expect("abandoning waits never blocks");
    });
}

/// Returns once the server has run everything handed to it before: a wait is a task on its
/// runtime, queued behind the cancelled ones.
async fn settle(server: &MockServer) {
    server
        .wait_for_requests(0, Duration::from_secs(60))
        .await
        .expect("nothing to wait for");
}

#[tokio::test]
async fn an_abandoned_wait_costs_nothing_and_an_endless_one_still_returns() {
    let server = MockServer::start().await;
    // Once first, so that what the server and this test make once is made before counting.
    abandon(&server, 1);
    settle(&server).await;
    let before = ALLOCATED.load(Ordering::SeqCst);

    abandon(&server, ABANDONED);
    settle(&server).await;
    let kept = ALLOCATED.load(Ordering::SeqCst) - before;
    // A wait left running on the server keeps its task, a few hundred bytes.
    assert!(
        kept < (ABANDONED * 16) as isize,
        "{ABANDONED} abandoned waits still hold {kept} bytes ({} each)",
        kept / ABANDONED as isize
    );

    let url = format!("{}?after=x", server.events_url("ttd", "apps-test"));
    let token = server.token("ttd");
    let client =
        tokio::spawn(
            async move { common::send(common::client().get(url).bearer_auth(token)).await },
        );
    server.wait_for_requests(1, Duration::MAX).await.unwrap();
    assert_eq!(client.await.unwrap().status, 200);
}
