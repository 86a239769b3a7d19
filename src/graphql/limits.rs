//! Query limits, the cost report, and the error codes of the errors the GraphQL engine raises.
//!
//! [`LimitsOfOneRequest`] refuses a document before anything runs: too many tokens (checked
//! before it is parsed), too many fields, aliases, directives or root fields (checked on the
//! parsed document), too deep or too costly (checked after validation, with the depth and
//! complexity the engine computed). Each refusal names the limit, its maximum and the value
//! found. async-graphql reports its own parse and validation errors without an
//! `extensions.code`; [`with_code`] adds one, so every error a client sees has a code.

use std::sync::Mutex;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Response, ServerError, ServerResult, ValidationResult};

use super::connection::MAX_PAGE_SIZE;
use crate::store::DEFAULT_PAGE_SIZE;

/// Deepest query accepted: the standard introspection query needs about 15 levels.
pub const MAX_DEPTH: usize = 24;

/// Largest query complexity accepted. Every field costs 1, and a list field costs its page size
/// times what it selects, so nested lists cannot multiply into millions of resolutions.
pub const MAX_COMPLEXITY: usize = 10_000;

/// The limits on one GraphQL document; [`QueryLimits::default`] is what `serve` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub depth: usize,
    pub complexity: usize,
    /// Fields selected anywhere in the document (fragments counted once).
    pub fields: usize,
    pub aliases: usize,
    pub directives: usize,
    /// Fields at the top of the operation.
    pub root_fields: usize,
    /// Lexical tokens (names, punctuation, values), counted before parsing.
    pub tokens: usize,
}

impl Default for QueryLimits {
    /// Generous for any real client (the introspection query GraphiQL sends has about 90
    /// fields and 400 tokens), small enough that no document costs the server much.
    fn default() -> Self {
        QueryLimits {
            depth: MAX_DEPTH,
            complexity: MAX_COMPLEXITY,
            fields: 500,
            aliases: 50,
            directives: 50,
            root_fields: 20,
            tokens: 5_000,
        }
    }
}

/// The cost multiplier of a paged list: the page size the client asked for.
pub fn page_cost(first: Option<i32>, last: Option<i32>) -> usize {
    first.or(last).map_or(DEFAULT_PAGE_SIZE, |n| n.clamp(1, MAX_PAGE_SIZE) as usize)
}

/// The complexity of a list field: its page size times what each item selects, plus one.
/// Capped, so that the engine's sums of nested costs can never overflow.
pub fn list_cost(page: usize, child_complexity: usize) -> usize {
    page.saturating_mul(child_complexity).saturating_add(1).min(1 << 40)
}

/// Request data: the client asked for `extensions.cost` in the answer.
#[derive(Debug, Clone, Copy)]
pub struct ReportCost;

/// Enforces [`QueryLimits`] on one request, refuses introspection when it is off, and reports
/// the cost when asked. Called by the request's [`super::guard`].
pub struct LimitsOfOneRequest {
    pub limits: QueryLimits,
    pub introspection: bool,
    /// (complexity, depth), once validated.
    cost: Mutex<Option<(usize, usize)>>,
}

impl LimitsOfOneRequest {
    pub fn new(limits: QueryLimits, introspection: bool) -> Self {
        LimitsOfOneRequest { limits, introspection, cost: Mutex::new(None) }
    }

    /// Before parsing: the token count.
    pub fn check_text(&self, query: &str) -> ServerResult<()> {
        let tokens = count_tokens(query);
        if tokens > self.limits.tokens {
            return Err(refusal("BAD_REQUEST", "tokens", self.limits.tokens, tokens));
        }
        Ok(())
    }

    /// After parsing: the document's shape, and introspection.
    pub fn check_document(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let shape = Shape::of(document);
        let checks = [
            ("fields", self.limits.fields, shape.fields),
            ("aliases", self.limits.aliases, shape.aliases),
            ("directives", self.limits.directives, shape.directives),
            ("rootFields", self.limits.root_fields, shape.root_fields),
        ];
        for (name, max, found) in checks {
            if found > max {
                return Err(refusal("QUERY_TOO_COMPLEX", name, max, found));
            }
        }
        if shape.introspects && !self.introspection {
            let mut error = ServerError::new(
                "introspection (`__schema`, `__type`) is switched off on this server; `__typename` works",
                None,
            );
            error.extensions.get_or_insert_with(Default::default).set("code", "INTROSPECTION_DISABLED");
            return Err(error);
        }
        Ok(())
    }

    /// After validation: depth and complexity, as the engine computed them.
    pub fn check_validated(&self, result: &ValidationResult) -> Result<(), Vec<ServerError>> {
        for (name, max, found) in [
            ("depth", self.limits.depth, result.depth),
            ("complexity", self.limits.complexity, result.complexity),
        ] {
            if found > max {
                return Err(vec![refusal("QUERY_TOO_COMPLEX", name, max, found)]);
            }
        }
        if let Ok(mut cost) = self.cost.lock() {
            *cost = Some((result.complexity, result.depth));
        }
        Ok(())
    }

    /// The answer, with its cost in `extensions.cost` when `report` (the client asked).
    pub fn with_cost(&self, response: Response, report: bool) -> Response {
        match self.cost.lock().ok().and_then(|c| *c) {
            Some((complexity, depth)) if report => {
                let report = async_graphql::value!({
                    "complexity": complexity,
                    "maxComplexity": self.limits.complexity,
                    "depth": depth,
                    "maxDepth": self.limits.depth,
                });
                response.extension("cost", report)
            }
            _ => response,
        }
    }
}

