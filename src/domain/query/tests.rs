//! The order of production's checks, first failure wins (spec §2).

use super::rules::*;
use super::*;
use crate::domain::store::{EventStore, PartyIdentifier};

fn bound(raw_query: &str, person: &[&str]) -> BoundQuery {
    bind(&QueryParams::parse(raw_query), person).unwrap()
}

fn rule(raw_query: &str, person: &[&str]) -> Result<(), &'static str> {
    check_rules(&bound(raw_query, person))
}

#[test]
fn rule_1_needs_from_or_after() {
    assert_eq!(rule("size=0", &[]), Err(PROBLEM_FROM_OR_AFTER));
    assert_eq!(rule("after=&from=", &[]), Err(PROBLEM_FROM_OR_AFTER));
    assert_eq!(rule("after=x", &[]), Ok(()));
    assert_eq!(rule("from=2020-01-01Z", &[]), Ok(()));
}

#[test]
fn rules_2_and_3_need_a_zone_from_before_to() {
    assert_eq!(
        rule("from=2020-01-01&to=2020-01-01&size=0", &[]),
        Err(PROBLEM_FROM_ZONE)
    );
    assert_eq!(
        rule("from=2020-01-01Z&to=2020-01-01&size=0", &[]),
        Err(PROBLEM_TO_ZONE)
    );
    assert_eq!(rule("after=x&to=2020-01-01", &[]), Err(PROBLEM_TO_ZONE));
}

#[test]
fn rule_4_size_before_the_party_rules() {
    assert_eq!(
        rule("after=x&size=0&party=1&unit=1", &["01038712345"]),
        Err(PROBLEM_SIZE)
    );
    assert_eq!(rule("after=x&size=-3", &[]), Err(PROBLEM_SIZE));
}

#[test]
fn rules_5_6_and_7_on_party_unit_and_person() {
    assert_eq!(
        rule("after=x&party=1&unit=1", &["01038712345"]),
        Err(PROBLEM_PARTY_AND_PERSON)
    );
    assert_eq!(
        rule("after=x&party=1&unit=1", &[]),
        Err(PROBLEM_PARTY_AND_UNIT)
    );
    assert_eq!(rule("after=x&unit=12345678", &[]), Err(PROBLEM_UNIT_DIGITS));
    assert_eq!(
        rule("after=x&unit=12345678a", &[]),
        Err(PROBLEM_UNIT_DIGITS)
    );
    assert_eq!(rule("after=x&unit=123456789&party=-1", &[]), Ok(()));
    // A party of 0 or less does not conflict with a person.
    assert_eq!(rule("after=x&party=0", &["01038712345"]), Ok(()));
}

#[test]
fn rule_8_the_register_refuses_bad_or_double_lookups() {
    let never = |_: &PartyIdentifier| None;
    let rejected = |query: &str, person: &[&str]| match select_subject(&bound(query, person), never)
    {
        Err(QueryError::RegisterRejected(rejection)) => rejection,
        other => panic!("{other:?}"),
    };
    assert_eq!(rejected("after=x", &["123"]).field, "Ssn");
    assert_eq!(rejected("after=x&unit=123456789", &["123"]).field, "Ssn");
    let both = rejected("after=x&unit=123456789", &["01038712345"]);
    assert_eq!(
        (both.field, both.message),
        ("OrgNo", "Only one of Ssn and OrgNo is allowed.")
    );
}

#[test]
fn rule_9_an_unknown_party_is_not_found() {
    let result = select_subject(&bound("after=x&unit=123456789", &[]), |_| None);
    assert_eq!(result, Err(QueryError::PartyNotFound));
}

#[test]
fn subjects_come_from_party_or_the_register() {
    let known =
        |id: &PartyIdentifier| (*id == PartyIdentifier::Unit("123456789".into())).then_some(500000);
    let subject = |query: &str| select_subject(&bound(query, &[]), known).unwrap();
    assert_eq!(subject("after=x"), None);
    assert_eq!(subject("after=x&party=1337"), Some("/party/1337".into()));
    assert_eq!(subject("after=x&party=-5"), Some("/party/-5".into()));
    assert_eq!(
        subject("after=x&party=-5&unit=123456789"),
        Some("/party/500000".into())
    );
}

#[test]
fn planning_refuses_what_the_database_refuses() {
    let store = EventStore::default();
    let plan =
        |query: &str| EventQuery::plan("ttd", "apps-test", &bound(query, &[]), &store).map(|_| ());
    assert!(matches!(
        plan(r"after=x&type=abc\"),
        Err(QueryError::Unhandled(_))
    ));
    assert!(matches!(plan("after=x%00"), Err(QueryError::Unhandled(_))));
    assert!(matches!(
        plan("after=x&type=a%00"),
        Err(QueryError::Unhandled(_))
    ));
    assert!(plan(r"after=x&type=abc\\").is_ok());
}
