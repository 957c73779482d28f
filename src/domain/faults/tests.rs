//! The rule spelling and its JSON form: what they accept, refuse, and say.

use std::time::Duration;

use serde_json::Value;

use super::{Action, FaultRule, FaultRuleErrorKind, Trigger};
use crate::domain::route::{Route, RouteFilter};

fn parse(text: &str) -> Result<FaultRule, String> {
    text.parse::<FaultRule>().map_err(|e| e.to_string())
}

#[test]
fn every_trigger_and_action_round_trips_through_its_spelling() {
    for text in [
        "when=always,what=status:503",
        "when=nth:3,what=status:429,retry_after=2",
        "when=first:2,what=delay:250ms",
        "when=every:5,what=delay:100ms..2s",
        "when=probability:0.25,what=reset",
        "when=window:2026-01-01T00:00:00Z..2026-01-02T12:30:00Z,what=close_after_headers",
        "when=always,what=truncate:10,route=publish",
        "when=always,what=status:503,route=all",
        "when=always,what=malformed,route=admin,times=1",
        "when=always,what=slow_body:2s,route=token",
        "when=nth:2,what=drop_next,route=query",
        "when=always,what=stale_next:3,route=query,org=ttd,app=apps-test",
        "when=always,what=empty_page,route=query,times=4",
    ] {
        let rule = parse(text).unwrap();
        assert_eq!(rule.to_string(), text);
        let json = serde_json::to_value(&rule).unwrap();
        assert_eq!(FaultRule::from_json(&json).unwrap(), rule, "{json}");
    }
}

#[test]
fn keys_come_in_any_order_with_spaces() {
    let rule = parse(" what = delay:2s , when = first:1 ").unwrap();
    assert_eq!(rule.what(), Action::Delay(Duration::from_secs(2)));
    assert_eq!(rule.when(), Trigger::First(1));
}

#[test]
fn page_actions_and_org_filters_imply_the_query_route() {
    assert_eq!(
        parse("when=always,what=drop_next").unwrap().route(),
        RouteFilter::Only(Route::Query)
    );
    assert_eq!(
        parse("when=always,what=status:503,org=ttd")
            .unwrap()
            .route(),
        RouteFilter::Only(Route::Query)
    );
    assert_eq!(
        parse("when=always,what=status:503").unwrap().route(),
        RouteFilter::Api
    );
    assert!(parse("when=always,what=empty_page,route=publish").is_err());
    assert!(parse("when=always,what=reset,app=x,route=token").is_err());
}

#[test]
fn bad_rules_say_what_is_wrong() {
    for (text, expected) in [
        ("what=status:503", "when is missing"),
        ("when=always", "what is missing"),
        ("when=sometimes,what=reset", "unknown trigger"),
        ("when=always,what=explode", "unknown action"),
        ("when=nth:0,what=reset", "from 1"),
        ("when=every:x,what=reset", "from 1"),
        ("when=probability:1.5,what=reset", "from 0 to 1"),
        ("when=probability:NaN,what=reset", "from 0 to 1"),
        (
            "when=window:2026-01-02T00:00:00Z..2026-01-01T00:00:00Z,what=reset",
            "before END",
        ),
        ("when=window:yesterday..today,what=reset", "RFC 3339"),
        ("when=always,what=status:99", "200 to 599"),
        ("when=always,what=status:600", "200 to 599"),
        ("when=always,what=delay:2s..1s", "MIN is above MAX"),
        ("when=always,what=delay:fast", "invalid duration"),
        ("when=always,what=reset,retry_after=1", "status:CODE only"),
        ("when=always,what=reset,times=0", "from 1"),
        ("when=always,what=reset,colour=red", "unknown key"),
        ("when=always,what=reset,when=nth:2", "given twice"),
        ("when=always,what=reset,", "not KEY=VALUE"),
        ("when=always,what=reset:now", "unknown action"),
        (
            "when=always,what=status:503,route=everything",
            "unknown route",
        ),
        ("when=always,what=reset,org=", "org is empty"),
    ] {
        let message = parse(text).unwrap_err();
        assert!(message.contains(expected), "{text}: {message}");
    }
}

#[test]
fn the_header_form_implies_when_and_refuses_standing_keys() {
    let rule = FaultRule::for_one_request("what=status:503,retry_after=1").unwrap();
    assert_eq!(rule.when(), Trigger::Always);
    assert_eq!(rule.retry_after(), Some(1));
    for text in [
        "when=always,what=reset",
        "what=reset,times=2",
        "what=reset,org=ttd",
    ] {
        let message = FaultRule::for_one_request(text).unwrap_err().to_string();
        assert!(message.contains("its own request"), "{message}");
    }
}

