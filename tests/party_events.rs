//! `GET /events/api/v1/app/party` (contract `app-party-query.md`): the order of checks, the
//! selection, the authorization stand-in and the `next` link, through real HTTP.

mod common;

use altinn_events_mock::{AuthMode, MockServer, Party};
use common::{Answer, TestServer, assert_trace_id, cloud_event, start_with};
use serde_json::Value;

const PARTY: &str = "/events/api/v1/app/party";
const PERSON: &str = "01038712345";
const UNIT: &str = "897069650";

/// Events of two apps and two parties, in this order: p1 (ttd/apps-test, party 1337),
/// p2 (skd/mva-melding, 1337), p3 (ttd/apps-test, 500000), p4 (ttd/apps-test, 1337).
fn events() -> Vec<Value> {
    vec![
        cloud_event("p1")
            .party(1337)
            .at("2023-01-01T00:00:00Z")
            .build(),
        cloud_event("p2")
            .app("skd", "mva-melding")
            .party(1337)
            .of_type("app.instance.process.completed")
            .at("2023-01-02T00:00:00Z")
            .build(),
        cloud_event("p3")
            .party(500000)
            .at("2023-01-03T00:00:00Z")
            .build(),
        cloud_event("p4")
            .party(1337)
            .at("2023-01-04T00:00:00Z")
            .build(),
    ]
}

fn builder(events: Vec<Value>) -> altinn_events_mock::MockServerBuilder {
    MockServer::builder().events(events).parties([
        Party::person(1337, PERSON),
        Party::organisation(500000, UNIT),
    ])
}

async fn server() -> TestServer {
    start_with(builder(events())).await
}

/// Request headers, as name and value.
type Headers<'a> = &'a [(&'a str, &'a str)];

/// GET `PARTY?query` with a person token for user 1 acting as `party`, plus `headers`.
async fn as_person(
    server: &TestServer,
    party: u32,
    query: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let token = server.token(&format!("userId=1&partyId={party}")).await;
    server
        .get_with(&format!("{PARTY}?{query}"), |mut request| {
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.bearer_auth(&token)
        })
        .await
}

// ---- the order of checks (§2) ----

#[tokio::test]
async fn a_no_token_gives_an_empty_401_before_validation() {
    let server = server().await;
    let answer = server
        .get_with(&format!("{PARTY}?from=2020-01-01"), |r| r)
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (401, ""));
    assert_eq!(answer.content_type(), None);
}

