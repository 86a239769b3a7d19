//! Command-line flags and environment (`SCS_…`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}