#[test]
fn the_json_form_takes_numbers_strings_and_the_spelling() {
    let object: Value =
        serde_json::json!({"when": "nth:3", "what": "status:503", "retry_after": 2});
    let rule = FaultRule::from_json(&object).unwrap();
    assert_eq!(rule.to_string(), "when=nth:3,what=status:503,retry_after=2");
    let spelled = Value::String("when=nth:3,what=status:503,retry_after=2".into());
    assert_eq!(FaultRule::from_json(&spelled).unwrap(), rule);
    let listed = serde_json::json!({"id": 4, "rule": "when=nth:3,what=status:503,retry_after=2",
        "when": "nth:3", "what": "status:503", "route": "api", "org": null,
        "retry_after": 2, "matched": 9, "fired": 1});
    assert_eq!(FaultRule::from_json(&listed).unwrap(), rule);
    let only_spelling = serde_json::json!({"rule": "when=nth:3,what=status:503,retry_after=2"});
    assert_eq!(FaultRule::from_json(&only_spelling).unwrap(), rule);
    let nested = serde_json::json!({"when": "always", "what": "reset", "times": [1]});
    assert!(FaultRule::from_json(&nested).is_err());
    assert!(FaultRule::from_json(&serde_json::json!(3)).is_err());
    let rules: Result<Vec<FaultRule>, _> =
        serde_json::from_str(r#"[{"when": "always", "what": "nope"}]"#);
    assert!(rules.unwrap_err().to_string().contains("unknown action"));
}

#[test]
fn typed_constructors_refuse_what_the_spelling_refuses() {
    use super::FaultRuleErrorKind;
    let window = Trigger::Window {
        start: "2026-01-02T00:00:00Z".parse().unwrap(),
        end: "2026-01-01T00:00:00Z".parse().unwrap(),
    };
    for (when, what) in [
        (Trigger::Nth(0), Action::Reset),
        (Trigger::First(0), Action::Reset),
        (Trigger::Every(0), Action::Reset),
        (Trigger::Probability(1.5), Action::Reset),
        (Trigger::Probability(f64::NAN), Action::Reset),
        (window, Action::Reset),
        (Trigger::Always, Action::Status(999)),
        (Trigger::Always, Action::Status(199)),
        (
            Trigger::Always,
            Action::DelayBetween(Duration::from_secs(2), Duration::from_secs(1)),
        ),
        (Trigger::Always, Action::StaleNext(0)),
    ] {
        let error = FaultRule::new(when, what).unwrap_err();
        assert_eq!(error.kind(), FaultRuleErrorKind::InvalidValue, "{error}");
    }
    let rule = FaultRule::new(Trigger::Always, Action::Reset).unwrap();
    assert_eq!(
        rule.clone().with_times(0).unwrap_err().kind(),
        FaultRuleErrorKind::InvalidValue
    );
    assert_eq!(
        rule.clone().with_retry_after(1).unwrap_err().kind(),
        FaultRuleErrorKind::Conflict
    );
    assert_eq!(
        rule.clone().with_org("").unwrap_err().kind(),
        FaultRuleErrorKind::InvalidValue
    );
    let page = FaultRule::new(Trigger::Always, Action::DropNext).unwrap();
    assert_eq!(page.route(), RouteFilter::Only(Route::Query));
    assert_eq!(
        page.with_route(Route::Publish).unwrap_err().kind(),
        FaultRuleErrorKind::Conflict
    );
}

#[test]
fn typed_constructors_build_the_rule_the_spelling_reads() {
    let typed = FaultRule::new(Trigger::Every(2), Action::Status(503))
        .and_then(|rule| rule.with_org("ttd"))
        .and_then(|rule| rule.with_times(3))
        .and_then(|rule| rule.with_retry_after(1))
        .unwrap();
    assert_eq!(
        typed.route(),
        RouteFilter::Only(Route::Query),
        "org narrows to queries"
    );
    assert_eq!(
        typed.to_string(),
        "when=every:2,what=status:503,route=query,org=ttd,times=3,retry_after=1"
    );
    assert_eq!(parse(&typed.to_string()).unwrap(), typed);
    assert_eq!(
        FaultRule::try_from(typed.to_string().as_str()).unwrap(),
        typed
    );
    let everywhere = FaultRule::new(Trigger::Always, Action::Reset).unwrap();
    assert_eq!(everywhere.route(), RouteFilter::Api);
    assert_eq!(
        everywhere.clone().with_route(Route::Token).unwrap().route(),
        RouteFilter::Only(Route::Token)
    );
}

#[test]
fn errors_say_what_kind_of_mistake_they_are() {
    use super::FaultRuleErrorKind as Kind;
    for (text, kind) in [
        ("when=always", Kind::MissingKey),
        ("when=always,what=reset,colour=red", Kind::UnknownKey),
        ("when=always,what=reset,when=nth:2", Kind::DuplicateKey),
        ("when=always,what=reset,", Kind::Syntax),
        ("when=always,what=explode", Kind::InvalidValue),
        ("when=always,what=reset,retry_after=1", Kind::Conflict),
    ] {
        assert_eq!(
            text.parse::<FaultRule>().unwrap_err().kind(),
            kind,
            "{text}"
        );
    }
    assert_eq!(
        FaultRule::for_one_request("what=reset,times=2")
            .unwrap_err()
            .kind(),
        Kind::NotForOneRequest
    );
}

#[test]
fn durations_past_the_cap_are_refused_with_the_cap_named() {
    let cap = std::time::Duration::from_secs(600);
    for spelling in [
        "when=always,what=delay:18446744073709551615s",
        "when=always,what=delay:601s",
        "when=always,what=delay:1s..11m",
        "when=always,what=slow_body:1h",
    ] {
        let rule: FaultRule = spelling.parse().unwrap();
        let error = rule.check_within(cap).unwrap_err();
        assert_eq!(error.kind(), FaultRuleErrorKind::InvalidValue);
        let message = error.to_string();
        assert!(
            message.contains("cap of 10m") && message.contains("--max-fault-duration"),
            "{message}"
        );
    }
    for spelling in [
        "when=always,what=delay:10m",
        "when=always,what=delay:0s..10m",
        "when=always,what=slow_body:600s",
        "when=always,what=reset",
    ] {
        let rule: FaultRule = spelling.parse().unwrap();
        assert_eq!(rule.check_within(cap), Ok(()), "{spelling}");
    }
}
