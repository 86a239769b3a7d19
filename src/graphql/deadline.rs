//! The query deadline: a query still running when it passes is stopped, and answered with one
//! `TIMEOUT` error and no data.
//!
//! Resolvers read the store synchronously, so nothing can interrupt one: the check runs before
//! each field starts. A field already running (a search) finishes; no further field starts.
//! Mutations are never stopped half-way (their writes are bounded by the request deadline), and
//! subscriptions, which live as long as the client likes, are not timed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{OutputType, Response, ServerError, ServerResult, Value};

use super::Mutation;

/// Default time a query may run, from the start of parsing to its last field.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Stops queries that run longer than `timeout`.
pub struct Deadline {
    pub timeout: Duration,
}

impl ExtensionFactory for Deadline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DeadlineOfOneRequest {
            timeout: self.timeout,
            // The engine creates a request's extensions as it starts on the request.
            at: Instant::now().checked_add(self.timeout),
            armed: AtomicBool::new(false),
            passed: AtomicBool::new(false),
        })
    }
}

struct DeadlineOfOneRequest {
    timeout: Duration,
    /// None: too far away to represent, so never reached.
    at: Option<Instant>,
    /// Set while a query (not a mutation or subscription) executes.
    armed: AtomicBool,
    /// A field was refused because the deadline had passed.
    passed: AtomicBool,
}

#[async_graphql::async_trait::async_trait]
impl Extension for DeadlineOfOneRequest {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.armed.store(true, Ordering::Relaxed);
        let response = next.run(ctx, operation_name).await;
        if !self.passed.load(Ordering::Relaxed) {
            return response;
        }
        let mut timed_out = Response::from_errors(vec![timeout_error(self.timeout)]);
        timed_out.extensions = response.extensions;
        timed_out
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type == Mutation::type_name() {
            self.armed.store(false, Ordering::Relaxed);
        }
        if self.armed.load(Ordering::Relaxed) && self.at.is_some_and(|at| Instant::now() >= at) {
            self.passed.store(true, Ordering::Relaxed);
            // Replaced by one error for the whole query in `execute`.
            return Err(timeout_error(self.timeout));
        }
        next.run(ctx, info).await
    }
}

fn timeout_error(timeout: Duration) -> ServerError {
    let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    let mut error = ServerError::new(
        format!("the query ran longer than the {millis} ms allowed and was stopped; ask for less"),
        None,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", "TIMEOUT");
    extensions.set("limit", "queryTimeout");
    extensions.set("max", millis);
    error
}
