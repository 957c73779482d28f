//! Fault rules: each trigger fires exactly when it should, rules stay in their lane, and the
//! four ways to set them (admin API, header, Rust guard, builder) agree.

mod common;

use std::time::Duration;

use altinn_events_mock::{FaultRule, MockServer, Route};
use common::feed::{Consumer, event, server_with};
use common::send;
use serde_json::{Value, json};

fn rule(text: &str) -> FaultRule {
    text.parse().unwrap()
}

/// The statuses of `count` queries for the first page.
async fn statuses(consumer: &Consumer, count: usize) -> Vec<u16> {
    let url = consumer.first_page(2);
    let mut statuses = Vec::with_capacity(count);
    for _ in 0..count {
        let response = consumer.get(&url, None).await.unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

const OK: u16 = 200;
const DOWN: u16 = 503;

#[tokio::test]
async fn counting_triggers_fire_on_exactly_the_requests_they_name() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    for (text, expected) in [
        ("when=nth:3,what=status:503", vec![OK, OK, DOWN, OK, OK]),
        ("when=first:2,what=status:503", vec![DOWN, DOWN, OK, OK, OK]),
        ("when=every:2,what=status:503", vec![OK, DOWN, OK, DOWN, OK]),
        (
            "when=every:2,what=status:503,times=1",
            vec![OK, DOWN, OK, OK, OK],
        ),
        (
            "when=always,what=status:503,times=2",
            vec![DOWN, DOWN, OK, OK, OK],
        ),
    ] {
        let _guard = server.fault(rule(text));
        assert_eq!(statuses(&consumer, 5).await, expected, "{text}");
    }
}

#[tokio::test]
async fn probabilities_repeat_run_after_run_with_the_same_seed() {
    let pattern = |seed: u64| async move {
        let server = MockServer::builder()
            .events((0..3).map(event))
            .seed(seed)
            .fault(rule("when=probability:0.5,what=status:503"))
            .start()
            .await;
        statuses(&Consumer::new(&server), 40).await
    };
    let first = pattern(7).await;
    assert_eq!(first, pattern(7).await);
    assert_ne!(first, pattern(8).await);
    let failures = first.iter().filter(|&&status| status == DOWN).count();
    assert!((8..32).contains(&failures), "{failures} of 40");
}

#[tokio::test]
async fn a_window_follows_the_server_clock() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    server.set_clock("2026-01-05T11:59:00Z".parse().unwrap());
    let _guard = server.fault(rule(
        "when=window:2026-01-05T12:00:00Z..2026-01-05T12:05:00Z,what=status:503",
    ));
    assert_eq!(statuses(&consumer, 1).await, [OK]);
    server.advance_clock(Duration::from_secs(60));
    assert_eq!(statuses(&consumer, 2).await, [DOWN, DOWN]);
    server.advance_clock(Duration::from_secs(300));
    assert_eq!(statuses(&consumer, 1).await, [OK]);
}

#[tokio::test]
async fn rules_count_only_the_requests_of_their_route_org_and_app() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let _other_app = server.fault(rule("when=always,what=status:500,app=another-app"));
    let _publish = server.fault(rule("when=always,what=status:500,route=publish"));
    let second_query = server.fault(rule("when=nth:2,what=status:503,route=query"));
    // Token requests and admin calls are not queries: they do not move the count.
    reqwest::get(format!("{}/_mock/token?org=ttd", server.url()))
        .await
        .unwrap();
    reqwest::get(format!("{}/_mock/health", server.url()))
        .await
        .unwrap();
    assert_eq!(statuses(&consumer, 3).await, [OK, DOWN, OK]);
    assert_eq!(second_query.status().unwrap().matched, 3);

    let _token = server.fault(rule("when=always,what=status:502,route=token"));
    let minted = reqwest::get(format!("{}/_mock/token?org=ttd", server.url()))
        .await
        .unwrap();
    assert_eq!(minted.status(), 502);
    // Token requests are not journaled, but a faulted one is, with its rule.
    let journal = server.received_requests();
    let last = journal.last().unwrap();
    assert_eq!((last.route, last.status), (Route::Token, 502));
    assert_eq!(
        last.fault.as_ref().unwrap().rule,
        "when=always,what=status:502,route=token"
    );
    assert_eq!(
        journal.len(),
        4,
        "three queries and the faulted token request"
    );
}

#[tokio::test]
async fn the_first_rule_that_fires_decides() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let _first = server.fault(rule("when=every:2,what=status:503"));
    let _second = server.fault(rule("when=always,what=status:429"));
    assert_eq!(statuses(&consumer, 4).await, [429, DOWN, 429, DOWN]);
}

#[tokio::test]
async fn counting_starts_when_a_rule_is_added_and_a_dropped_guard_removes_it() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    assert_eq!(statuses(&consumer, 2).await, [OK, OK]);
    let guard = server.fault(rule("when=nth:2,what=status:503"));
    assert_eq!(statuses(&consumer, 2).await, [OK, DOWN]);
    assert_eq!(guard.fired(), 1);
    let _still = server.fault(rule("when=always,what=status:503"));
    drop(guard);
    assert_eq!(server.faults().len(), 1);
    drop(_still);
    assert!(server.faults().is_empty());
    assert_eq!(statuses(&consumer, 3).await, [OK, OK, OK]);
}

#[tokio::test]
async fn builder_rules_stand_from_the_start_and_come_back_after_a_reset() {
    let server = MockServer::builder()
        .events((0..3).map(event))
        .fault(rule("when=nth:1,what=status:503"))
        .start()
        .await;
    let consumer = Consumer::new(&server);
    let _added = server.fault(rule("when=always,what=status:500"));
    assert_eq!(statuses(&consumer, 2).await, [DOWN, 500]);
    server.reset();
    let standing: Vec<String> = server.faults().into_iter().map(|f| f.spelling).collect();
    assert_eq!(standing, ["when=nth:1,what=status:503"]);
    assert_eq!(statuses(&consumer, 2).await, [DOWN, OK]);
}

