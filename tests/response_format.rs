//! Spec §6: the success response — content type, body bytes, property order, time format,
//! escaping, and the `next` header.

mod common;

use altinn_events_mock::MockServer;
use common::{APPS_TEST, start, start_with, with_rules};

#[tokio::test]
async fn a_page_is_cloudevents_json_joined_by_comma_space_whatever_the_accept_header() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?from=2000-01-01Z&size=2"), |r| {
            r.bearer_auth(&token).header("accept", "text/html")
        })
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.content_type(),
        Some("application/cloudevents+json; charset=utf-8")
    );
    let expected = concat!(
        r#"[{"specversion":"1.0","id":"e01","time":"2023-01-01T00:00:00Z","type":"app.instance.created","source":"https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/1337/0c5b5c2c-0001-4c4c-8c8c-000000000001","subject":"/party/1337","resource":"urn:altinn:resource:app_ttd_apps-test","resourceinstance":"1337/0c5b5c2c-0001-4c4c-8c8c-000000000001","alternativesubject":"/person/01038712345"}, "#,
        r#"{"specversion":"1.0","id":"e02","time":"2023-01-01T01:00:00.1234567Z","type":"app.instance.process.movedTo.Task_1","source":"https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/1337/0c5b5c2c-0001-4c4c-8c8c-000000000001","subject":"/party/1337","resource":"urn:altinn:resource:app_ttd_apps-test","resourceinstance":"1337/0c5b5c2c-0001-4c4c-8c8c-000000000001","alternativesubject":"/person/01038712345"}]"#
    );
    assert_eq!(answer.body, expected);
}

#[tokio::test]
async fn an_empty_page_is_a_bare_array_without_next() {
    let server = start().await;
    let answer = server.get(&format!("{APPS_TEST}?from=2099-01-01Z")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.content_type(),
        Some("application/cloudevents+json; charset=utf-8")
    );
    assert_eq!(answer.body, "[]");
    assert_eq!(answer.header("next"), None);
}

