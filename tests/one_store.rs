//! One store, every face (issue 14, point 4): what is published on any endpoint is visible on
//! the queries production would show it on, and the mock's own machinery — generator,
//! admin API, journal, fault rules, `MockServer` helpers — covers the new endpoints.

mod common;

use std::time::Duration;

use altinn_events_mock::{AppEventRequest, MockServer, Route};
use common::{Answer, SOURCE, TestServer, cloud_event, start_with};
use serde_json::{Value, json};

const PARTY: &str = "/events/api/v1/app/party";
const EVENTS: &str = "/events/api/v1/events";
const APP_RESOURCE: &str = "urn:altinn:resource:app_ttd_apps-test";

async fn server() -> TestServer {
    start_with(MockServer::builder()).await
}

async fn get(server: &TestServer, token: &str, path_and_query: &str) -> Answer {
    server
        .get_with(path_and_query, |r| r.bearer_auth(token))
        .await
}

/// The ids the three queries show party 1337's `ttd/apps-test` events as: the app owners',
/// the party's and the generic query.
async fn seen_everywhere(server: &TestServer) -> [Vec<String>; 3] {
    let owner = server.server.token("ttd");
    let person = server.server.person_token(1, 1337);
    let subscriber = server.server.subscriber_token("ttd");
    [
        get(server, &owner, "/events/api/v1/app/ttd/apps-test?after=0")
            .await
            .event_ids(),
        get(server, &person, &format!("{PARTY}?after=0&party=1337"))
            .await
            .event_ids(),
        get(
            server,
            &subscriber,
            &format!("{EVENTS}?resource={APP_RESOURCE}&after=0"),
        )
        .await
        .event_ids(),
    ]
}

#[tokio::test]
async fn an_app_s_event_is_seen_by_its_owner_its_party_and_as_a_generic_event() {
    let server = server().await;
    let id = server
        .server
        .publish_app_event(AppEventRequest::new(
            SOURCE,
            "/party/1337",
            "app.instance.created",
        ))
        .unwrap();
    let [owner, party, generic] = seen_everywhere(&server).await;
    assert_eq!(
        (owner, party, generic),
        (vec![id.clone()], vec![id.clone()], vec![id])
    );
}

#[tokio::test]
async fn a_generic_event_of_an_app_resource_from_an_instance_is_an_app_event_too() {
    let server = server().await;
    let body = json!({
        "specversion": "1.0", "id": "dialogporten-1", "type": "app.instance.created",
        "source": SOURCE, "subject": "/party/1337", "resource": APP_RESOURCE,
    });
    let published = server
        .send(
            server
                .client
                .post(server.server.generic_events_url())
                .bearer_auth(server.server.publisher_token("digdir"))
                .header("content-type", "application/cloudevents+json")
                .body(body.to_string()),
        )
        .await;
    assert_eq!(published.status, 200);
    let [owner, party, generic] = seen_everywhere(&server).await;
    assert_eq!(owner, ["dialogporten-1"]);
    // It has no `time`, which compares as SQL NULL: a `from` bound never includes it.
    let with_from = get(
        &server,
        &server.server.token("ttd"),
        "/events/api/v1/app/ttd/apps-test?from=2000-01-01Z",
    )
    .await;
    assert_eq!(with_from.body, "[]");
    assert_eq!(party, ["dialogporten-1"]);
    assert_eq!(generic, ["dialogporten-1"]);
}

#[tokio::test]
async fn a_party_s_generic_event_counts_against_its_page_but_is_never_shown() {
    let server = server().await;
    server
        .server
        .publish([
            cloud_event("broker-1")
                .with("source", "urn:altinn:broker:filetransfer:1")
                .with("resource", "urn:altinn:resource:broker")
                .build(),
            cloud_event("app-1").build(),
        ])
        .unwrap();
    let person = server.server.person_token(1, 1337);
    let first = get(
        &server,
        &person,
        &format!("{PARTY}?from=2000-01-01Z&party=1337&size=1"),
    )
    .await;
    assert_eq!((first.body.as_str(), first.header("next")), ("[]", None));
    let both = get(
        &server,
        &person,
        &format!("{PARTY}?from=2000-01-01Z&party=1337"),
    )
    .await;
    assert_eq!(both.event_ids(), ["app-1"]);
    let subscriber = server.server.subscriber_token("ttd");
    let generic = get(
        &server,
        &subscriber,
        &format!("{EVENTS}?resource=urn:altinn:resource:broker&after=0"),
    )
    .await;
    assert_eq!(generic.event_ids(), ["broker-1"]);
}

