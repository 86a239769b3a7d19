//! Languages as BCP 47 primary tags, limited to those the series can contain.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Languages an item can be in. A closed list, so a typo (`"ger"`) is caught when the seed loads.
pub const KNOWN_LANGUAGES: &[&str] = &["en", "de", "fr", "it", "zh"];

/// A BCP 47 language tag from [`KNOWN_LANGUAGES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}` (known: en, de, fr, it, zh)")]
pub struct LanguageError(pub String);

impl Language {
    pub fn parse(s: &str) -> Result<Language, LanguageError> {
        if KNOWN_LANGUAGES.contains(&s) {
            Ok(Language(s.to_string()))
        } else {
            Err(LanguageError(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Language {
    type Error = LanguageError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Language::parse(&s)
    }
}

impl From<Language> for String {
    fn from(l: Language) -> String {
        l.0
    }
}
