use jsonwebtoken::{EncodingKey, Header};

use super::*;

const OTHER_TEAM_PRIVATE: &str = include_str!("../../../tests/keys/other-team-signing-key.pem");
const OTHER_TEAM_PUBLIC: &str = include_str!("../../../tests/keys/other-team-public-key.pem");
const OTHER_TEAM_PUBLIC_PKCS1: &str =
    include_str!("../../../tests/keys/other-team-public-key-pkcs1.pem");

fn authenticator(mode: AuthMode) -> Authenticator {
    Authenticator::new(mode, &[]).unwrap()
}

fn bearer(token: &str) -> Option<&str> {
    Some(token)
}

fn ttd_token(auth: &Authenticator) -> String {
    auth.mint(&TokenRequest::service_owner("ttd")).unwrap()
}

fn ttd() -> Result<Caller, Unauthenticated> {
    Ok(Caller::Token(Arc::new(Principal {
        org: Some("ttd".into()),
        org_number: Some("991825827".into()),
        scopes: vec!["altinn:serviceowner/instances.read".into()],
        ..Principal::default()
    })))
}

fn signed_with(key: &EncodingKey, alg: Algorithm) -> String {
    let claims = TokenRequest::service_owner("ttd")
        .claims(chrono::Utc::now().timestamp())
        .unwrap();
    jsonwebtoken::encode(&Header::new(alg), &claims, key).unwrap()
}

#[test]
fn strict_accepts_its_own_tokens() {
    let auth = authenticator(AuthMode::Strict);
    assert_eq!(auth.authenticate(bearer(&ttd_token(&auth))), ttd());
}

#[test]
fn strict_rejects_missing_expired_and_malformed_tokens() {
    let auth = authenticator(AuthMode::Strict);
    assert_eq!(auth.authenticate(None), Err(Unauthenticated));
    let expired = TokenRequest {
        expires_in: -1,
        ..TokenRequest::service_owner("ttd")
    };
    assert_eq!(
        auth.authenticate(bearer(&auth.mint(&expired).unwrap())),
        Err(Unauthenticated)
    );
    assert_eq!(auth.authenticate(bearer("not-a-jwt")), Err(Unauthenticated));
}

#[test]
fn strict_rejects_alg_none_hs256_and_tampered_payloads() {
    let auth = authenticator(AuthMode::Strict);
    let token = ttd_token(&auth);
    let parts: Vec<&str> = token.split('.').collect();
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let alg_none = format!("{none_header}.{}.", parts[1]);
    assert_eq!(auth.authenticate(bearer(&alg_none)), Err(Unauthenticated));

    let hs256 = signed_with(
        &EncodingKey::from_secret(TEST_PUBLIC_KEY_PEM.as_bytes()),
        Algorithm::HS256,
    );
    assert_eq!(auth.authenticate(bearer(&hs256)), Err(Unauthenticated));

    let skd = auth.mint(&TokenRequest::service_owner("skd")).unwrap();
    let skd_payload = skd.split('.').nth(1).unwrap();
    let tampered = format!("{}.{}.{}", parts[0], skd_payload, parts[2]);
    assert_eq!(auth.authenticate(bearer(&tampered)), Err(Unauthenticated));
}

#[test]
fn strict_trusts_extra_public_keys_in_spki_or_pkcs1_form() {
    let other_key = EncodingKey::from_rsa_pem(OTHER_TEAM_PRIVATE.as_bytes()).unwrap();
    let token = signed_with(&other_key, Algorithm::RS256);
    assert_eq!(
        authenticator(AuthMode::Strict).authenticate(bearer(&token)),
        Err(Unauthenticated)
    );
    for public in [OTHER_TEAM_PUBLIC, OTHER_TEAM_PUBLIC_PKCS1] {
        let auth = Authenticator::new(AuthMode::Strict, &[public.to_owned()]).unwrap();
        assert_eq!(auth.authenticate(bearer(&token)), ttd());
    }
}

#[test]
fn a_bad_public_key_is_refused_up_front() {
    let error = Authenticator::new(AuthMode::Strict, &["nonsense".to_owned()]).unwrap_err();
    assert_eq!(error.index, 1);
    assert!(error.to_string().contains("public key #1"), "{error}");
}

