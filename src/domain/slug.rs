//! Slugs: lowercase ASCII words joined by `-`, the stable human key of every entity.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated slug (`tauno-tohk`, `talk-at-the-library-2019`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a slug (lowercase ASCII letters and digits joined by single `-`, at most 100 characters)"
)]
pub struct SlugError(pub String);

impl Slug {
    pub fn parse(s: &str) -> Result<Slug, SlugError> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.split('-')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if ok {
            Ok(Slug(s.to_string()))
        } else {
            Err(SlugError(s.to_string()))
        }
    }

    /// Derives a slug from a name: diacritics folded, words joined by `-` (`Tauno Tõhk` → `tauno-tohk`).
    pub fn from_name(name: &str) -> Option<Slug> {
        let ascii = deunicode::deunicode(name).to_ascii_lowercase();
        let words: Vec<&str> =
            ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
        Slug::parse(&words.join("-")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_names() {
        assert_eq!(Slug::from_name("Tauno Tõhk").as_ref().map(Slug::as_str), Some("tauno-tohk"));
        assert_eq!(Slug::from_name("Mirjam Meissner").as_ref().map(Slug::as_str), Some("mirjam-meissner"));
    }

    #[test]
    fn rejects_non_slugs() {
        for s in ["", "Kaiser", "a--b", "-a", "a-", "a b", "tõhk"] {
            assert!(Slug::parse(s).is_err(), "{s}");
        }
        assert!(Slug::parse("part-3").is_ok());
    }
}
