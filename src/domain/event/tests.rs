use super::*;
use serde_json::json;

fn app_event() -> Value {
    json!({
        "alternativesubject": "/person/16035001577",
        "subject": "/party/50019855",
        "source": "https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/50019855/f21e491f-f862-4776-b81f-725657ef0a18",
        "type": "app.instance.created",
        "time": "2023-02-16T18:02:11.0276259Z",
        "id": "cf7577ad-7ae6-498f-bc48-0704bd895b41",
        "specversion": "1.0",
    })
}

#[test]
fn renders_the_spec_example_byte_for_byte() {
    let event = Event::from_json(app_event()).unwrap();
    assert_eq!(
        event.json(),
        r#"{"specversion":"1.0","id":"cf7577ad-7ae6-498f-bc48-0704bd895b41","time":"2023-02-16T18:02:11.0276259Z","type":"app.instance.created","source":"https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/50019855/f21e491f-f862-4776-b81f-725657ef0a18","subject":"/party/50019855","resource":"urn:altinn:resource:app_ttd_apps-test","resourceinstance":"50019855/f21e491f-f862-4776-b81f-725657ef0a18","alternativesubject":"/person/16035001577"}"#
    );
}

#[test]
fn keeps_a_given_resource() {
    let mut value = app_event();
    value["resource"] = json!("urn:altinn:resource:app_ttd_other");
    let event = Event::from_json(value).unwrap();
    assert_eq!(event.resource(), Some("urn:altinn:resource:app_ttd_other"));
}

#[test]
fn writes_data_last() {
    let mut value = app_event();
    value["data"] = json!({"b": 1, "a": [true]});
    value["datacontenttype"] = json!("application/json");
    let event = Event::from_json(value).unwrap();
    assert!(event.json().contains(r#""resource":"urn:altinn:resource:app_ttd_apps-test","datacontenttype":"application/json","resourceinstance""#));
    assert!(
        event
            .json()
            .ends_with(r#""alternativesubject":"/person/16035001577","data":{"a":[true],"b":1}}"#)
    );
}

#[test]
fn names_each_missing_required_attribute() {
    for name in ["specversion", "id", "source", "type"] {
        let mut value = app_event();
        value.as_object_mut().unwrap().remove(name);
        assert_eq!(
            Event::from_json(value).unwrap_err(),
            EventError::Missing(name)
        );
    }
}

#[test]
fn time_is_optional_as_cloudevents_says() {
    let mut value = app_event();
    value.as_object_mut().unwrap().remove("time");
    let event = Event::from_json(value).unwrap();
    assert_eq!(event.time(), None);
    assert!(!event.json().contains("\"time\""));
}

#[test]
fn rejects_a_bad_time_spec_version_type_or_name() {
    let mut value = app_event();
    value["time"] = json!("yesterday");
    assert!(matches!(
        Event::from_json(value),
        Err(EventError::BadTime(_))
    ));
    let mut value = app_event();
    value["specversion"] = json!("0.3");
    assert!(matches!(
        Event::from_json(value),
        Err(EventError::UnsupportedSpecVersion(_))
    ));
    let mut value = app_event();
    value["subject"] = json!(5);
    assert!(matches!(
        Event::from_json(value),
        Err(EventError::WrongType { .. })
    ));
    let mut value = app_event();
    value["Bad-Name"] = json!("x");
    assert!(matches!(
        Event::from_json(value),
        Err(EventError::BadAttributeName(_))
    ));
    assert_eq!(
        Event::from_json(json!([1])).unwrap_err(),
        EventError::NotAnObject
    );
}

#[test]
fn values_escaped_in_the_json_read_back_as_published() {
    let mut value = app_event();
    value["id"] = json!("id+1 <ø>");
    value["subject"] = json!("/party/1\"2");
    value["type"] = json!("app.instance.created");
    value["resource"] = json!("urn:altinn:resource:æ&b");
    let event = Event::from_json(value).unwrap();
    assert_eq!(event.id(), "id+1 <ø>");
    assert_eq!(event.subject(), Some("/party/1\"2"));
    assert_eq!(event.resource(), Some("urn:altinn:resource:æ&b"));
    assert_eq!(event.alternative_subject(), Some("/person/16035001577"));
    assert_eq!(event.event_type(), "app.instance.created");
    assert!(
        event
            .json()
            .contains(r#""id":"id\u002B1 \u003C\u00F8\u003E""#)
    );
    assert!(event.json().ends_with('}'));
    let reparsed = Event::from_json(serde_json::from_str(event.json()).unwrap()).unwrap();
    assert_eq!(reparsed.json(), event.json());
}
