//! The GraphQL schema: types, connections, filters and errors with codes.
//!
//! Resolvers read the store through its query methods only; they never see sled's byte layout.

mod connection;
mod content;
mod error;
mod people;
mod query;
mod values;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};

pub use connection::MAX_PAGE_SIZE;
pub use query::Query;

use crate::store::Store;

pub type ApiSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Deepest query accepted: the standard introspection query needs about 15 levels.
pub const MAX_DEPTH: usize = 24;
/// Largest query complexity accepted (one per field, lists counted once).
pub const MAX_COMPLEXITY: usize = 2_000;

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(64)
}

/// The schema, serving `store`.
pub fn schema(store: Store) -> ApiSchema {
    builder().data(store).finish()
}

/// The schema's SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