#[tokio::test]
async fn the_admin_api_stores_generic_events_too() {
    let server = server().await;
    let event = json!({
        "specversion": "1.0", "id": "adm-1", "type": "no.altinn.broker.published",
        "source": "urn:altinn:broker", "resource": "urn:altinn:resource:broker",
    });
    let stored = server
        .send(server.client.post(server.url("/_mock/events")).json(&event))
        .await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    let subscriber = server.server.subscriber_token("ttd");
    let answer = get(
        &server,
        &subscriber,
        &format!("{EVENTS}?resource=urn:altinn:resource:broker&after=0"),
    )
    .await;
    assert_eq!(answer.event_ids(), ["adm-1"]);
}

#[tokio::test]
async fn generated_events_are_read_by_their_parties_and_as_generic_events() {
    let server = start_with(MockServer::builder().generate(300, 7)).await;
    let first = server.server.events()[0].event.clone();
    let party: u32 = first
        .subject()
        .unwrap()
        .trim_start_matches("/party/")
        .parse()
        .unwrap();
    let person = server.server.person_token(1, party);
    let answer = get(
        &server,
        &person,
        &format!("{PARTY}?after=0&party={party}&size=1000"),
    )
    .await;
    let expected = server
        .server
        .events()
        .iter()
        .filter(|stored| stored.event.subject() == first.subject())
        .count();
    assert_eq!(answer.event_ids().len(), expected);
    let subscriber = server.server.subscriber_token("ttd");
    let resource = first.resource().unwrap();
    let generic = get(
        &server,
        &subscriber,
        &format!("{EVENTS}?resource={resource}&after=0&size=1000"),
    )
    .await;
    assert!(generic.event_ids().contains(&first.id().to_owned()));
}

#[tokio::test]
async fn the_journal_records_the_new_routes_and_waiting_counts_their_queries() {
    let server = server().await;
    let person = server.server.person_token(1, 1337);
    let subscriber = server.server.subscriber_token("ttd");
    get(&server, &person, &format!("{PARTY}?after=0&party=1337")).await;
    get(
        &server,
        &subscriber,
        &format!("{EVENTS}?resource={APP_RESOURCE}&after=0"),
    )
    .await;
    server
        .send(
            server
                .client
                .post(server.server.generic_events_url())
                .bearer_auth(&subscriber),
        )
        .await;
    let routes: Vec<Route> = server
        .server
        .received_requests()
        .iter()
        .map(|entry| entry.route)
        .collect();
    assert_eq!(
        routes,
        [Route::Party, Route::Generic, Route::GenericPublish]
    );
    let names: Vec<&str> = routes.iter().map(|route| route.name()).collect();
    assert_eq!(names, ["party", "generic", "generic_publish"]);
    server
        .server
        .wait_for_requests(2, Duration::from_secs(5))
        .await
        .expect("both queries count");
    let journal: Value = server
        .send(server.client.get(server.url("/_mock/requests")))
        .await
        .json();
    assert_eq!(journal[0]["route"], "generic_publish");
}

#[tokio::test]
async fn fault_rules_select_the_new_routes() {
    let server = server().await;
    server.server.publish([cloud_event("a").build()]).unwrap();
    let _party = server
        .server
        .fault("when=always,what=status:503,route=party");
    let _drop = server
        .server
        .fault("when=always,what=drop_next,route=generic");
    let person = server.server.person_token(1, 1337);
    let subscriber = server.server.subscriber_token("ttd");
    let owner = server.server.token("ttd");
    let party = get(&server, &person, &format!("{PARTY}?after=0&party=1337")).await;
    assert_eq!(party.status, 503);
    let generic = get(
        &server,
        &subscriber,
        &format!("{EVENTS}?resource={APP_RESOURCE}&after=0"),
    )
    .await;
    assert_eq!(
        (generic.event_ids().len(), generic.header("next")),
        (1, None)
    );
    let owners = get(&server, &owner, "/events/api/v1/app/ttd/apps-test?after=0").await;
    assert!(
        owners.header("next").is_some(),
        "the app owners' query is untouched"
    );
}

