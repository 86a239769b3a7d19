//! Start-up: load the seed, bring the store in line with it, serve until told to stop.

use std::path::Path;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
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
    let store = prepare_store(&args.data_dir, &args.seed_dir)?;
    let listener =
        TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    if !http::playground::assets_are_embedded() {
        tracing::warn!(
            "playground assets are not embedded (no npm at build time): GraphiQL loads them from a CDN"
        );
    }
    tracing::info!("ready: http://{}/graphql", listener.local_addr()?);
    axum::serve(listener, http::router(store.clone())).with_graceful_shutdown(shutdown_signal()).await?;
    store.flush()?;
    tracing::info!("stopped; store flushed");
    Ok(())
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
