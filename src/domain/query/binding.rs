//! Model binding: turning the decoded query and the `person` header into typed parameters the
//! way ASP.NET Core binds production's action parameters, errors and all (spec §1, rule B).

use super::datetime::{NetDateTime, parse_net_datetime};
use super::params::QueryParams;

/// Production's action parameters after binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BoundQuery {
    /// `after`; blank binds as absent.
    pub after: Option<String>,
    /// `from`; blank binds as absent.
    pub from: Option<NetDateTime>,
    /// `to`; blank binds as absent.
    pub to: Option<NetDateTime>,
    /// `party`, default 0.
    pub party: i32,
    /// `unit`; blank binds as absent.
    pub unit: Option<String>,
    /// The `person` **header**, all its lines joined by commas as .NET joins them for a
    /// scalar; blank binds as absent.
    pub person: Option<String>,
    /// Every `type` value; a blank one binds as `None` (SQL `NULL`, which matches nothing).
    pub types: Vec<Option<String>>,
    /// Every `source` value, as `types` (only the party query declares it).
    pub sources: Vec<Option<String>>,
    /// `size`, default 50.
    pub size: i32,
}

/// Binding failures keyed by parameter name, in production's parameter order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BindingErrors {
    /// `(parameter, message)` pairs.
    pub errors: Vec<(&'static str, String)>,
}

impl BindingErrors {
    /// ASP.NET Core's ModelStateDictionary keeps its keys ordered by length, then by
    /// case-insensitive text, and the problem body lists them in that order.
    pub(super) fn in_model_state_order(mut self) -> BindingErrors {
        self.errors
            .sort_by_key(|(key, _)| (key.len(), key.to_ascii_lowercase()));
        self
    }
}

const DEFAULT_SIZE: i32 = 50;

/// Binds `query` and the `person` header values as production binds its parameters.
pub(crate) fn bind(
    query: &QueryParams,
    person_header: &[&str],
) -> Result<BoundQuery, BindingErrors> {
    let mut errors = BindingErrors::default();
    let from = bind_datetime(query, "from", &mut errors);
    let to = bind_datetime(query, "to", &mut errors);
    let party = bind_int(query, "party", 0, &mut errors);
    let size = bind_int(query, "size", DEFAULT_SIZE, &mut errors);
    if !errors.errors.is_empty() {
        return Err(errors.in_model_state_order());
    }
    Ok(BoundQuery {
        after: non_blank(query.first("after")),
        from,
        to,
        party,
        unit: non_blank(query.first("unit")),
        person: non_blank(Some(&person_header.join(","))),
        types: list(query, "type"),
        sources: list(query, "source"),
        size,
    })
}

/// A repeatable parameter: every value, a blank one as `None`.
pub(super) fn list(query: &QueryParams, name: &str) -> Vec<Option<String>> {
    query.values(name).map(|v| non_blank(Some(v))).collect()
}

/// ASP.NET Core binds a blank string (empty or white space) as `null`.
pub(super) fn non_blank(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).map(str::to_owned)
}

/// The value model binding reports in an error: every value sent, joined by commas.
fn attempted_value(query: &QueryParams, name: &str) -> String {
    query.values(name).collect::<Vec<_>>().join(",")
}

fn bind_datetime(
    query: &QueryParams,
    name: &'static str,
    errors: &mut BindingErrors,
) -> Option<NetDateTime> {
    let raw = query.first(name)?;
    if raw.trim().is_empty() {
        return None;
    }
    let parsed = parse_net_datetime(raw);
    if parsed.is_none() {
        let attempted = attempted_value(query, name);
        errors
            .errors
            .push((name, format!("The value '{attempted}' is not valid.")));
    }
    parsed
}

pub(super) fn bind_int(
    query: &QueryParams,
    name: &'static str,
    default: i32,
    errors: &mut BindingErrors,
) -> i32 {
    let Some(raw) = query.first(name) else {
        return default;
    };
    // The attempted value is written only for an error: it costs an allocation.
    let attempted = || attempted_value(query, name);
    if raw.trim().is_empty() {
        let message = format!("The value '{}' is invalid.", attempted());
        errors.errors.push((name, message));
        return default;
    }
    parse_int32(raw).unwrap_or_else(|| {
        let message = format!("The value '{}' is not valid.", attempted());
        errors.errors.push((name, message));
        default
    })
}

