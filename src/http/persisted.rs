//! Persisted queries: Apollo's automatic persisted queries (APQ) and a registry of trusted
//! operations loaded at start-up, optionally the only operations the server runs.
//!
//! A request names a persisted query in `extensions.persistedQuery`
//! (`{"version": 1, "sha256Hash": "<lowercase hex SHA-256 of the query text>"}`), with or
//! without the query text. [`Persisted::resolve`] turns it into the text to run, or refuses.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::bounded::Bounded;

/// The `format` of an Apollo persisted-query manifest.
pub const MANIFEST_FORMAT: &str = "apollo-persisted-query-manifest";

/// Lowercase hex SHA-256 of `text`: a persisted query's id.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// Trusted operations by id (the SHA-256 of their text), loaded from a file at start-up.
#[derive(Debug, Default)]
pub struct Registry {
    operations: HashMap<String, Arc<str>>,
}

impl Registry {
    /// Reads and checks the file at `path`: an Apollo persisted-query manifest, or a flat JSON
    /// object of id → query text. Every problem is reported, naming the file and the operation.
    pub fn load(path: &Path) -> anyhow::Result<Registry> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the persisted-query list {}", path.display()))?;
        Registry::parse(&text).map_err(|problems| {
            anyhow::anyhow!(
                "the persisted-query list {} has {} problem(s):\n  {}",
                path.display(),
                problems.len(),
                problems.join("\n  ")
            )
        })
    }

    /// Parses and checks a manifest or a flat object; `Err` lists every problem.
    pub fn parse(text: &str) -> Result<Registry, Vec<String>> {
        let json: Value = serde_json::from_str(text).map_err(|e| vec![format!("not valid JSON: {e}")])?;
        let Value::Object(top) = json else {
            return Err(vec!["expected a JSON object (a manifest, or id → query text)".into()]);
        };
        let mut problems = Vec::new();
        let mut operations = HashMap::new();
        let mut add = |label: &str, id: &str, body: &str, problems: &mut Vec<String>| {
            let hash = sha256_hex(body);
            if !id.eq_ignore_ascii_case(&hash) {
                problems.push(format!("{label}: the id is not the SHA-256 of the body (which is {hash})"));
            } else if let Err(e) = async_graphql::parser::parse_query(body) {
                let e = e.to_string().trim_end().replace('\n', "\n      ");
                problems.push(format!("{label}: the body is not valid GraphQL: {e}"));
            } else {
                operations.insert(hash, Arc::from(body));
            }
        };
        if let Some(format) = top.get("format") {
            if format.as_str() != Some(MANIFEST_FORMAT) {
                problems.push(format!("`format` is {format}, expected \"{MANIFEST_FORMAT}\""));
            }
            if top.get("version").and_then(Value::as_u64) != Some(1) {
                problems.push("`version` must be 1".into());
            }
            let Some(list) = top.get("operations").and_then(Value::as_array) else {
                problems.push("`operations` must be an array".into());
                return Err(problems);
            };
            for (index, op) in list.iter().enumerate() {
                let name = op.get("name").and_then(Value::as_str).unwrap_or("");
                let id = op.get("id").and_then(Value::as_str);
                let label = format!("operation {} `{name}` (id {})", index + 1, id.unwrap_or("missing"));
                match (id, op.get("body").and_then(Value::as_str)) {
                    (Some(id), Some(body)) => add(&label, id, body, &mut problems),
                    (None, _) => problems.push(format!("{label}: `id` must be a string")),
                    (_, None) => problems.push(format!("{label}: `body` must be a string")),
                }
            }
        } else {
            for (id, body) in &top {
                let label = format!("operation {id}");
                match body {
                    Value::String(body) => add(&label, id, body, &mut problems),
                    _ => problems.push(format!("{label}: the query text must be a JSON string")),
                }
            }
        }
        if problems.is_empty() {
            Ok(Registry { operations })
        } else {
            Err(problems)
        }
    }

    /// The query text with this id (lowercase hex).
    pub fn get(&self, id: &str) -> Option<&Arc<str>> {
        self.operations.get(id)
    }

    pub fn len(&self) -> usize {
        self.operations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

/// Why a request naming a persisted query (or, with only-persisted, any request) is not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A hash the server does not know: the client should send it again with the query text.
    NotFound,
    /// The query text's SHA-256 is not the hash sent with it.
    HashMismatch,
    /// `persistedQuery.version` is not 1.
    VersionNotSupported,
    /// Only the registry's operations run, and this is not one of them.
    NotInList,
    /// `extensions` or `persistedQuery` is not the shape the protocol defines.
    Malformed(String),
}

