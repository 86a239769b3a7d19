//! Start-up: load the seed, bring the store in line with it, serve until told to stop.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::cli::{CacheArgs, ServeArgs};
use crate::store::{SeedReport, Store};
use crate::{http, seed};

/// Opens the store under `data_dir` and applies the seed in `seed_dir` to it. The seed is read
/// and validated before the store is opened, so a broken seed leaves the store untouched.
pub fn prepare_store(data_dir: &Path, seed_dir: &Path) -> anyhow::Result<Store> {
    let seed = seed::load(seed_dir)?;
    let store =
        Store::open(data_dir).with_context(|| format!("cannot open the store in {}", data_dir.display()))?;
    let report = store.apply_seed(&seed)?;
    log_report(&report);
    Ok(store)
}

fn log_report(r: &SeedReport) {
    if r.unchanged {
        tracing::info!(revision = r.revision, "seed unchanged; store left as it is");
        return;
    }
    let names = |v: &[(crate::domain::Kind, crate::domain::Slug)]| {
        v.iter().map(|(k, s)| format!("{}/{s}", k.name())).collect::<Vec<_>>().join(", ")
    };
    tracing::info!(
        revision = r.revision,
        added = r.added.len(),
        changed = r.changed.len(),
        removed = r.removed.len(),
        "seed applied"
    );
    for (what, list) in [("added", &r.added), ("changed", &r.changed), ("removed", &r.removed)] {
        if !list.is_empty() {
            tracing::info!("seed {what}: {}", names(list));
        }
    }
}

/// Serves the API on `args.listen` until SIGINT or SIGTERM, then flushes the store.
pub async fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let config = http_config(&args.cache)?;
    let store = prepare_store(&args.data_dir, &args.seed_dir)?;
    let listener =
        TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    if !http::playground::assets_are_embedded() {
        tracing::warn!(
            "playground assets are not embedded (no npm at build time): GraphiQL loads them from a CDN"
        );
    }
    tracing::info!("ready: http://{}/graphql", listener.local_addr()?);
    axum::serve(listener, http::router(store.clone(), config))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    store.flush()?;
    tracing::info!("stopped; store flushed");
    Ok(())
}

/// The HTTP configuration the flags ask for; reads and checks the persisted-query list.
pub fn http_config(args: &CacheArgs) -> anyhow::Result<http::HttpConfig> {
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