/// A refusal: which limit, its maximum and what the document has.
fn refusal(code: &str, limit: &str, max: usize, found: usize) -> ServerError {
    let mut error = ServerError::new(
        format!("the query is over the `{limit}` limit: it has {found}, the most allowed is {max}"),
        None,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code);
    extensions.set("limit", limit);
    extensions.set("max", max as u64);
    extensions.set("found", found as u64);
    error
}

/// Counts the lexical tokens of a GraphQL document in one pass, before the parser builds
/// anything. Whitespace, commas and comments are not tokens; a string is one token.
pub fn count_tokens(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut count) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
                count += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                count += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                i += 3;
                count += 1;
            }
            c if c == b'_' || c.is_ascii_alphanumeric() || c == b'-' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i] == b'_'
                        || bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'.'
                        || bytes[i] == b'+'
                        || bytes[i] == b'-')
                {
                    // Names, and numbers with their sign, fraction and exponent.
                    if (bytes[i] == b'.' || bytes[i] == b'+' || bytes[i] == b'-')
                        && !bytes[i - 1].is_ascii_digit()
                        && bytes[i - 1] != b'e'
                        && bytes[i - 1] != b'E'
                    {
                        break;
                    }
                    i += 1;
                }
                count += 1;
            }
            _ => {
                // Punctuation, or anything else (the parser will refuse what is not GraphQL).
                i += 1;
                count += 1;
            }
        }
    }
    count
}

/// What a document is made of.
#[derive(Debug, Default, PartialEq, Eq)]
struct Shape {
    fields: usize,
    aliases: usize,
    directives: usize,
    root_fields: usize,
    /// Whether it selects `__schema` or `__type`.
    introspects: bool,
}

impl Shape {
    fn of(document: &ExecutableDocument) -> Shape {
        let mut shape = Shape::default();
        let operations: Vec<&OperationDefinition> = match &document.operations {
            DocumentOperations::Single(op) => vec![&op.node],
            DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
        };
        for op in operations {
            shape.directives += op.directives.len();
            shape.directives +=
                op.variable_definitions.iter().map(|v| v.node.directives.len()).sum::<usize>();
            let roots =
                op.selection_set.node.items.iter().filter(|s| matches!(s.node, Selection::Field(_))).count();
            shape.root_fields = shape.root_fields.max(roots);
            shape.add(&op.selection_set.node);
        }
        for fragment in document.fragments.values() {
            shape.directives += fragment.node.directives.len();
            shape.add(&fragment.node.selection_set.node);
        }
        shape
    }

    fn add(&mut self, set: &SelectionSet) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(f) => {
                    self.fields += 1;
                    self.introspects |= matches!(f.node.name.node.as_str(), "__schema" | "__type");
                    self.aliases += usize::from(f.node.alias.is_some());
                    self.directives += f.node.directives.len();
                    self.add(&f.node.selection_set.node);
                }
                Selection::FragmentSpread(s) => self.directives += s.node.directives.len(),
                Selection::InlineFragment(f) => {
                    self.directives += f.node.directives.len();
                    self.add(&f.node.selection_set.node);
                }
            }
        }
    }
}

/// Adds `extensions.code` to an error of the engine's own (a parse or validation error), which
/// has none; an error that has a code keeps it.
pub fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_names_values_and_punctuation() {
        assert_eq!(count_tokens("{ a }"), 3);
        assert_eq!(count_tokens("query Q($x: Int = -1.5e3) { a(x: $x) @skip(if: false) }"), 26);
        assert_eq!(count_tokens("{ a(s: \"x, y # z\") } # a comment\n"), 8);
        assert_eq!(count_tokens(r#"{ a(s: """block \""" "quote" """) }"#), 8);
        assert_eq!(count_tokens("{ ...F } fragment F on Q { a }"), 11);
        assert_eq!(count_tokens(&"{ a } ".repeat(1000)), 3000);
    }

    #[test]
    fn the_shape_counts_fields_aliases_directives_and_root_fields() -> Result<(), async_graphql::parser::Error>
    {
        let doc = async_graphql::parser::parse_query(
            "query Q @a { x: a { b @c } d { ...F ... on T @e { g } } } fragment F on T @f { h: i }",
        )?;
        let shape = Shape { fields: 5, aliases: 2, directives: 4, root_fields: 2, introspects: false };
        assert_eq!(Shape::of(&doc), shape);
        assert!(
            Shape::of(&async_graphql::parser::parse_query("{ t: __type(name: \"X\") { name } }")?)
                .introspects
        );
        Ok(())
    }

    #[test]
    fn list_costs_cannot_overflow() {
        assert_eq!(list_cost(20, 3), 61);
        assert_eq!(list_cost(100, usize::MAX), 1 << 40);
    }

    #[test]
    fn page_cost_is_the_requested_page_size() {
        assert_eq!(page_cost(None, None), DEFAULT_PAGE_SIZE);
        assert_eq!(page_cost(Some(100), None), 100);
        assert_eq!(page_cost(None, Some(5)), 5);
        // Out-of-range sizes are rejected by the resolver; here they only must not overflow.
        assert_eq!(page_cost(Some(-3), None), 1);
        assert_eq!(page_cost(Some(i32::MAX), None), 100);
    }
}
