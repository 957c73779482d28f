//! Many namespaces of one server, used at the same time, never see each other: each tenant
//! publishes events with the same ids as every other, queries, adds fault rules, subscribes a
//! webhook and moves its clock, all concurrently and phase by phase, and sees only its own.
//! Over HTTP (as test suites in any language use a shared server) and from Rust
//! ([`MockServerBuilder::start_in`]).

mod common;

use std::sync::Arc;
use std::time::Duration;

use altinn_events_mock::{AppEventRequest, MockServer};
use chrono::{DateTime, Utc};
use common::receiver::Receiver;
use common::{app_event, client, cloud_event, poll, poll_async, send};
use serde_json::{Value, json};
use tokio::sync::Barrier;

const TENANTS: usize = 12;
const EVENTS: usize = 8;

/// One tenant: a namespace of the shared server, told apart by its party.
struct Tenant {
    base: String,
    party: u32,
    token: String,
    receiver: Receiver,
}

impl Tenant {
    async fn create(server: &str, index: usize) -> Tenant {
        let answer = send(
            client()
                .post(format!("{server}/_mock/namespaces"))
                .json(&json!({ "name": format!("tenant-{index}") })),
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        let base = answer.json()["baseUrl"].as_str().unwrap().to_owned();
        let token = send(client().get(format!("{base}/_mock/token?org=ttd")))
            .await
            .body;
        Tenant {
            base,
            party: 1000 + index as u32,
            token,
            receiver: Receiver::start(),
        }
    }

    async fn get(&self, path: &str) -> common::Answer {
        send(
            client()
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.token),
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> common::Answer {
        send(
            client()
                .post(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .json(&body),
        )
        .await
    }

    /// Subscribes its receiver to app `ttd/apps-test` and waits for the handshake.
    async fn subscribe(&self) {
        let subscription = json!({
            "endPoint": self.receiver.url("/hook"),
            "resourceFilter": "urn:altinn:resource:app_ttd_apps-test",
        });
        let created = self
            .post("/events/api/v1/subscriptions", subscription)
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        poll_async(|| async {
            let listed = self.get("/_mock/subscriptions").await.json();
            listed[0]["validated"] == true
        })
        .await;
    }

    /// The same ids in every namespace (`e1`…), each tenant's own party.
    async fn publish(&self) {
        let events: Vec<Value> = (1..=EVENTS)
            .map(|i| cloud_event(&format!("e{i}")).party(self.party).build())
            .collect();
        let stored = self.post("/_mock/events", Value::Array(events)).await;
        assert_eq!(stored.status, 200, "{}", stored.body);
        let numbers = stored.json()["sequenceNumbers"].clone();
        let expected: Vec<u64> = (1..=EVENTS as u64).collect();
        assert_eq!(
            numbers,
            json!(expected),
            "numbered from 1 in every namespace"
        );
    }

    /// Every event of its query, and the statuses on the way.
    async fn query_all(&self) -> (Vec<Value>, Vec<u16>) {
        let mut url = format!(
            "{}/events/api/v1/app/ttd/apps-test?after=0&size=3",
            self.base
        );
        let (mut events, mut statuses) = (Vec::new(), Vec::new());
        loop {
            let page = send(client().get(&url).bearer_auth(&self.token)).await;
            statuses.push(page.status);
            if page.status == 503 {
                continue; // its own fault rule: try the same page again
            }
            assert_eq!(page.status, 200, "{}", page.body);
            let body = page.json();
            let items = body.as_array().unwrap();
            if items.is_empty() {
                return (events, statuses);
            }
            events.extend(items.iter().cloned());
            let next = page.header("next").expect("a next link");
            assert!(next.starts_with(&self.base), "{next}");
            url = next.to_owned();
        }
    }

    fn subjects_are_its_own(&self, events: &[Value]) {
        let own = format!("/party/{}", self.party);
        for event in events {
            assert_eq!(event["subject"], own.as_str(), "{event}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_of_one_server_never_see_each_other_s_events_faults_clocks_or_webhooks() {
    let server = MockServer::start().await;
    server.publish([cloud_event("e1").build()]).unwrap();
    let url = server.url().to_owned();
    let phase = Arc::new(Barrier::new(TENANTS));
    let tenants: Vec<_> = (0..TENANTS)
        .map(|index| {
            let (url, phase) = (url.clone(), Arc::clone(&phase));
            tokio::spawn(async move { run_tenant(&url, index, &phase).await })
        })
        .collect();
    let mut finished = Vec::new();
    for tenant in tenants {
        finished.push(tenant.await.expect("a tenant panicked"));
    }
    // After everyone is done: still only one's own, and the default namespace untouched.
    for tenant in &finished {
        let stored = tenant.get("/_mock/events").await.json();
        let events: Vec<Value> = stored
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["event"].clone())
            .collect();
        assert_eq!(events.len(), EVENTS + 1);
        tenant.subjects_are_its_own(&events);
        let journal = tenant.get("/_mock/requests").await.json();
        let prefix = format!("/ns/tenant-{}/", tenant.party - 1000);
        for entry in journal.as_array().unwrap() {
            assert!(
                entry["path"].as_str().unwrap().starts_with(&prefix),
                "{entry}"
            );
        }
        let delivered = tenant.receiver.events();
        assert_eq!(
            delivered.len(),
            EVENTS + 1,
            "each own event once, no one else's"
        );
        let own = format!("/party/{}", tenant.party);
        assert!(
            delivered
                .iter()
                .all(|r| r.json()["subject"] == own.as_str())
        );
    }
    assert_eq!(server.events().len(), 1);
    assert!(server.received_requests().is_empty());
    assert!(server.subscriptions().is_empty());
}

/// One tenant's test suite, in phases every tenant enters together.
async fn run_tenant(server: &str, index: usize, phase: &Barrier) -> Tenant {
    let tenant = Tenant::create(server, index).await;
    tenant.subscribe().await;
    together(phase).await;

    // Events with the same ids as everyone's, and a fault rule on the second query.
    tenant.publish().await;
    let rule = json!({"when": "nth:2", "what": "status:503", "route": "query"});
    assert_eq!(tenant.post("/_mock/faults", rule).await.status, 201);
    together(phase).await;
    let (events, statuses) = tenant.query_all().await;
    assert_eq!(events.len(), EVENTS);
    tenant.subjects_are_its_own(&events);
    assert_eq!(
        statuses.iter().filter(|s| **s == 503).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses[1], 503,
        "its own rule, on its own second query: {statuses:?}"
    );
    poll(|| tenant.receiver.events().len() == EVENTS).await;
    together(phase).await;

    // Each clock somewhere else; an app event is stamped with its own namespace's time.
    let hours = index + 1;
    let moved = tenant
        .post("/_mock/clock", json!({"advance": format!("{hours}h")}))
        .await;
    assert_eq!(moved.status, 200);
    together(phase).await;
    let now = clock(&tenant).await;
    let ahead = now - Utc::now();
    assert!(
        ahead > chrono::TimeDelta::hours(hours as i64 - 1)
            && ahead < chrono::TimeDelta::hours(hours as i64) + chrono::TimeDelta::minutes(5),
        "tenant {index} is {ahead} ahead"
    );
    let access = tenant.get("/_mock/token?app=ttd/apps-test").await.body;
    let published = send(
        client()
            .post(format!("{}/events/api/v1/app", tenant.base))
            .bearer_auth(&tenant.token)
            .header("PlatformAccessToken", access)
            .json(&app_event().party(tenant.party).build()),
    )
    .await;
    assert_eq!(published.status, 201, "{}", published.body);
    let stored = tenant.get("/_mock/events?after=8").await.json();
    let time: DateTime<Utc> = stored[0]["event"]["time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        time - Utc::now() > chrono::TimeDelta::hours(hours as i64 - 1),
        "{time}"
    );
    poll(|| tenant.receiver.events().len() == EVENTS + 1).await;
    together(phase).await;
    tenant
}

/// Waits for every tenant to reach this phase; a tenant that failed fails the rest instead of
/// leaving them waiting.
async fn together(phase: &Barrier) {
    tokio::time::timeout(Duration::from_secs(60), phase.wait())
        .await
        .expect("another tenant failed before this phase");
}

async fn clock(tenant: &Tenant) -> DateTime<Utc> {
    let answer = tenant.get("/_mock/clock").await.json();
    answer["now"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_or_a_delete_in_one_namespace_leaves_the_others_as_they_were() {
    let server = MockServer::start().await;
    let mut tenants = Vec::new();
    for index in 0..3 {
        let tenant = Tenant::create(server.url(), index).await;
        tenant.publish().await;
        tenants.push(tenant);
    }
    assert_eq!(
        tenants[0].post("/_mock/reset", json!(null)).await.status,
        200
    );
    let deleted =
        send(client().delete(format!("{}/_mock/namespaces/tenant-1", server.url()))).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(tenants[0].get("/_mock/events").await.body, "[]");
    let kept = tenants[2].get("/_mock/events").await.json();
    assert_eq!(kept.as_array().unwrap().len(), EVENTS);
}

#[test]
fn namespaces_made_from_rust_on_many_threads_never_see_each_other() {
    let shared = MockServer::start_blocking();
    std::thread::scope(|scope| {
        for index in 0..8u32 {
            let shared = &shared;
            scope.spawn(move || {
                let mine = MockServer::builder().start_in(shared);
                let party = 2000 + index;
                let events = (1..=5).map(|i| cloud_event(&format!("e{i}")).party(party).build());
                assert_eq!(mine.publish(events).unwrap().len(), 5);
                let source = format!(
                    "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/{party}/0b4b4c4e-aaaa-4bbb-8ccc-000000000001"
                );
                mine.advance_clock(Duration::from_secs(3600 * u64::from(index + 1)));
                let request = AppEventRequest::new(&source, &format!("/party/{party}"), "app.instance.created");
                mine.publish_app_event(request).unwrap();
                let stored = mine.events();
                assert_eq!(stored.len(), 6);
                assert!(stored.iter().all(|s| s.event.subject() == Some(format!("/party/{party}").as_str())));
                let ahead = mine.now() - Utc::now();
                assert!(ahead > chrono::TimeDelta::hours(i64::from(index)), "{ahead}");
                assert_eq!(namespaces_listed(shared, &mine), 1);
            });
        }
    });
    assert!(shared.events().is_empty());
    let gone = namespaces_of(&shared);
    assert_eq!(
        gone,
        json!([]),
        "every handle removed its namespace when it dropped"
    );
}

/// How often `mine` is in `shared`'s list.
fn namespaces_listed(shared: &MockServer, mine: &MockServer) -> usize {
    let listed = namespaces_of(shared);
    listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["baseUrl"] == mine.url())
        .count()
}

/// `GET /_mock/namespaces` of `server`, from synchronous code.
fn namespaces_of(server: &MockServer) -> Value {
    let answer = common::raw_get(server.address(), "/_mock/namespaces", &[]).expect("answered");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).expect("JSON")
}
