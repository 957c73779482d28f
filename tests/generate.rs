//! Synthetic data through every face: the `generate` command, `serve --generate` and the
//! helper, and the live feed (helper, admin API and `serve --live`).

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use altinn_events_mock::{MockServer, Rate};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_altinn-events-mock");

fn scratch_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("altinn-events-mock-{}-{name}", std::process::id()))
}

async fn generate_file(args: &[&str], path: &PathBuf) {
    let status = Command::new(BIN)
        .arg("generate")
        .args(args)
        .arg("-o")
        .arg(path)
        .status()
        .await
        .expect("runs");
    assert!(status.success());
}

#[tokio::test]
async fn generate_twice_with_the_same_seed_writes_identical_files() {
    let (first, second) = (scratch_file("first.json"), scratch_file("second.json"));
    generate_file(&["-n", "1000", "--seed", "7"], &first).await;
    generate_file(&["-n", "1000", "--seed", "7"], &second).await;
    let bytes = std::fs::read(&first).unwrap();
    assert_eq!(bytes, std::fs::read(&second).unwrap());
    let other = scratch_file("other.json");
    generate_file(&["-n", "1000", "--seed", "8"], &other).await;
    assert_ne!(bytes, std::fs::read(&other).unwrap());
    for file in [first, second, other] {
        let _ = std::fs::remove_file(file);
    }
}

#[tokio::test]
async fn a_generated_fixture_round_trips_through_fixtures() {
    let path = scratch_file("round-trip.json");
    generate_file(
        &[
            "-n",
            "500",
            "--seed",
            "3",
            "--orgs",
            "ttd,skd",
            "--apps-per-org",
            "2",
            "--env",
            "at22",
        ],
        &path,
    )
    .await;
    let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let server = common::start_with(MockServer::builder().fixture(&path)).await;
    let stored = server.get("/_mock/events").await.json();
    let stored: Vec<&Value> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["event"])
        .collect();
    let generated: Vec<&Value> = written["events"].as_array().unwrap().iter().collect();
    assert_eq!(stored, generated, "loaded as written, in order");
    assert!(
        stored[0]["source"]
            .as_str()
            .unwrap()
            .starts_with("https://"),
        "{}",
        stored[0]
    );
    assert!(stored.iter().all(|e| {
        e["source"]
            .as_str()
            .unwrap()
            .contains(".apps.at22.altinn.cloud/")
    }));

    // The parties came along: the owner of the first apps-test event, looked up by its
    // identity number, selects exactly that party's events.
    let first = generated
        .iter()
        .find(|e| e["resource"] == "urn:altinn:resource:app_ttd_apps-test")
        .unwrap();
    let subject = first["subject"].as_str().unwrap();
    let party = written["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| format!("/party/{}", p["partyId"]) == subject)
        .expect("the owner is listed");
    let token = server.token("org=ttd").await;
    let url = "/events/api/v1/app/ttd/apps-test?from=2000-01-01Z&size=1000";
    let answer = match (party.get("person"), party.get("unit")) {
        (Some(person), _) => {
            server
                .get_with(url, |r| {
                    r.bearer_auth(&token)
                        .header("person", person.as_str().unwrap())
                })
                .await
        }
        (_, Some(unit)) => {
            server
                .get_with(&format!("{url}&unit={}", unit.as_str().unwrap()), |r| {
                    r.bearer_auth(&token)
                })
                .await
        }
        _ => panic!("a party without a number: {party}"),
    };
    assert_eq!(answer.status, 200, "{}", answer.body);
    let selected = answer.json();
    let selected = selected.as_array().unwrap();
    assert!(!selected.is_empty());
    assert!(selected.iter().all(|e| e["subject"] == subject));
    let expected = generated
        .iter()
        .filter(|e| e["subject"] == subject && e["resource"] == first["resource"])
        .count();
    assert_eq!(selected.len(), expected);
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn serve_generate_adds_events_after_the_fixtures() {
    let server = common::start_with(common::with_rules().generate(300, 5)).await;
    let listed = server.get("/_mock/events").await.json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 12 + 300);
    assert_eq!(listed[0]["event"]["id"], "e01", "fixtures first");
    let page = server
        .get("/events/api/v1/app/ttd/apps-test?after=shared-id&size=5")
        .await;
    assert_eq!(
        page.event_ids().len(),
        5,
        "generated apps-test events follow"
    );
}

