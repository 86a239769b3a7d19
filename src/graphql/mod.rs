//! The GraphQL schema: types, connections, filters and errors with codes.
//!
//! Resolvers read the store through its query methods only; they never see sled's byte layout.

mod args;
mod connection;
mod content;
mod error;
mod facets;
pub(crate) mod limits;
mod people;
mod query;
mod search;
mod sync;
mod values;

use async_graphql::{EmptyMutation, MergedObject, Schema, SchemaBuilder};

pub use connection::MAX_PAGE_SIZE;
pub use limits::{MAX_COMPLEXITY, MAX_DEPTH};
pub use query::Query;
pub use sync::Subscription;

use crate::catalog::Catalog;

/// The root query: the content lists and lookups, search, facets, and delta sync.
#[derive(MergedObject)]
pub struct Root(Query, search::SearchQuery, facets::FacetsQuery, sync::SyncQuery);

pub type ApiSchema = Schema<Root, EmptyMutation, Subscription>;

fn builder() -> SchemaBuilder<Root, EmptyMutation, Subscription> {
    Schema::build(
        Root(Query, search::SearchQuery, facets::FacetsQuery, sync::SyncQuery),
        EmptyMutation,
        Subscription,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(64)
    .extension(limits::ErrorCodes)
}

/// The schema, serving `catalog`.
pub fn schema(catalog: Catalog) -> ApiSchema {
    builder().data(catalog.store().clone()).data(catalog.search().clone()).data(catalog).finish()
}

/// The schema's SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
