//! Namespace names: what a path segment carries as it is, so `/ns/{name}` needs no decoding
//! and a `baseUrl` needs no encoding.

/// The longest name.
const MAX_LEN: usize = 64;

/// Refuses a name that is not 1 to 64 letters, digits, `-`, `_` and `.`, starting with a
/// letter or digit (so never `.` or `..`).
pub(super) fn check(name: &str) -> Result<(), String> {
    let starts_well = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric());
    let all_allowed = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if starts_well && all_allowed && name.len() <= MAX_LEN {
        Ok(())
    } else {
        Err(format!(
            "the name {name:?} is not 1 to {MAX_LEN} letters, digits, '-', '_' and '.', starting with a letter or digit"
        ))
    }
}

/// `ns-` and 12 random hex digits.
pub(super) fn generated_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("ns-{}", &id[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_path_segments() {
        for name in ["alpha", "A", "suite-1.test_2", &"x".repeat(64), "9"] {
            assert_eq!(check(name), Ok(()), "{name}");
        }
        for name in [
            "",
            ".",
            "..",
            "-a",
            "a/b",
            "a b",
            "ä",
            "a%2Fb",
            "a?b",
            &"x".repeat(65),
        ] {
            assert!(check(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn generated_names_are_valid_and_differ() {
        let (a, b) = (generated_name(), generated_name());
        assert_eq!(check(&a), Ok(()));
        assert_eq!(a.len(), 15);
        assert_ne!(a, b);
    }
}