#[tokio::test]
async fn a_non_json_content_type_gives_415_before_binding() {
    let server = server().await;
    let answer = as_person(&server, 1337, "size=abc", &[("content-type", "text/plain")]).await;
    assert_eq!(answer.status, 415);
    assert_eq!(
        answer.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
}

#[tokio::test]
async fn b_binding_errors_list_to_from_size_party() {
    let server = server().await;
    let answer = as_person(&server, 1337, "party=x&size=&from=nope&to=1.2.3.4.5", &[]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
    let body = answer.json();
    let at = |key: &str| answer.body.find(&format!("\"{key}\":[")).unwrap();
    assert!(at("to") < at("from") && at("from") < at("size") && at("size") < at("party"));
    assert_eq!(body["errors"]["size"][0], "The value '' is invalid.");
    assert_trace_id(&body["traceId"]);
}

#[tokio::test]
async fn no_org_claim_is_needed_unlike_the_app_owners_query() {
    let server = server().await;
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(answer.event_ids(), ["p1", "p2", "p4"]);
}

#[tokio::test]
async fn rules_1_to_7_are_the_app_owners_query_s() {
    let server = server().await;
    let cases: [(&str, Headers, &str); 7] = [
        (
            "size=5",
            &[],
            "The 'From' or 'After' parameter must be defined.",
        ),
        (
            "from=2022-07-07T11:00:53.3917",
            &[],
            "The 'From' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC",
        ),
        (
            "after=1&to=2022-07-07T11:00:53.3917",
            &[],
            "The 'To' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC",
        ),
        (
            "after=1&size=0",
            &[],
            "The 'Size' parameter must be a number larger that 0.",
        ),
        (
            "after=1&party=1337",
            &[("person", PERSON)],
            "Only one of 'Party' or 'Person' can be defined.",
        ),
        (
            "after=1&party=1337&unit=12345",
            &[],
            "Only one of 'Party' or 'Unit' can be defined.",
        ),
        (
            "after=1&unit=123456MVA",
            &[],
            "Value of 'Unit' needs to be exactly 9 digits.",
        ),
    ];
    for (query, headers, detail) in cases {
        as_person(&server, 1337, query, headers)
            .await
            .assert_bad_request(detail);
    }
}

const NO_SUBJECT: &str =
    "Subject must be specified using either query params party or unit or header value person.";

#[tokio::test]
async fn rule_8_a_subject_is_required() {
    let server = server().await;
    as_person(&server, 1337, "from=2020-01-01Z&size=5", &[])
        .await
        .assert_bad_request(NO_SUBJECT);
}

#[tokio::test]
async fn rule_8_a_negative_party_is_no_subject_here() {
    let server = server().await;
    as_person(&server, 1337, "from=2020-01-01Z&party=-5", &[])
        .await
        .assert_bad_request(NO_SUBJECT);
}

#[tokio::test]
async fn rule_8_an_empty_person_header_counts_as_absent() {
    let server = server().await;
    as_person(&server, 1337, "from=2020-01-01Z", &[("person", "")])
        .await
        .assert_bad_request(NO_SUBJECT);
}

#[tokio::test]
async fn rule_8_passes_with_party_0_and_a_unit_or_person_which_the_register_maps() {
    let server = server().await;
    let by_person = as_person(
        &server,
        1337,
        "from=2020-01-01Z&party=0",
        &[("person", PERSON)],
    )
    .await;
    assert_eq!(by_person.event_ids(), ["p1", "p2", "p4"]);
    let by_unit = as_person(
        &server,
        500000,
        &format!("from=2020-01-01Z&party=-1&unit={UNIT}"),
        &[],
    )
    .await;
    assert_eq!(by_unit.event_ids(), ["p3"]);
}

#[tokio::test]
async fn rule_9_a_bad_lookup_is_the_register_s_400_wrapped_in_a_500() {
    let server = server().await;
    for headers in [&[("person", "123")][..], &[("person", PERSON)][..]] {
        let query = if headers[0].1 == PERSON {
            format!("from=2020-01-01Z&unit={UNIT}")
        } else {
            "from=2020-01-01Z".to_owned()
        };
        let answer = as_person(&server, 1337, &query, headers).await;
        assert_eq!(answer.status, 500, "{}", answer.body);
        assert_eq!(
            answer.content_type(),
            Some("application/json; charset=utf-8")
        );
        let detail = answer.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.starts_with("400 - Bad Request - "), "{detail}");
    }
}

#[tokio::test]
async fn rule_10_an_unknown_unit_or_person_is_not_found() {
    let server = server().await;
    let answer = as_person(&server, 1337, "from=2020-01-01Z&unit=974761076", &[]).await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
    let body = answer.json();
    assert_eq!(body["title"], "Not Found");
    assert!(body.get("detail").is_none());
}

#[tokio::test]
async fn post_is_not_this_endpoint_405_and_party_x_is_an_app() {
    let server = server().await;
    let token = server.token("org=ttd").await;
    let answer = server
        .send(server.client.post(server.url(PARTY)).bearer_auth(&token))
        .await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("GET")));
    // `/app/party/x` is app `x` of org `party`: the org query, which needs an org claim.
    let person = server.token("userId=1&partyId=1337").await;
    let answer = server
        .get_with(&format!("{PARTY}/x?from=2020-01-01Z"), |r| {
            r.bearer_auth(&person)
        })
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (401, "\"Only orgs can call this api\"")
    );
}

// ---- selection (§4) ----

#[tokio::test]
async fn selection_spans_every_app_of_the_party() {
    let server = server().await;
    let answer = as_person(
        &server,
        1337,
        "from=2020-01-01Z&party=1337&org=ttd&app=apps-test",
        &[],
    )
    .await;
    assert_eq!(
        answer.event_ids(),
        ["p1", "p2", "p4"],
        "org and app are not bound"
    );
}

#[tokio::test]
async fn source_is_a_case_insensitive_like_any_of_them() {
    let server = server().await;
    let ids = |query: &'static str| {
        let server = &server;
        async move { as_person(server, 1337, query, &[]).await.event_ids() }
    };
    assert_eq!(
        ids("from=2020-01-01Z&party=1337&source=HTTPS://TTD.apps.tt02.altinn.no/ttd/%25").await,
        ["p1", "p4"]
    );
    assert_eq!(
        ids("from=2020-01-01Z&party=1337&source=%25/ttd/%25&source=%25mva-melding%25").await,
        ["p1", "p2", "p4"]
    );
    assert_eq!(
        ids(
            "from=2020-01-01Z&party=1337&source=https://skd.apps.tt02.altinn.no/skd/mva-m_lding/%25"
        )
        .await,
        ["p2"]
    );
}