/// .NET's `Int32Converter`: trimmed; `#`, `0x` or `&h` introduces up to eight hex digits read
/// as two's complement; otherwise an optional sign and decimal digits within `i32`.
pub(crate) fn parse_int32(raw: &str) -> Option<i32> {
    let text = raw.trim();
    let hex = text
        .strip_prefix('#')
        .or_else(|| strip_prefix_ignore_case(text, "0x"))
        .or_else(|| strip_prefix_ignore_case(text, "&h"));
    if let Some(digits) = hex {
        // Convert.ToInt32(s, 16) accepts its own `0x` prefix once more.
        let digits = strip_prefix_ignore_case(digits, "0x").unwrap_or(digits);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let value = u32::from_str_radix(without_leading_zeros(digits), 16).ok()?;
        return Some(value as i32);
    }
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = without_leading_zeros(digits).parse().ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i32::try_from(value).ok()
}

/// Leading zeros do not count towards the digit limits of `i64`/`u32` parsing.
fn without_leading_zeros(digits: &str) -> &str {
    match digits.trim_start_matches('0') {
        "" => "0",
        rest => rest,
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind_query(raw: &str) -> Result<BoundQuery, BindingErrors> {
        bind(&QueryParams::parse(raw), &[])
    }

    #[test]
    fn parses_ints_as_dotnet_does() {
        assert_eq!(parse_int32(" 42 "), Some(42));
        assert_eq!(parse_int32("+7"), Some(7));
        assert_eq!(parse_int32("-5"), Some(-5));
        assert_eq!(parse_int32("0x10"), Some(16));
        assert_eq!(parse_int32("&HfF"), Some(255));
        assert_eq!(parse_int32("#FFFFFFFF"), Some(-1));
        assert_eq!(parse_int32("2147483647"), Some(i32::MAX));
        assert_eq!(parse_int32("-2147483648"), Some(i32::MIN));
        for bad in [
            "",
            "abc",
            "1.0",
            "2147483648",
            "1e3",
            "0x",
            "0x1FFFFFFFF",
            "- 1",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_int32(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn applies_defaults_and_binds_blank_strings_as_absent() {
        let bound = bind_query("after=%20&unit=&type=&type=a").unwrap();
        assert_eq!(bound.size, 50);
        assert_eq!(bound.party, 0);
        assert_eq!(bound.after, None);
        assert_eq!(bound.unit, None);
        assert_eq!(bound.types, vec![None, Some("a".to_owned())]);
        assert_eq!(bind_query("from=&to=%20").unwrap().from, None);
    }

    #[test]
    fn reports_each_bad_parameter_ordered_as_model_state_orders_keys() {
        let errors = bind_query("size=abc&party=&to=x&from=nope").unwrap_err();
        assert_eq!(
            errors.errors,
            vec![
                ("to", "The value 'x' is not valid.".to_owned()),
                ("from", "The value 'nope' is not valid.".to_owned()),
                ("size", "The value 'abc' is not valid.".to_owned()),
                ("party", "The value '' is invalid.".to_owned()),
            ]
        );
    }

    #[test]
    fn an_error_quotes_every_value_of_a_repeated_parameter() {
        let errors = bind_query("size=abc&size=5&party=&party=7").unwrap_err();
        assert_eq!(
            errors.errors,
            vec![
                ("size", "The value 'abc,5' is not valid.".to_owned()),
                ("party", "The value ',7' is invalid.".to_owned()),
            ]
        );
    }

    #[test]
    fn a_repeated_scalar_binds_its_first_value_whatever_its_casing() {
        let bound = bind_query("SIZE=5&size=abc&After=x&after=y").unwrap();
        assert_eq!(bound.size, 5);
        assert_eq!(bound.after.as_deref(), Some("x"));
    }

    #[test]
    fn person_comes_from_the_header_only_whole() {
        let query = QueryParams::parse("person=01038712345");
        assert_eq!(bind(&query, &[]).unwrap().person, None);
        let bound = bind(&query, &["01038712345"]).unwrap();
        assert_eq!(bound.person.as_deref(), Some("01038712345"));
        // A scalar header binds whole: production then finds it is not 11 digits.
        let bound = bind(&query, &["01038712345, 999"]).unwrap();
        assert_eq!(bound.person.as_deref(), Some("01038712345, 999"));
        let bound = bind(&query, &["01038712345", "999"]).unwrap();
        assert_eq!(bound.person.as_deref(), Some("01038712345,999"));
        assert_eq!(bind(&query, &["  "]).unwrap().person, None);
    }
}
