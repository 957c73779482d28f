use std::sync::{Arc, Mutex};

use super::*;

/// The lines a subscriber of `shape` at `level` writes while `log` runs.
fn lines(shape: Shape, level: LevelFilter, log: impl FnOnce()) -> Vec<String> {
    let memory = Arc::new(Mutex::new(Vec::new()));
    let subscriber = LineSubscriber::new(Sink::Memory(Arc::clone(&memory)), shape, level);
    tracing::subscriber::with_default(subscriber, log);
    let text = String::from_utf8(memory.lock().unwrap().clone()).unwrap();
    text.lines().map(str::to_owned).collect()
}

fn request_line() {
    let uri = "/events/api/v1/app/ttd/apps-test?after=x";
    tracing::info!(
        method = %"GET",
        uri = %uri,
        status = 401u16,
        micros = 55u64,
        trace_id = "8151dcfaa1ea914f0c825a2ae48913c7",
        "request"
    );
}

/// `2026-11-30T23:44:51.378968Z` and what follows it.
fn split_timestamp(line: &str) -> (&str, &str) {
    let (timestamp, rest) = line.split_at(27);
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    assert!(
        digits(&timestamp[0..4])
            && &timestamp[4..5] == "-"
            && &timestamp[10..11] == "T"
            && &timestamp[19..20] == "."
            && digits(&timestamp[20..26])
            && timestamp.ends_with('Z'),
        "{line}"
    );
    (timestamp, rest)
}

#[test]
fn text_lines_keep_the_shape_fmt_wrote() {
    let lines = lines(Shape::Text { ansi: false }, LevelFilter::INFO, || {
        request_line();
        tracing::warn!(count = 3u64, "dropped");
        tracing::error!(reason = %"a \"quoted\" reason", "answered 500");
    });
    let rests: Vec<&str> = lines.iter().map(|line| split_timestamp(line).1).collect();
    assert_eq!(
        rests,
        [
            "  INFO request method=GET uri=/events/api/v1/app/ttd/apps-test?after=x status=401 micros=55 trace_id=\"8151dcfaa1ea914f0c825a2ae48913c7\"",
            "  WARN dropped count=3",
            " ERROR answered 500 reason=a \"quoted\" reason",
        ]
    );
}

#[test]
fn json_lines_keep_the_shape_fmt_wrote() {
    let lines = lines(Shape::Json, LevelFilter::INFO, || {
        request_line();
        tracing::error!(reason = %"line\nbreak \"and\" \\ tab\t\u{1}", "answered 500");
    });
    let request: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    split_timestamp(request["timestamp"].as_str().unwrap());
    assert_eq!(request["level"], "INFO");
    assert_eq!(
        request["fields"],
        serde_json::json!({
            "message": "request",
            "method": "GET",
            "uri": "/events/api/v1/app/ttd/apps-test?after=x",
            "status": 401,
            "micros": 55,
            "trace_id": "8151dcfaa1ea914f0c825a2ae48913c7",
        })
    );
    let error: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(error["level"], "ERROR");
    assert_eq!(
        error["fields"]["reason"],
        "line\nbreak \"and\" \\ tab\t\u{1}"
    );
}

#[test]
fn events_below_the_level_are_not_written() {
    let lines = lines(Shape::Text { ansi: false }, LevelFilter::ERROR, || {
        request_line();
        tracing::debug!("connection closed");
        tracing::error!("kept");
    });
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with(" ERROR kept"), "{lines:?}");
}

#[test]
fn coloured_text_still_carries_every_field() {
    let lines = lines(Shape::Text { ansi: true }, LevelFilter::INFO, request_line);
    assert!(
        lines[0].contains("\x1b[32m INFO\x1b[0m request "),
        "{lines:?}"
    );
    assert!(
        lines[0].contains("status\x1b[0m\x1b[2m=\x1b[0m401"),
        "{lines:?}"
    );
}

#[test]
fn numbers_are_written_as_display_writes_them() {
    for value in [0, 7, 10, 1234, 99_999, u64::MAX] {
        let mut line = String::new();
        push_decimal(&mut line, value);
        assert_eq!(line, value.to_string());
    }
}