#[tokio::test]
async fn the_helper_generates_the_same_events_for_the_same_seed() {
    let first = MockServer::builder().generate(200, 11).start().await;
    let second = MockServer::builder().generate(200, 11).start().await;
    let json = |server: &MockServer| {
        server
            .events()
            .iter()
            .map(|e| e.event.json().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(json(&first), json(&second));
    assert_eq!(first.events().len(), 200);
}

/// Pages with `after` until `want` events arrived (or 60 s passed); returns their ids.
async fn follow(url_base: &str, token: Option<&str>, want: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < want && Instant::now() < deadline {
        let url = match seen.last() {
            Some(last) => format!("{url_base}?after={last}"),
            None => format!("{url_base}?from=2000-01-01Z"),
        };
        let mut request = client.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let page: Vec<Value> = serde_json::from_value(common::send(request).await.json()).unwrap();
        seen.extend(page.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    seen
}

/// Polls `condition` until it holds; fails, saying `what` never happened, after 30 s (the
/// deadline only turns a broken server into a failure instead of a hang).
async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within 30 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn rate(text: &str) -> Rate {
    text.parse().expect("a rate")
}

#[tokio::test]
async fn the_helper_s_live_feed_grows_while_a_client_pages_with_after() {
    let server = MockServer::builder().live(rate("400/s")).start().await;
    let seen = follow(
        &server.events_url("ttd", "apps-test"),
        Some(&server.token("ttd")),
        30,
    )
    .await;
    assert!(seen.len() >= 30, "only {} events arrived", seen.len());
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "each once"
    );
    assert!(server.live_status().running);
    server.stop_live();
    let stopped = server.live_status();
    assert!(!stopped.running);
    let after_stop = server.events().len();
    assert_eq!(stopped.emitted as usize, after_stop);
    // A feed started after the stop, at the same rate, appends 20 events in 50 ms; by then a
    // feed that had not stopped would have appended about as many.
    let reference = MockServer::builder().live(rate("400/s")).start().await;
    wait_until("a feed started after the stop appends 20 events", || {
        reference.live_status().emitted >= 20
    })
    .await;
    assert_eq!(
        server.events().len(),
        after_stop,
        "nothing appended after stop"
    );
    assert_eq!(server.live_status(), stopped, "nothing emitted after stop");
}

#[tokio::test]
async fn the_admin_api_starts_and_stops_the_live_feed() {
    let server = common::start_with(MockServer::builder()).await;
    let post = |body: &'static str| {
        server
            .client
            .post(server.url("/_mock/live"))
            .header("content-type", "application/json")
            .body(body)
    };
    let started = server.send(post(r#"{"rate": "300/s"}"#)).await;
    assert_eq!(started.json()["running"], true);
    assert_eq!(started.json()["rate"], "300/s");
    let bad = server.send(post(r#"{"rate": "fast"}"#)).await;
    assert_eq!(bad.status, 400);
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.get("/_mock/health").await.json()["events"]
        .as_u64()
        .unwrap()
        < 20
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stopped = server
        .send(server.client.delete(server.url("/_mock/live")))
        .await;
    assert_eq!(stopped.json()["running"], false);
    let emitted = stopped.json()["emitted"].as_u64().unwrap();
    assert!(emitted >= 20, "{emitted}");
    assert_eq!(
        server.get("/_mock/health").await.json()["events"]
            .as_u64()
            .unwrap(),
        emitted
    );
}

#[tokio::test]
async fn serve_live_shows_new_events_to_a_client_paging_with_after() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--auth", "off", "--live", "100/s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let url = line.strip_prefix("listening on ").unwrap().to_owned();
    // The demo data holds 220 events of ttd/apps-test; 20 more must come from the feed.
    let seen = follow(&format!("{url}/events/api/v1/app/ttd/apps-test"), None, 240).await;
    assert!(seen.len() >= 240, "only {} events arrived", seen.len());
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "each once"
    );
}

#[tokio::test]
async fn a_reset_rewinds_the_live_feed_so_no_instance_starts_midway() {
    let server = MockServer::builder()
        .generate(60, 2)
        .live(rate("1000/s"))
        .start()
        .await;
    wait_until("the feed appends 140 events", || {
        server.events().len() >= 200
    })
    .await;
    server.reset();
    let later = server.events().len() + 50;
    wait_until("the feed appends 50 events after the reset", || {
        server.events().len() >= later
    })
    .await;
    let mut started: HashSet<String> = HashSet::new();
    for stored in server.events() {
        let event = &stored.event;
        if event.event_type() == "app.instance.created" {
            started.insert(event.source().to_owned());
        }
        assert!(
            started.contains(event.source()),
            "{} before its creation",
            event.event_type()
        );
    }
}

#[tokio::test]
async fn impossible_generator_options_stop_with_exit_code_2() {
    for args in [
        &["generate", "-n", "1", "--parties", "2000000"][..],
        &[
            "generate",
            "-n",
            "1",
            "--apps-per-org",
            "18446744073709551615",
        ],
        &["generate", "-n", "1", "--start=-0001-06-01T00:00:00Z"],
        &["generate", "-n", "1", "--orgs", "TTD"],
        &["generate", "-n", "1000000", "--spacing", "99999999h"],
        &["--port", "0", "--generate", "18446744073709551615"],
    ] {
        let output = tokio::time::timeout(
            Duration::from_secs(30),
            Command::new(BIN).args(args).output(),
        )
        .await
        .expect("refused quickly")
        .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let error = MockServer::builder()
        .generate(usize::MAX, 1)
        .try_start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("at most"), "{error}");
}
