//! Logging that never blocks serving. Each log line is appended to a bounded buffer of bytes;
//! one thread of its own writes what has gathered to stderr in one write, at most about once
//! a millisecond. When stderr cannot take them (a harness that pipes it and never reads),
//! lines are dropped and counted instead of waited for — the count is in `/_mock/health`, and
//! a line says how many once stderr takes lines again.
//!
//! Why not a channel of lines: under load, a channel woke the writer thread for every line (a
//! futex call and a task switch each) and allocated every line; that was a fifth of the
//! server's time at 20 000 requests/s. Here a request only copies its line into the buffer,
//! and wakes the writer only when it sleeps with nothing to write.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Bytes waiting for stderr at most (some thousands of ordinary lines).
const BUFFERED_BYTES: usize = 1 << 20;

/// How long the writer lets lines gather after a write, so that a busy server's lines go
/// out in few writes; also the most a line waits while others keep coming.
const GATHER: Duration = Duration::from_millis(1);

/// Where the log subscriber writes: the buffer of lines on their way to stderr.
#[derive(Debug, Clone)]
pub(super) struct LogPipe {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    pending: Mutex<Pending>,
    /// Wakes the writer when the first line arrives while it sleeps.
    arrived: Condvar,
    dropped: Arc<AtomicU64>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Pending {
    lines: Vec<u8>,
    /// The writer sleeps until a line arrives: the next line must wake it.
    writer_asleep: bool,
    /// No more lines will come (tests): the writer ends once it wrote what is left.
    closed: bool,
}

impl Shared {
    fn new(capacity: usize) -> Shared {
        Shared {
            pending: Mutex::default(),
            arrived: Condvar::new(),
            dropped: Arc::default(),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `line` to the buffer, or counts it as dropped when the buffer is full.
    fn push(&self, line: &[u8]) {
        let mut pending = self.lock();
        if pending.lines.len() + line.len() > self.capacity {
            drop(pending);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        pending.lines.extend_from_slice(line);
        let wake = std::mem::take(&mut pending.writer_asleep);
        drop(pending);
        if wake {
            self.arrived.notify_one();
        }
    }

    /// The lines gathered so far, swapped for `spare` (an empty buffer to reuse); waits
    /// while there are none. `None` once closed and empty.
    fn take(&self, spare: Vec<u8>) -> Option<Vec<u8>> {
        let mut pending = self.lock();
        while pending.lines.is_empty() {
            if pending.closed {
                return None;
            }
            pending.writer_asleep = true;
            pending = self
                .arrived
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        pending.writer_asleep = false;
        Some(std::mem::replace(&mut pending.lines, spare))
    }
}

impl LogPipe {
    /// A pipe and its writer thread; `json` shapes the line that reports dropped lines.
    pub(super) fn start(json: bool) -> io::Result<LogPipe> {
        let shared = Arc::new(Shared::new(BUFFERED_BYTES));
        let writer = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || write_lines(&writer, json, &mut io::stderr(), GATHER))?;
        Ok(LogPipe { shared })
    }

    /// Adds `line` (one or more whole lines) to the buffer, or counts it as dropped when the
    /// buffer is full.
    pub(super) fn push(&self, line: &[u8]) {
        self.shared.push(line);
    }

    /// How many lines were dropped so far.
    pub(super) fn dropped(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.shared.dropped)
    }
}

/// Writes what gathers, one write per batch; after lines were dropped, says how many as soon
/// as a write goes through again.
fn write_lines(shared: &Shared, json: bool, out: &mut impl Write, gather: Duration) {
    let mut reported = 0;
    let mut spare = Vec::new();
    while let Some(mut batch) = shared.take(spare) {
        let written = out.write_all(&batch).and_then(|()| out.flush()).is_ok();
        batch.clear();
        // A buffer that grew far past the usual stays that large no longer than one batch.
        batch.shrink_to(64 << 10);
        spare = batch;
        if written {
            let now = shared.dropped.load(Ordering::Relaxed);
            if now > reported {
                let _ = out.write_all(dropped_line(now - reported, json).as_bytes());
                reported = now;
            }
        }
        std::thread::sleep(gather);
    }
}

/// The line that reports `count` dropped lines.
fn dropped_line(count: u64, json: bool) -> String {
    let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let message = "log lines dropped: stderr could not take them as fast as they came";
    if json {
        format!(
            "{{\"timestamp\":\"{timestamp}\",\"level\":\"WARN\",\"fields\":{{\"message\":\"{message}\",\"count\":{count}}}}}\n"
        )
    } else {
        format!("{timestamp}  WARN {count} {message}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_the_buffer_are_dropped_and_counted_not_waited_for() {
        let pipe = LogPipe {
            shared: Arc::new(Shared::new(14)),
        };
        for _ in 0..5 {
            pipe.push(b"a line\n");
        }
        assert_eq!(pipe.shared.dropped.load(Ordering::Relaxed), 3);
        pipe.shared.lock().closed = true;
        let mut out = Vec::new();
        write_lines(&pipe.shared, false, &mut out, Duration::ZERO);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("a line\na line\n"), "{text}");
        assert!(text.contains("WARN 3 log lines dropped"), "{text}");
        assert_eq!(text.matches("dropped").count(), 1, "{text}");
    }

    #[test]
    fn the_writer_wakes_for_a_line_that_comes_while_it_sleeps() {
        let shared = Arc::new(Shared::new(1 << 10));
        let writer = Arc::clone(&shared);
        let done = std::thread::spawn(move || {
            let mut out = Vec::new();
            write_lines(&writer, false, &mut out, Duration::ZERO);
            out
        });
        // Polled with a generous bound: the writer must be asleep before the line comes.
        for _ in 0..1000 {
            if shared.lock().writer_asleep {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        shared.push(b"late line\n");
        for _ in 0..1000 {
            if shared.lock().lines.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        shared.lock().closed = true;
        shared.arrived.notify_one();
        assert_eq!(done.join().unwrap(), b"late line\n");
    }

    #[test]
    fn the_json_notice_is_one_json_line() {
        let line = dropped_line(7, true);
        let value: serde_json::Value = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(value["fields"]["count"], 7);
        assert_eq!(value["level"], "WARN");
    }
}
