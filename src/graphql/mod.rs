//! The GraphQL schema: types, connections, filters and errors with codes.
//!
//! Resolvers read the store through its query methods only; they never see sled's byte layout.

mod args;
mod audit;
mod connection;
mod content;
mod deadline;
mod error;
mod facets;
mod guard;
mod inputs;
pub mod limits;
mod mutation;
mod people;
mod query;
mod search;
mod sync;
mod validated;
mod values;

use async_graphql::{MergedObject, Schema, SchemaBuilder};

pub use connection::MAX_PAGE_SIZE;
pub use deadline::DEFAULT_QUERY_TIMEOUT;
pub use limits::{QueryLimits, ReportCost, MAX_COMPLEXITY, MAX_DEPTH};
pub use mutation::{BackupDir, Mutation};
pub use query::Query;
pub use sync::Subscription;
pub use validated::{Validated, ValidationKey};

use crate::catalog::Catalog;

/// The root query: the content lists and lookups, search, facets, delta sync and the audit log.
#[derive(MergedObject)]
pub struct Root(Query, search::SearchQuery, facets::FacetsQuery, sync::SyncQuery, audit::AuditQuery);

pub type ApiSchema = Schema<Root, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Root, Mutation, Subscription> {
    Schema::build(
        Root(Query, search::SearchQuery, facets::FacetsQuery, sync::SyncQuery, audit::AuditQuery),
        Mutation,
        Subscription,
    )
    .limit_recursive_depth(64)
}

/// How the schema serves: its limits, what it reveals, where backups go.
#[derive(Debug, Clone)]
pub struct Options {
    pub limits: QueryLimits,
    /// Answer introspection queries (`__schema`, `__type`); `__typename` always works.
    pub introspection: bool,
    /// Suggest field and argument names in validation errors ("Did you mean …?").
    pub suggestions: bool,
    /// How long a query may run before it is stopped with a `TIMEOUT` error.
    pub query_timeout: std::time::Duration,
    /// Where the `backup` mutation writes.
    pub backups: BackupDir,
}

/// The schema, serving `catalog` as `options` say.
pub fn schema(catalog: Catalog, options: Options) -> ApiSchema {
    let mut builder = builder().extension(guard::Guard {
        limits: options.limits,
        introspection: options.introspection,
        timeout: options.query_timeout,
    });
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    if !options.suggestions {
        builder = builder.disable_suggestions();
    }
    let backups = options.backups;
    builder.data(catalog.store().clone()).data(catalog.search().clone()).data(catalog).data(backups).finish()
}

/// The schema's SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
