//! Retries on the server clock through the front door: production's and the legacy
//! schedule walked with the clock, dead letter and re-queue, failures of every kind, redirects,
//! production's caches, and delivery under concurrency and next to receivers that never answer.

mod common;

use std::time::Duration;

use altinn_events_mock::{AppEventRequest, DeliveryState, MockServer};
use chrono::TimeDelta;
use common::push::{APP_RESOURCE, INSTANCE, WAIT, builder, move_clock, subscribe};
use common::receiver::{Behaviour, Receiver};
use serde_json::json;

#[tokio::test]
async fn the_production_schedule_walks_twelve_attempts_with_the_clock_then_dead_letters() {
    let receiver = Receiver::answering(Behaviour::Status(503));
    let server = builder().start().await;
    subscribe(&server, &receiver);
    server
        .publish_app_event(AppEventRequest::new(
            INSTANCE,
            "/party/1337",
            "app.instance.created",
        ))
        .unwrap();
    server.wait_for_deliveries(1, WAIT).await.unwrap();
    move_clock(&server, "48h").await;
    let attempts = server.deliveries();
    assert_eq!(
        attempts.len(),
        12,
        "twelve attempts before the clock answered"
    );
    let delays = [
        10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 43_200,
    ];
    for (pair, delay) in attempts.windows(2).zip(delays) {
        let gap = pair[1].due_at - pair[0].due_at;
        let expected = TimeDelta::seconds(delay);
        assert!(
            gap >= expected && gap < expected + TimeDelta::seconds(2),
            "{gap} after attempt {}",
            pair[0].attempt
        );
        assert_eq!(pair[0].next_attempt_at, Some(pair[1].due_at));
        assert_eq!(pair[0].state, DeliveryState::Retrying);
        assert_eq!(pair[1].attempt, pair[0].attempt + 1);
        assert_eq!(pair[1].delivery_id, pair[0].delivery_id);
    }
    let last = &attempts[11];
    assert_eq!(
        (last.state, last.next_attempt_at, last.status),
        (DeliveryState::DeadLettered, None, Some(503))
    );
    assert_eq!(receiver.events().len(), 12);
    // The dead letter stays put, and comes back when re-queued.
    move_clock(&server, "72h").await;
    assert_eq!(server.deliveries().len(), 12);
    receiver.answer(Behaviour::Status(200));
    let client = reqwest::Client::new();
    let dead: serde_json::Value = client
        .get(format!(
            "{}/_mock/deliveries?state=dead-lettered",
            server.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dead.as_array().unwrap().len(), 1);
    let retry = client
        .post(format!(
            "{}/_mock/deliveries/{}/retry",
            server.url(),
            last.delivery_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 202);
    server.wait_for_deliveries(13, WAIT).await.unwrap();
    let requeued = server.deliveries().pop().unwrap();
    assert_eq!(
        (requeued.attempt, requeued.state),
        (13, DeliveryState::Delivered)
    );
    let again = client
        .post(format!(
            "{}/_mock/deliveries/{}/retry",
            server.url(),
            last.delivery_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn the_legacy_schedule_makes_thirteen_attempts() {
    let receiver = Receiver::answering(Behaviour::Status(500));
    let server = builder().webhook_retries("legacy").start().await;
    subscribe(&server, &receiver);
    server
        .publish_app_event(AppEventRequest::new(
            INSTANCE,
            "/party/1337",
            "app.instance.created",
        ))
        .unwrap();
    server.wait_for_deliveries(1, WAIT).await.unwrap();
    move_clock(&server, "72h").await;
    let attempts = server.deliveries();
    assert_eq!(attempts.len(), 13);
    let span = attempts[12].due_at - attempts[0].due_at;
    assert!(
        span >= TimeDelta::seconds(168_400) && span < TimeDelta::seconds(168_430),
        "{span}"
    );
}

#[tokio::test]
async fn timeouts_and_dropped_connections_are_failures_that_are_retried() {
    let receiver = Receiver::answering(Behaviour::Hang);
    let server = MockServer::builder()
        .webhook_timeout(Duration::from_millis(300))
        .webhook_retries("10s")
        .start()
        .await;
    subscribe(&server, &receiver);
    server
        .publish_app_event(AppEventRequest::new(
            INSTANCE,
            "/party/1337",
            "app.instance.created",
        ))
        .unwrap();
    let first = server.wait_for_deliveries(1, WAIT).await.unwrap();
    assert_eq!(
        (first[0].status, first[0].error.as_deref()),
        (None, Some("timeout"))
    );
    assert_eq!(first[0].state, DeliveryState::Retrying);
    receiver.answer(Behaviour::Drop);
    move_clock(&server, "11s").await;
    let second = server.deliveries().pop().unwrap();
    assert!(
        second
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("io: ")),
        "{:?}",
        second.error
    );
    assert_eq!(second.state, DeliveryState::DeadLettered);
}

#[tokio::test]
async fn every_matching_event_reaches_every_valid_subscription_under_concurrency() {
    let receiver = Receiver::start();
    let server = builder().start().await;
    let subscriptions = 5;
    for n in 0..subscriptions {
        server
            .subscribe(json!({"consumer": "/org/ttd", "endPoint": receiver.url(&format!("/s{n}")), "resourceFilter": APP_RESOURCE, "validated": true}))
            .unwrap();
    }
    let publishers = 4;
    let per_publisher = 25;
    let client = reqwest::Client::new();
    let token = server.token("ttd");
    let access = server.platform_access_token("ttd/apps-test");
    let mut tasks = Vec::new();
    for p in 0..publishers {
        let (client, token, access, url) = (
            client.clone(),
            token.clone(),
            access.clone(),
            format!("{}/events/api/v1/app", server.url()),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0..per_publisher {
                let source = format!("https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/{p}/6c8f1b6e-3c38-4a6b-9a0e-2f1d7c5b{i:04}");
                let answer = client.post(&url).bearer_auth(&token).header("PlatformAccessToken", &access)
                    .json(&json!({"specversion": "1.0", "source": source, "subject": format!("/party/{p}"), "type": "app.instance.created"}))
                    .send().await.unwrap();
                assert_eq!(answer.status(), 201);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let total = (subscriptions * publishers * per_publisher) as u64;
    server
        .wait_for_deliveries(total, Duration::from_secs(60))
        .await
        .unwrap();
    let events = receiver.events();
    assert_eq!(events.len() as u64, total, "none lost");
    for n in 0..subscriptions {
        let mut ids: Vec<String> = events
            .iter()
            .filter(|r| r.path == format!("/s{n}"))
            .map(|r| r.json()["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            publishers * per_publisher,
            "subscription {n}: each event once"
        );
    }
}

#[tokio::test]
async fn receivers_that_hang_answer_slowly_or_drop_delay_neither_queries_nor_other_subscriptions() {
    let hanging = Receiver::answering(Behaviour::Hang);
    let slow = Receiver::answering(Behaviour::Slow(Duration::from_secs(20), 200));
    let dropping = Receiver::answering(Behaviour::Drop);
    let healthy = Receiver::start();
    let server = MockServer::builder()
        .webhook_timeout(Duration::from_secs(30))
        .start()
        .await;
    subscribe(&server, &hanging);
    subscribe(&server, &slow);
    subscribe(&server, &dropping);
    subscribe(&server, &healthy);
    for party in 0..40 {
        server
            .publish_app_event(AppEventRequest::new(
                INSTANCE,
                &format!("/party/{party}"),
                "app.instance.created",
            ))
            .unwrap();
    }
    // Every attempt to the hanging receiver is in flight for 30 s; the healthy one gets all
    // forty meanwhile, and queries answer at once.
    let started = std::time::Instant::now();
    let deadline = started + Duration::from_secs(20);
    while healthy.events().len() < 40 {
        assert!(
            std::time::Instant::now() < deadline,
            "the healthy receiver got {} of 40",
            healthy.events().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let client = reqwest::Client::new();
    let token = server.token("ttd");
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let asked = std::time::Instant::now();
        let answer = client
            .get(format!(
                "{}?from=2000-01-01Z",
                server.events_url("ttd", "apps-test")
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        slowest = slowest.max(asked.elapsed());
    }
    assert!(
        slowest < Duration::from_secs(2),
        "slowest query took {slowest:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(25));
    assert!(
        hanging.received().len() <= 20,
        "at most 20 attempts at once to one endpoint"
    );
}

#[test]
fn advancing_the_clock_from_a_plain_test_waits_for_the_attempts_that_became_due() {
    let receiver = Receiver::answering(Behaviour::Status(503));
    let server = builder().start_blocking();
    subscribe(&server, &receiver);
    server
        .publish_app_event(AppEventRequest::new(
            INSTANCE,
            "/party/1337",
            "app.instance.created",
        ))
        .unwrap();
    server.wait_for_deliveries_blocking(1, WAIT).unwrap();
    server.advance_clock(Duration::from_secs(60));
    let attempts = server.deliveries();
    assert_eq!(
        attempts.len(),
        3,
        "10 s and 40 s after the first, both within the minute"
    );
    assert_eq!(receiver.events().len(), 3);
}

#[tokio::test]
async fn with_production_s_caches_a_new_subscription_misses_events_and_a_deleted_one_keeps_them_for_an_hour()
 {
    let receiver = Receiver::start();
    let server = builder()
        .subscription_cache(Duration::from_secs(3600))
        .start()
        .await;
    let subscribe_at = |path: &str| {
        server
            .subscribe(json!({"consumer": "/org/ttd", "endPoint": receiver.url(path), "resourceFilter": APP_RESOURCE, "validated": true}))
            .unwrap()
            .id
    };
    let publish = |party: u32| {
        server
            .publish_app_event(AppEventRequest::new(
                INSTANCE,
                &format!("/party/{party}"),
                "app.instance.created",
            ))
            .unwrap();
    };
    let paths = || {
        let mut paths: Vec<String> = receiver.events().iter().map(|r| r.path.clone()).collect();
        paths.sort();
        paths
    };
    let old = subscribe_at("/old");
    publish(1);
    server.wait_for_deliveries(1, WAIT).await.unwrap();
    subscribe_at("/new");
    publish(1);
    server.wait_for_deliveries(2, WAIT).await.unwrap();
    assert_eq!(
        paths(),
        ["/old", "/old"],
        "the new subscription is not in the cached list"
    );
    let token = server.token("ttd");
    let deleted = reqwest::Client::new()
        .delete(format!("{}/{old}", server.subscriptions_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    publish(1);
    server.wait_for_deliveries(3, WAIT).await.unwrap();
    assert_eq!(
        paths(),
        ["/old", "/old", "/old"],
        "the deleted one still receives"
    );
    move_clock(&server, "61m").await;
    publish(1);
    server.wait_for_deliveries(4, WAIT).await.unwrap();
    assert_eq!(
        paths(),
        ["/new", "/old", "/old", "/old"],
        "after an hour the list is read again"
    );
}

#[tokio::test]
async fn redirects_are_followed_as_dotnet_follows_them() {
    let receiver = Receiver::answering(Behaviour::Redirect(307, "/moved"));
    let server = builder().start().await;
    subscribe(&server, &receiver);
    server
        .publish_app_event(AppEventRequest::new(
            INSTANCE,
            "/party/1",
            "app.instance.created",
        ))
        .unwrap();
    let attempt = server.wait_for_deliveries(1, WAIT).await.unwrap().remove(0);
    assert_eq!(
        (attempt.status, attempt.state),
        (Some(200), DeliveryState::Delivered)
    );
    let received = receiver.received();
    assert_eq!(
        (received[1].method.as_str(), received[1].path.as_str()),
        ("POST", "/moved")
    );
    assert_eq!(received[1].body, received[0].body, "a 307 repeats the POST");
    receiver.answer(Behaviour::Redirect(302, "/found"));
    server
        .publish_app_event(AppEventRequest::new(
            INSTANCE,
            "/party/2",
            "app.instance.created",
        ))
        .unwrap();
    server.wait_for_deliveries(2, WAIT).await.unwrap();
    let last = receiver.received().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str(), last.body.as_str()),
        ("GET", "/found", ""),
        "a 302 turns the POST into a GET"
    );
}
