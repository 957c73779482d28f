//! `GET /events/api/v1/events` (contract `generic-events-query.md`, part I): the order of
//! checks, the selection, the per-event visibility lag and the `next` link, through real HTTP.

mod common;

use std::time::Duration;

use altinn_events_mock::{MockServer, MockServerBuilder, ResourceAccess};
use common::{Answer, CloudEvent, TestServer, assert_trace_id, cloud_event, start_with};
use serde_json::Value;

const EVENTS: &str = "/events/api/v1/events";
const SYSTEMX: &str = "urn:altinn:resource:systemx";
const CLOUDEVENTS_JSON: &str = "application/cloudevents+json; charset=utf-8";

/// A generic event of `resource` about `subject`, from a source that is no app instance.
fn generic(id: &str, resource: &str, subject: &str) -> CloudEvent {
    cloud_event(id)
        .with(
            "source",
            "https://platform.altinn.no/systemx/api/v1/things/1",
        )
        .with("resource", resource)
        .with("subject", subject)
        .without("time")
}

/// x1, x2 (party 1337, person 01038712345), y1 (another resource), x3 (party 777), x4 (no
/// subject): the order they are stored in.
fn events() -> Vec<Value> {
    vec![
        generic("x1", SYSTEMX, "/party/1337")
            .person("01038712345")
            .of_type("no.altinn.Thing.created")
            .build(),
        generic("x2", SYSTEMX, "/party/1337")
            .person("01038712345")
            .of_type("no.altinn.thing.updated")
            .build(),
        generic("y1", "urn:altinn:resource:systemy", "/party/1337").build(),
        generic("x3", SYSTEMX, "/party/777")
            .person("16035001577")
            .build(),
        generic("x4", SYSTEMX, "").without("subject").build(),
    ]
}

fn builder() -> MockServerBuilder {
    MockServer::builder().events(events())
}

async fn server() -> TestServer {
    start_with(builder()).await
}

/// GET `EVENTS?query` with a service-owner token of scope `altinn:events.subscribe`.
async fn get(server: &TestServer, query: &str, headers: &[(&str, &str)]) -> Answer {
    let token = server.token("org=ttd&scope=altinn:events.subscribe").await;
    get_as(server, &token, query, headers).await
}

async fn get_as(server: &TestServer, token: &str, query: &str, headers: &[(&str, &str)]) -> Answer {
    server
        .get_with(&format!("{EVENTS}?{query}"), |mut request| {
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.bearer_auth(token)
        })
        .await
}

fn assert_generic_bad_request(answer: &Answer, detail: &str) {
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.content_type(), Some(CLOUDEVENTS_JSON));
    let body = answer.json();
    assert_eq!(body["title"], "Bad Request");
    assert_eq!(body["detail"], detail);
    assert_trace_id(&body["traceId"]);
}

// ---- the order of checks (§2) ----

#[tokio::test]
async fn a_no_token_gives_an_empty_401() {
    let server = server().await;
    let answer = server
        .get_with(&format!("{EVENTS}?resource=x"), |r| r)
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (401, ""));
}

#[tokio::test]
async fn s_a_token_without_the_subscribe_scope_gives_an_empty_403_before_anything_else() {
    let server = server().await;
    let token = server.token("org=ttd&scope=altinn:events:invalid").await;
    let answer = get_as(
        &server,
        &token,
        "size=abc",
        &[("content-type", "text/plain")],
    )
    .await;
    assert_eq!((answer.status, answer.body.as_str()), (403, ""));
    assert_eq!(answer.content_type(), None);
}

#[tokio::test]
async fn s_any_kind_of_token_with_the_scope_may_call() {
    let server = server().await;
    for query in [
        "userId=1&partyId=1337&scope=altinn:events.subscribe",
        "orgNumber=974761076&scope=altinn:events.subscribe altinn:other",
    ] {
        let token = server.token(query).await;
        let answer = get_as(&server, &token, &format!("resource={SYSTEMX}&after=0"), &[]).await;
        assert_eq!(answer.event_ids(), ["x1", "x2", "x3", "x4"], "{query}");
    }
}

