//! `/_mock`: the helper's powers over HTTP, for CLI users and other languages.

mod common;

use altinn_events_mock::{AuthMode, MockServerBuilder};
use common::{TestServer, cloud_event, raw_exchange, start_with, with_rules};
use serde_json::{Value, json};

/// `rules.json` without token checks, as `configure` leaves it.
async fn server_with(configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder) -> TestServer {
    start_with(configure(with_rules().auth(AuthMode::Off))).await
}

async fn server() -> TestServer {
    server_with(|builder| builder).await
}

/// An event of app `ttd/admin-app` (which `rules.json` has none of), party 1.
fn event(id: &str) -> Value {
    cloud_event(id).app("ttd", "admin-app").party(1).build()
}

async fn post(server: &TestServer, path: &str, body: String, content_type: &str) -> common::Answer {
    server
        .send(
            server
                .client
                .post(server.url(path))
                .header("content-type", content_type)
                .body(body),
        )
        .await
}

async fn admin_app_ids(server: &TestServer) -> Vec<String> {
    server
        .get("/events/api/v1/app/ttd/admin-app?from=2000-01-01Z")
        .await
        .event_ids()
}

#[tokio::test]
async fn events_post_as_an_array_one_object_an_object_with_parties_or_ndjson() {
    let server = server().await;
    let answer = post(
        &server,
        "/_mock/events",
        json!([event("a"), event("b")]).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json(), json!({"sequenceNumbers": [13, 14]}));
    post(
        &server,
        "/_mock/events",
        event("c").to_string(),
        "application/json",
    )
    .await;
    let with_parties =
        json!({"events": [event("d")], "parties": [{"partyId": 1, "unit": "974761076"}]});
    post(
        &server,
        "/_mock/events",
        with_parties.to_string(),
        "application/json",
    )
    .await;
    let ndjson = format!("{}\n{}\n", event("e"), event("f"));
    post(&server, "/_mock/events", ndjson, "application/x-ndjson").await;
    // A repeat of a stored id + source is a silent no-op.
    let again = post(
        &server,
        "/_mock/events",
        json!([event("a")]).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(again.json(), json!({"sequenceNumbers": [null]}));
    assert_eq!(admin_app_ids(&server).await, ["a", "b", "c", "d", "e", "f"]);
    let by_unit = server
        .get("/events/api/v1/app/ttd/admin-app?from=2000-01-01Z&unit=974761076")
        .await;
    assert_eq!(by_unit.event_ids().len(), 6);
}

#[tokio::test]
async fn a_bad_event_stores_nothing_and_is_named() {
    let server = server().await;
    let bad = cloud_event("y")
        .app("ttd", "admin-app")
        .party(1)
        .without("id")
        .build();
    let answer = post(
        &server,
        "/_mock/events",
        json!([event("x"), bad]).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
    let detail = answer.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.starts_with("event 1: required attribute `id` is missing"),
        "{detail}"
    );
    assert!(admin_app_ids(&server).await.is_empty());
    let answer = post(&server, "/_mock/events", "[{".into(), "application/json").await;
    assert_eq!(answer.status, 400);
}

#[tokio::test]
async fn an_empty_id_is_called_empty_not_missing() {
    let server = server().await;
    let empty = cloud_event("").app("ttd", "admin-app").build();
    let answer = post(
        &server,
        "/_mock/events",
        empty.to_string(),
        "application/json",
    )
    .await;
    assert_eq!(answer.status, 400);
    let detail = answer.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.starts_with("event 0: required attribute `id` is empty"),
        "{detail}"
    );
}

#[tokio::test]
async fn bodies_over_max_body_get_413_whether_declared_or_streamed() {
    let server = server_with(|builder| builder.max_body(1000)).await;
    let big = Value::Array(vec![event("a"); 20]).to_string();
    let answer = post(&server, "/_mock/events", big.clone(), "application/json").await;
    assert_eq!(answer.status, 413);
    // Without Content-Length: chunked, so the limit bites while reading.
    let mut request = String::from(
        "POST /_mock/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    for chunk in big.as_bytes().chunks(100) {
        request.push_str(&format!(
            "{:x}\r\n{}\r\n",
            chunk.len(),
            String::from_utf8_lossy(chunk)
        ));
    }
    request.push_str("0\r\n\r\n");
    let response = raw_exchange(server.address(), request.as_bytes()).expect("an answer");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(admin_app_ids(&server).await.is_empty());
}

#[tokio::test]
async fn events_list_with_sequence_numbers_and_registration_times_and_delete_empties() {
    let server = server().await;
    post(
        &server,
        "/_mock/events",
        json!([event("a")]).to_string(),
        "application/json",
    )
    .await;
    let listed = server.get("/_mock/events").await.json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 13);
    assert_eq!(listed[0]["sequenceNumber"], 1);
    assert_eq!(listed[0]["registeredAt"], Value::Null);
    assert_eq!(listed[0]["event"]["id"], "e01");
    assert!(listed[12]["registeredAt"].is_string());
    let deleted = server
        .send(server.client.delete(server.url("/_mock/events")))
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        server.get("/_mock/health").await.json(),
        json!({"status": "ok", "events": 0, "droppedLogLines": 0})
    );
}

