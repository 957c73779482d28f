//! Random requests of every kind through one server: methods, paths, query strings, tokens,
//! headers, bodies and fault headers, each answer checked against what production (or an
//! injected fault) could give. CI runs a short run; `scripts/fuzz-long.sh` runs the
//! `#[ignore]`d one with a million requests (`RANDOM_REQUESTS` sets the count).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{fixture, raw_exchange};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

const PATHS: &[&str] = &[
    "/events/api/v1/app/ttd/apps-test",
    "/events/api/v1/app/ttd/apps-test",
    "/events/api/v1/app/ttd/apps-test",
    "/EVENTS/api/V1/app/ttd/apps-test/",
    "/events/api/v1/app/skd/mva-melding",
    "/events/api/v1/app/ttd%00/apps-test",
    "/events/api/v1/app/ttd/apps%2Dtest",
    "/events/api/v1/app/%ff/%C3%A6",
    "/events/api/v1/app",
    "/events/api/v1/app",
    "/events/api/v1/app/ttd",
    "/_mock/events",
    "/_mock/requests",
    "/_mock/health",
    "/_mock/token",
    "/_mock/clock",
    "/_mock/faults",
    "/_mock/faults/1",
    "/_mock/openapi.json",
    "/_mock/nothing",
    "/",
    "/%00",
    "/a//b",
];

const QUERY_PIECES: &[&str] = &[
    "after",
    "from",
    "to",
    "party",
    "unit",
    "size",
    "type",
    "person",
    "org",
    "userId",
    "partyId",
    "app",
    "limit",
    "before",
    "x",
    "=",
    "=",
    "=",
    "&",
    "&",
    "+",
    "%2B",
    "%20",
    "%25",
    "%",
    "%zz",
    "%FF",
    "%C3%A6",
    "%00",
    "%0A",
    "%5C",
    "2020-01-01Z",
    "2023-01-02T00:00:00%2B01:00",
    "-1",
    "0",
    "1",
    "3",
    "99999999999",
    "0x10",
    "e01",
    "e07",
    "shared-id",
    "app.%25",
    "_",
    "ttd",
    "897069650",
    "01038712345",
    "1337",
    "ttd/apps-test",
];

/// Fault headers, and whether the fault may end the connection without a whole answer.
const FAULTS: &[(&str, bool)] = &[
    ("what=status:503,retry_after=1", false),
    ("what=status:500", false),
    ("what=status:429", false),
    ("what=delay:1ms", false),
    ("what=delay:0ms..2ms", false),
    ("what=malformed", false),
    ("what=truncate:7", true),
    ("what=close_after_headers", true),
    ("what=reset", true),
    ("what=slow_body:5ms", false),
    ("what=drop_next", false),
    ("what=stale_next:1", false),
    ("what=empty_page", false),
    ("what=delay:11m", false),
    ("when=always,what=reset", false),
    ("nonsense", false),
];

/// One random request.
#[derive(Debug, Clone)]
struct RandomRequest {
    method: &'static str,
    path: &'static str,
    query: String,
    authorization: Vec<Authorization>,
    fault: Option<usize>,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<Body>,
}

#[derive(Debug, Clone, Copy)]
enum Authorization {
    Valid,
    Lower,
    Garbage,
    Expired,
}

#[derive(Debug, Clone, Copy)]
enum Body {
    Event,
    AppEvent,
    Garbage,
    Ndjson,
    Clock,
    Empty,
}

fn request() -> impl Strategy<Value = RandomRequest> {
    let method =
        prop::sample::select(&["GET", "GET", "GET", "GET", "POST", "POST", "DELETE", "PUT"][..]);
    let query = prop::collection::vec(prop::sample::select(QUERY_PIECES), 0..10)
        .prop_map(|pieces| pieces.concat());
    let authorization = prop::collection::vec(
        prop::sample::select(
            &[
                Authorization::Valid,
                Authorization::Valid,
                Authorization::Valid,
                Authorization::Lower,
                Authorization::Garbage,
                Authorization::Expired,
            ][..],
        ),
        0..3,
    );
    let fault = prop::option::weighted(0.2, 0..FAULTS.len());
    let headers = prop::collection::vec(
        prop::sample::select(
            &[
                ("person", "01038712345"),
                ("person", "123"),
                ("content-type", "application/json"),
                ("content-type", "text/plain"),
                ("content-type", "application/x-ndjson"),
                (
                    "traceparent",
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                ),
                ("traceparent", "garbage"),
                ("cookie", ".ALTINNTOKEN=x.y.z"),
                ("accept", "text/html"),
            ][..],
        ),
        0..3,
    );
    let body = prop::option::of(prop::sample::select(
        &[
            Body::Event,
            Body::AppEvent,
            Body::Garbage,
            Body::Ndjson,
            Body::Clock,
            Body::Empty,
        ][..],
    ));
    (
        method,
        prop::sample::select(PATHS),
        query,
        authorization,
        fault,
        headers,
        body,
    )
        .prop_map(
            |(method, path, query, authorization, fault, headers, body)| RandomRequest {
                method,
                path,
                query,
                authorization,
                fault,
                headers,
                body,
            },
        )
}

/// What the requests got, by kind.
#[derive(Debug, Default)]
struct Summary {
    requests: u64,
    statuses: BTreeMap<u16, u64>,
    injected: u64,
    cut_by_a_fault: u64,
    production_500: u64,
}

/// The tokens and bodies requests are built from.
struct Material {
    valid: String,
    expired: String,
    access: String,
    event: String,
    app_event: String,
}

