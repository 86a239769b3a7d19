use std::process::ExitCode;

use clap::Parser;
use scs_series::cli::{Cli, Command};
use scs_series::{app, graphql, seed};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        // tantivy reports every index commit at info: only its warnings are worth a line.
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::CheckSeed { dir }) => check_seed(&dir),
        Some(Command::Serve(args)) => run_server(&args),
        None => run_server(&cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_server(args: &scs_series::cli::ServeArgs) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(app::serve(args))
}

fn check_seed(dir: &std::path::Path) -> anyhow::Result<()> {
    let seed = seed::load(dir)?;
    println!(
        "{}: ok ({} items, {} people, {} updates)",
        dir.display(),
        seed.items.len(),
        seed.people.len(),
        seed.updates.len()
    );
    Ok(())
}