#[test]
fn lenient_reads_claims_of_any_well_formed_token() {
    let auth = authenticator(AuthMode::Lenient);
    let expired = TokenRequest {
        expires_in: -100,
        ..TokenRequest::service_owner("ttd")
    };
    assert_eq!(
        auth.authenticate(bearer(&auth.mint(&expired).unwrap())),
        ttd()
    );
    let other_key = EncodingKey::from_rsa_pem(OTHER_TEAM_PRIVATE.as_bytes()).unwrap();
    assert_eq!(
        auth.authenticate(bearer(&signed_with(&other_key, Algorithm::RS256))),
        ttd()
    );
    assert_eq!(auth.authenticate(bearer("a.b.c")), Err(Unauthenticated));
    assert_eq!(auth.authenticate(None), Err(Unauthenticated));
}

#[test]
fn off_needs_no_token_but_reads_one_when_given() {
    let auth = authenticator(AuthMode::Off);
    assert_eq!(auth.authenticate(None), Ok(Caller::Anonymous));
    assert_eq!(auth.authenticate(bearer("garbage")), Ok(Caller::Anonymous));
    let person = auth.mint(&TokenRequest::person(1337, 50001)).unwrap();
    let Ok(Caller::Token(principal)) = auth.authenticate(bearer(&person)) else {
        panic!("a person token is read");
    };
    assert_eq!(
        (principal.org.clone(), principal.party_id),
        (None, Some(50001))
    );
}

#[test]
fn a_remembered_signature_still_expires() {
    let auth = authenticator(AuthMode::Strict);
    let token = ttd_token(&auth);
    assert_eq!(auth.authenticate(bearer(&token)), ttd());
    // Pretend the clock moved past `exp`: the remembered token must be refused.
    let remember = |exp: i64, nbf: Option<i64>| {
        let mut verified = auth.verified.lock().unwrap();
        let claims = verified.get(&token).unwrap().claims.clone();
        verified.tokens.insert(
            token.clone(),
            Arc::new(VerifiedToken {
                principal: Arc::new(Principal::from_claims(&claims)),
                claims,
                exp,
                nbf,
            }),
        );
    };
    remember(0, None);
    assert_eq!(auth.authenticate(bearer(&token)), Err(Unauthenticated));
    remember(i64::MAX, Some(i64::MAX));
    assert_eq!(auth.authenticate(bearer(&token)), Err(Unauthenticated));
    remember(i64::MAX, None);
    assert_eq!(auth.authenticate(bearer(&token)), ttd());
}

#[test]
fn strict_requires_exp_even_from_a_trusted_key() {
    let auth = authenticator(AuthMode::Strict);
    let key = EncodingKey::from_rsa_pem(TEST_SIGNING_KEY_PEM.as_bytes()).unwrap();
    let mut claims = TokenRequest::service_owner("ttd")
        .claims(chrono::Utc::now().timestamp())
        .unwrap();
    claims.remove("exp");
    let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap();
    assert_eq!(auth.authenticate(bearer(&token)), Err(Unauthenticated));
    let future_nbf = {
        let mut claims = TokenRequest::service_owner("ttd")
            .claims(chrono::Utc::now().timestamp())
            .unwrap();
        claims.insert("nbf".into(), serde_json::json!(i64::MAX / 2));
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
    };
    assert_eq!(auth.authenticate(bearer(&future_nbf)), Err(Unauthenticated));
}

#[test]
fn the_memory_of_verified_tokens_stays_within_its_byte_budget() {
    let auth = authenticator(AuthMode::Strict);
    let key = EncodingKey::from_rsa_pem(TEST_SIGNING_KEY_PEM.as_bytes()).unwrap();
    // Tokens of 1 MiB each, every one distinct and valid: 20 of them are 20 MiB of text.
    let padding = "p".repeat(768 * 1024);
    let mut largest = 0;
    for i in 0..20 {
        let mut claims = TokenRequest::service_owner("ttd")
            .claims(chrono::Utc::now().timestamp())
            .unwrap();
        claims.insert("padding".into(), serde_json::json!(format!("{i}{padding}")));
        let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap();
        assert_eq!(auth.authenticate(bearer(&token)), ttd());
        let verified = auth.verified.lock().unwrap();
        let held: usize = verified.tokens.keys().map(|token| entry_bytes(token)).sum();
        assert_eq!(held, verified.bytes);
        largest = largest.max(verified.bytes);
    }
    assert!(largest <= VERIFIED_BYTES_KEPT, "{largest} bytes remembered");
    assert!(
        largest > VERIFIED_BYTES_KEPT / 2,
        "{largest}: the memory is used"
    );
}