#[tokio::test]
async fn a_page_fault_header_works_on_the_new_queries_and_not_on_publishing() {
    let server = server().await;
    server.server.publish([cloud_event("a").build()]).unwrap();
    let person = server.server.person_token(1, 1337);
    let empty = server
        .get_with(&format!("{PARTY}?after=0&party=1337"), |r| {
            r.bearer_auth(&person)
                .header("x-mock-fault", "what=empty_page")
        })
        .await;
    assert_eq!((empty.status, empty.body.as_str()), (200, "[]"));
    let publish = server
        .send(
            server
                .client
                .post(server.server.generic_events_url())
                .header("x-mock-fault", "what=drop_next"),
        )
        .await;
    assert_eq!(publish.status, 400);
    assert!(
        "when=always,what=drop_next,route=generic_publish"
            .parse::<altinn_events_mock::FaultRule>()
            .is_err()
    );
}

#[tokio::test]
async fn the_mock_server_names_the_urls_and_mints_the_tokens_these_endpoints_need() {
    let server = server().await;
    assert!(
        server
            .server
            .party_events_url()
            .ends_with("/events/api/v1/app/party")
    );
    assert!(
        server
            .server
            .generic_events_url()
            .ends_with("/events/api/v1/events")
    );
    let organisation = server
        .server
        .organisation_token("974761076", Some("altinn:events.subscribe"));
    let answer = get(
        &server,
        &organisation,
        &format!("{EVENTS}?resource={APP_RESOURCE}&after=0"),
    )
    .await;
    assert_eq!(answer.status, 200);
    let no_scope = server.server.organisation_token("974761076", None);
    let answer = get(
        &server,
        &no_scope,
        &format!("{EVENTS}?resource={APP_RESOURCE}&after=0"),
    )
    .await;
    assert_eq!(answer.status, 403);
}

// ---- /_mock/grants ----

async fn grants(server: &TestServer) -> Value {
    server
        .send(server.client.get(server.url("/_mock/grants")))
        .await
        .json()
}

#[tokio::test]
async fn grants_are_listed_added_revoked_and_reset_over_http() {
    let server = start_with(MockServer::builder().grant("user:1 read party:1337")).await;
    assert_eq!(
        grants(&server).await,
        json!({"resourceAccess": "open", "grants": ["user:1 read party:1337"]})
    );
    let added = server
        .send(
            server
                .client
                .post(server.url("/_mock/grants"))
                .json(&json!({
                    "grants": ["org:ttd publish urn:altinn:resource:x"],
                    "resourceAccess": "grants",
                })),
        )
        .await;
    assert_eq!(added.status, 200);
    assert_eq!(added.json()["resourceAccess"], "grants");
    assert_eq!(added.json()["grants"].as_array().unwrap().len(), 2);
    let one = server
        .send(
            server
                .client
                .post(server.url("/_mock/grants"))
                .json(&json!("user:2 read party:1")),
        )
        .await;
    assert_eq!(one.json()["grants"].as_array().unwrap().len(), 3);
    let bad = server
        .send(
            server
                .client
                .post(server.url("/_mock/grants"))
                .json(&json!(["user:2 read party:1", "nonsense"])),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["detail"]
            .as_str()
            .unwrap()
            .contains("a grant reads")
    );
    assert_eq!(
        grants(&server).await["grants"].as_array().unwrap().len(),
        3,
        "nothing added"
    );
    let revoked = server
        .send(server.client.delete(server.url("/_mock/grants")))
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(grants(&server).await["grants"], json!([]));
    server
        .send(server.client.post(server.url("/_mock/reset")))
        .await;
    assert_eq!(
        grants(&server).await,
        json!({"resourceAccess": "open", "grants": ["user:1 read party:1337"]})
    );
    let put = server
        .send(server.client.put(server.url("/_mock/grants")))
        .await;
    assert_eq!(
        (put.status, put.header("allow")),
        (405, Some("GET, POST, DELETE"))
    );
}

