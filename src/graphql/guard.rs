//! The one extension every request passes through: the limits, the error codes, the cost
//! report, the deadline, and the validation results kept from before.
//!
//! They are one extension, not four, because the engine calls every extension (through a boxed
//! future) for every field it resolves: each extension more costs every query a few percent.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve, NextValidation,
    ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{OutputType, Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use super::deadline::Deadline;
use super::limits::{with_code, LimitsOfOneRequest, QueryLimits, ReportCost};
use super::validated::ValidationKey;
use super::Mutation;

/// Makes each request's guard.
pub struct Guard {
    pub limits: QueryLimits,
    pub introspection: bool,
    pub timeout: Duration,
}

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardOfOneRequest {
            limits: LimitsOfOneRequest::new(self.limits, self.introspection),
            deadline: Deadline::new(self.timeout),
        })
    }
}

struct GuardOfOneRequest {
    limits: LimitsOfOneRequest,
    deadline: Deadline,
}

#[async_graphql::async_trait::async_trait]
impl Extension for GuardOfOneRequest {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.limits.check_text(query)?;
        let document =
            next.run(ctx, query, variables).await.map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))?;
        self.limits.check_document(&document)?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        // A kept result skips the engine's validation: were another extension added after
        // this one, its own `validation` hook would be skipped with it.
        let key = ctx.data_opt::<ValidationKey>();
        let result = match key.and_then(ValidationKey::known) {
            Some(result) => result,
            None => {
                let result = next.run(ctx).await.map_err(|errors| {
                    errors.into_iter().map(|e| with_code(e, "GRAPHQL_VALIDATION_FAILED")).collect::<Vec<_>>()
                })?;
                if let Some(key) = key {
                    key.keep(result);
                }
                result
            }
        };
        self.limits.check_validated(&result)?;
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.deadline.arm();
        let response = self.deadline.finish(next.run(ctx, operation_name).await);
        self.limits.with_cost(response, ctx.data_opt::<ReportCost>().is_some())
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type == Mutation::type_name() {
            self.deadline.disarm();
        }
        self.deadline.check()?;
        next.run(ctx, info).await
    }
}
