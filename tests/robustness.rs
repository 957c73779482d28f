//! No request, however malformed, panics the server or gets a 500 production would not give.

mod common;

use std::io::ErrorKind;
use std::net::SocketAddr;

use common::{APPS_TEST, raw_exchange, start};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

/// Pieces of query strings: names, separators, odd encodings, values of every kind.
const PIECES: &[&str] = &[
    "after",
    "from",
    "to",
    "party",
    "unit",
    "size",
    "type",
    "person",
    "x",
    "AFTER",
    "Size",
    "tYpE",
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
    "%C3",
    "%C3%A6",
    "%00",
    "%0A",
    "%5C",
    "2020-01-01Z",
    "2023-01-02T00:00:00%2B01:00",
    "2023-01-02T00:00",
    "-1",
    "0",
    "1",
    "3",
    "99999999999",
    "0x10",
    "e01",
    "shared-id",
    "app.%25",
    "_",
    "897069650",
    "1337",
    "%E2%82%AC",
    "%F0%9F%98%80",
];

/// Escapes after which production itself answers 500: NUL and a trailing `\` make PostgreSQL
/// throw; a decoded control or non-ASCII character in the `next` header makes Kestrel throw.
const PRODUCTION_500_TRIGGERS: &[&str] =
    &["%00", "%5C", "%0A", "%C3%A6", "%E2%82%AC", "%F0%9F%98%80"];

#[test]
fn random_query_strings_get_production_shaped_answers() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (server, token) = runtime.block_on(async {
        let server = start().await;
        let token = server.token("org=ttd").await;
        (server, token)
    });
    let mut runner = TestRunner::new(Config {
        cases: 400,
        rng_seed: RngSeed::Fixed(20261127),
        failure_persistence: None,
        ..Config::default()
    });
    let query = prop::collection::vec(prop::sample::select(PIECES), 0..14)
        .prop_map(|pieces| pieces.concat());
    runner
        .run(&query, |query| {
            let answer = runtime.block_on(
                server.get_with(&format!("{APPS_TEST}?{query}"), |r| r.bearer_auth(&token)),
            );
            prop_assert!(
                matches!(answer.status, 200 | 400 | 404 | 500),
                "{query}: {}",
                answer.status
            );
            if answer.status == 500 {
                let triggered = PRODUCTION_500_TRIGGERS.iter().any(|t| query.contains(t));
                prop_assert!(triggered, "unexpected 500 for {query}: {}", answer.body);
                prop_assert_eq!(
                    &answer.json()["title"],
                    "An error occurred while processing your request."
                );
            }
            if answer.status == 200 {
                answer.event_ids();
            }
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn large_values_within_kestrel_s_limits_get_ordinary_answers() {
    let server = start().await;
    let digits = "9".repeat(7_000);
    let answer = server
        .get(&format!("{APPS_TEST}?after=e01&size={digits}"))
        .await;
    assert_eq!(answer.status, 400);
    let long = "a".repeat(7_000);
    for query in [
        format!("after={long}"),
        format!("after=e01&type={long}"),
        format!("from=2020-01-01Z&{long}=1"),
    ] {
        let answer = server.get(&format!("{APPS_TEST}?{query}")).await;
        assert_eq!(answer.status, 200, "{}", &query[..20]);
    }
    let token = server.token("org=ttd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?after=e01"), |r| {
            r.bearer_auth(&token).header("person", "1".repeat(20_000))
        })
        .await;
    // The party register refuses it, as it would in production.
    assert_eq!(answer.status, 500);
    assert!(
        answer.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("400 - Bad Request - ")
    );
}

#[tokio::test]
async fn past_kestrel_s_limits_requests_get_its_empty_414_431_and_400() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    // Kestrel answers these before any endpoint: outside the OpenAPI document, as it says.
    let long_line = server
        .send_unchecked(
            server
                .client
                .get(server.url(&format!("{APPS_TEST}?after={}", "a".repeat(9_000))))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!((long_line.status, long_line.body.as_str()), (414, ""));
    let big_headers = server
        .send_unchecked(
            server
                .client
                .get(server.url(&format!("{APPS_TEST}?after=e01")))
                .bearer_auth(&token)
                .header("person", "1".repeat(40_000)),
        )
        .await;
    assert_eq!((big_headers.status, big_headers.body.as_str()), (431, ""));
    let request = [
        format!(
            "GET {APPS_TEST}?after=e01 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        )
        .as_bytes(),
        b"person: \xe6\xff\r\nConnection: close\r\n\r\n",
    ]
    .concat();
    let response = answer_to(server.address(), &request);
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
}

/// What the server answered `request` with, as text.
fn answer_to(address: SocketAddr, request: &[u8]) -> String {
    let received = raw_exchange(address, request).expect("an answer");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn malformed_requests_on_the_wire_never_take_the_server_down() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let addr = server.address();
    let requests: Vec<Vec<u8>> = vec![
        b"GET /events/api/v1/app/ttd/apps-test?after=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        [
            format!("GET {APPS_TEST}?after=e01 HTTP/1.1\r\nAuthorization: Bearer {token}\r\n").as_bytes(),
            b"Host: \xc3\r\nperson: \xe6\xff\r\nConnection: close\r\n\r\n",
        ]
        .concat(),
        b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\r\nConnection: close\r\n\r\n".to_vec(),
        b"NONSENSE\r\n\r\n".to_vec(),
        format!("GET {APPS_TEST}?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "a".repeat(1_000_000)).into_bytes(),
        b"GET /events/api/v1/app/%ff/%00?after=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
    ];
    for request in requests {
        // A reset connection is no answer at all, which is no 5xx either.
        let response = match raw_exchange(addr, &request) {
            Ok(received) => String::from_utf8_lossy(&received).into_owned(),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => String::new(),
            Err(error) => panic!("{error}"),
        };
        assert!(
            !response.starts_with("HTTP/1.1 5") || response.contains("An error occurred"),
            "{response}"
        );
    }
    // Still serving.
    let answer = server.get(&format!("{APPS_TEST}?after=e07")).await;
    assert_eq!(answer.status, 200);
}