#[tokio::test]
async fn a_non_json_content_type_gives_415() {
    let server = server().await;
    let answer = get(&server, "size=abc", &[("content-type", "text/plain")]).await;
    assert_eq!(answer.status, 415);
    assert_eq!(
        answer.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
}

#[tokio::test]
async fn b_resource_is_required_and_served_as_cloudevents_json() {
    let server = server().await;
    for query in ["after=0", "resource=&after=0", "resource=%20"] {
        let answer = get(&server, query, &[]).await;
        assert_eq!(answer.status, 400, "{query}");
        assert_eq!(answer.content_type(), Some(CLOUDEVENTS_JSON));
        let body = answer.json();
        assert_eq!(body["title"], "One or more validation errors occurred.");
        assert_eq!(
            body["errors"]["resource"][0],
            "The resource field is required."
        );
    }
}

#[tokio::test]
async fn b_a_bad_size_is_listed_before_a_missing_resource() {
    let server = server().await;
    let answer = get(&server, "size=abc", &[]).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json()["errors"]["size"][0],
        "The value 'abc' is not valid."
    );
    assert!(answer.body.find("\"size\"").unwrap() < answer.body.find("\"resource\"").unwrap());
    let empty = get(&server, &format!("resource={SYSTEMX}&after=0&size="), &[]).await;
    assert_eq!(
        empty.json()["errors"]["size"][0],
        "The value '' is invalid."
    );
}

#[tokio::test]
async fn rule_1_the_resource_must_begin_with_urn_altinn_resource_in_backticks() {
    let server = server().await;
    let answer = get(
        &server,
        "resource=random&subject=a",
        &[("Altinn-AlternativeSubject", "b")],
    )
    .await;
    assert_generic_bad_request(
        &answer,
        "The 'resource' parameter must begin with `urn:altinn:resource:`",
    );
    assert!(
        answer.body.contains(r"\u0060urn:altinn:resource:\u0060"),
        "{}",
        answer.body
    );
    let upper = get(&server, "resource=URN:altinn:resource:x&after=0", &[]).await;
    assert_eq!(upper.status, 400, "case-sensitive");
}

#[tokio::test]
async fn rule_2_after_must_be_defined() {
    let server = server().await;
    for query in [
        format!("resource={SYSTEMX}"),
        format!("resource={SYSTEMX}&after="),
    ] {
        let answer = get(&server, &query, &[]).await;
        assert_generic_bad_request(&answer, "The 'after' parameter must be defined.");
    }
}

#[tokio::test]
async fn rule_3_subject_and_alternative_subject_exclude_each_other() {
    let server = server().await;
    let answer = get(
        &server,
        &format!("resource={SYSTEMX}&after=0&subject=/party/1337"),
        &[("Altinn-AlternativeSubject", "/person/01038712345")],
    )
    .await;
    assert_generic_bad_request(
        &answer,
        "Only one of 'subject' or 'alternativeSubject' can be defined.",
    );
}

// ---- selection (§3) ----

#[tokio::test]
async fn selection_is_by_exact_resource_in_registration_order() {
    let server = server().await;
    let answer = get(&server, &format!("resource={SYSTEMX}&after=0"), &[]).await;
    assert_eq!(answer.event_ids(), ["x1", "x2", "x3", "x4"]);
    assert_eq!(answer.content_type(), Some(CLOUDEVENTS_JSON));
    let other_case = get(&server, "resource=urn:altinn:resource:SYSTEMX&after=0", &[]).await;
    assert_eq!(other_case.body, "[]");
}

