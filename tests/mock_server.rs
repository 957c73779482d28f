//! The spawn helper: from every kind of test, what its handle can do, and that dropping it
//! really stops it.

mod common;

use std::net::TcpStream;
use std::time::Duration;

use altinn_events_mock::{AppEventRequest, AuthMode, MockServer, Party, Registration, WaitTimeout};
use chrono::{TimeZone, Utc};
use common::{SOURCE, app_event, cloud_event, event, raw_get};
use serde_json::{Value, json};

async fn ids(server: &MockServer, query: &str) -> Vec<String> {
    let body = common::send(
        reqwest::Client::new()
            .get(format!("{}?{query}", server.events_url("ttd", "apps-test")))
            .bearer_auth(server.token("ttd")),
    )
    .await
    .body;
    let events: Vec<Value> = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn works_from_a_plain_test() {
    let server = MockServer::start_blocking();
    server.publish([event("e1")]).unwrap();
    let response = raw_get(
        server.address(),
        "/events/api/v1/app/ttd/apps-test?after=x",
        &[("Authorization", &format!("Bearer {}", server.token("ttd")))],
    )
    .expect("an answer");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""id":"e1""#), "{response}");
    assert_eq!(
        server.wait_for_requests_blocking(1, Duration::from_secs(10)),
        Ok(())
    );
}

#[tokio::test]
async fn works_from_a_current_thread_tokio_test() {
    let server = MockServer::start().await;
    server.publish([event("e1")]).unwrap();
    assert_eq!(ids(&server, "after=x").await, ["e1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_from_a_multi_thread_tokio_test() {
    let server = MockServer::start().await;
    server.publish([event("e1")]).unwrap();
    assert_eq!(ids(&server, "after=x").await, ["e1"]);
}

#[tokio::test]
async fn dropping_the_handle_closes_the_port_even_with_a_connection_open() {
    let server = MockServer::start().await;
    let client = reqwest::Client::new();
    // Leaves a kept-alive connection in the client's pool.
    client
        .get(format!("{}/_mock/health", server.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let addr = server.address();
    let (dropped, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(server);
        let _ = dropped.send(());
    });
    done.recv_timeout(Duration::from_secs(10))
        .expect("drop returns promptly");
    assert!(
        TcpStream::connect(addr).is_err(),
        "nothing listens on {addr} any more"
    );
    assert!(
        client
            .get(format!("http://{addr}/_mock/health"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let server = MockServer::start().await;
    let addr = server.address();
    server.shutdown();
    assert!(TcpStream::connect(addr).is_err());
}

#[tokio::test]
async fn publish_is_atomic_and_returns_sequence_numbers() {
    let server = MockServer::start().await;
    assert_eq!(
        server.publish([event("a"), event("b")]).unwrap(),
        [Some(1), Some(2)]
    );
    assert_eq!(
        server.publish([event("a")]).unwrap(),
        [None],
        "same id and source: a no-op"
    );
    let bad = cloud_event("c").at("later").build();
    let error = server.publish([event("d"), bad]).unwrap_err();
    assert_eq!(error.index, 1);
    assert!(error.to_string().contains("later"), "{error}");
    assert_eq!(
        server.events().len(),
        2,
        "nothing of the bad batch was stored"
    );
}

#[tokio::test]
async fn publish_app_event_does_what_production_does_for_an_app() {
    let server = MockServer::start().await;
    server.set_clock(Utc.with_ymd_and_hms(2025, 5, 17, 8, 0, 0).unwrap());
    let request = AppEventRequest::new(SOURCE, "/party/1337", "app.instance.process.completed")
        .with_alternative_subject("/person/01038712345");
    let id = server.publish_app_event(request).unwrap();
    let events = server.events();
    let stored = &events[0];
    assert_eq!(stored.event.id(), id);
    assert_eq!(
        stored.event.resource(),
        Some("urn:altinn:resource:app_ttd_apps-test")
    );
    assert!(
        stored
            .event
            .json()
            .contains(r#""time":"2025-05-17T08:00:00"#),
        "{}",
        stored.event.json()
    );
    assert!(matches!(stored.registered, Registration::At(t) if t.timestamp() >= 1_747_468_800));
    assert!(
        server
            .publish_app_event(AppEventRequest::default())
            .is_err()
    );
}

#[tokio::test]
async fn under_a_30s_lag_an_event_published_now_appears_after_advance_clock() {
    let server = MockServer::builder()
        .visibility_lag(Duration::from_secs(30))
        .start()
        .await;
    server.publish([event("old")]).unwrap();
    server.advance_clock(Duration::from_secs(31));
    server.publish([event("new")]).unwrap();
    assert_eq!(ids(&server, "after=x").await, ["old"]);
    server.advance_clock(Duration::from_secs(30));
    assert_eq!(ids(&server, "after=x").await, ["old", "new"]);
}

#[tokio::test]
async fn the_journal_and_waiting_for_requests() {
    let server = MockServer::start().await;
    let url = format!("{}?after=x", server.events_url("ttd", "apps-test"));
    let token = server.token("ttd");
    let client = tokio::spawn(async move {
        let client = reqwest::Client::new();
        for _ in 0..3 {
            common::send(client.get(&url).bearer_auth(&token)).await;
        }
    });
    server
        .wait_for_requests(3, Duration::from_secs(30))
        .await
        .unwrap();
    client.await.unwrap();
    let requests = server.received_requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].id, 1, "oldest first");
    assert_eq!(requests[0].query.as_deref(), Some("after=x"));
    assert_eq!(requests[0].status, 200);
    let timeout = server.wait_for_requests(4, Duration::from_millis(50)).await;
    assert_eq!(
        timeout,
        Err(WaitTimeout {
            expected: 4,
            arrived: 3
        })
    );
}

#[tokio::test]
async fn reset_restores_the_start_state() {
    let server = MockServer::builder().events([event("start")]).start().await;
    server.publish([event("later")]).unwrap();
    server.advance_clock(Duration::from_secs(3600));
    ids(&server, "after=x").await;
    server.reset();
    assert_eq!(server.events().len(), 1);
    assert_eq!(server.events()[0].event.id(), "start");
    assert!(server.received_requests().is_empty());
    assert!(server.now() < Utc::now() + chrono::TimeDelta::minutes(5));
}

#[tokio::test]
async fn the_builder_takes_fixtures_parties_auth_keys_and_base_url() {
    let server = MockServer::builder()
        .fixture(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/test/rules.json"
        ))
        .parties([Party::organisation(4242, "974761076")])
        .auth(AuthMode::Off)
        .jwt_public_key(include_str!("keys/other-team-public-key.pem"))
        .base_url("https://platform.tt02.altinn.no/")
        .journal_cap(1)
        .admin_token("secret")
        .start()
        .await;
    let response = reqwest::get(format!(
        "{}?after=e06",
        server.events_url("ttd", "apps-test")
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 200, "auth off: no token needed");
    let next = response.headers()["next"].to_str().unwrap().to_owned();
    assert_eq!(
        next,
        "https://platform.tt02.altinn.no/events/api/v1/app/ttd/apps-test?after=shared-id"
    );
    let unknown_party = reqwest::get(format!(
        "{}?after=e06&unit=974761076",
        server.events_url("ttd", "apps-test")
    ))
    .await
    .unwrap();
    assert_eq!(
        unknown_party.text().await.unwrap(),
        "[]",
        "the explicit party is known, with no events"
    );
    let admin = reqwest::get(format!("{}/_mock/events", server.url()))
        .await
        .unwrap();
    assert_eq!(admin.status(), 401);
}

#[tokio::test]
async fn a_bad_start_says_why() {
    let error = MockServer::builder()
        .fixture("fixtures/test/broken/no-id.ndjson")
        .try_start()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("required attribute `id` is missing"),
        "{error}"
    );
    let error = MockServer::builder()
        .events([json!({"id": "x"})])
        .try_start()
        .await
        .unwrap_err();
    assert!(error.to_string().starts_with("event 0:"), "{error}");
}

#[tokio::test]
async fn tokens_from_the_handle_are_accepted_in_strict_mode() {
    let server = MockServer::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}?after=x", server.events_url("ttd", "apps-test"));
    let answer = common::send(client.get(&url).bearer_auth(server.token("ttd"))).await;
    assert_eq!(answer.status, 200);
    let person = common::send(
        client
            .get(&url)
            .bearer_auth(server.person_token(1337, 50001)),
    )
    .await;
    assert_eq!(person.status, 401);
    let access = server.platform_access_token("ttd/apps-test");
    let published = common::send(
        client
            .post(format!("{}/events/api/v1/app", server.url()))
            .bearer_auth(server.token("ttd"))
            .header("PlatformAccessToken", access)
            .json(&app_event().build()),
    )
    .await;
    assert_eq!(published.status, 201);
}

#[tokio::test]
async fn setting_the_clock_back_hides_nothing_when_there_is_no_lag() {
    let server = MockServer::builder().events([event("start")]).start().await;
    server.publish([event("later")]).unwrap();
    server.set_clock(Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap());
    assert_eq!(ids(&server, "after=x").await, ["start", "later"]);
}

#[tokio::test]
async fn the_builder_s_extra_key_is_trusted_in_strict_mode_and_the_journal_cap_holds() {
    let server = MockServer::builder()
        .events([event("e1")])
        .jwt_public_key(include_str!("keys/other-team-public-key.pem"))
        .journal_cap(1)
        .start()
        .await;
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(include_bytes!("keys/other-team-signing-key.pem"))
            .unwrap();
    let claims = json!({"urn:altinn:org": "ttd", "exp": Utc::now().timestamp() + 600});
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}?after=x", server.events_url("ttd", "apps-test"));
    for _ in 0..2 {
        let answer = common::send(client.get(&url).bearer_auth(&token)).await;
        assert_eq!(answer.status, 200);
    }
    assert_eq!(server.received_requests().len(), 1, "capped at one");
    assert_eq!(server.received_requests()[0].id, 2, "the newest kept");
}
