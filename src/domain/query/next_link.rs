//! Production's `next` header.
//!
//! `{base}{path}?after={last id}` followed by `&{key}={value}` for every other query pair: keys
//! grouped case-insensitively at their first position with the casing first sent, only the
//! exact lower-case key `after` dropped, and values written decoded, never re-encoded — so
//! `%2B02:00` comes back as `+02:00`, which the next call reads as a space (a quirk).

use super::params::QueryParams;

/// The link production writes for a page whose last event has id `after`; `None` leaves
/// `after` out (what a fault's stale `next` needs to point at the start of a traversal begun
/// with `from`).
pub(crate) fn link_with(
    base: &str,
    path: &str,
    after: Option<&str>,
    query: &QueryParams,
) -> String {
    // One allocation: the link's length is known before it is written.
    let pairs: usize = query
        .groups()
        .flat_map(|group| {
            let key = group.key.len();
            group.values().map(move |value| key + value.len() + 2)
        })
        .sum();
    let after_len = after.map_or(0, |after| after.len() + 7);
    let mut link = String::with_capacity(base.len() + path.len() + after_len + pairs);
    link.push_str(base);
    link.push_str(path);
    let mut separator = '?';
    if let Some(after) = after {
        link.push_str("?after=");
        link.push_str(after);
        separator = '&';
    }
    for group in query.groups().filter(|group| group.key != "after") {
        for value in group.values() {
            link.push(separator);
            separator = '&';
            link.push_str(group.key);
            link.push('=');
            link.push_str(value);
        }
    }
    link
}

/// Whether Kestrel lets `value` into a response header: visible ASCII, space and tab. Anything
/// else (a decoded `æ`, a control character) makes production throw, so the request gets a 500.
pub(crate) fn is_valid_header_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://localhost:5080";
    const PATH: &str = "/events/api/v1/app/ttd/endring-av-navn-v2";

    fn link(raw_query: &str) -> String {
        link_with(BASE, PATH, Some("NEW"), &QueryParams::parse(raw_query))
    }

    #[test]
    fn reproduces_the_spec_example() {
        assert_eq!(
            link_with(
                BASE,
                PATH,
                Some("e31dbb11-2208-4dda-a549-92a0db8c8808"),
                &QueryParams::parse(
                    "after=e31dbb11-2208-4dda-a549-92a0db8c7708&from=2020-01-01Z&party=1337"
                )
            ),
            "http://localhost:5080/events/api/v1/app/ttd/endring-av-navn-v2?after=e31dbb11-2208-4dda-a549-92a0db8c8808&from=2020-01-01Z&party=1337"
        );
    }

    #[test]
    fn writes_values_decoded_and_not_re_encoded() {
        assert_eq!(
            link("from=2022-07-07T13:00:53%2B02:00"),
            format!("{BASE}{PATH}?after=NEW&from=2022-07-07T13:00:53+02:00")
        );
        assert_eq!(
            link("type=a%26b"),
            format!("{BASE}{PATH}?after=NEW&type=a&b")
        );
    }

    #[test]
    fn groups_repeated_keys_at_their_first_position() {
        assert_eq!(
            link("type=a&size=5&TYPE=b&type=c"),
            format!("{BASE}{PATH}?after=NEW&type=a&type=b&type=c&size=5")
        );
    }

    #[test]
    fn drops_only_the_exact_lower_case_after_key() {
        assert_eq!(
            link("after=x&from=2020-01-01Z&after=y"),
            format!("{BASE}{PATH}?after=NEW&from=2020-01-01Z")
        );
        assert_eq!(
            link("AFTER=x&size=1"),
            format!("{BASE}{PATH}?after=NEW&AFTER=x&size=1")
        );
    }

    #[test]
    fn keeps_valueless_keys_with_an_equals_sign() {
        assert_eq!(
            link("from=2020-01-01Z&flag"),
            format!("{BASE}{PATH}?after=NEW&from=2020-01-01Z&flag=")
        );
    }

    #[test]
    fn header_values_must_be_visible_ascii() {
        assert!(is_valid_header_value("a b\tc~"));
        assert!(!is_valid_header_value("æ"));
        assert!(!is_valid_header_value("a\nb"));
        assert!(!is_valid_header_value("\u{7f}"));
    }
}
