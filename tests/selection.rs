//! Spec §4 and §5: which events a query selects, in which order, and who may read them.

mod common;

use std::time::Duration;

use altinn_events_mock::MockServer;
use common::{APPS_TEST, event, start, start_with, with_rules};

async fn ids(server: &common::TestServer, query: &str) -> Vec<String> {
    server
        .get(&format!("{APPS_TEST}?{query}"))
        .await
        .event_ids()
}

const ALL_TTD: [&str; 8] = ["e01", "e02", "e03", "e04", "e05", "e06", "e07", "shared-id"];

#[tokio::test]
async fn events_come_in_registration_order_and_only_the_routes_resource() {
    let server = start().await;
    assert_eq!(ids(&server, "from=2000-01-01Z").await, ALL_TTD);
    let other = server
        .get("/events/api/v1/app/ttd/other-app?from=2000-01-01Z")
        .await;
    assert_eq!(other.event_ids(), ["shared-id"]);
    // The resource is matched exactly, case and all.
    assert!(
        server
            .get("/events/api/v1/app/TTD/apps-test?from=2000-01-01Z")
            .await
            .event_ids()
            .is_empty()
    );
}

#[tokio::test]
async fn party_selects_a_subject_and_a_negative_party_selects_nothing() {
    let server = start().await;
    assert_eq!(
        ids(&server, "from=2000-01-01Z&party=500000").await,
        ["e03", "e05"]
    );
    assert!(ids(&server, "from=2000-01-01Z&party=-5").await.is_empty());
    assert_eq!(ids(&server, "from=2000-01-01Z&party=0").await, ALL_TTD);
}

#[tokio::test]
async fn unit_and_person_are_looked_up_in_the_party_register() {
    let server = start().await;
    assert_eq!(
        ids(&server, "from=2000-01-01Z&unit=897069650").await,
        ["e03", "e05"]
    );
    let token = server.token("org=ttd").await;
    let by_person = server
        .get_with(&format!("{APPS_TEST}?from=2000-01-01Z&size=3"), |r| {
            r.bearer_auth(&token).header("person", "01038712345")
        })
        .await;
    assert_eq!(by_person.event_ids(), ["e01", "e02", "e04"]);
    // A registered party with no events: an empty page, not a 404.
    let quiet = server
        .get_with(&format!("{APPS_TEST}?from=2000-01-01Z"), |r| {
            r.bearer_auth(&token).header("person", "16035001577")
        })
        .await;
    assert_eq!((quiet.status, quiet.body.as_str()), (200, "[]"));
}

#[tokio::test]
async fn person_is_read_from_the_header_only() {
    let server = start().await;
    assert_eq!(
        ids(&server, "from=2000-01-01Z&person=01038712345").await,
        ALL_TTD
    );
}

#[tokio::test]
async fn type_matches_any_value_as_a_case_insensitive_like_pattern() {
    let server = start().await;
    assert_eq!(
        ids(&server, "from=2000-01-01Z&type=app.instance.created").await,
        ["e01", "e03", "e07", "shared-id"]
    );
    assert_eq!(
        ids(&server, "from=2000-01-01Z&type=app.instance.process.movedTo.%25&type=APP.INSTANCE.PROCESS.COMPLETED").await,
        ["e02", "e04", "e06"]
    );
    assert_eq!(
        ids(
            &server,
            "from=2000-01-01Z&type=app.instance.process.movedTo.Task__"
        )
        .await,
        ["e02", "e06"]
    );
    // One pattern with a comma is not two patterns.
    assert!(
        ids(
            &server,
            "from=2000-01-01Z&type=app.instance.created,app.instance.process.completed"
        )
        .await
        .is_empty()
    );
    // A blank type binds as NULL, which matches nothing.
    assert!(ids(&server, "from=2000-01-01Z&type=").await.is_empty());
}

