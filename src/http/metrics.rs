//! `GET /metrics`, in the Prometheus text format: requests and their latency by operation and
//! status, errors by code, refusals by limit, and the store's revision, size and entity count.
//!
//! Handlers describe their answer with an [`Outcome`] in the response's extensions (the GraphQL
//! operation's name, the error codes, the limit that refused it); [`record`] counts it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Instant;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use super::AppState;

/// Most distinct operation names counted; later ones are counted as `other`, so a client
/// cannot grow the metrics without bound by inventing names.
const MAX_OPERATION_NAMES: usize = 200;

/// What an answer was, for the metrics.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub operation: Option<String>,
    /// `extensions.code` of every error.
    pub codes: Vec<String>,
    /// The limit that refused the request, if one did.
    pub limit: Option<String>,
    /// For a cacheable query: whether the response cache had its answer.
    pub cached: Option<bool>,
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    refusals: IntCounterVec,
    revision: IntGauge,
    store_bytes: IntGauge,
    entities: IntGauge,
    cache_hits: IntCounter,
    cache_misses: IntCounter,
    cache_entries: IntGauge,
    cache_bytes: IntGauge,
    /// Counted by the validation cache itself (inside the engine), copied here when rendered,
    /// one render at a time.
    validation_lookups: Mutex<IntCounterVec>,
    /// By operation name (or route): its series, looked up once. A prometheus label lookup
    /// hashes the labels and takes a lock, and every answer needed three.
    labels: RwLock<Labels>,
}

#[derive(Default)]
struct Labels {
    series: HashMap<String, Series>,
    /// How many of them are operations' names (the rest are routes, and `other`).
    operations: usize,
}

/// One label's latency histogram and request counters for the two statuses nearly every
/// answer has (others are looked up each time). A counter is made when first counted, so that
/// `/metrics` lists no status a label never answered.
struct Series {
    latency: Histogram,
    ok: OnceLock<IntCounter>,
    not_modified: OnceLock<IntCounter>,
}

