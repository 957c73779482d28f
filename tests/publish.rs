//! `POST /events/api/v1/app`, as an app publishes (spec §7), in production's check order.

mod common;

use altinn_events_mock::AuthMode;
use common::{CloudEvent, TestServer, app_event, start_with_auth};
use serde_json::json;

const PUBLISH: &str = "/events/api/v1/app";
const SOURCE: &str = "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/3c42ee2a-f6c2-4a4a-9a5e-3e7b1e0a8a43";

/// What the app posts: a completed process of the instance at `source`, with data the server
/// drops.
fn completed(source: &str) -> CloudEvent {
    app_event()
        .of_type("app.instance.process.completed")
        .with("source", source)
        .person("01038712345")
        .with("data", json!({"ignored": true}))
}

async fn publish_as(
    server: &TestServer,
    access_app: Option<&str>,
    body: &serde_json::Value,
) -> common::Answer {
    let token = server.token("org=ttd").await;
    let mut request = server
        .client
        .post(server.url(PUBLISH))
        .bearer_auth(token)
        .json(body);
    if let Some(app) = access_app {
        request = request.header(
            "PlatformAccessToken",
            server.token(&format!("app={app}")).await,
        );
    }
    server.send(request).await
}

#[tokio::test]
async fn a_published_event_gets_an_id_a_time_and_a_resource_and_loses_its_data() {
    let server = start_with_auth(AuthMode::Strict).await;
    let before = chrono::Utc::now();
    let answer = publish_as(&server, Some("ttd/apps-test"), &completed(SOURCE).build()).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(answer.header("location"), Some("/party/1337"));
    let id: String = serde_json::from_str(&answer.body).expect("a JSON string");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let page = server
        .get("/events/api/v1/app/ttd/apps-test?after=shared-id")
        .await;
    assert_eq!(page.event_ids(), ["e07", "shared-id", id.as_str()]);
    let event = &page.json()[2];
    assert_eq!(event["resource"], "urn:altinn:resource:app_ttd_apps-test");
    assert_eq!(
        event["resourceinstance"],
        "1337/3c42ee2a-f6c2-4a4a-9a5e-3e7b1e0a8a43"
    );
    assert_eq!(event["alternativesubject"], "/person/01038712345");
    assert!(event.get("data").is_none());
    let time: chrono::DateTime<chrono::Utc> = event["time"].as_str().unwrap().parse().unwrap();
    assert!(time >= before - chrono::TimeDelta::milliseconds(1));
}

#[tokio::test]
async fn no_token_is_an_empty_401_and_no_access_token_an_empty_403() {
    let server = start_with_auth(AuthMode::Strict).await;
    let answer = server
        .send(
            server
                .client
                .post(server.url(PUBLISH))
                .json(&completed(SOURCE).build()),
        )
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (401, ""));
    let answer = publish_as(&server, None, &completed(SOURCE).build()).await;
    assert_eq!((answer.status, answer.body.as_str()), (403, ""));
    // An expired access token is no better.
    let token = server.token("org=ttd").await;
    let expired = server.token("app=ttd/apps-test&expires_in=-5").await;
    let request = server
        .client
        .post(server.url(PUBLISH))
        .bearer_auth(token)
        .header("PlatformAccessToken", expired)
        .json(&completed(SOURCE).build());
    assert_eq!(server.send(request).await.status, 403);
}

#[tokio::test]
async fn another_apps_access_token_is_refused_with_production_s_message() {
    let server = start_with_auth(AuthMode::Strict).await;
    let answer = publish_as(&server, Some("ttd/other-app"), &completed(SOURCE).build()).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
    let message: String = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        message,
        format!("ttd/other-app is not authorized to create events for {SOURCE}")
    );
    // Quirk: the check is a prefix test on the path.
    let longer = SOURCE.replace("/apps-test/", "/apps-testing/");
    let answer = publish_as(&server, Some("ttd/apps-test"), &completed(&longer).build()).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn missing_values_and_bad_bodies_are_400s() {
    let server = start_with_auth(AuthMode::Strict).await;
    for missing in ["source", "specversion", "type", "subject"] {
        let body = completed(SOURCE).without(missing).build();
        let answer = publish_as(&server, Some("ttd/apps-test"), &body).await;
        answer.assert_bad_request(
            "Missing parameter values: source, subject and type cannot be null",
        );
    }
    let token = server.token("org=ttd").await;
    let access = server.token("app=ttd/apps-test").await;
    let post = |body: &'static str| {
        server
            .client
            .post(server.url(PUBLISH))
            .bearer_auth(&token)
            .header("PlatformAccessToken", &access)
            .header("content-type", "application/json")
            .body(body)
    };
    for body in ["{not json", "[1, 2]", ""] {
        let answer = server.send(post(body)).await;
        assert_eq!(answer.status, 400, "{body:?}");
        assert_eq!(
            answer.json()["title"],
            "One or more validation errors occurred."
        );
    }
}