#[tokio::test]
async fn from_and_to_are_inclusive_instants_in_any_zone() {
    let server = start().await;
    assert_eq!(
        ids(&server, "from=2023-01-02T00:00:00Z&to=2023-01-03T00:00:00Z").await,
        ["e03", "e04", "e05"]
    );
    // The same instants written with offsets.
    assert_eq!(
        ids(
            &server,
            "from=2023-01-02T01:00:00%2B01:00&to=2023-01-02T19:00:00-05:00"
        )
        .await,
        ["e03", "e04", "e05"]
    );
    // Fractions count: e02 is at 01:00:00.1234567.
    assert!(
        ids(
            &server,
            "from=2023-01-01T01:00:00.1234568Z&to=2023-01-01T02:00Z"
        )
        .await
        .is_empty()
    );
    assert_eq!(
        ids(
            &server,
            "from=2023-01-01T01:00:00.1234567Z&to=2023-01-01T02:00Z"
        )
        .await,
        ["e02"]
    );
}

#[tokio::test]
async fn after_starts_behind_the_first_event_with_that_id_anywhere() {
    let server = start().await;
    assert_eq!(ids(&server, "after=e05").await, ["e06", "e07", "shared-id"]);
    // `shared-id` is first stored for another app, after e06: paging resumes behind that one.
    assert_eq!(ids(&server, "after=shared-id").await, ["e07", "shared-id"]);
    // An unknown id means "from the beginning", as Altinn's own k6 test relies on.
    assert_eq!(ids(&server, "after=1").await, ALL_TTD);
    // after and from combine.
    assert_eq!(
        ids(&server, "after=e01&from=2023-01-03Z").await,
        ["e05", "e06", "e07", "shared-id"]
    );
}

#[tokio::test]
async fn size_limits_before_the_authorization_filter() {
    let server = start().await;
    // Sequence 5 (skd's event) and 7 (a source with no instance) are dropped after the LIMIT.
    assert_eq!(ids(&server, "after=e04&size=2").await, ["e05"]);
    assert_eq!(ids(&server, "after=e05&size=1").await, Vec::<String>::new());
    // The page after it, by the next link of the page before, goes on past the gap.
    assert_eq!(ids(&server, "after=e05&size=2").await, ["e06"]);
}

#[tokio::test]
async fn another_orgs_token_sees_only_events_whose_source_names_it() {
    let server = start().await;
    let skd = server.token("org=skd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?from=2000-01-01Z"), |r| {
            r.bearer_auth(&skd)
        })
        .await;
    assert_eq!(answer.event_ids(), ["skd1"]);
    let other = server
        .get_with("/events/api/v1/app/ttd/other-app?from=2000-01-01Z", |r| {
            r.bearer_auth(&skd)
        })
        .await;
    assert_eq!((other.status, other.body.as_str()), (200, "[]"));
    assert_eq!(other.header("next"), None);
}

#[tokio::test]
async fn an_event_production_cannot_authorize_makes_the_page_fail() {
    let server = start().await;
    let answer = server
        .get("/events/api/v1/app/ttd/broken-app?from=2000-01-01Z")
        .await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        answer.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
}

const LAG: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_visibility_lag_hides_events_registered_less_than_the_lag_ago() {
    let server = start_with(with_rules().visibility_lag(LAG)).await;
    server.server.publish([event("old")]).unwrap();
    server.server.advance_clock(Duration::from_secs(31));
    server.server.publish([event("fresh")]).unwrap();
    assert_eq!(
        ids(&server, "after=shared-id").await,
        ["e07", "shared-id", "old"]
    );
    server.server.advance_clock(LAG);
    assert_eq!(
        ids(&server, "after=shared-id").await,
        ["e07", "shared-id", "old", "fresh"]
    );
}

#[tokio::test]
async fn when_no_event_is_old_enough_nothing_is_hidden() {
    let server = start_with(MockServer::builder().visibility_lag(LAG)).await;
    server.server.publish([event("a"), event("b")]).unwrap();
    assert_eq!(ids(&server, "after=x").await, ["a", "b"]);
}

