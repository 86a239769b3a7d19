//! The HTTP transport: GraphQL over POST and GET, the self-hosted GraphiQL page, health.

mod access;
mod answers;
mod caching;
pub mod config;
mod cors;
mod documents;
mod gate;
mod graphql;
mod metrics;
pub mod persisted;
pub mod playground;
pub mod ratelimit;
pub mod server;
mod ws;

use std::convert::Infallible;
use std::sync::Arc;

use async_graphql_axum::GraphQLSubscription;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;

use crate::catalog::Catalog;
use crate::graphql::ApiSchema;
pub use config::HttpConfig;

/// What every handler shares: one pointer, because every middleware layer clones its state for
/// every request (a struct of a dozen `Arc`s cost ~10% of a cached answer's CPU in those clones).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state behind [`AppState`].
pub struct Shared {
    pub schema: ApiSchema,
    pub catalog: Catalog,
    pub(crate) persisted: Arc<persisted::Persisted>,
    pub(crate) cache: Arc<caching::CachePolicy>,
    pub(crate) documents: Arc<documents::Documents>,
    pub(crate) validated: Arc<crate::graphql::Validated>,
    pub(crate) tokens: Arc<crate::auth::Tokens>,
    pub(crate) limits: crate::graphql::QueryLimits,
    pub(crate) request_timeout: std::time::Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_url_bytes: usize,
    pub(crate) max_header_bytes: usize,
    pub(crate) max_batch: usize,
    pub(crate) cors_origins: Arc<Vec<String>>,
    pub(crate) rate: Arc<ratelimit::RateLimits>,
    pub(crate) metrics: Arc<metrics::Metrics>,
}

/// The whole HTTP application, serving `catalog` as `config` says: the gate (see [`gate`])
/// around the routes. Served as it is, not inside an outer `Router`, which would route and box
/// every request once more.
pub fn router(catalog: Catalog, config: HttpConfig) -> impl App {
    // Registering fixed, distinct metric names cannot fail.
    let metrics = metrics::Metrics::new().unwrap_or_else(|e| unreachable!("metrics registry: {e}"));
    let options = crate::graphql::Options {
        limits: config.limits,
        introspection: config.introspection,
        suggestions: config.suggestions,
        query_timeout: config.query_timeout,
        backups: crate::graphql::BackupDir(config.backup_dir.clone()),
    };
    let schema = crate::graphql::schema(catalog.clone(), options);
    let cache = Arc::new(caching::CachePolicy::new(&config, &schema.sdl()));
    let persisted = Arc::new(persisted::Persisted::new(
        config.persisted_queries,
        config.only_persisted,
        config.apq_cache_size,
    ));
    let websocket =
        GraphQLSubscription::new(ws::Guarded { schema: schema.clone(), persisted: persisted.clone() });
    let state = AppState(Arc::new(Shared {
        schema,
        catalog,
        persisted,
        cache,
        documents: Arc::new(documents::Documents::new(config.document_cache_size)),
        validated: Arc::new(crate::graphql::Validated::new(config.document_cache_size)),
        tokens: config.tokens,
        limits: config.limits,
        request_timeout: config.request_timeout,
        max_body_bytes: config.max_body_bytes,
        max_url_bytes: config.max_url_bytes,
        max_header_bytes: config.max_header_bytes,
        max_batch: config.max_batch,
        cors_origins: Arc::new(config.cors_origins),
        rate: ratelimit::RateLimits::new(&config.rate),
        metrics,
    }));
    let routes = Router::new()
        .route("/", get(|| async { Redirect::temporary("/graphql") }))
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route_service("/graphql/ws", websocket)
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::render))
        .merge(playground::asset_routes())
        .fallback(|| async { error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route") })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "this route does not answer that method",
            )
        })
        .with_state(state.clone());
    // The middleware wraps the router once, outermost first. `Router::layer` would wrap every
    // route instead, and axum clones and boxes each wrapped route for every request: seven
    // layers that way cost a cached answer a tenth of its CPU in clones alone.
    ServiceBuilder::new()
        .layer(gate::GateLayer(state.clone()))
        .map_response(IntoResponse::into_response)
        .layer(CompressionLayer::new())
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .service(routes)
}

/// What [`router`] returns: a service answering every request (errors are answers).
pub trait App:
    tower::Service<axum::extract::Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> App for S where
    S: tower::Service<
            axum::extract::Request,
            Response = Response,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
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

/// `GET /ready`: 200 once the store is open and a seed applied, 503 before.
async fn ready(State(state): State<AppState>) -> Response {
    let store = state.catalog.store();
    match (store.revision(), store.seed_digest()) {
        (Ok(revision), Ok(Some(seed))) => {
            Json(json!({ "status": "ready", "revision": revision, "seedDigest": seed })).into_response()
        }
        (Ok(_), Ok(None)) => error(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "no seed applied yet"),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "readiness check failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the store cannot be read")
        }
    }
}

/// A transport-level error in the GraphQL error shape, so clients parse one format.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut response = (status, Json(body)).into_response();
    let limit = match code {
        "PAYLOAD_TOO_LARGE" => Some("body"),
        "URI_TOO_LONG" => Some("url"),
        "HEADERS_TOO_LARGE" => Some("headers"),
        "REQUEST_TIMEOUT" => Some("time"),
        "RATE_LIMITED" => Some("rate"),
        "BATCH_TOO_LARGE" => Some("batch"),
        _ => None,
    };
    response.extensions_mut().insert(metrics::Outcome {
        operation: None,
        codes: vec![code.to_string()],
        limit: limit.map(str::to_string),
        cached: None,
    });
    response
}
