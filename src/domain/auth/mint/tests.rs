use super::*;

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

#[test]
fn service_owner_tokens_carry_org_claims_and_defaults() {
    let claims = TokenRequest::service_owner("ttd").claims(NOW).unwrap();
    assert_eq!(claims["urn:altinn:org"], "ttd");
    assert_eq!(claims["urn:altinn:orgNumber"], "991825827");
    assert_eq!(claims["urn:altinn:authlevel"], 3);
    assert_eq!(claims["scope"], DEFAULT_SCOPE);
    let exp = claims["exp"].as_i64().unwrap();
    assert_eq!(exp - claims["iat"].as_i64().unwrap(), 3600);
}

#[test]
fn values_the_kind_of_token_does_not_read_are_refused() {
    let person_with_org_number = TokenRequest {
        org_number: Some("991825827".into()),
        ..TokenRequest::person(1337, 50001)
    };
    assert!(person_with_org_number.claims(NOW).is_err());
    let owner_with_party = TokenRequest {
        party_id: Some("50001".into()),
        ..TokenRequest::service_owner("ttd")
    };
    assert!(owner_with_party.claims(NOW).is_err());
}

#[test]
fn lifetimes_beyond_a_hundred_years_are_refused() {
    let lasting = |expires_in| TokenRequest {
        expires_in,
        ..TokenRequest::service_owner("ttd")
    };
    assert!(lasting(MAX_EXPIRES_IN).claims(NOW).is_ok());
    assert!(lasting(-MAX_EXPIRES_IN).claims(NOW).is_ok());
    for beyond in [MAX_EXPIRES_IN + 1, -MAX_EXPIRES_IN - 1, i64::MAX, i64::MIN] {
        assert!(lasting(beyond).claims(NOW).is_err(), "{beyond}");
    }
}

#[test]
fn made_up_org_numbers_are_valid_and_stable() {
    let number = default_org_number("skd");
    assert!(identity::is_valid_org_number(&number));
    assert_eq!(number, default_org_number("skd"));
}

#[test]
fn person_tokens_have_no_org_claim() {
    let claims = TokenRequest::person(1337, 50001).claims(NOW).unwrap();
    assert!(!claims.contains_key("urn:altinn:org"));
    assert_eq!(claims["urn:altinn:userid"], "1337");
    assert_eq!(claims["urn:altinn:partyid"], "50001");
}

#[test]
fn an_org_number_alone_is_an_organisation_without_the_org_claim() {
    let claims = TokenRequest::organisation("974761076", Some("altinn:events.subscribe"))
        .claims(NOW)
        .unwrap();
    assert_eq!(claims["urn:altinn:orgNumber"], "974761076");
    assert_eq!(claims["scope"], "altinn:events.subscribe");
    assert!(!claims.contains_key("urn:altinn:org"));
    assert!(TokenRequest::organisation("123", None).claims(NOW).is_err());
    let request = TokenRequest::from_query("orgNumber=974761076").unwrap();
    assert!(request.claims(NOW).is_ok());
}

#[test]
fn access_tokens_are_issued_by_the_org_and_name_the_app() {
    let claims = TokenRequest::platform_access("ttd/apps-test")
        .claims(NOW)
        .unwrap();
    assert_eq!(claims["iss"], "ttd");
    assert_eq!(claims["urn:altinn:app"], "apps-test");
    assert!(!claims.contains_key("urn:altinn:org"));
    for bad in ["app=ttd", "app=ttd/a&org=ttd", "app=/a", "app=ttd/a/b"] {
        assert!(
            TokenRequest::from_query(bad).unwrap().claims(NOW).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn organisation_and_system_user_tokens_have_no_org_claim() {
    let organisation =
        TokenRequest::from_query("orgNumber=950474084&scope=altinn:events.subscribe")
            .unwrap()
            .claims(NOW)
            .unwrap();
    assert!(!organisation.contains_key("urn:altinn:org"));
    assert_eq!(organisation["urn:altinn:orgNumber"], "950474084");
    let system_user = TokenRequest::from_query("systemUserId=f5e4b0a4-3c3e-4e8b-9a61-0d0b8c6b1e2f")
        .unwrap()
        .claims(NOW)
        .unwrap();
    assert_eq!(
        system_user["authorization_details"][0]["systemuser_id"][0],
        "f5e4b0a4-3c3e-4e8b-9a61-0d0b8c6b1e2f"
    );
    assert!(
        TokenRequest::from_query("systemUserId=nope")
            .unwrap()
            .claims(NOW)
            .is_err()
    );
}

#[test]
fn reads_the_query_and_refuses_nonsense() {
    let request =
        TokenRequest::from_query("org=skd&orgNumber=974761076&scope=a+b&expires_in=-5").unwrap();
    assert_eq!(request.org.as_deref(), Some("skd"));
    assert_eq!(request.scope.as_deref(), Some("a b"));
    assert_eq!(request.expires_in, -5);
    assert!(TokenRequest::from_query("").unwrap().claims(NOW).is_err());
    assert!(
        TokenRequest::from_query("org=ttd&userId=1")
            .unwrap()
            .claims(NOW)
            .is_err()
    );
    assert!(TokenRequest::from_query("expires_in=soon").is_err());
    assert!(TokenRequest::from_query("colour=red").is_err());
    assert!(
        TokenRequest::from_query("org=ttd&orgNumber=12")
            .unwrap()
            .claims(NOW)
            .is_err()
    );
    assert!(
        TokenRequest::from_query("userId=abc")
            .unwrap()
            .claims(NOW)
            .is_err()
    );
}
