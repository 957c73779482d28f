use super::*;

const APPS: &[&str] = &["apps.altinn.no", "apps.tt02.altinn.no"];

fn lookup(identifier: &PartyIdentifier) -> Option<u32> {
    match identifier {
        PartyIdentifier::Person(n) if n == "01038712345" => Some(50001),
        PartyIdentifier::Unit(n) if n == "950474084" => Some(50100),
        _ => None,
    }
}

fn run(body: &str, subscriber: &Subscriber) -> Result<Draft, Refusal> {
    run_with(body, subscriber, WebhookHttp::Loopback)
}

fn run_with(body: &str, subscriber: &Subscriber, http: WebhookHttp) -> Result<Draft, Refusal> {
    let domains: Vec<String> = APPS.iter().map(|d| (*d).to_owned()).collect();
    let context = CheckContext {
        apps_domains: &domains,
        webhook_http: http,
        lookup_party: &lookup,
    };
    check(
        SubscriptionRequest::bind(body.as_bytes()).unwrap(),
        subscriber,
        &context,
    )
}

fn org(org: &str) -> Subscriber {
    Subscriber {
        entity: Some(format!("/org/{org}")),
        org: Some(org.into()),
        party_id: None,
        can_subscribe: false,
    }
}

fn person() -> Subscriber {
    Subscriber {
        entity: Some("/user/1337".into()),
        org: None,
        party_id: Some(50001),
        can_subscribe: false,
    }
}

const SOURCE: &str = "https://ttd.apps.altinn.no/ttd/apps-test";