impl Refusal {
    /// The HTTP status, `extensions.code` and message of the refusal: a GraphQL error with HTTP
    /// 200 (like every GraphQL error of this API), or 400 for a malformed request.
    pub fn parts(&self) -> (StatusCode, &'static str, &str) {
        match self {
            Refusal::NotFound => (StatusCode::OK, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"),
            Refusal::HashMismatch => (
                StatusCode::OK,
                "PERSISTED_QUERY_HASH_MISMATCH",
                "the query's SHA-256 is not the `sha256Hash` sent with it",
            ),
            Refusal::VersionNotSupported => (
                StatusCode::OK,
                "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
                "unsupported persisted query version: only version 1 is supported",
            ),
            Refusal::NotInList => (
                StatusCode::OK,
                "PERSISTED_QUERY_NOT_IN_LIST",
                "this server runs only the operations in its persisted query list",
            ),
            Refusal::Malformed(message) => (StatusCode::BAD_REQUEST, "BAD_REQUEST", message.as_str()),
        }
    }

    /// The HTTP response, never stored by caches.
    pub fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let mut response = super::error(status, code, message);
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The registry, the only-persisted switch and the APQ cache, shared by all requests.
pub struct Persisted {
    registry: Arc<Registry>,
    only_persisted: bool,
    /// Off when the configured size is 0.
    apq: Bounded<String, Arc<str>>,
}

impl Persisted {
    pub fn new(registry: Arc<Registry>, only_persisted: bool, apq_cache_size: usize) -> Persisted {
        Persisted { registry, only_persisted, apq: Bounded::new(apq_cache_size) }
    }

    /// The query text to run for a request's `query` and `extensions`: `Ok(None)` when it has
    /// neither a query nor a persisted query.
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&Value>,
    ) -> Result<Option<String>, Refusal> {
        let hash = match extensions {
            None | Some(Value::Null) => None,
            Some(Value::Object(extensions)) => match extensions.get("persistedQuery") {
                None | Some(Value::Null) => None,
                Some(persisted) => Some(requested_hash(persisted)?),
            },
            Some(_) => return Err(Refusal::Malformed("`extensions` must be a JSON object".into())),
        };
        match (hash, query) {
            (None, None) => Ok(None),
            (None, Some(query)) => {
                if self.only_persisted && self.registry.get(&sha256_hex(&query)).is_none() {
                    return Err(Refusal::NotInList);
                }
                Ok(Some(query))
            }
            (Some(hash), Some(query)) => {
                if sha256_hex(&query) != hash {
                    return Err(Refusal::HashMismatch);
                }
                if self.registry.get(&hash).is_some() {
                    return Ok(Some(query));
                }
                if self.only_persisted {
                    return Err(Refusal::NotInList);
                }
                self.apq.put(hash, Arc::from(query.as_str()));
                Ok(Some(query))
            }
            (Some(hash), None) => {
                if let Some(query) = self.registry.get(&hash) {
                    return Ok(Some(query.to_string()));
                }
                if self.only_persisted {
                    return Err(Refusal::NotInList);
                }
                let remembered = self.apq.get(&hash);
                remembered.map(|query| Some(query.to_string())).ok_or(Refusal::NotFound)
            }
        }
    }
}

/// The lowercase hash of `extensions.persistedQuery`, after checking its shape and version.
fn requested_hash(persisted: &Value) -> Result<String, Refusal> {
    let hash = persisted.get("sha256Hash").and_then(Value::as_str).ok_or_else(|| {
        Refusal::Malformed("`extensions.persistedQuery` needs `sha256Hash`, a string".into())
    })?;
    if persisted.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(Refusal::VersionNotSupported);
    }
    Ok(hash.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const QUERY: &str = "{ series { title } }";

    fn manifest(operations: Value) -> String {
        json!({ "format": MANIFEST_FORMAT, "version": 1, "operations": operations }).to_string()
    }

    fn ext(hash: &str) -> Value {
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
    }

    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn a_manifest_and_a_flat_object_load() -> Result<(), Vec<String>> {
        let id = sha256_hex(QUERY);
        let registry =
            Registry::parse(&manifest(json!([{ "id": id, "name": "T", "type": "query", "body": QUERY }])))?;
        assert_eq!(registry.get(&id).map(|q| q.to_string()), Some(QUERY.to_string()));
        let registry = Registry::parse(&json!({ id.to_uppercase(): QUERY }).to_string())?;
        assert_eq!(registry.len(), 1);
        assert!(registry.get(&id).is_some(), "ids are kept in lowercase");
        Ok(())
    }

    #[test]
    fn every_problem_of_a_list_is_reported_by_operation() {
        let bad = "{ series { title }";
        let problems = Registry::parse(&manifest(json!([
            { "id": sha256_hex(QUERY), "name": "Fine", "body": QUERY },
            { "id": "abc", "name": "WrongId", "body": QUERY },
            { "id": sha256_hex(bad), "name": "Broken", "body": bad },
            { "name": "NoId", "body": QUERY },
        ])))
        .err()
        .unwrap_or_default();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(
            problems[0].contains("`WrongId`") && problems[0].contains("not the SHA-256"),
            "{problems:#?}"
        );
        assert!(
            problems[1].contains("`Broken`") && problems[1].contains("not valid GraphQL"),
            "{problems:#?}"
        );
        assert!(problems[2].contains("`NoId`") && problems[2].contains("`id`"), "{problems:#?}");

        for text in ["not json", "[]", r#"{"format":"other","version":1,"operations":[]}"#, r#"{"x": 1}"#] {
            assert!(Registry::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn apq_registers_verified_queries_and_forgets_the_least_recently_used() {
        let persisted = Persisted::new(Arc::default(), false, 1);
        let hash = sha256_hex(QUERY);
        assert_eq!(persisted.resolve(None, Some(&ext(&hash))), Err(Refusal::NotFound));
        assert_eq!(persisted.resolve(Some("{ x }".into()), Some(&ext(&hash))), Err(Refusal::HashMismatch));
        assert_eq!(persisted.resolve(None, Some(&ext(&hash))), Err(Refusal::NotFound), "mismatch not kept");
        assert_eq!(persisted.resolve(Some(QUERY.into()), Some(&ext(&hash))), Ok(Some(QUERY.into())));
        assert_eq!(persisted.resolve(None, Some(&ext(&hash.to_uppercase()))), Ok(Some(QUERY.into())));
        let other = "{ updates { totalCount } }";
        assert!(persisted.resolve(Some(other.into()), Some(&ext(&sha256_hex(other)))).is_ok());
        assert_eq!(persisted.resolve(None, Some(&ext(&hash))), Err(Refusal::NotFound), "evicted");

        let none = Persisted::new(Arc::default(), false, 0);
        assert!(none.resolve(Some(QUERY.into()), Some(&ext(&hash))).is_ok());
        assert_eq!(none.resolve(None, Some(&ext(&hash))), Err(Refusal::NotFound), "size 0 keeps none");
    }

    #[test]
    fn shapes_and_versions_are_checked() {
        let persisted = Persisted::new(Arc::default(), false, 10);
        let hash = sha256_hex(QUERY);
        let v2 = json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } });
        assert_eq!(persisted.resolve(Some(QUERY.into()), Some(&v2)), Err(Refusal::VersionNotSupported));
        for malformed in [json!([1]), json!({ "persistedQuery": {} }), json!({ "persistedQuery": 1 })] {
            assert!(matches!(persisted.resolve(None, Some(&malformed)), Err(Refusal::Malformed(_))));
        }
        assert_eq!(persisted.resolve(None, Some(&json!({ "other": 1 }))), Ok(None));
        assert_eq!(persisted.resolve(None, None), Ok(None));
    }

    #[test]
    fn only_persisted_runs_the_registry_and_nothing_else() -> Result<(), Vec<String>> {
        let hash = sha256_hex(QUERY);
        let registry = Arc::new(Registry::parse(&json!({ hash.clone(): QUERY }).to_string())?);
        let only = Persisted::new(registry.clone(), true, 10);
        assert_eq!(only.resolve(None, Some(&ext(&hash))), Ok(Some(QUERY.into())));
        assert_eq!(only.resolve(Some(QUERY.into()), None), Ok(Some(QUERY.into())));
        assert_eq!(only.resolve(Some(QUERY.into()), Some(&ext(&hash))), Ok(Some(QUERY.into())));
        let other = "{ updates { totalCount } }";
        let other_hash = sha256_hex(other);
        assert_eq!(only.resolve(Some(other.into()), None), Err(Refusal::NotInList));
        assert_eq!(only.resolve(Some(other.into()), Some(&ext(&other_hash))), Err(Refusal::NotInList));
        assert_eq!(only.resolve(None, Some(&ext(&other_hash))), Err(Refusal::NotInList), "not registered");

        let open = Persisted::new(registry, false, 10);
        assert_eq!(open.resolve(None, Some(&ext(&hash))), Ok(Some(QUERY.into())), "registry by hash");
        assert_eq!(open.resolve(Some(other.into()), None), Ok(Some(other.into())));
        Ok(())
    }
}