#[tokio::test]
async fn startup_fixtures_are_visible_at_once_under_a_lag() {
    let server = start_with(with_rules().visibility_lag(LAG)).await;
    assert_eq!(ids(&server, "from=2000-01-01Z").await, ALL_TTD);
}

// A repeated query may be answered from the page kept for it (`--page-cache`); these hold
// the rules above for the second asking too.

#[tokio::test]
async fn a_repeated_query_sees_what_was_published_cleared_or_reset_since() {
    let server = start().await;
    let first = server.get(&format!("{APPS_TEST}?after=e06")).await;
    let again = server.get(&format!("{APPS_TEST}?after=e06")).await;
    assert_eq!(
        (&again.body, again.header("next")),
        (&first.body, first.header("next"))
    );
    server.server.publish([event("new")]).unwrap();
    assert_eq!(ids(&server, "after=e06").await, ["e07", "shared-id", "new"]);
    server.server.clear_events();
    assert!(ids(&server, "after=e06").await.is_empty());
    server.server.reset();
    assert_eq!(ids(&server, "after=e06").await, ["e07", "shared-id"]);
}

#[tokio::test]
async fn a_repeated_query_follows_the_visibility_cut_both_ways_with_the_clock() {
    let server = start_with(with_rules().visibility_lag(LAG)).await;
    server.server.publish([event("fresh")]).unwrap();
    assert_eq!(ids(&server, "after=e07").await, ["shared-id"]);
    server.server.advance_clock(LAG);
    assert_eq!(ids(&server, "after=e07").await, ["shared-id", "fresh"]);
    let back = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    server.server.set_clock(back);
    assert_eq!(ids(&server, "after=e07").await, ["shared-id"]);
}

#[tokio::test]
async fn a_repeated_query_is_answered_for_its_own_caller_host_and_person_header() {
    let server = start().await;
    let url = format!("{APPS_TEST}?from=2000-01-01Z&size=3");
    let ttd = server.token("org=ttd").await;
    let other = server.token("org=skd").await;
    for _ in 0..2 {
        let page = server.get_with(&url, |r| r.bearer_auth(&ttd)).await;
        assert_eq!(page.event_ids(), ["e01", "e02", "e03"]);
        let foreign = server.get_with(&url, |r| r.bearer_auth(&other)).await;
        assert!(foreign.event_ids().is_empty(), "{}", foreign.body);
        let elsewhere = server
            .get_with(&url, |r| {
                r.bearer_auth(&ttd).header("host", "mock.test:1234")
            })
            .await;
        let next = elsewhere.header("next").unwrap();
        assert!(next.starts_with("http://mock.test:1234/events/"), "{next}");
        let by_person = server
            .get_with(&url, |r| {
                r.bearer_auth(&ttd).header("person", "01038712345")
            })
            .await;
        assert_eq!(by_person.event_ids(), ["e01", "e02", "e04"]);
    }
}

#[tokio::test]
async fn a_fault_changes_a_page_that_was_answered_before_and_only_that_answer() {
    let server = start().await;
    let url = format!("{APPS_TEST}?from=2000-01-01Z&size=2");
    assert_eq!(server.get(&url).await.event_ids(), ["e01", "e02"]);
    let token = server.token("org=ttd").await;
    let faulted = server
        .get_with(&url, |r| {
            r.bearer_auth(&token)
                .header("x-mock-fault", "what=empty_page")
        })
        .await;
    assert_eq!(
        (faulted.body.as_str(), faulted.header("next")),
        ("[]", None)
    );
    assert_eq!(server.get(&url).await.event_ids(), ["e01", "e02"]);
}

#[tokio::test]
async fn with_no_pages_kept_every_query_is_run_again() {
    let server = start_with(with_rules().page_cache(0)).await;
    assert_eq!(ids(&server, "after=e07").await, ["shared-id"]);
    server.server.publish([event("new")]).unwrap();
    assert_eq!(ids(&server, "after=e07").await, ["shared-id", "new"]);
}