#[tokio::test]
async fn the_admin_api_lists_adds_and_removes_rules() {
    let server = server_with(3).await;
    let consumer = Consumer::new(&server);
    let client = reqwest::Client::new();
    let faults = format!("{}/_mock/faults", server.url());

    let added = send(
        client
            .post(&faults)
            .json(&json!({"when": "nth:2", "what": "status:503", "retry_after": 2})),
    )
    .await;
    assert_eq!(added.status, 201);
    let location = added.header("location").unwrap().to_owned();
    let added = added.json();
    assert_eq!(location, format!("/_mock/faults/{}", added["id"]));
    assert_eq!(added["rule"], "when=nth:2,what=status:503,retry_after=2");

    // The spelling as a JSON string works too.
    let spelled = send(
        client
            .post(&faults)
            .json(&json!("when=always,what=drop_next")),
    )
    .await;
    assert_eq!(spelled.status, 201);

    assert_eq!(statuses(&consumer, 2).await, [OK, DOWN]);
    let listed = send(client.get(&faults)).await.json();
    assert_eq!(listed[0]["when"], "nth:2");
    assert_eq!(listed[0]["retry_after"], 2);
    assert_eq!(
        (listed[0]["matched"].clone(), listed[0]["fired"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(listed[1]["route"], "query");

    let one = format!("{}{location}", server.url());
    let shown = send(client.get(&one)).await.json();
    assert_eq!(shown["rule"], added["rule"]);
    assert_eq!(send(client.delete(&one)).await.status, 204);
    assert_eq!(send(client.delete(&one)).await.status, 404);
    assert_eq!(send(client.delete(&faults)).await.status, 204);
    assert!(server.faults().is_empty());

    let refused = send(
        client
            .post(&faults)
            .json(&json!({"when": "nth:0", "what": "status:503"})),
    )
    .await;
    assert_eq!(refused.status, 400);
    let problem: Value = refused.json();
    assert!(
        problem["detail"].as_str().unwrap().contains("nth:N"),
        "{problem}"
    );
    let wrong_method = send(client.put(&faults)).await;
    assert_eq!(wrong_method.status, 405);
}

#[tokio::test]
async fn a_rule_for_every_route_never_locks_out_its_own_removal() {
    let server = server_with(3).await;
    let client = reqwest::Client::new();
    let faults = format!("{}/_mock/faults", server.url());
    let _outage = server.fault(rule("when=always,what=status:503,route=all"));
    let health = send(client.get(format!("{}/_mock/health", server.url()))).await;
    assert_eq!(health.status, 503);
    assert_eq!(send(client.delete(&faults)).await.status, 204);
    let health = send(client.get(format!("{}/_mock/health", server.url()))).await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn everything_under_mock_faults_stays_reachable_and_an_unknown_id_is_a_problem() {
    let server = server_with(3).await;
    let client = reqwest::Client::new();
    let _outage = server.fault(rule("when=always,what=status:503"));
    for id in ["abc", "8.7e-33", "999"] {
        let url = format!("{}/_mock/faults/{id}", server.url());
        for request in [client.get(&url), client.delete(&url)] {
            let response = send(request).await;
            assert_eq!(response.status, 404, "{id}");
            assert_eq!(
                response.content_type(),
                Some("application/problem+json; charset=utf-8")
            );
            let body = response.json();
            assert_eq!(body["status"], 404);
            assert!(body["detail"].as_str().unwrap().contains(id), "{body}");
        }
    }
}

#[tokio::test]
async fn by_default_a_rule_counts_the_consumers_requests_not_its_token_requests() {
    let server = server_with(3).await;
    let client = reqwest::Client::new();
    let _third = server.fault("when=nth:3,what=status:503");
    let url = format!("{}?after=0", server.events_url("ttd", "apps-test"));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        // A script fetches a token before each query: the rule must not count it.
        let token = send(client.get(format!("{}/_mock/token?org=ttd", server.url()))).await;
        assert_eq!(token.status, 200);
        let page = send(client.get(&url).bearer_auth(token.body)).await;
        statuses.push(page.status);
    }
    assert_eq!(statuses, [OK, OK, DOWN, OK]);
}

#[tokio::test]
async fn startup_rules_are_numbered_from_1_and_again_after_a_reset() {
    let server = MockServer::builder()
        .fault("when=nth:5,what=status:503")
        .fault("when=nth:6,what=status:500")
        .start()
        .await;
    let ids = |server: &MockServer| server.faults().iter().map(|f| f.id).collect::<Vec<_>>();
    assert_eq!(ids(&server), [1, 2]);
    let added = server.fault("when=always,what=reset,route=token");
    assert_eq!(added.id(), 3);
    server.reset();
    assert_eq!(ids(&server), [1, 2]);
    assert_eq!(added.status(), None, "a reset ends the guard's rule");
    drop(added);
    assert_eq!(
        ids(&server),
        [1, 2],
        "an old guard removes nothing after a reset"
    );
}

#[tokio::test]
async fn without_the_admin_api_the_header_is_ignored_as_production_ignores_it() {
    let server = common::start_without_admin(common::with_rules()).await;
    let token = server.token("org=ttd").await;
    let path = format!("{}?after=0", common::APPS_TEST);
    let answer = server
        .get_with(&path, |request| {
            request
                .bearer_auth(&token)
                .header("x-mock-fault", "what=status:503")
        })
        .await;
    assert_eq!(answer.status, 200);
}
