//! Reading a request body as a structured-mode CloudEvent, as production's input formatter
//! does with the CloudEvents .NET SDK (`JsonEventFormatter.DecodeStructuredModeMessage`), and
//! the attributes production then stores (`CloudEventExtensions.Serialize`).
//!
//! The SDK walks the object's properties in the order sent, so the first bad one decides the
//! message; every context attribute and extension becomes a string (`"count": 5` is stored as
//! `"5"`), `null` values are dropped, and `data` without a `datacontenttype` gets
//! `application/json`. A failure is ASP.NET Core model state under the key `RequestBody`.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::sdk_values::{REQUIRED, check_attribute_text, context_attribute, media_type};

/// Why the body did not bind: the model-state key and the message production gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyRejection {
    /// `RequestBody` for what the SDK refused, `""` for an empty body.
    pub(crate) key: &'static str,
    /// The SDK's (or System.Text.Json's, or ASP.NET Core's) message.
    pub(crate) message: String,
}

/// What the SDK read: the attributes production serializes, in the order sent (data last).
pub(crate) type Attributes = Map<String, Value>;

const REQUEST_BODY: &str = "RequestBody";

/// The event in `body` as the SDK reads it, or the model-state error production answers.
pub(crate) fn read_structured(body: &[u8]) -> Result<Attributes, BodyRejection> {
    if body.is_empty() {
        return Err(BodyRejection {
            key: "",
            message: "A non-empty request body is required.".into(),
        });
    }
    decode(body).map_err(|message| BodyRejection {
        key: REQUEST_BODY,
        message,
    })
}

fn decode(body: &[u8]) -> Result<Attributes, String> {
    let properties = match serde_json::from_slice::<Root>(body).map_err(|e| json_error(&e, body))? {
        Root::Object(properties) => properties,
        Root::Other(kind) => {
            return Err(format!(
                "Cannot decode JSON element of kind '{kind}' as CloudEvent"
            ));
        }
    };
    // `TryGetProperty` finds the last of a repeated name.
    let last = |name: &str| {
        properties
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v)
    };
    match last("specversion") {
        Some(Value::String(version)) if version == "1.0" => {}
        Some(Value::String(version)) => {
            return Err(format!("Unsupported CloudEvents spec version '{version}'"));
        }
        _ => return Err("Structured mode content does not represent a CloudEvent".into()),
    }
    let mut attributes = Map::new();
    attributes.insert("specversion".into(), Value::String("1.0".into()));
    for (name, value) in &properties {
        if matches!(name.as_str(), "specversion" | "data" | "data_base64") {
            continue;
        }
        if let Some(text) = attribute_text(name, value)? {
            attributes.insert(name.clone(), Value::String(text));
        }
    }
    add_data(&mut attributes, last("data"), last("data_base64"))?;
    let missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|name| !attributes.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "CloudEvent is missing required attributes: {} (Parameter 'data')",
            missing.join(", ")
        ));
    }
    Ok(attributes)
}

/// One property as the SDK takes it: its token type checked for a context attribute, turned
/// into text (`null` drops it), then parsed and checked for its attribute's type.
fn attribute_text(name: &str, value: &Value) -> Result<Option<String>, String> {
    let attribute = context_attribute(name);
    if let Some(attribute) = attribute
        && !matches!(value, Value::String(_) | Value::Null)
    {
        return Err(format!(
            "Invalid token type '{}' for CloudEvent attribute '{name}' with type '{}'",
            kind(value),
            attribute.kind.name()
        ));
    }
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        // `JsonElement.GetInt32`: anything but a 32-bit integer throws.
        Value::Number(number) => number
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or("One of the identified items was in an invalid format.")?
            .to_string(),
        Value::Array(_) | Value::Object(_) => {
            return Err(format!(
                "Invalid token type '{}' for CloudEvent attribute",
                kind(value)
            ));
        }
    };
    if attribute.is_none() {
        check_extension_name(name)?;
    }
    check_attribute_text(name, attribute, &text)?;
    Ok(Some(text))
}