impl Metrics {
    pub fn new() -> Result<Arc<Metrics>, prometheus::Error> {
        let registry = Registry::new_custom(Some("scs".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "Requests answered, by operation (or route) and status"),
            &["operation", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by operation (or route)")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(Opts::new("errors_total", "Errors answered, by code"), &["code"])?;
        let refusals =
            IntCounterVec::new(Opts::new("limit_refusals_total", "Requests refused by a limit"), &["limit"])?;
        let revision = IntGauge::new("store_revision", "The store's revision")?;
        let store_bytes = IntGauge::new("store_size_bytes", "The store's size on disk")?;
        let entities = IntGauge::new("store_entities", "Entities in the store")?;
        let cache_lookups = IntCounterVec::new(
            Opts::new(
                "response_cache_lookups_total",
                "Cacheable queries, by whether the response cache had the answer",
            ),
            &["result"],
        )?;
        let cache_entries = IntGauge::new("response_cache_entries", "Answers in the response cache")?;
        let cache_bytes = IntGauge::new("response_cache_bytes", "Bytes of answers in the response cache")?;
        let validation_lookups = IntCounterVec::new(
            Opts::new(
                "validation_cache_lookups_total",
                "Requests that reached validation, by whether its result was kept from before",
            ),
            &["result"],
        )?;
        registry.register(Box::new(validation_lookups.clone()))?;
        registry.register(Box::new(cache_lookups.clone()))?;
        registry.register(Box::new(cache_entries.clone()))?;
        registry.register(Box::new(cache_bytes.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(refusals.clone()))?;
        registry.register(Box::new(revision.clone()))?;
        registry.register(Box::new(store_bytes.clone()))?;
        registry.register(Box::new(entities.clone()))?;
        Ok(Arc::new(Metrics {
            registry,
            requests,
            latency,
            errors,
            refusals,
            revision,
            store_bytes,
            entities,
            cache_hits: cache_lookups.with_label_values(&["hit"]),
            cache_misses: cache_lookups.with_label_values(&["miss"]),
            cache_entries,
            cache_bytes,
            validation_lookups: Mutex::new(validation_lookups),
            labels: RwLock::new(Labels::default()),
        }))
    }

    /// Counts an answer with `status`, `seconds` after the request came, under `label`: an
    /// operation's name while it is among the first [`MAX_OPERATION_NAMES`] seen (later ones are
    /// `other`), or a route.
    fn count(&self, label: Label<'_>, status: StatusCode, seconds: f64) {
        let name = match label {
            Label::Operation(name) | Label::Route(name) => name,
        };
        let known = self.labels.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(series) = known.series.get(name) {
            return self.count_in(series, name, status, seconds);
        }
        // Past the cap, invented names share `other` without the write lock.
        let capped = known.operations >= MAX_OPERATION_NAMES || name.len() > 100;
        if let (Label::Operation(_), true, Some(other)) = (label, capped, known.series.get("other")) {
            return self.count_in(other, "other", status, seconds);
        }
        drop(known);
        let mut known = self.labels.write().unwrap_or_else(PoisonError::into_inner);
        let name = match label {
            Label::Operation(name) if known.series.contains_key(name) => name,
            Label::Operation(name) if known.operations < MAX_OPERATION_NAMES && name.len() <= 100 => {
                known.operations += 1;
                name
            }
            Label::Operation(_) => "other",
            Label::Route(route) => route,
        };
        let series = known.series.entry(name.to_string()).or_insert_with(|| Series {
            latency: self.latency.with_label_values(&[name]),
            ok: OnceLock::new(),
            not_modified: OnceLock::new(),
        });
        self.count_in(series, name, status, seconds);
    }

    fn count_in(&self, series: &Series, name: &str, status: StatusCode, seconds: f64) {
        series.latency.observe(seconds);
        let counter = match status {
            StatusCode::OK => &series.ok,
            StatusCode::NOT_MODIFIED => &series.not_modified,
            other => return self.requests.with_label_values(&[name, other.as_str()]).inc(),
        };
        counter.get_or_init(|| self.requests.with_label_values(&[name, status.as_str()])).inc();
    }
}

/// What an answer is counted under.
#[derive(Clone, Copy)]
enum Label<'a> {
    /// A GraphQL operation's name (or `-`), as the client sent it.
    Operation(&'a str),
    /// What [`route`] says.
    Route(&'a str),
}

/// Counts every answer.
pub fn record(metrics: &Metrics, route: &'static str, started: Instant, response: &Response) {
    let none = Outcome::default();
    let outcome = response.extensions().get::<Outcome>().unwrap_or(&none);
    let label = match &outcome.operation {
        Some(name) => Label::Operation(name),
        None => Label::Route(route),
    };
    metrics.count(label, response.status(), started.elapsed().as_secs_f64());
    for code in &outcome.codes {
        metrics.errors.with_label_values(&[code.as_str()]).inc();
    }
    if let Some(limit) = &outcome.limit {
        metrics.refusals.with_label_values(&[limit.as_str()]).inc();
    }
    match outcome.cached {
        Some(true) => metrics.cache_hits.inc(),
        Some(false) => metrics.cache_misses.inc(),
        None => {}
    }
}

/// The route a request for `path` matches, the label of its metrics when it names no
/// operation. Worked out here because the metrics are taken around the router, before it
/// routes; it follows the routes [`super::router`] declares.
pub fn route(path: &str) -> &'static str {
    match path {
        "/" => "/",
        "/graphql" => "/graphql",
        "/graphql/ws" => "/graphql/ws",
        "/health" => "/health",
        "/ready" => "/ready",
        "/metrics" => "/metrics",
        asset if super::playground::is_asset_route(asset) => "/playground/{asset}",
        _ => "unmatched",
    }
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Response {
    let metrics = &state.metrics;
    let store = state.catalog.store();
    if let Ok(revision) = store.revision() {
        metrics.revision.set(i64::try_from(revision).unwrap_or(i64::MAX));
    }
    if let Ok(bytes) = store.size_on_disk() {
        metrics.store_bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
    metrics.entities.set(i64::try_from(store.entity_count()).unwrap_or(i64::MAX));
    let (entries, bytes) = state.cache.answers_usage();
    metrics.cache_entries.set(i64::try_from(entries).unwrap_or(i64::MAX));
    metrics.cache_bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
    let (hits, misses) = state.validated.lookups();
    if let Ok(lookups) = metrics.validation_lookups.lock() {
        for (result, now) in [("hit", hits), ("miss", misses)] {
            let counter = lookups.with_label_values(&[result]);
            counter.inc_by(now.saturating_sub(counter.get()));
        }
    }
    let mut text = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&metrics.registry.gather(), &mut text) {
        tracing::error!(error = %e, "metrics could not be encoded");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::{Label, Metrics, MAX_OPERATION_NAMES};
    use axum::http::StatusCode as Status;

    /// Kept series count what the label lookups did, statuses are listed only once answered,
    /// and names past the cap are counted as `other` (routes are not capped).
    #[test]
    fn kept_series_count_like_label_lookups_and_names_are_capped() -> anyhow::Result<()> {
        let metrics = Metrics::new()?;
        metrics.count(Label::Operation("Named"), Status::OK, 0.001);
        metrics.count(Label::Operation("Named"), Status::OK, 0.001);
        metrics.count(Label::Operation("Named"), Status::NOT_MODIFIED, 0.001);
        metrics.count(Label::Operation("Named"), Status::BAD_REQUEST, 0.001);
        for i in 0..MAX_OPERATION_NAMES + 5 {
            metrics.count(Label::Operation(&format!("Op{i}")), Status::OK, 0.001);
        }
        metrics.count(Label::Operation("Named"), Status::OK, 0.001);
        metrics.count(Label::Route("/health"), Status::OK, 0.001);
        let mut text = Vec::new();
        prometheus::Encoder::encode(&prometheus::TextEncoder::new(), &metrics.registry.gather(), &mut text)?;
        let text = String::from_utf8(text)?;
        for line in [
            r#"scs_http_requests_total{operation="Named",status="200"} 3"#,
            r#"scs_http_requests_total{operation="Named",status="304"} 1"#,
            r#"scs_http_requests_total{operation="Named",status="400"} 1"#,
            r#"scs_http_request_duration_seconds_count{operation="Named"} 5"#,
            r#"scs_http_requests_total{operation="other",status="200"} 6"#,
            r#"scs_http_requests_total{operation="/health",status="200"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        let past_cap = format!("operation=\"Op{}\"", MAX_OPERATION_NAMES - 1);
        assert!(!text.contains(&past_cap), "{past_cap}");
        assert!(!text.contains(r#"operation="/health",status="304""#), "no series for an unseen status");
        Ok(())
    }

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt as _;

    /// Every label but `unmatched` names a route the router answers, and a path it does not
    /// answer is `unmatched`: the label list follows the routes.
    #[tokio::test]
    async fn route_labels_follow_the_router() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seed");
        let catalog = crate::catalog::Catalog::open(&dir.path().join("store"), &seed)?;
        let router = super::super::router(catalog, super::super::HttpConfig::default());
        for (path, label) in [
            ("/", "/"),
            ("/graphql", "/graphql"),
            ("/health", "/health"),
            ("/ready", "/ready"),
            ("/metrics", "/metrics"),
            ("/graphql/nope", "unmatched"),
            ("/playground/nope.js", "unmatched"),
        ] {
            assert_eq!(super::route(path), label, "{path}");
            let status = router.clone().oneshot(Request::get(path).body(Body::empty())?).await?.status();
            assert_eq!(status == StatusCode::NOT_FOUND, label == "unmatched", "{path}: {status}");
        }
        Ok(())
    }
}
