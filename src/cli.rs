//! Command-line flags and environment (`SCS_…`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::http;

#[derive(Debug, Parser)]
#[command(
    name = "scs-series",
    version,
    about = "GraphQL content API for the series \"China's Social Credit System\""
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve`'s flags, for when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the seed into the store (when it changed) and serve the API (the default).
    Serve(ServeArgs),
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
    /// Validate a seed folder without serving; exits non-zero with every problem found.
    CheckSeed {
        /// The seed folder to check.
        #[arg(default_value = "./seed")]
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SCS_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,
    /// Folder of the sled store (created when missing).
    #[arg(long, env = "SCS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Folder of the seed files.
    #[arg(long, env = "SCS_SEED_DIR", default_value = "./seed")]
    pub seed_dir: PathBuf,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// HTTP caching and persisted queries.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Seconds caches may serve a query's answer without asking again (`Cache-Control: max-age`).
    #[arg(long, env = "SCS_CACHE_MAX_AGE", value_name = "SECONDS", default_value_t = http::config::DEFAULT_CACHE_MAX_AGE_SECS)]
    pub cache_max_age: u64,
    /// Seconds after that caches may still serve it while they revalidate in the background.
    #[arg(long, env = "SCS_CACHE_STALE_WHILE_REVALIDATE", value_name = "SECONDS", default_value_t = http::config::DEFAULT_CACHE_STALE_WHILE_REVALIDATE_SECS)]
    pub cache_stale_while_revalidate: u64,
    /// Trusted operations, found by hash: an Apollo persisted-query manifest, or a JSON object of
    /// SHA-256 → query text. Checked at start-up.
    #[arg(long, env = "SCS_PERSISTED_QUERIES", value_name = "FILE")]
    pub persisted_queries: Option<PathBuf>,
    /// Run only the operations of `--persisted-queries`; refuse every other query.
    #[arg(long, env = "SCS_ONLY_PERSISTED", value_parser = clap::builder::FalseyValueParser::new())]
    pub only_persisted: bool,
    /// How many automatic persisted queries to remember (least recently used go first; 0: none).
    #[arg(long, env = "SCS_APQ_CACHE_SIZE", value_name = "ENTRIES", default_value_t = http::config::DEFAULT_APQ_CACHE_SIZE)]
    pub apq_cache_size: usize,
}