#[tokio::test]
async fn times_use_the_sdk_fraction_lengths_and_strings_its_escaping() {
    let server = start().await;
    let answer = server.get(&format!("{APPS_TEST}?after=e04&size=2")).await;
    assert!(
        answer.body.contains(r#""time":"2023-01-03T00:00:00Z""#),
        "{}",
        answer.body
    );
    let e04 = server.get(&format!("{APPS_TEST}?after=e03&size=1")).await;
    assert!(
        e04.body.contains(r#""time":"2023-01-02T12:00:00.500Z""#),
        "{}",
        e04.body
    );
    let e07 = server.get(&format!("{APPS_TEST}?after=e06&size=1")).await;
    assert!(
        e07.body.contains(r#""time":"2023-01-05T00:00:00.000001Z""#),
        "{}",
        e07.body
    );
    // jsonb order puts the 4-letter extension `note` with `time` and `type`; escaping as
    // System.Text.Json writes it.
    assert!(
        e07.body
            .contains(r#""note":"\u003Cb\u003E\u0026\u0027\u002B\u0022\u00E6","time""#),
        "{}",
        e07.body
    );
    assert_eq!(e07.json()[0]["note"], "<b>&'+\"æ");
}

#[tokio::test]
async fn next_repeats_the_query_after_the_last_returned_id() {
    let server = start().await;
    let answer = server
        .get(&format!(
            "{APPS_TEST}?from=2000-01-01Z&size=2&type=app.%25&TYPE=x"
        ))
        .await;
    let base = server.server.url();
    assert_eq!(
        answer.header("next").unwrap(),
        format!("{base}{APPS_TEST}?after=e02&from=2000-01-01Z&size=2&type=app.%&type=x")
    );
}

#[tokio::test]
async fn following_next_pages_through_everything_exactly_once() {
    let server = start().await;
    // `to` leaves out the second `shared-id`, whose next link would loop (see below).
    let mut url = server.url(&format!(
        "{APPS_TEST}?from=2000-01-01Z&to=2023-01-05T12:00Z&size=3"
    ));
    let token = server.token("org=ttd").await;
    let mut seen = Vec::new();
    loop {
        let answer = server
            .send(server.client.get(&url).bearer_auth(&token))
            .await;
        let ids = answer.event_ids();
        match answer.header("next") {
            Some(next) => {
                assert!(!ids.is_empty());
                url = next.to_owned();
            }
            None => {
                assert!(ids.is_empty());
                break;
            }
        }
        seen.extend(ids);
    }
    assert_eq!(seen, ["e01", "e02", "e03", "e04", "e05", "e06", "e07"]);
}

#[tokio::test]
async fn an_id_stored_twice_sends_next_back_to_its_first_copy() {
    // Production looks `after` up as the *first* event with that id. `shared-id` was first
    // stored for another app before e07, so the page after it starts at e07 again.
    let server = start().await;
    let answer = server.get(&format!("{APPS_TEST}?after=e07")).await;
    assert_eq!(answer.event_ids(), ["shared-id"]);
    let token = server.token("org=ttd").await;
    let next = answer.header("next").unwrap().to_owned();
    let again = server
        .send(server.client.get(&next).bearer_auth(&token))
        .await;
    assert_eq!(again.event_ids(), ["e07", "shared-id"]);
}

#[tokio::test]
async fn next_writes_values_decoded_so_an_encoded_plus_comes_back_raw() {
    let server = start().await;
    let answer = server
        .get(&format!(
            "{APPS_TEST}?from=2023-01-05T01:00:00%2B01:00&size=1"
        ))
        .await;
    let next = answer.header("next").unwrap().to_owned();
    assert!(
        next.ends_with("?after=e07&from=2023-01-05T01:00:00+01:00&size=1"),
        "{next}"
    );
    // The quirk bites on the next call: `+` reads as a space, which does not parse.
    let token = server.token("org=ttd").await;
    let again = server
        .send(server.client.get(&next).bearer_auth(&token))
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json()["errors"]["from"][0],
        "The value '2023-01-05T01:00:00 01:00' is not valid."
    );
}

#[tokio::test]
async fn next_drops_only_the_exact_lower_case_after_key() {
    let server = start().await;
    let answer = server
        .get(&format!("{APPS_TEST}?AFTER=e01&after=e05&size=1"))
        .await;
    // `AFTER` groups with `after`, takes its casing, and binds first: after=e01.
    assert_eq!(answer.event_ids(), ["e02"]);
    let next = answer.header("next").unwrap();
    assert!(
        next.ends_with("?after=e02&AFTER=e01&AFTER=e05&size=1"),
        "{next}"
    );
}

#[tokio::test]
async fn next_keeps_the_request_path_decoded_and_re_escaped_as_aspnet_core_writes_it() {
    let server = start().await;
    let answer = server
        .get("/Events/API/v1/app/ttd/apps-test/?after=e06")
        .await;
    let next = answer.header("next").unwrap();
    assert!(
        next.ends_with("/Events/API/v1/app/ttd/apps-test/?after=shared-id"),
        "{next}"
    );
    let answer = server
        .get("/events/api/v1/app/%74td/apps%2Dtest?after=e06")
        .await;
    let next = answer.header("next").unwrap();
    assert!(
        next.ends_with("/events/api/v1/app/ttd/apps-test?after=shared-id"),
        "{next}"
    );
}

#[tokio::test]
async fn next_uses_the_host_header_or_the_base_url_flag() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?after=e06"), |r| {
            r.bearer_auth(&token).header("host", "events.example:8080")
        })
        .await;
    assert_eq!(
        answer.header("next").unwrap(),
        format!("http://events.example:8080{APPS_TEST}?after=shared-id")
    );

    let configured = start_with(with_rules().base_url("https://platform.tt02.altinn.no/")).await;
    let answer = configured.get(&format!("{APPS_TEST}?after=e06")).await;
    assert_eq!(
        answer.header("next").unwrap(),
        format!("https://platform.tt02.altinn.no{APPS_TEST}?after=shared-id")
    );
}

#[tokio::test]
async fn every_demo_event_is_a_valid_cloudevent() {
    let server = start_with(MockServer::builder().demo_data()).await;
    let mut total = 0;
    for app in ["ttd/apps-test", "ttd/endring-av-navn-v2"] {
        let answer = server
            .get(&format!(
                "/events/api/v1/app/{app}?from=2000-01-01Z&size=1000"
            ))
            .await;
        total += answer.event_ids().len();
    }
    let skd = server.token("org=skd").await;
    let answer = server
        .get_with(
            "/events/api/v1/app/skd/mva-melding?from=2000-01-01Z&size=1000",
            |r| r.bearer_auth(&skd),
        )
        .await;
    total += answer.event_ids().len();
    assert_eq!(total, 445);
}
