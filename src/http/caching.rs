//! HTTP caching of query answers: a strong ETag computed before running the query, 304 when the
//! client already has the answer, `Cache-Control` by outcome; and ETags that differ per content
//! encoding, since compression changes the bytes.
//!
//! The ETag of a query's answer hashes what determines it: a server fingerprint (crate version,
//! schema, the configuration that changes answers), the store's id, revision and seed digest, and
//! the request (query text, operation name, variables as canonical JSON, whether the cost is
//! reported). The same ETag keys the server's own response cache ([`super::answers`]).

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::answers::AnswerCache;
use super::{AppState, HttpConfig};
use crate::catalog::Snapshot;

pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
/// What a cacheable answer varies by (the compression layer adds it too, only when it compresses).
const VARY: HeaderValue = HeaderValue::from_static("accept-encoding");

/// The `Cache-Control` of cacheable answers and what every ETag starts from.
pub struct CachePolicy {
    cache_control: HeaderValue,
    fingerprint: [u8; 32],
    answers: AnswerCache,
}

/// The ETag of an answer and the content it was computed for.
pub struct Tag {
    etag: String,
    snapshot: Snapshot,
}

impl CachePolicy {
    /// The policy for `config`, serving the schema whose SDL is `sdl`.
    pub fn new(config: &HttpConfig, sdl: &str) -> CachePolicy {
        let cache_control = format!(
            "public, max-age={}, stale-while-revalidate={}",
            config.cache_max_age.as_secs(),
            config.cache_stale_while_revalidate.as_secs()
        );
        let mut hasher = Sha256::new();
        field(&mut hasher, env!("CARGO_PKG_NAME").as_bytes());
        field(&mut hasher, env!("CARGO_PKG_VERSION").as_bytes());
        field(&mut hasher, sdl.as_bytes());
        // Only-persisted refuses what it does not list: the same request gets another answer.
        field(&mut hasher, if config.only_persisted { b"only-persisted" } else { b"open" });
        // Without introspection, an introspection query gets an error instead of the schema.
        field(&mut hasher, if config.introspection { b"introspection" } else { b"no introspection" });
        CachePolicy {
            cache_control: HeaderValue::from_str(&cache_control).unwrap_or(NO_CACHE),
            fingerprint: hasher.finalize().into(),
            answers: AnswerCache::new(config.response_cache_bytes),
        }
    }

    /// How many answers, and bytes of them, the response cache holds.
    pub fn answers_usage(&self) -> (usize, usize) {
        self.answers.usage()
    }

    /// The strong ETag (`"<32 hex digits>"`) of the answer to a request at `revision`.
    fn etag(&self, store: Uuid, revision: u64, seed_digest: Option<&str>, request: &CacheKey<'_>) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.fingerprint);
        // The store's id: a restored store counts revisions again, with other content.
        hasher.update(store.as_bytes());
        hasher.update(revision.to_be_bytes());
        field(&mut hasher, seed_digest.unwrap_or_default().as_bytes());
        hash_request(&mut hasher, request.query, request.operation_name, request.variables);
        // `X-Query-Cost` adds `extensions.cost`: another answer.
        field(&mut hasher, if request.report_cost { b"cost" } else { b"" });
        let digest = hasher.finalize();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut etag = String::with_capacity(34);
        etag.push('"');
        for byte in &digest[..16] {
            etag.push(char::from(HEX[usize::from(byte >> 4)]));
            etag.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        etag.push('"');
        etag
    }

    /// The tag of the current content, `None` while it changes or when the store cannot say
    /// what it is.
    fn tag(&self, state: &AppState, request: &CacheKey<'_>) -> Option<Tag> {
        let snapshot = state.catalog.snapshot()?;
        let etag = self.etag(snapshot.store_id, snapshot.revision, snapshot.seed_digest.as_deref(), request);
        Some(Tag { etag, snapshot })
    }
}

/// What the GraphQL engine's validation of a request depends on (besides the schema): its
/// text, operation name and variables. The key of [`crate::graphql::Validated`].
pub fn validation_digest(query: &str, operation_name: Option<&str>, variables: &Value) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hash_request(&mut hasher, query, operation_name, variables);
    hasher.finalize().into()
}

