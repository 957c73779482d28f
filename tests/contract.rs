//! The published contract (`GET /_mock/openapi.json`) says what the server does: the answers
//! match their schemas (every test's answers are checked in `TestServer::send`), and the
//! requests the server refuses are the ones the document calls invalid.

mod common;

use altinn_events_mock::MockServer;
use common::contract::{self, parameter, parameters_schema, request_body, schema_accepts};
use common::{APPS_TEST, SOURCE, TestServer, app_event, event, start, start_with, with_rules};
use serde_json::{Value, json};

const QUERY: &str = "/events/api/v1/app/{org}/{app}";
const PUBLISH: &str = "/events/api/v1/app";

async fn post_json(server: &TestServer, path: &str, body: Value) -> common::Answer {
    server
        .send(server.client.post(server.url(path)).json(&body))
        .await
}

#[tokio::test]
async fn a_400_body_matches_exactly_one_of_problem_details_and_validation_problem_details() {
    let server = start().await;
    let rule_broken = server.get(APPS_TEST).await;
    assert_eq!(rule_broken.status, 400);
    let unbound = server
        .get(&format!("{APPS_TEST}?from=2020-01-01Z&size=abc"))
        .await;
    assert_eq!(unbound.status, 400);
    let problem = "/components/schemas/ProblemDetails";
    let validation = "/components/schemas/ValidationProblemDetails";
    assert_eq!(schema_accepts(problem, &rule_broken.json()).await, Ok(()));
    assert!(
        schema_accepts(validation, &rule_broken.json())
            .await
            .is_err()
    );
    assert_eq!(schema_accepts(validation, &unbound.json()).await, Ok(()));
    assert!(schema_accepts(problem, &unbound.json()).await.is_err());
}

#[tokio::test]
async fn each_form_of_the_events_body_is_exactly_one_branch_of_its_schema() {
    let body = request_body("POST", "/_mock/events", "application/json");
    let one = event("e1");
    for form in [
        json!([one]),
        one.clone(),
        json!({"events": [one], "parties": [{"partyId": 1, "person": "01014922047"}]}),
        json!({"parties": [{"partyId": 2, "unit": "989271156"}]}),
    ] {
        assert_eq!(schema_accepts(&body, &form).await, Ok(()), "{form}");
    }
    // An event cannot carry `events` or `parties`: the server would read a wrapper.
    let mut ambiguous = one.clone();
    ambiguous["events"] = json!([]);
    assert!(schema_accepts(&body, &ambiguous).await.is_err());
}