#[tokio::test]
async fn a_non_json_content_type_is_415_after_the_access_check() {
    let server = start_with_auth(AuthMode::Strict).await;
    let token = server.token("org=ttd").await;
    let request = server
        .client
        .post(server.url(PUBLISH))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("x");
    assert_eq!(server.send(request).await.status, 403);
    let access = server.token("app=ttd/apps-test").await;
    let request = server
        .client
        .post(server.url(PUBLISH))
        .bearer_auth(&token)
        .header("PlatformAccessToken", access)
        .header("content-type", "text/plain")
        .body("x");
    assert_eq!(server.send(request).await.status, 415);
}

#[tokio::test]
async fn lenient_and_off_need_no_access_token() {
    for auth in [AuthMode::Lenient, AuthMode::Off] {
        let server = start_with_auth(auth).await;
        let answer = publish_as(&server, None, &completed(SOURCE).build()).await;
        assert_eq!(answer.status, 201, "{auth}: {}", answer.body);
    }
}

#[tokio::test]
async fn a_relative_source_makes_production_throw() {
    let server = start_with_auth(AuthMode::Off).await;
    let answer = publish_as(
        &server,
        None,
        &completed("ttd/apps-test/instances/1/x").build(),
    )
    .await;
    assert_eq!(answer.status, 500);
}

#[tokio::test]
async fn the_query_path_does_not_take_posts_nor_the_publish_path_gets() {
    let server = start_with_auth(AuthMode::Strict).await;
    let answer = server.get(PUBLISH).await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("POST")));
}

async fn post_raw(server: &TestServer, content_type: Option<&str>, body: &str) -> common::Answer {
    let token = server.token("org=ttd").await;
    let access = server.token("app=ttd/apps-test").await;
    let mut request = server
        .client
        .post(server.url(PUBLISH))
        .bearer_auth(token)
        .header("PlatformAccessToken", access)
        .body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    server.send(request).await
}

#[tokio::test]
async fn no_content_type_is_415_because_no_formatter_can_read_the_body() {
    let server = start_with_auth(AuthMode::Strict).await;
    let answer = post_raw(&server, None, &completed(SOURCE).build().to_string()).await;
    assert_eq!(answer.status, 415);
    assert_eq!(
        answer.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
}

#[tokio::test]
async fn property_names_match_in_any_case_and_a_repeated_one_takes_its_last_value() {
    let server = start_with_auth(AuthMode::Strict).await;
    let body = format!(
        r#"{{"Source":"{SOURCE}","SpecVersion":"1.0","TYPE":"app.instance.created","subject":"x","subject":"/party/1337"}}"#
    );
    let answer = post_raw(&server, Some("application/json"), &body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.header("location"), Some("/party/1337"));
}

#[tokio::test]
async fn a_null_body_or_a_wrongly_typed_property_names_its_model_state_key() {
    let server = start_with_auth(AuthMode::Strict).await;
    let null = post_raw(&server, Some("application/json"), "null").await;
    assert_eq!(
        null.json()["errors"][""][0],
        "A non-empty request body is required."
    );
    let wrong = post_raw(&server, Some("application/json"), r#"{"type": 5}"#).await;
    assert!(
        wrong.json()["errors"]["$.type"].is_array(),
        "{}",
        wrong.body
    );
}

#[tokio::test]
async fn a_subject_that_cannot_be_a_location_header_is_stored_then_answered_500() {
    let server = start_with_auth(AuthMode::Strict).await;
    let body = completed(SOURCE).with("subject", "/party/æ").build();
    let answer = publish_as(&server, Some("ttd/apps-test"), &body).await;
    assert_eq!(answer.status, 500);
    let page = server
        .get("/events/api/v1/app/ttd/apps-test?after=shared-id")
        .await;
    assert_eq!(page.event_ids().len(), 3, "stored before the header failed");
}

#[tokio::test]
async fn dot_segments_in_the_source_are_resolved_before_the_app_check() {
    let server = start_with_auth(AuthMode::Strict).await;
    let dotted = SOURCE.replace("/ttd/apps-test/", "/ttd/other/../apps-test/");
    let answer = publish_as(&server, Some("ttd/apps-test"), &completed(&dotted).build()).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}