/// Hashes a request's text, operation name and variables (keys in order: `{"a":1,"b":2}` and
/// `{"b":2,"a":1}` are one request).
fn hash_request(hasher: &mut Sha256, query: &str, operation_name: Option<&str>, variables: &Value) {
    field(hasher, query.as_bytes());
    match operation_name {
        Some(name) => field(hasher, format!("operation {name}").as_bytes()),
        None => field(hasher, b"no operation name"),
    }
    match variables {
        // Most requests have none: no need to write them out.
        Value::Object(map) if map.is_empty() => field(hasher, b"{}"),
        variables => field(hasher, canonical_json(variables).as_bytes()),
    }
}

/// A length-prefixed field, so that no two different inputs hash the same bytes.
fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// What identifies a request's answer besides the server and the store.
pub struct CacheKey<'a> {
    /// The query text that runs (for a persisted query: the text its hash resolved to).
    pub query: &'a str,
    pub operation_name: Option<&'a str>,
    /// A JSON object (`{}` when the request has none).
    pub variables: &'a Value,
    /// Whether the answer reports the query's cost.
    pub report_cost: bool,
}

/// What [`lookup`] found for a request.
pub enum Lookup {
    /// The answer, from the client's own copy (304) or the response cache, and the operation's
    /// name when the cache knows it.
    Answered(Response, Option<String>),
    /// Nothing: run the request. The tag, when the content is stable.
    Run(Option<Tag>),
}

/// Looks a request up before anything is parsed: a matching `If-None-Match` answers 304, an
/// answer in the response cache is sent. `key` is `None` for a request whose answer is never
/// cached (one with a token). The key holds the query text, and only query answers are ever
/// tagged or stored, so only the same query can match, whatever the text turns out to be.
pub fn lookup(state: &AppState, headers: &HeaderMap, key: Option<&CacheKey<'_>>) -> Lookup {
    let Some(tag) = key.and_then(|key| state.cache.tag(state, key)) else { return Lookup::Run(None) };
    let cached = state.cache.answers.get(&tag.etag);
    let operation = cached.as_ref().map(|(_, name)| name.to_string());
    // `*` matches any answer: before parsing, only one known to be a query's.
    if if_none_match(headers, &tag.etag) && (cached.is_some() || !is_wildcard(headers)) {
        return Lookup::Answered(not_modified(&state.cache, &tag.etag), operation);
    }
    match cached {
        Some((body, _)) => {
            let mut response = json_response(body);
            let outcome = super::metrics::Outcome { cached: Some(true), ..Default::default() };
            response.extensions_mut().insert(outcome);
            cacheable(&state.cache, &tag.etag, response.headers_mut());
            Lookup::Answered(response, operation)
        }
        None => Lookup::Run(Some(tag)),
    }
}

/// Runs `request` and answers with the caching headers its outcome allows. `is_query`: its
/// answer may be cached, under `tag` (from [`lookup`]) when the content stayed the same while it
/// ran; `operation` names it for the cache.
pub async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
    is_query: bool,
    tag: Option<Tag>,
    operation: &str,
) -> Response {
    if let Some(tag) = tag.as_ref().filter(|_| is_query && is_wildcard(headers)) {
        return not_modified(&state.cache, &tag.etag);
    }
    let answer = state.schema.execute(request).await;
    let after = state.catalog.snapshot();
    let body = match serde_json::to_vec(&answer) {
        Ok(body) => Bytes::from(body),
        Err(e) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode the answer: {e}"))
                .into_response()
        }
    };
    let mut response = json_response(body.clone());
    response
        .extensions_mut()
        .insert(super::metrics::Outcome { cached: tag.as_ref().map(|_| false), ..outcome(&answer) });
    let headers = response.headers_mut();
    match tag {
        Some(tag) if answer.is_ok() && after.as_ref() == Some(&tag.snapshot) => {
            cacheable(&state.cache, &tag.etag, headers);
            let store = (tag.snapshot.store_id, tag.snapshot.revision);
            state.cache.answers.put(&tag.etag, store, body, operation);
        }
        // The content changed while the query ran (or its revision could not be read): the
        // answer may mix revisions, so no ETag, and caches must ask again.
        _ if is_query && answer.is_ok() => {
            headers.insert(header::CACHE_CONTROL, NO_CACHE);
        }
        // Errors (even beside partial data), operations other than queries.
        _ => {
            headers.insert(header::CACHE_CONTROL, NO_STORE);
        }
    }
    response
}