#[tokio::test]
async fn subject_and_the_alternative_subject_header_match_exactly() {
    let server = server().await;
    let by_subject = get(
        &server,
        &format!("resource={SYSTEMX}&after=0&subject=%2Fparty%2F1337"),
        &[],
    )
    .await;
    assert_eq!(by_subject.event_ids(), ["x1", "x2"]);
    let by_alternative = get(
        &server,
        &format!("resource={SYSTEMX}&after=0"),
        &[("Altinn-AlternativeSubject", "/person/16035001577")],
    )
    .await;
    assert_eq!(by_alternative.event_ids(), ["x3"]);
    let prefix = get(
        &server,
        &format!("resource={SYSTEMX}&after=0&subject=/party/13"),
        &[],
    )
    .await;
    assert_eq!(prefix.body, "[]");
}

#[tokio::test]
async fn type_is_a_case_sensitive_like_unlike_the_app_queries() {
    let server = server().await;
    let types = |query: String| {
        let server = &server;
        async move { get(server, &query, &[]).await.event_ids() }
    };
    assert_eq!(
        types(format!(
            "resource={SYSTEMX}&after=0&type=no.altinn.thing.%25"
        ))
        .await,
        ["x2"]
    );
    assert_eq!(
        types(format!(
            "resource={SYSTEMX}&after=0&type=no.altinn._hing.%25"
        ))
        .await,
        ["x1", "x2"]
    );
    assert!(
        types(format!("resource={SYSTEMX}&after=0&type="))
            .await
            .is_empty()
    );
    let broken = get(
        &server,
        &format!("resource={SYSTEMX}&after=0&type=x%5C"),
        &[],
    )
    .await;
    assert_eq!(broken.status, 500);
}

#[tokio::test]
async fn after_is_the_first_event_with_that_id_in_any_resource() {
    let server = server().await;
    let after_y1 = get(&server, &format!("resource={SYSTEMX}&after=y1"), &[]).await;
    assert_eq!(after_y1.event_ids(), ["x3", "x4"]);
    let unknown = get(&server, &format!("resource={SYSTEMX}&after=0"), &[]).await;
    assert_eq!(
        unknown.event_ids().len(),
        4,
        "an unknown id starts at the beginning"
    );
}

#[tokio::test]
async fn size_is_clamped_to_1_to_1000_never_refused() {
    let many: Vec<Value> = (0..1100)
        .map(|i| generic(&format!("m{i}"), SYSTEMX, "/party/1").build())
        .collect();
    let server = start_with(MockServer::builder().events(many)).await;
    for (size, expected) in [("-5", 50), ("0", 50), ("7", 7), ("1500", 1000)] {
        let answer = get(
            &server,
            &format!("resource={SYSTEMX}&after=0&size={size}"),
            &[],
        )
        .await;
        assert_eq!(answer.event_ids().len(), expected, "size={size}");
        let next = answer.header("next").unwrap();
        assert!(
            next.ends_with(&format!("&size={size}")),
            "copied as sent: {next}"
        );
    }
}

#[tokio::test]
async fn the_visibility_lag_hides_each_young_event_even_when_none_is_old() {
    let server = start_with(MockServer::builder().visibility_lag(Duration::from_secs(30))).await;
    server
        .server
        .publish([generic("young", SYSTEMX, "/party/1").build()])
        .unwrap();
    // The app queries show everything when no event is 30 s old (their quirk); this one not.
    let answer = get(&server, &format!("resource={SYSTEMX}&after=0"), &[]).await;
    assert_eq!(answer.body, "[]");
    server.server.advance_clock(Duration::from_secs(30));
    let answer = get(&server, &format!("resource={SYSTEMX}&after=0"), &[]).await;
    assert_eq!(answer.event_ids(), ["young"]);
}

// ---- the authorization stand-in (§4) ----

#[tokio::test]
async fn resources_are_open_unless_grants_are_asked_for() {
    let server = start_with(
        builder()
            .resource_access(ResourceAccess::Grants)
            .grant("org:ttd subscribe urn:altinn:resource:systemx subject:/party/777"),
    )
    .await;
    let answer = get(&server, &format!("resource={SYSTEMX}&after=0&size=3"), &[]).await;
    assert_eq!(
        answer.event_ids(),
        ["x3"],
        "LIMIT before the filter: a short page"
    );
    assert!(answer.header("next").unwrap().contains("after=x3"));
    server.server.set_resource_access(ResourceAccess::Open);
    let answer = get(&server, &format!("resource={SYSTEMX}&after=0&size=3"), &[]).await;
    assert_eq!(answer.event_ids(), ["x1", "x2", "x3"]);
}

