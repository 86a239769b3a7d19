//! Query limits and the error codes of the errors the GraphQL engine itself raises.
//!
//! async-graphql reports parse, validation, depth and complexity errors without an
//! `extensions.code`; [`ErrorCodes`] adds one, so every error a client sees has a code.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use super::connection::MAX_PAGE_SIZE;
use crate::store::DEFAULT_PAGE_SIZE;

/// Deepest query accepted: the standard introspection query needs about 15 levels.
pub const MAX_DEPTH: usize = 24;

/// Largest query complexity accepted. Every field costs 1, and a list field costs its page size
/// times what it selects, so nested lists cannot multiply into millions of resolutions.
pub const MAX_COMPLEXITY: usize = 10_000;

/// The cost multiplier of a paged list: the page size the client asked for.
pub fn page_cost(first: Option<i32>, last: Option<i32>) -> usize {
    first.or(last).map_or(DEFAULT_PAGE_SIZE, |n| n.clamp(1, MAX_PAGE_SIZE) as usize)
}

/// Adds `extensions.code` to the engine's own errors.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = if e.message.contains("too complex") || e.message.contains("nested too deep") {
                        "QUERY_TOO_COMPLEX"
                    } else {
                        "GRAPHQL_VALIDATION_FAILED"
                    };
                    with_code(e, code)
                })
                .collect()
        })
    }
}

fn with_code(mut error: ServerError, code: &str) -> ServerError {
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
    fn page_cost_is_the_requested_page_size() {
        assert_eq!(page_cost(None, None), DEFAULT_PAGE_SIZE);
        assert_eq!(page_cost(Some(100), None), 100);
        assert_eq!(page_cost(None, Some(5)), 5);
        // Out-of-range sizes are rejected by the resolver; here they only must not overflow.
        assert_eq!(page_cost(Some(-3), None), 1);
        assert_eq!(page_cost(Some(i32::MAX), None), 100);
    }
}