/// The answer's error codes and the limit that refused it, for the metrics.
fn outcome(answer: &async_graphql::Response) -> super::metrics::Outcome {
    let text = |e: &async_graphql::ServerError, key: &str| {
        e.extensions.as_ref().and_then(|x| x.get(key)).and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        })
    };
    super::metrics::Outcome {
        operation: None,
        codes: answer.errors.iter().map(|e| text(e, "code").unwrap_or_else(|| "UNKNOWN".into())).collect(),
        limit: answer.errors.iter().find_map(|e| text(e, "limit")),
        cached: None,
    }
}

fn not_modified(policy: &CachePolicy, etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    cacheable(policy, etag, response.headers_mut());
    response
}

/// The headers of an answer caches may keep.
fn cacheable(policy: &CachePolicy, etag: &str, headers: &mut HeaderMap) {
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, policy.cache_control.clone());
    headers.insert(header::VARY, VARY);
}

/// A JSON answer of already encoded bytes.
fn json_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// Whether `If-None-Match` lists `etag` or is `*` (weak comparison, RFC 9110 13.1.2).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    listed_tags(headers).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// Whether `If-None-Match` lists `*` (it matches whatever answer there is).
fn is_wildcard(headers: &HeaderMap) -> bool {
    listed_tags(headers).any(|tag| tag == "*")
}

/// The entity tags `If-None-Match` lists, over all its header lines, trimmed.
fn listed_tags(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
}

