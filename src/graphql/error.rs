//! GraphQL errors with the documented `extensions.code`s.

use async_graphql::{Error, ErrorExtensions};

/// The argument is malformed or out of range.
pub fn bad_input(argument: &str, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| {
        e.set("code", "BAD_USER_INPUT");
        e.set("argument", argument);
    })
}

/// The argument names something that does not exist.
pub fn not_found(argument: &str, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| {
        e.set("code", "NOT_FOUND");
        e.set("argument", argument);
    })
}

/// A store or index failure: logged in full, reported without internals.
pub fn internal(err: impl std::fmt::Display) -> Error {
    tracing::error!(error = %err, "internal error while resolving a query");
    Error::new("internal error").extend_with(|_, e| e.set("code", "INTERNAL_SERVER_ERROR"))
}
