//! JSON written the way production writes it.
//!
//! Production stores events as PostgreSQL `jsonb` and serialises every response with
//! System.Text.Json. Two visible consequences are reproduced here: object keys come out in
//! `jsonb` order (shorter key first, equal lengths bytewise), and strings use System.Text.Json's
//! default escaping, which writes `"`, `'`, `&`, `+`, `<`, `>`, `` ` `` and every non-ASCII
//! character as `\uXXXX`. A JSON parser reads the same values either way; a byte-for-byte
//! comparison with a captured production response only matches this way.

use std::cmp::Ordering;

use serde_json::Value;

/// Orders object keys as PostgreSQL `jsonb` stores them: by length, then bytewise.
pub(crate) fn jsonb_key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Appends `s` as a JSON string literal, escaped as System.Text.Json escapes by default;
/// says whether it went in as it is (nothing needed escaping).
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) -> bool {
    out.push(b'"');
    // Most strings (ids, URLs, types) need no escaping at all: copy them in one go.
    if s.bytes().all(|b| PASSES_AS_IS[usize::from(b)]) {
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return true;
    }
    let mut utf16 = [0u16; 2];
    for c in s.chars() {
        match c {
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '"' | '\'' | '&' | '+' | '<' | '>' | '`' => write_unicode_escape(out, c as u16),
            ' '..='~' => out.push(c as u8),
            _ => {
                for unit in c.encode_utf16(&mut utf16) {
                    write_unicode_escape(out, *unit);
                }
            }
        }
    }
    out.push(b'"');
    false
}

/// Which bytes System.Text.Json writes as they are: printable ASCII but `\\ " ' & + < > \``.
const PASSES_AS_IS: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = b' ';
    while byte <= b'~' {
        table[byte as usize] = !matches!(
            byte,
            b'\\' | b'"' | b'\'' | b'&' | b'+' | b'<' | b'>' | b'`'
        );
        byte += 1;
    }
    table
};

fn write_unicode_escape(out: &mut Vec<u8>, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xF)]);
    }
}

/// Appends `value` compactly, with object keys in `jsonb` order and strings escaped as
/// System.Text.Json escapes them.
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => {
            write_str(out, s);
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| jsonb_key_order(a.0, b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// Renders `s` as a JSON string literal (see [`write_str`]).
/// serde_json's reason without the position it appends (callers say where).
pub(crate) fn json_reason(error: &serde_json::Error) -> String {
    // serde_json appends " at line L column C", which the location already says.
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
fn string_literal(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    // Only ASCII is ever written.
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_sensitive_characters_and_quotes_as_unicode() {
        assert_eq!(
            string_literal(r#"a"b'c&d+e<f>g`h\i"#),
            r#""a\u0022b\u0027c\u0026d\u002Be\u003Cf\u003Eg\u0060h\\i""#
        );
    }

    #[test]
    fn escapes_control_and_non_ascii_characters() {
        assert_eq!(
            string_literal("\n\r\t\u{8}\u{c}\u{1}\u{7f}"),
            r#""\n\r\t\b\f\u0001\u007F""#
        );
        assert_eq!(string_literal("æ😀"), r#""\u00E6\uD83D\uDE00""#);
    }

    #[test]
    fn orders_keys_by_length_then_bytes() {
        let value: Value =
            serde_json::from_str(r#"{"subject":1,"id":2,"type":3,"time":4,"b":{"zz":1,"a":2}}"#)
                .unwrap();
        let mut out = Vec::new();
        write_value(&mut out, &value);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"b":{"a":2,"zz":1},"id":2,"time":4,"type":3,"subject":1}"#
        );
    }

    #[test]
    fn escaped_output_parses_back_to_the_same_value() {
        let original = "quote\" apostrophe' plus+ æøå 😀 \u{0} tab\t";
        let parsed: String = serde_json::from_str(&string_literal(original)).unwrap();
        assert_eq!(parsed, original);
    }
}