#[tokio::test]
async fn a_source_without_a_wildcard_must_equal_the_whole_source() {
    let server = server().await;
    for app_url in [
        "https://ttd.apps.tt02.altinn.no/ttd/apps-test",
        "https://ttd.apps.tt02.altinn.no/ttd/apps-test/",
    ] {
        let answer = as_person(
            &server,
            1337,
            &format!("from=2020-01-01Z&party=1337&source={app_url}"),
            &[],
        )
        .await;
        assert_eq!(answer.body, "[]", "{app_url}");
    }
}

#[tokio::test]
async fn a_blank_source_matches_nothing_and_a_trailing_backslash_fails() {
    let server = server().await;
    let blank = as_person(&server, 1337, "from=2020-01-01Z&party=1337&source=", &[]).await;
    assert_eq!(blank.body, "[]");
    let broken = as_person(
        &server,
        1337,
        "from=2020-01-01Z&party=1337&source=abc%5C",
        &[],
    )
    .await;
    assert_eq!(broken.status, 500);
    assert_eq!(
        broken.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
}

#[tokio::test]
async fn type_from_to_and_after_filter_as_on_the_app_owners_query() {
    let server = server().await;
    let completed = as_person(
        &server,
        1337,
        "from=2020-01-01Z&party=1337&type=APP.instance.process.%25",
        &[],
    )
    .await;
    assert_eq!(completed.event_ids(), ["p2"]);
    let window = as_person(
        &server,
        1337,
        "from=2023-01-02Z&to=2023-01-04T00:00:00Z&party=1337",
        &[],
    )
    .await;
    assert_eq!(window.event_ids(), ["p2", "p4"]);
    let after = as_person(&server, 1337, "after=p3&party=1337", &[]).await;
    assert_eq!(after.event_ids(), ["p4"], "after p3, another party's event");
    let unknown = as_person(&server, 1337, "after=1&party=1337", &[]).await;
    assert_eq!(unknown.event_ids(), ["p1", "p2", "p4"]);
}

#[tokio::test]
async fn the_visibility_lag_cuts_by_sequence_number() {
    let server =
        start_with(builder(events()).visibility_lag(std::time::Duration::from_secs(30))).await;
    server
        .server
        .advance_clock(std::time::Duration::from_secs(60));
    server
        .server
        .publish([cloud_event("young").party(1337).build()])
        .unwrap();
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(answer.event_ids(), ["p1", "p2", "p4"]);
    server
        .server
        .advance_clock(std::time::Duration::from_secs(31));
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(answer.event_ids(), ["p1", "p2", "p4", "young"]);
}

// ---- the authorization stand-in (§5) ----

#[tokio::test]
async fn another_party_s_events_vanish_without_a_grant() {
    let server = server().await;
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=500000", &[]).await;
    assert_eq!(answer.body, "[]");
    assert_eq!(answer.header("next"), None);
}

#[tokio::test]
async fn a_grant_lets_a_user_read_a_party_optionally_one_app() {
    let server =
        start_with(builder(events()).grant("user:1 read party:1337 app:skd/mva-melding")).await;
    let answer = as_person(&server, 42, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(answer.event_ids(), ["p2"]);
    server.server.grant("user:1 read party:1337");
    let answer = as_person(&server, 42, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(answer.event_ids(), ["p1", "p2", "p4"]);
    server.server.reset();
    let answer = as_person(&server, 42, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(
        answer.event_ids(),
        ["p2"],
        "a reset restores the startup grants"
    );
}

#[tokio::test]
async fn an_app_owner_reads_its_apps_events_of_any_party() {
    let server = server().await;
    let token = server.token("org=skd").await;
    let answer = server
        .get_with(&format!("{PARTY}?from=2020-01-01Z&party=1337"), |r| {
            r.bearer_auth(&token)
        })
        .await;
    assert_eq!(answer.event_ids(), ["p2"]);
}

#[tokio::test]
async fn an_organisation_reads_the_party_the_register_gives_its_number() {
    let server = server().await;
    let token = server.token(&format!("orgNumber={UNIT}")).await;
    let answer = server
        .get_with(&format!("{PARTY}?from=2020-01-01Z&unit={UNIT}"), |r| {
            r.bearer_auth(&token)
        })
        .await;
    assert_eq!(answer.event_ids(), ["p3"]);
}

#[tokio::test]
async fn sources_that_are_no_instance_vanish_and_a_relative_one_fails() {
    let mut events = events();
    events.push(
        cloud_event("not-instance")
            .party(1337)
            .with("source", "urn:altinn:broker:x")
            .build(),
    );
    let server = start_with(builder(events.clone())).await;
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(answer.event_ids(), ["p1", "p2", "p4"]);
    events.push(
        cloud_event("relative")
            .party(1337)
            .with("source", "/ttd/a/instances/1337/g")
            .build(),
    );
    let server = start_with(builder(events)).await;
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=1337", &[]).await;
    assert_eq!(answer.status, 500);
    let first_two = as_person(&server, 1337, "from=2020-01-01Z&party=1337&size=2", &[]).await;
    assert_eq!(
        first_two.event_ids(),
        ["p1", "p2"],
        "only a page holding it fails"
    );
}

#[tokio::test]
async fn auth_off_without_a_token_keeps_every_instance_event() {
    let server = start_with(builder(events()).auth(AuthMode::Off)).await;
    let answer = server
        .get_with(&format!("{PARTY}?from=2020-01-01Z&party=500000"), |r| r)
        .await;
    assert_eq!(answer.event_ids(), ["p3"]);
}

#[tokio::test]
async fn two_permitted_events_with_one_id_come_back_as_the_first_twice() {
    let events = vec![
        cloud_event("twin").party(1337).build(),
        cloud_event("twin")
            .app("skd", "mva-melding")
            .party(1337)
            .build(),
    ];
    let server = start_with(builder(events)).await;
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=1337", &[]).await;
    let sources: Vec<String> = serde_json::from_str::<Vec<Value>>(&answer.body)
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0], sources[1], "the first one twice");
    assert!(sources[0].contains("/ttd/"));
}

// ---- the next link (§7) ----

async fn localhost() -> TestServer {
    start_with(builder(events()).base_url("http://localhost:5080")).await
}

#[tokio::test]
async fn next_test_784_party_and_size_carried() {
    let server = localhost().await;
    let answer = as_person(&server, 1337, "from=2020-01-01Z&party=1337&size=5", &[]).await;
    assert_eq!(
        answer.header("next"),
        Some(
            "http://localhost:5080/events/api/v1/app/party?after=p4&from=2020-01-01Z&party=1337&size=5"
        )
    );
}

#[tokio::test]
async fn next_test_817_does_not_carry_the_person_header() {
    let server = localhost().await;
    let answer = as_person(
        &server,
        1337,
        "from=2020-01-01Z&size=5",
        &[("Person", PERSON)],
    )
    .await;
    let next = answer.header("next").unwrap().to_owned();
    assert_eq!(
        next,
        "http://localhost:5080/events/api/v1/app/party?after=p4&from=2020-01-01Z&size=5"
    );
    // Following it without the header fails rule 8, as in production.
    let path = next.trim_start_matches("http://localhost:5080");
    let token = server.token("userId=1&partyId=1337").await;
    let followed = server.get_with(path, |r| r.bearer_auth(&token)).await;
    followed.assert_bad_request(NO_SUBJECT);
}

#[tokio::test]
async fn next_test_852_replaces_after() {
    let server = localhost().await;
    let answer = as_person(
        &server,
        1337,
        "after=p2&from=2020-01-01Z&party=1337&size=5",
        &[],
    )
    .await;
    assert_eq!(answer.event_ids(), ["p4"]);
    assert_eq!(
        answer.header("next"),
        Some(
            "http://localhost:5080/events/api/v1/app/party?after=p4&from=2020-01-01Z&party=1337&size=5"
        )
    );
}

#[tokio::test]
async fn next_test_885_copies_unbound_org_and_app() {
    let server = localhost().await;
    let answer = as_person(
        &server,
        1337,
        "from=2020-01-01Z&party=1337&org=ttd&app=endring-av-navn-v2&size=5",
        &[],
    )
    .await;
    assert_eq!(
        answer.header("next"),
        Some(
            "http://localhost:5080/events/api/v1/app/party?after=p4&from=2020-01-01Z&party=1337&org=ttd&app=endring-av-navn-v2&size=5"
        )
    );
}

#[tokio::test]
async fn next_writes_a_source_s_percent_raw() {
    let server = localhost().await;
    let answer = as_person(
        &server,
        1337,
        "from=2020-01-01Z&party=1337&source=%25mva%25",
        &[],
    )
    .await;
    let next = answer.header("next").unwrap().to_owned();
    assert!(next.ends_with("&source=%mva%"), "{next}");
    let token = server.token("userId=1&partyId=1337").await;
    let followed = server
        .get_with(next.trim_start_matches("http://localhost:5080"), |r| {
            r.bearer_auth(&token)
        })
        .await;
    // The raw `%` is kept (it starts no escape), so the pattern is the same on the next page.
    assert_eq!((followed.status, followed.body.as_str()), (200, "[]"));
}
