//! PostgreSQL's `LIKE` and `ILIKE`: production's app queries match `type` and `source` with
//! `ILIKE` (ignoring case), the generic events query matches `type` with `LIKE`.
//!
//! `%` matches any run of characters, `_` exactly one, `\` makes the next character literal,
//! and the pattern must match the whole string. A pattern that ends in a lone `\` is an error
//! in PostgreSQL, so production answers 500 for it.

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
}

/// A compiled `LIKE` (case-sensitive) or `ILIKE` (case-insensitive) pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LikePattern {
    tokens: Vec<Token>,
    ignore_case: bool,
}

/// A pattern PostgreSQL refuses: it ends with the escape character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EndsWithEscape;

impl LikePattern {
    /// Compiles `pattern` for `ILIKE`, lower-casing it as `ILIKE` does.
    pub(crate) fn compile(pattern: &str) -> Result<LikePattern, EndsWithEscape> {
        LikePattern::compile_with(pattern, true)
    }

    /// Compiles `pattern` for `LIKE`, which compares case-sensitively.
    pub(crate) fn compile_case_sensitive(pattern: &str) -> Result<LikePattern, EndsWithEscape> {
        LikePattern::compile_with(pattern, false)
    }

    fn compile_with(pattern: &str, ignore_case: bool) -> Result<LikePattern, EndsWithEscape> {
        let fold = |c: char, tokens: &mut Vec<Token>| {
            if ignore_case {
                tokens.extend(c.to_lowercase().map(Token::Literal));
            } else {
                tokens.push(Token::Literal(c));
            }
        };
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
                '\\' => fold(chars.next().ok_or(EndsWithEscape)?, &mut tokens),
                other => fold(other, &mut tokens),
            }
        }
        Ok(LikePattern {
            tokens,
            ignore_case,
        })
    }

    /// The literal text every match starts with (up to the first wildcard), lower-cased for
    /// `ILIKE`: what an index of values can narrow a search by.
    pub(crate) fn literal_prefix(&self) -> String {
        self.tokens
            .iter()
            .map_while(|token| match token {
                Token::Literal(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Whether `text` matches (ignoring case for `ILIKE`). ASCII text (every event type in
    /// practice) is lower-cased on the fly, so matching allocates nothing: it runs once per
    /// candidate event.
    pub(crate) fn matches(&self, text: &str) -> bool {
        if !self.ignore_case {
            return self
                .matches_with(|at| text.get(at..)?.chars().next().map(|c| (c, c.len_utf8())));
        }
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
    fn like_without_i_compares_case() {
        let like = |pattern: &str, text: &str| {
            LikePattern::compile_case_sensitive(pattern)
                .unwrap()
                .matches(text)
        };
        assert!(like(
            "no.altinn.%",
            "no.altinn.broker.filetransferinitialized"
        ));
        assert!(!like(
            "No.Altinn.%",
            "no.altinn.broker.filetransferinitialized"
        ));
        assert!(like("Æ_", "Æx"));
        assert!(!like("æ_", "Æx"));
    }

    #[test]
    fn the_literal_prefix_stops_at_the_first_wildcard() {
        let prefix = |pattern: &str| LikePattern::compile(pattern).unwrap().literal_prefix();
        assert_eq!(prefix("HTTPS://ttd/%/x"), "https://ttd/");
        assert_eq!(prefix(r"a\%b_c"), "a%b");
        assert_eq!(prefix("%a"), "");
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
