//! Spec §3 over HTTP: where the token comes from, what `strict`, `lenient` and `off` accept,
//! extra trusted keys, and the token minting endpoint.

mod common;

use altinn_events_mock::{AuthMode, MockServer, StartError};
use common::{APPS_TEST, start, start_with, start_with_auth, with_rules};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

const QUERY: &str = "?after=e06";
const AFTER_E06: [&str; 2] = ["e07", "shared-id"];

fn other_team_token(claims: serde_json::Value) -> String {
    let key = EncodingKey::from_rsa_pem(include_bytes!("keys/other-team-signing-key.pem")).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
}

fn ttd_claims(exp_offset: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"urn:altinn:org": "ttd", "exp": now + exp_offset, "iat": now})
}

#[tokio::test]
async fn the_token_may_come_from_either_cookie() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    for cookie in [".ALTINNTOKEN", "AltinnStudioRuntime"] {
        let answer = server
            .get_with(&format!("{APPS_TEST}{QUERY}"), |r| {
                r.header("cookie", format!("{cookie}={token}"))
            })
            .await;
        assert_eq!(answer.event_ids(), AFTER_E06, "{cookie}");
    }
}

#[tokio::test]
async fn the_bearer_prefix_is_case_insensitive() {
    let server = start().await;
    let token = server.token("org=ttd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}{QUERY}"), |r| {
            r.header("authorization", format!("BEARER {token}"))
        })
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn strict_refuses_tokens_signed_by_unknown_keys() {
    let server = start().await;
    for token in [
        other_team_token(ttd_claims(3600)),
        other_team_token(json!({"urn:altinn:org": "ttd"})),
    ] {
        let answer = server
            .get_with(&format!("{APPS_TEST}{QUERY}"), |r| r.bearer_auth(&token))
            .await;
        assert_eq!((answer.status, answer.body.as_str()), (401, ""));
    }
}

#[tokio::test]
async fn strict_accepts_tokens_of_a_key_given_with_jwt_public_key() {
    let server =
        start_with(with_rules().jwt_public_key(include_str!("keys/other-team-public-key.pem")))
            .await;
    let token = other_team_token(ttd_claims(3600));
    let answer = server
        .get_with(&format!("{APPS_TEST}{QUERY}"), |r| r.bearer_auth(&token))
        .await;
    assert_eq!(answer.event_ids(), AFTER_E06);
    // A trusted signature is not enough without `exp`.
    let no_exp = other_team_token(json!({"urn:altinn:org": "ttd"}));
    let answer = server
        .get_with(&format!("{APPS_TEST}{QUERY}"), |r| r.bearer_auth(&no_exp))
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (401, ""));
    // Zero leeway: a token that expired a second ago is refused.
    let expired = other_team_token(ttd_claims(-1));
    let answer = server
        .get_with(&format!("{APPS_TEST}{QUERY}"), |r| r.bearer_auth(&expired))
        .await;
    assert_eq!(answer.status, 401);
}

/// Key files are the command line's: `cli.rs` checks that a missing or bad one exits with 2.
#[tokio::test]
async fn a_bad_public_key_stops_the_start() {
    let not_a_key = include_str!("../fixtures/test/rules.json");
    let error = MockServer::builder()
        .jwt_public_key(include_str!("keys/other-team-public-key.pem"))
        .jwt_public_key(not_a_key)
        .try_start()
        .await
        .unwrap_err();
    assert!(
        matches!(error, StartError::PublicKey { index: 2, .. }),
        "{error}"
    );
    assert!(error.to_string().starts_with("public key #2: "), "{error}");
}

#[tokio::test]
async fn lenient_accepts_expired_and_foreign_tokens_but_claims_still_decide() {
    let server = start_with_auth(AuthMode::Lenient).await;
    for token in [
        other_team_token(ttd_claims(-3600)),
        server.token("org=ttd&expires_in=-60").await,
    ] {
        let answer = server
            .get_with(&format!("{APPS_TEST}{QUERY}"), |r| r.bearer_auth(&token))
            .await;
        assert_eq!(answer.event_ids(), AFTER_E06);
    }
    let person = server.token("userId=1337&partyId=50001").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}{QUERY}"), |r| r.bearer_auth(&person))
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, r#""Only orgs can call this api""#);
    let answer = server.get(&format!("{APPS_TEST}{QUERY}")).await;
    assert_eq!(answer.status, 200);
    let none = server.get_with(&format!("{APPS_TEST}{QUERY}"), |r| r).await;
    assert_eq!(none.status, 401);
}

#[tokio::test]
async fn off_needs_no_token_and_acts_as_the_routes_org() {
    let server = start_with_auth(AuthMode::Off).await;
    let answer = server.get_with(&format!("{APPS_TEST}{QUERY}"), |r| r).await;
    assert_eq!(answer.event_ids(), AFTER_E06);
    // A token, when given, still decides.
    let skd = server.token("org=skd").await;
    let answer = server
        .get_with(&format!("{APPS_TEST}?from=2000-01-01Z"), |r| {
            r.bearer_auth(&skd)
        })
        .await;
    assert_eq!(answer.event_ids(), ["skd1"]);
}

#[tokio::test]
async fn the_token_endpoint_mints_tokens_with_the_asked_claims() {
    let server = start().await;
    let answer =
        server
            .send(server.client.get(
                server.url("/_mock/token?org=skd&orgNumber=974761076&scope=a%20b&expires_in=60"),
            ))
            .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), Some("text/plain; charset=utf-8"));
    let claims: serde_json::Map<String, serde_json::Value> =
        jsonwebtoken::dangerous::insecure_decode_claims(&answer.body).unwrap();
    assert_eq!(claims["urn:altinn:org"], "skd");
    assert_eq!(claims["urn:altinn:orgNumber"], "974761076");
    assert_eq!(claims["scope"], "a b");
    assert_eq!(claims["urn:altinn:authlevel"], 3);
    for claim in [
        "urn:altinn:authenticatemethod",
        "iss",
        "iat",
        "nbf",
        "exp",
        "jti",
    ] {
        assert!(claims.contains_key(claim), "{claim}");
    }
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
}

#[tokio::test]
async fn the_token_endpoint_explains_a_bad_request() {
    let server = start().await;
    for query in [
        "",
        "org=ttd&userId=1",
        "expires_in=soon&org=ttd",
        "org=ttd&orgNumber=1",
        "userId=x",
    ] {
        let answer = server
            .send(
                server
                    .client
                    .get(server.url(&format!("/_mock/token?{query}"))),
            )
            .await;
        assert_eq!(answer.status, 400, "{query}");
        assert_eq!(
            answer.content_type(),
            Some("application/problem+json; charset=utf-8")
        );
        assert!(!answer.json()["detail"].as_str().unwrap().is_empty());
    }
    let answer = server
        .send(server.client.post(server.url("/_mock/token?org=ttd")))
        .await;
    assert_eq!(answer.status, 405);
}
