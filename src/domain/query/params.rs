//! The query string as ASP.NET Core reads it.
//!
//! Pairs are split on `&` and the first `=`, decoded with `+` as a space, and grouped by key
//! case-insensitively (the group keeps the casing and position of its first key), which is what
//! both model binding (`SIZE=5` binds `size`, a repeated scalar binds its first value) and
//! production's `next` link see.

use std::ops::Range;

/// A decoded query string, grouped by key.
///
/// Held in two allocations whatever the number of pairs: the decoded text of every key and
/// value one after another, and the pairs pointing into it (a `String` per key and value and a
/// `Vec` per key were seven allocations for a query of two parameters, on every request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QueryParams {
    text: String,
    /// In the order sent.
    pairs: Vec<Pair>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pair {
    /// The pair that started this pair's group: the first sent under its key (any casing).
    group: usize,
    key: Range<usize>,
    value: Range<usize>,
}

/// One key with all its values, in the order sent.
#[derive(Debug, Clone)]
pub(crate) struct QueryGroup<'q> {
    /// The key as first sent.
    pub(crate) key: &'q str,
    params: &'q QueryParams,
    start: usize,
}

impl<'q> QueryGroup<'q> {
    /// Every value sent under this key or another casing of it.
    pub(crate) fn values(&self) -> impl Iterator<Item = &'q str> + Clone + use<'q> {
        let (params, start) = (self.params, self.start);
        params.pairs[start..]
            .iter()
            .filter(move |pair| pair.group == start)
            .map(|pair| params.text.get(pair.value.clone()).unwrap_or_default())
    }
}

impl QueryParams {
    /// Parses a raw (still percent-encoded) query string, without the leading `?`.
    pub(crate) fn parse(raw: &str) -> QueryParams {
        // Decoding never lengthens text: one allocation holds it all.
        let mut params = QueryParams {
            text: String::with_capacity(raw.len()),
            pairs: Vec::new(),
        };
        for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = params.push_decoded(key);
            let value = params.push_decoded(value);
            let index = params.pairs.len();
            let group = params
                .group_starts()
                .find(|&start| {
                    let sent = params.text.get(key.clone()).unwrap_or_default();
                    keys_equal(params.key_of(start), sent)
                })
                .unwrap_or(index);
            params.pairs.push(Pair { group, key, value });
        }
        params
    }

    fn push_decoded(&mut self, raw: &str) -> Range<usize> {
        let start = self.text.len();
        decode_into(&mut self.text, raw, Decoding::QueryComponent);
        start..self.text.len()
    }

    /// The pairs that start a group, in order.
    fn group_starts(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.pairs.len()).filter(|&i| self.pairs[i].group == i)
    }

    fn key_of(&self, pair: usize) -> &str {
        self.pairs
            .get(pair)
            .and_then(|pair| self.text.get(pair.key.clone()))
            .unwrap_or_default()
    }

    /// All groups in the order their keys first appeared.
    pub(crate) fn groups(&self) -> impl Iterator<Item = QueryGroup<'_>> {
        self.group_starts().map(|start| QueryGroup {
            key: self.key_of(start),
            params: self,
            start,
        })
    }

    /// The group of `name` (any casing).
    fn group(&self, name: &str) -> Option<QueryGroup<'_>> {
        self.groups().find(|group| keys_equal(group.key, name))
    }

    /// Every value of `name` (any casing).
    pub(crate) fn values(&self, name: &str) -> impl Iterator<Item = &str> + Clone {
        self.group(name)
            .into_iter()
            .flat_map(|group| group.values())
    }

    /// The first value of `name` (any casing), as model binding takes it for a scalar.
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.values(name).next()
    }
}

/// .NET's `OrdinalIgnoreCase`: characters compared by their simple upper-case mapping.
fn keys_equal(a: &str, b: &str) -> bool {
    fn upper(c: char) -> char {
        let mut upper = c.to_uppercase();
        match (upper.next(), upper.next()) {
            (Some(u), None) => u,
            _ => c,
        }
    }
    // Equal ignoring ASCII case is equal; otherwise only non-ASCII text can still match.
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    a.chars().map(upper).eq(b.chars().map(upper))
}

