//! Python's `re.fullmatch` over the `regex` crate, for the `<regex>` matcher and the inline
//! markers. The patterns of the corpus and of the markers use only syntax both engines read
//! alike; a pattern `regex` cannot read is a scenario error, never a silent mismatch.

pub(crate) struct Regex {
    /// The pattern as written, without the anchors (so that patterns can be joined).
    pattern: String,
    compiled: regex::Regex,
}

impl Regex {
    /// Parses a pattern in Python syntax.
    pub(crate) fn parse(pattern: &str) -> Result<Self, String> {
        let compiled = regex::Regex::new(&format!(r"\A(?:{pattern})\z"))
            .map_err(|error| format!("the pattern /{pattern}/ cannot be used: {error}"))?;
        Ok(Self {
            pattern: pattern.to_owned(),
            compiled,
        })
    }

    /// A pattern that matches exactly `text`.
    pub(crate) fn literal(text: &str) -> Result<Self, String> {
        Self::parse(&regex::escape(text))
    }

    /// A pattern that matches the parts one after the other.
    pub(crate) fn concat(parts: &[Regex]) -> Result<Self, String> {
        let pattern: String = parts
            .iter()
            .map(|part| format!("(?:{})", part.pattern))
            .collect();
        Self::parse(&pattern)
    }

    /// Whether the whole of `text` matches (Python's `re.fullmatch`).
    pub(crate) fn full_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(pattern: &str, text: &str) -> bool {
        Regex::parse(pattern).unwrap().full_match(text)
    }

    #[test]
    fn the_bcrypt_hash_pattern_of_the_corpus() {
        let hash = format!("$2a$04${}", "x".repeat(53));
        assert!(full(r"\$2a\$04\$.{53}", &hash));
        assert!(!full(r"\$2a\$04\$.{53}", &format!("{hash}x")));
        assert!(!full(r"\$2a\$04\$.{53}", &hash.replace("$04$", "$10$")));
    }

    #[test]
    fn match_is_over_the_whole_text() {
        assert!(full("ab|abc", "abc"));
        assert!(!full("ab", "abc"));
        assert!(!full("bc", "abc"));
        assert!(full("", ""));
        assert!(!full(".*", "a\nb") && full(r"[\s\S]*?", "a\nb"));
    }

    #[test]
    fn literal_and_concat_build_patterns_without_syntax() {
        let parts = [
            Regex::literal("id (.*) ").unwrap(),
            Regex::parse(r"\d+").unwrap(),
            Regex::literal(".").unwrap(),
        ];
        let pattern = Regex::concat(&parts).unwrap();
        assert!(pattern.full_match("id (.*) 42."));
        assert!(!pattern.full_match("id x 42."));
        assert!(!pattern.full_match("id (.*) 42x"));
    }
}