#[tokio::test]
async fn two_events_with_one_id_come_back_as_the_first_twice() {
    let events = vec![
        generic("twin", SYSTEMX, "/party/1")
            .with("source", "urn:one")
            .build(),
        generic("twin", SYSTEMX, "/party/2")
            .with("source", "urn:two")
            .build(),
    ];
    let server = start_with(MockServer::builder().events(events)).await;
    let answer = get(&server, &format!("resource={SYSTEMX}&after=0"), &[]).await;
    let sources: Vec<Value> = serde_json::from_str::<Vec<Value>>(&answer.body)
        .unwrap()
        .into_iter()
        .map(|event| event["source"].clone())
        .collect();
    assert_eq!(sources, ["urn:one", "urn:one"]);
}

// ---- the success body (§5) ----

#[tokio::test]
async fn events_without_time_are_served_without_one() {
    let server = server().await;
    let answer = get(
        &server,
        &format!("resource={SYSTEMX}&after=0&subject=/party/777"),
        &[],
    )
    .await;
    assert_eq!(
        answer.body,
        r#"[{"specversion":"1.0","id":"x3","type":"app.instance.created","source":"https://platform.altinn.no/systemx/api/v1/things/1","subject":"/party/777","resource":"urn:altinn:resource:systemx","alternativesubject":"/person/16035001577"}]"#
    );
}

// ---- the next link (§6) ----

async fn localhost() -> TestServer {
    start_with(builder().base_url("http://localhost:5080")).await
}

#[tokio::test]
async fn next_carries_the_query_as_sent() {
    let server = localhost().await;
    let answer = get(
        &server,
        &format!("resource={SYSTEMX}&after=0&subject=%2Fparty%2F1337"),
        &[],
    )
    .await;
    assert_eq!(
        answer.header("next"),
        Some(
            "http://localhost:5080/events/api/v1/events?after=x2&resource=urn:altinn:resource:systemx&subject=/party/1337"
        )
    );
    let again = get(
        &server,
        &format!("resource={SYSTEMX}&after=x1&subject=/party/1337"),
        &[],
    )
    .await;
    assert_eq!(again.event_ids(), ["x2"]);
    assert_eq!(again.header("next"), answer.header("next"));
}

#[tokio::test]
async fn next_appends_the_first_event_s_subject_for_the_alternative_subject_header() {
    let server = localhost().await;
    let answer = get(
        &server,
        &format!("resource={SYSTEMX}&after=0"),
        &[("Altinn-AlternativeSubject", "/person/01038712345")],
    )
    .await;
    assert_eq!(answer.event_ids(), ["x1", "x2"]);
    let next = answer.header("next").unwrap().to_owned();
    assert_eq!(
        next,
        "http://localhost:5080/events/api/v1/events?after=x2&resource=urn:altinn:resource:systemx&subject=/party/1337"
    );
    // Re-sending the header with that link breaks rule 3.
    let path = next.trim_start_matches("http://localhost:5080");
    let token = server.token("org=ttd&scope=altinn:events.subscribe").await;
    let followed = server
        .get_with(path, |r| {
            r.bearer_auth(&token)
                .header("Altinn-AlternativeSubject", "/person/01038712345")
        })
        .await;
    assert_generic_bad_request(
        &followed,
        "Only one of 'subject' or 'alternativeSubject' can be defined.",
    );
}

#[tokio::test]
async fn an_empty_page_has_no_next() {
    let server = server().await;
    let answer = get(&server, &format!("resource={SYSTEMX}&after=x4"), &[]).await;
    assert_eq!((answer.body.as_str(), answer.header("next")), ("[]", None));
}