/// `value` as JSON with every object's keys sorted, whatever map serde_json was built with.
pub fn canonical_json(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(value, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// What [`unsuffix_request`] saw of a request, for [`suffix_answer`].
pub struct Encoding {
    /// The encoding the compression layer will pick, if any.
    preferred: Option<&'static str>,
    /// Whether `If-None-Match` had that encoding's suffix taken off.
    unsuffixed: bool,
}

/// The first half of ETags per content encoding, for a request about to pass through
/// compression. A compressed representation's strong ETag gets the encoding appended
/// (`"<hex>"` → `"<hex>-br"`, as Apache does), since its bytes differ; so an `If-None-Match`
/// with the suffixed form of the encoding this request would get is matched as the plain ETag
/// inside (the 304 then carries the suffixed form the client has).
pub fn unsuffix_request(headers: &mut HeaderMap) -> Encoding {
    let preferred = preferred_encoding(headers);
    let mut unsuffixed = false;
    if let Some(encoding) = preferred {
        if let Some(plain) = strip_suffix(headers, encoding) {
            headers.insert(header::IF_NONE_MATCH, plain);
            unsuffixed = true;
        }
    }
    Encoding { preferred, unsuffixed }
}

/// The second half: appends the encoding compression applied to the answer's ETag.
pub fn suffix_answer(encoding: Encoding, response: &mut Response) {
    let applied = match response.headers().get(header::CONTENT_ENCODING) {
        Some(applied) => applied.to_str().ok().map(str::to_owned),
        None if response.status() == StatusCode::NOT_MODIFIED && encoding.unsuffixed => {
            encoding.preferred.map(str::to_owned)
        }
        None => None,
    };
    if let Some(applied) = applied.filter(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_alphanumeric())) {
        let suffixed = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .filter(|etag| etag.len() >= 2 && etag.starts_with('"') && etag.ends_with('"'))
            .and_then(|etag| HeaderValue::from_str(&format!("{}-{applied}\"", &etag[..etag.len() - 1])).ok());
        if let Some(suffixed) = suffixed {
            response.headers_mut().insert(header::ETAG, suffixed);
        }
    }
}

/// `If-None-Match` with `-<encoding>` taken off its tags; `None` when no tag had it.
fn strip_suffix(headers: &HeaderMap, encoding: &str) -> Option<HeaderValue> {
    let suffix = format!("-{encoding}\"");
    let mut changed = false;
    let tags: Vec<String> = listed_tags(headers)
        .map(|tag| match tag.strip_suffix(&suffix) {
            Some(plain) if plain.len() > 1 => {
                changed = true;
                format!("{plain}\"")
            }
            _ => tag.to_string(),
        })
        .collect();
    if !changed {
        return None;
    }
    HeaderValue::from_str(&tags.join(", ")).ok()
}

/// The encoding tower-http's compression picks for a request (the highest q-value, then br
/// before gzip), `None` for identity. Responses too small to compress stay identity anyway.
fn preferred_encoding(headers: &HeaderMap) -> Option<&'static str> {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|entry| {
            let mut parts = entry.splitn(2, ';');
            let name = parts.next().unwrap_or_default().trim();
            let rank = if name.eq_ignore_ascii_case("br") {
                2
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                1
            } else if name.eq_ignore_ascii_case("identity") {
                0
            } else {
                return None;
            };
            let q = match parts.next().map(str::trim) {
                None => 1000,
                Some(q) => {
                    let value = q.strip_prefix("q=").or_else(|| q.strip_prefix("Q="))?;
                    (value.parse::<f32>().ok()?.clamp(0.0, 1.0) * 1000.0).round() as u32
                }
            };
            (q > 0).then_some((q, rank))
        })
        .max()
        .and_then(|(_, rank)| match rank {
            2 => Some("br"),
            1 => Some("gzip"),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({ "b": 1, "a": { "d": [1, { "y": 2, "x": "é\"" }], "c": null } });
        assert_eq!(canonical_json(&a), r#"{"a":{"c":null,"d":[1,{"x":"é\"","y":2}]},"b":1}"#);
    }

    #[test]
    fn etags_depend_on_every_part_of_the_request_and_the_store() {
        let policy = CachePolicy::new(&HttpConfig::default(), "type Query { x: Int }");
        const S: Uuid = Uuid::from_u128(1);
        let vars = json!({ "y": 2019 });
        fn key<'a>(query: &'a str, operation_name: Option<&'a str>, variables: &'a Value) -> CacheKey<'a> {
            CacheKey { query, operation_name, variables, report_cost: false }
        }
        let base = policy.etag(S, 1, Some("d"), &key("{ x }", None, &vars));
        assert_eq!(base.len(), 34);
        assert!(base.starts_with('"') && base.ends_with('"'));
        let same = json!({ "y": 2019 });
        assert_eq!(base, policy.etag(S, 1, Some("d"), &key("{ x }", None, &same)));
        let other_vars = json!({ "y": 2020 });
        for other in [
            policy.etag(S, 2, Some("d"), &key("{ x }", None, &vars)),
            policy.etag(Uuid::from_u128(2), 1, Some("d"), &key("{ x }", None, &vars)),
            policy.etag(S, 1, Some("e"), &key("{ x }", None, &vars)),
            policy.etag(S, 1, Some("d"), &key("{ x  }", None, &vars)),
            policy.etag(S, 1, Some("d"), &key("{ x }", Some("A"), &vars)),
            policy.etag(S, 1, Some("d"), &key("{ x }", None, &other_vars)),
            CachePolicy::new(&HttpConfig::default(), "type Query { z: Int }").etag(
                S,
                1,
                Some("d"),
                &key("{ x }", None, &vars),
            ),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn if_none_match_takes_lists_weak_tags_and_star() {
        let etag = "\"abc\"";
        assert!(if_none_match(&headers(&[(header::IF_NONE_MATCH, "\"abc\"")]), etag));
        assert!(if_none_match(&headers(&[(header::IF_NONE_MATCH, "\"x\", W/\"abc\"")]), etag));
        assert!(if_none_match(
            &headers(&[(header::IF_NONE_MATCH, "\"x\""), (header::IF_NONE_MATCH, "\"abc\"")]),
            etag
        ));
        assert!(if_none_match(&headers(&[(header::IF_NONE_MATCH, " * ")]), etag));
        assert!(!if_none_match(&headers(&[(header::IF_NONE_MATCH, "\"abd\"")]), etag));
        assert!(!if_none_match(&headers(&[]), etag));
    }

    #[test]
    fn the_preferred_encoding_follows_q_values_then_br() {
        let pick = |value: &'static str| preferred_encoding(&headers(&[(header::ACCEPT_ENCODING, value)]));
        assert_eq!(pick("gzip, deflate, br"), Some("br"));
        assert_eq!(pick("gzip;q=1, br;q=0.5"), Some("gzip"));
        assert_eq!(pick("br;q=0, gzip"), Some("gzip"));
        assert_eq!(pick("identity"), None);
        assert_eq!(pick("deflate"), None);
        assert_eq!(preferred_encoding(&HeaderMap::new()), None);
    }

    #[test]
    fn suffixes_come_off_only_for_the_encoding_given() {
        let h = headers(&[(header::IF_NONE_MATCH, "\"a-br\", W/\"b-gzip\", \"c\"")]);
        assert_eq!(strip_suffix(&h, "br"), Some(HeaderValue::from_static("\"a\", W/\"b-gzip\", \"c\"")));
        assert_eq!(strip_suffix(&h, "gzip"), Some(HeaderValue::from_static("\"a-br\", W/\"b\", \"c\"")));
        assert_eq!(strip_suffix(&headers(&[(header::IF_NONE_MATCH, "\"c\"")]), "br"), None);
    }
}