#[tokio::test]
async fn what_the_server_refuses_the_document_calls_invalid() {
    let server = start().await;
    // Each refusal with its valid twin, which the server takes and the document allows.
    let events_body = request_body("POST", "/_mock/events", "application/json");
    let cases = [
        (
            "/_mock/clock",
            json!({"advance": ""}),
            json!({"advance": "30s"}),
        ),
        (
            "/_mock/live",
            json!({"rate": "10/s", "extra": 1}),
            json!({"rate": "1/h"}),
        ),
        (
            "/_mock/faults",
            json!({"when": "always", "what": "reset", "app": ""}),
            json!({"when": "always", "what": "drop_next", "app": "apps-test"}),
        ),
        ("/_mock/events", json!([event("")]), json!([event("e1")])),
    ];
    for (path, refused, accepted) in cases {
        let schema = if path == "/_mock/events" {
            events_body.clone()
        } else {
            request_body("POST", path, "application/json")
        };
        let answer = post_json(&server, path, refused.clone()).await;
        assert_eq!(answer.status, 400, "{path} {refused}: {}", answer.body);
        assert!(
            schema_accepts(&schema, &refused).await.is_err(),
            "the document allows {path} {refused}"
        );
        let answer = post_json(&server, path, accepted.clone()).await;
        assert!(answer.status < 300, "{path} {accepted}: {}", answer.body);
        assert_eq!(schema_accepts(&schema, &accepted).await, Ok(()), "{path}");
    }
    server
        .send(server.client.delete(server.url("/_mock/live")))
        .await;

    // Rules that tie parameters together: stated in x-parameters-schema.
    let token_rules = parameters_schema("GET", "/_mock/token");
    let scope_alone = server
        .send(server.client.get(server.url("/_mock/token?scope=")))
        .await;
    assert_eq!(scope_alone.status, 400);
    assert!(
        schema_accepts(&token_rules, &json!({"scope": ""}))
            .await
            .is_err()
    );
    assert_eq!(
        schema_accepts(&token_rules, &json!({"org": "ttd"})).await,
        Ok(())
    );
    let query_rules = parameters_schema("GET", QUERY);
    assert_eq!(server.get(APPS_TEST).await.status, 400);
    assert!(
        schema_accepts(&query_rules, &json!({"size": 5}))
            .await
            .is_err()
    );
    assert!(
        schema_accepts(
            &query_rules,
            &json!({"after": "e1", "party": 1, "unit": "989271156"})
        )
        .await
        .is_err()
    );
    assert_eq!(
        schema_accepts(&query_rules, &json!({"from": "2020-01-01T00:00:00Z"})).await,
        Ok(())
    );
    // And each parameter on its own.
    let size = parameter("GET", QUERY, "size").await;
    assert!(schema_accepts(&size, &json!(0)).await.is_err());
    let expires_in = parameter("GET", "/_mock/token", "expires_in").await;
    assert!(
        schema_accepts(&expires_in, &json!(3_155_760_001_i64))
            .await
            .is_err()
    );
    let refused = server
        .send(
            server
                .client
                .get(server.url("/_mock/token?org=ttd&expires_in=3155760001")),
        )
        .await;
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn empty_answers_are_described_without_a_body() {
    let server = start().await;
    let document = contract::document().await;
    let publish = &document["paths"][PUBLISH]["post"]["responses"];
    for status in ["401", "403"] {
        assert!(publish[status].get("content").is_none(), "{status}");
    }
    // Each is also checked against the document as it is sent.
    let no_token = post_json(&server, PUBLISH, app_event().build()).await;
    assert_eq!((no_token.status, no_token.body.as_str()), (401, ""));
    let token = server.token("org=ttd").await;
    let no_access_token = server
        .send(
            server
                .client
                .post(server.url(PUBLISH))
                .bearer_auth(&token)
                .json(&app_event().build()),
        )
        .await;
    assert_eq!(
        (no_access_token.status, no_access_token.body.as_str()),
        (403, "")
    );
    let outside = server
        .send(
            server
                .client
                .post(server.url(PUBLISH))
                .bearer_auth(&token)
                .header("PlatformAccessToken", server.token("app=ttd/other").await)
                .json(&app_event().build()),
        )
        .await;
    assert_eq!(outside.status, 401);
    assert_eq!(
        outside.json(),
        json!(format!(
            "ttd/other is not authorized to create events for {SOURCE}"
        ))
    );
    let wrong_method = server
        .send(server.client.put(server.url("/_mock/faults/1")))
        .await;
    assert_eq!(
        (wrong_method.status, wrong_method.header("allow")),
        (405, Some("GET, DELETE"))
    );
    let nowhere = server.get("/events/api/v2/app/ttd/apps-test").await;
    assert_eq!((nowhere.status, nowhere.body.as_str()), (404, ""));
}

#[tokio::test]
async fn x_mock_fault_is_a_header_and_the_statuses_of_faults_are_described_where_they_reach() {
    let document = contract::document().await;
    for (path, item) in document["paths"].as_object().unwrap() {
        let methods = ["get", "post", "put", "patch", "delete"];
        for (method, operation) in item.as_object().unwrap() {
            // A path item also holds `parameters` shared by its operations.
            if !methods.contains(&method.as_str()) {
                continue;
            }
            let takes_header = operation["parameters"]
                .as_array()
                .is_some_and(|parameters| {
                    parameters
                        .iter()
                        .any(|p| p["$ref"] == "#/components/parameters/FaultHeader")
                });
            let reached = !path.starts_with("/_mock/faults");
            assert_eq!(takes_header, reached, "{method} {path}: x-mock-fault");
            assert_eq!(
                operation["responses"].get("default").is_some(),
                reached,
                "{method} {path}: default"
            );
        }
    }
    assert_eq!(
        document["components"]["parameters"]["FaultHeader"]["in"],
        "header"
    );

    let server = start().await;
    let token = server.token("org=ttd").await;
    let faulted = |request: reqwest::RequestBuilder, fault: &str| {
        request.header("x-mock-fault", fault.to_owned())
    };
    for fault in [
        "what=status:503,retry_after=1",
        "what=status:418",
        "what=status:429",
    ] {
        for request in [
            server
                .client
                .get(server.url(&format!("{APPS_TEST}?from=2020-01-01Z")))
                .bearer_auth(&token),
            server
                .client
                .post(server.url(PUBLISH))
                .json(&app_event().build()),
            server.client.get(server.url("/_mock/health")),
            server.client.get(server.url("/_mock/events")),
        ] {
            let answer = server.send(faulted(request, fault)).await;
            assert!(answer.status >= 418, "{fault}: {}", answer.status);
        }
    }
    let unreadable = server
        .send(faulted(
            server.client.get(server.url("/_mock/health")),
            "what=nothing",
        ))
        .await;
    assert_eq!(unreadable.status, 400);
    assert_eq!(
        unreadable.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
}

/// Every operation of the document: method (upper case), path template, operation.
fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let methods = ["get", "post", "put", "patch", "delete"];
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if methods.contains(&method.as_str()) {
                all.push((method.to_ascii_uppercase(), path.clone(), operation));
            }
        }
    }
    all
}

