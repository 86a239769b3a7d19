//! The document cache: query texts already parsed, so a query sent again (with other
//! variables, say) is not parsed again. Parsing was a fifth of a small query's instructions
//! (callgrind, BENCHMARKS.md). A parsed document depends on the text alone, not on the store,
//! so no write invalidates it. Validation results are kept apart, by text, operation name and
//! variables (`crate::graphql::Validated`).

use async_graphql::parser::types::ExecutableDocument;

use crate::bounded::Bounded;

/// Longer texts are parsed every time: a cache bounded by entries must not hold 1,000 bodies
/// of 256 KiB (mostly comments pass the token limit). Real queries are far shorter.
const LONGEST_KEPT: usize = 8 * 1024;

pub struct Documents(Bounded<String, ExecutableDocument>);

impl Documents {
    /// A cache of at most `entries` documents (least recently used go first); 0: none.
    pub fn new(entries: usize) -> Documents {
        Documents(Bounded::new(entries))
    }

    /// The document of `query`, parsed now or before; `None` when it does not parse (execution
    /// then reports the syntax error).
    pub fn parse(&self, query: &str) -> Option<ExecutableDocument> {
        if query.len() > LONGEST_KEPT {
            return async_graphql::parser::parse_query(query).ok();
        }
        if let Some(document) = self.0.get(query) {
            return Some(document);
        }
        let document = async_graphql::parser::parse_query(query).ok()?;
        self.0.put(query.to_string(), document.clone());
        Some(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_parsed_once_and_then_found() {
        let documents = Documents::new(2);
        let first = documents.parse("{ a }").expect("parses");
        assert_eq!(documents.0.entries(), 1);
        assert_eq!(format!("{:?}", documents.parse("{ a }")), format!("{:?}", Some(first)));
        assert!(documents.parse("{ a").is_none(), "a syntax error is not kept");
        documents.parse("{ b }");
        documents.parse("{ c }");
        assert_eq!(documents.0.entries(), 2, "bounded");
        assert!(Documents::new(0).parse("{ a }").is_some());
        let long = format!("{{ a }} #{}", "x".repeat(LONGEST_KEPT));
        documents.parse(&long);
        assert!(!documents.0.contains(long.as_str()), "too long to keep");
    }
}
