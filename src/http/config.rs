//! What the HTTP layer can be told at start-up: cache lifetimes, persisted queries, tokens,
//! limits, deadlines, CORS and rate limits.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::persisted::Registry;
use crate::auth::Tokens;
use crate::graphql::QueryLimits;

/// Default `Cache-Control: max-age` of a query's answer.
pub const DEFAULT_CACHE_MAX_AGE_SECS: u64 = 60;
/// Default `Cache-Control: stale-while-revalidate` of a query's answer.
pub const DEFAULT_CACHE_STALE_WHILE_REVALIDATE_SECS: u64 = 300;
/// Default number of automatic persisted queries remembered (least recently used go first).
pub const DEFAULT_APQ_CACHE_SIZE: usize = 1000;
/// Default size of the parsed-document cache (and of the validation results kept).
pub const DEFAULT_DOCUMENT_CACHE_SIZE: usize = 1000;
/// Default budget of the response cache: the seed's every list and person fit several times.
pub const DEFAULT_RESPONSE_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Default deadline of a request, from its headers to its answer.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Default largest request body (413 above it).
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// Default longest request target, path and query string (414 above it): room for a GET query
/// at the token limit.
pub const DEFAULT_MAX_URL_BYTES: usize = 32 * 1024;
/// Default most bytes of request headers, names and values (431 above them).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;

/// Default folder of the backups the `backup` mutation writes.
pub const DEFAULT_BACKUP_DIR: &str = "./backups";

/// The router's configuration; [`HttpConfig::default`] is what `serve` uses without flags.
#[derive(Clone)]
pub struct HttpConfig {
    /// How long caches may serve a query's answer without asking again.
    pub cache_max_age: Duration,
    /// How long after that caches may still serve it while they revalidate in the background.
    pub cache_stale_while_revalidate: Duration,
    /// The trusted operations, found by hash (empty unless a manifest was loaded).
    pub persisted_queries: Arc<Registry>,
    /// Run only the operations of `persisted_queries`, refuse everything else.
    pub only_persisted: bool,
    /// How many automatic persisted queries to remember; 0 remembers none.
    pub apq_cache_size: usize,
    /// How many bytes of query answers to keep for repeated queries; 0 keeps none.
    pub response_cache_bytes: usize,
    /// How many parsed query documents (and validation results) to keep; 0 keeps none.
    pub document_cache_size: usize,
    /// The API tokens editors and admins authenticate with (none: writes are refused).
    pub tokens: Arc<Tokens>,
    /// Where the `backup` mutation writes.
    pub backup_dir: PathBuf,
    /// The limits on every GraphQL document.
    pub limits: QueryLimits,
    /// Answer introspection queries (the schema is public: on by default).
    pub introspection: bool,
    /// Suggest names in validation errors ("Did you mean …?").
    pub suggestions: bool,
    /// How long a request may take, from its headers to its answer (a body that trickles in):
    /// 408 after it.
    pub request_timeout: Duration,
    /// How long a query may run: a `TIMEOUT` error after it.
    pub query_timeout: Duration,
    /// Largest request body (413 above it).
    pub max_body_bytes: usize,
    /// Longest request target (414 above it).
    pub max_url_bytes: usize,
    /// Most bytes of request headers (431 above them).
    pub max_header_bytes: usize,
    /// Most operations in one batched (JSON array) request; 0 refuses batches.
    pub max_batch: usize,
    /// Web origins (`https://editor.example.org`) whose pages may send a token; every origin
    /// may read.
    pub cors_origins: Vec<String>,
    /// Requests per second per client IP and per token, and the proxies trusted to say who
    /// the client is.
    pub rate: super::ratelimit::RateConfig,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            cache_max_age: Duration::from_secs(DEFAULT_CACHE_MAX_AGE_SECS),
            cache_stale_while_revalidate: Duration::from_secs(DEFAULT_CACHE_STALE_WHILE_REVALIDATE_SECS),
            persisted_queries: Arc::new(Registry::default()),
            only_persisted: false,
            apq_cache_size: DEFAULT_APQ_CACHE_SIZE,
            response_cache_bytes: DEFAULT_RESPONSE_CACHE_BYTES,
            document_cache_size: DEFAULT_DOCUMENT_CACHE_SIZE,
            tokens: Arc::new(Tokens::default()),
            backup_dir: PathBuf::from(DEFAULT_BACKUP_DIR),
            limits: QueryLimits::default(),
            introspection: true,
            suggestions: true,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            query_timeout: crate::graphql::DEFAULT_QUERY_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_url_bytes: DEFAULT_MAX_URL_BYTES,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_batch: 0,
            cors_origins: Vec::new(),
            rate: super::ratelimit::RateConfig::default(),
        }
    }
}
