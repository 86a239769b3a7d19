//! The query deadline: a query still running when it passes is stopped, and answered with one
//! `TIMEOUT` error and no data.
//!
//! Resolvers read the store synchronously, so nothing can interrupt one: the check runs before
//! each field starts. A field already running (a search) finishes; no further field starts.
//! Mutations are never stopped half-way (their writes are bounded by the request deadline), and
//! subscriptions, which live as long as the client likes, are not timed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_graphql::{Response, ServerError, ServerResult};

/// Default time a query may run, from the start of parsing to its last field.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The deadline of one request. Called by the request's [`super::guard`].
pub struct Deadline {
    timeout: Duration,
    /// None: too far away to represent, so never reached.
    at: Option<Instant>,
    /// Set while a query (not a mutation or subscription) executes.
    armed: AtomicBool,
    /// A field was refused because the deadline had passed.
    passed: AtomicBool,
}

impl Deadline {
    /// A deadline `timeout` from now (the engine creates a request's guard as it starts on it).
    pub fn new(timeout: Duration) -> Self {
        Deadline {
            timeout,
            at: Instant::now().checked_add(timeout),
            armed: AtomicBool::new(false),
            passed: AtomicBool::new(false),
        }
    }

    /// Execution starts (subscriptions never get here).
    pub fn arm(&self) {
        self.armed.store(true, Ordering::Relaxed);
    }

    /// A mutation's field starts: from here on nothing is stopped.
    pub fn disarm(&self) {
        self.armed.store(false, Ordering::Relaxed);
    }

    /// Before a field starts: an error if the deadline has passed.
    pub fn check(&self) -> ServerResult<()> {
        if self.armed.load(Ordering::Relaxed) && self.at.is_some_and(|at| Instant::now() >= at) {
            self.passed.store(true, Ordering::Relaxed);
            // Replaced by one error for the whole query in `finish`.
            return Err(timeout_error(self.timeout));
        }
        Ok(())
    }

    /// The answer: as it is, or one `TIMEOUT` error and no data when a field was stopped.
    pub fn finish(&self, response: Response) -> Response {
        if !self.passed.load(Ordering::Relaxed) {
            return response;
        }
        let mut timed_out = Response::from_errors(vec![timeout_error(self.timeout)]);
        timed_out.extensions = response.extensions;
        timed_out
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