/// Decodes one query component as .NET's `Uri.UnescapeDataString` after `+` → space: valid
/// `%XX` escapes become bytes, escapes that do not form valid UTF-8 stay as written, and a `%`
/// that starts no escape is kept literally. (`form_urlencoded` would substitute U+FFFD for
/// invalid UTF-8 instead, so the `next` link and error messages would differ from production.)
#[cfg(test)]
fn decode_component(raw: &str) -> String {
    decode(raw, Decoding::QueryComponent)
}

/// Decodes one path segment as ASP.NET Core routing does: like a query component, except that
/// `+` stays a plus and `%2F` stays escaped (it must not become a segment separator).
pub(crate) fn decode_path_segment(raw: &str) -> String {
    decode(raw, Decoding::PathSegment)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Decoding {
    QueryComponent,
    PathSegment,
}

fn decode(raw: &str, decoding: Decoding) -> String {
    let mut out = String::with_capacity(raw.len());
    decode_into(&mut out, raw, decoding);
    out
}

/// Appends `raw` decoded to `out`.
fn decode_into(out: &mut String, raw: &str, decoding: Decoding) {
    let bytes = raw.as_bytes();
    // Most components hold nothing to decode: one copy, not a character at a time.
    let plus_decodes = decoding == Decoding::QueryComponent;
    if !bytes
        .iter()
        .any(|&b| b == b'%' || (plus_decodes && b == b'+'))
    {
        out.push_str(raw);
        return;
    }
    let mut escaped_run: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(byte) =
            escape_at(bytes, i).filter(|b| decoding == Decoding::QueryComponent || *b != b'/')
        {
            escaped_run.push(byte);
            i += 3;
            continue;
        }
        flush_escaped(out, &mut escaped_run);
        // `raw` is a &str, so a non-ASCII byte starts a whole character: copy it as is.
        let char_len = utf8_len(bytes[i]);
        let piece = raw.get(i..i + char_len).unwrap_or_default();
        if piece == "+" && decoding == Decoding::QueryComponent {
            out.push(' ');
        } else {
            out.push_str(piece);
        }
        i += char_len.max(1);
    }
    flush_escaped(out, &mut escaped_run);
}

fn utf8_len(first_byte: u8) -> usize {
    match first_byte {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes.get(i) != Some(&b'%') {
        return None;
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let high = hex(*bytes.get(i + 1)?)?;
    let low = hex(*bytes.get(i + 2)?)?;
    u8::try_from(high * 16 + low).ok()
}

fn flush_escaped(out: &mut String, run: &mut Vec<u8>) {
    for chunk in run.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes_and_plus_as_space() {
        assert_eq!(
            decode_component("2022-07-07T13:00:53%2B02:00"),
            "2022-07-07T13:00:53+02:00"
        );
        assert_eq!(
            decode_component("2022-07-07T13:00:53+02:00"),
            "2022-07-07T13:00:53 02:00"
        );
        assert_eq!(decode_component("%C3%A6%20x"), "æ x");
    }

    #[test]
    fn keeps_malformed_and_invalid_utf8_escapes_as_written() {
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%zz%4"), "%zz%4");
        assert_eq!(decode_component("a%FFb%C3"), "a%FFb%C3");
        assert_eq!(decode_component("%ff%C3%A6"), "%FFæ");
    }

    #[test]
    fn path_segments_keep_plus_and_escaped_slashes() {
        assert_eq!(decode_path_segment("apps%2Dtest+x"), "apps-test+x");
        assert_eq!(decode_path_segment("a%2Fb%2fc"), "a%2Fb%2fc");
    }

    #[test]
    fn groups_keys_case_insensitively_at_their_first_position() {
        let query = QueryParams::parse("Type=a&size=5&type=b&SIZE=7&after");
        let keys: Vec<&str> = query.groups().map(|g| g.key).collect();
        assert_eq!(keys, ["Type", "size", "after"]);
        assert_eq!(query.values("TYPE").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(query.first("Size"), Some("5"));
        assert_eq!(query.first("after"), Some(""));
        assert_eq!(query.first("party"), None);
    }

    #[test]
    fn splits_on_the_first_equals_sign_and_skips_empty_pairs() {
        let query = QueryParams::parse("&&a=1=2&=x");
        assert_eq!(query.first("a"), Some("1=2"));
        assert_eq!(query.first(""), Some("x"));
    }
}
