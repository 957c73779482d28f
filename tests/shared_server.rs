//! Test suites that share one server, each in a namespace of its own: the tests in this file
//! run in parallel against the same [`MockServer`], publish the same event ids, move their
//! clocks and add fault rules, and none sees another's (the pattern of docs/namespaces.md).

mod common;

use std::time::Duration;

use altinn_events_mock::MockServer;
use common::{client, cloud_event, send};
use tokio::sync::OnceCell;

static SHARED: OnceCell<MockServer> = OnceCell::const_new();

/// This test's own fake: a namespace of the shared server, removed when it drops.
async fn my_server() -> MockServer {
    let shared = SHARED.get_or_init(MockServer::start).await;
    MockServer::builder().start_in(shared)
}

/// One suite: `count` events of party `party`, a fault on its second query, its clock moved.
async fn suite(party: u32, count: usize, hours: u64) {
    let server = my_server().await;
    let events = (1..=count).map(|i| cloud_event(&format!("e{i}")).party(party).build());
    server.publish(events).unwrap();
    let _fault = server.fault("when=nth:2,what=status:503,route=query");
    server.advance_clock(Duration::from_secs(3600 * hours));
    let url = format!("{}?after=0", server.events_url("ttd", "apps-test"));
    let first = send(client().get(&url).bearer_auth(server.token("ttd"))).await;
    let ids = first.event_ids();
    assert_eq!(ids.len(), count, "only this suite's events");
    assert!(first.body.contains(&format!("/party/{party}")));
    let second = send(client().get(&url).bearer_auth(server.token("ttd"))).await;
    assert_eq!(
        second.status, 503,
        "this suite's own rule, on its own second query"
    );
    assert_eq!(
        server.received_requests().len(),
        2,
        "only this suite's requests"
    );
    let ahead = server.now() - chrono::Utc::now();
    assert!(
        ahead > chrono::TimeDelta::hours(hours as i64 - 1),
        "{ahead}"
    );
}

#[tokio::test]
async fn the_first_suite_sees_only_its_own() {
    suite(1001, 3, 1).await;
}

#[tokio::test]
async fn the_second_suite_sees_only_its_own() {
    suite(1002, 5, 24).await;
}

#[tokio::test]
async fn the_third_suite_sees_only_its_own() {
    suite(1003, 7, 48).await;
}