#[test]
fn rule_1_the_endpoint_must_be_absolute_https() {
    for endpoint in [
        "",
        "skd/flyttemelding",
        "altinn.no/ttd/apps-test/",
        "platform.altinn.no/",
        "http://altinn.no/ttd/",
        "sftp://altinn.no/ttd/",
    ] {
        let body = format!(r#"{{"endPoint":"{endpoint}","sourceFilter":"{SOURCE}"}}"#);
        assert_eq!(
            run(&body, &org("ttd")),
            Err(Refusal::InvalidEndpoint),
            "{endpoint}"
        );
    }
    assert_eq!(
        run(
            r#"{"sourceFilter":"https://x.apps.altinn.no/a/b"}"#,
            &org("x")
        ),
        Err(Refusal::InvalidEndpoint)
    );
}

#[test]
fn rule_1_lets_plain_http_to_loopback_through_unless_told_otherwise() {
    let body = format!(r#"{{"endPoint":"http://127.0.0.1:9/hook","sourceFilter":"{SOURCE}"}}"#);
    assert!(run(&body, &org("ttd")).is_ok());
    assert_eq!(
        run_with(&body, &org("ttd"), WebhookHttp::Never),
        Err(Refusal::InvalidEndpoint)
    );
    let remote = format!(r#"{{"endPoint":"http://example.com/hook","sourceFilter":"{SOURCE}"}}"#);
    assert_eq!(run(&remote, &org("ttd")), Err(Refusal::InvalidEndpoint));
    assert!(run_with(&remote, &org("ttd"), WebhookHttp::Any).is_ok());
}

#[test]
fn rule_2_a_given_source_filter_must_be_absolute_https() {
    for source in [
        "",
        "ttd/apps-test",
        "http://ttd.apps.altinn.no/ttd/apps-test",
    ] {
        let body = format!(r#"{{"endPoint":"https://hook.no/","sourceFilter":"{source}"}}"#);
        assert_eq!(
            run(&body, &org("ttd")),
            Err(Refusal::InvalidSourceFilter),
            "{source}"
        );
    }
}

#[test]
fn rule_3_generic_subscriptions_need_the_scope() {
    let body = r#"{"endPoint":"https://hook.no/","resourceFilter":"urn:altinn:resource:ttd-test"}"#;
    assert_eq!(run(body, &org("ttd")), Err(Refusal::MissingScope));
    let mut scoped = org("ttd");
    scoped.can_subscribe = true;
    assert!(run(body, &scoped).is_ok());
    // Quirk: a TT02 source on a server that only knows production's apps domain is generic.
    let domains = vec!["apps.altinn.no".to_owned()];
    let context = CheckContext {
        apps_domains: &domains,
        webhook_http: WebhookHttp::Loopback,
        lookup_party: &lookup,
    };
    let tt02 = r#"{"endPoint":"https://hook.no/","sourceFilter":"https://ttd.apps.tt02.altinn.no/ttd/apps-test"}"#;
    assert_eq!(
        check(
            SubscriptionRequest::bind(tt02.as_bytes()).unwrap(),
            &org("ttd"),
            &context
        ),
        Err(Refusal::MissingScope)
    );
}

#[test]
fn rule_4_the_resource_filter_must_be_a_lower_case_urn() {
    let mut scoped = org("ttd");
    scoped.can_subscribe = true;
    for resource in ["", "urn:altinn:resource:APP_ttd_x", "not-a-urn", "urn:x"] {
        let body = format!(r#"{{"endPoint":"https://hook.no/","resourceFilter":"{resource}"}}"#);
        assert_eq!(run(&body, &scoped), Err(Refusal::InvalidUrn), "{resource}");
    }
    assert!(is_valid_urn("urn:altinn:resource:app_ttd_apps-test"));
}

#[test]
fn app_rules_a_to_f_in_order() {
    let invalid = |message| Err(Refusal::Invalid(message));
    let hook = r#""endPoint":"https://hook.no/""#;
    let unknown_person = format!(
        r#"{{{hook},"sourceFilter":"{SOURCE}","alternativeSubjectFilter":"/person/14029112345"}}"#
    );
    assert_eq!(run(&unknown_person, &person()), invalid(SUBJECT_REQUIRED));
    let no_subject = format!(r#"{{{hook},"sourceFilter":"{SOURCE}"}}"#);
    assert_eq!(run(&no_subject, &person()), invalid(SUBJECT_REQUIRED));
    let unknown_for_org = format!(
        r#"{{{hook},"sourceFilter":"{SOURCE}","alternativeSubjectFilter":"/person/14029112345"}}"#
    );
    assert_eq!(
        run(&unknown_for_org, &org("ttd")),
        invalid(SUBJECT_REQUIRED)
    );
    let subunits = format!(r#"{{{hook},"sourceFilter":"{SOURCE}","includeSubunits":true}}"#);
    assert_eq!(run(&subunits, &org("ttd")), invalid(SUBUNITS_NEED_SUBJECT));
    let anonymous = Subscriber {
        party_id: None,
        ..Subscriber::default()
    };
    let with_subject =
        format!(r#"{{{hook},"sourceFilter":"{SOURCE}","subjectFilter":"/party/1"}}"#);
    assert_eq!(
        run(&with_subject, &anonymous),
        invalid("Missing event consumer")
    );
    for path in ["/ttd/apps-test/", "/ttd", "/", "/ttd/app/instances/1"] {
        let body = format!(r#"{{{hook},"sourceFilter":"https://ttd.apps.altinn.no{path}"}}"#);
        assert_eq!(
            run(&body, &org("ttd")),
            invalid("A valid app id is required in source filter {environment}/{org}/{app}"),
            "{path}"
        );
    }
    let incompatible = format!(
        r#"{{{hook},"sourceFilter":"https://skd.apps.altinn.no/skd/mva-melding","resourceFilter":"urn:altinn:resource:app_skd_skatt-melding"}}"#
    );
    assert_eq!(
        run(&incompatible, &org("skd")),
        invalid("Provided resource filter and source filter are not compatible")
    );
}

#[test]
fn an_alternative_subject_in_the_register_becomes_the_party_subject() {
    let body = format!(
        r#"{{"endPoint":"https://hook.no/","sourceFilter":"{SOURCE}","alternativeSubjectFilter":"/person/01038712345"}}"#
    );
    let draft = run(&body, &person()).unwrap();
    assert_eq!(draft.subject_filter.as_deref(), Some("/party/50001"));
    assert_eq!(
        draft.resource_filter,
        "urn:altinn:resource:app_ttd_apps-test"
    );
    let organisation = format!(
        r#"{{"endPoint":"https://hook.no/","sourceFilter":"{SOURCE}","alternativeSubjectFilter":"/organisation/950474084"}}"#
    );
    assert_eq!(
        run(&organisation, &org("ttd"))
            .unwrap()
            .subject_filter
            .as_deref(),
        Some("/party/50100")
    );
}

#[test]
fn generic_rules_in_order() {
    let mut scoped = org("ttd");
    scoped.can_subscribe = true;
    let invalid = |message| Err(Refusal::Invalid(message));
    assert_eq!(
        run(r#"{"endPoint":"https://hook.no/"}"#, &scoped),
        invalid("Resource filter is required.")
    );
    let with_source = r#"{"endPoint":"https://hook.no/","resourceFilter":"urn:altinn:resource:x","sourceFilter":"https://example.com/a"}"#;
    assert_eq!(
        run(with_source, &scoped),
        invalid("Source filter is not supported for subscriptions on this resource.")
    );
    let with_alternative = r#"{"endPoint":"https://hook.no/","resourceFilter":"urn:altinn:resource:x","alternativeSubjectFilter":"/person/1"}"#;
    assert_eq!(
        run(with_alternative, &scoped),
        invalid("AlternativeSubject filter is not supported for subscriptions on this resource.")
    );
    let subunits = r#"{"endPoint":"https://hook.no/","resourceFilter":"urn:altinn:resource:x","includeSubunits":true}"#;
    assert_eq!(run(subunits, &scoped), invalid(SUBUNITS_NEED_SUBJECT));
}
