//! PostgreSQL's `ILIKE`, which production uses to match the `type` parameter.
//!
//! `%` matches any run of characters, `_` exactly one, `\` makes the next character literal,
//! and the pattern must match the whole string, ignoring case. A pattern that ends in a lone
//! `\` is an error in PostgreSQL, so production answers 500 for it.

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
}

/// A compiled case-insensitive `LIKE` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LikePattern {
    tokens: Vec<Token>,
}

/// A pattern PostgreSQL refuses: it ends with the escape character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EndsWithEscape;

impl LikePattern {
    /// Compiles `pattern`, lower-casing it as `ILIKE` does.
    pub(crate) fn compile(pattern: &str) -> Result<LikePattern, EndsWithEscape> {
        let mut tokens = Vec::with_capacity(pattern.len());
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '%' => {
                    // Consecutive `%` mean the same as one; keeping one bounds backtracking.
                    if tokens.last() != Some(&Token::AnyRun) {
                        tokens.push(Token::AnyRun);
                    }
                }
                '_' => tokens.push(Token::AnyOne),
                '\\' => {
                    let escaped = chars.next().ok_or(EndsWithEscape)?;
                    tokens.extend(escaped.to_lowercase().map(Token::Literal));
                }
                other => tokens.extend(other.to_lowercase().map(Token::Literal)),
            }
        }
        Ok(LikePattern { tokens })
    }

    /// Whether `text` matches, ignoring case. ASCII text (every event type in practice) is
    /// lower-cased on the fly, so matching allocates nothing: it runs once per candidate event.
    pub(crate) fn matches(&self, text: &str) -> bool {
        if text.is_ascii() {
            let bytes = text.as_bytes();
            self.matches_with(|at| {
                bytes
                    .get(at)
                    .map(|b| (char::from(b.to_ascii_lowercase()), 1))
            })
        } else {
            let lower = text.to_lowercase();
            self.matches_with(|at| {
                lower
                    .get(at..)
                    .and_then(|rest| rest.chars().next())
                    .map(|c| (c, c.len_utf8()))
            })
        }
    }

    /// The matcher, over a text read as `next(offset)` → the lower-cased character there and
    /// its length.
    fn matches_with(&self, next: impl Fn(usize) -> Option<(char, usize)>) -> bool {
        let tokens = &self.tokens;
        let (mut t, mut p) = (0usize, 0usize);
        // Where the last `%` was, and how much text it had taken when we resumed.
        let mut backtrack: Option<(usize, usize)> = None;
        while let Some((c, len)) = next(t) {
            match tokens.get(p) {
                Some(Token::AnyRun) => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(Token::AnyOne) => {
                    p += 1;
                    t += len;
                }
                Some(Token::Literal(literal)) if *literal == c => {
                    p += 1;
                    t += len;
                }
                _ => match backtrack {
                    Some((star, taken)) => {
                        let skipped = next(taken).map_or(1, |(_, len)| len);
                        p = star + 1;
                        t = taken + skipped;
                        backtrack = Some((star, t));
                    }
                    None => return false,
                },
            }
        }
        tokens[p..].iter().all(|token| *token == Token::AnyRun)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, text: &str) -> bool {
        LikePattern::compile(pattern).unwrap().matches(text)
    }

    #[test]
    fn a_plain_pattern_matches_the_whole_string_ignoring_case() {
        assert!(like("app.instance.created", "app.instance.created"));
        assert!(like("APP.Instance.CREATED", "app.instance.created"));
        assert!(!like("app.instance", "app.instance.created"));
        assert!(!like("app.instance.created", "app.instance.created2"));
    }

    #[test]
    fn percent_matches_any_run_and_underscore_one_character() {
        assert!(like(
            "app.instance.process.%",
            "app.instance.process.movedTo.Task_1"
        ));
        assert!(like("%created", "app.instance.created"));
        assert!(like("%", ""));
        assert!(like(
            "app.instance.process.movedTo.Task__",
            "app.instance.process.movedTo.Task_1"
        ));
        assert!(!like(
            "app.instance.process.movedTo.Task__",
            "app.instance.process.movedTo.Task_"
        ));
        assert!(like("a%b%c", "aXXbYYbc"));
        assert!(!like("a%b%c", "aXXbYYb"));
    }

    #[test]
    fn backslash_escapes_wildcards() {
        assert!(like(r"100\%", "100%"));
        assert!(!like(r"100\%", "1000"));
        assert!(like(r"Task\_1", "Task_1"));
        assert!(!like(r"Task\_1", "TaskX1"));
        assert!(like(r"a\\b", r"a\b"));
    }

    #[test]
    fn matches_multibyte_text() {
        assert!(like("æ_ø%", "ÆxØyz"));
        assert!(like("%å", "blåbær på å"));
        assert!(!like("_", "ææ"));
    }

    #[test]
    fn a_trailing_escape_is_an_error() {
        assert_eq!(LikePattern::compile(r"abc\"), Err(EndsWithEscape));
    }

    #[test]
    fn a_comma_is_just_a_character() {
        assert!(!like(
            "app.instance.created,app.instance.process.completed",
            "app.instance.created"
        ));
    }
}