impl RandomRequest {
    fn bytes(&self, material: &Material, host: &str) -> Vec<u8> {
        let target = if self.query.is_empty() {
            self.path.to_owned()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        let mut head = format!(
            "{} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
            self.method
        );
        for authorization in &self.authorization {
            let value = match authorization {
                Authorization::Valid => format!("Bearer {}", material.valid),
                Authorization::Lower => format!("bearer {}", material.valid),
                Authorization::Garbage => "Bearer a.b.c".to_owned(),
                Authorization::Expired => format!("Bearer {}", material.expired),
            };
            head.push_str(&format!("Authorization: {value}\r\n"));
        }
        if let Some(fault) = self.fault {
            head.push_str(&format!("x-mock-fault: {}\r\n", FAULTS[fault].0));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = match self.body {
            None => String::new(),
            Some(Body::Event) => material.event.clone(),
            Some(Body::AppEvent) => {
                head.push_str(&format!("PlatformAccessToken: {}\r\n", material.access));
                material.app_event.clone()
            }
            Some(Body::Garbage) => "{\"specversion\": [}".to_owned(),
            Some(Body::Ndjson) => format!("{}\n{}\n", material.event, material.event),
            Some(Body::Clock) => "{\"advance\": \"1s\"}".to_owned(),
            Some(Body::Empty) => String::new(),
        };
        if self.body.is_some() {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        head.push_str(&body);
        head.into_bytes()
    }

    /// Whether the request's fault may cut the connection short.
    fn may_be_cut(&self) -> bool {
        self.fault.is_some_and(|fault| FAULTS[fault].1)
    }

    /// Whether the request's fault header asks for this 5xx status.
    fn injects(&self, status: u16) -> bool {
        self.fault.is_some_and(|fault| {
            FAULTS[fault]
                .0
                .starts_with(&format!("what=status:{status}"))
        })
    }
}

/// A token from the server's `/_mock/token?{query}`.
fn token_from(address: std::net::SocketAddr, query: &str) -> String {
    let request =
        format!("GET /_mock/token?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let received = raw_exchange(address, request.as_bytes()).unwrap();
    let text = String::from_utf8(received).unwrap();
    text.split_once("\r\n\r\n").unwrap().1.to_owned()
}

/// Sends `cases` random requests (seeded) through one server and checks each answer.
fn run(cases: u32, seed: u64) -> Summary {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(
        altinn_events_mock::MockServer::builder()
            .fixture(fixture("test/rules.json"))
            .start(),
    );
    let access = server.platform_access_token("ttd/apps-test");
    let event = common::event("random-1").to_string();
    let app_event = common::app_event().build().to_string();
    let material = Material {
        valid: server.token("ttd"),
        expired: token_from(server.address(), "org=ttd&expires_in=-60"),
        access,
        event,
        app_event,
    };
    let address = server.address();
    let host = address.to_string();
    let mut runner = TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    });
    let summary = std::cell::RefCell::new(Summary::default());
    runner
        .run(&request(), |request| {
            let bytes = request.bytes(&material, &host);
            let mut summary = summary.borrow_mut();
            summary.requests += 1;
            let received = match raw_exchange(address, &bytes) {
                Ok(received) => received,
                Err(error) => {
                    prop_assert!(request.may_be_cut(), "{request:?}: {error}");
                    summary.cut_by_a_fault += 1;
                    return Ok(());
                }
            };
            let text = String::from_utf8_lossy(&received);
            let status: u16 = match text.get(9..12).and_then(|s| s.parse().ok()) {
                Some(status) => status,
                None => {
                    prop_assert!(request.may_be_cut(), "{request:?}: no status in {text:?}");
                    summary.cut_by_a_fault += 1;
                    return Ok(());
                }
            };
            *summary.statuses.entry(status).or_default() += 1;
            if request.fault.is_some() {
                summary.injected += 1;
            }
            if status >= 500 {
                if request.injects(status) {
                    return Ok(());
                }
                prop_assert_eq!(status, 500, "{:?}: {}", request, text);
                prop_assert!(
                    text.contains("An error occurred while processing your request."),
                    "an unexplained 500 for {:?}: {}",
                    request,
                    text
                );
                summary.production_500 += 1;
            }
            Ok(())
        })
        .unwrap();
    // Still serving.
    let health = raw_exchange(
        address,
        format!("GET /_mock/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    assert!(String::from_utf8_lossy(&health).starts_with("HTTP/1.1 200 "));
    summary.into_inner()
}

#[test]
fn random_requests_get_production_shaped_or_injected_answers() {
    let summary = run(1_500, 20261130);
    assert_eq!(summary.requests, 1_500);
    assert!(summary.statuses.contains_key(&200), "{summary:?}");
}

#[test]
#[ignore = "a million requests: run by scripts/fuzz-long.sh"]
fn a_million_random_requests_get_production_shaped_or_injected_answers() {
    let cases = std::env::var("RANDOM_REQUESTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let summary = run(cases, 20261130);
    let took = started.elapsed();
    println!(
        "random requests: {} in {:.0} s ({:.0}/s); uninjected errors: 0; statuses: {:?}; with a fault header: {}; cut by a fault: {}; production-shaped 500s: {}",
        summary.requests,
        took.as_secs_f64(),
        summary.requests as f64
            / took
                .as_secs_f64()
                .max(Duration::from_millis(1).as_secs_f64()),
        summary.statuses,
        summary.injected,
        summary.cut_by_a_fault,
        summary.production_500
    );
    assert_eq!(summary.requests, u64::from(cases));
}
