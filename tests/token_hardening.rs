//! Strict token checks at their edges, over HTTP: repeated `Authorization` headers, lifetimes
//! beyond what production can read, and the forgeries production refuses.

mod common;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use common::{APPS_TEST, start};

const SIGNING_KEY: &str = include_str!("../keys/test-only-signing-key.pem");
const PUBLIC_KEY: &str = include_str!("../keys/test-only-public-key.pem");
const OTHER_TEAM_KEY: &str = include_str!("keys/other-team-signing-key.pem");

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a service-owner token for `ttd`, valid for an hour.
fn claims() -> Value {
    json!({ "urn:altinn:org": "ttd", "iat": now(), "nbf": now() - 5, "exp": now() + 3600 })
}

fn signed(claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, key).unwrap()
}

fn trusted(claims: &Value) -> String {
    signed(
        claims,
        &EncodingKey::from_rsa_pem(SIGNING_KEY.as_bytes()).unwrap(),
        Algorithm::RS256,
    )
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// The status of a query sent with these `Authorization` header values, in order.
async fn status_with(server: &common::TestServer, authorizations: &[&str]) -> u16 {
    let request = authorizations.iter().fold(
        server
            .client
            .get(server.url(&format!("{APPS_TEST}?after=e07"))),
        |request, value| request.header("authorization", *value),
    );
    server.send(request).await.status
}

#[tokio::test]
async fn two_authorization_headers_are_joined_as_asp_net_core_joins_them_and_refused() {
    let server = start().await;
    let valid = format!("Bearer {}", trusted(&claims()));
    assert_eq!(status_with(&server, &[&valid]).await, 200);
    // "Bearer VALID,garbage" and "garbage,Bearer VALID": neither is one readable token.
    assert_eq!(status_with(&server, &[&valid, "garbage"]).await, 401);
    assert_eq!(status_with(&server, &[&valid, &valid]).await, 401);
    assert_eq!(status_with(&server, &["Basic dTpw", &valid]).await, 401);
}

#[tokio::test]
async fn an_exp_beyond_64_bits_is_refused_even_with_a_valid_signature() {
    let server = start().await;
    let beyond = with(claims(), "exp", json!(9_223_372_036_854_775_813_u64));
    let huge_float = with(claims(), "exp", json!(1e300));
    for claims in [beyond, huge_float] {
        let token = format!("Bearer {}", trusted(&claims));
        assert_eq!(status_with(&server, &[&token]).await, 401, "{claims}");
    }
    // The largest exp production reads is still a lifetime.
    let largest = with(claims(), "exp", json!(i64::MAX));
    let token = format!("Bearer {}", trusted(&largest));
    assert_eq!(status_with(&server, &[&token]).await, 200);
}

#[tokio::test]
async fn forged_expired_and_unreadable_tokens_stay_refused() {
    let server = start().await;
    let payload = |token: &str| token.split('.').nth(1).unwrap().to_owned();
    let valid = trusted(&claims());
    // {"alg":"none","typ":"JWT"}
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", payload(&valid));
    let hs256_with_public_key = signed(
        &claims(),
        &EncodingKey::from_secret(PUBLIC_KEY.as_bytes()),
        Algorithm::HS256,
    );
    let other_rsa_key = signed(
        &claims(),
        &EncodingKey::from_rsa_pem(OTHER_TEAM_KEY.as_bytes()).unwrap(),
        Algorithm::RS256,
    );
    let skd = trusted(&with(claims(), "urn:altinn:org", json!("skd")));
    let tampered = {
        let parts: Vec<&str> = valid.split('.').collect();
        format!("{}.{}.{}", parts[0], payload(&skd), parts[2])
    };
    let expired_by_a_second = trusted(&with(claims(), "exp", json!(now() - 1)));
    let future_nbf = trusted(&with(claims(), "nbf", json!(now() + 3600)));
    let no_exp = trusted(&without(claims(), "exp"));
    let text_exp = trusted(&with(claims(), "exp", json!("tomorrow")));
    for (case, token) in [
        ("alg none", alg_none),
        ("HS256 keyed with the public key", hs256_with_public_key),
        ("another RSA key", other_rsa_key),
        ("tampered payload", tampered),
        ("expired by 1 s", expired_by_a_second),
        ("nbf in the future", future_nbf),
        ("no exp", no_exp),
        ("exp not a number", text_exp),
    ] {
        let bearer = format!("Bearer {token}");
        assert_eq!(status_with(&server, &[&bearer]).await, 401, "{case}");
    }
    // A token past Kestrel's 32 KiB of headers never reaches the check: Kestrel's own
    // refusal, which the document puts outside itself.
    let huge = format!("Bearer {}", "a".repeat(1 << 20));
    let refused = server
        .send_unchecked(
            server
                .client
                .get(server.url(&format!("{APPS_TEST}?after=e07")))
                .header("authorization", huge),
        )
        .await;
    assert_eq!(refused.status, 431);
}