#[tokio::test]
async fn the_journal_lists_requests_newest_first_and_can_be_cleared() {
    let server = server_with(|builder| builder.journal_cap(2)).await;
    for after in ["e01", "e02", "e03"] {
        server
            .get(&format!(
                "/events/api/v1/app/ttd/apps-test?after={after}&size=1"
            ))
            .await;
    }
    let journal = server.get("/_mock/requests").await.json();
    let entries = journal.as_array().unwrap();
    assert_eq!(entries.len(), 2, "capped");
    assert_eq!(entries[0]["query"], "after=e03&size=1");
    assert_eq!(entries[0]["route"], "query");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["events"], 1);
    assert!(entries[0]["next"].as_str().unwrap().contains("after=e04"));
    assert_eq!(entries[0]["id"], 3);
    assert_eq!(entries[1]["query"], "after=e02&size=1");
    let cleared = server
        .send(server.client.delete(server.url("/_mock/requests")))
        .await;
    assert_eq!(cleared.status, 204);
    assert_eq!(server.get("/_mock/requests").await.json(), json!([]));
}

#[tokio::test]
async fn the_clock_moves_and_the_visibility_lag_follows_it() {
    let server =
        server_with(|builder| builder.visibility_lag(std::time::Duration::from_secs(30))).await;
    post(
        &server,
        "/_mock/events",
        json!([event("fresh")]).to_string(),
        "application/json",
    )
    .await;
    assert!(admin_app_ids(&server).await.is_empty(), "hidden by the lag");
    let answer = post(
        &server,
        "/_mock/clock",
        json!({"advance": "30s"}).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(admin_app_ids(&server).await, ["fresh"]);

    let answer = post(
        &server,
        "/_mock/clock",
        json!({"now": "2030-01-01T00:00:00Z"}).to_string(),
        "application/json",
    )
    .await;
    assert!(
        answer.json()["now"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T00:00:0")
    );
    for bad in [
        json!({}),
        json!({"advance": "soon"}),
        json!({"advance": "1s", "now": "2030-01-01T00:00:00Z"}),
    ] {
        let answer = post(&server, "/_mock/clock", bad.to_string(), "application/json").await;
        assert_eq!(answer.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn reset_restores_the_startup_events_the_journal_and_real_time() {
    let server = server().await;
    post(
        &server,
        "/_mock/events",
        json!([event("a")]).to_string(),
        "application/json",
    )
    .await;
    post(
        &server,
        "/_mock/clock",
        json!({"now": "2030-01-01T00:00:00Z"}).to_string(),
        "application/json",
    )
    .await;
    server
        .send(server.client.delete(server.url("/_mock/events")))
        .await;
    server
        .get("/events/api/v1/app/ttd/apps-test?after=e01")
        .await;
    let answer = server
        .send(server.client.post(server.url("/_mock/reset")))
        .await;
    assert_eq!(
        answer.json(),
        json!({"status": "ok", "events": 12, "droppedLogLines": 0})
    );
    assert_eq!(server.get("/_mock/requests").await.json(), json!([]));
    let now = server.get("/_mock/clock").await.json()["now"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(now.starts_with("20"), "{now}");
    assert!(!now.starts_with("2030"), "{now}");
    assert_eq!(
        server
            .get("/events/api/v1/app/ttd/apps-test?after=e06")
            .await
            .event_ids(),
        ["e07", "shared-id"]
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_faked_and_admin_endpoints() {
    let server = server().await;
    let answer = server.get("/_mock/openapi.json").await;
    assert_eq!(answer.status, 200);
    let doc = answer.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/events/api/v1/app/{org}/{app}",
        "/events/api/v1/app",
        "/_mock/events",
        "/_mock/requests",
        "/_mock/clock",
        "/_mock/reset",
        "/_mock/health",
        "/_mock/token",
        "/_mock/live",
        "/_mock/faults",
        "/_mock/faults/{id}",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    let query = &doc["paths"]["/events/api/v1/app/{org}/{app}"]["get"];
    let names: Vec<&str> = query["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| match p["$ref"].as_str() {
            Some(shared) => {
                let name = shared.trim_start_matches("#/components/parameters/");
                doc["components"]["parameters"][name]["name"]
                    .as_str()
                    .unwrap()
            }
            None => p["name"].as_str().unwrap(),
        })
        .collect();
    assert_eq!(
        names,
        [
            "org",
            "app",
            "after",
            "from",
            "to",
            "party",
            "unit",
            "person",
            "type",
            "size",
            "x-mock-fault",
            "x-mock-admin-token"
        ]
    );
    assert!(query["responses"]["200"]["headers"]["next"].is_object());
    // The admin lists' paging is described.
    let events = &doc["paths"]["/_mock/events"]["get"];
    let paging: Vec<&str> = events["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(paging, ["after", "limit"]);
    assert!(events["responses"]["200"]["headers"]["next"].is_object());
    let health = &doc["components"]["schemas"]["Health"]["properties"];
    let mut keys: Vec<&String> = health.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["droppedLogLines", "events", "status"]);
}

#[tokio::test]
async fn the_openapi_servers_name_the_url_the_server_was_reached_at() {
    let server = server().await;
    let doc = server.get("/_mock/openapi.json").await.json();
    assert_eq!(doc["servers"], json!([{ "url": server.server.url() }]));
    let by_name = server
        .get_with("/_mock/openapi.json", |request| {
            request.header("host", "events.test:8080")
        })
        .await
        .json();
    assert_eq!(
        by_name["servers"],
        json!([{ "url": "http://events.test:8080" }])
    );
    let configured =
        server_with(|builder| builder.base_url("https://platform.tt02.altinn.no/")).await;
    let doc = configured.get("/_mock/openapi.json").await.json();
    assert_eq!(
        doc["servers"],
        json!([{ "url": "https://platform.tt02.altinn.no" }])
    );
}

#[tokio::test]
async fn no_admin_leaves_only_token_and_health() {
    let server = common::start_without_admin(with_rules().auth(AuthMode::Off)).await;
    assert_eq!(server.get("/_mock/health").await.status, 200);
    assert_eq!(server.get("/_mock/token?org=ttd").await.status, 200);
    for path in [
        "/_mock/events",
        "/_mock/requests",
        "/_mock/clock",
        "/_mock/openapi.json",
        "/_mock/faults",
        "/_mock/faults/1",
    ] {
        let answer = server.get(path).await;
        assert_eq!((answer.status, answer.body.as_str()), (404, ""), "{path}");
    }
}

#[tokio::test]
async fn an_admin_token_guards_everything_but_token_and_health() {
    let server = server_with(|builder| builder.admin_token("s3cret")).await;
    assert_eq!(server.get("/_mock/health").await.status, 200);
    assert_eq!(server.get("/_mock/token?org=ttd").await.status, 200);
    let refused = server.get("/_mock/events").await;
    assert_eq!(refused.status, 401);
    let wrong = server
        .get_with("/_mock/events", |r| r.bearer_auth("nope"))
        .await;
    assert_eq!(wrong.status, 401);
    let allowed = server
        .get_with("/_mock/events", |r| r.bearer_auth("s3cret"))
        .await;
    assert_eq!(allowed.status, 200);
}

#[tokio::test]
async fn wrong_methods_on_admin_paths_are_405() {
    let server = server().await;
    let answer = server
        .send(server.client.put(server.url("/_mock/events")))
        .await;
    assert_eq!(
        (answer.status, answer.header("allow")),
        (405, Some("GET, POST, DELETE"))
    );
    let answer = server.get("/_mock/reset").await;
    assert_eq!((answer.status, answer.header("allow")), (405, Some("POST")));
}

#[tokio::test]
async fn an_undeclared_ndjson_body_reports_the_bad_event_not_a_json_error() {
    let server = server().await;
    let body = format!("{}\n{}\n", event("a"), json!({"id": "bad"}));
    let answer = post(&server, "/_mock/events", body, "application/json").await;
    assert_eq!(answer.status, 400);
    let detail = answer.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.starts_with("line 2: required attribute `specversion` is missing"),
        "{detail}"
    );
}

#[tokio::test]
async fn the_clock_stays_within_what_production_can_hold() {
    let server = server().await;
    let answer = post(
        &server,
        "/_mock/clock",
        json!({"now": "+12000-01-01T00:00:00Z"}).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let answer = post(
        &server,
        "/_mock/clock",
        json!({"advance": "99999999999h"}).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(answer.json()["now"], "9999-12-31T23:59:59.999999900Z");
    let answer = post(
        &server,
        "/_mock/events",
        json!([event("late")]).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(answer.status, 200);
    let listed = server.get("/_mock/events").await.json();
    assert_eq!(
        listed.as_array().unwrap().last().unwrap()["event"]["id"],
        "late"
    );
}

#[tokio::test]
async fn the_admin_token_scheme_is_case_insensitive_and_a_refusal_says_bearer() {
    let server = server_with(|builder| builder.admin_token("s3cret")).await;
    let refused = server.get("/_mock/requests").await;
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    let lower = server
        .get_with("/_mock/requests", |r| {
            r.header("authorization", "bearer s3cret")
        })
        .await;
    assert_eq!(lower.status, 200);
}