#[tokio::test]
async fn every_admin_operation_answers_401_without_the_admin_token_as_the_document_says() {
    let document = contract::document().await;
    let server = start_with(MockServer::builder().admin_token("s3cret")).await;
    for (method, path, operation) in operations(document) {
        let open = ["/_mock/token", "/_mock/health"].contains(&path.as_str());
        if !path.starts_with("/_mock/") || open {
            continue;
        }
        assert_eq!(
            operation["responses"]["401"]["$ref"], "#/components/responses/AdminUnauthorized",
            "{method} {path}"
        );
        let url = server.url(&path.replace("{id}", "1"));
        let request = server.client.request(method.parse().unwrap(), url);
        let answer = server.send(request).await;
        assert_eq!(answer.status, 401, "{method} {path}");
    }
}

#[tokio::test]
async fn every_operation_that_reads_a_body_answers_413_over_max_body_as_the_document_says() {
    let document = contract::document().await;
    let server = start_with(with_rules().max_body(64)).await;
    let token = server
        .token("org=ttd&scope=altinn:events.subscribe%20altinn:events.publish")
        .await;
    let access_token = server.token("app=ttd/apps-test").await;
    let mut checked = 0;
    for (method, path, operation) in operations(document) {
        let Some(content) = operation["requestBody"]["content"].as_object() else {
            continue;
        };
        assert!(
            operation["responses"].get("413").is_some(),
            "{method} {path}"
        );
        let media_type = content.keys().next().unwrap();
        let request = server
            .client
            .request(method.parse().unwrap(), server.url(&path))
            .bearer_auth(&token)
            .header("PlatformAccessToken", &access_token)
            .header("content-type", media_type.as_str())
            .body(format!("\"{}\"", "x".repeat(100)));
        let answer = server.send(request).await;
        assert_eq!(answer.status, 413, "{method} {path}: {}", answer.body);
        checked += 1;
    }
    assert!(checked >= 9, "{checked} operations read a body");
}
