//! Requests Kestrel refuses before production's code runs, and the ones production's
//! database fails on: a `Host` that is no authority, a NUL in the path.

mod common;

use common::{APPS_TEST, raw_exchange, start};

/// The answer to a raw `GET` with these header lines, as text.
fn answer(address: std::net::SocketAddr, version: &str, header_lines: &str) -> String {
    let request =
        format!("GET {APPS_TEST}?after=e07 {version}\r\n{header_lines}Connection: close\r\n\r\n");
    let received = raw_exchange(address, request.as_bytes()).expect("an answer");
    String::from_utf8_lossy(&received).into_owned()
}

fn status_and_body(response: &str) -> (&str, &str) {
    let status = response.get(9..12).unwrap_or_default();
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, body)
}

#[tokio::test]
async fn a_host_that_is_not_a_valid_authority_gets_kestrel_s_empty_400() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let auth = format!("Authorization: Bearer {token}\r\n");
    for host in [
        "Host: a/b?c#d\r\n",
        "Host: a b\r\n",
        "Host: :80\r\n",
        "Host: example.com:\r\n",
        "Host: example.com:8o\r\n",
        "Host: [::1\r\n",
        "Host: [::1]x\r\n",
        "Host: user@example.com\r\n",
        "Host: a\r\nHost: b\r\n",
        "",
    ] {
        let response = answer(server.address(), "HTTP/1.1", &format!("{auth}{host}"));
        assert_eq!(
            status_and_body(&response),
            ("400", ""),
            "{host:?}: {response}"
        );
    }
    for host in [
        "Host: example.com\r\n",
        "Host: 127.0.0.1:5080\r\n",
        "Host: [::1]:5080\r\n",
        "Host: my_host-1.local\r\n",
        "Host: \r\n",
    ] {
        let response = answer(server.address(), "HTTP/1.1", &format!("{auth}{host}"));
        assert_eq!(status_and_body(&response).0, "200", "{host:?}: {response}");
    }
    // HTTP/1.0 needs no Host.
    let response = answer(server.address(), "HTTP/1.0", &auth);
    assert_eq!(status_and_body(&response).0, "200", "{response}");
}

#[tokio::test]
async fn a_nul_in_org_or_app_gets_the_unhandled_exception_500_the_docs_name() {
    let server = start().await;
    for path in [
        "/events/api/v1/app/ttd%00/apps-test?after=e07",
        "/events/api/v1/app/ttd/apps%00test?after=e07",
    ] {
        let answer = server.get(path).await;
        assert_eq!(answer.status, 500, "{path}: {}", answer.body);
        assert_eq!(
            answer.json()["title"],
            "An error occurred while processing your request."
        );
    }
    let docs = include_str!("../docs/app-events-api.md");
    assert!(
        docs.lines()
            .any(|line| line.starts_with('|') && line.contains("NUL") && line.contains("`org`")),
        "the fidelity table names a NUL in org or app"
    );
}

#[tokio::test]
async fn a_request_without_host_links_to_the_listening_address_even_after_an_empty_host() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let auth = format!("Authorization: Bearer {token}\r\n");
    let next = |response: &str| {
        response
            .lines()
            .find_map(|line| line.strip_prefix("next: "))
            .map(str::to_owned)
    };
    for _ in 0..2 {
        let empty = answer(server.address(), "HTTP/1.1", &format!("{auth}Host: \r\n"));
        let link = next(&empty).expect("a next link");
        assert!(link.starts_with("http:///events/"), "{link}");
        let without = answer(server.address(), "HTTP/1.0", &auth);
        let link = next(&without).expect("a next link");
        let listening = format!("http://{}/events/", server.address());
        assert!(link.starts_with(&listening), "{link}");
    }
}
