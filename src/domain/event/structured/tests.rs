//! The SDK's reading of a structured-mode body, message by message.

use serde_json::json;

use super::*;

fn read(body: &str) -> Result<Attributes, String> {
    read_structured(body.as_bytes()).map_err(|rejection| {
        assert_eq!(rejection.key, "RequestBody");
        rejection.message
    })
}

const EVENT: &str = r#""specversion":"1.0","id":"e1","source":"urn:x","type":"t""#;

fn with(extra: &str) -> String {
    format!("{{{EVENT},{extra}}}")
}

#[test]
fn an_empty_body_is_asp_net_core_s_own_error() {
    let rejection = read_structured(b"").unwrap_err();
    assert_eq!(rejection.key, "");
    assert_eq!(rejection.message, "A non-empty request body is required.");
}

#[test]
fn names_the_missing_required_attributes_in_the_sdk_s_order() {
    assert_eq!(
        read(r#"{"specversion":"1.0","source":"urn:x"}"#).unwrap_err(),
        "CloudEvent is missing required attributes: id, type (Parameter 'data')"
    );
    assert_eq!(
        read(r#"{"type":"t","specversion":"1.0","id":"e1","source":null}"#).unwrap_err(),
        "CloudEvent is missing required attributes: source (Parameter 'data')"
    );
}

#[test]
fn refuses_what_is_not_a_cloud_event_of_spec_1_0() {
    assert_eq!(
        read("[1]").unwrap_err(),
        "Cannot decode JSON element of kind 'Array' as CloudEvent"
    );
    assert_eq!(
        read(r#"{"id":"x"}"#).unwrap_err(),
        "Structured mode content does not represent a CloudEvent"
    );
    assert_eq!(
        read(r#"{"specversion":1}"#).unwrap_err(),
        "Structured mode content does not represent a CloudEvent"
    );
    assert_eq!(
        read(r#"{"specversion":"0.3","id":"x"}"#).unwrap_err(),
        "Unsupported CloudEvents spec version '0.3'"
    );
    assert!(
        read("{nope")
            .unwrap_err()
            .contains("LineNumber: 0 | BytePositionInLine: 2.")
    );
    assert!(
        read("  ")
            .unwrap_err()
            .starts_with("The input does not contain any JSON tokens.")
    );
}

#[test]
fn the_first_bad_property_in_the_order_sent_decides() {
    assert_eq!(
        read(&with(r#""subject":"","alternativeSubject":"x""#)).unwrap_err(),
        "Value for attribute 'subject' is invalid: Value must be non-empty (Parameter 'value')"
    );
    assert_eq!(
        read(&with(r#""alternativeSubject":"x","subject":"""#)).unwrap_err(),
        "Invalid character 'S' in attribute name 'alternativeSubject' (Parameter 'name')"
    );
    assert_eq!(
        read(r#"{"specversion":"1.0","id":5,"source":"urn:x","type":"t"}"#).unwrap_err(),
        "Invalid token type 'Number' for CloudEvent attribute 'id' with type 'String'"
    );
    assert_eq!(
        read(&with(r#""time":true"#)).unwrap_err(),
        "Invalid token type 'True' for CloudEvent attribute 'time' with type 'Timestamp'"
    );
    assert_eq!(
        read(&with(r#""extra":{"a":1}"#)).unwrap_err(),
        "Invalid token type 'Object' for CloudEvent attribute"
    );
    assert_eq!(
        read(&with(r#""count":5.5"#)).unwrap_err(),
        "One of the identified items was in an invalid format."
    );
}

#[test]
fn a_null_attribute_is_dropped_unchecked() {
    let attributes = read(&with(r#""subject":null,"BadName":null"#)).unwrap();
    assert!(!attributes.contains_key("subject"));
    assert!(!attributes.contains_key("BadName"));
}

#[test]
fn extensions_become_strings() {
    let attributes = read(&with(
        r#""count":5,"flag":true,"off":false,"resource":"urn:a:b""#,
    ))
    .unwrap();
    assert_eq!(attributes["count"], json!("5"));
    assert_eq!(attributes["flag"], json!("true"));
    assert_eq!(attributes["off"], json!("false"));
    assert_eq!(attributes["resource"], json!("urn:a:b"));
}

#[test]
fn data_gets_a_json_content_type_unless_it_has_one() {
    let attributes = read(&with(r#""data":{"b":1,"a":[true]}"#)).unwrap();
    assert_eq!(attributes["datacontenttype"], json!("application/json"));
    assert_eq!(attributes["data"], json!({"a": [true], "b": 1}));
    let text = read(&with(r#""datacontenttype":"text/plain","data":"hei""#)).unwrap();
    assert_eq!(text["datacontenttype"], json!("text/plain"));
    assert_eq!(
        read(&with(r#""datacontenttype":"text/plain","data":{"a":1}"#)).unwrap_err(),
        "CloudEvents with a non-JSON datacontenttype can only have string data values."
    );
    assert_eq!(
        read(&with(r#""data":1,"data_base64":"AA==""#)).unwrap_err(),
        "Structured mode content cannot contain both 'data' and 'data_base64' properties."
    );
    assert!(read(&with(r#""data_base64":"AA==""#)).is_ok());
    assert!(read(&with(r#""data_base64":"A""#)).is_err());
    assert!(read(&with(r#""data":null,"data_base64":"AA==""#)).is_ok());
}

#[test]
fn only_json_and_text_data_can_be_written_back() {
    let xml = read(&with(
        r#""datacontenttype":"application/xml","data":"<a/>""#,
    ))
    .unwrap();
    assert!(!serializable(&xml));
    let text = read(&with(r#""datacontenttype":"text/xml","data":"<a/>""#)).unwrap();
    assert!(serializable(&text));
    let no_data = read(&with(r#""datacontenttype":"application/xml""#)).unwrap();
    assert!(serializable(&no_data));
}
