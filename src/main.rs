use std::process::ExitCode;

use scs_series::cli::{Cli, Command, TokenCommand};
use scs_series::{admin, app, auth, graphql, logging, seed};

fn main() -> ExitCode {
    let cli = match Cli::load() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let flush_log = logging::init(cli.log_format);
    if let Some(file) = &cli.config {
        tracing::info!("settings read from {} (flags and SCS_ variables win over it)", file.display());
    }
    let result = match cli.command {
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::CheckSeed { dir }) => check_seed(&dir),
        Some(Command::Generate { items, people, random_seed, dir }) => {
            generate(seed::generate::Shape { items, people, seed: random_seed }, &dir)
        }
        Some(Command::Token(TokenCommand::Create { name, scope, tokens_file })) => {
            auth::create(&tokens_file, &name, scope)
                .map(|token| {
                    eprintln!(
                        "token `{name}` ({scope}) added to {}; it is shown this once:",
                        tokens_file.display()
                    );
                    println!("{token}");
                })
                .map_err(Into::into)
        }
        Some(Command::CheckStore { store, seed_dir }) => {
            match admin::check_store(&store.data_dir, seed_dir.as_deref()) {
                Ok(true) => Ok(()),
                Ok(false) => Err(anyhow::anyhow!("the store has problems (listed above)")),
                Err(e) => Err(e),
            }
        }
        Some(Command::Export { dir, store }) => admin::export(&store.data_dir, &dir),
        Some(Command::Backup { file, store }) => admin::backup(&store.data_dir, &file),
        Some(Command::Restore { file, store }) => admin::restore(&store.data_dir, &file),
        Some(Command::Serve(args)) => run_server(&args),
        None => run_server(&cli.serve),
    };
    // The last access lines go out before the final word.
    drop(flush_log);
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

fn generate(shape: seed::generate::Shape, dir: &std::path::Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let content = seed::generate::content(shape)?;
    seed::export::write_dir(&content, dir)?;
    println!(
        "{}: {} items, {} people, {} updates written in {:.1} s",
        dir.display(),
        content.items.len(),
        content.people.len(),
        content.updates.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn check_seed(dir: &std::path::Path) -> anyhow::Result<()> {
    let seed = seed::load(dir)?;
    println!(
        "{}: ok ({} items, {} people, {} updates)",
        dir.display(),
        seed.content.items.len(),
        seed.content.people.len(),
        seed.content.updates.len()
    );
    Ok(())
}
