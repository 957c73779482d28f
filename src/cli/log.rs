//! Logging that never blocks serving. Each log line goes into a bounded buffer; one thread
//! of its own writes them to stderr. When stderr cannot take them (a harness that pipes it
//! and never reads), lines are dropped and counted instead of waited for — the count is in
//! `/_mock/health`, and a line says how many once stderr takes lines again.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use tracing_subscriber::fmt::MakeWriter;

/// Lines waiting for stderr at most (a few hundred KiB of ordinary lines).
const BUFFERED_LINES: usize = 1024;

/// Where the log subscriber writes: the buffer of lines on their way to stderr.
#[derive(Debug, Clone)]
pub(super) struct LogPipe {
    lines: SyncSender<Vec<u8>>,
    dropped: Arc<AtomicU64>,
}

impl LogPipe {
    /// A pipe and its writer thread; `json` shapes the line that reports dropped lines.
    pub(super) fn start(json: bool) -> io::Result<LogPipe> {
        let (lines, receiver) = sync_channel(BUFFERED_LINES);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&dropped);
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || write_lines(&receiver, &counter, json, &mut io::stderr()))?;
        Ok(LogPipe { lines, dropped })
    }

    /// How many lines were dropped so far.
    pub(super) fn dropped(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.dropped)
    }
}

/// Writes each line as it comes; after lines were dropped, says how many as soon as a write
/// goes through again.
fn write_lines(lines: &Receiver<Vec<u8>>, dropped: &AtomicU64, json: bool, out: &mut impl Write) {
    let mut reported = 0;
    for line in lines {
        if out.write_all(&line).is_err() {
            continue;
        }
        let now = dropped.load(Ordering::Relaxed);
        if now > reported {
            let _ = out.write_all(dropped_line(now - reported, json).as_bytes());
            reported = now;
        }
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

/// One line's writer: hands the line to the buffer, or counts it as dropped.
#[derive(Debug)]
pub(super) struct LineWriter<'a>(&'a LogPipe);

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        match self.0.lines.try_send(line.to_vec()) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.0.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogPipe {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_the_buffer_are_dropped_and_counted_not_waited_for() {
        let (lines, receiver) = sync_channel(2);
        let pipe = LogPipe {
            lines,
            dropped: Arc::new(AtomicU64::new(0)),
        };
        for _ in 0..5 {
            pipe.make_writer().write_all(b"a line\n").unwrap();
        }
        assert_eq!(pipe.dropped.load(Ordering::Relaxed), 3);
        drop(pipe.lines);
        let mut out = Vec::new();
        write_lines(&receiver, &pipe.dropped, false, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("a line\n"), "{text}");
        assert!(text.contains("WARN 3 log lines dropped"), "{text}");
        assert_eq!(text.matches("dropped").count(), 1, "{text}");
    }

    #[test]
    fn the_json_notice_is_one_json_line() {
        let line = dropped_line(7, true);
        let value: serde_json::Value = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(value["fields"]["count"], 7);
        assert_eq!(value["level"], "WARN");
    }
}
