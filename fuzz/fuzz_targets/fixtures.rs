//! The fixture loader on arbitrary text, as JSON and as NDJSON. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        altinn_events_mock::fuzz_support::fixture(text);
    }
});
