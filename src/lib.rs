//! scs-series: a GraphQL content API for Asia Society Switzerland's series
//! "China's Social Credit System — A closer look on a highly contested topic".
//!
//! Data flows one way, and each module knows only the ones before it:
//!
//! - [`domain`]: the entity types, ids, slugs, partial dates, validation.
//! - [`seed`]: reads and validates the `seed/` folder (TOML) into domain values.
//! - [`store`]: the sled store: one tree per kind, index trees for kind, year and person,
//!   atomic seed application.
//! - [`search`]: the full-text index (tantivy, in RAM), rebuilt from the store and refreshed
//!   after each change; the store stays the only source of truth.
//! - [`catalog`]: the store and what stays in step with it (the search index, the live change
//!   feed); every change goes through it.
//! - [`graphql`]: the async-graphql schema: types, connections, filters, errors with codes.
//! - [`http`]: the axum router: GraphQL over POST and GET, the self-hosted GraphiQL, health.
//! - [`cli`] and [`app`]: flags, wiring, start-up.

pub mod admin;
pub mod app;
pub mod auth;
pub mod bounded;
pub mod catalog;
pub mod cli;
pub mod domain;
pub mod editing;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod graphql;
pub mod http;
pub mod logging;
pub mod memory;
pub mod search;
pub mod seed;
pub mod store;