/// An extension's name: lower-case ASCII letters and digits.
fn check_extension_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Attribute names must be non-empty (Parameter 'name')".into());
    }
    match name
        .chars()
        .find(|c| !c.is_ascii_lowercase() && !c.is_ascii_digit())
    {
        Some(c) => Err(format!(
            "Invalid character '{c}' in attribute name '{name}' (Parameter 'name')"
        )),
        None => Ok(()),
    }
}

/// `data` or `data_base64` (a `null` one counts as absent), with the content type inferred.
fn add_data(
    attributes: &mut Attributes,
    data: Option<&Value>,
    data_base64: Option<&Value>,
) -> Result<(), String> {
    match (
        data.filter(|v| !v.is_null()),
        data_base64.filter(|v| !v.is_null()),
    ) {
        (None, None) => Ok(()),
        (Some(_), Some(_)) => Err(
            "Structured mode content cannot contain both 'data' and 'data_base64' properties."
                .into(),
        ),
        (None, Some(Value::String(base64))) => {
            if !is_base64(base64) {
                return Err("One of the identified items was in an invalid format.".into());
            }
            attributes.insert("data_base64".into(), Value::String(base64.clone()));
            Ok(())
        }
        (None, Some(_)) => {
            Err("Structured mode property 'data_base64' must be a string, when present.".into())
        }
        (Some(data), None) => {
            let content_type = attributes
                .entry("datacontenttype")
                .or_insert_with(|| Value::String("application/json".into()));
            let media = media_type(content_type.as_str().unwrap_or_default());
            let json = media.ends_with("/json") || media.ends_with("+json");
            if !json && !data.is_string() {
                return Err(
                    "CloudEvents with a non-JSON datacontenttype can only have string data values."
                        .into(),
                );
            }
            attributes.insert("data".into(), data.clone());
            Ok(())
        }
    }
}

/// Standard base64 with padding, as `JsonElement.TryGetBytesFromBase64` takes it.
fn is_base64(text: &str) -> bool {
    let bytes = text.as_bytes();
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    bytes.len().is_multiple_of(4)
        && padding <= 2
        && bytes[..bytes.len() - padding]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

/// Whether the SDK can write the event back (`Serialize`, which production calls before it
/// queues the event): `data` of a media type that is neither JSON nor `text/*` cannot be.
pub(crate) fn serializable(attributes: &Attributes) -> bool {
    let Some(Value::String(content_type)) = attributes.get("datacontenttype") else {
        return true;
    };
    let media = media_type(content_type);
    !attributes.contains_key("data")
        || media.ends_with("/json")
        || media.ends_with("+json")
        || media.starts_with("text/")
}

/// `JsonValueKind`'s name for a value.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(true) => "True",
        Value::Bool(false) => "False",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// System.Text.Json's message for a body that is not JSON, modelled (its exact wording per
/// case is not reproduced; the position is).
fn json_error(error: &serde_json::Error, body: &[u8]) -> String {
    let position = format!(
        "LineNumber: {} | BytePositionInLine: {}.",
        error.line().saturating_sub(1),
        error.column()
    );
    if body.iter().all(u8::is_ascii_whitespace) {
        return format!(
            "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, while reading JSON. {position}"
        );
    }
    format!("{} {position}", crate::domain::json::json_reason(error))
}

/// The document's root: an object's properties in the order sent (repeats kept), or the
/// kind of anything else.
enum Root {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Root {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Root, D::Error> {
        deserializer.deserialize_any(RootVisitor)
    }
}

struct RootVisitor;

impl<'de> Visitor<'de> for RootVisitor {
    type Value = Root;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Root, A::Error> {
        let mut properties = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            properties.push(entry);
        }
        Ok(Root::Object(properties))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Root, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Root::Other("Array"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Root, E> {
        Ok(Root::Other("String"))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Root, E> {
        Ok(Root::Other(if value { "True" } else { "False" }))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Root, E> {
        Ok(Root::Other("Number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Root, E> {
        Ok(Root::Other("Number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Root, E> {
        Ok(Root::Other("Number"))
    }

    fn visit_unit<E>(self) -> Result<Root, E> {
        Ok(Root::Other("Null"))
    }
}

#[cfg(test)]
mod tests;
