//! No request to the party's query, the generic query or generic publishing, however
//! malformed, panics the server or gets a status production would not give.

mod common;

use altinn_events_mock::{MockServer, Party};
use common::{Answer, TestServer, cloud_event, start_with};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::Value;

/// Parameter names of both queries, in odd casings too.
const NAMES: &[&str] = &[
    "after", "from", "to", "party", "unit", "size", "type", "source", "resource", "subject",
    "SOURCE", "Resource", "AFTER", "x",
];

/// Values of every kind, odd encodings included.
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "1337",
    "1500",
    "99999999999",
    "0x10",
    "e01",
    "g01",
    "2020-01-01Z",
    "2023-01-02T00:00",
    "2023-01-02T00:00:00%2B01:00",
    "897069650",
    "12345",
    "/party/1337",
    "%2Fparty%2F1337",
    "urn:altinn:resource:",
    "urn:altinn:resource:app_ttd_apps-test",
    "urn:altinn:resource:broker",
    "https://ttd.apps.tt02.altinn.no/ttd/%25",
    "app.%25",
    "_",
    "%25",
    "%",
    "%zz",
    "%FF",
    "%C3%A6",
    "%00",
    "%0A",
    "%5C",
    "a+b",
    "a%20b",
];

/// Pieces that break the `key=value&…` shape.
const JUNK: &[&str] = &["=", "&", "&&", "==", "+", "%", "%2B"];
/// Escapes after which production itself answers 500: NUL and a trailing `\` make PostgreSQL
/// throw; a decoded control or non-ASCII character in the `next` header makes Kestrel throw.
const PRODUCTION_500_TRIGGERS: &[&str] = &["%00", "%5C", "%0A", "%C3%A6"];

