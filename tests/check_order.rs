//! Spec §2: production's checks in order, first failure wins, with exact answers.

mod common;

use common::{APPS_TEST, assert_trace_id, start};

#[tokio::test]
async fn a_no_token_gives_an_empty_401_before_anything_else() {
    let server = start().await;
    // Every later rule would fail too: wrong content type, bad size, no from/after.
    let answer = server
        .get_with(&format!("{APPS_TEST}?size=abc"), |r| {
            r.header("content-type", "text/plain")
        })
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, "");
    assert_eq!(answer.content_type(), None);
    assert_eq!(answer.header("www-authenticate"), None);
}

#[tokio::test]
async fn a_malformed_or_expired_token_gives_an_empty_401() {
    let server = start().await;
    let expired = server.token("org=ttd&expires_in=-10").await;
    for token in ["not.a.token", "garbage", expired.as_str()] {
        let answer = server
            .get_with(&format!("{APPS_TEST}?after=e01"), |r| r.bearer_auth(token))
            .await;
        assert_eq!((answer.status, answer.body.as_str()), (401, ""), "{token}");
    }
}

#[tokio::test]
async fn a_non_json_content_type_gives_415_before_binding() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?size=abc"), |r| {
            r.bearer_auth(&token).header("content-type", "text/plain")
        })
        .await;
    assert_eq!(answer.status, 415);
    assert_eq!(
        answer.content_type(),
        Some("application/problem+json; charset=utf-8")
    );
    let body = answer.json();
    assert_eq!(
        body["type"],
        "https://tools.ietf.org/html/rfc9110#section-15.5.16"
    );
    assert_eq!(body["title"], "Unsupported Media Type");
    assert_eq!(body["status"], 415);
    assert_trace_id(&body["traceId"]);
}

#[tokio::test]
async fn json_content_types_pass() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "application/cloudevents+json",
    ] {
        let answer = server
            .get_with(&format!("{APPS_TEST}?after=e06"), |r| {
                r.bearer_auth(&token).header("content-type", content_type)
            })
            .await;
        assert_eq!(answer.status, 200, "{content_type}");
    }
}

#[tokio::test]
async fn b_binding_errors_give_validation_problem_details_with_dotnet_messages_and_key_order() {
    let server = start().await;
    let answer = server
        .get(&format!(
            "{APPS_TEST}?SIZE=abc&party=&To=yesterday&from=2020-13-01Z"
        ))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
    // Byte for byte up to the trace id, including System.Text.Json's escaping of '.
    let trace_start = answer.body.find(",\"traceId\":").expect("traceId");
    assert_eq!(
        &answer.body[..trace_start],
        r#"{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"to":["The value \u0027yesterday\u0027 is not valid."],"from":["The value \u00272020-13-01Z\u0027 is not valid."],"size":["The value \u0027abc\u0027 is not valid."],"party":["The value \u0027\u0027 is invalid."]}"#
    );
    assert_trace_id(&answer.json()["traceId"]);
}

#[tokio::test]
async fn b_comes_before_c_and_c_before_rule_1() {
    let server = start().await;
    let person = server.token("userId=1337&partyId=50001").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?size=x"), |r| r.bearer_auth(&person))
        .await;
    assert_eq!(answer.status, 400);
    assert!(answer.json()["errors"]["size"].is_array());

    let answer = server.get_with(APPS_TEST, |r| r.bearer_auth(&person)).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, r#""Only orgs can call this api""#);
    assert_eq!(
        answer.content_type(),
        Some("application/json; charset=utf-8")
    );
}

#[tokio::test]
async fn rules_1_to_7_give_their_details_in_order() {
    let server = start().await;
    let cases = [
        (
            "size=0&party=1&unit=1",
            "The 'From' or 'After' parameter must be defined.",
        ),
        (
            "from=2023-01-01T00:00:00&to=2023-01-01&size=0",
            "The 'From' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC",
        ),
        (
            "from=2023-01-01Z&to=2023-01-02&size=0",
            "The 'To' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC",
        ),
        (
            "after=e01&size=0&party=1&unit=1",
            "The 'Size' parameter must be a number larger that 0.",
        ),
        (
            "after=e01&size=-1",
            "The 'Size' parameter must be a number larger that 0.",
        ),
        (
            "after=e01&party=1&unit=123",
            "Only one of 'Party' or 'Unit' can be defined.",
        ),
        (
            "after=e01&unit=12345678",
            "Value of 'Unit' needs to be exactly 9 digits.",
        ),
        (
            "after=e01&unit=12345678x",
            "Value of 'Unit' needs to be exactly 9 digits.",
        ),
    ];
    for (query, detail) in cases {
        server
            .get(&format!("{APPS_TEST}?{query}"))
            .await
            .assert_bad_request(detail);
    }
}

#[tokio::test]
async fn rule_5_person_header_and_party_conflict_before_unit() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?after=e01&party=1&unit=123"), |r| {
            r.bearer_auth(&token).header("person", "01038712345")
        })
        .await;
    answer.assert_bad_request("Only one of 'Party' or 'Person' can be defined.");
}

