//! The HTTP transport: GraphQL over POST and GET, the self-hosted GraphiQL page, health.

mod caching;
pub mod config;
mod graphql;
pub mod persisted;
pub mod playground;
mod ws;

use std::sync::Arc;

use async_graphql_axum::GraphQLSubscription;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::catalog::Catalog;
use crate::graphql::ApiSchema;
pub use config::HttpConfig;

/// Largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: ApiSchema,
    pub catalog: Catalog,
    pub(crate) persisted: Arc<persisted::Persisted>,
    pub(crate) cache: Arc<caching::CachePolicy>,
    pub(crate) tokens: Arc<crate::auth::Tokens>,
    pub(crate) limits: crate::graphql::QueryLimits,
}

/// The whole application's routes, serving `catalog` as `config` says.
pub fn router(catalog: Catalog, config: HttpConfig) -> Router {
    let backups = crate::graphql::BackupDir(config.backup_dir.clone());
    let schema = crate::graphql::schema(catalog.clone(), backups, config.limits);
    let cache = Arc::new(caching::CachePolicy::new(&config, &schema.sdl()));
    let persisted = Arc::new(persisted::Persisted::new(
        config.persisted_queries,
        config.only_persisted,
        config.apq_cache_size,
    ));
    let websocket =
        GraphQLSubscription::new(ws::Guarded { schema: schema.clone(), persisted: persisted.clone() });
    let state = AppState { schema, catalog, persisted, cache, tokens: config.tokens, limits: config.limits };
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/graphql") }))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route_service("/graphql/ws", websocket)
        .route("/health", get(health))
        .merge(playground::asset_routes())
        .fallback(|| async { error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route") })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "this route does not answer that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(caching::no_store_on_errors))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(caching::etag_per_encoding))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Response {
    match state.catalog.store().revision() {
        Ok(revision) => Json(json!({ "status": "ok", "revision": revision })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the store cannot be read")
        }
    }
}

/// A transport-level error in the GraphQL error shape, so clients parse one format.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}