fn runner(seed: u64) -> TestRunner {
    TestRunner::new(Config {
        cases: 300,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Query strings: half start with parameters that pass production's rules (`base`), so the
/// selection and the `next` link run too; then `key=value` pairs and some junk.
fn query_strings(base: &'static str) -> impl Strategy<Value = String> {
    let pair = (prop::sample::select(NAMES), prop::sample::select(VALUES))
        .prop_map(|(name, value)| format!("{name}={value}"));
    let part = prop_oneof![4 => pair, 1 => prop::sample::select(JUNK).prop_map(str::to_owned)];
    (any::<bool>(), prop::collection::vec(part, 0..8)).prop_map(move |(valid, parts)| {
        let rest = parts.join("&");
        if valid {
            format!("{base}&{rest}")
        } else {
            rest
        }
    })
}

/// A server with a few events of party 1337, both app and generic ones.
fn start(runtime: &tokio::runtime::Runtime) -> TestServer {
    runtime.block_on(start_with(
        MockServer::builder()
            .events([
                cloud_event("e01").build(),
                cloud_event("e02")
                    .of_type("app.instance.process.completed")
                    .build(),
                cloud_event("g01")
                    .with("source", "urn:altinn:broker")
                    .with("resource", "urn:altinn:resource:broker")
                    .build(),
            ])
            .parties([
                Party::person(1337, "01038712345"),
                Party::organisation(500000, "897069650"),
            ]),
    ))
}

fn assert_production_500(query: &str, answer: &Answer) -> Result<(), TestCaseError> {
    let body = answer.json();
    prop_assert_eq!(
        &body["title"],
        "An error occurred while processing your request."
    );
    let register = body["detail"]
        .as_str()
        .is_some_and(|detail| detail.starts_with("400 - Bad Request - "));
    let triggered = PRODUCTION_500_TRIGGERS.iter().any(|t| query.contains(t));
    prop_assert!(
        register || triggered,
        "unexpected 500 for {}: {}",
        query,
        answer.body
    );
    Ok(())
}

#[test]
fn random_party_queries_get_production_shaped_answers() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = start(&runtime);
    let token = runtime.block_on(server.token("userId=1&partyId=1337"));
    let person = prop::sample::select(&["", "01038712345", "123", "16035001577"][..]);
    runner(20261130)
        .run(
            &(query_strings("after=0&party=1337"), person),
            |(query, person)| {
                let answer = runtime.block_on(
                    server.get_with(&format!("/events/api/v1/app/party?{query}"), |r| {
                        r.bearer_auth(&token).header("person", person)
                    }),
                );
                prop_assert!(
                    matches!(answer.status, 200 | 400 | 404 | 500),
                    "{}: {}",
                    query,
                    answer.status
                );
                match answer.status {
                    200 => {
                        answer.event_ids();
                    }
                    500 => assert_production_500(&query, &answer)?,
                    _ => {}
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn random_generic_queries_get_production_shaped_answers() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = start(&runtime);
    let token = runtime.block_on(server.token("org=ttd&scope=altinn:events.subscribe"));
    let alternative = prop::sample::select(&["", "/person/01038712345", "%"][..]);
    runner(20261131)
        .run(
            &(
                query_strings("resource=urn:altinn:resource:app_ttd_apps-test&after=0"),
                alternative,
            ),
            |(query, alternative)| {
                let answer = runtime.block_on(server.get_with(
                    &format!("/events/api/v1/events?{query}"),
                    |r| {
                        r.bearer_auth(&token)
                            .header("Altinn-AlternativeSubject", alternative)
                    },
                ));
                prop_assert!(
                    matches!(answer.status, 200 | 400 | 500),
                    "{}: {}",
                    query,
                    answer.status
                );
                match answer.status {
                    200 => {
                        answer.event_ids();
                    }
                    400 => prop_assert_eq!(
                        answer.content_type(),
                        Some("application/cloudevents+json; charset=utf-8")
                    ),
                    _ => assert_production_500(&query, &answer)?,
                }
                Ok(())
            },
        )
        .unwrap();
}

/// Pieces of request bodies: JSON punctuation, attribute names right and wrong, values of
/// every JSON type.
const BODY_PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"specversion\":\"1.0\"",
    "\"specversion\":\"0.3\"",
    "\"id\":\"a\"",
    "\"id\":\"\"",
    "\"id\":1",
    "\"source\":\"urn:x\"",
    "\"source\":\"\"",
    "\"type\":\"t\"",
    "\"subject\":\"\"",
    "\"subject\":\"/party/1\"",
    "\"resource\":\"urn:altinn:resource:x\"",
    "\"resource\":\"x\"",
    "\"time\":\"2024-01-01T00:00:00Z\"",
    "\"time\":\"now\"",
    "\"data\":{\"a\":[1,2]}",
    "\"data\":\"x\"",
    "\"data_base64\":\"AA==\"",
    "\"datacontenttype\":\"text/plain\"",
    "\"datacontenttype\":\"application/xml\"",
    "\"datacontenttype\":\"nonsense\"",
    "\"dataschema\":\"/x\"",
    "\"Bad\":1",
    "\"n\":5.5",
    "\"n\":null",
    "\"b\":true",
    "\"o\":{}",
    "null",
    "\"\\u0000\"",
    "\u{e6}",
    "\\",
];

#[test]
fn random_publish_bodies_get_production_shaped_answers() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = start(&runtime);
    let token = runtime.block_on(server.token("org=ttd&scope=altinn:events.publish"));
    let bodies =
        prop::collection::vec(prop::sample::select(BODY_PIECES), 0..12).prop_map(|pieces| {
            // Half the cases are objects of attributes, the rest raw concatenations.
            pieces.concat()
        });
    // The rest: a valid event with random attributes added (later ones win, as in JSON).
    let valid = r#""specversion":"1.0","id":"a","source":"urn:x","type":"t","resource":"urn:altinn:resource:x""#;
    let objects = prop::collection::vec(prop::sample::select(&BODY_PIECES[6..32]), 0..4).prop_map(
        move |attributes| {
            let extra: String = attributes.iter().map(|a| format!(",{a}")).collect();
            format!("{{{valid}{extra}}}")
        },
    );
    runner(20261132)
        .run(&prop_oneof![bodies, objects], |body| {
            let answer = runtime.block_on(
                server.send(
                    server
                        .client
                        .post(server.server.generic_events_url())
                        .bearer_auth(&token)
                        .header("content-type", "application/cloudevents+json")
                        .body(body.clone()),
                ),
            );
            prop_assert!(
                matches!(answer.status, 200 | 400 | 500),
                "{}: {}",
                body,
                answer.status
            );
            if answer.status == 500 {
                // Production throws serializing data of a type neither JSON nor text/*.
                prop_assert!(
                    body.contains("application/xml"),
                    "unexpected 500 for {}",
                    body
                );
            }
            if answer.status == 400 {
                let problem: Value = answer.json();
                prop_assert_eq!(&problem["status"], 400);
            }
            Ok(())
        })
        .unwrap();
}
