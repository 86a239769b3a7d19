//! Start-up: load the seed, bring the store in line with it, serve until told to stop.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::auth::Tokens;
use crate::catalog::Catalog;
use crate::cli::{CacheArgs, EditingArgs, ServeArgs};
use crate::http;

/// Serves the API on `args.listen` until SIGINT or SIGTERM, then flushes the store. SIGHUP
/// re-reads the seed folder and applies it while serving.
pub async fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let config = http::HttpConfig {
        limits: args.limits.limits(),
        introspection: args.limits.introspection,
        suggestions: args.limits.suggestions,
        query_timeout: args.limits.query_timeout,
        request_timeout: args.http.request_timeout,
        max_body_bytes: args.http.max_body_bytes,
        max_url_bytes: args.http.max_url_bytes,
        max_header_bytes: args.http.max_header_bytes,
        max_batch: args.http.max_batch,
        cors_origins: args.http.cors_origins.clone(),
        rate: http::ratelimit::RateConfig {
            per_ip: args.http.rate_limit,
            per_token: args.http.token_rate_limit,
            trusted_proxies: args.http.trusted_proxies.clone(),
        },
        ..http_config(&args.cache, &args.editing)?
    };
    let connections = http::server::ServeOptions::new(args.http.header_timeout, config.request_timeout);
    tracing::debug!(
        listen = %args.listen,
        data_dir = %args.data_dir.display(),
        seed_dir = %args.seed_dir.display(),
        cache_max_age = ?config.cache_max_age,
        cache_stale_while_revalidate = ?config.cache_stale_while_revalidate,
        persisted_queries = config.persisted_queries.len(),
        only_persisted = config.only_persisted,
        apq_cache_size = config.apq_cache_size,
        response_cache_bytes = config.response_cache_bytes,
        document_cache_size = config.document_cache_size,
        entity_cache_size = args.cache.entity_cache_size,
        backup_dir = %config.backup_dir.display(),
        limits = ?config.limits,
        introspection = config.introspection,
        suggestions = config.suggestions,
        query_timeout = ?config.query_timeout,
        request_timeout = ?config.request_timeout,
        header_timeout = ?connections.header_timeout,
        max_body_bytes = config.max_body_bytes,
        max_url_bytes = config.max_url_bytes,
        max_header_bytes = config.max_header_bytes,
        max_batch = config.max_batch,
        cors_origins = ?config.cors_origins,
        rate = ?config.rate,
        tokens = config.tokens.len(),
        "effective configuration (token hashes not shown)"
    );
    let catalog = Catalog::open(&args.data_dir, &args.seed_dir)?;
    catalog.store().keep_decoded(args.cache.entity_cache_size);
    crate::memory::release_free_memory();
    reload_on_sighup(catalog.clone());
    let listener =
        TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    if !http::playground::assets_are_embedded() {
        tracing::warn!(
            "playground assets are not embedded (no npm at build time): GraphiQL loads them from a CDN"
        );
    }
    tracing::info!("ready: http://{}/graphql", listener.local_addr()?);
    http::server::serve(listener, http::router(catalog.clone(), config), connections, shutdown_signal())
        .await;
    catalog.close()?;
    tracing::info!("stopped; store flushed and closed cleanly");
    Ok(())
}

/// The HTTP configuration the flags ask for; reads and checks the persisted-query list and
/// the tokens.
pub fn http_config(args: &CacheArgs, editing: &EditingArgs) -> anyhow::Result<http::HttpConfig> {
    let tokens = Tokens::load(Some(&editing.tokens_file), editing.tokens.as_deref())?;
    if tokens.is_empty() {
        tracing::info!(
            "no API tokens ({} has none): reads only; `scs-series token create NAME` makes one",
            editing.tokens_file.display()
        );
    } else {
        tracing::info!(tokens = tokens.len(), "API tokens loaded");
    }
    let registry = match &args.persisted_queries {
        Some(path) => {
            let registry = http::persisted::Registry::load(path)?;
            tracing::info!(operations = registry.len(), "persisted queries loaded from {}", path.display());
            registry
        }
        None if args.only_persisted => {
            anyhow::bail!("--only-persisted needs the list of operations: give --persisted-queries FILE")
        }
        None => http::persisted::Registry::default(),
    };
    Ok(http::HttpConfig {
        cache_max_age: Duration::from_secs(args.cache_max_age),
        cache_stale_while_revalidate: Duration::from_secs(args.cache_stale_while_revalidate),
        persisted_queries: Arc::new(registry),
        only_persisted: args.only_persisted,
        apq_cache_size: args.apq_cache_size,
        response_cache_bytes: args.response_cache_bytes,
        document_cache_size: args.document_cache_size,
        tokens: Arc::new(tokens),
        backup_dir: editing.backup_dir.clone(),
        ..http::HttpConfig::default()
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Applies the seed folder again on every SIGHUP (the usual "reload" signal), so editors can
/// publish a changed seed without a restart. A broken seed is logged and changes nothing.
fn reload_on_sighup(catalog: Catalog) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: seed reloads are off");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the seed");
            let catalog = catalog.clone();
            // The purge too runs off the async workers: at 100k items it takes tens of ms.
            let reload = move || {
                let result = catalog.reload_seed();
                crate::memory::release_free_memory();
                result
            };
            match tokio::task::spawn_blocking(reload).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!("seed reload refused, store unchanged: {e:#}"),
                Err(e) => tracing::error!("seed reload failed: {e}"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = catalog;
}