#[tokio::test]
async fn rule_8_a_register_refusal_is_a_500_with_the_registers_answer() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let cases = [
        (
            "after=e01",
            "123",
            r#""errors":{"Ssn":["Value needs to be exactly 11 digits."]}"#,
        ),
        // The header binds whole, so a list is not 11 digits.
        (
            "after=e01",
            "01038712345, 999",
            r#""errors":{"Ssn":["Value needs to be exactly 11 digits."]}"#,
        ),
        (
            "after=e01&unit=897069650",
            "01038712345",
            r#""errors":{"OrgNo":["Only one of Ssn and OrgNo is allowed."]}"#,
        ),
    ];
    for (query, person, errors) in cases {
        let answer = server
            .get_with(&format!("{APPS_TEST}?{query}"), |r| {
                r.bearer_auth(&token).header("person", person)
            })
            .await;
        assert_eq!(answer.status, 500, "{}", answer.body);
        assert_eq!(
            answer.content_type(),
            Some("application/json; charset=utf-8")
        );
        let body = answer.json();
        assert_eq!(
            body["type"],
            "https://tools.ietf.org/html/rfc9110#section-15.6.1"
        );
        assert_eq!(
            body["title"],
            "An error occurred while processing your request."
        );
        assert_eq!(body["status"], 500);
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.starts_with("400 - Bad Request - {"), "{detail}");
        assert!(detail.contains(errors), "{detail}");
        assert_trace_id(&body["traceId"]);
    }
}

#[tokio::test]
async fn rule_9_an_unknown_unit_or_person_is_not_found() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let unknown_unit = server
        .get(&format!("{APPS_TEST}?after=e01&unit=999999999"))
        .await;
    let unknown_person = server
        .get_with(&format!("{APPS_TEST}?after=e01"), |r| {
            r.bearer_auth(&token).header("person", "11111111111")
        })
        .await;
    for answer in [unknown_unit, unknown_person] {
        assert_eq!(answer.status, 404, "{}", answer.body);
        assert_eq!(
            answer.content_type(),
            Some("application/json; charset=utf-8")
        );
        let body = answer.json();
        assert_eq!(
            body["type"],
            "https://tools.ietf.org/html/rfc9110#section-15.5.5"
        );
        assert_eq!(body["title"], "Not Found");
        assert_eq!(body["status"], 404);
        assert!(body.get("detail").is_none());
        assert_trace_id(&body["traceId"]);
    }
}

#[tokio::test]
async fn what_production_does_not_validate_is_accepted() {
    let server = start().await;
    // to before from, a huge size, a negative party, odd org/app/type/after values.
    for query in [
        "from=2023-01-05Z&to=2023-01-01Z",
        "after=e01&size=2147483647",
        "after=e01&party=-5",
        "after=whatever&type=%25%25",
    ] {
        let answer = server.get(&format!("{APPS_TEST}?{query}")).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
    }
    let answer = server
        .get("/events/api/v1/app/no such org/%20?after=x")
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "[]"));
}

#[tokio::test]
async fn a_valid_traceparent_keeps_its_trace_id() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let answer = server
        .get_with(APPS_TEST, |r| {
            r.bearer_auth(&token).header(
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            )
        })
        .await;
    let trace_id = answer.json()["traceId"].as_str().unwrap().to_owned();
    assert!(
        trace_id.starts_with("00-0af7651916cd43dd8448eb211c80319c-"),
        "{trace_id}"
    );
    assert!(!trace_id.contains("b7ad6b7169203331"));
}

#[tokio::test]
async fn other_methods_get_405_and_unknown_paths_an_empty_404() {
    let server = start().await;
    let answer = server.send(server.client.post(server.url(APPS_TEST))).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET"));
    assert_eq!(answer.body, "");
    for path in [
        "/",
        "/events/api/v1/app/ttd",
        "/events/api/v1/app/ttd/apps-test/extra",
        "/nope",
    ] {
        let answer = server.get(path).await;
        assert_eq!((answer.status, answer.body.as_str()), (404, ""), "{path}");
        assert_eq!(answer.content_type(), None);
    }
}

#[tokio::test]
async fn a_database_error_or_a_bad_next_header_gives_production_s_500() {
    let server = start().await;
    for query in [
        r"after=e01&type=abc%5C",
        "after=e01%00",
        "from=2020-01-01Z&flag=%C3%A6",
    ] {
        let answer = server.get(&format!("{APPS_TEST}?{query}")).await;
        assert_eq!(answer.status, 500, "{query}: {}", answer.body);
        assert_eq!(
            answer.content_type(),
            Some("application/problem+json; charset=utf-8")
        );
        let body = answer.json();
        assert_eq!(
            body["title"],
            "An error occurred while processing your request."
        );
        assert!(body.get("detail").is_none());
    }
    // The header is only built for a non-empty page.
    let answer = server
        .get(&format!(
            "{APPS_TEST}?after=shared-id&type=none&flag=%C3%A6"
        ))
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "[]"));
}

#[tokio::test]
async fn the_checks_come_in_order_for_a_request_whose_page_was_kept_too() {
    let server = start().await;
    let url = format!("{APPS_TEST}?after=e06");
    let token = server.token("org=ttd").await;
    let ok = server.get_with(&url, |r| r.bearer_auth(&token)).await;
    assert_eq!(ok.status, 200);
    let none = server.get(&url).await;
    assert_eq!(none.status, 200, "the kept page answers again");
    let no_token = server.get_with(&url, |r| r).await;
    assert_eq!((no_token.status, no_token.body.as_str()), (401, ""));
    let expired = server.token("org=ttd&expires_in=-10").await;
    let stale = server.get_with(&url, |r| r.bearer_auth(&expired)).await;
    assert_eq!(stale.status, 401);
    let plain = server
        .get_with(&url, |r| {
            r.bearer_auth(&token).header("content-type", "text/plain")
        })
        .await;
    assert_eq!(plain.status, 415);
}
