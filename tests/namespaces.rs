//! Namespaces through the front door: `POST /_mock/namespaces` and what a client pointed at
//! its `baseUrl` sees — the prefix in `next` links, `Location` headers, the OpenAPI `servers`
//! and the handshake's `source`; listing, deleting, the caps and the idle TTL.

mod common;

use std::time::Duration;

use altinn_events_mock::{AuthMode, MockServer};
use common::receiver::Receiver;
use common::{Answer, client, cloud_event, send};
use serde_json::{Value, json};

/// `POST /_mock/namespaces` with `body`.
async fn create(server: &MockServer, body: Value) -> Answer {
    send(
        client()
            .post(format!("{}/_mock/namespaces", server.url()))
            .json(&body),
    )
    .await
}

/// A namespace of `server` made with `body`; its `baseUrl`.
async fn namespace(server: &MockServer, body: Value) -> String {
    let answer = create(server, body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.json()["baseUrl"].as_str().unwrap().to_owned()
}

async fn get(url: &str) -> Answer {
    send(client().get(url)).await
}

async fn token(base: &str) -> String {
    let answer = get(&format!("{base}/_mock/token?org=ttd")).await;
    assert_eq!(answer.status, 200);
    answer.body
}

async fn query(base: &str, query: &str) -> Answer {
    let url = format!("{base}/events/api/v1/app/ttd/apps-test?{query}");
    send(client().get(url).bearer_auth(token(base).await)).await
}

fn events(n: usize) -> Value {
    Value::Array(
        (1..=n)
            .map(|i| cloud_event(&format!("e{i}")).build())
            .collect(),
    )
}

#[tokio::test]
async fn a_namespace_answers_201_with_its_name_base_url_and_location() {
    let server = MockServer::start().await;
    let answer = create(&server, json!({"name": "alpha"})).await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.header("location"), Some("/_mock/namespaces/alpha"));
    assert_eq!(
        answer.json(),
        json!({"name": "alpha", "baseUrl": format!("{}/ns/alpha", server.url())})
    );
}