// ---- the OpenAPI document describes what these endpoints answer ----

/// Checks `answer` against the document's responses of `operation`: its status is listed, its
/// content type is one listed for it (none where none is listed, with an empty body).
fn assert_documented(doc: &Value, path: &str, method: &str, answer: &Answer) {
    // The document's convention: a method the path does not serve is an empty 405 with
    // `Allow`, listed nowhere (`TestServer::send` has checked that already).
    if answer.status == 405 {
        return;
    }
    let responses = &doc["paths"][path][method]["responses"];
    let response = &responses[answer.status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path}: {} is not documented",
        answer.status
    );
    match (response.get("content"), answer.content_type()) {
        (None, None) => assert_eq!(answer.body, "", "{method} {path} {}", answer.status),
        (Some(content), Some(content_type)) => {
            let media = content_type.split(';').next().unwrap();
            assert!(
                content.get(media).is_some(),
                "{method} {path} {}: {media} is not documented",
                answer.status
            );
        }
        (documented, sent) => panic!(
            "{method} {path} {}: documented {documented:?}, sent {sent:?}",
            answer.status
        ),
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_answers_of_the_new_endpoints() {
    let server = server().await;
    server.server.publish([cloud_event("a").build()]).unwrap();
    let doc = server
        .send(server.client.get(server.url("/_mock/openapi.json")))
        .await
        .json();
    let person = server.server.person_token(1, 1337);
    let subscriber = server.server.subscriber_token("ttd");
    let publisher = server.server.publisher_token("ttd");
    let party_path = "/events/api/v1/app/party";
    for (token, query, content_type) in [
        (Some(&person), "after=0&party=1337", None),
        (Some(&person), "size=abc", None),
        (Some(&person), "after=0", None),
        (None, "after=0", None),
        (Some(&person), "after=0&unit=974761076", None),
        (Some(&person), "after=0&party=1337", Some("text/plain")),
        (Some(&person), "after=0&party=1337&type=x%5C", None),
        (Some(&person), "after=0", Some("application/json")),
    ] {
        let mut request = server
            .client
            .get(server.url(&format!("{party_path}?{query}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        assert_documented(&doc, party_path, "get", &server.send(request).await);
    }
    let post = server
        .send(server.client.post(server.url(party_path)))
        .await;
    assert_documented(&doc, party_path, "get", &post);

    let events_path = "/events/api/v1/events";
    for (token, query) in [
        (
            Some(&subscriber),
            format!("resource={APP_RESOURCE}&after=0"),
        ),
        (Some(&subscriber), "resource=x".to_owned()),
        (Some(&subscriber), "size=abc".to_owned()),
        (Some(&publisher), "resource=x".to_owned()),
        (None, "resource=x".to_owned()),
        (
            Some(&subscriber),
            format!("resource={APP_RESOURCE}&after=0&type=%5C"),
        ),
    ] {
        let mut request = server
            .client
            .get(server.url(&format!("{events_path}?{query}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_documented(&doc, events_path, "get", &server.send(request).await);
    }
    let event = json!({"specversion": "1.0", "id": "x", "type": "t", "source": "urn:x",
        "resource": "urn:altinn:resource:x"});
    for (token, content_type, body) in [
        (
            Some(&publisher),
            "application/cloudevents+json",
            event.to_string(),
        ),
        (
            Some(&publisher),
            "application/cloudevents+json",
            "{}".to_owned(),
        ),
        (
            Some(&publisher),
            "application/cloudevents+json",
            json!({"specversion": "1.0", "id": "x", "type": "t", "source": "urn:x"}).to_string(),
        ),
        (Some(&publisher), "application/json", event.to_string()),
        (
            Some(&subscriber),
            "application/cloudevents+json",
            event.to_string(),
        ),
        (None, "application/cloudevents+json", event.to_string()),
    ] {
        let mut request = server
            .client
            .post(server.url(events_path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_documented(&doc, events_path, "post", &server.send(request).await);
    }
    let put = server
        .send(server.client.put(server.url(events_path)))
        .await;
    assert_documented(&doc, events_path, "post", &put);
}
