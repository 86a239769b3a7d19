//! The GraphQL schema: types, connections, filters and errors with codes.
//!
//! Resolvers read the store through its query methods only; they never see sled's byte layout.

mod connection;
mod content;
mod error;
pub(crate) mod limits;
mod people;
mod query;
mod values;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};

pub use connection::MAX_PAGE_SIZE;
pub use limits::{MAX_COMPLEXITY, MAX_DEPTH};
pub use query::Query;

use crate::store::Store;

pub type ApiSchema = Schema<Query, EmptyMutation, EmptySubscription>;

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(64)
        .extension(limits::ErrorCodes)
}

/// The schema, serving `store`.
pub fn schema(store: Store) -> ApiSchema {
    builder().data(store).finish()
}

/// The schema's SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
