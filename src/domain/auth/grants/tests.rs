use super::*;

fn grant(text: &str) -> Grant {
    text.parse().unwrap()
}

fn user(id: &str) -> Principal {
    Principal {
        user_id: Some(id.into()),
        ..Principal::default()
    }
}

#[test]
fn spellings_read_back_as_written() {
    for text in [
        "user:1337 read party:50001",
        "user:1337 read party:50001 app:ttd/apps-test",
        "orgno:991825827 subscribe urn:altinn:resource:x subject:/party/1",
        "org:ttd publish urn:altinn:resource:x",
    ] {
        assert_eq!(grant(text).to_string(), text);
    }
    for bad in [
        "",
        "user:1337 read",
        "person:1 read party:1",
        "user:1 read party:x",
        "user:1 read party:1 app:ttd",
        "user:1 write party:1",
        "org:ttd publish urn:x subject:/party/1",
        "org:ttd subscribe resource-x",
        "user:1 read party:1 app:a/b extra",
    ] {
        let error = bad.parse::<Grant>().unwrap_err();
        assert!(
            error.to_string().contains("a grant reads"),
            "{bad}: {error}"
        );
    }
}

#[test]
fn party_grants_match_the_grantee_the_party_and_the_app() {
    let access = Access {
        grants: vec![grant("user:1337 read party:50001 app:ttd/apps-test")],
        ..Access::default()
    };
    assert!(access.may_read_party(Who::Caller(&user("1337")), 50001, ("ttd", "apps-test")));
    assert!(!access.may_read_party(Who::Caller(&user("1337")), 50001, ("ttd", "other")));
    assert!(!access.may_read_party(Who::Caller(&user("1337")), 50002, ("ttd", "apps-test")));
    assert!(!access.may_read_party(Who::Caller(&user("1")), 50001, ("ttd", "apps-test")));
}

#[test]
fn resources_are_open_unless_grants_are_asked_for() {
    let owner = Principal {
        org: Some("ttd".into()),
        org_number: Some("991825827".into()),
        ..Principal::default()
    };
    let mut access = Access::default();
    assert!(access.may_subscribe(Who::Caller(&owner), "urn:x:y", None));
    assert!(access.may_publish(&owner, "urn:x:y"));
    access.resources = ResourceAccess::Grants;
    assert!(!access.may_subscribe(Who::Caller(&owner), "urn:x:y", None));
    assert!(!access.may_publish(&owner, "urn:x:y"));
    access.grants = vec![
        grant("orgno:991825827 subscribe urn:x:y subject:/party/1"),
        grant("org:ttd publish urn:x:y"),
    ];
    assert!(access.may_subscribe(Who::Caller(&owner), "urn:x:y", Some("/party/1")));
    assert!(!access.may_subscribe(Who::Caller(&owner), "urn:x:y", Some("/party/2")));
    assert!(access.may_publish(&owner, "urn:x:y"));
    let admin = Principal {
        scopes: vec![PUBLISH_ADMIN_SCOPE.into()],
        ..Principal::default()
    };
    assert!(access.may_publish(&admin, "urn:any:thing"));
}
