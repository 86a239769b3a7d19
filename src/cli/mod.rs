//! Command-line flags, environment (`SCS_…`) and the `--config` file.

mod file;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::graphql::QueryLimits;
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
    /// Settings from a TOML file, one key per flag (`max-depth = 30`); flags and `SCS_…`
    /// variables win over it.
    #[arg(long, global = true, env = "SCS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log lines as text (for people) or JSON (one object a line, for log collectors).
    #[arg(long, global = true, env = "SCS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl Cli {
    /// Parses the command line, the `SCS_…` variables and the `--config` file, in that order
    /// of precedence. Exits with clap's message on a bad flag, and errs on a bad file.
    pub fn load() -> anyhow::Result<Cli> {
        let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let root = Cli::command();
        let matches = root.clone().get_matches_from(&argv);
        let matches = match matches.get_one::<PathBuf>("config") {
            Some(file) => {
                let argv = file::with_file_settings(&root, &matches, file, argv.clone())?;
                root.try_get_matches_from(argv).map_err(|e| {
                    let message = e.render().to_string();
                    let message = message.trim_start_matches("error: ").trim_end();
                    anyhow::anyhow!("with the settings of {}: {message}", file.display())
                })?
            }
            None => matches,
        };
        Ok(Cli::from_arg_matches(&matches)?)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

// Parsed once at start-up: boxing the big variant would buy nothing.
#[allow(clippy::large_enum_variant)]
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
    /// Write a synthetic seed folder of realistic shape (for measuring at scale); the same
    /// numbers give the same seed.
    Generate {
        /// How many content items.
        #[arg(long, default_value_t = 1000)]
        items: usize,
        /// How many people they name.
        #[arg(long, default_value_t = 100)]
        people: usize,
        /// Picks the pseudo-random choices.
        #[arg(long, default_value_t = 1)]
        random_seed: u64,
        /// The folder to write (created when missing; its seed files are replaced).
        dir: PathBuf,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the store (server stopped): entities, indexes, versions, change log and content
    /// agree. Exits non-zero with every problem found.
    CheckStore {
        #[command(flatten)]
        store: StoreArgs,
        /// Also list the entities edited through the API that this seed folder changed too.
        #[arg(long, env = "SCS_SEED_DIR")]
        seed_dir: Option<PathBuf>,
    },
    /// Write the store's content as a seed folder (server stopped): `serve --seed-dir DIR`
    /// serves exactly the same content.
    Export {
        /// The folder to write (created when missing; its seed files are replaced).
        dir: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Back the whole store up into one file (server stopped; while serving, use the
    /// `backup` mutation).
    Backup {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Replace the store with a backup (server stopped). The file is verified first; the
    /// store it replaces is kept beside it, renamed.
    Restore {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token, store its salted hash in the tokens file, and print the token (once).
    Create {
        /// Who or what the token is for; it is recorded in the audit log.
        name: String,
        /// What it may do: read, write (content) or admin (also the audit log and backups).
        #[arg(long, default_value = "write")]
        scope: crate::auth::Scope,
        #[arg(long, env = "SCS_TOKENS_FILE", default_value = DEFAULT_TOKENS_FILE)]
        tokens_file: PathBuf,
    },
}

/// The default tokens file.
pub const DEFAULT_TOKENS_FILE: &str = "./tokens.toml";

/// Which store an offline command works on.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Folder of the sled store.
    #[arg(long, env = "SCS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
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
    #[command(flatten)]
    pub editing: EditingArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// The limits on every GraphQL document (over one: a `QUERY_TOO_COMPLEX` or `BAD_REQUEST`
/// error naming the limit, before anything runs).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Deepest nesting of fields.
    #[arg(long, env = "SCS_MAX_DEPTH", value_name = "LEVELS", default_value_t = QueryLimits::default().depth)]
    pub max_depth: usize,
    /// Highest complexity: every field costs 1, a list its page size times what it selects.
    #[arg(long, env = "SCS_MAX_COMPLEXITY", value_name = "COST", default_value_t = QueryLimits::default().complexity)]
    pub max_complexity: usize,
    /// Most fields in a document (fragments counted once).
    #[arg(long, env = "SCS_MAX_FIELDS", value_name = "N", default_value_t = QueryLimits::default().fields)]
    pub max_fields: usize,
    /// Most aliases in a document.
    #[arg(long, env = "SCS_MAX_ALIASES", value_name = "N", default_value_t = QueryLimits::default().aliases)]
    pub max_aliases: usize,
    /// Most directives in a document.
    #[arg(long, env = "SCS_MAX_DIRECTIVES", value_name = "N", default_value_t = QueryLimits::default().directives)]
    pub max_directives: usize,
    /// Most fields at the top of an operation.
    #[arg(long, env = "SCS_MAX_ROOT_FIELDS", value_name = "N", default_value_t = QueryLimits::default().root_fields)]
    pub max_root_fields: usize,
    /// Most lexical tokens in a document, counted before it is parsed.
    #[arg(long, env = "SCS_MAX_TOKENS", value_name = "N", default_value_t = QueryLimits::default().tokens)]
    pub max_tokens: usize,
    /// Answer introspection queries (`__schema`, `__type`); the schema is public, so on by default.
    #[arg(long, env = "SCS_INTROSPECTION", value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Suggest field and argument names in validation errors ("Did you mean …?").
    #[arg(long, env = "SCS_SUGGESTIONS", value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub suggestions: bool,
    /// How long a query may run (from parsing to its last field): a `TIMEOUT` error after it.
    /// Seconds, or a duration such as `500ms`.
    #[arg(long, env = "SCS_QUERY_TIMEOUT", value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub query_timeout: Duration,
}

/// The HTTP transport's limits: sizes, deadlines, batches, CORS and rate limits.
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// How long a request may take from its headers to its answer (a body that trickles in):
    /// 408 after it. Seconds, or a duration such as `500ms`.
    #[arg(long, env = "SCS_REQUEST_TIMEOUT", value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub request_timeout: Duration,
    /// How long a connection may take to send a request's head (request line and headers),
    /// or stay idle between requests: closed after it. Seconds, or a duration.
    #[arg(long, env = "SCS_HEADER_TIMEOUT", value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// Largest request body (413 above it).
    #[arg(long, env = "SCS_MAX_BODY_BYTES", value_name = "BYTES", default_value_t = http::config::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Longest request target, path and query string (414 above it).
    #[arg(long, env = "SCS_MAX_URL_BYTES", value_name = "BYTES", default_value_t = http::config::DEFAULT_MAX_URL_BYTES)]
    pub max_url_bytes: usize,
    /// Most bytes of request headers, names and values (431 above them).
    #[arg(long, env = "SCS_MAX_HEADER_BYTES", value_name = "BYTES", default_value_t = http::config::DEFAULT_MAX_HEADER_BYTES)]
    pub max_header_bytes: usize,
    /// Web origins whose pages may send a token (and so write), comma-separated
    /// (`https://editor.example.org`); pages of every origin may read.
    #[arg(long, env = "SCS_CORS_ORIGINS", value_name = "ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Requests per second a client IP may make (bursts of twice as many pass); 0: no limit.
    #[arg(long, env = "SCS_RATE_LIMIT", value_name = "PER_SECOND", default_value_t = http::ratelimit::DEFAULT_PER_IP)]
    pub rate_limit: u32,
    /// Requests per second a token may make (bursts of twice as many pass); 0: no limit.
    #[arg(long, env = "SCS_TOKEN_RATE_LIMIT", value_name = "PER_SECOND", default_value_t = http::ratelimit::DEFAULT_PER_TOKEN)]
    pub token_rate_limit: u32,
    /// Reverse proxies (IP addresses, comma-separated) whose `X-Forwarded-For` names the client.
    #[arg(long, env = "SCS_TRUSTED_PROXIES", value_name = "IPS", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Most operations in one batched (JSON array) request; 0 (the default) refuses batches.
    #[arg(long, env = "SCS_MAX_BATCH", value_name = "N", default_value_t = 0)]
    pub max_batch: usize,
}

/// A duration flag: whole seconds (`30`) or a duration with its unit (`500ms`, `2m`); more
/// than zero (a zero deadline would refuse everything).
fn duration(text: &str) -> Result<Duration, String> {
    let duration = match text.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            humantime::parse_duration(text).map_err(|e| format!("{e} (give seconds, or e.g. `500ms`)"))?
        }
    };
    if duration.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flags' defaults (written as text for `--help`) are the library's defaults.
    #[test]
    fn the_default_durations_are_the_documented_constants() -> Result<(), clap::Error> {
        let cli = Cli::try_parse_from(["scs-series"])?;
        assert_eq!(cli.serve.limits.query_timeout, crate::graphql::DEFAULT_QUERY_TIMEOUT);
        assert_eq!(cli.serve.http.request_timeout, http::config::DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(cli.serve.http.header_timeout, http::server::DEFAULT_HEADER_TIMEOUT);
        Ok(())
    }

    #[test]
    fn durations_are_seconds_or_have_a_unit_and_are_never_zero() {
        assert_eq!(duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(duration("0").is_err());
        assert!(duration("0s").is_err());
        assert!(duration("soon").is_err());
    }
}

impl LimitArgs {
    pub fn limits(&self) -> QueryLimits {
        QueryLimits {
            depth: self.max_depth,
            complexity: self.max_complexity,
            fields: self.max_fields,
            aliases: self.max_aliases,
            directives: self.max_directives,
            root_fields: self.max_root_fields,
            tokens: self.max_tokens,
        }
    }
}

/// Tokens and backups of the editorial API.
#[derive(Debug, Clone, Args)]
pub struct EditingArgs {
    /// The API tokens' salted hashes (`scs-series token create` writes it); a missing file
    /// holds no tokens.
    #[arg(long, env = "SCS_TOKENS_FILE", value_name = "FILE", default_value = DEFAULT_TOKENS_FILE)]
    pub tokens_file: PathBuf,
    /// More tokens, as `name:scope:hash` separated by commas (for containers).
    #[arg(long, env = "SCS_TOKENS", value_name = "LIST", hide_env_values = true)]
    pub tokens: Option<String>,
    /// Where the `backup` mutation writes.
    #[arg(long, env = "SCS_BACKUP_DIR", value_name = "DIR", default_value = http::config::DEFAULT_BACKUP_DIR)]
    pub backup_dir: PathBuf,
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
    /// Bytes of query answers kept to answer repeated queries without running them (least
    /// recently used go first; a write empties it; 0: none).
    #[arg(long, env = "SCS_RESPONSE_CACHE_BYTES", value_name = "BYTES", default_value_t = http::config::DEFAULT_RESPONSE_CACHE_BYTES)]
    pub response_cache_bytes: usize,
    /// Parsed query documents kept, so a query sent again is not parsed again, and as many
    /// validation results, so a request executed again is not validated again (least recently
    /// used go first; 0: none).
    #[arg(long, env = "SCS_DOCUMENT_CACHE_SIZE", value_name = "ENTRIES", default_value_t = http::config::DEFAULT_DOCUMENT_CACHE_SIZE)]
    pub document_cache_size: usize,
    /// Decoded entities kept with the stored bytes they came from, so a query that misses the
    /// response cache does not decode them again (least recently used go first; 0: none).
    #[arg(long, env = "SCS_ENTITY_CACHE_SIZE", value_name = "ENTRIES", default_value_t = crate::store::decoded::DEFAULT_ENTRIES)]
    pub entity_cache_size: usize,
}