#[tokio::test]
async fn a_name_is_generated_when_none_is_given() {
    let server = MockServer::start().await;
    for body in [json!({}), json!({"name": null})] {
        let answer = create(&server, body).await;
        assert_eq!(answer.status, 201);
        let name = answer.json()["name"].as_str().unwrap().to_owned();
        assert_eq!(name.len(), 15, "{name}");
        assert!(name.starts_with("ns-"), "{name}");
        assert!(name[3..].bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    }
    let empty_body = send(client().post(format!("{}/_mock/namespaces", server.url()))).await;
    assert_eq!(
        empty_body.status, 201,
        "an empty body is an empty namespace"
    );
}

#[tokio::test]
async fn a_new_namespace_starts_empty_but_configured_as_the_server() {
    let server = MockServer::builder()
        .demo_data()
        .auth(AuthMode::Off)
        .start()
        .await;
    let base = namespace(&server, json!({"name": "empty"})).await;
    let anonymous = get(&format!("{base}/events/api/v1/app/ttd/apps-test?after=0")).await;
    assert_eq!(anonymous.status, 200, "the server's --auth off holds");
    assert_eq!(anonymous.body, "[]", "none of the server's demo data");
    assert_eq!(server.events().len(), 445);
}

#[tokio::test]
async fn a_namespace_starts_with_the_fixtures_generated_events_and_settings_it_was_given() {
    let server = MockServer::start().await;
    let body = json!({
        "name": "given",
        "fixtures": {"events": events(3), "parties": [{"partyId": 1337, "person": "01038712345"}]},
        "generate": 20,
        "generator": {"seed": 7, "apps": ["ttd/apps-test"]},
        "auth": "off",
        "visibilityLag": "30s",
        "faults": ["when=always,what=status:503,route=query,app=faulty"],
    });
    let base = namespace(&server, body).await;
    let stored = get(&format!("{base}/_mock/events")).await.json();
    assert_eq!(stored.as_array().unwrap().len(), 23);
    let faults = get(&format!("{base}/_mock/faults")).await.json();
    assert_eq!(
        faults[0]["rule"],
        "when=always,what=status:503,route=query,app=faulty"
    );
    let faulty = get(&format!("{base}/events/api/v1/app/ttd/faulty?after=0")).await;
    assert_eq!(faulty.status, 503, "its own standing rule");
    // Startup data is registered before the start, so the visibility lag hides none of it.
    let page = get(&format!("{base}/events/api/v1/app/ttd/apps-test?after=0")).await;
    assert_eq!(page.event_ids().len(), 23);
    assert!(
        server.events().is_empty(),
        "the default namespace got nothing"
    );
}

#[tokio::test]
async fn next_links_carry_the_prefix_and_lead_back_into_the_namespace() {
    let server = MockServer::start().await;
    let base = namespace(&server, json!({"name": "paging", "fixtures": events(3)})).await;
    let first = query(&base, "after=0&size=2").await;
    assert_eq!(first.event_ids(), ["e1", "e2"]);
    let next = first.header("next").unwrap().to_owned();
    assert_eq!(
        next,
        format!("{base}/events/api/v1/app/ttd/apps-test?after=e2&size=2")
    );
    let second = send(client().get(&next).bearer_auth(token(&base).await)).await;
    assert_eq!(second.event_ids(), ["e3"]);
    let admin_page = get(&format!("{base}/_mock/events?limit=1")).await;
    assert!(
        admin_page
            .header("next")
            .unwrap()
            .starts_with(&format!("{base}/_mock/events?after=1"))
    );
}

#[tokio::test]
async fn location_headers_carry_the_prefix() {
    let server = MockServer::start().await;
    let base = namespace(&server, json!({"name": "loc"})).await;
    let rule = json!({"when": "nth:1", "what": "status:500", "route": "publish"});
    let added = send(client().post(format!("{base}/_mock/faults")).json(&rule)).await;
    assert_eq!(added.header("location"), Some("/ns/loc/_mock/faults/1"));
    let receiver = Receiver::start();
    let subscription = json!({
        "endPoint": receiver.url("/hook"),
        "resourceFilter": "urn:altinn:resource:app_ttd_apps-test",
    });
    let created = send(
        client()
            .post(format!("{base}/events/api/v1/subscriptions"))
            .bearer_auth(token(&base).await)
            .json(&subscription),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    // Production's quirk stays (singular, leads nowhere), inside the namespace.
    assert_eq!(
        created.header("location"),
        Some("/ns/loc/events/api/v1/subscription/1")
    );
}

#[tokio::test]
async fn a_namespace_s_openapi_document_names_its_base_url_and_has_no_namespaces() {
    let server = MockServer::builder()
        .namespace_max_events(500)
        .start()
        .await;
    let base = namespace(&server, json!({"name": "doc"})).await;
    let document = get(&format!("{base}/_mock/openapi.json")).await.json();
    assert_eq!(document["servers"], json!([{"url": base}]));
    assert!(document["paths"].get("/_mock/namespaces").is_none());
    assert!(document["paths"].get("/_mock/faults").is_some());
    let default = get(&format!("{}/_mock/openapi.json", server.url()))
        .await
        .json();
    assert_eq!(default["servers"], json!([{"url": server.url()}]));
    let generate = &default["paths"]["/_mock/namespaces"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["generate"];
    assert_eq!(generate["maximum"], 500, "the server's own cap");
}

#[tokio::test]
async fn namespaces_do_not_nest() {
    let server = MockServer::start().await;
    let base = namespace(&server, json!({"name": "outer"})).await;
    let inner = send(
        client()
            .post(format!("{base}/_mock/namespaces"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(inner.status, 404);
    assert!(inner.body.is_empty());
}

#[tokio::test]
async fn the_handshake_source_carries_the_prefix_under_a_base_url() {
    let receiver = Receiver::start();
    let server = MockServer::builder()
        .base_url("https://events.example.test")
        .start()
        .await;
    let answer = create(&server, json!({"name": "hooks"})).await;
    let base = answer.json()["baseUrl"].as_str().unwrap().to_owned();
    assert_eq!(base, "https://events.example.test/ns/hooks");
    let local = format!("{}/ns/hooks", server.url());
    let subscription = json!({
        "endPoint": receiver.url("/hook"),
        "resourceFilter": "urn:altinn:resource:app_ttd_apps-test",
    });
    let created = send(
        client()
            .post(format!("{local}/events/api/v1/subscriptions"))
            .bearer_auth(token(&local).await)
            .json(&subscription),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    common::poll(|| !receiver.received().is_empty()).await;
    assert_eq!(
        receiver.received()[0].json()["source"],
        "https://events.example.test/ns/hooks/events/api/v1/subscriptions/1"
    );
}

#[tokio::test]
async fn the_list_names_every_namespace_with_its_events() {
    let server = MockServer::start().await;
    namespace(&server, json!({"name": "b", "fixtures": events(2)})).await;
    namespace(&server, json!({"name": "a"})).await;
    let listed = get(&format!("{}/_mock/namespaces", server.url()))
        .await
        .json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(listed[1]["events"], 2);
    assert_eq!(listed[1]["baseUrl"], format!("{}/ns/b", server.url()));
    let one = get(&format!("{}/_mock/namespaces/b", server.url())).await;
    assert_eq!(one.json(), listed[1]);
}

#[tokio::test]
async fn a_deleted_namespace_answers_404_on_its_prefix_with_a_reason() {
    let server = MockServer::start().await;
    let base = namespace(&server, json!({"name": "gone", "fixtures": events(1)})).await;
    let url = format!("{}/_mock/namespaces/gone", server.url());
    assert_eq!(send(client().delete(&url)).await.status, 204);
    let after = common::send_unchecked(client().get(format!("{base}/_mock/events"))).await;
    assert_eq!(after.status, 404);
    assert_eq!(
        after.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
    assert!(
        after.json()["detail"]
            .as_str()
            .unwrap()
            .contains("there is no namespace \"gone\""),
        "{}",
        after.body
    );
    assert_eq!(send(client().delete(&url)).await.status, 404);
    assert_eq!(get(&url).await.status, 404);
    let journal = server.received_requests();
    assert_eq!(journal.last().unwrap().path, "/ns/gone/_mock/events");
}

#[tokio::test]
async fn deleting_all_namespaces_leaves_the_default_one() {
    let server = MockServer::start().await;
    server.publish([cloud_event("kept").build()]).unwrap();
    namespace(&server, json!({"name": "x"})).await;
    namespace(&server, json!({"name": "y"})).await;
    let deleted = send(client().delete(format!("{}/_mock/namespaces", server.url()))).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        get(&format!("{}/_mock/namespaces", server.url()))
            .await
            .body,
        "[]"
    );
    assert_eq!(server.events().len(), 1);
}

#[tokio::test]
async fn a_taken_name_is_a_409_and_a_bad_one_a_400() {
    let server = MockServer::start().await;
    namespace(&server, json!({"name": "dup"})).await;
    let again = create(&server, json!({"name": "dup"})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["title"], "Conflict");
    for name in ["a/b", "-x", "", "ä"] {
        let bad = create(&server, json!({ "name": name })).await;
        assert_eq!(bad.status, 400, "{name:?}");
    }
}

#[tokio::test]
async fn a_body_that_does_not_read_is_a_400_naming_what() {
    let server = MockServer::start().await;
    for (body, said) in [
        (json!({"nmae": "x"}), "unknown field"),
        (json!({"fixtures": [{"id": "1"}]}), "fixtures: "),
        (json!({"faults": ["when=sometimes"]}), "faults[0]: "),
        (json!({"visibilityLag": "soon"}), "visibilityLag: "),
        (json!({"generator": {"parties": 0}}), "generator: "),
    ] {
        let answer = create(&server, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
        let detail = answer.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(said), "{body}: {detail}");
    }
    let listed = get(&format!("{}/_mock/namespaces", server.url())).await;
    assert_eq!(listed.body, "[]", "nothing was created");
}

#[tokio::test]
async fn past_the_cap_on_namespaces_a_429() {
    let server = MockServer::builder().max_namespaces(2).start().await;
    namespace(&server, json!({})).await;
    namespace(&server, json!({})).await;
    let third = create(&server, json!({})).await;
    assert_eq!(third.status, 429);
    assert_eq!(third.json()["title"], "Too Many Requests");
    assert!(
        third.json()["detail"]
            .as_str()
            .unwrap()
            .contains("--max-namespaces")
    );
    let url = format!("{}/_mock/namespaces", server.url());
    let listed = get(&url).await.json();
    let first = listed[0]["name"].as_str().unwrap();
    send(client().delete(format!("{url}/{first}"))).await;
    assert_eq!(create(&server, json!({})).await.status, 201, "room again");
}

#[tokio::test]
async fn a_publish_past_the_event_cap_is_a_413_and_stores_nothing() {
    let server = MockServer::builder().namespace_max_events(3).start().await;
    let too_big = create(&server, json!({"generate": 4})).await;
    assert_eq!(too_big.status, 400, "past the document's maximum");
    let too_big = create(&server, json!({"fixtures": events(2), "generate": 2})).await;
    assert_eq!(too_big.status, 413);
    let base = namespace(&server, json!({"fixtures": events(2)})).await;
    let batch = json!([cloud_event("e3").build(), cloud_event("e4").build()]);
    let refused = send(client().post(format!("{base}/_mock/events")).json(&batch)).await;
    assert_eq!(refused.status, 413);
    assert_eq!(refused.json()["title"], "Payload Too Large");
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("--namespace-max-events"), "{detail}");
    let one = json!([cloud_event("e3").build()]);
    let stored = send(client().post(format!("{base}/_mock/events")).json(&one)).await;
    assert_eq!(stored.status, 200, "up to the cap");
    let app_event = common::app_event().build();
    let published = send(
        client()
            .post(format!("{base}/events/api/v1/app"))
            .bearer_auth(token(&base).await)
            .header(
                "PlatformAccessToken",
                get(&format!("{base}/_mock/token?app=ttd/apps-test"))
                    .await
                    .body,
            )
            .json(&app_event),
    )
    .await;
    assert_eq!(published.status, 413);
    let stored = get(&format!("{base}/_mock/events")).await.json();
    assert_eq!(stored.as_array().unwrap().len(), 3);
    let many = (0..10).map(|i| cloud_event(&format!("d{i}")).build());
    assert!(server.publish(many).is_ok(), "the default has no cap");
}

#[tokio::test]
async fn the_live_feed_stops_at_the_event_cap() {
    let server = MockServer::builder().namespace_max_events(50).start().await;
    let base = namespace(&server, json!({"name": "live"})).await;
    let started = send(
        client()
            .post(format!("{base}/_mock/live"))
            .json(&json!({"rate": "1000/s"})),
    )
    .await;
    assert_eq!(started.status, 200);
    let live = format!("{base}/_mock/live");
    common::poll_async(|| async { get(&live).await.json()["running"] == false }).await;
    let stored = get(&format!("{base}/_mock/events")).await.json();
    let count = stored.as_array().unwrap().len();
    assert!(count <= 50 && count > 0, "{count}");
}

#[tokio::test]
async fn a_namespace_idle_past_the_ttl_is_removed_and_a_busy_one_stays() {
    let server = MockServer::builder()
        .namespace_ttl(Duration::from_secs(2))
        .start()
        .await;
    let idle = namespace(&server, json!({"name": "idle"})).await;
    let busy = namespace(&server, json!({"name": "busy"})).await;
    let clock = json!({"advance": "48h"});
    let moved = send(client().post(format!("{busy}/_mock/clock")).json(&clock)).await;
    assert_eq!(moved.status, 200, "the server clock is not the TTL's clock");
    let idle_entry = format!("{}/_mock/namespaces/idle", server.url());
    // The busy one gets a request every 100 ms, far inside its TTL.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert_eq!(get(&format!("{busy}/_mock/health")).await.status, 200);
        if get(&idle_entry).await.status == 404 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never removed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gone = common::send_unchecked(client().get(format!("{idle}/_mock/health"))).await;
    assert_eq!(gone.status, 404);
    assert_eq!(get(&format!("{busy}/_mock/health")).await.status, 200);
}

#[tokio::test]
async fn the_journal_keeps_the_path_as_sent_and_each_namespace_its_own() {
    let server = MockServer::start().await;
    let base = namespace(&server, json!({"name": "j"})).await;
    query(&base, "after=0").await;
    let journal = get(&format!("{base}/_mock/requests")).await.json();
    assert_eq!(journal.as_array().unwrap().len(), 1);
    assert_eq!(journal[0]["path"], "/ns/j/events/api/v1/app/ttd/apps-test");
    assert_eq!(journal[0]["route"], "query");
    assert!(server.received_requests().is_empty());
}

#[tokio::test]
async fn the_fault_header_applies_within_the_namespace_it_is_sent_to() {
    let server = MockServer::start().await;
    let base = namespace(&server, json!({"name": "f"})).await;
    let url = format!("{base}/events/api/v1/app/ttd/apps-test?after=0");
    let faulted = send(
        client()
            .get(&url)
            .bearer_auth(token(&base).await)
            .header("x-mock-fault", "what=status:503"),
    )
    .await;
    assert_eq!(faulted.status, 503);
    let journal = get(&format!("{base}/_mock/requests")).await.json();
    assert_eq!(
        journal[0]["fault"]["id"],
        Value::Null,
        "the request's own header"
    );
    assert!(
        journal[0]["fault"]["rule"]
            .as_str()
            .unwrap()
            .contains("what=status:503")
    );
    assert!(server.received_requests().is_empty());
}

#[tokio::test]
async fn with_an_admin_token_a_namespace_s_admin_api_needs_it_and_without_admin_none_is_served() {
    let server = MockServer::builder().admin_token("s3cret").start().await;
    let url = format!("{}/_mock/namespaces", server.url());
    let refused = send(client().post(&url).json(&json!({"name": "t"}))).await;
    assert_eq!(refused.status, 401);
    let created = send(
        client()
            .post(&url)
            .bearer_auth("s3cret")
            .json(&json!({"name": "t"})),
    )
    .await;
    assert_eq!(created.status, 201);
    let events = format!("{}/ns/t/_mock/events", server.url());
    assert_eq!(send(client().get(&events)).await.status, 401);
    assert_eq!(
        send(client().get(&events).bearer_auth("s3cret"))
            .await
            .status,
        200
    );

    let closed = MockServer::builder().admin_api(false).start().await;
    let answer = common::send_unchecked(
        client()
            .post(format!("{}/_mock/namespaces", closed.url()))
            .json(&json!({})),
    )
    .await;
    assert_eq!(answer.status, 404);
    let unknown =
        common::send_unchecked(client().get(format!("{}/ns/x/_mock/health", closed.url()))).await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (404, ""),
        "production's empty 404"
    );
}

#[tokio::test]
async fn a_dropped_handle_removes_its_own_namespace_and_never_one_that_took_its_name() {
    let server = MockServer::start().await;
    let handle = MockServer::builder().start_in(&server);
    let name = handle.url().rsplit('/').next().unwrap().to_owned();
    let entry = format!("{}/_mock/namespaces/{name}", server.url());
    assert_eq!(get(&entry).await.status, 200);
    assert_eq!(send(client().delete(&entry)).await.status, 204);
    namespace(&server, json!({ "name": name })).await;
    drop(handle);
    assert_eq!(get(&entry).await.status, 200, "the newcomer stays");

    let owned = MockServer::builder().start_in(&server);
    let owned_entry = format!(
        "{}/_mock/namespaces/{}",
        server.url(),
        owned.url().rsplit('/').next().unwrap()
    );
    assert_eq!(get(&owned_entry).await.status, 200);
    drop(owned);
    assert_eq!(
        get(&owned_entry).await.status,
        404,
        "removed with its handle"
    );
}
