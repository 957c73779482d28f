//! The published contract of the push face, the grants, the party's query and the generic
//! events API: what the server refuses, the document calls invalid, and what it takes, the
//! document allows (each pair through the front door; every answer is also held to the
//! document by `TestServer::send`).

mod common;

use altinn_events_mock::MockServer;
use common::contract::{parameter, parameters_schema, request_body, schema_accepts};
use common::{Answer, TestServer, start, start_with};
use serde_json::{Value, json};

const SUBSCRIPTIONS: &str = "/events/api/v1/subscriptions";
const ITEM: &str = "/events/api/v1/subscriptions/{id}";
/// Nothing listens on the discard port: a handshake to it fails at once, and stays local.
const HOOK: &str = "http://127.0.0.1:9/hook";
const APP_RESOURCE: &str = "urn:altinn:resource:app_ttd_apps-test";

/// A service owner that may also make generic subscriptions.
async fn subscriber(server: &TestServer) -> String {
    server.token("org=ttd&scope=altinn:events.subscribe").await
}

async fn post(server: &TestServer, path: &str, token: Option<&str>, body: &Value) -> Answer {
    let mut request = server.client.post(server.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    server.send(request).await
}

/// Posts `refused` and `accepted` to `path`: the first is a 400 the document's schema at
/// `schema` refuses, the second a `status` it allows.
async fn refused_and_accepted(
    server: &TestServer,
    (path, token, schema): (&str, Option<&str>, &str),
    refused: Value,
    (accepted, status): (Value, u16),
) {
    let answer = post(server, path, token, &refused).await;
    assert_eq!(answer.status, 400, "{path} {refused}: {}", answer.body);
    assert!(
        schema_accepts(schema, &refused).await.is_err(),
        "the document allows {path} {refused}"
    );
    let answer = post(server, path, token, &accepted).await;
    assert_eq!(answer.status, status, "{path} {accepted}: {}", answer.body);
    assert_eq!(
        schema_accepts(schema, &accepted).await,
        Ok(()),
        "{accepted}"
    );
}

#[tokio::test]
async fn a_subscription_id_is_described_as_the_32_bit_integer_production_binds() {
    let server = start().await;
    let token = subscriber(&server).await;
    let id = parameter("GET", ITEM, "id").await;
    for (written, value) in [
        ("75fa6dd8-91fd-485c-a69b-ae29f652d008", json!("75fa6dd8")),
        ("2147483648", json!(2_147_483_648_i64)),
        ("1.5", json!(1.5)),
    ] {
        let answer = server
            .send(
                server
                    .client
                    .get(server.url(&format!("{SUBSCRIPTIONS}/{written}")))
                    .bearer_auth(&token),
            )
            .await;
        assert_eq!(answer.status, 400, "{written}");
        assert_eq!(
            answer.json()["errors"]["id"][0],
            format!("The value '{written}' is not valid.")
        );
        assert!(schema_accepts(&id, &value).await.is_err(), "{written}");
    }
    for unused in [0, -1, 2_147_483_647] {
        let answer = server
            .send(
                server
                    .client
                    .delete(server.url(&format!("{SUBSCRIPTIONS}/{unused}")))
                    .bearer_auth(&token),
            )
            .await;
        assert_eq!((answer.status, answer.body.as_str()), (404, ""));
        assert_eq!(schema_accepts(&id, &json!(unused)).await, Ok(()));
    }
}

#[tokio::test]
async fn a_subscription_id_binds_as_dotnet_reads_an_int_with_hex_signs_and_spaces() {
    let server = start().await;
    let token = subscriber(&server).await;
    let body = json!({"endPoint": HOOK, "resourceFilter": APP_RESOURCE});
    assert_eq!(
        post(&server, SUBSCRIPTIONS, Some(&token), &body)
            .await
            .status,
        201
    );
    // Production's `int id` route value goes through Int32Converter, as query values do.
    for written in ["1", "+1", "%201%20", "0x1", "0X01", "%26h1", "%231"] {
        let answer = server
            .send(
                server
                    .client
                    .get(server.url(&format!("{SUBSCRIPTIONS}/{written}")))
                    .bearer_auth(&token),
            )
            .await;
        assert_eq!(answer.status, 200, "{written}: {}", answer.body);
        assert_eq!(answer.json()["id"], 1, "{written}");
    }
    let blank = server
        .send(
            server
                .client
                .delete(server.url(&format!("{SUBSCRIPTIONS}/%20")))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(blank.status, 400);
    assert_eq!(blank.json()["errors"]["id"][0], "The value ' ' is invalid.");
}

#[tokio::test]
async fn what_the_subscription_endpoints_refuse_the_document_calls_invalid() {
    let server = start().await;
    let token = subscriber(&server).await;
    let create = (
        SUBSCRIPTIONS,
        Some(token.as_str()),
        &*request_body("POST", SUBSCRIPTIONS, "application/json"),
    );
    let app = json!({"endPoint": HOOK, "resourceFilter": APP_RESOURCE, "sourceFilter": null});
    let with = |extra: Value| {
        let mut body = app.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    // A null string is absent, a null includeSubunits a binding error (rule B).
    let pairs = [
        (
            json!({"endPoint": null, "resourceFilter": APP_RESOURCE}),
            app.clone(),
        ),
        (
            with(json!({"includeSubunits": null})),
            with(json!({"includeSubunits": false})),
        ),
        // Rule c, then rule b.
        (
            with(json!({"includeSubunits": true})),
            with(json!({"includeSubunits": true, "subjectFilter": "/party/1337"})),
        ),
        (
            with(json!({"alternativeSubjectFilter": "/person/nobody"})),
            with(json!({"alternativeSubjectFilter": "", "typeFilter": "app.instance.created"})),
        ),
        // Rule e: the source's path is exactly /{org}/{app}.
        (
            with(json!({"sourceFilter": "https://ttd.apps.altinn.no/ttd/apps-test/"})),
            with(json!({"sourceFilter": "https://ttd.apps.altinn.no/ttd/apps-test"})),
        ),
        // The generic path takes no source filter.
        (
            json!({"endPoint": HOOK, "resourceFilter": "urn:altinn:resource:ks-melding",
                "sourceFilter": "https://example.com/a/b"}),
            json!({"endPoint": HOOK, "resourceFilter": "urn:altinn:resource:ks-melding"}),
        ),
    ];
    for (refused, accepted) in pairs {
        refused_and_accepted(&server, create, refused, (accepted, 201)).await;
    }

    let seed = (
        "/_mock/subscriptions",
        None,
        &*request_body("POST", "/_mock/subscriptions", "application/json"),
    );
    // Rule a: an app subscription without a subject needs a service owner.
    let for_user = json!({"endPoint": HOOK, "resourceFilter": APP_RESOURCE, "consumer": "/user/1"});
    let mut for_org = for_user.clone();
    for_org["consumer"] = json!("/org/ttd");
    for_org["validated"] = json!(null);
    refused_and_accepted(&server, seed, for_user, (json!([for_org]), 201)).await;
}

#[tokio::test]
async fn what_post_mock_grants_refuses_the_document_calls_invalid() {
    let server = start().await;
    let grants = (
        "/_mock/grants",
        None,
        &*request_body("POST", "/_mock/grants", "application/json"),
    );
    let pairs = [
        (json!({"grants": null}), json!({"resourceAccess": null})),
        (
            json!("user:1 read party:4294967296"),
            json!("user:1 read party:4294967295"),
        ),
        (
            json!(["org:ttd publish urn:x subject:/party/1"]),
            json!(["orgno:991825827 subscribe urn:x subject:/party/1"]),
        ),
        // U+0085 is white space to the server, as to Rust; not to JSON Schema's \s.
        (
            json!("org:ttd publish urn:a\u{85}b"),
            json!("org:ttd publish urn:a\u{feff}b"),
        ),
    ];
    for (refused, accepted) in pairs {
        refused_and_accepted(&server, grants, refused, (accepted, 200)).await;
    }
}

#[tokio::test]
async fn rules_across_the_parameters_of_the_party_and_generic_queries_are_stated() {
    // No events: the rules fixture holds one that makes production's party query throw.
    let server = start_with(MockServer::builder()).await;
    let person = server.token("userId=1&partyId=1337").await;
    let party_rules = parameters_schema("GET", "/events/api/v1/app/party");
    for (query, rules, status) in [
        ("after=0", json!({"after": "0"}), 400),
        ("after=0&party=0", json!({"after": "0", "party": 0}), 400),
        (
            "after=0&party=1337",
            json!({"after": "0", "party": 1337}),
            200,
        ),
        // U+0085 is white space to the server, so this after is blank, absent: rule 1.
        (
            "after=%C2%85&party=1337",
            json!({"after": "\u{85}", "party": 1337}),
            400,
        ),
    ] {
        let answer = server
            .send(
                server
                    .client
                    .get(server.url(&format!("/events/api/v1/app/party?{query}")))
                    .bearer_auth(&person),
            )
            .await;
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        assert_eq!(
            schema_accepts(&party_rules, &rules).await.is_ok(),
            status == 200,
            "{query}"
        );
    }

    let token = subscriber(&server).await;
    let generic_rules = parameters_schema("GET", "/events/api/v1/events");
    let both = server
        .send(
            server
                .client
                .get(server.url(&format!(
                    "/events/api/v1/events?resource={APP_RESOURCE}&after=0&subject=/party/1"
                )))
                .header("Altinn-AlternativeSubject", "/person/1")
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(both.status, 400);
    let sent = json!({"resource": APP_RESOURCE, "after": "0", "subject": "/party/1",
        "Altinn-AlternativeSubject": "/person/1"});
    assert!(schema_accepts(&generic_rules, &sent).await.is_err());
    // A blank header is absent.
    let blank = server
        .send(
            server
                .client
                .get(server.url(&format!(
                    "/events/api/v1/events?resource={APP_RESOURCE}&after=0&subject=/party/1"
                )))
                .header("Altinn-AlternativeSubject", " ")
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(blank.status, 200);
    let sent = json!({"resource": APP_RESOURCE, "after": "0", "subject": "/party/1",
        "Altinn-AlternativeSubject": " "});
    assert_eq!(schema_accepts(&generic_rules, &sent).await, Ok(()));
}

#[tokio::test]
async fn a_generic_event_the_sdk_refuses_the_document_calls_invalid() {
    let server = start().await;
    let publisher = server.token("org=ttd&scope=altinn:events.publish").await;
    let schema = request_body(
        "POST",
        "/events/api/v1/events",
        "application/cloudevents+json",
    );
    let event = json!({"specversion": "1.0", "id": "g1", "source": "urn:x:y", "type": "t",
        "resource": "urn:altinn:resource:ks-melding"});
    let with = |key: &str, value: Value| {
        let mut body = event.clone();
        body[key] = value;
        body
    };
    for (refused, accepted) in [
        (
            with("datacontenttype", json!("")),
            with("datacontenttype", json!(null)),
        ),
        (
            with("data", json!({"a": 1})).tap("datacontenttype", json!("text/plain")),
            with("data", json!("a")).tap("datacontenttype", json!("text/plain")),
        ),
        (with("Extension", json!(1)), with("Extension", json!(null))),
        (
            with("source", json!("https://")),
            with("source", json!("/relative")),
        ),
        (
            with("count", json!(2_147_483_648_i64)),
            with("count", json!(-5)),
        ),
    ] {
        for (body, status) in [(&refused, 400), (&accepted, 200)] {
            let answer = server
                .send(
                    server
                        .client
                        .post(server.url("/events/api/v1/events"))
                        .bearer_auth(&publisher)
                        .header("content-type", "application/cloudevents+json")
                        .body(body.to_string()),
                )
                .await;
            assert_eq!(answer.status, status, "{body}: {}", answer.body);
            assert_eq!(
                schema_accepts(&schema, body).await.is_ok(),
                status == 200,
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn an_event_for_post_mock_events_may_leave_out_its_time() {
    let server = start().await;
    let schema = request_body("POST", "/_mock/events", "application/json");
    let mut event = common::event("t1");
    event.as_object_mut().unwrap().remove("time");
    let mut null_time = common::event("t2");
    null_time["time"] = json!(null);
    let body = json!([event, null_time]);
    let answer = post(&server, "/_mock/events", None, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(schema_accepts(&schema, &body).await, Ok(()));
}

/// `value` with one more attribute.
trait Tap {
    fn tap(self, key: &str, value: Value) -> Value;
}

impl Tap for Value {
    fn tap(mut self, key: &str, value: Value) -> Value {
        self[key] = value;
        self
    }
}
